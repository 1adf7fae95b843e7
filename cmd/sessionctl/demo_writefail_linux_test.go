package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestDemoDiskFull puts the demo's revocation file on a small tmpfs and
// fills it: a logout then fails with 503 and a short message, the demo
// keeps running and refuses the session all the same (the revocation
// applies in memory), and once space is freed logouts work again without a
// restart; after a restart every logout is still in force. It needs root
// and mount(2).
func TestDemoDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a small tmpfs needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("mounting a 64 KiB tmpfs on %s is not permitted here (%v); TestDemoWriteFailure fails the writes with a file size limit instead", dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Logf("unmounting %s: %v; detaching it", dir, err)
			if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
				t.Errorf("detaching %s: %v", dir, err)
			}
		}
	})
	filler := filepath.Join(dir, "filler")
	fill := func(t *testing.T, base string) {
		f, err := os.Create(filler)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		chunk := make([]byte, 4096)
		for i := 0; ; i++ {
			if _, err := f.Write(chunk); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatalf("filling the tmpfs: %v", err)
				}
				break
			}
			if i > 1000 {
				t.Fatal("the 64 KiB tmpfs took 4 MB")
			}
		}
		// The log's last page has room for a few more records: logouts
		// fill it, until one fails.
		for i := 0; ; i++ {
			if i == 1000 {
				t.Fatal("1,000 logouts on a full filesystem succeeded")
			}
			d := loggedIn(t, base, fmt.Sprintf("filler%d", i))
			if status, _ := d.do("POST", "/logout", "", ""); status == 503 {
				t.Logf("the log's last page was full after %d logouts", i+1)
				return
			}
		}
	}
	free := func(t *testing.T) {
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
	}
	testDemoWriteFailure(t, filepath.Join(dir, "revocations.log"), "no space left on device", fill, free)
}

// TestDemoWriteFailure is TestDemoDiskFull with the writes failed by a
// file size limit (RLIMIT_FSIZE, with SIGXFSZ ignored: EFBIG), which needs
// no privilege. The limit is the process's: no other test runs meanwhile,
// but a profile written during it (-cpuprofile, -trace) loses data.
func TestDemoWriteFailure(t *testing.T) {
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	restore := func(t *testing.T) {
		once.Do(func() {
			if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
				t.Errorf("restoring the file size limit: %v", err)
			}
			signal.Reset(syscall.SIGXFSZ)
		})
	}
	t.Cleanup(func() { restore(t) })
	limit := func(t *testing.T, base string) {
		signal.Ignore(syscall.SIGXFSZ)
		lim := old
		lim.Cur = 1 // no write past a file's first byte
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			t.Fatalf("setting the file size limit: %v", err)
		}
	}
	testDemoWriteFailure(t, filepath.Join(t.TempDir(), "revocations.log"), "file too large", limit, restore)
}

// testDemoWriteFailure runs the demo with its revocation file at logPath,
// makes writes to it fail with fail (after it, a logout fails) and work
// again with repair, and checks what the demo does meanwhile and after.
// errText is the error the failed writes report, for the log only.
func testDemoWriteFailure(t *testing.T, logPath, errText string, fail func(t *testing.T, base string), repair func(t *testing.T)) {
	state := t.TempDir()
	args := []string{"--state", state, "--revocations", logPath}
	hidden := []string{filepath.Dir(logPath), state, "revocations.log", errText}
	var failedTok, okTok string
	t.Run("running", func(t *testing.T) {
		base, stderr := startDemo(t, args...)
		ann, bob, dan := loggedIn(t, base, "ann"), loggedIn(t, base, "bob"), loggedIn(t, base, "dan")
		failedTok = sessionCookie(t, ann)

		fail(t, base)
		failedAt := time.Now()
		for i, d := range []*demoClient{ann, bob} {
			req, _ := http.NewRequest("POST", base+"/logout", nil)
			if msg := failure(t, d.http, req, i == 1, 503, hidden...); !strings.Contains(msg, "logout failed") {
				t.Errorf("a logout the log cannot write: %q", msg)
			}
		}
		// The demo runs on: it says the set is unavailable, serves the
		// other sessions, and refuses the session whose logout failed,
		// which applies in memory.
		if st, err := getStats(http.DefaultClient, base); err != nil || st.Health != "unavailable" {
			t.Errorf("/stats while the log fails: %+v, %v; want health unavailable", st, err)
		}
		if status, v := dan.do("GET", "/session", "", ""); status != 200 {
			t.Errorf("another session while the log fails: %d %v", status, v)
		}
		if status, err := statusWith(base, failedTok); status != 401 {
			t.Errorf("the session whose logout failed, on this demo: %d %v; want 401 (the revocation applies in memory)", status, err)
		}

		repair(t)
		repaired := time.Now()
		var attempts int
		waitFor(t, 3*time.Second, "a login and logout to succeed once the log can be written again", func() (bool, error) {
			attempts++
			d := loggedIn(t, base, "cat")
			tok := sessionCookie(t, d)
			status, v := d.do("POST", "/logout", "", "")
			if status == 200 {
				okTok = tok
				return true, nil
			}
			return false, fmt.Errorf("logout: %d %v", status, v)
		})
		t.Logf("logouts worked again %v after the repair, %v after the first failure, at attempt %d",
			time.Since(repaired).Round(time.Millisecond), time.Since(failedAt).Round(time.Millisecond), attempts)
		if st, err := getStats(http.DefaultClient, base); err != nil || st.Health != "ok" {
			t.Errorf("/stats once logouts work again: %+v, %v; want health ok", st, err)
		}
		for _, tok := range []string{failedTok, okTok} {
			if status, err := statusWith(base, tok); status != 401 {
				t.Errorf("a logged-out session: %d %v", status, err)
			}
		}
		if log := stderr.String(); !strings.Contains(log, logPath) || !strings.Contains(log, errText) {
			t.Errorf("the log lacks the file or the error (%s):\n%s", errText, log)
		}
	})
	if t.Failed() {
		return
	}
	// After a restart, the log has every logout: those that succeeded, and
	// the one that failed, which the recovery wrote from memory.
	base, _ := startDemo(t, args...)
	for what, tok := range map[string]string{"the logout that succeeded": okTok, "the logout that failed": failedTok} {
		if status, err := statusWith(base, tok); status != 401 {
			t.Errorf("after a restart, the session of %s: %d %v; want 401", what, status, err)
		}
	}
}
