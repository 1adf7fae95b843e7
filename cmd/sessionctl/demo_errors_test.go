package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
	"github.com/crumbhq/crumb/revocation"
)

// internalText is what the demo's error answers must never show: the
// prefixes of the library's and sessionctl's error messages, which carry
// details (files, servers) meant for the log.
var internalText = []string{"revocation:", "redisset:", "cookie:", "middleware:", "keyring:", "token:", "sessionctl:"}

// failure sends req as a script (JSON) or, when html is set, as a browser
// submitting the page's forms (Accept: text/html), and checks the answer:
// the status want (0: any error status), a short message in the body's
// error field (JSON) or error paragraph (HTML), and none of internalText
// and hidden. It returns the message.
func failure(t *testing.T, c *http.Client, req *http.Request, html bool, want int, hidden ...string) string {
	t.Helper()
	kind := "JSON"
	if html {
		kind = "HTML"
		req.Header.Set("Accept", "text/html")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	body := string(b)
	what := req.Method + " " + req.URL.Path + " (" + kind + ")"
	if want == 0 && resp.StatusCode < 400 || want != 0 && resp.StatusCode != want {
		t.Fatalf("%s: %d, want %d (0: an error): %s", what, resp.StatusCode, want, body)
	}
	for _, s := range append(hidden, internalText...) {
		if strings.Contains(body, s) {
			t.Errorf("%s: the answer shows %q:\n%s", what, s, body)
		}
	}
	var msg string
	if html {
		_, rest, ok := strings.Cut(body, `<p id="error">`)
		var closed bool
		msg, _, closed = strings.Cut(rest, "</p>")
		if !ok || !closed || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: not the error page: %s", what, body)
		}
	} else {
		var v map[string]string
		if err := json.Unmarshal(b, &v); err != nil || len(v) != 1 || v["error"] == "" {
			t.Fatalf("%s: want {\"error\": message}, got %s (%v)", what, body, err)
		}
		msg = v["error"]
	}
	if len(msg) > 200 {
		t.Errorf("%s: a long message: %q", what, msg)
	}
	return msg
}

// loggedIn returns a client logged in to the demo as user.
func loggedIn(t *testing.T, base, user string) *demoClient {
	t.Helper()
	d := newDemoClient(t, base)
	if status, v := d.do("POST", "/login", "application/x-www-form-urlencoded", "user="+user); status != 200 {
		t.Fatalf("login as %s: %d %v", user, status, v)
	}
	return d
}

// TestDemoErrorsHideDetails provokes the demo's failures — a session too
// large for its cookies, a logout whose session cookie came twice with no
// session in either copy (cookie tossing), a revocation file that fails —
// and checks that its answers, JSON and HTML, say what happened in a short
// message without the details (the state directory, the library's error
// text), which only the log has.
func TestDemoErrorsHideDetails(t *testing.T) {
	state := t.TempDir()
	base, stderr := startDemo(t, "--state", state)
	revs := filepath.Join(state, "revocations.log")
	hidden := []string{state, "revocations.log"}
	for _, html := range []bool{false, true} {
		// Too large: 7,000 random characters make a token over the cap.
		d := loggedIn(t, base, "ann")
		big, _ := json.Marshal(map[string]string{"blob": randomText(7000)})
		req, _ := http.NewRequest("POST", base+"/session", strings.NewReader(string(big)))
		req.Header.Set("Content-Type", "application/json")
		if msg := failure(t, d.http, req, html, 413, hidden...); !strings.Contains(msg, "too large") {
			t.Errorf("session too large: %q", msg)
		}

		// The session cookie twice, neither a session: ErrLogoutUnverified,
		// whatever error status it gets.
		req, _ = http.NewRequest("POST", base+"/logout", nil)
		req.Header.Set("Cookie", demoCookie+"=forged1; "+demoCookie+"=forged2")
		if msg := failure(t, http.DefaultClient, req, html, 0, hidden...); !strings.Contains(msg, "more than once") {
			t.Errorf("logout with a tossed cookie: %q", msg)
		}
	}

	// The revocation file replaced by something else: the demo's log
	// refuses to write to it, and the logout fails.
	sessions := []*demoClient{loggedIn(t, base, "bea"), loggedIn(t, base, "cat")}
	junk := filepath.Join(state, "junk")
	if err := os.WriteFile(junk, []byte("not a revocation log, but it is long enough\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(junk, revs); err != nil {
		t.Fatal(err)
	}
	for i, html := range []bool{false, true} {
		req, _ := http.NewRequest("POST", base+"/logout", nil)
		if msg := failure(t, sessions[i].http, req, html, 503, append(hidden, "not a crumb revocation log", "replaced")...); !strings.Contains(msg, "logout failed") {
			t.Errorf("logout with a failing revocation file: %q", msg)
		}
	}

	// The log has the details.
	waitFor(t, 2*time.Second, "the demo's log to show the failures' details", func() (bool, error) {
		log := stderr.String()
		for _, want := range []string{revs, revocation.ErrCorrupt.Error(), middleware.ErrLogoutUnverified.Error(), cookie.ErrSessionTooLarge.Error()} {
			if !strings.Contains(log, want) {
				return false, fmt.Errorf("no %q in the log:\n%s", want, log)
			}
		}
		return true, nil
	})
}
