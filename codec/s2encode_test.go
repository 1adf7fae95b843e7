package codec

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/crumbhq/crumb/internal/sessiongen"
	"github.com/klauspost/compress/s2"
)

// s2Samples returns payloads of every kind the encoder meets: sessions of
// both corpora, and edge cases (tiny, incompressible, one byte repeated,
// long runs, near the 64 KiB limit, bytes of the dictionary itself).
func s2Samples(t testing.TB) [][]byte {
	t.Helper()
	out := sessiongen.Corpus(11, 256)
	f, err := os.Open("../testdata/corpus/varied-v1.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct{ Session json.RawMessage }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		out = append(out, line.Session)
	}
	r := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	content := DefaultDictionary().content
	for n := range 80 {
		out = append(out, random(n), bytes.Repeat([]byte("a"), n), bytes.Repeat([]byte(`{"k":"v"},`), n))
	}
	out = append(out,
		random(2000), random(s2MaxOwnInput),
		bytes.Repeat([]byte{0}, s2MaxOwnInput),
		bytes.Repeat([]byte(`"csrf_token":"`), s2MaxOwnInput/14),
		append(random(65000), content[:535]...), // a dictionary match at the end of 64 KiB
		content, content[len(content)-100:], append(append([]byte(nil), content[100:200]...), content[:50]...),
	)
	return out
}

// TestS2EncodeRoundTrip: whatever crumb's encoder writes, klauspost's
// decoder (the reference, with SPEC.md §5.2.1's dictionary rules) reads back
// byte for byte, and it is shorter than the payload.
func TestS2EncodeRoundTrip(t *testing.T) {
	d := DefaultDictionary()
	compressed := 0
	samples := s2Samples(t)
	for i, p := range samples {
		out := appendS2Dict([]byte("prefix"), p, d)
		if out == nil {
			continue
		}
		compressed++
		if !bytes.HasPrefix(out, []byte("prefix")) {
			t.Fatalf("sample %d: dst's bytes were overwritten", i)
		}
		block := out[len("prefix"):]
		if len(block) >= len(p) {
			t.Errorf("sample %d: %d bytes encoded to %d, not shorter", i, len(p), len(block))
		}
		got, err := d.s2.Decode(nil, block)
		if err != nil || !bytes.Equal(got, p) {
			t.Fatalf("sample %d (%d bytes): the reference decoder gives %d bytes, %v", i, len(p), len(got), err)
		}
	}
	if compressed < len(samples)/2 {
		t.Errorf("only %d of %d samples compressed", compressed, len(samples))
	}
}

// TestS2EncodeSize: on the session payloads Encode gives it, crumb's
// encoder compresses at least as well as klauspost's dictionary encoder
// (within 2% over the corpora), so the speed does not cost cookie bytes.
func TestS2EncodeSize(t *testing.T) {
	d := DefaultDictionary()
	var ours, theirs int
	for _, p := range s2Samples(t)[:256+252] { // the two corpora
		if len(p) > s2OwnUpTo {
			continue // Encode gives these to klauspost's encoder
		}
		o := appendS2Dict(nil, p, d)
		if o == nil {
			o = p
		}
		k := d.s2.Encode(nil, p)
		if len(k) >= len(p) {
			k = p
		}
		ours, theirs = ours+len(o), theirs+len(k)
	}
	if float64(ours) > 1.02*float64(theirs) {
		t.Errorf("crumb's encoder: %d bytes, klauspost's %d", ours, theirs)
	}
	t.Logf("S2 with dictionary 1 on the session corpora up to %d bytes: crumb %d bytes, klauspost %d", s2OwnUpTo, ours, theirs)
}

// FuzzS2Encode: any payload encodes to a block the reference decoder reads
// back exactly.
func FuzzS2Encode(f *testing.F) {
	for _, p := range s2Samples(f)[:300] {
		f.Add(p)
	}
	d := DefaultDictionary()
	f.Fuzz(func(t *testing.T, p []byte) {
		if len(p) > s2MaxOwnInput {
			return
		}
		out := appendS2Dict(nil, p, d)
		if out == nil {
			return
		}
		if len(out) >= len(p) {
			t.Fatalf("%d bytes encoded to %d", len(p), len(out))
		}
		got, err := d.s2.Decode(nil, out)
		if err != nil || !bytes.Equal(got, p) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// BenchmarkS2Dict compares crumb's S2 encoder with klauspost's on the three
// session shapes, dictionary 1, reporting the block size.
func BenchmarkS2Dict(b *testing.B) {
	g := sessiongen.New(99)
	d := DefaultDictionary()
	for _, s := range []struct {
		name string
		p    []byte
	}{{"small", sessiongen.JSON(g.Small())}, {"medium", sessiongen.JSON(g.Medium())}, {"large", sessiongen.JSON(g.Large())}} {
		buf := make([]byte, 0, s2.MaxEncodedLen(len(s.p)))
		b.Run("crumb/"+s.name, func(b *testing.B) {
			b.ReportAllocs()
			var out []byte
			for b.Loop() {
				out = appendS2Dict(buf[:0], s.p, d)
			}
			b.ReportMetric(float64(len(out)), "block-bytes")
		})
		b.Run("klauspost/"+s.name, func(b *testing.B) {
			b.ReportAllocs()
			var out []byte
			for b.Loop() {
				out = d.s2.Encode(buf[:cap(buf)], s.p)
			}
			b.ReportMetric(float64(len(out)), "block-bytes")
		})
	}
}
