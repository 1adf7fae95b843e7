package token_test

import (
	"errors"
	"testing"

	"github.com/crumbhq/crumb/internal/token"
)

func TestErrorClasses(t *testing.T) {
	// Seed 004 semantics: expired and revoked also mean "not found".
	for _, err := range []error{token.ErrExpired, token.ErrRevoked} {
		if !errors.Is(err, token.ErrNotFound) {
			t.Errorf("%v does not match ErrNotFound", err)
		}
	}
	for _, err := range []error{token.ErrInvalid, token.ErrTooLarge} {
		if errors.Is(err, token.ErrNotFound) {
			t.Errorf("%v matches ErrNotFound", err)
		}
	}
	for r := token.ReasonEncoding; r.Class() != nil; r++ {
		name := r.String()
		back, ok := token.ParseReason(name)
		if !ok || back != r || name == "unknown reason" {
			t.Errorf("reason %d: name %q does not round-trip", r, name)
		}
	}
	if _, ok := token.ParseReason("nonsense"); ok {
		t.Error("ParseReason accepted nonsense")
	}
	if token.ReasonOf(errors.New("other")) != token.ReasonNone || token.ReasonNone.Class() != nil {
		t.Error("ReasonNone handling")
	}
}
