package registry

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
	// DefaultPruneInterval is the default period at which a Local drops
	// expired entries.
	DefaultPruneInterval = time.Minute
)

// LocalOptions configures NewLocal. The zero value is a registry in memory
// only, with the defaults.
type LocalOptions struct {
	// Path is the durable file. "" (the default) keeps the registry in
	// memory only: it starts empty at every start of the process. The file
	// is created with mode 0600 when missing, with a lock file Path+".lock"
	// beside it. One process at a time writes a registry file: a second
	// one gets an error wrapping ErrLocked. Durable mode needs a unix
	// system.
	Path string

	// MaxPerSubject is how many live entries one subject may hold.
	// Default DefaultMaxPerSubject (16). Add removes the least recently
	// seen entries past it and returns them.
	MaxPerSubject int

	// ReadOnly opens Path to list what it holds, as a command run beside
	// the application does, while the application keeps writing it: List,
	// Stats and Health read what the writer appended since the last call
	// (or the whole file again, after the writer rewrote it), and every
	// change returns ErrReadOnly. It takes no lock. A record the writer is
	// still writing, or one a crash cut short, is not listed; it is not an
	// error. Path must exist.
	ReadOnly bool

	// PruneInterval is the period at which a background goroutine drops
	// expired entries (and rewrites the durable file when that makes it
	// much smaller). Default DefaultPruneInterval (1 minute); a negative
	// value disables it. Expired entries are never listed, pruned or not.
	PruneInterval time.Duration

	// Logger receives warnings (a failed write, damage found in the file)
	// and notes (a rewrite of the file). nil means slog.Default(). Logs
	// never show a session ID, a subject or a label.
	Logger *slog.Logger

	// ops replaces the file operations, for tests; nil means the real ones.
	ops *fileOps
}

// Local is the embedded Registry: in memory, optionally backed by a durable
// file. Create it with NewLocal; it is safe for concurrent use.
//
// Memory holds, for each subject with entries, the SHA-256 of the subject
// (never the subject itself) and a slice of at most MaxPerSubject entries
// of 48 bytes plus their labels' bytes: about 130 bytes per entry when
// each subject has one, 60 when each has 16, plus about 50 for two short
// labels (measured by TestMemoryPerEntry). An operation costs a scan of
// one subject's entries; one mutex serialises them, and no operation
// waits for the disk while holding it.
//
// # Durability
//
// With a Path, every change is appended to the file. Add returns once its
// record is written and fsynced (concurrent Adds share one fsync): a
// session that was listed once stays listed after a crash, so no usable
// session escapes the list. Seen, Remove and RemoveBefore return once
// their record is queued; a background goroutine writes and fsyncs the
// queue every half second, so a crash loses at most the last second of
// them. That is safe: a lost Seen leaves a last-seen time a few minutes
// old; a lost Remove or RemoveBefore leaves an entry of a session that
// cookie.Store has already revoked (its revocation set is durable on its
// own), and the store hides revoked sessions when it lists them and
// removes their entries again.
//
// If a write fails, Health reports it until the file works again, and
// the calls return an error wrapping ErrUnavailable: Add after undoing its
// change, so that it changed nothing (the caller, which does not issue
// the session, has no entry to end); Seen, Remove and RemoveBefore after
// applying theirs in memory. The background goroutine or the next change,
// no sooner than a second later (then two, four, up to ten), rewrites the
// whole file from memory: the registry recovers without a restart once
// the disk takes writes again.
type Local struct {
	opts   LocalOptions
	logger *slog.Logger

	mu     sync.Mutex // guards t, closed, added; and orders records as t changes
	t      *table
	closed bool
	added  uint64

	file     *file     // the writer's file; nil in memory or read-only
	follower *follower // the reader's file; nil unless ReadOnly

	closing   atomic.Bool
	closeOnce sync.Once
	stop      chan struct{} // closed by Close; nil without background work
	done      chan struct{} // closed when the background goroutine returns
}

var _ Registry = (*Local)(nil)

// NewLocal returns a Local configured by o. With o.Path set it opens or
// creates the file and loads it (skipping damage such as a record cut
// short by a crash, which it logs), then rewrites it with the live entries
// only. It fails with an error wrapping ErrCorrupt, leaving the file
// untouched, if the path is not a regular file, or not a session registry
// this version of crumb can read; with ErrLocked if another registry has
// the file open for writing.
func NewLocal(o LocalOptions) (*Local, error) {
	switch {
	case o.MaxPerSubject < 0:
		return nil, fmt.Errorf("registry: negative MaxPerSubject %d", o.MaxPerSubject)
	case o.MaxPerSubject == 0:
		o.MaxPerSubject = DefaultMaxPerSubject
	}
	if o.PruneInterval == 0 {
		o.PruneInterval = DefaultPruneInterval
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ops == nil {
		o.ops = &osOps
	}
	if o.ReadOnly && o.Path == "" {
		return nil, errors.New("registry: ReadOnly needs a Path to read")
	}
	l := &Local{opts: o, logger: o.Logger, t: newTable()}
	if o.Path != "" {
		path, err := resolvePath(o.Path)
		if err != nil {
			return nil, err
		}
		if o.ReadOnly {
			err = l.openFollower(path)
		} else {
			err = l.openFile(path)
		}
		if err != nil {
			return nil, err
		}
	}
	flush := time.Duration(-1)
	if l.file != nil {
		flush = flushInterval
	}
	if o.PruneInterval > 0 || flush > 0 {
		l.stop = make(chan struct{})
		l.done = make(chan struct{})
		go l.background(o.PruneInterval, flush)
	}
	return l, nil
}

// change checks what every change needs before it takes the mutex.
func (l *Local) change() error {
	switch {
	case l.opts.ReadOnly:
		return ErrReadOnly
	case l.closing.Load():
		return ErrClosed
	}
	return nil
}

// Add implements Registry. With a file, it returns once the change is
// durable; when it cannot be written, Add undoes it in memory, so that it
// changed nothing, and returns an error wrapping ErrUnavailable (at once
// while a failed file waits for its next retry). ctx is not consulted: an
// Add is short (at most one shared fsync) and never abandoned half way.
func (l *Local) Add(_ context.Context, e Entry, now time.Time) ([]Entry, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if err := l.change(); err != nil {
		return nil, err
	}
	if l.file != nil {
		if err := l.file.waiting(); err != nil {
			return nil, err
		}
	}
	k := keyOf(e.Subject)
	ne := entry{id: e.ID, created: secs(e.Created), lastSeen: secs(e.LastSeen), expires: secs(e.Expires), labels: encodeLabels(e.Labels)}
	var gone []entry
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, ErrClosed
	}
	added, prev, replaced := l.t.add(&k, ne, secs(now), l.opts.MaxPerSubject, func(old *entry) {
		gone = append(gone, *old)
		if l.file != nil {
			l.file.enqueue(&record{kind: kindRemove, key: k, id: old.id})
		}
	})
	if added {
		l.added++
	}
	var seq uint64
	if l.file != nil {
		// Written even for an entry already expired, which replaces an
		// entry of the same ID: replaying it removes that entry.
		r := addRecord(&k, &ne)
		seq, _ = l.file.enqueue(&r)
	}
	l.mu.Unlock()
	if seq > 0 {
		if err := l.file.commit(seq); err != nil {
			l.undoAdd(&k, ne.id, added, &prev, replaced, gone)
			return nil, err
		}
	}
	var evicted []Entry
	for i := range gone {
		evicted = append(evicted, gone[i].export(e.Subject))
	}
	return evicted, nil
}

// undoAdd reverses an Add that could not be written (see table.undoAdd).
// Its records follow the failed ones in the file's queue, so that the file
// ends the same as memory, whichever of the two a rewrite saw.
func (l *Local) undoAdd(k *key, id ID, added bool, prev *entry, replaced bool, evicted []entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.t.undoAdd(k, id, prev, replaced, evicted)
	if added {
		l.added--
	}
	l.file.enqueue(&record{kind: kindRemove, key: *k, id: id})
	if replaced {
		r := addRecord(k, prev)
		l.file.enqueue(&r)
	}
	for i := range evicted {
		r := addRecord(k, &evicted[i])
		l.file.enqueue(&r)
	}
}

// Seen implements Registry. With a file, the change is written and fsynced
// within about a second, not before Seen returns (see Local); the error
// wraps ErrUnavailable while the file cannot be written, and the change
// then applies in memory only until it can. A time earlier than the
// entry's last seen time leaves it as it is.
func (l *Local) Seen(_ context.Context, subject string, id ID, at time.Time, labels map[string]string) error {
	if err := ValidateSubject(subject); err != nil {
		return err
	}
	if err := ValidateLabels(labels); err != nil {
		return err
	}
	if err := l.change(); err != nil {
		return err
	}
	k := keyOf(subject)
	replace := labels != nil
	enc := encodeLabels(labels)
	a := secs(at)
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	if !l.t.seen(&k, id, a, replace, enc) {
		l.mu.Unlock()
		return nil
	}
	return l.queued(&record{kind: kindSeen, key: k, id: id, lastSeen: a, hasLabels: replace, labels: enc})
}

// Remove implements Registry, with the durability of Seen.
func (l *Local) Remove(_ context.Context, subject string, ids ...ID) error {
	if err := ValidateSubject(subject); err != nil {
		return err
	}
	if err := l.change(); err != nil {
		return err
	}
	k := keyOf(subject)
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	removed := false
	var seq uint64
	var state queueState
	for _, id := range ids {
		if l.t.remove(&k, id) {
			removed = true
			if l.file != nil {
				seq, state = l.file.enqueue(&record{kind: kindRemove, key: k, id: id})
			}
		}
	}
	l.mu.Unlock()
	if !removed || l.file == nil {
		return nil
	}
	return l.file.after(seq, state)
}

// RemoveBefore implements Registry, with the durability of Seen. Times
// have one-second resolution: an entry created in the second of before
// stays.
func (l *Local) RemoveBefore(_ context.Context, subject string, before time.Time) error {
	if err := ValidateSubject(subject); err != nil {
		return err
	}
	if err := l.change(); err != nil {
		return err
	}
	k := keyOf(subject)
	b := secs(before)
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	if l.t.removeBefore(&k, b) == 0 {
		l.mu.Unlock()
		return nil
	}
	return l.queued(&record{kind: kindRemoveBefore, key: k, created: b})
}

// queued queues r, the record of a change made with l.mu held, releases
// l.mu, and returns what the caller of a change that need not wait for the
// disk returns: nil, unless the file is failing and could not be
// rewritten now. A large queue is written at once.
func (l *Local) queued(r *record) error {
	if l.file == nil {
		l.mu.Unlock()
		return nil
	}
	seq, state := l.file.enqueue(r)
	l.mu.Unlock()
	return l.file.after(seq, state)
}

// List implements Registry. In read-only mode it first reads what the
// writer appended since the last call; if that fails, it lists what it
// read before and Health reports why.
func (l *Local) List(_ context.Context, subject string, now time.Time) ([]Entry, error) {
	if err := ValidateSubject(subject); err != nil {
		return nil, err
	}
	if l.closing.Load() {
		return nil, ErrClosed
	}
	if l.follower != nil {
		l.follower.refresh()
	}
	k := keyOf(subject)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	return l.t.list(&k, subject, secs(now)), nil
}

// Stats implements Registry. Entries counts entries not yet pruned,
// expired or not. LogBytes is the size of the durable file.
func (l *Local) Stats() Stats {
	if l.follower != nil && !l.closing.Load() {
		l.follower.refresh()
	}
	l.mu.Lock()
	st := Stats{
		Subjects:      len(l.t.subjects),
		Entries:       l.t.entries,
		MaxPerSubject: l.opts.MaxPerSubject,
		Added:         l.added,
		Evicted:       l.t.evicted,
		Removed:       l.t.removed,
		Pruned:        l.t.pruned,
	}
	l.mu.Unlock()
	switch {
	case l.file != nil:
		st.LogBytes = l.file.size.Load()
	case l.follower != nil:
		st.LogBytes = l.follower.size.Load()
	}
	return st
}

// Health implements Registry: ErrClosed after Close; with a file, an
// error wrapping ErrUnavailable while it cannot be written (retried every
// 1 to 10 seconds) or, in read-only mode, read; nil otherwise.
func (l *Local) Health(context.Context) error {
	if l.closing.Load() {
		return ErrClosed
	}
	switch {
	case l.file != nil:
		return l.file.health()
	case l.follower != nil:
		return l.follower.refresh()
	}
	return nil
}

// Prune drops the entries expired at now and returns how many it dropped.
// The background goroutine calls it every PruneInterval. Expired entries
// need no record in the file: loading it drops them again.
func (l *Local) Prune(now time.Time) int {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return 0
	}
	n := l.t.prune(secs(now))
	l.mu.Unlock()
	return n
}

// Close implements Registry. In durable mode it writes and fsyncs the
// changes still queued, closes the file and releases its lock; it returns
// the error of a file that could not be written. Later calls return nil.
func (l *Local) Close() error {
	var err error
	l.closeOnce.Do(func() {
		l.closing.Store(true)
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
		if l.stop != nil {
			close(l.stop)
			<-l.done
		}
		switch {
		case l.file != nil:
			err = l.file.close()
		case l.follower != nil:
			l.follower.close()
		}
	})
	return err
}

// background prunes every prune interval and, in durable mode, writes the
// queued changes every flush interval (retrying a failing file, and
// rewriting a file grown much larger than its entries need), until Close.
// A non-positive interval disables its part.
func (l *Local) background(prune, flush time.Duration) {
	defer close(l.done)
	var pruneC, flushC <-chan time.Time
	if prune > 0 {
		t := time.NewTicker(prune)
		defer t.Stop()
		pruneC = t.C
	}
	if flush > 0 {
		t := time.NewTicker(flush)
		defer t.Stop()
		flushC = t.C
	}
	for {
		select {
		case <-l.stop:
			return
		case <-pruneC:
			if n := l.Prune(time.Now()); n > 0 {
				l.logger.Debug("registry: pruned expired entries", "removed", n)
			}
		case <-flushC:
			l.file.flush()
		}
	}
}

// resolvePath makes path absolute and follows symbolic links, so that the
// rewrite's temporary file, its rename and the directory fsync all happen
// in the file's real directory, and two paths to one file share one lock
// file.
func resolvePath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("registry: %w", err)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("registry: %w", err)
	}
	return abs, nil // not created yet
}
