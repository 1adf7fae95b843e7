package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startDemo runs `sessionctl demo` in the test's process on a free loopback
// port and returns its URL; the demo stops when the test ends.
func startDemo(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan int, 1)
	c := &cli{stdin: strings.NewReader(""), stdout: outW, stderr: stderr, now: time.Now, ctx: ctx}
	go func() {
		status := c.dispatch(append([]string{"demo", "--addr", "127.0.0.1:0"}, args...))
		outW.Close()
		done <- status
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case status := <-done:
			if status != 0 {
				t.Errorf("demo exited with status %d: %s", status, stderr)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("waiting (10 s) for the demo to stop after its context was cancelled; stderr: %s", stderr)
		}
	})
	// The URL is the first line; the demo prints it once it listens (and
	// once it handles SIGHUP). A demo that stops first closes outW.
	type result struct {
		line string
		err  error
	}
	first := make(chan result, 1)
	go func() {
		line, err := bufio.NewReader(outR).ReadString('\n')
		first <- result{line, err}
		io.Copy(io.Discard, outR)
	}()
	var line string
	select {
	case r := <-first:
		if r.err != nil {
			t.Fatalf("demo printed no URL: %v; stderr: %s", r.err, stderr)
		}
		line = r.line
	case <-time.After(20 * time.Second):
		t.Fatalf("waiting (20 s) for the demo to print its URL; stderr: %s", stderr)
	}
	u, ok := strings.CutPrefix(strings.TrimSpace(line), "crumb demo: ")
	if !ok {
		t.Fatalf("demo's first line: %q", line)
	}
	return strings.TrimSuffix(u, "/"), stderr
}

// demoClient is a script's HTTP client with a cookie jar.
type demoClient struct {
	t    *testing.T
	base string
	http *http.Client
}

func newDemoClient(t *testing.T, base string) *demoClient {
	jar, _ := cookiejar.New(nil)
	return &demoClient{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// do sends a request and returns the status and the decoded JSON body.
func (d *demoClient) do(method, path, contentType, body string) (int, map[string]any) {
	d.t.Helper()
	req, _ := http.NewRequest(method, d.base+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := d.http.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &v); err != nil {
		d.t.Fatalf("%s %s: %d %q is not JSON", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, v
}

func (d *demoClient) cookies() []*http.Cookie {
	u, _ := url.Parse(d.base)
	return d.http.Jar.Cookies(u)
}

func TestDemo(t *testing.T) {
	state := t.TempDir()
	base, stderr := startDemo(t, "--state", state, "--watch-interval", "20ms")
	if !strings.Contains(stderr.String(), "generated a development keyring") {
		t.Fatalf("stderr: %s", stderr)
	}
	c := newDemoClient(t, base)
	if status, _ := c.do("GET", "/session", "", ""); status != 401 {
		t.Fatalf("GET /session without a session: %d", status)
	}
	if status, v := c.do("POST", "/login", "application/x-www-form-urlencoded", "user=ann"); status != 200 || v["ok"] != true {
		t.Fatalf("login: %d %v", status, v)
	}
	status, v := c.do("GET", "/session", "", "")
	if status != 200 || v["subject"] != "ann" || v["chunks"] != 1.0 {
		t.Fatalf("session: %d %v", status, v)
	}
	keyID := v["key_id"]

	// A session large enough to need two cookies.
	big, _ := json.Marshal(map[string]any{"theme": "dark", "blob": randomText(4000)})
	if status, v := c.do("POST", "/session", "application/json", string(big)); status != 200 {
		t.Fatalf("POST /session: %d %v", status, v)
	}
	status, v = c.do("GET", "/session", "", "")
	data, _ := v["data"].(map[string]any)
	if status != 200 || v["chunks"] != 2.0 || data["theme"] != "dark" || len(data["blob"].(string)) != 4000 || len(c.cookies()) != 2 {
		t.Fatalf("chunked session: %d chunks %v, %d cookies", status, v["chunks"], len(c.cookies()))
	}
	// Too large for the cookie budget: refused, and the session kept.
	huge, _ := json.Marshal(map[string]any{"blob": randomText(7000)})
	if status, v := c.do("POST", "/session", "application/json", string(huge)); status != 413 {
		t.Fatalf("oversized POST /session: %d %v", status, v)
	}
	if _, v := c.do("GET", "/session", "", ""); len(v["data"].(map[string]any)["blob"].(string)) != 4000 {
		t.Fatalf("session changed by a refused update")
	}
	// null deletes a key; curl -d sends JSON as a form, which works too;
	// and the page's form fields.
	c.do("POST", "/session", "application/x-www-form-urlencoded", `{"blob": null}`)
	if status, _ := c.do("POST", "/session", "application/x-www-form-urlencoded", "key=color&value=blue"); status != 200 {
		t.Fatalf("form POST /session: %d", status)
	}
	if _, v := c.do("GET", "/session", "", ""); v["chunks"] != 1.0 || len(c.cookies()) != 1 {
		t.Fatalf("shrunk session: %v chunks, %d cookies", v["chunks"], len(c.cookies()))
	}

	// The HTML page shows it.
	resp, err := c.http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`<td id="subject">ann</td>`, "in 1 cookie(s)", keyID.(string), "dark", "blue", "Log out everywhere"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Fatalf("page lacks %q:\n%s", want, page)
		}
	}

	// Rotating the keyring while the demo runs: a new primary key is used
	// for the next token, and the old session still opens.
	kr := filepath.Join(state, "keyring.json")
	var out bytes.Buffer
	cl := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: io.Discard, now: time.Now}
	if cl.dispatch([]string{"keys", "add", "--keyring", kr}) != 0 {
		t.Fatal("keys add")
	}
	newID := strings.TrimSpace(out.String())
	if cl.dispatch([]string{"keys", "promote", "--keyring", kr, newID}) != 0 {
		t.Fatal("keys promote")
	}
	waitFor(t, 5*time.Second, "the demo (polling every 20 ms) to seal with the new primary key "+newID, func() (bool, error) {
		c.do("POST", "/session", "application/json", `{"n": 1}`)
		_, v := c.do("GET", "/session", "", "")
		return v["key_id"] == newID, fmt.Errorf("sealed with %v", v["key_id"])
	})

	// Logout, then replay the old cookie: rejected.
	old := c.cookies()
	if status, _ := c.do("POST", "/logout", "", ""); status != 200 || len(c.cookies()) != 0 {
		t.Fatalf("logout: %d, cookies %v", status, c.cookies())
	}
	if status, _ := c.do("GET", "/session", "", ""); status != 401 {
		t.Fatalf("after logout: %d", status)
	}
	u, _ := url.Parse(base)
	c.http.Jar.SetCookies(u, old)
	if status, _ := c.do("GET", "/session", "", ""); status != 401 {
		t.Fatalf("replayed cookie after logout: %d", status)
	}

	// The browser flow: a form post redirects to the page with a notice,
	// and logging out leaves no session behind (no flash in the session).
	br := newDemoClient(t, base)
	br.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	form := func(path, body string, header ...string) *http.Response {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "text/html")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := br.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := form("/login", "user=cat"); resp.StatusCode != 303 || resp.Header.Get("Location") != "/?m=login" {
		t.Fatalf("form login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := form("/logout", ""); resp.StatusCode != 303 || len(br.cookies()) != 0 {
		t.Fatalf("form logout: %d, cookies left %v", resp.StatusCode, br.cookies())
	}
	if status, _ := br.do("GET", "/session", "", ""); status != 401 {
		t.Fatalf("a session after a browser logout: %d", status)
	}
	// Cross-origin form posts are refused (another port of this host is
	// the same site for SameSite=Lax, so the cookie alone does not stop them).
	form("/login", "user=cat")
	if resp := form("/logout-all", "", "Sec-Fetch-Site", "cross-site", "Origin", "http://127.0.0.1:1"); resp.StatusCode != 403 {
		t.Fatalf("cross-origin POST: %d", resp.StatusCode)
	}
	if status, v := br.do("GET", "/session", "", ""); status != 200 || v["subject"] != "cat" {
		t.Fatalf("session after a refused cross-origin POST: %d %v", status, v)
	}

	// Logout everywhere: two devices of one user.
	a, b := newDemoClient(t, base), newDemoClient(t, base)
	a.do("POST", "/login", "application/x-www-form-urlencoded", "user=bob")
	b.do("POST", "/login", "application/x-www-form-urlencoded", "user=bob")
	time.Sleep(1100 * time.Millisecond) // subject revocation has one-second resolution
	if status, _ := a.do("POST", "/logout-all", "", ""); status != 200 {
		t.Fatalf("logout-all: %d", status)
	}
	if status, _ := b.do("GET", "/session", "", ""); status != 401 {
		t.Fatalf("other device after logout-all: %d", status)
	}
	// Bad requests.
	if status, _ := a.do("POST", "/session", "application/json", `[1]`); status != 400 {
		t.Fatalf("non-object body: %d", status)
	}
	if status, _ := a.do("POST", "/login", "application/x-www-form-urlencoded", "user="); status != 400 {
		t.Fatalf("empty user: %d", status)
	}
}

// TestDemoRestartKeepsRevocations restarts the demo on the same state: the
// keyring is reused and a logged-out cookie stays rejected.
func TestDemoRestartKeepsRevocations(t *testing.T) {
	state := t.TempDir()
	var old []*http.Cookie
	t.Run("first", func(t *testing.T) {
		base, _ := startDemo(t, "--state", state)
		c := newDemoClient(t, base)
		c.do("POST", "/login", "application/x-www-form-urlencoded", "user=ann")
		old = c.cookies()
		c.do("POST", "/logout", "", "")
	})
	base, stderr := startDemo(t, "--state", state)
	if strings.Contains(stderr.String(), "generated") {
		t.Fatal("a second keyring was generated")
	}
	c := newDemoClient(t, base)
	u, _ := url.Parse(base)
	c.http.Jar.SetCookies(u, old)
	if status, _ := c.do("GET", "/session", "", ""); status != 401 {
		t.Fatalf("logged-out cookie after a restart: %d", status)
	}
	if fi, err := os.Stat(filepath.Join(state, "keyring.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("keyring file: %v %v", fi.Mode(), err)
	}
}

func TestDemoUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"demo", "extra"}, {"demo", "--watch-interval", "0s"}, {"demo", "--nope"}} {
		c := &cli{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, now: time.Now}
		if status := c.dispatch(args); status != exitUsage {
			t.Errorf("%v: status %d", args, status)
		}
	}
	// A keyring that does not load: exit 1, the file untouched.
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"crumb_keyring": 1, "keys": [`), 0o600)
	var stderr bytes.Buffer
	c := &cli{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, now: time.Now}
	if status := c.dispatch([]string{"demo", "--keyring", bad, "--state", t.TempDir(), "--addr", "127.0.0.1:0"}); status != exitFailure || !strings.Contains(stderr.String(), "keyring") {
		t.Fatalf("bad keyring: status %d, %s", status, stderr.String())
	}
}

// syncBuffer collects the demo's standard error, written by its
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDemoReloadsOnSIGHUP: with a watch interval too long to matter, a
// SIGHUP makes the demo load the rotated keyring.
func TestDemoReloadsOnSIGHUP(t *testing.T) {
	state := t.TempDir()
	base, _ := startDemo(t, "--state", state, "--watch-interval", "1h")
	kr := filepath.Join(state, "keyring.json")
	var out bytes.Buffer
	cl := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: io.Discard, now: time.Now}
	if cl.dispatch([]string{"keys", "add", "--keyring", kr}) != 0 {
		t.Fatal("keys add")
	}
	newID := strings.TrimSpace(out.String())
	if cl.dispatch([]string{"keys", "promote", "--keyring", kr, newID}) != 0 {
		t.Fatal("keys promote")
	}
	c := newDemoClient(t, base)
	login := func() any {
		c.do("POST", "/login", "application/x-www-form-urlencoded", "user=ann")
		_, v := c.do("GET", "/session", "", "")
		return v["key_id"]
	}
	if id := login(); id == newID {
		t.Fatal("the new key was used before any reload")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the demo to reload the keyring on SIGHUP and seal with "+newID, func() (bool, error) {
		id := login()
		return id == newID, fmt.Errorf("sealed with %v", id)
	})
}
