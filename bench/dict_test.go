package bench

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/sessiongen"
	"github.com/crumbhq/crumb/internal/variedcorpus"
)

// CandidatePath is a candidate built-in dictionary (ID 2), trained on
// sessiongen's corpus plus the training part of the varied corpus:
//
//	go run ./internal/cmd/corpusgen -dict bench/testdata/candidate-v2.zdict -id 2
//
// It is not wired into codec: this file only measures it.
var CandidatePath = filepath.Join("testdata", "candidate-v2.zdict")

// bodyEncoder computes the body codec.Codec.Encode would write with one
// dictionary, for any dictionary ID: codec.New accepts no ID from 2 to
// 32,767 but the built-in one, and measuring a candidate under an
// application ID (≥ 32,768) would cost it 2 bytes of varint and 1 of frame
// header. TestBodyEncoderMatchesCodec checks it against the codec on
// dictionary 1 and without a dictionary.
type bodyEncoder struct {
	id   uint32
	s2d  *s2.Dict
	zenc *zstd.Encoder
}

func newBodyEncoder(tb testing.TB, zdict []byte) *bodyEncoder {
	tb.Helper()
	e := &bodyEncoder{}
	opts := []zstd.EOption{zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderCRC(false), zstd.WithEncoderConcurrency(1), zstd.WithSingleSegment(true)}
	if zdict != nil {
		info, err := zstd.InspectDictionary(zdict)
		if err != nil {
			tb.Fatal(err)
		}
		e.id = info.ID()
		e.s2d = s2.MakeDictManual(info.Content(), 0)
		opts = append(opts, zstd.WithEncoderDict(zdict))
	}
	var err error
	if e.zenc, err = zstd.NewWriter(nil, opts...); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.zenc.Close() })
	return e
}

// body returns the body length for payload with algorithm alg (codec.S2 or
// codec.Zstd; codec.None for CompressAuto's choice), stored uncompressed
// when compression does not make it shorter.
func (e *bodyEncoder) body(alg codec.Compression, payload []byte) int {
	if len(payload) < codec.DefaultMinSize {
		return len(payload)
	}
	if alg == codec.None {
		alg = codec.S2
		if len(payload) >= codec.DefaultZstdFrom {
			alg = codec.Zstd
		}
	}
	b := binary.AppendUvarint(nil, uint64(e.id))
	switch {
	case alg == codec.Zstd:
		b = e.zenc.EncodeAll(payload, b)
	case e.s2d != nil:
		b = append(b, e.s2d.Encode(nil, payload)...)
	default:
		b = append(b, s2.Encode(nil, payload)...)
	}
	return min(len(b), len(payload))
}

func codecBody(tb testing.TB, o codec.Options, payload []byte) int {
	c, err := codec.New(o)
	if err != nil {
		tb.Fatal(err)
	}
	b, _ := c.Encode(nil, payload)
	return len(b)
}

func payloads(tb testing.TB, sessions []variedcorpus.Session) [][]byte {
	out := make([][]byte, len(sessions))
	for i, s := range sessions {
		b, err := codec.JSON{}.Marshal(s.Session)
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = b
	}
	return out
}

// ownS2UpTo is the payload size up to which the codec compresses with a
// dictionary through crumb's own S2 encoder (codec/s2encode.go), which is
// not exported: bodyEncoder uses klauspost's for every dictionary, so the
// candidate and dictionary 1 are measured by the same encoder and stay
// comparable, but those bodies differ from the codec's by a few bytes.
const ownS2UpTo = 640

// TestBodyEncoderMatchesCodec: outside that range, bodyEncoder writes
// exactly the codec's bodies.
func TestBodyEncoderMatchesCodec(t *testing.T) {
	d1 := newBodyEncoder(t, codec.DefaultDictionary().Bytes())
	none := newBodyEncoder(t, nil)
	for _, p := range append(payloads(t, loadVaried(t)), sessiongen.Corpus(99, 64)...) {
		for _, c := range []struct {
			e   *bodyEncoder
			alg codec.Compression
			o   codec.Options
		}{
			{d1, codec.None, codec.Options{}},
			{d1, codec.S2, codec.Options{Compress: codec.CompressS2}},
			{d1, codec.Zstd, codec.Options{Compress: codec.CompressZstd}},
			{none, codec.None, codec.Options{NoDictionary: true}},
		} {
			if c.e.id != 0 && c.alg != codec.Zstd && len(p) <= ownS2UpTo && (c.alg == codec.S2 || len(p) < codec.DefaultZstdFrom) {
				continue // the codec's own S2 encoder: see ownS2UpTo
			}
			if got, want := c.e.body(c.alg, p), codecBody(t, c.o, p); got != want {
				t.Fatalf("%d-byte payload, %v, dictionary %d: %d bytes, codec %d", len(p), c.alg, c.e.id, got, want)
			}
		}
	}
}

// TestCandidateDictionary compares dictionary 1 with the candidate on the
// held-out part of the varied corpus only (the candidate never saw it),
// and on fresh sessiongen sessions (seed 99, not the corpus of either), on
// the S2 path, the Zstandard path (each forced for every payload) and the
// default codec's choice; it prints the tables with -v:
//
//	cd bench && go test -run TestCandidateDictionary -v
//
// CRUMB_DICTS=a.zdict,b.zdict adds further dictionaries to the table.
func TestCandidateDictionary(t *testing.T) {
	cand, err := os.ReadFile(CandidatePath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zstd.InspectDictionary(cand); err != nil {
		t.Fatal(err)
	}
	type dict struct {
		name string
		e    *bodyEncoder
	}
	dicts := []dict{{"none", newBodyEncoder(t, nil)}, {"dict 1", newBodyEncoder(t, codec.DefaultDictionary().Bytes())}, {"candidate", newBodyEncoder(t, cand)}}
	if extra := os.Getenv("CRUMB_DICTS"); extra != "" {
		for _, p := range strings.Split(extra, ",") {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			dicts = append(dicts, dict{filepath.Base(p), newBodyEncoder(t, b)})
		}
	}
	held := variedcorpus.Filter(loadVaried(t), variedcorpus.HeldOut)
	sz, err := NewSizer()
	if err != nil {
		t.Fatal(err)
	}
	defer sz.Close()
	sizes, err := sz.MeasureAll(held)
	if err != nil {
		t.Fatal(err)
	}
	ps := payloads(t, held)

	// Cookie characters for a body: the token is base64url (no padding)
	// of a fixed overhead plus the body; the overhead comes from crumb's
	// own cookie with dictionary 1.
	d1 := dicts[1].e
	chars := func(i, body int) int {
		overhead := sizes[i].Crumb*6/8 - d1.body(codec.None, ps[i])
		return base64.RawURLEncoding.EncodedLen(overhead + body)
	}
	for i := range ps {
		if got := chars(i, d1.body(codec.None, ps[i])); got != sizes[i].Crumb {
			t.Fatalf("%s: %d characters computed, crumb made %d", held[i].ID, got, sizes[i].Crumb)
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Held-out part of testdata/corpus/varied-v1.jsonl (%d sessions). Medians per category: body bytes on the S2 path and on the Zstandard path (each forced for every payload), cookie characters with the default codec (S2 under 2 KiB, Zstandard above), and the median per-session ratio of that cookie to gorilla gob's.\n\n", len(held))
	var names []string
	for _, d := range dicts {
		names = append(names, d.name)
	}
	hdr := strings.Join(names, " / ")
	fmt.Fprintf(&b, "| category | n | JSON bytes | S2 body: %s | Zstd body: %s | cookie chars: %s | cookie / gob: %s |\n|---|---|---|---|---|---|---|\n", hdr, hdr, hdr, hdr)
	cats := append(variedcorpus.Categories(held), "all")
	for _, c := range cats {
		var idx []int
		for i, s := range held {
			if c == "all" || s.Category == c {
				idx = append(idx, i)
			}
		}
		med := func(f func(i int) float64) float64 {
			xs := make([]float64, len(idx))
			for k, i := range idx {
				xs[k] = f(i)
			}
			return variedcorpus.Median(xs)
		}
		var s2s, zs, cs, rs []string
		for _, d := range dicts {
			s2s = append(s2s, fmt.Sprintf("%.0f", med(func(i int) float64 { return float64(d.e.body(codec.S2, ps[i])) })))
			zs = append(zs, fmt.Sprintf("%.0f", med(func(i int) float64 { return float64(d.e.body(codec.Zstd, ps[i])) })))
			cs = append(cs, fmt.Sprintf("%.0f", med(func(i int) float64 { return float64(chars(i, d.e.body(codec.None, ps[i]))) })))
			rs = append(rs, fmt.Sprintf("%.1f%%", 100*med(func(i int) float64 { return float64(chars(i, d.e.body(codec.None, ps[i]))) / float64(sizes[i].Gob) })))
		}
		name := c
		if c == "all" {
			name = "**all**"
		}
		fmt.Fprintf(&b, "| %s | %d | %.0f | %s | %s | %s | %s |\n", name, len(idx), med(func(i int) float64 { return float64(len(ps[i])) }),
			strings.Join(s2s, " / "), strings.Join(zs, " / "), strings.Join(cs, " / "), strings.Join(rs, " / "))
	}

	// sessiongen's shapes, fresh sessions: what the built-in dictionary was
	// made for must not get worse.
	fmt.Fprintf(&b, "\nsessiongen.Corpus(99, 128) (fresh sessions of the built-in dictionary's shapes). Median body bytes, default codec.\n\n| shape | n | JSON bytes | body: %s |\n|---|---|---|---|\n", hdr)
	gen := sessiongen.Corpus(99, 128)
	for _, sh := range []struct {
		name string
		keep func(i int) bool
	}{{"small", func(i int) bool { return i%4 < 2 }}, {"medium", func(i int) bool { return i%4 == 2 }}, {"large", func(i int) bool { return i%4 == 3 }}, {"**all**", func(int) bool { return true }}} {
		var group [][]byte
		for i, p := range gen {
			if sh.keep(i) {
				group = append(group, p)
			}
		}
		med := func(f func(p []byte) float64) float64 {
			xs := make([]float64, len(group))
			for k, p := range group {
				xs[k] = f(p)
			}
			return variedcorpus.Median(xs)
		}
		var bs []string
		for _, d := range dicts {
			bs = append(bs, fmt.Sprintf("%.0f", med(func(p []byte) float64 { return float64(d.e.body(codec.None, p)) })))
		}
		fmt.Fprintf(&b, "| %s | %d | %.0f | %s |\n", sh.name, len(group), med(func(p []byte) float64 { return float64(len(p)) }), strings.Join(bs, " / "))
	}
	if testing.Verbose() {
		fmt.Print(b.String())
	}
}

// TestLeaveOneCategoryOut (opt-in: CRUMB_LOCO=1, ~20 s) asks whether a
// dictionary trained on the mix helps shapes it never saw: for each
// category, a dictionary is trained like the candidate but without any
// session of that category, and compared with dictionary 1 on the
// category's held-out sessions (default codec, body bytes). The held-out
// split shares the templates' strings with the training split; this does
// not.
//
//	cd bench && CRUMB_LOCO=1 go test -run TestLeaveOneCategoryOut -v
func TestLeaveOneCategoryOut(t *testing.T) {
	if os.Getenv("CRUMB_LOCO") == "" {
		t.Skip("set CRUMB_LOCO=1 to train 14 dictionaries")
	}
	all := loadVaried(t)
	d1 := newBodyEncoder(t, codec.DefaultDictionary().Bytes())
	var b strings.Builder
	fmt.Fprintf(&b, "Leave one category out: median body bytes of the category's held-out sessions, default codec.\n\n| category left out | n | JSON bytes | dict 1 | trained without it | change |\n|---|---|---|---|---|---|\n")
	var d1All, locoAll []float64
	for _, c := range variedcorpus.Categories(all) {
		var train, test []variedcorpus.Session
		for _, s := range all {
			switch {
			case s.Category == c && s.Split == variedcorpus.HeldOut:
				test = append(test, s)
			case s.Category != c && s.Split == variedcorpus.Train:
				train = append(train, s)
			}
		}
		samples := append(sessiongen.Corpus(sessiongen.CorpusSeed, sessiongen.CorpusSize), payloads(t, train)...)
		d, err := codec.TrainDictionary(2, samples, 0)
		if err != nil {
			t.Fatal(err)
		}
		e := newBodyEncoder(t, d.Bytes())
		var js, x1, x2 []float64
		for _, p := range payloads(t, test) {
			js = append(js, float64(len(p)))
			x1 = append(x1, float64(d1.body(codec.None, p)))
			x2 = append(x2, float64(e.body(codec.None, p)))
		}
		d1All, locoAll = append(d1All, x1...), append(locoAll, x2...)
		m1, m2 := variedcorpus.Median(x1), variedcorpus.Median(x2)
		fmt.Fprintf(&b, "| %s | %d | %.0f | %.0f | %.0f | %+.1f%% |\n", c, len(test), variedcorpus.Median(js), m1, m2, 100*(m2/m1-1))
	}
	m1, m2 := variedcorpus.Median(d1All), variedcorpus.Median(locoAll)
	fmt.Fprintf(&b, "| **all** | %d | | %.0f | %.0f | %+.1f%% |\n", len(d1All), m1, m2, 100*(m2/m1-1))
	if testing.Verbose() {
		fmt.Print(b.String())
	}
}

// BenchmarkCandidateDictionary puts the candidate's verdict into `make
// bench`'s output, so BENCHMARKS.md carries it: on the varied corpus's
// held-out part, the median cookie characters (default codec) and the
// median per-session ratio to gorilla gob, with dictionary 1 and with the
// candidate, and on fresh sessiongen sessions of the large shape the median
// body bytes with each. The sizes are deterministic; the time per op is
// that of one whole measurement.
func BenchmarkCandidateDictionary(b *testing.B) {
	cand, err := os.ReadFile(CandidatePath)
	if err != nil {
		b.Fatal(err)
	}
	held := variedcorpus.Filter(loadVaried(b), variedcorpus.HeldOut)
	ps := payloads(b, held)
	sz, err := NewSizer()
	if err != nil {
		b.Fatal(err)
	}
	defer sz.Close()
	sizes, err := sz.MeasureAll(held)
	if err != nil {
		b.Fatal(err)
	}
	d1, dc := newBodyEncoder(b, codec.DefaultDictionary().Bytes()), newBodyEncoder(b, cand)
	var large [][]byte
	for i, p := range sessiongen.Corpus(99, 128) {
		if i%4 == 3 {
			large = append(large, p)
		}
	}
	var m map[string]float64
	for b.Loop() {
		m = map[string]float64{}
		for _, d := range []struct {
			name string
			e    *bodyEncoder
		}{{"dict1", d1}, {"candidate", dc}} {
			chars, ratio := make([]float64, len(ps)), make([]float64, len(ps))
			for i, p := range ps {
				overhead := sizes[i].Crumb*6/8 - d1.body(codec.None, p)
				n := base64.RawURLEncoding.EncodedLen(overhead + d.e.body(codec.None, p))
				chars[i], ratio[i] = float64(n), 100*float64(n)/float64(sizes[i].Gob)
			}
			bodies := make([]float64, len(large))
			for i, p := range large {
				bodies[i] = float64(d.e.body(codec.None, p))
			}
			m[d.name+"-chars"] = variedcorpus.Median(chars)
			m[d.name+"/gob-%"] = variedcorpus.Median(ratio)
			m[d.name+"-large-body"] = variedcorpus.Median(bodies)
		}
	}
	for k, v := range m {
		b.ReportMetric(v, k)
	}
}
