package bench

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"aidanwoods.dev/go-paseto"
	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/crumbhq/crumb/cookie"
)

// nopWriter is the cheapest ResponseWriter, for gorilla/sessions' Save.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

// roundTrip is one library's create + read of a session: it returns the
// cookie value the browser would carry.
type roundTrip func(b *testing.B, v map[string]any) string

// BenchmarkCompare measures, for each payload and library, one whole
// session round trip: create a session holding the map (serialize, protect,
// encode the cookie value) and read it back into a map on the next request.
// Every sub-benchmark also reports the cookie value's length as "chars".
//
//	crumb             Store.Create + Store.Read + cookie.As, default codec
//	crumb-dict        the same with a dictionary trained in setup
//	floor             json.Marshal, XChaCha20-Poly1305 seal, base64url, and back
//	gorilla-gob       securecookie Encode/Decode, gob (HMAC-SHA256 + AES-CTR)
//	gorilla-json      securecookie Encode/Decode, JSON
//	gorilla-sessions  CookieStore Save, then New on a request carrying the cookie
//	paseto-v4-local   json.Marshal, V4Encrypt, ParseV4Local (no time rules), Claims
//	scs-memstore      scs Load/Put/Commit, Load/Get on the token, memstore;
//	                  the entry is deleted after each op to bound memory
func BenchmarkCompare(b *testing.B) {
	ctx := context.Background()
	crumbStore, err := NewStore(nil)
	if err != nil {
		b.Fatal(err)
	}
	defer crumbStore.Close()
	dict, err := TrainDictionary()
	if err != nil {
		b.Fatal(err)
	}
	dictStore, err := NewStore(dict)
	if err != nil {
		b.Fatal(err)
	}
	defer dictStore.Close()
	crumbRT := func(s *cookie.Store) roundTrip {
		return func(b *testing.B, v map[string]any) string {
			tok, err := s.Create(ctx, cookie.CreateOptions{Data: v})
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
			return tok
		}
	}

	key := make([]byte, chacha20poly1305.KeySize)
	rand.Read(key)
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		b.Fatal(err)
	}
	ad := []byte("session")
	floor := func(b *testing.B, v map[string]any) string {
		js, err := json.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, chacha20poly1305.NonceSizeX, chacha20poly1305.NonceSizeX+len(js)+aead.Overhead())
		rand.Read(buf)
		tok := base64.RawURLEncoding.EncodeToString(aead.Seal(buf, buf, js, ad))
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			b.Fatal(err)
		}
		pt, err := aead.Open(raw[chacha20poly1305.NonceSizeX:chacha20poly1305.NonceSizeX], raw[:chacha20poly1305.NonceSizeX], raw[chacha20poly1305.NonceSizeX:], ad)
		if err != nil {
			b.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(pt, &m); err != nil {
			b.Fatal(err)
		}
		return tok
	}

	hashKey, blockKey := securecookie.GenerateRandomKey(32), securecookie.GenerateRandomKey(32)
	secure := func(s securecookie.Serializer) roundTrip {
		sc := securecookie.New(hashKey, blockKey).SetSerializer(s).MaxLength(0)
		return func(b *testing.B, v map[string]any) string {
			enc, err := sc.Encode("session", v)
			if err != nil {
				b.Fatal(err)
			}
			var m map[string]any
			if err := sc.Decode("session", enc, &m); err != nil {
				b.Fatal(err)
			}
			return enc
		}
	}

	gs := sessions.NewCookieStore(hashKey, blockKey)
	for _, c := range gs.Codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxLength(0) // the large session exceeds gorilla's 4096 default
		}
	}
	gw := &nopWriter{h: http.Header{}}
	greq, _ := http.NewRequest("GET", "https://example.com/", nil)
	gorillaSessions := func(b *testing.B, v map[string]any) string {
		r := *greq
		r.Header = http.Header{}
		s, _ := gs.New(&r, "session")
		for k, x := range v {
			s.Values[k] = x
		}
		if err := gs.Save(&r, gw, s); err != nil {
			b.Fatal(err)
		}
		line := gw.h.Get("Set-Cookie")
		clear(gw.h)
		val, _, _ := strings.Cut(strings.TrimPrefix(line, "session="), ";")
		r.Header.Set("Cookie", "session="+val)
		s2, err := gs.New(&r, "session")
		if err != nil || len(s2.Values) != len(v) {
			b.Fatalf("gorilla/sessions read: %v (%d values)", err, len(s2.Values))
		}
		return val
	}

	pkey := paseto.NewV4SymmetricKey()
	parser := paseto.NewParserWithoutExpiryCheck()
	pasetoRT := func(b *testing.B, v map[string]any) string {
		js, err := json.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		t, err := paseto.NewTokenFromClaimsJSON(js, nil)
		if err != nil {
			b.Fatal(err)
		}
		tok := t.V4Encrypt(pkey, nil)
		t2, err := parser.ParseV4Local(pkey, tok, nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(t2.Claims()) != len(v) {
			b.Fatal("paseto: claims lost")
		}
		return tok
	}

	mem := memstore.NewWithCleanupInterval(0)
	sm := scs.New()
	sm.Store = mem
	scsRT := func(b *testing.B, v map[string]any) string {
		c, err := sm.Load(ctx, "")
		if err != nil {
			b.Fatal(err)
		}
		for k, x := range v {
			sm.Put(c, k, x)
		}
		tok, _, err := sm.Commit(c)
		if err != nil {
			b.Fatal(err)
		}
		c2, err := sm.Load(ctx, tok)
		if err != nil {
			b.Fatal(err)
		}
		for k := range v {
			if sm.Get(c2, k) == nil {
				b.Fatal("scs: value lost")
			}
		}
		mem.Delete(tok)
		return tok
	}

	libs := []struct {
		name string
		rt   roundTrip
	}{
		{"crumb", crumbRT(crumbStore)},
		{"crumb-dict", crumbRT(dictStore)},
		{"floor", floor},
		{"gorilla-gob", secure(securecookie.GobEncoder{})},
		{"gorilla-json", secure(securecookie.JSONEncoder{})},
		{"gorilla-sessions", gorillaSessions},
		{"paseto-v4-local", pasetoRT},
		{"scs-memstore", scsRT},
	}
	for _, sh := range Shapes() {
		for _, l := range libs {
			b.Run(sh.Name+"/"+l.name, func(b *testing.B) {
				b.ReportAllocs()
				var tok string
				for b.Loop() {
					tok = l.rt(b, sh.Value)
				}
				b.ReportMetric(float64(len(tok)), "chars")
				b.ReportMetric(float64(len(sh.JSON)), "json-bytes")
			})
		}
	}
}
