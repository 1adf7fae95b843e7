package middleware_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
	"github.com/crumbhq/crumb/registry"
)

// nopWriter is the cheapest ResponseWriter: a header map cleared between
// requests and a body thrown away.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

// benchSession is the small session of the token benchmarks: a user, a
// role, a CSRF token and a preference.
var benchSession = map[string]any{
	"user": "ann@example.com", "role": "editor",
	"csrf": "Xq3MEqsvWbWL1A2nV6yQ8zJ0", "theme": "dark",
}

// BenchmarkMiddleware measures a request through crumb's middleware and,
// in the same run, through gorilla/sessions' CookieStore doing the same
// work, against a bare handler:
//
//	no-cookie       the handler reads the session; the request has none
//	read-unchanged  the handler reads one value of a valid session
//	changed         the handler changes a value: the cookie is rewritten
func BenchmarkMiddleware(b *testing.B) {
	ok := []byte("ok")
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(ok) })
	run := func(b *testing.B, h http.Handler, cookieHeader string) {
		req, _ := http.NewRequest("GET", "https://example.com/", nil)
		if cookieHeader != "" {
			req.Header.Set("Cookie", cookieHeader)
		}
		w := &nopWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			r := *req // gorilla/sessions writes into the request; every case pays for the copy
			h.ServeHTTP(w, &r)
			clear(w.h)
		}
	}
	b.Run("bare", func(b *testing.B) { run(b, bare, "") })

	store := newStore(b, cookie.Options{})
	m, err := middleware.New(middleware.Options{Store: store})
	if err != nil {
		b.Fatal(err)
	}
	setAll := func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		for k, v := range benchSession {
			s.Set(k, v)
		}
	}
	crumbCookie := strings.Join(cookiePairs(b, serve(m, setAll)), "; ")
	readOne := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _ := middleware.Get[string](middleware.From(r), "user")
		if user != "" && user != "ann@example.com" {
			panic("bad session")
		}
		w.Write(ok)
	})
	read := m.Handler(readOne)
	change := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		middleware.From(r).Set("theme", "light")
		w.Write(ok)
	}))
	b.Run("crumb/no-cookie", func(b *testing.B) { run(b, read, "") })
	b.Run("crumb/read-unchanged", func(b *testing.B) { run(b, read, crumbCookie) })
	b.Run("crumb/changed", func(b *testing.B) { run(b, change, crumbCookie) })

	// read-unchanged sends the same cookie on every request, as a browser
	// does, so the store answers from its read cache (cookie.Options.
	// ReadCache) from the third request on. Without it, every request
	// opens the token, as the first two requests with a new cookie do.
	uncached, err := middleware.New(middleware.Options{Store: newStore(b, cookie.Options{ReadCache: -1})})
	if err != nil {
		b.Fatal(err)
	}
	uncachedCookie := strings.Join(cookiePairs(b, serve(uncached, setAll)), "; ")
	b.Run("crumb/read-unchanged-no-cache", func(b *testing.B) { run(b, uncached.Handler(readOne), uncachedCookie) })

	// A signed-in session read unchanged, without and with a session
	// registry (cookie.Options.Registry) and a Labels function: reading
	// never touches either, so the two must match within noise.
	reg, err := registry.NewLocal(registry.LocalOptions{PruneInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer reg.Close()
	for _, c := range []struct {
		name string
		reg  registry.Registry
	}{{"signed-in", nil}, {"registry", reg}} {
		o := middleware.Options{Store: newStore(b, cookie.Options{Registry: c.reg})}
		if c.reg != nil {
			o.Labels = func(r *http.Request) map[string]string { return map[string]string{"device": r.UserAgent()} }
		}
		m, err := middleware.New(o)
		if err != nil {
			b.Fatal(err)
		}
		login := func(w http.ResponseWriter, r *http.Request) {
			s := middleware.From(r)
			if err := s.Login("ann@example.com"); err != nil {
				panic(err)
			}
			for k, v := range benchSession {
				s.Set(k, v)
			}
		}
		signedIn := strings.Join(cookiePairs(b, serve(m, login)), "; ")
		h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			user, _ := middleware.Get[string](middleware.From(r), "user")
			if user != "ann@example.com" {
				panic("bad session")
			}
			w.Write(ok)
		}))
		b.Run("crumb/"+c.name+"/read-unchanged", func(b *testing.B) { run(b, h, signedIn) })
	}

	gs := sessions.NewCookieStore(securecookie.GenerateRandomKey(32), securecookie.GenerateRandomKey(32))
	gs.Options.Secure, gs.Options.HttpOnly, gs.Options.SameSite = true, true, http.SameSiteLaxMode
	grec := serveGorilla(gs, func(w http.ResponseWriter, r *http.Request) {
		s, _ := gs.Get(r, "session")
		for k, v := range benchSession {
			s.Values[k] = v
		}
		s.Save(r, w)
	})
	gorillaCookie := strings.Join(cookiePairs(b, grec), "; ")
	gread := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := gs.Get(r, "session")
		user, _ := s.Values["user"].(string)
		if user != "" && user != "ann@example.com" {
			panic("bad session")
		}
		w.Write(ok)
	})
	gchange := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := gs.Get(r, "session")
		s.Values["theme"] = "light"
		s.Save(r, w)
		w.Write(ok)
	})
	b.Run("gorilla/no-cookie", func(b *testing.B) { run(b, gread, "") })
	b.Run("gorilla/read-unchanged", func(b *testing.B) { run(b, gread, gorillaCookie) })
	b.Run("gorilla/changed", func(b *testing.B) { run(b, gchange, gorillaCookie) })
}
