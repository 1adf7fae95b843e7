package cookie_test

import (
	"context"
	"testing"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
)

var ctx = context.Background()

func newRing(t testing.TB) *keyring.Ring {
	t.Helper()
	k, err := keyring.NewKey(keyring.StatePrimary)
	if err != nil {
		t.Fatal(err)
	}
	r, err := keyring.NewRing(k)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// newStore returns a store with a fresh ring and its own in-memory
// revocation set, closed when the test ends.
func newStore(t testing.TB, o cookie.Options) *cookie.Store {
	t.Helper()
	if o.Keys == nil {
		o.Keys = newRing(t)
	}
	s, err := cookie.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustCreate(t testing.TB, s *cookie.Store, o cookie.CreateOptions) string {
	t.Helper()
	tok, err := s.Create(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func mustRead(t testing.TB, s *cookie.Store, tok string) *cookie.Record {
	t.Helper()
	r, err := s.Read(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tamper returns tok with one character in the middle replaced by a
// different base64url character: always a different, still well-formed
// token string.
func tamper(tok string) string {
	i := len(tok) / 2
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}
