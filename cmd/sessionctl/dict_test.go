package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/sessiongen"
)

// TestDictTrain trains a dictionary from JSON-lines samples, loads it as an
// application dictionary, and refuses IDs outside 32768 to 2^31 - 1 (lower
// ones are crumb's, higher ones RFC 8878's) without writing a file.
func TestDictTrain(t *testing.T) {
	dir := t.TempDir()
	g := sessiongen.New(7)
	var samples bytes.Buffer
	for range 300 {
		samples.Write(sessiongen.JSON(g.Medium()))
		samples.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "samples.jsonl"), samples.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uint64{32767, 1 << 31, 1<<32 - 1} {
		out := "bad-" + strconv.FormatUint(id, 10) + ".zdict"
		status, _, stderr := runCLI(t, dir, "dict", "train", "--samples", "samples.jsonl", "-o", out, "--id", strconv.FormatUint(id, 10))
		if status != 2 || !bytes.Contains([]byte(stderr), []byte("--id must be from 32768 to 2147483647")) {
			t.Errorf("--id %d: exit status %d, stderr %q", id, status, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, out)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("--id %d: a file was written (%v)", id, err)
		}
	}
	status, stdout, stderr := runCLI(t, dir, "dict", "train", "--samples", "samples.jsonl", "-o", "app.zdict", "--id", "2147483647", "--size", "4096")
	if status != 0 {
		t.Fatalf("exit status %d\n%s%s", status, stdout, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "app.zdict"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := codec.NewDictionary(b)
	if err != nil {
		t.Fatal(err)
	}
	if d.ID() != 1<<31-1 {
		t.Errorf("dictionary ID %d, want %d", d.ID(), 1<<31-1)
	}
}
