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

	"github.com/crumbhq/crumb/revocation/internal/table"
)

// Defaults of LocalOptions.
const (
	// DefaultMaxEntries is the default capacity of a Local: one million
	// entries, 70 to 200 MB of memory depending on how many entries each
	// subject holds (see the package doc).
	DefaultMaxEntries = 1_000_000
	// DefaultMaxPerSubject is the default number of session and
	// issued-before entries one subject may hold. A person signing in and
	// out on a few devices, a few times a day each, stays well under it
	// within a session's lifetime (12 hours by default); an account used
	// to flood the set costs its own other sessions once it reaches it,
	// and at most 32 entries (about 2.5 KB) of memory.
	DefaultMaxPerSubject = 32
	// DefaultPruneInterval is the default period of background pruning.
	DefaultPruneInterval = time.Minute
	// DefaultPollInterval is how often, by default, a durable Local reads
	// the revocations other processes appended to its log.
	DefaultPollInterval = 250 * time.Millisecond
)

// LocalOptions configures NewLocal. The zero value is a memory-only set
// with the defaults.
type LocalOptions struct {
	// MaxEntries is the capacity, counted over all three kinds of entry.
	// Default DefaultMaxEntries (1,000,000). Past it, the set collapses the
	// entries of the subjects holding the most into one subject entry each,
	// down to nine tenths of the capacity (see the package doc); a
	// revocation is never refused, and a live entry never dropped.
	MaxEntries int

	// MaxPerSubject bounds the session and issued-before entries of one
	// subject. Default DefaultMaxPerSubject (32). The entry that would
	// exceed it first collapses the subject's entries into one subject
	// entry, which also ends the subject's other sessions created until
	// then.
	MaxPerSubject int

	// PruneInterval is the period at which a background goroutine drops
	// expired entries (and compacts the durable log when it pays). Default
	// DefaultPruneInterval (1 minute); a negative value disables it,
	// leaving pruning to explicit Prune calls.
	PruneInterval time.Duration

	// Path is the durable append-only log. "" (the default) keeps the set in
	// memory only. The file is created with mode 0600 when missing, and a
	// lock file Path+".lock" beside it. Several processes may share one
	// log — the application and sessionctl revoke, or several workers on
	// one machine: each appends its revocations under the lock and reads
	// the others' every PollInterval. Durable mode needs a unix system.
	Path string

	// PollInterval is how often a durable Local reads the revocations
	// other processes appended to its log, and retries a log that failed.
	// Default DefaultPollInterval (250 ms); a negative value disables the
	// reading (a one-shot tool that only revokes).
	PollInterval time.Duration

	// Logger receives warnings (recovered log damage, failed writes,
	// collapses for capacity) and compaction notes. nil means
	// slog.Default(). Logs never show a subject, nor more of a session ID
	// than its first 8 hex digits.
	Logger *slog.Logger
}

// Local is the embedded Set: in memory, optionally backed by a durable log
// file. Create it with NewLocal; it is safe for concurrent use. See the
// package doc for its structure and guarantees.
type Local struct {
	t      *table.Table[tokenEntry]
	log    *wal // nil in memory-only mode
	logger *slog.Logger

	revoked atomic.Uint64

	closed    atomic.Bool
	closeOnce sync.Once
	stop      chan struct{} // closed by Close; nil without background work
	done      chan struct{} // closed when the background goroutine has returned
}

var _ Set = (*Local)(nil)

// NewLocal returns a Local configured by opts. With opts.Path set it opens
// or creates the log, replays it (recovering from a torn or corrupt tail,
// and upgrading a log written by an older crumb), and fails if the path is
// not a regular file holding a revocation log (ErrCorrupt).
func NewLocal(opts LocalOptions) (*Local, error) {
	switch {
	case opts.MaxEntries < 0:
		return nil, fmt.Errorf("revocation: negative MaxEntries %d", opts.MaxEntries)
	case opts.MaxEntries == 0:
		opts.MaxEntries = DefaultMaxEntries
	}
	switch {
	case opts.MaxPerSubject < 0:
		return nil, fmt.Errorf("revocation: negative MaxPerSubject %d", opts.MaxPerSubject)
	case opts.MaxPerSubject == 0:
		opts.MaxPerSubject = DefaultMaxPerSubject
	}
	if opts.PruneInterval == 0 {
		opts.PruneInterval = DefaultPruneInterval
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	l := &Local{logger: opts.Logger}
	l.t = table.New[tokenEntry](table.Options{
		MaxEntries:    opts.MaxEntries,
		MaxPerSubject: opts.MaxPerSubject,
		OnCapacity:    l.capacityReached,
	})
	if opts.Path != "" {
		path, err := resolvePath(opts.Path)
		if err != nil {
			return nil, err
		}
		// The bounds apply to this process's own revocations: entries read
		// from the file, which other processes sharing it wrote under their
		// own bounds, are taken as they are, so a process opened with
		// smaller bounds (a tool) never collapses another's subjects.
		if err := l.openLog(path); err != nil {
			return nil, err
		}
	}
	prune := opts.PruneInterval
	poll := opts.PollInterval
	if l.log == nil {
		poll = -1
	}
	if prune > 0 || poll > 0 {
		l.stop = make(chan struct{})
		l.done = make(chan struct{})
		go l.background(prune, poll)
	}
	return l, nil
}

// capacityReached logs a capacity collapse (table.Options.OnCapacity).
func (l *Local) capacityReached(subjects, entries int) {
	capacity, _ := l.t.Capacity()
	if entries > capacity {
		l.logger.Warn("revocation: the set is over its capacity and collapsing its subjects could not bring it below; revocations are still accepted (raise MaxEntries)",
			"entries", entries, "capacity", capacity, "collapsed_subjects", subjects)
		return
	}
	l.logger.Warn("revocation: the set reached its capacity; the entries of the subjects with the most were collapsed into one subject entry each, which also ends their other sessions",
		"collapsed_subjects", subjects, "entries", entries, "capacity", capacity)
}

// keyOf validates a session revocation and returns its subject's key.
func keyOf(s Session) (table.Key, error) {
	if err := s.Validate(); err != nil {
		return table.Key{}, err
	}
	return table.KeyOf(s.Subject), nil
}

// RevokeSession implements Set. ctx is not consulted: a revocation is short
// (at most one shared fsync) and is never abandoned half way.
func (l *Local) RevokeSession(_ context.Context, s Session, until time.Time) error {
	key, err := keyOf(s)
	if err != nil {
		return err
	}
	if l.closed.Load() {
		return ErrClosed
	}
	u, now := secs(until), secs(time.Now())
	if u < now {
		l.revoked.Add(1)
		return nil
	}
	w := l.writes()
	l.t.PutSession(s.ID, key, secs(s.Created), u, now, table.Enforce, w.emit)
	return l.acknowledge(w)
}

// RevokeIssuedBefore implements Set. Calls for one session merge as the
// package doc describes; the time of the call is the later of the system
// clock and before (the new token's issued-at), so that a caller with its
// own clock sees the same merge as it would with the system clock.
func (l *Local) RevokeIssuedBefore(_ context.Context, s Session, before, effective, until time.Time) error {
	key, err := keyOf(s)
	if err != nil {
		return err
	}
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
	w := l.writes()
	l.t.PutToken(s.ID, key, secs(s.Created), u, now, table.Enforce, func(old tokenEntry, ok bool) (tokenEntry, bool) {
		next := old.merge(b, e, u, at)
		return next, !ok || next != old
	}, w.emit)
	return l.acknowledge(w)
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
	e := table.Subject{Before: secs(before), Until: secs(until)}
	now := secs(time.Now())
	if e.Until < now {
		l.revoked.Add(1)
		return nil
	}
	w := l.writes()
	l.t.PutSubject(table.KeyOf(subject), e, now, table.Enforce, w.emit)
	return l.acknowledge(w)
}

// writes collects the records one call queues on the durable log.
type writes struct {
	log *wal
	seq uint64
	err error
}

func (l *Local) writes() *writes { return &writes{log: l.log} }

// emit queues r on the log (table.Emit): called under the locks that
// order r among the states of its subject.
func (w *writes) emit(r *record) {
	if w.log == nil {
		return
	}
	seq, err := w.log.enqueue(r)
	if err != nil && w.err == nil {
		w.err = err
	}
	w.seq = max(w.seq, seq)
}

// acknowledge waits until the records of w are durable — or, when the call
// changed nothing, the last record queued, which covers the record that
// made the current state — and counts the revocation.
func (l *Local) acknowledge(w *writes) error {
	err := w.err
	if err == nil && l.log != nil {
		seq := w.seq
		if seq == 0 {
			seq = l.log.lastQueued()
		}
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

// Check implements Set. It takes one shard's read lock, makes one map
// lookup (two when issued-before entries exist in that shard, three when
// subject entries exist and q has a subject) and never allocates. Its error
// is always nil; a closed set still answers.
func (l *Local) Check(_ context.Context, q Query, now time.Time) (Verdict, error) {
	return Verdict(l.t.Check(q.ID, q.Subject, secs(q.Created), secs(q.Issued), secs(now))), nil
}

// SubjectEntry returns the subject entry of subject — made by RevokeSubject
// or by a collapse: the sessions of the subject created before before are
// revoked until until — and whether there is one. Tools use it to report
// an entry's real expiry: entries only grow, so a revocation asked for a
// shorter time than an existing entry leaves the entry as it was.
func (l *Local) SubjectEntry(subject string) (before, until time.Time, ok bool) {
	e, ok := l.t.SubjectEntry(table.KeyOf(subject))
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	return time.Unix(int64(e.Before), 0), time.Unix(int64(e.Until), 0), true
}

// Prune implements Set. In durable mode it then compacts the log if the
// file has grown to more than twice the size the live entries need (and
// more than 64 KiB); the error is that of the compaction, which leaves the
// old log intact when it fails.
func (l *Local) Prune(_ context.Context, now time.Time) (int, error) {
	n := l.t.Prune(secs(now))
	if l.log == nil || l.closed.Load() {
		return n, nil
	}
	return n, l.maybeCompact()
}

// Stats implements Set. The fields are read one by one, so under
// concurrent revocations they may not add up exactly.
func (l *Local) Stats() Stats {
	ts := l.t.Stats()
	capacity, perSubject := l.t.Capacity()
	st := Stats{
		Sessions:          ts.Sessions,
		Tokens:            ts.Tokens,
		Subjects:          ts.Subjects,
		Capacity:          capacity,
		MaxPerSubject:     perSubject,
		Revoked:           l.revoked.Load(),
		Pruned:            ts.Pruned,
		Collapses:         ts.Collapses,
		CapacityCollapses: ts.CapacityCollapses,
	}
	if l.log != nil {
		st.Compactions = l.log.compactions.Load()
		st.Recoveries = l.log.recoveries.Load()
		st.LogBytes = l.log.size.Load()
	}
	return st
}

// Health implements Set: ErrClosed after Close; in durable mode, the error
// of a log that failed and has not recovered yet (it is retried every
// PollInterval, and on the next revocation); an error wrapping ErrDegraded
// while the set holds nine tenths of its capacity or more, and collapses
// subjects' entries to make room; nil otherwise.
func (l *Local) Health(context.Context) error {
	if l.closed.Load() {
		return ErrClosed
	}
	if l.log != nil {
		if err := l.log.health(); err != nil {
			return err
		}
	}
	capacity, _ := l.t.Capacity()
	if n := l.t.Entries(); int64(n)*10 >= int64(capacity)*9 {
		return fmt.Errorf("%w: %d entries, capacity %d: the subjects with the most entries are collapsed to make room (raise MaxEntries)", ErrDegraded, n, capacity)
	}
	return nil
}

// Close implements Set. It stops background work, waits for the
// revocations in flight to be durable, and closes the log. It returns the
// log's failure, if any (see Health); later calls return nil.
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

// background prunes every prune interval and, in durable mode, reads the
// other processes' revocations and retries a failed log every poll
// interval, until Close. A non-positive interval disables its part.
func (l *Local) background(prune, poll time.Duration) {
	defer close(l.done)
	var pruneC, pollC <-chan time.Time
	if prune > 0 {
		t := time.NewTicker(prune)
		defer t.Stop()
		pruneC = t.C
	}
	if poll > 0 {
		t := time.NewTicker(poll)
		defer t.Stop()
		pollC = t.C
	}
	for {
		select {
		case <-l.stop:
			return
		case <-pruneC:
			n, err := l.Prune(context.Background(), time.Now())
			if err != nil {
				l.logger.Warn("revocation: compacting the log failed", "err", err)
			}
			if n > 0 {
				l.logger.Debug("revocation: pruned expired entries", "removed", n)
			}
		case <-pollC:
			l.poll()
		}
	}
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
