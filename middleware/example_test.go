package middleware_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/middleware"
)

// Example mounts the middleware on an http.ServeMux: sign in, remember a
// value, read it back, sign out.
func Example() {
	key, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(key)
	store, err := cookie.New(cookie.Options{Name: "__Host-session", Keys: ring})
	if err != nil {
		panic(err)
	}
	defer store.Close()
	sessions, err := middleware.New(middleware.Options{Store: store})
	if err != nil {
		panic(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		// Check the password first; then a new session ID for the user.
		if err := s.Login(r.FormValue("user")); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		s.Set("flash", "welcome back")
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		if s.Subject() == "" {
			fmt.Fprintln(w, "hello, stranger")
			return
		}
		flash, _ := middleware.Pop[string](s, "flash")
		fmt.Fprintf(w, "hello, %s (%s)\n", s.Subject(), flash)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := middleware.From(r).Destroy(); err != nil {
			http.Error(w, "logout failed; try again", http.StatusServiceUnavailable)
		}
	})
	srv := httptest.NewTLSServer(sessions.Handler(mux)) // http.ListenAndServeTLS in production
	defer srv.Close()

	// A browser: a client with a cookie jar.
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	show := func(resp *http.Response, err error) {
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Print(strings.TrimPrefix(string(body), "\n"))
	}
	show(c.Get(srv.URL))
	show(c.PostForm(srv.URL+"/login", url.Values{"user": {"ann"}}))
	show(c.Get(srv.URL))
	show(c.Get(srv.URL))
	show(c.PostForm(srv.URL+"/logout", nil))
	show(c.Get(srv.URL))
	// Output:
	// hello, stranger
	// hello, ann (welcome back)
	// hello, ann ()
	// hello, stranger
}
