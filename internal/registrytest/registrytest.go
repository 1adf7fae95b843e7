// Package registrytest checks that an implementation of registry.Registry
// behaves as the interface documents. Every backend runs the same suite:
//
//	func TestConformance(t *testing.T) {
//		registrytest.Run(t, func(t *testing.T, maxPerSubject int) registry.Registry {
//			r, err := registry.NewLocal(registry.LocalOptions{MaxPerSubject: maxPerSubject})
//			...
//			return r
//		})
//	}
//
// The suite passes every time explicitly, in whole seconds (backends keep
// one-second resolution), and never sleeps, so it runs fast and gives the
// same result every run. Its times start at the wall clock when the test
// binary started, so that a backend whose server expires keys by the wall
// clock (Redis) keeps them for the whole run; the latest is a little over
// an hour later. Subjects are derived from the test's name, so backends
// that share a server between subtests do not see each other's entries.
package registrytest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crumbhq/crumb/registry"
)

// Open returns a new, empty registry holding at most maxPerSubject live
// entries per subject. Run closes it at the end of each test, and calls
// Close once more than the test itself does, which must be harmless.
type Open func(t *testing.T, maxPerSubject int) registry.Registry

// base is the time the tests start from: the wall clock when the test
// binary started, in whole seconds.
var base = time.Now().Truncate(time.Second)

// at returns base plus n seconds.
func at(n int) time.Time { return base.Add(time.Duration(n) * time.Second) }

// hour is how long the tests' sessions last unless they say otherwise.
const hour = 3600

var ctx = context.Background()

// Run runs the conformance suite against the registries open returns, each
// subtest on a fresh one.
func Run(t *testing.T, open func(t *testing.T, maxPerSubject int) registry.Registry) {
	tests := []struct {
		name string
		fn   func(*testing.T, Open)
	}{
		{"AddAndList", testAddAndList},
		{"AddReplacesSameID", testAddReplaces},
		{"SameIDOtherSubject", testSameIDOtherSubject},
		{"EvictsLeastRecentlySeen", testEvictLeastRecentlySeen},
		{"EvictsOldestCreatedAmongEquals", testEvictOldestCreated},
		{"EvictionKeepsTheNewEntry", testEvictionKeepsNew},
		{"AddDropsExpired", testAddDropsExpired},
		{"Flood", testFlood},
		{"SeenUpdatesLastSeen", testSeen},
		{"SeenNeverAdds", testSeenNeverAdds},
		{"SeenLabels", testSeenLabels},
		{"Remove", testRemove},
		{"RemoveIgnoresOtherSubjects", testRemoveOtherSubject},
		{"RemoveBefore", testRemoveBefore},
		{"ListOrder", testListOrder},
		{"ListExcludesExpired", testListExpired},
		{"ListEmpty", testListEmpty},
		{"OneSecondResolution", testResolution},
		{"LabelsCopied", testLabelsCopied},
		{"BadEntry", testBadEntry},
		{"Stats", testStats},
		{"Health", testHealth},
		{"Close", testClose},
		{"Concurrent", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

// newRegistry opens a registry for t and closes it when t ends.
func newRegistry(t *testing.T, open Open, maxPerSubject int) registry.Registry {
	t.Helper()
	r := open(t, maxPerSubject)
	if r == nil {
		t.Fatal("open returned a nil registry")
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// subject returns a subject unique to t.
func subject(t *testing.T, who string) string {
	return t.Name() + "/" + who
}

// id returns a session ID made from n.
func id(n int) registry.ID {
	var i registry.ID
	i[0], i[1], i[2] = byte(n), byte(n>>8), byte(n>>16)
	i[15] = 0xc5
	return i
}

// entry returns an entry of subject created and last seen at second
// created, expiring an hour later.
func entry(subject string, n, created int, labels map[string]string) registry.Entry {
	return registry.Entry{
		ID:       id(n),
		Subject:  subject,
		Created:  at(created),
		LastSeen: at(created),
		Expires:  at(created + hour),
		Labels:   labels,
	}
}

// add calls Add and fails the test on an error.
func add(t *testing.T, r registry.Registry, e registry.Entry, now time.Time) []registry.Entry {
	t.Helper()
	ev, err := r.Add(ctx, e, now)
	if err != nil {
		t.Fatalf("Add(session %d): %v", e.ID[0], err)
	}
	return ev
}

// list calls List and fails the test on an error.
func list(t *testing.T, r registry.Registry, subject string, now time.Time) []registry.Entry {
	t.Helper()
	l, err := r.List(ctx, subject, now)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return l
}

// same reports whether got is want at one-second resolution, and why not.
func same(got, want registry.Entry) error {
	var diffs []string
	if got.ID != want.ID {
		diffs = append(diffs, fmt.Sprintf("ID %x, want %x", got.ID, want.ID))
	}
	if got.Subject != want.Subject {
		diffs = append(diffs, fmt.Sprintf("Subject %q, want %q", got.Subject, want.Subject))
	}
	for _, f := range []struct {
		name      string
		got, want time.Time
	}{{"Created", got.Created, want.Created}, {"LastSeen", got.LastSeen, want.LastSeen}, {"Expires", got.Expires, want.Expires}} {
		if f.got.Unix() != f.want.Unix() {
			diffs = append(diffs, fmt.Sprintf("%s %v, want %v", f.name, f.got.UTC(), f.want.UTC()))
		}
	}
	if !maps.Equal(got.Labels, want.Labels) { // a nil and an empty map are equal
		diffs = append(diffs, fmt.Sprintf("Labels %v, want %v", got.Labels, want.Labels))
	}
	if diffs == nil {
		return nil
	}
	return errors.New(strings.Join(diffs, "; "))
}

// expect fails the test unless got holds want, in order.
func expect(t *testing.T, what string, got []registry.Entry, want ...registry.Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d entries %v, want %d %v", what, len(got), ids(got), len(want), ids(want))
	}
	for i := range got {
		if err := same(got[i], want[i]); err != nil {
			t.Fatalf("%s: entry %d: %v", what, i, err)
		}
	}
}

// ids returns the first byte of each entry's ID, enough to tell the tests'
// entries apart in a failure message.
func ids(es []registry.Entry) []byte {
	var b []byte
	for _, e := range es {
		b = append(b, e.ID[0])
	}
	return b
}

// seen returns e last seen at second n.
func seen(e registry.Entry, n int) registry.Entry {
	e.LastSeen = at(n)
	return e
}

func testAddAndList(t *testing.T, open Open) {
	r := newRegistry(t, open, 4)
	alice := subject(t, "alice")
	a := entry(alice, 1, 0, map[string]string{"device": "Firefox on Linux", "where": "Lyon"})
	if ev := add(t, r, a, at(0)); len(ev) != 0 {
		t.Fatalf("Add into an empty registry evicted %d entries", len(ev))
	}
	expect(t, "List after Add", list(t, r, alice, at(1)), a)
	expect(t, "List of another subject", list(t, r, subject(t, "bob"), at(1)))
}

func testAddReplaces(t *testing.T, open Open) {
	r := newRegistry(t, open, 2)
	alice := subject(t, "alice")
	a, b := entry(alice, 1, 0, nil), entry(alice, 2, 1, nil)
	add(t, r, a, at(1))
	add(t, r, b, at(1))
	// The subject is full; adding a again replaces it and evicts nothing.
	a2 := a
	a2.LastSeen, a2.Expires = at(5), at(5+hour)
	a2.Labels = map[string]string{"device": "phone"}
	if ev := add(t, r, a2, at(5)); len(ev) != 0 {
		t.Fatalf("Add of a registered ID evicted %v", ids(ev))
	}
	expect(t, "List after replacing", list(t, r, alice, at(5)), a2, b)
}

func testSameIDOtherSubject(t *testing.T, open Open) {
	r := newRegistry(t, open, 2)
	alice, bob := subject(t, "alice"), subject(t, "bob")
	a, b := entry(alice, 1, 0, nil), entry(bob, 1, 1, map[string]string{"k": "v"})
	add(t, r, a, at(1))
	add(t, r, b, at(1))
	expect(t, "alice", list(t, r, alice, at(1)), a)
	expect(t, "bob", list(t, r, bob, at(1)), b)
}

func testEvictLeastRecentlySeen(t *testing.T, open Open) {
	r := newRegistry(t, open, 3)
	alice := subject(t, "alice")
	a, b, c := entry(alice, 1, 0, nil), entry(alice, 2, 1, nil), entry(alice, 3, 2, nil)
	for _, e := range []registry.Entry{a, b, c} {
		add(t, r, e, at(2))
	}
	if err := r.Seen(ctx, alice, a.ID, at(5), nil); err != nil {
		t.Fatal(err)
	}
	d := entry(alice, 4, 6, map[string]string{"device": "new"})
	expect(t, "evicted by the fourth", add(t, r, d, at(6)), b)
	expect(t, "List after eviction", list(t, r, alice, at(6)), d, seen(a, 5), c)
	e := entry(alice, 5, 7, nil)
	expect(t, "evicted by the fifth", add(t, r, e, at(7)), c)
	expect(t, "List after the second eviction", list(t, r, alice, at(7)), e, d, seen(a, 5))
}

func testEvictOldestCreated(t *testing.T, open Open) {
	r := newRegistry(t, open, 2)
	alice := subject(t, "alice")
	// Created in the order b, a (b older), both last seen at second 5.
	b, a := entry(alice, 2, 0, nil), entry(alice, 1, 1, nil)
	add(t, r, b, at(1))
	add(t, r, a, at(1))
	for _, e := range []registry.Entry{a, b} {
		if err := r.Seen(ctx, alice, e.ID, at(5), nil); err != nil {
			t.Fatal(err)
		}
	}
	c := entry(alice, 3, 6, nil)
	expect(t, "evicted among equally recently seen", add(t, r, c, at(6)), seen(b, 5))
	expect(t, "List", list(t, r, alice, at(6)), c, seen(a, 5))
}

func testEvictionKeepsNew(t *testing.T, open Open) {
	// An entry added with a LastSeen older than the others' (a session
	// renewed from an old token, a clock behind) still gets its place:
	// Add removes others to make room for it.
	r := newRegistry(t, open, 2)
	alice := subject(t, "alice")
	a, b := entry(alice, 1, 10, nil), entry(alice, 2, 11, nil)
	add(t, r, a, at(11))
	add(t, r, b, at(11))
	c := entry(alice, 3, 5, nil)
	expect(t, "evicted", add(t, r, c, at(12)), a)
	expect(t, "List", list(t, r, alice, at(12)), b, c)
}

func testAddDropsExpired(t *testing.T, open Open) {
	r := newRegistry(t, open, 2)
	alice := subject(t, "alice")
	a := entry(alice, 1, 0, nil)
	a.Expires = at(10)
	b := entry(alice, 2, 1, nil)
	add(t, r, a, at(1))
	add(t, r, b, at(1))
	// At second 10, a has expired (Expires at or before now): it makes room
	// without being returned, and b stays.
	c := entry(alice, 3, 10, nil)
	if ev := add(t, r, c, at(10)); len(ev) != 0 {
		t.Fatalf("Add returned expired or live entries %v; want none (the expired one is dropped silently)", ids(ev))
	}
	expect(t, "List", list(t, r, alice, at(10)), c, b)
	// Nor is it returned later, when the subject is full again.
	d := entry(alice, 4, 11, nil)
	expect(t, "evicted", add(t, r, d, at(11)), b)
}

func testFlood(t *testing.T, open Open) {
	const limit, n = 4, 300
	r := newRegistry(t, open, limit)
	alice := subject(t, "alice")
	evicted := 0
	for i := range n {
		ev := add(t, r, entry(alice, i, i, nil), at(i))
		evicted += len(ev)
		if i >= limit && (len(ev) != 1 || ev[0].ID != id(i-limit)) {
			t.Fatalf("Add %d evicted %v; want session %d only", i, ids(ev), i-limit)
		}
		if l := list(t, r, alice, at(i)); len(l) > limit {
			t.Fatalf("after %d Adds the subject lists %d entries, more than its maximum %d", i+1, len(l), limit)
		}
	}
	if evicted != n-limit {
		t.Fatalf("%d Adds evicted %d entries, want %d", n, evicted, n-limit)
	}
	var want []registry.Entry
	for i := n - 1; i >= n-limit; i-- {
		want = append(want, entry(alice, i, i, nil))
	}
	expect(t, "List after the flood", list(t, r, alice, at(n)), want...)
	if st := r.Stats(); st.Entries != -1 && st.Entries > limit {
		t.Fatalf("Stats.Entries %d after a flood of one subject; want at most %d", st.Entries, limit)
	}
}

func testSeen(t *testing.T, open Open) {
	r := newRegistry(t, open, 4)
	alice := subject(t, "alice")
	a, b := entry(alice, 1, 0, nil), entry(alice, 2, 1, nil)
	add(t, r, a, at(1))
	add(t, r, b, at(1))
	expect(t, "before Seen", list(t, r, alice, at(2)), b, a)
	if err := r.Seen(ctx, alice, a.ID, at(450), nil); err != nil {
		t.Fatal(err)
	}
	// LastSeen moves; Created and Expires do not.
	expect(t, "after Seen", list(t, r, alice, at(451)), seen(a, 450), b)
}

func testSeenNeverAdds(t *testing.T, open Open) {
	r := newRegistry(t, open, 1)
	alice, bob := subject(t, "alice"), subject(t, "bob")
	a := entry(alice, 1, 0, nil)
	add(t, r, a, at(0))
	// Unknown ID, and an ID registered for another subject.
	for _, s := range []struct {
		subject string
		id      registry.ID
	}{{alice, id(2)}, {bob, a.ID}, {bob, id(3)}} {
		if err := r.Seen(ctx, s.subject, s.id, at(5), map[string]string{"k": "v"}); err != nil {
			t.Fatalf("Seen of an unregistered session: %v, want nil", err)
		}
	}
	expect(t, "alice", list(t, r, alice, at(5)), a)
	expect(t, "bob", list(t, r, bob, at(5)))
	if st := r.Stats(); st.Added != 1 || st.Evicted != 0 {
		t.Fatalf("Stats after Seen of unregistered sessions: Added %d Evicted %d, want 1 and 0", st.Added, st.Evicted)
	}
}

func testSeenLabels(t *testing.T, open Open) {
	r := newRegistry(t, open, 4)
	alice := subject(t, "alice")
	a := entry(alice, 1, 0, map[string]string{"device": "laptop"})
	add(t, r, a, at(0))
	// nil keeps the labels.
	if err := r.Seen(ctx, alice, a.ID, at(5), nil); err != nil {
		t.Fatal(err)
	}
	a = seen(a, 5)
	expect(t, "Seen with nil labels", list(t, r, alice, at(5)), a)
	// A map replaces them whole.
	if err := r.Seen(ctx, alice, a.ID, at(6), map[string]string{"where": "Oslo"}); err != nil {
		t.Fatal(err)
	}
	a = seen(a, 6)
	a.Labels = map[string]string{"where": "Oslo"}
	expect(t, "Seen with new labels", list(t, r, alice, at(6)), a)
	// An empty, non-nil map clears them.
	if err := r.Seen(ctx, alice, a.ID, at(7), map[string]string{}); err != nil {
		t.Fatal(err)
	}
	a = seen(a, 7)
	a.Labels = nil
	expect(t, "Seen with empty labels", list(t, r, alice, at(7)), a)
	// Labels past the limits are refused, and change nothing.
	bad := map[string]string{"": "empty key"}
	if err := r.Seen(ctx, alice, a.ID, at(8), bad); !errors.Is(err, registry.ErrBadEntry) {
		t.Fatalf("Seen with an empty label key: %v, want ErrBadEntry", err)
	}
	expect(t, "after a refused Seen", list(t, r, alice, at(8)), a)
}

func testRemove(t *testing.T, open Open) {
	r := newRegistry(t, open, 4)
	alice := subject(t, "alice")
	a, b, c := entry(alice, 1, 0, nil), entry(alice, 2, 1, nil), entry(alice, 3, 2, nil)
	for _, e := range []registry.Entry{a, b, c} {
		add(t, r, e, at(2))
	}
	if err := r.Remove(ctx, alice, a.ID, c.ID, id(9)); err != nil {
		t.Fatal(err)
	}
	expect(t, "after Remove", list(t, r, alice, at(3)), b)
	if err := r.Remove(ctx, alice); err != nil {
		t.Fatalf("Remove of no IDs: %v", err)
	}
	if err := r.Remove(ctx, alice, a.ID); err != nil {
		t.Fatalf("Remove of a removed ID: %v", err)
	}
	if err := r.Remove(ctx, subject(t, "nobody"), a.ID); err != nil {
		t.Fatalf("Remove for a subject without entries: %v", err)
	}
	if err := r.Remove(ctx, alice, b.ID); err != nil {
		t.Fatal(err)
	}
	expect(t, "after removing all", list(t, r, alice, at(3)))
	// A removed ID may be added again.
	add(t, r, a, at(3))
	expect(t, "after adding again", list(t, r, alice, at(3)), a)
}

func testRemoveOtherSubject(t *testing.T, open Open) {
	// A user who learns (or guesses) another user's session ID cannot end
	// that session through its own subject.
	r := newRegistry(t, open, 4)
	alice, mallory := subject(t, "alice"), subject(t, "mallory")
	a := entry(alice, 1, 0, nil)
	m := entry(mallory, 2, 0, nil)
	add(t, r, a, at(0))
	add(t, r, m, at(0))
	if err := r.Remove(ctx, mallory, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := r.RemoveBefore(ctx, mallory, at(100)); err != nil {
		t.Fatal(err)
	}
	expect(t, "alice after mallory's Remove", list(t, r, alice, at(1)), a)
	expect(t, "mallory", list(t, r, mallory, at(1)))
	if st := r.Stats(); st.Removed != 1 {
		t.Fatalf("Stats.Removed %d, want 1 (mallory's own session)", st.Removed)
	}
}

func testRemoveBefore(t *testing.T, open Open) {
	r := newRegistry(t, open, 4)
	alice, bob := subject(t, "alice"), subject(t, "bob")
	a, b, c := entry(alice, 1, 0, nil), entry(alice, 2, 5, nil), entry(alice, 3, 10, nil)
	x := entry(bob, 4, 0, nil)
	for _, e := range []registry.Entry{a, b, c, x} {
		add(t, r, e, at(10))
	}
	// Created strictly before 5 goes; created at 5 stays.
	if err := r.RemoveBefore(ctx, alice, at(5)); err != nil {
		t.Fatal(err)
	}
	expect(t, "alice after RemoveBefore", list(t, r, alice, at(10)), c, b)
	expect(t, "bob", list(t, r, bob, at(10)), x)
	if err := r.RemoveBefore(ctx, alice, at(11)); err != nil {
		t.Fatal(err)
	}
	expect(t, "alice after removing everything", list(t, r, alice, at(11)))
	if err := r.RemoveBefore(ctx, subject(t, "nobody"), at(11)); err != nil {
		t.Fatalf("RemoveBefore for a subject without entries: %v", err)
	}
	if st := r.Stats(); st.Removed != 3 {
		t.Fatalf("Stats.Removed %d, want 3", st.Removed)
	}
}

func testListOrder(t *testing.T, open Open) {
	r := newRegistry(t, open, 8)
	alice := subject(t, "alice")
	var es []registry.Entry
	for i := range 6 {
		es = append(es, entry(alice, i, i, nil))
		add(t, r, es[i], at(i))
	}
	// Last seen: 0→20, 3→30, 5 stays 5, 1→12, 2→2, 4→4.
	for _, s := range []struct{ i, at int }{{0, 20}, {3, 30}, {1, 12}} {
		if err := r.Seen(ctx, alice, es[s.i].ID, at(s.at), nil); err != nil {
			t.Fatal(err)
		}
		es[s.i] = seen(es[s.i], s.at)
	}
	expect(t, "List", list(t, r, alice, at(31)), es[3], es[0], es[1], es[5], es[4], es[2])
}

func testListExpired(t *testing.T, open Open) {
	r := newRegistry(t, open, 4)
	alice := subject(t, "alice")
	a, b := entry(alice, 1, 0, nil), entry(alice, 2, 1, nil)
	a.Expires = at(100)
	add(t, r, a, at(1))
	add(t, r, b, at(1))
	expect(t, "a second before a expires", list(t, r, alice, at(99)), b, a)
	expect(t, "when a expires", list(t, r, alice, at(100)), b)
	expect(t, "when b expires", list(t, r, alice, at(1+hour)))
}

func testListEmpty(t *testing.T, open Open) {
	r := newRegistry(t, open, 4)
	l, err := r.List(ctx, subject(t, "nobody"), at(0))
	if err != nil {
		t.Fatalf("List of a subject without entries: %v, want nil", err)
	}
	if l == nil || len(l) != 0 {
		t.Fatalf("List of a subject without entries: %#v, want an empty, non-nil slice", l)
	}
}

func testResolution(t *testing.T, open Open) {
	r := newRegistry(t, open, 4)
	alice := subject(t, "alice")
	a := entry(alice, 1, 0, nil)
	a.Created = a.Created.Add(400 * time.Millisecond)
	a.LastSeen = a.LastSeen.Add(900 * time.Millisecond)
	a.Expires = a.Expires.Add(999 * time.Millisecond)
	add(t, r, a, at(0))
	l := list(t, r, alice, at(1))
	expect(t, "List", l, a) // compares the whole seconds
	for _, tm := range []time.Time{l[0].Created, l[0].LastSeen, l[0].Expires} {
		if tm.Nanosecond() != 0 {
			t.Fatalf("List returned %v; want whole seconds", tm)
		}
	}
}

func testLabelsCopied(t *testing.T, open Open) {
	r := newRegistry(t, open, 1)
	alice := subject(t, "alice")
	labels := map[string]string{"device": "laptop"}
	a := entry(alice, 1, 0, labels)
	add(t, r, a, at(0))
	labels["device"] = "changed by the caller after Add"
	labels["extra"] = "x"
	want := entry(alice, 1, 0, map[string]string{"device": "laptop"})
	l := list(t, r, alice, at(1))
	expect(t, "after the caller changed its map", l, want)
	l[0].Labels["device"] = "changed in a listed entry"
	expect(t, "after changing a listed entry", list(t, r, alice, at(1)), want)

	seenLabels := map[string]string{"device": "phone"}
	if err := r.Seen(ctx, alice, a.ID, at(2), seenLabels); err != nil {
		t.Fatal(err)
	}
	seenLabels["device"] = "changed by the caller after Seen"
	want = seen(want, 2)
	want.Labels = map[string]string{"device": "phone"}
	expect(t, "after the caller changed its Seen map", list(t, r, alice, at(2)), want)

	ev := add(t, r, entry(alice, 2, 3, nil), at(3))
	expect(t, "evicted", ev, want)
	ev[0].Labels["device"] = "changed in an evicted entry"
	expect(t, "the evicted entry is gone", list(t, r, alice, at(3)), entry(alice, 2, 3, nil))
}

func testBadEntry(t *testing.T, open Open) {
	r := newRegistry(t, open, 4)
	alice := subject(t, "alice")
	tooMany := map[string]string{}
	for i := range registry.MaxLabels + 1 {
		tooMany[fmt.Sprint("k", i)] = "v"
	}
	bad := []struct {
		name string
		mod  func(*registry.Entry)
	}{
		{"no subject", func(e *registry.Entry) { e.Subject = "" }},
		{"long subject", func(e *registry.Entry) { e.Subject = strings.Repeat("s", registry.MaxSubjectLen+1) }},
		{"zero Created", func(e *registry.Entry) { e.Created = time.Time{} }},
		{"zero LastSeen", func(e *registry.Entry) { e.LastSeen = time.Time{} }},
		{"zero Expires", func(e *registry.Entry) { e.Expires = time.Time{} }},
		{"Created 1970", func(e *registry.Entry) { e.Created = time.Unix(0, 0) }},
		{"expires before created", func(e *registry.Entry) { e.Expires = e.Created.Add(-time.Second) }},
		{"too many labels", func(e *registry.Entry) { e.Labels = tooMany }},
		{"empty label key", func(e *registry.Entry) { e.Labels = map[string]string{"": "v"} }},
		{"long label key", func(e *registry.Entry) {
			e.Labels = map[string]string{strings.Repeat("k", registry.MaxLabelKeyLen+1): "v"}
		}},
		{"long label value", func(e *registry.Entry) {
			e.Labels = map[string]string{"k": strings.Repeat("v", registry.MaxLabelValueLen+1)}
		}},
		{"label key not UTF-8", func(e *registry.Entry) { e.Labels = map[string]string{"\xff": "v"} }},
		{"label value not UTF-8", func(e *registry.Entry) { e.Labels = map[string]string{"k": "\xc3"} }},
	}
	for i, b := range bad {
		e := entry(alice, i, 0, nil)
		b.mod(&e)
		if e.Validate() == nil {
			t.Fatalf("%s: Validate accepts the entry; the test is wrong", b.name)
		}
		ev, err := r.Add(ctx, e, at(0))
		if !errors.Is(err, registry.ErrBadEntry) {
			t.Fatalf("Add with %s: %v, want an error wrapping ErrBadEntry", b.name, err)
		}
		if len(ev) != 0 {
			t.Fatalf("Add with %s evicted %d entries", b.name, len(ev))
		}
	}
	expect(t, "List after refused Adds", list(t, r, alice, at(0)))
	// Every other method refuses a bad subject the same way.
	for _, sub := range []string{"", strings.Repeat("s", registry.MaxSubjectLen+1)} {
		id := entry(alice, 0, 0, nil).ID
		for name, err := range map[string]error{
			"Seen":         r.Seen(ctx, sub, id, at(1), nil),
			"Remove":       r.Remove(ctx, sub, id),
			"RemoveBefore": r.RemoveBefore(ctx, sub, at(1)),
		} {
			if !errors.Is(err, registry.ErrBadEntry) {
				t.Fatalf("%s with a %d-byte subject: %v, want an error wrapping ErrBadEntry", name, len(sub), err)
			}
		}
		if _, err := r.List(ctx, sub, at(0)); !errors.Is(err, registry.ErrBadEntry) {
			t.Fatalf("List with a %d-byte subject: %v, want an error wrapping ErrBadEntry", len(sub), err)
		}
	}
	// At the limits, an entry is accepted.
	limit := map[string]string{}
	for i := range registry.MaxLabels {
		limit[fmt.Sprintf("%0*d", registry.MaxLabelKeyLen, i)] = strings.Repeat("é", registry.MaxLabelValueLen/2)
	}
	long := strings.Repeat("s", registry.MaxSubjectLen)
	e := entry(long, 1, 0, limit)
	add(t, r, e, at(0))
	expect(t, "entry at the limits", list(t, r, long, at(0)), e)
	if st := r.Stats(); st.Added != 1 {
		t.Fatalf("Stats.Added %d after one good Add and %d refused ones, want 1", st.Added, len(bad))
	}
}

func testStats(t *testing.T, open Open) {
	r := newRegistry(t, open, 2)
	st := r.Stats()
	if st.MaxPerSubject != 2 {
		t.Fatalf("Stats.MaxPerSubject %d, want 2", st.MaxPerSubject)
	}
	if st.Added != 0 || st.Evicted != 0 || st.Removed != 0 || st.Pruned != 0 {
		t.Fatalf("Stats of a new registry: %+v, want zero counters", st)
	}
	alice, bob := subject(t, "alice"), subject(t, "bob")
	for i := range 3 {
		add(t, r, entry(alice, i, i, nil), at(3))
	}
	add(t, r, entry(bob, 9, 0, nil), at(3))
	if err := r.Remove(ctx, bob, id(9)); err != nil {
		t.Fatal(err)
	}
	st = r.Stats()
	if st.Added != 4 || st.Evicted != 1 || st.Removed != 1 {
		t.Fatalf("Stats: Added %d Evicted %d Removed %d, want 4, 1 and 1", st.Added, st.Evicted, st.Removed)
	}
	if st.Subjects != -1 && st.Subjects != 1 {
		t.Fatalf("Stats.Subjects %d, want 1 (or -1)", st.Subjects)
	}
	if st.Entries != -1 && st.Entries != 2 {
		t.Fatalf("Stats.Entries %d, want 2 (or -1)", st.Entries)
	}
	if st.LogBytes < 0 {
		t.Fatalf("Stats.LogBytes %d", st.LogBytes)
	}
}

func testHealth(t *testing.T, open Open) {
	r := newRegistry(t, open, 2)
	if err := r.Health(ctx); err != nil {
		t.Fatalf("Health of a new registry: %v", err)
	}
	add(t, r, entry(subject(t, "alice"), 1, 0, nil), at(0))
	if err := r.Health(ctx); err != nil {
		t.Fatalf("Health after Add: %v", err)
	}
}

func testClose(t *testing.T, open Open) {
	r := newRegistry(t, open, 2)
	alice := subject(t, "alice")
	a := entry(alice, 1, 0, nil)
	add(t, r, a, at(0))
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v, want nil", err)
	}
	calls := map[string]func() error{
		"Add": func() error {
			_, err := r.Add(ctx, entry(alice, 2, 1, nil), at(1))
			return err
		},
		"Seen":         func() error { return r.Seen(ctx, alice, a.ID, at(1), nil) },
		"Remove":       func() error { return r.Remove(ctx, alice, a.ID) },
		"RemoveBefore": func() error { return r.RemoveBefore(ctx, alice, at(1)) },
		"List": func() error {
			_, err := r.List(ctx, alice, at(1))
			return err
		},
		"Health": func() error { return r.Health(ctx) },
	}
	for _, name := range slices.Sorted(maps.Keys(calls)) {
		if err := calls[name](); !errors.Is(err, registry.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	_ = r.Stats() // must not panic
}

func testConcurrent(t *testing.T, open Open) {
	const (
		limit      = 4
		goroutines = 8
		rounds     = 60
		subjects   = 3
	)
	r := newRegistry(t, open, limit)
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for i := range rounds {
				s := subject(t, fmt.Sprint("user", (g+i)%subjects))
				n := g*rounds + i
				now := at(i)
				var err error
				switch i % 5 {
				case 0, 1:
					var ev []registry.Entry
					ev, err = r.Add(ctx, entry(s, n, i, map[string]string{"g": fmt.Sprint(g)}), now)
					for _, e := range ev {
						if e.Subject != s {
							err = fmt.Errorf("Add for one subject evicted an entry of another")
						}
					}
				case 2:
					err = r.Seen(ctx, s, id(n-1), now, map[string]string{"seen": "yes"})
				case 3:
					var l []registry.Entry
					l, err = r.List(ctx, s, now)
					if err == nil && len(l) > limit {
						err = fmt.Errorf("List returned %d entries, more than the maximum %d", len(l), limit)
					}
					if err == nil && !slices.IsSortedFunc(l, func(a, b registry.Entry) int { return b.LastSeen.Compare(a.LastSeen) }) {
						err = fmt.Errorf("List not sorted by LastSeen, most recent first")
					}
				case 4:
					if i%10 == 4 {
						err = r.Remove(ctx, s, id(n-3))
					} else {
						err = r.RemoveBefore(ctx, s, at(i-30))
					}
				}
				if err != nil {
					errs <- err
					return
				}
				_ = r.Stats()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for s := range subjects {
		if l := list(t, r, subject(t, fmt.Sprint("user", s)), at(rounds)); len(l) > limit {
			t.Fatalf("subject %d lists %d entries, more than the maximum %d", s, len(l), limit)
		}
	}
	if st := r.Stats(); st.Added != goroutines*rounds*2/5 {
		t.Fatalf("Stats.Added %d, want %d", st.Added, goroutines*rounds*2/5)
	}
}
