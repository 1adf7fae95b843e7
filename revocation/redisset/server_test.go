package redisset

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crumbhq/crumb/internal/testdep"
	"github.com/crumbhq/crumb/revocation"
)

// redisServer is a redis-server process on a loopback port, in a temporary
// directory, stopped when the test ends.
type redisServer struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	args []string
	cmd  *exec.Cmd
	exit chan struct{}
	tls  *tls.Config // the server listens for TLS only, on port
	pre  []string    // arguments before the generated ones (a config file, --sentinel)
}

// startRedis starts redis-server with the test defaults (no RDB
// snapshots, no AOF, noeviction) and the extra configuration args, such as
// "--appendonly", "yes".
func startRedis(t testing.TB, args ...string) *redisServer {
	t.Helper()
	return startRedisTLS(t, nil, args...)
}

// startRedisTLS is startRedis, listening for TLS only when tc is not nil
// (args must then hold the certificate options); tc is what the readiness
// check connects with.
func startRedisTLS(t testing.TB, tc *tls.Config, args ...string) *redisServer {
	t.Helper()
	bin := testdep.Binary(t, "redis-server", "valkey-server")
	s := &redisServer{t: t, bin: bin, dir: t.TempDir(), args: args, tls: tc}
	var err error
	for try := 0; try < 5; try++ {
		s.port = freePort(t)
		if err = s.start(); err == nil {
			t.Cleanup(s.kill)
			return s
		}
	}
	t.Fatalf("starting redis-server: %v", err)
	return nil
}

// startSentinel starts redis-server in sentinel mode, monitoring the
// master at masterAddr as name, with a quorum of 1.
func startSentinel(t testing.TB, name, masterAddr string) *redisServer {
	t.Helper()
	bin := testdep.Binary(t, "redis-server", "valkey-server")
	dir := t.TempDir()
	host, port, _ := net.SplitHostPort(masterAddr)
	conf := filepath.Join(dir, "sentinel.conf")
	body := fmt.Sprintf("sentinel monitor %s %s %s 1\nsentinel down-after-milliseconds %s 2000\nsentinel failover-timeout %s 10000\n",
		name, host, port, name, name)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &redisServer{t: t, bin: bin, dir: dir, pre: []string{conf, "--sentinel"}}
	var err error
	for try := 0; try < 5; try++ {
		s.port = freePort(t)
		if err = s.start(); err == nil {
			t.Cleanup(s.kill)
			return s
		}
	}
	t.Fatalf("starting a sentinel: %v", err)
	return nil
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func (s *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// start runs the server and waits (at most 10 s) until it answers PING.
func (s *redisServer) start() error {
	port := []string{"--port", strconv.Itoa(s.port)}
	if s.tls != nil {
		port = []string{"--port", "0", "--tls-port", strconv.Itoa(s.port)}
	}
	args := append(append(s.pre[:len(s.pre):len(s.pre)], port...), "--bind", "127.0.0.1", "--dir", s.dir,
		"--protected-mode", "no", "--daemonize", "no", "--logfile", filepath.Join(s.dir, "redis.log"))
	if s.pre == nil {
		args = append(args, "--save", "", "--maxmemory-policy", "noeviction")
	}
	args = append(args, s.args...)
	cmd := exec.Command(s.bin, args...)
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd, s.exit = cmd, make(chan struct{})
	go func(exit chan struct{}) { cmd.Wait(); close(exit) }(s.exit)
	c := redis.NewClient(&redis.Options{Addr: s.addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond, TLSConfig: s.tls})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.exit:
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			return fmt.Errorf("redis-server exited: %s", lastLines(log, 5))
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		err := c.Ping(ctx).Err()
		var pid string
		if err == nil {
			// The port was free when freePort looked; another process (a
			// test of another package) may have taken it since, and this
			// server then exits while that one answers: go on only when the
			// answer is this process's.
			pid, err = infoField(ctx, c, "server", "process_id")
		}
		cancel()
		if err == nil && pid == strconv.Itoa(cmd.Process.Pid) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.kill()
	return fmt.Errorf("redis-server pid %d on port %d did not answer within 10s", cmd.Process.Pid, s.port)
}

// infoField returns the value of field in the INFO section of the server
// c is connected to, "" when the section has no such field.
func infoField(ctx context.Context, c *redis.Client, section, field string) (string, error) {
	info, err := c.Info(ctx, section).Result()
	if err != nil {
		return "", err
	}
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return v, nil
		}
	}
	return "", nil
}

// infoInt is infoField for a number; a missing field is an error.
func infoInt(ctx context.Context, c *redis.Client, section, field string) (int64, error) {
	v, err := infoField(ctx, c, section, field)
	if err != nil {
		return 0, err
	}
	if v == "" {
		return 0, fmt.Errorf("INFO %s has no %s", section, field)
	}
	return strconv.ParseInt(v, 10, 64)
}

// waitSynced waits until master lists every one of replicas as an online
// replica (the initial sync done) and each replica, with its link to the
// master up, has applied the replication stream at least up to the offset
// the master reported once they were all online; it returns that offset.
// Each stage is bounded (20 s) and fails the test saying what it waited for
// and what it saw last.
func waitSynced(t testing.TB, master *redisServer, replicas ...*redisServer) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(bg, 45*time.Second)
	defer cancel()
	mc := master.client()
	var last string
	if !waitFor(20*time.Second, func() bool {
		info, err := mc.Info(ctx, "replication").Result()
		if err != nil {
			last = err.Error()
			return false
		}
		for _, r := range replicas {
			if !strings.Contains(info, "port="+strconv.Itoa(r.port)+",state=online,") {
				last = info
				return false
			}
		}
		return true
	}) {
		t.Fatalf("waiting (20 s) for master %s to list replicas %v as online; last INFO replication:\n%s",
			master.addr(), ports(replicas), last)
	}
	offset, err := infoInt(ctx, mc, "replication", "master_repl_offset")
	if err != nil {
		t.Fatalf("master %s: master_repl_offset: %v", master.addr(), err)
	}
	for _, r := range replicas {
		rc := r.client()
		if !waitFor(20*time.Second, func() bool {
			link, err := infoField(ctx, rc, "replication", "master_link_status")
			if err != nil || link != "up" {
				last = fmt.Sprintf("master_link_status %q (%v)", link, err)
				return false
			}
			got, err := infoInt(ctx, rc, "replication", "slave_repl_offset")
			last = fmt.Sprintf("slave_repl_offset %d (%v)", got, err)
			return err == nil && got >= offset
		}) {
			t.Fatalf("waiting (20 s) for replica %s to have its link to %s up and reach offset %d; last: %s",
				r.addr(), master.addr(), offset, last)
		}
	}
	return offset
}

func ports(servers []*redisServer) []int {
	var ps []int
	for _, s := range servers {
		ps = append(ps, s.port)
	}
	return ps
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *redisServer) kill() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGCONT) // a stopped process dies too
	s.cmd.Process.Kill()
	select {
	case <-s.exit:
	case <-time.After(10 * time.Second):
		s.t.Errorf("redis-server pid %d did not exit after SIGKILL", s.cmd.Process.Pid)
	}
	s.cmd = nil
}

// restart starts the server again on the same port and directory.
func (s *redisServer) restart() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("restarting redis-server: %v", err)
	}
}

// signal sends sig (SIGSTOP, SIGCONT) to the server.
func (s *redisServer) signal(sig syscall.Signal) {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
}

// client returns a plain client for checks behind the Set's back.
func (s *redisServer) client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.addr(), TLSConfig: s.tls})
	s.t.Cleanup(func() { c.Close() })
	return c
}

// testOptions are Options for a Set on addr with an outbox in a
// temporary directory and the test's log.
func testOptions(t testing.TB, addr string) Options {
	return Options{
		Addrs:      []string{addr},
		OutboxPath: filepath.Join(t.TempDir(), "outbox"),
		Logger:     testLogger(t),
	}
}

// newSet is New that fails the test on error and closes the Set at the end.
func newSet(t testing.TB, o Options) *Set {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := New(ctx, o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// testLogger logs to the test's log, at debug level.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// captureLogger logs into a buffer that the test inspects.
type captureLogger struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *captureLogger) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func (c *captureLogger) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

func (c *captureLogger) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(c, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func newID() revocation.ID {
	var id revocation.ID
	rand.Read(id[:])
	return id
}

var bg = context.Background()

// waitFor polls cond until it holds or timeout passes, and reports whether
// it held; the caller fails the test saying what it waited for. It polls
// every millisecond at first, then less often (every 16 ms at most), so
// that a long wait does not take the CPU from the servers it waits on.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	pause := time.Millisecond
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pause)
		pause = min(2*pause, 16*time.Millisecond)
	}
}

// session returns the revocation.Session of id for the tests that are not
// about the per-subject bound: a subject of its own, so that nothing is
// ever collapsed, and created now.
func session(id revocation.ID) revocation.Session {
	return revocation.Session{ID: id, Subject: "subject-" + hexID(id), Created: time.Now()}
}

// revokedOn reports whether the session id is revoked on s now by its own
// session entry.
func revokedOn(s revocation.Set, id revocation.ID) bool {
	v, _ := s.Check(bg, revocation.Query{ID: id, Issued: time.Now(), Created: time.Now()}, time.Now())
	return v == revocation.SessionRevoked
}

// acknowledged reports whether a Revoke method's result acknowledges the
// revocation: nil (stored in Redis), or revocation.ErrPending (in force on
// the node, waiting in its outbox).
func acknowledged(err error) bool {
	return err == nil || errors.Is(err, revocation.ErrPending)
}

// rejects reports whether s rejects the session rs now, by any verdict
// (its session entry, or its subject's entry after a collapse).
func rejects(s revocation.Set, rs revocation.Session) bool {
	v, _ := s.Check(bg, revocation.Query{ID: rs.ID, Subject: rs.Subject, Created: rs.Created, Issued: time.Now()}, time.Now())
	return v != revocation.NotRevoked
}

// pauseTailer stops s's tailer and waits (at most 10 s) for it to return:
// until resumeTailer, the test owns the tailer's state and may call its
// methods (a GC pause, a slow step, seen from Redis).
func pauseTailer(t testing.TB, s *Set) {
	t.Helper()
	s.cancel()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("waiting (10 s) for the tailer to return after its context was cancelled")
	}
}

// resumeTailer starts s's tailer again after pauseTailer.
func resumeTailer(s *Set) {
	s.runCtx, s.cancel = context.WithCancel(context.Background())
	s.done = make(chan struct{})
	go s.run()
}

// scanKeys returns the keys of the server c is connected to that match
// pattern, by SCAN (at most 10,000 rounds), each once, sorted.
func scanKeys(t testing.TB, c *redis.Client, pattern string) []string {
	t.Helper()
	var keys []string
	var cursor uint64
	for range 10_000 {
		ks, next, err := c.Scan(bg, cursor, pattern, 1000).Result()
		if err != nil {
			t.Fatalf("SCAN %s: %v", pattern, err)
		}
		keys = append(keys, ks...)
		if next == 0 {
			slices.Sort(keys)
			return slices.Compact(keys) // SCAN may return a key twice
		}
		cursor = next
	}
	t.Fatalf("SCAN %s did not finish in 10,000 rounds", pattern)
	return nil
}
