package middleware_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
)

// TestTwoManagers nests two Managers around one handler: each session is
// reached through its Manager's From, each sets its own cookie, the
// package-level From gives the innermost, and a Manager that does not wrap
// the request is a wiring mistake (a panic).
func TestTwoManagers(t *testing.T) {
	outer, _ := newManager(t, middleware.Options{Store: newStore(t, cookie.Options{Name: "outer"})})
	inner, _ := newManager(t, middleware.Options{Store: newStore(t, cookie.Options{Name: "inner"})})
	other, _ := newManager(t, middleware.Options{Store: newStore(t, cookie.Options{Name: "other"})})
	h := outer.Handler(inner.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if middleware.From(r) != inner.From(r) || inner.From(r) == outer.From(r) {
			t.Errorf("middleware.From is not the inner Manager's session, or the two are one")
		}
		if _, ok := other.FromContext(r.Context()); ok {
			t.Errorf("a Manager that does not wrap the request has a session in it")
		}
		defer func() {
			if recover() == nil {
				t.Errorf("From of a Manager that does not wrap the request did not panic")
			}
		}()
		if r.Method == "POST" {
			outer.From(r).Set("who", "outer")
			inner.From(r).Set("who", "inner")
		} else {
			a, _ := middleware.Get[string](outer.From(r), "who")
			b, _ := middleware.Get[string](inner.From(r), "who")
			fmt.Fprintf(w, "%s %s", a, b)
		}
		other.From(r)
	})))
	// Mounted twice, the outer Manager still handles its session once.
	h = outer.Handler(h)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "https://example.com/", nil))
	names := []string{}
	for _, c := range w.Result().Cookies() {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "inner,outer" && strings.Join(names, ",") != "outer,inner" {
		t.Fatalf("cookies set: %v, want one of each Manager", names)
	}
	req := httptest.NewRequest("GET", "https://example.com/", nil)
	req.Header.Set("Cookie", strings.Join(cookiePairs(t, w), "; "))
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if got := w.Body.String(); got != "outer inner" {
		t.Fatalf("read back %q", got)
	}
}

// TestFlashes checks AddFlash and Flashes: messages in order, shown once,
// of one type per key, and at most MaxFlashes kept (the newest).
func TestFlashes(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	jar := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		for i := range middleware.MaxFlashes + 3 {
			if err := middleware.AddFlash(s, "n", i); err != nil {
				t.Fatal(err)
			}
		}
		middleware.AddFlash(s, "msg", "saved")
	}))
	var got []int
	jar2 := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) {
		var err error
		if got, err = middleware.Flashes[int](middleware.From(r), "n"); err != nil {
			t.Fatal(err)
		}
	}, jar...))
	if len(got) != middleware.MaxFlashes || got[0] != 3 || got[len(got)-1] != middleware.MaxFlashes+2 {
		t.Fatalf("flashes %v: want the newest %d, oldest first", got, middleware.MaxFlashes)
	}
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		if again, err := middleware.Flashes[int](s, "n"); again != nil || err != nil {
			t.Errorf("flashes shown twice: %v %v", again, err)
		}
		if err := middleware.AddFlash(s, "msg", 1); err == nil {
			t.Errorf("an int added to a list of strings")
		}
		if msgs, err := middleware.Flashes[string](s, "msg"); err != nil || len(msgs) != 1 || msgs[0] != "saved" {
			t.Errorf("flashes under another key: %v %v", msgs, err)
		}
	}, jar2...)
}
