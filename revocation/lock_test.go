//go:build unix

package revocation

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

// sharedChildEnv names the log a TestSharedChild process opens.
const sharedChildEnv = "CRUMB_REVOCATION_SHARED_CHILD"

// TestSharedLogSameProcess: two Locals of one process share a log: each
// sees the other's revocations of every kind within a poll interval, a
// compaction by one loses nothing of the other's, and a reopen finds all.
func TestSharedLogSameProcess(t *testing.T) {
	path := logPath(t)
	a := openLocal(t, path, nil)
	b := openLocal(t, path, nil)
	now := time.Now()
	later := now.Add(time.Hour)

	must(t, a.RevokeSession(ctx, sess(testID(1)), later))
	took := waitRevoked(t, b, Query{ID: testID(1)}, propagation)
	t.Logf("a revocation reached the other Local in %v", took.Round(time.Millisecond))
	must(t, b.RevokeIssuedBefore(ctx, sess(testID(2)), now, now, later))
	must(t, b.RevokeSubject(ctx, "ada", now, later))
	waitRevoked(t, a, Query{ID: testID(2), Issued: now.Add(-time.Second)}, propagation)
	waitRevoked(t, a, Query{ID: testID(3), Subject: "ada", Created: now.Add(-time.Second)}, propagation)

	// A compaction by a, then revocations by b: b appends to the new file.
	must(t, a.compact())
	must(t, b.RevokeSession(ctx, sess(testID(4)), later))
	waitRevoked(t, a, Query{ID: testID(4)}, propagation)
	// And the other way round, with b's view of the file replaced.
	must(t, b.compact())
	must(t, a.RevokeSession(ctx, sess(testID(5)), later))
	waitRevoked(t, b, Query{ID: testID(5)}, propagation)
	if sa, sb := a.Stats(), b.Stats(); sa.LogBytes != sb.LogBytes || sa.Sessions != 3 || sb.Sessions != 3 {
		t.Errorf("Stats: a %+v, b %+v; want the same log and 3 sessions in each", sa, sb)
	}
	must(t, a.Close())
	must(t, b.Close())

	l := openLocal(t, path, nil)
	defer l.Close()
	for _, id := range []ID{testID(1), testID(4), testID(5)} {
		wantVerdict(t, l, Query{ID: id}, now, SessionRevoked)
	}
	wantVerdict(t, l, Query{ID: testID(2), Issued: now.Add(-time.Second)}, now, TokenRevoked)
	wantVerdict(t, l, Query{ID: testID(3), Subject: "ada", Created: now.Add(-time.Second)}, now, SubjectRevoked)
	if st := l.Stats(); st.Compactions != 0 {
		t.Errorf("the shared log needed recovery on reopen: %+v", st)
	}
}

// TestPollLatency: with the default PollInterval, a revocation by one Local
// reaches another on the same log at the next poll, 250 ms at most; until
// then the other does not enforce it (the window an operator accepts by
// sharing a log).
func TestPollLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := logPath(t)
		a, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		b, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		q := Query{ID: testID(1)}
		must(t, a.RevokeSession(ctx, sess(q.ID), time.Now().Add(time.Hour)))
		start := time.Now()
		wantVerdict(t, b, q, time.Now(), NotRevoked)
		for check(t, b, q, time.Now()) == NotRevoked && time.Since(start) < time.Second {
			time.Sleep(10 * time.Millisecond)
			synctest.Wait()
		}
		if took := time.Since(start); check(t, b, q, time.Now()) == NotRevoked {
			t.Errorf("the revocation did not reach the other Local within %v", took)
		} else if took > DefaultPollInterval {
			t.Errorf("the revocation reached the other Local after %v, want at most %v", took, DefaultPollInterval)
		}
		must(t, a.Close())
		must(t, b.Close())
	})
}

// child is a TestSharedChild process, driven line by line.
type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *strings.Builder
}

// startChild starts a TestSharedChild process on the log at path.
func startChild(t *testing.T, path string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSharedChild$", "-test.count=1")
	cmd.Env = childEnv(sharedChildEnv + "=" + path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, stdin: stdin, stdout: bufio.NewReader(stdout), stderr: new(strings.Builder)}
	cmd.Stderr = c.stderr
	must(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	if got := c.do(t, "ping"); got != "pong" {
		t.Fatalf("child said %q", got)
	}
	return c
}

// do sends a command to the child and returns its answer.
func (c *child) do(t *testing.T, command string) string {
	t.Helper()
	if _, err := io.WriteString(c.stdin, command+"\n"); err != nil {
		t.Fatalf("child: %v; stderr:\n%s", err, c.stderr.String())
	}
	line, err := c.stdout.ReadString('\n')
	if err != nil {
		t.Fatalf("child, after %q: %v; stderr:\n%s", command, err, c.stderr.String())
	}
	return strings.TrimSuffix(line, "\n")
}

// TestSharedLogOtherProcess: a Local in another process shares the log:
// revocations travel both ways within a poll interval, compactions by
// either lose nothing, and concurrent appends from both processes are all
// in the file.
func TestSharedLogOtherProcess(t *testing.T) {
	path := logPath(t)
	p := openLocal(t, path, nil)
	c := startChild(t, path)
	later := time.Now().Add(time.Hour)
	hexID := func(id ID) string { return hex.EncodeToString(id[:]) }

	must(t, p.RevokeSession(ctx, sess(testID(1)), later))
	if got := c.do(t, "wait "+hexID(testID(1))); !strings.HasPrefix(got, "seen") {
		t.Errorf("the child did not see this process's revocation: %s", got)
	}
	if got := c.do(t, "revoke "+hexID(testID(2))); got != "ok" {
		t.Fatalf("child revoke: %s", got)
	}
	took := waitRevoked(t, p, Query{ID: testID(2)}, propagation)
	t.Logf("the child's revocation reached this process in %v", took.Round(time.Millisecond))

	// The child compacts; this process's next revocation goes to the new
	// file, and the child sees it.
	if got := c.do(t, "compact"); got != "ok" {
		t.Fatalf("child compact: %s", got)
	}
	must(t, p.RevokeSession(ctx, sess(testID(3)), later))
	if got := c.do(t, "wait "+hexID(testID(3))); !strings.HasPrefix(got, "seen") {
		t.Errorf("the child did not see a revocation made after its compaction: %s", got)
	}
	must(t, p.compact())
	if got := c.do(t, "revoke "+hexID(testID(4))); got != "ok" {
		t.Fatalf("child revoke: %s", got)
	}
	waitRevoked(t, p, Query{ID: testID(4)}, propagation)

	// Both processes append at once, from several goroutines each.
	const n = 500
	flooded := make(chan string, 1)
	go func() {
		io.WriteString(c.stdin, "flood 1000 "+strconv.Itoa(n)+"\n")
		line, _ := c.stdout.ReadString('\n')
		flooded <- strings.TrimSuffix(line, "\n")
	}()
	var mine []ID
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 4 {
		ids := newIDs(uint64(2000 + g))
		wg.Go(func() {
			for range n {
				id := ids.next()
				if err := p.RevokeSession(ctx, sess(id), later); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				mine = append(mine, id)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if got := <-flooded; got != "ok" {
		t.Fatalf("child flood: %s; stderr:\n%s", got, c.stderr.String())
	}
	theirs := floodIDs(1000, n)
	for _, id := range theirs {
		waitRevoked(t, p, Query{ID: id}, propagation)
	}
	if got := c.do(t, "close"); got != "ok" {
		t.Fatalf("child close: %s", got)
	}
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("child: %v; stderr:\n%s", err, c.stderr.String())
	}
	must(t, p.Close())

	all := append(append(mine, theirs...), testID(1), testID(2), testID(3), testID(4))
	l := openLocal(t, path, nil)
	defer l.Close()
	lost := 0
	for _, id := range all {
		if check(t, l, Query{ID: id}, time.Now()) != SessionRevoked {
			lost++
		}
	}
	if lost != 0 || l.Stats().Sessions != len(all) {
		t.Errorf("after reopening: %d of %d revocations lost; %+v", lost, len(all), l.Stats())
	}
}

// floodIDs returns the IDs a child's "flood seed n" revokes: n from each of
// four sources.
func floodIDs(seed uint64, n int) []ID {
	var ids []ID
	for g := range 4 {
		src := newIDs(seed + uint64(g))
		for range n {
			ids = append(ids, src.next())
		}
	}
	return ids
}

// TestSharedChild is the child process of TestSharedLogOtherProcess: it
// opens the log and runs the commands it reads from stdin, one a line,
// answering each with one line. Without the environment marker it does
// nothing.
func TestSharedChild(t *testing.T) {
	path := os.Getenv(sharedChildEnv)
	if path == "" {
		return
	}
	l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: quiet})
	if err != nil {
		fmt.Fprintln(os.Stderr, "shared child:", err)
		os.Exit(2)
	}
	later := time.Now().Add(time.Hour)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		answer := "ok"
		parseID := func(s string) ID {
			var id ID
			b, _ := hex.DecodeString(s)
			copy(id[:], b)
			return id
		}
		switch f[0] {
		case "ping":
			answer = "pong"
		case "revoke":
			if err := l.RevokeSession(ctx, sess(parseID(f[1])), later); err != nil {
				answer = "error " + err.Error()
			}
		case "wait":
			id := parseID(f[1])
			start := time.Now()
			answer = "missing"
			for time.Since(start) < propagation {
				if v, _ := l.Check(ctx, Query{ID: id}, time.Now()); v != NotRevoked {
					answer = "seen " + time.Since(start).String()
					break
				}
				time.Sleep(time.Millisecond)
			}
		case "compact":
			if err := l.compact(); err != nil {
				answer = "error " + err.Error()
			}
		case "flood":
			seed, _ := strconv.ParseUint(f[1], 10, 64)
			n, _ := strconv.Atoi(f[2])
			var wg sync.WaitGroup
			var failed error
			var mu sync.Mutex
			for g := range 4 {
				ids := newIDs(seed + uint64(g))
				wg.Go(func() {
					for range n {
						if err := l.RevokeSession(ctx, sess(ids.next()), later); err != nil {
							mu.Lock()
							failed = err
							mu.Unlock()
							return
						}
					}
				})
			}
			wg.Wait()
			if failed != nil {
				answer = "error " + failed.Error()
			}
		case "close":
			if err := l.Close(); err != nil {
				answer = "error " + err.Error()
			}
			fmt.Println(answer)
			os.Exit(0)
		default:
			answer = "error unknown command " + f[0]
		}
		fmt.Println(answer)
	}
	os.Exit(3) // stdin closed without "close"
}

// TestOldVersionHolder: a crumb older than 0.2 holds the lock file's flock
// exclusively for as long as it runs. NewLocal waits lockWait for it, then
// fails with ErrLocked; a Local already open fails its revocations the same
// way (applying them in memory) and recovers once the old process is gone.
// The wait is lockWait of fake time.
func TestOldVersionHolder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := logPath(t)
		old, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		defer old.Close()
		hold := func() { must(t, syscall.Flock(int(old.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)) }
		release := func() { must(t, syscall.Flock(int(old.Fd()), syscall.LOCK_UN)) }

		hold()
		start := time.Now()
		_, err = NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: quiet})
		waited := time.Since(start)
		if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path+".lock") || !strings.Contains(err.Error(), "older than 0.2") {
			t.Fatalf("NewLocal while an old process holds the lock = %v, want ErrLocked naming the lock file and the cause", err)
		}
		if waited < lockWait || waited > lockWait+time.Second {
			t.Errorf("NewLocal gave up after %v, want lockWait (%v)", waited, lockWait)
		}
		release()

		l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, PollInterval: -1, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(time.Hour)
		must(t, l.RevokeSession(ctx, sess(testID(1)), later))
		hold()
		if err := l.RevokeSession(ctx, sess(testID(2)), later); !errors.Is(err, ErrLocked) {
			t.Errorf("RevokeSession while an old process holds the lock = %v, want ErrLocked", err)
		}
		if err := l.Health(ctx); !errors.Is(err, ErrLocked) {
			t.Errorf("Health = %v, want ErrLocked", err)
		}
		wantVerdict(t, l, Query{ID: testID(2)}, time.Now(), SessionRevoked)
		release()
		time.Sleep(retryDelay)
		must(t, l.RevokeSession(ctx, sess(testID(3)), later))
		must(t, l.Health(ctx))
		if st := l.Stats(); st.Recoveries != 1 {
			t.Errorf("Recoveries = %d, want 1", st.Recoveries)
		}
		must(t, l.Close())
		wantAllRevoked(t, path, []ID{testID(1), testID(2), testID(3)})
	})
}
