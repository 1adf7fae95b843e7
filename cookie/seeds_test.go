package cookie_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/revocation"
)

// One test per capability of the seed interfaces (../shared/seeds), named
// after the seed and the capability.

func TestSeed004Name(t *testing.T) {
	s := newStore(t, cookie.Options{Name: "__Host-sid"})
	if s.Name() != "__Host-sid" {
		t.Fatal(s.Name())
	}
	if newStore(t, cookie.Options{}).Name() != cookie.DefaultName {
		t.Fatal("default name")
	}
}

func TestSeed004CreateRead(t *testing.T) {
	s := newStore(t, cookie.Options{})
	tok := mustCreate(t, s, cookie.CreateOptions{Subject: "alice", Data: map[string]any{"n": 1}})
	r := mustRead(t, s, tok)
	if r.Subject() != "alice" || r.Token() != tok {
		t.Fatalf("subject %q", r.Subject())
	}
	if n, err := cookie.Get[int](r, "n"); err != nil || n != 1 {
		t.Fatal(n, err)
	}
}

func TestSeed004ReadNotFoundAndInvalid(t *testing.T) {
	s := newStore(t, cookie.Options{})
	tok := mustCreate(t, s, cookie.CreateOptions{Subject: "alice"})
	if err := s.Delete(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(ctx, tok); !errors.Is(err, cookie.ErrNotFound) {
		t.Fatalf("deleted session: %v, want NotFound", err)
	}
	bad := tamper(tok)
	if _, err := s.Read(ctx, bad); !errors.Is(err, cookie.ErrInvalid) || errors.Is(err, cookie.ErrNotFound) {
		t.Fatalf("tampered token: %v, want Invalid (not NotFound)", err)
	}
}

func TestSeed004UpdateReturnsNewID(t *testing.T) {
	s := newStore(t, cookie.Options{})
	tok := mustCreate(t, s, cookie.CreateOptions{Data: map[string]any{"v": 1}})
	tok2, err := s.Update(ctx, tok, map[string]any{"v": 2})
	if err != nil || tok2 == tok {
		t.Fatalf("update must return a new token: %v", err)
	}
	r := mustRead(t, s, tok2)
	if v, _ := cookie.Get[int](r, "v"); v != 2 || r.ID() != mustRead(t, s, tok).ID() {
		t.Fatal("update lost data or changed the session ID")
	}
}

func TestSeed004TouchReturnsNewID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{IdleTimeout: 20 * time.Minute})
		tok := mustCreate(t, s, cookie.CreateOptions{})
		time.Sleep(5 * time.Minute) // ReissueAfter: a quarter of 20 min
		tok2, err := s.Touch(ctx, tok, 0)
		if err != nil || tok2 == tok {
			t.Fatalf("touch after 5 min must reissue: %v", err)
		}
		if got := mustRead(t, s, tok2).IdleDeadline(); !got.Equal(time.Now().Add(20 * time.Minute)) {
			t.Fatalf("idle deadline %v", got)
		}
	})
}

func TestSeed004DeleteIdempotent(t *testing.T) {
	s := newStore(t, cookie.Options{})
	tok := mustCreate(t, s, cookie.CreateOptions{Subject: "alice"})
	for range 2 {
		if err := s.Delete(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	for _, junk := range []string{"", "garbage", tok + "x"} {
		if err := s.Delete(ctx, junk); err != nil {
			t.Fatalf("deleting %q: %v", junk, err)
		}
	}
	if st := s.Stats(); st.Deleted != 2 || st.Revocations.Sessions != 1 {
		t.Fatalf("stats: %+v", st)
	}
}

func TestSeed004Healthy(t *testing.T) {
	s := newStore(t, cookie.Options{})
	if err := s.Healthy(ctx); err != nil {
		t.Fatal(err)
	}
	broken := newStore(t, cookie.Options{Revocations: failingSet{}})
	if err := broken.Healthy(ctx); !errors.Is(err, cookie.ErrUnavailable) {
		t.Fatal(err)
	}
}

func TestSeed000ExpiredIsDistinct(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{IdleTimeout: time.Minute})
		tok := mustCreate(t, s, cookie.CreateOptions{})
		time.Sleep(time.Minute)
		_, err := s.Read(ctx, tok)
		if !errors.Is(err, cookie.ErrExpired) || !errors.Is(err, cookie.ErrNotFound) || errors.Is(err, cookie.ErrRevoked) {
			t.Fatalf("got %v: want ErrExpired, matching ErrNotFound", err)
		}
	})
}

func TestSeed000PartialUpdate(t *testing.T) {
	s := newStore(t, cookie.Options{})
	tok := mustCreate(t, s, cookie.CreateOptions{Data: map[string]any{"keep": "yes", "drop": 1, "change": 1}})
	tok, err := s.Merge(ctx, tok, map[string]any{"change": 2, "drop": nil, "add": []string{"x"}})
	if err != nil {
		t.Fatal(err)
	}
	r := mustRead(t, s, tok)
	keys, _ := r.Keys()
	if keep, _ := cookie.Get[string](r, "keep"); keep != "yes" || len(keys) != 3 || r.Has("drop") {
		t.Fatalf("keys after merge: %v", keys)
	}
	if c, _ := cookie.Get[int](r, "change"); c != 2 {
		t.Fatal(c)
	}
	if a, _ := cookie.Get[[]string](r, "add"); len(a) != 1 || a[0] != "x" {
		t.Fatal(a)
	}
}

func TestSeed000AtomicUpdate(t *testing.T) {
	s := newStore(t, cookie.Options{})
	tok := mustCreate(t, s, cookie.CreateOptions{Data: map[string]any{"count": 0}})
	for range 5 {
		var err error
		tok, err = s.Modify(ctx, tok, func(r *cookie.Record) error {
			n, err := cookie.Get[int](r, "count")
			if err != nil {
				return err
			}
			return r.Set("count", n+1)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := cookie.Get[int](mustRead(t, s, tok), "count"); n != 5 {
		t.Fatal(n)
	}
	// A failing fn saves nothing.
	boom := errors.New("boom")
	if _, err := s.Modify(ctx, tok, func(r *cookie.Record) error { r.Set("count", 99); return boom }); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	// An fn that changes nothing returns the same token.
	if same, err := s.Modify(ctx, tok, func(*cookie.Record) error { return nil }); err != nil || same != tok {
		t.Fatal("no-op Modify reissued")
	}
}

func TestSeed000UpdateTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{IdleTimeout: 30 * time.Minute})
		tok := mustCreate(t, s, cookie.CreateOptions{})
		short, err := s.Touch(ctx, tok, 2*time.Minute)
		if err != nil || short == tok {
			t.Fatalf("shortening the ttl must reissue at once: %v", err)
		}
		if d := time.Until(mustRead(t, s, short).IdleDeadline()); d != 2*time.Minute {
			t.Fatalf("idle window %v", d)
		}
		time.Sleep(2 * time.Minute)
		if _, err := s.Read(ctx, short); !errors.Is(err, cookie.ErrExpired) {
			t.Fatal(err)
		}
		if _, err := s.Touch(ctx, tok, time.Hour); !errors.Is(err, cookie.ErrBadRecord) {
			t.Fatalf("ttl above the store's idle timeout: %v", err)
		}
	})
}

func TestSeed000CleanupExpired(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{IdleTimeout: time.Minute, AbsoluteTimeout: time.Hour})
		for range 3 {
			s.Delete(ctx, mustCreate(t, s, cookie.CreateOptions{Subject: "alice"}))
		}
		if n, err := s.Cleanup(ctx); err != nil || n != 0 {
			t.Fatalf("live entries pruned: %d %v", n, err)
		}
		time.Sleep(time.Hour + cookie.DefaultSkew + time.Second)
		if n, err := s.Cleanup(ctx); err != nil || n != 3 {
			t.Fatalf("cleanup removed %d, want 3 (%v)", n, err)
		}
	})
}

func TestSeed001Metadata(t *testing.T) {
	s := newStore(t, cookie.Options{})
	tok := mustCreate(t, s, cookie.CreateOptions{Metadata: map[string]string{"ip": "192.0.2.7", "ua": "curl/8"}})
	r := mustRead(t, s, tok)
	if ip, ok := r.Meta("ip"); !ok || ip != "192.0.2.7" {
		t.Fatal(ip)
	}
	r.SetMeta("amr", "mfa")
	r.DeleteMeta("ua")
	tok, err := s.Save(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	m := mustRead(t, s, tok).Metadata()
	if len(m) != 2 || m["amr"] != "mfa" {
		t.Fatal(m)
	}
	m["ip"] = "changed"
	if ip, _ := mustRead(t, s, tok).Meta("ip"); ip != "192.0.2.7" {
		t.Fatal("Metadata returned shared storage")
	}
	r = mustRead(t, s, tok)
	for i := range 17 {
		r.SetMeta(string(rune('a'+i)), "v")
	}
	if _, err := s.Save(ctx, r); !errors.Is(err, cookie.ErrBadRecord) {
		t.Fatalf("17 metadata entries saved: %v", err)
	}
}

func TestSeed001HTTPStatus(t *testing.T) {
	for err, want := range map[error]int{
		nil: 200, cookie.ErrInvalid: 401, cookie.ErrExpired: 401, cookie.ErrRevoked: 401, cookie.ErrNotFound: 401,
		cookie.ErrTooLarge: 431, cookie.ErrUnavailable: 503, errors.New("other"): 500,
	} {
		if got := cookie.HTTPStatus(err); got != want {
			t.Errorf("%v: %d, want %d", err, got, want)
		}
	}
	if cookie.HTTPStatus(http.ErrNoCookie) != 401 {
		t.Error("no cookie at all is no session")
	}
	if cookie.HTTPStatus(fmt.Errorf("%w: a bad metadata key", cookie.ErrBadRecord)) != 500 {
		t.Error("a record outside the format's limits is the application's error")
	}
	if cookie.HTTPStatus(&cookie.SizeError{What: "token", Size: 9000, Limit: 8192}) != 413 {
		t.Error("a session grown too large to save is 413")
	}
}

// TestSeed001AbsoluteLifetime: the cap toolhive admits it lacks. Touching
// every few minutes never keeps a session past its absolute timeout.
func TestSeed001AbsoluteLifetime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{IdleTimeout: 10 * time.Minute, AbsoluteTimeout: time.Hour})
		tok := mustCreate(t, s, cookie.CreateOptions{})
		created := time.Now()
		for time.Since(created) < time.Hour-5*time.Minute {
			time.Sleep(5 * time.Minute)
			next, err := s.Touch(ctx, tok, 0)
			if err != nil {
				t.Fatalf("at %v: %v", time.Since(created), err)
			}
			tok = next
			if r := mustRead(t, s, tok); r.IdleDeadline().After(created.Add(time.Hour)) || !r.Created().Equal(created) {
				t.Fatalf("idle deadline %v past the absolute expiry, or created moved", r.IdleDeadline())
			}
		}
		time.Sleep(5 * time.Minute)
		if _, err := s.Read(ctx, tok); !errors.Is(err, cookie.ErrExpired) {
			t.Fatalf("past the absolute timeout: %v", err)
		}
	})
}

func TestSeed002DeleteAll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{})
		phone := mustCreate(t, s, cookie.CreateOptions{Subject: "alice"})
		laptop := mustCreate(t, s, cookie.CreateOptions{Subject: "alice"})
		bob := mustCreate(t, s, cookie.CreateOptions{Subject: "bob"})
		time.Sleep(time.Second)
		if err := s.RevokeSubject(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{phone, laptop} {
			if _, err := s.Read(ctx, tok); !errors.Is(err, cookie.ErrRevoked) {
				t.Fatalf("older session of alice: %v", err)
			}
		}
		mustRead(t, s, bob)
		time.Sleep(time.Second)
		mustRead(t, s, mustCreate(t, s, cookie.CreateOptions{Subject: "alice"})) // newer session unaffected
		if err := s.RevokeSubject(ctx, ""); err == nil {
			t.Fatal("empty subject accepted")
		}
	})
}

func TestSeed003Exists(t *testing.T) {
	s := newStore(t, cookie.Options{})
	tok := mustCreate(t, s, cookie.CreateOptions{Subject: "alice"})
	if ok, err := s.Exists(ctx, tok); !ok || err != nil {
		t.Fatal(ok, err)
	}
	s.Delete(ctx, tok)
	for _, x := range []string{tok, "junk"} {
		if ok, err := s.Exists(ctx, x); ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	broken := newStore(t, cookie.Options{Revocations: failingSet{}})
	if ok, err := broken.Exists(ctx, mustCreate(t, broken, cookie.CreateOptions{})); ok || !errors.Is(err, cookie.ErrUnavailable) {
		t.Fatal(ok, err)
	}
}

func TestSeed003Stats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{IdleTimeout: time.Minute})
		a := mustCreate(t, s, cookie.CreateOptions{})
		b := mustCreate(t, s, cookie.CreateOptions{Subject: "alice"})
		mustRead(t, s, a)
		s.Update(ctx, a, map[string]any{"x": 1})
		s.Read(ctx, tamper(a))
		s.Delete(ctx, b)
		s.Read(ctx, b)
		s.Read(ctx, "x")
		time.Sleep(time.Minute)
		s.Read(ctx, a)
		st := s.Stats()
		// Opened: the read and Update's read. Update's read, the second of
		// a's token, puts it in the read cache; the last (expired) finds it
		// there and forgets it. Nothing else was read twice.
		want := cookie.Stats{Created: 2, Opened: 2, Reissued: 1, Deleted: 1, Invalid: 2, Revoked: 1, IdleExpired: 1, ReadCacheHits: 1}
		want.Revocations = st.Revocations
		if st != want {
			t.Fatalf("stats\n got  %+v\n want %+v", st, want)
		}
		if st.Revocations.Sessions != 1 {
			t.Fatalf("revocation set size %d", st.Revocations.Sessions)
		}
	})
}

func TestSeed003PerSessionTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{})
		tok := mustCreate(t, s, cookie.CreateOptions{IdleTimeout: 5 * time.Minute, AbsoluteTimeout: time.Hour})
		r := mustRead(t, s, tok)
		if time.Until(r.IdleDeadline()) != 5*time.Minute || time.Until(r.Expires()) != time.Hour {
			t.Fatal(r.IdleDeadline(), r.Expires())
		}
		// ReissueAfter (a quarter of the store's 30 min) scales to a quarter
		// of this session's 5 min: touched every 2 min, it stays alive.
		for range 10 {
			time.Sleep(2 * time.Minute)
			next, err := s.Touch(ctx, tok, 0)
			if err != nil {
				t.Fatal(err)
			}
			if next == tok {
				t.Fatal("a 5-minute session touched after 2 minutes was not reissued")
			}
			tok = next
			if time.Until(mustRead(t, s, tok).IdleDeadline()) != 5*time.Minute {
				t.Fatal("the per-session idle timeout did not survive a reissue")
			}
		}
		if _, err := s.Create(ctx, cookie.CreateOptions{AbsoluteTimeout: 13 * time.Hour}); !errors.Is(err, cookie.ErrBadRecord) {
			t.Fatalf("longer than the store's: %v", err)
		}
	})
}

func TestSeed003PeriodicCleanup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		revs, err := revocation.NewLocal(revocation.LocalOptions{PruneInterval: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		defer revs.Close()
		s := newStore(t, cookie.Options{Revocations: revs, AbsoluteTimeout: 10 * time.Minute})
		s.Delete(ctx, mustCreate(t, s, cookie.CreateOptions{Subject: "alice"}))
		time.Sleep(12 * time.Minute)
		synctest.Wait()
		if st := s.Stats().Revocations; st.Sessions != 0 || st.Pruned != 1 {
			t.Fatalf("background prune: %+v", st)
		}
	})
}
