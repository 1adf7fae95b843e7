package middleware_test

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/internal/testdep"
	"github.com/crumbhq/crumb/middleware"
	"github.com/crumbhq/crumb/registry"
)

// browserSessionsPage is the "your sessions" page of the test application:
// who is signed in, the sessions in #sessions ("device" for each, the
// request's own marked "(this device)"), a sign-out button per session,
// and the sign-in form, whose device field names the browser.
var browserSessionsPage = template.Must(template.New("sessions").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>crumb sessions test</title></head>
<body>
<p>Signed in as <output id="subject">{{.Subject}}</output></p>
<p>Sessions: <output id="sessions">{{.Summary}}</output></p>
<table>{{range .Sessions}}
<tr><td>{{index .Labels "device"}}</td><td>{{if .Current}}this device{{end}}</td>
<td><form method="post" action="/sessions/{{.ID}}/revoke"><button id="revoke-{{index .Labels "device"}}">Sign out</button></form></td></tr>{{end}}
</table>
<form method="post" action="/login"><input name="user" value="alice"><input name="device" value="{{.Device}}"><button id="login">Sign in</button></form>
</body></html>
`))

// browserSessionsApp is the application under test: sign in with a device
// name, list the user's sessions, and sign one out, with plain forms
// answered by a redirect to the page.
func browserSessionsApp() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		data := struct {
			Subject, Summary, Device string
			Sessions                 []cookie.SessionInfo
		}{Subject: s.Subject(), Summary: "-", Device: r.URL.Query().Get("device")}
		if data.Subject == "" {
			data.Subject = "anonymous"
		}
		list, err := s.Sessions()
		switch {
		case err == nil:
			data.Sessions = list
			var names []string
			for _, i := range list {
				name := i.Labels["device"]
				if i.Current {
					name += "(this device)"
				}
				names = append(names, name)
			}
			slices.Sort(names)
			data.Summary = strings.Join(names, ",")
		case !errors.Is(err, middleware.ErrNoSubject):
			http.Error(w, err.Error(), cookie.HTTPStatus(err))
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = browserSessionsPage.Execute(w, data)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if err := middleware.From(r).Login(r.PostFormValue("user")); err != nil {
			http.Error(w, err.Error(), cookie.HTTPStatus(err))
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /sessions/{id}/revoke", func(w http.ResponseWriter, r *http.Request) {
		id, err := cookie.ParseSessionID(r.PathValue("id"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if err := middleware.From(r).RevokeSession(id); err != nil {
			http.Error(w, err.Error(), cookie.HTTPStatus(err))
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	return mux
}

// TestBrowserSessions runs "your active sessions" in a real browser: two
// browser contexts, with cookie jars of their own (two devices), sign in
// as the same user; the first lists both sessions and signs the second
// out; the second's next request is anonymous, and the first keeps its
// session and cookie, listing itself only. Skipped with -short, and
// skipped or failed (see package testdep) without Chromium.
func TestBrowserSessions(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	chromium := testdep.Binary(t, "chromium", "chromium-browser", "google-chrome")

	reg, err := registry.NewLocal(registry.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() }) // after the store, the server and the browser
	sessions := browserManager(t, middleware.Options{
		Store: newStore(t, cookie.Options{Name: browserCookie, Registry: reg}),
		// The device name the sign-in form carries; nil (labels unchanged)
		// on the other requests.
		Labels: func(r *http.Request) map[string]string {
			if d := r.PostFormValue("device"); d != "" {
				return map[string]string{"device": d}
			}
			return nil
		},
	})
	ts := httptest.NewTLSServer(sessions.Handler(browserSessionsApp()))
	t.Cleanup(ts.Close) // after the browser stops (cleanups run last first)

	// One browser, as in TestBrowser, with a longer deadline for two devices.
	browserCtx := startChromium(t, chromium, ts, 90*time.Second)

	pageURL := ts.URL + "/"
	// A device is a tab in a browser context of its own: its own cookies,
	// as a separate browser profile has. Its tab lives as long as the
	// context of its first action, so that is the device's context itself
	// (bounded by the test's deadline), not a step's.
	openDevice := func(name string) (context.Context, context.CancelFunc) {
		t.Helper()
		ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
		if err := chromedp.Do(ctx); err != nil {
			cancel()
			t.Fatalf("%s: open a browser context: %v", name, err)
		}
		return ctx, cancel
	}
	phone, closePhone := openDevice("phone")
	defer closePhone()
	laptop, closeLaptop := openDevice("laptop")
	defer closeLaptop()

	show := func(ctx context.Context, step string) (subject, list string) {
		t.Helper()
		subject = browserDo(t, ctx, step+": read the subject", chromedp.Text(chromedp.ID("subject")))
		list = browserDo(t, ctx, step+": read the sessions", chromedp.Text(chromedp.ID("sessions")))
		return subject, list
	}
	want := func(ctx context.Context, step, wantSubject, wantList string) {
		t.Helper()
		if subject, list := show(ctx, step); subject != wantSubject || list != wantList {
			t.Fatalf("%s: the page shows %s with sessions %q, want %s with %q", step, subject, list, wantSubject, wantList)
		}
	}
	// submit clicks a form's button and waits for the page it leads to.
	submit := func(ctx context.Context, step, button string) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, browserStepTimeout)
		defer cancel()
		resp, err := chromedp.RunResponse(sctx, chromedp.Click(chromedp.ID(button)))
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if resp.Status != http.StatusOK || resp.URL != pageURL {
			t.Fatalf("%s: the browser ended on %s with status %d, want %s with 200", step, resp.URL, resp.Status, pageURL)
		}
	}
	sessionCookies := func(ctx context.Context, step string) []string {
		t.Helper()
		res := browserDo(t, ctx, step+": get the cookies", browserCall(network.GetCookies, network.GetCookiesParams{URLs: []string{pageURL}}))
		var cs []string
		for _, c := range res.Cookies {
			if strings.HasPrefix(c.Name, browserCookie) {
				cs = append(cs, c.Name+"="+c.Value)
			}
		}
		slices.Sort(cs)
		return cs
	}
	signIn := func(ctx context.Context, device, wantList string) {
		t.Helper()
		browserDo(t, ctx, device+": open the page", chromedp.Navigate(pageURL+"?device="+device))
		want(ctx, device+": before signing in", "anonymous", "-")
		submit(ctx, device+": sign in", "login")
		want(ctx, device+": signed in", "alice", wantList)
	}

	// 1. Both devices sign in as alice; the laptop's jar is not the
	// phone's, so it starts anonymous.
	signIn(phone, "phone", "phone(this device)")
	signIn(laptop, "laptop", "laptop(this device),phone")

	// 2. The phone lists both, and signs the laptop out.
	browserDo(t, phone, "phone: reload", chromedp.Reload())
	want(phone, "phone: listing", "alice", "laptop,phone(this device)")
	phoneCookies := sessionCookies(phone, "phone: before signing the laptop out")
	if len(phoneCookies) != 1 {
		t.Fatalf("the phone has session cookies %q, want one", phoneCookies)
	}
	submit(phone, "phone: sign the laptop out", "revoke-laptop")
	want(phone, "phone: after signing the laptop out", "alice", "phone(this device)")

	// 3. The laptop's next request is anonymous, and its rejected cookie
	// is deleted.
	browserDo(t, laptop, "laptop: reload", chromedp.Navigate(pageURL))
	want(laptop, "laptop: signed out from the phone", "anonymous", "-")
	if cs := sessionCookies(laptop, "laptop: signed out"); len(cs) != 0 {
		t.Errorf("the laptop still has session cookies after its session was rejected")
	}

	// 4. The phone is untouched: the same cookie, still signed in, and
	// listing itself only.
	browserDo(t, phone, "phone: reload", chromedp.Navigate(pageURL))
	want(phone, "phone: afterwards", "alice", "phone(this device)")
	if got := sessionCookies(phone, "phone: afterwards"); !slices.Equal(got, phoneCookies) {
		t.Errorf("signing the laptop out changed the phone's cookie")
	}

	// Close the devices' tabs and contexts, then the browser gracefully,
	// within the deadline; the deferred cancels stop it for good whatever
	// happens here.
	closeLaptop()
	closePhone()
	closeChromium(t, browserCtx)
}
