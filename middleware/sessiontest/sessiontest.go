// Package sessiontest helps test handlers that use crumb's session
// middleware: a Manager over a store with a fresh in-memory keyring, a
// request that already carries a session with the data a test chooses,
// and the session a response's cookies hold. It uses only the middleware's
// public API, so what it builds is what a browser would send and receive.
package sessiontest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/middleware"
)

// NewManager returns a Manager for tests: o's store options with a fresh
// in-memory keyring when o.Keys is nil, and mo's middleware options around
// that store (mo.Store is ignored). The store is closed when the test ends.
func NewManager(t testing.TB, o cookie.Options, mo middleware.Options) *middleware.Manager {
	t.Helper()
	if o.Keys == nil {
		key, err := keyring.NewKey(keyring.StatePrimary)
		if err != nil {
			t.Fatal(err)
		}
		ring, err := keyring.NewRing(key)
		if err != nil {
			t.Fatal(err)
		}
		o.Keys = ring
	}
	store, err := cookie.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	mo.Store = store
	m, err := middleware.New(mo)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Request returns a request for method and target (as httptest.NewRequest)
// carrying a session of m: signed in as subject (none when ""), holding
// data. The session is made through m itself, so its cookies are exactly
// what a browser would send back.
func Request(t testing.TB, m *middleware.Manager, method, target, subject string, data map[string]any) *http.Request {
	t.Helper()
	rec := httptest.NewRecorder()
	var failed error
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		if subject != "" {
			if failed = s.Login(subject); failed != nil {
				return
			}
		}
		for k, v := range data {
			if failed = s.Set(k, v); failed != nil {
				return
			}
		}
		failed = s.Save()
	})).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, target, nil))
	if failed != nil {
		t.Fatalf("sessiontest: making the session: %v", failed)
	}
	req := httptest.NewRequest(method, target, nil)
	AddCookies(req, rec.Result())
	return req
}

// AddCookies adds to req the cookies resp set, as a browser would send
// them on its next request: those resp deleted are left out.
func AddCookies(req *http.Request, resp *http.Response) {
	var pairs []string
	for _, c := range resp.Cookies() {
		if c.MaxAge >= 0 && c.Value != "" {
			pairs = append(pairs, c.Name+"="+c.Value)
		}
	}
	if len(pairs) > 0 {
		if old := req.Header.Get("Cookie"); old != "" {
			pairs = append([]string{old}, pairs...)
		}
		req.Header.Set("Cookie", strings.Join(pairs, "; "))
	}
}

// Session is what a response's session cookies hold.
type Session struct {
	Subject string         // who is signed in; "" for nobody
	Data    map[string]any // the session's values, decoded as JSON-like values
	Info    middleware.Info
}

// Read returns the session the cookies of resp hold, read through m as the
// next request would read them, or nil when they hold none (no session
// cookie was set, or the response deleted it).
func Read(t testing.TB, m *middleware.Manager, resp *http.Response) *Session {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	AddCookies(req, resp)
	var got *Session
	var failed error
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		if s.IsNew() {
			return
		}
		keys, err := s.Keys()
		if err != nil {
			failed = err
			return
		}
		got = &Session{Subject: s.Subject(), Data: make(map[string]any, len(keys)), Info: s.Info()}
		for _, k := range keys {
			v, err := middleware.Get[any](s, k)
			if err != nil {
				failed = fmt.Errorf("value %q: %w", k, err)
				return
			}
			got.Data[k] = v
		}
	})).ServeHTTP(httptest.NewRecorder(), req)
	if failed != nil {
		t.Fatalf("sessiontest: reading the session: %v", failed)
	}
	return got
}
