package codec

import (
	"fmt"
	"strconv"
)

// SerializerID identifies the serializer of a payload. Its value is the 3-bit
// serializer field of token format v1 (see SPEC.md): 0 and 1 are defined
// here, 2 and 3 are reserved for future crumb formats, 4 to 7 are free for
// applications.
type SerializerID uint8

const (
	// RawID marks a payload of opaque application bytes.
	RawID SerializerID = 0
	// JSONID marks a payload that is one JSON value (RFC 8259) in UTF-8.
	JSONID SerializerID = 1
	// MaxSerializerID is the largest serializer ID the format can carry.
	MaxSerializerID SerializerID = 7
)

// String returns "raw", "json", or "serializer(N)".
func (id SerializerID) String() string {
	switch id {
	case RawID:
		return "raw"
	case JSONID:
		return "json"
	}
	return "serializer(" + strconv.Itoa(int(id)) + ")"
}

// A Serializer turns session values into payload bytes and back. It is the
// seam for formats other than the default JSON: an implementation reports an
// ID in the application range (4 to 7) that readers use to pick it.
//
// Unmarshal receives at most Options.MaxDecoded bytes; it must not retain
// data after returning.
type Serializer interface {
	ID() SerializerID
	Marshal(v any) ([]byte, error)
	Unmarshal(data []byte, v any) error
}

// A StringUnmarshaler is a Serializer that can also decode from a string.
// A string never changes, so the strings decoded from it can share its
// memory instead of being copied out: a decode makes one copy of the
// payload less. cookie uses it for session data, whose bytes it never
// changes once made.
type StringUnmarshaler interface {
	UnmarshalString(data string, v any) error
}

// A MarshalAppender is a Serializer that can append a value's encoding to
// a buffer, so that a caller which needs the bytes only briefly (to seal
// them into a token) can reuse its buffer instead of getting a new one.
type MarshalAppender interface {
	AppendMarshal(dst []byte, v any) ([]byte, error)
}

var (
	_ Serializer        = JSON{}
	_ Serializer        = Raw{}
	_ StringUnmarshaler = JSON{}
	_ MarshalAppender   = JSON{}
)

// JSON is the default serializer: RFC 8259 JSON, so any language can read a
// session, and sessionctl can print one. It was chosen over CBOR by
// measurement: after dictionary compression the two are within 5% in size,
// and CBOR's speed advantage would cost a dependency and readability.
//
// Its output and results are exactly encoding/json's (Marshal and
// Unmarshal semantics, HTML-safe escaping, sorted map keys). The dynamic
// types session data is made of — map[string]any, []any, []string, strings,
// numbers, booleans — go through a reflection-free fast path several times
// faster. Structs of plain data (fields of those types, nested structs,
// pointers, slices and string-keyed maps, no custom marshalers or
// unmarshalers, embedded fields, arrays or byte slices) have a fast path
// too: always when encoded, and when decoded if the JSON names the fields
// exactly. Everything else goes to encoding/json.
type JSON struct{}

// ID returns JSONID.
func (JSON) ID() SerializerID { return JSONID }

// Marshal encodes v as encoding/json.Marshal does.
func (JSON) Marshal(v any) ([]byte, error) { return marshalJSON(v) }

// AppendMarshal appends to dst what Marshal returns for v.
func (JSON) AppendMarshal(dst []byte, v any) ([]byte, error) { return appendMarshalJSON(dst, v) }

// Unmarshal decodes data into v as encoding/json.Unmarshal does.
func (JSON) Unmarshal(data []byte, v any) error { return unmarshalJSON(data, v) }

// UnmarshalString decodes data into v as Unmarshal does. The strings it
// decodes into a *string, a map, a slice, an interface or a struct's string
// fields are parts of data, not copies: they keep data's memory alive.
func (JSON) UnmarshalString(data string, v any) error { return unmarshalJSONString(data, v) }

// Raw passes bytes through: Marshal accepts []byte or string, Unmarshal
// accepts *[]byte (which receives a copy) or *string.
type Raw struct{}

// ID returns RawID.
func (Raw) ID() SerializerID { return RawID }

// Marshal returns v's bytes.
func (Raw) Marshal(v any) ([]byte, error) {
	switch v := v.(type) {
	case []byte:
		return v, nil
	case string:
		return []byte(v), nil
	}
	return nil, fmt.Errorf("codec: raw serializer cannot marshal %T", v)
}

// Unmarshal copies data into v.
func (Raw) Unmarshal(data []byte, v any) error {
	switch v := v.(type) {
	case *[]byte:
		*v = append((*v)[:0], data...)
		return nil
	case *string:
		*v = string(data)
		return nil
	}
	return fmt.Errorf("codec: raw serializer cannot unmarshal into %T", v)
}
