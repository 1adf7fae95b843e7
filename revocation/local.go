package revocation

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of LocalOptions.
const (
	// DefaultMaxEntries is the default capacity of a Local: one million
	// entries, about 45 MB of memory for session entries.
	DefaultMaxEntries = 1_000_000
	// DefaultPruneInterval is the default period of background pruning.
	DefaultPruneInterval = time.Minute
)

// LocalOptions configures NewLocal. The zero value is a memory-only set
// with the defaults.
type LocalOptions struct {
	// MaxEntries is the capacity, counted over all three kinds of entry.
	// Default DefaultMaxEntries (1,000,000). When the set is full even after
	// dropping expired entries, the Revoke methods fail with ErrFull; a live
	// entry is never evicted.
	MaxEntries int

	// PruneInterval is the period at which a background goroutine drops
	// expired entries (and compacts the durable log when it pays). Default
	// DefaultPruneInterval (1 minute); a negative value disables the
	// goroutine, leaving pruning to explicit Prune calls and to a full set.
	PruneInterval time.Duration

	// Path is the durable append-only log. "" (the default) keeps the set in
	// memory only. The file is created with mode 0600 when missing; a lock
	// file Path+".lock" is created beside it. Durable mode needs a unix
	// system.
	Path string

	// Logger receives warnings (recovered log damage, failed writes, full
	// set) and compaction notes. nil means slog.Default(). Logs never show a
	// subject, nor more of a session ID than its first 8 hex digits.
	Logger *slog.Logger
}

// Local is the embedded Set: in memory, optionally backed by a durable log
// file. Create it with NewLocal; it is safe for concurrent use. See the
// package doc for its structure and guarantees.
type Local struct {
	shards [numShards]shard
	subj   subjects

	max       int64
	entries   atomic.Int64 // live entries of all kinds, reserved before insertion
	nSessions atomic.Int64
	nTokens   atomic.Int64
	nSubjects atomic.Int64
	revoked   atomic.Uint64
	pruned    atomic.Uint64
	lastPrune atomic.Uint32 // the latest now, in seconds, of a completed prune

	log    *wal // nil in memory-only mode
	logger *slog.Logger

	closed    atomic.Bool
	closeOnce sync.Once
	stop      chan struct{} // closed by Close; nil without background pruning
	done      chan struct{} // closed when the prune goroutine has returned
}

var _ Set = (*Local)(nil)

// NewLocal returns a Local configured by opts. With opts.Path set it locks
// the log (ErrLocked if another Local holds it), replays it, recovering
// from a torn or corrupt tail, and fails if the file is not a revocation
// log (ErrCorrupt) or holds more live entries than opts.MaxEntries (ErrFull):
// it never drops a live entry.
func NewLocal(opts LocalOptions) (*Local, error) {
	switch {
	case opts.MaxEntries < 0:
		return nil, fmt.Errorf("revocation: negative MaxEntries %d", opts.MaxEntries)
	case opts.MaxEntries == 0:
		opts.MaxEntries = DefaultMaxEntries
	}
	if opts.PruneInterval == 0 {
		opts.PruneInterval = DefaultPruneInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	l := &Local{max: int64(opts.MaxEntries), logger: opts.Logger}
	for i := range l.shards {
		l.shards[i].init()
	}
	l.subj.m = make(map[subjectKey]subjectEntry)
	if opts.Path != "" {
		path, err := resolvePath(opts.Path)
		if err != nil {
			return nil, err
		}
		if err := l.openLog(path); err != nil {
			return nil, err
		}
	}
	if opts.PruneInterval > 0 {
		l.stop = make(chan struct{})
		l.done = make(chan struct{})
		go l.pruneLoop(opts.PruneInterval)
	}
	return l, nil
}

func (l *Local) shard(id ID) *shard {
	return &l.shards[id[0]%numShards]
}

// RevokeSession implements Set. ctx is not consulted: a revocation is short
// (at most one shared fsync) and is never abandoned half way.
func (l *Local) RevokeSession(_ context.Context, id ID, until time.Time) error {
	if l.closed.Load() {
		return ErrClosed
	}
	u := secs(until)
	if u < secs(time.Now()) {
		l.revoked.Add(1)
		return nil
	}
	sh := l.shard(id)
	return l.upsert(&sh.mu,
		func() bool { _, ok := sh.sessions[id]; return !ok },
		func() *record {
			old, ok := sh.sessions[id]
			if ok && u <= old {
				return nil
			}
			if !ok {
				l.nSessions.Add(1)
			}
			sh.sessions[id] = u
			return &record{kind: kindSession, id: id, until: u}
		},
		func() error { return l.full(id) })
}

// RevokeIssuedBefore implements Set. Calls for one session merge as the
// package doc describes; the time of the call is the later of the system
// clock and before (the new token's issued-at), so that a caller with its
// own clock sees the same merge as it would with the system clock.
func (l *Local) RevokeIssuedBefore(_ context.Context, id ID, before, effective, until time.Time) error {
	if l.closed.Load() {
		return ErrClosed
	}
	b, e, u := secs(before), secs(effective), secs(until)
	now := secs(time.Now())
	if u < now {
		l.revoked.Add(1)
		return nil
	}
	at := max(now, b)
	sh := l.shard(id)
	return l.upsert(&sh.mu,
		func() bool { _, ok := sh.tokens[id]; return !ok },
		func() *record {
			old, ok := sh.tokens[id]
			next := old.merge(b, e, u, at)
			if ok && next == old {
				return nil
			}
			if !ok {
				l.nTokens.Add(1)
			}
			sh.tokens[id] = next
			return &record{kind: kindIssuedBefore, id: id, token: next}
		},
		func() error { return l.full(id) })
}

// RevokeSubject implements Set. subject must be 1 to MaxSubjectLen bytes,
// else it returns ErrBadSubject.
func (l *Local) RevokeSubject(_ context.Context, subject string, before, until time.Time) error {
	if subject == "" || len(subject) > MaxSubjectLen {
		return ErrBadSubject
	}
	if l.closed.Load() {
		return ErrClosed
	}
	e := subjectEntry{before: secs(before), until: secs(until)}
	if e.until < secs(time.Now()) {
		l.revoked.Add(1)
		return nil
	}
	s, key := &l.subj, subjectKeyOf(subject)
	return l.upsert(&s.mu,
		func() bool { _, ok := s.m[key]; return !ok },
		func() *record {
			old, ok := s.m[key]
			next := old.merge(e)
			if ok && next == old {
				return nil
			}
			if !ok {
				l.nSubjects.Add(1)
			}
			s.m[key] = next
			return &record{kind: kindSubject, skey: key, subj: next}
		},
		func() error {
			l.logger.Warn("revocation: set full; subject revocation refused", "capacity", l.max)
			return fmt.Errorf("%w: %d entries; a subject revocation was refused", ErrFull, l.max)
		})
}

// upsert is the shape every Revoke method shares: under mu, reserve room
// when the entry is new (pruning expired entries once if the set is full,
// else failing with full), merge with apply, queue the record apply returns
// on the durable log (nil when nothing changed), and wait until it is
// durable.
func (l *Local) upsert(mu sync.Locker, isNew func() bool, apply func() *record, full func() error) error {
	for retried := false; ; retried = true {
		mu.Lock()
		if isNew() && !l.reserve() {
			mu.Unlock()
			if !retried {
				l.pruneForRoom()
				continue
			}
			return full()
		}
		seq, err := l.append(apply())
		mu.Unlock()
		return l.acknowledge(seq, err)
	}
}

// Check implements Set. It takes one shard's read lock, makes one map
// lookup (two when strict reissue entries exist in that shard, three when
// subject entries exist and q has a subject) and never allocates. Its error
// is always nil; a closed set still answers.
func (l *Local) Check(_ context.Context, q Query, now time.Time) (Verdict, error) {
	n := secs(now)
	sh := l.shard(q.ID)
	sh.mu.RLock()
	until, revoked := sh.sessions[q.ID]
	var tok tokenEntry
	var hasTok bool
	if len(sh.tokens) != 0 {
		tok, hasTok = sh.tokens[q.ID]
	}
	sh.mu.RUnlock()
	if revoked && n <= until {
		return SessionRevoked, nil
	}
	if hasTok && tok.revoked(secs(q.Issued), n) {
		return TokenRevoked, nil
	}
	if q.Subject != "" && l.nSubjects.Load() != 0 {
		l.subj.mu.RLock()
		e, ok := l.subj.m[subjectKeyOf(q.Subject)]
		l.subj.mu.RUnlock()
		if ok && e.revoked(secs(q.Created), n) {
			return SubjectRevoked, nil
		}
	}
	return NotRevoked, nil
}

// Stats implements Set. The fields are read one by one, so under
// concurrent revocations they may not add up exactly.
func (l *Local) Stats() Stats {
	st := Stats{
		Sessions: int(l.nSessions.Load()),
		Tokens:   int(l.nTokens.Load()),
		Subjects: int(l.nSubjects.Load()),
		Capacity: int(l.max),
		Revoked:  l.revoked.Load(),
		Pruned:   l.pruned.Load(),
	}
	if l.log != nil {
		st.Compactions = l.log.compactions.Load()
		st.LogBytes = l.log.size.Load()
	}
	return st
}

// Health implements Set: ErrClosed after Close; in durable mode, the error
// that made the log fail, which is permanent for this Local (see the
// package doc); nil otherwise.
func (l *Local) Health(context.Context) error {
	if l.closed.Load() {
		return ErrClosed
	}
	if l.log != nil {
		return l.log.health()
	}
	return nil
}

// Close implements Set. It stops background pruning, waits for the
// revocations in flight to be durable, and closes and unlocks the log.
// It returns the log's failure, if any (see Health); later calls return
// nil.
func (l *Local) Close() error {
	var err error
	l.closeOnce.Do(func() {
		l.closed.Store(true)
		if l.stop != nil {
			close(l.stop)
			<-l.done
		}
		if l.log != nil {
			err = l.log.close()
		}
	})
	return err
}

// reserve takes one unit of capacity for a new entry; false if the set is
// full.
func (l *Local) reserve() bool {
	for {
		n := l.entries.Load()
		if n >= l.max {
			return false
		}
		if l.entries.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// full logs and returns the ErrFull of a refused session revocation.
func (l *Local) full(id ID) error {
	l.logger.Warn("revocation: set full; revocation refused", "id", idPrefix(id), "capacity", l.max)
	// The error names no session: callers log it, and logs must not carry
	// session IDs (the set's own warning above has the short prefix).
	return fmt.Errorf("%w: %d entries; a session revocation was refused", ErrFull, l.max)
}

// append queues r, if not nil, on the durable log and returns the sequence
// number to wait for: r's, or, when nothing changed, that of the last record
// queued, which covers the record that made the current state.
func (l *Local) append(r *record) (uint64, error) {
	if l.log == nil {
		return 0, nil
	}
	return l.log.enqueue(r)
}

// acknowledge waits until record seq is durable and counts the revocation.
func (l *Local) acknowledge(seq uint64, err error) error {
	if err == nil && l.log != nil {
		err = l.log.commit(seq)
	}
	if err != nil {
		if errors.Is(err, ErrClosed) {
			return ErrClosed
		}
		return err
	}
	l.revoked.Add(1)
	return nil
}

// resolvePath makes the log path absolute and follows symbolic links, so
// that the compaction's temporary file, its rename and the directory fsync
// all happen in the log's real directory (a bare file name would otherwise
// put the temporary file in $TMPDIR and fsync the directory "") and two
// paths to one file share one lock file.
func resolvePath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("revocation: %w", err)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("revocation: %w", err)
	}
	return abs, nil // not created yet
}
