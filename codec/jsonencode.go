package codec

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// A hand-written encoder for the dynamic types session data is made of
// (maps of strings to values, slices, strings, numbers, booleans, nil). It
// produces exactly what encoding/json produces — same key order, same
// escaping (HTML-safe), same number formatting — several times faster,
// because it needs no reflection. Any other type, anywhere in the value,
// sends the whole value to encoding/json. Differential fuzz tests hold the
// two to byte equality.

// maxEncodeDepth stops the fast path on deeply nested values (encoding/json
// handles them, or reports the cycle).
const maxEncodeDepth = 100

// appendJSON appends the encoding/json form of v to dst; ok is false when v
// holds a type the fast path does not know (dst is then unspecified).
func appendJSON(dst []byte, v any, depth int) (_ []byte, ok bool) {
	if depth > maxEncodeDepth {
		return dst, false
	}
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), true
	case string:
		return appendJSONString(dst, v), true
	case bool:
		return strconv.AppendBool(dst, v), true
	case float64:
		return appendJSONFloat(dst, v, 64)
	case float32:
		return appendJSONFloat(dst, float64(v), 32)
	case int:
		return strconv.AppendInt(dst, int64(v), 10), true
	case int8:
		return strconv.AppendInt(dst, int64(v), 10), true
	case int16:
		return strconv.AppendInt(dst, int64(v), 10), true
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), true
	case int64:
		return strconv.AppendInt(dst, v, 10), true
	case uint:
		return strconv.AppendUint(dst, uint64(v), 10), true
	case uint8:
		return strconv.AppendUint(dst, uint64(v), 10), true
	case uint16:
		return strconv.AppendUint(dst, uint64(v), 10), true
	case uint32:
		return strconv.AppendUint(dst, uint64(v), 10), true
	case uint64:
		return strconv.AppendUint(dst, v, 10), true
	case map[string]any:
		return appendObject(dst, v, func(dst []byte, e any) ([]byte, bool) { return appendJSON(dst, e, depth+1) })
	case map[string]string:
		return appendObject(dst, v, func(dst []byte, e string) ([]byte, bool) { return appendJSONString(dst, e), true })
	case []any:
		return appendArray(dst, v, func(dst []byte, e any) ([]byte, bool) { return appendJSON(dst, e, depth+1) })
	case []string:
		return appendArray(dst, v, func(dst []byte, e string) ([]byte, bool) { return appendJSONString(dst, e), true })
	}
	// Structs, pointers, typed maps and slices of plain data go through
	// structencode.go; everything else — json.Marshaler, json.Number,
	// []byte (base64), arrays — is encoding/json's.
	return appendReflect(dst, v, depth)
}

// appendObject appends m as a JSON object with its keys sorted, each value
// appended by value; a nil map is null. ok is false if a value cannot be
// encoded.
func appendObject[V any](dst []byte, m map[string]V, value func([]byte, V) ([]byte, bool)) (_ []byte, ok bool) {
	if m == nil {
		return append(dst, "null"...), true
	}
	var kbuf [32]string
	var vbuf [32]V
	keys, vals := sortedEntries(kbuf[:], vbuf[:], m) // encoding/json sorts map keys bytewise
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(appendJSONString(dst, k), ':')
		if dst, ok = value(dst, vals[i]); !ok {
			return dst, false
		}
	}
	return append(dst, '}'), true
}

// appendArray appends a as a JSON array, each element appended by value; a
// nil slice is null. ok is false if an element cannot be encoded.
func appendArray[V any](dst []byte, a []V, value func([]byte, V) ([]byte, bool)) (_ []byte, ok bool) {
	if a == nil {
		return append(dst, "null"...), true
	}
	dst = append(dst, '[')
	for i, e := range a {
		if i > 0 {
			dst = append(dst, ',')
		}
		if dst, ok = value(dst, e); !ok {
			return dst, false
		}
	}
	return append(dst, ']'), true
}

// appendJSONFloat formats f as encoding/json does (ES6 number-to-string):
// 'f' format, or 'e' outside [1e-6, 1e21), with "e-07" shortened to
// "e-7". NaN and infinities are not JSON: ok is false and encoding/json
// reports the error.
func appendJSONFloat(dst []byte, f float64, bits int) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return dst, false
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, true
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does with HTML escaping on:
// '"', '\\' and control characters escaped (\b \f \n \r \t by name), '<',
// '>' and '&' as \u003c \u003e \u0026, invalid UTF-8 as \ufffd, and U+2028
// and U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		for i+8 <= len(s) && !mayNeedEscape(binary.LittleEndian.Uint64([]byte(s[i:i+8]))) {
			i += 8 // eight bytes that are all printable ASCII needing no escape
		}
		if i >= len(s) {
			break
		}
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(append(dst, s[start:]...), '"')
}

// mayNeedEscape reports whether any of the eight bytes of x is not
// printable ASCII that appendJSONString copies as is: a control character,
// a byte of 0x80 or more, '"', '\\', '<', '>' or '&'. Each test is exact for
// "some byte is": (v - 0x01…) &^ v & 0x80… is non-zero exactly when a byte
// of v is zero, and (x - n·0x01…) &^ x & 0x80… exactly when a byte of x is
// below n ≤ 0x80.
func mayNeedEscape(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	zero := func(v uint64) uint64 { return (v - ones) &^ v & highs }
	return (x&highs |
		(x-0x20*ones)&^x&highs |
		zero(x^'"'*ones) | zero(x^'\\'*ones) |
		zero(x^'<'*ones) | zero(x^'>'*ones) | zero(x^'&'*ones)) != 0
}

// sortedEntries returns m's keys in ascending byte order and their values in
// the same order, appended to keys and vals (pass stack arrays' slices to
// avoid allocating for small maps). Taking the values as the map is walked
// spares a second hash and lookup per key.
func sortedEntries[V any](keys []string, vals []V, m map[string]V) ([]string, []V) {
	keys, vals = keys[:0], vals[:0]
	for k, v := range m {
		keys = append(keys, k)
		vals = append(vals, v)
	}
	if len(keys) > len(keyPrefixes{}) {
		slices.Sort(keys)
		for i, k := range keys {
			vals[i] = m[k]
		}
		return keys, vals
	}
	// Session maps are small: an insertion sort that compares the first 8
	// bytes of two keys as one integer, and only keys that share them in
	// full, takes a third less time than slices.Sort on a 10-key map.
	var pre keyPrefixes
	for i, k := range keys {
		v, p := vals[i], keyPrefix(k)
		j := i
		for ; j > 0 && (pre[j-1] > p || pre[j-1] == p && keys[j-1] > k); j-- {
			pre[j], keys[j], vals[j] = pre[j-1], keys[j-1], vals[j-1]
		}
		pre[j], keys[j], vals[j] = p, k, v
	}
	return keys, vals
}

// keyPrefixes holds the prefixes of up to 32 keys.
type keyPrefixes [32]uint64

// keyPrefix returns the first 8 bytes of k, zero-padded, as a big-endian
// integer: if keyPrefix(a) < keyPrefix(b) then a < b.
func keyPrefix(k string) uint64 {
	if len(k) >= 8 {
		return binary.BigEndian.Uint64([]byte(k[:8]))
	}
	var b [8]byte
	copy(b[:], k)
	return binary.BigEndian.Uint64(b[:])
}

// appendMarshalJSON appends what marshalJSON returns for v to dst.
func appendMarshalJSON(dst []byte, v any) ([]byte, error) {
	if b, ok := appendJSON(dst, v, 0); ok {
		return b, nil
	}
	// encoding/json's turn (dst's length is unchanged; what the fast path
	// wrote past it is overwritten). Encoder.Encode writes what Marshal
	// returns, and a newline, into dst, where Marshal would make a new
	// slice.
	e := jsonEncoders.Get().(*jsonEncoder)
	e.w.b = dst
	err := e.enc.Encode(v)
	b := e.w.b
	e.w.b = nil
	jsonEncoders.Put(e)
	if err != nil {
		return dst, err
	}
	return b[:len(b)-1], nil
}

// jsonEncoder is an encoding/json Encoder that appends to a buffer.
type jsonEncoder struct {
	w   appendWriter
	enc *json.Encoder
}

var jsonEncoders = sync.Pool{New: func() any {
	e := new(jsonEncoder)
	e.enc = json.NewEncoder(&e.w) // HTML-safe escaping, no indent: as Marshal
	return e
}}

// appendWriter appends what is written to it to b; it never fails, so an
// Encoder writing to it never holds a write error.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
