package cookie_test

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/internal/token"
	"github.com/crumbhq/crumb/keyring"
)

// Boundaries at ±1 s, on fake time (testing/synctest): time.Now inside the
// bubble moves only when every goroutine sleeps.

func TestIdleBoundary(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{IdleTimeout: 10 * time.Minute})
		tok := mustCreate(t, s, cookie.CreateOptions{})
		time.Sleep(10*time.Minute - time.Second)
		mustRead(t, s, tok) // 1 s before the idle deadline
		time.Sleep(time.Second)
		if _, err := s.Read(ctx, tok); !errors.Is(err, cookie.ErrExpired) {
			t.Fatalf("at the idle deadline: %v", err)
		}
		if s.Stats().IdleExpired != 1 {
			t.Fatal("not counted as idle-expired")
		}
	})
}

func TestAbsoluteBoundary(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{IdleTimeout: 10 * time.Minute, AbsoluteTimeout: 20 * time.Minute, ReissueAfter: -1})
		tok := mustCreate(t, s, cookie.CreateOptions{})
		time.Sleep(9 * time.Minute)
		tok, err := s.Touch(ctx, tok, 0)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(6 * time.Minute)
		tok, err = s.Touch(ctx, tok, 0) // idle deadline would be +10 min: capped at the absolute expiry
		if err != nil {
			t.Fatal(err)
		}
		if !mustRead(t, s, tok).IdleDeadline().Equal(mustRead(t, s, tok).Expires()) {
			t.Fatal("idle deadline not capped at the absolute expiry")
		}
		time.Sleep(5*time.Minute - time.Second)
		mustRead(t, s, tok)
		time.Sleep(time.Second)
		_, err = s.Read(ctx, tok)
		if !errors.Is(err, cookie.ErrExpired) {
			t.Fatalf("at the absolute expiry: %v", err)
		}
		if token.ReasonOf(err) != token.ReasonAbsoluteExpired || s.Stats().AbsoluteExpired != 1 {
			t.Fatalf("reason %v", token.ReasonOf(err))
		}
		if _, err := s.Touch(ctx, tok, 0); !errors.Is(err, cookie.ErrExpired) {
			t.Fatal("touch revived an expired session")
		}
	})
}

// TestSkewBoundary seals tokens whose issued-at is ahead of the reader's
// clock by the skew and by the skew plus one second.
func TestSkewBoundary(t *testing.T) {
	ring := newRing(t)
	s := newStore(t, cookie.Options{Keys: ring, Skew: 30 * time.Second})
	cd, _ := codec.New(codec.Options{})
	for _, tc := range []struct {
		ahead int64
		ok    bool
	}{{0, true}, {30, true}, {31, false}} {
		now := time.Now().Unix()
		c := &token.Claims{Created: now + tc.ahead, Issued: now + tc.ahead, Expires: now + 3600, IdleDeadline: now + 1800, Serializer: codec.JSONID}
		tok, err := token.Seal(ring, cd, "session", c, nil, 8192)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Read(ctx, tok)
		if tc.ok != (err == nil) || !tc.ok && token.ReasonOf(err) != token.ReasonFuture {
			t.Errorf("issued %d s ahead: %v", tc.ahead, err)
		}
	}
}

func TestTouchReissueThreshold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{IdleTimeout: 8 * time.Minute}) // ReissueAfter 2 min
		tok := mustCreate(t, s, cookie.CreateOptions{})
		time.Sleep(2*time.Minute - time.Second)
		if same, _ := s.Touch(ctx, tok, 0); same != tok {
			t.Fatal("reissued before ReissueAfter")
		}
		if s.TouchDue(mustRead(t, s, tok)) {
			t.Fatal("TouchDue before ReissueAfter")
		}
		time.Sleep(time.Second)
		if next, _ := s.Touch(ctx, tok, 0); next == tok {
			t.Fatal("not reissued at ReissueAfter")
		}
	})
}

// TestStrictReissue: each reissue revokes the previous token once the grace
// window has passed; without strict mode the old token keeps working.
func TestStrictReissue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, strict := range []bool{false, true} {
			s := newStore(t, cookie.Options{StrictReissue: strict, ReissueGrace: 10 * time.Second})
			old := mustCreate(t, s, cookie.CreateOptions{Subject: "alice", Data: map[string]any{"v": 1}})
			time.Sleep(time.Second)
			cur, err := s.Update(ctx, old, map[string]any{"v": 2})
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(10*time.Second - time.Second)
			mustRead(t, s, old) // in flight within the grace window: still accepted
			time.Sleep(time.Second)
			_, err = s.Read(ctx, old)
			if strict != errors.Is(err, cookie.ErrRevoked) {
				t.Fatalf("strict=%v: stale token after the grace window: %v", strict, err)
			}
			mustRead(t, s, cur)
			// A second reissue: the first stale token must stay revoked.
			time.Sleep(time.Second)
			cur2, err := s.Update(ctx, cur, map[string]any{"v": 3})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Read(ctx, old); strict != errors.Is(err, cookie.ErrRevoked) {
				t.Fatalf("strict=%v: the oldest token came back during the second grace window: %v", strict, err)
			}
			mustRead(t, s, cur) // the previous one has its own grace
			mustRead(t, s, cur2)
		}
	})
}

// TestReissueUnderNewPrimary: a token sealed under a key that has since
// been demoted opens, asks for reissue, and Touch moves it to the primary
// at once, keeping its created-at.
func TestReissueUnderNewPrimary(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, _ := keyring.NewKey(keyring.StatePrimary)
		r1, _ := keyring.NewRing(a)
		src := &swapSource{r: r1}
		s := newStore(t, cookie.Options{Keys: src})
		tok := mustCreate(t, s, cookie.CreateOptions{Data: map[string]any{"k": "v"}})
		created := mustRead(t, s, tok).Created()
		time.Sleep(time.Minute)

		b, _ := keyring.NewKey(keyring.StatePrimary)
		a.State = keyring.StateActive
		r2, err := keyring.NewRing(b, a)
		if err != nil {
			t.Fatal(err)
		}
		src.r = r2
		rec := mustRead(t, s, tok)
		if !rec.NeedsReissue() || rec.KeyID() != a.ID || !s.TouchDue(rec) {
			t.Fatal("a token under a demoted key must ask for reissue")
		}
		next, err := s.Touch(ctx, tok, 0)
		if err != nil || next == tok {
			t.Fatalf("Touch did not reissue under the new primary: %v", err)
		}
		rec = mustRead(t, s, next)
		if rec.KeyID() != b.ID || rec.NeedsReissue() || !rec.Created().Equal(created) {
			t.Fatalf("reissued under %x, created %v (want %v)", rec.KeyID(), rec.Created(), created)
		}
		if v, _ := cookie.Get[string](rec, "k"); v != "v" {
			t.Fatal("data lost on reissue")
		}
	})
}

// swapSource is a keyring.Source whose ring a test swaps (single goroutine).
type swapSource struct{ r *keyring.Ring }

func (s *swapSource) Ring() *keyring.Ring { return s.r }

// TestSaveAfterAbsoluteExpiry: a record read just before its absolute
// expiry cannot be saved after it.
func TestSaveAfterAbsoluteExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStore(t, cookie.Options{IdleTimeout: 10 * time.Minute, AbsoluteTimeout: 10 * time.Minute})
		r := mustRead(t, s, mustCreate(t, s, cookie.CreateOptions{}))
		time.Sleep(10 * time.Minute)
		if _, err := s.Save(ctx, r); !errors.Is(err, cookie.ErrExpired) {
			t.Fatalf("got %v", err)
		}
	})
}
