package keyring

import (
	"context"
	"crypto/fips140"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

func TestNewRing(t *testing.T) {
	p := mustKey(t, 0x8f3a2c1d, StatePrimary, "p")
	a := mustKey(t, 0x0a0b0c0d, StateActive, "a")
	x := mustKey(t, 0x00000001, StateRetired, "x")
	r := mustRing(t, a, p, x)
	if r.Len() != 3 {
		t.Errorf("Len() = %d, want 3", r.Len())
	}
	if got := r.Primary(); got.ID != p.ID || got.State != StatePrimary {
		t.Errorf("Primary() = %v, want %v", got, p)
	}
	keys := r.Keys()
	for i, want := range []Key{a, p, x} {
		if keys[i].ID != want.ID || keys[i].State != want.State {
			t.Errorf("Keys()[%d] = %v, want %v (order kept)", i, keys[i], want)
		}
	}
	for _, want := range []Key{a, p, x} {
		got, ok := r.Key(want.ID)
		if !ok || got.ID != want.ID || got.State != want.State {
			t.Errorf("Key(%s) = %v, %v", FormatID(want.ID), got, ok)
		}
	}
	if _, ok := r.Key(0x12345678); ok {
		t.Error("Key(unknown) found a key")
	}
	if _, ok := r.Key(0); ok {
		t.Error("Key(0) found a key")
	}
	if r.Ring() != r {
		t.Error("Ring() is not the ring itself")
	}
	var src Source = r
	if src.Ring() != r {
		t.Error("a *Ring as Source does not return itself")
	}
}

func TestRingKeysIsACopy(t *testing.T) {
	r := mustRing(t, mustKey(t, 1, StatePrimary, "p"), mustKey(t, 2, StateActive, "a"))
	keys := r.Keys()
	keys[0].State = StateRetired
	keys[1].ID = 99
	if r.Primary().ID != 1 || r.Keys()[0].State != StatePrimary || r.Keys()[1].ID != 2 {
		t.Error("changing the slice from Keys() changed the ring")
	}
}

func TestRingSingleKey(t *testing.T) {
	r := mustRing(t, mustNewKey(t, StatePrimary))
	if r.Len() != 1 {
		t.Errorf("Len() = %d", r.Len())
	}
}

func TestNewRingErrors(t *testing.T) {
	p := mustKey(t, 0x8f3a2c1d, StatePrimary, "p")
	p2 := mustKey(t, 0x0a0b0c0d, StatePrimary, "p2")
	a := mustKey(t, 0x0a0b0c0d, StateActive, "a")
	a2 := mustKey(t, 0x11111111, StateActive, "a2")
	x := mustKey(t, 0x22222222, StateRetired, "x")
	zeroID := p
	zeroID.ID = 0
	badState := a2
	badState.State = 7
	zeroState := a2
	zeroState.State = 0
	dupOfP := mustKey(t, p.ID, StateActive, "other secret")
	tests := []struct {
		name string
		keys []Key
		want error
		msg  string
	}{
		{"none", nil, ErrNoKeys, "keyring: no keys"},
		{"no primary", []Key{a, a2}, ErrNoPrimary, "keyring: no primary key: 2 keys, none of them primary"},
		{"only retired", []Key{x}, ErrNoPrimary, ""},
		{"two primaries", []Key{p, a2, p2}, ErrMultiplePrimary, "keyring: more than one primary key: key 1 (id 8f3a2c1d) and key 3 (id 0a0b0c0d)"},
		{"duplicate id", []Key{p, a2, dupOfP}, ErrDuplicateID, "keyring: duplicate key id: keys 1 and 3 (id 8f3a2c1d)"},
		{"duplicate primary and active", []Key{a, p2}, ErrDuplicateID, ""},
		{"zero id", []Key{zeroID}, ErrBadKey, "keyring: bad key: key 1: id must not be zero"},
		{"bad state", []Key{p, badState}, ErrBadKey, "keyring: bad key: key 2 (id 11111111): invalid State(7)"},
		{"zero state", []Key{p, zeroState}, ErrBadKey, ""},
		{"literal key", []Key{{ID: 5, State: StatePrimary}}, ErrBadKey, "keyring: bad key: key 1 (id 00000005): no secret (make keys with NewKey, KeyFromSecret or KeyFromPassphrase)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewRing(tt.keys...)
			if !errors.Is(err, tt.want) || r != nil {
				t.Fatalf("NewRing = %v, %v; want nil, %v", r, err, tt.want)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("message = %q, want %q", err, tt.msg)
			}
			for _, k := range tt.keys {
				if k.secret != nil {
					assertNoSecret(t, "error", err.Error(), secretOf(k))
				}
			}
		})
	}
}

func TestRingString(t *testing.T) {
	r := mustRing(t, mustKey(t, 0x8f3a2c1d, StatePrimary, "p"), mustKey(t, 0x0a0b0c0d, StateActive, "a"))
	want := "keyring.Ring[8f3a2c1d primary, 0a0b0c0d active]"
	for _, format := range []string{"%v", "%s", "%d", "%x"} {
		if got := fmt.Sprintf(format, r); got != want {
			t.Errorf("Sprintf(%q) = %q, want %q", format, got, want)
		}
	}
	if got := fmt.Sprintf("%q", r); got != `"`+want+`"` {
		t.Errorf("%%q = %s", got)
	}
	wantDetail := "&keyring.Ring{Keys: [keyring.Key{ID: 8f3a2c1d, State: primary, Secret: <redacted>}, keyring.Key{ID: 0a0b0c0d, State: active, Secret: <redacted>}]}"
	for _, format := range []string{"%+v", "%#v"} {
		if got := fmt.Sprintf(format, r); got != wantDetail {
			t.Errorf("Sprintf(%q) = %q, want %q", format, got, wantDetail)
		}
	}
	var nilRing *Ring
	if got := fmt.Sprint(nilRing); got != "<nil>" {
		t.Errorf("nil ring prints %q", got)
	}
	if got := fmt.Sprintf("%+v", nilRing); got != "(*keyring.Ring)(nil)" {
		t.Errorf("nil ring %%+v prints %q", got)
	}
	if got := nilRing.LogValue().String(); got != "<nil>" {
		t.Errorf("nil ring logs %q", got)
	}
}

// fipsChildEnv marks the child process of TestNewRingFIPSOnly.
const fipsChildEnv = "CRUMB_KEYRING_TEST_FIPS_CHILD"

// fipsChildOK is printed by the child when every check passed.
const fipsChildOK = "crumb-keyring-fips-child-ok"

func TestNewRingFIPSOnly(t *testing.T) {
	if os.Getenv(fipsChildEnv) == "1" {
		fipsChild(t)
		return
	}
	if fips140.Enforced() {
		t.Skip("already in FIPS 140-only mode; the child would be the same process")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // the child cannot hang the suite
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestNewRingFIPSOnly$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "GODEBUG=fips140=only", fipsChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), fipsChildOK) {
		t.Fatalf("child in FIPS 140-only mode failed: %v\n%s", err, out)
	}
}

// fipsChild runs in a process started with GODEBUG=fips140=only.
func fipsChild(t *testing.T) {
	if !fips140.Enforced() {
		t.Fatal("GODEBUG=fips140=only did not enforce FIPS 140-only mode")
	}
	// The reason for the check: x/crypto refuses the cipher in this mode.
	if _, err := chacha20poly1305.NewX(make([]byte, 32)); err == nil {
		t.Fatal("chacha20poly1305.NewX works in FIPS 140-only mode; the check may be obsolete")
	}
	k, err := NewKey(StatePrimary)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRing(k)
	if !errors.Is(err, ErrFIPS) || r != nil {
		t.Fatalf("NewRing = %v, %v; want ErrFIPS", r, err)
	}
	for _, want := range []string{"FIPS 140-only", "GODEBUG=fips140=only", "XChaCha20-Poly1305", "format v1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	doc := `{"crumb_keyring":1,"keys":[{"id":"0a0b0c0d","state":"primary","secret":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}]}`
	if _, err := Unmarshal([]byte(doc)); !errors.Is(err, ErrFIPS) || errors.Is(err, ErrBadFile) {
		t.Errorf("Unmarshal error = %v, want ErrFIPS and not ErrBadFile", err)
	}
	if _, err := ParseEnv("0a0b0c0d:primary:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"); !errors.Is(err, ErrFIPS) {
		t.Errorf("ParseEnv error = %v, want ErrFIPS", err)
	}
	if !t.Failed() {
		fmt.Println(fipsChildOK)
	}
}

func TestNewRingMaxKeys(t *testing.T) {
	keys := make([]Key, MaxKeys+1)
	for i := range keys {
		keys[i] = mustNewKey(t, StateActive)
		keys[i].ID = uint32(i + 1)
	}
	keys[0].State = StatePrimary
	if _, err := NewRing(keys...); !errors.Is(err, ErrBadKey) {
		t.Fatalf("%d keys: %v", len(keys), err)
	}
	if _, err := NewRing(keys[:MaxKeys]...); err != nil {
		t.Fatalf("%d keys: %v", MaxKeys, err)
	}
}
