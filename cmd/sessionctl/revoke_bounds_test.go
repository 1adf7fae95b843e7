package main

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/revocation"
)

// TestRevokeKeepsTheApplicationsBounds: `sessionctl revoke` on the file of
// an application with a larger per-subject bound than the default never
// collapses one of its subjects: the bound is the application's to apply.
// With the default bound (32) it would have revoked every session of the
// subject, live ones included.
func TestRevokeKeepsTheApplicationsBounds(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ringPath, logPath := filepath.Join(dir, "keyring.json"), filepath.Join(dir, "revoked.log")
	key, err := keyring.NewKey(keyring.StatePrimary)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keyring.NewRing(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := keyring.CreateFile(ringPath, ring); err != nil {
		t.Fatal(err)
	}
	app, err := revocation.NewLocal(revocation.LocalOptions{Path: logPath, MaxPerSubject: 100, PruneInterval: -1, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	store, err := cookie.New(cookie.Options{Name: "session", Keys: ring, Revocations: app})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	live, err := store.Create(ctx, cookie.CreateOptions{Subject: "ada"})
	if err != nil {
		t.Fatal(err)
	}
	for range 40 { // ada logged out 40 times: under the application's bound
		tok, err := store.Create(ctx, cookie.CreateOptions{Subject: "ada"})
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Delete(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	victim, err := store.Create(ctx, cookie.CreateOptions{Subject: "ada"})
	if err != nil {
		t.Fatal(err)
	}
	if status, out, errs := runMain(t, "revoke", "--revocations", logPath, "--keyring", ringPath, "--name", "session", victim); status != 0 {
		t.Fatalf("sessionctl revoke: exit %d\n%s%s", status, out, errs)
	}
	waitFor(t, 5*time.Second, "the application to refuse the session sessionctl revoked", func() (bool, error) {
		_, err := store.Read(ctx, victim)
		return errors.Is(err, cookie.ErrRevoked), nil
	})
	if _, err := store.Read(ctx, live); err != nil {
		t.Errorf("ada's live session after sessionctl revoked another of hers: %v; want it valid (no collapse)", err)
	}
	if st := app.Stats(); st.Collapses != 0 || st.Subjects != 0 {
		t.Errorf("the application's set after sessionctl revoke: %+v, want no collapse", st)
	}
}
