package token_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/sessiongen"
	"github.com/crumbhq/crumb/internal/token"
	"github.com/crumbhq/crumb/keyring"
)

const purpose = "session"

var now = time.Unix(1767225600, 0)

func newRing(t testing.TB, states ...keyring.State) (*keyring.Ring, []keyring.Key) {
	t.Helper()
	var keys []keyring.Key
	for _, st := range states {
		k, err := keyring.NewKey(st)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	r, err := keyring.NewRing(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return r, keys
}

func newCodec(t testing.TB, o codec.Options) *codec.Codec {
	t.Helper()
	c, err := codec.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func claims(subject string) *token.Claims {
	c := &token.Claims{
		Subject: subject, Created: now.Unix() - 600, Issued: now.Unix() - 60,
		Expires: now.Unix() - 600 + 12*3600, IdleDeadline: now.Unix() - 60 + 1800,
		Serializer: codec.JSONID,
	}
	copy(c.SessionID[:], "0123456789abcdef")
	return c
}

func params(r *keyring.Ring, cd *codec.Codec) *token.Params {
	return &token.Params{Ring: r, Codec: cd, Purpose: purpose, Now: now, Skew: token.DefaultSkew, MaxLen: token.DefaultMaxLen}
}

func TestRoundTrip(t *testing.T) {
	r, keys := newRing(t, keyring.StatePrimary, keyring.StateActive)
	g := sessiongen.New(5)
	payloads := [][]byte{nil, sessiongen.JSON(g.Small()), sessiongen.JSON(g.Medium()), sessiongen.JSON(g.Large())}
	for _, o := range []codec.Options{{}, {Compress: codec.CompressOff}, {PadTo: 128}, {Compress: codec.CompressZstd, NoDictionary: true}} {
		cd := newCodec(t, o)
		for _, p := range payloads {
			c := claims("bob")
			c.Metadata = map[string]string{"z": "last", "a": "first", "ip": "2001:db8::1"}
			tok, err := token.Seal(r, cd, purpose, c, p, token.DefaultMaxLen)
			if err != nil {
				t.Fatal(err)
			}
			var got token.Opened
			payload, err := token.Open(tok, params(r, cd), &got)
			if err != nil {
				t.Fatalf("%+v, %d bytes: %v", o, len(p), err)
			}
			if !bytes.Equal(payload, p) || got.Subject != "bob" || got.SessionID != c.SessionID ||
				got.Created != c.Created || got.Issued != c.Issued || got.Expires != c.Expires || got.IdleDeadline != c.IdleDeadline ||
				got.Serializer != codec.JSONID || got.Format != c.Format || len(got.Metadata) != 3 || got.Metadata["ip"] != "2001:db8::1" ||
				got.KeyID != keys[0].ID || !got.Primary {
				t.Fatalf("%+v, %d bytes: round trip changed the token: %+v", o, len(p), got.Claims)
			}
		}
	}
}

// TestEmptySessionBudget checks the overhead budget of DESIGN.md: an empty
// session without subject seals to at most 110 characters.
func TestEmptySessionBudget(t *testing.T) {
	r, _ := newRing(t, keyring.StatePrimary)
	c := claims("")
	c.Serializer = codec.RawID
	tok, err := token.Seal(r, newCodec(t, codec.Options{}), purpose, c, nil, token.DefaultMaxLen)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("empty session: %d characters", len(tok))
	if len(tok) > 110 {
		t.Fatalf("empty session is %d characters, budget 110", len(tok))
	}
	// SPEC.md §10: a fresh empty session with default timeouts is 100
	// characters; §8 step 2: the smallest possible token is 91.
	c.Issued, c.IdleDeadline = c.Created, c.Created+1800
	if tok, _ := token.Seal(r, newCodec(t, codec.Options{}), purpose, c, nil, token.DefaultMaxLen); len(tok) != 100 {
		t.Errorf("fresh empty session: %d characters, SPEC.md says 100", len(tok))
	}
	tiny := &token.Claims{Created: 0, Issued: 0, Expires: 1, IdleDeadline: 1}
	tok, err = token.Seal(r, newCodec(t, codec.Options{}), purpose, tiny, nil, token.DefaultMaxLen)
	if err != nil || len(tok) != token.MinLen || token.MinLen != 91 {
		t.Errorf("smallest token: %d characters (%v), MinLen %d, SPEC.md says 91", len(tok), err, token.MinLen)
	}
}

func TestSealRejectsBadClaims(t *testing.T) {
	r, _ := newRing(t, keyring.StatePrimary)
	cd := newCodec(t, codec.Options{})
	bad := map[string]func(c *token.Claims){
		"issued before created": func(c *token.Claims) { c.Issued = c.Created - 1 },
		"idle before issued":    func(c *token.Claims) { c.IdleDeadline = c.Issued },
		"idle after expiry":     func(c *token.Claims) { c.IdleDeadline = c.Expires + 1 },
		"negative created":      func(c *token.Claims) { c.Created = -1 },
		"expiry past MaxTime":   func(c *token.Claims) { c.Expires, c.IdleDeadline = token.MaxTime+1, token.MaxTime },
		"subject too long":      func(c *token.Claims) { c.Subject = strings.Repeat("x", token.MaxSubjectLen+1) },
		"subject not UTF-8":     func(c *token.Claims) { c.Subject = "\xff" },
		"empty metadata key":    func(c *token.Claims) { c.Metadata = map[string]string{"": "v"} },
		"metadata value too long": func(c *token.Claims) {
			c.Metadata = map[string]string{"k": strings.Repeat("v", token.MaxMetaValueLen+1)}
		},
		"too many metadata": func(c *token.Claims) {
			c.Metadata = map[string]string{}
			for i := range token.MaxMetadata + 1 {
				c.Metadata[string(rune('a'+i))] = ""
			}
		},
		"serializer out of range": func(c *token.Claims) { c.Serializer = 8 },
	}
	for name, edit := range bad {
		c := claims("x")
		edit(c)
		if _, err := token.Seal(r, cd, purpose, c, nil, token.DefaultMaxLen); err == nil {
			t.Errorf("%s: sealed", name)
		}
	}
}

// TestSealRefusesWhatOpenRejects: a payload over the codec's cap would
// seal into a token its own reader rejects; Seal refuses it instead, whether
// or not it compresses well.
func TestSealRefusesWhatOpenRejects(t *testing.T) {
	r, _ := newRing(t, keyring.StatePrimary)
	for _, o := range []codec.Options{{}, {Compress: codec.CompressOff}} {
		cd := newCodec(t, o)
		_, err := token.Seal(r, cd, purpose, claims(""), make([]byte, cd.MaxDecoded()+1), 1<<20)
		if token.ReasonOf(err) != token.ReasonPayloadTooLarge {
			t.Fatalf("%+v: got %v", o, err)
		}
		tok, err := token.Seal(r, cd, purpose, claims(""), make([]byte, cd.MaxDecoded()), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		p := params(r, cd)
		p.MaxLen = 1 << 20
		var op token.Opened
		if _, err := token.Open(tok, p, &op); err != nil {
			t.Fatalf("%+v: a payload at the cap: %v", o, err)
		}
	}
}

func TestSealTooLarge(t *testing.T) {
	r, _ := newRing(t, keyring.StatePrimary)
	cd := newCodec(t, codec.Options{Compress: codec.CompressOff})
	_, err := token.Seal(r, cd, purpose, claims(""), make([]byte, 4000), 4096)
	if !errors.Is(err, token.ErrTooLarge) || token.ReasonOf(err) != token.ReasonTokenTooLarge {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "cap 4096") {
		t.Errorf("error should say the cap: %v", err)
	}
}

// sampleTokens returns tokens of every shape for the exhaustive tests.
func sampleTokens(t testing.TB, r *keyring.Ring) []string {
	g := sessiongen.New(77)
	var out []string
	for _, o := range []codec.Options{{Compress: codec.CompressOff}, {Compress: codec.CompressS2}, {Compress: codec.CompressZstd}, {PadTo: 64}} {
		cd := newCodec(t, o)
		for _, p := range [][]byte{nil, sessiongen.JSON(g.Small()), sessiongen.JSON(g.Medium())} {
			c := claims("carol")
			c.Metadata = map[string]string{"k": "v"}
			tok, err := token.Seal(r, cd, purpose, c, p, token.DefaultMaxLen)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, tok)
		}
	}
	return out
}

// TestEveryBitFlipRejected flips every bit of the envelope of each sample
// token (re-encoded canonically), and every bit of every character of the
// token string: each variant must be rejected as invalid.
func TestEveryBitFlipRejected(t *testing.T) {
	r, _ := newRing(t, keyring.StatePrimary, keyring.StateActive)
	p := params(r, newCodec(t, codec.Options{}))
	tested := 0
	for _, tok := range sampleTokens(t, r) {
		var o token.Opened
		if _, err := token.Open(tok, p, &o); err != nil {
			t.Fatal(err)
		}
		env, _ := base64.RawURLEncoding.DecodeString(tok)
		for i := range env {
			for bit := range 8 {
				env[i] ^= 1 << bit
				_, err := token.Open(base64.RawURLEncoding.EncodeToString(env), p, &o)
				env[i] ^= 1 << bit
				if !errors.Is(err, token.ErrInvalid) {
					t.Fatalf("envelope byte %d bit %d: got %v", i, bit, err)
				}
				tested++
			}
		}
		b := []byte(tok)
		for i := range b {
			for bit := range 8 {
				b[i] ^= 1 << bit
				_, err := token.Open(string(b), p, &o)
				b[i] ^= 1 << bit
				if !errors.Is(err, token.ErrInvalid) {
					t.Fatalf("character %d bit %d: got %v", i, bit, err)
				}
				tested++
			}
		}
	}
	t.Logf("%d bit flips rejected", tested)
}

func TestEveryTruncationRejected(t *testing.T) {
	r, _ := newRing(t, keyring.StatePrimary)
	p := params(r, newCodec(t, codec.Options{}))
	for _, tok := range sampleTokens(t, r) {
		var o token.Opened
		for n := range len(tok) {
			if _, err := token.Open(tok[:n], p, &o); !errors.Is(err, token.ErrInvalid) {
				t.Fatalf("truncated to %d of %d: got %v", n, len(tok), err)
			}
		}
		env, _ := base64.RawURLEncoding.DecodeString(tok)
		for n := range len(env) {
			if _, err := token.Open(base64.RawURLEncoding.EncodeToString(env[:n]), p, &o); !errors.Is(err, token.ErrInvalid) {
				t.Fatalf("envelope truncated to %d of %d: got %v", n, len(env), err)
			}
		}
	}
}

// TestLineBreaksRejected inserts '\r' and '\n' (which encoding/base64
// silently skips) and '=' at every position of every sample token.
func TestLineBreaksRejected(t *testing.T) {
	r, _ := newRing(t, keyring.StatePrimary)
	p := params(r, newCodec(t, codec.Options{}))
	for _, tok := range sampleTokens(t, r) {
		for i := 0; i <= len(tok); i++ {
			for _, c := range []string{"\n", "\r", "\r\n", "=", " "} {
				var o token.Opened
				if _, err := token.Open(tok[:i]+c+tok[i:], p, &o); token.ReasonOf(err) != token.ReasonEncoding {
					t.Fatalf("%q inserted at %d of %d: got %v", c, i, len(tok), err)
				}
			}
		}
	}
}

func TestPurposeBindsToken(t *testing.T) {
	r, _ := newRing(t, keyring.StatePrimary)
	cd := newCodec(t, codec.Options{})
	tok, err := token.Seal(r, cd, "session", claims(""), []byte("{}"), token.DefaultMaxLen)
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{"", "Session", "session\x00", "session\x00app", "admin"} {
		p := params(r, cd)
		p.Purpose = other
		var o token.Opened
		if _, err := token.Open(tok, p, &o); token.ReasonOf(err) != token.ReasonAuth {
			t.Errorf("purpose %q: got %v", other, err)
		}
	}
}

// TestKeyLifecycle: a token sealed under a key later demoted to active
// still opens (and is flagged for reissue); once the key is retired the
// token is rejected.
func TestKeyLifecycle(t *testing.T) {
	old, err := keyring.NewKey(keyring.StatePrimary)
	if err != nil {
		t.Fatal(err)
	}
	r1, _ := keyring.NewRing(old)
	cd := newCodec(t, codec.Options{})
	tok, err := token.Seal(r1, cd, purpose, claims("dave"), []byte(`{"n":1}`), token.DefaultMaxLen)
	if err != nil {
		t.Fatal(err)
	}
	next, _ := keyring.NewKey(keyring.StatePrimary)
	demoted := old
	demoted.State = keyring.StateActive
	r2, err := keyring.NewRing(next, demoted)
	if err != nil {
		t.Fatal(err)
	}
	var o token.Opened
	if _, err := token.Open(tok, params(r2, cd), &o); err != nil || o.Primary || o.KeyID != old.ID {
		t.Fatalf("demoted key: err %v, primary %v", err, o.Primary)
	}
	retired := old
	retired.State = keyring.StateRetired
	r3, _ := keyring.NewRing(next, retired)
	if _, err := token.Open(tok, params(r3, cd), &o); !errors.Is(err, token.ErrInvalid) || token.ReasonOf(err) != token.ReasonRetiredKey {
		t.Fatalf("retired key: got %v", err)
	}
}

func TestAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector (sync.Pool drops items); go test without -race runs this")
	}
	r, _ := newRing(t, keyring.StatePrimary)
	g := sessiongen.New(1)
	small := sessiongen.JSON(g.Small())
	for _, tc := range []struct {
		name      string
		o         codec.Options
		seal, opn float64
	}{
		{"uncompressed", codec.Options{Compress: codec.CompressOff}, 1, 1},
		{"s2", codec.Options{Compress: codec.CompressS2}, 1, 2},
	} {
		cd := newCodec(t, tc.o)
		c := claims("erin")
		tok, err := token.Seal(r, cd, purpose, c, small, token.DefaultMaxLen)
		if err != nil {
			t.Fatal(err)
		}
		p := params(r, cd)
		seal := testing.AllocsPerRun(100, func() { token.Seal(r, cd, purpose, c, small, token.DefaultMaxLen) })
		var o token.Opened
		opn := testing.AllocsPerRun(100, func() {
			if _, err := token.Open(tok, p, &o); err != nil {
				t.Fatal(err)
			}
		})
		t.Logf("%s: seal %.0f allocs, open %.0f allocs", tc.name, seal, opn)
		if seal > tc.seal || opn > tc.opn {
			t.Errorf("%s: seal %.0f allocs (want ≤ %.0f), open %.0f (want ≤ %.0f)", tc.name, seal, tc.seal, opn, tc.opn)
		}
	}
}

// TestConcurrentRotation seals and opens from several goroutines while the
// ring is swapped through a rotation (add → promote → demote): every token
// must open, as no key is retired.
func TestConcurrentRotation(t *testing.T) {
	a, _ := keyring.NewKey(keyring.StatePrimary)
	b, _ := keyring.NewKey(keyring.StateActive)
	aActive, bPrimary := a, b
	aActive.State, bPrimary.State = keyring.StateActive, keyring.StatePrimary
	rings := []*keyring.Ring{}
	for _, ks := range [][]keyring.Key{{a, b}, {aActive, bPrimary}} {
		r, err := keyring.NewRing(ks...)
		if err != nil {
			t.Fatal(err)
		}
		rings = append(rings, r)
	}
	var cur atomic.Pointer[keyring.Ring]
	cur.Store(rings[0])
	cd := newCodec(t, codec.Options{})
	payload := sessiongen.JSON(sessiongen.New(2).Medium())
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				cur.Store(rings[i%2])
			}
		}
	})
	var workers sync.WaitGroup
	for range 4 {
		workers.Go(func() {
			for range 300 {
				tok, err := token.Seal(cur.Load(), cd, purpose, claims("f"), payload, token.DefaultMaxLen)
				if err != nil {
					t.Error(err)
					return
				}
				var o token.Opened
				if got, err := token.Open(tok, params(cur.Load(), cd), &o); err != nil || !bytes.Equal(got, payload) {
					t.Errorf("open during rotation: %v", err)
					return
				}
			}
		})
	}
	workers.Wait()
	close(stop)
	wg.Wait()
}
