package sessiontest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
	"github.com/crumbhq/crumb/middleware/sessiontest"
)

// addToCart is the handler under test: it counts items in the session.
func addToCart(w http.ResponseWriter, r *http.Request) {
	s := middleware.From(r)
	n, _ := middleware.Get[int](s, "items")
	s.Set("items", n+1)
	fmt.Fprintf(w, "%s has %d items\n", s.Subject(), n+1)
}

// Example tests a handler with a session prepared by the test: a request
// signed in as ann with two items in her cart, and the session the
// response's cookies hold afterwards.
func Example() {
	t := &testing.T{} // in a real test, the *testing.T of the test function
	m := sessiontest.NewManager(t, cookie.Options{}, middleware.Options{})

	req := sessiontest.Request(t, m, "POST", "https://shop.example/cart", "ann", map[string]any{"items": 2})
	rec := httptest.NewRecorder()
	m.Handler(http.HandlerFunc(addToCart)).ServeHTTP(rec, req)
	fmt.Print(rec.Body.String())

	s := sessiontest.Read(t, m, rec.Result())
	fmt.Println(s.Subject, s.Data["items"])
	// Output:
	// ann has 3 items
	// ann 3
}
