package sessiontest_test

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
	"github.com/crumbhq/crumb/middleware/sessiontest"
)

func TestRequestAndRead(t *testing.T) {
	m := sessiontest.NewManager(t, cookie.Options{Name: "__Host-s"}, middleware.Options{})
	raw := make([]byte, 3300)
	rand.Read(raw)
	big := base64.RawURLEncoding.EncodeToString(raw) // 4,400 random characters: more than one cookie
	req := sessiontest.Request(t, m, "GET", "https://example.com/", "ann", map[string]any{"n": 1, "big": big})
	var subject string
	var n int
	rec := httptest.NewRecorder()
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		subject = s.Subject()
		n, _ = middleware.Get[int](s, "n")
		if s.IsNew() {
			t.Error("the prepared session was not read")
		}
	})).ServeHTTP(rec, req)
	if subject != "ann" || n != 1 {
		t.Fatalf("the handler saw %q and %d", subject, n)
	}
	// Nothing changed: nothing set, so Read of this response finds none.
	if s := sessiontest.Read(t, m, rec.Result()); s != nil {
		t.Fatalf("a response that set no cookie holds %+v", s)
	}
	// A logout deletes the cookies: Read finds no session.
	rec = httptest.NewRecorder()
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := middleware.From(r).Destroy(); err != nil {
			t.Error(err)
		}
	})).ServeHTTP(rec, sessiontest.Request(t, m, "POST", "https://example.com/logout", "ann", nil))
	if s := sessiontest.Read(t, m, rec.Result()); s != nil {
		t.Fatalf("after logout: %+v", s)
	}
	// Read sees what a response set, chunks included.
	rec = httptest.NewRecorder()
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		middleware.From(r).Set("big", big)
	})).ServeHTTP(rec, httptest.NewRequest("GET", "https://example.com/", nil))
	s := sessiontest.Read(t, m, rec.Result())
	if s == nil || s.Subject != "" || s.Data["big"] != big || s.Info.Chunks != 2 {
		t.Fatalf("read back %+v", s)
	}
}
