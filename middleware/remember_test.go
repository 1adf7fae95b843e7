package middleware_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
)

// TestRememberMe checks "remember me" from a handler: Login with
// cookie.RememberMe writes a persistent cookie for that session only,
// reaching its remembered lifetime, and keeps it persistent when the
// session is saved again; a plain login on the same Manager writes a
// browser-session cookie; without RememberTimeout the login fails.
func TestRememberMe(t *testing.T) {
	m, _ := newManager(t, middleware.Options{Store: newStore(t, cookie.Options{RememberTimeout: 30 * 24 * time.Hour})})
	login := func(opts ...cookie.LoginOption) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if err := middleware.From(r).Login("ann", opts...); err != nil {
				t.Error(err)
			}
		}
	}
	maxAge := func(lines []string) string {
		if len(lines) != 1 {
			t.Fatalf("Set-Cookie: %q", lines)
		}
		_, v, _ := strings.Cut(lines[0], "; Max-Age=")
		v, _, _ = strings.Cut(v, ";")
		return v
	}
	rec := serve(m, login(cookie.RememberMe))
	if got, _ := strconv.Atoi(maxAge(setCookies(rec))); got < 2592000-10 || got > 2592000 {
		t.Fatalf("remembered login: Max-Age %d, want about 30 days (2592000)", got)
	}
	// Saved again (a change): still persistent, still remembered.
	rec = serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		s.Set("k", "v")
		if !s.Info().Remembered {
			t.Error("Info().Remembered is false for a remembered session")
		}
	}, cookiePairs(t, rec)...)
	if got := maxAge(setCookies(rec)); got == "" {
		t.Fatal("a remembered session was rewritten as a browser-session cookie")
	}
	// A plain login: a browser-session cookie.
	if got := maxAge(setCookies(serve(m, login()))); got != "" {
		t.Fatalf("plain login: Max-Age %q, want none", got)
	}
	// Without RememberTimeout, remembering is refused, and says so.
	plain, _ := newManager(t, middleware.Options{})
	serve(plain, func(w http.ResponseWriter, r *http.Request) {
		if err := middleware.From(r).Login("ann", cookie.RememberMe); !errors.Is(err, cookie.ErrBadRecord) || !strings.Contains(err.Error(), "RememberTimeout") {
			t.Errorf("remember me without RememberTimeout: %v", err)
		}
	})
}
