package registry

import (
	"crypto/sha256"
	"math"
	"slices"
	"sync/atomic"
	"time"
)

// key identifies a subject: the SHA-256 of its bytes. Memory and the file
// hold it instead of the subject, whose length a client may choose.
type key [32]byte

func keyOf(subject string) key { return sha256.Sum256([]byte(subject)) }

// entry is an Entry in memory: 48 bytes, plus its encoded labels.
type entry struct {
	id       ID
	created  uint32
	lastSeen uint32
	expires  uint32
	labels   string // encoded (see appendLabels); shared with listed Entries
}

// before reports whether a is evicted before b: seen less recently, or
// seen at the same second and created earlier (then, for a total order,
// the smaller ID).
func (a *entry) before(b *entry) bool {
	if a.lastSeen != b.lastSeen {
		return a.lastSeen < b.lastSeen
	}
	if a.created != b.created {
		return a.created < b.created
	}
	return string(a.id[:]) < string(b.id[:])
}

// export returns e as an Entry of subject.
func (e *entry) export(subject string) Entry {
	return Entry{
		ID:       e.id,
		Subject:  subject,
		Created:  time.Unix(int64(e.created), 0),
		LastSeen: time.Unix(int64(e.lastSeen), 0),
		Expires:  time.Unix(int64(e.expires), 0),
		Labels:   decodeLabels(e.labels),
	}
}

// table is the registry's memory: each subject's entries, in no order.
// It is not safe for concurrent use: Local guards it with its mutex.
type table struct {
	subjects map[key][]entry
	entries  int
	// fileBytes is the size of a file holding one add record per entry,
	// header included: what a rewrite would write. Atomic, so that the
	// file's writer can read it without the registry's mutex.
	fileBytes atomic.Int64

	evicted uint64
	removed uint64
	pruned  uint64
}

func newTable() *table {
	t := &table{subjects: make(map[key][]entry)}
	t.fileBytes.Store(headerSize)
	return t
}

// secs converts t to whole seconds since 1970 (rounding down), clamped to
// the range of a uint32: 0 before 1970 and 2106-02-07T06:28:15Z after it.
func secs(t time.Time) uint32 {
	u := t.Unix()
	switch {
	case u <= 0:
		return 0
	case u >= math.MaxUint32:
		return math.MaxUint32
	}
	return uint32(u)
}

// set stores es as the entries of k.
func (t *table) set(k *key, es []entry) {
	if len(es) == 0 {
		delete(t.subjects, *k)
		return
	}
	t.subjects[*k] = es
}

// drop removes es[i] and returns the shortened slice.
func (t *table) drop(es []entry, i int) []entry {
	t.entries--
	t.fileBytes.Add(-addRecordSize(&es[i]))
	last := len(es) - 1
	es[i] = es[last]
	es[last] = entry{} // let the labels go
	return es[:last]
}

// add registers e for k. It first drops k's entries expired at now, and
// its entry of the same ID, which it returns as prev; then, if max > 0, it
// removes the entries that come first in eviction order until fewer than
// max remain, and calls evict for each. An e already expired at now is not
// stored (and evicts nothing); stored reports whether e was.
func (t *table) add(k *key, e entry, now uint32, max int, evict func(*entry)) (stored bool, prev entry, replaced bool) {
	es := t.subjects[*k]
	for i := 0; i < len(es); {
		switch {
		case es[i].id == e.id:
			prev, replaced = es[i], true
			es = t.drop(es, i)
		case es[i].expires <= now:
			es = t.drop(es, i)
			t.pruned++
		default:
			i++
		}
	}
	if e.expires <= now {
		t.set(k, es)
		return false, prev, replaced
	}
	for max > 0 && len(es) >= max {
		first := 0
		for i := 1; i < len(es); i++ {
			if es[i].before(&es[first]) {
				first = i
			}
		}
		evict(&es[first])
		es = t.drop(es, first)
		t.evicted++
	}
	t.entries++
	t.fileBytes.Add(addRecordSize(&e))
	t.set(k, append(es, e))
	return true, prev, replaced
}

// undoAdd reverses an add of session id to k that replaced prev (when
// replaced is set) and evicted evicted: Add undoes an entry it could not
// make durable. The entries restored are those whose ID k holds no entry
// of by now.
func (t *table) undoAdd(k *key, id ID, prev *entry, replaced bool, evicted []entry) {
	es := t.subjects[*k]
	for i := range es {
		if es[i].id == id {
			es = t.drop(es, i)
			break
		}
	}
	restore := func(e *entry) {
		for i := range es {
			if es[i].id == e.id {
				return
			}
		}
		t.entries++
		t.fileBytes.Add(addRecordSize(e))
		es = append(es, *e)
	}
	if replaced {
		restore(prev)
	}
	for i := range evicted {
		restore(&evicted[i])
	}
	t.evicted -= uint64(len(evicted))
	t.set(k, es)
}

// seen sets the last seen time of session id of k to at, unless it was
// later already, and replaces its labels if replace is set. It reports
// whether the session is registered.
func (t *table) seen(k *key, id ID, at uint32, replace bool, labels string) bool {
	es := t.subjects[*k]
	for i := range es {
		if es[i].id == id {
			e := &es[i]
			e.lastSeen = max(e.lastSeen, at)
			if replace {
				t.fileBytes.Add(int64(len(labels) - len(e.labels)))
				e.labels = labels
			}
			return true
		}
	}
	return false
}

// remove drops the entry of session id of k and reports whether there was
// one.
func (t *table) remove(k *key, id ID) bool {
	es := t.subjects[*k]
	for i := range es {
		if es[i].id == id {
			t.set(k, t.drop(es, i))
			t.removed++
			return true
		}
	}
	return false
}

// removeBefore drops the entries of k created before before and returns
// how many it dropped.
func (t *table) removeBefore(k *key, before uint32) int {
	es := t.subjects[*k]
	n := 0
	for i := 0; i < len(es); {
		if es[i].created < before {
			es = t.drop(es, i)
			n++
		} else {
			i++
		}
	}
	if n > 0 {
		t.set(k, es)
		t.removed += uint64(n)
	}
	return n
}

// list returns the entries of k live at now, most recently seen first.
func (t *table) list(k *key, subject string, now uint32) []Entry {
	es := t.subjects[*k]
	out := make([]Entry, 0, len(es))
	for i := range es {
		if es[i].expires > now {
			out = append(out, es[i].export(subject))
		}
	}
	slices.SortFunc(out, func(a, b Entry) int {
		if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
			return c
		}
		return b.Created.Compare(a.Created)
	})
	return out
}

// prune drops every entry expired at now and returns how many.
func (t *table) prune(now uint32) int {
	n := 0
	for k, es := range t.subjects {
		m := 0
		for i := 0; i < len(es); {
			if es[i].expires <= now {
				es = t.drop(es, i)
				m++
			} else {
				i++
			}
		}
		if m > 0 {
			t.set(&k, es)
			n += m
		}
	}
	t.pruned += uint64(n)
	return n
}

// apply replays a record read from the file. It never evicts: the file
// holds the removals that Add made, as remove records before the add.
func (t *table) apply(r *record) {
	switch r.kind {
	case kindAdd:
		t.add(&r.key, entry{id: r.id, created: r.created, lastSeen: r.lastSeen, expires: r.expires, labels: r.labels}, 0, 0, nil)
	case kindSeen:
		t.seen(&r.key, r.id, r.lastSeen, r.hasLabels, r.labels)
	case kindRemove:
		t.remove(&r.key, r.id)
	case kindRemoveBefore:
		t.removeBefore(&r.key, r.created)
	}
}
