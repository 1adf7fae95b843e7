package inspect_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/inspect"
	"github.com/crumbhq/crumb/keyring"
)

func TestParseHeader(t *testing.T) {
	ring := newRing(t)
	s := newStore(t, cookie.Options{Keys: ring})
	tok := mustCreate(t, s, cookie.CreateOptions{Subject: "ann"})
	h, err := inspect.ParseHeader(tok, 0)
	if err != nil {
		t.Fatal(err)
	}
	if h.Version != inspect.FormatVersion || h.KeyID != ring.Primary().ID || h.Length != len(tok) ||
		h.Size != len(tok)*3/4 || h.Ciphertext != h.Size-inspect.HeaderSize-inspect.TagSize ||
		len(h.Nonce) != inspect.NonceSize || len(h.Tag) != inspect.TagSize {
		t.Fatalf("header %+v of a %d-character token", h, len(tok))
	}
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	raw[0] = 2
	v2 := base64.RawURLEncoding.EncodeToString(raw)
	for name, c := range map[string]struct {
		tok  string
		max  int
		want error
	}{
		"short":        {tok[:inspect.MinTokenLen-1], 0, cookie.ErrInvalid},
		"padded":       {tok + "=", 0, cookie.ErrInvalid},
		"standard b64": {strings.NewReplacer("-", "+", "_", "/").Replace(tok) + "+", 0, cookie.ErrInvalid},
		"a newline":    {tok[:50] + "\n" + tok[50:], 0, cookie.ErrInvalid},
		"over the cap": {tok, len(tok) - 1, cookie.ErrTooLarge},
		"version 2":    {v2, 0, cookie.ErrInvalid},
	} {
		h, err := inspect.ParseHeader(c.tok, c.max)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
		if name == "version 2" && (h.Version != 2 || h.KeyID != ring.Primary().ID) {
			t.Errorf("another version: header %+v, want its version and key ID", h)
		}
	}
}

func TestReasonOf(t *testing.T) {
	s := newStore(t, cookie.Options{})
	tok := mustCreate(t, s, cookie.CreateOptions{Subject: "ann"})
	b := []byte(tok)
	b[60] ^= 1
	_, err := s.Read(ctx, string(b))
	if r := inspect.ReasonOf(err); r != inspect.ReasonAuth && r != inspect.ReasonEncoding {
		t.Fatalf("a changed token: reason %v (%v)", r, err)
	}
	other := newStore(t, cookie.Options{})
	if _, err := other.Read(ctx, tok); inspect.ReasonOf(err) != inspect.ReasonUnknownKey {
		t.Fatalf("another keyring: reason %v", inspect.ReasonOf(err))
	}
	if err := s.Delete(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(ctx, tok); inspect.ReasonOf(err) != inspect.ReasonRevoked {
		t.Fatalf("after logout: reason %v", inspect.ReasonOf(err))
	}
	if inspect.ReasonOf(errors.New("other")) != inspect.ReasonNone {
		t.Fatal("an unrelated error has a reason")
	}
}

// ExampleParseHeader reads what anyone holding a token can see without the
// keys; the claims and data stay sealed.
func ExampleParseHeader() {
	key, _ := keyring.KeyFromSecret(0x8f3a2c1d, keyring.StatePrimary, make([]byte, keyring.SecretSize))
	ring, _ := keyring.NewRing(key)
	store, _ := cookie.New(cookie.Options{Keys: ring})
	defer store.Close()
	tok, _ := store.Create(ctx, cookie.CreateOptions{Subject: "ann"})

	h, err := inspect.ParseHeader(tok, 0)
	if err != nil {
		panic(err)
	}
	fmt.Println(h.Version, keyring.FormatID(h.KeyID), len(h.Nonce), len(h.Tag))
	// Output: 1 8f3a2c1d 24 16
}
