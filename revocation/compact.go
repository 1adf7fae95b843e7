package revocation

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/crumbhq/crumb/internal/safefile"
)

// Compaction thresholds: the log is rewritten when it is larger than
// compactRatio times the size its live entries need and larger than
// compactMinBytes.
const (
	compactRatio    = 2
	compactMinBytes = 64 << 10

	// compactSuffix follows the log's name in the name of the temporary
	// file of a compaction, itself followed by random characters.
	compactSuffix = ".compact-"
)

// liveLogBytes is the size of a freshly compacted log of the live entries.
func (l *Local) liveLogBytes() int64 {
	st := l.t.Stats()
	return headerSize +
		int64(st.Sessions)*sessionRecordSize +
		int64(st.Tokens)*tokenRecordSize +
		int64(st.Subjects)*subjectRecordSize
}

// maybeCompact compacts the log if it pays.
func (l *Local) maybeCompact() error {
	size := l.log.size.Load()
	if size <= compactMinBytes || size <= compactRatio*l.liveLogBytes() {
		return nil
	}
	return l.compact()
}

// compact rewrites the log with one record per live entry (see rewrite).
// Revocations queued meanwhile are written with it.
func (l *Local) compact() error {
	w := l.log
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.idle() {
		return nil
	}
	if err := w.lead(true); err != nil {
		return fmt.Errorf("revocation: compacting %s (the log is unchanged): %w", w.path, err)
	}
	return nil
}

// renamedError is a failure after the rewritten log was renamed into
// place: the log is the new file, but the rename may not survive a crash.
type renamedError struct{ err error }

func (e *renamedError) Error() string {
	return "the rewritten log may not be durable: " + e.err.Error()
}
func (e *renamedError) Unwrap() error { return e.err }

// rewrite writes the log anew — the header, one record per entry in
// memory, then tail (records queued meanwhile) — to a temporary file in the
// same directory, fsyncs it, renames it over the log and fsyncs the
// directory. Every state in memory, and every record queued before the
// rewrite took them, is then durable. The snapshot is taken after following
// the other processes' appends, under the exclusive flock, so nothing of
// theirs is lost; they reopen the new file when they next look. A failure
// before the rename leaves the old log as it was. Called with the file busy
// and the exclusive flock held (or, from openLog, before the log is
// shared).
func (w *wal) rewrite(tail []byte) error {
	dir, base := filepath.Split(w.path)
	tmp, err := os.CreateTemp(dir, base+compactSuffix+"*")
	if err != nil {
		return err
	}
	size, err := w.set.writeSnapshot(tmp, w.writeFile)
	if err == nil && len(tail) > 0 {
		var n int
		n, err = w.writeFile(tmp, tail)
		size += int64(n)
	}
	if err == nil {
		err = w.syncFile(tmp)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), w.path)
	}
	tmp.Close()
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	// The new file is in place and holds every record. Reopen it for
	// appending: other processes append to it too.
	f, fi, err := openLogFile(w.path, false)
	if err != nil {
		return &renamedError{err}
	}
	w.f.Close()
	w.f, w.info, w.version, w.readOff = f, fi, logVersion, size
	w.size.Store(size)
	w.compactions.Add(1)
	if err := safefile.SyncDir(dir); err != nil {
		return &renamedError{err}
	}
	w.set.logger.Info("revocation: rewrote the log", "path", w.path, "bytes", size, "entries", w.set.t.Entries())
	return nil
}

// writeSnapshot writes the header and one record per entry in memory to f
// and returns the number of bytes written.
func (l *Local) writeSnapshot(f *os.File, write func(*os.File, []byte) (int, error)) (int64, error) {
	buf := logHeader()
	var size int64
	var err error
	// The records are gathered first and written after: no lock of the
	// table is held during I/O, so a slow disk never stalls Check.
	l.t.Each(func(r *record) { buf = appendRecord(buf, r) })
	for len(buf) > 0 && err == nil {
		n := min(len(buf), 1<<20)
		var w int
		w, err = write(f, buf[:n])
		size += int64(w)
		buf = buf[n:]
	}
	return size, err
}
