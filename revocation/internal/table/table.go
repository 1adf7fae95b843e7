// Package table is the in-memory revocation table behind revocation.Local
// and the local replica of revocation/redisset: session and issued-before
// entries by session ID, subject entries by the SHA-256 of the subject, and
// the bookkeeping that keeps the table small by construction.
//
// Every session and issued-before entry belongs to a subject (its owner,
// identified by Key). A subject holds at most MaxPerSubject entries: the
// entry that would exceed it first collapses the subject's entries into
// one subject entry that revokes every session of the subject created up to
// the newest of them. When the table holds more than MaxEntries entries, the
// subjects with the most entries are collapsed first, down to nine tenths of
// MaxEntries. Nothing is ever refused and no live revocation is ever
// dropped: a collapse only ever revokes more. The table's size is thus
// bounded by the number of distinct subjects that revoked recently times
// MaxPerSubject, and by MaxEntries as long as some subject holds more than
// one entry.
//
// A state change is reported to the caller's Emit function while the locks
// that ordered it are held, so that a durable log or a stream receives the
// states of one subject in the order the table reached them.
package table

import (
	"cmp"
	"crypto/sha256"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"
)

// ID is a 128-bit session ID.
type ID = [16]byte

// Key identifies a subject: the SHA-256 of its name.
type Key = [sha256.Size]byte

// NoKey is the owner of entries whose subject is unknown (read from a log
// or a stream written before subjects were recorded). They are never
// collapsed; they expire like any other.
var NoKey Key

// KeyOf returns the Key of subject.
func KeyOf(subject string) Key {
	// Hash the string's bytes where they are: converting it to a []byte
	// would allocate a copy of any subject longer than 32 bytes, on every
	// Check once the table holds a subject entry. Sum256 only reads them.
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(subject), len(subject)))
}

// numShards spreads session IDs (and subjects) over locks: IDs are random,
// so their first byte spreads them evenly.
const numShards = 16

// shrinkMin is the peak size from which a map that shrank to a quarter of
// its peak is rebuilt: Go maps never give memory back by themselves.
const shrinkMin = 4096

// Verdict is the outcome of Check, in revocation.Verdict's order.
type Verdict uint8

// The verdicts of Check.
const (
	NotRevoked Verdict = iota
	SessionRevoked
	TokenRevoked
	SubjectRevoked
)

// Token is the state of an issued-before entry. Its methods are called
// under the table's locks.
type Token interface {
	comparable
	// Until is when the entry stops mattering, in seconds.
	Until() uint32
	// Revoked reports whether a token issued at issued is revoked at now.
	Revoked(issued, now uint32) bool
}

// Subject is a subject entry: the sessions of the subject created before
// Before are revoked until Until (seconds since the Unix epoch).
type Subject struct{ Before, Until uint32 }

func (e Subject) revoked(created, now uint32) bool { return now <= e.Until && created < e.Before }

// merge keeps the later before and the later until.
func (e Subject) merge(r Subject) Subject {
	return Subject{Before: max(e.Before, r.Before), Until: max(e.Until, r.Until)}
}

// Kind is the kind of a Change.
type Kind uint8

// The kinds of entry.
const (
	KindSession Kind = 1 + iota
	KindToken
	KindSubject
)

// Change is a state an entry reached. Which fields are set depends on
// Kind: session: ID, Key, Created, Until; token: ID, Key, Created, Token;
// subject: Key, Subject.
type Change[T Token] struct {
	Kind    Kind
	ID      ID
	Key     Key
	Created uint32
	Until   uint32
	Token   T
	Subject Subject
}

// Emit receives the state changes of one call, under the locks that order
// them. It may be nil.
type Emit[T Token] func(*Change[T])

// Mode says whether a Put enforces the bounds.
type Mode uint8

const (
	// Enforce applies the per-subject bound and the capacity: the mode of
	// revocations made by this process.
	Enforce Mode = iota
	// Load applies a state read from a log or a stream as it is: the
	// bounds apply to the revocations a process makes itself, not to those
	// other processes wrote under bounds of their own.
	Load
)

// Options configure New.
type Options struct {
	// MaxEntries is the capacity over all kinds of entry; must be positive.
	MaxEntries int
	// MaxPerSubject bounds the session and issued-before entries of one
	// subject; must be positive.
	MaxPerSubject int
	// OnCapacity, if set, is called (without locks held) after a capacity
	// collapse with the number of subjects collapsed and the entries left.
	OnCapacity func(subjects, entries int)
}

// Table is the revocation table. It is safe for concurrent use.
type Table[T Token] struct {
	max, perSubject int64
	onCapacity      func(subjects, entries int)

	shards [numShards]shard[T]
	owners [numShards]ownerShard

	subjMu   sync.RWMutex
	subjects map[Key]Subject

	entries   atomic.Int64 // of all kinds
	nSessions atomic.Int64
	nTokens   atomic.Int64
	nSubjects atomic.Int64

	collapses         atomic.Uint64
	capacityCollapses atomic.Uint64
	pruned            atomic.Uint64

	capMu sync.Mutex // one capacity collapse at a time
	// capFloor is the entry count a capacity collapse could not go below:
	// the next one waits until the table has grown by a hundredth of its
	// capacity past it, so a table that cannot shrink is not rescanned on
	// every insertion.
	capFloor atomic.Int64
}

// shard holds the entries of the IDs whose first byte is its index modulo
// numShards.
type shard[T Token] struct {
	mu sync.RWMutex
	// sessions maps a revoked session ID to the until of its entry: the map
	// that grows largest, so its value is a bare uint32.
	sessions map[ID]uint32
	// tokens holds issued-before entries; usually empty, and Check skips it
	// then.
	tokens                   map[ID]T
	peakSessions, peakTokens int
	_                        [64]byte // keep neighbouring shards' locks off one cache line
}

// ownerShard holds the entry lists of the subjects whose Key's first byte
// is its index modulo numShards. Its lock orders every change to those
// subjects' entries and subject entries.
type ownerShard struct {
	mu sync.Mutex
	m  map[Key][]owned
	_  [64]byte
}

// owned is one entry of a subject's list: a session ID with an entry in
// sessions or tokens (or both), and the session's created-at.
type owned struct {
	id      ID
	created uint32
}

// New returns an empty table.
func New[T Token](o Options) *Table[T] {
	t := &Table[T]{
		max:        int64(max(o.MaxEntries, 1)),
		perSubject: int64(max(o.MaxPerSubject, 1)),
		onCapacity: o.OnCapacity,
		subjects:   make(map[Key]Subject),
	}
	for i := range t.shards {
		t.shards[i].sessions = make(map[ID]uint32)
		t.shards[i].tokens = make(map[ID]T)
		t.owners[i].m = make(map[Key][]owned)
	}
	return t
}

func (t *Table[T]) shard(id ID) *shard[T]        { return &t.shards[id[0]%numShards] }
func (t *Table[T]) ownerShard(k Key) *ownerShard { return &t.owners[k[0]%numShards] }

// Check reports whether a token is revoked at now: a session entry for id,
// an issued-before entry revoking a token issued at issued, or a subject
// entry revoking a session of subject created at created. It takes one
// shard's read lock (and the subjects' when there are subject entries and
// the token has a subject) and never allocates.
func (t *Table[T]) Check(id ID, subject string, created, issued, now uint32) Verdict {
	sh := t.shard(id)
	sh.mu.RLock()
	until, revoked := sh.sessions[id]
	var tok T
	var hasTok bool
	if len(sh.tokens) != 0 {
		tok, hasTok = sh.tokens[id]
	}
	sh.mu.RUnlock()
	if revoked && now <= until {
		return SessionRevoked
	}
	if hasTok && tok.Revoked(issued, now) {
		return TokenRevoked
	}
	if subject != "" && t.nSubjects.Load() != 0 {
		t.subjMu.RLock()
		e, ok := t.subjects[KeyOf(subject)]
		t.subjMu.RUnlock()
		if ok && e.revoked(created, now) {
			return SubjectRevoked
		}
	}
	return NotRevoked
}

// PutSession records that every token of session id, of subject key
// created at created, is revoked until until. It keeps the later until. A
// session that a subject entry already revokes needs no entry of its own
// (the subject entry's until is extended if needed). In Enforce mode a
// new entry beyond the subject's bound collapses the subject's entries
// first.
func (t *Table[T]) PutSession(id ID, key Key, created, until, now uint32, mode Mode, emit Emit[T]) {
	t.put(id, key, created, until, now, mode, emit, func(sh *shard[T]) (*Change[T], bool) {
		old, had := sh.sessions[id]
		_, hadTok := sh.tokens[id]
		if had && until <= old {
			return nil, true
		}
		sh.sessions[id] = until
		if !had {
			t.nSessions.Add(1)
			t.entries.Add(1)
		}
		// A token entry of the session is redundant once every token of it
		// is revoked as long.
		if tok, ok := sh.tokens[id]; ok && tok.Until() <= until {
			delete(sh.tokens, id)
			t.nTokens.Add(-1)
			t.entries.Add(-1)
		}
		return &Change[T]{Kind: KindSession, ID: id, Key: key, Created: created, Until: until}, had || hadTok
	})
}

// PutToken records an issued-before entry for session id, of subject key
// created at created, whose new state until until is merge's result from
// the current state (ok false when there is none). merge reports whether
// the state changed. Nothing is recorded when a session or subject entry
// already revokes the whole session that long.
func (t *Table[T]) PutToken(id ID, key Key, created, until, now uint32, mode Mode, merge func(old T, ok bool) (T, bool), emit Emit[T]) {
	t.put(id, key, created, until, now, mode, emit, func(sh *shard[T]) (*Change[T], bool) {
		u, hadSession := sh.sessions[id]
		old, had := sh.tokens[id]
		if hadSession && u >= until {
			return nil, true
		}
		next, changed := merge(old, had)
		if !changed {
			return nil, true
		}
		sh.tokens[id] = next
		if !had {
			t.nTokens.Add(1)
			t.entries.Add(1)
		}
		return &Change[T]{Kind: KindToken, ID: id, Key: key, Created: created, Token: next}, had || hadSession
	})
}

// put is what PutSession and PutToken share: under the subject's lock,
// prepare (coverage, the per-subject bound); under the shard's, apply,
// which returns the new state (nil when nothing changed) and whether id
// had an entry already; then list a new id under its subject, report the
// change, and apply the capacity.
func (t *Table[T]) put(id ID, key Key, created, until, now uint32, mode Mode, emit Emit[T], apply func(*shard[T]) (*Change[T], bool)) {
	if until < now {
		return
	}
	os := t.ownerShard(key)
	os.mu.Lock()
	if t.prepare(os, id, key, created, until, now, mode, emit) {
		os.mu.Unlock()
		return
	}
	sh := t.shard(id)
	sh.mu.Lock()
	c, listed := apply(sh)
	sh.mu.Unlock()
	if c == nil {
		os.mu.Unlock()
		return
	}
	if !listed {
		os.m[key] = append(os.m[key], owned{id, created})
	}
	if emit != nil {
		emit(c)
	}
	os.mu.Unlock()
	if mode == Enforce {
		t.checkCapacity(now, emit)
	}
}

// prepare is the part of PutSession and PutToken before the entry itself,
// called with os locked: it reports true when a subject entry already
// revokes the session (extending its until to until if needed), and, in
// Enforce mode, collapses the subject's entries first when a new entry
// would exceed the subject's bound.
func (t *Table[T]) prepare(os *ownerShard, id ID, key Key, created, until, now uint32, mode Mode, emit Emit[T]) bool {
	if key == NoKey {
		return false
	}
	if t.coverOrExtend(key, created, until, now, emit) {
		return true
	}
	if mode == Enforce && t.full(os, key) && !t.present(id) {
		// Entries that expired and were not pruned yet count for nothing:
		// drop them first, as Redis does, so that every node decides alike.
		t.dropExpired(os, key, now)
		if t.full(os, key) {
			t.collapse(os, key, now, emit)
			return t.coverOrExtend(key, created, until, now, emit)
		}
	}
	return false
}

// full reports whether key holds its bound of entries. Called with os
// locked.
func (t *Table[T]) full(os *ownerShard, key Key) bool {
	return int64(len(os.m[key])) >= t.perSubject
}

// dropExpired removes the entries of key whose until is before now, from
// the maps and from the list. Called with os locked.
func (t *Table[T]) dropExpired(os *ownerShard, key Key, now uint32) {
	list := os.m[key]
	keep := list[:0]
	for _, o := range list {
		if u, ok := t.until(o.id); ok && u >= now {
			keep = append(keep, o)
			continue
		}
		sh := t.shard(o.id)
		sh.mu.Lock()
		t.removeLocked(sh, o.id)
		sh.mu.Unlock()
	}
	t.setList(os, key, keep)
}

// present reports whether id has an entry of either kind.
func (t *Table[T]) present(id ID) bool {
	sh := t.shard(id)
	sh.mu.RLock()
	_, a := sh.sessions[id]
	_, b := sh.tokens[id]
	sh.mu.RUnlock()
	return a || b
}

// coverOrExtend reports whether the subject entry of key revokes a session
// created at created; if it does but for less long than until, its until
// is extended (the session was revoked anyway: it stays revoked).
func (t *Table[T]) coverOrExtend(key Key, created, until, now uint32, emit Emit[T]) bool {
	if t.nSubjects.Load() == 0 {
		return false
	}
	t.subjMu.Lock()
	defer t.subjMu.Unlock()
	e, ok := t.subjects[key]
	if !ok || e.Until < now || created >= e.Before {
		return false // none, expired (not yet pruned), or not covering
	}
	if until > e.Until {
		e.Until = until
		t.subjects[key] = e
		if emit != nil {
			emit(&Change[T]{Kind: KindSubject, Key: key, Subject: e})
		}
	}
	return true
}

// PutSubject records a subject entry for key, keeping the later before and
// the later until, and drops the subject's session and issued-before
// entries it makes redundant.
func (t *Table[T]) PutSubject(key Key, e Subject, now uint32, mode Mode, emit Emit[T]) {
	if e.Until < now {
		return
	}
	os := t.ownerShard(key)
	os.mu.Lock()
	t.subjMu.Lock()
	old, had := t.subjects[key]
	if had && old.Until < now {
		old = Subject{} // expired, not yet pruned: absent, as Redis has forgotten it
	}
	next := old.merge(e)
	if had && next == old {
		t.subjMu.Unlock()
		os.mu.Unlock()
		return
	}
	t.subjects[key] = next
	if !had {
		t.nSubjects.Add(1)
		t.entries.Add(1)
	}
	t.subjMu.Unlock()
	if emit != nil {
		emit(&Change[T]{Kind: KindSubject, Key: key, Subject: next})
	}
	t.dropCovered(os, key, next)
	os.mu.Unlock()
	if mode == Enforce {
		t.checkCapacity(now, emit)
	}
}

// dropCovered removes the entries of key that e revokes as long as they
// do. Called with os locked.
func (t *Table[T]) dropCovered(os *ownerShard, key Key, e Subject) {
	list := os.m[key]
	keep := list[:0]
	for _, o := range list {
		if o.created >= e.Before || !t.removeIf(o.id, e.Until) {
			keep = append(keep, o)
		}
	}
	t.setList(os, key, keep)
}

// removeIf removes id's entries if none lasts beyond until, and reports
// whether it did.
func (t *Table[T]) removeIf(id ID, until uint32) bool {
	sh := t.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	u, hasSession := sh.sessions[id]
	tok, hasTok := sh.tokens[id]
	if hasSession && u > until || hasTok && tok.Until() > until {
		return false
	}
	t.removeLocked(sh, id)
	return true
}

// removeLocked removes id's entries. Called with sh locked.
func (t *Table[T]) removeLocked(sh *shard[T], id ID) {
	if _, ok := sh.sessions[id]; ok {
		delete(sh.sessions, id)
		t.nSessions.Add(-1)
		t.entries.Add(-1)
	}
	if _, ok := sh.tokens[id]; ok {
		delete(sh.tokens, id)
		t.nTokens.Add(-1)
		t.entries.Add(-1)
	}
}

// setList stores key's list, deleting it when empty. Called with os
// locked.
func (t *Table[T]) setList(os *ownerShard, key Key, list []owned) {
	if len(list) == 0 {
		delete(os.m, key)
		return
	}
	os.m[key] = list
}

// until returns the later until of id's entries, and whether it has one.
func (t *Table[T]) until(id ID) (uint32, bool) {
	sh := t.shard(id)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	u, a := sh.sessions[id]
	tok, b := sh.tokens[id]
	if b {
		u = max(u, tok.Until())
	}
	return u, a || b
}

// collapse replaces the entries of key by one subject entry revoking every
// session of the subject created up to the newest of them, for as long as
// the longest of them (expired entries are dropped and count for
// nothing). Called with os locked. It reports whether it collapsed any live
// entry.
func (t *Table[T]) collapse(os *ownerShard, key Key, now uint32, emit Emit[T]) bool {
	if key == NoKey {
		return false
	}
	var e Subject
	live := 0
	for _, o := range os.m[key] {
		u, ok := t.until(o.id)
		if !ok || u < now {
			continue // pruned, or expired and not yet pruned
		}
		live++
		e.Before = max(e.Before, o.created+min(1, math.MaxUint32-o.created)) // saturating at 2106
		e.Until = max(e.Until, u)
	}
	if live > 0 {
		t.subjMu.Lock()
		old, had := t.subjects[key]
		if had && old.Until < now {
			old = Subject{} // expired, not yet pruned
		}
		next := old.merge(e)
		t.subjects[key] = next
		if !had {
			t.nSubjects.Add(1)
			t.entries.Add(1)
		}
		t.subjMu.Unlock()
		if emit != nil && next != old {
			emit(&Change[T]{Kind: KindSubject, Key: key, Subject: next})
		}
	}
	// The expired entries go too, even when nothing was live: left in the
	// maps without their list, one revoked again before Prune would be an
	// entry no list holds — unbounded, and missing from Each's snapshot.
	for _, o := range os.m[key] {
		sh := t.shard(o.id)
		sh.mu.Lock()
		t.removeLocked(sh, o.id)
		sh.mu.Unlock()
	}
	delete(os.m, key)
	if live == 0 {
		return false
	}
	t.collapses.Add(1)
	return true
}

// checkCapacity runs a capacity collapse when the table holds more than
// its capacity, unless one is running or the last one could not shrink the
// table and it has not grown much since.
func (t *Table[T]) checkCapacity(now uint32, emit Emit[T]) {
	n := t.entries.Load()
	if n <= t.max || n < t.capFloor.Load()+max(t.max/100, 1) || !t.capMu.TryLock() {
		return
	}
	subjects, left := t.capacityCollapse(now, emit)
	t.capMu.Unlock()
	if t.onCapacity != nil {
		t.onCapacity(subjects, left)
	}
}

// capacityCollapse collapses the subjects with the most entries until the
// table holds at most nine tenths of its capacity, or no collapse would
// shrink it. Called with capMu held.
func (t *Table[T]) capacityCollapse(now uint32, emit Emit[T]) (subjects, left int) {
	type candidate struct {
		key  Key
		save int // entries a collapse frees
	}
	var cands []candidate
	for i := range t.owners {
		os := &t.owners[i]
		os.mu.Lock()
		for key, list := range os.m {
			if key != NoKey {
				cands = append(cands, candidate{key, len(list)})
			}
		}
		os.mu.Unlock()
	}
	// A collapse adds a subject entry where the subject has none.
	t.subjMu.RLock()
	for i := range cands {
		if _, ok := t.subjects[cands[i].key]; !ok {
			cands[i].save--
		}
	}
	t.subjMu.RUnlock()
	cands = slices.DeleteFunc(cands, func(c candidate) bool { return c.save <= 0 })
	slices.SortFunc(cands, func(a, b candidate) int { return cmp.Compare(b.save, a.save) })
	target := t.max * 9 / 10
	for _, c := range cands {
		if t.entries.Load() <= target {
			break
		}
		os := t.ownerShard(c.key)
		os.mu.Lock()
		if t.collapse(os, c.key, now, emit) {
			subjects++
		}
		os.mu.Unlock()
	}
	t.capacityCollapses.Add(uint64(subjects))
	n := t.entries.Load()
	if n > t.max {
		t.capFloor.Store(n)
	} else {
		t.capFloor.Store(0)
	}
	return subjects, int(n)
}

// Prune drops the entries whose until is before now and returns how many
// it removed.
func (t *Table[T]) Prune(now uint32) int {
	removed := 0
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		sh.peakSessions = max(sh.peakSessions, len(sh.sessions))
		sh.peakTokens = max(sh.peakTokens, len(sh.tokens))
		var nSess, nTok int
		for id, until := range sh.sessions {
			if until < now {
				delete(sh.sessions, id)
				nSess++
			}
		}
		for id, e := range sh.tokens {
			if e.Until() < now {
				delete(sh.tokens, id)
				nTok++
			}
		}
		sh.shrink()
		sh.mu.Unlock()
		t.nSessions.Add(-int64(nSess))
		t.nTokens.Add(-int64(nTok))
		removed += nSess + nTok
	}
	t.subjMu.Lock()
	nSubj := 0
	for key, e := range t.subjects {
		if e.Until < now {
			delete(t.subjects, key)
			nSubj++
		}
	}
	t.subjMu.Unlock()
	t.nSubjects.Add(-int64(nSubj))
	removed += nSubj
	t.entries.Add(-int64(removed))
	t.pruned.Add(uint64(removed))
	// The subjects' lists: drop the IDs pruned above.
	for i := range t.owners {
		os := &t.owners[i]
		os.mu.Lock()
		for key, list := range os.m {
			keep := list[:0]
			for _, o := range list {
				if t.present(o.id) {
					keep = append(keep, o)
				}
			}
			if len(keep) < len(list) {
				t.setList(os, key, keep)
			}
		}
		os.mu.Unlock()
	}
	if t.entries.Load() <= t.max {
		t.capFloor.Store(0)
	}
	return removed
}

// shrink rebuilds the shard's maps when pruning left them at under a
// quarter of their peak size. Called with sh.mu held.
func (sh *shard[T]) shrink() {
	if n := len(sh.sessions); sh.peakSessions >= shrinkMin && n*4 < sh.peakSessions {
		m := make(map[ID]uint32, n)
		for id, u := range sh.sessions {
			m[id] = u
		}
		sh.sessions, sh.peakSessions = m, n
	}
	if n := len(sh.tokens); sh.peakTokens >= shrinkMin && n*4 < sh.peakTokens {
		m := make(map[ID]T, n)
		for id, e := range sh.tokens {
			m[id] = e
		}
		sh.tokens, sh.peakTokens = m, n
	}
}

// Each calls fn with the state of every entry: session and issued-before
// entries by subject, then subject entries. It holds one subject's lock at
// a time; states changed meanwhile are reported to Emit as usual.
func (t *Table[T]) Each(fn func(*Change[T])) {
	var c Change[T]
	for i := range t.owners {
		os := &t.owners[i]
		os.mu.Lock()
		for key, list := range os.m {
			for _, o := range list {
				sh := t.shard(o.id)
				sh.mu.RLock()
				u, hasSession := sh.sessions[o.id]
				tok, hasTok := sh.tokens[o.id]
				sh.mu.RUnlock()
				if hasSession {
					c = Change[T]{Kind: KindSession, ID: o.id, Key: key, Created: o.created, Until: u}
					fn(&c)
				}
				if hasTok {
					c = Change[T]{Kind: KindToken, ID: o.id, Key: key, Created: o.created, Token: tok}
					fn(&c)
				}
			}
		}
		os.mu.Unlock()
	}
	t.subjMu.RLock()
	defer t.subjMu.RUnlock()
	for key, e := range t.subjects {
		c = Change[T]{Kind: KindSubject, Key: key, Subject: e}
		fn(&c)
	}
}

// SubjectEntry returns the subject entry of key, if there is one.
func (t *Table[T]) SubjectEntry(key Key) (Subject, bool) {
	t.subjMu.RLock()
	defer t.subjMu.RUnlock()
	e, ok := t.subjects[key]
	return e, ok
}

// Stats is a snapshot of the table's size and counters.
type Stats struct {
	Sessions, Tokens, Subjects int
	Entries                    int
	Collapses                  uint64 // subjects' entries collapsed into a subject entry, for any reason
	CapacityCollapses          uint64 // of those, collapsed because the table exceeded its capacity
	Pruned                     uint64
}

// Stats returns a snapshot. The fields are read one by one.
func (t *Table[T]) Stats() Stats {
	return Stats{
		Sessions:          int(t.nSessions.Load()),
		Tokens:            int(t.nTokens.Load()),
		Subjects:          int(t.nSubjects.Load()),
		Entries:           int(t.entries.Load()),
		Collapses:         t.collapses.Load(),
		CapacityCollapses: t.capacityCollapses.Load(),
		Pruned:            t.pruned.Load(),
	}
}

// Entries returns the number of entries of all kinds.
func (t *Table[T]) Entries() int { return int(t.entries.Load()) }

// Capacity returns the capacity and the per-subject bound.
func (t *Table[T]) Capacity() (maxEntries, perSubject int) { return int(t.max), int(t.perSubject) }

// Owned returns the number of session and issued-before entries of key.
func (t *Table[T]) Owned(key Key) int {
	os := t.ownerShard(key)
	os.mu.Lock()
	defer os.mu.Unlock()
	return len(os.m[key])
}
