package revocation

import (
	"runtime"
	"testing"
	"time"
)

// maxBytesPerEntry is the memory budget of a session entry at 10^6 entries
// (DESIGN.md).
const maxBytesPerEntry = 64

// TestMemoryPerEntryAllocs measures the heap that 10^6 session entries take:
// the growth of the live heap (after a GC) over inserting 10^6 random IDs
// with RevokeSession, divided by 10^6.
func TestMemoryPerEntryAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("heap measurements are meaningless under the race detector")
	}
	if testing.Short() {
		t.Skip("inserts 10^6 entries")
	}
	const n = 1_000_000
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
	until := time.Now().Add(time.Hour)
	for range n {
		if err := l.RevokeSession(ctx, sess(ids.next()), until); err != nil {
			t.Fatal(err)
		}
	}
	after := heap()
	if got := l.Stats().Sessions; got != n {
		t.Fatalf("%d session entries, want %d", got, n)
	}
	perEntry := float64(after-before) / n
	t.Logf("memory: %.1f bytes/entry at %d session entries (%.1f MB; budget %d bytes/entry)", perEntry, n, float64(after-before)/1e6, maxBytesPerEntry)
	if perEntry > maxBytesPerEntry {
		t.Errorf("%.1f bytes per entry, budget %d", perEntry, maxBytesPerEntry)
	}
	runtime.KeepAlive(l)
	l.Close()
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
