package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sessionCookie returns the value of the one demo cookie d holds: the
// session's token, its session small enough for one cookie.
func sessionCookie(t *testing.T, d *demoClient) string {
	t.Helper()
	cookies := d.cookies()
	if len(cookies) != 1 || cookies[0].Name != demoCookie || cookies[0].Value == "" {
		t.Fatalf("want one %s cookie, have %v", demoCookie, cookies)
	}
	return cookies[0].Value
}

// statusWith returns the status of GET /session with token as the demo
// cookie, sent by a client without a jar: every call presents the token,
// even after the demo deleted the cookie.
func statusWith(base, token string) (int, error) {
	req, err := http.NewRequest("GET", base+"/session", nil)
	if err != nil {
		return 0, err
	}
	req.AddCookie(&http.Cookie{Name: demoCookie, Value: token})
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// runMain runs the real sessionctl main in a process of its own
// ("sessionctl-main", which TestMain puts in PATH), as an operator runs
// sessionctl beside the application, and returns its exit status, stdout
// and stderr.
func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sessionctl-main", args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String(), errb.String()
	case ctx.Err() != nil:
		t.Fatalf("sessionctl %s: still running after 30 s", strings.Join(args, " "))
	case !errors.As(err, &ee):
		t.Fatalf("running sessionctl-main: %v", err)
	}
	return ee.ExitCode(), out.String(), errb.String()
}

// TestDemoRevokeWhileRunning runs `sessionctl revoke` on the durable
// revocation file of a running demo (the default, in its state directory):
// the file is shared, not locked, and the demo refuses the revoked session
// within a second (it reads the file's new revocations every 250 ms). By
// token and by subject, each with sessionctl in a process of its own; then
// by token in this process, where nothing but the demo's reading delays
// the refusal.
func TestDemoRevokeWhileRunning(t *testing.T) {
	state := t.TempDir()
	base, stderr := startDemo(t, "--state", state)
	revs, keys := filepath.Join(state, "revocations.log"), filepath.Join(state, "keyring.json")
	login := func(user string) string {
		d := newDemoClient(t, base)
		if status, v := d.do("POST", "/login", "application/x-www-form-urlencoded", "user="+user); status != 200 {
			t.Fatalf("login as %s: %d %v", user, status, v)
		}
		tok := sessionCookie(t, d)
		if status, err := statusWith(base, tok); status != 200 {
			t.Fatalf("%s's session: %d %v", user, status, err)
		}
		return tok
	}
	ann, bea, cat := login("ann"), login("bea"), login("cat")
	beaCreated := time.Now()

	// revoke runs sessionctl (in a process of its own unless inProcess) and
	// waits (1 s at most) for the demo to refuse token.
	revoke := func(inProcess bool, token, what string, args ...string) {
		t.Helper()
		args = append([]string{"revoke", "--revocations", revs}, args...)
		began := time.Now()
		var status int
		var out, errOut string
		if inProcess {
			status, out, errOut = runCLI(t, state, args...)
		} else {
			status, out, errOut = runMain(t, args...)
		}
		exited := time.Now()
		if status != 0 || !strings.HasPrefix(out, "revoked ") || strings.Contains(errOut, "locked") {
			t.Fatalf("sessionctl revoke %s while the demo runs: exit status %d\n%s%s", what, status, out, errOut)
		}
		var refused time.Duration
		waitFor(t, time.Second, "the demo to refuse the session revoked by `sessionctl revoke "+what+"` (401)", func() (bool, error) {
			status, err := statusWith(base, token)
			refused = time.Since(exited)
			return status == 401, fmt.Errorf("GET /session answers %d (%v)", status, err)
		})
		where := "in a process of its own"
		if inProcess {
			where = "in this process"
		}
		t.Logf("revoke %s, %s: the command ran %v; the demo refused the session %v after it exited",
			what, where, exited.Sub(began).Round(time.Millisecond), refused.Round(time.Millisecond))
	}
	revoke(false, ann, "TOKEN", "--keyring", keys, "--name", demoCookie, ann)

	// By subject: the sessions created in an earlier second.
	time.Sleep(time.Until(beaCreated.Truncate(time.Second).Add(time.Second + 10*time.Millisecond)))
	revoke(false, bea, "--subject bea", "--subject", "bea")

	dan := login("dan")
	revoke(true, dan, "TOKEN", "--keyring", keys, "--name", demoCookie, dan)

	// Nothing else was revoked.
	if status, err := statusWith(base, cat); status != 200 {
		t.Fatalf("another user's session after the revocations: %d %v", status, err)
	}
	if strings.Contains(stderr.String(), "locked") {
		t.Errorf("the demo's log mentions a lock: %s", stderr)
	}
}
