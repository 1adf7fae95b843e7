package revocation

import (
	"crypto/sha256"
	"sync"
)

// numShards is the number of session shards. A session ID is random, so
// its first byte spreads IDs evenly; 16 shards keep writers off each other's
// locks without making a full prune visit many tiny maps.
const numShards = 16

// shard holds the session and issued-before entries of the IDs whose first
// byte is its index modulo numShards.
type shard struct {
	mu sync.RWMutex
	// sessions maps a revoked session ID to the until of its entry. This
	// is the map that grows to millions of entries, so its value is a bare
	// uint32: 20 bytes a slot.
	sessions map[ID]uint32
	// tokens maps a session ID to its issued-before entry. Strict reissue
	// mode is opt-in, so this map is usually empty and Check skips it.
	tokens map[ID]tokenEntry
	// peakSessions and peakTokens are the largest sizes seen by prune,
	// which rebuilds a map that shrank to a quarter of its peak.
	peakSessions, peakTokens int
	_                        [64]byte // keep neighbouring shards' locks off one cache line
}

func (s *shard) init() {
	s.sessions = make(map[ID]uint32)
	s.tokens = make(map[ID]tokenEntry)
}

// tokenEntry is the merged state of the RevokeIssuedBefore calls for one
// session, in seconds since the Unix epoch. Tokens issued before hard are
// revoked; tokens issued before soft are revoked from softEffective on.
// hard and soft only grow; see merge.
type tokenEntry struct {
	hard, soft, softEffective, until uint32
}

// revoked reports whether a token issued at issued is revoked at now.
func (e tokenEntry) revoked(issued, now uint32) bool {
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

// subjectEntry revokes the sessions of a subject created before before, in
// seconds since the Unix epoch, until until.
type subjectEntry struct {
	before, until uint32
}

func (e subjectEntry) revoked(created, now uint32) bool {
	return now <= e.until && created < e.before
}

func (e subjectEntry) merge(r subjectEntry) subjectEntry {
	return subjectEntry{before: max(e.before, r.before), until: max(e.until, r.until)}
}

// subjectKey identifies a subject by the SHA-256 of its name. Entries and
// log records are then a fixed size whatever the subject, user IDs stay out
// of the file, and a subject's bytes, which an application may take from
// user input, can never hold something log recovery would take for a record.
type subjectKey [sha256.Size]byte

func subjectKeyOf(subject string) subjectKey { return sha256.Sum256([]byte(subject)) }

// subjects holds the subject entries. "Log out everywhere" is rare next to
// logout, so one map under one lock is enough, and Check skips it entirely
// while it is empty.
type subjects struct {
	mu sync.RWMutex
	m  map[subjectKey]subjectEntry
}
