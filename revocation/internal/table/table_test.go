package table

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// tok is the Token of these tests: the tokens of a session issued before
// before are revoked until until.
type tok struct{ before, until uint32 }

func (e tok) Until() uint32                   { return e.until }
func (e tok) Revoked(issued, now uint32) bool { return now <= e.until && issued < e.before }

// setTok is a PutToken merge that folds e into the current state (the later
// before and until) and reports whether that changed it.
func setTok(e tok) func(tok, bool) (tok, bool) {
	return func(old tok, ok bool) (tok, bool) {
		next := tok{before: max(old.before, e.before), until: max(old.until, e.until)}
		return next, !ok || next != old
	}
}

// now is the time of the calls below unless a test says otherwise, in
// seconds; the entries' created-at are a little before it and their until
// after it.
const now = 1000

func newTable(maxEntries, perSubject int) *Table[tok] {
	return New[tok](Options{MaxEntries: maxEntries, MaxPerSubject: perSubject})
}

// sid returns a session ID made from n: its low bytes first, so that
// consecutive n fall in different shards.
func sid(n int) ID {
	var id ID
	for i := range id {
		id[i] = byte(i*37) ^ 0x5a
	}
	id[0], id[1], id[2] = byte(n), byte(n>>8), byte(n>>16)
	return id
}

// recorder collects the changes a table emits.
type recorder struct {
	mu      sync.Mutex
	changes []Change[tok]
}

func (r *recorder) emit(c *Change[tok]) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.changes = append(r.changes, *c)
}

// take returns the changes emitted since the last take.
func (r *recorder) take() []Change[tok] {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.changes
	r.changes = nil
	return c
}

// wantCheck fails the test unless Check returns want.
func wantCheck(t *testing.T, tb *Table[tok], id ID, subject string, created, issued, at uint32, want Verdict) {
	t.Helper()
	if got := tb.Check(id, subject, created, issued, at); got != want {
		t.Errorf("Check(%x…, %q, created %d, issued %d) at %d = %d, want %d", id[:3], subject, created, issued, at, got, want)
	}
}

// wantStats fails the test unless the table holds these counts.
func wantStats(t *testing.T, tb *Table[tok], sessions, tokens, subjects int) {
	t.Helper()
	st := tb.Stats()
	if st.Sessions != sessions || st.Tokens != tokens || st.Subjects != subjects || st.Entries != sessions+tokens+subjects {
		t.Errorf("Stats = %+v, want %d sessions, %d tokens, %d subjects", st, sessions, tokens, subjects)
	}
}

// wantSubject fails the test unless key's subject entry is want.
func wantSubject(t *testing.T, tb *Table[tok], key Key, want Subject) {
	t.Helper()
	if got, ok := tb.SubjectEntry(key); !ok || got != want {
		t.Errorf("subject entry = %+v (present %v), want %+v", got, ok, want)
	}
}

var ada, grace = KeyOf("ada"), KeyOf("grace")

// TestPerSubjectBoundCollapses: the entry that would exceed the bound first
// collapses the subject's entries into one subject entry revoking every
// session created up to the newest of them (Before = newest + 1), for as
// long as the longest of them (Until); the new entry, created before that,
// is then covered and not stored.
func TestPerSubjectBoundCollapses(t *testing.T) {
	tb := newTable(1000, 4)
	var rec recorder
	entries := []struct{ created, until uint32 }{{100, 5000}, {130, 6000}, {110, 5500}, {120, 5200}}
	for i, e := range entries {
		tb.PutSession(sid(i), ada, e.created, e.until, now, Enforce, rec.emit)
	}
	if n := tb.Owned(ada); n != 4 {
		t.Fatalf("Owned = %d, want 4", n)
	}
	wantStats(t, tb, 4, 0, 0)
	if got := len(rec.take()); got != 4 {
		t.Errorf("%d changes emitted for 4 new entries", got)
	}

	tb.PutSession(sid(4), ada, 125, 5800, now, Enforce, rec.emit) // created before the newest
	wantSubject(t, tb, ada, Subject{Before: 131, Until: 6000})
	wantStats(t, tb, 0, 0, 1)
	if n := tb.Owned(ada); n != 0 {
		t.Errorf("Owned after the collapse = %d, want 0", n)
	}
	if st := tb.Stats(); st.Collapses != 1 || st.CapacityCollapses != 0 {
		t.Errorf("Stats = %+v, want 1 collapse, none for capacity", st)
	}
	if got := rec.take(); len(got) != 1 || got[0] != (Change[tok]{Kind: KindSubject, Key: ada, Subject: Subject{131, 6000}}) {
		t.Errorf("changes = %+v, want the subject entry only", got)
	}
	entries = append(entries, struct{ created, until uint32 }{125, 5800})
	for i, e := range entries {
		wantCheck(t, tb, sid(i), "ada", e.created, 0, now, SubjectRevoked)
		wantCheck(t, tb, sid(i), "ada", e.created, 0, e.until, SubjectRevoked)
	}
	wantCheck(t, tb, sid(1), "ada", 130, 0, 6001, NotRevoked) // after the latest until
	wantCheck(t, tb, sid(1), "grace", 130, 0, now, NotRevoked)

	// A covered entry that lasts longer extends the subject entry's until.
	tb.PutSession(sid(5), ada, 90, 7000, now, Enforce, rec.emit)
	wantSubject(t, tb, ada, Subject{Before: 131, Until: 7000})
	wantStats(t, tb, 0, 0, 1)
	if got := rec.take(); len(got) != 1 || got[0].Subject != (Subject{131, 7000}) {
		t.Errorf("changes = %+v, want the extended subject entry", got)
	}
}

// TestCollapseKeepsNewerEntry: an entry created after the newest collapsed
// one is kept, and so is a login's new session: its created-at is after
// Before. A session created in the same second as the newest collapsed one
// is revoked with them: the set compares times at one-second resolution, so
// a collapse also ends the subject's sessions created in that second.
func TestCollapseKeepsNewerEntry(t *testing.T) {
	tb := newTable(1000, 3)
	for i := range 3 {
		tb.PutSession(sid(i), ada, uint32(100+10*i), 5000, now, Enforce, nil) // 100, 110, 120
	}
	tb.PutSession(sid(3), ada, 121, 5000, now, Enforce, nil)
	wantSubject(t, tb, ada, Subject{Before: 121, Until: 5000})
	if n := tb.Owned(ada); n != 1 {
		t.Errorf("Owned = %d, want 1 (the newer entry)", n)
	}
	wantStats(t, tb, 1, 0, 1)
	wantCheck(t, tb, sid(3), "ada", 121, 0, now, SessionRevoked)
	wantCheck(t, tb, sid(10), "ada", 121, 0, now, NotRevoked)     // a login after the newest collapsed session
	wantCheck(t, tb, sid(11), "ada", 120, 0, now, SubjectRevoked) // the same second as the newest: one-second resolution
	wantCheck(t, tb, sid(12), "ada", 105, 0, now, SubjectRevoked) // an older session, never revoked itself
}

// TestExpiredEntriesDoNotCount: entries past their until (not yet pruned)
// do not count toward the subject's bound — they are dropped first, as
// Redis does — so a subject with only some live entries is not collapsed
// and no innocent older session of it is revoked.
func TestExpiredEntriesDoNotCount(t *testing.T) {
	tb := newTable(1000, 3)
	tb.PutSession(sid(0), ada, 100, 5000, now, Enforce, nil)
	tb.PutSession(sid(1), ada, 300, 1500, now, Enforce, nil) // expired at 2000
	tb.PutToken(sid(2), ada, 110, 1600, now, Enforce, setTok(tok{900, 1600}), nil)
	tb.PutSession(sid(3), ada, 120, 5000, 2000, Enforce, nil)
	if _, ok := tb.SubjectEntry(ada); ok {
		t.Error("a subject with two live entries under a bound of 3 was collapsed")
	}
	if n := tb.Owned(ada); n != 2 {
		t.Errorf("Owned = %d, want 2 (the expired ones dropped)", n)
	}
	wantStats(t, tb, 2, 0, 0)
	wantCheck(t, tb, sid(3), "ada", 120, 0, 2000, SessionRevoked)
	wantCheck(t, tb, sid(9), "ada", 105, 0, 2000, NotRevoked) // an innocent older session
}

// TestExpiredSubjectEntryIsAbsent: a subject entry past its until (not yet
// pruned) neither covers a new revocation nor lends its before to a new
// subject entry.
func TestExpiredSubjectEntryIsAbsent(t *testing.T) {
	tb := newTable(1000, 3)
	tb.PutSubject(ada, Subject{Before: 500, Until: 1500}, now, Enforce, nil)
	tb.PutSession(sid(0), ada, 100, 5000, 2000, Enforce, nil) // created before 500, but the entry expired
	wantCheck(t, tb, sid(0), "ada", 100, 0, 2000, SessionRevoked)
	tb.PutSubject(ada, Subject{Before: 200, Until: 5000}, 2000, Enforce, nil)
	wantSubject(t, tb, ada, Subject{Before: 200, Until: 5000})
	wantCheck(t, tb, sid(9), "ada", 300, 0, 2000, NotRevoked)
}

// TestCollapseOfExpiredEntriesLeavesNoOrphan: a collapse that finds only
// expired entries must not leave them in the table without their subject's
// list: a later revocation of one of them would be an entry Each does not
// report, which a compaction of the durable log would lose.
func TestCollapseOfExpiredEntriesLeavesNoOrphan(t *testing.T) {
	tb := newTable(1000, 2)
	tb.PutSession(sid(0), ada, 100, 1500, now, Enforce, nil)
	tb.PutSession(sid(1), ada, 101, 1500, now, Enforce, nil)
	const later = 2000 // both expired, not pruned
	tb.PutSession(sid(2), ada, 102, 5000, later, Enforce, nil)
	if _, ok := tb.SubjectEntry(ada); ok {
		t.Error("a collapse of expired entries made a subject entry")
	}
	tb.PutSession(sid(0), ada, 100, 6000, later, Enforce, nil) // revoked again, for longer
	wantCheck(t, tb, sid(0), "ada", 100, 0, later, SessionRevoked)
	seen := map[ID]bool{}
	tb.Each(func(c *Change[tok]) { seen[c.ID] = true })
	for _, n := range []int{0, 2} {
		if !seen[sid(n)] {
			t.Errorf("Each does not report the live entry %d: a snapshot would lose it", n)
		}
	}
	if got := tb.Owned(ada); got != 2 {
		t.Errorf("Owned = %d, want 2", got)
	}
}

// TestCoveredSessionNeedsNoEntry: a session a subject entry already revokes
// gets no entry of its own; if it is revoked for longer, the subject entry's
// until is extended instead. created == Before is not covered.
func TestCoveredSessionNeedsNoEntry(t *testing.T) {
	tb := newTable(1000, 32)
	var rec recorder
	tb.PutSubject(ada, Subject{Before: 200, Until: 5000}, now, Enforce, rec.emit)
	rec.take()

	tb.PutSession(sid(0), ada, 150, 4000, now, Enforce, rec.emit)
	wantStats(t, tb, 0, 0, 1)
	if got := rec.take(); len(got) != 0 {
		t.Errorf("a covered session emitted %+v", got)
	}
	wantCheck(t, tb, sid(0), "ada", 150, 0, 4000, SubjectRevoked)

	tb.PutSession(sid(1), ada, 150, 6000, now, Enforce, rec.emit)
	wantSubject(t, tb, ada, Subject{Before: 200, Until: 6000})
	if got := rec.take(); len(got) != 1 || got[0] != (Change[tok]{Kind: KindSubject, Key: ada, Subject: Subject{200, 6000}}) {
		t.Errorf("changes = %+v, want the extended subject entry", got)
	}
	tb.PutToken(sid(2), ada, 199, 7000, now, Enforce, setTok(tok{900, 7000}), rec.emit)
	wantSubject(t, tb, ada, Subject{Before: 200, Until: 7000})
	wantStats(t, tb, 0, 0, 1)
	wantCheck(t, tb, sid(2), "ada", 199, 950, 7000, SubjectRevoked) // even a token issued after before: the whole session

	tb.PutSession(sid(3), ada, 200, 4000, now, Enforce, rec.emit)
	wantStats(t, tb, 1, 0, 1)
	if n := tb.Owned(ada); n != 1 {
		t.Errorf("Owned = %d, want 1", n)
	}
	// Another subject's entry does not cover.
	tb.PutSession(sid(4), grace, 150, 4000, now, Enforce, nil)
	wantStats(t, tb, 2, 0, 1)
}

// TestPutSubjectDropsCovered: a subject entry drops the subject's entries
// it covers — created before Before and lasting no longer than Until — and
// keeps the others.
func TestPutSubjectDropsCovered(t *testing.T) {
	tb := newTable(1000, 32)
	tb.PutSession(sid(0), ada, 100, 3000, now, Enforce, nil)                       // covered
	tb.PutSession(sid(1), ada, 100, 6000, now, Enforce, nil)                       // outlives the subject entry
	tb.PutSession(sid(2), ada, 250, 3000, now, Enforce, nil)                       // created at Before
	tb.PutToken(sid(3), ada, 100, 3000, now, Enforce, setTok(tok{900, 3000}), nil) // covered
	tb.PutToken(sid(4), ada, 100, 5000, now, Enforce, setTok(tok{900, 5000}), nil) // until == Until: covered
	tb.PutSession(sid(5), grace, 100, 3000, now, Enforce, nil)                     // another subject
	var rec recorder
	tb.PutSubject(ada, Subject{Before: 250, Until: 5000}, now, Enforce, rec.emit)
	wantStats(t, tb, 3, 0, 1)
	if a, g := tb.Owned(ada), tb.Owned(grace); a != 2 || g != 1 {
		t.Errorf("Owned = %d, %d; want 2, 1", a, g)
	}
	if got := rec.take(); len(got) != 1 || got[0].Kind != KindSubject {
		t.Errorf("changes = %+v, want the subject entry only (dropping is not a state change)", got)
	}
	wantCheck(t, tb, sid(0), "ada", 100, 0, now, SubjectRevoked)
	wantCheck(t, tb, sid(1), "ada", 100, 0, 5500, SessionRevoked)
	wantCheck(t, tb, sid(2), "ada", 250, 0, now, SessionRevoked)
	wantCheck(t, tb, sid(3), "ada", 100, 0, now, SubjectRevoked)
	wantCheck(t, tb, sid(4), "ada", 100, 0, now, SubjectRevoked)
	wantCheck(t, tb, sid(5), "grace", 100, 0, now, SessionRevoked)

	// A second call with an earlier before and until changes nothing.
	tb.PutSubject(ada, Subject{Before: 10, Until: 2000}, now, Enforce, rec.emit)
	wantSubject(t, tb, ada, Subject{Before: 250, Until: 5000})
	if got := rec.take(); len(got) != 0 {
		t.Errorf("an unchanged subject entry emitted %+v", got)
	}
}

// TestSessionEntryMakesTokenRedundant: an issued-before entry is dropped
// once a session entry revokes every token of the session as long, and not
// made while one does.
func TestSessionEntryMakesTokenRedundant(t *testing.T) {
	tb := newTable(1000, 32)
	var rec recorder
	tb.PutToken(sid(0), ada, 100, 3000, now, Enforce, setTok(tok{900, 3000}), rec.emit)
	wantStats(t, tb, 0, 1, 0)
	tb.PutSession(sid(0), ada, 100, 2000, now, Enforce, rec.emit) // shorter: the token entry stays
	wantStats(t, tb, 1, 1, 0)
	tb.PutSession(sid(0), ada, 100, 3000, now, Enforce, rec.emit)
	wantStats(t, tb, 1, 0, 0)
	if n := tb.Owned(ada); n != 1 {
		t.Errorf("Owned = %d, want 1 (one session, whatever its entries)", n)
	}
	rec.take()
	tb.PutToken(sid(0), ada, 100, 3000, now, Enforce, setTok(tok{950, 3000}), rec.emit)
	wantStats(t, tb, 1, 0, 0)
	if got := rec.take(); len(got) != 0 {
		t.Errorf("a token entry the session entry makes redundant emitted %+v", got)
	}
	wantCheck(t, tb, sid(0), "ada", 100, 990, now, SessionRevoked)
	wantCheck(t, tb, sid(0), "ada", 100, 990, 3001, NotRevoked)
}

// TestCapacityCollapse: past MaxEntries, the subjects with the most entries
// are collapsed first, down to nine tenths of the capacity, and every
// revocation stays in force.
func TestCapacityCollapse(t *testing.T) {
	type put struct {
		id      ID
		subject string
		created uint32
	}
	fill := func(tb *Table[tok], sizes map[string]int) []put {
		var puts []put
		n := 0
		for subject, size := range sizes {
			for i := range size {
				p := put{sid(n), subject, uint32(100 + i)}
				tb.PutSession(p.id, KeyOf(p.subject), p.created, 5000, now, Enforce, nil)
				puts = append(puts, p)
				n++
			}
		}
		return puts
	}
	for _, c := range []struct {
		name      string
		sizes     map[string]int
		collapsed []string // subjects that must be collapsed
		collapses int
		left      int
	}{
		// 101 entries: collapsing "big" (30 entries into 1) is enough.
		{"most first", map[string]int{"big": 30, "mid": 20, "small": 10}, []string{"big"}, 1, 72},
		// 101 entries over ten subjects of 10 and one of 1: two collapses
		// reach 90.
		{"down to nine tenths", map[string]int{"a": 10, "b": 10, "c": 10, "d": 10, "e": 10, "f": 10, "g": 10, "h": 10, "i": 10, "j": 10}, nil, 2, 83},
	} {
		t.Run(c.name, func(t *testing.T) {
			type report struct{ subjects, entries int }
			var reports []report
			tb := New[tok](Options{MaxEntries: 100, MaxPerSubject: 32, OnCapacity: func(s, e int) { reports = append(reports, report{s, e}) }})
			puts := fill(tb, c.sizes)
			for i := tb.Entries(); i < 100; i++ {
				p := put{sid(1000 + i), fmt.Sprintf("single-%d", i), 100}
				tb.PutSession(p.id, KeyOf(p.subject), p.created, 5000, now, Enforce, nil)
				puts = append(puts, p)
			}
			if len(reports) != 0 || tb.Entries() != 100 {
				t.Fatalf("at capacity: %d entries, reports %v", tb.Entries(), reports)
			}
			p := put{sid(5000), "one-more", 100}
			tb.PutSession(p.id, KeyOf(p.subject), p.created, 5000, now, Enforce, nil)
			puts = append(puts, p)

			st := tb.Stats()
			wantCollapses := c.collapses
			if st.Entries != c.left || st.CapacityCollapses != uint64(wantCollapses) || st.Collapses != uint64(wantCollapses) {
				t.Errorf("Stats = %+v, want %d entries after %d collapses", st, c.left, wantCollapses)
			}
			if len(reports) != 1 || reports[0] != (report{wantCollapses, c.left}) {
				t.Errorf("OnCapacity reports %v, want one of %d subjects, %d entries", reports, wantCollapses, c.left)
			}
			for _, s := range c.collapsed {
				if _, ok := tb.SubjectEntry(KeyOf(s)); !ok || tb.Owned(KeyOf(s)) != 0 {
					t.Errorf("%s was not collapsed", s)
				}
			}
			if tb.Owned(KeyOf("mid")) != c.sizes["mid"] {
				t.Errorf("mid: %d entries, want %d (a smaller subject collapsed first?)", tb.Owned(KeyOf("mid")), c.sizes["mid"])
			}
			for _, p := range puts {
				if v := tb.Check(p.id, p.subject, p.created, 0, now); v == NotRevoked {
					t.Errorf("%s's session created at %d is no longer revoked", p.subject, p.created)
				}
			}
		})
	}
}

// TestCapacityNeverRefuses: when no subject holds more than one entry
// nothing can be collapsed: every entry is still accepted, and the table
// does not rescan its subjects on every insertion past the capacity (only
// every hundredth of the capacity).
func TestCapacityNeverRefuses(t *testing.T) {
	var reports []int
	tb := New[tok](Options{MaxEntries: 1000, MaxPerSubject: 32, OnCapacity: func(s, e int) {
		if s != 0 {
			t.Errorf("OnCapacity: %d subjects collapsed, but each holds one entry", s)
		}
		reports = append(reports, e)
	}})
	const n = 1100
	for i := range n {
		tb.PutSession(sid(i), KeyOf(fmt.Sprint("s", i)), 100, 5000, now, Enforce, nil)
	}
	if st := tb.Stats(); st.Sessions != n || st.Collapses != 0 {
		t.Errorf("Stats = %+v, want all %d entries and no collapse", st, n)
	}
	for i := range n {
		wantCheck(t, tb, sid(i), fmt.Sprint("s", i), 100, 0, now, SessionRevoked)
	}
	t.Logf("%d capacity scans for %d insertions past the capacity: %v", len(reports), n-1000, reports)
	if len(reports) == 0 || len(reports) > 11 {
		t.Errorf("%d capacity scans for %d insertions past capacity, want 1 to 11 (one per 1%% of growth)", len(reports), n-1000)
	}
	// Once pruning brings the table under capacity, the next excess scans
	// at once again.
	tb.Prune(5001)
	reports = nil
	for i := range 1001 {
		tb.PutSession(sid(i), KeyOf(fmt.Sprint("t", i)), 100, 9000, 5001, Enforce, nil)
	}
	if len(reports) != 1 {
		t.Errorf("after pruning, %d scans at the first excess, want 1", len(reports))
	}
}

// TestPrune: Prune removes the entries past their until, of all kinds, and
// their place in their subject's list, so the subject has room again.
func TestPrune(t *testing.T) {
	tb := newTable(1000, 4)
	tb.PutSession(sid(0), ada, 100, 1500, now, Enforce, nil)
	tb.PutSession(sid(1), ada, 101, 3000, now, Enforce, nil)
	tb.PutToken(sid(2), ada, 102, 1500, now, Enforce, setTok(tok{900, 1500}), nil)
	tb.PutSession(sid(3), ada, 103, 1500, now, Enforce, nil)
	tb.PutSubject(grace, Subject{Before: 100, Until: 1500}, now, Enforce, nil)
	tb.PutSubject(KeyOf("alan"), Subject{Before: 100, Until: 3000}, now, Enforce, nil)
	if got := tb.Prune(1500); got != 0 {
		t.Errorf("Prune at the untils removed %d: until == now is still live", got)
	}
	if got := tb.Prune(1501); got != 4 {
		t.Errorf("Prune removed %d, want 4", got)
	}
	wantStats(t, tb, 1, 0, 1)
	if n := tb.Owned(ada); n != 1 {
		t.Errorf("Owned after pruning = %d, want 1", n)
	}
	if st := tb.Stats(); st.Pruned != 4 {
		t.Errorf("Pruned = %d, want 4", st.Pruned)
	}
	wantCheck(t, tb, sid(0), "ada", 100, 0, 1501, NotRevoked)
	wantCheck(t, tb, sid(1), "ada", 101, 0, 1501, SessionRevoked)
	// Room again: three more entries collapse nothing.
	for i := 10; i < 13; i++ {
		tb.PutSession(sid(i), ada, 200, 4000, 1501, Enforce, nil)
	}
	if st := tb.Stats(); st.Collapses != 0 || tb.Owned(ada) != 4 {
		t.Errorf("after pruning: %+v, %d owned; want no collapse, 4 owned", st, tb.Owned(ada))
	}
	if got := tb.Prune(9000); got != 5 || tb.Entries() != 0 || tb.Owned(ada) != 0 {
		t.Errorf("Prune of everything removed %d, left %d entries and %d owned", got, tb.Entries(), tb.Owned(ada))
	}
}

// TestPruneShrinksMaps: Go maps never give memory back, so pruning a map
// down to a quarter of its peak rebuilds it.
func TestPruneShrinksMaps(t *testing.T) {
	tb := newTable(1<<20, 32)
	const n = numShards * shrinkMin * 2
	for i := range n {
		tb.PutSession(sid(i), KeyOf(fmt.Sprint("s", i)), 100, 2000, now, Enforce, nil)
		tb.PutToken(sid(n+i), KeyOf(fmt.Sprint("s", i)), 100, 2000, now, Enforce, setTok(tok{900, 2000}), nil)
	}
	keep := sid(3 * n)
	tb.PutSession(keep, ada, 100, 9000, now, Enforce, nil)
	if got := tb.Prune(2001); got != 2*n {
		t.Fatalf("Prune removed %d, want %d", got, 2*n)
	}
	for i := range tb.shards {
		if p, q := tb.shards[i].peakSessions, tb.shards[i].peakTokens; p > 1 || q > 0 {
			t.Errorf("shard %d: peaks %d, %d after pruning to at most 1 entry; maps not rebuilt", i, p, q)
		}
	}
	wantCheck(t, tb, keep, "ada", 100, 0, 2001, SessionRevoked)
}

// TestNoKeyNeverCollapsed: entries of an unknown subject (read from an old
// log) are never collapsed, neither past the per-subject bound nor past the
// capacity: they are accepted and kept.
func TestNoKeyNeverCollapsed(t *testing.T) {
	tb := newTable(10, 2)
	var rec recorder
	for i := range 50 {
		tb.PutSession(sid(i), NoKey, 100, 5000, now, Load, nil)
	}
	tb.PutSession(sid(50), NoKey, 100, 5000, now, Enforce, rec.emit)
	tb.PutToken(sid(51), NoKey, 100, 5000, now, Enforce, setTok(tok{900, 5000}), rec.emit)
	wantStats(t, tb, 51, 1, 0)
	if st := tb.Stats(); st.Collapses != 0 || st.CapacityCollapses != 0 {
		t.Errorf("Stats = %+v, want no collapse", st)
	}
	for _, c := range rec.take() {
		if c.Kind == KindSubject {
			t.Errorf("a subject entry was emitted: %+v", c)
		}
	}
	for i := range 51 {
		wantCheck(t, tb, sid(i), "", 100, 0, now, SessionRevoked)
	}
	wantCheck(t, tb, sid(51), "", 100, 0, now, TokenRevoked)
}

// TestLoadBeyondTheBound: Load applies states as they are, beyond the
// bound (another process wrote them under its own); the next revocation of
// the subject made here collapses its entries and emits the result.
func TestLoadBeyondTheBound(t *testing.T) {
	tb := newTable(1000, 4)
	for i := range 10 {
		tb.PutSession(sid(i), ada, uint32(100+i), uint32(4000+i), now, Load, nil)
	}
	for i := range 4 {
		tb.PutSession(sid(20+i), grace, 100, 4000, now, Load, nil) // at the bound, not over
	}
	if n := tb.Owned(ada); n != 10 {
		t.Fatalf("Owned after Load = %d, want 10", n)
	}
	if _, ok := tb.SubjectEntry(ada); ok {
		t.Fatal("Load collapsed a subject")
	}
	var rec recorder
	tb.PutSession(sid(30), ada, 120, 4000, now, Enforce, rec.emit)
	wantSubject(t, tb, ada, Subject{Before: 110, Until: 4009})
	if a, g := tb.Owned(ada), tb.Owned(grace); a != 1 || g != 4 {
		t.Errorf("Owned after a revocation of ada = %d, %d; want 1 (the new entry), 4", a, g)
	}
	if got := rec.take(); len(got) != 2 || got[0] != (Change[tok]{Kind: KindSubject, Key: ada, Subject: Subject{110, 4009}}) {
		t.Errorf("the revocation emitted %+v", got)
	}
	for i := range 10 {
		wantCheck(t, tb, sid(i), "ada", uint32(100+i), 0, 4009, SubjectRevoked)
	}
}

// TestEach: Each reports every entry exactly once with its full state.
func TestEach(t *testing.T) {
	tb := newTable(1000, 3)
	want := map[Change[tok]]bool{}
	add := func(c Change[tok]) { want[c] = true }
	tb.PutSession(sid(0), ada, 100, 3000, now, Enforce, nil)
	add(Change[tok]{Kind: KindSession, ID: sid(0), Key: ada, Created: 100, Until: 3000})
	tb.PutToken(sid(0), ada, 100, 4000, now, Enforce, setTok(tok{900, 4000}), nil) // outlives the session entry
	add(Change[tok]{Kind: KindToken, ID: sid(0), Key: ada, Created: 100, Token: tok{900, 4000}})
	tb.PutToken(sid(1), ada, 101, 3500, now, Enforce, setTok(tok{950, 3500}), nil)
	add(Change[tok]{Kind: KindToken, ID: sid(1), Key: ada, Created: 101, Token: tok{950, 3500}})
	tb.PutSession(sid(2), NoKey, 0, 3000, now, Load, nil)
	add(Change[tok]{Kind: KindSession, ID: sid(2), Key: NoKey, Until: 3000})
	tb.PutSubject(KeyOf("alan"), Subject{Before: 50, Until: 3000}, now, Enforce, nil)
	add(Change[tok]{Kind: KindSubject, Key: KeyOf("alan"), Subject: Subject{50, 3000}})
	for i := range 4 { // a collapse: one subject entry
		tb.PutSession(sid(10+i), grace, uint32(200+i), 3000, now, Enforce, nil)
	}
	// The fourth, created after the three it collapsed, keeps its entry.
	add(Change[tok]{Kind: KindSubject, Key: grace, Subject: Subject{203, 3000}})
	add(Change[tok]{Kind: KindSession, ID: sid(13), Key: grace, Created: 203, Until: 3000})

	got := map[Change[tok]]bool{}
	tb.Each(func(c *Change[tok]) {
		if got[*c] {
			t.Errorf("Each reported %+v twice", *c)
		}
		got[*c] = true
	})
	for c := range want {
		if !got[c] {
			t.Errorf("Each did not report %+v", c)
		}
	}
	for c := range got {
		if !want[c] {
			t.Errorf("Each reported %+v, which is not an entry", c)
		}
	}
}

// TestCheckAllocs: Check allocates nothing on any path, whatever the
// subject's length (the subject is hashed on every Check once the table
// holds a subject entry).
func TestCheckAllocs(t *testing.T) {
	tb := newTable(1000, 32)
	long := strings.Repeat("a-subject-longer-than-a-hash-", 4)
	tb.PutSession(sid(1), ada, 100, 5000, now, Enforce, nil)
	tb.PutToken(sid(2), ada, 100, 5000, now, Enforce, setTok(tok{900, 5000}), nil)
	tb.PutSubject(ada, Subject{Before: 50, Until: 5000}, now, Enforce, nil)
	tb.PutSubject(KeyOf(long), Subject{Before: 50, Until: 5000}, now, Enforce, nil)
	for _, c := range []struct {
		name    string
		id      ID
		subject string
		created uint32
		want    Verdict
	}{
		{"miss", sid(9), "grace", 10, NotRevoked},
		{"miss, long subject", sid(9), long + "x", 10, NotRevoked},
		{"session", sid(1), "ada", 100, SessionRevoked},
		{"token", sid(2), "ada", 100, TokenRevoked},
		{"subject", sid(3), string([]byte("ada")), 10, SubjectRevoked},
		{"subject, long", sid(3), string([]byte(long)), 10, SubjectRevoked},
		{"subject, created after", sid(3), long, 60, NotRevoked},
	} {
		var v Verdict
		allocs := testing.AllocsPerRun(100, func() { v = tb.Check(c.id, c.subject, c.created, 500, now) })
		if v != c.want || allocs != 0 {
			t.Errorf("Check %s: %d with %.1f allocations, want %d with 0", c.name, v, allocs, c.want)
		}
	}
}

// TestConcurrentBound revokes from many goroutines for a few subjects,
// with collapses, subject entries, pruning, Each and Enforce running
// meanwhile (run it with -race). Invariants: no subject ever owns more than
// the bound, every revocation made stays revoked, and every entry is
// reported by Each once (none is lost from its subject's list).
func TestConcurrentBound(t *testing.T) {
	const perSubject = 8
	tb := newTable(1<<20, perSubject)
	subjects := []string{"ada", "grace", "alan", "barbara"}
	const writers = 16
	each := 2000
	if testing.Short() {
		each = 300
	}
	type ack struct {
		id      ID
		subject string
		created uint32
	}
	acks := make([][]ack, writers)
	var over atomic.Int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range each {
				var id ID
				for j := range id {
					id[j] = byte(r.Uint32())
				}
				subject := subjects[r.IntN(len(subjects))]
				key := KeyOf(subject)
				created := uint32(100 + i/4 + r.IntN(20))
				until := uint32(now + 1000 + r.IntN(1000))
				switch r.IntN(8) {
				case 0: // short-lived, food for the pruner: not checked
					tb.PutSession(id, key, created, now+1, now, Enforce, nil)
					continue
				case 1, 2:
					tb.PutToken(id, key, created, until, now, Enforce, setTok(tok{created + 5, until}), nil)
				default:
					tb.PutSession(id, key, created, until, now, Enforce, nil)
				}
				acks[w] = append(acks[w], ack{id, subject, created})
				if n := tb.Owned(key); n > perSubject {
					over.Store(int64(n))
				}
			}
		})
	}
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Go(func() { // subject entries, as RevokeSubject makes them
		r := rand.New(rand.NewPCG(99, 7))
		for i := 0; i < 1000; i++ {
			select {
			case <-stop:
				return
			default:
			}
			tb.PutSubject(KeyOf(subjects[r.IntN(len(subjects))]), Subject{Before: uint32(100 + r.IntN(50)), Until: now + 1500}, now, Enforce, nil)
		}
	})
	bg.Go(func() {
		for i := 0; i < 1000; i++ {
			select {
			case <-stop:
				return
			default:
			}
			tb.Prune(now + 5)
			tb.Each(func(*Change[tok]) {})
			for _, s := range subjects {
				if n := tb.Owned(KeyOf(s)); n > perSubject {
					over.Store(int64(n))
				}
			}
		}
	})
	wg.Wait()
	close(stop)
	bg.Wait()

	if n := over.Load(); n != 0 {
		t.Errorf("a subject owned %d entries, bound %d", n, perSubject)
	}
	lost := 0
	for _, list := range acks {
		for _, a := range list {
			if tb.Check(a.id, a.subject, a.created, 0, now) == NotRevoked {
				lost++
			}
		}
	}
	if lost != 0 {
		t.Errorf("%d revocations no longer revoked", lost)
	}
	tb.Prune(now + 5)
	st := tb.Stats()
	reported := 0
	tb.Each(func(c *Change[tok]) {
		if c.Kind != KindSubject {
			reported++
		}
	})
	if reported != st.Sessions+st.Tokens || st.Entries != st.Sessions+st.Tokens+st.Subjects {
		t.Errorf("Each reports %d session and issued-before entries; Stats %+v", reported, st)
	}
	t.Logf("%d writers × %d revocations for %d subjects: %+v", writers, each, len(subjects), st)
}
