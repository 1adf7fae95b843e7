package envelope_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/crumbhq/crumb/internal/envelope"
	"golang.org/x/crypto/chacha20poly1305"
)

func aead(t testing.TB) (k []byte) {
	k = make([]byte, 32)
	rand.Read(k)
	return k
}

func TestLayoutAndAssociatedData(t *testing.T) {
	key := aead(t)
	a, _ := chacha20poly1305.NewX(key)
	nonce := bytes.Repeat([]byte{7}, envelope.NonceSize)
	pt := []byte("hello")
	env := envelope.Seal([]byte("prefix"), a, 0x01020304, nonce, pt, "session")
	env = env[len("prefix"):]

	want := append([]byte{0x01, 0x01, 0x02, 0x03, 0x04}, nonce...)
	if !bytes.Equal(env[:envelope.HeaderSize], want) {
		t.Fatalf("header %x, want %x", env[:envelope.HeaderSize], want)
	}
	if len(env) != envelope.Overhead+len(pt) {
		t.Fatalf("length %d", len(env))
	}
	// SPEC.md: ad = header || purpose. Open by hand with exactly that.
	got, err := a.Open(nil, nonce, env[envelope.HeaderSize:], append(append([]byte(nil), want...), "session"...))
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("manual open with header||purpose: %v", err)
	}
	v, id, ok := envelope.ParseHeader(env)
	if !ok || v != envelope.Version || id != 0x01020304 {
		t.Fatalf("ParseHeader: %d %x %v", v, id, ok)
	}
}

func TestInPlace(t *testing.T) {
	a, _ := chacha20poly1305.NewX(aead(t))
	nonce := make([]byte, envelope.NonceSize)
	rand.Read(nonce)
	msg := []byte("in-place plaintext of some length")
	buf := make([]byte, envelope.HeaderSize+len(msg), envelope.Overhead+len(msg))
	copy(buf[envelope.HeaderSize:], msg)
	env := envelope.Seal(buf[:0], a, 9, nonce, buf[envelope.HeaderSize:], "p")
	if &env[0] != &buf[0] {
		t.Fatal("Seal did not use dst's storage")
	}
	pt, err := envelope.Open(env[envelope.HeaderSize:envelope.HeaderSize], a, env, "p")
	if err != nil || !bytes.Equal(pt, msg) || &pt[0] != &env[envelope.HeaderSize] {
		t.Fatalf("in-place open: %v", err)
	}
}

func TestOpenRejects(t *testing.T) {
	a, _ := chacha20poly1305.NewX(aead(t))
	nonce := make([]byte, envelope.NonceSize)
	env := envelope.Seal(nil, a, 1, nonce, []byte("x"), "p")
	cases := map[string][]byte{
		"short":   env[:envelope.Overhead-1],
		"version": append([]byte{2}, env[1:]...),
		"empty":   nil,
	}
	for name, b := range cases {
		if _, err := envelope.Open(nil, a, b, "p"); !errors.Is(err, envelope.ErrOpen) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := envelope.Open(nil, a, env, "q"); !errors.Is(err, envelope.ErrOpen) {
		t.Error("wrong purpose opened")
	}
	if _, err := envelope.Open(nil, a, env, strings.Repeat("p", envelope.MaxPurposeLen+1)); !errors.Is(err, envelope.ErrOpen) {
		t.Error("overlong purpose opened")
	}
	if _, _, ok := envelope.ParseHeader(env[:10]); ok {
		t.Error("ParseHeader accepted a short envelope")
	}
}

func TestSealMisusePanics(t *testing.T) {
	a, _ := chacha20poly1305.NewX(aead(t))
	for name, f := range map[string]func(){
		"nonce":   func() { envelope.Seal(nil, a, 1, make([]byte, 12), nil, "p") },
		"purpose": func() { envelope.Seal(nil, a, 1, make([]byte, 24), nil, strings.Repeat("p", 256)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
