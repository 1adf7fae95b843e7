package redisset

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/middleware"
)

func testRing(t *testing.T) *keyring.Ring {
	t.Helper()
	key, err := keyring.NewKey(keyring.StatePrimary)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keyring.NewRing(key)
	if err != nil {
		t.Fatal(err)
	}
	return ring
}

// TestCookieStores runs two cookie stores, as two instances of one
// application, each on its own Set: a logout (Delete) on A makes the token
// ErrRevoked on B, and "log out everywhere" on B reaches A.
func TestCookieStores(t *testing.T) {
	srv := startRedis(t)
	ring := testRing(t)
	newStore := func() *cookie.Store {
		st, err := cookie.New(cookie.Options{Name: "session", Keys: ring, Revocations: newSet(t, testOptions(t, srv.addr()))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a, b := newStore(), newStore()

	tok, err := a.Create(bg, cookie.CreateOptions{Subject: "erin"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Read(bg, tok); err != nil {
		t.Fatalf("B reads A's token: %v", err)
	}
	other, err := a.Create(bg, cookie.CreateOptions{Subject: "erin"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Delete(bg, tok); err != nil {
		t.Fatal(err)
	}
	var rerr error
	if !waitFor(5*time.Second, func() bool { _, rerr = b.Read(bg, tok); return errors.Is(rerr, cookie.ErrRevoked) }) {
		t.Fatalf("B still accepts the token deleted on A: %v", rerr)
	}
	if !errors.Is(rerr, cookie.ErrNotFound) {
		t.Errorf("a revoked token should also be ErrNotFound: %v", rerr)
	}

	// Sessions created in the same second as RevokeSubject survive it
	// (one-second resolution): wait for the next second.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	if err := b.RevokeSubject(bg, "erin"); err != nil {
		t.Fatal(err)
	}
	if !waitFor(5*time.Second, func() bool { _, rerr = a.Read(bg, other); return errors.Is(rerr, cookie.ErrRevoked) }) {
		t.Fatalf("A still accepts a session of a subject logged out everywhere on B: %v", rerr)
	}
}

// TestMiddlewareInstances serves one application from two instances
// (middleware on two stores on two Sets): a user logs in on A, is seen on
// B, logs out on A; the old cookie, replayed to B, is no session there.
func TestMiddlewareInstances(t *testing.T) {
	srv := startRedis(t)
	ring := testRing(t)
	instance := func() *httptest.Server {
		st, err := cookie.New(cookie.Options{Name: "session", Keys: ring, Revocations: newSet(t, testOptions(t, srv.addr()))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		m, err := middleware.New(middleware.Options{Store: st, Dev: true, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
			if err := middleware.From(r).Login("frank"); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		})
		mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
			if err := middleware.From(r).Destroy(); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		})
		mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, middleware.From(r).Subject())
		})
		hs := httptest.NewServer(m.Handler(mux))
		t.Cleanup(hs.Close)
		return hs
	}
	a, b := instance(), instance()

	do := func(method, url string, c *http.Cookie) (string, *http.Response) {
		t.Helper()
		req, _ := http.NewRequest(method, url, nil)
		if c != nil {
			req.AddCookie(c)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %s %s", method, url, resp.Status, body)
		}
		return string(body), resp
	}
	_, resp := do("POST", a.URL+"/login", nil)
	var sess *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "session" {
			sess = c
		}
	}
	if sess == nil {
		t.Fatal("no session cookie after login")
	}
	if who, _ := do("GET", b.URL+"/whoami", sess); who != "frank" {
		t.Fatalf("B sees %q, want frank", who)
	}
	do("POST", a.URL+"/logout", sess)
	var who string
	if !waitFor(5*time.Second, func() bool { who, _ = do("GET", b.URL+"/whoami", sess); return who == "" }) {
		t.Fatalf("B still serves the logged-out cookie as %q", who)
	}
}
