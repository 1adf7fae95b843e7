package keyring

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

const secretB = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"

func TestParseEnvCompact(t *testing.T) {
	for _, value := range []string{
		"0a0b0c0d:primary:" + goodSecret + ",8f3a2c1d:active:" + secretB,
		"0a0b0c0d:primary:" + goodSecret + " 8f3a2c1d:active:" + secretB,
		"  0a0b0c0d:primary:" + goodSecret + ",\n\t8f3a2c1d:active:" + secretB + "\n",
		"0a0b0c0d:primary:" + goodSecret + ",,8f3a2c1d:active:" + secretB + ",",
	} {
		r, err := ParseEnv(value)
		if err != nil {
			t.Fatalf("ParseEnv(%q) = %v", value, err)
		}
		keys := r.Keys()
		if len(keys) != 2 || keys[0].ID != 0x0a0b0c0d || keys[0].State != StatePrimary || keys[1].ID != 0x8f3a2c1d || keys[1].State != StateActive {
			t.Errorf("ParseEnv(%q) = %v", value, r)
		}
		if string(keys[1].secret()[:]) != string(seq(32)) {
			t.Error("wrong secret")
		}
	}
}

func TestParseEnvJSON(t *testing.T) {
	r, err := ParseEnv("\n  " + docExample)
	if err != nil {
		t.Fatal(err)
	}
	if r.Primary().ID != 0x0a0b0c0d || r.Len() != 2 || r.Keys()[1].Demoted.IsZero() {
		t.Errorf("ParseEnv(JSON) = %+v", r)
	}
	if _, err := ParseEnv(`{"crumb_keyring": 1}`); !errors.Is(err, ErrBadFile) {
		t.Errorf("ParseEnv(bad JSON) = %v", err)
	}
}

func TestFormatEnvRoundTrip(t *testing.T) {
	r := mustRing(t, mustNewKey(t, StateActive), mustNewKey(t, StatePrimary), mustNewKey(t, StateRetired))
	s := FormatEnv(r)
	if strings.Count(s, ",") != 2 || strings.ContainsAny(s, " \n=") {
		t.Errorf("FormatEnv = %q", s)
	}
	r2, err := ParseEnv(s)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range r.Keys() {
		k2 := r2.Keys()[i]
		if k.ID != k2.ID || k.State != k2.State || *k.secret() != *k2.secret() {
			t.Errorf("key %d: %v became %v", i, k, k2)
		}
	}
	if FormatEnv(r2) != s {
		t.Error("FormatEnv(ParseEnv(s)) != s")
	}
	want := "0a0b0c0d:primary:" + goodSecret + ",8f3a2c1d:active:" + secretB
	r3, _ := ParseEnv(want)
	if got := FormatEnv(r3); got != want {
		t.Errorf("FormatEnv = %q, want %q", got, want)
	}
}

func TestParseEnvErrors(t *testing.T) {
	misplaced := base64.RawURLEncoding.EncodeToString(testSecret("env"))
	tests := []struct {
		name, value string
		want        error
		msg         string
	}{
		{"empty", "", ErrNoKeys, "no keys"},
		{"separators only", " , ,\n", ErrNoKeys, "no keys"},
		{"two parts", "0a0b0c0d:" + goodSecret, nil, "entry 1: want id:state:secret, got 2 colon-separated parts"},
		{"four parts", "0a0b0c0d:primary:" + goodSecret + ":x", nil, "got 4 colon-separated parts"},
		{"swapped order", misplaced + ":primary:0a0b0c0d", ErrBadKey, "entry 1: key id must be 8 lower-case hex digits"},
		{"secret as state", "0a0b0c0d:" + misplaced + ":" + goodSecret, ErrBadKey, "entry 1 (id 0a0b0c0d): unknown state"},
		{"bad secret", "0a0b0c0d:primary:" + goodSecret + "," + "8f3a2c1d:active:" + secretB[:40], ErrBadKey, "entry 2 (id 8f3a2c1d): secret must decode to 32 bytes"},
		{"padded secret", "0a0b0c0d:primary:" + goodSecret + "=", ErrBadKey, "secret is not base64url without padding"},
		{"no primary", "0a0b0c0d:active:" + goodSecret, ErrNoPrimary, "no primary key"},
		{"duplicate", "0a0b0c0d:primary:" + goodSecret + ",0a0b0c0d:active:" + secretB, ErrDuplicateID, "keys 1 and 2 (id 0a0b0c0d)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseEnv(tt.value)
			if err == nil || r != nil {
				t.Fatalf("ParseEnv accepted it: %v", r)
			}
			if !errors.Is(err, ErrBadFile) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("error %v does not wrap ErrBadFile and %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
			for _, s := range []string{goodSecret, secretB, secretB[:40], misplaced} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q contains a secret", err)
				}
			}
		})
	}
}

func TestLoadEnv(t *testing.T) {
	const name = "CRUMB_KEYRING_TEST_LOADENV"
	if _, err := LoadEnv(name); !errors.Is(err, ErrNoKeys) || !strings.Contains(err.Error(), name+" is not set") {
		t.Errorf("LoadEnv(unset) = %v", err)
	}
	t.Setenv(name, "  ")
	if _, err := LoadEnv(name); !errors.Is(err, ErrNoKeys) || !strings.Contains(err.Error(), name+" is empty") {
		t.Errorf("LoadEnv(empty) = %v", err)
	}
	t.Setenv(name, "0a0b0c0d:primary:"+goodSecret)
	r, err := LoadEnv(name)
	if err != nil || r.Primary().ID != 0x0a0b0c0d {
		t.Errorf("LoadEnv = %v, %v", r, err)
	}
	t.Setenv(name, "0a0b0c0d:active:"+goodSecret)
	_, err = LoadEnv(name)
	if want := "keyring: $" + name + ": malformed keyring: no primary key: 1 keys, none of them primary"; err == nil || err.Error() != want {
		t.Errorf("LoadEnv(no primary) = %v, want %q", err, want)
	}
	if !errors.Is(err, ErrNoPrimary) || !errors.Is(err, ErrBadFile) {
		t.Errorf("LoadEnv error lost its sentinels: %v", err)
	}
	if EnvVar != "CRUMB_KEYRING" {
		t.Errorf("EnvVar = %q", EnvVar)
	}
}

func FuzzParseEnv(f *testing.F) {
	f.Add("0a0b0c0d:primary:" + goodSecret + ",8f3a2c1d:active:" + secretB)
	f.Add("0a0b0c0d:primary:" + goodSecret)
	f.Add(docExample)
	f.Add(" , ")
	f.Add("a:b:c")
	f.Fuzz(func(t *testing.T, value string) {
		r, err := ParseEnv(value)
		if err != nil {
			if !errors.Is(err, ErrBadFile) || r != nil {
				t.Fatalf("ParseEnv = %v, %v", r, err)
			}
			return
		}
		r2, err := ParseEnv(FormatEnv(r))
		if err != nil {
			t.Fatalf("ParseEnv(FormatEnv(r)) = %v", err)
		}
		if FormatEnv(r2) != FormatEnv(r) {
			t.Fatal("FormatEnv is not a fixed point")
		}
	})
}

func TestParseEnvSizeCap(t *testing.T) {
	if _, err := ParseEnv(strings.Repeat(" ", maxFileSize+1)); !errors.Is(err, ErrBadFile) {
		t.Fatalf("oversized value: %v", err)
	}
}
