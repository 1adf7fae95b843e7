package registry

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
)

// follower is a read-only registry's view of a file another process
// writes. Before each answer it reads what the writer appended since the
// last look or, when the writer replaced the file by a rewrite (or cut it
// short after a failed write), the whole file again.
type follower struct {
	l    *Local
	path string

	mu     sync.Mutex
	f      *os.File
	info   os.FileInfo
	off    int64 // bytes of f applied to memory, header included
	err    error // why the last look failed
	closed bool

	size atomic.Int64 // off, for Stats
}

// openFollower loads the file at path into l for reading only.
func (l *Local) openFollower(path string) error {
	if err := checkPath(path); err != nil {
		return err
	}
	fr := &follower{l: l, path: path}
	if err := fr.reload(); err != nil {
		return err
	}
	l.follower = fr
	return nil
}

// reload reads the whole file into a new table and makes it l's. Called
// with fr.mu held, or before fr is shared.
func (fr *follower) reload() error {
	f, fi, err := openDataFile(fr.path, false, true)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return fmt.Errorf("registry: reading %s: %w", fr.path, err)
	}
	t := newTable()
	n, err := loadInto(t, fr.path, data, false, fr.l.logger)
	if err != nil {
		f.Close()
		return err
	}
	fr.l.mu.Lock()
	fr.l.t = t
	fr.l.mu.Unlock()
	if fr.f != nil {
		fr.f.Close()
	}
	fr.f, fr.info, fr.off = f, fi, int64(n)
	fr.size.Store(fr.off)
	return nil
}

// refresh brings memory up to date with the file and returns nil, or an
// error saying why it could not; memory then keeps what it read before.
func (fr *follower) refresh() error {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	if fr.closed {
		return ErrClosed
	}
	err := fr.follow()
	if err != nil && !errors.Is(err, ErrCorrupt) {
		err = fmt.Errorf("%w (listing what %s held when last read): %w", ErrUnavailable, fr.path, err)
	}
	fr.err = err
	return err
}

// follow reads what changed in the file since the last look.
func (fr *follower) follow() error {
	fi, err := os.Stat(fr.path)
	if errors.Is(err, fs.ErrNotExist) {
		return errors.New("the file was removed")
	}
	if err != nil {
		return err
	}
	if !os.SameFile(fi, fr.info) || fi.Size() < fr.off || fr.off < headerSize {
		// Replaced by the writer's rewrite, cut short after a failed
		// write, or not even a header last time: read it all again.
		return fr.reload()
	}
	if fi.Size() == fr.off {
		return nil
	}
	data := make([]byte, fi.Size()-fr.off)
	n, err := fr.f.ReadAt(data, fr.off)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	var rs []record
	used, st := scanRecords(data[:n], false, func(r *record) { rs = append(rs, *r) })
	if st.badRegions > 0 {
		fr.l.logger.Warn("registry: skipped damaged bytes in the session registry file", "path", fr.path, "bad_regions", st.badRegions, "bad_bytes", st.badBytes)
	}
	fr.l.mu.Lock()
	for i := range rs {
		fr.l.t.apply(&rs[i])
	}
	fr.l.mu.Unlock()
	fr.off += int64(used)
	fr.size.Store(fr.off)
	return nil
}

// close closes the file.
func (fr *follower) close() {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	fr.closed = true
	if fr.f != nil {
		fr.f.Close()
	}
}
