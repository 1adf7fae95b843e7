//go:build unix

package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestOpenLockRefusesLinksAndSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "x.lock")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenLock(link); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("OpenLock(symlink) = %v, want a refusal naming the link", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Fatalf("the link's target changed: %q", b)
	}
	if _, err := OpenLock(dir); err == nil {
		t.Fatal("OpenLock(directory) succeeded")
	}
	f, err := OpenLock(filepath.Join(dir, "y.lock"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if fi, err := os.Stat(filepath.Join(dir, "y.lock")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("lock file: %v, mode %v, want 0600", err, fi.Mode().Perm())
	}
}

func TestTryLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.lock")
	a, err := OpenLock(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenLock(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := TryLock(a, true); err != nil {
		t.Fatal(err)
	}
	if err := TryLock(b, false); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("shared lock while exclusive held: %v, want ErrWouldBlock", err)
	}
	Unlock(a)
	if err := TryLock(a, false); err != nil {
		t.Fatal(err)
	}
	if err := TryLock(b, false); err != nil {
		t.Fatalf("two shared locks: %v", err)
	}
	if err := TryLock(b, true); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("exclusive lock while shared held elsewhere: %v, want ErrWouldBlock", err)
	}
}

func TestOpenRegularRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, what string }{{fifo, "named pipe"}, {dir, "directory"}} {
		if _, _, err := OpenRegular(c.path, os.O_RDWR|os.O_APPEND); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), c.what) {
			t.Fatalf("OpenRegular(%s) = %v, want ErrNotRegular naming a %s", c.what, err, c.what)
		}
		if err := CheckRegular(c.path); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), c.what) {
			t.Fatalf("CheckRegular(%s) = %v, want ErrNotRegular naming a %s", c.what, err, c.what)
		}
	}
	if err := CheckRegular(filepath.Join(dir, "missing")); err != nil {
		t.Fatalf("CheckRegular(missing) = %v, want nil", err)
	}
	if err := CheckRegular("/dev/null"); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("CheckRegular(/dev/null) = %v", err)
	}
	path := filepath.Join(dir, "data")
	f, fi, err := OpenRegular(path, os.O_RDWR|os.O_APPEND|os.O_CREATE)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("created with mode %v, want 0600", fi.Mode().Perm())
	}
	if _, _, err := OpenRegular(filepath.Join(dir, "absent"), os.O_RDONLY); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("OpenRegular(absent) = %v, want ErrNotExist", err)
	}
}

func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sessions.log")
	for _, n := range []string{"sessions.log", "sessions.log.tmp-1", "sessions.log.tmp-2", "other.log.tmp-1"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sessions.log.tmp-dir"), 0o700); err != nil {
		t.Fatal(err)
	}
	got := RemoveTemps(path, ".tmp-")
	slices.Sort(got)
	if !slices.Equal(got, []string{"sessions.log.tmp-1", "sessions.log.tmp-2"}) {
		t.Fatalf("removed %v", got)
	}
	left, _ := os.ReadDir(dir)
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"other.log.tmp-1", "sessions.log", "sessions.log.tmp-dir"}) {
		t.Fatalf("left %v", names)
	}
	if err := SyncDir(dir); err != nil {
		t.Fatal(err)
	}
}
