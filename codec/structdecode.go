package codec

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// The fast path for structs: a JSON object decoded into a pointer to a zero
// struct whose type is plain data — exported fields of strings, booleans,
// numbers, nested structs, pointers, slices, string-keyed maps and empty
// interfaces, none with a custom (text) unmarshaler, embedded field or
// ",string" option. Each field is found by its exact JSON name, as
// encoding/json finds it first. The fast path gives up — the target is
// zeroed again, and encoding/json decodes it — on anything it would have to
// interpret: a key that is not exactly a field's name (encoding/json also
// matches names case-insensitively and skips unknown ones), a field given
// twice, a value of another JSON type than the field's, a number out of the
// field's range, and everything the rest of the fast path gives up on.
// Differential fuzz tests hold it to encoding/json's results.

// typeDecoder says how the fast path decodes into one type.
type typeDecoder struct {
	kind   reflect.Kind
	typ    reflect.Type
	elem   *typeDecoder // Pointer, Slice, Map: the element's
	fields *structFields
}

// structFields are a struct's fields by JSON name.
type structFields struct {
	byName map[string]structField
}

type structField struct {
	index int
	bit   uint64 // the field's bit in a set of fields seen
	dec   *typeDecoder
}

// maxStructFields bounds the fields of a struct the fast path takes (one
// bit each in a uint64).
const maxStructFields = 64

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	numberType          = reflect.TypeFor[json.Number]()
)

// structDecoders caches a *typeDecoder for each struct type asked for, or
// noDecoder when the fast path does not take it. Types are a program's own,
// so the cache is bounded by the program.
var structDecoders sync.Map

var noDecoder = new(typeDecoder)

// structDecoderFor returns the decoder for struct type t, or nil.
func structDecoderFor(t reflect.Type) *typeDecoder {
	if d, ok := structDecoders.Load(t); ok {
		return nonNil(d.(*typeDecoder))
	}
	d := buildDecoder(t, map[reflect.Type]*typeDecoder{})
	if d == nil {
		d = noDecoder
	}
	structDecoders.Store(t, d)
	return nonNil(d)
}

func nonNil(d *typeDecoder) *typeDecoder {
	if d == noDecoder {
		return nil
	}
	return d
}

// buildDecoder returns the decoder for t, or nil if the fast path does not
// take t. building holds the struct types being built (a type may refer to
// itself through a pointer, slice or map).
func buildDecoder(t reflect.Type, building map[reflect.Type]*typeDecoder) *typeDecoder {
	if d, ok := building[t]; ok {
		return d
	}
	if t == numberType {
		return nil // encoding/json checks what a json.Number holds
	}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface &&
		(t.Implements(unmarshalerType) || t.Implements(textUnmarshalerType) ||
			reflect.PointerTo(t).Implements(unmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType)) {
		return nil
	}
	d := &typeDecoder{kind: t.Kind(), typ: t}
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return d
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return nil
		}
		return d
	case reflect.Pointer:
		if t.Elem().Kind() == reflect.Pointer || t.Elem().Kind() == reflect.Interface {
			return nil // encoding/json's handling of null and of what they hold is subtle: not worth the cases
		}
		building[t] = d
		if d.elem = buildDecoder(t.Elem(), building); d.elem == nil {
			return nil
		}
		return d
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil // base64
		}
		building[t] = d
		if d.elem = buildDecoder(t.Elem(), building); d.elem == nil {
			return nil
		}
		return d
	case reflect.Map:
		kt := t.Key()
		if kt.Kind() != reflect.String || kt == numberType || reflect.PointerTo(kt).Implements(textUnmarshalerType) {
			return nil
		}
		building[t] = d
		if d.elem = buildDecoder(t.Elem(), building); d.elem == nil {
			return nil
		}
		return d
	case reflect.Struct:
		building[t] = d
		if d.fields = buildFields(t, building); d.fields == nil {
			return nil
		}
		return d
	}
	return nil
}

// buildFields returns t's fields by JSON name, or nil if the fast path does
// not take t.
func buildFields(t reflect.Type, building map[reflect.Type]*typeDecoder) *structFields {
	if t.NumField() > maxStructFields {
		return nil
	}
	fs := &structFields{byName: make(map[string]structField, t.NumField())}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, use, ok := jsonField(f)
		if !ok {
			return nil
		}
		if !use {
			continue
		}
		if hasOption(opts, "string") {
			return nil
		}
		if _, dup := fs.byName[name]; dup {
			return nil // encoding/json's rules for conflicting names
		}
		dec := buildDecoder(f.Type, building)
		if dec == nil {
			return nil
		}
		fs.byName[name] = structField{index: i, bit: 1 << len(fs.byName), dec: dec}
	}
	return fs
}

// jsonField returns the JSON name and the options of struct field f as
// encoding/json reads its tag. use is false for a field encoding/json leaves
// out (unexported, or tagged "-"); ok is false for an embedded field, whose
// promotion rules neither fast path follows.
func jsonField(f reflect.StructField) (name, opts string, use, ok bool) {
	if f.Anonymous {
		return "", "", false, false
	}
	tag := f.Tag.Get("json")
	if !f.IsExported() || tag == "-" {
		return "", "", false, true
	}
	name, opts, _ = strings.Cut(tag, ",")
	if !isValidTag(name) {
		name = f.Name
	}
	return name, opts, true, true
}

// hasOption reports whether the comma-separated opts hold opt.
func hasOption(opts, opt string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == opt {
			return true
		}
	}
	return false
}

// isValidTag is encoding/json's rule for a usable name in a field's tag.
func isValidTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
			// Backslash and quote chars are reserved, but otherwise any
			// punctuation chars are allowed in a tag name.
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// decodeStruct decodes the whole document into v, a pointer to a zero
// struct whose decoder is d. On false, v may be partly written.
func (p *jsonParser) decodeStruct(d *typeDecoder, v reflect.Value) bool {
	p.space()
	return p.decodeInto(d, v) && p.end()
}

// decodeInto decodes one value into v (settable) with d.
func (p *jsonParser) decodeInto(d *typeDecoder, v reflect.Value) bool {
	if p.i >= len(p.b) {
		return false
	}
	if p.b[p.i] == 'n' {
		if !p.literal("null") {
			return false
		}
		switch d.kind { // null empties what can be nil and leaves the rest
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
			v.SetZero()
		}
		return true
	}
	switch d.kind {
	case reflect.Bool:
		switch {
		case p.literal("true"):
			v.SetBool(true)
		case p.literal("false"):
			v.SetBool(false)
		default:
			return false
		}
		return true
	case reflect.String:
		s, ok := p.plainString()
		if ok {
			v.SetString(s)
		}
		return ok
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		lit, ok := p.numberLiteral()
		if !ok {
			return false
		}
		n, err := strconv.ParseInt(lit, 10, 64)
		if err != nil || v.OverflowInt(n) {
			return false
		}
		v.SetInt(n)
		return true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		lit, ok := p.numberLiteral()
		if !ok {
			return false
		}
		n, err := strconv.ParseUint(lit, 10, 64)
		if err != nil || v.OverflowUint(n) {
			return false
		}
		v.SetUint(n)
		return true
	case reflect.Float32, reflect.Float64:
		lit, ok := p.numberLiteral()
		if !ok {
			return false
		}
		f, err := strconv.ParseFloat(lit, d.typ.Bits())
		if err != nil || v.OverflowFloat(f) {
			return false
		}
		v.SetFloat(f)
		return true
	case reflect.Interface:
		x, ok := p.value()
		if ok {
			v.Set(reflect.ValueOf(&x).Elem())
		}
		return ok
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(d.typ.Elem()))
		}
		return p.decodeInto(d.elem, v.Elem())
	case reflect.Slice:
		return p.decodeSlice(d, v)
	case reflect.Map:
		return p.decodeMap(d, v)
	case reflect.Struct:
		return p.decodeFields(d, v)
	}
	return false
}

// numberLiteral scans a number and returns its text.
func (p *jsonParser) numberLiteral() (string, bool) {
	start := p.i
	lit, _, ok := p.number()
	if !ok {
		return "", false
	}
	if p.s != "" {
		return p.s[start:p.i], true
	}
	return string(lit), true
}

// enter counts one more level of nesting, false past encoding/json's limit.
func (p *jsonParser) enter() bool {
	p.depth++
	return p.depth <= maxDecodeDepth
}

func (p *jsonParser) decodeFields(d *typeDecoder, v reflect.Value) bool {
	if p.b[p.i] != '{' || !p.enter() {
		return false
	}
	defer func() { p.depth-- }()
	p.i++
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return true
	}
	var seen uint64
	for {
		p.space()
		k, ok := p.plainString()
		if !ok {
			return false
		}
		f, found := d.fields.byName[k]
		if !found || seen&f.bit != 0 {
			return false // another name, or a field given twice: encoding/json's rules
		}
		seen |= f.bit
		if !p.colon() || !p.decodeInto(f.dec, v.Field(f.index)) {
			return false
		}
		switch p.next() {
		case ',':
		case '}':
			return true
		default:
			return false
		}
	}
}

func (p *jsonParser) decodeSlice(d *typeDecoder, v reflect.Value) bool {
	if p.b[p.i] != '[' || !p.enter() {
		return false
	}
	defer func() { p.depth-- }()
	p.i++
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		v.Set(reflect.MakeSlice(d.typ, 0, 0)) // [] is an empty slice, not nil
		return true
	}
	n := 0
	for {
		p.space()
		if n == v.Cap() {
			v.Grow(1)
		}
		v.SetLen(n + 1)
		if !p.decodeInto(d.elem, v.Index(n)) {
			return false
		}
		n++
		switch p.next() {
		case ',':
		case ']':
			return true
		default:
			return false
		}
	}
}

func (p *jsonParser) decodeMap(d *typeDecoder, v reflect.Value) bool {
	if p.b[p.i] != '{' || !p.enter() {
		return false
	}
	defer func() { p.depth-- }()
	p.i++
	if v.IsNil() {
		v.Set(reflect.MakeMap(d.typ))
	}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return true
	}
	key, elem := reflect.New(d.typ.Key()).Elem(), reflect.New(d.typ.Elem()).Elem()
	for {
		p.space()
		k, ok := p.plainString()
		if !ok || !p.colon() {
			return false
		}
		elem.SetZero() // each value decodes into a fresh element, as in encoding/json
		if !p.decodeInto(d.elem, elem) {
			return false
		}
		key.SetString(k)
		v.SetMapIndex(key, elem)
		switch p.next() {
		case ',':
		case '}':
			return true
		default:
			return false
		}
	}
}

// colon skips the ':' after a member's name and the space around it.
func (p *jsonParser) colon() bool {
	p.space()
	if p.i >= len(p.b) || p.b[p.i] != ':' {
		return false
	}
	p.i++
	p.space()
	return true
}

// next skips space and returns the next byte (consumed), or 0 at the end.
func (p *jsonParser) next() byte {
	p.space()
	if p.i >= len(p.b) {
		return 0
	}
	c := p.b[p.i]
	p.i++
	return c
}
