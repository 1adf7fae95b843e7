package token_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/token"
	"github.com/crumbhq/crumb/internal/vectors"
	"github.com/crumbhq/crumb/keyring"
	"golang.org/x/crypto/chacha20poly1305"
)

func loadVectors(t testing.TB) []*vectors.Vector {
	vs, err := vectors.Load(vectorDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Fatal("no vectors: the fuzz seed set would be empty")
	}
	return vs
}

// FuzzOpen feeds the whole read pipeline arbitrary strings, seeded with every
// committed vector's token and read with the vectors' keyring. It must never
// panic, must fail only with the four classes, and anything it accepts must
// be canonical: the token re-encodes to the same string and the claims
// re-encode to the same bytes.
func FuzzOpen(f *testing.F) {
	vs := loadVectors(f)
	for _, v := range vs {
		f.Add(v.Token)
	}
	var base *vectors.Vector
	for _, v := range vs {
		if v.Name == "success-plain" {
			base = v
		}
	}
	p := vectorEnv(f, base)
	p.Revoked = nil
	f.Fuzz(func(t *testing.T, tok string) {
		var o token.Opened
		_, err := token.Open(tok, p, &o)
		if err != nil {
			if !errors.Is(err, token.ErrInvalid) && !errors.Is(err, token.ErrExpired) && !errors.Is(err, token.ErrTooLarge) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		env, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || base64.RawURLEncoding.EncodeToString(env) != tok {
			t.Fatalf("accepted a non-canonical token %q", tok)
		}
	})
}

// FuzzClaims seals arbitrary plaintexts with a real key and opens them: the
// authenticated parser must never panic, and any plaintext it accepts must
// hold canonical claims (AppendClaims of the parsed claims reproduces them
// byte for byte) — so no two plaintexts mean the same session. Seeded with
// the plaintext of every committed vector that opens.
func FuzzClaims(f *testing.F) {
	seeds := 0
	for _, v := range loadVectors(f) {
		for _, k := range v.Keys {
			aead, _ := chacha20poly1305.NewX(k.Secret[:])
			env, err := base64.RawURLEncoding.Strict().DecodeString(v.Token)
			if err != nil || len(env) < 45 {
				continue
			}
			ad := append(append([]byte(nil), env[:29]...), v.Purpose...)
			if pt, err := aead.Open(nil, env[5:29], env[29:], ad); err == nil {
				f.Add(pt)
				seeds++
			}
		}
	}
	if seeds < 20 {
		f.Fatalf("only %d plaintext seeds", seeds)
	}
	r, _ := newRing(f, keyring.StatePrimary)
	cd := newCodec(f, codec.Options{})
	p := params(r, cd)
	f.Fuzz(func(t *testing.T, pt []byte) {
		var c token.Claims
		body, ok := token.ParseClaims(pt, &c)
		if !ok {
			return
		}
		canon := token.AppendClaims(nil, &c)
		if !bytes.Equal(canon, pt[:len(pt)-len(body)]) {
			t.Fatalf("non-canonical claims accepted:\n got  %x\n want %x", pt[:len(pt)-len(body)], canon)
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("parsed claims fail Validate: %v", err)
		}
		// Through the full pipeline, sealed for real: parse must agree.
		tok := base64.RawURLEncoding.EncodeToString(r.Seal(nil, pt, purpose))
		var o token.Opened
		if err := token.Unseal(r, purpose, tok, 1<<20, &o); err != nil {
			t.Fatalf("Unseal rejects what ParseClaims accepts: %v", err)
		}
		if !bytes.Equal(o.Body, body) || o.SessionID != c.SessionID || o.Created != c.Created {
			t.Fatal("Unseal and ParseClaims disagree")
		}
		token.CheckTime(&o.Claims, p.Now, p.Skew)
		token.DecodeBody(cd, &o)
	})
}
