package middleware_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
)

// logLines returns the lines of l holding every one of parts.
func logLines(l *testLog, parts ...string) []string {
	var out []string
	for line := range strings.Lines(l.String()) {
		found := true
		for _, p := range parts {
			found = found && strings.Contains(line, p)
		}
		if found {
			out = append(out, line)
		}
	}
	return out
}

// TestUnavailableWarningRateLimited: during an outage of the revocation
// set, a Manager warns once per 10 seconds, saying how many requests it
// held back; the others are logged at Debug, and the error hook still
// sees every one.
func TestUnavailableWarningRateLimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		set := newFlakySet(t)
		store := newStore(t, cookie.Options{Revocations: set})
		m, l := newManager(t, middleware.Options{Store: store})
		login := func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Login("ann") }
		jar := cookiePairs(t, serve(m, login))
		set.down.Store(true)
		const msg = `msg="middleware: revocation set unavailable"`
		for range 50 {
			serve(m, get("k"), jar...)
		}
		warns := logLines(l, "level=WARN", msg)
		if len(warns) != 1 || !strings.Contains(warns[0], "suppressed=0") {
			t.Fatalf("first 50 requests: %d warnings, want 1 with suppressed=0: %q", len(warns), warns[:min(len(warns), 2)])
		}
		if debug := logLines(l, "level=DEBUG", msg); len(debug) != 49 {
			t.Fatalf("%d debug lines, want 49", len(debug))
		}
		time.Sleep(9 * time.Second)
		serve(m, get("k"), jar...)
		if warns := logLines(l, "level=WARN", msg); len(warns) != 1 {
			t.Fatalf("after 9 s: %d warnings, want 1", len(warns))
		}
		time.Sleep(time.Second)
		serve(m, get("k"), jar...)
		warns = logLines(l, "level=WARN", msg)
		if len(warns) != 2 || !strings.Contains(warns[1], "suppressed=50") {
			t.Fatalf("after 10 s: warnings %q", warns)
		}
		hooked := l.hooked()
		if len(hooked) != 52 {
			t.Fatalf("hook saw %d errors, want 52", len(hooked))
		}
		for _, err := range hooked {
			if !errors.Is(err, cookie.ErrUnavailable) {
				t.Fatalf("hook: %v", err)
			}
		}
		// The limit is per Manager: another one warns at once.
		other, l2 := newManager(t, middleware.Options{Store: store})
		serve(other, get("k"), jar...)
		if warns := logLines(l2, "level=WARN", msg); len(warns) != 1 {
			t.Fatalf("another manager: warnings %q", warns)
		}
	})
}
