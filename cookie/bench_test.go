package cookie_test

import (
	"encoding/gob"
	"testing"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/internal/sessiongen"
	"github.com/gorilla/securecookie"
)

// BenchmarkCreateRead measures a whole session round trip, the same work on
// both sides: crumb's Create (serialize, compress, seal) then Read with the
// data decoded into a map[string]any (open, check, revocation lookup,
// decompress, deserialize), against gorilla/securecookie Encode then Decode
// of the same map with gob and with JSON. One op = create + read.
func BenchmarkCreateRead(b *testing.B) {
	gob.Register(map[string]any{})
	gob.Register([]any{})
	gob.Register([]string{})
	g := sessiongen.New(99)
	shapes := []struct {
		name  string
		value map[string]any
	}{{"small", g.Small()}, {"medium", g.Medium()}}

	s := newStore(b, cookie.Options{})
	hashKey, blockKey := securecookie.GenerateRandomKey(32), securecookie.GenerateRandomKey(32)
	gorillas := []struct {
		name string
		sc   *securecookie.SecureCookie
	}{
		{"gorilla-gob", securecookie.New(hashKey, blockKey).SetSerializer(securecookie.GobEncoder{}).MaxLength(0)},
		{"gorilla-json", securecookie.New(hashKey, blockKey).SetSerializer(securecookie.JSONEncoder{}).MaxLength(0)},
	}
	for _, sh := range shapes {
		b.Run("crumb/"+sh.name, func(b *testing.B) {
			b.ReportAllocs()
			var tok string
			for b.Loop() {
				var err error
				tok, err = s.Create(ctx, cookie.CreateOptions{Data: sh.value})
				if err != nil {
					b.Fatal(err)
				}
				r, err := s.Read(ctx, tok)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := cookie.As[map[string]any](r); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(tok)), "chars")
		})
		for _, gr := range gorillas {
			b.Run(gr.name+"/"+sh.name, func(b *testing.B) {
				b.ReportAllocs()
				var enc string
				for b.Loop() {
					var err error
					enc, err = gr.sc.Encode("session", sh.value)
					if err != nil {
						b.Fatal(err)
					}
					var m map[string]any
					if err := gr.sc.Decode("session", enc, &m); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(enc)), "chars")
			})
		}
	}
}

// BenchmarkRead measures the request that only reads a session: Read and one
// typed value, the common case behind the middleware. <shape> reads the same
// token again and again, as a browser sends its cookie, and is answered
// from the read cache (Options.ReadCache) from the third read on;
// <shape>-no-cache turns it off: every read opens the token, as the first
// reads of each token do.
func BenchmarkRead(b *testing.B) {
	g := sessiongen.New(99)
	for _, sh := range []struct {
		name  string
		value map[string]any
	}{{"small", g.Small()}, {"medium", g.Medium()}} {
		for _, c := range []struct {
			suffix string
			cache  int
		}{{"", 0}, {"-no-cache", -1}} {
			benchRead(b, newStore(b, cookie.Options{ReadCache: c.cache}), sh.name+c.suffix, sh.value)
		}
	}
}

func benchRead(b *testing.B, s *cookie.Store, name string, value map[string]any) {
	tok, err := s.Create(ctx, cookie.CreateOptions{Data: value})
	if err != nil {
		b.Fatal(err)
	}
	b.Run(name, func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r, err := s.Read(ctx, tok)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := cookie.Get[string](r, "locale"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
