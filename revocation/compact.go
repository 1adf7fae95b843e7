package revocation

import (
	"fmt"
	"os"
	"path/filepath"
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
	return headerSize +
		l.nSessions.Load()*sessionRecordSize +
		l.nTokens.Load()*tokenRecordSize +
		l.nSubjects.Load()*subjectRecordSize
}

// maybeCompact compacts the log if it pays.
func (l *Local) maybeCompact() error {
	size := l.log.size.Load()
	if size <= compactMinBytes || size <= compactRatio*l.liveLogBytes() {
		return nil
	}
	return l.compact()
}

// compact rewrites the log with one record per live entry: to a temporary
// file in the same directory, fsynced, renamed over the log, and the
// directory fsynced.
//
// Revocations go on while it runs. The records queued after it starts are
// also kept aside (carry); the snapshot of memory is taken after that
// point, so every state older than the carry is in the snapshot. At the
// end, with the log lock held and no batch in flight, the carry is
// appended to the new file, which is fsynced and renamed into place; the
// records then waiting for a batch are durable in it. Replaying a carried
// record over the snapshot is harmless because replay merges.
func (l *Local) compact() error {
	w := l.log
	w.mu.Lock()
	if w.closed || w.err != nil || w.compacting {
		w.mu.Unlock()
		return nil
	}
	w.compacting = true
	w.carry = w.carry[:0]
	w.mu.Unlock()
	done := func() {
		w.compacting, w.sealing = false, false
		w.carry = nil
		w.cond.Broadcast()
	}

	dir, base := filepath.Split(w.path)
	tmp, err := os.CreateTemp(dir, base+compactSuffix+"*")
	if err != nil {
		w.mu.Lock()
		done()
		w.mu.Unlock()
		return fmt.Errorf("revocation: compacting %s: %w", w.path, err)
	}
	size, err := l.writeSnapshot(tmp)

	w.mu.Lock()
	defer w.mu.Unlock()
	defer done()
	w.sealing = true
	for w.flushing {
		w.cond.Wait()
	}
	abandon := func(err error) error {
		tmp.Close()
		os.Remove(tmp.Name())
		if err == nil {
			return nil
		}
		return fmt.Errorf("revocation: compacting %s (the log is unchanged): %w", w.path, err)
	}
	if err != nil || w.closed || w.err != nil {
		return abandon(err)
	}
	n, err := tmp.Write(w.carry)
	size += int64(n)
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = os.Rename(tmp.Name(), w.path)
	}
	if err != nil {
		return abandon(err)
	}
	// The new file is in place and holds every record: the old one is
	// done with, whatever happens next.
	old := w.f
	w.f = tmp
	old.Close()
	w.pending = w.pending[:0]
	w.durableSeq = w.pendingSeq
	w.size.Store(size)
	w.compactions.Add(1)
	if err := syncDir(dir); err != nil {
		// The rename may not survive a crash, and later records would go to
		// the new file only: stop acknowledging.
		w.fail(err)
		return w.err
	}
	l.logger.Info("revocation: compacted the log", "path", w.path, "bytes", size, "live", l.entries.Load())
	return nil
}

// writeSnapshot writes the header and one record per entry in memory to f
// and returns the number of bytes written. It holds one shard lock at a
// time, for reading.
func (l *Local) writeSnapshot(f *os.File) (int64, error) {
	buf := logHeader()
	var size int64
	write := func() error {
		n, err := f.Write(buf)
		size += int64(n)
		buf = buf[:0]
		return err
	}
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.RLock()
		for id, until := range sh.sessions {
			r := record{kind: kindSession, id: id, until: until}
			buf = r.appendTo(buf)
		}
		for id, e := range sh.tokens {
			r := record{kind: kindIssuedBefore, id: id, token: e}
			buf = r.appendTo(buf)
		}
		sh.mu.RUnlock()
		if err := write(); err != nil {
			return size, err
		}
	}
	l.subj.mu.RLock()
	for key, e := range l.subj.m {
		r := record{kind: kindSubject, skey: key, subj: e}
		buf = r.appendTo(buf)
	}
	l.subj.mu.RUnlock()
	return size, write()
}
