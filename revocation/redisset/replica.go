package redisset

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crumbhq/crumb/revocation"
)

// numShards spreads the issued-before entries over locks, as
// revocation.Local does for its maps.
const numShards = 16

// replica is a node's copy of the set. Session entries, the bulk, live in a
// revocation.Local (memory only), whose RevokeSession is exactly the
// idempotent, order-free merge a replica needs. Issued-before and subject
// entries live in maps of their own: a replica must apply the merged
// states Redis computed (with their version), and a subject known only by
// its SHA-256, which Local's API, taking calls and subject names, cannot
// express.
type replica struct {
	local *revocation.Local
	max   int64

	tokens  [numShards]tokenShard
	nTokens atomic.Int64

	subjMu    sync.RWMutex
	subjects  map[[sha256.Size]byte]subjectState
	nSubjects atomic.Int64

	pruned atomic.Uint64 // entries pruned from the maps of this file
}

type tokenShard struct {
	mu sync.RWMutex
	m  map[revocation.ID]tokenState
	_  [64]byte // keep neighbouring shards' locks off one cache line
}

// errReplicaFull reports an entry the replica had no room for.
var errReplicaFull = revocation.ErrFull

func newReplica(maxEntries int, logger *slog.Logger) (*replica, error) {
	r := &replica{max: int64(maxEntries), subjects: make(map[[sha256.Size]byte]subjectState)}
	for i := range r.tokens {
		r.tokens[i].m = make(map[revocation.ID]tokenState)
	}
	l, err := revocation.NewLocal(revocation.LocalOptions{MaxEntries: maxEntries, PruneInterval: -1, Logger: logger})
	if err != nil {
		return nil, err
	}
	r.local = l
	return r, nil
}

// check is Set.Check without the staleness policy: a lookup in memory that
// never allocates.
func (r *replica) check(q revocation.Query, now time.Time) revocation.Verdict {
	// Local.Check never fails; its subject map stays empty, so it skips it.
	if v, _ := r.local.Check(context.Background(), q, now); v != revocation.NotRevoked {
		return v
	}
	if r.nTokens.Load() != 0 {
		sh := &r.tokens[q.ID[0]%numShards]
		sh.mu.RLock()
		t, ok := sh.m[q.ID]
		sh.mu.RUnlock()
		if ok && t.revoked(secs(q.Issued), secs(now)) {
			return revocation.TokenRevoked
		}
	}
	if q.Subject != "" && r.nSubjects.Load() != 0 {
		key := sha256.Sum256([]byte(q.Subject))
		r.subjMu.RLock()
		s, ok := r.subjects[key]
		r.subjMu.RUnlock()
		if ok && secs(now) <= s.until && secs(q.Created) < s.before {
			return revocation.SubjectRevoked
		}
	}
	return revocation.NotRevoked
}

// coversLocal reports whether Redis's state t is at least as strict as the
// locally merged state of cur's pending calls: every token they revoke, t
// revokes no later.
func (t *tokenState) coversLocal(cur *tokenState) bool {
	return t.hard >= cur.pendSoft || (t.soft >= cur.pendSoft && t.eff <= cur.pendEff)
}

func (t tokenState) revoked(issued, now uint32) bool {
	return now <= t.until && (issued < t.hard || (issued < t.soft && now >= t.eff))
}

// full reports whether the replica has no room for one more entry.
func (r *replica) full() bool {
	st := r.local.Stats()
	return int64(st.Sessions)+r.nTokens.Load()+r.nSubjects.Load() >= r.max
}

// applySession records a session entry. The error is errReplicaFull.
func (r *replica) applySession(id revocation.ID, until uint32) error {
	now := time.Now()
	if until < secs(now) {
		return nil
	}
	// Local bounds the session entries alone; the capacity covers all
	// kinds. Only a new entry needs room.
	if r.full() {
		if v, _ := r.local.Check(context.Background(), revocation.Query{ID: id}, now); v != revocation.SessionRevoked {
			return errReplicaFull
		}
	}
	err := r.local.RevokeSession(context.Background(), id, time.Unix(int64(until), 0))
	if errors.Is(err, revocation.ErrFull) {
		return errReplicaFull
	}
	return err
}

// applyToken records an issued-before state: hard, soft and until only
// grow, and the effective time is that of the newest version — except
// while a call this node made (mergeTokenCall) is not yet in Redis's
// state: then the earlier effective time stays, so that Redis's older
// view cannot weaken it. An entry whose until has passed counts as absent:
// Redis expired its key, and the versions of a new key start again.
func (r *replica) applyToken(id revocation.ID, st tokenState) error {
	now := secs(time.Now())
	if st.until < now {
		return nil
	}
	st.pendSoft, st.pendEff = 0, 0 // local only
	sh := &r.tokens[id[0]%numShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	cur, ok := sh.m[id]
	if !ok {
		if r.full() {
			return errReplicaFull
		}
		r.nTokens.Add(1)
		sh.m[id] = st
		return nil
	}
	if cur.until < now {
		sh.m[id] = st
		return nil
	}
	if st.ver > cur.ver {
		if cur.pendSoft != 0 && !st.coversLocal(&cur) {
			cur.eff = min(cur.eff, st.eff)
		} else {
			cur.eff = st.eff
			cur.pendSoft, cur.pendEff = 0, 0
		}
		cur.ver = st.ver
	}
	cur.hard = max(cur.hard, st.hard)
	cur.soft = max(cur.soft, st.soft)
	cur.until = max(cur.until, st.until)
	sh.m[id] = cur
	return nil
}

// mergeTokenCall applies a RevokeIssuedBefore call at once, before Redis
// has merged it, with revocation.Local's merge; Redis's state, applied
// later with a higher version, replaces the effective time.
func (r *replica) mergeTokenCall(c *call) error {
	if c.until < secs(time.Now()) {
		return nil
	}
	sh := &r.tokens[c.id[0]%numShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.m[c.id]
	if !ok {
		if r.full() {
			return errReplicaFull
		}
		r.nTokens.Add(1)
	} else if e.until < secs(time.Now()) {
		e = tokenState{} // expired: absent
	}
	if c.at >= e.eff || e.soft <= e.hard {
		e.hard = max(e.hard, e.soft)
		e.eff = c.eff
	} else {
		e.eff = min(e.eff, c.eff)
	}
	e.soft = max(e.soft, c.before)
	e.until = max(e.until, c.until)
	// Until Redis's state covers this merged state, a newer version from
	// Redis must not move the effective time later.
	e.pendSoft, e.pendEff = e.soft, e.eff
	sh.m[c.id] = e
	return nil
}

// applySubject records a subject state: before and until only grow (an
// entry whose until has passed counts as absent).
func (r *replica) applySubject(key [sha256.Size]byte, st subjectState) error {
	now := secs(time.Now())
	if st.until < now {
		return nil
	}
	r.subjMu.Lock()
	defer r.subjMu.Unlock()
	cur, ok := r.subjects[key]
	if !ok {
		if r.full() {
			return errReplicaFull
		}
		r.nSubjects.Add(1)
	} else if cur.until < now {
		cur = subjectState{}
	}
	r.subjects[key] = subjectState{before: max(cur.before, st.before), until: max(cur.until, st.until)}
	return nil
}

// applyCall applies a Revoke call to the replica at once.
func (r *replica) applyCall(c *call) error {
	switch c.kind {
	case kindSession:
		return r.applySession(c.id, c.until)
	case kindToken:
		return r.mergeTokenCall(c)
	default:
		return r.applySubject(c.skey, subjectState{before: c.before, until: c.until})
	}
}

// applyState applies an entry state read from Redis (a snapshot value, a
// stream record or a script reply). ok is false for a name or state that
// does not decode; err is errReplicaFull.
func (r *replica) applyState(kind byte, name, state string) (ok bool, err error) {
	var raw [sha256.Size]byte
	if !decodeName(kind, name, raw[:]) {
		return false, nil
	}
	switch kind {
	case kindSession:
		u, ok := parseSessionState(state)
		if !ok {
			return false, nil
		}
		return true, r.applySession(revocation.ID(raw[:16]), u)
	case kindToken:
		t, ok := parseTokenState(state)
		if !ok {
			return false, nil
		}
		return true, r.applyToken(revocation.ID(raw[:16]), t)
	case kindSubject:
		s, ok := parseSubjectState(state)
		if !ok {
			return false, nil
		}
		return true, r.applySubject(raw, s)
	}
	return false, nil
}

// prune drops the entries whose until is before now.
func (r *replica) prune(now time.Time) int {
	n, _ := r.local.Prune(context.Background(), now) // memory only: never fails
	t := secs(now)
	removed := 0
	for i := range r.tokens {
		sh := &r.tokens[i]
		sh.mu.Lock()
		for id, e := range sh.m {
			if e.until < t {
				delete(sh.m, id)
				removed++
				r.nTokens.Add(-1)
			}
		}
		sh.mu.Unlock()
	}
	r.subjMu.Lock()
	for k, e := range r.subjects {
		if e.until < t {
			delete(r.subjects, k)
			removed++
			r.nSubjects.Add(-1)
		}
	}
	r.subjMu.Unlock()
	r.pruned.Add(uint64(removed))
	return n + removed
}

// stats fills the size fields of a revocation.Stats.
func (r *replica) stats() revocation.Stats {
	st := r.local.Stats()
	return revocation.Stats{
		Sessions: st.Sessions,
		Tokens:   int(r.nTokens.Load()),
		Subjects: int(r.nSubjects.Load()),
		Capacity: int(r.max),
		Pruned:   st.Pruned + r.pruned.Load(),
	}
}

func (r *replica) close() { _ = r.local.Close() } // memory only: never fails
