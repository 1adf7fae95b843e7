package token

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
	"unsafe"

	"github.com/crumbhq/crumb/codec"
)

const (
	// SessionIDSize is the size of a session ID in bytes (128 bits).
	SessionIDSize = 16
	// MaxSubjectLen is the longest subject, in bytes of UTF-8.
	MaxSubjectLen = 255
	// MaxMetadata is the largest number of metadata entries.
	MaxMetadata = 16
	// MaxMetaKeyLen and MaxMetaValueLen bound metadata entries, in bytes.
	MaxMetaKeyLen   = 64
	MaxMetaValueLen = 255
	// MaxTime is the largest time value (unix seconds) and the largest
	// varint a claim may hold: 2^53-1, exact in every language's numbers.
	MaxTime = 1<<53 - 1

	flagCompression = 0x03
	flagPadded      = 0x04
	flagSerializer  = 0x38
	serializerShift = 3
	flagReserved    = 0xc0

	// minClaims is the size of the smallest claims: flags, ID, six one-byte
	// varints (created, issued, lifetime, idle, subject length, metadata
	// count).
	minClaims = 1 + SessionIDSize + 6
)

// Claims are the authenticated fields at the front of a token's plaintext.
// Times are unix seconds. Format is set by Seal from the codec's choice and
// read from the flags by Open.
type Claims struct {
	SessionID    [SessionIDSize]byte
	Subject      string
	Created      int64 // anchors the absolute lifetime; never moves on reissue
	Issued       int64 // when this token was sealed
	Expires      int64 // absolute expiry: no reissue extends it
	IdleDeadline int64 // the sliding (idle) deadline, at most Expires
	Metadata     map[string]string
	Serializer   codec.SerializerID
	Format       codec.Format
}

// Validate checks the invariants every token's claims satisfy:
// 0 <= Created <= Issued < IdleDeadline <= Expires <= MaxTime, and the
// subject, metadata and serializer limits.
func (c *Claims) Validate() error {
	switch {
	case c.Created < 0 || c.Issued < c.Created:
		return fmt.Errorf("token: issued-at %d before created-at %d", c.Issued, c.Created)
	case c.IdleDeadline <= c.Issued:
		return fmt.Errorf("token: idle deadline %d not after issued-at %d", c.IdleDeadline, c.Issued)
	case c.Expires < c.IdleDeadline:
		return fmt.Errorf("token: idle deadline %d after absolute expiry %d", c.IdleDeadline, c.Expires)
	case c.Expires > MaxTime:
		return fmt.Errorf("token: absolute expiry %d past %d", c.Expires, int64(MaxTime))
	case len(c.Subject) > MaxSubjectLen || !utf8.ValidString(c.Subject):
		return fmt.Errorf("token: subject must be valid UTF-8 of at most %d bytes", MaxSubjectLen)
	case len(c.Metadata) > MaxMetadata:
		return fmt.Errorf("token: %d metadata entries, at most %d", len(c.Metadata), MaxMetadata)
	case c.Serializer > codec.MaxSerializerID:
		return fmt.Errorf("token: serializer ID %d out of range", c.Serializer)
	}
	for k, v := range c.Metadata {
		if len(k) == 0 || len(k) > MaxMetaKeyLen || len(v) > MaxMetaValueLen || !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("token: metadata %q: keys must be 1 to %d bytes and values at most %d bytes of UTF-8", k, MaxMetaKeyLen, MaxMetaValueLen)
		}
	}
	return nil
}

// claimsLen returns the exact encoded size of c's claims.
func claimsLen(c *Claims) int {
	n := 1 + SessionIDSize +
		uvarintLen(uint64(c.Created)) + uvarintLen(uint64(c.Issued-c.Created)) +
		uvarintLen(uint64(c.Expires-c.Created)) + uvarintLen(uint64(c.IdleDeadline-c.Issued)) +
		uvarintLen(uint64(len(c.Subject))) + len(c.Subject) + uvarintLen(uint64(len(c.Metadata)))
	for k, v := range c.Metadata {
		n += uvarintLen(uint64(len(k))) + len(k) + uvarintLen(uint64(len(v))) + len(v)
	}
	return n
}

// AppendClaims appends the canonical encoding of c (already validated) to
// dst. The flags byte comes from c.Serializer and c.Format.
func AppendClaims(dst []byte, c *Claims) []byte {
	dst = append(dst, flags(c))
	dst = append(dst, c.SessionID[:]...)
	dst = binary.AppendUvarint(dst, uint64(c.Created))
	dst = binary.AppendUvarint(dst, uint64(c.Issued-c.Created))
	dst = binary.AppendUvarint(dst, uint64(c.Expires-c.Created))
	dst = binary.AppendUvarint(dst, uint64(c.IdleDeadline-c.Issued))
	dst = appendString(dst, c.Subject)
	dst = binary.AppendUvarint(dst, uint64(len(c.Metadata)))
	if len(c.Metadata) > 0 {
		for _, k := range sortedKeys(c.Metadata) {
			dst = appendString(dst, k)
			dst = appendString(dst, c.Metadata[k])
		}
	}
	return dst
}

func flags(c *Claims) byte {
	f := byte(c.Format.Compression)&flagCompression | byte(c.Serializer)<<serializerShift&flagSerializer
	if c.Format.Padded {
		f |= flagPadded
	}
	return f
}

func appendString(dst []byte, s string) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

// sortedKeys returns the keys of m in ascending byte order (insertion sort:
// there are at most MaxMetadata of them).
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		i := len(keys)
		keys = append(keys, k)
		for ; i > 0 && keys[i-1] > k; i-- {
			keys[i] = keys[i-1]
		}
		keys[i] = k
	}
	return keys
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// reader parses claims. Strings it returns share the plaintext buffer, which
// Open allocates for this token alone and never modifies afterwards.
type reader struct {
	b   []byte
	bad bool
}

// uvarint reads a minimally encoded unsigned LEB128 varint of at most MaxTime.
func (r *reader) uvarint() int64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 || n != uvarintLen(v) || v > MaxTime {
		r.bad = true
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return int64(v)
}

func (r *reader) string(max int) string {
	n := r.uvarint()
	if r.bad || n > int64(max) || n > int64(len(r.b)) {
		r.bad = true
		r.b = nil
		return ""
	}
	s := r.b[:n]
	r.b = r.b[n:]
	if !utf8.Valid(s) {
		r.bad = true
	}
	return unsafe.String(unsafe.SliceData(s), len(s))
}

// ParseClaims parses the claims at the front of plaintext pt into c and
// returns the body that follows them. It enforces every rule of SPEC.md §4: reserved
// flags zero, known compression, minimal varints, the time invariants, and
// the subject and metadata limits (sorted, unique keys).
func ParseClaims(pt []byte, c *Claims) (body []byte, ok bool) {
	if len(pt) < minClaims {
		return nil, false
	}
	f := pt[0]
	if f&flagReserved != 0 || f&flagCompression == 3 {
		return nil, false
	}
	c.Format = codec.Format{Compression: codec.Compression(f & flagCompression), Padded: f&flagPadded != 0}
	c.Serializer = codec.SerializerID(f & flagSerializer >> serializerShift)
	copy(c.SessionID[:], pt[1:1+SessionIDSize])
	r := reader{b: pt[1+SessionIDSize:]}
	c.Created = r.uvarint()
	issued := r.uvarint()
	lifetime := r.uvarint()
	idle := r.uvarint()
	c.Subject = r.string(MaxSubjectLen)
	n := r.uvarint()
	if r.bad || n > MaxMetadata {
		return nil, false
	}
	c.Metadata = nil
	if n > 0 {
		c.Metadata = make(map[string]string, n)
		prev := ""
		for i := range n {
			k := r.string(MaxMetaKeyLen)
			v := r.string(MaxMetaValueLen)
			if r.bad || k == "" || (i > 0 && k <= prev) {
				return nil, false
			}
			c.Metadata[k] = v
			prev = k
		}
	}
	// Time invariants: issued < idle deadline <= expires, all within MaxTime.
	if r.bad || idle == 0 || issued+idle > lifetime || c.Created+lifetime > MaxTime {
		return nil, false
	}
	c.Issued = c.Created + issued
	c.Expires = c.Created + lifetime
	c.IdleDeadline = c.Issued + idle
	return r.b, true
}
