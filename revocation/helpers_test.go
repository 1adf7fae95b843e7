package revocation

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var ctx = context.Background()

// propagation bounds how long a revocation may take to reach another Local
// on the same log: a few poll intervals of 250 ms.
const propagation = time.Second

// quiet is a logger that drops everything, for tests that do not look at
// the log.
var quiet = slog.New(slog.DiscardHandler)

// newMem returns a memory-only Local without background pruning unless
// opts says otherwise, closed at the end of the test.
func newMem(t testing.TB, opts LocalOptions) *Local {
	t.Helper()
	if opts.PruneInterval == 0 {
		opts.PruneInterval = -1
	}
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	l, err := NewLocal(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// openLocal opens a durable Local at path without background pruning. The
// caller closes it.
func openLocal(t testing.TB, path string, logger *slog.Logger) *Local {
	t.Helper()
	if logger == nil {
		logger = quiet
	}
	l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// logPath returns a fresh log path in a temporary directory.
func logPath(t testing.TB) string {
	return filepath.Join(t.TempDir(), "revoked.log")
}

// testID returns an ID whose first byte is n and whose other bytes are a
// fixed pattern, so IDs of different n fall in different shards.
func testID(n byte) ID {
	var id ID
	for i := range id {
		id[i] = n ^ byte(i*37)
	}
	id[0] = n
	return id
}

// idSource returns deterministic random IDs.
type idSource struct{ r *rand.Rand }

func newIDs(seed uint64) *idSource {
	return &idSource{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (s *idSource) next() ID {
	var id ID
	binary.LittleEndian.PutUint64(id[:8], s.r.Uint64())
	binary.LittleEndian.PutUint64(id[8:], s.r.Uint64())
	return id
}

// check returns l's verdict for q at now, failing the test on an error.
func check(t testing.TB, l *Local, q Query, now time.Time) Verdict {
	t.Helper()
	v, err := l.Check(ctx, q, now)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return v
}

// wantVerdict fails the test unless l's verdict for q at now is want.
func wantVerdict(t testing.TB, l *Local, q Query, now time.Time, want Verdict) {
	t.Helper()
	if got := check(t, l, q, now); got != want {
		t.Errorf("Check(%x…, subject %q, created %s, issued %s) at %s = %v, want %v",
			q.ID[:4], q.Subject, q.Created.Format(time.TimeOnly), q.Issued.Format(time.TimeOnly), now.Format(time.TimeOnly), got, want)
	}
}

// logBuffer is a concurrency-safe buffer behind a text slog.Logger.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// readFile returns the contents of path, failing the test on an error.
func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// childEnv is the environment of a child test process: this one's plus
// marker, and without the race detector's one-second sleep at exit.
func childEnv(marker string) []string {
	return append(os.Environ(), marker, "GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
}

// sess returns the Session of id for the Revoke methods: a subject of its
// own (so tests that revoke many IDs stay under the per-subject bound) and
// a fixed created-at.
func sess(id ID) Session {
	return Session{ID: id, Subject: subjectOf(id), Created: time.Unix(1_700_000_000, 0)}
}

// subjectOf is the subject sess gives id.
func subjectOf(id ID) string { return fmt.Sprintf("user-%x", id) }

// waitFor waits until cond holds, looking every millisecond for at most
// within, and fails the test naming what it waited for otherwise. It
// returns how long it waited.
func waitFor(t testing.TB, what string, within time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("waited %v for %s", within, what)
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(start)
}

// waitRevoked waits at most within until l reports q revoked, as a
// revocation made by another Local on the same log reaches l, and returns
// how long that took.
func waitRevoked(t testing.TB, l *Local, q Query, within time.Duration) time.Duration {
	t.Helper()
	return waitFor(t, fmt.Sprintf("the revocation of %x… to reach this Local", q.ID[:4]), within, func() bool {
		return check(t, l, q, time.Now()) != NotRevoked
	})
}
