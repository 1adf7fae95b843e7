package registry

import (
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"
)

func TestOptions(t *testing.T) {
	if _, err := NewLocal(LocalOptions{MaxPerSubject: -1}); err == nil {
		t.Fatal("negative MaxPerSubject: no error")
	}
	r := open(t, LocalOptions{})
	if st := r.Stats(); st.MaxPerSubject != DefaultMaxPerSubject || st.LogBytes != 0 {
		t.Fatalf("defaults: %+v", st)
	}
}

func TestFloodStaysBounded(t *testing.T) {
	// 100,000 sign-ins of one subject, each a new session: the subject
	// never holds more than its maximum, and memory does not grow with
	// them.
	const n, limit = 100_000, 5
	r := open(t, LocalOptions{MaxPerSubject: limit})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	evicted := 0
	for i := range n {
		e := ent("mallory", i, i/1000, map[string]string{"device": "bot"})
		ev, err := r.Add(ctx, e, now)
		if err != nil {
			t.Fatal(err)
		}
		evicted += len(ev)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	st := r.Stats()
	if st.Entries != limit || st.Subjects != 1 || evicted != n-limit || st.Evicted != n-limit || st.Added != n {
		t.Fatalf("after %d Adds: %+v, %d evicted; want %d entries", n, st, evicted, limit)
	}
	if got := len(mustList(t, r, "mallory")); got != limit {
		t.Fatalf("List returns %d entries, want %d", got, limit)
	}
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 64<<10 {
		t.Fatalf("memory grew by %d bytes for %d entries", grew, limit)
	}
}

func TestSeenKeepsTheLatestTime(t *testing.T) {
	r := open(t, LocalOptions{})
	mustAdd(t, r, ent("alice", 1, 0, nil))
	for _, at := range []int{100, 50} { // out of order, as concurrent reissues may arrive
		if err := r.Seen(ctx, "alice", sid(1), sec(at), nil); err != nil {
			t.Fatal(err)
		}
	}
	if l := mustList(t, r, "alice"); l[0].LastSeen.Unix() != sec(100).Unix() {
		t.Fatalf("LastSeen %v, want the later time", l[0].LastSeen)
	}
}

func TestAddOfAnExpiredEntry(t *testing.T) {
	r := open(t, LocalOptions{MaxPerSubject: 1})
	a := ent("alice", 1, 0, nil)
	mustAdd(t, r, a)
	late := ent("alice", 2, 0, nil)
	late.Expires = now
	// Already expired: not registered, and it makes no room.
	if ev := mustAdd(t, r, late); len(ev) != 0 {
		t.Fatalf("an expired entry evicted %d", len(ev))
	}
	equalLists(t, "List", mustList(t, r, "alice"), []Entry{a})
	if st := r.Stats(); st.Added != 1 {
		t.Fatalf("Stats.Added %d, want 1", st.Added)
	}
	// Replacing a with an expired version removes it.
	gone := a
	gone.Expires = now
	mustAdd(t, r, gone)
	equalLists(t, "List after replacing with an expired entry", mustList(t, r, "alice"), nil)
}

func TestBadSubjects(t *testing.T) {
	r := open(t, LocalOptions{})
	long := string(make([]byte, MaxSubjectLen+1))
	for _, s := range []string{"", long} {
		for name, err := range map[string]error{
			"Seen":         r.Seen(ctx, s, sid(1), now, nil),
			"Remove":       r.Remove(ctx, s, sid(1)),
			"RemoveBefore": r.RemoveBefore(ctx, s, now),
		} {
			if !errors.Is(err, ErrBadEntry) {
				t.Fatalf("%s with a subject of %d bytes: %v, want ErrBadEntry", name, len(s), err)
			}
		}
		if _, err := r.List(ctx, s, now); !errors.Is(err, ErrBadEntry) {
			t.Fatalf("List with a subject of %d bytes: %v, want ErrBadEntry", len(s), err)
		}
	}
}

func TestBackgroundPrune(t *testing.T) {
	r := open(t, LocalOptions{PruneInterval: 20 * time.Millisecond})
	e := ent("alice", 1, -100, nil)
	e.Expires = time.Now().Add(time.Second)
	mustAdd(t, r, e)
	mustAdd(t, r, ent("alice", 2, 0, nil))
	eventually(t, "the expired entry pruned", func() bool { return r.Stats().Entries == 1 })
	if st := r.Stats(); st.Pruned != 1 || st.Subjects != 1 {
		t.Fatalf("Stats after pruning: %+v", st)
	}
	if n := r.Prune(now.Add(48 * time.Hour)); n != 1 {
		t.Fatalf("Prune returned %d, want 1", n)
	}
	if st := r.Stats(); st.Entries != 0 || st.Subjects != 0 {
		t.Fatalf("Stats after pruning everything: %+v", st)
	}
}

func TestMemoryPerEntry(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates about 20 MB")
	}
	labels := map[string]string{"device": "Firefox on Linux", "where": "Lyon, FR"}
	for _, c := range []struct {
		subjects, perSubject int
		labels               map[string]string
		maxBytes             float64 // per entry, with room for map growth
	}{
		{100_000, 1, nil, 200},
		{10_000, 16, nil, 80},
		{10_000, 16, labels, 140},
	} {
		name := fmt.Sprintf("%d subjects x %d, %d labels", c.subjects, c.perSubject, len(c.labels))
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			r, err := NewLocal(LocalOptions{PruneInterval: -1, Logger: quietLogger})
			if err != nil {
				t.Fatal(err)
			}
			for s := range c.subjects {
				subject := fmt.Sprintf("user-%d@example.com", s)
				for i := range c.perSubject {
					e := ent(subject, s*c.perSubject+i, i, c.labels)
					if _, err := r.Add(ctx, e, now); err != nil {
						t.Fatal(err)
					}
				}
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			n := c.subjects * c.perSubject
			per := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
			t.Logf("%s: %.0f bytes per entry", name, per)
			if per > c.maxBytes {
				t.Errorf("%.0f bytes per entry, want at most %.0f", per, c.maxBytes)
			}
			runtime.KeepAlive(r)
			r.Close()
		})
	}
}
