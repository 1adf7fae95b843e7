package cookie_test

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/revocation"
)

// TestLogoutWithIdleExpiredCopy: the victim's own cookie has idled out,
// while a stolen copy of the same session is kept alive by touching it.
// Logging out with the expired cookie must still end the session.
func TestLogoutWithIdleExpiredCopy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{IdleTimeout: 10 * time.Minute, ReissueAfter: -1})
		victim := mustCreate(t, s, cookie.CreateOptions{Subject: "alice"})
		time.Sleep(5 * time.Minute)
		stolen, err := s.Touch(ctx, victim, 0)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(6 * time.Minute) // the victim's copy idles out; the stolen one lives
		if _, err := s.Read(ctx, victim); !errors.Is(err, cookie.ErrExpired) {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, victim); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Read(ctx, stolen); !errors.Is(err, cookie.ErrRevoked) {
			t.Fatalf("logout with an idle-expired token left the session alive: %v", err)
		}
	})
}

// TestRenewRefusesEndedSession: a renewal racing a logout or a "log out
// everywhere" must not resurrect the session under a new ID.
func TestRenewRefusesEndedSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{})
		tok := mustCreate(t, s, cookie.CreateOptions{Subject: "alice"})
		r := mustRead(t, s, tok)
		s.Delete(ctx, tok) // concurrent logout
		if _, err := s.Renew(ctx, r); !errors.Is(err, cookie.ErrRevoked) {
			t.Fatalf("renew after logout: %v", err)
		}
		if _, err := s.Login(ctx, r, "alice"); !errors.Is(err, cookie.ErrRevoked) {
			t.Fatalf("login after logout: %v", err)
		}

		tok = mustCreate(t, s, cookie.CreateOptions{Subject: "alice"})
		r = mustRead(t, s, tok)
		time.Sleep(time.Second)
		s.RevokeSubject(ctx, "alice") // concurrent log out everywhere
		if _, err := s.Renew(ctx, r); !errors.Is(err, cookie.ErrRevoked) {
			t.Fatalf("renew after log out everywhere: %v", err)
		}
	})
}

// TestRenewKeepsLifetime: a renewal (privilege change) does not extend the
// session; a login starts a new lifetime.
func TestRenewKeepsLifetime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{AbsoluteTimeout: time.Hour, IdleTimeout: 30 * time.Minute})
		tok := mustCreate(t, s, cookie.CreateOptions{Subject: "alice"})
		orig := mustRead(t, s, tok)
		time.Sleep(20 * time.Minute)
		renewed, err := s.Renew(ctx, mustRead(t, s, tok))
		if err != nil {
			t.Fatal(err)
		}
		r := mustRead(t, s, renewed)
		if r.ID() == orig.ID() || !r.Created().Equal(orig.Created()) || !r.Expires().Equal(orig.Expires()) {
			t.Fatalf("renew: created %v expires %v (was %v, %v)", r.Created(), r.Expires(), orig.Created(), orig.Expires())
		}
		time.Sleep(20 * time.Minute)
		in, err := s.Login(ctx, r, "bob")
		if err != nil {
			t.Fatal(err)
		}
		r = mustRead(t, s, in)
		if r.Subject() != "bob" || !r.Created().Equal(time.Now()) || !r.Expires().Equal(time.Now().Add(time.Hour)) {
			t.Fatalf("login: subject %q created %v expires %v", r.Subject(), r.Created(), r.Expires())
		}
		if _, err := s.Read(ctx, renewed); !errors.Is(err, cookie.ErrRevoked) {
			t.Fatal("the token of the session before the new login survived it")
		}
		if st := s.Stats(); st.Renewed != 2 || st.Deleted != 0 {
			t.Fatalf("stats %+v", st)
		}
	})
}

// TestShortenedAbsoluteTimeout: tokens issued under a longer absolute
// timeout (an older deployment, or another instance) live no longer than
// the reader's timeout allows, so revocation entries — which last that
// long — always outlive the tokens they revoke.
func TestShortenedAbsoluteTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ring := newRing(t)
		revs, err := revocation.NewLocal(revocation.LocalOptions{PruneInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer revs.Close()
		long := newStore(t, cookie.Options{Keys: ring, Revocations: revs, AbsoluteTimeout: 4 * time.Hour, IdleTimeout: 3 * time.Hour})
		short := newStore(t, cookie.Options{Keys: ring, Revocations: revs, AbsoluteTimeout: time.Hour, IdleTimeout: 30 * time.Minute})
		tok := mustCreate(t, long, cookie.CreateOptions{Subject: "alice"})
		if r := mustRead(t, short, tok); !r.Expires().Equal(time.Now().Add(time.Hour)) {
			t.Fatalf("expiry not clamped: %v", r.Expires())
		}
		time.Sleep(time.Second)
		if err := short.RevokeSubject(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour + 2*time.Minute)
		short.Cleanup(ctx)
		if _, err := short.Read(ctx, tok); !errors.Is(err, cookie.ErrExpired) {
			t.Fatalf("after the subject entry was pruned, the token reads: %v", err)
		}
	})
}

// TestSaveAfterIdleDeadline: a record read before its idle deadline cannot
// be saved after it (that would revive an idled-out session).
func TestSaveAfterIdleDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{IdleTimeout: 10 * time.Minute})
		r := mustRead(t, s, mustCreate(t, s, cookie.CreateOptions{}))
		time.Sleep(10 * time.Minute)
		if _, err := s.Save(ctx, r); !errors.Is(err, cookie.ErrExpired) {
			t.Fatalf("got %v", err)
		}
	})
}

// TestStrictManyReissues: in strict mode, an app that rewrites its session
// every 20 s (less than the 30 s grace) must not keep a stolen older token
// alive.
func TestStrictManyReissues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{StrictReissue: true, ReissueGrace: 30 * time.Second})
		stale := mustCreate(t, s, cookie.CreateOptions{Subject: "alice"})
		time.Sleep(time.Second)
		cur := stale
		for i := range 30 {
			var err error
			if cur, err = s.Merge(ctx, cur, map[string]any{"n": i}); err != nil {
				t.Fatalf("reissue %d: %v", i, err)
			}
			time.Sleep(20 * time.Second)
		}
		if _, err := s.Read(ctx, stale); !errors.Is(err, cookie.ErrRevoked) {
			t.Fatalf("a token from 30 reissues ago still opens: %v", err)
		}
		mustRead(t, s, cur)
	})
}

// TestRevokeSubjectSameSecond pins the documented one-second resolution: a
// session created in the same second as "log out everywhere" survives it,
// one created a second earlier does not.
func TestRevokeSubjectSameSecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{})
		older := mustCreate(t, s, cookie.CreateOptions{Subject: "alice"})
		time.Sleep(time.Second)
		same := mustCreate(t, s, cookie.CreateOptions{Subject: "alice"})
		if err := s.RevokeSubject(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Read(ctx, older); !errors.Is(err, cookie.ErrRevoked) {
			t.Fatalf("older session: %v", err)
		}
		mustRead(t, s, same)
	})
}
