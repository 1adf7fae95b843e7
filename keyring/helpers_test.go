package keyring

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// testSecret returns a fixed, high-entropy 32-byte secret for label.
func testSecret(label string) []byte {
	s := sha256.Sum256([]byte("crumb keyring test secret: " + label))
	return s[:]
}

// mustKey returns KeyFromSecret(id, state, testSecret(label)) or fails t.
func mustKey(t testing.TB, id uint32, state State, label string) Key {
	t.Helper()
	k, err := KeyFromSecret(id, state, testSecret(label))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// mustNewKey returns NewKey(state) or fails t.
func mustNewKey(t testing.TB, state State) Key {
	t.Helper()
	k, err := NewKey(state)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// mustRing returns NewRing(keys...) or fails t.
func mustRing(t testing.TB, keys ...Key) *Ring {
	t.Helper()
	r, err := NewRing(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// secretForms returns the ways a secret could show up in text: raw,
// hex, base64 (all four alphabets/paddings), fmt's decimal and Go-syntax
// dumps, and every 8-byte window in hex, so that partial leaks are caught too.
func secretForms(secret []byte) map[string]string {
	forms := map[string]string{
		"raw":          string(secret),
		"hex":          hex.EncodeToString(secret),
		"HEX":          strings.ToUpper(hex.EncodeToString(secret)),
		"spaced hex":   fmt.Sprintf("% x", secret),
		"std base64":   base64.StdEncoding.EncodeToString(secret),
		"url base64":   base64.URLEncoding.EncodeToString(secret),
		"raw std b64":  base64.RawStdEncoding.EncodeToString(secret),
		"raw url b64":  base64.RawURLEncoding.EncodeToString(secret),
		"decimal dump": strings.Trim(fmt.Sprint(secret), "[]"),
		"go syntax":    strings.TrimSuffix(strings.TrimPrefix(fmt.Sprintf("%#v", secret), "[]byte{"), "}"),
	}
	for i := 0; i+8 <= len(secret); i++ {
		forms[fmt.Sprintf("hex window %d", i)] = hex.EncodeToString(secret[i : i+8])
		forms[fmt.Sprintf("HEX window %d", i)] = strings.ToUpper(hex.EncodeToString(secret[i : i+8]))
	}
	// 24-byte aligned windows of base64 (every 3 bytes start a new group).
	for i := 0; i+12 <= len(secret); i += 3 {
		forms[fmt.Sprintf("b64 window %d", i)] = base64.RawURLEncoding.EncodeToString(secret[i : i+12])
		forms[fmt.Sprintf("std b64 window %d", i)] = base64.RawStdEncoding.EncodeToString(secret[i : i+12])
	}
	return forms
}

// assertNoSecret fails t if out contains any form of any of the secrets.
func assertNoSecret(t testing.TB, what, out string, secrets ...[]byte) {
	t.Helper()
	for _, s := range secrets {
		for name, form := range secretForms(s) {
			if strings.Contains(out, form) {
				t.Errorf("%s leaks the secret (%s): %q", what, name, out)
				return
			}
		}
	}
}

// secretOf returns a copy of k's secret, for leak checks.
func secretOf(k Key) []byte {
	return append([]byte(nil), k.secret()[:]...)
}

// discardLogger returns a logger that drops everything.
func discardLogger() *slog.Logger {
	return slog.New(slog.DiscardHandler)
}
