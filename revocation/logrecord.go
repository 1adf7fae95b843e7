package revocation

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

// The durable log format; the package doc describes it byte by byte.
const (
	logMagic   = "CRUMBREV"
	logVersion = 1
	headerSize = 16 // magic (8) || version (1) || reserved, zero (7)

	kindSession      = 1
	kindIssuedBefore = 2
	kindSubject      = 3

	frameOverhead = 1 + 2 + 4 // kind || body length || CRC-32C

	sessionBodySize = 16 + 4             // id || until
	tokenBodySize   = 16 + 4 + 4 + 4 + 4 // id || hard || soft || softEffective || until
	subjectBodySize = 4 + 4 + 32         // before || until || SHA-256(subject)

	sessionRecordSize = frameOverhead + sessionBodySize
	tokenRecordSize   = frameOverhead + tokenBodySize
	subjectRecordSize = frameOverhead + subjectBodySize
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// logHeader returns the 16-byte header of a version-1 log.
func logHeader() []byte {
	h := make([]byte, headerSize)
	copy(h, logMagic)
	h[8] = logVersion
	return h
}

// checkHeader reports whether b starts with a header this package can read.
func checkHeader(b []byte) bool {
	return len(b) >= headerSize &&
		string(b[:8]) == logMagic &&
		b[8] == logVersion &&
		bytes.Equal(b[9:headerSize], make([]byte, headerSize-9))
}

// record is one decoded log record. Which fields are set depends on kind:
// session: id, until; issued-before: id, token; subject: skey, subj.
type record struct {
	kind  byte
	id    ID
	until uint32
	token tokenEntry
	skey  subjectKey
	subj  subjectEntry
}

// appendTo appends the framed record to dst.
func (r *record) appendTo(dst []byte) []byte {
	start := len(dst)
	dst = append(dst, r.kind, 0, 0)
	switch r.kind {
	case kindSession:
		dst = append(dst, r.id[:]...)
		dst = binary.LittleEndian.AppendUint32(dst, r.until)
	case kindIssuedBefore:
		dst = append(dst, r.id[:]...)
		dst = binary.LittleEndian.AppendUint32(dst, r.token.hard)
		dst = binary.LittleEndian.AppendUint32(dst, r.token.soft)
		dst = binary.LittleEndian.AppendUint32(dst, r.token.softEffective)
		dst = binary.LittleEndian.AppendUint32(dst, r.token.until)
	case kindSubject:
		dst = binary.LittleEndian.AppendUint32(dst, r.subj.before)
		dst = binary.LittleEndian.AppendUint32(dst, r.subj.until)
		dst = append(dst, r.skey[:]...)
	default:
		panic("revocation: unknown record kind")
	}
	binary.LittleEndian.PutUint16(dst[start+1:], uint16(len(dst)-start-3))
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// validBodyLen reports whether n is a legal body length for kind.
func validBodyLen(kind byte, n int) bool {
	switch kind {
	case kindSession:
		return n == sessionBodySize
	case kindIssuedBefore:
		return n == tokenBodySize
	case kindSubject:
		return n == subjectBodySize
	}
	return false
}

// parseRecord decodes the record at the start of b. It returns the record
// and its framed size, or ok == false when b does not start with a complete
// record of a known kind, a legal length and a matching CRC-32C.
func parseRecord(b []byte) (r record, size int, ok bool) {
	if len(b) < frameOverhead {
		return r, 0, false
	}
	kind := b[0]
	n := int(binary.LittleEndian.Uint16(b[1:3]))
	if !validBodyLen(kind, n) || len(b) < frameOverhead+n {
		return r, 0, false
	}
	size = frameOverhead + n
	if crc32.Checksum(b[:3+n], castagnoli) != binary.LittleEndian.Uint32(b[3+n:size]) {
		return r, 0, false
	}
	body := b[3 : 3+n]
	r.kind = kind
	switch kind {
	case kindSession:
		copy(r.id[:], body)
		r.until = binary.LittleEndian.Uint32(body[16:])
	case kindIssuedBefore:
		copy(r.id[:], body)
		r.token = tokenEntry{
			hard:          binary.LittleEndian.Uint32(body[16:]),
			soft:          binary.LittleEndian.Uint32(body[20:]),
			softEffective: binary.LittleEndian.Uint32(body[24:]),
			until:         binary.LittleEndian.Uint32(body[28:]),
		}
	case kindSubject:
		r.subj = subjectEntry{
			before: binary.LittleEndian.Uint32(body),
			until:  binary.LittleEndian.Uint32(body[4:]),
		}
		copy(r.skey[:], body[8:])
	}
	return r, size, true
}

// scanStats describes what scanRecords found besides good records.
type scanStats struct {
	records    int // good records
	badRegions int // runs of bytes that were not records (torn tail included)
	badBytes   int // bytes in those runs
}

// scanRecords calls fn for every good record in b, the log after its
// header, in order. Where b does not hold a good record it scans forward
// byte by byte for the next offset where one starts, so that one corrupt
// record in the middle loses nothing after it; a torn tail is simply a bad
// run that reaches the end.
func scanRecords(b []byte, fn func(*record)) scanStats {
	var st scanStats
	for off := 0; off < len(b); {
		r, n, ok := parseRecord(b[off:])
		if ok {
			fn(&r)
			st.records++
			off += n
			continue
		}
		start := off
		for off++; off < len(b); off++ {
			if _, _, ok := parseRecord(b[off:]); ok {
				break
			}
		}
		st.badRegions++
		st.badBytes += off - start
	}
	return st
}
