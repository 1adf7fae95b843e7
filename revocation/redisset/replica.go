package redisset

import (
	"crypto/sha256"
	"time"

	"github.com/crumbhq/crumb/revocation"
	"github.com/crumbhq/crumb/revocation/internal/table"
)

// replica is a node's copy of the set, in the same bounded table as
// revocation.Local: session, issued-before and subject entries, each
// session and issued-before entry in its subject's index. It applies the
// states Redis computed (issued-before entries with their version), and the
// node's own calls at once. Its bounds are Redis's: a subject's entries
// beyond the per-subject bound collapse into a subject entry, and past its
// capacity the subjects with the most entries collapse first — which can
// only make this node stricter than Redis, never more lenient. It is never
// full.
type replica struct {
	t *table.Table[tokenState]
}

func newReplica(maxEntries, perSubject int, onCapacity func(subjects, entries int)) *replica {
	return &replica{t: table.New[tokenState](table.Options{
		MaxEntries: maxEntries, MaxPerSubject: perSubject, OnCapacity: onCapacity,
	})}
}

// check is Set.Check without the staleness policy: a lookup in memory that
// never allocates.
func (r *replica) check(q revocation.Query, now time.Time) revocation.Verdict {
	return revocation.Verdict(r.t.Check(q.ID, q.Subject, secs(q.Created), secs(q.Issued), secs(now)))
}

// Until implements table.Token.
func (t tokenState) Until() uint32 { return t.until }

// Revoked implements table.Token.
func (t tokenState) Revoked(issued, now uint32) bool {
	return now <= t.until && (issued < t.hard || (issued < t.soft && now >= t.eff))
}

// coversLocal reports whether Redis's state t is at least as strict as the
// locally merged state of cur's pending calls: every token they revoke, t
// revokes no later.
func (t *tokenState) coversLocal(cur *tokenState) bool {
	return t.hard >= cur.pendSoft || (t.soft >= cur.pendSoft && t.eff <= cur.pendEff)
}

// applySession records a session entry; emit (may be nil) sees the
// changes.
func (r *replica) applySession(id revocation.ID, owner table.Key, created, until uint32, mode table.Mode, emit table.Emit[tokenState]) {
	r.t.PutSession(id, owner, created, until, secs(time.Now()), mode, emit)
}

// applyToken records an issued-before state: hard, soft and until only
// grow, and the effective time is that of the newest version — except
// while a call this node made (mergeTokenCall) is not yet in Redis's
// state: then the earlier effective time stays, so that Redis's older
// view cannot weaken it. An entry whose until has passed counts as absent:
// Redis expired its key, and the versions of a new key start again.
func (r *replica) applyToken(id revocation.ID, owner table.Key, created uint32, st tokenState, mode table.Mode) {
	now := secs(time.Now())
	st.pendSoft, st.pendEff = 0, 0 // local only
	r.t.PutToken(id, owner, created, st.until, now, mode, func(cur tokenState, ok bool) (tokenState, bool) {
		if !ok || cur.until < now {
			return st, true
		}
		next := cur
		if st.ver > cur.ver {
			if cur.pendSoft != 0 && !st.coversLocal(&cur) {
				next.eff = min(cur.eff, st.eff)
			} else {
				next.eff = st.eff
				next.pendSoft, next.pendEff = 0, 0
			}
			next.ver = st.ver
		}
		next.hard = max(cur.hard, st.hard)
		next.soft = max(cur.soft, st.soft)
		next.until = max(cur.until, st.until)
		return next, next != cur
	}, nil)
}

// mergeTokenCall applies a RevokeIssuedBefore call at once, before Redis
// has merged it, with revocation.Local's merge; Redis's state, applied
// later with a higher version, replaces the effective time.
func (r *replica) mergeTokenCall(c *call, emit table.Emit[tokenState]) {
	now := secs(time.Now())
	r.t.PutToken(c.id, c.skey, c.created, c.until, now, table.Enforce, func(e tokenState, ok bool) (tokenState, bool) {
		old := e
		if ok && e.until < now {
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
		return e, !ok || e != old
	}, emit)
}

// applySubject records a subject state: before and until only grow, and
// the subject's entries it covers go.
func (r *replica) applySubject(key [sha256.Size]byte, st subjectState, mode table.Mode, emit table.Emit[tokenState]) {
	r.t.PutSubject(key, table.Subject{Before: st.before, Until: st.until}, secs(time.Now()), mode, emit)
}

// applyCall applies a Revoke call to the replica at once, with the bounds.
func (r *replica) applyCall(c *call) {
	switch c.kind {
	case kindSession:
		r.applySession(c.id, c.skey, c.created, c.until, table.Enforce, nil)
	case kindToken:
		r.mergeTokenCall(c, nil)
	default:
		r.applySubject(c.skey, subjectState{before: c.before, until: c.until}, table.Enforce, nil)
	}
}

// applyState applies an entry state read from Redis (a snapshot value, a
// stream record or a script reply), owned by owner (hex; "" when Redis
// records none: an entry of an older version, kept apart and never
// collapsed) with the session's created-at. ok is false for a name, owner
// or state that does not decode.
func (r *replica) applyState(kind byte, name, state, owner string, created uint32) bool {
	var raw [sha256.Size]byte
	if !decodeName(kind, name, raw[:]) {
		return false
	}
	var key table.Key
	if owner != "" && !decodeName(kindSubject, owner, key[:]) {
		return false
	}
	switch kind {
	case kindSession:
		u, ok := parseSessionState(state)
		if ok {
			r.applySession(revocation.ID(raw[:16]), key, created, u, table.Enforce, nil)
		}
		return ok
	case kindToken:
		t, ok := parseTokenState(state)
		if ok {
			r.applyToken(revocation.ID(raw[:16]), key, created, t, table.Enforce)
		}
		return ok
	case kindSubject:
		s, ok := parseSubjectState(state)
		if ok {
			r.applySubject(raw, s, table.Enforce, nil)
		}
		return ok
	}
	return false
}

// prune drops the entries whose until is before now.
func (r *replica) prune(now time.Time) int { return r.t.Prune(secs(now)) }

// load returns the replica's entries, of all kinds, and its capacity.
func (r *replica) load() (entries, capacity int) {
	capacity, _ = r.t.Capacity()
	return r.t.Entries(), capacity
}

// subjectEntry returns the subject entry of key.
func (r *replica) subjectEntry(key table.Key) (subjectState, bool) {
	e, ok := r.t.SubjectEntry(key)
	return subjectState{before: e.Before, until: e.Until}, ok
}

// stats fills the size fields of a revocation.Stats.
func (r *replica) stats() revocation.Stats {
	st := r.t.Stats()
	capacity, perSubject := r.t.Capacity()
	return revocation.Stats{
		Sessions:          st.Sessions,
		Tokens:            st.Tokens,
		Subjects:          st.Subjects,
		Capacity:          capacity,
		MaxPerSubject:     perSubject,
		Pruned:            st.Pruned,
		Collapses:         st.Collapses,
		CapacityCollapses: st.CapacityCollapses,
	}
}
