package keyring_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/crumbhq/crumb/keyring"
)

// A ring with one freshly generated key seals and opens a session.
func ExampleNewRing() {
	k, err := keyring.NewKey(keyring.StatePrimary)
	if err != nil {
		log.Fatal(err)
	}
	ring, err := keyring.NewRing(k)
	if err != nil {
		log.Fatal(err)
	}

	// The purpose binds the envelope to its use, here the cookie name.
	env := ring.Seal(nil, []byte(`{"user":"ada"}`), "__Host-session")
	fmt.Println("envelope bytes:", len(env))

	plaintext, opened, err := ring.Open(nil, env, "__Host-session")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s primary=%v\n", plaintext, opened.Primary)

	_, _, err = ring.Open(nil, env, "__Host-other")
	fmt.Println(err)
	// Output:
	// envelope bytes: 59
	// {"user":"ada"} primary=true
	// keyring: invalid token envelope
}

// Two-phase rotation: add the new key as active everywhere, promote it, and
// retire the old key only after the maximum session lifetime.
func Example_rotation() {
	old, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(old)
	token := ring.Seal(nil, []byte("session"), "sid")

	// Phase 1: the new key joins every node as active. The old key still seals.
	next, _ := keyring.NewKey(keyring.StateActive)
	ring, _ = keyring.NewRing(old, next)
	fmt.Println("phase 1: the old key still seals:", ring.Primary().ID == old.ID)

	// Phase 2: promote the new key; the old primary becomes active.
	now := time.Now().UTC()
	old.State, old.Demoted = keyring.StateActive, now
	next.State, next.Promoted = keyring.StatePrimary, now
	ring, _ = keyring.NewRing(old, next)
	_, opened, err := ring.Open(nil, token, "sid")
	fmt.Println("phase 2: old token opens:", err == nil, "under the primary:", opened.Primary)

	// Phase 3, after the maximum session lifetime: retire the old key.
	old.State = keyring.StateRetired
	ring, _ = keyring.NewRing(old, next)
	_, _, err = ring.Open(nil, token, "sid")
	fmt.Println("phase 3: old token rejected:", errors.Is(err, keyring.ErrInvalid))
	// Output:
	// phase 1: the old key still seals: true
	// phase 2: old token opens: true under the primary: false
	// phase 3: old token rejected: true
}

// Printing a key shows its ID and state, never its secret, whatever the verb.
func ExampleKey_String() {
	secret := make([]byte, keyring.SecretSize) // use NewKey in real code
	k, _ := keyring.KeyFromSecret(0x8f3a2c1d, keyring.StatePrimary, secret)
	fmt.Println(k)
	fmt.Printf("%+v\n", k)
	fmt.Printf("%x\n", k)
	// Output:
	// key 8f3a2c1d (primary)
	// keyring.Key{ID: 8f3a2c1d, State: primary, Secret: <redacted>}
	// key 8f3a2c1d (primary)
}

// Every node given the same random passphrase derives the same key.
func ExampleKeyFromPassphrase() {
	// In production: a secret from `openssl rand -base64 32`, not a literal.
	k, err := keyring.KeyFromPassphrase("crumb known-answer test passphrase: 0123456789abcdef", keyring.StatePrimary)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(k)

	_, err = keyring.KeyFromPassphrase("hunter2", keyring.StatePrimary)
	fmt.Println(errors.Is(err, keyring.ErrWeakPassphrase))
	// Output:
	// key 09a4383d (primary)
	// true
}

// The compact environment form holds id:state:secret entries.
func ExampleParseEnv() {
	ring, err := keyring.ParseEnv("0a0b0c0d:primary:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8," +
		"8f3a2c1d:active:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ring)

	_, err = keyring.ParseEnv("0a0b0c0d:primary:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd")
	fmt.Println(err)
	// Output:
	// keyring.Ring[0a0b0c0d primary, 8f3a2c1d active]
	// keyring: malformed keyring: entry 1 (id 0a0b0c0d): secret must decode to 32 bytes
}

// Watch keeps a ring current as its file changes; consumers hold the Watcher
// as a Source. Reload checks at once, for example on SIGHUP.
func ExampleWatch() {
	dir, _ := os.MkdirTemp("", "crumb-keyring-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "keyring.json")

	k1, _ := keyring.NewKey(keyring.StatePrimary)
	k2, _ := keyring.NewKey(keyring.StateActive)
	ring, _ := keyring.NewRing(k1, k2)
	if err := keyring.CreateFile(path, ring); err != nil { // mode 0600, never overwrites
		log.Fatal(err)
	}

	w, err := keyring.Watch(path, keyring.WatchOptions{
		OnError: func(err error) { log.Print(err) }, // also in w.Err() for health checks
	})
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	var src keyring.Source = w // what a cookie store would hold

	// Promote k2 (in production: on every node's file, or one shared secret).
	k1.State, k2.State = keyring.StateActive, keyring.StatePrimary
	rotated, _ := keyring.NewRing(k1, k2)
	if err := keyring.ReplaceFile(path, rotated); err != nil {
		log.Fatal(err)
	}
	if err := w.Reload(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("new primary in service:", src.Ring().Primary().ID == k2.ID)
	// Output:
	// new primary in service: true
}
