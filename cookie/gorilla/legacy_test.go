package gorilla_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/securecookie"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/cookie/gorilla"
)

func newLegacy(t testing.TB, o gorilla.LegacyOptions) *gorilla.Legacy {
	t.Helper()
	if o.HashKey == nil {
		o.HashKey, o.BlockKey = hashKey, blockKey
	}
	l, err := gorilla.NewLegacy(o)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestLegacyRead: what Read finds in a gorilla session, and how its values
// become crumb data.
func TestLegacyRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		value := mustEncode(t, securecookieWith(false), "session", map[interface{}]interface{}{
			"user_id": 42, "name": "ann", "ratio": 0.5, "when": time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC),
			"profile": profile{Name: "Ann"}, "_flash": []interface{}{"hi"},
			7: "an int key", "nan": math.NaN(), "c": complex(1, 2),
			"nested": map[interface{}]interface{}{"ok": 1, 2: "int key"},
		})
		written := time.Now()
		time.Sleep(time.Hour)
		s, err := newLegacy(t, gorilla.LegacyOptions{Subject: gorilla.SubjectKey("user_id")}).Read("session", value)
		if err != nil {
			t.Fatal(err)
		}
		if !s.Written.Equal(written) || s.Subject != "42" || s.Values["user_id"] != 42 || s.Values[7] != "an int key" {
			t.Fatalf("session: %+v", s)
		}
		want := map[string]any{
			"user_id": 42, "name": "ann", "ratio": 0.5, "when": time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC),
			"profile": profile{Name: "Ann"}, "_flash": []any{"hi"}, "nested": map[string]any{"ok": 1},
		}
		if !reflect.DeepEqual(s.Data, want) {
			t.Fatalf("data:\n got %#v\nwant %#v", s.Data, want)
		}
		wantDropped := []string{
			`a key of type int (keys must be strings)`,
			`key "c": a complex128 that JSON cannot encode`,
			`key "nan": a float64 that JSON cannot encode`,
			`key "nested": 1 entries inside it with keys that are not strings`,
		}
		if !reflect.DeepEqual(s.Dropped, wantDropped) {
			t.Fatalf("dropped:\n got %q\nwant %q", s.Dropped, wantDropped)
		}

		ls, err := newLegacy(t, gorilla.LegacyOptions{}).ReadLegacy(context.Background(), "session", value)
		if err != nil || ls.Subject != "" || !reflect.DeepEqual(ls.Data, want) || !ls.Written.Equal(s.Written) {
			t.Fatalf("ReadLegacy: %+v %v", ls, err)
		}
	})
}

// TestLegacyDirectSecureCookie: maps with string keys given to securecookie
// directly, not through gorilla/sessions, are read too.
func TestLegacyDirectSecureCookie(t *testing.T) {
	l := newLegacy(t, gorilla.LegacyOptions{})
	for _, v := range []any{
		map[string]string{"user": "ann"},
		map[string]interface{}{"user": "ann"},
	} {
		s, err := l.Read("session", mustEncode(t, securecookieWith(false), "session", v))
		if err != nil || !reflect.DeepEqual(s.Data, map[string]any{"user": "ann"}) {
			t.Fatalf("%T: %v %v", v, s, err)
		}
	}
	// Not a map at all.
	_, err := l.Read("session", mustEncode(t, securecookieWith(false), "session", "a string"))
	if !errors.Is(err, gorilla.ErrDeserialize) {
		t.Fatalf("a string: %v", err)
	}
	_, err = newLegacy(t, gorilla.LegacyOptions{Serializer: gorilla.JSON}).Read("session", mustEncode(t, securecookieWith(true), "session", []int{42}))
	if !errors.Is(err, gorilla.ErrDeserialize) || strings.Contains(err.Error(), "42") {
		t.Fatalf("a JSON array: %v", err)
	}
}

// TestLegacyRejects: every way a legacy cookie is not valid.
func TestLegacyRejects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		values := map[interface{}]interface{}{"user_id": 42}
		good := mustEncode(t, securecookieWith(false), "session", values)
		l := newLegacy(t, gorilla.LegacyOptions{MaxAge: time.Hour})
		check := func(what string, l *gorilla.Legacy, name, value string, want error) {
			t.Helper()
			_, err := l.Read(name, value)
			if !errors.Is(err, want) {
				t.Errorf("%s: %v, want %v", what, err, want)
			}
			if err != nil && (strings.Contains(err.Error(), string(hashKey)) || value != "" && strings.Contains(err.Error(), value)) {
				t.Errorf("%s: the error shows a key or the cookie: %v", what, err)
			}
		}
		for i := range good {
			// securecookie's base64 ignores the unused bits of the last
			// character: a flip there gives the same bytes, and the same
			// (valid) cookie.
			flipped := flip(good, i)
			a, _ := base64.URLEncoding.DecodeString(good)
			b, _ := base64.URLEncoding.DecodeString(flipped)
			if !bytes.Equal(a, b) {
				check("bit flip", l, "session", flipped, cookie.ErrInvalid)
			}
		}
		check("truncated", l, "session", good[:len(good)/2], cookie.ErrInvalid)
		check("another name", l, "other", good, cookie.ErrInvalid)
		check("too long", l, "session", strings.Repeat("A", 4097), cookie.ErrTooLarge)
		check("empty", l, "session", "", cookie.ErrInvalid)
		check("wrong hash key", newLegacy(t, gorilla.LegacyOptions{HashKey: []byte("another key"), BlockKey: blockKey}), "session", good, cookie.ErrInvalid)
		check("wrong block key", newLegacy(t, gorilla.LegacyOptions{HashKey: hashKey, BlockKey: hashKey[:32]}), "session", good, gorilla.ErrDeserialize)
		check("no block key", newLegacy(t, gorilla.LegacyOptions{HashKey: hashKey}), "session", good, gorilla.ErrDeserialize)
		check("JSON reader, gob cookie", newLegacy(t, gorilla.LegacyOptions{Serializer: gorilla.JSON}), "session", good, gorilla.ErrDeserialize)
		long := gorilla.LegacyOptions{Subject: func(map[interface{}]interface{}) string { return strings.Repeat("x", 256) }}
		check("subject too long", newLegacy(t, long), "session", good, gorilla.ErrSubject)

		time.Sleep(time.Hour)
		check("at MaxAge", l, "session", good, nil)
		time.Sleep(time.Second)
		check("expired", l, "session", good, cookie.ErrExpired)
		check("expired", l, "session", good, cookie.ErrNotFound)
		check("default MaxAge", newLegacy(t, gorilla.LegacyOptions{}), "session", good, nil)
		time.Sleep(30 * 24 * time.Hour)
		check("default MaxAge", newLegacy(t, gorilla.LegacyOptions{}), "session", good, cookie.ErrExpired)
		check("any age", newLegacy(t, gorilla.LegacyOptions{MaxAge: -1}), "session", good, nil)
	})
}

// TestLegacyKeysCopied: changing the caller's key slices afterwards does
// not change the reader.
func TestLegacyKeysCopied(t *testing.T) {
	h, b := append([]byte(nil), hashKey...), append([]byte(nil), blockKey...)
	l := newLegacy(t, gorilla.LegacyOptions{HashKey: h, BlockKey: b})
	h[0]++
	b[0]++
	if _, err := l.Read("session", mustEncode(t, securecookieWith(false), "session", map[string]string{"a": "b"})); err != nil {
		t.Fatal(err)
	}
}

func TestNewLegacyOptions(t *testing.T) {
	for _, o := range []gorilla.LegacyOptions{
		{},
		{HashKey: []byte{}},
		{HashKey: hashKey, BlockKey: []byte("short")},
		{HashKey: hashKey, BlockKey: hashKey},
		{HashKey: hashKey, Serializer: 2},
		{HashKey: hashKey, MaxAge: time.Millisecond},
		{HashKey: hashKey, MaxAge: 1500 * time.Millisecond},
		{HashKey: hashKey, MaxLength: -1},
		{BlockKey: blockKey, Codec: newCodec(t, gorilla.CodecOptions{})},
	} {
		if _, err := gorilla.NewLegacy(o); !errors.Is(err, gorilla.ErrBadOptions) {
			t.Errorf("%+v: %v", o, err)
		} else if strings.Contains(err.Error(), string(hashKey)) {
			t.Errorf("the error shows the key: %v", err)
		}
	}
}

// TestSubjectKey: strings as they are, integers in decimal, anything else
// anonymous.
func TestSubjectKey(t *testing.T) {
	pick := gorilla.SubjectKey("id")
	for v, want := range map[any]string{
		"ann": "ann", 42: "42", int64(-7): "-7", uint8(9): "9", uint64(math.MaxUint64): "18446744073709551615",
		42.0: "42", 1e15: "1000000000000000", 4.5: "", math.Inf(1): "", true: "", nil: "",
	} {
		if got := pick(map[interface{}]interface{}{"id": v}); got != want {
			t.Errorf("%T %v: %q, want %q", v, v, got, want)
		}
	}
	if got := pick(nil); got != "" {
		t.Errorf("no values: %q", got)
	}
}

// Compile-time check, for readers: Legacy is what the middleware takes,
// Codec what gorilla takes.
var _ securecookie.Codec = (*gorilla.Codec)(nil)
