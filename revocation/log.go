package revocation

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crumbhq/crumb/internal/safefile"
	"github.com/crumbhq/crumb/revocation/internal/table"
)

const (
	// maxSpare is the largest write buffer kept for reuse between batches.
	maxSpare = 1 << 20
	// lockWait bounds how long a process waits for another to release the
	// log's lock.
	lockWait = 30 * time.Second
	// retryDelay is the least time between two attempts to recover a log
	// whose write failed; it doubles after each failed attempt, up to
	// maxRetryDelay, since each attempt rewrites the whole log.
	retryDelay    = time.Second
	maxRetryDelay = 10 * time.Second
	// pollLockWait bounds how long a poll waits for the lock: a poll that
	// cannot have it tries again at the next one.
	pollLockWait = 2 * time.Second
)

// errLogGone reports a log that something else removed or emptied (a log
// rotation, an operator): the next write rewrites it from memory.
var errLogGone = errors.New("the log file was removed or emptied by something other than crumb")

// wal is the durable append-only log with group commit, shared by every
// process that opens the same path.
//
// In this process, revocations queue their record with enqueue while
// holding the lock that orders their subject's states, so records reach
// the file in the order the set reached those states; then they wait with
// commit. The first waiter to find the file idle becomes the leader: it
// takes every queued record and, holding the lock file's exclusive flock,
// first reads what other processes appended since it last looked (follow),
// then writes the batch with one write and one fsync, and wakes the others.
// Whoever queued meanwhile rides the next batch, so n concurrent
// revocations share about two fsyncs, not n. Between batches, the
// background goroutine reads other processes' appends under the shared
// flock every poll interval.
//
// A failed write or fsync fails its batch (nothing of it is acknowledged)
// and marks the log broken: after a failed fsync the file's contents are
// unknown. The next batch, no sooner than retryDelay later (the background
// goroutine tries too), rewrites the whole log from memory — which holds
// every revocation, those of the failed batch included — to a new file,
// fsyncs it and renames it into place: the log recovers without a restart
// as soon as the disk takes writes again.
type wal struct {
	set      *Local
	path     string
	lock     *os.File // Path+".lock": flock'd to append, compact or read
	lockWait time.Duration

	mu         sync.Mutex
	cond       sync.Cond   // signalled when the file goes idle or the log closes
	f          *os.File    // the log as this process last opened it, O_APPEND
	info       os.FileInfo // f's, to notice another process's compaction
	version    byte        // f's format version
	readOff    int64       // bytes of f applied to memory, this process's own appends included
	pending    []byte      // queued records not yet handed to a leader
	spare      []byte      // the buffer of the previous batch, for reuse
	pendingSeq uint64      // sequence number of the last queued record
	durableSeq uint64      // every record up to this one is in the file and fsynced
	failedUpto uint64      // records up to this one whose batch failed
	failure    error       // why they failed
	busy       bool        // a leader, a compaction or a read has the file
	broken     error       // the last write failed: the next one rewrites the log
	retryAt    time.Time   // no recovery before this
	retryWait  time.Duration
	followErr  error // why the last poll could not read the other processes' appends
	closed     bool

	size        atomic.Int64 // bytes in the file, header included
	compactions atomic.Uint64
	recoveries  atomic.Uint64
	batches     atomic.Uint64 // batches written and fsynced, for tests

	// syncFile and writeFile make a batch durable: (*os.File).Sync and
	// Write, replaced by tests that fail them or check that nothing is
	// acknowledged before they return.
	syncFile  func(*os.File) error
	writeFile func(*os.File, []byte) (int, error)
}

// enqueue queues r and returns the sequence number the caller must wait for
// with commit. Called with the lock that orders r's subject held.
func (w *wal) enqueue(r *record) (uint64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, ErrClosed
	}
	w.pending = appendRecord(w.pending, r)
	w.pendingSeq++
	return w.pendingSeq, nil
}

// lastQueued returns the sequence number of the last record queued.
func (w *wal) lastQueued() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pendingSeq
}

// commit returns once record seq is durable, leading a batch if the file is
// idle, or with the error of the batch that failed.
func (w *wal) commit(seq uint64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		switch {
		case w.durableSeq >= seq:
			return nil
		case w.failedUpto >= seq:
			return w.failure
		case !w.busy:
			w.lead(false)
		default:
			w.cond.Wait()
		}
	}
}

// lead writes every queued record as one batch — or, when compact is set or
// the log is broken, rewrites the whole log with them — and returns the
// compaction's error, if a compaction was asked for and failed (the batch
// is then appended as usual). Called with w.mu held and the file idle; it
// releases w.mu during the I/O.
func (w *wal) lead(compact bool) error {
	buf, upto := w.pending, w.pendingSeq
	w.pending, w.spare = w.spare[:0], nil
	w.busy = true
	broken, early := w.broken, time.Now().Before(w.retryAt)
	w.mu.Unlock()

	var err, compactErr error
	if broken != nil && early {
		err = broken // not yet: fail at once rather than rewrite the log for every call
	} else {
		err = w.locked(lockExclusive, w.lockWait, func() error {
			_, err := w.follow()
			gone := errors.Is(err, errLogGone)
			if err != nil && !gone {
				return err
			}
			if gone {
				w.set.logger.Warn("revocation: the log was removed or emptied by something else; rewriting it from memory", "path", w.path)
			}
			if broken == nil && !compact && !gone {
				return w.appendBatch(buf)
			}
			err = w.rewrite(buf)
			var renamed *renamedError
			if err == nil || broken != nil || gone || errors.As(err, &renamed) {
				return err
			}
			compactErr = err // the old log is intact: append to it
			return w.appendBatch(buf)
		})
	}

	w.mu.Lock()
	w.busy = false
	if err != nil {
		w.failedUpto = max(w.failedUpto, upto)
		w.failure = fmt.Errorf("revocation: durable log %s: the revocation applies in memory but was not written: %w", w.path, err)
		if w.broken == nil {
			w.set.logger.Error("revocation: writing the durable log failed; revocations apply in memory but are not acknowledged until the log is written again (retried every 1 to 10 seconds)",
				"path", w.path, "err", err)
		}
		w.broken = err
		if !early {
			w.retryWait = min(max(2*w.retryWait, retryDelay), maxRetryDelay)
			w.retryAt = time.Now().Add(w.retryWait)
		}
	} else {
		w.retryWait = 0
		w.durableSeq = max(w.durableSeq, upto)
		if broken != nil {
			w.broken = nil
			w.recoveries.Add(1)
			w.set.logger.Warn("revocation: the durable log works again; it was rewritten from memory", "path", w.path)
		}
	}
	if cap(buf) <= maxSpare {
		w.spare = buf[:0]
	}
	w.cond.Broadcast()
	return compactErr
}

// idle waits until no leader, compaction or read has the file and takes it
// for the caller, who gives it back with release; false if the log closed.
// Called with w.mu held.
func (w *wal) idle() bool {
	for w.busy {
		w.cond.Wait()
	}
	return !w.closed
}

// locked runs fn holding the lock file's lock, exclusive or shared,
// waiting up to wait for it.
func (w *wal) locked(exclusive bool, wait time.Duration, fn func() error) error {
	if err := flockWait(w.lock, exclusive, wait); err != nil {
		return err
	}
	defer funlock(w.lock)
	return fn()
}

// follow brings memory up to date with the file: it applies what other
// processes appended since this one last read it or, when another
// process's compaction replaced the file, the new file whole. It returns
// how many records it applied. Called with the file busy and a flock held.
func (w *wal) follow() (int, error) {
	fi, err := os.Stat(w.path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, errLogGone
	}
	if err != nil {
		return 0, fmt.Errorf("checking the log: %w", err)
	}
	if os.SameFile(fi, w.info) && fi.Size() < w.readOff {
		// Shortened in place by something else: what was cut off is only
		// in memory now. Rewrite it from memory.
		return 0, errLogGone
	}
	if !os.SameFile(fi, w.info) {
		f, fi, err := openLogFile(w.path, false)
		if errors.Is(err, fs.ErrNotExist) {
			return 0, errLogGone
		}
		if err != nil {
			return 0, err
		}
		data, err := io.ReadAll(f)
		if err == nil && len(data) < headerSize {
			f.Close()
			return 0, errLogGone
		}
		v := headerVersion(data)
		if err == nil && v == 0 {
			err = fmt.Errorf("%w: %s was replaced by a file that is not a revocation log", ErrCorrupt, w.path)
		}
		if err != nil {
			f.Close()
			return 0, err
		}
		w.f.Close()
		w.f, w.info, w.version, w.readOff = f, fi, v, int64(len(data))
		w.size.Store(w.readOff)
		return w.apply(data[headerSize:]), nil
	}
	if fi.Size() == w.readOff {
		return 0, nil
	}
	data := make([]byte, fi.Size()-w.readOff)
	n, err := w.f.ReadAt(data, w.readOff)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("reading the log: %w", err)
	}
	w.readOff += int64(n)
	w.size.Store(w.readOff)
	return w.apply(data[:n]), nil
}

// apply loads the records of data, written by another process, into
// memory. Damaged bytes — a torn record left by a process that crashed, or
// by a failed write — are skipped.
func (w *wal) apply(data []byte) int {
	now := secs(time.Now())
	st := scanRecords(w.version, data, func(r *record) { w.set.load(r, now) })
	if st.badRegions > 0 {
		w.set.logger.Warn("revocation: skipped damaged bytes another process left in the log (a crash, or a failed write)",
			"path", w.path, "bad_regions", st.badRegions, "bad_bytes", st.badBytes)
	}
	return st.records
}

// appendBatch writes buf at the end of the log and fsyncs it. On failure
// it cuts the file back to where the batch began (the exclusive flock is
// held, so nothing was appended after it). Called with the file busy and
// the exclusive flock held.
func (w *wal) appendBatch(buf []byte) error {
	if len(buf) == 0 {
		return nil
	}
	n, err := w.writeFile(w.f, buf)
	if err == nil {
		err = w.syncFile(w.f)
	}
	if err != nil {
		_ = w.f.Truncate(w.readOff)
		return err
	}
	w.readOff += int64(n)
	w.size.Store(w.readOff)
	w.batches.Add(1)
	return nil
}

// health returns the failure of a broken log, or nil.
func (w *wal) health() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.broken != nil:
		return fmt.Errorf("revocation: durable log %s failed; revocations apply in memory but are not acknowledged until it is written again (retried every 1 to 10 seconds): %w", w.path, w.broken)
	case w.followErr != nil:
		return fmt.Errorf("%w: cannot read the revocations other processes append to %s (this process's own are acknowledged and enforced): %w", ErrDegraded, w.path, w.followErr)
	}
	return nil
}

// close makes the queued records durable, then closes the log and its lock
// file.
func (w *wal) close() error {
	w.mu.Lock()
	w.idle()
	w.closed = true
	if len(w.pending) > 0 {
		w.lead(false) // waiters of this batch see its outcome
	}
	err := w.broken
	w.mu.Unlock()
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("revocation: closing %s: %w", w.path, cerr)
	}
	w.lock.Close()
	if err != nil {
		return fmt.Errorf("revocation: durable log %s: %w", w.path, err)
	}
	return nil
}

// poll reads the revocations other processes appended, and retries a
// broken log; the background goroutine calls it every poll interval.
func (l *Local) poll() {
	w := l.log
	fi, statErr := os.Stat(w.path)
	w.mu.Lock()
	if w.busy || w.closed { // the file's fields belong to whoever has it
		w.mu.Unlock()
		return
	}
	retry := w.broken != nil && !time.Now().Before(w.retryAt)
	changed := statErr != nil || !os.SameFile(fi, w.info) || fi.Size() != w.readOff
	if !retry && !changed {
		w.mu.Unlock()
		return
	}
	if retry {
		w.lead(false) // rewrites the log: every state in memory, and what is queued
		w.mu.Unlock()
		return
	}
	w.busy = true
	w.mu.Unlock()
	err := w.locked(lockShared, min(w.lockWait, pollLockWait), func() error {
		_, err := w.follow()
		return err
	})
	w.mu.Lock()
	w.busy = false
	w.cond.Broadcast()
	failing := w.followErr != nil
	w.followErr = err
	if errors.Is(err, errLogGone) {
		// Rewrite it from memory now: every state this process knows.
		w.followErr = nil
		if w.broken == nil {
			w.broken, w.retryAt = err, time.Time{}
		}
		w.lead(false)
		w.mu.Unlock()
		return
	}
	w.mu.Unlock()
	if err != nil {
		if !failing {
			l.logger.Warn("revocation: reading other processes' revocations from the log failed; retried at every poll", "path", w.path, "err", err)
		}
		return
	}
	if failing {
		l.logger.Info("revocation: reading other processes' revocations from the log works again", "path", w.path)
	}
}

// load applies a record read from the log to memory, as it is.
func (l *Local) load(r *record, now uint32) {
	switch r.Kind {
	case table.KindSession:
		l.t.PutSession(r.ID, r.Key, r.Created, r.Until, now, table.Load, nil)
	case table.KindToken:
		l.t.PutToken(r.ID, r.Key, r.Created, r.Token.until, now, table.Load, func(old tokenEntry, ok bool) (tokenEntry, bool) {
			if !ok {
				return r.Token, true
			}
			next := old.replay(r.Token)
			return next, next != old
		}, nil)
	case table.KindSubject:
		l.t.PutSubject(r.Key, r.Subject, now, table.Load, nil)
	}
}

// openLog opens (or creates) the log at path and replays it into l, then
// rewrites it if replay found damage or an older version.
func (l *Local) openLog(path string) error {
	if err := checkLogPath(path); err != nil {
		return err
	}
	lock, err := openLockFile(path + ".lock")
	if err != nil {
		return err
	}
	w := &wal{set: l, path: path, lock: lock, lockWait: lockWait, syncFile: (*os.File).Sync, writeFile: (*os.File).Write}
	w.cond.L = &w.mu
	err = w.locked(lockExclusive, w.lockWait, func() error {
		removeStaleTemps(path, l.logger)
		f, fi, err := openLogFile(path, true)
		if err != nil {
			return err
		}
		data, err := io.ReadAll(f)
		if err != nil {
			f.Close()
			return fmt.Errorf("revocation: reading %s: %w", path, err)
		}
		if unfinishedHeader(data) {
			// A new file, or one whose creation was cut short: nothing in it
			// can have been acknowledged.
			if err := initLog(f, path); err != nil {
				f.Close()
				return err
			}
			data = logHeader()
		}
		v := headerVersion(data)
		if v == 0 {
			f.Close()
			return fmt.Errorf("%w: %s does not start with a crumb revocation log header; it was left untouched", ErrCorrupt, path)
		}
		w.f, w.info, w.version, w.readOff = f, fi, v, int64(len(data))
		w.size.Store(w.readOff)
		now := secs(time.Now())
		st := scanRecords(v, data[headerSize:], func(r *record) { l.load(r, now) })
		switch {
		case st.badRegions > 0:
			l.logger.Warn("revocation: recovered a damaged log; skipped bytes that were not valid records (a torn tail after a crash is normal) and rewrote the file",
				"path", path, "records", st.records, "bad_regions", st.badRegions, "bad_bytes", st.badBytes)
		case v != logVersion:
			l.logger.Info("revocation: upgrading the log to the current format", "path", path, "from_version", v, "to_version", logVersion)
		default:
			return nil
		}
		if err := w.rewrite(nil); err != nil {
			// A full disk must not keep the application from starting: the
			// file as it is holds every revocation; the next write rewrites
			// it, and revocations are not acknowledged until one succeeds.
			l.logger.Error("revocation: could not rewrite the log at open; revocations are enforced but not acknowledged until it can be written", "path", path, "err", err)
			w.broken, w.retryAt, w.retryWait = err, time.Now().Add(retryDelay), retryDelay
		}
		return nil
	})
	if err != nil {
		if w.f != nil {
			w.f.Close()
		}
		lock.Close()
		return err
	}
	l.log = w
	l.logger.Debug("revocation: log opened", "path", path, "entries", l.t.Entries(), "bytes", w.size.Load())
	return nil
}

// unfinishedHeader reports whether data is empty or a prefix of a header:
// a log whose creation never finished.
func unfinishedHeader(data []byte) bool {
	if len(data) >= headerSize {
		return false
	}
	h := logHeader()
	if len(data) > 8 {
		h[8] = data[8] // either version
	}
	return bytes.HasPrefix(h, data)
}

// initLog (re)writes the header of an empty or header-truncated log, makes
// it durable, and makes the file's directory entry durable.
func initLog(f *os.File, path string) error {
	err := f.Truncate(0)
	if err == nil {
		_, err = f.Write(logHeader())
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = safefile.SyncDir(filepath.Dir(path))
	}
	if err != nil {
		return fmt.Errorf("revocation: creating log %s: %w", path, err)
	}
	return nil
}

// removeStaleTemps removes the temporary files of compactions that a crash
// interrupted. The caller holds the exclusive lock, so no compaction is
// running.
func removeStaleTemps(path string, logger *slog.Logger) {
	for _, name := range safefile.RemoveTemps(path, compactSuffix) {
		logger.Info("revocation: removed the temporary file of an interrupted compaction", "file", name)
	}
}
