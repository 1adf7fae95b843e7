// Package bidi is a WebDriver BiDi client, just enough to drive Firefox in
// crumb's browser tests: Firefox speaks the W3C WebDriver BiDi protocol
// (JSON commands over a WebSocket) natively, so no driver program or npm
// package is needed. Commands: https://w3c.github.io/webdriver-bidi/.
// It is for tests: every method takes the test and fails it on error.
package bidi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
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

// Browser is a BiDi session with one Firefox.
type Browser struct {
	conn   *websocket.Conn
	events chan message // browsingContext.load events, buffered

	mu      sync.Mutex
	next    int
	waiting map[int]chan message
	err     error // why the reader stopped
}

// message is a message from the browser: a command's reply (success or
// error) or an event.
type message struct {
	Type    string          `json:"type"` // "success", "error" or "event"
	ID      int             `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// listening is how Firefox announces its BiDi endpoint on stderr.
var listening = regexp.MustCompile(`WebDriver BiDi listening on (ws://\S+)`)

// Start starts headless Firefox with a fresh profile, connects to it
// over WebDriver BiDi, opens a session that accepts the test server's
// self-signed certificate, and returns the session and the ID of its tab.
// Everything it does is bounded by timeout; the browser is stopped, and
// waited for, before t.TempDir is removed.
func Start(t *testing.T, firefox string, timeout time.Duration) (*Browser, string) {
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
	var output buffer
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
			if m := listening.FindStringSubmatch(line); m != nil && !sent {
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
	b := &Browser{conn: conn, events: make(chan message, 64), waiting: map[int]chan message{}}
	go b.read(ctx)
	t.Cleanup(func() { conn.CloseNow() })

	b.Call(t, ctx, "new session", "session.new", map[string]any{
		"capabilities": map[string]any{"alwaysMatch": map[string]any{"acceptInsecureCerts": true}},
	}, nil)
	b.Call(t, ctx, "subscribe", "session.subscribe", map[string]any{"events": []string{"browsingContext.load"}}, nil)
	var tree struct {
		Contexts []struct {
			Context string `json:"context"`
		} `json:"contexts"`
	}
	b.Call(t, ctx, "find the tab", "browsingContext.getTree", map[string]any{}, &tree)
	if len(tree.Contexts) == 0 {
		t.Fatal("firefox has no tab")
	}
	t.Cleanup(func() {
		// Close gracefully; the context's cancel stops it for good.
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = b.Send(cctx, "browser.close", map[string]any{}, nil)
	})
	return b, tree.Contexts[0].Context
}

// read dispatches the browser's messages until the connection ends:
// replies to their callers, load events to b.events.
func (b *Browser) read(ctx context.Context) {
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
		var m message
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

// Send runs a command and decodes its result into result (if not nil).
func (b *Browser) Send(ctx context.Context, method string, params, result any) error {
	ch := make(chan message, 1)
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

// Call runs a command as a test step, bounded by StepTimeout.
func (b *Browser) Call(t *testing.T, ctx context.Context, step, method string, params, result any) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	if err := b.Send(sctx, method, params, result); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// Eval evaluates a JavaScript expression in the tab (awaiting a promise)
// and returns its value as a string.
func (b *Browser) Eval(t *testing.T, tab, step, expr string) string {
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
	b.Call(t, context.Background(), step, "script.evaluate", map[string]any{
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

// Navigate loads url in the tab and waits until it is complete.
func (b *Browser) Navigate(t *testing.T, tab, step, url string) {
	t.Helper()
	b.Call(t, context.Background(), step, "browsingContext.navigate", map[string]any{
		"context": tab, "url": url, "wait": "complete",
	}, nil)
}

// ClickAndWait clicks the element with the ID and waits for the page the
// click leads to (a form's post/redirect/get) to load.
func (b *Browser) ClickAndWait(t *testing.T, tab, step, id string) {
	t.Helper()
	for drained := false; !drained; {
		select {
		case <-b.events:
		default:
			drained = true
		}
	}
	b.Eval(t, tab, step, fmt.Sprintf("document.getElementById(%q).click(), 'clicked'", id))
	deadline := time.After(StepTimeout)
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
			t.Fatalf("%s: no page loaded within %v", step, StepTimeout)
		}
	}
}

// Cookie is a cookie as WebDriver BiDi describes it.
type Cookie struct {
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

// Cookies returns the cookies the tab's storage partition holds.
func (b *Browser) Cookies(t *testing.T, tab, step string) []Cookie {
	t.Helper()
	var res struct {
		Cookies []Cookie `json:"cookies"`
	}
	b.Call(t, context.Background(), step, "storage.getCookies", map[string]any{
		"partition": map[string]any{"type": "context", "context": tab},
	}, &res)
	return res.Cookies
}

// StepTimeout bounds each step (command) of a test.
const StepTimeout = 20 * time.Second

// SetViewport sets the tab's viewport, in CSS pixels.
func (b *Browser) SetViewport(t *testing.T, tab string, width, height int) {
	t.Helper()
	b.Call(t, context.Background(), "set the viewport", "browsingContext.setViewport", map[string]any{
		"context": tab, "viewport": map[string]any{"width": width, "height": height},
	}, nil)
}

// Screenshot returns a PNG of the tab's whole document.
func (b *Browser) Screenshot(t *testing.T, tab string) []byte {
	t.Helper()
	var res struct {
		Data string `json:"data"`
	}
	b.Call(t, context.Background(), "screenshot", "browsingContext.captureScreenshot", map[string]any{"context": tab, "origin": "document"}, &res)
	png, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return png
}

// buffer is a bytes.Buffer safe for the concurrent writes of the
// browser's output.
type buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
