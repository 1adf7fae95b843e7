package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/crumbhq/crumb/internal/bidi"
	"github.com/crumbhq/crumb/internal/testdep"
)

// pageDriver is what the demo page test needs of a real browser; each
// method is a step bounded in time that fails the test on error.
type pageDriver interface {
	// open loads the URL in a viewport width pixels wide.
	open(t *testing.T, url string, width int)
	// eval returns a JavaScript expression's value as a string.
	eval(t *testing.T, expr string) string
	// click clicks the button with the ID and waits for the page it leads to.
	click(t *testing.T, id string)
	// screenshot returns a PNG of the whole page.
	screenshot(t *testing.T) []byte
}

// TestDemoPageInBrowsers opens the demo's page in headless Chromium and
// Firefox at 1200 and 400 pixels wide: an anonymous visitor sees no logout
// buttons; after signing in and adding 4 KB of random data, the page shows
// the token's anatomy (version, key ID, nonce, ciphertext, tag,
// compression, two cookies) and the logout buttons; nothing overflows the
// window, and no API line breaks inside. With CRUMB_SCREENSHOTS set to a
// directory, the screenshots are kept there to look at.
func TestDemoPageInBrowsers(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	shots := os.Getenv("CRUMB_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	t.Run("chromium", func(t *testing.T) {
		chromium := testdep.Binary(t, "chromium", "chromium-browser", "google-chrome")
		demoPageFlow(t, shots, "chromium", func(t *testing.T) pageDriver { return startChromiumPage(t, chromium) })
	})
	t.Run("firefox", func(t *testing.T) {
		firefox := testdep.Binary(t, "firefox-esr", "firefox")
		demoPageFlow(t, shots, "firefox", func(t *testing.T) pageDriver {
			b, tab := bidi.Start(t, firefox, 90*time.Second)
			return &firefoxPage{b: b, tab: tab}
		})
	})
}

// demoPageFlow runs the page checks in the browser start gives, at each
// width, against a demo of its own.
func demoPageFlow(t *testing.T, shots, browser string, start func(t *testing.T) pageDriver) {
	for _, width := range []int{1200, 400} {
		base, _ := startDemo(t, "--state", t.TempDir())
		d := start(t)
		shot := func(state string) {
			t.Helper()
			name := "demo-" + browser + "-" + state + "-" + strconv.Itoa(width) + ".png"
			if err := os.WriteFile(filepath.Join(shots, name), d.screenshot(t), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		layout := func(state string) {
			t.Helper()
			fits := d.eval(t, `String(document.documentElement.scrollWidth <= window.innerWidth)`)
			oneLine := d.eval(t, `String([...document.querySelectorAll('.nowrap')].every(e => e.getClientRects().length === 1))`)
			if fits != "true" || oneLine != "true" {
				t.Errorf("%d px, %s: the page fits the window %s, API lines on one line %s", width, state, fits, oneLine)
			}
		}

		d.open(t, base+"/", width)
		if n := d.eval(t, `String(document.querySelectorAll('#logout, #logout-all, #anatomy').length)`); n != "0" {
			t.Errorf("%d px: an anonymous visitor sees %s logout buttons or a token", width, n)
		}
		layout("anonymous")
		shot("anonymous")

		d.eval(t, `document.querySelector('input[name=user]').value = 'ann', 'ok'`)
		d.click(t, "login")
		d.click(t, "add-random")
		text := d.eval(t, `document.getElementById('anatomy').textContent`)
		for _, want := range []string{"version", "key ID", "nonce", "ciphertext", "tag", "compressed"} {
			if !strings.Contains(text, want) {
				t.Errorf("%d px: the token's anatomy lacks %q: %s", width, want, text)
			}
		}
		note := d.eval(t, `document.querySelector('h3 + p.note').textContent`)
		if n := d.eval(t, `String(document.querySelectorAll('#logout, #logout-all').length)`); n != "2" || !strings.Contains(note, "in 2 cookie(s)") {
			t.Errorf("%d px: signed in with 4 KB: %s logout buttons, note %q", width, n, note)
		}
		layout("signed-in")
		shot("signed-in")
	}
}

// chromiumPage drives headless Chromium through chromedp.
type chromiumPage struct{ tab context.Context }

func startChromiumPage(t *testing.T, chromium string) *chromiumPage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("hide-scrollbars", true),
	)
	t.Cleanup(cancelAlloc) // after t.TempDir's cleanup is registered: runs first
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	// The browser lives as long as the context of its first action.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &chromiumPage{tab: tab}
}

func (p *chromiumPage) step(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.tab, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("chromium: %s: %v", what, err)
	}
}

func (p *chromiumPage) open(t *testing.T, url string, width int) {
	t.Helper()
	// The viewport exactly: a headless window is at least 500 px wide.
	p.step(t, "open "+url, chromedp.EmulateViewport(int64(width), 900), chromedp.Navigate(url), chromedp.WaitVisible(chromedp.ID("subject")))
}

func (p *chromiumPage) eval(t *testing.T, expr string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.tab, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("chromium: %s: %v", expr, err)
	}
	return v
}

func (p *chromiumPage) click(t *testing.T, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.tab, 20*time.Second)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID(id))); err != nil {
		t.Fatalf("chromium: click #%s: %v", id, err)
	}
}

func (p *chromiumPage) screenshot(t *testing.T) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.tab, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		t.Fatalf("chromium: screenshot: %v", err)
	}
	return png
}

// firefoxPage drives headless Firefox over WebDriver BiDi.
type firefoxPage struct {
	b   *bidi.Browser
	tab string
}

func (p *firefoxPage) open(t *testing.T, url string, width int) {
	t.Helper()
	p.b.SetViewport(t, p.tab, width, 900)
	p.b.Navigate(t, p.tab, "open "+url, url)
}

func (p *firefoxPage) eval(t *testing.T, expr string) string {
	t.Helper()
	return p.b.Eval(t, p.tab, expr, expr)
}

func (p *firefoxPage) click(t *testing.T, id string) {
	t.Helper()
	p.b.ClickAndWait(t, p.tab, "click #"+id, id)
}

func (p *firefoxPage) screenshot(t *testing.T) []byte {
	t.Helper()
	return p.b.Screenshot(t, p.tab)
}
