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
	m := make(map[string][]byte, 8)
	o := objectScanner{p: jsonParser{b: data}}
	for o.next() {
		key, ok := o.p.decodeKey(o.kstart, o.kend, o.escaped)
		if !ok {
			return nil, ErrNotObject
		}
		m[key] = o.value
	}
	if o.bad {
		return nil, ErrNotObject
	}
	return m, nil
}

// ObjectLookup is implemented by an ObjectSerializer that can find one
// member of a serialized object without splitting all of it, for reading a
// single value. JSON implements it.
type ObjectLookup interface {
	// LookupObject returns the serialized value of key in the object data
	// (sharing data's storage) and whether the key is there. It accepts
	// exactly the data SplitObject accepts, and when a key repeats the last
	// value wins, as with SplitObject.
	LookupObject(data []byte, key string) ([]byte, bool, error)
}

var _ ObjectLookup = JSON{}

// LookupObject finds one member of a JSON object without allocating: the
// whole object is still scanned and checked, as by SplitObject.
func (JSON) LookupObject(data []byte, key string) ([]byte, bool, error) {
	var found []byte
	o := objectScanner{p: jsonParser{b: data}}
	for o.next() {
		if raw := data[o.kstart+1 : o.kend-1]; !o.escaped && utf8.Valid(raw) {
			// The common case, without allocating: the name is its bytes.
			if string(raw) == key {
				found = o.value
			}
			continue
		}
		k, ok := o.p.decodeKey(o.kstart, o.kend, o.escaped)
		if !ok {
			return nil, false, ErrNotObject
		}
		if k == key {
			found = o.value
		}
	}
	if o.bad {
		return nil, false, ErrNotObject
	}
	return found, found != nil, nil
}

// objectScanner reads the members of one JSON object in order, checking
// the syntax of everything, values included.
type objectScanner struct {
	p       jsonParser
	started bool
	bad     bool // data is not exactly one valid object
	// The member next found: its quoted name at p.b[kstart:kend], whether
	// the name has escapes, and its serialized value.
	kstart, kend int
	escaped      bool
	value        []byte
}

// next reads the next member into o. It returns false at the end of the
// object, or at an error, which sets o.bad.
func (o *objectScanner) next() bool {
	p := &o.p
	if o.bad || p.depth == 0 && o.started {
		return false
	}
	p.space()
	if !o.started {
		o.started = true
		if p.i >= len(p.b) || p.b[p.i] != '{' {
			return o.fail()
		}
		p.depth = 1
		p.i++
		p.space()
		if p.i < len(p.b) && p.b[p.i] == '}' {
			return o.close()
		}
	} else {
		if p.i >= len(p.b) {
			return o.fail()
		}
		switch p.b[p.i] {
		case ',':
			p.i++
			p.space()
		case '}':
			return o.close()
		default:
			return o.fail()
		}
	}
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return o.fail()
	}
	o.kstart = p.i
	escaped, ok := p.skipString()
	o.kend, o.escaped = p.i, escaped
	p.space()
	if !ok || p.i >= len(p.b) || p.b[p.i] != ':' {
		return o.fail()
	}
	p.i++
	p.space()
	start := p.i
	if !p.skipValue() {
		return o.fail()
	}
	o.value = p.b[start:p.i:p.i]
	return true
}

func (o *objectScanner) fail() bool {
	o.bad = true
	return false
}

// close consumes the closing brace: only white space may follow.
func (o *objectScanner) close() bool {
	o.p.i++
	o.p.depth = 0
	o.bad = !o.p.end()
	return false
}

// AppendObject writes {"key":value,...} with keys sorted and escaped exactly
// as encoding/json escapes them.
func (JSON) AppendObject(dst []byte, members map[string][]byte) ([]byte, error) {
	dst = append(dst, '{')
	var kbuf [32]string
	var vbuf [32][]byte
	keys, vals := sortedEntries(kbuf[:], vbuf[:], members)
	for i, k := range keys {
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
		v := vals[i]
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

// decodeKey returns the member name quoted at p.b[start:end]. Names
// without escapes are converted directly; others are decoded by
// encoding/json, which handles escapes, surrogate pairs and invalid UTF-8
// the standard way.
func (p *jsonParser) decodeKey(start, end int, escaped bool) (string, bool) {
	raw := p.b[start+1 : end-1]
	if !escaped && utf8.Valid(raw) {
		return string(raw), true
	}
	var k string
	if err := json.Unmarshal(p.b[start:end], &k); err != nil {
		return "", false
	}
	return k, true
}
