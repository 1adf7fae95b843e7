package cookie_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/internal/token"
	"github.com/crumbhq/crumb/revocation"
)

// TestReplayAfterLogout: after Delete, every token the session ever had —
// the first, a reissued one, the last — is rejected.
func TestReplayAfterLogout(t *testing.T) {
	s := newStore(t, cookie.Options{})
	first := mustCreate(t, s, cookie.CreateOptions{Subject: "alice"})
	second, _ := s.Update(ctx, first, map[string]any{"cart": 1})
	last, _ := s.Update(ctx, second, map[string]any{"cart": 2})
	if err := s.Delete(ctx, last); err != nil {
		t.Fatal(err)
	}
	for i, tok := range []string{first, second, last} {
		if _, err := s.Read(ctx, tok); !errors.Is(err, cookie.ErrRevoked) {
			t.Fatalf("token %d replayed after logout: %v", i, err)
		}
		if _, err := s.Touch(ctx, tok, 0); !errors.Is(err, cookie.ErrRevoked) {
			t.Fatalf("token %d touched after logout: %v", i, err)
		}
	}
}

// TestRenewDefeatsFixation: an attacker plants their own valid session
// token in the victim's browser; the victim logs in; the app renews. The
// planted token never becomes the victim's session.
func TestRenewDefeatsFixation(t *testing.T) {
	s := newStore(t, cookie.Options{})
	planted := mustCreate(t, s, cookie.CreateOptions{}) // the attacker's anonymous session

	// The victim's browser sends the planted token; the app logs them in.
	rec := mustRead(t, s, planted)
	plantedID := rec.ID()
	authed, err := s.Login(ctx, rec, "victim")
	if err != nil {
		t.Fatal(err)
	}
	victim := mustRead(t, s, authed)
	if victim.ID() == plantedID || rec.ID() == plantedID || victim.Subject() != "victim" {
		t.Fatal("renew kept the session ID")
	}
	// The attacker's copy is still only the anonymous session it was: it
	// never becomes the victim's, so it needs no revocation entry.
	if r, err := s.Read(ctx, planted); err != nil || r.Subject() != "" || r.ID() != plantedID {
		t.Fatalf("planted token after login: %v, %v", r, err)
	}
	if st := s.Stats(); st.Renewed != 1 || st.Revocations.Sessions != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestEveryErrorClass(t *testing.T) {
	s := newStore(t, cookie.Options{MaxTokenLen: 1024})
	tok := mustCreate(t, s, cookie.CreateOptions{})

	// Invalid: tampering anywhere, a token made for another cookie name
	// under the same keys.
	other := newStore(t, cookie.Options{Name: "other", Keys: s.Keys()})
	_, err := other.Read(ctx, tok)
	if !errors.Is(err, cookie.ErrInvalid) || token.ReasonOf(err) != token.ReasonAuth {
		t.Fatalf("another cookie name: %v", err)
	}
	for i := range tok {
		b := []byte(tok)
		b[i] ^= 0x01
		if _, err := s.Read(ctx, string(b)); !errors.Is(err, cookie.ErrInvalid) {
			t.Fatalf("flip at %d: %v", i, err)
		}
	}
	// Too large: a token over MaxTokenLen, and data that would make one.
	if _, err := s.Read(ctx, strings.Repeat("A", 1025)); !errors.Is(err, cookie.ErrTooLarge) {
		t.Fatal(err)
	}
	rec := mustRead(t, s, tok)
	rec.Set("blob", randomString(2000))
	_, err = s.Save(ctx, rec)
	var se *cookie.SizeError
	if !errors.Is(err, cookie.ErrSessionTooLarge) || !errors.As(err, &se) || se.What != "token" || se.Limit != 1024 || se.Size <= 1024 || cookie.HTTPStatus(err) != 413 {
		t.Fatalf("oversize save: %v", err)
	}
	if errors.Is(err, cookie.ErrTooLarge) || errors.Is(err, cookie.ErrBadRecord) {
		t.Fatalf("oversize save matches another class: %v", err)
	}
	// Data over the codec's cap, before any token is made.
	rec.Set("blob", randomString(codec.DefaultMaxDecoded))
	if _, err := s.Save(ctx, rec); !errors.As(err, &se) || se.What != "data" || se.Limit != codec.DefaultMaxDecoded || se.Size <= codec.DefaultMaxDecoded {
		t.Fatalf("data over the cap: %v", err)
	}
	// Unavailable: the revocation set fails.
	broken := newStore(t, cookie.Options{Revocations: failingSet{}})
	rec, err = broken.Read(ctx, mustCreate(t, broken, cookie.CreateOptions{Subject: "ann", Data: map[string]int{"n": 1}}))
	if !errors.Is(err, cookie.ErrUnavailable) || cookie.HTTPStatus(err) != 503 || broken.Stats().Unavailable != 1 {
		t.Fatalf("failing revocation set: %v", err)
	}
	// The record comes with ErrUnavailable, for a caller that fails open,
	// but does not count as opened.
	if n, gerr := cookie.Get[int](rec, "n"); rec == nil || rec.Subject() != "ann" || gerr != nil || n != 1 || broken.Stats().Opened != 0 {
		t.Fatalf("record with ErrUnavailable: %v %v", rec, gerr)
	}
	// Every other failure comes with no record.
	if rec, err := s.Read(ctx, tok[:60]); rec != nil || err == nil {
		t.Fatalf("invalid token gave a record: %v", err)
	}
	// Expired and revoked have their own tests; the messages never say more
	// than the class.
	if _, err := s.Read(ctx, tok[:60]); err.Error() != cookie.ErrInvalid.Error() {
		t.Fatalf("message %q", err)
	}
}

func TestNameAndAudienceBindTokens(t *testing.T) {
	ring := newRing(t)
	a := newStore(t, cookie.Options{Keys: ring, Name: "sid", Audience: "shop"})
	b := newStore(t, cookie.Options{Keys: ring, Name: "sid", Audience: "admin"})
	c := newStore(t, cookie.Options{Keys: ring, Name: "sid"})
	tok := mustCreate(t, a, cookie.CreateOptions{})
	for _, s := range []*cookie.Store{b, c} {
		if _, err := s.Read(ctx, tok); !errors.Is(err, cookie.ErrInvalid) {
			t.Fatalf("token read under another audience: %v", err)
		}
	}
	mustRead(t, a, tok)
}

// TestSerializerMismatch: data written by one serializer is not handed to
// another.
func TestSerializerMismatch(t *testing.T) {
	ring := newRing(t)
	custom := newStore(t, cookie.Options{Keys: ring, Serializer: mapOnlyJSON{}})
	std := newStore(t, cookie.Options{Keys: ring})
	tok := mustCreate(t, custom, cookie.CreateOptions{Data: map[string]any{"a": 1}})
	_, err := std.Read(ctx, tok)
	if !errors.Is(err, cookie.ErrInvalid) || token.ReasonOf(err) != token.ReasonSerializer {
		t.Fatalf("got %v", err)
	}
	// An empty session carries no data, so any serializer reads it.
	mustRead(t, std, mustCreate(t, custom, cookie.CreateOptions{}))
}

func TestConcurrentUse(t *testing.T) {
	s := newStore(t, cookie.Options{})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				// One subject per goroutine: 10 logouts each stay within
				// the per-subject bound, which would otherwise collapse
				// the subject's sessions (TestOneAccountFlood).
				tok, err := s.Create(ctx, cookie.CreateOptions{Subject: fmt.Sprint("u", g), Data: map[string]any{"g": g, "i": i}})
				if err != nil {
					t.Error(err)
					return
				}
				tok, err = s.Merge(ctx, tok, map[string]any{"seen": true})
				if err != nil {
					t.Error(err)
					return
				}
				if r, err := s.Read(ctx, tok); err != nil || !r.Has("seen") {
					t.Error("read after merge", err)
					return
				}
				if i%5 == 0 {
					s.Delete(ctx, tok)
					if _, err := s.Read(ctx, tok); !errors.Is(err, cookie.ErrRevoked) {
						t.Error("read after delete", err)
						return
					}
				}
				s.Stats()
			}
		})
	}
	wg.Wait()
	if st := s.Stats(); st.Created != 400 || st.Deleted != 80 || st.Revoked != 80 {
		t.Fatalf("stats %+v", st)
	}
}

// randomString returns n incompressible base64url characters.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

// failingSet is a revocation set whose backend is down.
type failingSet struct{}

var errDown = errors.New("backend down")

func (failingSet) RevokeSession(context.Context, revocation.Session, time.Time) error { return errDown }
func (failingSet) RevokeIssuedBefore(context.Context, revocation.Session, time.Time, time.Time, time.Time) error {
	return errDown
}
func (failingSet) RevokeSubject(context.Context, string, time.Time, time.Time) error { return errDown }
func (failingSet) Check(context.Context, revocation.Query, time.Time) (revocation.Verdict, error) {
	return revocation.NotRevoked, errDown
}
func (failingSet) Prune(context.Context, time.Time) (int, error) { return 0, errDown }
func (failingSet) Stats() revocation.Stats                       { return revocation.Stats{} }
func (failingSet) Health(context.Context) error                  { return errDown }
func (failingSet) Close() error                                  { return nil }

// mapOnlyJSON is a JSON serializer under an application ID that does not
// implement codec.ObjectSerializer: the store takes its slower generic path.
type mapOnlyJSON struct{}

func (mapOnlyJSON) ID() codec.SerializerID          { return 4 }
func (mapOnlyJSON) Marshal(v any) ([]byte, error)   { return codec.JSON{}.Marshal(v) }
func (mapOnlyJSON) Unmarshal(b []byte, v any) error { return codec.JSON{}.Unmarshal(b, v) }
