package gorilla_test

import (
	"encoding/gob"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
)

// profile is a struct an application keeps in its gorilla sessions; gob
// needs it registered, as with securecookie.
type profile struct {
	Name  string
	Langs []string
}

// init registers the types the tests keep in sessions, as an application
// does: gorilla/sessions registers only []interface{}.
func init() {
	gob.Register(profile{})
	gob.Register(map[interface{}]interface{}{})
	gob.Register(time.Time{})
}

// Test keys, as an application would have them.
var (
	hashKey  = []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	blockKey = []byte("fedcba9876543210fedcba9876543210")
)

func newKey(t testing.TB, state keyring.State) keyring.Key {
	t.Helper()
	k, err := keyring.NewKey(state)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newRing(t testing.TB, keys ...keyring.Key) *keyring.Ring {
	t.Helper()
	if len(keys) == 0 {
		keys = []keyring.Key{newKey(t, keyring.StatePrimary)}
	}
	r, err := keyring.NewRing(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// newStore returns a crumb store named "session", closed when the test ends.
func newStore(t testing.TB, ring *keyring.Ring) *cookie.Store {
	t.Helper()
	// Logging out everywhere must cover the legacy cookies (30 days).
	s, err := cookie.New(cookie.Options{Name: "session", Keys: ring, SubjectRevocation: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// serve runs one request through h with the given cookie header value
// ("" for none) and returns the recorder.
func serve(h http.Handler, method, cookieHeader string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "https://example.com/", nil)
	if cookieHeader != "" {
		r.Header.Set("Cookie", cookieHeader)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// cookieValue returns the value of the cookie name a response sets, and
// whether it sets one (a deletion has the value "").
func cookieValue(w *httptest.ResponseRecorder, name string) (string, bool) {
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			if c.MaxAge < 0 {
				return "", true
			}
			return c.Value, true
		}
	}
	return "", false
}

// securecookieWith returns gorilla's codec with hashKey, blockKey and the
// serializer.
func securecookieWith(json bool) *securecookie.SecureCookie {
	sc := securecookie.New(hashKey, blockKey)
	if json {
		sc.SetSerializer(securecookie.JSONEncoder{})
	}
	return sc
}

// flip returns s with the bit of byte i flipped, keeping it in the
// base64url alphabet by flipping between neighbouring characters.
func flip(s string, i int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	j := strings.IndexByte(alphabet, s[i])
	if j < 0 {
		return s[:i] + "A" + s[i+1:]
	}
	return s[:i] + string(alphabet[j^1]) + s[i+1:]
}
