package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// Keys of a gorilla application.
var (
	legacyHash  = []byte("the gorilla application's hash key, 64 bytes long ..............")
	legacyBlock = []byte("0123456789abcdef0123456789abcdef")
)

// gorillaCookie returns the value of the cookie a gorilla/sessions
// CookieStore with the keys writes for a session with values and a flash.
func gorillaCookie(t *testing.T, keys ...[]byte) string {
	t.Helper()
	store := sessions.NewCookieStore(keys...)
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "https://example.com/", nil)
	s, _ := store.Get(r, "session")
	s.Values["user_id"] = 42
	s.Values["name"] = "ann"
	s.AddFlash("welcome")
	if err := s.Save(r, w); err != nil {
		t.Fatal(err)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == "session" {
			return c.Value
		}
	}
	t.Fatal("no cookie")
	return ""
}

// TestDecodeLegacyFresh decodes a cookie gorilla/sessions just wrote, with
// the keys in each form, and checks the data, the times and that no key is
// ever printed.
func TestDecodeLegacyFresh(t *testing.T) {
	dir := t.TempDir()
	value := gorillaCookie(t, legacyHash, legacyBlock)
	if err := os.WriteFile(filepath.Join(dir, "hash.key"), legacyHash, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SESSION_BLOCK_KEY", string(legacyBlock))
	before := time.Now().Add(-time.Second)
	for _, keys := range [][2]string{
		{"hex:" + hex.EncodeToString(legacyHash), "base64:" + base64.RawURLEncoding.EncodeToString(legacyBlock)},
		{"@hash.key", "env:SESSION_BLOCK_KEY"},
		{"base64:" + base64.StdEncoding.EncodeToString(legacyHash), "text:" + string(legacyBlock)},
	} {
		st, out, errOut := runCLI(t, dir, "decode", "--name", "session", "--legacy-hash-key", keys[0], "--legacy-block-key", keys[1], "--json", value)
		if st != exitOK {
			t.Fatalf("%q: status %d: %s", keys, st, errOut)
		}
		var got struct {
			Written, Expires time.Time
			Data             map[string]any
			Dropped          []string
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"user_id": 42.0, "name": "ann", "_flash": []any{"welcome"}}
		if !reflect.DeepEqual(got.Data, want) || len(got.Dropped) != 0 || errOut != "" {
			t.Fatalf("%q: %s %s", keys, out, errOut)
		}
		if got.Written.Before(before) || got.Written.After(time.Now()) || got.Expires.Sub(got.Written) != 30*24*time.Hour {
			t.Fatalf("times: %s", out)
		}
	}

	// Refusals print neither the keys nor the cookie.
	for _, args := range [][]string{
		{"--legacy-hash-key", "text:" + string(legacyHash)},                                                          // the block key is missing
		{"--legacy-hash-key", "text:" + string(legacyHash), "--legacy-block-key", "text:" + string(legacyHash[:32])}, // the wrong one
		{"--legacy-hash-key", "text:" + string(legacyBlock), "--legacy-block-key", "text:" + string(legacyBlock)},    // the wrong hash key
		{"--legacy-hash-key", "text:" + string(legacyHash), "--legacy-block-key", "text:" + string(legacyBlock), "--legacy-serializer", "json"},
	} {
		st, out, errOut := runCLI(t, dir, append([]string{"decode", "--name", "session", value, "--json"}, args...)...)
		if st != exitFailure || !strings.Contains(out, `"error": "invalid"`) {
			t.Errorf("%q: status %d, %s %s", args, st, out, errOut)
		}
		for _, secret := range [][]byte{legacyHash, legacyBlock, legacyHash[:16], legacyBlock[:16], []byte(value[:16])} {
			if strings.Contains(out+errOut, string(secret)) {
				t.Errorf("%q: the output shows a key or the cookie: %s %s", args, out, errOut)
			}
		}
	}
}

// TestDecodeLegacyAuthenticatedOnly: a cookie with a hash key only, written
// by securecookie directly with its JSON serializer.
func TestDecodeLegacyAuthenticatedOnly(t *testing.T) {
	sc := securecookie.New(legacyHash, nil).SetSerializer(securecookie.JSONEncoder{})
	value, err := sc.Encode("sid", map[string]any{"cart": []string{"SKU-1"}})
	if err != nil {
		t.Fatal(err)
	}
	st, out, errOut := runCLI(t, t.TempDir(), "decode", "--name", "sid", "--legacy-serializer", "json", "--legacy-hash-key", "hex:"+hex.EncodeToString(legacyHash), value)
	if st != exitOK || !strings.Contains(out, `data     {"cart":["SKU-1"]}`) || !strings.Contains(out, "dropped  -") {
		t.Fatalf("status %d: %s %s", st, out, errOut)
	}
	// Without its gorilla/sessions name binding: under another name, invalid.
	st, _, errOut = runCLI(t, t.TempDir(), "decode", "--name", "session", "--legacy-serializer", "json", "--legacy-hash-key", "hex:"+hex.EncodeToString(legacyHash), value)
	if st != exitFailure || !strings.Contains(errOut, "legacy cookie is invalid (authentication)") {
		t.Fatalf("another name: status %d: %s", st, errOut)
	}
}
