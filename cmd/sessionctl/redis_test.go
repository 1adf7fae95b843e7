package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crumbhq/crumb/internal/testdep"
)

// startRedisServer runs redis-server on a free loopback port in a
// temporary directory until the test ends, and returns its address once it
// answers. The port was free when looked up, but another process (a test of
// another package) can take it before redis-server binds it: redis-server
// then exits, and it is tried again on another port (at most 5 times).
func startRedisServer(t *testing.T) string {
	t.Helper()
	bin := testdep.Binary(t, "redis-server", "valkey-server")
	var err error
	for range 5 {
		var addr string
		if addr, err = tryRedisServer(t, bin); err == nil {
			return addr
		}
		t.Log(err)
	}
	t.Fatalf("starting redis-server: %v", err)
	return ""
}

// tryRedisServer starts redis-server once and waits (at most 10 s) until
// it answers PING and INFO with its own process ID.
func tryRedisServer(t *testing.T, bin string) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	logfile := filepath.Join(dir, "redis.log")
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "no", "--protected-mode", "no",
		"--logfile", logfile, "--maxmemory-policy", "noeviction")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() {
		cmd.Process.Kill()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Errorf("redis-server pid %d did not exit within 10 s of SIGKILL", cmd.Process.Pid)
		}
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	pid := "process_id:" + strconv.Itoa(cmd.Process.Pid) + "\r\n"
	var last error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		select {
		case <-exited:
			log, _ := os.ReadFile(logfile)
			return "", fmt.Errorf("redis-server on port %d exited: %s", port, strings.TrimSpace(string(log)))
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		info, err := c.Info(ctx, "server").Result()
		cancel()
		if err == nil && strings.Contains(info, pid) {
			t.Cleanup(stop)
			return addr, nil
		}
		if last = err; err == nil {
			last = fmt.Errorf("port %d answered by another process", port)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	return "", fmt.Errorf("waiting (10 s) for redis-server pid %d to answer on port %d: %v", cmd.Process.Pid, port, last)
}

// TestRevocationsOnRedis runs revoke and decode with --revocations
// redis://…: a token revoked through Redis is reported revoked, by token and
// by subject.
func TestRevocationsOnRedis(t *testing.T) {
	addr := startRedisServer(t)
	dir := t.TempDir()
	run := func(want int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		c := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, dir: dir, now: time.Now}
		if got := c.dispatch(args); got != want {
			t.Fatalf("sessionctl %s: exit status %d, want %d\n%s%s", strings.Join(args, " "), got, want, out.String(), errb.String())
		}
		return out.String() + errb.String()
	}
	spec := "redis://" + addr + "/0?prefix=cli:"
	run(0, "keys", "generate", "--keyring", "keyring.json")
	minted := run(0, "mint", "--keyring", "keyring.json", "--name", "session", "--subject", "ann", "--json")
	var ann struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
	}
	if err := json.Unmarshal([]byte(minted), &ann); err != nil || ann.Token == "" || ann.SessionID == "" {
		t.Fatalf("mint --json: %v: %s", err, minted)
	}
	tok := ann.Token
	run(0, "decode", "--revocations", spec, "--keyring", "keyring.json", "--name", "session", tok)
	run(0, "revoke", "--revocations", spec, "--keyring", "keyring.json", "--name", "session", tok)
	if out := run(1, "decode", "--revocations", spec, "--keyring", "keyring.json", "--name", "session", tok); !strings.Contains(out, "revoked") {
		t.Errorf("decode of a revoked token: %s", out)
	}
	// By subject, with an outbox.
	tok2 := strings.TrimSpace(run(0, "mint", "--keyring", "keyring.json", "--name", "session", "--subject", "bea"))
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second))) // one-second resolution
	run(0, "revoke", "--revocations", spec+"&outbox=cli.outbox", "--subject", "bea")
	if out := run(1, "decode", "--revocations", spec, "--keyring", "keyring.json", "--name", "session", tok2); !strings.Contains(out, "revoked") {
		t.Errorf("decode of a token whose subject was revoked: %s", out)
	}
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	// Exactly: ann's session entry and her owner index (which lists her
	// session and subject entries, by the SHA-256 of the subject), bea's
	// subject entry, and the stream. bea has no session entry, so no owner
	// index.
	keys, err := c.Keys(context.Background(), "cli:{rev}:*").Result()
	slices.Sort(keys)
	want := []string{
		"cli:{rev}:o:" + sha256Hex("ann"),
		"cli:{rev}:s:" + ann.SessionID,
		"cli:{rev}:stream",
		"cli:{rev}:u:" + sha256Hex("bea"),
	}
	if err != nil || !slices.Equal(keys, want) {
		t.Errorf("keys in Redis: %q, %v; want %q: ann's session entry and owner index, bea's subject entry and the stream", keys, err, want)
	}
}

// sha256Hex is the hex SHA-256 of a subject, as Redis keys name subjects.
func sha256Hex(subject string) string {
	sum := sha256.Sum256([]byte(subject))
	return hex.EncodeToString(sum[:])
}

func TestRedactSpec(t *testing.T) {
	for in, want := range map[string]string{
		"revoked.log":                                "revoked.log",
		"/var/lib/app/revoked.log":                   "/var/lib/app/revoked.log",
		"redis://admin:hunter2@host:6379/0":          "redis://admin:xxxxx@host:6379/0",
		"redis://host?sentinel_password=hunter2":     "redis://host?sentinel_password=xxxxx",
		"rediss://:hunter2@host/1?outbox=%2Ftmp%2Fo": "rediss://:xxxxx@host/1?outbox=%2Ftmp%2Fo",
	} {
		if got := redactSpec(in); got != want {
			t.Errorf("redactSpec(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDemoOnRedis runs two demo instances on one Redis with one keyring: a
// user logs in on A and out on A; the old cookie, replayed to B, is no
// session there.
func TestDemoOnRedis(t *testing.T) {
	addr := startRedisServer(t)
	state := t.TempDir()
	spec := func(name string) string {
		return "redis://" + addr + "/0?outbox=" + url.QueryEscape(filepath.Join(state, name+".outbox"))
	}
	baseA, _ := startDemo(t, "--state", state, "--revocations", spec("a"))
	baseB, _ := startDemo(t, "--state", t.TempDir(), "--keyring", filepath.Join(state, "keyring.json"), "--revocations", spec("b"))
	a := newDemoClient(t, baseA)
	if status, _ := a.do("POST", "/login", "application/x-www-form-urlencoded", "user=ann"); status != 200 && status != 303 {
		t.Fatalf("login: %d", status)
	}
	old := a.cookies()
	b := newDemoClient(t, baseB)
	ub, _ := url.Parse(baseB)
	b.http.Jar.SetCookies(ub, old)
	if status, v := b.do("GET", "/session", "", ""); status != 200 {
		t.Fatalf("B does not see A's session: %d %v", status, v)
	}
	a.do("POST", "/logout", "", "")
	waitFor(t, 5*time.Second, "B to refuse the cookie logged out on A (401)", func() (bool, error) {
		b.http.Jar.SetCookies(ub, old)
		status, _ := b.do("GET", "/session", "", "")
		return status == 401, fmt.Errorf("B answers %d", status)
	})
}
