package cookie_test

import (
	"errors"
	"testing"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/revocation"
)

// TestRememberMe checks remembered sessions: the longer lifetime, kept
// across reissues and renewals and dropped by a plain login; as revocable
// as any session (logout, log out everywhere); crumb's mark hidden from
// the application's metadata; and a store without remember-me holding a
// remembered token to its own timeouts.
func TestRememberMe(t *testing.T) {
	ring := newRing(t)
	revs, err := revocation.NewLocal(revocation.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer revs.Close()
	s := newStore(t, cookie.Options{Keys: ring, Revocations: revs, AbsoluteTimeout: 2 * time.Second, IdleTimeout: 2 * time.Second,
		RememberTimeout: time.Hour, RememberIdleTimeout: 10 * time.Minute})
	if got := s.SubjectRevocation(); got != time.Hour {
		t.Fatalf("log out everywhere lasts %v, want the remembered lifetime", got)
	}

	// Login with RememberMe: the remembered lifetime and idle window.
	r, err := s.NewRecord(cookie.CreateOptions{Metadata: map[string]string{"ua": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Login(ctx, r, "ann", cookie.RememberMe)
	if err != nil {
		t.Fatal(err)
	}
	r = mustRead(t, s, tok)
	if !r.Remembered() || r.Expires().Sub(r.Created()) != time.Hour || r.IdleDeadline().Sub(r.Issued()) != 10*time.Minute {
		t.Fatalf("remembered: %v, lifetime %v, idle %v", r.Remembered(), r.Expires().Sub(r.Created()), r.IdleDeadline().Sub(r.Issued()))
	}
	if md := r.Metadata(); len(md) != 1 || md["ua"] != "x" {
		t.Fatalf("metadata shows crumb's mark: %v", md)
	}
	if err := r.CheckMeta("crumb.remember", "0"); !errors.Is(err, cookie.ErrBadRecord) {
		t.Fatalf("the remember mark can be set: %v", err)
	}
	r.SetMeta("crumb.remember", "0")
	if _, err := s.Save(ctx, r); !errors.Is(err, cookie.ErrBadRecord) {
		t.Fatalf("saved with crumb's own metadata key: %v", err)
	}
	r.DeleteMeta("crumb.remember")

	// A plain session for comparison, and both past the ordinary lifetime:
	// only the remembered one lives on, reissued and renewed.
	plain := mustCreate(t, s, cookie.CreateOptions{Subject: "bob"})
	time.Sleep(2100 * time.Millisecond)
	if _, err := s.Read(ctx, plain); !errors.Is(err, cookie.ErrExpired) {
		t.Fatalf("a plain session past its lifetime: %v", err)
	}
	r = mustRead(t, s, tok)
	r.Set("k", "v")
	tok, err = s.Save(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if tok, err = s.Renew(ctx, mustRead(t, s, tok)); err != nil {
		t.Fatal(err)
	}
	if r = mustRead(t, s, tok); !r.Remembered() {
		t.Fatal("a reissued, renewed session is no longer remembered")
	}

	// Another store over the same keys without remember-me: the token is
	// held to its 2-second lifetime, already over.
	other := newStore(t, cookie.Options{Keys: ring, Revocations: revs, AbsoluteTimeout: 2 * time.Second, IdleTimeout: 2 * time.Second})
	if _, err := other.Read(ctx, tok); !errors.Is(err, cookie.ErrExpired) {
		t.Fatalf("a store without remember-me read a remembered token: %v", err)
	}
	// With a lifetime that still covers it, that store reads it as an
	// ordinary session and saves it as one.
	longer := newStore(t, cookie.Options{Keys: ring, Revocations: revs, AbsoluteTimeout: time.Hour, IdleTimeout: time.Hour})
	if r, err := longer.Read(ctx, tok); err != nil || r.Remembered() {
		t.Fatalf("a store without remember-me: %v, remembered %v", err, r != nil && r.Remembered())
	} else if tok2, err := longer.Save(ctx, r); err != nil || mustRead(t, longer, tok2).Remembered() {
		t.Fatalf("saving it: %v", err)
	}
	if _, err := other.Create(ctx, cookie.CreateOptions{Subject: "ann", Remember: true}); !errors.Is(err, cookie.ErrBadRecord) {
		t.Fatalf("remember without RememberTimeout: %v", err)
	}
	if _, err := other.Login(ctx, mustReadNew(t, other), "ann", cookie.RememberMe); !errors.Is(err, cookie.ErrBadRecord) {
		t.Fatalf("Login with RememberMe without RememberTimeout: %v", err)
	}

	// Log out everywhere covers it, as logout does a fresh one.
	if err := s.RevokeSubject(ctx, "ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(ctx, tok); !errors.Is(err, cookie.ErrRevoked) {
		t.Fatalf("a remembered session after log out everywhere: %v", err)
	}
	time.Sleep(1100 * time.Millisecond) // a session created after the revocation's second
	tok2, err := s.Create(ctx, cookie.CreateOptions{Subject: "ann", Remember: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, tok2); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(ctx, tok2); !errors.Is(err, cookie.ErrRevoked) {
		t.Fatalf("a remembered session after logout: %v", err)
	}

	// A plain login of a remembered session makes it an ordinary one.
	tok3 := mustCreate(t, s, cookie.CreateOptions{Subject: "cy", Remember: true})
	tok3, err = s.Login(ctx, mustRead(t, s, tok3), "cy")
	if err != nil {
		t.Fatal(err)
	}
	if r := mustRead(t, s, tok3); r.Remembered() || r.Expires().Sub(r.Created()) != 2*time.Second {
		t.Fatalf("after a plain login: remembered %v, lifetime %v", r.Remembered(), r.Expires().Sub(r.Created()))
	}
}

// mustReadNew returns a new record of s, not saved.
func mustReadNew(t *testing.T, s *cookie.Store) *cookie.Record {
	t.Helper()
	r, err := s.NewRecord(cookie.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRememberOptions(t *testing.T) {
	for name, o := range map[string]cookie.Options{
		"shorter than absolute": {AbsoluteTimeout: time.Hour, RememberTimeout: time.Minute},
		"idle without remember": {RememberIdleTimeout: time.Hour},
		"idle over remember":    {RememberTimeout: time.Hour, RememberIdleTimeout: 2 * time.Hour},
		"idle under idle":       {IdleTimeout: time.Hour, RememberTimeout: 24 * time.Hour, RememberIdleTimeout: time.Minute},
		"subject revocation":    {RememberTimeout: 24 * time.Hour, SubjectRevocation: 13 * time.Hour},
	} {
		o.Keys = newRing(t)
		if _, err := cookie.New(o); !errors.Is(err, cookie.ErrBadOptions) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
