package gorilla_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/cookie/gorilla"
	"github.com/crumbhq/crumb/keyring"
)

func newCodec(t testing.TB, o gorilla.CodecOptions) *gorilla.Codec {
	t.Helper()
	if o.Keys == nil {
		o.Keys = newRing(t)
	}
	c, err := gorilla.NewCodec(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// roundTrip runs a handler that saves values in a gorilla session, then one
// that loads the session with the cookie it got, and returns the values
// loaded and the cookie.
func roundTrip(t *testing.T, store sessions.Store, values map[interface{}]interface{}) (map[interface{}]interface{}, string) {
	t.Helper()
	w := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := store.Get(r, "session")
		if err != nil {
			t.Errorf("new session: %v", err)
		}
		for k, v := range values {
			s.Values[k] = v
		}
		if err := s.Save(r, w); err != nil {
			t.Errorf("save: %v", err)
		}
	}), "POST", "")
	tok, ok := cookieValue(w, "session")
	if !ok {
		t.Fatalf("no cookie: %v", w.Header())
	}
	var got map[interface{}]interface{}
	serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := store.Get(r, "session")
		if err != nil || s.IsNew {
			t.Errorf("load: new %v, %v", s.IsNew, err)
		}
		got = s.Values
	}), "GET", "session="+tok)
	return got, tok
}

// TestCookieStoreRoundTrip: a gorilla/sessions CookieStore whose only codec
// is crumb's keeps strings, ints, bools, registered structs and flashes,
// with their Go types (gob).
func TestCookieStoreRoundTrip(t *testing.T) {
	store := sessions.NewCookieStore()
	store.Codecs = []securecookie.Codec{newCodec(t, gorilla.CodecOptions{})}
	values := map[interface{}]interface{}{
		"name": "ann", "user_id": 42, "admin": true, "ratio": 0.25, 7: "an int key",
		"profile": profile{Name: "Ann", Langs: []string{"en", "fr"}},
		"_flash":  []interface{}{"welcome"},
	}
	got, tok := roundTrip(t, store, values)
	if !reflect.DeepEqual(got, values) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", got, values)
	}
	if strings.ContainsAny(tok, "=+/") || len(tok) < 91 {
		t.Fatalf("not a crumb token: %q", tok)
	}
}

// TestCookieStoreRoundTripJSON: with JSON, values keep what JSON has.
func TestCookieStoreRoundTripJSON(t *testing.T) {
	store := sessions.NewCookieStore()
	store.Codecs = []securecookie.Codec{newCodec(t, gorilla.CodecOptions{Serializer: gorilla.JSON})}
	when := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	got, _ := roundTrip(t, store, map[interface{}]interface{}{
		"name": "ann", "user_id": 42, "admin": true,
		"profile": profile{Name: "Ann", Langs: []string{"en"}},
		"nested":  map[interface{}]interface{}{"a": 1},
		"when":    when, "_flash": []interface{}{"welcome"},
	})
	want := map[interface{}]interface{}{
		"name": "ann", "user_id": 42.0, "admin": true,
		"profile": map[string]any{"Name": "Ann", "Langs": []any{"en"}},
		"nested":  map[string]any{"a": 1.0},
		"when":    "2025-06-01T12:00:00Z", "_flash": []any{"welcome"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", got, want)
	}
}

// TestCodecDestinations: Decode fills what securecookie's serializers
// fill: any pointer gob or encoding/json decodes into.
func TestCodecDestinations(t *testing.T) {
	for _, ser := range []gorilla.Serializer{gorilla.Gob, gorilla.JSON} {
		c := newCodec(t, gorilla.CodecOptions{Serializer: ser})
		tok, err := c.Encode("id", profile{Name: "Ann", Langs: []string{"en"}})
		if err != nil {
			t.Fatal(err)
		}
		var p profile
		if err := c.Decode("id", tok, &p); err != nil || p.Name != "Ann" || len(p.Langs) != 1 {
			t.Fatalf("%v: %+v, %v", ser, p, err)
		}
		tok, _ = c.Encode("id", "just a string")
		var s string
		if err := c.Decode("id", tok, &s); err != nil || s != "just a string" {
			t.Fatalf("%v: %q, %v", ser, s, err)
		}
		// An authentic cookie that does not fit the destination.
		var n int
		err = c.Decode("id", tok, &n)
		var se securecookie.Error
		if !errors.Is(err, gorilla.ErrDeserialize) || !errors.As(err, &se) || !se.IsDecode() || se.Cause() == nil {
			t.Fatalf("%v: a string into an int: %v", ser, err)
		}
		if strings.Contains(err.Error(), "just a string") {
			t.Fatalf("the error quotes the value: %v", err)
		}
	}
}

// TestCodecNameBinding: a cookie written under one name does not decode
// under another, nor under another audience.
func TestCodecNameBinding(t *testing.T) {
	ring := newRing(t)
	c := newCodec(t, gorilla.CodecOptions{Keys: ring})
	tok, err := c.Encode("session", map[interface{}]interface{}{"user_id": 42})
	if err != nil {
		t.Fatal(err)
	}
	dst := map[interface{}]interface{}{}
	if err := c.Decode("session", tok, &dst); err != nil || dst["user_id"] != 42 {
		t.Fatalf("same name: %v %v", dst, err)
	}
	dst = map[interface{}]interface{}{}
	if err := c.Decode("other", tok, &dst); !errors.Is(err, cookie.ErrInvalid) || len(dst) != 0 {
		t.Fatalf("other name: %v %v", dst, err)
	}
	aud := newCodec(t, gorilla.CodecOptions{Keys: ring, Audience: "shop"})
	if err := aud.Decode("session", tok, &dst); !errors.Is(err, cookie.ErrInvalid) {
		t.Fatalf("other audience: %v", err)
	}
	if _, err := c.Encode("bad\x00name", 1); err == nil {
		t.Fatal("a name with NUL was accepted")
	}

	// Through gorilla/sessions: the cookie sent under another name is no
	// session, and the error says it did not decode.
	store := sessions.NewCookieStore()
	store.Codecs = []securecookie.Codec{c}
	serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := store.Get(r, "other")
		var se securecookie.Error
		if !s.IsNew || !errors.As(err, &se) || !se.IsDecode() {
			t.Errorf("under another name: new %v, %v", s.IsNew, err)
		}
	}), "GET", "other="+tok)
}

// TestCodecKeyRotation: after the keyring rotates, cookies sealed under
// the old primary (now active) still decode, new cookies use the new
// primary, and a ring without the old key refuses its cookies.
func TestCodecKeyRotation(t *testing.T) {
	old := newKey(t, keyring.StatePrimary)
	before := newCodec(t, gorilla.CodecOptions{Keys: newRing(t, old)})
	tok, err := before.Encode("session", map[interface{}]interface{}{"n": 1})
	if err != nil {
		t.Fatal(err)
	}
	demoted := old
	demoted.State = keyring.StateActive
	fresh := newKey(t, keyring.StatePrimary)
	after := newCodec(t, gorilla.CodecOptions{Keys: newRing(t, fresh, demoted)})
	var dst map[interface{}]interface{}
	if err := after.Decode("session", tok, &dst); err != nil || dst["n"] != 1 {
		t.Fatalf("old cookie after rotation: %v %v", dst, err)
	}
	tok2, _ := after.Encode("session", dst)
	only := newCodec(t, gorilla.CodecOptions{Keys: newRing(t, fresh)})
	if err := only.Decode("session", tok2, &dst); err != nil {
		t.Fatalf("new cookie under the new key: %v", err)
	}
	if err := only.Decode("session", tok, &dst); !errors.Is(err, cookie.ErrInvalid) {
		t.Fatalf("old cookie without the old key: %v", err)
	}
}

// TestCodecBesideSecureCookie: crumb's codec first, gorilla's after it:
// existing gorilla cookies still load, and are saved back as crumb tokens.
func TestCodecBesideSecureCookie(t *testing.T) {
	legacyStore := sessions.NewCookieStore(hashKey, blockKey)
	w := serve(gorillaLogin(legacyStore), "POST", "")
	old, _ := cookieValue(w, "session")

	store := sessions.NewCookieStore(hashKey, blockKey)
	c := newCodec(t, gorilla.CodecOptions{})
	store.Codecs = append([]securecookie.Codec{c}, store.Codecs...)
	w = serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := store.Get(r, "session")
		if err != nil || s.IsNew || s.Values["user_id"] != 42 {
			t.Errorf("old cookie: %v %v", s.Values, err)
		}
		s.Save(r, w)
	}), "GET", "session="+old)
	tok, _ := cookieValue(w, "session")
	var dst map[interface{}]interface{}
	if err := c.Decode("session", tok, &dst); err != nil || dst["name"] != "ann" {
		t.Fatalf("not rewritten as a crumb token: %v %v", dst, err)
	}
}

// TestCodecRejects: tampered, truncated, expired, oversized and foreign
// cookies fail with crumb's error classes, as securecookie decode errors,
// and leave the destination alone.
func TestCodecRejects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ring := newRing(t)
		c := newCodec(t, gorilla.CodecOptions{Keys: ring, MaxAge: time.Hour})
		tok, err := c.Encode("session", map[interface{}]interface{}{"user_id": 42})
		if err != nil {
			t.Fatal(err)
		}
		check := func(what, value string, want error) {
			t.Helper()
			dst := map[interface{}]interface{}{"kept": true}
			err := c.Decode("session", value, &dst)
			var se securecookie.Error
			if !errors.Is(err, want) || !errors.As(err, &se) || !se.IsDecode() || se.IsUsage() {
				t.Errorf("%s: %v, want %v", what, err, want)
			}
			if len(dst) != 1 {
				t.Errorf("%s: the destination changed: %v", what, dst)
			}
		}
		for i := range tok {
			check(fmt.Sprintf("flip at %d", i), flip(tok, i), cookie.ErrInvalid)
		}
		check("truncated", tok[:len(tok)-4], cookie.ErrInvalid)
		check("padded", tok+"=", cookie.ErrInvalid)
		check("a securecookie value", mustEncode(t, securecookieWith(false), "session", map[interface{}]interface{}{"a": 1}), cookie.ErrInvalid)
		check("too long", strings.Repeat("A", gorilla.DefaultMaxLength+1), cookie.ErrTooLarge)
		check("JSON codec's cookie", mustEncode(t, newCodec(t, gorilla.CodecOptions{Keys: ring, Serializer: gorilla.JSON}), "session", map[string]any{}), gorilla.ErrDeserialize)
		store := newStore(t, ring)
		storeTok, err := store.Create(context.Background(), cookie.CreateOptions{Data: map[string]any{"a": 1}})
		if err != nil {
			t.Fatal(err)
		}
		check("a crumb store's token", storeTok, cookie.ErrInvalid)

		time.Sleep(time.Hour - time.Second)
		var fresh map[interface{}]interface{}
		if err := c.Decode("session", tok, &fresh); err != nil || fresh["user_id"] != 42 {
			t.Errorf("a second before MaxAge: %v %v", fresh, err)
		}
		time.Sleep(time.Second)
		check("expired", tok, cookie.ErrExpired)
		check("expired", tok, cookie.ErrNotFound)

		// A codec with a shorter MaxAge refuses older cookies at once.
		tok, _ = c.Encode("session", 1)
		time.Sleep(time.Minute)
		short := newCodec(t, gorilla.CodecOptions{Keys: ring, MaxAge: time.Minute})
		var n int
		if err := short.Decode("session", tok, &n); !errors.Is(err, cookie.ErrExpired) {
			t.Errorf("MaxAge shortened: %v", err)
		}
	})
}

func mustEncode(t testing.TB, c securecookie.Codec, name string, v any) string {
	t.Helper()
	s, err := c.Encode(name, v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCodecEncodeErrors: what the serializer refuses, and cookies over
// MaxLength, are usage errors.
func TestCodecEncodeErrors(t *testing.T) {
	usage := func(what string, err, want error) {
		t.Helper()
		var se securecookie.Error
		if !errors.Is(err, want) || !errors.As(err, &se) || !se.IsUsage() || se.IsDecode() {
			t.Errorf("%s: %v, want %v", what, err, want)
		}
	}
	type unregistered struct{ A int }
	g := newCodec(t, gorilla.CodecOptions{})
	_, err := g.Encode("s", map[interface{}]interface{}{"u": unregistered{1}})
	usage("gob, unregistered type", err, gorilla.ErrSerialize)
	j := newCodec(t, gorilla.CodecOptions{Serializer: gorilla.JSON})
	_, err = j.Encode("s", map[interface{}]interface{}{1: "int key"})
	usage("json, int key", err, gorilla.ErrSerialize)
	_, err = j.Encode("s", map[interface{}]interface{}{"n": map[interface{}]interface{}{true: 1}})
	usage("json, nested bool key", err, gorilla.ErrSerialize)
	_, err = j.Encode("s", map[interface{}]interface{}{"f": math.NaN()})
	usage("json, NaN", err, gorilla.ErrSerialize)
	if strings.Contains(err.Error(), "NaN") {
		t.Errorf("the error quotes the value: %v", err)
	}

	cd, _ := codec.New(codec.Options{Compress: codec.CompressOff})
	small := newCodec(t, gorilla.CodecOptions{Codec: cd, MaxLength: 200})
	_, err = small.Encode("s", strings.Repeat("x", 200))
	usage("too long", err, cookie.ErrTooLarge)
}

// TestCodecTokensAndStore: the Codec's cookies hold gorilla's values, not
// crumb sessions: a cookie.Store with the same keys and name refuses them,
// whatever the serializer (LegacyOptions.Codec reads them).
func TestCodecTokensAndStore(t *testing.T) {
	ring := newRing(t)
	store := newStore(t, ring)
	for _, ser := range []gorilla.Serializer{gorilla.Gob, gorilla.JSON} {
		c := newCodec(t, gorilla.CodecOptions{Keys: ring, Serializer: ser})
		tok := mustEncode(t, c, "session", map[interface{}]interface{}{"theme": "dark"})
		if _, err := store.Read(context.Background(), tok); !errors.Is(err, cookie.ErrInvalid) {
			t.Fatalf("%v: the store reads a codec's cookie: %v", ser, err)
		}
	}
}

func TestNewCodecOptions(t *testing.T) {
	ring := newRing(t)
	for _, o := range []gorilla.CodecOptions{
		{},
		{Keys: (*keyring.Ring)(nil)},
		{Keys: ring, MaxAge: time.Millisecond},
		{Keys: ring, MaxAge: 1500 * time.Millisecond},
		{Keys: ring, MaxAge: -time.Hour},
		{Keys: ring, Serializer: 7},
		{Keys: ring, MaxLength: 90},
		{Keys: ring, Audience: strings.Repeat("a", 254)},
	} {
		if _, err := gorilla.NewCodec(o); !errors.Is(err, gorilla.ErrBadOptions) {
			t.Errorf("%+v: %v", o, err)
		}
	}
}
