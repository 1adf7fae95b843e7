package middleware_test

import (
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
)

// browserDriver is what the browser flow needs of a real browser: each
// method is one step, bounded in time, failing the test on error.
type browserDriver interface {
	// open loads the URL and waits until the page is complete.
	open(t *testing.T, step, url string)
	// text returns the text of the element with the ID.
	text(t *testing.T, step, id string) string
	// submit clicks the button with the ID and waits for the page the form
	// leads to, which must be the page (post/redirect/get) loaded with 200.
	submit(t *testing.T, step, button string)
	// cookies returns the cookies the browser keeps for the page whose
	// names start with prefix, sorted by name.
	cookies(t *testing.T, step, prefix string) []keptCookie
	// plant stores a cookie in the browser, as a stolen copy would be.
	plant(t *testing.T, step string, c keptCookie)
	// close stops the browser gracefully.
	close(t *testing.T)
}

// keptCookie is a cookie as a browser keeps it.
type keptCookie struct {
	Name, Value, Path, SameSite string // SameSite as "Lax", "Strict" or "None"
	Secure, HTTPOnly, Session   bool   // Session: no expiry (a browser-session cookie)
}

// browserCookieNames returns the names of the cookies.
func browserCookieNames(cs []keptCookie) []string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return names
}

// browserFlow runs the session middleware against a real browser, the one
// start returns for the test server: log in, store a session larger than
// one cookie (so it is chunked), read it back after a reload, check the
// cookies the browser keeps and their attributes, log out, and replay the
// old cookies, which must be rejected as revoked.
func browserFlow(t *testing.T, start func(t *testing.T, ts *httptest.Server) browserDriver) {
	sessions := browserManager(t, middleware.Options{Store: newStore(t, cookie.Options{Name: browserCookie})})

	raw := make([]byte, browserBigLen*3/4)
	rand.Read(raw)
	big := base64.StdEncoding.EncodeToString(raw)

	// HTTPS, so that Secure and __Host- cookies are what a browser really
	// does with them. HTTP/1.1: httptest does not offer h2 unless asked.
	ts := httptest.NewTLSServer(sessions.Handler(browserApp(big)))
	t.Cleanup(ts.Close) // after the browser stops (cleanups run last first)

	// The headers of the responses that set the cookies, seen from Go.
	checkSetCookieResponses(t, ts, big)

	b := start(t, ts)
	pageURL := ts.URL + "/"
	wantState := func(step, want string) {
		t.Helper()
		if got := b.text(t, step+": read the page", "state"); got != want {
			t.Fatalf("%s: the page shows %q, want %q", step, got, want)
		}
	}

	// 1. A first visit: anonymous, and no cookie.
	b.open(t, "open the page", pageURL)
	wantState("first visit", browserState("", "", 0))
	if cs := b.cookies(t, "first visit", browserCookie); len(cs) != 0 {
		t.Fatalf("first visit: the browser has session cookies %v", browserCookieNames(cs))
	}

	// 2. Log in, then store the big value: the browser sends one cookie,
	// then two.
	b.submit(t, "log in", "login")
	wantState("after login", browserState("alice", "", 1))
	before := sessions.Stats()
	b.submit(t, "store the big value", "store")
	wantState("after storing the big value", browserState("alice", big, 2))
	after := sessions.Stats()
	if after.Written != before.Written+1 || after.Chunked != before.Chunked+1 {
		t.Errorf("storing the big value: Written %d→%d, Chunked %d→%d; want one more of each",
			before.Written, after.Written, before.Chunked, after.Chunked)
	}

	// 3. A reload finds the session intact, and a read-only request does
	// not rewrite the cookies.
	b.open(t, "reload", pageURL)
	wantState("after reload", browserState("alice", big, 2))
	if got := sessions.Stats().Written; got != after.Written {
		t.Errorf("a read-only reload rewrote the session cookies (Written %d→%d)", after.Written, got)
	}

	// 4. What the browser keeps: the token in two cookies, each within
	// every browser's limit, with the safe defaults.
	saved := b.cookies(t, "logged in", browserCookie)
	if names := browserCookieNames(saved); !slices.Equal(names, []string{browserCookie, browserCookie + ".1"}) {
		t.Fatalf("logged in: the browser has session cookies %v, want [%s %s.1]", names, browserCookie, browserCookie)
	}
	for _, c := range saved {
		if !c.Secure || !c.HTTPOnly || c.SameSite != "Lax" || c.Path != "/" || !c.Session {
			t.Errorf("cookie %s: Secure=%v HttpOnly=%v SameSite=%q Path=%q Session=%v; want Secure, HttpOnly, SameSite=Lax, Path=/, a browser-session cookie",
				c.Name, c.Secure, c.HTTPOnly, c.SameSite, c.Path, c.Session)
		}
		if n := len(c.Name) + 1 + len(c.Value); n > middleware.MaxSetCookieBytes {
			t.Errorf("cookie %s: %d bytes of name=value, over %d", c.Name, n, middleware.MaxSetCookieBytes)
		}
		t.Logf("the browser keeps %s: %d bytes of name and value, Secure=%v HttpOnly=%v SameSite=%s Path=%s",
			c.Name, len(c.Name)+len(c.Value), c.Secure, c.HTTPOnly, c.SameSite, c.Path)
	}

	// 5. Log out: the page is anonymous and the browser keeps no session
	// cookie, chunk included.
	before = sessions.Stats()
	b.submit(t, "log out", "logout")
	wantState("after logout", browserState("", "", 0))
	if cs := b.cookies(t, "after logout", browserCookie); len(cs) != 0 {
		t.Fatalf("after logout: the browser still has session cookies %v", browserCookieNames(cs))
	}
	if after := sessions.Stats(); after.Store.Deleted != before.Store.Deleted+1 {
		t.Errorf("logout: Store.Deleted %d→%d, want one more", before.Store.Deleted, after.Store.Deleted)
	}

	// 6. Replay the cookies saved before the logout (a stolen copy): the
	// session is revoked, the page anonymous, and the cookies deleted.
	for _, c := range saved {
		b.plant(t, "replay cookie "+c.Name, c)
	}
	if cs := b.cookies(t, "replay", browserCookie); len(cs) != 2 {
		t.Fatalf("replay: the browser took back %v, want both cookies", browserCookieNames(cs))
	}
	before = sessions.Stats()
	b.open(t, "open the page with the old cookies", pageURL)
	wantState("replayed cookies", browserState("", "", 0))
	if after := sessions.Stats(); after.Store.Revoked <= before.Store.Revoked {
		t.Errorf("replayed cookies: Store.Revoked %d→%d, want an increase", before.Store.Revoked, after.Store.Revoked)
	} else {
		t.Logf("replayed cookies rejected: Store.Revoked %d→%d", before.Store.Revoked, after.Store.Revoked)
	}
	if cs := b.cookies(t, "after the replay", browserCookie); len(cs) != 0 {
		t.Errorf("after the replay: the rejected cookies were not deleted: %v", browserCookieNames(cs))
	}
	b.close(t)
}

// browserManager builds the middleware of a browser test from o, with its
// error hook and log collected: every error the hook gets fails the test,
// and the log is shown when the test fails. The check runs last, after the
// browser and the server have stopped.
func browserManager(t *testing.T, o middleware.Options) *middleware.Manager {
	t.Helper()
	var (
		mu        sync.Mutex
		hookErrs  []error
		logOutput browserBuffer
	)
	o.OnError = func(_ *http.Request, err error) {
		mu.Lock()
		defer mu.Unlock()
		hookErrs = append(hookErrs, err)
	}
	o.Logger = slog.New(slog.NewTextHandler(&logOutput, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m, err := middleware.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("middleware log:\n%s", logOutput.String())
		}
		mu.Lock()
		defer mu.Unlock()
		for _, err := range hookErrs {
			t.Errorf("middleware error hook: %v", err)
		}
	})
	return m
}

// sortCookies keeps the cookies whose names start with prefix, sorted by
// name.
func sortCookies(cs []keptCookie, prefix string) []keptCookie {
	var out []keptCookie
	for _, c := range cs {
		if strings.HasPrefix(c.Name, prefix) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b keptCookie) int { return strings.Compare(a.Name, b.Name) })
	return out
}
