package vectors

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/sessiongen"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/crypto/chacha20poly1305"
)

// The generator encodes tokens from SPEC.md with its own code (claims,
// body framing, padding, envelope), calling x/crypto and klauspost/compress
// directly. It shares nothing with internal/token, so the vectors check the
// implementation against the document, not against itself.

// Fixed inputs: the time every vector is read at (2026-01-01T00:00:00Z) and
// the default timing of a session.
const (
	genNow      = 1767225600
	genCreated  = genNow - 600
	genIssued   = genNow - 60
	genLifetime = 12 * 3600 // absolute expiry - created
	genIdle     = 30 * 60   // idle deadline - issued
	genSkew     = 60
	genMaxToken = 8192
	genMaxBody  = 65536
	genPurpose  = "session"
)

func derive(label string, n int) []byte {
	h := sha256.Sum256([]byte("crumb test vector " + label))
	return h[:n]
}

func newKey(label string, id uint32, state string) Key {
	k := Key{ID: id, State: state}
	copy(k.Secret[:], derive("key "+label, 32))
	return k
}

var (
	keyPrimary = newKey("primary", 0x11111111, "primary")
	keyActive  = newKey("active", 0x22222222, "active")
	keyRetired = newKey("retired", 0x33333333, "retired")
	keyUnknown = newKey("unknown", 0x44444444, "primary") // never in a vector's ring
	// A key whose ID is no byte palindrome, and a decoy holding its bytes
	// reversed: a reader that takes the ID little-endian finds the decoy.
	keyByteOrder      = newKey("byte order", 0x0a1b2c3d, "active")
	keyByteOrderDecoy = newKey("byte order decoy", 0x3d2c1b0a, "active")
	ring              = []Key{keyPrimary, keyActive, keyRetired}
)

// claims is the generator's own model of SPEC.md §4.
type claims struct {
	flags    byte // extra flag bits to set (reserved bits, for reject vectors)
	sid      [16]byte
	created  int64
	issued   int64 // absolute
	lifetime int64
	idle     int64
	subject  string
	meta     map[string]string
}

func (c *claims) encode(compression, serializer byte, padded bool) []byte {
	f := compression | serializer<<3 | c.flags
	if padded {
		f |= 0x04
	}
	b := append([]byte{f}, c.sid[:]...)
	b = binary.AppendUvarint(b, uint64(c.created))
	b = binary.AppendUvarint(b, uint64(c.issued-c.created))
	b = binary.AppendUvarint(b, uint64(c.lifetime))
	b = binary.AppendUvarint(b, uint64(c.idle))
	b = binary.AppendUvarint(b, uint64(len(c.subject)))
	b = append(b, c.subject...)
	keys := make([]string, 0, len(c.meta))
	for k := range c.meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(c.meta[k])))
		b = append(b, c.meta[k]...)
	}
	return b
}

// spec describes one vector. Zero fields take the defaults above.
type spec struct {
	name, expect, reason, comment string

	purpose     string // the reader's purpose
	sealPurpose string // the purpose sealed under; defaults to purpose
	sealKey     Key
	version     byte
	keys        []Key
	now         int64
	maxToken    int
	maxBody     int

	c           claims
	payload     []byte
	serializer  byte   // 0 raw, 1 JSON
	compression string // "none", "s2", "zstd"
	dict        uint32
	padTo       int
	body        []byte // replaces the computed body (for reject vectors)

	revokedSessions [][16]byte
	revokedSubjects []SubjectRevocation

	editPT    func(pt []byte) []byte // edits the plaintext before sealing
	editEnv   func(env []byte) []byte
	editToken func(tok string) string
}

var dictContent = func() []byte {
	info, err := zstd.InspectDictionary(codec.DefaultDictionary().Bytes())
	if err != nil {
		panic(err)
	}
	return info.Content()
}()

func compress(alg string, dict uint32, payload []byte) []byte {
	body := binary.AppendUvarint(nil, uint64(dict))
	switch alg {
	case "s2":
		if dict == 0 {
			return append(body, s2.Encode(nil, payload)...)
		}
		return append(body, s2.MakeDictManual(dictContent, 0).Encode(nil, payload)...)
	case "zstd":
		opts := []zstd.EOption{zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderCRC(false), zstd.WithSingleSegment(true), zstd.WithEncoderConcurrency(1)}
		if dict != 0 {
			opts = append(opts, zstd.WithEncoderDict(codec.DefaultDictionary().Bytes()))
		}
		enc, err := zstd.NewWriter(nil, opts...)
		if err != nil {
			panic(err)
		}
		return enc.EncodeAll(payload, body)
	}
	panic("unknown compression " + alg)
}

func sealEnvelope(version byte, k Key, nonce []byte, pt []byte, purpose string) []byte {
	aead, err := chacha20poly1305.NewX(k.Secret[:])
	if err != nil {
		panic(err)
	}
	header := binary.BigEndian.AppendUint32([]byte{version}, k.ID)
	header = append(header, nonce...)
	ad := append(append([]byte(nil), header...), purpose...)
	return aead.Seal(header, nonce, pt, ad)
}

func (s *spec) build() *Vector {
	if s.purpose == "" {
		s.purpose = genPurpose
	}
	if s.sealPurpose == "" {
		s.sealPurpose = s.purpose
	}
	if s.sealKey.ID == 0 {
		s.sealKey = keyPrimary
	}
	if s.version == 0 {
		s.version = 1
	}
	if s.keys == nil {
		s.keys = ring
	}
	if s.now == 0 {
		s.now = genNow
	}
	if s.maxToken == 0 {
		s.maxToken = genMaxToken
	}
	if s.maxBody == 0 {
		s.maxBody = genMaxBody
	}
	if s.compression == "" {
		s.compression = "none"
	}
	c := &s.c
	copy(c.sid[:], derive("session "+s.name, 16))
	if c.created == 0 {
		c.created, c.issued, c.lifetime, c.idle = genCreated, genIssued, genLifetime, genIdle
	}

	comp := map[string]byte{"none": 0, "s2": 1, "zstd": 2}[s.compression]
	pt := c.encode(comp, s.serializer, s.padTo > 0)
	body := s.body
	if body == nil {
		body = s.payload
		if comp != 0 {
			body = compress(s.compression, s.dict, s.payload)
			if len(body) >= len(s.payload) {
				panic(s.name + ": compression does not pay; the vector would not be canonical")
			}
		}
	}
	if s.body != nil && s.expect == ExpectSuccess && comp != 0 && len(body) >= len(s.payload) {
		panic(s.name + ": the hand-built body is not shorter than its payload; the vector would not be canonical")
	}
	pt = append(pt, body...)
	if s.padTo > 0 {
		n := (len(pt)/s.padTo + 1) * s.padTo
		pt = append(pt, 0x80)
		pt = append(pt, make([]byte, n-len(pt))...)
	}
	if s.editPT != nil {
		pt = s.editPT(pt)
	}
	env := sealEnvelope(s.version, s.sealKey, derive("nonce "+s.name, 24), pt, s.sealPurpose)
	if s.editEnv != nil {
		env = s.editEnv(env)
	}
	tok := base64.RawURLEncoding.EncodeToString(env)
	if s.editToken != nil {
		tok = s.editToken(tok)
	}

	v := &Vector{
		Name: s.name, Expect: s.expect, Reason: s.reason, Comment: s.comment,
		Purpose: s.purpose, Keys: s.keys, Now: s.now, Skew: genSkew,
		MaxToken: s.maxToken, MaxBody: s.maxBody,
		RevokedSessions: s.revokedSessions, RevokedSubjects: s.revokedSubjects,
		Token: tok,
	}
	if s.expect == ExpectSuccess {
		v.SessionID, v.Subject, v.Metadata = c.sid, c.subject, c.meta
		v.Created, v.Issued = c.created, c.issued
		v.Expires, v.IdleDeadline = c.created+c.lifetime, c.issued+c.idle
		v.Serializer = map[byte]string{0: "raw", 1: "json"}[s.serializer]
		v.Compression, v.Padded = s.compression, s.padTo > 0
		if comp != 0 {
			v.Dictionary = s.dict
		}
		v.KeyID, v.Primary = s.sealKey.ID, s.sealKey.State == "primary"
		v.Payload = s.payload
	}
	return v
}

// Generate returns every vector file by name (without directory), built
// deterministically: the same bytes on every run and machine.
func Generate() map[string][]byte {
	out := map[string][]byte{}
	for _, s := range specs() {
		v := s.build()
		if _, dup := out[v.Name+".txt"]; dup {
			panic("duplicate vector " + v.Name)
		}
		out[v.Name+".txt"] = v.Marshal()
	}
	return out
}

func specs() []*spec {
	g := sessiongen.New(2026)
	small, medium, large := sessiongen.JSON(g.Small()), sessiongen.JSON(g.Medium()), sessiongen.JSON(g.Large())
	bomb := make([]byte, 1<<20)
	flip := func(i int) func([]byte) []byte {
		return func(b []byte) []byte { b[len(b)+i] ^= 0x01; return b }
	}
	sid := func(name string) (id [16]byte) { copy(id[:], derive("session "+name, 16)); return id }
	alice := claims{subject: "alice@example.com"}
	return append([]*spec{
		// Success.
		{name: "success-empty", expect: ExpectSuccess, comment: "an empty session: no subject, no metadata, no payload (102 characters with these times; the shortest possible token is 91, §8)"},
		{name: "success-plain", expect: ExpectSuccess, comment: "a small JSON session stored uncompressed", serializer: 1, payload: small},
		{name: "success-subject-metadata", expect: ExpectSuccess, comment: "subject and metadata (keys sorted)", serializer: 1, payload: small,
			c: claims{subject: "alice@example.com", meta: map[string]string{"ip": "192.0.2.1", "ua": "Mozilla/5.0", "amr": "pwd mfa"}}},
		{name: "success-unicode-subject", expect: ExpectSuccess, comment: "a UTF-8 subject", serializer: 1, payload: []byte(`{}`), c: claims{subject: "zoë@例え.jp"}},
		{name: "success-s2", expect: ExpectSuccess, comment: "S2 without a dictionary", serializer: 1, payload: medium, compression: "s2"},
		{name: "success-s2-dictionary", expect: ExpectSuccess, comment: "S2 with the built-in dictionary (ID 1)", serializer: 1, payload: small, compression: "s2", dict: 1},
		{name: "success-zstd", expect: ExpectSuccess, comment: "Zstandard without a dictionary", serializer: 1, payload: large, compression: "zstd"},
		{name: "success-zstd-dictionary", expect: ExpectSuccess, comment: "Zstandard with the built-in dictionary (ID 1)", serializer: 1, payload: large, compression: "zstd", dict: 1},
		{name: "success-padded", expect: ExpectSuccess, comment: "uncompressed, plaintext padded to a multiple of 64 bytes", serializer: 1, payload: small, padTo: 64},
		{name: "success-padded-s2", expect: ExpectSuccess, comment: "S2 with dictionary, plaintext padded to a multiple of 256 bytes", serializer: 1, payload: medium, compression: "s2", dict: 1, padTo: 256},
		{name: "success-raw-serializer", expect: ExpectSuccess, comment: "opaque application bytes (serializer 0)", payload: []byte("\x00\x01binary\xff")},
		{name: "success-key-id-byte-order", expect: ExpectSuccess, comment: "sealed under key 0a1b2c3d, with key 3d2c1b0a (the same bytes reversed) also in the ring: the key ID is big-endian",
			serializer: 1, payload: small, sealKey: keyByteOrder, keys: []Key{keyPrimary, keyByteOrderDecoy, keyByteOrder}},
		{name: "success-active-key", expect: ExpectSuccess, comment: "sealed under a key now active (no longer primary): opens, to be reissued under the primary", serializer: 1, payload: small, sealKey: keyActive},
		{name: "success-skew", expect: ExpectSuccess, comment: "issued 45 s ahead of the reader's clock: within the 60 s skew", serializer: 1, payload: small,
			c: claims{created: genNow + 45, issued: genNow + 45, lifetime: genLifetime, idle: genIdle}},
		{name: "success-skew-boundary", expect: ExpectSuccess, comment: "issued exactly 60 s (the skew) ahead of the reader's clock", serializer: 1, payload: small,
			c: claims{created: genNow + genSkew, issued: genNow + genSkew, lifetime: genLifetime, idle: genIdle}},
		{name: "success-revoked-other", expect: ExpectSuccess, comment: "revocations of another session and of the subject's older sessions do not apply",
			c:               claims{created: genCreated, issued: genIssued, lifetime: genLifetime, idle: genIdle, subject: "alice@example.com"},
			revokedSessions: [][16]byte{sid("some-other-session")}, revokedSubjects: []SubjectRevocation{{"alice@example.com", genCreated}}},

		// Invalid: everything a client must not be able to tell apart.
		{name: "invalid-bad-tag", expect: ExpectInvalid, reason: "authentication", comment: "last tag byte flipped", payload: small, serializer: 1, editEnv: flip(-1)},
		{name: "invalid-bad-ciphertext", expect: ExpectInvalid, reason: "authentication", comment: "a ciphertext byte flipped", payload: small, serializer: 1, editEnv: flip(-30)},
		{name: "invalid-bad-nonce", expect: ExpectInvalid, reason: "authentication", comment: "a nonce byte flipped (the header is associated data)", payload: small, serializer: 1,
			editEnv: func(b []byte) []byte { b[10] ^= 0x80; return b }},
		{name: "invalid-wrong-purpose", expect: ExpectInvalid, reason: "authentication", comment: "sealed for purpose \"admin\", read as \"session\"", payload: small, serializer: 1, sealPurpose: "admin"},
		{name: "invalid-unknown-key", expect: ExpectInvalid, reason: "unknown key", comment: "key ID 44444444 is not in the ring", payload: small, serializer: 1, sealKey: keyUnknown},
		{name: "invalid-retired-key", expect: ExpectInvalid, reason: "retired key", comment: "sealed under a key that is now retired", payload: small, serializer: 1, sealKey: keyRetired},
		{name: "invalid-wrong-version", expect: ExpectInvalid, reason: "version", comment: "version byte 0x02, sealed correctly otherwise", payload: small, serializer: 1, version: 2},
		{name: "invalid-base64-padding", expect: ExpectInvalid, reason: "encoding", comment: "'=' padding appended", payload: []byte(`{"a":1}`), serializer: 1,
			editToken: func(t string) string { return t + "=" }},
		{name: "invalid-base64-trailing-bits", expect: ExpectInvalid, reason: "encoding", comment: "non-zero trailing bits: decodes to the same bytes, so it must be rejected as non-canonical",
			payload: []byte(`{"a":1}`), serializer: 1, editToken: nonCanonicalTail},
		{name: "invalid-base64-alphabet", expect: ExpectInvalid, reason: "encoding", comment: "standard-alphabet '+' in place of a base64url character", payload: small, serializer: 1,
			editToken: func(t string) string { return "+" + t[1:] }},
		{name: "invalid-base64-newline", expect: ExpectInvalid, reason: "encoding", comment: "a carriage return inside the token (Go's decoder would skip it)", payload: small, serializer: 1,
			editToken: func(t string) string { return t[:40] + "\r" + t[40:] }},
		{name: "invalid-serializer-reserved", expect: ExpectInvalid, reason: "serializer", comment: "serializer 2, reserved for crumb: a reader configured for serializers 0 and 1 rejects it", payload: small, serializer: 2},
		{name: "invalid-serializer-application", expect: ExpectInvalid, reason: "serializer", comment: "serializer 5, an application's: a reader configured for serializers 0 and 1 rejects it", payload: small, serializer: 5},
		{name: "invalid-base64-linefeed", expect: ExpectInvalid, reason: "encoding", comment: "a line feed inside the token (Go's decoder would skip it)", payload: small, serializer: 1,
			editToken: func(t string) string { return t[:40] + "\n" + t[40:] }},
		{name: "invalid-truncated-header", expect: ExpectInvalid, reason: "encoding", comment: "cut to 40 characters: shorter than any token", payload: small, serializer: 1,
			editToken: func(t string) string { return t[:40] }},
		{name: "invalid-truncated", expect: ExpectInvalid, reason: "authentication", comment: "the last 3 bytes of the envelope cut off", payload: small, serializer: 1,
			editEnv: func(b []byte) []byte { return b[:len(b)-3] }},
		{name: "invalid-empty", expect: ExpectInvalid, reason: "encoding", comment: "the empty string", editToken: func(string) string { return "" }},
		{name: "invalid-reserved-flag", expect: ExpectInvalid, reason: "claims", comment: "flags bit 7 set", payload: small, serializer: 1, c: claims{flags: 0x80, created: genCreated, issued: genIssued, lifetime: genLifetime, idle: genIdle}},
		{name: "invalid-compression-3", expect: ExpectInvalid, reason: "claims", comment: "compression field 3 (reserved)", payload: small, serializer: 1, c: claims{flags: 0x03, created: genCreated, issued: genIssued, lifetime: genLifetime, idle: genIdle}},
		{name: "invalid-varint-not-minimal", expect: ExpectInvalid, reason: "claims", comment: "issued-at delta 540 encoded in 3 bytes instead of 2", payload: small, serializer: 1,
			editPT: func(pt []byte) []byte {
				// flags, ID, created (5 bytes), then the issued delta 0x9c 0x04.
				i := 1 + 16 + 5
				return append(append(append([]byte(nil), pt[:i]...), 0x9c, 0x84, 0x00), pt[i+2:]...)
			}},
		{name: "invalid-idle-after-expiry", expect: ExpectInvalid, reason: "claims", comment: "idle deadline later than the absolute expiry",
			c: claims{created: genCreated, issued: genIssued, lifetime: 600, idle: genIdle}},
		{name: "invalid-metadata-unsorted", expect: ExpectInvalid, reason: "claims", comment: "metadata keys out of order",
			editPT: func(pt []byte) []byte {
				// Replace the empty metadata (count 0) at the end of the claims with two entries in the wrong order.
				return append(pt[:len(pt)-1], 2, 1, 'b', 1, '1', 1, 'a', 1, '2')
			}},
		{name: "invalid-subject-overlong-utf8", expect: ExpectInvalid, reason: "claims", comment: "the subject holds an overlong encoding of '/' (C0 AF), which RFC 3629 forbids", c: claims{subject: "a\xc0\xafb", created: genCreated, issued: genIssued, lifetime: genLifetime, idle: genIdle}},
		{name: "invalid-subject-surrogate", expect: ExpectInvalid, reason: "claims", comment: "the subject holds the encoded surrogate U+D800 (ED A0 80), which RFC 3629 forbids", c: claims{subject: "a\xed\xa0\x80b", created: genCreated, issued: genIssued, lifetime: genLifetime, idle: genIdle}},
		{name: "invalid-metadata-not-utf8", expect: ExpectInvalid, reason: "claims", comment: "a metadata value holds a code point above U+10FFFF (F4 90 80 80)", c: claims{meta: map[string]string{"k": "\xf4\x90\x80\x80"}, created: genCreated, issued: genIssued, lifetime: genLifetime, idle: genIdle}},
		{name: "invalid-subject-not-utf8", expect: ExpectInvalid, reason: "claims", comment: "subject bytes are not UTF-8", c: claims{subject: "\xff\xfe", created: genCreated, issued: genIssued, lifetime: genLifetime, idle: genIdle}},
		{name: "invalid-bad-padding", expect: ExpectInvalid, reason: "claims", comment: "padded flag set, but no 0x80 marker", payload: small, serializer: 1,
			c: claims{flags: 0x04, created: genCreated, issued: genIssued, lifetime: genLifetime, idle: genIdle}},
		{name: "invalid-unknown-dictionary", expect: ExpectInvalid, reason: "unknown dictionary", comment: "Zstandard body naming dictionary 40000, which is not registered", serializer: 1, compression: "zstd",
			body: append(binary.AppendUvarint(nil, 40000), "\x28\xb5\x2f\xfd not decoded: the dictionary is looked up first"...)},
		{name: "invalid-future-issued", expect: ExpectInvalid, reason: "issued in the future", comment: "issued-at one hour ahead of the reader's clock",
			c: claims{created: genNow + 3600, issued: genNow + 3600, lifetime: genLifetime, idle: genIdle}},

		{name: "invalid-flag-bit-6", expect: ExpectInvalid, reason: "claims", comment: "flags bit 6 set", c: claims{flags: 0x40, created: genCreated, issued: genIssued, lifetime: genLifetime, idle: genIdle}},
		{name: "invalid-idle-zero", expect: ExpectInvalid, reason: "claims", comment: "idle window 0: the idle deadline would equal the issued-at", c: claims{created: genCreated, issued: genIssued, lifetime: genLifetime, idle: 0}},
		{name: "invalid-varint-over-max", expect: ExpectInvalid, reason: "claims", comment: "created-at 2^53, one past MAX_VALUE", c: claims{created: 1 << 53, issued: 1 << 53, lifetime: 10, idle: 5}},
		{name: "invalid-expiry-over-max", expect: ExpectInvalid, reason: "claims", comment: "created + lifetime exceeds MAX_VALUE", c: claims{created: 1<<53 - 10, issued: 1<<53 - 10, lifetime: 100, idle: 5}},
		{name: "invalid-subject-too-long", expect: ExpectInvalid, reason: "claims", comment: "a 256-byte subject", c: claims{subject: strings.Repeat("s", 256), created: genCreated, issued: genIssued, lifetime: genLifetime, idle: genIdle}},
		{name: "invalid-string-past-end", expect: ExpectInvalid, reason: "claims", comment: "subject length 127 with fewer bytes left",
			editPT: func(pt []byte) []byte { pt[1+16+5+2+3+2] = 127; return pt }},
		{name: "invalid-metadata-too-many", expect: ExpectInvalid, reason: "claims", comment: "17 metadata entries", c: claims{meta: manyMeta(17), created: genCreated, issued: genIssued, lifetime: genLifetime, idle: genIdle}},
		{name: "invalid-metadata-empty-key", expect: ExpectInvalid, reason: "claims", comment: "an empty metadata key", c: claims{meta: map[string]string{"": "v"}, created: genCreated, issued: genIssued, lifetime: genLifetime, idle: genIdle}},
		{name: "invalid-metadata-key-too-long", expect: ExpectInvalid, reason: "claims", comment: "a 65-byte metadata key", c: claims{meta: map[string]string{strings.Repeat("k", 65): "v"}, created: genCreated, issued: genIssued, lifetime: genLifetime, idle: genIdle}},
		{name: "invalid-metadata-value-too-long", expect: ExpectInvalid, reason: "claims", comment: "a 256-byte metadata value", c: claims{meta: map[string]string{"k": strings.Repeat("v", 256)}, created: genCreated, issued: genIssued, lifetime: genLifetime, idle: genIdle}},
		{name: "invalid-metadata-duplicate-key", expect: ExpectInvalid, reason: "claims", comment: "the same metadata key twice",
			editPT: func(pt []byte) []byte { return append(pt[:len(pt)-1], 2, 1, 'a', 1, '1', 1, 'a', 1, '2') }},
		{name: "invalid-length-1-mod-4", expect: ExpectInvalid, reason: "encoding", comment: "a length of 1 modulo 4 cannot be base64", payload: small, serializer: 1,
			editToken: func(t string) string {
				for len(t)%4 != 1 {
					t += "A"
				}
				return t
			}},
		{name: "invalid-too-short", expect: ExpectInvalid, reason: "encoding", comment: "90 characters: one short of the smallest token", payload: small, serializer: 1,
			editToken: func(t string) string { return t[:90] }},

		// Invalid bodies: authenticated, well-formed claims, broken framing or compression.
		{name: "invalid-zstd-no-content-size", expect: ExpectInvalid, reason: "claims", comment: "a Zstandard frame that does not declare its content size", serializer: 1, compression: "zstd",
			body: append([]byte{0}, zstdNoFCS(small)...)},
		{name: "invalid-zstd-trailing-frame", expect: ExpectInvalid, reason: "claims", comment: "an empty second frame after the first", serializer: 1, compression: "zstd",
			body: append(compress("zstd", 0, medium), zstdEmptyFrame()...)},
		{name: "invalid-zstd-skippable-frame", expect: ExpectInvalid, reason: "claims", comment: "a skippable frame instead of a frame", serializer: 1, compression: "zstd",
			body: []byte{0, 0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 's', 'k', 'i', 'p'}},
		{name: "invalid-zstd-dictionary-mismatch", expect: ExpectInvalid, reason: "claims", comment: "the body names dictionary 1, the frame none", serializer: 1, compression: "zstd",
			body: append([]byte{1}, compress("zstd", 0, medium)[1:]...)},
		{name: "invalid-zstd-content-size-wrong", expect: ExpectInvalid, reason: "claims", comment: "Frame_Content_Size one less than the content", serializer: 1, compression: "zstd",
			body: patchFCS(compress("zstd", 0, []byte(strings.Repeat("session ", 20))))},
		{name: "invalid-s2-truncated", expect: ExpectInvalid, reason: "claims", comment: "an S2 block cut in half", serializer: 1, compression: "s2",
			body: func() []byte { b := compress("s2", 0, medium); return b[:len(b)/2] }()},
		{name: "invalid-s2-length-mismatch", expect: ExpectInvalid, reason: "claims", comment: "an S2 block declaring 10 bytes more than it holds", serializer: 1, compression: "s2",
			body: s2WrongLength(medium, 10)},
		{name: "invalid-s2-length-not-minimal", expect: ExpectInvalid, reason: "claims", comment: "the S2 length prefix in one byte more than needed", serializer: 1, compression: "s2",
			body: s2WrongLength(medium, 0)},
		{name: "invalid-compressed-not-smaller", expect: ExpectInvalid, reason: "claims", comment: "an S2 body longer than its payload (compression did not pay)", serializer: 0, compression: "s2",
			body: append([]byte{0}, s2.Encode(nil, derive("incompressible", 32))...)},
		{name: "invalid-dictionary-id-not-minimal", expect: ExpectInvalid, reason: "claims", comment: "dictionary ID 0 in two bytes", serializer: 1, compression: "zstd",
			body: append([]byte{0x80, 0x00}, compress("zstd", 0, medium)[1:]...)},
		{name: "invalid-dictionary-id-over-32-bits", expect: ExpectInvalid, reason: "claims", comment: "dictionary ID 2^32", serializer: 1, compression: "zstd",
			body: append(binary.AppendUvarint(nil, 1<<32), compress("zstd", 0, medium)[1:]...)},

		// Expired.
		{name: "expired-idle", expect: ExpectExpired, reason: "idle expired", comment: "idle deadline passed 1 s ago, absolute expiry still ahead",
			c: claims{created: genNow - 7200, issued: genNow - 1801, lifetime: genLifetime, idle: 1800}},
		{name: "expired-idle-exact", expect: ExpectExpired, reason: "idle expired", comment: "now equals the idle deadline: expired",
			c: claims{created: genNow - 7200, issued: genNow - 1800, lifetime: genLifetime, idle: 1800}},
		{name: "expired-absolute", expect: ExpectExpired, reason: "absolute expired", comment: "absolute expiry passed; the idle deadline is the same instant",
			c: claims{created: genNow - genLifetime, issued: genNow - 1000, lifetime: genLifetime, idle: 1000}},

		// Revoked.
		{name: "revoked-session", expect: ExpectRevoked, reason: "revoked", comment: "the session ID is in the revocation set", payload: small, serializer: 1,
			revokedSessions: [][16]byte{sid("revoked-session")}},
		{name: "revoked-subject", expect: ExpectRevoked, reason: "subject revoked", comment: "every session of the subject created before now-300 is revoked", c: alice,
			revokedSubjects: []SubjectRevocation{{"alice@example.com", genNow - 300}}},

		// Too large.
		{name: "too-large-token", expect: ExpectTooLarge, reason: "token too large", comment: "a valid token longer than the 128-character cap", payload: small, serializer: 1, maxToken: 128},
		{name: "too-large-payload", expect: ExpectTooLarge, reason: "payload too large", comment: "uncompressed payload over the 1024-byte cap", payload: large, serializer: 1, maxBody: 1024},
		{name: "too-large-zstd-bomb", expect: ExpectTooLarge, reason: "payload too large", comment: "a Zstandard frame declaring 1 MiB: refused from its header, never decoded", payload: bomb, compression: "zstd"},
		{name: "too-large-s2-bomb", expect: ExpectTooLarge, reason: "payload too large", comment: "an S2 block declaring 1 MiB: refused from its length prefix", payload: bomb, compression: "s2"},
	}, hardeningSpecs()...)
}

func manyMeta(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("k%02d", i)] = "v"
	}
	return m
}

// zstdNoFCS returns a valid Zstandard frame (RFC 8878) that does not
// declare its content size: a Window_Descriptor instead of the
// single-segment flag, and one raw block.
func zstdNoFCS(payload []byte) []byte {
	f := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x08} // magic; FHD: no FCS, not single-segment; window 2 KiB
	bh := len(payload)<<3 | 1                       // Raw_Block, Last_Block
	f = append(f, byte(bh), byte(bh>>8), byte(bh>>16))
	return append(f, payload...)
}

func zstdEmptyFrame() []byte {
	enc, err := zstd.NewWriter(nil, zstd.WithZeroFrames(true), zstd.WithEncoderCRC(false), zstd.WithEncoderConcurrency(1))
	if err != nil {
		panic(err)
	}
	return enc.EncodeAll(nil, nil)
}

// patchFCS lowers by one the 1-byte Frame_Content_Size of a body holding a
// single-segment frame without a dictionary and under 256 bytes of content.
func patchFCS(body []byte) []byte {
	b := append([]byte(nil), body...)
	if b[5]>>6 != 0 || b[5]&0x20 == 0 || b[5]&3 != 0 {
		panic("patchFCS: unexpected frame header")
	}
	b[6]--
	return b
}

// s2WrongLength returns an S2 body whose length prefix declares extra more
// bytes than the block holds, re-encoded in one byte more than needed when
// extra is 0.
func s2WrongLength(payload []byte, extra int) []byte {
	blk := s2.Encode(nil, payload)
	n, vn := binary.Uvarint(blk)
	prefix := binary.AppendUvarint(nil, n+uint64(extra))
	if extra == 0 {
		prefix[len(prefix)-1] |= 0x80
		prefix = append(prefix, 0)
	}
	return append(append([]byte{0}, prefix...), blk[vn:]...)
}

// nonCanonicalTail changes the last character of a token whose length is 2
// mod 4 (or 3) so that its unused low bits are not zero.
func nonCanonicalTail(t string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := t[len(t)-1]
	i := 0
	for alphabet[i] != last {
		i++
	}
	var unused int
	switch len(t) % 4 {
	case 2:
		unused = 4
	case 3:
		unused = 2
	default:
		panic(fmt.Sprintf("token length %d has no trailing bits", len(t)))
	}
	return t[:len(t)-1] + string(alphabet[i|(1<<unused-1)&0x3f])
}
