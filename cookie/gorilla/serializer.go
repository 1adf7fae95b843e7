package gorilla

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gorilla/securecookie"

	"github.com/crumbhq/crumb/codec"
)

// Serializer says how session values are turned into bytes, as
// securecookie's GobEncoder and JSONEncoder do.
type Serializer uint8

const (
	// Gob is encoding/gob, gorilla's default (securecookie.GobEncoder). It
	// keeps Go types: an int comes back an int, a registered struct the
	// struct. Concrete types stored in a map[interface{}]interface{} — the
	// values of a gorilla session — must be registered with gob.Register
	// by the application, as with securecookie (gorilla/sessions registers
	// []interface{}, its flashes, itself).
	Gob Serializer = iota

	// JSON is encoding/json (securecookie.JSONEncoder): several times
	// faster than gob, and readable by any language. It keeps only what
	// JSON has: map keys must be strings, numbers come back as float64,
	// structs as map[string]interface{}, []string as []interface{},
	// time.Time and []byte as strings, unless the destination is a typed
	// value.
	JSON
)

// String returns "gob" or "json".
func (s Serializer) String() string {
	switch s {
	case Gob:
		return "gob"
	case JSON:
		return "json"
	}
	return fmt.Sprintf("Serializer(%d)", uint8(s))
}

// valid reports whether s is one of the two serializers.
func (s Serializer) valid() bool { return s == Gob || s == JSON }

// marshal serializes v. With JSON, a map[interface{}]interface{} (a gorilla
// session's values), at any depth, must have string keys only.
func (s Serializer) marshal(v any) ([]byte, error) {
	if s == JSON {
		v, err := jsonMap(v)
		if err != nil {
			return nil, err
		}
		return jsonSer.Marshal(v)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// unmarshal deserializes b into dst, a pointer. With JSON, a
// *map[interface{}]interface{} receives the members of a JSON object, as
// gorilla's session values; nested objects stay map[string]interface{}.
func (s Serializer) unmarshal(b []byte, dst any) error {
	if s == Gob {
		return gob.NewDecoder(bytes.NewReader(b)).Decode(dst)
	}
	m, ok := dst.(*map[interface{}]interface{})
	if !ok {
		return jsonSer.Unmarshal(b, dst)
	}
	var obj map[string]any
	if err := jsonSer.Unmarshal(b, &obj); err != nil {
		return err
	}
	if *m == nil {
		*m = make(map[interface{}]interface{}, len(obj))
	}
	for k, v := range obj {
		(*m)[k] = v
	}
	return nil
}

// jsonMap returns v with every map[interface{}]interface{} in it (at the
// top, or in maps and slices of interface values) turned into a
// map[string]interface{}, which encoding/json can encode; a key that is not
// a string is an error. Other values are returned as they are.
func jsonMap(v any) (any, error) { return jsonMapDepth(v, 0) }

// maxDepth bounds the nesting the converters follow: a value that contains
// itself would otherwise recurse until the stack overflows.
const maxDepth = 64

func jsonMapDepth(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("values nested more than %d levels deep (a value that contains itself?)", maxDepth)
	}
	switch v := v.(type) {
	case map[interface{}]interface{}:
		out := make(map[string]any, len(v))
		for k, e := range v {
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("JSON keys must be strings, found a key of type %T", k)
			}
			e, err := jsonMapDepth(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[ks] = e
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			e, err := jsonMapDepth(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = e
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			e, err := jsonMapDepth(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	}
	return v, nil
}

// jsonSer is crumb's JSON serializer: encoding/json's results, faster on
// the dynamic types sessions hold.
var jsonSer codec.JSON

// problem describes a deserialization error for a message without quoting
// the data: gob's messages name types only; encoding/json's can quote a
// number or a character of the input, so only their kind is kept.
func problem(ser Serializer, err error) string {
	if se, ok := err.(securecookie.Error); ok && se.Cause() != nil {
		err = se.Cause()
	}
	if ser == Gob {
		return err.Error()
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		kind, _, _ := strings.Cut(te.Value, " ")
		return fmt.Sprintf("json: a JSON %s where a %v was expected", kind, te.Type)
	case errors.As(err, &se):
		return fmt.Sprintf("json: malformed at offset %d", se.Offset)
	}
	return fmt.Sprintf("json: %T", err)
}

// encodeProblem describes a serialization error without quoting the value:
// gob's and encoding/json's type errors name types, but encoding/json
// quotes an unsupported float (NaN) and passes a Marshaler's error on.
func encodeProblem(ser Serializer, err error) string {
	if ser == Gob {
		return err.Error()
	}
	var ve *json.UnsupportedValueError
	var me *json.MarshalerError
	switch {
	case errors.As(err, &ve):
		return fmt.Sprintf("json: unsupported value of type %v", ve.Value.Type())
	case errors.As(err, &me):
		return fmt.Sprintf("json: the MarshalJSON or MarshalText method of %v failed", me.Type)
	}
	return err.Error()
}
