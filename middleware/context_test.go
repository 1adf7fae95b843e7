package middleware_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crumbhq/crumb/middleware"
)

type otherKey struct{}

var okBody = []byte("ok")

// TestRequestContext: the context the handler gets carries the session and
// is otherwise the request's own: its values, deadline and cancellation,
// also through contexts derived from it.
func TestRequestContext(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	parent, cancel := context.WithTimeout(context.WithValue(context.Background(), otherKey{}, "kept"), time.Hour)
	deadline, _ := parent.Deadline()
	var (
		derived       context.Context
		cancelDerived context.CancelFunc = func() {}
	)
	defer func() { cancelDerived() }()
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if s, ok := middleware.FromContext(ctx); !ok || s != middleware.From(r) {
			t.Error("no session in the request context")
		}
		if v := ctx.Value(otherKey{}); v != "kept" {
			t.Errorf("the parent's value is %v", v)
		}
		if d, ok := ctx.Deadline(); !ok || !d.Equal(deadline) {
			t.Errorf("deadline %v %v, want %v", d, ok, deadline)
		}
		derived, cancelDerived = context.WithCancel(ctx)
		if _, ok := middleware.FromContext(derived); !ok {
			t.Error("no session in a context derived from the request's")
		}
		if ctx.Err() != nil {
			t.Errorf("Err %v before cancellation", ctx.Err())
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "https://example.com/", nil).WithContext(parent))
	cancel()
	select {
	case <-derived.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("cancelling the request's context did not cancel a context derived in the handler")
	}
	if derived.Err() != context.Canceled {
		t.Errorf("derived context: %v", derived.Err())
	}
}

// TestReadUnchangedAllocs bounds the allocations of the request that reads
// one value of a valid session and changes nothing (BenchmarkMiddleware's
// crumb/read-unchanged; issue 17 asks for fewer than 10, the benchmark's
// own copy of the request included). They are the request with its context
// (net/http's WithContext), the session with its writer and context (one
// allocation), the decoded token, the record, the decompressed payload
// when the session is compressed, and the value read (the string and
// cookie.Get's holder for it).
func TestReadUnchangedAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector (make allocs runs this test)")
	}
	m, _ := newManager(t, middleware.Options{})
	for _, c := range []struct {
		name  string
		value string
		max   float64
	}{
		{"small", "ann@example.com", 6},
		{"compressed", strings.Repeat("ann@example.com ", 20), 7},
	} {
		rec := serve(m, func(w http.ResponseWriter, r *http.Request) {
			middleware.From(r).Set("user", c.value)
		})
		req := httptest.NewRequest("GET", "https://example.com/", nil)
		req.Header.Set("Cookie", strings.Join(cookiePairs(t, rec), "; "))
		h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if v, err := middleware.Get[string](middleware.From(r), "user"); err != nil || v != c.value {
				panic("session not read")
			}
			w.Write(okBody)
		}))
		w := &nopWriter{h: http.Header{}}
		allocs := testing.AllocsPerRun(200, func() {
			h.ServeHTTP(w, req)
			if w.h.Get("Set-Cookie") != "" || w.h.Get("Vary") != "Cookie" {
				panic("unexpected response headers")
			}
			clear(w.h)
		})
		if allocs > c.max {
			t.Errorf("%s: a read-unchanged request allocates %v times, want at most %v", c.name, allocs, c.max)
		}
	}
}
