package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/middleware"
	"github.com/crumbhq/crumb/registry"
)

// uaTransport sets a User-Agent on every request, as a browser does.
type uaTransport struct{ ua string }

func (u uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", u.ua)
	return http.DefaultTransport.RoundTrip(r)
}

// newDevice returns a demo client that presents itself with user agent ua.
func newDevice(t *testing.T, base, ua string) *demoClient {
	d := newDemoClient(t, base)
	d.http.Transport = uaTransport{ua}
	return d
}

// listSessions returns the status of GET /sessions and the sessions it
// lists.
func (d *demoClient) listSessions() (int, []demoListed) {
	d.t.Helper()
	resp, err := d.http.Get(d.base + "/sessions")
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return resp.StatusCode, nil
	}
	var list []demoListed
	if err := json.Unmarshal(b, &list); err != nil || list == nil {
		d.t.Fatalf("GET /sessions: %v: %q", err, b)
	}
	return resp.StatusCode, list
}

// sessions returns what GET /sessions lists, which must answer 200.
func (d *demoClient) sessions() []demoListed {
	d.t.Helper()
	status, list := d.listSessions()
	if status != 200 {
		d.t.Fatalf("GET /sessions: %d", status)
	}
	return list
}

const (
	firefoxLinux = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	safariIPhone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
	chromeWin    = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)

// TestDemoSessions drives the demo's "your sessions": the JSON API's
// 401, 404 and 200 answers, the page's table with its "this device"
// marker, signing out one device and all the others, and cross-origin
// refusals.
func TestDemoSessions(t *testing.T) {
	base, _ := startDemo(t, "--state", t.TempDir())
	form := func(d *demoClient, path string, header ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(""))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "text/html")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		d.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		defer func() { d.http.CheckRedirect = nil }()
		resp, err := d.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	// Without a signed-in session: 401, also for an anonymous session.
	anon := newDemoClient(t, base)
	for _, c := range []struct{ method, path string }{
		{"GET", "/sessions"}, {"POST", "/sessions/" + strings.Repeat("ab", 16) + "/revoke"},
		{"POST", "/sessions/nope/revoke"}, {"POST", "/sessions/revoke-others"},
	} {
		if status, _ := anon.do(c.method, c.path, "", ""); status != 401 {
			t.Errorf("%s %s without a session: %d, want 401", c.method, c.path, status)
		}
	}
	anon.do("POST", "/session", "application/json", `{"cart": 1}`)
	if status, _ := anon.listSessions(); status != 401 || len(anon.cookies()) != 1 {
		t.Errorf("GET /sessions with an anonymous session: %d, want 401", status)
	}

	// Three devices of ann, one of bob.
	devices := map[string]*demoClient{"firefox": newDevice(t, base, firefoxLinux), "safari": newDevice(t, base, safariIPhone), "chrome": newDevice(t, base, chromeWin)}
	ids := map[string]string{}
	for _, name := range []string{"firefox", "safari", "chrome"} {
		d := devices[name]
		if status, v := d.do("POST", "/login", "application/x-www-form-urlencoded", "user=ann"); status != 200 {
			t.Fatalf("login on %s: %d %v", name, status, v)
		}
		ids[name] = ownSessionID(t, d)
	}
	bob := newDemoClient(t, base)
	bob.do("POST", "/login", "application/x-www-form-urlencoded", "user=bob")
	bobID := ownSessionID(t, bob)
	ff := devices["firefox"]
	list := ff.sessions()
	if len(list) != 3 {
		t.Fatalf("ann's sessions: %+v, want 3", list)
	}
	labels := map[string]string{}
	for _, s := range list {
		labels[s.ID] = s.Labels["device"]
		if s.Current != (s.ID == ids["firefox"]) || s.Labels["ip"] != "127.0.0.0/24" || s.Expires.Before(s.LastSeen) || s.Created.IsZero() {
			t.Errorf("listed %+v", s)
		}
	}
	if labels[ids["firefox"]] != "Firefox on Linux" || labels[ids["safari"]] != "Safari on iOS" || labels[ids["chrome"]] != "Chrome on Windows" {
		t.Errorf("device labels %v", labels)
	}

	// The page: the table, "this device" once, a sign-out form per row.
	resp, err := ff.http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		"<h2>Your sessions</h2>", `<table id="sessions">`, "Firefox on Linux <strong class=\"this-device\">(this device)</strong>",
		"Safari on iOS", `action="/sessions/` + ids["chrome"] + `/revoke"`, `action="/sessions/revoke-others"`, "Sign out all other sessions",
	} {
		if !strings.Contains(string(page), want) {
			t.Fatalf("page lacks %q:\n%s", want, page)
		}
	}
	if n := strings.Count(string(page), "(this device)"); n != 1 {
		t.Fatalf("page marks %d sessions as this device:\n%s", n, page)
	}
	if strings.Contains(string(page), bobID) {
		t.Fatal("ann's page shows bob's session")
	}

	// 404: bob's session, a made-up ID, a malformed one; nothing changes.
	for _, id := range []string{bobID, strings.Repeat("0f", 16), "nope", ids["safari"] + "00"} {
		if status, v := ff.do("POST", "/sessions/"+id+"/revoke", "", ""); status != 404 {
			t.Errorf("revoking %q: %d %v, want 404", id, status, v)
		}
	}
	if status, v := bob.do("GET", "/session", "", ""); status != 200 || v["subject"] != "bob" {
		t.Fatalf("bob after ann's attempts: %d %v", status, v)
	}
	if len(ff.sessions()) != 3 {
		t.Fatal("a refused revocation changed ann's sessions")
	}
	// Cross-origin: refused like every form of the demo.
	if resp := form(ff, "/sessions/"+ids["safari"]+"/revoke", "Sec-Fetch-Site", "cross-site", "Origin", "http://127.0.0.1:1"); resp.StatusCode != 403 {
		t.Fatalf("cross-origin sign-out: %d", resp.StatusCode)
	}

	// Sign out Safari from Firefox (the API): Safari's next request is
	// anonymous, Chrome is untouched.
	if status, v := ff.do("POST", "/sessions/"+ids["safari"]+"/revoke", "", ""); status != 200 || v["ok"] != true {
		t.Fatalf("signing out another session: %d %v", status, v)
	}
	if status, _ := devices["safari"].do("GET", "/session", "", ""); status != 401 {
		t.Fatalf("the signed-out device: %d", status)
	}
	if status, _ := devices["chrome"].do("GET", "/session", "", ""); status != 200 {
		t.Fatalf("another device after signing out one: %d", status)
	}
	if list := ff.sessions(); len(list) != 2 || hasListed(list, ids["safari"]) {
		t.Fatalf("after signing out Safari: %+v", list)
	}

	// Sign out all the others (the page's form): only Firefox is left.
	devices["safari"].do("POST", "/login", "application/x-www-form-urlencoded", "user=ann")
	if resp := form(ff, "/sessions/revoke-others"); resp.StatusCode != 303 || resp.Header.Get("Location") != "/?m=others-revoked" {
		t.Fatalf("sign out all others: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if list := ff.sessions(); len(list) != 1 || list[0].ID != ids["firefox"] || !list[0].Current {
		t.Fatalf("after signing out the others: %+v, want Firefox only", list)
	}
	for _, name := range []string{"safari", "chrome"} {
		if status, _ := devices[name].do("GET", "/session", "", ""); status != 401 {
			t.Fatalf("%s after sign out all others: %d", name, status)
		}
	}
	if status, v := ff.do("GET", "/session", "", ""); status != 200 || v["subject"] != "ann" {
		t.Fatalf("the current session after signing out the others: %d %v", status, v)
	}

	// Its own ID is a logout.
	if status, v := ff.do("POST", "/sessions/"+ids["firefox"]+"/revoke", "", ""); status != 200 || v["message"] != demoMessages["logout"] || len(ff.cookies()) != 0 {
		t.Fatalf("signing out the current session: %d %v, cookies %v", status, v, ff.cookies())
	}
	if status, _ := ff.listSessions(); status != 401 {
		t.Fatalf("GET /sessions after signing out the current session: %d", status)
	}
}

func hasListed(list []demoListed, id string) bool {
	for _, s := range list {
		if s.ID == id {
			return true
		}
	}
	return false
}

// TestDemoSessionsSurviveRestart restarts the demo on the same state: the
// registry file keeps ann's two sessions listed.
func TestDemoSessionsSurviveRestart(t *testing.T) {
	state := t.TempDir()
	var cookies [2][]*http.Cookie
	var before []demoListed
	t.Run("first", func(t *testing.T) {
		base, _ := startDemo(t, "--state", state)
		for i := range cookies {
			d := newDevice(t, base, firefoxLinux)
			d.do("POST", "/login", "application/x-www-form-urlencoded", "user=ann")
			cookies[i] = d.cookies()
		}
		d := newDemoClient(t, base)
		u, _ := url.Parse(base)
		d.http.Jar.SetCookies(u, cookies[0])
		before = d.sessions()
	})
	if len(before) != 2 {
		t.Fatalf("before the restart: %+v", before)
	}
	base, _ := startDemo(t, "--state", state)
	d := newDemoClient(t, base)
	u, _ := url.Parse(base)
	d.http.Jar.SetCookies(u, cookies[0])
	after := d.sessions()
	if len(after) != 2 || !hasListed(after, before[0].ID) || !hasListed(after, before[1].ID) {
		t.Fatalf("after the restart: %+v, want %+v", after, before)
	}
	for _, s := range after {
		if s.Labels["device"] != "Firefox on Linux" {
			t.Errorf("labels after the restart: %+v", s)
		}
	}
}

// TestDemoSessionsOnRedis runs two demos on one Redis with one keyring and
// no --registry: the registry is on that Redis. A session signed in on A
// is listed on B and ended from B; A refuses it.
func TestDemoSessionsOnRedis(t *testing.T) {
	addr := startRedisServer(t)
	state := t.TempDir()
	spec := "redis://" + addr + "/0?outbox=" + url.QueryEscape(filepath.Join(state, "a.outbox"))
	baseA, _ := startDemo(t, "--state", state, "--revocations", spec)
	specB := "redis://" + addr + "/0?outbox=" + url.QueryEscape(filepath.Join(state, "b.outbox"))
	baseB, _ := startDemo(t, "--state", t.TempDir(), "--keyring", filepath.Join(state, "keyring.json"), "--revocations", specB)
	phone, laptop := newDevice(t, baseA, safariIPhone), newDevice(t, baseA, firefoxLinux)
	phone.do("POST", "/login", "application/x-www-form-urlencoded", "user=ann")
	laptop.do("POST", "/login", "application/x-www-form-urlencoded", "user=ann")
	phoneID := ownSessionID(t, phone)
	onB := newDemoClient(t, baseB)
	ub, _ := url.Parse(baseB)
	onB.http.Jar.SetCookies(ub, laptop.cookies())
	if list := onB.sessions(); len(list) != 2 || !hasListed(list, phoneID) {
		t.Fatalf("B lists %+v, want ann's two sessions", list)
	}
	if status, v := onB.do("POST", "/sessions/"+phoneID+"/revoke", "", ""); status != 200 {
		t.Fatalf("ending the phone's session on B: %d %v", status, v)
	}
	waitFor(t, 5*time.Second, "A to refuse the session ended on B (401)", func() (bool, error) {
		status, _ := phone.do("GET", "/session", "", "")
		return status == 401, fmt.Errorf("A answers %d", status)
	})
	if status, _ := laptop.do("GET", "/session", "", ""); status != 200 {
		t.Fatalf("the laptop on A: %d", status)
	}
	if list := laptop.sessions(); len(list) != 1 {
		t.Fatalf("A lists %+v after the phone's session ended", list)
	}
}

// flakyRegistry is a registry whose listing fails while down is set.
type flakyRegistry struct {
	registry.Registry
	down atomic.Bool
}

func (f *flakyRegistry) List(ctx context.Context, subject string, now time.Time) ([]registry.Entry, error) {
	if f.down.Load() {
		return nil, fmt.Errorf("%w: redis at 10.0.0.7:6379 does not answer", registry.ErrUnavailable)
	}
	return f.Registry.List(ctx, subject, now)
}

// TestDemoSessionsRegistryUnavailable: with the registry down, listing
// and ending sessions answer 503 with a generic message (the details go
// to the log only), the page says the list is unavailable, and the
// session itself keeps working.
func TestDemoSessionsRegistryUnavailable(t *testing.T) {
	local, err := registry.NewLocal(registry.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	reg := &flakyRegistry{Registry: local}
	key, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(key)
	store, err := cookie.New(cookie.Options{Name: demoCookie, Keys: ring, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	m, err := middleware.New(middleware.Options{Store: store, Dev: true, Logger: log, Labels: demoLabels})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler(newDemoApp(m, ring, log)))
	defer srv.Close()
	d := newDemoClient(t, srv.URL)
	d.do("POST", "/login", "application/x-www-form-urlencoded", "user=ann")
	id := ownSessionID(t, d)

	reg.down.Store(true)
	status, v := d.do("GET", "/sessions", "", "")
	if msg, _ := v["error"].(string); status != 503 || !strings.Contains(msg, "session registry is unavailable") || strings.Contains(msg, "10.0.0.7") {
		t.Fatalf("GET /sessions with the registry down: %d %v", status, v)
	}
	if status, v := d.do("POST", "/sessions/"+strings.Repeat("ab", 16)+"/revoke", "", ""); status != 503 {
		t.Fatalf("POST /sessions/ID/revoke with the registry down: %d %v", status, v)
	}
	if status, v := d.do("POST", "/sessions/revoke-others", "", ""); status != 503 {
		t.Fatalf("POST /sessions/revoke-others with the registry down: %d %v", status, v)
	}
	resp, err := d.http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Your sessions cannot be listed right now") || strings.Contains(string(page), "10.0.0.7") {
		t.Fatalf("page with the registry down:\n%s", page)
	}
	if status, v := d.do("GET", "/session", "", ""); status != 200 || v["subject"] != "ann" {
		t.Fatalf("the session with the registry down: %d %v", status, v)
	}
	if !strings.Contains(logs.String(), "10.0.0.7") {
		t.Errorf("the log lacks the failure's details: %s", logs.String())
	}
	reg.down.Store(false)
	if list := d.sessions(); len(list) != 1 || list[0].ID != id {
		t.Fatalf("after the registry is back: %+v", list)
	}
}

func TestDeviceLabel(t *testing.T) {
	for ua, want := range map[string]string{
		firefoxLinux: "Firefox on Linux",
		safariIPhone: "Safari on iOS",
		chromeWin:    "Chrome on Windows",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15":                 "Safari on macOS",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0":         "Edge on Windows",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36":                 "Chrome on Android",
		"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36":                        "Chrome on ChromeOS",
		"Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/127.0 Mobile/15E148 Safari/605.1.15":      "Firefox on iPadOS",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0":         "Opera on Windows",
		"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/5": "Samsung Internet on Android",
		"curl/8.5.0":                  "curl",
		"Go-http-client/1.1":          "Go HTTP client",
		"MyApp/2.1 (Linux)":           "MyApp on Linux",
		"":                            "Unknown device",
		"Mozilla/5.0 (X11; Linux)":    "A browser on Linux",
		"\x1b[31mevil/1.0":            "Unknown device",
		strings.Repeat("x", 300):      "Unknown device",
		strings.Repeat("y", 20) + "/": strings.Repeat("y", 20),
	} {
		got := deviceLabel(ua)
		if got != want {
			t.Errorf("deviceLabel(%.40q) = %q, want %q", ua, got, want)
		}
		if err := registry.ValidateLabels(map[string]string{"device": got}); err != nil {
			t.Errorf("deviceLabel(%.40q) = %q: %v", ua, got, err)
		}
	}
	if got := truncateUTF8(strings.Repeat("é", 100), registry.MaxLabelValueLen); len(got) != registry.MaxLabelValueLen || got != strings.Repeat("é", 64) {
		t.Errorf("truncateUTF8: %d bytes", len(got))
	}
	if got := truncateUTF8("a\xffb", 10); got != "a\uFFFDb" {
		t.Errorf("truncateUTF8 of invalid UTF-8: %q", got)
	}
}

func TestCoarseNetwork(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:5555":               "127.0.0.0/24",
		"203.0.113.77:443":             "203.0.113.0/24",
		"[2001:db8:abcd:12::1]:443":    "2001:db8:abcd::/48",
		"[::ffff:198.51.100.9]:80":     "198.51.100.0/24",
		"[fe80::1%eth0]:80":            "fe80::/48",
		"198.51.100.9":                 "198.51.100.0/24",
		"not an address":               "",
		"@":                            "",
		"[2001:db8::1]:notaport:extra": "",
	} {
		if got := coarseNetwork(addr); got != want {
			t.Errorf("coarseNetwork(%q) = %q, want %q", addr, got, want)
		}
	}
}
