// Package variedcorpus is a hand-written corpus of session payloads in the
// shapes real applications keep in a cookie session: the auth sessions of
// Django, Rails/Devise, Laravel, Passport and Flask-Login, shopping carts in
// several currencies, flash and validation messages, feature-flag caches,
// OIDC sessions from several identity providers, and multi-step forms in
// several languages.
//
// It exists to measure cookie sizes on data crumb's own generator
// (internal/sessiongen, the corpus of the built-in dictionary) did not
// produce, and to train and judge dictionaries on a part of it while
// measuring on another part.
//
// The committed file is testdata/corpus/varied-v1.jsonl: one JSON object per
// line with "id", "category", "split" ("train" or "heldout") and "session",
// the session value. Generate produces it; the templates below were written
// by hand from the frameworks' documented session layouts, and everything
// random-looking (CSRF tokens, JWT signatures, IDs) comes from a seeded
// math/rand/v2 PCG, so the file is stable. No real user data is in it: names
// are invented, domains are example domains (provider issuer formats are the
// providers' public ones with invented tenants).
//
// Split: within each category, 6 of the 18 sessions, drawn by a seeded
// shuffle independent of the templates, are held out ("split":"heldout");
// the other 12 are the training part.
package variedcorpus

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
)

// Seed is the seed of the committed corpus.
const Seed = 17

// PerCategory is the number of sessions of each category.
const PerCategory = 18

// Split values.
const (
	Train   = "train"
	HeldOut = "heldout"
)

// Session is one corpus entry.
type Session struct {
	ID       string         `json:"id"`
	Category string         `json:"category"`
	Split    string         `json:"split"`
	Session  map[string]any `json:"session"`
}

// Encode writes sessions as JSON lines (encoding/json: sorted map keys).
func Encode(w io.Writer, sessions []Session) error {
	bw := bufio.NewWriter(w)
	for _, s := range sessions {
		b, err := json.Marshal(s)
		if err != nil {
			return fmt.Errorf("variedcorpus: %s: %w", s.ID, err)
		}
		bw.Write(b)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// Decode reads JSON lines as Encode writes them. Numbers become int64 when
// they are integers that fit, float64 otherwise: the types an application
// would have put in the session.
func Decode(r io.Reader) ([]Session, error) {
	var out []Session
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		d := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		d.UseNumber()
		var s Session
		if err := d.Decode(&s); err != nil {
			return nil, fmt.Errorf("variedcorpus: line %d: %w", n, err)
		}
		if s.ID == "" || s.Category == "" || (s.Split != Train && s.Split != HeldOut) || s.Session == nil {
			return nil, fmt.Errorf("variedcorpus: line %d: missing id, category, split or session", n)
		}
		s.Session = numbers(s.Session).(map[string]any)
		out = append(out, s)
	}
	return out, sc.Err()
}

// Load reads the corpus file at path.
func Load(path string) ([]Session, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Decode(f)
}

func numbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		if math.IsInf(f, 0) {
			return x.String()
		}
		return f
	}
	return v
}

// Categories returns the categories of sessions in first-seen order.
func Categories(sessions []Session) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range sessions {
		if !seen[s.Category] {
			seen[s.Category] = true
			out = append(out, s.Category)
		}
	}
	return out
}

// Filter returns the sessions of the given split ("" for all).
func Filter(sessions []Session, split string) []Session {
	var out []Session
	for _, s := range sessions {
		if split == "" || s.Split == split {
			out = append(out, s)
		}
	}
	return out
}

// Median returns the median of xs (the mean of the middle two for an even
// count), 0 for none. xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
