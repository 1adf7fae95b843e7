package middleware

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"iter"
	"strconv"
	"strings"
)

// Chunked cookies. A token that fits one cookie (name and value at most
// MaxCookieBytes) is the value of the cookie named by the store. A longer
// one is cut into k pieces, 2 ≤ k ≤ maxChunks, carried as
//
//	NAME=~k.TAG.PIECE0
//	NAME.1=TAG.PIECE1
//	…
//	NAME.(k-1)=TAG.PIECE(k-1)
//
// where TAG is the first 9 bytes of SHA-256 of the whole token in base64url
// (12 characters). '~' and '.' are outside the token alphabet, so the first
// cookie tells the two forms apart. The TAG binds the set together: a chunk
// left from another generation of the session carries another TAG, and the
// assembled token must hash to it, so a mixed set is rejected as a whole
// (before the AEAD, which would reject it anyway).
const (
	maxChunks = 16
	tagBytes  = 9
	tagLen    = 12 // base64url characters of tagBytes
)

// incoming is what a request carried of the session's cookies.
type incoming struct {
	token   string // the token, assembled from its chunks; "" for none
	bytes   int    // what the session's cookies took of the Cookie header
	chunks  int    // how many cookies the token came in
	present uint32 // bit i: chunk cookie NAME.i was present (i ≥ 1)
	primary bool   // the first cookie was present
	dup     bool   // a cookie of the session appeared twice (cookie tossing)
	bad     bool   // a malformed or mixed chunk set, orphan chunks, an empty value
}

// readCookies finds the session's cookies in the request's Cookie headers
// without parsing the other cookies into values: only the configured
// cookie name is ever read (no query, form or header fallback).
func (m *Manager) readCookies(lines []string) (in incoming) {
	var first string
	var pieces [maxChunks]string
	var seen [maxChunks]int
	for i, value := range m.sessionCookies(lines) {
		if i == 0 {
			first = value
			in.primary = true
			in.bytes += len(m.name) + 1 + len(value)
		} else {
			pieces[i] = value
			in.present |= 1 << i
			in.bytes += len(m.name) + len(".") + len(strconv.Itoa(i)) + 1 + len(value)
		}
		seen[i]++
	}
	if seen[0] > 1 {
		in.dup = true
		return in
	}
	if !in.primary || first == "" {
		in.bad = in.present != 0 || in.primary // orphan chunks, an empty value: clear them
		return in
	}
	if !strings.HasPrefix(first, "~") {
		in.token, in.chunks = first, 1
		return in
	}
	k, tag, piece, ok := parseFirstChunk(first)
	if !ok {
		in.bad = true
		return in
	}
	buf := make([]byte, 0, min(in.bytes, m.budget))
	buf = append(buf, piece...)
	for i := 1; i < k; i++ {
		if seen[i] != 1 {
			in.bad, in.dup = true, seen[i] > 1
			return in
		}
		p, ok := strings.CutPrefix(pieces[i], tag)
		if !ok || !strings.HasPrefix(p, ".") {
			in.bad = true // a chunk of another generation
			return in
		}
		if len(buf)+len(p)-1 > m.budget {
			in.bad = true // more than this middleware ever writes
			return in
		}
		buf = append(buf, p[1:]...)
	}
	if !tagMatches(tag, buf) {
		in.bad = true
		return in
	}
	in.token, in.chunks = string(buf), k
	return in
}

// sessionCookies yields the session's cookies in the Cookie header lines,
// in order: the index of each (0 for the first cookie, i for chunk NAME.i)
// and its value, trimmed. Other cookies are skipped without being parsed
// further.
func (m *Manager) sessionCookies(lines []string) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		for _, line := range lines {
			for line != "" {
				var part string
				part, line, _ = strings.Cut(line, ";")
				name, value, ok := strings.Cut(part, "=")
				if !ok {
					continue
				}
				name = strings.TrimSpace(name)
				if !strings.HasPrefix(name, m.name) {
					continue
				}
				i := 0
				if len(name) > len(m.name) {
					if i = chunkIndex(name[len(m.name):]); i <= 0 {
						continue // another cookie whose name starts with ours
					}
				}
				if !yield(i, strings.TrimSpace(value)) {
					return
				}
			}
		}
	}
}

// chunkIndex parses ".i" with 1 ≤ i < maxChunks in canonical decimal
// (digits only, no leading zero), or returns -1.
func chunkIndex(s string) int {
	if len(s) < 2 || len(s) > 3 || s[0] != '.' || !digits(s[1:]) || s[1] == '0' {
		return -1
	}
	i, _ := strconv.Atoi(s[1:])
	if i >= maxChunks {
		return -1
	}
	return i
}

// digits reports whether s is one or more ASCII digits.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseFirstChunk parses "~k.TAG.PIECE".
func parseFirstChunk(v string) (k int, tag, piece string, ok bool) {
	countStr, rest, ok1 := strings.Cut(v[1:], ".")
	tag, piece, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || len(tag) != tagLen || !digits(countStr) || len(countStr) > 2 || countStr[0] == '0' {
		return 0, "", "", false
	}
	k, err := strconv.Atoi(countStr)
	if err != nil || k < 2 || k > maxChunks {
		return 0, "", "", false
	}
	return k, tag, piece, true
}

// chunkTag returns the TAG of a token.
func chunkTag(tok []byte) string {
	sum := sha256.Sum256(tok)
	return base64.RawURLEncoding.EncodeToString(sum[:tagBytes])
}

func tagMatches(tag string, tok []byte) bool {
	return subtle.ConstantTimeCompare([]byte(tag), []byte(chunkTag(tok))) == 1
}

// pair is one cookie to set: a name and its value.
type pair struct{ name, value string }

// split cuts a token into the cookies that carry it, or fails with
// ErrCookieTooLarge when they would exceed the header budget.
func (m *Manager) split(tok string) ([]pair, error) {
	if len(m.name)+len(tok) <= MaxCookieBytes {
		if len(m.name)+1+len(tok) > m.budget {
			return nil, ErrCookieTooLarge
		}
		return []pair{{m.name, tok}}, nil
	}
	// The smallest k whose pieces can hold the token.
	k := 2
	for ; k <= maxChunks; k++ {
		if m.chunkRoom(k) >= len(tok) {
			break
		}
	}
	if k > maxChunks {
		return nil, ErrCookieTooLarge
	}
	tag := chunkTag([]byte(tok))
	pairs := make([]pair, k)
	total := 2 * (k - 1) // the "; " between the cookies
	rest := tok
	for i := range k {
		name, prefix := m.name, tag+"."
		if i == 0 {
			prefix = "~" + strconv.Itoa(k) + "." + prefix
		} else {
			name = m.chunkName(i)
		}
		n := min(len(rest), MaxCookieBytes-len(name)-len(prefix))
		pairs[i] = pair{name, prefix + rest[:n]}
		rest = rest[n:]
		total += len(name) + 1 + len(pairs[i].value)
	}
	if total > m.budget {
		return nil, ErrCookieTooLarge
	}
	return pairs, nil
}

// chunkRoom returns how many token characters k chunks can carry.
func (m *Manager) chunkRoom(k int) int {
	room := MaxCookieBytes - len(m.name) - len("~.") - len(strconv.Itoa(k)) - tagLen - 1
	for i := 1; i < k; i++ {
		room += MaxCookieBytes - len(m.chunkName(i)) - tagLen - 1
	}
	return room
}

// chunkName returns the name of chunk i ≥ 1.
func (m *Manager) chunkName(i int) string { return m.name + "." + strconv.Itoa(i) }
