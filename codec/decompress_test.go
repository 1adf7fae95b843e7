package codec_test

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"

	"github.com/crumbhq/crumb/codec"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// body builds a compressed body by hand: dictionary ID varint, then data.
func body(dictID uint64, data []byte) []byte {
	return append(binary.AppendUvarint(nil, dictID), data...)
}

func zstdFrame(t testing.TB, payload []byte, opts ...zstd.EOption) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil, append([]zstd.EOption{zstd.WithEncoderCRC(false), zstd.WithSingleSegment(true)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return enc.EncodeAll(payload, nil)
}

// zstdNoFCS returns a valid frame that does not declare its content size:
// a Window_Descriptor instead of the single-segment flag, and one raw block.
func zstdNoFCS(payload []byte) []byte {
	f := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x08}
	bh := len(payload)<<3 | 1
	f = append(f, byte(bh), byte(bh>>8), byte(bh>>16))
	return append(f, payload...)
}

// setFCS rewrites the frame content size of a single-segment frame without a
// dictionary whose size field is 1 byte (payloads under 256 bytes).
func setFCS(t testing.TB, frame []byte, n byte) []byte {
	t.Helper()
	f := append([]byte(nil), frame...)
	fhd := f[4]
	if fhd>>6 != 0 || fhd&0x20 == 0 || fhd&3 != 0 {
		t.Fatalf("unexpected frame header descriptor %08b", fhd)
	}
	f[5] = n
	return f
}

func TestDecodeRejects(t *testing.T) {
	c := mustNew(t, codec.Options{})
	zeros := make([]byte, 1<<20)
	text := bytes.Repeat([]byte("hello, session "), 10) // 150 bytes, compressible
	random := make([]byte, 100)
	rand.Read(random)
	s2Lying := s2.Encode(nil, text)
	s2Lying = append(binary.AppendUvarint(nil, 1<<30), s2Lying[uvarintSize(s2Lying):]...)

	cases := []struct {
		name string
		body []byte
		f    codec.Format
		want error
	}{
		{"s2 bomb: real", body(0, s2.Encode(nil, zeros)), codec.Format{Compression: codec.S2}, codec.ErrTooLarge},
		{"s2 bomb: declared 1 GiB", body(0, s2Lying), codec.Format{Compression: codec.S2}, codec.ErrTooLarge},
		{"s2 truncated", body(0, s2.Encode(nil, text)[:10]), codec.Format{Compression: codec.S2}, codec.ErrCorrupt},
		{"s2 not smaller", body(0, s2.Encode(nil, random)), codec.Format{Compression: codec.S2}, codec.ErrCorrupt},
		{"s2 empty", body(0, nil), codec.Format{Compression: codec.S2}, codec.ErrCorrupt},
		{"zstd bomb: real", body(0, zstdFrame(t, zeros)), codec.Format{Compression: codec.Zstd}, codec.ErrTooLarge},
		{"zstd no content size", body(0, zstdNoFCS(text)), codec.Format{Compression: codec.Zstd}, codec.ErrCorrupt},
		{"zstd content size understated", body(0, setFCS(t, zstdFrame(t, text), 40)), codec.Format{Compression: codec.Zstd}, codec.ErrCorrupt},
		{"zstd content size overstated", body(0, setFCS(t, zstdFrame(t, text), 200)), codec.Format{Compression: codec.Zstd}, codec.ErrCorrupt},
		{"zstd two frames", body(0, append(zstdFrame(t, text), zstdFrame(t, text)...)), codec.Format{Compression: codec.Zstd}, codec.ErrCorrupt},
		{"zstd trailing empty frame", body(0, append(zstdFrame(t, text), zstdFrame(t, nil, zstd.WithZeroFrames(true))...)), codec.Format{Compression: codec.Zstd}, codec.ErrCorrupt},
		{"zstd trailing skippable frame", body(0, append(zstdFrame(t, text), 0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 's', 'k', 'i', 'p')), codec.Format{Compression: codec.Zstd}, codec.ErrCorrupt},
		{"zstd trailing byte", body(0, append(zstdFrame(t, text), 0)), codec.Format{Compression: codec.Zstd}, codec.ErrCorrupt},
		{"zstd not single-segment", body(0, zstdFrame(t, bytes.Repeat(text, 20), zstd.WithSingleSegment(false))), codec.Format{Compression: codec.Zstd}, codec.ErrCorrupt},
		{"zstd with checksum", body(0, zstdFrame(t, text, zstd.WithEncoderCRC(true))), codec.Format{Compression: codec.Zstd}, nil},
		{"s2 length not minimal", body(0, append([]byte{0x96, 0x81, 0x00}, s2.Encode(nil, text)[2:]...)), codec.Format{Compression: codec.S2}, codec.ErrCorrupt},
		{"s2 length over 32 bits", body(0, append(binary.AppendUvarint(nil, 1<<33), make([]byte, 20)...)), codec.Format{Compression: codec.S2}, codec.ErrTooLarge},
		{"zstd truncated", body(0, zstdFrame(t, text)[:12]), codec.Format{Compression: codec.Zstd}, codec.ErrCorrupt},
		{"zstd garbage", body(0, []byte("not a zstd frame at all")), codec.Format{Compression: codec.Zstd}, codec.ErrCorrupt},
		{"zstd skippable", body(0, append([]byte{0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0}, "skip"...)), codec.Format{Compression: codec.Zstd}, codec.ErrCorrupt},
		{"zstd frame dictionary differs from body", body(0, zstdFrame(t, text, zstd.WithEncoderDict(codec.DefaultDictionary().Bytes()))), codec.Format{Compression: codec.Zstd}, codec.ErrCorrupt},
		{"zstd body dictionary differs from frame", body(1, zstdFrame(t, text)), codec.Format{Compression: codec.Zstd}, codec.ErrCorrupt},
		{"unknown dictionary", body(77777, zstdFrame(t, text)), codec.Format{Compression: codec.Zstd}, codec.ErrUnknownDictionary},
		{"dictionary ID not minimal", append([]byte{0x80, 0x00}, zstdFrame(t, text)...), codec.Format{Compression: codec.Zstd}, codec.ErrCorrupt},
		{"dictionary ID over 32 bits", body(1<<32, zstdFrame(t, text)), codec.Format{Compression: codec.Zstd}, codec.ErrCorrupt},
		{"dictionary ID missing", nil, codec.Format{Compression: codec.S2}, codec.ErrCorrupt},
		{"compression 3", []byte("xyz"), codec.Format{Compression: 3}, codec.ErrCorrupt},
		{"padding without marker", []byte("abc\x00\x00"), codec.Format{Padded: true}, codec.ErrCorrupt},
		{"padding all zeros", []byte{0, 0, 0}, codec.Format{Padded: true}, codec.ErrCorrupt},
		{"padding empty", nil, codec.Format{Padded: true}, codec.ErrCorrupt},
		{"uncompressed over cap", make([]byte, codec.DefaultMaxDecoded+1), codec.Format{}, codec.ErrTooLarge},
	}
	for _, tc := range cases {
		got, err := c.Decode(nil, tc.body, tc.f)
		if tc.want == nil {
			if err != nil || !bytes.Equal(got, text) {
				t.Errorf("%s: got %v, want the payload", tc.name, err)
			}
			continue
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got (%d bytes, %v), want %v", tc.name, len(got), err, tc.want)
		}
	}
}

func uvarintSize(b []byte) int { _, n := binary.Uvarint(b); return n }

func TestMaxDecodedConfigurable(t *testing.T) {
	c := mustNew(t, codec.Options{MaxDecoded: 4096})
	big := bytes.Repeat([]byte("0123456789"), 500) // 5000 bytes
	for _, pol := range []codec.Policy{codec.CompressS2, codec.CompressZstd} {
		w := mustNew(t, codec.Options{Compress: pol})
		b, f := w.Encode(nil, big)
		if _, err := c.Decode(nil, b, f); !errors.Is(err, codec.ErrTooLarge) {
			t.Errorf("%v: got %v, want ErrTooLarge", pol, err)
		}
		if got, err := w.Decode(nil, b, f); err != nil || !bytes.Equal(got, big) {
			t.Errorf("%v: default cap should accept 5000 bytes: %v", pol, err)
		}
	}
	if c.MaxDecoded() != 4096 {
		t.Errorf("MaxDecoded() = %d", c.MaxDecoded())
	}
}

// TestBombAllocatesNothingPastCap checks that decompression bombs are refused
// from their declared size, before any buffer for them exists.
func TestBombAllocatesNothingPastCap(t *testing.T) {
	c := mustNew(t, codec.Options{})
	huge := make([]byte, 64<<20)
	bombs := map[string]struct {
		body []byte
		f    codec.Format
	}{
		"s2":   {body(0, s2.Encode(nil, huge)), codec.Format{Compression: codec.S2}},
		"zstd": {body(0, zstdFrame(t, huge)), codec.Format{Compression: codec.Zstd}},
	}
	huge = nil
	for name, b := range bombs {
		if _, err := c.Decode(nil, b.body, b.f); !errors.Is(err, codec.ErrTooLarge) { // warm up pools
			t.Fatalf("%s: %v", name, err)
		}
		const runs = 20
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range runs {
			c.Decode(nil, b.body, b.f)
		}
		runtime.ReadMemStats(&after)
		perRun := (after.TotalAlloc - before.TotalAlloc) / runs
		t.Logf("%s bomb (%d-byte body declaring 64 MiB): %d bytes allocated per Decode", name, len(b.body), perRun)
		if perRun > codec.DefaultMaxDecoded/16 {
			t.Errorf("%s: %d bytes allocated per rejected bomb", name, perRun)
		}
	}
}

// TestNoFCSFrameIsValid makes sure the frame the rejection tests use is a
// valid frame a plain decoder accepts: the codec must reject it for lacking
// a content size, not for being malformed.
func TestNoFCSFrameIsValid(t *testing.T) {
	d, _ := zstd.NewReader(nil)
	defer d.Close()
	in := []byte("some session payload, some session payload")
	out, err := d.DecodeAll(zstdNoFCS(in), nil)
	if err != nil || !bytes.Equal(out, in) {
		t.Fatalf("hand-built frame does not decode: %v", err)
	}
	var h zstd.Header
	if err := h.Decode(zstdNoFCS(in)); err != nil || h.HasFCS || h.SingleSegment {
		t.Fatalf("header: %+v %v", h, err)
	}
}
