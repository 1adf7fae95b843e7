package revocation

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMemoryPerEntryAllocs measures the heap that 10^6 session entries
// take: the growth of the live heap (after a GC) over inserting 10^6
// random IDs with RevokeSession, divided by 10^6. Each entry costs its
// slot in a shard's map and its place in its subject's list; a subject
// costs a map slot and a list of its own, so the cost per entry depends on
// how many entries each subject holds: one each (a subject per session:
// the worst case), and ten each.
func TestMemoryPerEntryAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("heap measurements are meaningless under the race detector")
	}
	if testing.Short() {
		t.Skip("inserts 10^6 entries twice")
	}
	const n = 1_000_000
	for _, c := range []struct {
		perSubject int
		budget     float64 // bytes per entry
	}{
		{1, 220},
		{10, 96},
	} {
		t.Run(fmt.Sprintf("%d per subject", c.perSubject), func(t *testing.T) {
			heap := func() uint64 {
				runtime.GC()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				return m.HeapAlloc
			}
			before := heap()
			l, err := NewLocal(LocalOptions{MaxEntries: n, PruneInterval: -1, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			ids := newIDs(42)
			created := time.Now().Add(-time.Hour)
			until := time.Now().Add(time.Hour)
			for i := range n {
				s := Session{ID: ids.next(), Subject: "user-" + strconv.Itoa(i/c.perSubject), Created: created}
				if err := l.RevokeSession(ctx, s, until); err != nil {
					t.Fatal(err)
				}
			}
			after := heap()
			if st := l.Stats(); st.Sessions != n || st.Collapses != 0 {
				t.Fatalf("Stats = %+v, want %d session entries", st, n)
			}
			perEntry := float64(after-before) / n
			t.Logf("memory: %.1f bytes/entry at %d session entries, %d per subject (%.1f MB; budget %.0f bytes/entry)",
				perEntry, n, c.perSubject, float64(after-before)/1e6, c.budget)
			if perEntry > c.budget {
				t.Errorf("%.1f bytes per entry, budget %.0f", perEntry, c.budget)
			}
			runtime.KeepAlive(l)
			l.Close()
		})
	}
}

// TestCheckAllocs checks that Check allocates nothing, on every path: miss,
// session hit, token entry, subject entry.
func TestCheckAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	l := newMem(t, LocalOptions{})
	now := time.Now()
	later := now.Add(time.Hour)
	must(t, l.RevokeSession(ctx, sess(testID(1)), later))
	must(t, l.RevokeIssuedBefore(ctx, sess(testID(2)), now, now, later))
	must(t, l.RevokeSubject(ctx, "ada", now, later))
	long := strings.Repeat("a-subject-longer-than-32-bytes/", 3) // hashed without a copy
	must(t, l.RevokeSubject(ctx, long, now, later))
	subject := string([]byte("ada")) // not the same pointer as the map key
	for _, c := range []struct {
		name string
		q    Query
		want Verdict
	}{
		{"miss", Query{ID: testID(9), Subject: "grace"}, NotRevoked},
		{"session", Query{ID: testID(1)}, SessionRevoked},
		{"token", Query{ID: testID(2), Issued: now.Add(-time.Minute)}, TokenRevoked},
		{"subject", Query{ID: testID(3), Subject: subject, Created: now.Add(-time.Minute)}, SubjectRevoked},
		{"long subject", Query{ID: testID(3), Subject: string([]byte(long)), Created: now.Add(-time.Minute)}, SubjectRevoked},
		{"long subject, miss", Query{ID: testID(3), Subject: long + "?", Created: now.Add(-time.Minute)}, NotRevoked},
	} {
		var v Verdict
		allocs := testing.AllocsPerRun(1000, func() {
			v, _ = l.Check(ctx, c.q, now)
		})
		if v != c.want || allocs != 0 {
			t.Errorf("Check %s: %v with %.1f allocations, want %v with 0", c.name, v, allocs, c.want)
		}
	}
}
