package cookie_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
)

// swapKeys is a keyring.Source whose ring the test replaces, as a
// keyring.Watcher does on a reload.
type swapKeys struct{ p atomic.Pointer[keyring.Ring] }

func (s *swapKeys) Ring() *keyring.Ring { return s.p.Load() }

// remembered reads tok until the store answers from its read cache (the
// third read: a token gets in on its second).
func remembered(t *testing.T, s *cookie.Store, tok string) {
	t.Helper()
	hits := s.Stats().ReadCacheHits
	for range 3 {
		mustRead(t, s, tok)
	}
	if s.Stats().ReadCacheHits != hits+1 {
		t.Fatal("the third read of a token was not answered from the read cache")
	}
}

// view is everything a record tells its reader.
func view(t *testing.T, r *cookie.Record) string {
	t.Helper()
	p, err := r.Payload()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%v|%s|%v|%v|%v|%v|%d|%s|%v|%v|%v|%s|%s", r.ID(), r.Subject(), r.Created(), r.Issued(), r.Expires(),
		r.IdleDeadline(), r.KeyID(), r.Token(), r.Changed(), r.NeedsReissue(), r.Remembered(), p, r.Metadata())
}

func TestReadCacheRecordsAreIndependent(t *testing.T) {
	s := newStore(t, cookie.Options{})
	tok := mustCreate(t, s, cookie.CreateOptions{Data: map[string]any{"a": "1", "b": "2"}, Metadata: map[string]string{"m": "x"}})
	want := ""
	// The first read opens the token, the second is answered from what
	// the first remembered: changing either record changes nothing else.
	for i := range 2 {
		r := mustRead(t, s, tok)
		if i == 0 {
			want = view(t, r)
		}
		r.Set("a", "changed")
		r.Remove("b")
		r.SetMeta("m", "changed")
		r.SetMeta("n", "new")
		if _, err := s.Save(ctx, r); err != nil {
			t.Fatal(err)
		}
		if got := view(t, mustRead(t, s, tok)); got != want {
			t.Fatalf("changing record %d changed the next read of the token:\n want %s\n got  %s", i, want, got)
		}
		if v, err := cookie.Get[string](mustRead(t, s, tok), "a"); err != nil || v != "1" {
			t.Fatal(v, err)
		}
	}
}

func TestReadCacheStillChecksEverything(t *testing.T) {
	t.Run("revoked", func(t *testing.T) {
		s := newStore(t, cookie.Options{})
		tok := mustCreate(t, s, cookie.CreateOptions{Subject: "alice"})
		remembered(t, s, tok)
		if err := s.Revoke(ctx, mustRead(t, s, tok)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Read(ctx, tok); !errors.Is(err, cookie.ErrRevoked) {
			t.Fatalf("revoked session read: %v", err)
		}
	})
	t.Run("subject revoked", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newStore(t, cookie.Options{})
			tok := mustCreate(t, s, cookie.CreateOptions{Subject: "alice"})
			remembered(t, s, tok)
			time.Sleep(time.Second)
			if err := s.RevokeSubject(ctx, "alice"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Read(ctx, tok); !errors.Is(err, cookie.ErrRevoked) {
				t.Fatalf("session of a subject logged out everywhere read: %v", err)
			}
		})
	})
	t.Run("expired", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := newStore(t, cookie.Options{IdleTimeout: time.Minute})
			tok := mustCreate(t, s, cookie.CreateOptions{})
			remembered(t, s, tok)
			time.Sleep(time.Minute)
			if _, err := s.Read(ctx, tok); !errors.Is(err, cookie.ErrExpired) {
				t.Fatalf("expired session read: %v", err)
			}
			if n := s.Stats().ReadCacheTokens; n != 0 {
				t.Fatalf("an expired token is still remembered (%d)", n)
			}
		})
	})
	t.Run("tampered", func(t *testing.T) {
		s := newStore(t, cookie.Options{})
		tok := mustCreate(t, s, cookie.CreateOptions{})
		remembered(t, s, tok)
		for _, bad := range []string{tamper(tok), tok + "A", tok[:len(tok)-1], tok + "\n"} {
			if _, err := s.Read(ctx, bad); !errors.Is(err, cookie.ErrInvalid) {
				t.Fatalf("%q read: %v", bad, err)
			}
		}
	})
	t.Run("other store", func(t *testing.T) {
		// Same keys, another name: its own cache, and the token is not its.
		keys := newRing(t)
		a := newStore(t, cookie.Options{Keys: keys})
		b := newStore(t, cookie.Options{Keys: keys, Name: "other"})
		tok := mustCreate(t, a, cookie.CreateOptions{})
		remembered(t, a, tok)
		if _, err := b.Read(ctx, tok); !errors.Is(err, cookie.ErrInvalid) {
			t.Fatalf("token of another store read: %v", err)
		}
	})
}

func TestReadCacheForgetsOnKeyringChange(t *testing.T) {
	k1, err := keyring.NewKey(keyring.StatePrimary)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := keyring.NewKey(keyring.StatePrimary)
	if err != nil {
		t.Fatal(err)
	}
	ring := func(keys ...keyring.Key) *keyring.Ring {
		r, err := keyring.NewRing(keys...)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	keys := &swapKeys{}
	keys.p.Store(ring(k1))
	s := newStore(t, cookie.Options{Keys: keys})
	tok := mustCreate(t, s, cookie.CreateOptions{})
	remembered(t, s, tok)
	remembered(t, s, mustCreate(t, s, cookie.CreateOptions{}))

	// Rotated: k1 can still open, but no longer seals.
	active := k1
	active.State = keyring.StateActive
	keys.p.Store(ring(active, k2))
	if r := mustRead(t, s, tok); !r.NeedsReissue() {
		t.Fatal("a token of a key no longer primary does not ask to be reissued")
	}
	// tok, opened under the new ring, is all that is left: the other
	// token's entry went with the old ring.
	if st := s.Stats(); st.ReadCacheTokens != 1 {
		t.Fatalf("%d tokens remembered after a keyring change", st.ReadCacheTokens)
	}
	// Retired, then removed: the token no longer opens.
	retired := k1
	retired.State = keyring.StateRetired
	keys.p.Store(ring(retired, k2))
	if _, err := s.Read(ctx, tok); !errors.Is(err, cookie.ErrInvalid) {
		t.Fatalf("token of a retired key read: %v", err)
	}
	keys.p.Store(ring(k2))
	if _, err := s.Read(ctx, tok); !errors.Is(err, cookie.ErrInvalid) {
		t.Fatalf("token of a removed key read: %v", err)
	}
}

func TestReadCacheOff(t *testing.T) {
	s := newStore(t, cookie.Options{ReadCache: -1})
	tok := mustCreate(t, s, cookie.CreateOptions{})
	for range 3 {
		mustRead(t, s, tok)
	}
	if st := s.Stats(); st.ReadCacheHits != 0 || st.ReadCacheTokens != 0 || st.Opened != 3 {
		t.Fatalf("%+v", st)
	}
}

// TestReadCacheIsBounded fills a small cache with far more valid tokens
// than it can hold, of every size: it never holds more than its budget,
// a token too large for it is never remembered, and a token read all along
// stays.
func TestReadCacheIsBounded(t *testing.T) {
	const budget = 256 << 10 // 16 KiB a shard: no token over 2 KiB
	s := newStore(t, cookie.Options{ReadCache: budget})
	hot := mustCreate(t, s, cookie.CreateOptions{Data: map[string]any{"hot": true}})
	huge := mustCreate(t, s, cookie.CreateOptions{Data: map[string]any{"x": strings.Repeat("y", 4000)}, Metadata: map[string]string{"z": "z"}})
	mustRead(t, s, huge)
	mustRead(t, s, huge)
	if st := s.Stats(); st.ReadCacheTokens != 0 {
		t.Fatalf("a token larger than an eighth of a shard was remembered: %+v", st)
	}
	maxTokens := uint64(0)
	for i := range 5000 {
		mustRead(t, s, hot)
		data := map[string]any{"i": i, "pad": strings.Repeat("p", i%1200)}
		tok := mustCreate(t, s, cookie.CreateOptions{Data: data})
		mustRead(t, s, tok)
		mustRead(t, s, tok) // the second read puts it in
		st := s.Stats()
		if st.ReadCacheBytes > budget {
			t.Fatalf("after %d tokens: %d bytes held, budget %d", i+1, st.ReadCacheBytes, budget)
		}
		maxTokens = max(maxTokens, st.ReadCacheTokens)
	}
	st := s.Stats()
	if maxTokens == 0 || maxTokens > budget/256 {
		t.Fatalf("at most %d tokens held", maxTokens)
	}
	// The hot token was read 5000 times; only its first two missed.
	if want := uint64(4998); st.ReadCacheHits < want {
		t.Fatalf("%d hits, want at least %d: the token read all along was evicted", st.ReadCacheHits, want)
	}
}

func TestReadCacheConcurrent(t *testing.T) {
	s := newStore(t, cookie.Options{ReadCache: 32 << 10})
	toks := make([]string, 64)
	want := make([]string, len(toks))
	for i := range toks {
		toks[i] = mustCreate(t, s, cookie.CreateOptions{Subject: fmt.Sprint("u", i%8), Data: map[string]any{"i": i}})
	}
	for i, tok := range toks {
		want[i] = view(t, mustRead(t, s, tok))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Go(func() {
			for n := range 2000 {
				i := (n*7 + g) % len(toks)
				r, err := s.Read(ctx, toks[i])
				if err != nil {
					if g == 3 && errors.Is(err, cookie.ErrRevoked) {
						continue
					}
					errs <- err
					return
				}
				if g == 3 && n%100 == 99 {
					// One reader logs a session out now and then.
					s.Delete(ctx, toks[i])
					continue
				}
				p, _ := r.Payload()
				if !strings.Contains(want[i], string(p)) {
					errs <- fmt.Errorf("token %d read as %s", i, p)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, cookie.ErrRevoked) {
			t.Fatal(err)
		}
	}
}

// TestReadCacheAdmitsOnSecondRead: a token read once takes no entry (a
// session created and read once, an API client that never sends a token
// twice); read twice, it does.
func TestReadCacheAdmitsOnSecondRead(t *testing.T) {
	s := newStore(t, cookie.Options{})
	for range 100 {
		mustRead(t, s, mustCreate(t, s, cookie.CreateOptions{Data: map[string]any{"a": 1}}))
	}
	if st := s.Stats(); st.ReadCacheTokens != 0 || st.ReadCacheBytes != 0 {
		t.Fatalf("tokens read once were remembered: %+v", st)
	}
	tok := mustCreate(t, s, cookie.CreateOptions{})
	mustRead(t, s, tok)
	mustRead(t, s, tok)
	if st := s.Stats(); st.ReadCacheTokens != 1 || st.ReadCacheHits != 0 {
		t.Fatalf("a token read twice: %+v", st)
	}
}

// TestReadCacheHeap fills a 1 MiB cache with far more sessions than it
// holds, of sizes from a few bytes to a few KiB, then measures the heap its
// entries keep: no more than its budget, whatever the sizes. This is the
// bound the budget promises, measured rather than counted.
func TestReadCacheHeap(t *testing.T) {
	const budget = 1 << 20
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for _, pad := range []int{0, 300, 3000} {
		t.Run(fmt.Sprint("pad=", pad), func(t *testing.T) {
			off := newStore(t, cookie.Options{ReadCache: -1})
			var toks []string
			for i := range 3000 {
				data := map[string]any{"i": i, "user": fmt.Sprint("user-", i), "pad": strings.Repeat(fmt.Sprint(i%10), pad+i%100)}
				toks = append(toks, mustCreate(t, off, cookie.CreateOptions{Subject: fmt.Sprint("s", i), Data: data, Metadata: map[string]string{"k": "v"}}))
			}
			// The same keys, another store: what it keeps between reads is
			// its read cache, and nothing else.
			s := newStore(t, cookie.Options{Keys: off.Keys(), ReadCache: budget})
			base := heap() // with the table of hashes
			for _, tok := range toks {
				for range 3 {
					r := mustRead(t, s, tok)
					if _, err := cookie.Get[string](r, "user"); err != nil {
						t.Fatal(err)
					}
				}
			}
			after := heap()
			used := after - min(base, after)
			st := s.Stats()
			t.Logf("%d tokens held, %d bytes counted, %d bytes of heap", st.ReadCacheTokens, st.ReadCacheBytes, used)
			if st.ReadCacheTokens < 100 {
				t.Fatalf("only %d tokens remembered", st.ReadCacheTokens)
			}
			if used > budget {
				t.Fatalf("the cache keeps %d bytes of heap, more than its budget of %d", used, budget)
			}
			runtime.KeepAlive(s)
		})
	}
}
