package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
	"github.com/crumbhq/crumb/revocation"
)

// flakySet is a working revocation set that a test can take down.
type flakySet struct {
	revocation.Set
	down atomic.Bool
}

var errDown = errors.New("backend down")

func newFlakySet(t *testing.T) *flakySet {
	l, err := revocation.NewLocal(revocation.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return &flakySet{Set: l}
}

func (f *flakySet) RevokeSession(ctx context.Context, rs revocation.Session, until time.Time) error {
	if f.down.Load() {
		return errDown
	}
	return f.Set.RevokeSession(ctx, rs, until)
}

func (f *flakySet) RevokeSubject(ctx context.Context, s string, before, until time.Time) error {
	if f.down.Load() {
		return errDown
	}
	return f.Set.RevokeSubject(ctx, s, before, until)
}

func (f *flakySet) Check(ctx context.Context, q revocation.Query, now time.Time) (revocation.Verdict, error) {
	if f.down.Load() {
		return revocation.NotRevoked, errDown
	}
	return f.Set.Check(ctx, q, now)
}

func TestRevocationUnavailable(t *testing.T) {
	for _, policy := range []middleware.Policy{middleware.FailClosed, middleware.FailOpen} {
		set := newFlakySet(t)
		store := newStore(t, cookie.Options{Revocations: set})
		m, l := newManager(t, middleware.Options{Store: store, Unavailable: policy})
		jar := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) {
			middleware.From(r).Login("ann")
			set2("k", "v")(w, r)
		}))
		set.down.Store(true)
		rec := serve(m, get("k"), jar...)
		want := map[middleware.Policy]string{middleware.FailClosed: "-", middleware.FailOpen: "v"}[policy]
		if rec.Code != 200 || rec.Body.String() != want || len(setCookies(rec)) != 0 {
			t.Fatalf("policy %d: %d %q, Set-Cookie %q", policy, rec.Code, rec.Body, setCookies(rec))
		}
		if h := l.hooked(); len(h) != 1 || !errors.Is(h[0], cookie.ErrUnavailable) || !errors.Is(h[0], errDown) {
			t.Fatalf("policy %d: hook %v", policy, h)
		}
		// Logout while the set is down: the cookie goes, the error is
		// returned and reported.
		rec = serve(m, func(w http.ResponseWriter, r *http.Request) {
			if err := middleware.From(r).Destroy(); !errors.Is(err, cookie.ErrUnavailable) {
				t.Errorf("policy %d: Destroy while down: %v", policy, err)
			}
		}, jar...)
		if sc := setCookies(rec); len(sc) != 1 || !strings.Contains(sc[0], "Max-Age=0") {
			t.Fatalf("policy %d: logout while down: %q", policy, sc)
		}
		if !strings.Contains(l.String(), "logout could not revoke") {
			t.Fatalf("log: %s", l)
		}
		// Back up: the session was never revoked, and is there again.
		set.down.Store(false)
		if got := serve(m, get("k"), jar...).Body.String(); got != "v" {
			t.Fatalf("policy %d: after recovery: %q", policy, got)
		}
		// Logout everywhere while down changes nothing.
		set.down.Store(policy == middleware.FailOpen)
		rec = serve(m, func(w http.ResponseWriter, r *http.Request) {
			err := middleware.From(r).DestroyAll()
			if policy == middleware.FailOpen && !errors.Is(err, cookie.ErrUnavailable) {
				t.Errorf("DestroyAll while down: %v", err)
			}
		}, jar...)
		if policy == middleware.FailOpen && len(setCookies(rec)) != 0 {
			t.Fatalf("failed DestroyAll cleared the cookie: %q", setCookies(rec))
		}
	}
}

// TestLogsHoldNoSecrets runs every path that logs and checks that no
// token, chunk or session ID reaches the log or the error hook.
func TestLogsHoldNoSecrets(t *testing.T) {
	set := newFlakySet(t)
	store := newStore(t, cookie.Options{Revocations: set})
	m, l := newManager(t, middleware.Options{Store: store})
	small := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		s.Login("ann") // a signed-in session: its logout needs the revocation set
		s.Set("k", "v")
	}))
	big := cookiePairs(t, serve(m, set2("big", incompressible(3500))))
	var secrets []string
	for _, c := range append(append([]string{}, small...), big...) {
		_, v, _ := strings.Cut(c, "=")
		secrets = append(secrets, v)
	}
	for _, tok := range []string{secrets[0]} {
		rec, err := store.Read(context.Background(), tok)
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, rec.ID().String())
	}
	tampered := strings.Replace(small[0], "A", "B", 1)
	serve(m, get("k"), tampered)                            // invalid
	serve(m, get("k"), big[0])                              // missing chunk
	serve(m, get("k"), small[0], small[0])                  // duplicate
	serve(m, get("k"), big[1])                              // orphan
	serve(m, set2("big", incompressible(7000)), small...)   // too large
	serve(m, func(w http.ResponseWriter, r *http.Request) { // late
		w.Write(nil)
		middleware.From(r).Set("k", "late")
	}, small...)
	set.down.Store(true)
	serve(m, get("k"), small...) // unavailable
	serve(m, func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Destroy() }, small...)
	logs := l.String()
	for _, e := range l.hooked() {
		logs += e.Error()
	}
	for _, want := range []string{"duplicate", "chunks rejected", "rejected", "not saved", "after the response headers", "unavailable", "logout could not"} {
		if !strings.Contains(logs, want) {
			t.Errorf("no log of %q", want)
		}
	}
	for _, s := range secrets {
		for i := 0; i+16 <= len(s); i += 8 {
			if strings.Contains(logs, s[i:i+16]) {
				t.Fatalf("log holds part of a token or session ID: %s", logs)
			}
		}
	}
}

// set2 is set, for tests where a variable shadows it.
func set2(key string, v any) http.HandlerFunc { return set(key, v) }
