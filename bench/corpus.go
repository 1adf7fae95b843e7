package bench

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/internal/variedcorpus"
	"github.com/gorilla/securecookie"
)

// VariedCorpusPath is the varied corpus (testdata/corpus/varied-v1.jsonl),
// relative to this module's directory, where go test runs.
var VariedCorpusPath = filepath.Join("..", "testdata", "corpus", "varied-v1.jsonl")

// CookieLimit is the size a browser keeps of one cookie, name and value
// included: a value over CookieLimit-len("session=") needs a second cookie.
const CookieLimit = 4096

// SessionSize is the cookie value size of one corpus session with each
// library, from the same map[string]any.
type SessionSize struct {
	ID, Category, Split string
	JSON                int // payload bytes, as crumb's JSON serializer writes them
	Crumb               int // crumb, default codec (S2 < 2 KiB ≤ Zstandard, dictionary 1)
	CrumbOff            int // crumb without compression
	Gob                 int // gorilla/securecookie with gob
	GorillaJSON         int // gorilla/securecookie with JSON
}

// Sizer measures cookie value sizes. Cookie values are random (nonces,
// IVs) but their lengths are not, so sizes are deterministic.
type Sizer struct {
	crumb, off  *cookie.Store
	gob, gjson  *securecookie.SecureCookie
	hash, block []byte
}

// NewSizer returns a Sizer with fresh keys. Close it after use.
func NewSizer() (*Sizer, error) {
	off, err := codec.New(codec.Options{Compress: codec.CompressOff})
	if err != nil {
		return nil, err
	}
	s := &Sizer{hash: securecookie.GenerateRandomKey(32), block: securecookie.GenerateRandomKey(32)}
	if s.crumb, err = newStore(nil); err != nil {
		return nil, err
	}
	if s.off, err = newStore(off); err != nil {
		s.crumb.Close()
		return nil, err
	}
	s.gob = securecookie.New(s.hash, s.block).SetSerializer(securecookie.GobEncoder{}).MaxLength(0)
	s.gjson = securecookie.New(s.hash, s.block).SetSerializer(securecookie.JSONEncoder{}).MaxLength(0)
	return s, nil
}

// newStore is NewStore with a codec (nil: the default one) and room for
// uncompressed 7 KB sessions (the default cap is 8,192 characters).
func newStore(c *codec.Codec) (*cookie.Store, error) {
	return StoreWith(cookie.Options{Codec: c, MaxTokenLen: 32 << 10})
}

// Close releases the crumb stores.
func (s *Sizer) Close() {
	s.crumb.Close()
	s.off.Close()
}

// CrumbCreate creates a crumb session holding v with the default codec.
func (s *Sizer) CrumbCreate(v map[string]any) (string, error) {
	return s.crumb.Create(context.Background(), cookie.CreateOptions{Data: v})
}

// Measure returns the sizes of one session.
func (s *Sizer) Measure(x variedcorpus.Session) (SessionSize, error) {
	r := SessionSize{ID: x.ID, Category: x.Category, Split: x.Split}
	js, err := codec.JSON{}.Marshal(x.Session)
	if err != nil {
		return r, err
	}
	r.JSON = len(js)
	ctx := context.Background()
	for _, m := range []struct {
		dst *int
		enc func() (string, error)
	}{
		{&r.Crumb, func() (string, error) { return s.crumb.Create(ctx, cookie.CreateOptions{Data: x.Session}) }},
		{&r.CrumbOff, func() (string, error) { return s.off.Create(ctx, cookie.CreateOptions{Data: x.Session}) }},
		{&r.Gob, func() (string, error) {
			return medianLen(func() (string, error) { return s.gob.Encode("session", x.Session) })
		}},
		{&r.GorillaJSON, func() (string, error) { return s.gjson.Encode("session", x.Session) }},
	} {
		v, err := m.enc()
		if err != nil {
			return r, fmt.Errorf("%s: %w", x.ID, err)
		}
		*m.dst = len(v)
	}
	return r, nil
}

// gobRuns is how many times a session is gob-encoded: gob writes a map in
// Go's random iteration order, and where it first meets a type decides
// where the type's description goes, so the length varies by a few bytes
// from one encoding to the next; the median of gobRuns is stable.
const gobRuns = 15

// medianLen returns a value whose length is the median of gobRuns
// encodings.
func medianLen(enc func() (string, error)) (string, error) {
	vals := make([]string, gobRuns)
	for i := range vals {
		v, err := enc()
		if err != nil {
			return "", err
		}
		vals[i] = v
	}
	slices.SortFunc(vals, func(a, b string) int { return len(a) - len(b) })
	return vals[gobRuns/2], nil
}

// MeasureAll measures every session.
func (s *Sizer) MeasureAll(sessions []variedcorpus.Session) ([]SessionSize, error) {
	out := make([]SessionSize, 0, len(sessions))
	for _, x := range sessions {
		r, err := s.Measure(x)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// SizeSummary is the medians of a group of sessions.
type SizeSummary struct {
	Name                                 string
	N                                    int
	JSON, Crumb, CrumbOff, Gob, GJSON    float64 // medians
	CrumbGob                             float64 // median of the per-session crumb/gob ratios
	CrumbOver, OffOver, GobOver, GJSOver int     // values too long for one cookie
}

// Summarize groups sizes by category, in corpus order, and adds "all".
func Summarize(sizes []SessionSize) []SizeSummary {
	var order []string
	groups := map[string][]SessionSize{}
	for _, r := range sizes {
		if groups[r.Category] == nil {
			order = append(order, r.Category)
		}
		groups[r.Category] = append(groups[r.Category], r)
	}
	var out []SizeSummary
	for _, c := range order {
		out = append(out, summarize(c, groups[c]))
	}
	return append(out, summarize("all", sizes))
}

func summarize(name string, rs []SessionSize) SizeSummary {
	col := func(f func(SessionSize) float64) float64 {
		xs := make([]float64, len(rs))
		for i, r := range rs {
			xs[i] = f(r)
		}
		return variedcorpus.Median(xs)
	}
	over := func(f func(SessionSize) int) int {
		n := 0
		for _, r := range rs {
			if f(r)+len("session=") > CookieLimit {
				n++
			}
		}
		return n
	}
	return SizeSummary{
		Name: name, N: len(rs),
		JSON:      col(func(r SessionSize) float64 { return float64(r.JSON) }),
		Crumb:     col(func(r SessionSize) float64 { return float64(r.Crumb) }),
		CrumbOff:  col(func(r SessionSize) float64 { return float64(r.CrumbOff) }),
		Gob:       col(func(r SessionSize) float64 { return float64(r.Gob) }),
		GJSON:     col(func(r SessionSize) float64 { return float64(r.GorillaJSON) }),
		CrumbGob:  col(func(r SessionSize) float64 { return float64(r.Crumb) / float64(r.Gob) }),
		CrumbOver: over(func(r SessionSize) int { return r.Crumb }),
		OffOver:   over(func(r SessionSize) int { return r.CrumbOff }),
		GobOver:   over(func(r SessionSize) int { return r.Gob }),
		GJSOver:   over(func(r SessionSize) int { return r.GorillaJSON }),
	}
}

// WriteSizeTable writes the summaries as a Markdown table.
func WriteSizeTable(w io.Writer, sums []SizeSummary) {
	fmt.Fprintf(w, "Cookie value sizes on testdata/corpus/varied-v1.jsonl (medians per category; crumb/gob is the median of per-session ratios; %s/%s, %s)\n\n", runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintln(w, "| category | n | JSON bytes | crumb default | crumb uncompressed | gorilla gob | gorilla JSON | crumb / gob | over 4 KB: crumb / uncompressed / gob / JSON |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, s := range sums {
		name := s.Name
		if name == "all" {
			name = "**all**"
		}
		fmt.Fprintf(w, "| %s | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f%% | %d / %d / %d / %d |\n", name, s.N, s.JSON, s.Crumb, s.CrumbOff, s.Gob, s.GJSON, 100*s.CrumbGob, s.CrumbOver, s.OffOver, s.GobOver, s.GJSOver)
	}
}

// metricName turns a category into a benchmark name element.
func metricName(s string) string { return strings.ReplaceAll(s, "/", "-") }
