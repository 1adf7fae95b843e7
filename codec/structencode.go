package codec

import (
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The fast path for encoding values of a Go type that is plain data —
// structs, pointers, slices and string-keyed maps of strings, booleans,
// numbers, empty interfaces and each other, with no custom (text)
// marshalers, embedded fields, arrays, byte slices, json.Number, or the
// ",string" and ",omitzero" options — without encoding/json's per-call set-up.
// The output is encoding/json's byte for byte: fields in declaration order
// under their JSON names, ",omitempty" as encoding/json applies it, map keys
// sorted, strings escaped as appendJSONString escapes them. Anything else,
// and any value the fast path cannot encode (NaN, a cycle, an interface
// holding a type it does not take), goes to encoding/json, which then also
// reports the error. Differential fuzz tests hold the two to equal output.

// typeEncoder says how the fast path encodes one type.
type typeEncoder struct {
	kind   reflect.Kind
	elem   *typeEncoder // Pointer, Slice, Map: the element's
	fields []fieldEncoder
	// dynamic is set for map[string]any and map[string]string, which
	// appendJSON encodes without reflection.
	dynamic bool
}

// fieldEncoder encodes one struct field.
type fieldEncoder struct {
	index     int
	key       string // the quoted, escaped JSON name and ':'
	omitEmpty bool
	enc       *typeEncoder
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	anyMapType        = reflect.TypeFor[map[string]any]()
	stringMapType     = reflect.TypeFor[map[string]string]()
)

// typeEncoders caches a *typeEncoder for each type asked for, or noEncoder
// when the fast path does not take it. Types are a program's own, so the
// cache is bounded by the program.
var typeEncoders sync.Map

var noEncoder = new(typeEncoder)

// encoderFor returns the encoder for t, or nil.
func encoderFor(t reflect.Type) *typeEncoder {
	if e, ok := typeEncoders.Load(t); ok {
		if e == noEncoder {
			return nil
		}
		return e.(*typeEncoder)
	}
	e := buildEncoder(t, map[reflect.Type]*typeEncoder{})
	if e == nil {
		typeEncoders.Store(t, noEncoder)
		return nil
	}
	typeEncoders.Store(t, e)
	return e
}

// buildEncoder returns the encoder for t, or nil if the fast path does not
// take t. building holds the types being built (a type may refer to itself
// through a pointer, slice or map).
func buildEncoder(t reflect.Type, building map[reflect.Type]*typeEncoder) *typeEncoder {
	if e, ok := building[t]; ok {
		return e
	}
	if t == numberType {
		return nil // encoding/json writes a json.Number as a number, checked
	}
	if t.Kind() != reflect.Interface &&
		(t.Implements(marshalerType) || t.Implements(textMarshalerType) ||
			reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(textMarshalerType)) {
		return nil
	}
	e := &typeEncoder{kind: t.Kind()}
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return e
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return nil
		}
		return e
	case reflect.Pointer:
		building[t] = e
		if e.elem = buildEncoder(t.Elem(), building); e.elem == nil {
			return nil
		}
		return e
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil // base64
		}
		building[t] = e
		if e.elem = buildEncoder(t.Elem(), building); e.elem == nil {
			return nil
		}
		return e
	case reflect.Map:
		kt := t.Key()
		if kt.Kind() != reflect.String || kt == numberType ||
			kt.Implements(textMarshalerType) || reflect.PointerTo(kt).Implements(textMarshalerType) {
			return nil
		}
		building[t] = e
		if e.elem = buildEncoder(t.Elem(), building); e.elem == nil {
			return nil
		}
		e.dynamic = t == anyMapType || t == stringMapType
		return e
	case reflect.Struct:
		building[t] = e
		if e.fields = buildFieldEncoders(t, building); e.fields == nil {
			return nil
		}
		return e
	}
	return nil // arrays, channels, functions, complex numbers, unsafe pointers
}

// buildFieldEncoders returns t's encoded fields in order, or nil if the
// fast path does not take t.
func buildFieldEncoders(t reflect.Type, building map[reflect.Type]*typeEncoder) []fieldEncoder {
	fs := make([]fieldEncoder, 0, t.NumField())
	names := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, use, ok := jsonField(f)
		if !ok {
			return nil
		}
		if !use {
			continue
		}
		if hasOption(opts, "string") || hasOption(opts, "omitzero") {
			return nil
		}
		if names[name] {
			return nil // encoding/json drops fields whose names conflict
		}
		names[name] = true
		enc := buildEncoder(f.Type, building)
		if enc == nil {
			return nil
		}
		fs = append(fs, fieldEncoder{
			index:     i,
			key:       string(append(appendJSONString(nil, name), ':')),
			omitEmpty: hasOption(opts, "omitempty"),
			enc:       enc,
		})
	}
	return fs
}

// appendReflect appends the encoding/json form of v, a value of a type
// appendJSON's type switch does not list; ok is false when the fast path
// does not take it.
func appendReflect(dst []byte, v any, depth int) (_ []byte, ok bool) {
	rv := reflect.ValueOf(v)
	e := encoderFor(rv.Type())
	if e == nil {
		return dst, false
	}
	return e.appendValue(dst, rv, depth)
}

// appendValue appends the encoding/json form of v, of e's type.
func (e *typeEncoder) appendValue(dst []byte, v reflect.Value, depth int) (_ []byte, ok bool) {
	if depth > maxEncodeDepth {
		return dst, false // deep, or a cycle: encoding/json reports it
	}
	switch e.kind {
	case reflect.String:
		return appendJSONString(dst, v.String()), true
	case reflect.Bool:
		return strconv.AppendBool(dst, v.Bool()), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(dst, v.Int(), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(dst, v.Uint(), 10), true
	case reflect.Float32:
		return appendJSONFloat(dst, v.Float(), 32)
	case reflect.Float64:
		return appendJSONFloat(dst, v.Float(), 64)
	case reflect.Interface:
		if v.IsNil() {
			return append(dst, "null"...), true
		}
		return appendJSON(dst, v.Interface(), depth+1)
	case reflect.Pointer:
		if v.IsNil() {
			return append(dst, "null"...), true
		}
		return e.elem.appendValue(dst, v.Elem(), depth+1)
	case reflect.Slice:
		if v.IsNil() {
			return append(dst, "null"...), true
		}
		dst = append(dst, '[')
		for i := range v.Len() {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, ok = e.elem.appendValue(dst, v.Index(i), depth+1); !ok {
				return dst, false
			}
		}
		return append(dst, ']'), true
	case reflect.Map:
		if v.IsNil() {
			return append(dst, "null"...), true
		}
		if e.dynamic {
			return appendJSON(dst, v.Interface(), depth)
		}
		return e.appendMap(dst, v, depth)
	case reflect.Struct:
		dst = append(dst, '{')
		first := true
		for i := range e.fields {
			f := &e.fields[i]
			fv := v.Field(f.index)
			if f.omitEmpty && isEmptyValue(fv) {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = append(dst, f.key...)
			if dst, ok = f.enc.appendValue(dst, fv, depth+1); !ok {
				return dst, false
			}
		}
		return append(dst, '}'), true
	}
	return dst, false
}

// appendMap appends v, a non-nil map with string keys of a type other than
// map[string]any and map[string]string, with its keys sorted.
func (e *typeEncoder) appendMap(dst []byte, v reflect.Value, depth int) (_ []byte, ok bool) {
	type entry struct {
		k string
		v reflect.Value
	}
	entries := make([]entry, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		entries = append(entries, entry{it.Key().String(), it.Value()})
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.k, b.k) })
	dst = append(dst, '{')
	for i, en := range entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(appendJSONString(dst, en.k), ':')
		if dst, ok = e.elem.appendValue(dst, en.v, depth+1); !ok {
			return dst, false
		}
	}
	return append(dst, '}'), true
}

// isEmptyValue is encoding/json's test for ",omitempty".
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64,
		reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}
