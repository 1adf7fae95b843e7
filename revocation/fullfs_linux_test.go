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
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=256k"); err != nil {
		t.Skipf("mounting a 256 KiB tmpfs on %s is not permitted here (%v): the full-disk case is covered by TestWriteFailureRecovers", dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Logf("unmounting %s: %v; detaching it", dir, err)
			if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
				t.Errorf("detaching %s: %v", dir, err)
			}
		}
	})
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
	fill, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for i := 0; ; i++ {
		if _, err := fill.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the filesystem: %v", err)
			}
			break
		}
		if i > 1000 {
			t.Fatal("the 256 KiB filesystem took 4 MB")
		}
	}
	fill.Close()

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
