package codec

import (
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// An ObjectSerializer is a Serializer whose payloads can be objects — string
// keys mapped to values — and that can split and join them without decoding
// the values. The session layer uses it to decode one value at a time, on
// first access, and to re-encode a session without touching the values that
// did not change. JSON implements it.
type ObjectSerializer interface {
	Serializer
	// SplitObject returns the members of one serialized object, each value
	// still serialized (the bytes share data's storage). It fails if data
	// is not an object. When a key repeats, the last value wins.
	SplitObject(data []byte) (map[string][]byte, error)
	// AppendObject appends to dst the object made of members, whose values
	// are already serialized, with keys in ascending order.
	AppendObject(dst []byte, members map[string][]byte) ([]byte, error)
}

var _ ObjectSerializer = JSON{}

// ErrNotObject is returned by SplitObject for data that is not an object.
var ErrNotObject = errors.New("codec: payload is not an object")

// SplitObject splits a JSON object into its members with a hand-written
// scanner that finds value boundaries without decoding them (several times
// faster than encoding/json into map[string]json.RawMessage). It checks the
// structure it walks; the values themselves are validated when they are
// decoded. Payloads reach it only after authentication.
func (JSON) SplitObject(data []byte) (map[string][]byte, error) {
	s := scanner{b: data}
	s.space()
	if !s.eat('{') {
		return nil, ErrNotObject
	}
	m := make(map[string][]byte, 8)
	s.space()
	if s.eat('}') {
		return m, s.end()
	}
	for {
		s.space()
		key, ok := s.key()
		s.space()
		if !ok || !s.eat(':') {
			return nil, ErrNotObject
		}
		s.space()
		start := s.i
		if !s.value(0) {
			return nil, ErrNotObject
		}
		m[key] = data[start:s.i:s.i]
		s.space()
		if s.eat(',') {
			continue
		}
		if s.eat('}') {
			return m, s.end()
		}
		return nil, ErrNotObject
	}
}

// AppendObject writes {"key":value,...} with keys sorted and escaped exactly
// as encoding/json escapes them.
func (JSON) AppendObject(dst []byte, members map[string][]byte) ([]byte, error) {
	dst = append(dst, '{')
	for i, k := range sortedKeys(members) {
		if i > 0 {
			dst = append(dst, ',')
		}
		if plainKey(k) {
			dst = append(append(append(dst, '"'), k...), '"')
		} else {
			q, err := json.Marshal(k)
			if err != nil {
				return nil, err
			}
			dst = append(dst, q...)
		}
		v := members[k]
		if len(v) == 0 {
			return nil, errors.New("codec: empty value for key " + k)
		}
		dst = append(append(dst, ':'), v...)
	}
	return append(dst, '}'), nil
}

// plainKey reports whether k needs no escaping in JSON: printable ASCII
// other than the characters encoding/json escapes (" \ < > &).
func plainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// maxDepth bounds nesting, as encoding/json does, so hostile input cannot
// exhaust the stack.
const maxDepth = 10000

// scanner walks JSON structure.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// end checks that nothing but white space follows the object.
func (s *scanner) end() error {
	s.space()
	if s.i != len(s.b) {
		return ErrNotObject
	}
	return nil
}

// key reads a member name. Names without escapes are converted directly;
// others are decoded by encoding/json, which handles escapes, surrogate
// pairs and invalid UTF-8 the standard way.
func (s *scanner) key() (string, bool) {
	start := s.i
	escaped, ok := s.str()
	if !ok {
		return "", false
	}
	raw := s.b[start+1 : s.i-1]
	if !escaped && utf8.Valid(raw) {
		return string(raw), true
	}
	var k string
	if err := json.Unmarshal(s.b[start:s.i], &k); err != nil {
		return "", false
	}
	return k, true
}

// str skips a string, reporting whether it held a backslash.
func (s *scanner) str() (escaped, ok bool) {
	if !s.eat('"') {
		return false, false
	}
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return escaped, true
		case c == '\\':
			escaped = true
			s.i += 2
		case c < 0x20:
			return false, false
		default:
			s.i++
		}
	}
	return false, false
}

// value skips one value of any kind.
func (s *scanner) value(depth int) bool {
	if s.i >= len(s.b) || depth > maxDepth {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		_, ok := s.str()
		return ok
	case c == '{' || c == '[':
		return s.container(c, depth)
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		return s.number()
	}
	return false
}

func (s *scanner) container(open byte, depth int) bool {
	close := byte('}')
	if open == '[' {
		close = ']'
	}
	s.i++
	s.space()
	if s.eat(close) {
		return true
	}
	for {
		s.space()
		if open == '{' {
			if _, ok := s.str(); !ok {
				return false
			}
			s.space()
			if !s.eat(':') {
				return false
			}
			s.space()
		}
		if !s.value(depth + 1) {
			return false
		}
		s.space()
		if s.eat(',') {
			continue
		}
		return s.eat(close)
	}
}

func (s *scanner) literal(lit string) bool {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

// number skips a number: the characters a JSON number can hold. Its exact
// grammar is checked when the value is decoded.
func (s *scanner) number() bool {
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case '0' <= c && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			s.i++
		default:
			return s.i > start
		}
	}
	return s.i > start
}
