package revocation

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"

	"github.com/crumbhq/crumb/revocation/internal/table"
)

// The durable log format; the package doc describes it byte by byte.
const (
	logMagic   = "CRUMBREV"
	logVersion = 2  // written; version 1 (no subjects) is read and upgraded
	headerSize = 16 // magic (8) || version (1) || reserved, zero (7)

	kindSession      = 1
	kindIssuedBefore = 2
	kindSubject      = 3

	frameOverhead = 1 + 2 + 4 // kind || body length || CRC-32C

	sessionBodySize = 16 + 32 + 4 + 4             // id || subject key || created || until
	tokenBodySize   = 16 + 32 + 4 + 4 + 4 + 4 + 4 // id || subject key || created || hard || soft || softEffective || until
	subjectBodySize = 4 + 4 + 32                  // before || until || subject key
	v1SessionBody   = 16 + 4                      // id || until
	v1TokenBody     = 16 + 4 + 4 + 4 + 4          // id || hard || soft || softEffective || until

	sessionRecordSize = frameOverhead + sessionBodySize
	tokenRecordSize   = frameOverhead + tokenBodySize
	subjectRecordSize = frameOverhead + subjectBodySize
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// logHeader returns the 16-byte header of a log of the current version.
func logHeader() []byte {
	h := make([]byte, headerSize)
	copy(h, logMagic)
	h[8] = logVersion
	return h
}

// headerVersion returns the version of the log header at the start of b, or
// 0 when b does not start with a header this package can read.
func headerVersion(b []byte) byte {
	if len(b) < headerSize || string(b[:8]) != logMagic || !bytes.Equal(b[9:headerSize], make([]byte, headerSize-9)) {
		return 0
	}
	if v := b[8]; v == 1 || v == logVersion {
		return v
	}
	return 0
}

// record is one decoded log record: the state an entry reached.
type record = table.Change[tokenEntry]

// appendRecord appends r, framed in the current version's layout, to dst.
func appendRecord(dst []byte, r *record) []byte {
	le := binary.LittleEndian
	start := len(dst)
	dst = append(dst, byte(r.Kind), 0, 0)
	switch r.Kind {
	case table.KindSession:
		dst = append(dst, r.ID[:]...)
		dst = append(dst, r.Key[:]...)
		dst = le.AppendUint32(dst, r.Created)
		dst = le.AppendUint32(dst, r.Until)
	case table.KindToken:
		dst = append(dst, r.ID[:]...)
		dst = append(dst, r.Key[:]...)
		dst = le.AppendUint32(dst, r.Created)
		dst = le.AppendUint32(dst, r.Token.hard)
		dst = le.AppendUint32(dst, r.Token.soft)
		dst = le.AppendUint32(dst, r.Token.softEffective)
		dst = le.AppendUint32(dst, r.Token.until)
	case table.KindSubject:
		dst = le.AppendUint32(dst, r.Subject.Before)
		dst = le.AppendUint32(dst, r.Subject.Until)
		dst = append(dst, r.Key[:]...)
	default:
		panic("revocation: unknown record kind")
	}
	le.PutUint16(dst[start+1:], uint16(len(dst)-start-3))
	return le.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// bodyLen returns the body length of kind in a log of version, or -1.
func bodyLen(version, kind byte) int {
	switch {
	case kind == kindSubject:
		return subjectBodySize
	case kind == kindSession && version == 1:
		return v1SessionBody
	case kind == kindSession:
		return sessionBodySize
	case kind == kindIssuedBefore && version == 1:
		return v1TokenBody
	case kind == kindIssuedBefore:
		return tokenBodySize
	}
	return -1
}

// parseRecord decodes the record at the start of b, a log of version. It
// returns the record and its framed size, or ok == false when b does not
// start with a complete record of a known kind, a legal length and a
// matching CRC-32C. Version-1 records carry no subject: their entries get
// table.NoKey.
func parseRecord(version byte, b []byte) (r record, size int, ok bool) {
	if len(b) < frameOverhead {
		return r, 0, false
	}
	le := binary.LittleEndian
	kind := b[0]
	n := int(le.Uint16(b[1:3]))
	if n != bodyLen(version, kind) || len(b) < frameOverhead+n {
		return r, 0, false
	}
	size = frameOverhead + n
	if crc32.Checksum(b[:3+n], castagnoli) != le.Uint32(b[3+n:size]) {
		return r, 0, false
	}
	body := b[3 : 3+n]
	r.Kind = table.Kind(kind)
	if kind == kindSubject {
		r.Subject = table.Subject{Before: le.Uint32(body), Until: le.Uint32(body[4:])}
		copy(r.Key[:], body[8:])
		return r, size, true
	}
	copy(r.ID[:], body)
	body = body[16:]
	if version != 1 {
		copy(r.Key[:], body)
		r.Created = le.Uint32(body[32:])
		body = body[36:]
	}
	if kind == kindSession {
		r.Until = le.Uint32(body)
	} else {
		r.Token = tokenEntry{hard: le.Uint32(body), soft: le.Uint32(body[4:]), softEffective: le.Uint32(body[8:]), until: le.Uint32(body[12:])}
	}
	return r, size, true
}

// scanStats describes what scanRecords found besides good records.
type scanStats struct {
	records    int // good records
	badRegions int // runs of bytes that were not records (torn tail included)
	badBytes   int // bytes in those runs
	tail       int // bytes of the last bad run when it reaches the end of b
}

// scanRecords calls fn for every good record in b, records of a log of
// version, in order. Where b does not hold a good record it scans forward
// byte by byte for the next offset where one starts, so that one corrupt
// record in the middle loses nothing after it; a torn tail is a bad run
// that reaches the end (st.tail).
func scanRecords(version byte, b []byte, fn func(*record)) scanStats {
	var st scanStats
	for off := 0; off < len(b); {
		r, n, ok := parseRecord(version, b[off:])
		if ok {
			fn(&r)
			st.records++
			off += n
			continue
		}
		start := off
		for off++; off < len(b); off++ {
			if _, _, ok := parseRecord(version, b[off:]); ok {
				break
			}
		}
		st.badRegions++
		st.badBytes += off - start
		if off == len(b) {
			st.tail = off - start
		}
	}
	return st
}
