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

// TestSubjectChangesOnlyWithNewID: a session read from a token keeps its
// subject for as long as its ID — a changed subject is refused at Save —
// so a revocation of that ID always belongs to one subject (a collapse of
// the new subject's entries cannot undo a logout of the old one), and a
// token made before the change never carries the new subject.
func TestSubjectChangesOnlyWithNewID(t *testing.T) {
	s := newStore(t, cookie.Options{})
	for _, from := range []string{"alice", ""} {
		tok := mustCreate(t, s, cookie.CreateOptions{Subject: from})
		r := mustRead(t, s, tok)
		r.SetSubject("bob")
		if _, err := s.Save(ctx, r); !errors.Is(err, cookie.ErrBadRecord) {
			t.Errorf("Save of a %q session as bob = %v, want ErrBadRecord", from, err)
		}
		in, err := s.Login(ctx, mustRead(t, s, tok), "bob")
		if err != nil {
			t.Fatal(err)
		}
		if r := mustRead(t, s, in); r.Subject() != "bob" {
			t.Errorf("after Login: %q", r.Subject())
		}
	}
	// A new record may get its subject before its first Save.
	r, err := s.NewRecord(cookie.CreateOptions{})
	must(t, err)
	r.SetSubject("carol")
	if _, err := s.Save(ctx, r); err != nil {
		t.Fatalf("first Save of a new record with a subject: %v", err)
	}
}

// TestStrictEntriesLastTheIdleTimeout: a strict reissue's entry lasts as
// long as the tokens it revokes can live — at most the idle timeout after
// the reissue — not the session's whole lifetime, so an active session
// holds an entry for minutes.
func TestStrictEntriesLastTheIdleTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{StrictReissue: true, ReissueAfter: -1})
		tok := mustCreate(t, s, cookie.CreateOptions{Subject: "ann"})
		time.Sleep(time.Second)
		_, err := s.Touch(ctx, tok, 0)
		must(t, err)
		if st := s.Stats().Revocations; st.Tokens != 1 {
			t.Fatalf("token entries after a strict reissue: %d", st.Tokens)
		}
		time.Sleep(cookie.DefaultIdleTimeout + cookie.DefaultSkew + time.Second)
		if _, err := s.Cleanup(ctx); err != nil {
			t.Fatal(err)
		}
		if st := s.Stats().Revocations; st.Tokens != 0 {
			t.Errorf("the strict entry outlived every token it revokes: %+v", st)
		}
		if _, err := s.Read(ctx, tok); err == nil {
			t.Error("the superseded token is valid again")
		}
	})
}

// TestPartlyPendingLogoutIsAFailure: a logout that is pending in part and
// failed in part maps to the failure's status, not 202.
func TestPartlyPendingLogoutIsAFailure(t *testing.T) {
	err := errors.Join(fmt.Errorf("x: %w", cookie.ErrPending), fmt.Errorf("%w: down", cookie.ErrUnavailable))
	if got := cookie.HTTPStatus(err); got != http.StatusServiceUnavailable {
		t.Errorf("HTTPStatus = %d, want 503", got)
	}
	if got := cookie.HTTPStatus(fmt.Errorf("x: %w", cookie.ErrPending)); got != http.StatusAccepted {
		t.Errorf("HTTPStatus of a pending logout = %d, want 202", got)
	}
}
