package gorilla_test

import (
	"errors"
	"testing"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/cookie/gorilla"
)

// FuzzLegacyRead: whatever a client sends as a legacy cookie, Read fails
// with one of the classes (or reads a session), never panics.
func FuzzLegacyRead(f *testing.F) {
	l := newLegacy(f, gorilla.LegacyOptions{MaxAge: -1})
	good := mustEncode(f, securecookieWith(false), "session", map[interface{}]interface{}{"user_id": 42, "_flash": []interface{}{"hi"}})
	for _, s := range []string{good, good[:len(good)/2], flip(good, 20), "", "fA==", "MTIzfA==fA==", "0|x|y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		s, err := l.Read("session", value)
		switch {
		case err == nil:
			if s.Data == nil {
				t.Fatal("a session without data")
			}
		case !errors.Is(err, cookie.ErrInvalid) && !errors.Is(err, cookie.ErrTooLarge) && !errors.Is(err, gorilla.ErrDeserialize):
			t.Fatalf("unclassified error: %v", err)
		}
	})
}

// FuzzCodecDecode: whatever a client sends, Decode fails with one of
// crumb's classes, never panics, and leaves the destination alone.
func FuzzCodecDecode(f *testing.F) {
	c := newCodec(f, gorilla.CodecOptions{})
	good := mustEncode(f, c, "session", map[interface{}]interface{}{"user_id": 42})
	for _, s := range []string{good, good[:len(good)-3], flip(good, 50), "", "AQ", good + "A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		dst := map[interface{}]interface{}{}
		err := c.Decode("session", value, &dst)
		switch {
		case err == nil:
			if value != good {
				t.Fatalf("accepted a token it did not issue: %q", value)
			}
		case !errors.Is(err, cookie.ErrInvalid) && !errors.Is(err, cookie.ErrTooLarge):
			t.Fatalf("unclassified error: %v", err)
		case len(dst) != 0:
			t.Fatalf("the destination changed: %v", dst)
		}
	})
}
