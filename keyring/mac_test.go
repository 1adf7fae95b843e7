package keyring_test

import (
	"bytes"
	"testing"

	"github.com/crumbhq/crumb/keyring"
)

func TestMAC(t *testing.T) {
	old, _ := keyring.NewKey(keyring.StatePrimary)
	r1, err := keyring.NewRing(old)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("session 1")
	mac := r1.MAC("csrf", msg)
	if len(mac) != keyring.MACSize || !r1.VerifyMAC("csrf", msg, mac) {
		t.Fatalf("a MAC does not verify: %x", mac)
	}
	if !bytes.Equal(mac, r1.MAC("csrf", msg)) {
		t.Fatal("MAC is not deterministic")
	}
	for name, bad := range map[string]func() bool{
		"another purpose": func() bool { return r1.VerifyMAC("other", msg, mac) },
		"another message": func() bool { return r1.VerifyMAC("csrf", []byte("session 2"), mac) },
		"a flipped bit":   func() bool { m := bytes.Clone(mac); m[10] ^= 1; return r1.VerifyMAC("csrf", msg, m) },
		"another key ID":  func() bool { m := bytes.Clone(mac); m[0] ^= 1; return r1.VerifyMAC("csrf", msg, m) },
		"truncated":       func() bool { return r1.VerifyMAC("csrf", msg, mac[:len(mac)-1]) },
		"empty":           func() bool { return r1.VerifyMAC("csrf", msg, nil) },
	} {
		if bad() {
			t.Errorf("%s verifies", name)
		}
	}
	// Rotation: the old key, now active, still verifies; new MACs use the
	// new primary; retired, it verifies nothing.
	next, _ := keyring.NewKey(keyring.StatePrimary)
	oldActive := old
	oldActive.State = keyring.StateActive
	r2, err := keyring.NewRing(next, oldActive)
	if err != nil {
		t.Fatal(err)
	}
	if !r2.VerifyMAC("csrf", msg, mac) || bytes.Equal(r2.MAC("csrf", msg)[:4], mac[:4]) {
		t.Fatal("rotation: the old MAC is refused, or new MACs still use the old key")
	}
	oldRetired := old
	oldRetired.State = keyring.StateRetired
	r3, err := keyring.NewRing(next, oldRetired)
	if err != nil {
		t.Fatal(err)
	}
	if r3.VerifyMAC("csrf", msg, mac) {
		t.Fatal("a retired key verifies")
	}
	// Another ring's keys verify nothing.
	other, _ := keyring.NewKey(keyring.StatePrimary)
	r4, _ := keyring.NewRing(other)
	if r4.VerifyMAC("csrf", msg, mac) {
		t.Fatal("another ring verifies")
	}
}
