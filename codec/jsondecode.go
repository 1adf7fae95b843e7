package codec

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// A hand-written decoder for the targets session data is read into: *any,
// *map[string]any, *string, *bool, *float64, the integer types, and
// pointers to structs of plain data (structdecode.go). It
// yields exactly what encoding/json yields (float64 numbers, []any arrays,
// map[string]any objects, last duplicate key wins), and gives up — leaving
// the work, and the error message, to encoding/json — on anything else:
// strings with escapes, invalid input, numbers out of range, nesting deeper
// than encoding/json allows, other target types. Differential fuzz tests
// hold the two to equal results.

// maxDecodeDepth is encoding/json's nesting limit.
const maxDecodeDepth = 10000

// decodeJSON tries the fast path for data into v and reports whether it
// handled it (successfully: the fast path never reports errors).
// shared is data as a string when the caller has it (decoded strings are
// then substrings of it), or "".
func decodeJSON(data []byte, shared string, v any) bool {
	p := jsonParser{b: data, s: shared}
	switch v.(type) {
	case *any, *map[string]any:
		defer p.releaseStacks(p.useStacks())
		p.share()
	case *string:
		p.share()
	case *bool, *float64, *int, *int64, *int32:
	default:
		return p.structDocument(v)
	}
	switch v := v.(type) {
	case *any:
		if *v != nil { // encoding/json may decode into what *v points to
			return false
		}
		x, ok := p.top()
		if ok {
			*v = x
		}
		return ok
	case *map[string]any:
		x, ok := p.top()
		m, isMap := x.(map[string]any)
		if !ok || !isMap {
			return false
		}
		if *v == nil {
			*v = m
		} else {
			for k, e := range m { // encoding/json fills an existing map
				(*v)[k] = e
			}
		}
		return true
	case *string:
		p.space()
		s, ok := p.plainString()
		if ok && p.end() {
			*v = s
			return true
		}
	case *bool:
		p.space()
		switch {
		case p.literal("true"):
			if p.end() {
				*v = true
				return true
			}
		case p.literal("false"):
			if p.end() {
				*v = false
				return true
			}
		}
	case *float64:
		p.space()
		if lit, _, ok := p.number(); ok && p.end() {
			f, err := strconv.ParseFloat(string(lit), 64)
			if err == nil {
				*v = f
				return true
			}
		}
	case *int:
		if n, ok := p.topInt(strconv.IntSize); ok {
			*v = int(n)
			return true
		}
	case *int64:
		if n, ok := p.topInt(64); ok {
			*v = n
			return true
		}
	case *int32:
		if n, ok := p.topInt(32); ok {
			*v = int32(n)
			return true
		}
	}
	return false
}

// share makes p.s, if the caller gave none.
func (p *jsonParser) share() {
	if p.s == "" {
		p.s = string(p.b)
	}
}

// useStacks gives p pooled stacks; p.releaseStacks gives them back. (Not a
// returned closure: it would capture p and cost an allocation per call.)
func (p *jsonParser) useStacks() *jsonStacks {
	st := stackPool.Get().(*jsonStacks)
	p.members, p.elems = st.members[:0], st.elems[:0]
	return st
}

// releaseStacks returns the stacks p got from useStacks, as p left them.
func (p *jsonParser) releaseStacks(st *jsonStacks) { st.release(p.members, p.elems) }

// structDocument is the fast path for v, a pointer to a zero struct of a
// type it takes (see structdecode.go). When it gives up it zeroes the
// struct again.
func (p *jsonParser) structDocument(v any) bool {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return false
	}
	sv := rv.Elem()
	d := structDecoderFor(sv.Type())
	if d == nil || !sv.IsZero() { // encoding/json merges into what a struct holds
		return false
	}
	defer p.releaseStacks(p.useStacks())
	p.share()
	if p.decodeStruct(d, sv) {
		return true
	}
	sv.SetZero()
	return false
}

type jsonParser struct {
	b     []byte
	i     int
	depth int
	// s is b as a string, made once when a document is decoded into Go
	// values: plain strings are then substrings of it, with no allocation
	// of their own (they keep the document alive, which is the size of a
	// session).
	s string
	// members and elems hold the members of the objects and the elements
	// of the arrays being parsed, innermost last, so that each map and
	// slice is made once at its final size.
	members []jsonMember
	elems   []any
}

// jsonStacks are a parser's members and elems, pooled; stacks grown past
// maxPooledStack are left to the collector. Each object and array clears
// its part when it is done, and decodeJSON what a document it gave up on
// left, so a pooled stack references no session data.
type jsonStacks struct {
	members []jsonMember
	elems   []any
}

var stackPool = sync.Pool{New: func() any {
	return &jsonStacks{members: make([]jsonMember, 0, 32), elems: make([]any, 0, 32)}
}}

const maxPooledStack = 1024

// release returns the stacks a parser used (grown, perhaps) to the pool,
// cleared: a document the parser gave up on leaves members behind.
func (st *jsonStacks) release(members []jsonMember, elems []any) {
	if cap(members) > maxPooledStack || cap(elems) > maxPooledStack {
		return
	}
	clear(members)
	clear(elems)
	st.members, st.elems = members[:0], elems[:0]
	stackPool.Put(st)
}

// jsonMember is one parsed member of an object.
type jsonMember struct {
	k string
	v any
}

func (p *jsonParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) end() bool {
	p.space()
	return p.i == len(p.b)
}

func (p *jsonParser) literal(lit string) bool {
	if len(p.b)-p.i >= len(lit) && string(p.b[p.i:p.i+len(lit)]) == lit {
		p.i += len(lit)
		return true
	}
	return false
}

// top parses one whole document.
func (p *jsonParser) top() (any, bool) {
	p.space()
	v, ok := p.value()
	return v, ok && p.end()
}

// topInt parses a whole document holding one integer literal (no fraction,
// no exponent, as encoding/json requires for integer targets) that fits in
// bits.
func (p *jsonParser) topInt(bits int) (int64, bool) {
	p.space()
	lit, isInt, ok := p.number()
	if !ok || !isInt || !p.end() {
		return 0, false
	}
	n, err := strconv.ParseInt(string(lit), 10, bits)
	return n, err == nil
}

func (p *jsonParser) value() (any, bool) {
	if p.i >= len(p.b) {
		return nil, false
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.plainString()
	case c == 't' && p.literal("true"):
		return true, true
	case c == 'f' && p.literal("false"):
		return false, true
	case c == 'n' && p.literal("null"):
		return nil, true
	case c == '-' || '0' <= c && c <= '9':
		lit, isInt, ok := p.number()
		if !ok {
			return nil, false
		}
		if isInt {
			if v, ok := smallInt(lit); ok {
				return v, true
			}
		}
		f, err := strconv.ParseFloat(string(lit), 64)
		return f, err == nil
	}
	return nil, false
}

// smallInt returns the float64 of lit, an integer literal with at most
// 15 digits (exact in a float64, so the same value strconv.ParseFloat
// returns), boxed. Sessions are full of small counts and quantities: those
// below len(smallFloats) come boxed already, with no allocation. "-0" is
// left to ParseFloat, which returns negative zero.
func smallInt(lit []byte) (any, bool) {
	digits := lit
	if lit[0] == '-' {
		digits = lit[1:]
	}
	if len(digits) > 15 || len(digits) == 1 && digits[0] == '0' && len(lit) == 2 {
		return nil, false
	}
	var n int64
	for _, d := range digits {
		n = n*10 + int64(d-'0')
	}
	if lit[0] == '-' {
		return float64(-n), true
	}
	if n < int64(len(smallFloats)) {
		return smallFloats[n], true
	}
	return float64(n), true
}

// smallFloats holds float64(i), boxed, for i up to 255. It is never
// written after initialisation.
var smallFloats = func() (t [256]any) {
	for i := range t {
		t[i] = float64(i)
	}
	return t
}()

func (p *jsonParser) object() (any, bool) {
	if p.depth++; p.depth > maxDecodeDepth {
		return nil, false
	}
	defer func() { p.depth-- }()
	p.i++ // '{'
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return map[string]any{}, true
	}
	start := len(p.members)
	for {
		p.space()
		k, ok := p.plainString()
		if !ok {
			return nil, false
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, false
		}
		p.i++
		p.space()
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		p.members = append(p.members, jsonMember{k, v})
		p.space()
		if p.i >= len(p.b) {
			return nil, false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			ms := p.members[start:]
			m := make(map[string]any, len(ms))
			for _, e := range ms { // in order: the last duplicate key wins
				m[e.k] = e.v
			}
			clear(ms)
			p.members = p.members[:start]
			return m, true
		default:
			return nil, false
		}
	}
}

func (p *jsonParser) array() (any, bool) {
	if p.depth++; p.depth > maxDecodeDepth {
		return nil, false
	}
	defer func() { p.depth-- }()
	p.i++ // '['
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return []any{}, true
	}
	start := len(p.elems)
	for {
		p.space()
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		p.elems = append(p.elems, v)
		p.space()
		if p.i >= len(p.b) {
			return nil, false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			es := p.elems[start:]
			a := make([]any, len(es))
			copy(a, es)
			clear(es)
			p.elems = p.elems[:start]
			return a, true
		default:
			return nil, false
		}
	}
}

// plainString parses a string without escapes, control characters or
// invalid UTF-8 — the strings whose value is their bytes. Anything else is
// left to encoding/json, whose unquoting rules (surrogates, replacement
// characters) are then applied exactly.
func (p *jsonParser) plainString() (string, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return "", false
	}
	start := p.i + 1
	j, high := stringRun(p.b, start)
	if j >= len(p.b) || p.b[j] != '"' {
		return "", false // an escape, a control character, or no end
	}
	s := p.b[start:j]
	if high && !utf8.Valid(s) {
		return "", false
	}
	p.i = j + 1
	if p.s != "" {
		return p.s[start:j], true
	}
	return string(s), true
}

// number scans a number with the exact JSON grammar:
// -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func (p *jsonParser) number() (lit []byte, isInt, ok bool) {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case digits() == 0:
		return nil, false, false
	}
	isInt = true
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		isInt = false
		if digits() == 0 {
			return nil, false, false
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		isInt = false
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, false, false
		}
	}
	return p.b[start:p.i], isInt, true
}

// unmarshalJSON decodes with the fast path when it applies, else with
// encoding/json.
func unmarshalJSON(data []byte, v any) error {
	if decodeJSON(data, "", v) {
		return nil
	}
	return json.Unmarshal(data, v)
}

// unmarshalJSONString is unmarshalJSON on a string, whose memory the
// decoded strings share.
func unmarshalJSONString(s string, v any) error {
	// A view of s's bytes, never written: the fast path only reads its
	// input, and it takes no type whose own methods would see the input.
	data := unsafe.Slice(unsafe.StringData(s), len(s))
	if decodeJSON(data, s, v) {
		return nil
	}
	// encoding/json hands parts of its input to UnmarshalJSON and
	// UnmarshalText methods, which may write to them: it gets a copy.
	return json.Unmarshal([]byte(s), v)
}

// marshalJSON encodes with the fast path when every type in v allows it,
// else with encoding/json. The fast path builds into a pooled buffer and
// returns an exact-size copy: one allocation whatever the growth.
func marshalJSON(v any) ([]byte, error) {
	buf := scratchPool.Get().(*[]byte)
	b, ok := appendJSON((*buf)[:0], v, 0)
	var out []byte
	if ok {
		out = bytes.Clone(b)
	}
	if cap(b) <= maxScratch {
		clear(b[:cap(b)]) // it held session data, perhaps past len(b) if the fast path gave up
		*buf = b[:0]
		scratchPool.Put(buf)
	}
	if ok {
		return out, nil
	}
	return json.Marshal(v)
}

// maxScratch caps the buffers kept in scratchPool, in bytes.
const maxScratch = 64 << 10

var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// skipString skips a string, checking its escapes (one of \" \\ \/ \b \f
// \n \r \t, or \u and four hex digits) and that it holds no control
// characters, as encoding/json's scanner does; escaped reports whether it
// held a backslash.
func (p *jsonParser) skipString() (escaped, ok bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return false, false
	}
	for p.i++; p.i < len(p.b); {
		if p.i, _ = stringRun(p.b, p.i); p.i >= len(p.b) {
			break
		}
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			return escaped, true
		case c < 0x20:
			return false, false
		case c == '\\':
			escaped = true
			if p.i+1 >= len(p.b) {
				return false, false
			}
			switch p.b[p.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i += 2
			case 'u':
				if p.i+6 > len(p.b) {
					return false, false
				}
				for _, h := range p.b[p.i+2 : p.i+6] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false, false
					}
				}
				p.i += 6
			default:
				return false, false
			}
		default:
			p.i++
		}
	}
	return false, false
}

// skipValue skips one value of any kind, checking its syntax exactly (the
// same grammar as encoding/json, nesting up to maxDecodeDepth) without
// decoding it.
func (p *jsonParser) skipValue() bool {
	if p.i >= len(p.b) {
		return false
	}
	switch c := p.b[p.i]; {
	case c == '"':
		_, ok := p.skipString()
		return ok
	case c == '{' || c == '[':
		return p.skipContainer(c)
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		_, _, ok := p.number()
		return ok
	}
	return false
}

func (p *jsonParser) skipContainer(open byte) bool {
	if p.depth++; p.depth > maxDecodeDepth {
		return false
	}
	defer func() { p.depth-- }()
	close := byte('}')
	if open == '[' {
		close = ']'
	}
	p.i++
	p.space()
	if p.i < len(p.b) && p.b[p.i] == close {
		p.i++
		return true
	}
	for {
		p.space()
		if open == '{' {
			if _, ok := p.skipString(); !ok {
				return false
			}
			p.space()
			if p.i >= len(p.b) || p.b[p.i] != ':' {
				return false
			}
			p.i++
			p.space()
		}
		if !p.skipValue() {
			return false
		}
		p.space()
		if p.i >= len(p.b) {
			return false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case close:
			p.i++
			return true
		default:
			return false
		}
	}
}
