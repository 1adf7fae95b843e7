package middleware_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
)

// TestDevModePrefixedName runs the README's own configuration — a
// "__Host-session" cookie — in dev mode: on a loopback host it is written
// without its prefix and without Secure (so a browser on plain HTTP keeps
// it), chunks and deletions included, and read back under that name only;
// on another host it keeps its prefix and Secure.
func TestDevModePrefixedName(t *testing.T) {
	m, _ := newManager(t, middleware.Options{Store: newStore(t, cookie.Options{Name: "__Host-session"}), Dev: true})
	at := func(host string, h http.HandlerFunc, cookies ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "http://"+host+"/", nil)
		if len(cookies) > 0 {
			req.Header.Set("Cookie", strings.Join(cookies, "; "))
		}
		return serveRequest(m, h, req)
	}
	for _, host := range []string{"localhost:8080", "127.0.0.1", "[::1]:3000", "app.localhost"} {
		rec := at(host, set("big", incompressible(4200))) // two cookies
		lines := setCookies(rec)
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "session=~2.") || !strings.HasPrefix(lines[1], "session.1=") {
			t.Fatalf("%s: Set-Cookie %.60q", host, lines)
		}
		for _, l := range lines {
			if strings.Contains(l, "Secure") {
				t.Fatalf("%s: Secure on plain-HTTP loopback: %.80q", host, l)
			}
		}
		jar := cookiePairs(t, rec)
		if got := at(host, get("big"), jar...).Body.String(); len(got) != 4200 {
			t.Fatalf("%s: read back %d bytes", host, len(got))
		}
		// The prefixed name means nothing on a loopback host.
		prefixed := strings.Replace(jar[0], "session=", "__Host-session=", 1)
		if got := at(host, get("big"), prefixed).Body.String(); got != "-" {
			t.Fatalf("%s: a __Host-session cookie was read on a loopback host", host)
		}
		// Logout deletes both cookies, by their loopback names.
		lines = setCookies(at(host, func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Destroy() }, jar...))
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "session=;") || !strings.HasPrefix(lines[1], "session.1=;") {
			t.Fatalf("%s: logout Set-Cookie %q", host, lines)
		}
	}
	// Another host: the real name, with Secure.
	lines := setCookies(at("dev.example.com", set("k", "v")))
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "__Host-session=") || !strings.Contains(lines[0], "; Secure") {
		t.Fatalf("non-loopback host in dev mode: %q", lines)
	}
}

// TestReadmeExampleInDevMode runs the README's example unchanged but for
// Dev, on plain HTTP on 127.0.0.1, with a client that keeps cookies as a
// browser does: sign in, read, sign out.
func TestReadmeExampleInDevMode(t *testing.T) {
	store := newStore(t, cookie.Options{Name: "__Host-session"})
	sessions, err := middleware.New(middleware.Options{Store: store, Dev: true})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if err := middleware.From(r).Login(r.FormValue("user")); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello, %q", middleware.From(r).Subject())
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		middleware.From(r).Destroy()
	})
	srv := httptest.NewServer(sessions.Handler(mux)) // plain HTTP on 127.0.0.1
	defer srv.Close()
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	body := func(resp *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	body(c.PostForm(srv.URL+"/login", url.Values{"user": {"ann"}}))
	if got := body(c.Get(srv.URL)); got != `hello, "ann"` {
		t.Fatalf("after login: %s", got)
	}
	body(c.PostForm(srv.URL+"/logout", nil))
	if got := body(c.Get(srv.URL)); got != `hello, ""` {
		t.Fatalf("after logout: %s", got)
	}
}
