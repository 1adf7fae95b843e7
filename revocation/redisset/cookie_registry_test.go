package redisset

import (
	"errors"
	"testing"
	"time"

	"github.com/crumbhq/crumb/cookie"
)

// TestCookieStoresRegistry runs two cookie stores, as two instances of one
// application, each with its own Set and Registry on one redis-server: a
// session created on A is listed on B, ended from B ("sign out this
// device" on a settings page served by B), and then rejected by A.
func TestCookieStoresRegistry(t *testing.T) {
	srv := startRedis(t)
	ring := testRing(t)
	newStore := func() *cookie.Store {
		st, err := cookie.New(cookie.Options{
			Name: "session", Keys: ring,
			Revocations: newSet(t, testOptions(t, srv.addr())),
			Registry:    openRegistry(t, regOptions(t, srv.addr())),
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a, b := newStore(), newStore()

	laptop, err := a.Create(bg, cookie.CreateOptions{Subject: "erin", Labels: map[string]string{"device": "laptop"}})
	if err != nil {
		t.Fatal(err)
	}
	phone, err := b.Create(bg, cookie.CreateOptions{Subject: "erin", Labels: map[string]string{"device": "phone"}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := a.Read(bg, laptop)
	if err != nil {
		t.Fatal(err)
	}

	// B lists both, whichever instance signed them in.
	infos, err := b.Sessions(bg, "erin")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 {
		t.Fatalf("B lists %d sessions, want 2", len(infos))
	}
	var found bool
	for _, in := range infos {
		if in.ID == r.ID() {
			found = in.Labels["device"] == "laptop"
		}
	}
	if !found {
		t.Fatalf("B's list %+v lacks A's laptop session with its label", infos)
	}

	// Guessing from B: another subject cannot end it.
	if err := b.RevokeSession(bg, "mallory", r.ID()); !errors.Is(err, cookie.ErrNoSuchSession) {
		t.Fatalf("RevokeSession by another subject = %v, want ErrNoSuchSession", err)
	}
	if _, err := a.Read(bg, laptop); err != nil {
		t.Fatalf("a guessed revocation changed the session: %v", err)
	}

	// Ended from B, rejected by A once the revocation reaches it.
	if err := b.RevokeSession(bg, "erin", r.ID()); err != nil {
		t.Fatal(err)
	}
	var rerr error
	if !waitFor(5*time.Second, func() bool { _, rerr = a.Read(bg, laptop); return errors.Is(rerr, cookie.ErrRevoked) }) {
		t.Fatalf("A still accepts the session ended on B: %v", rerr)
	}
	if _, err := a.Read(bg, phone); err != nil {
		t.Fatalf("the other session was touched: %v", err)
	}
	infos, err = a.Sessions(bg, "erin")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || infos[0].Labels["device"] != "phone" {
		t.Fatalf("A lists %+v after B ended the laptop, want the phone only", infos)
	}
}
