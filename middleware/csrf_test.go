package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/crumbhq/crumb/middleware"
)

// TestCSRFToken checks the derived CSRF token: it starts a session for a
// first visit, is stable for the session, is refused for another session,
// when tampered with, without a session, and after Login (a new ID), and
// it is never stored in the session data.
func TestCSRFToken(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	var tok string
	rec := serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		var err error
		if tok, err = s.CSRFToken(); err != nil {
			t.Fatal(err)
		}
		if keys, _ := s.Keys(); len(keys) != 0 {
			t.Errorf("the token is stored in the session: keys %v", keys)
		}
	})
	jar := cookiePairs(t, rec)
	if len(tok) != 48 || len(jar) != 1 {
		t.Fatalf("token %q, cookies %v", tok, jar)
	}
	check := func(tok string, cookies ...string) (ok bool, again string) {
		serve(m, func(w http.ResponseWriter, r *http.Request) {
			s := middleware.From(r)
			ok = s.CheckCSRF(tok)
			if !s.IsNew() {
				again, _ = s.CSRFToken()
			}
		}, cookies...)
		return ok, again
	}
	if ok, again := check(tok, jar...); !ok || again != tok {
		t.Fatalf("the session's own token: ok %v, stable %v", ok, again == tok)
	}
	other := cookiePairs(t, serve(m, set("k", "v")))
	if ok, _ := check(tok, other...); ok {
		t.Fatal("another session's token accepted")
	}
	if ok, _ := check(tok); ok {
		t.Fatal("a token accepted without a session")
	}
	for _, bad := range []string{"", tok[:47], tok[:47] + "A", strings.ToUpper(tok), tok + "A"} {
		if bad == tok {
			continue
		}
		if ok, _ := check(bad, jar...); ok {
			t.Fatalf("tampered token %q accepted", bad)
		}
	}
	// Login gives a new ID, and so a new token.
	var after string
	jar = cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		if err := s.Login("ann"); err != nil {
			t.Fatal(err)
		}
		after, _ = s.CSRFToken()
	}, jar...))
	if ok, _ := check(tok, jar...); ok || after == tok {
		t.Fatal("the token from before login is still accepted")
	}
	if ok, _ := check(after, jar...); !ok {
		t.Fatal("the token from after login is refused")
	}
}

// TestCrossOriginProtectionRecipe checks the recipe the package
// documentation gives for forms: http.CrossOriginProtection around the
// middleware refuses a cross-site POST before it reaches the session, and
// lets a same-origin one through.
func TestCrossOriginProtectionRecipe(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /transfer", func(w http.ResponseWriter, r *http.Request) {
		middleware.From(r).Set("sent", r.FormValue("amount"))
	})
	h := http.NewCrossOriginProtection().Handler(m.Handler(mux))
	post := func(site string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "https://bank.example/transfer", strings.NewReader(url.Values{"amount": {"100"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", site)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := post("cross-site"); rec.Code != http.StatusForbidden || len(setCookies(rec)) != 0 {
		t.Fatalf("cross-site POST: %d, Set-Cookie %q", rec.Code, setCookies(rec))
	}
	if rec := post("same-origin"); rec.Code != http.StatusOK || len(setCookies(rec)) != 1 {
		t.Fatalf("same-origin POST: %d, Set-Cookie %q", rec.Code, setCookies(rec))
	}
}
