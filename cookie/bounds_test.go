package cookie_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/revocation"
)

// TestAnonymousAddsNothing: a session without a subject carries no
// authority, so logging it out, logging in from it, renewing it and
// reissuing it in strict mode add no revocation entry — a client without
// an account cannot grow the set.
func TestAnonymousAddsNothing(t *testing.T) {
	s := newStore(t, cookie.Options{StrictReissue: true, ReissueAfter: -1})
	for i := range 100 {
		tok := mustCreate(t, s, cookie.CreateOptions{Data: map[string]any{"cart": i}})
		tok, err := s.Touch(ctx, tok, 0) // a strict reissue
		if err != nil {
			t.Fatal(err)
		}
		renewed, err := s.Renew(ctx, mustRead(t, s, tok))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, renewed); err != nil {
			t.Fatal(err)
		}
	}
	if st := s.Stats(); st.Revocations.Sessions+st.Revocations.Tokens+st.Revocations.Subjects != 0 || st.Deleted != 100 {
		t.Fatalf("anonymous traffic left entries: %+v", st)
	}
	// Login from an anonymous session: the new session is the subject's,
	// the old token stays anonymous (fixation is impossible), no entry.
	anon := mustCreate(t, s, cookie.CreateOptions{})
	in, err := s.Login(ctx, mustRead(t, s, anon), "ann")
	if err != nil {
		t.Fatal(err)
	}
	if r := mustRead(t, s, anon); r.Subject() != "" {
		t.Fatalf("the pre-login token became %q's", r.Subject())
	}
	if st := s.Stats().Revocations; st.Sessions != 0 {
		t.Fatalf("login from an anonymous session left %d entries", st.Sessions)
	}
	// A logout of the signed-in session is enforced.
	must(t, s.Delete(ctx, in))
	if _, err := s.Read(ctx, in); !errors.Is(err, cookie.ErrRevoked) {
		t.Fatalf("signed-in session after logout: %v", err)
	}
}

// TestOneAccountFlood: one account logging in over and over (login from
// its own session) keeps at most the per-subject bound of entries, and
// costs nobody else anything.
func TestOneAccountFlood(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{})
		victim := mustCreate(t, s, cookie.CreateOptions{Subject: "victim"})
		tok := mustCreate(t, s, cookie.CreateOptions{Subject: "mallory"})
		maxEntries := 0
		for range 2000 {
			time.Sleep(100 * time.Millisecond) // ten re-logins a second, for 200 s
			rec, err := s.Read(ctx, tok)
			if errors.Is(err, cookie.ErrRevoked) {
				// A collapse ended the current session too: it was created in
				// the same second as the newest collapsed one (time has
				// one-second resolution). A real client signs in again.
				tok = mustCreate(t, s, cookie.CreateOptions{Subject: "mallory"})
				continue
			}
			must(t, err)
			next, err := s.Login(ctx, rec, "mallory")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Read(ctx, tok); !errors.Is(err, cookie.ErrRevoked) {
				t.Fatalf("the token before a re-login still works: %v", err)
			}
			tok = next
			st := s.Stats().Revocations
			maxEntries = max(maxEntries, st.Sessions+st.Tokens+st.Subjects)
		}
		st := s.Stats().Revocations
		t.Logf("after 2000 re-logins: %d entries at most, now %+v", maxEntries, st)
		if maxEntries > revocation.DefaultMaxPerSubject+1 {
			t.Errorf("one account grew the set to %d entries, bound %d+1", maxEntries, revocation.DefaultMaxPerSubject)
		}
		if st.Collapses == 0 {
			t.Error("no collapse happened")
		}
		// The victim is untouched, and can still log out.
		mustRead(t, s, victim)
		must(t, s.Delete(ctx, victim))
		if _, err := s.Read(ctx, victim); !errors.Is(err, cookie.ErrRevoked) {
			t.Fatalf("victim after logout: %v", err)
		}
	})
}

// TestShortenedIdleTimeoutApplies: a token issued with a longer idle window
// than the store now allows (another configuration, or `sessionctl mint
// --idle`) is held to the store's idle timeout, as a shortened absolute
// timeout already is.
func TestShortenedIdleTimeoutApplies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ring := newRing(t)
		long := newStore(t, cookie.Options{Keys: ring, IdleTimeout: 2 * time.Hour})
		short := newStore(t, cookie.Options{Keys: ring, IdleTimeout: 30 * time.Minute})
		tok := mustCreate(t, long, cookie.CreateOptions{Subject: "ann"})
		time.Sleep(29 * time.Minute)
		if r := mustRead(t, short, tok); !r.IdleDeadline().Equal(r.Issued().Add(30 * time.Minute)) {
			t.Fatalf("idle deadline %v, want issued + 30 min", r.IdleDeadline())
		}
		time.Sleep(time.Minute)
		if _, err := short.Read(ctx, tok); !errors.Is(err, cookie.ErrExpired) {
			t.Fatalf("token past the store's idle timeout: %v, want ErrExpired", err)
		}
		mustRead(t, long, tok) // the longer store still takes it
	})
}

// pendingSet acknowledges revocations as pending delivery (ErrPending), as a
// Redis set cut off from Redis does.
type pendingSet struct{ revocation.Set }

func (p pendingSet) RevokeSession(ctx context.Context, s revocation.Session, until time.Time) error {
	if err := p.Set.RevokeSession(ctx, s, until); err != nil {
		return err
	}
	return fmt.Errorf("test set: %w", revocation.ErrPending)
}

func (pendingSet) Health(context.Context) error {
	return fmt.Errorf("%w: 1 revocation pending", revocation.ErrDegraded)
}

// TestPendingLogout: a logout in force here but not yet shared is reported
// as ErrPending — not as the outage ErrUnavailable — and answered 202; a
// degraded set leaves the store healthy enough to serve.
func TestPendingLogout(t *testing.T) {
	local, err := revocation.NewLocal(revocation.LocalOptions{PruneInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	s := newStore(t, cookie.Options{Revocations: pendingSet{local}})
	tok := mustCreate(t, s, cookie.CreateOptions{Subject: "ann"})
	err = s.Delete(ctx, tok)
	if !errors.Is(err, cookie.ErrPending) || errors.Is(err, cookie.ErrUnavailable) || cookie.HTTPStatus(err) != http.StatusAccepted {
		t.Fatalf("pending logout: %v (status %d)", err, cookie.HTTPStatus(err))
	}
	if _, err := s.Read(ctx, tok); !errors.Is(err, cookie.ErrRevoked) {
		t.Fatalf("session after a pending logout: %v", err)
	}
	// Login from a session whose revocation is pending still signs in.
	other := mustCreate(t, s, cookie.CreateOptions{Subject: "ann"})
	if _, err := s.Login(ctx, mustRead(t, s, other), "ann"); err != nil {
		t.Fatalf("login with a pending revocation of the old session: %v", err)
	}
	if err := s.Healthy(ctx); !errors.Is(err, revocation.ErrDegraded) || errors.Is(err, cookie.ErrUnavailable) {
		t.Fatalf("Healthy with a degraded set: %v", err)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
