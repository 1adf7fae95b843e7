package revocation

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxSpare is the largest write buffer kept for reuse between batches.
const maxSpare = 1 << 20

// wal is the durable append-only log with group commit. Revocations queue
// their record with enqueue while holding the lock of the entry they
// changed, so records reach the file in the order the set reached its
// states; then they wait with commit. The first waiter to find no write in
// progress becomes the leader: it takes every queued record, writes them
// with one write and one fsync, and wakes the others. Whoever queued while
// it was busy rides the next batch, so n concurrent revocations share about
// two fsyncs, not n.
type wal struct {
	path string
	lock *os.File // the locked Path+".lock"

	mu         sync.Mutex
	cond       sync.Cond // signalled when a batch ends, a compaction ends, or the log fails
	f          *os.File  // opened with O_APPEND
	pending    []byte    // queued records not yet handed to a leader
	spare      []byte    // the buffer of the previous batch, for reuse
	pendingSeq uint64    // sequence number of the last queued record
	durableSeq uint64    // every record up to this one is written and fsynced
	flushing   bool      // a leader is writing a batch
	compacting bool      // a compaction is between its start and its rename
	sealing    bool      // the compaction is finishing: no new batch may start
	carry      []byte    // records queued since the compaction started
	err        error     // permanent failure; see health
	closed     bool

	size        atomic.Int64 // bytes in the file, including the header
	compactions atomic.Uint64
	batches     atomic.Uint64 // batches written and fsynced, for tests

	// syncFile makes a batch durable: (*os.File).Sync, replaced by tests
	// that check nothing is acknowledged before it returns.
	syncFile func(*os.File) error
}

// enqueue queues r (nil: nothing changed) and returns the sequence number
// the caller must wait for with commit. Called with the lock of the changed
// entry held.
func (w *wal) enqueue(r *record) (uint64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, ErrClosed
	}
	if r == nil {
		return w.pendingSeq, nil
	}
	if w.err != nil {
		return 0, w.err
	}
	start := len(w.pending)
	w.pending = r.appendTo(w.pending)
	if w.compacting {
		w.carry = append(w.carry, w.pending[start:]...)
	}
	w.pendingSeq++
	return w.pendingSeq, nil
}

// commit returns once record seq is durable, leading a batch if no write
// is in progress, or with the error of the batch that failed.
func (w *wal) commit(seq uint64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		switch {
		case w.durableSeq >= seq:
			return nil
		case w.err != nil:
			return w.err
		case !w.flushing && !w.sealing:
			w.flush()
		default:
			w.cond.Wait()
		}
	}
}

// flush writes and fsyncs every queued record as one batch. Called with
// w.mu held, which it releases during the I/O.
func (w *wal) flush() {
	buf, upto, f := w.pending, w.pendingSeq, w.f
	w.pending, w.spare = w.spare[:0], nil
	w.flushing = true
	w.mu.Unlock()
	_, err := f.Write(buf)
	if err == nil {
		err = w.syncFile(f)
	}
	w.mu.Lock()
	w.flushing = false
	if err != nil {
		w.fail(err)
	} else {
		w.batches.Add(1)
		w.durableSeq = upto
		w.size.Add(int64(len(buf)))
	}
	if cap(buf) <= maxSpare {
		w.spare = buf[:0]
	}
	w.cond.Broadcast()
}

// fail records a write failure for good. After a failed write or fsync the
// file's contents are unknown (and Linux may have dropped the dirty pages,
// so a second fsync could succeed without writing them), so no later
// revocation is acknowledged; reopening the set recovers from the file.
// Called with w.mu held.
func (w *wal) fail(err error) {
	if w.err == nil {
		w.err = fmt.Errorf("revocation: durable log %s failed; revocations still apply in memory but are no longer acknowledged; reopen the set to recover: %w", w.path, err)
	}
}

func (w *wal) health() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// close makes the queued records durable, then closes and unlocks the log.
func (w *wal) close() error {
	w.mu.Lock()
	w.closed = true
	for w.flushing || w.compacting {
		w.cond.Wait()
	}
	if len(w.pending) > 0 && w.err == nil {
		w.flush() // waiters of this batch see its outcome
	}
	err := w.err
	w.mu.Unlock()
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("revocation: closing %s: %w", w.path, cerr)
	}
	unlockFile(w.lock)
	return err
}

// openLog locks, opens (or creates) and replays the log at path into l,
// then rewrites it if replay found damage.
func (l *Local) openLog(path string) (err error) {
	lock, err := lockFile(path)
	if err != nil {
		return err
	}
	w := &wal{path: path, lock: lock, syncFile: (*os.File).Sync}
	w.cond.L = &w.mu
	defer func() {
		if err != nil {
			if w.f != nil {
				w.f.Close()
			}
			unlockFile(lock)
		}
	}()

	removeStaleTemps(path, l.logger)
	w.f, err = os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("revocation: opening log: %w", err)
	}
	data, err := io.ReadAll(w.f)
	if err != nil {
		return fmt.Errorf("revocation: reading %s: %w", path, err)
	}
	if len(data) < headerSize && bytes.HasPrefix(logHeader(), data) {
		// A new file, or one whose creation was cut short: nothing in it
		// can have been acknowledged.
		if err := initLog(w.f, path); err != nil {
			return err
		}
		data = logHeader()
	}
	if !checkHeader(data) {
		return fmt.Errorf("%w: %s does not start with a version-%d crumb revocation log header; it was left untouched", ErrCorrupt, path, logVersion)
	}
	w.size.Store(int64(len(data)))

	now := secs(time.Now())
	var expired int
	st := scanRecords(data[headerSize:], func(r *record) {
		if !l.load(r, now) {
			expired++
		}
	})
	if n := l.entries.Load(); n > l.max {
		return fmt.Errorf("%w: %s holds %d live entries, more than MaxEntries %d; raise MaxEntries (a live entry is never dropped)", ErrFull, path, n, l.max)
	}
	l.log = w
	if st.badRegions > 0 {
		l.logger.Warn("revocation: recovered a damaged log; skipped bytes that were not valid records (a torn tail after a crash is normal) and rewrote the file",
			"path", path, "records", st.records, "bad_regions", st.badRegions, "bad_bytes", st.badBytes, "live", l.entries.Load())
		if err := l.compact(); err != nil {
			l.log = nil
			return err
		}
	}
	l.logger.Debug("revocation: log opened", "path", path, "records", st.records, "expired", expired, "live", l.entries.Load(), "bytes", w.size.Load())
	return nil
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
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		return fmt.Errorf("revocation: creating log %s: %w", path, err)
	}
	return nil
}

// load applies a replayed record to memory without capacity checks and
// reports whether it was still live at now.
func (l *Local) load(r *record, now uint32) bool {
	switch r.kind {
	case kindSession:
		if r.until < now {
			return false
		}
		sh := l.shard(r.id)
		old, ok := sh.sessions[r.id]
		if !ok {
			l.entries.Add(1)
			l.nSessions.Add(1)
		}
		sh.sessions[r.id] = max(old, r.until)
	case kindIssuedBefore:
		if r.token.until < now {
			return false
		}
		sh := l.shard(r.id)
		old, ok := sh.tokens[r.id]
		if !ok {
			l.entries.Add(1)
			l.nTokens.Add(1)
		}
		sh.tokens[r.id] = old.replay(r.token)
	case kindSubject:
		if r.subj.until < now {
			return false
		}
		old, ok := l.subj.m[r.skey]
		if !ok {
			l.entries.Add(1)
			l.nSubjects.Add(1)
		}
		l.subj.m[r.skey] = old.merge(r.subj)
	}
	return true
}

// removeStaleTemps removes the temporary files of compactions that a crash
// interrupted. The caller holds the lock, so no compaction is running.
func removeStaleTemps(path string, logger *slog.Logger) {
	dir, base := filepath.Split(path)
	entries, err := os.ReadDir(filepath.Clean(dir))
	if err != nil {
		return
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), base+compactSuffix) && e.Type().IsRegular() {
			if err := os.Remove(filepath.Join(dir, e.Name())); err == nil {
				logger.Info("revocation: removed the temporary file of an interrupted compaction", "file", e.Name())
			}
		}
	}
}

// syncDir fsyncs a directory, making a create or rename in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
