package registry

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"slices"
	"unicode/utf8"
)

// The durable file format (version 1). All integers are little-endian.
//
//	file    = header *record
//	header  = "CRUMBREG" version(1 byte, 1) reserved(7 zero bytes)
//	record  = kind(1) length(2) body(length bytes) crc(4)
//
// crc is the CRC-32C (Castagnoli) of kind, length and body. Times are
// seconds since 1970 in 4 bytes; a subject is stored as the SHA-256 of
// its bytes (32 bytes), never in the clear. The bodies:
//
//	add (1)           subject id(16) created lastSeen expires labels
//	seen (2)          subject id(16) at hasLabels(1 byte, 0 or 1) [labels]
//	remove (3)        subject id(16)
//	removeBefore (4)  subject before
//
// labels, which run to the end of the body, are pairs of
// keyLength(1) key valueLength(1) value, keys in increasing byte order,
// within the limits of ValidateLabels. A record that does not parse
// exactly, or whose crc does not match, is damage: a reader skips it.
const (
	fileMagic   = "CRUMBREG"
	fileVersion = 1
	headerSize  = 16 // magic (8) || version (1) || reserved, zero (7)

	kindAdd          = 1
	kindSeen         = 2
	kindRemove       = 3
	kindRemoveBefore = 4

	frameOverhead = 1 + 2 + 4 // kind || length || CRC-32C

	maxLabelsSize = MaxLabels * (1 + MaxLabelKeyLen + 1 + MaxLabelValueLen)
	addFixedSize  = 32 + 16 + 4 + 4 + 4
	seenFixedSize = 32 + 16 + 4 + 1
	removeSize    = 32 + 16
	beforeSize    = 32 + 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// fileHeader returns the header of a file of the current version.
func fileHeader() []byte {
	h := make([]byte, headerSize)
	copy(h, fileMagic)
	h[8] = fileVersion
	return h
}

// headerStatus classifies the start of a file.
type headerStatus int

const (
	headerOK      headerStatus = iota
	headerPartial              // empty, or a prefix of a header: a creation cut short
	headerForeign              // another magic, or nonzero reserved bytes
	headerFuture               // a version this crumb does not know
)

// checkHeader classifies the start of data.
func checkHeader(data []byte) headerStatus {
	h := fileHeader()
	if len(data) < headerSize {
		if len(data) > 8 {
			h[8] = data[8]
		}
		if bytes.HasPrefix(h, data) {
			return headerPartial
		}
		return headerForeign
	}
	if string(data[:8]) != fileMagic || !bytes.Equal(data[9:headerSize], h[9:]) || data[8] == 0 {
		return headerForeign
	}
	if data[8] != fileVersion {
		return headerFuture
	}
	return headerOK
}

// record is one decoded record.
type record struct {
	kind      byte
	key       key
	id        ID
	created   uint32 // add: created; removeBefore: before
	lastSeen  uint32 // add: last seen; seen: at
	expires   uint32 // add
	hasLabels bool   // add: always; seen: whether labels replace the old
	labels    string // encoded labels (see appendLabels)
}

// addRecord returns the add record of e, an entry of the subject of k.
func addRecord(k *key, e *entry) record {
	return record{kind: kindAdd, key: *k, id: e.id, created: e.created, lastSeen: e.lastSeen, expires: e.expires, hasLabels: true, labels: e.labels}
}

// addRecordSize is the framed size of the add record of e.
func addRecordSize(e *entry) int64 {
	return int64(frameOverhead + addFixedSize + len(e.labels))
}

// appendRecord appends r, framed, to dst.
func appendRecord(dst []byte, r *record) []byte {
	le := binary.LittleEndian
	start := len(dst)
	dst = append(dst, r.kind, 0, 0)
	dst = append(dst, r.key[:]...)
	switch r.kind {
	case kindAdd:
		dst = append(dst, r.id[:]...)
		dst = le.AppendUint32(dst, r.created)
		dst = le.AppendUint32(dst, r.lastSeen)
		dst = le.AppendUint32(dst, r.expires)
		dst = append(dst, r.labels...)
	case kindSeen:
		dst = append(dst, r.id[:]...)
		dst = le.AppendUint32(dst, r.lastSeen)
		if r.hasLabels {
			dst = append(dst, 1)
			dst = append(dst, r.labels...)
		} else {
			dst = append(dst, 0)
		}
	case kindRemove:
		dst = append(dst, r.id[:]...)
	case kindRemoveBefore:
		dst = le.AppendUint32(dst, r.created)
	default:
		panic("registry: unknown record kind")
	}
	le.PutUint16(dst[start+1:], uint16(len(dst)-start-3))
	return le.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// bodyBounds returns the least and greatest body length of kind, or -1.
func bodyBounds(kind byte) (lo, hi int) {
	switch kind {
	case kindAdd:
		return addFixedSize, addFixedSize + maxLabelsSize
	case kindSeen:
		return seenFixedSize, seenFixedSize + maxLabelsSize
	case kindRemove:
		return removeSize, removeSize
	case kindRemoveBefore:
		return beforeSize, beforeSize
	}
	return -1, -1
}

// parseResult says why parseRecord did not return a record.
type parseResult int

const (
	parsedOK   parseResult = iota
	parsedBad              // not a record
	parsedMore             // possibly the start of a record still being written
)

// parseRecord decodes the record at the start of b and returns it with
// its framed size. parsedMore means b is too short to tell: it ends inside
// what could be a record.
func parseRecord(b []byte) (r record, size int, res parseResult) {
	if len(b) < 3 {
		if len(b) > 0 {
			if lo, _ := bodyBounds(b[0]); lo < 0 {
				return r, 0, parsedBad
			}
		}
		return r, 0, parsedMore
	}
	le := binary.LittleEndian
	kind := b[0]
	n := int(le.Uint16(b[1:3]))
	lo, hi := bodyBounds(kind)
	if lo < 0 || n < lo || n > hi {
		return r, 0, parsedBad
	}
	size = frameOverhead + n
	if len(b) < size {
		return r, 0, parsedMore
	}
	if crc32.Checksum(b[:3+n], castagnoli) != le.Uint32(b[3+n:size]) {
		return r, 0, parsedBad
	}
	body := b[3 : 3+n]
	r.kind = kind
	copy(r.key[:], body)
	body = body[32:]
	switch kind {
	case kindAdd:
		copy(r.id[:], body)
		r.created = le.Uint32(body[16:])
		r.lastSeen = le.Uint32(body[20:])
		r.expires = le.Uint32(body[24:])
		r.hasLabels = true
		body = body[28:]
	case kindSeen:
		copy(r.id[:], body)
		r.lastSeen = le.Uint32(body[16:])
		switch body[20] {
		case 0:
			if len(body) != 21 {
				return r, 0, parsedBad
			}
		case 1:
			r.hasLabels = true
		default:
			return r, 0, parsedBad
		}
		body = body[21:]
	case kindRemove:
		copy(r.id[:], body)
		body = nil
	case kindRemoveBefore:
		r.created = le.Uint32(body)
		body = nil
	}
	if len(body) > 0 {
		if !validEncodedLabels(body) {
			return r, 0, parsedBad
		}
		r.labels = string(body)
	}
	return r, size, parsedOK
}

// scanStats describes what scanRecords found besides good records.
type scanStats struct {
	records    int // good records
	badRegions int // runs of bytes that were not records
	badBytes   int // bytes in those runs
}

// scanRecords calls fn for every good record in b, in order, and returns
// how many bytes of b it consumed. Where b does not hold a good record it
// looks forward byte by byte for the next one, so that damage in the
// middle loses nothing after it. At the end of b, bytes that may be a
// record still being written, or damage followed by nothing good, are not
// consumed unless all is set: a reader following a file being appended to
// leaves them for its next look.
func scanRecords(b []byte, all bool, fn func(*record)) (consumed int, st scanStats) {
	off := 0
	for off < len(b) {
		r, n, res := parseRecord(b[off:])
		if res == parsedOK {
			fn(&r)
			st.records++
			off += n
			continue
		}
		next := -1
		for i := off + 1; i < len(b); i++ {
			if _, _, res := parseRecord(b[i:]); res == parsedOK {
				next = i
				break
			}
		}
		if next < 0 {
			if all {
				st.badRegions++
				st.badBytes += len(b) - off
				off = len(b)
			}
			break
		}
		st.badRegions++
		st.badBytes += next - off
		off = next
	}
	return off, st
}

// appendLabels appends the encoding of labels, which are valid, to dst:
// the pairs in increasing key order.
func appendLabels(dst []byte, labels map[string]string) []byte {
	var keys [MaxLabels]string
	ks := keys[:0]
	for k := range labels {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	for _, k := range ks {
		v := labels[k]
		dst = append(dst, byte(len(k)))
		dst = append(dst, k...)
		dst = append(dst, byte(len(v)))
		dst = append(dst, v...)
	}
	return dst
}

// encodeLabels returns the encoding of labels, which are valid; "" when
// there are none.
func encodeLabels(labels map[string]string) string {
	if len(labels) == 0 {
		return ""
	}
	return string(appendLabels(make([]byte, 0, 64), labels))
}

// validEncodedLabels reports whether b is a canonical label encoding
// within the limits.
func validEncodedLabels(b []byte) bool {
	n := 0
	var prev []byte
	for len(b) > 0 {
		kl := int(b[0])
		if kl == 0 || kl > MaxLabelKeyLen || len(b) < 2+kl {
			return false
		}
		k := b[1 : 1+kl]
		vl := int(b[1+kl])
		if vl > MaxLabelValueLen || len(b) < 2+kl+vl {
			return false
		}
		v := b[2+kl : 2+kl+vl]
		if n++; n > MaxLabels || (prev != nil && bytes.Compare(prev, k) >= 0) || !utf8.Valid(k) || !utf8.Valid(v) {
			return false
		}
		prev = k
		b = b[2+kl+vl:]
	}
	return true
}

// decodeLabels returns the labels encoded in s, a valid encoding, or nil.
// The strings share s's memory: strings are immutable, so no caller can
// change what the registry holds through them.
func decodeLabels(s string) map[string]string {
	if s == "" {
		return nil
	}
	m := make(map[string]string, 2)
	for len(s) > 0 {
		kl := int(s[0])
		k := s[1 : 1+kl]
		vl := int(s[1+kl])
		m[k] = s[2+kl : 2+kl+vl]
		s = s[2+kl+vl:]
	}
	return m
}
