package redisset

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/revocation"
)

// TestPartitionOfTheLoggingOutNode cuts only node A off Redis (a proxy
// between them) and logs a session out on A. The logout is in force on A,
// and says so: pending (HTTP 202), A's Health degraded with the count — not
// stale, not an outage. B, still current, keeps accepting the session for
// as long as the partition lasts: nothing can tell it. Once the partition
// heals, A delivers the logout and B rejects the session.
func TestPartitionOfTheLoggingOutNode(t *testing.T) {
	srv := startRedis(t)
	p := newProxy(t, srv.addr())
	oa := testOptions(t, p.addr())
	oa.DialTimeout, oa.ReadTimeout, oa.WriteTimeout = 200*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond
	a := newSet(t, oa)
	b := newSet(t, testOptions(t, srv.addr()))
	ring := testRing(t)
	store := func(s *Set) *cookie.Store {
		st, err := cookie.New(cookie.Options{Name: "session", Keys: ring, Revocations: s})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	sa, sb := store(a), store(b)
	tok, err := sa.Create(bg, cookie.CreateOptions{Subject: "grace"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Read(bg, tok); err != nil {
		t.Fatalf("B reads A's session: %v", err)
	}

	p.cut()
	err = sa.Delete(bg, tok)
	if !errors.Is(err, cookie.ErrPending) || cookie.HTTPStatus(err) != http.StatusAccepted {
		t.Fatalf("logout on A cut off Redis: %v (HTTP %d), want ErrPending (HTTP 202)", err, cookie.HTTPStatus(err))
	}
	if _, err := sa.Read(bg, tok); !errors.Is(err, cookie.ErrRevoked) {
		t.Errorf("A accepts the session it logged out: %v", err)
	}
	// A client replaying the logout during the partition grows nothing:
	// the revocation is in force here already, and waits once.
	for range 500 {
		if err := sa.Delete(bg, tok); !errors.Is(err, cookie.ErrPending) {
			t.Fatalf("a replayed logout on A: %v, want ErrPending", err)
		}
	}
	if n := a.Status().Pending; n != 1 {
		t.Errorf("after 500 replays of one logout, %d revocations wait in the outbox, want 1", n)
	}
	herr := a.Health(bg)
	if !errors.Is(herr, revocation.ErrDegraded) || errors.Is(herr, ErrStale) || errors.Is(herr, ErrUnavailable) || !strings.Contains(herr.Error(), "1 revocations wait") {
		t.Errorf("A's Health: %v; want ErrDegraded naming 1 pending revocation, not ErrStale nor ErrUnavailable", herr)
	}
	if err := sa.Healthy(bg); !errors.Is(err, revocation.ErrDegraded) || errors.Is(err, cookie.ErrUnavailable) {
		t.Errorf("A's store Healthy: %v, want degraded, not unavailable", err)
	}
	// B is current and healthy, and accepts the session all along.
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if _, err := sb.Read(bg, tok); err != nil {
			t.Fatalf("B, not partitioned, during A's partition: %v; want the session accepted (B cannot know)", err)
		}
		if err := b.Health(bg); err != nil || b.Status().Stale {
			t.Fatalf("B during A's partition: Health %v, %+v; want healthy and current", err, b.Status())
		}
		time.Sleep(50 * time.Millisecond)
	}

	p.restore()
	var rerr error
	if !waitFor(10*time.Second, func() bool { _, rerr = sb.Read(bg, tok); return errors.Is(rerr, cookie.ErrRevoked) }) {
		t.Fatalf("waiting (10 s) after the partition healed for B to reject the session: %v; A %+v", rerr, a.Status())
	}
	if !waitFor(5*time.Second, func() bool { return a.Health(bg) == nil }) {
		t.Errorf("A's Health after delivering: %v (%+v)", a.Health(bg), a.Status())
	}
}
