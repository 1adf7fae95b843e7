package codec_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/vectors"
)

// fuzzSeeds returns bodies with their format byte (bits 0-1 compression, bit
// 2 padded, as in the token flags): every body the committed test vectors
// carry, plus encodings of every payload shape under every policy.
func fuzzSeeds(t testing.TB) (bodies [][]byte, formats []byte) {
	vs, err := vectors.Bodies("../testdata/vectors/v1")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		bodies = append(bodies, v.Body)
		formats = append(formats, formatByte(v.Format))
	}
	for _, pol := range []codec.Policy{codec.CompressOff, codec.CompressS2, codec.CompressZstd} {
		c := mustNew(t, codec.Options{Compress: pol, PadTo: 32})
		for _, p := range payloads() {
			b, f := c.Encode(nil, p.data)
			bodies = append(bodies, b)
			formats = append(formats, formatByte(f))
		}
	}
	if len(vs) == 0 || len(bodies) < 20 {
		t.Fatalf("fuzz seed set too small: %d vector bodies, %d in all", len(vs), len(bodies))
	}
	return bodies, formats
}

func formatByte(f codec.Format) byte {
	b := byte(f.Compression)
	if f.Padded {
		b |= 4
	}
	return b
}

// FuzzDecode feeds Decode arbitrary bodies: it must never panic, never
// return more than the cap, and fail only with the package's sentinels.
func FuzzDecode(f *testing.F) {
	bodies, formats := fuzzSeeds(f)
	for i := range bodies {
		f.Add(bodies[i], formats[i])
	}
	c := mustNew(f, codec.Options{MaxDecoded: 4096})
	f.Fuzz(func(t *testing.T, body []byte, fb byte) {
		fm := codec.Format{Compression: codec.Compression(fb & 3), Padded: fb&4 != 0}
		out, err := c.Decode(nil, body, fm)
		if err != nil {
			if !errors.Is(err, codec.ErrCorrupt) && !errors.Is(err, codec.ErrTooLarge) && !errors.Is(err, codec.ErrUnknownDictionary) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		if len(out) > 4096 {
			t.Fatalf("decoded %d bytes past the 4096 cap", len(out))
		}
	})
}

// FuzzRoundTrip checks that every payload survives Encode and Decode under
// every policy, and that a compressed body is always smaller.
func FuzzRoundTrip(f *testing.F) {
	for _, p := range payloads() {
		f.Add(p.data, byte(0))
	}
	codecs := []*codec.Codec{
		mustNew(f, codec.Options{}),
		mustNew(f, codec.Options{Compress: codec.CompressS2, MinSize: 1, PadTo: 16}),
		mustNew(f, codec.Options{Compress: codec.CompressZstd, MinSize: 1, NoDictionary: true}),
	}
	f.Fuzz(func(t *testing.T, payload []byte, which byte) {
		if len(payload) > codec.DefaultMaxDecoded {
			return
		}
		c := codecs[int(which)%len(codecs)]
		b, fm := c.Encode(nil, payload)
		if fm.Compression != codec.None && !fm.Padded && len(b) >= len(payload) {
			t.Fatalf("compressed body of %d bytes for a %d-byte payload", len(b), len(payload))
		}
		got, err := c.Decode(nil, b, fm)
		if err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("round trip failed: %v", err)
		}
	})
}
