package middleware_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/middleware"
)

func newRing(t testing.TB) *keyring.Ring {
	t.Helper()
	k, err := keyring.NewKey(keyring.StatePrimary)
	if err != nil {
		t.Fatal(err)
	}
	r, err := keyring.NewRing(k)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// newStore returns a store with a fresh ring and its own in-memory
// revocation set, closed when the test ends.
func newStore(t testing.TB, o cookie.Options) *cookie.Store {
	t.Helper()
	if o.Keys == nil {
		o.Keys = newRing(t)
	}
	s, err := cookie.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newManager returns a middleware over o.Store (a fresh store when nil),
// logging into the returned buffer at debug level, with an error hook
// collecting what it is given.
func newManager(t testing.TB, o middleware.Options) (*middleware.Manager, *testLog) {
	t.Helper()
	if o.Store == nil {
		o.Store = newStore(t, cookie.Options{})
	}
	l := &testLog{}
	o.Logger = slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if o.OnError == nil {
		o.OnError = l.hook
	}
	m, err := middleware.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return m, l
}

// testLog collects log output and hook errors.
type testLog struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	errors []error
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *testLog) hook(_ *http.Request, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errors = append(l.errors, err)
}

func (l *testLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *testLog) hooked() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errors...)
}

// serve runs one request with the given cookies ("name=value" pairs)
// through m around h.
func serve(m *middleware.Manager, h http.HandlerFunc, cookies ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "https://example.com/", nil)
	if len(cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(cookies, "; "))
	}
	return serveRequest(m, h, req)
}

// serveRequest runs req through m around h.
func serveRequest(m *middleware.Manager, h http.HandlerFunc, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	m.Handler(h).ServeHTTP(rec, req)
	return rec
}

// setCookies returns the Set-Cookie lines of a response.
func setCookies(rec *httptest.ResponseRecorder) []string {
	return rec.Result().Header.Values("Set-Cookie")
}

// cookiePairs returns the "name=value" pairs a browser would send back
// after a response: the cookies it set, minus those it deleted.
func cookiePairs(t testing.TB, rec *httptest.ResponseRecorder) []string {
	t.Helper()
	var out []string
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge >= 0 && c.Value != "" {
			out = append(out, c.Name+"="+c.Value)
		}
	}
	return out
}

// set returns a handler setting key to v.
func set(key string, v any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := middleware.From(r).Set(key, v); err != nil {
			http.Error(w, err.Error(), 500)
		}
	}
}

// get returns a handler writing the string under key, or "-" for none.
func get(key string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := middleware.Get[string](middleware.From(r), key)
		if err != nil {
			v = "-"
		}
		w.Write([]byte(v))
	}
}

// swapSource is a keyring.Source whose ring a test replaces.
type swapSource struct{ p atomic.Pointer[keyring.Ring] }

func (s *swapSource) Ring() *keyring.Ring { return s.p.Load() }

// serveGorilla runs one request through a plain handler (for the
// gorilla/sessions side of the benchmarks).
func serveGorilla(_ any, h http.HandlerFunc) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "https://example.com/", nil))
	return rec
}
