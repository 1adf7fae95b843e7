package cookie

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"
	"unsafe"

	"github.com/crumbhq/crumb/codec"
)

// Session data is a map of named values, each kept serialized until it is
// first read: reading a session costs one split of the payload (no value is
// decoded), Get decodes just the value asked for, and saving re-joins the
// serialized members. That needs a codec.ObjectSerializer (the default JSON
// is one); with any other serializer the data is one value, handled with
// SetData and As, and key access returns ErrNotMap — going through
// map[string]any would silently change values (integers above 2^53, for
// one).
//
// Data can also be one arbitrary value (SetData, As): then key access
// returns ErrNotMap unless that value is a map.

type serializerPair struct {
	ser    codec.Serializer
	obj    codec.ObjectSerializer  // ser as an ObjectSerializer, or nil
	lookup codec.ObjectLookup      // obj as an ObjectLookup, or nil
	str    codec.StringUnmarshaler // ser as a StringUnmarshaler, or nil
	app    codec.MarshalAppender   // ser as a MarshalAppender, or nil
}

func newSerializerPair(s codec.Serializer) serializerPair {
	obj, _ := s.(codec.ObjectSerializer)
	var lookup codec.ObjectLookup
	if obj != nil {
		lookup, _ = s.(codec.ObjectLookup)
	}
	str, _ := s.(codec.StringUnmarshaler)
	app, _ := s.(codec.MarshalAppender)
	return serializerPair{ser: s, obj: obj, lookup: lookup, str: str, app: app}
}

// unmarshal decodes b, the payload or one member of it, into v. Those bytes
// are never changed once made (a token's decoded body, a serializer's
// output; Payload returns a copy), so a serializer that can decode from a
// string gets them as one, and the strings it decodes share them instead of
// copying them. The one payload that is reused, Create's pooled buffer, is
// cleared after sealing, and the record holding it never leaves Create: no
// decoded value can share it.
func (p serializerPair) unmarshal(b []byte, v any) error {
	if p.str != nil {
		return p.str.UnmarshalString(unsafe.String(unsafe.SliceData(b), len(b)), v)
	}
	return p.ser.Unmarshal(b, v)
}

type data struct {
	payload []byte            // serialized data; stale while dirty
	members map[string][]byte // nil until key access
	dirty   bool              // members changed since payload was encoded
	// index is payload's members, split once for every record read from
	// the same token (the read cache keeps it): shared, never written.
	// nil when there is none.
	index map[string][]byte
}

// members returns the data as serialized members, splitting the payload on
// first use. An empty payload is an empty map.
func (r *Record) members() (map[string][]byte, error) {
	d := &r.data
	if d.members != nil {
		return d.members, nil
	}
	if d.index != nil {
		d.members = maps.Clone(d.index)
		return d.members, nil
	}
	if r.serializers.obj == nil {
		return nil, fmt.Errorf("%w: serializer %v cannot address values by key (it is not a codec.ObjectSerializer)", ErrNotMap, r.serializers.ser.ID())
	}
	if len(d.payload) == 0 {
		d.members = map[string][]byte{}
		return d.members, nil
	}
	m, err := r.serializers.obj.SplitObject(d.payload)
	if err != nil {
		return nil, ErrNotMap
	}
	d.members = m
	return m, nil
}

// member returns the serialized value of key. Until the data is split (by
// a change), a serializer that can look one member up does so without
// building the map: reading one value is the common request.
func (r *Record) member(key string) ([]byte, bool, error) {
	d := &r.data
	if d.members == nil && d.index != nil {
		raw, ok := d.index[key]
		return raw, ok, nil
	}
	if d.members == nil && len(d.payload) > 0 && r.serializers.lookup != nil {
		raw, ok, err := r.serializers.lookup.LookupObject(d.payload, key)
		if err != nil {
			return nil, false, ErrNotMap
		}
		return raw, ok, nil
	}
	m, err := r.members()
	if err != nil {
		return nil, false, err
	}
	raw, ok := m[key]
	return raw, ok, nil
}

// payload returns the serialized data, joining changed members first.
func (r *Record) payload() ([]byte, error) {
	d := &r.data
	if !d.dirty {
		return d.payload, nil
	}
	var (
		b   []byte
		err error
	)
	if len(d.members) > 0 { // members exist only with an ObjectSerializer
		if b, err = r.serializers.obj.AppendObject(nil, d.members); err != nil {
			return nil, fmt.Errorf("cookie: serializing session data: %w", err)
		}
	}
	d.payload, d.dirty = b, false
	return b, nil
}

// Payload returns a copy of the serialized session data (for the default
// serializer, a JSON object; nothing for an empty session).
func (r *Record) Payload() ([]byte, error) {
	p, err := r.payload()
	return bytes.Clone(p), err
}

// Set stores v under key, serialized now so that an unserializable value
// fails here rather than at Save. key must be valid UTF-8.
func (r *Record) Set(key string, v any) error {
	if !utf8.ValidString(key) {
		return fmt.Errorf("cookie: key %q is not valid UTF-8", key)
	}
	m, err := r.members()
	if err != nil {
		return err
	}
	b, err := r.serializers.ser.Marshal(v)
	if err != nil {
		return fmt.Errorf("cookie: serializing %q: %w", key, err)
	}
	m[key] = b
	r.data.dirty, r.changed = true, true
	return nil
}

// Remove removes key from the session data. Removing a missing key does
// nothing.
func (r *Record) Remove(key string) error {
	m, err := r.members()
	if err != nil {
		return err
	}
	if _, ok := m[key]; ok {
		delete(m, key)
		r.data.dirty, r.changed = true, true
	}
	return nil
}

// Has reports whether the session holds key.
func (r *Record) Has(key string) bool {
	m, err := r.members()
	if err != nil {
		return false
	}
	_, ok := m[key]
	return ok
}

// Keys returns the keys of the session data in ascending order.
func (r *Record) Keys() ([]string, error) {
	m, err := r.members()
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(m)), nil
}

// Clear removes all data (the subject and metadata stay).
func (r *Record) Clear() {
	if len(r.data.payload) == 0 && len(r.data.members) == 0 {
		return
	}
	r.data = data{dirty: true}
	r.changed = true
}

// SetData replaces all data with v, serialized as one value: a map or a
// struct keeps key access working; anything else makes key access return
// ErrNotMap. nil clears the data.
func (r *Record) SetData(v any) error {
	if v == nil {
		r.Clear()
		return nil
	}
	b, err := r.serializers.ser.Marshal(v)
	if err != nil {
		return fmt.Errorf("cookie: serializing session data: %w", err)
	}
	r.data = data{payload: b}
	r.changed = true
	return nil
}

// Get returns the value stored under key, decoded into a T. It returns
// ErrNoValue for a missing key, ErrNotMap when the data is not a map, and a
// wrapped decoding error when the value is not a T.
func Get[T any](r *Record, key string) (T, error) {
	var v T
	raw, ok, err := r.member(key)
	if err != nil {
		return v, err
	}
	if !ok {
		return v, ErrNoValue
	}
	if err := r.serializers.unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("cookie: value %q: %w", key, err)
	}
	return v, nil
}

// Pop returns the value under key and removes it: a flash message. The key
// is removed even when it does not decode into a T.
func Pop[T any](r *Record, key string) (T, error) {
	v, err := Get[T](r, key)
	if err == nil || err != ErrNoValue && err != ErrNotMap {
		r.Remove(key)
	}
	return v, err
}

// As decodes all of the session data into a T (a struct, a map, or
// whatever SetData stored). An empty session leaves T's zero value.
func As[T any](r *Record) (T, error) {
	var v T
	p, err := r.payload()
	if err != nil || len(p) == 0 {
		return v, err
	}
	if err := r.serializers.unmarshal(p, &v); err != nil {
		return v, fmt.Errorf("cookie: session data: %w", err)
	}
	return v, nil
}
