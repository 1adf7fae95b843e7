package registry

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var ctx = context.Background()

// quietLogger drops everything, for tests that do not look at the logs.
var quietLogger = slog.New(slog.DiscardHandler)

// now is the tests' time: the wall clock in whole seconds, since loading a
// file drops the entries expired by the wall clock.
var now = time.Now().Truncate(time.Second)

// sec returns now plus n seconds.
func sec(n int) time.Time { return now.Add(time.Duration(n) * time.Second) }

// sid returns a session ID made from n.
func sid(n int) ID {
	var id ID
	id[0], id[1], id[2], id[15] = byte(n), byte(n>>8), byte(n>>16), 0x5a
	return id
}

// ent returns an entry of subject created and last seen at second c,
// expiring 12 hours later.
func ent(subject string, n, c int, labels map[string]string) Entry {
	return Entry{ID: sid(n), Subject: subject, Created: sec(c), LastSeen: sec(c), Expires: sec(c + 12*3600), Labels: labels}
}

// logBuffer collects log lines, safe for concurrent use.
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

// newLogger returns a logger writing every level to a buffer.
func newLogger() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// tempPath returns the path of a registry file in a new directory.
func tempPath(t testing.TB) string {
	return filepath.Join(t.TempDir(), "sessions.reg")
}

// open opens a Local with o, without background pruning unless o says
// otherwise, and closes it at the end of the test.
func open(t testing.TB, o LocalOptions) *Local {
	t.Helper()
	if o.PruneInterval == 0 {
		o.PruneInterval = -1
	}
	if o.Logger == nil {
		o.Logger = quietLogger
	}
	l, err := NewLocal(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// mustAdd adds e at now and returns the evicted entries.
func mustAdd(t testing.TB, r *Local, e Entry) []Entry {
	t.Helper()
	ev, err := r.Add(ctx, e, now)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// mustList lists subject at now.
func mustList(t testing.TB, r *Local, subject string) []Entry {
	t.Helper()
	l, err := r.List(ctx, subject, now)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// equalLists fails unless got and want hold the same entries, in order, at
// one-second resolution.
func equalLists(t testing.TB, what string, got, want []Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.Subject != w.Subject || g.Created.Unix() != w.Created.Unix() ||
			g.LastSeen.Unix() != w.LastSeen.Unix() || g.Expires.Unix() != w.Expires.Unix() || !sameLabels(g.Labels, w.Labels) {
			t.Fatalf("%s: entry %d is %+v, want %+v", what, i, g, w)
		}
	}
}

func sameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// eventually polls cond every 10 ms for up to 5 seconds.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5 seconds", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// fileSize returns the size of the file at path.
func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// forceRewrite rewrites the file now, as the background goroutine does
// when it has grown.
func (w *file) forceRewrite() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.busy {
		w.cond.Wait()
	}
	return w.lead(true)
}
