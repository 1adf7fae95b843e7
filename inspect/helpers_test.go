package inspect_test

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
