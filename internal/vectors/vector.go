// Package vectors reads, writes and generates crumb's token test vectors
// (testdata/vectors/v1/): one small file per behaviour, in the style of
// age's testkit.
//
// A vector file is a block of "name: value" header lines, a blank line, and
// the token. The headers give everything a reader needs (keys, purpose, the
// current time, caps, revocations) and the expected outcome: on success, the
// claims and the payload; on failure, the error class and the reason. A
// runner must fail on a header it does not know and on any outcome that does
// not match, so no vector is ever silently unclassified.
package vectors

//go:generate go run ../cmd/vectorgen -out ../../testdata/vectors/v1

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Expectations a vector can state.
const (
	ExpectSuccess  = "success"
	ExpectInvalid  = "invalid"
	ExpectExpired  = "expired"
	ExpectRevoked  = "revoked"
	ExpectTooLarge = "too large"
)

// Key is a key of a vector's keyring.
type Key struct {
	ID     uint32
	State  string // "primary", "active" or "retired"
	Secret [32]byte
}

// SubjectRevocation revokes every session of Subject created before Before.
type SubjectRevocation struct {
	Subject string
	Before  int64
}

// Vector is one parsed vector file.
type Vector struct {
	Name     string // file name without extension
	Expect   string // one of the Expect constants
	Reason   string // for failures: token.Reason's name
	Comment  string
	Purpose  string
	Keys     []Key
	Now      int64
	Skew     int64
	MaxToken int
	MaxBody  int // cap on the decoded payload

	RevokedSessions [][16]byte
	RevokedSubjects []SubjectRevocation

	// Expected results on success.
	SessionID    [16]byte
	Subject      string
	Created      int64
	Issued       int64
	Expires      int64
	IdleDeadline int64
	Metadata     map[string]string
	Serializer   string
	Compression  string
	Dictionary   uint32
	Padded       bool
	KeyID        uint32
	Primary      bool
	Payload      []byte

	Token string
}

// Marshal returns the file form of v. Headers that do not apply are left
// out: success-only headers on failures, and vice versa.
func (v *Vector) Marshal() []byte {
	var b bytes.Buffer
	h := func(name, value string) { fmt.Fprintf(&b, "%s: %s\n", name, value) }
	h("expect", v.Expect)
	if v.Expect != ExpectSuccess {
		h("reason", v.Reason)
	}
	if v.Comment != "" {
		h("comment", v.Comment)
	}
	if purposeIsText(v.Purpose) {
		h("purpose", v.Purpose)
	} else {
		h("purpose hex", hex.EncodeToString([]byte(v.Purpose)))
	}
	for _, k := range v.Keys {
		h("key", fmt.Sprintf("%08x %s %s", k.ID, k.State, base64.RawURLEncoding.EncodeToString(k.Secret[:])))
	}
	h("now", strconv.FormatInt(v.Now, 10))
	h("skew", strconv.FormatInt(v.Skew, 10))
	h("max token", strconv.Itoa(v.MaxToken))
	h("max payload", strconv.Itoa(v.MaxBody))
	for _, id := range v.RevokedSessions {
		h("revoked session", hex.EncodeToString(id[:]))
	}
	for _, s := range v.RevokedSubjects {
		h("revoked subject", fmt.Sprintf("%d %s", s.Before, s.Subject))
	}
	if v.Expect == ExpectSuccess {
		h("session id", hex.EncodeToString(v.SessionID[:]))
		if v.Subject != "" {
			h("subject", v.Subject)
		}
		h("created", strconv.FormatInt(v.Created, 10))
		h("issued", strconv.FormatInt(v.Issued, 10))
		h("expires", strconv.FormatInt(v.Expires, 10))
		h("idle deadline", strconv.FormatInt(v.IdleDeadline, 10))
		keys := make([]string, 0, len(v.Metadata))
		for k := range v.Metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			h("metadata", k+"="+v.Metadata[k])
		}
		h("serializer", v.Serializer)
		h("compression", v.Compression)
		h("dictionary", strconv.FormatUint(uint64(v.Dictionary), 10))
		h("padded", strconv.FormatBool(v.Padded))
		h("key id", fmt.Sprintf("%08x", v.KeyID))
		h("primary", strconv.FormatBool(v.Primary))
		h("payload", base64.RawURLEncoding.EncodeToString(v.Payload))
	}
	b.WriteString("\n")
	b.WriteString(v.Token)
	b.WriteString("\n")
	return b.Bytes()
}

// Parse parses a vector file strictly: an unknown or repeated header, a
// malformed value, a missing required header or an unknown expectation is an
// error. The token is everything after the blank line, without the final
// newline, byte for byte (it may hold characters a token must not).
func Parse(name string, data []byte) (*Vector, error) {
	head, token, ok := bytes.Cut(data, []byte("\n\n"))
	if !ok || !bytes.HasSuffix(token, []byte("\n")) {
		return nil, fmt.Errorf("%s: want headers, a blank line, and the token ending in a newline", name)
	}
	v := &Vector{Name: name, Token: string(token[:len(token)-1])}
	seen := map[string]bool{}
	required := []string{"expect", "now", "skew", "max token", "max payload"}
	sc := bufio.NewScanner(bytes.NewReader(head))
	sc.Buffer(nil, len(head)+1) // a payload line can exceed 64 KiB
	for sc.Scan() {
		line := sc.Text()
		key, val, ok := strings.Cut(line, ": ")
		if !ok {
			return nil, fmt.Errorf("%s: malformed header line %q", name, line)
		}
		repeatable := key == "key" || key == "metadata" || key == "revoked session" || key == "revoked subject"
		if seen[key] && !repeatable {
			return nil, fmt.Errorf("%s: header %q repeated", name, key)
		}
		seen[key] = true
		if err := v.set(key, val); err != nil {
			return nil, fmt.Errorf("%s: header %q: %w", name, key, err)
		}
	}
	if v.Expect == ExpectSuccess {
		required = append(required, "session id", "created", "issued", "expires", "idle deadline", "serializer", "compression", "dictionary", "padded", "key id", "primary", "payload")
	} else {
		required = append(required, "reason")
	}
	for _, r := range required {
		if !seen[r] {
			return nil, fmt.Errorf("%s: missing header %q", name, r)
		}
	}
	if seen["purpose"] == seen["purpose hex"] {
		return nil, fmt.Errorf("%s: want exactly one of \"purpose\" and \"purpose hex\"", name)
	}
	if len(v.Keys) == 0 {
		return nil, fmt.Errorf("%s: no key", name)
	}
	return v, nil
}

func (v *Vector) set(key, val string) error {
	var err error
	switch key {
	case "expect":
		switch val {
		case ExpectSuccess, ExpectInvalid, ExpectExpired, ExpectRevoked, ExpectTooLarge:
			v.Expect = val
		default:
			return fmt.Errorf("unknown expectation %q", val)
		}
	case "reason":
		v.Reason = val
	case "comment":
		v.Comment = val
	case "purpose":
		if !purposeIsText(val) {
			return fmt.Errorf("a purpose that is not printable text goes in \"purpose hex\"")
		}
		v.Purpose = val
	case "purpose hex":
		b, err := hex.DecodeString(val)
		if err != nil || strings.ToLower(val) != val || purposeIsText(string(b)) {
			return fmt.Errorf("want lower-case hex of a purpose that is not printable text")
		}
		v.Purpose = string(b)
	case "key":
		f := strings.Fields(val)
		if len(f) != 3 {
			return fmt.Errorf("want ID, state, secret")
		}
		var k Key
		id, err := strconv.ParseUint(f[0], 16, 32)
		if err != nil || len(f[0]) != 8 {
			return fmt.Errorf("bad key ID %q", f[0])
		}
		k.ID, k.State = uint32(id), f[1]
		s, err := base64.RawURLEncoding.Strict().DecodeString(f[2])
		if err != nil || len(s) != 32 {
			return fmt.Errorf("bad secret")
		}
		copy(k.Secret[:], s)
		v.Keys = append(v.Keys, k)
	case "now":
		v.Now, err = strconv.ParseInt(val, 10, 64)
	case "skew":
		v.Skew, err = strconv.ParseInt(val, 10, 64)
	case "max token":
		v.MaxToken, err = strconv.Atoi(val)
	case "max payload":
		v.MaxBody, err = strconv.Atoi(val)
	case "revoked session":
		var id [16]byte
		err = hexInto(id[:], val)
		v.RevokedSessions = append(v.RevokedSessions, id)
	case "revoked subject":
		before, subject, ok := strings.Cut(val, " ")
		if !ok {
			return fmt.Errorf("want time and subject")
		}
		t, err := strconv.ParseInt(before, 10, 64)
		if err != nil {
			return err
		}
		if subject == "" {
			return fmt.Errorf("empty subject: sessions without a subject cannot be revoked by subject (SPEC.md §8.3)")
		}
		v.RevokedSubjects = append(v.RevokedSubjects, SubjectRevocation{Subject: subject, Before: t})
	case "session id":
		err = hexInto(v.SessionID[:], val)
	case "subject":
		v.Subject = val
	case "created":
		v.Created, err = strconv.ParseInt(val, 10, 64)
	case "issued":
		v.Issued, err = strconv.ParseInt(val, 10, 64)
	case "expires":
		v.Expires, err = strconv.ParseInt(val, 10, 64)
	case "idle deadline":
		v.IdleDeadline, err = strconv.ParseInt(val, 10, 64)
	case "metadata":
		k, mv, ok := strings.Cut(val, "=")
		if !ok {
			return fmt.Errorf("want key=value")
		}
		if v.Metadata == nil {
			v.Metadata = map[string]string{}
		}
		v.Metadata[k] = mv
	case "serializer":
		v.Serializer = val
	case "compression":
		v.Compression = val
	case "dictionary":
		var d uint64
		d, err = strconv.ParseUint(val, 10, 32)
		v.Dictionary = uint32(d)
	case "padded":
		v.Padded, err = strconv.ParseBool(val)
	case "key id":
		var id uint64
		id, err = strconv.ParseUint(val, 16, 32)
		if len(val) != 8 {
			err = fmt.Errorf("want 8 hex digits")
		}
		v.KeyID = uint32(id)
	case "primary":
		v.Primary, err = strconv.ParseBool(val)
	case "payload":
		v.Payload, err = base64.RawURLEncoding.Strict().DecodeString(val)
	default:
		return fmt.Errorf("unknown header")
	}
	return err
}

// purposeIsText reports whether a purpose can be written as the "purpose"
// header: valid UTF-8 without control characters (so no 0x00, which SPEC.md
// §3.4 recommends as a separator, and no line break).
func purposeIsText(p string) bool {
	if !utf8.ValidString(p) {
		return false
	}
	for _, r := range p {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func hexInto(dst []byte, s string) error {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(dst) {
		return fmt.Errorf("want %d hex bytes", len(dst))
	}
	copy(dst, b)
	return nil
}

// Load parses every *.txt file in dir, sorted by name.
func Load(dir string) ([]*Vector, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	var out []*Vector
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		v, err := Parse(strings.TrimSuffix(filepath.Base(p), ".txt"), data)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
