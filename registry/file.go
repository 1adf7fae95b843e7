package registry

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crumbhq/crumb/internal/safefile"
)

const (
	// flushInterval is how often the queued Seen, Remove and RemoveBefore
	// records are written and fsynced.
	flushInterval = 500 * time.Millisecond
	// maxQueued is the size of queue past which the call that grew it
	// writes it at once.
	maxQueued = 256 << 10
	// maxSpare is the largest write buffer kept for reuse.
	maxSpare = 1 << 20
	// retryDelay is the least time between two attempts to recover a file
	// whose write failed; it doubles after each failed attempt, up to
	// maxRetryDelay, since each attempt rewrites the whole file.
	retryDelay    = time.Second
	maxRetryDelay = 10 * time.Second
	// The file is rewritten when it is larger than compactRatio times the
	// size its entries need and larger than compactMinBytes.
	compactRatio    = 2
	compactMinBytes = 64 << 10
	// tempSuffix follows the file's name in the name of a rewrite's
	// temporary file, itself followed by random characters.
	tempSuffix = ".rewrite-"
)

// fileOps are the operations that make records durable; tests replace
// them to fail writes.
type fileOps struct {
	write func(*os.File, []byte) (int, error)
	sync  func(*os.File) error
}

var osOps = fileOps{write: (*os.File).Write, sync: (*os.File).Sync}

// queueState tells the caller of enqueue whether to write the queue now.
type queueState int

const (
	queueOK     queueState = iota
	queueFull              // larger than maxQueued
	queueBroken            // the file is failing: try to recover it now
)

// file is the writer's durable file: an append-only log with group
// commit, whose lock this process holds for as long as it is open.
//
// Changes queue their records with enqueue while holding the registry's
// mutex, so records reach the file in the order memory changed. A caller
// that must wait for the disk calls commit: the first waiter to find the
// file idle becomes the leader, writes every queued record with one write
// and one fsync, and wakes the others; whoever queued meanwhile rides the
// next batch. The background goroutine leads a batch every flushInterval.
//
// A failed write or fsync fails its batch and marks the file broken: after
// a failed fsync its contents are unknown. The next batch, no sooner than
// retryDelay later, rewrites the whole file from memory, which holds every
// change, those of the failed batch included.
type file struct {
	l    *Local
	path string
	lock *os.File // Path+".lock", flock'd for the file's whole life
	ops  *fileOps

	mu         sync.Mutex
	cond       sync.Cond   // signalled when the file goes idle
	f          *os.File    // O_APPEND; only the leader uses it
	info       os.FileInfo // f's, to notice the file removed or replaced
	off        int64       // bytes of f written and fsynced
	pending    []byte      // queued records not yet handed to a leader
	spare      []byte      // the buffer of the previous batch, for reuse
	pendingSeq uint64      // sequence number of the last queued record
	durableSeq uint64      // every record up to this one is durable
	failedUpto uint64      // records up to this one whose batch failed
	failure    error       // why they failed
	busy       bool        // a leader has the file
	broken     error       // the last write failed: the next one rewrites
	retryAt    time.Time   // no recovery before this
	retryWait  time.Duration
	closed     bool

	size       atomic.Int64 // bytes in the file, header included
	rewrites   atomic.Uint64
	recoveries atomic.Uint64
}

// enqueue queues r and returns its sequence number. Called with l.mu held.
func (w *file) enqueue(r *record) (uint64, queueState) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = appendRecord(w.pending, r)
	w.pendingSeq++
	switch {
	case w.broken != nil:
		return w.pendingSeq, queueBroken
	case len(w.pending) > maxQueued:
		return w.pendingSeq, queueFull
	}
	return w.pendingSeq, queueOK
}

// waiting returns an error wrapping ErrUnavailable while the file failed
// and waits for its next retry, or nil.
func (w *file) waiting() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.broken != nil && time.Now().Before(w.retryAt) {
		return fmt.Errorf("%w: the session registry file %s cannot be written (retried every 1 to 10 seconds): %w", ErrUnavailable, w.path, w.broken)
	}
	return nil
}

// after returns what a change that need not wait for the disk returns once
// it queued record seq: nil, unless the file is failing (it then tries to
// recover it, as often as the backoff allows) or the queue is large (it
// then writes it).
func (w *file) after(seq uint64, state queueState) error {
	if state == queueOK {
		return nil
	}
	return w.commit(seq)
}

// commit returns once record seq is durable, leading a batch if the file
// is idle, or with the error of the batch that failed.
func (w *file) commit(seq uint64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		switch {
		case w.durableSeq >= seq:
			return nil
		case w.failedUpto >= seq:
			return w.failure
		case w.closed:
			return ErrClosed
		case !w.busy:
			w.lead(false)
		default:
			w.cond.Wait()
		}
	}
}

// lead writes every queued record as one batch or, when rewrite is set or
// the file is broken, rewrites the whole file from memory. It returns the
// error of a rewrite asked for that failed before replacing the file (the
// batch is then appended as usual). Called with w.mu held and the file
// idle; it releases w.mu during the I/O.
func (w *file) lead(rewrite bool) error {
	buf, upto := w.pending, w.pendingSeq
	w.pending, w.spare = w.spare[:0], nil
	w.busy = true
	broken := w.broken
	early := broken != nil && time.Now().Before(w.retryAt)
	w.mu.Unlock()

	var err, rewriteErr error
	done := upto
	switch {
	case early:
		err = broken // not yet: fail at once rather than rewrite for every call
	case broken != nil || rewrite:
		var snap uint64
		var renamed bool
		snap, renamed, err = w.rewrite()
		if err == nil {
			done = max(done, snap)
		} else if broken == nil && !renamed {
			rewriteErr = err // the old file is intact: append to it
			err = w.appendBatch(buf)
		}
	default:
		err = w.appendBatch(buf)
	}

	w.mu.Lock()
	w.busy = false
	if err != nil {
		w.failedUpto = max(w.failedUpto, upto)
		w.failure = fmt.Errorf("%w: the session registry file %s could not be written; the change applies in memory and is written when the file works again: %w", ErrUnavailable, w.path, err)
		if w.broken == nil {
			w.l.logger.Error("registry: writing the session registry file failed; changes apply in memory and are written when it works again (retried every 1 to 10 seconds)",
				"path", w.path, "err", err)
		}
		w.broken = err
		if !early {
			w.retryWait = min(max(2*w.retryWait, retryDelay), maxRetryDelay)
			w.retryAt = time.Now().Add(w.retryWait)
		}
	} else {
		w.retryWait = 0
		w.durableSeq = max(w.durableSeq, done)
		if broken != nil {
			w.broken = nil
			w.recoveries.Add(1)
			w.l.logger.Warn("registry: the session registry file works again; it was rewritten from memory", "path", w.path)
		}
	}
	if cap(buf) <= maxSpare {
		w.spare = buf[:0]
	}
	w.cond.Broadcast()
	return rewriteErr
}

// appendBatch writes buf at the end of the file and fsyncs it. On failure
// it cuts the file back to where the batch began. Called by the leader.
func (w *file) appendBatch(buf []byte) error {
	if len(buf) == 0 {
		return nil
	}
	n, err := w.ops.write(w.f, buf)
	if err == nil {
		err = w.ops.sync(w.f)
	}
	if err != nil {
		_ = w.f.Truncate(w.off)
		return err
	}
	w.off += int64(n)
	w.size.Store(w.off)
	return nil
}

// rewrite writes the file anew — the header, then one add record per entry
// in memory — to a temporary file in the same directory, fsyncs it,
// renames it over the file and fsyncs the directory. It returns the
// sequence number of the last record queued when it took its snapshot of
// memory: every record up to it is durable once rewrite succeeds. A
// failure before the rename leaves the old file as it was; renamed reports
// a failure after it. Called by the leader, or before the file is shared.
func (w *file) rewrite() (snap uint64, renamed bool, err error) {
	dir, base := filepath.Split(w.path)
	tmp, err := os.CreateTemp(dir, base+tempSuffix+"*")
	if err != nil {
		return 0, false, err
	}
	buf, snap, k := w.snapshot()
	size := int64(len(buf))
	for len(buf) > 0 && err == nil {
		var n int
		n, err = w.ops.write(tmp, buf[:min(len(buf), 1<<20)])
		buf = buf[n:]
	}
	if err == nil {
		err = w.ops.sync(tmp)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), w.path)
	}
	tmp.Close()
	if err != nil {
		os.Remove(tmp.Name())
		return 0, false, err
	}
	// The file holds the snapshot: the records queued before it are
	// redundant now.
	w.mu.Lock()
	w.pending = w.pending[:copy(w.pending, w.pending[k:])]
	w.mu.Unlock()
	f, _, err := openDataFile(w.path, true, false)
	if err != nil {
		return 0, true, err
	}
	if w.f != nil {
		w.f.Close()
	}
	w.f, w.off = f, size
	w.info, _ = f.Stat()
	w.size.Store(size)
	w.rewrites.Add(1)
	if err := safefile.SyncDir(dir); err != nil {
		return 0, true, err
	}
	w.l.logger.Debug("registry: rewrote the session registry file", "path", w.path, "bytes", size)
	return snap, false, nil
}

// snapshot encodes the header and one add record per entry in memory, and
// returns them with the sequence number and queue length at that moment.
func (w *file) snapshot() (buf []byte, snap uint64, queued int) {
	l := w.l
	l.mu.Lock()
	defer l.mu.Unlock()
	buf = make([]byte, 0, l.t.fileBytes.Load())
	buf = append(buf, fileHeader()...)
	for k, es := range l.t.subjects {
		for i := range es {
			r := addRecord(&k, &es[i])
			buf = appendRecord(buf, &r)
		}
	}
	w.mu.Lock()
	snap, queued = w.pendingSeq, len(w.pending)
	w.mu.Unlock()
	return buf, snap, queued
}

// flush writes the queued records, retries a failing file when the
// backoff allows, and rewrites a file grown much larger than its entries
// need. The background goroutine calls it every flushInterval.
func (w *file) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.busy || w.closed {
		return
	}
	if w.broken == nil && w.info != nil {
		if fi, err := os.Stat(w.path); err != nil || !os.SameFile(fi, w.info) {
			// Removed or replaced by something other than this registry
			// (an operator, a backup tool): what it appends would be lost.
			w.l.logger.Warn("registry: the session registry file was removed or replaced by something else; rewriting it from memory", "path", w.path)
			w.broken, w.retryAt = errFileGone, time.Time{}
		}
	}
	switch {
	case w.broken != nil:
		if !time.Now().Before(w.retryAt) {
			w.lead(false)
		}
		return
	case len(w.pending) > 0:
		w.lead(false)
	}
	if w.broken == nil && !w.busy && w.overgrown() {
		if err := w.lead(true); err != nil {
			w.l.logger.Warn("registry: rewriting the session registry file to shrink it failed; it is unchanged and still appended to", "path", w.path, "err", err)
		}
	}
}

// overgrown reports whether a rewrite would make the file much smaller.
func (w *file) overgrown() bool {
	size := w.size.Load()
	return size > compactMinBytes && size > compactRatio*w.l.t.fileBytes.Load()
}

// health returns an error wrapping ErrUnavailable while the file is
// failing, or nil.
func (w *file) health() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.broken != nil {
		return fmt.Errorf("%w: the session registry file %s cannot be written; changes apply in memory and are written when it works again (retried every 1 to 10 seconds): %w", ErrUnavailable, w.path, w.broken)
	}
	return nil
}

// close writes the queued records (or, if the file is failing, tries once
// more to rewrite it), closes the file and releases the lock.
func (w *file) close() error {
	w.mu.Lock()
	for w.busy {
		w.cond.Wait()
	}
	w.closed = true
	if len(w.pending) > 0 || w.broken != nil {
		w.retryAt = time.Time{}
		w.lead(false)
	}
	err := w.broken
	w.mu.Unlock()
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	w.lock.Close() // releases the flock
	if err != nil {
		return fmt.Errorf("%w: the session registry file %s: changes since it failed are lost: %w", ErrUnavailable, w.path, err)
	}
	return nil
}

// openFile opens (or creates) the durable file at path, locks it, loads it
// into l and rewrites it.
func (l *Local) openFile(path string) error {
	if err := checkPath(path); err != nil {
		return err
	}
	lock, err := openLockFile(path + ".lock")
	if err != nil {
		return err
	}
	if err := tryLock(lock, path); err != nil {
		lock.Close()
		return err
	}
	w := &file{l: l, path: path, lock: lock, ops: l.opts.ops}
	w.cond.L = &w.mu
	removeStaleTemps(path, l.logger)
	f, fi, err := openDataFile(path, true, false)
	if err != nil {
		lock.Close()
		return err
	}
	w.f, w.info = f, fi
	data, err := io.ReadAll(f)
	if err == nil {
		err = l.load(path, data)
	}
	if err != nil {
		f.Close()
		lock.Close()
		return err
	}
	w.off = int64(len(data))
	w.size.Store(w.off)
	// Rewrite at once: the file then holds the live entries only, and no
	// damage a crash left at its end.
	if _, _, err := w.rewrite(); err != nil {
		// A full disk must not keep the application from starting: the
		// file as it is holds every entry, and memory too; the next change
		// retries.
		l.logger.Error("registry: could not rewrite the session registry file at open; changes apply in memory and are written when it works again", "path", path, "err", err)
		w.broken, w.retryAt, w.retryWait = err, time.Now().Add(retryDelay), retryDelay
	}
	l.file = w
	l.logger.Debug("registry: opened the session registry file", "path", path, "entries", l.t.entries, "bytes", w.size.Load())
	return nil
}

// load checks the header of data, the content of the file at path,
// replays its records into l.t and drops the expired entries, leaving the
// counters at zero. Damage is skipped: the caller rewrites the file.
func (l *Local) load(path string, data []byte) error {
	_, err := loadInto(l.t, path, data, true, l.logger)
	if err != nil {
		return err
	}
	l.t.prune(secs(time.Now()))
	l.t.evicted, l.t.removed, l.t.pruned = 0, 0, 0
	return nil
}

// loadInto checks the header of data, the content of the file at path,
// replays its records into t and returns how many bytes it consumed. all
// says whether damage at the end is consumed (by the writer, which
// rewrites the file) or left for a later look (by a reader: it may be a
// record still being written).
func loadInto(t *table, path string, data []byte, all bool, logger *slog.Logger) (int, error) {
	switch checkHeader(data) {
	case headerPartial:
		// An empty file, or one whose creation was cut short: nothing in
		// it was ever acknowledged.
		return 0, nil
	case headerForeign:
		return 0, fmt.Errorf("%w: %s does not start with a crumb session registry header; it was left untouched", ErrCorrupt, path)
	case headerFuture:
		return 0, fmt.Errorf("%w: %s was written by a newer version of crumb (format version %d; this one reads %d); it was left untouched", ErrCorrupt, path, data[8], fileVersion)
	}
	n, st := scanRecords(data[headerSize:], all, t.apply)
	if st.badRegions > 0 {
		logger.Warn("registry: skipped damaged bytes in the session registry file (a record cut short by a crash is normal)",
			"path", path, "records", st.records, "bad_regions", st.badRegions, "bad_bytes", st.badBytes)
	}
	return headerSize + n, nil
}

// removeStaleTemps removes the temporary files of rewrites that a crash
// interrupted. The caller holds the lock, so no rewrite is running.
func removeStaleTemps(path string, logger *slog.Logger) {
	for _, name := range safefile.RemoveTemps(path, tempSuffix) {
		logger.Info("registry: removed the temporary file of an interrupted rewrite", "file", name)
	}
}

// errFileGone marks a file that something else removed or replaced.
var errFileGone = errors.New("the file was removed or replaced by something other than crumb")
