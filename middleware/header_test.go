package middleware_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
)

// TestTokenHeader serves an API client through headers: it starts a
// session by sending the header empty, gets each new token back in the
// response header (never a cookie), sends it back as a Bearer token, and
// gets an empty value at logout; the old token is then revoked. Browsers
// without the header keep using cookies; another Authorization scheme is
// the application's; a header sent twice is anonymous.
func TestTokenHeader(t *testing.T) {
	m, _ := newManager(t, middleware.Options{TokenHeader: "Authorization"})
	call := func(auth []string, h http.HandlerFunc, cookies ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "https://api.example/", nil)
		for _, a := range auth {
			req.Header.Add("Authorization", a)
		}
		if len(cookies) > 0 {
			req.Header.Set("Cookie", strings.Join(cookies, "; "))
		}
		return serveRequest(m, h, req)
	}
	login := func(w http.ResponseWriter, r *http.Request) {
		if err := middleware.From(r).Login("ann"); err != nil {
			t.Error(err)
		}
	}
	rec := call([]string{"Bearer"}, login)
	tok := rec.Header().Get("Session-Token")
	if tok == "" || len(setCookies(rec)) != 0 || rec.Header().Get("Cache-Control") != "no-store" || !strings.Contains(strings.Join(rec.Header().Values("Vary"), ","), "Authorization") {
		t.Fatalf("login through the header: token %q, Set-Cookie %q, headers %v", tok, setCookies(rec), rec.Header())
	}
	// Read with the token: no new token when nothing changed.
	rec = call([]string{"Bearer " + tok}, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(middleware.From(r).Subject()))
	})
	if rec.Body.String() != "ann" || rec.Header().Get("Session-Token") != "" || len(rec.Header().Values("Session-Token")) != 0 {
		t.Fatalf("read: %q, token header %q", rec.Body, rec.Header().Values("Session-Token"))
	}
	// A change returns a new token, which carries it.
	rec = call([]string{"bearer  " + tok + " "}, set("k", "v"))
	next := rec.Header().Get("Session-Token")
	if next == "" || next == tok {
		t.Fatalf("change: new token %q", next)
	}
	if got := call([]string{"Bearer " + next}, get("k")).Body.String(); got != "v" {
		t.Fatalf("the new token reads %q", got)
	}
	// Logout: an empty value, and the token is revoked.
	rec = call([]string{"Bearer " + next}, func(w http.ResponseWriter, r *http.Request) {
		if err := middleware.From(r).Destroy(); err != nil {
			t.Error(err)
		}
	})
	if v, ok := rec.Header()["Session-Token"]; !ok || v[0] != "" {
		t.Fatalf("logout: token header %q", v)
	}
	if _, err := m.Store().Read(t.Context(), next); !errors.Is(err, cookie.ErrRevoked) {
		t.Fatalf("the token after logout: %v", err)
	}
	// A browser, without the header: cookies, as ever.
	rec = call(nil, set("k", "v"))
	if len(setCookies(rec)) != 1 || rec.Header().Get("Session-Token") != "" {
		t.Fatalf("a cookie client: Set-Cookie %q, token header %q", setCookies(rec), rec.Header().Get("Session-Token"))
	}
	// Basic authentication is the application's: the cookie still counts.
	jar := cookiePairs(t, rec)
	if got := call([]string{"Basic YWxhZGRpbjpvcGVuc2VzYW1l"}, get("k"), jar...).Body.String(); got != "v" {
		t.Fatalf("with Basic authentication, the cookie session reads %q", got)
	}
	// A handler that already varies on the header does not get it twice.
	rec = call([]string{"Bearer " + tok}, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Authorization")
		middleware.From(r).Subject()
	})
	if n := strings.Count(strings.Join(rec.Header().Values("Vary"), ","), "Authorization"); n != 1 {
		t.Fatalf("Vary %q names Authorization %d times", rec.Header().Values("Vary"), n)
	}
	// Twice: anonymous, told to drop the token.
	rec = call([]string{"Bearer " + tok, "Bearer x"}, get("k"))
	if v, ok := rec.Header()["Session-Token"]; rec.Body.String() != "-" || !ok || v[0] != "" {
		t.Fatalf("header sent twice: %q, token header %q", rec.Body, v)
	}
}

func TestTokenHeaderOptions(t *testing.T) {
	for name, o := range map[string]middleware.Options{
		"Cookie":                   {TokenHeader: "Cookie"},
		"Set-Cookie response":      {TokenHeader: "X-Token", TokenResponseHeader: "set-cookie"},
		"Authorization response":   {TokenHeader: "X-Token", TokenResponseHeader: "Authorization"},
		"response without request": {TokenResponseHeader: "X-Token"},
		"not a header name":        {TokenHeader: "X Token"},
	} {
		o.Store = newStore(t, cookie.Options{})
		if _, err := middleware.New(o); !errors.Is(err, middleware.ErrBadOptions) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Another header name, and its own response header.
	m, _ := newManager(t, middleware.Options{TokenHeader: "x-session", TokenResponseHeader: "x-new-session"})
	req := httptest.NewRequest("POST", "https://api.example/", nil)
	req.Header.Set("X-Session", "")
	rec := serveRequest(m, set("k", "v"), req)
	tok := rec.Header().Get("X-New-Session")
	if tok == "" || len(setCookies(rec)) != 0 {
		t.Fatalf("custom headers: %v", rec.Header())
	}
	req = httptest.NewRequest("GET", "https://api.example/", nil)
	req.Header.Set("X-Session", tok)
	if got := serveRequest(m, get("k"), req).Body.String(); got != "v" {
		t.Fatalf("custom headers: read %q", got)
	}
}
