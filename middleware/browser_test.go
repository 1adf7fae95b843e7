package middleware_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/internal/testdep"
	"github.com/crumbhq/crumb/middleware"
)

// browserCookie is the session cookie name of the browser test: the
// "__Host-" prefix makes the browser itself enforce Secure, Path=/ and no
// Domain, on the first cookie and on every chunk.
const browserCookie = "__Host-session"

// browserBigLen is the length of the big session value: 4200 characters of
// base64 from 3150 random bytes. Its token (~5,700 characters uncompressed)
// is longer than one cookie and within the 6 KiB header budget, so it is
// carried in exactly 2 cookies; were the codec to find a way to compress
// random base64 (at best to 6/8), the token would still need 2.
const browserBigLen = 4200

// browserPage is the test application's only page: the session's state in
// #state, and one form for each step of the flow.
var browserPage = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>crumb browser test</title></head>
<body>
<p>Session: <output id="state">{{.State}}</output></p>
<form method="post" action="/login"><input name="user" value="alice"><button id="login">Log in</button></form>
<form method="post" action="/big"><input type="hidden" name="big" value="{{.Big}}"><button id="store">Store the big value</button></form>
<form method="post" action="/logout"><button id="logout">Log out</button></form>
</body></html>
`))

// browserState describes a session as the page shows it.
func browserState(subject, big string, chunks int) string {
	if subject == "" {
		subject = "anonymous"
	}
	b := "none"
	if big != "" {
		sum := sha256.Sum256([]byte(big))
		b = fmt.Sprintf("%d:%s", len(big), hex.EncodeToString(sum[:]))
	}
	return fmt.Sprintf("subject=%s big=%s chunks=%d", subject, b, chunks)
}

// browserApp is the application under test: log in, store a value larger
// than a cookie, show the session, log out — plain forms, each POST
// answered with a redirect to the page (post/redirect/get).
func browserApp(big string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		v, err := middleware.Get[string](s, "big")
		if err != nil && !errors.Is(err, cookie.ErrNoValue) {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = browserPage.Execute(w, struct{ State, Big string }{browserState(s.Subject(), v, s.Info().Chunks), big})
	})
	done := func(w http.ResponseWriter, r *http.Request, err error) {
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		done(w, r, middleware.From(r).Login(r.PostFormValue("user")))
	})
	mux.HandleFunc("POST /big", func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		err := s.Set("big", r.PostFormValue("big"))
		if err == nil {
			err = s.Save() // a session over the header budget: a 500, not a silent drop
		}
		done(w, r, err)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		done(w, r, middleware.From(r).Destroy())
	})
	// The test's own door, outside the session: set a session cookie as
	// given (a copy saved before the logout, replayed as a thief would),
	// with the attributes the middleware gives it, so that the browser
	// keeps it as the same host-only cookie.
	mux.HandleFunc("GET /plant", func(w http.ResponseWriter, r *http.Request) {
		name, value := r.FormValue("name"), r.FormValue("value")
		if !strings.HasPrefix(name, browserCookie) {
			http.Error(w, "not a session cookie", http.StatusBadRequest)
			return
		}
		w.Header().Add("Set-Cookie", name+"="+value+"; Path=/; HttpOnly; Secure; SameSite=Lax")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("planted"))
	})
	return mux
}

// TestBrowser runs the browser flow (browserFlow) in headless Chromium,
// driven through chromedp: log in, store a session larger than one cookie
// (so it is chunked), read it back after a reload, check the cookies the
// browser keeps and their attributes, log out, and replay the old cookies,
// which must be rejected as revoked. It is an integration test: skipped
// with -short, and skipped or failed (see package testdep) without
// Chromium.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	chromium := testdep.Binary(t, "chromium", "chromium-browser", "google-chrome")
	browserFlow(t, func(t *testing.T, ts *httptest.Server) browserDriver {
		return &chromiumDriver{ctx: startChromium(t, chromium, ts, 60*time.Second), pageURL: ts.URL + "/"}
	})
}

// chromiumDriver is the browser flow's driver for Chromium.
type chromiumDriver struct {
	ctx     context.Context // the tab's
	pageURL string
}

func (d *chromiumDriver) open(t *testing.T, step, u string) {
	t.Helper()
	browserDo(t, d.ctx, step, chromedp.Navigate(u))
}

func (d *chromiumDriver) text(t *testing.T, step, id string) string {
	t.Helper()
	return browserDo(t, d.ctx, step, chromedp.Text(chromedp.ID(id)))
}

func (d *chromiumDriver) submit(t *testing.T, step, button string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(d.ctx, browserStepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(sctx, chromedp.Click(chromedp.ID(button)))
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	if resp.Status != http.StatusOK || resp.URL != d.pageURL {
		t.Fatalf("%s: the browser ended on %s with status %d, want %s with 200", step, resp.URL, resp.Status, d.pageURL)
	}
}

func (d *chromiumDriver) cookies(t *testing.T, step, prefix string) []keptCookie {
	t.Helper()
	res := browserDo(t, d.ctx, step+": get the cookies", browserCall(network.GetCookies, network.GetCookiesParams{URLs: []string{d.pageURL}}))
	var out []keptCookie
	for _, c := range res.Cookies {
		out = append(out, keptCookie{
			Name: c.Name, Value: c.Value, Path: c.Path, SameSite: string(c.SameSite),
			Secure: c.Secure, HTTPOnly: c.HTTPOnly, Session: c.Session,
		})
	}
	return sortCookies(out, prefix)
}

func (d *chromiumDriver) plant(t *testing.T, step string, c keptCookie) {
	t.Helper()
	browserDo(t, d.ctx, step, browserCall(network.SetCookie, network.SetCookieParams{
		URL: d.pageURL, Name: c.Name, Value: c.Value, Path: c.Path,
		Secure: new(c.Secure), HTTPOnly: new(c.HTTPOnly), SameSite: network.CookieSameSite(c.SameSite),
	}))
}

func (d *chromiumDriver) close(t *testing.T) { closeChromium(t, d.ctx) }

// startChromium starts headless Chromium for a test of ts and returns the
// context of its first tab, which lives until the test ends. Chromium
// trusts the test server's self-signed certificate, and only it, by the
// SHA-256 of its public key (honoured because the profile is an explicit
// --user-data-dir), rather than every certificate
// (--ignore-certificate-errors). Everything the browser does, its start
// included, is bounded by timeout, and each step by its own (browserDo).
// The browser is stopped, and waited for, before t.TempDir is removed.
func startChromium(t *testing.T, chromium string, ts *httptest.Server, timeout time.Duration) context.Context {
	t.Helper()
	spki := sha256.Sum256(ts.Certificate().RawSubjectPublicKeyInfo)
	profile := t.TempDir()
	var output browserBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("chromium output:\n%s", output.String())
		}
	})
	testCtx, cancelTest := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancelTest)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(testCtx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests may run as root, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(spki[:])),
		chromedp.UserDataDir(profile),
		chromedp.CombinedOutput(&output),
	)
	// Registered after t.TempDir, so run before its removal: the tab
	// closes first, then the allocator stops the browser and waits for it.
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)
	// Start the browser and its tab under ctx itself: the browser lives
	// as long as the context of the first action, which must not be a
	// step's.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// closeChromium closes the browser of ctx gracefully, within 10 seconds;
// the cleanups of startChromium stop it for good whatever happens here.
func closeChromium(t *testing.T, ctx context.Context) {
	t.Helper()
	closeCtx, cancelClose := context.WithTimeout(ctx, 10*time.Second)
	defer cancelClose()
	if err := chromedp.Cancel(closeCtx); err != nil {
		t.Logf("closing chromium: %v", err)
	}
}

// checkSetCookieResponses logs in and stores the big value from Go, and
// checks the headers of both responses: the cookies and their attributes,
// chunking, Cache-Control: no-store and Vary: Cookie.
func checkSetCookieResponses(t *testing.T, ts *httptest.Server, big string) {
	t.Helper()
	client := ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	client.Timeout = 10 * time.Second
	post := func(path string, form url.Values, cookies []*http.Cookie) *http.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+path, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %s: status %d, want 303", path, resp.StatusCode)
		}
		return resp
	}
	check := func(what string, resp *http.Response, wantNames ...string) {
		t.Helper()
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", what, got)
		}
		if vary := resp.Header.Values("Vary"); !slices.Contains(vary, "Cookie") {
			t.Errorf("%s: Vary %q, want Cookie", what, vary)
		}
		lines := resp.Header.Values("Set-Cookie")
		var names []string
		for _, line := range lines {
			name, _, _ := strings.Cut(line, "=")
			names = append(names, name)
			for _, attr := range []string{"; Path=/", "; HttpOnly", "; Secure", "; SameSite=Lax"} {
				if !strings.Contains(line, attr) {
					t.Errorf("%s: Set-Cookie %s lacks %q", what, name, attr)
				}
			}
			if strings.Contains(line, "Max-Age") || strings.Contains(line, "Domain") {
				t.Errorf("%s: Set-Cookie %s has Max-Age or Domain", what, name)
			}
		}
		if !slices.Equal(names, wantNames) {
			t.Errorf("%s: Set-Cookie for %v, want %v", what, names, wantNames)
		}
	}
	login := post("/login", url.Values{"user": {"bob"}}, nil)
	check("login response", login, browserCookie)
	stored := post("/big", url.Values{"big": {big}}, login.Cookies())
	check("big value response", stored, browserCookie, browserCookie+".1")
	if cs := stored.Cookies(); len(cs) == 2 && !strings.HasPrefix(cs[0].Value, "~2.") {
		t.Errorf("big value response: the first cookie does not announce 2 chunks: %.20q…", cs[0].Value)
	}
}

// browserStepTimeout bounds each step of the browser test (the first
// starts Chromium).
const browserStepTimeout = 20 * time.Second

// browserDo runs a browser action within browserStepTimeout, failing the
// test with the step's name on error.
func browserDo[T any](t *testing.T, ctx context.Context, step string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, browserStepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	return v
}

// browserCall is the action that sends one DevTools protocol command to
// the tab.
func browserCall[P, R any](cmd cdp.Command[P, R], params P) chromedp.Action[R] {
	return func(ctx context.Context, tab *chromedp.Target) (R, error) {
		return cdp.Call(ctx, tab, cmd, params)
	}
}

// browserBuffer is a bytes.Buffer safe for the concurrent writes of the
// browser's output and the middleware's log.
type browserBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *browserBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *browserBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
