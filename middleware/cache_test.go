package middleware_test

import (
	"net/http"
	"testing"

	"github.com/crumbhq/crumb/middleware"
)

// TestSessionResponsesAreNotStored: a response that depends on an existing
// session is not cacheable, even when it sets no cookie; a handler's own
// Cache-Control stands unless the response sets the cookie.
func TestSessionResponsesAreNotStored(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	jar := cookiePairs(t, serve(m, set("k", "v")))
	for _, c := range []struct {
		name      string
		h         http.HandlerFunc
		cookies   []string
		cache     string // Cache-Control wanted
		vary      string // Vary wanted
		setCookie bool
	}{
		{"read of a session", get("k"), jar, "no-store", "Cookie", false},
		{"own Cache-Control before the read", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "private, max-age=60")
			get("k")(w, r)
		}, jar, "private, max-age=60", "Cookie", false},
		{"own Cache-Control after the read", func(w http.ResponseWriter, r *http.Request) {
			middleware.From(r).Has("k")
			w.Header().Set("Cache-Control", "private, max-age=60")
			w.Write([]byte("body"))
		}, jar, "private, max-age=60", "Cookie", false},
		{"read, nothing written", func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Has("k") }, jar, "no-store", "Cookie", false},
		{"session never used", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("static")) }, jar, "", "", false},
		{"empty session read", get("k"), nil, "", "Cookie", false},
		{"session changed over an own Cache-Control", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "public, max-age=3600")
			set("k", "w")(w, r)
			w.Write([]byte("body"))
		}, jar, "no-store", "Cookie", true},
		{"session too large to save", set("big", incompressible(7000)), jar, "no-store", "Cookie", false},
	} {
		rec := serve(m, c.h, c.cookies...)
		h := rec.Result().Header
		if got := h.Get("Cache-Control"); got != c.cache || len(h.Values("Cache-Control")) > 1 {
			t.Errorf("%s: Cache-Control %q, want %q", c.name, h.Values("Cache-Control"), c.cache)
		}
		if got := h.Get("Vary"); got != c.vary {
			t.Errorf("%s: Vary %q, want %q", c.name, got, c.vary)
		}
		if got := len(setCookies(rec)) > 0; got != c.setCookie {
			t.Errorf("%s: Set-Cookie %q", c.name, setCookies(rec))
		}
	}
}
