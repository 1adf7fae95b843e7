package middleware

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"iter"
	"strconv"
	"strings"

	"github.com/crumbhq/crumb/cookie"
)

// Chunked cookies. A token that fits one cookie (its Set-Cookie line,
// attributes included, at most MaxSetCookieBytes) is the value of the
// cookie named by the store. A longer
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

// split cuts a token into the cookies that carry it, every Set-Cookie line
// within MaxSetCookieBytes, or fails with a *cookie.SizeError
// (ErrCookieTooLarge) when they would exceed the header budget.
func (m *Manager) split(tok string) ([]pair, error) {
	if len(tok) <= m.lineRoom(m.name) {
		if n := len(m.name) + 1 + len(tok); n > m.budget {
			return nil, m.tooLarge(n)
		}
		return []pair{{m.name, tok}}, nil
	}
	// The smallest k whose pieces can hold the token.
	k := 2
	for k <= maxChunks && m.chunkRoom(k) < len(tok) {
		k++
	}
	if k > maxChunks {
		// What it would take in more chunks than a session may have: each
		// further chunk carries at least the room of chunk 999's name.
		per := m.lineRoom(m.chunkName(999)) - tagLen - 1
		k = maxChunks + (len(tok)-m.chunkRoom(maxChunks)+per-1)/per
		return nil, m.tooLarge(m.headerBytes(k, len(tok)))
	}
	if n := m.headerBytes(k, len(tok)); n > m.budget {
		return nil, m.tooLarge(n)
	}
	tag := chunkTag([]byte(tok))
	pairs := make([]pair, k)
	rest := tok
	for i := range k {
		name, prefix := m.name, tag+"."
		if i == 0 {
			prefix = "~" + strconv.Itoa(k) + "." + prefix
		} else {
			name = m.chunkName(i)
		}
		n := min(len(rest), m.lineRoom(name)-len(prefix))
		pairs[i] = pair{name, prefix + rest[:n]}
		rest = rest[n:]
	}
	return pairs, nil
}

// tooLarge is the error for a token whose cookies would take n bytes of
// the Cookie header.
func (m *Manager) tooLarge(n int) error {
	return &cookie.SizeError{What: "cookies", Size: n, Limit: m.budget, Option: "middleware.Options.HeaderBudget"}
}

// lineRoom returns how many bytes of value a cookie named name can carry
// with every Set-Cookie line within MaxSetCookieBytes: the line is
// "name=value" and the longest attributes the middleware writes.
func (m *Manager) lineRoom(name string) int {
	return MaxSetCookieBytes - len(name) - 1 - m.attrMax
}

// firstPrefixLen is the length of the first chunk's "~k.TAG." prefix.
func firstPrefixLen(k int) int { return len("~.") + len(strconv.Itoa(k)) + tagLen + 1 }

// chunkRoom returns how many token characters k chunks can carry.
func (m *Manager) chunkRoom(k int) int {
	room := m.lineRoom(m.name) - firstPrefixLen(k)
	for i := 1; i < k; i++ {
		room += m.lineRoom(m.chunkName(i)) - tagLen - 1
	}
	return room
}

// headerBytes returns what a token of n characters in k chunks takes of
// the Cookie header: every "name=value", with "; " between them.
func (m *Manager) headerBytes(k, n int) int {
	total := n + len(m.name) + 1 + firstPrefixLen(k)
	for i := 1; i < k; i++ {
		total += 2 + len(m.chunkName(i)) + 1 + tagLen + 1
	}
	return total
}

// chunkName returns the name of chunk i ≥ 1.
func (m *Manager) chunkName(i int) string { return m.name + "." + strconv.Itoa(i) }
