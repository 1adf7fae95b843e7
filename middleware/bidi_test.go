package middleware_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// A WebDriver BiDi client, just enough to drive Firefox in the browser
// tests: Firefox speaks the W3C WebDriver BiDi protocol (JSON commands over
// a WebSocket) natively, so no driver program or npm package is needed.
// Commands: https://w3c.github.io/webdriver-bidi/.

// bidi is a BiDi session with one browser.
type bidi struct {
	conn   *websocket.Conn
	events chan bidiMessage // browsingContext.load events, buffered

	mu      sync.Mutex
	next    int
	waiting map[int]chan bidiMessage
	err     error // why the reader stopped
}

// bidiMessage is a message from the browser: a command's reply (success or
// error) or an event.
type bidiMessage struct {
	Type    string          `json:"type"` // "success", "error" or "event"
	ID      int             `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// bidiListening is how Firefox announces its BiDi endpoint on stderr.
var bidiListening = regexp.MustCompile(`WebDriver BiDi listening on (ws://\S+)`)

// startFirefox starts headless Firefox with a fresh profile, connects to it
// over WebDriver BiDi, opens a session that accepts the test server's
// self-signed certificate, and returns the session and the ID of its tab.
// Everything it does is bounded by timeout; the browser is stopped, and
// waited for, before t.TempDir is removed.
func startFirefox(t *testing.T, firefox string, timeout time.Duration) (*bidi, string) {
	t.Helper()
	profile := t.TempDir()
	// Quiet, offline-friendly preferences; the remote agent adds the
	// recommended automation preferences itself.
	prefs := strings.Join([]string{
		`user_pref("app.update.disabledForTesting", true);`,
		`user_pref("browser.shell.checkDefaultBrowser", false);`,
		`user_pref("browser.startup.homepage_override.mstone", "ignore");`,
		`user_pref("datareporting.policy.dataSubmissionEnabled", false);`,
		`user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);`,
	}, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(profile, "user.js"), []byte(prefs), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, firefox, "--headless", "--no-remote", "--profile", profile,
		"--remote-debugging-port", "0", "about:blank")
	cmd.Env = append(os.Environ(), "MOZ_HEADLESS=1", "HOME="+profile)
	cmd.WaitDelay = 5 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var output browserBuffer
	cmd.Stdout = &output
	if err := cmd.Start(); err != nil {
		t.Fatalf("start firefox: %v", err)
	}
	// Registered after t.TempDir, so run before its removal.
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("firefox output:\n%s", output.String())
		}
	})
	// The endpoint is on stderr; the rest of stderr goes to the output.
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			output.Write([]byte(line + "\n"))
			if m := bidiListening.FindStringSubmatch(line); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
		_, _ = io.Copy(&output, stderr)
	}()
	var endpoint string
	select {
	case endpoint = <-found:
	case <-ctx.Done():
		t.Fatalf("firefox did not announce its WebDriver BiDi endpoint within %v", timeout)
	}
	conn, _, err := websocket.Dial(ctx, endpoint+"/session", nil)
	if err != nil {
		t.Fatalf("connect to firefox at %s: %v", endpoint, err)
	}
	conn.SetReadLimit(64 << 20)
	b := &bidi{conn: conn, events: make(chan bidiMessage, 64), waiting: map[int]chan bidiMessage{}}
	go b.read(ctx)
	t.Cleanup(func() { conn.CloseNow() })

	b.call(t, ctx, "new session", "session.new", map[string]any{
		"capabilities": map[string]any{"alwaysMatch": map[string]any{"acceptInsecureCerts": true}},
	}, nil)
	b.call(t, ctx, "subscribe", "session.subscribe", map[string]any{"events": []string{"browsingContext.load"}}, nil)
	var tree struct {
		Contexts []struct {
			Context string `json:"context"`
		} `json:"contexts"`
	}
	b.call(t, ctx, "find the tab", "browsingContext.getTree", map[string]any{}, &tree)
	if len(tree.Contexts) == 0 {
		t.Fatal("firefox has no tab")
	}
	t.Cleanup(func() {
		// Close gracefully; the context's cancel stops it for good.
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = b.send(cctx, "browser.close", map[string]any{}, nil)
	})
	return b, tree.Contexts[0].Context
}

// read dispatches the browser's messages until the connection ends:
// replies to their callers, load events to b.events.
func (b *bidi) read(ctx context.Context) {
	for {
		_, data, err := b.conn.Read(ctx)
		if err != nil {
			b.mu.Lock()
			b.err = err
			for id, ch := range b.waiting {
				close(ch)
				delete(b.waiting, id)
			}
			b.mu.Unlock()
			close(b.events)
			return
		}
		var m bidiMessage
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		if m.Type == "event" {
			select {
			case b.events <- m:
			default: // nobody is waiting for this many
			}
			continue
		}
		b.mu.Lock()
		ch := b.waiting[m.ID]
		delete(b.waiting, m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

// send runs a command and decodes its result into result (if not nil).
func (b *bidi) send(ctx context.Context, method string, params, result any) error {
	ch := make(chan bidiMessage, 1)
	b.mu.Lock()
	if b.err != nil {
		b.mu.Unlock()
		return b.err
	}
	b.next++
	id := b.next
	b.waiting[id] = ch
	b.mu.Unlock()
	msg, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		return err
	}
	if err := b.conn.Write(ctx, websocket.MessageText, msg); err != nil {
		return err
	}
	select {
	case m, ok := <-ch:
		switch {
		case !ok:
			return fmt.Errorf("connection closed: %v", b.err)
		case m.Type == "error":
			return fmt.Errorf("%s: %s: %s", method, m.Error, m.Message)
		case result != nil:
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// call runs a command as a test step, bounded by browserStepTimeout.
func (b *bidi) call(t *testing.T, ctx context.Context, step, method string, params, result any) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, browserStepTimeout)
	defer cancel()
	if err := b.send(sctx, method, params, result); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// eval evaluates a JavaScript expression in the tab (awaiting a promise)
// and returns its value as a string.
func (b *bidi) eval(t *testing.T, tab, step, expr string) string {
	t.Helper()
	var res struct {
		Type   string `json:"type"`
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
		ExceptionDetails struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	b.call(t, context.Background(), step, "script.evaluate", map[string]any{
		"expression": expr, "target": map[string]any{"context": tab}, "awaitPromise": true,
	}, &res)
	if res.Type != "success" {
		t.Fatalf("%s: %s threw %s", step, expr, res.ExceptionDetails.Text)
	}
	if s, ok := res.Result.Value.(string); ok {
		return s
	}
	return fmt.Sprint(res.Result.Value)
}

// navigate loads url in the tab and waits until it is complete.
func (b *bidi) navigate(t *testing.T, tab, step, url string) {
	t.Helper()
	b.call(t, context.Background(), step, "browsingContext.navigate", map[string]any{
		"context": tab, "url": url, "wait": "complete",
	}, nil)
}

// clickAndWait clicks the element with the ID and waits for the page the
// click leads to (a form's post/redirect/get) to load.
func (b *bidi) clickAndWait(t *testing.T, tab, step, id string) {
	t.Helper()
	for drained := false; !drained; {
		select {
		case <-b.events:
		default:
			drained = true
		}
	}
	b.eval(t, tab, step, fmt.Sprintf("document.getElementById(%q).click(), 'clicked'", id))
	deadline := time.After(browserStepTimeout)
	for {
		select {
		case m, ok := <-b.events:
			if !ok {
				t.Fatalf("%s: the connection to firefox closed: %v", step, b.err)
			}
			var p struct {
				Context string `json:"context"`
			}
			if json.Unmarshal(m.Params, &p) == nil && m.Method == "browsingContext.load" && p.Context == tab {
				return
			}
		case <-deadline:
			t.Fatalf("%s: no page loaded within %v", step, browserStepTimeout)
		}
	}
}

// bidiCookie is a cookie as WebDriver BiDi describes it.
type bidiCookie struct {
	Name  string `json:"name"`
	Value struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"value"`
	Domain   string `json:"domain"`
	Path     string `json:"path"`
	Size     int    `json:"size"`
	HTTPOnly bool   `json:"httpOnly"`
	Secure   bool   `json:"secure"`
	SameSite string `json:"sameSite"`
	Expiry   *int64 `json:"expiry"`
}

// cookies returns the cookies the tab's storage partition holds.
func (b *bidi) cookies(t *testing.T, tab, step string) []bidiCookie {
	t.Helper()
	var res struct {
		Cookies []bidiCookie `json:"cookies"`
	}
	b.call(t, context.Background(), step, "storage.getCookies", map[string]any{
		"partition": map[string]any{"type": "context", "context": tab},
	}, &res)
	return res.Cookies
}
