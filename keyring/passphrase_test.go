package keyring

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// Known answers for KeyFromPassphrase, computed once with this package and
// checked independently (Python hmac/hashlib, RFC 5869 by hand). If these
// change, every deployment configured by passphrase gets new keys.
var passphraseVectors = []struct {
	passphrase string
	id         uint32
	secret     string // hex
}{
	{"crumb known-answer test passphrase: 0123456789abcdef", 0x09a4383d, "2ddf41f3f017e4669e64702e133e08e57a64b8014076965024f30cb7dceaf95b"},
	{strings.Repeat("x", 32), 0x672f9ffd, "708b35087d36aac9eb82c7692a87616b33afa204a3cb100eca9035f443f16bcd"},
}

func TestKeyFromPassphraseKnownAnswers(t *testing.T) {
	for _, v := range passphraseVectors {
		k, err := KeyFromPassphrase(v.passphrase, StatePrimary)
		if err != nil {
			t.Fatal(err)
		}
		if k.ID != v.id || hex.EncodeToString(k.secret()[:]) != v.secret {
			t.Errorf("KeyFromPassphrase(%q) = id %s, secret %x; want %s, %s", v.passphrase, FormatID(k.ID), k.secret()[:], FormatID(v.id), v.secret)
		}
		if k.State != StatePrimary || !k.Created.IsZero() || !k.Promoted.IsZero() {
			t.Errorf("KeyFromPassphrase set state %v and times %v %v", k.State, k.Created, k.Promoted)
		}
	}
}

// rfc5869 computes HKDF-SHA256 directly from RFC 5869 with crypto/hmac, as an
// independent check of the crypto/hkdf calls.
func rfc5869(secret, salt, info []byte, n int) []byte {
	ext := hmac.New(sha256.New, salt)
	ext.Write(secret)
	prk := ext.Sum(nil)
	var out, block []byte
	for i := byte(1); len(out) < n; i++ {
		m := hmac.New(sha256.New, prk)
		m.Write(block)
		m.Write(info)
		m.Write([]byte{i})
		block = m.Sum(nil)
		out = append(out, block...)
	}
	return out[:n]
}

func TestKeyFromPassphraseMatchesRFC5869(t *testing.T) {
	for _, p := range []string{
		passphraseVectors[0].passphrase,
		"0123456789abcdef0123456789abcdef",
		"n3Q0Vh0m7b6Qq1pV1c2mKk3u3fWzY1dH9Qq1pV1c2mK=", // openssl rand -base64 32 style
		strings.Repeat("long-passphrase-", 64),
	} {
		k, err := KeyFromPassphrase(p, StateActive)
		if err != nil {
			t.Fatal(err)
		}
		id := binary.BigEndian.Uint32(rfc5869([]byte(p), []byte("crumb keyring v1"), []byte("crumb v1 key id"), 4))
		if id == 0 {
			id = 1
		}
		secret := rfc5869([]byte(p), []byte("crumb keyring v1"), []byte("crumb v1 key secret"), 32)
		if k.ID != id || !bytes.Equal(k.secret()[:], secret) {
			t.Errorf("passphrase %q: KeyFromPassphrase disagrees with RFC 5869", p)
		}
	}
}

func TestKeyFromPassphraseDeterministic(t *testing.T) {
	p := passphraseVectors[0].passphrase
	a, _ := KeyFromPassphrase(p, StatePrimary)
	b, _ := KeyFromPassphrase(p, StateActive)
	if a.ID != b.ID || *a.secret() != *b.secret() {
		t.Error("the same passphrase derived different keys")
	}
	// Two nodes agree: a token sealed on one opens on the other.
	env := mustRing(t, a).Seal(nil, []byte("x"), "p")
	if _, _, err := mustRing(t, a).Open(nil, env, "p"); err != nil {
		t.Error(err)
	}
	c, _ := KeyFromPassphrase(p+"!", StatePrimary)
	if c.ID == a.ID || *c.secret() == *a.secret() {
		t.Error("different passphrases derived the same ID or secret")
	}
}

func TestKeyFromPassphraseRefusals(t *testing.T) {
	for _, p := range []string{"", "Zq9!xK", strings.Repeat("a", MinPassphraseLen-1)} {
		if _, err := KeyFromPassphrase(p, StatePrimary); !errors.Is(err, ErrWeakPassphrase) {
			t.Errorf("KeyFromPassphrase(%d bytes) = %v, want ErrWeakPassphrase", len(p), err)
		} else if p != "" && strings.Contains(err.Error(), p) {
			t.Errorf("error %q contains the passphrase", err)
		}
	}
	ok := strings.Repeat("k", MinPassphraseLen)
	if _, err := KeyFromPassphrase(ok, StatePrimary); err != nil {
		t.Errorf("KeyFromPassphrase(%d bytes) = %v", len(ok), err)
	}
	for _, p := range []string{ok + "\n", " " + ok, ok + "\r\n", "\t" + ok} {
		_, err := KeyFromPassphrase(p, StatePrimary)
		if !errors.Is(err, ErrBadKey) || !strings.Contains(err.Error(), "white space") {
			t.Errorf("KeyFromPassphrase(%q) = %v, want ErrBadKey about white space", p, err)
		}
		if strings.Contains(err.Error(), ok) {
			t.Errorf("error %q contains the passphrase", err)
		}
	}
	if _, err := KeyFromPassphrase(ok, 0); !errors.Is(err, ErrBadKey) {
		t.Errorf("KeyFromPassphrase(state 0) = %v, want ErrBadKey", err)
	}
}
