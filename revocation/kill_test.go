//go:build unix

package revocation

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crumbhq/crumb/revocation/internal/table"
)

const (
	// killIterations is how many times TestKillAcknowledged kills a child
	// in the middle of revoking.
	killIterations = 200
	// killChildEnv names the log a TestKillChild process revokes into.
	killChildEnv = "CRUMB_REVOCATION_KILL_CHILD"
	// killChildWriters is the number of goroutines revoking in the child.
	killChildWriters = 4
)

// TestKillAcknowledged is the kill -9 test: a child process revokes random
// IDs from several goroutines and prints each one only after its Revoke
// call returned nil; the parent kills it with SIGKILL at a random point,
// reopens the log (the same file every time, so that recovery of torn
// tails and appends after a recovery are exercised too) and checks that
// every acknowledged revocation is there. Meanwhile a Local of the parent
// shares the log throughout, revoking once per iteration and reading the
// children's appends, torn tails and rewrites included: at the end it must
// have every acknowledged revocation too.
func TestKillAcknowledged(t *testing.T) {
	path := logPath(t)
	shared := openLocal(t, path, nil)
	defer shared.Close()
	var mine []ID
	// The kill points are drawn from a fixed seed; process scheduling
	// still varies from run to run.
	r := rand.New(rand.NewPCG(2024, 1))

	type ack struct {
		id    ID
		token bool // revoked with RevokeIssuedBefore, not RevokeSession
	}
	var all []ack
	lost := 0
	verify := func(l *Local, acks []ack) {
		now := time.Now()
		for _, a := range acks {
			want := SessionRevoked
			if a.token {
				want = TokenRevoked
			}
			if got := check(t, l, Query{ID: a.id, Issued: now.Add(-time.Hour)}, now); got != want {
				lost++
				t.Errorf("acknowledged revocation of %x… lost: %v, want %v", a.id[:4], got, want)
			}
		}
	}

	start := time.Now()
	recovered, torn := 0, 0
	for i := range killIterations {
		if i%4 == 3 {
			// A kill -9 does not tear a write in the page cache, but a
			// power cut can: append a record cut short, which the child
			// must recover from before appending after it.
			rec := appendRecord(nil, &record{Kind: table.KindSession, ID: ID{0xde, 0xad}, Key: table.KeyOf("torn"), Until: maxSeconds})
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			must(t, err)
			_, err = f.Write(rec[:1+r.IntN(len(rec)-1)])
			must(t, err)
			must(t, f.Close())
			torn++
		}
		id := ID{0x5e, byte(i), byte(i >> 8)}
		must(t, shared.RevokeSession(ctx, sess(id), time.Now().Add(time.Hour)))
		mine = append(mine, id)
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
		cmd.Env = childEnv(killChildEnv + "=" + path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		must(t, cmd.Start())
		out := bufio.NewReader(stdout)
		if line, err := out.ReadString('\n'); line != "ready\n" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("iteration %d: child said %q (%v); stderr:\n%s", i, line, err, stderr.String())
		}

		// Kill after a random number of acknowledgements (0 to 40), or for
		// a quarter of the runs after a random delay of up to 3 ms; either
		// way the other writers are mid-write.
		var acks []ack
		readAck := func() bool {
			line, err := out.ReadString('\n')
			if err != nil { // EOF; an incomplete last line was never acknowledged
				return false
			}
			a, ok := parseAck(line)
			if !ok {
				t.Fatalf("iteration %d: child printed %q", i, line)
			}
			acks = append(acks, ack(a))
			return true
		}
		if r.IntN(4) == 0 {
			time.Sleep(time.Duration(r.IntN(3000)) * time.Microsecond)
		} else {
			for n := r.IntN(41); n > 0 && readAck(); n-- {
			}
		}
		must(t, cmd.Process.Kill())
		for readAck() { // what the child printed before it died
		}
		if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("iteration %d: child ended with %v, not by SIGKILL; stderr:\n%s", i, err, stderr.String())
		}

		var logs logBuffer
		l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: logs.logger()})
		if err != nil {
			t.Fatalf("iteration %d: reopening: %v", i, err)
		}
		if strings.Contains(logs.String(), "damaged log") {
			recovered++
		}
		verify(l, acks)
		must(t, l.Close())
		all = append(all, acks...)
	}

	for _, a := range all { // the shared Local read them all
		want := Query{ID: a.id, Issued: time.Now().Add(-time.Hour)}
		waitRevoked(t, shared, want, propagation)
	}
	must(t, shared.Close())
	l := openLocal(t, path, nil)
	defer l.Close()
	for _, id := range mine {
		wantVerdict(t, l, Query{ID: id}, time.Now(), SessionRevoked)
	}
	lostBefore := lost
	verify(l, all)
	t.Logf("kill test: %d iterations in %v, %d acknowledged revocations, %d torn tails injected, %d damaged logs found after a kill, %d lost (final check of all: %d lost)",
		killIterations, time.Since(start).Round(time.Millisecond), len(all), torn, recovered, lost, lost-lostBefore)
	if temps, _ := filepath.Glob(path + compactSuffix + "*"); len(temps) > 1 {
		t.Errorf("temporary files of interrupted compactions pile up: %v", temps)
	}
	if len(all) < killIterations {
		t.Errorf("only %d acknowledgements over %d iterations: the test did not exercise much", len(all), killIterations)
	}
}

// parseAck parses a line "S <hex ID>\n" (RevokeSession) or "T <hex ID>\n"
// (RevokeIssuedBefore) printed by TestKillChild.
func parseAck(line string) (a struct {
	id    ID
	token bool
}, ok bool) {
	kind, hexID, found := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
	b, err := hex.DecodeString(hexID)
	if !found || err != nil || len(b) != len(a.id) || (kind != "S" && kind != "T") {
		return a, false
	}
	copy(a.id[:], b)
	a.token = kind == "T"
	return a, true
}

// TestKillChild is the child process of TestKillAcknowledged. Without the
// environment marker it does nothing.
func TestKillChild(t *testing.T) {
	path := os.Getenv(killChildEnv)
	if path == "" {
		return
	}
	l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: quiet})
	if err != nil {
		fmt.Fprintln(os.Stderr, "kill child:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	print := func(w io.Writer, kind string, id ID) {
		line := kind + " " + hex.EncodeToString(id[:]) + "\n"
		mu.Lock()
		defer mu.Unlock()
		if _, err := io.WriteString(w, line); err != nil {
			os.Exit(3)
		}
	}
	os.Stdout.WriteString("ready\n")
	go func() { // compactions, so that some kills land in one
		for {
			time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
			if err := l.compact(); err != nil {
				fmt.Fprintln(os.Stderr, "kill child:", err)
				os.Exit(6)
			}
		}
	}()
	for g := range killChildWriters {
		go func() {
			for {
				var id ID
				for i := range id {
					id[i] = byte(rand.Uint32())
				}
				now := time.Now()
				var err error
				kind := "S"
				if g == 0 {
					kind = "T"
					err = l.RevokeIssuedBefore(ctx, sess(id), now, now, now.Add(time.Hour))
				} else {
					err = l.RevokeSession(ctx, sess(id), now.Add(time.Hour))
				}
				if err != nil {
					fmt.Fprintln(os.Stderr, "kill child:", err)
					os.Exit(4)
				}
				print(os.Stdout, kind, id) // only after the revocation was acknowledged
			}
		}()
	}
	time.Sleep(30 * time.Second) // a watchdog: the parent kills the child long before
	os.Exit(5)
}
