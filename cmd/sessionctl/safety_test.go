package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runCLI runs sessionctl in-process in dir and returns its status, stdout
// and stderr.
func runCLI(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	c := &cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, now: time.Now, dir: dir}
	return c.dispatch(args), out.String(), errb.String()
}

// TestLongLivedTokenRevocation: a token living longer than any default cap
// is decoded with its own expiry, and its revocation entry lasts until
// that expiry plus the skew, not shorter.
func TestLongLivedTokenRevocation(t *testing.T) {
	dir := t.TempDir()
	kr := filepath.Join(dir, "keyring.json")
	if st, _, e := runCLI(t, dir, "keys", "generate", "--keyring", kr); st != 0 {
		t.Fatal(e)
	}
	st, out, e := runCLI(t, dir, "mint", "--keyring", kr, "--name", "s", "--ttl", "2160h", "--idle", "1h", "--subject", "bob")
	if st != 0 {
		t.Fatal(e)
	}
	tok := strings.TrimSpace(out)
	var dec struct{ Created, Expires time.Time }
	st, out, e = runCLI(t, dir, "decode", "--keyring", kr, "--name", "s", "--json", tok)
	if st != 0 || json.Unmarshal([]byte(out), &dec) != nil || dec.Expires.Sub(dec.Created) != 2160*time.Hour {
		t.Fatalf("decode: %d %s %s", st, out, e)
	}
	var rev struct{ Until time.Time }
	st, out, e = runCLI(t, dir, "revoke", "--revocations", filepath.Join(dir, "rev.log"), "--keyring", kr, "--name", "s", "--json", tok)
	if st != 0 || json.Unmarshal([]byte(out), &rev) != nil || rev.Until.Sub(dec.Expires) != time.Minute {
		t.Fatalf("revoke: until %v, token expires %v (%d %s %s)", rev.Until, dec.Expires, st, out, e)
	}
}

// TestConcurrentRotationsLoseNothing: keys add run many times at once —
// every run that reports success added its key; the others fail.
func TestConcurrentRotationsLoseNothing(t *testing.T) {
	dir := t.TempDir()
	kr := filepath.Join(dir, "keyring.json")
	if st, _, e := runCLI(t, dir, "keys", "generate", "--keyring", kr); st != 0 {
		t.Fatal(e)
	}
	const n = 20
	ids := make(chan string, n)
	done := make(chan struct{})
	for range n {
		go func() {
			defer func() { done <- struct{}{} }()
			if st, out, _ := runCLI(t, dir, "keys", "add", "--keyring", kr); st == 0 {
				ids <- strings.TrimSpace(out)
			}
		}()
	}
	timeout := time.After(30 * time.Second)
	for i := range n {
		select {
		case <-done:
		case <-timeout:
			t.Fatalf("waiting (30 s) for %d concurrent keys add to return: %d did", n, i)
		}
	}
	close(ids)
	_, out, _ := runCLI(t, dir, "keys", "list", "--keyring", kr, "--json")
	added := 0
	for id := range ids {
		added++
		if !strings.Contains(out, id) {
			t.Fatalf("keys add reported %s, which is not in the keyring", id)
		}
	}
	if added == 0 || strings.Count(out, `"id"`) != added+1 {
		t.Fatalf("%d adds reported, keyring: %s", added, out)
	}
}

// TestFlagErrorsHideSecrets: a secret or token pasted after the wrong flag
// is not echoed back.
func TestFlagErrorsHideSecrets(t *testing.T) {
	secret := "KaEFbql8aTzSn9MDuNm8DzoUdA1U5-OfigB_LUu_a28"
	for _, args := range [][]string{
		{"keys", "retire", "--keyring", "k.json", "--max-lifetime", secret, "0a0b0c0d"},
		{"mint", "--keyring", "k.json", "--name", "s", "--ttl", secret},
		{"mint", "--keyring", "k.json", "--name", "s", "--json=" + secret},
		{"help", "mint", secret},
	} {
		st, _, e := runCLI(t, t.TempDir(), args...)
		if st != exitUsage || strings.Contains(e, secret) || strings.Contains(e, secret[:16]) {
			t.Errorf("%v: status %d, stderr %q", args[:2], st, e)
		}
	}
}
