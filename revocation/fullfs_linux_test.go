package revocation

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestFullFilesystem fills a real (tmpfs) filesystem under the log: the
// revocations that need a new page fail, and once space is freed the set
// recovers without reopening. It needs root and mount(2).
func TestFullFilesystem(t *testing.T) {
	dir := smallTmpfs(t)
	path := filepath.Join(dir, "revoked.log")
	var logs logBuffer
	l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	later := time.Now().Add(time.Hour)
	ids := newIDs(21)
	var all []ID
	revoke := func() error {
		id := ids.next()
		all = append(all, id)
		return l.RevokeSession(ctx, sess(id), later)
	}
	for range 10 {
		must(t, revoke())
	}

	filler := filepath.Join(dir, "filler")
	fillUp(t, filler)

	// The log's last page has room for a few records; then writes fail.
	var failed error
	for i := 0; i < 200 && failed == nil; i++ {
		failed = revoke()
	}
	if !errors.Is(failed, syscall.ENOSPC) {
		t.Fatalf("revocations on a full filesystem: %v, want ENOSPC", failed)
	}
	if err := l.Health(ctx); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Health = %v, want ENOSPC", err)
	}
	wantVerdict(t, l, Query{ID: all[len(all)-1]}, time.Now(), SessionRevoked)

	must(t, os.Remove(filler))
	took := waitFor(t, "the log to recover after space was freed", 5*time.Second, func() bool { return l.Health(ctx) == nil })
	t.Logf("%d revocations, the last failed with %v; recovered %v after space was freed", len(all), failed, took.Round(time.Millisecond))
	must(t, revoke())
	if st := l.Stats(); st.Recoveries != 1 {
		t.Errorf("Recoveries = %d, want 1", st.Recoveries)
	}
	must(t, l.Close())
	wantAllRevoked(t, path, all)
}

// TestOpenOnFullDisk: an application whose log needs rewriting at open (a
// version-1 log, a torn tail) starts even when the disk is full: its
// revocations are enforced, Health reports the failure, and the log is
// rewritten once space is freed. It needs root and mount(2).
func TestOpenOnFullDisk(t *testing.T) {
	dir := smallTmpfs(t)
	path := filepath.Join(dir, "revoked.log")
	n := uint32(time.Now().Unix())
	must(t, os.WriteFile(path, cat([]byte(v1Header), v1Session(testID(1), n+3600)), 0o600))
	fillUp(t, filepath.Join(dir, "filler"))

	l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, PollInterval: 20 * time.Millisecond, Logger: quiet})
	if err != nil {
		t.Fatalf("NewLocal on a full disk = %v, want a set that starts", err)
	}
	defer l.Close()
	wantVerdict(t, l, Query{ID: testID(1)}, time.Now(), SessionRevoked)
	if err := l.Health(ctx); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Health = %v, want ENOSPC", err)
	}
	if err := l.RevokeSession(ctx, sess(testID(2)), time.Now().Add(time.Hour)); err == nil {
		t.Error("a revocation was acknowledged while the log cannot be written")
	}
	must(t, os.Remove(filepath.Join(dir, "filler")))
	waitFor(t, "the log to recover once space is freed", maxRetryDelay+2*time.Second, func() bool { return l.Health(ctx) == nil })
	if b := readFile(t, path); b[8] != logVersion {
		t.Errorf("the recovered log is version %d, want %d", b[8], logVersion)
	}
	must(t, l.Close())
	wantAllRevoked(t, path, []ID{testID(1), testID(2)})
}

// smallTmpfs mounts a 256 KiB tmpfs on a temporary directory, unmounted at
// the end of the test, or skips the test where mounting is not permitted.
func smallTmpfs(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=256k"); err != nil {
		t.Skipf("mounting a tmpfs on %s is not permitted here (%v): TestWriteFailureRecovers covers write failures", dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
				t.Errorf("detaching %s: %v", dir, err)
			}
		}
	})
	return dir
}

// fillUp writes path until the filesystem is full (at most 4 MB).
func fillUp(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for range 1024 {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the filesystem: %v", err)
			}
			return
		}
	}
	t.Fatal("the filesystem took 4 MB without filling up")
}
