package revocation

// tokenEntry is the merged state of the RevokeIssuedBefore calls for one
// session, in seconds since the Unix epoch. Tokens issued before hard are
// revoked; tokens issued before soft are revoked from softEffective on.
// hard and soft only grow; see merge.
type tokenEntry struct {
	hard, soft, softEffective, until uint32
}

// Until implements table.Token.
func (e tokenEntry) Until() uint32 { return e.until }

// Revoked implements table.Token: whether a token issued at issued is
// revoked at now.
func (e tokenEntry) Revoked(issued, now uint32) bool {
	return now <= e.until && (issued < e.hard || (issued < e.soft && now >= e.softEffective))
}

// merge folds the call RevokeIssuedBefore(before, effective, until), made at
// time at, into e. If the previous soft window is already in effect at the
// time of the call, it becomes part of the hard window, so that a token it
// revoked stays revoked, and the soft window starts anew from the call. If
// it is still pending, the call widens it to the newer tokens but never
// postpones it: the earlier effective time stands. So a session reissued
// more often than the grace window cannot keep an older token alive — its
// grace is shortened, never lengthened — and nothing revoked is ever
// unrevoked.
func (e tokenEntry) merge(before, effective, until, at uint32) tokenEntry {
	if at >= e.softEffective || e.soft <= e.hard {
		e.hard = max(e.hard, e.soft)
		e.softEffective = effective
	} else {
		e.softEffective = min(e.softEffective, effective)
	}
	e.soft = max(e.soft, before)
	e.until = max(e.until, until)
	return e
}

// replay folds a full entry state read from the durable log into e. The log
// records every state in the order the set reached it; hard, soft and until
// only grow, so taking the maximum is exact and tolerates a record lost to
// corruption, and the softEffective of the newest record wins.
func (e tokenEntry) replay(r tokenEntry) tokenEntry {
	return tokenEntry{
		hard:          max(e.hard, r.hard),
		soft:          max(e.soft, r.soft),
		softEffective: r.softEffective,
		until:         max(e.until, r.until),
	}
}
