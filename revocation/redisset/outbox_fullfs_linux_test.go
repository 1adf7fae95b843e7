package redisset

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/crumbhq/crumb/revocation"
)

// TestOutboxFullDiskRecovers: an outbox on a disk that fills up refuses
// revocations (they are not acknowledged) and makes Health unavailable —
// but only for as long as the disk is full: once space is freed, the
// outbox takes revocations again without a restart, and delivers them.
// It needs root and mount(2).
func TestOutboxFullDiskRecovers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("mounting a tmpfs on %s is not permitted here (%v)", dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	})
	srv := startRedis(t)
	p := newProxy(t, srv.addr())
	o := testOptions(t, p.addr())
	o.OutboxPath = filepath.Join(dir, "outbox")
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout = 200*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond
	a := newSet(t, o)

	// Fill the filesystem, then cut Redis off: revocations must go to the
	// outbox, which cannot grow.
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for range 64 {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()
	p.cut()
	until := time.Now().Add(time.Hour)
	rs := func(i int) revocation.Session {
		// A subject each: a subject's 33rd revocation would be covered by
		// its collapse and need no record.
		return revocation.Session{ID: newID(), Subject: fmt.Sprint("user-", i), Created: time.Now()}
	}
	var refused error
	var failed revocation.Session
	for i := 0; i < 2000 && refused == nil; i++ {
		failed = rs(i)
		if err := a.RevokeSession(bg, failed, until); !errors.Is(err, revocation.ErrPending) {
			refused = err
		}
	}
	if !errors.Is(refused, ErrOutbox) || !errors.Is(refused, syscall.ENOSPC) {
		t.Fatalf("a revocation on a full disk = %v, want ErrOutbox with ENOSPC", refused)
	}
	if err := a.Health(bg); !errors.Is(err, ErrOutbox) {
		t.Errorf("Health with the outbox failing: %v, want ErrOutbox", err)
	}
	// Retried at once, the refused revocation is refused again: it is in
	// force on this node, but nothing durable holds it.
	if err := a.RevokeSession(bg, failed, until); err == nil || errors.Is(err, revocation.ErrPending) {
		t.Errorf("the refused revocation, retried on the full disk: %v, want a failure", err)
	}

	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	last := rs(1000)
	if !waitFor(15*time.Second, func() bool { return errors.Is(a.RevokeSession(bg, last, until), revocation.ErrPending) }) {
		t.Fatalf("waiting (15 s) after space was freed for the outbox to take revocations again: %v", a.Health(bg))
	}
	if err := a.Health(bg); errors.Is(err, ErrOutbox) {
		t.Errorf("Health after the outbox recovered: %v", err)
	}
	p.restore()
	if !waitFor(15*time.Second, func() bool { return a.Status().Pending == 0 }) {
		t.Fatalf("waiting (15 s) for the outbox to be delivered: %+v", a.Status())
	}
	if err := a.Health(bg); err != nil {
		t.Errorf("Health once delivered: %v", err)
	}
}
