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
// faster than encoding/json into map[string]json.RawMessage). It accepts
// exactly the objects encoding/json accepts — the syntax of every value is
// checked — so a payload it splits is always valid JSON when joined again.
func (JSON) SplitObject(data []byte) (map[string][]byte, error) {
	p := jsonParser{b: data}
	p.space()
	if p.i >= len(data) || data[p.i] != '{' {
		return nil, ErrNotObject
	}
	p.depth = 1
	p.i++
	m := make(map[string][]byte, 8)
	p.space()
	if p.i < len(data) && data[p.i] == '}' {
		p.i++
		if !p.end() {
			return nil, ErrNotObject
		}
		return m, nil
	}
	for {
		p.space()
		key, ok := p.key()
		p.space()
		if !ok || p.i >= len(data) || data[p.i] != ':' {
			return nil, ErrNotObject
		}
		p.i++
		p.space()
		start := p.i
		if !p.skipValue() {
			return nil, ErrNotObject
		}
		m[key] = data[start:p.i:p.i]
		p.space()
		if p.i >= len(data) {
			return nil, ErrNotObject
		}
		switch data[p.i] {
		case ',':
			p.i++
			continue
		case '}':
			p.i++
			if !p.end() {
				return nil, ErrNotObject
			}
			return m, nil
		}
		return nil, ErrNotObject
	}
}

// AppendObject writes {"key":value,...} with keys sorted and escaped exactly
// as encoding/json escapes them.
func (JSON) AppendObject(dst []byte, members map[string][]byte) ([]byte, error) {
	dst = append(dst, '{')
	var buf [16]string
	for i, k := range sortedKeys(buf[:], members) {
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

// key reads a member name. Names without escapes are converted directly;
// others are decoded by encoding/json, which handles escapes, surrogate
// pairs and invalid UTF-8 the standard way.
func (p *jsonParser) key() (string, bool) {
	start := p.i
	escaped, ok := p.skipString()
	if !ok {
		return "", false
	}
	raw := p.b[start+1 : p.i-1]
	if !escaped && utf8.Valid(raw) {
		return string(raw), true
	}
	var k string
	if err := json.Unmarshal(p.b[start:p.i], &k); err != nil {
		return "", false
	}
	return k, true
}
