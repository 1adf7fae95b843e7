package token_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/token"
	"github.com/crumbhq/crumb/internal/vectors"
	"github.com/crumbhq/crumb/keyring"
)

const vectorDir = "../../testdata/vectors/v1"

// vectorEnv builds what a reader needs from a vector's headers.
func vectorEnv(t testing.TB, v *vectors.Vector) *token.Params {
	t.Helper()
	var keys []keyring.Key
	for _, k := range v.Keys {
		st, err := keyring.ParseState(k.State)
		if err != nil {
			t.Fatal(err)
		}
		key, err := keyring.KeyFromSecret(k.ID, st, k.Secret[:])
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
	}
	r, err := keyring.NewRing(keys...)
	if err != nil {
		t.Fatal(err)
	}
	cd, err := codec.New(codec.Options{MaxDecoded: v.MaxBody})
	if err != nil {
		t.Fatal(err)
	}
	return &token.Params{
		Ring: r, Codec: cd, Purpose: v.Purpose,
		Now: time.Unix(v.Now, 0), Skew: v.Skew, MaxLen: v.MaxToken,
		Revoked: func(c *token.Claims) (token.Reason, error) {
			for _, id := range v.RevokedSessions {
				if id == c.SessionID {
					return token.ReasonRevoked, nil
				}
			}
			for _, s := range v.RevokedSubjects {
				if s.Subject == c.Subject && c.Created < s.Before {
					return token.ReasonSubjectRevoked, nil
				}
			}
			return token.ReasonNone, nil
		},
	}
}

var classes = map[string]error{
	vectors.ExpectInvalid:  token.ErrInvalid,
	vectors.ExpectExpired:  token.ErrExpired,
	vectors.ExpectRevoked:  token.ErrRevoked,
	vectors.ExpectTooLarge: token.ErrTooLarge,
}

// TestVectors is the strict runner: every committed vector must parse, and
// its outcome must match exactly — on success every claim and the payload,
// on failure the class and the reason. Anything else fails.
func TestVectors(t *testing.T) {
	vs, err := vectors.Load(vectorDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) < 15 {
		t.Fatalf("only %d vectors", len(vs))
	}
	seen := map[string]bool{}
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			var o token.Opened
			payload, err := token.Open(v.Token, vectorEnv(t, v), &o)
			if err == nil && o.Serializer > 1 && len(payload) > 0 {
				// SPEC.md §12: the runner's session layer reads serializers
				// 0 and 1 only (step 15 of §8).
				err = token.Reject(token.ReasonSerializer)
			}
			if v.Expect == vectors.ExpectSuccess {
				if err != nil {
					t.Fatalf("want success, got %v (reason %v)", err, token.ReasonOf(err))
				}
				checkSuccess(t, v, &o, payload)
				seen[v.Expect] = true
				return
			}
			class, ok := classes[v.Expect]
			if !ok {
				t.Fatalf("unclassifiable expectation %q", v.Expect)
			}
			want, ok := token.ParseReason(v.Reason)
			if !ok || want.Class() != class {
				t.Fatalf("reason %q is not a reason of class %q", v.Reason, v.Expect)
			}
			if !errors.Is(err, class) || token.ReasonOf(err) != want {
				t.Fatalf("want %v (%v), got %v (%v)", class, want, err, token.ReasonOf(err))
			}
			if err.Error() != class.Error() {
				t.Fatalf("message %q leaks more than the class %q", err, class)
			}
			seen[v.Expect] = true
			seen[v.Reason] = true
		})
	}
	// Every class and every reason the reader can produce is covered.
	for e := range classes {
		if !seen[e] {
			t.Errorf("no vector expects %q", e)
		}
	}
	for r := token.ReasonEncoding; r.Class() != nil; r++ {
		if !seen[r.String()] {
			t.Errorf("no vector for reason %q", r)
		}
	}
}

func checkSuccess(t *testing.T, v *vectors.Vector, o *token.Opened, payload []byte) {
	t.Helper()
	dict := uint64(0)
	if o.Format.Compression != codec.None {
		dict, _ = binary.Uvarint(o.Body)
	}
	got := []any{o.SessionID, o.Subject, o.Created, o.Issued, o.Expires, o.IdleDeadline,
		fmt.Sprint(o.Metadata), o.Serializer.String(), o.Format.Compression.String(), uint32(dict), o.Format.Padded, o.KeyID, o.Primary, string(payload)}
	want := []any{v.SessionID, v.Subject, v.Created, v.Issued, v.Expires, v.IdleDeadline,
		fmt.Sprint(v.Metadata), v.Serializer, v.Compression, v.Dictionary, v.Padded, v.KeyID, v.Primary, string(v.Payload)}
	names := []string{"session id", "subject", "created", "issued", "expires", "idle deadline", "metadata", "serializer", "compression", "dictionary", "padded", "key id", "primary", "payload"}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s: got %v, want %v", names[i], got[i], want[i])
		}
	}
}
