package codec_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/sessiongen"
)

func mustNew(t testing.TB, o codec.Options) *codec.Codec {
	t.Helper()
	c, err := codec.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// payloads returns named payloads covering the sizes and shapes that matter.
func payloads() []struct {
	name string
	data []byte
} {
	g := sessiongen.New(99) // not the training seed: held-out data
	random := make([]byte, 600)
	rand.Read(random)
	return []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"tiny", []byte(`{"a":1}`)},
		{"small", sessiongen.JSON(g.Small())},
		{"medium", sessiongen.JSON(g.Medium())},
		{"large", sessiongen.JSON(g.Large())},
		{"random", random},
		{"zeros", make([]byte, 5000)},
		{"trailing-marker", append(bytes.Repeat([]byte("ab"), 40), 0x80, 0, 0)},
	}
}

func TestRoundTripEveryPolicy(t *testing.T) {
	for _, pol := range []codec.Policy{codec.CompressAuto, codec.CompressOff, codec.CompressS2, codec.CompressZstd} {
		for _, noDict := range []bool{false, true} {
			for _, padTo := range []int{0, 16, 256} {
				// MinSize 1 also compresses the small payloads the
				// default leaves as they are.
				for _, minSize := range []int{0, 1} {
					c := mustNew(t, codec.Options{Compress: pol, NoDictionary: noDict, PadTo: padTo, MinSize: minSize})
					for _, p := range payloads() {
						name := fmt.Sprintf("%v/nodict=%v/pad=%d/min=%d/%s", pol, noDict, padTo, minSize, p.name)
						prefix := []byte("claims")
						body, f := c.Encode(append([]byte(nil), prefix...), p.data)
						if !bytes.Equal(body[:len(prefix)], prefix) {
							t.Fatalf("%s: Encode changed dst's prefix", name)
						}
						if padTo > 0 && (len(body)%padTo != 0 || !f.Padded) {
							t.Fatalf("%s: len %d not a multiple of %d (padded=%v)", name, len(body), padTo, f.Padded)
						}
						if pol == codec.CompressOff && f.Compression != codec.None {
							t.Fatalf("%s: compressed with policy off", name)
						}
						got, err := c.Decode(nil, body[len(prefix):], f)
						if err != nil {
							t.Fatalf("%s: Decode: %v", name, err)
						}
						if !bytes.Equal(got, p.data) {
							t.Fatalf("%s: round trip mismatch", name)
						}
					}
				}
			}
		}
	}
}

func TestCompressOnlyWhenItPays(t *testing.T) {
	c := mustNew(t, codec.Options{})
	want := map[string]codec.Compression{
		"empty": codec.None, "tiny": codec.None, "small": codec.None, // under MinSize
		"medium": codec.S2, "large": codec.Zstd, // Auto: S2 under 2 KiB
		"random": codec.None, // incompressible
		"zeros":  codec.Zstd,
	}
	for _, p := range payloads() {
		w, ok := want[p.name]
		if !ok {
			continue
		}
		body, f := c.Encode(nil, p.data)
		if f.Compression != w {
			t.Errorf("%s: compression %v, want %v", p.name, f.Compression, w)
		}
		if f.Compression != codec.None && len(body) >= len(p.data) {
			t.Errorf("%s: compressed body %d bytes is not smaller than payload %d", p.name, len(body), len(p.data))
		}
		if f.Compression == codec.None && !bytes.Equal(body, p.data) {
			t.Errorf("%s: uncompressed body differs from payload", p.name)
		}
	}
}

// TestMinSize checks that payloads under MinSize are stored as they are and
// that a lower MinSize compresses them.
func TestMinSize(t *testing.T) {
	small := sessiongen.JSON(sessiongen.New(99).Small())
	if len(small) >= codec.DefaultMinSize {
		t.Fatalf("small payload is %d bytes, not under DefaultMinSize", len(small))
	}
	for _, tc := range []struct {
		min  int
		want codec.Compression
	}{{0, codec.None}, {len(small) + 1, codec.None}, {len(small), codec.S2}, {32, codec.S2}, {1, codec.S2}} {
		c := mustNew(t, codec.Options{MinSize: tc.min})
		body, f := c.Encode(nil, small)
		if f.Compression != tc.want {
			t.Errorf("MinSize %d: compression %v, want %v", tc.min, f.Compression, tc.want)
		}
		if f.Compression == codec.None && !bytes.Equal(body, small) {
			t.Errorf("MinSize %d: uncompressed body differs from payload", tc.min)
		}
		if got, err := c.Decode(nil, body, f); err != nil || !bytes.Equal(got, small) {
			t.Errorf("MinSize %d: round trip: %v", tc.min, err)
		}
		if n := c.MaxEncodedLen(len(small)); len(body) > n {
			t.Errorf("MinSize %d: body %d bytes over MaxEncodedLen %d", tc.min, len(body), n)
		}
	}
}

func TestDefaultDictionaryPays(t *testing.T) {
	with := mustNew(t, codec.Options{})
	without := mustNew(t, codec.Options{NoDictionary: true})
	g := sessiongen.New(1234)
	for i := range 20 {
		p := sessiongen.JSON(g.Medium())
		a, _ := with.Encode(nil, p)
		b, _ := without.Encode(nil, p)
		// Measured: ~1060-byte sessions compress to ~350 bytes with the
		// dictionary and ~950 without it.
		if len(a)*2 > len(b) {
			t.Fatalf("sample %d: %d bytes with the dictionary, %d without: the dictionary should halve it", i, len(a), len(b))
		}
	}
}

func TestOptionsValidation(t *testing.T) {
	custom, err := codec.TrainDictionary(codec.FirstCustomDictionaryID, sessiongen.Corpus(5, 64), 1024)
	if err != nil {
		t.Fatal(err)
	}
	reserved, err := codec.TrainDictionary(7, sessiongen.Corpus(5, 64), 1024)
	if err != nil {
		t.Fatal(err)
	}
	other, err := codec.TrainDictionary(codec.FirstCustomDictionaryID, sessiongen.Corpus(6, 64), 1024)
	if err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name string
		o    codec.Options
		err  error
	}{
		{"policy", codec.Options{Compress: 9}, codec.ErrBadOptions},
		{"negative min", codec.Options{MinSize: -1}, codec.ErrBadOptions},
		{"negative zstdfrom", codec.Options{ZstdFrom: -1}, codec.ErrBadOptions},
		{"pad small", codec.Options{PadTo: 8}, codec.ErrBadOptions},
		{"pad large", codec.Options{PadTo: codec.MaxPadTo + 1}, codec.ErrBadOptions},
		{"cap small", codec.Options{MaxDecoded: 100}, codec.ErrBadOptions},
		{"cap large", codec.Options{MaxDecoded: codec.MaxMaxDecoded + 1}, codec.ErrBadOptions},
		{"dict and nodict", codec.Options{Dictionary: custom, NoDictionary: true}, codec.ErrBadOptions},
		{"reserved id", codec.Options{Dictionary: reserved}, codec.ErrBadDictionary},
		{"duplicate id", codec.Options{Dictionary: custom, Dictionaries: []*codec.Dictionary{other}}, codec.ErrBadDictionary},
	}
	for _, b := range bad {
		if _, err := codec.New(b.o); !errors.Is(err, b.err) {
			t.Errorf("%s: got %v, want %v", b.name, err, b.err)
		}
	}
	if _, err := codec.New(codec.Options{Dictionary: custom, Dictionaries: []*codec.Dictionary{custom}}); err != nil {
		t.Errorf("the same dictionary twice should be fine: %v", err)
	}
}

func TestOldDictionariesStayReadable(t *testing.T) {
	old, err := codec.TrainDictionary(codec.FirstCustomDictionaryID+1, sessiongen.Corpus(11, 128), 4096)
	if err != nil {
		t.Fatal(err)
	}
	p := sessiongen.JSON(sessiongen.New(3).Large())
	for _, pol := range []codec.Policy{codec.CompressS2, codec.CompressZstd} {
		writer := mustNew(t, codec.Options{Compress: pol, Dictionary: old})
		body, f := writer.Encode(nil, p)
		if f.Compression == codec.None {
			t.Fatalf("%v: not compressed", pol)
		}
		// The deployment moved on to the built-in dictionary but keeps the old one registered.
		reader := mustNew(t, codec.Options{Dictionaries: []*codec.Dictionary{old}})
		if got, err := reader.Decode(nil, body, f); err != nil || !bytes.Equal(got, p) {
			t.Fatalf("%v: old dictionary unreadable: %v", pol, err)
		}
		// A reader that forgot it refuses with a clear error.
		forgot := mustNew(t, codec.Options{})
		if _, err := forgot.Decode(nil, body, f); !errors.Is(err, codec.ErrUnknownDictionary) {
			t.Fatalf("%v: got %v, want ErrUnknownDictionary", pol, err)
		}
	}
}

func TestDecodeAppendsToDst(t *testing.T) {
	c := mustNew(t, codec.Options{})
	p := sessiongen.JSON(sessiongen.New(8).Medium())
	body, f := c.Encode(nil, p)
	got, err := c.Decode([]byte("keep:"), body, f)
	if err != nil || !bytes.Equal(got, append([]byte("keep:"), p...)) {
		t.Fatalf("Decode did not append to dst: %v", err)
	}
}

func TestPaddingBuckets(t *testing.T) {
	c := mustNew(t, codec.Options{Compress: codec.CompressOff, PadTo: 64})
	for prefix := range 70 {
		for n := range 140 {
			body, f := c.Encode(make([]byte, prefix), bytes.Repeat([]byte{0}, n))
			if len(body)%64 != 0 || len(body) <= prefix+n || len(body) > prefix+n+64 {
				t.Fatalf("prefix %d payload %d: padded to %d", prefix, n, len(body))
			}
			got, err := c.Decode(nil, body[prefix:], f)
			if err != nil || len(got) != n {
				t.Fatalf("prefix %d payload %d: unpad: %v (%d bytes)", prefix, n, err, len(got))
			}
		}
	}
}
