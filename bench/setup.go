// Package bench compares crumb with the session libraries users choose
// between: gorilla/securecookie (gob and JSON), gorilla/sessions'
// CookieStore, PASETO v4.local, alexedwards/scs with its memory store, and
// the raw XChaCha20-Poly1305 floor. It is its own module
// (github.com/crumbhq/crumb/bench) so the peers stay out of crumb's go.mod.
//
// Run it with `make bench` from the repository root, which also runs the
// HTTP load test (cmd/loadtest) and regenerates BENCHMARKS.md.
package bench

import (
	"encoding/gob"
	"fmt"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/internal/sessiongen"
	"github.com/crumbhq/crumb/keyring"
)

// PayloadSeed is the seed of the benchmark payloads: the same as crumb's own
// benchmarks (internal/token, cookie), so both suites measure the same bytes.
const PayloadSeed = 99

// TrainSeed seeds the samples the benchmark's own dictionary is trained on:
// sessions of the same shapes as the payloads but not the payloads
// themselves (nor the corpus of the built-in dictionary, seed 1).
const TrainSeed = 7

// TrainedDictionaryID is the ID of the dictionary trained in setup.
const TrainedDictionaryID = codec.FirstCustomDictionaryID

func init() {
	// gob (gorilla, scs) needs the dynamic types of the session maps.
	gob.Register(map[string]any{})
	gob.Register([]any{})
	gob.Register([]string{})
}

// Shape is one payload: a session value and its JSON form.
type Shape struct {
	Name  string
	Value map[string]any
	JSON  []byte
}

// Shapes returns the three sessiongen payloads: small (~150 B of JSON),
// medium (~1 KB) and large (~6 KB), generated with PayloadSeed.
func Shapes() []Shape {
	g := sessiongen.New(PayloadSeed)
	var out []Shape
	for _, s := range []struct {
		name string
		v    map[string]any
	}{{"small", g.Small()}, {"medium", g.Medium()}, {"large", g.Large()}} {
		out = append(out, Shape{s.name, s.v, sessiongen.JSON(s.v)})
	}
	return out
}

// TrainDictionary trains a dictionary the way a deployment would: from
// sessions of its own shapes (sessiongen.Corpus with TrainSeed, 512 samples).
func TrainDictionary() (*codec.Dictionary, error) {
	return codec.TrainDictionary(TrainedDictionaryID, sessiongen.Corpus(TrainSeed, 512), 0)
}

// NewStore returns a crumb store with a fresh key and the default codec, or
// a codec compressing with d when d is not nil.
func NewStore(d *codec.Dictionary) (*cookie.Store, error) {
	if d == nil {
		return newStoreWithCodec(nil)
	}
	c, err := codec.New(codec.Options{Dictionary: d})
	if err != nil {
		return nil, fmt.Errorf("codec: %w", err)
	}
	return newStoreWithCodec(c)
}

// newStoreWithCodec returns a crumb store with a fresh key and codec c (nil
// for the default).
func newStoreWithCodec(c *codec.Codec) (*cookie.Store, error) {
	return StoreWith(cookie.Options{Codec: c})
}

// StoreWith returns a crumb store with options o, and a fresh key unless
// o.Keys is set (pass another store's Keys for two stores that read the
// same tokens).
func StoreWith(o cookie.Options) (*cookie.Store, error) {
	if o.Keys != nil {
		return cookie.New(o)
	}
	k, err := keyring.NewKey(keyring.StatePrimary)
	if err != nil {
		return nil, err
	}
	ring, err := keyring.NewRing(k)
	if err != nil {
		return nil, err
	}
	o.Keys = ring
	return cookie.New(o)
}
