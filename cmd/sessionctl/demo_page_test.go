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

	"github.com/crumbhq/crumb/internal/testdep"
)

// TestDemoPageInBrowser opens the demo's page in headless Chromium at 1200
// and 400 pixels wide: an anonymous visitor sees no logout buttons; after
// signing in and adding 4 KB of random data, the page shows the token's
// anatomy (version, key ID, nonce, ciphertext, tag, compression, two
// cookies) and the logout buttons; nothing overflows the window, and no
// API line breaks inside. With CRUMB_SCREENSHOTS set to a directory, the
// screenshots are kept there to look at.
func TestDemoPageInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	chromium := testdep.Binary(t, "chromium", "chromium-browser", "google-chrome")
	shots := os.Getenv("CRUMB_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	for _, width := range []int{1200, 400} {
		base, _ := startDemo(t, "--state", t.TempDir())
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
			chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
			chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
			chromedp.WindowSize(width, 900), chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("hide-scrollbars", true),
		)
		defer cancelAlloc()
		tab, cancelTab := chromedp.NewContext(alloc)
		defer cancelTab()
		// The browser lives as long as the context of its first action.
		if err := chromedp.Do(tab); err != nil {
			t.Fatalf("start chromium: %v", err)
		}
		do := func(step string, steps ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			sctx, cancel := context.WithTimeout(tab, 20*time.Second)
			defer cancel()
			if err := chromedp.Do(sctx, steps...); err != nil {
				t.Fatalf("%d px: %s: %v", width, step, err)
			}
		}
		eval := func(step, expr string) any {
			t.Helper()
			sctx, cancel := context.WithTimeout(tab, 20*time.Second)
			defer cancel()
			v, err := chromedp.Run(sctx, chromedp.Evaluate[any](expr))
			if err != nil {
				t.Fatalf("%d px: %s: %v", width, step, err)
			}
			return v
		}
		shot := func(state string) {
			t.Helper()
			sctx, cancel := context.WithTimeout(tab, 20*time.Second)
			defer cancel()
			png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("%d px: screenshot: %v", width, err)
			}
			name := "demo-chromium-" + state + "-" + strconv.Itoa(width) + ".png"
			if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		layout := func(state string) {
			t.Helper()
			fits := eval(state+": width", `document.documentElement.scrollWidth <= window.innerWidth`)
			oneLine := eval(state+": API lines", `[...document.querySelectorAll('.nowrap')].every(e => e.getClientRects().length === 1)`)
			if fits != true || oneLine != true {
				t.Errorf("%d px, %s: the page fits the window %v, API lines on one line %v", width, state, fits, oneLine)
			}
		}

		// The viewport exactly (a headless window is at least 500 px wide).
		do("open the page", chromedp.EmulateViewport(int64(width), 900), chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("subject")))
		if n := eval("look for logout buttons", `document.querySelectorAll('#logout, #logout-all, #anatomy').length`); n != 0.0 {
			t.Errorf("%d px: an anonymous visitor sees %v logout buttons or a token", width, n)
		}
		layout("anonymous")
		shot("anonymous")

		do("log in",
			chromedp.SendKeys(chromedp.CSS(`input[name=user]`), "ann"),
			chromedp.Submit(chromedp.CSS(`input[name=user]`)),
			chromedp.WaitVisible(chromedp.ID("anatomy")))
		do("add 4 KB", chromedp.Submit(chromedp.CSS(`input[name=random]`)), chromedp.Sleep(300*time.Millisecond),
			chromedp.WaitVisible(chromedp.ID("anatomy")))
		text, _ := eval("read the token", `document.getElementById('anatomy').textContent`).(string)
		for _, want := range []string{"version", "key ID", "nonce", "ciphertext", "tag", "compressed"} {
			if !strings.Contains(text, want) {
				t.Errorf("%d px: the token's anatomy lacks %q: %s", width, want, text)
			}
		}
		note, _ := eval("read the note", `document.querySelector('h3 + p.note').textContent`).(string)
		if n := eval("count logout buttons", `document.querySelectorAll('#logout, #logout-all').length`); n != 2.0 || !strings.Contains(note, "in 2 cookie(s)") {
			t.Errorf("%d px: signed in with 4 KB: %v logout buttons, note %q", width, n, note)
		}
		layout("signed-in")
		shot("signed-in")
	}
}
