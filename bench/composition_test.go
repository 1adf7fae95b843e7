package bench

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"github.com/gorilla/securecookie"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/cookie"
)

// composer is one way of sealing a session value of type T into a cookie
// value and reading it back.
type composer[T any] struct {
	name   string
	create func(v T) (string, error)
	read   func(tok string) (T, error)
}

// compositionEnv holds what every composer shares: one crumb store per
// codec, one AEAD, one pair of gorilla keys.
type compositionEnv struct {
	crumb, crumbOff *cookie.Store
	aead            cipher.AEAD
	hashKey         []byte
	blockKey        []byte
}

func newCompositionEnv(tb testing.TB) *compositionEnv {
	tb.Helper()
	e := &compositionEnv{hashKey: securecookie.GenerateRandomKey(32), blockKey: securecookie.GenerateRandomKey(32)}
	var err error
	// Each composer opens every token it reads: the read cache, which
	// answers a token read again (BenchmarkCompositionOps reads one token
	// b.N times), is off, as the floor has none.
	if e.crumb, err = StoreWith(cookie.Options{ReadCache: -1}); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.crumb.Close() })
	off, err := codec.New(codec.Options{Compress: codec.CompressOff})
	if err != nil {
		tb.Fatal(err)
	}
	if e.crumbOff, err = StoreWith(cookie.Options{Codec: off, ReadCache: -1}); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.crumbOff.Close() })
	key := make([]byte, chacha20poly1305.KeySize)
	rand.Read(key)
	if e.aead, err = chacha20poly1305.NewX(key); err != nil {
		tb.Fatal(err)
	}
	return e
}

// composers returns, for values of type T:
//
//	naive         encoding/json, XChaCha20-Poly1305 with a crypto/rand
//	              nonce, base64url; no compression, no claims, no checks
//	crumb         Store.Create, then Store.Read + cookie.As (crumb's JSON
//	              for maps, encoding/json for structs); default codec
//	              (built-in dictionary). Every token is read once, so the
//	              read cache never answers.
//	crumb-off     the same with compression off (codec.CompressOff): the
//	              difference to crumb is the price of compression
//	gorilla-json  securecookie Encode / Decode with its JSON serializer
//	gorilla-gob   securecookie Encode / Decode with gob
func composers[T any](e *compositionEnv) []composer[T] {
	ctx := context.Background()
	ad := []byte("session")
	const ns = chacha20poly1305.NonceSizeX
	naive := composer[T]{
		name: "naive",
		create: func(v T) (string, error) {
			js, err := json.Marshal(v)
			if err != nil {
				return "", err
			}
			buf := make([]byte, ns, ns+len(js)+e.aead.Overhead())
			rand.Read(buf)
			return base64.RawURLEncoding.EncodeToString(e.aead.Seal(buf, buf, js, ad)), nil
		},
		read: func(tok string) (T, error) {
			var v T
			raw, err := base64.RawURLEncoding.DecodeString(tok)
			if err != nil {
				return v, err
			}
			if len(raw) < ns+e.aead.Overhead() {
				return v, errors.New("naive: token too short")
			}
			pt, err := e.aead.Open(raw[ns:ns], raw[:ns], raw[ns:], ad)
			if err != nil {
				return v, err
			}
			err = json.Unmarshal(pt, &v)
			return v, err
		},
	}
	crumb := func(name string, s *cookie.Store) composer[T] {
		return composer[T]{
			name: name,
			create: func(v T) (string, error) {
				return s.Create(ctx, cookie.CreateOptions{Data: v})
			},
			read: func(tok string) (T, error) {
				r, err := s.Read(ctx, tok)
				if err != nil {
					var zero T
					return zero, err
				}
				return cookie.As[T](r)
			},
		}
	}
	gorilla := func(name string, ser securecookie.Serializer) composer[T] {
		sc := securecookie.New(e.hashKey, e.blockKey).SetSerializer(ser).MaxLength(0)
		return composer[T]{
			name:   name,
			create: func(v T) (string, error) { return sc.Encode("session", v) },
			read: func(tok string) (T, error) {
				var v T
				err := sc.Decode("session", tok, &v)
				return v, err
			},
		}
	}
	return []composer[T]{
		naive,
		crumb("crumb", e.crumb),
		crumb("crumb-off", e.crumbOff),
		gorilla("gorilla-json", securecookie.JSONEncoder{}),
		gorilla("gorilla-gob", securecookie.GobEncoder{}),
	}
}

// BenchmarkComposition measures a session round trip (create, then read
// back into a value of the same type) for each composer on the typed
// payloads of issue 17 (TypedPayloads), as Go structs ("typed") and as
// map[string]any ("map"), against the naive composition as the floor:
//
//	Composition/<typed|map>/<small|medium|large>/<composer>
//
// Every composer gets the same payload bytes (the struct and the map
// marshal to the same JSON). Each sub-benchmark also reports the cookie
// value's length as "chars".
func BenchmarkComposition(b *testing.B) {
	e := newCompositionEnv(b)
	for _, p := range TypedPayloads() {
		switch v := p.Value.(type) {
		case AppSession:
			benchRoundTrips(b, "typed/"+p.Name, composers[AppSession](e), v)
		case ShopSession:
			benchRoundTrips(b, "typed/"+p.Name, composers[ShopSession](e), v)
		case OIDCSession:
			benchRoundTrips(b, "typed/"+p.Name, composers[OIDCSession](e), v)
		default:
			b.Fatalf("payload %s: unexpected type %T", p.Name, p.Value)
		}
		benchRoundTrips(b, "map/"+p.Name, composers[map[string]any](e), p.Map)
	}
}

func benchRoundTrips[T any](b *testing.B, prefix string, cs []composer[T], v T) {
	for _, c := range cs {
		b.Run(prefix+"/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			var tok string
			for b.Loop() {
				var err error
				if tok, err = c.create(v); err != nil {
					b.Fatal(err)
				}
				if _, err := c.read(tok); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(tok)), "chars")
		})
	}
}

// BenchmarkCompositionOps splits the round trip of BenchmarkComposition
// into its create and its read, for crumb and the naive composition on the
// typed payloads:
//
//	CompositionOps/<small|medium|large>/<naive|crumb|crumb-off>/<create|read>
func BenchmarkCompositionOps(b *testing.B) {
	e := newCompositionEnv(b)
	for _, p := range TypedPayloads() {
		switch v := p.Value.(type) {
		case AppSession:
			benchOps(b, p.Name, composers[AppSession](e)[:3], v)
		case ShopSession:
			benchOps(b, p.Name, composers[ShopSession](e)[:3], v)
		case OIDCSession:
			benchOps(b, p.Name, composers[OIDCSession](e)[:3], v)
		}
	}
}

func benchOps[T any](b *testing.B, name string, cs []composer[T], v T) {
	for _, c := range cs {
		b.Run(name+"/"+c.name+"/create", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.create(v); err != nil {
					b.Fatal(err)
				}
			}
		})
		tok, err := c.create(v)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/"+c.name+"/read", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.read(tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
