package token

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/keyring"
)

// TestEnvelopeBufferHoldsNoPlaintext seals payloads that compression makes
// longer (random bytes: the codec writes the compressed attempt, then the
// payload over it) and checks that the buffer Seal returns to the pool holds
// the envelope and zeros, nothing of the attempt.
func TestEnvelopeBufferHoldsNoPlaintext(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector; go test without -race runs this")
	}
	k, err := keyring.NewKey(keyring.StatePrimary)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keyring.NewRing(k)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []codec.Options{{Compress: codec.CompressS2}, {Compress: codec.CompressZstd}, {}} {
		cd, err := codec.New(o)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{300, 1500, 3000} {
			payload := make([]byte, n)
			rand.Read(payload)
			c := &Claims{Subject: "erin", Created: 1, Issued: 1, Expires: 1 << 40, IdleDeadline: 1 << 40, Serializer: codec.RawID}
			checked := false
			for range 10 { // the pool may drop a buffer (a collection ran): try again
				tok, err := Seal(ring, cd, "session", c, payload, DefaultMaxLen)
				if err != nil {
					t.Fatal(err)
				}
				env, ok := decode(tok, 0)
				if !ok {
					t.Fatal("token does not decode")
				}
				bp := envelopeBuffers.Get().(*[]byte)
				buf := (*bp)[:cap(*bp)]
				if !bytes.HasPrefix(buf, env) {
					continue // not the buffer Seal used
				}
				if i := bytes.IndexFunc(buf[len(env):], func(r rune) bool { return r != 0 }); i >= 0 {
					t.Errorf("%v, %d bytes: the pooled buffer holds non-zero bytes %d bytes past the envelope", o.Compress, n, i)
				}
				checked = true
				break
			}
			if !checked {
				t.Errorf("%v, %d bytes: never got Seal's buffer back from the pool", o.Compress, n)
			}
		}
	}
}
