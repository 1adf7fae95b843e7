package keyring

import (
	"errors"
	"strings"
	"testing"
	"unicode"
)

func TestSentinelMessages(t *testing.T) {
	for _, err := range []error{
		ErrInvalid, ErrNoKeys, ErrNoPrimary, ErrMultiplePrimary, ErrDuplicateID,
		ErrBadKey, ErrBadFile, ErrFIPS, ErrWeakPassphrase,
	} {
		msg := err.Error()
		rest, ok := strings.CutPrefix(msg, "keyring: ")
		// ErrFIPS starts with the proper noun XChaCha20-Poly1305.
		if !ok || rest == "" || (err != ErrFIPS && unicode.IsUpper(rune(rest[0]))) || strings.HasSuffix(msg, ".") {
			t.Errorf("sentinel %q: want a lower-case message prefixed with \"keyring: \" and no final period", msg)
		}
	}
}

func TestSentinelsDistinct(t *testing.T) {
	all := []error{ErrInvalid, ErrNoKeys, ErrNoPrimary, ErrMultiplePrimary, ErrDuplicateID, ErrBadKey, ErrBadFile, ErrFIPS, ErrWeakPassphrase}
	for i, a := range all {
		for j, b := range all {
			if i != j && errors.Is(a, b) {
				t.Errorf("%v matches %v", a, b)
			}
		}
	}
}

func TestBadFile(t *testing.T) {
	err := badFile(ErrNoPrimary)
	if !errors.Is(err, ErrBadFile) || !errors.Is(err, ErrNoPrimary) {
		t.Errorf("badFile(ErrNoPrimary) = %v, does not match both sentinels", err)
	}
	if got, want := err.Error(), "keyring: malformed keyring: no primary key"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	if again := badFile(err); again != err {
		t.Errorf("badFile wrapped twice: %v", again)
	}
}

func TestWithPath(t *testing.T) {
	err := withPath("/etc/k.json", badFile(ErrNoPrimary))
	if got, want := err.Error(), "keyring: /etc/k.json: malformed keyring: no primary key"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	if !errors.Is(err, ErrBadFile) || !errors.Is(err, ErrNoPrimary) {
		t.Errorf("withPath lost a sentinel: %v", err)
	}
}
