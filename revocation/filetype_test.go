//go:build unix

package revocation

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// openWithin runs NewLocal on path in a goroutine and fails the test if it
// has not returned within a few seconds (a named pipe opened without
// O_NONBLOCK would block it for ever), so a hang fails this test, not the
// whole run.
func openWithin(t *testing.T, path string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: quiet})
		if err == nil {
			l.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("NewLocal(%s) did not return within 5 s", path)
		return nil
	}
}

// TestLogMustBeRegularFile: a named pipe, a device or a directory at Path
// is refused at once with ErrCorrupt naming what it is, and no lock file is
// created beside it.
func TestLogMustBeRegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.log")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "dir.log")
	must(t, os.Mkdir(sub, 0o700))
	link := filepath.Join(dir, "link.log")
	must(t, os.Symlink(fifo, link))
	for _, c := range []struct {
		path, kind string
	}{
		{fifo, "named pipe"},
		{link, "named pipe"}, // followed
		{"/dev/null", "character device"},
		{sub, "directory"},
	} {
		t.Run(c.kind+" "+filepath.Base(c.path), func(t *testing.T) {
			if _, err := os.Stat(c.path); err != nil {
				t.Skip(err)
			}
			lock := c.path + ".lock"
			if _, err := os.Lstat(lock); err == nil {
				t.Skipf("%s exists already", lock)
			}
			err := openWithin(t, c.path)
			if _, lerr := os.Lstat(lock); lerr == nil {
				os.Remove(lock)
				t.Errorf("a lock file %s was created for a log that is refused", lock)
			}
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.kind) {
				t.Errorf("NewLocal(%s) = %v, want ErrCorrupt naming a %s", c.path, err, c.kind)
			}
		})
	}
	if fi, err := os.Stat(fifo); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the named pipe was touched: %v, %v", fi, err)
	}
}

// TestLockFileSymlinkRefused: a symbolic link planted at Path+".lock" is
// not followed: NewLocal fails saying so, and the file it points to is
// left byte for byte as it was.
func TestLockFileSymlinkRefused(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "precious")
	content := []byte("not a lock file\n")
	must(t, os.WriteFile(target, content, 0o644))
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	must(t, os.Chtimes(target, old, old))
	for name, to := range map[string]string{"to a file": target, "dangling": filepath.Join(dir, "nowhere")} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".log")
			must(t, os.Symlink(to, path+".lock"))
			_, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: quiet})
			if err == nil || !strings.Contains(err.Error(), "symbolic link") || !strings.Contains(err.Error(), path+".lock") {
				t.Fatalf("NewLocal with a symlinked lock file = %v, want a refusal naming it", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "nowhere")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the link's target was created: %v", err)
			}
		})
	}
	fi, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, target); !bytes.Equal(got, content) || !fi.ModTime().Equal(old) || fi.Mode().Perm() != 0o644 {
		t.Errorf("the link's target changed: %q, %v, %v", got, fi.ModTime(), fi.Mode())
	}
}

// TestLogReplacedByFIFO: a log replaced under an open set by a named pipe
// (another process's "compaction", as the set sees it) is refused when the
// set next follows the file, at once, not read for ever.
func TestLogReplacedByFIFO(t *testing.T) {
	path := logPath(t)
	l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, PollInterval: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	must(t, l.RevokeSession(ctx, sess(testID(1)), later))
	fifo := path + ".fifo"
	must(t, syscall.Mkfifo(fifo, 0o600))
	must(t, os.Rename(fifo, path))
	done := make(chan error, 1)
	go func() { done <- l.RevokeSession(ctx, sess(testID(2)), later) }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("RevokeSession after the log became a named pipe = %v, want ErrCorrupt naming it", err)
		}
	case <-time.After(5 * time.Second):
		// Not closed: Close would wait for the stuck write.
		t.Fatal("RevokeSession blocked on a named pipe")
	}
	wantVerdict(t, l, Query{ID: testID(2)}, time.Now(), SessionRevoked) // in memory all the same
	l.Close()
}
