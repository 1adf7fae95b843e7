package codec_test

import (
	"testing"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/sessiongen"
)

// BenchmarkCodec measures Encode and Decode of the three session shapes
// (~150 B, ~1 KB, ~6 KB of JSON) under each policy, reporting the body size.
func BenchmarkCodec(b *testing.B) {
	g := sessiongen.New(99)
	shapes := []struct {
		name string
		data []byte
	}{
		{"small", sessiongen.JSON(g.Small())},
		{"medium", sessiongen.JSON(g.Medium())},
		{"large", sessiongen.JSON(g.Large())},
	}
	policies := []struct {
		name string
		o    codec.Options
	}{
		{"off", codec.Options{Compress: codec.CompressOff}},
		{"auto", codec.Options{}},
		{"s2", codec.Options{Compress: codec.CompressS2}},
		{"zstd", codec.Options{Compress: codec.CompressZstd}},
		{"s2-nodict", codec.Options{Compress: codec.CompressS2, NoDictionary: true}},
		{"zstd-nodict", codec.Options{Compress: codec.CompressZstd, NoDictionary: true}},
	}
	for _, p := range policies {
		c := mustNew(b, p.o)
		for _, s := range shapes {
			buf := make([]byte, 0, c.MaxEncodedLen(len(s.data)))
			body, f := c.Encode(nil, s.data)
			b.Run("encode/"+p.name+"/"+s.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(s.data)))
				for b.Loop() {
					c.Encode(buf[:0], s.data)
				}
				b.ReportMetric(float64(len(body)), "body-bytes")
			})
			out := make([]byte, 0, len(s.data))
			b.Run("decode/"+p.name+"/"+s.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(s.data)))
				for b.Loop() {
					if _, err := c.Decode(out[:0], body, f); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
