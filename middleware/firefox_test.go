package middleware_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crumbhq/crumb/internal/bidi"
	"github.com/crumbhq/crumb/internal/testdep"
)

// TestFirefox runs the browser flow of TestBrowser in headless Firefox
// (Debian's firefox-esr), driven over WebDriver BiDi: login, a chunked
// session surviving a reload, the cookies and their attributes, logout,
// and the replay of the old cookies. It is an integration test: skipped
// with -short, and skipped or failed (see package testdep) without
// Firefox.
func TestFirefox(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	firefox := testdep.Binary(t, "firefox-esr", "firefox")
	browserFlow(t, func(t *testing.T, ts *httptest.Server) browserDriver {
		b, tab := bidi.Start(t, firefox, 90*time.Second)
		return &firefoxDriver{b: b, tab: tab, pageURL: ts.URL + "/"}
	})
}

// firefoxDriver is the browser flow's driver for Firefox over BiDi.
type firefoxDriver struct {
	b       *bidi.Browser
	tab     string
	pageURL string
}

func (d *firefoxDriver) open(t *testing.T, step, u string) {
	t.Helper()
	d.b.Navigate(t, d.tab, step, u)
}

func (d *firefoxDriver) text(t *testing.T, step, id string) string {
	t.Helper()
	return d.b.Eval(t, d.tab, step, "document.getElementById("+strconv.Quote(id)+").textContent")
}

func (d *firefoxDriver) submit(t *testing.T, step, button string) {
	t.Helper()
	d.b.ClickAndWait(t, d.tab, step, button)
	if got := d.b.Eval(t, d.tab, step+": where the browser is", "location.href"); got != d.pageURL {
		t.Fatalf("%s: the browser ended on %s, want %s", step, got, d.pageURL)
	}
}

func (d *firefoxDriver) cookies(t *testing.T, step, prefix string) []keptCookie {
	t.Helper()
	var out []keptCookie
	for _, c := range d.b.Cookies(t, d.tab, step) {
		same := c.SameSite // "lax", "strict", "none" in BiDi
		if same != "" {
			same = strings.ToUpper(same[:1]) + same[1:]
		}
		out = append(out, keptCookie{
			Name: c.Name, Value: c.Value.Value, Path: c.Path, SameSite: same,
			Secure: c.Secure, HTTPOnly: c.HTTPOnly, Session: c.Expiry == nil,
		})
	}
	return sortCookies(out, prefix)
}

// plant has the test server set the cookie (browserApp's /plant): BiDi's
// storage.setCookie makes a cookie with a Domain, which is not the
// host-only cookie the server set and deletes, so the server's deletion
// would not reach it.
func (d *firefoxDriver) plant(t *testing.T, step string, c keptCookie) {
	t.Helper()
	q := url.Values{"name": {c.Name}, "value": {c.Value}}
	d.b.Navigate(t, d.tab, step, d.pageURL+"plant?"+q.Encode())
	if got := d.b.Eval(t, d.tab, step, "document.body.textContent"); got != "planted" {
		t.Fatalf("%s: the server answered %q", step, got)
	}
}

func (d *firefoxDriver) close(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.b.Send(ctx, "browser.close", map[string]any{}, nil); err != nil {
		t.Logf("closing firefox: %v", err)
	}
}
