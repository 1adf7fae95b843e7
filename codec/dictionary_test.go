package codec_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/sessiongen"
	"github.com/klauspost/compress/zstd"
)

// TestDefaultDictionaryPinned: SPEC.md §6.3 promises dictionary 1's bytes
// never change; tokens compressed with it depend on them.
func TestDefaultDictionaryPinned(t *testing.T) {
	b := codec.DefaultDictionary().Bytes()
	sum := sha256.Sum256(b)
	if len(b) != 16482 || hex.EncodeToString(sum[:]) != "396d3f7a753c4590697fb7b364459b49a559f9cd1771954db16b56accd5c9879" {
		t.Fatalf("built-in dictionary changed: %d bytes, sha256 %x", len(b), sum)
	}
}

func TestDefaultDictionary(t *testing.T) {
	d := codec.DefaultDictionary()
	if d.ID() != codec.DefaultDictionaryID || d.ContentLen() != codec.DefaultTrainSize {
		t.Fatalf("default dictionary: %v", d)
	}
	if d != codec.DefaultDictionary() {
		t.Fatal("DefaultDictionary should return the same immutable value")
	}
	if d.String() != "dictionary 1 (16384 bytes)" {
		t.Errorf("String() = %q", d.String())
	}
	// The reserved ID is refused through the public loader.
	if _, err := codec.NewDictionary(d.Bytes()); !errors.Is(err, codec.ErrBadDictionary) {
		t.Errorf("loading a dictionary with a reserved ID: %v", err)
	}
}

// TestCorpusReproducible checks that the committed training corpus is exactly
// what internal/sessiongen generates, so the dictionary's provenance can be
// rebuilt with `go generate ./codec`.
func TestCorpusReproducible(t *testing.T) {
	compressed, err := os.ReadFile("../testdata/corpus/sessions-v1.jsonl.zst")
	if err != nil {
		t.Fatal(err)
	}
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	got, err := dec.DecodeAll(compressed, nil)
	if err != nil {
		t.Fatal(err)
	}
	samples := sessiongen.Corpus(sessiongen.CorpusSeed, sessiongen.CorpusSize)
	want := append(bytes.Join(samples, []byte("\n")), '\n')
	if !bytes.Equal(got, want) {
		t.Fatal("testdata/corpus/sessions-v1.jsonl.zst differs from sessiongen.Corpus: run go run ./internal/cmd/dictgen -corpus testdata/corpus/sessions-v1.jsonl.zst")
	}
}

func TestNewDictionary(t *testing.T) {
	trained, err := codec.TrainDictionary(codec.FirstCustomDictionaryID+5, sessiongen.Corpus(21, 100), 2048)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := codec.NewDictionary(trained.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if loaded.ID() != trained.ID() || !bytes.Equal(loaded.Bytes(), trained.Bytes()) {
		t.Fatal("Bytes/NewDictionary round trip changed the dictionary")
	}
	// Bytes returns a copy: the dictionary stays immutable.
	b := loaded.Bytes()
	b[len(b)-1] ^= 0xff
	if bytes.Equal(b, loaded.Bytes()) {
		t.Fatal("Bytes exposes internal storage")
	}

	for name, in := range map[string][]byte{
		"empty":     nil,
		"garbage":   []byte("definitely not a dictionary"),
		"truncated": trained.Bytes()[:40],
	} {
		if _, err := codec.NewDictionary(in); !errors.Is(err, codec.ErrBadDictionary) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

func TestTrainDictionaryRejects(t *testing.T) {
	samples := sessiongen.Corpus(3, 32)
	for name, f := range map[string]func() error{
		"id 0":      func() error { _, err := codec.TrainDictionary(0, samples, 0); return err },
		"too small": func() error { _, err := codec.TrainDictionary(40000, samples, 100); return err },
		"too large": func() error {
			_, err := codec.TrainDictionary(40000, samples, codec.MaxDictionaryContent+1)
			return err
		},
		"few samples": func() error { _, err := codec.TrainDictionary(40000, samples[:3], 0); return err },
	} {
		if err := f(); !errors.Is(err, codec.ErrBadDictionary) || !strings.HasPrefix(err.Error(), "codec: ") {
			t.Errorf("%s: got %v", name, err)
		}
	}
}
