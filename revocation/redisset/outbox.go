package redisset

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The outbox file format. All integers little-endian; times are uint32
// seconds since the Unix epoch.
//
//	header (16 bytes): magic "CRUMBOBX" || version 2 || 7 zero bytes
//	records, each: kind (1) || body length (2) || body || CRC-32C (4) of
//	               kind || length || body
//	  session 's' (56 bytes): id (16) || SHA-256 of the subject (32) || created (4) || until (4)
//	  token   't' (68 bytes): id (16) || SHA-256 of the subject (32) || created (4) ||
//	                          before (4) || effective (4) || until (4) || at (4)
//	  subject 'u' (40 bytes): SHA-256 of the subject (32) || before (4) || until (4)
//
// Version 1, written by older versions, had no subject nor created-at in
// session (20 bytes) and token (32 bytes) records; it is read, and its
// entries are delivered without a subject.
const (
	outboxMagic   = "CRUMBOBX"
	outboxVersion = 2
	outboxHeader  = 16
	frameOverhead = 1 + 2 + 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func bodySize(version, kind byte) int {
	switch kind {
	case kindSession:
		if version == 1 {
			return 20
		}
		return 56
	case kindToken:
		if version == 1 {
			return 32
		}
		return 68
	case kindSubject:
		return 40
	}
	return -1
}

// appendRecord appends c, framed for an outbox of version, to dst. A
// version-1 record has no subject nor created-at.
func appendRecord(version byte, dst []byte, c *call) []byte {
	start := len(dst)
	dst = append(dst, c.kind, 0, 0)
	le := binary.LittleEndian
	switch c.kind {
	case kindSession:
		dst = append(dst, c.id[:]...)
		if version != 1 {
			dst = append(dst, c.skey[:]...)
			dst = le.AppendUint32(dst, c.created)
		}
		dst = le.AppendUint32(dst, c.until)
	case kindToken:
		dst = append(dst, c.id[:]...)
		if version != 1 {
			dst = append(dst, c.skey[:]...)
			dst = le.AppendUint32(dst, c.created)
		}
		dst = le.AppendUint32(dst, c.before)
		dst = le.AppendUint32(dst, c.eff)
		dst = le.AppendUint32(dst, c.until)
		dst = le.AppendUint32(dst, c.at)
	case kindSubject:
		dst = append(dst, c.skey[:]...)
		dst = le.AppendUint32(dst, c.before)
		dst = le.AppendUint32(dst, c.until)
	}
	le.PutUint16(dst[start+1:], uint16(len(dst)-start-3))
	return le.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// parseRecord decodes the record at the start of b, an outbox of version,
// or reports !ok when b does not start with a complete, valid record.
func parseRecord(version byte, b []byte) (c call, size int, ok bool) {
	if len(b) < frameOverhead {
		return c, 0, false
	}
	kind := b[0]
	n := int(binary.LittleEndian.Uint16(b[1:3]))
	if n != bodySize(version, kind) || len(b) < frameOverhead+n {
		return c, 0, false
	}
	size = frameOverhead + n
	if crc32.Checksum(b[:3+n], castagnoli) != binary.LittleEndian.Uint32(b[3+n:size]) {
		return c, 0, false
	}
	body, le := b[3:3+n], binary.LittleEndian
	c.kind = kind
	if kind == kindSubject {
		copy(c.skey[:], body)
		c.before, c.until = le.Uint32(body[32:]), le.Uint32(body[36:])
		return c, size, true
	}
	copy(c.id[:], body)
	body = body[16:]
	if version != 1 {
		copy(c.skey[:], body)
		c.created = le.Uint32(body[32:])
		body = body[36:]
	}
	if kind == kindSession {
		c.until = le.Uint32(body)
	} else {
		c.before, c.eff, c.until, c.at = le.Uint32(body), le.Uint32(body[4:]), le.Uint32(body[8:]), le.Uint32(body[12:])
	}
	return c, size, true
}

// outbox holds the revocations acknowledged while Redis could not take
// them: in memory (pending) and in a file, appended and fsynced before the
// Revoke call returns. The file is emptied (truncated to its header) only
// when every pending call has been delivered; delivery is idempotent, so a
// crash between delivering and truncating only delivers some calls twice.
type outbox struct {
	mu      sync.Mutex
	path    string
	f       *os.File // nil after close
	pending []call
	size    int64
	failed  error // the last write or sync failure, until a retry works
	retryAt time.Time
	wait    time.Duration // the pause before the next retry, doubling up to maxOutboxWait
	buf     []byte
	version byte // of the file: records are appended in it
	// queued holds, for the session and subject entries of pending calls,
	// the strongest call pending for each: a call it covers needs no record
	// of its own, so that a client replaying one logout while Redis is
	// unreachable grows nothing, nor queues ahead of other users' logouts.
	queued map[entryKey]call
}

// entryKey names the entry of a call: its kind and session ID or
// subject hash.
type entryKey struct {
	kind byte
	name [sha256.Size]byte
}

func keyOf(c *call) entryKey {
	k := entryKey{kind: c.kind}
	if c.kind == kindSubject {
		k.name = c.skey
	} else {
		copy(k.name[:], c.id[:])
	}
	return k
}

// coveredBy reports whether pending call p makes c redundant: same entry
// and subject, and at least as strong. Issued-before calls merge in ways
// that depend on the order of the calls: they are never redundant here.
func coveredBy(c, p *call) bool {
	switch c.kind {
	case kindSession:
		return p.skey == c.skey && p.created == c.created && p.until >= c.until
	case kindSubject:
		return p.before >= c.before && p.until >= c.until
	}
	return false
}

// remember records c, just made durable, in queued.
func (o *outbox) remember(c *call) {
	if c.kind == kindToken {
		return
	}
	if o.queued == nil {
		o.queued = map[entryKey]call{}
	}
	k := keyOf(c)
	if p, ok := o.queued[k]; !ok || coveredBy(&p, c) {
		o.queued[k] = *c
	}
}

// openOutbox opens (creating it 0600) and locks the outbox at path, and
// returns it with the calls it holds. Damaged bytes (a torn tail after a
// crash, a bad checksum) are skipped; damaged reports how many.
func openOutbox(path string) (o *outbox, damaged int, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrOutbox, err)
	}
	f, err := openOutboxFile(abs)
	if err != nil {
		return nil, 0, err
	}
	if err := lockOutbox(f, abs); err != nil {
		f.Close()
		return nil, 0, err
	}
	fail := func(err error) (*outbox, int, error) {
		unlockOutbox(f)
		return nil, 0, err
	}
	b, err := io.ReadAll(io.LimitReader(f, 1<<30))
	if err != nil {
		return fail(fmt.Errorf("%w: reading %s: %w", ErrOutbox, abs, err))
	}
	o = &outbox{path: abs, f: f}
	switch {
	case len(b) < outboxHeader && (bytes.HasPrefix(outboxHeaderBytes(), b) || bytes.HasPrefix(outboxHeaderOf(1), b)):
		// New, or its creation never finished: (re)write the header.
		if err := o.reset(); err != nil {
			return fail(err)
		}
		return o, 0, nil
	case len(b) < outboxHeader:
		return fail(fmt.Errorf("%w: %s is not a crumb Redis outbox; it was left untouched", ErrOutbox, abs))
	}
	version := b[8]
	if !bytes.Equal(b[:outboxHeader], outboxHeaderOf(version)) || version != 1 && version != outboxVersion {
		return fail(fmt.Errorf("%w: %s is not a crumb Redis outbox; it was left untouched", ErrOutbox, abs))
	}
	rest := b[outboxHeader:]
	for off := 0; off < len(rest); {
		c, n, ok := parseRecord(version, rest[off:])
		if ok {
			o.pending = append(o.pending, c)
			o.remember(&c)
			off += n
			continue
		}
		damaged++
		for off++; off < len(rest); off++ {
			if _, _, ok := parseRecord(version, rest[off:]); ok {
				break
			}
		}
	}
	// A file of version 1 stays so, appended to in its version, until it is
	// delivered and emptied: rewriting it now could lose what it holds.
	o.version = version
	o.size = int64(len(b))
	return o, damaged, nil
}

func outboxHeaderBytes() []byte { return outboxHeaderOf(outboxVersion) }

func outboxHeaderOf(version byte) []byte {
	h := make([]byte, outboxHeader)
	copy(h, outboxMagic)
	h[8] = version
	return h
}

// reset truncates the file to a bare header and syncs it. Called with mu
// held (or before the outbox is shared).
func (o *outbox) reset() error {
	if err := o.f.Truncate(0); err != nil {
		return o.fail(err)
	}
	if _, err := o.f.Write(outboxHeaderBytes()); err != nil {
		return o.fail(err)
	}
	if err := o.f.Sync(); err != nil {
		return o.fail(err)
	}
	o.size = outboxHeader
	o.version = outboxVersion
	o.failed, o.wait = nil, 0
	return nil
}

// maxOutboxWait bounds the pause between two attempts to use an outbox
// whose write failed.
const maxOutboxWait = 10 * time.Second

// fail records a write or sync failure: revocations are not acknowledged
// into the outbox until a retry works (usable).
func (o *outbox) fail(err error) error {
	o.failed = fmt.Errorf("%w: %s: %w", ErrOutbox, o.path, err)
	o.wait = min(max(2*o.wait, time.Second), maxOutboxWait)
	o.retryAt = time.Now().Add(o.wait)
	return o.failed
}

// usable makes an outbox whose write failed usable again, no sooner than
// its retry time: it cuts the file back to what is known durable — the
// header and the calls fsynced before the failure, o.size bytes — and
// fsyncs it (or, with nothing pending, writes the header anew). A disk
// that was full for a moment thus stops the outbox only for that moment.
// Called with mu held.
func (o *outbox) usable() error {
	switch {
	case o.f == nil:
		return fmt.Errorf("%w: closed", ErrOutbox)
	case o.failed == nil:
		return nil
	case time.Now().Before(o.retryAt):
		return o.failed
	case len(o.pending) == 0:
		return o.reset()
	}
	err := o.f.Truncate(o.size)
	if err == nil {
		err = o.f.Sync()
	}
	if err != nil {
		return o.fail(err)
	}
	o.failed, o.wait = nil, 0
	return nil
}

// write appends buf and fsyncs it; on failure it cuts the file back to
// where buf began and records the failure.
func (o *outbox) write(buf []byte) error {
	_, err := o.f.Write(buf)
	if err == nil {
		err = o.f.Sync()
	}
	if err != nil {
		_ = o.f.Truncate(o.size)
		return o.fail(err)
	}
	o.size += int64(len(buf))
	return nil
}

// add appends c durably: it returns nil only once the record is fsynced.
// Called with mu held.
func (o *outbox) add(c *call) error {
	if p, ok := o.queued[keyOf(c)]; ok && coveredBy(c, &p) {
		return nil // a durable pending call already holds it
	}
	if err := o.usable(); err != nil {
		return err
	}
	o.buf = appendRecord(o.version, o.buf[:0], c)
	if err := o.write(o.buf); err != nil {
		return err
	}
	o.pending = append(o.pending, *c)
	o.remember(c)
	return nil
}

// addBatch appends calls durably with one write and one fsync. Called
// with mu held.
func (o *outbox) addBatch(calls []call) error {
	if err := o.usable(); err != nil {
		return err
	}
	o.buf = o.buf[:0]
	for i := range calls {
		o.buf = appendRecord(o.version, o.buf, &calls[i])
	}
	if err := o.write(o.buf); err != nil {
		return err
	}
	o.pending = append(o.pending, calls...)
	for i := range calls {
		o.remember(&calls[i])
	}
	return nil
}

// delivered removes the first n pending calls, which Redis acknowledged,
// and empties the file when none is left. Called with mu held.
func (o *outbox) delivered(n int) error {
	for i := range o.pending[:n] {
		// Forget the entry: a later call for it is queued again (at most
		// once per delivery), never skipped for a call no longer pending.
		delete(o.queued, keyOf(&o.pending[i]))
	}
	o.pending = o.pending[n:]
	if len(o.pending) != 0 || o.f == nil {
		return nil
	}
	o.pending = nil
	return o.reset()
}

// close releases the file and its lock. Pending calls stay in the file for
// the next open. Called with mu held.
func (o *outbox) close() {
	if o.f != nil {
		unlockOutbox(o.f)
		o.f = nil
	}
}
