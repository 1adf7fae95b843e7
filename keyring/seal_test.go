package keyring

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crumbhq/crumb/internal/envelope"
	"golang.org/x/crypto/chacha20poly1305"
)

const testPurpose = "__Host-session|app"

func TestSealOpenRoundTrip(t *testing.T) {
	r := mustRing(t, mustNewKey(t, StatePrimary), mustNewKey(t, StateActive))
	for _, n := range []int{0, 1, 15, 16, 17, 150, 1024, 6144, 1 << 16} {
		pt := make([]byte, n)
		rand.Read(pt)
		env := r.Seal(nil, pt, testPurpose)
		if len(env) != n+envelope.Overhead {
			t.Errorf("len(Seal(%d bytes)) = %d, want %d", n, len(env), n+envelope.Overhead)
		}
		got, opened, err := r.Open(nil, env, testPurpose)
		if err != nil {
			t.Fatalf("Open(%d bytes): %v", n, err)
		}
		if !bytes.Equal(got, pt) {
			t.Errorf("Open(Seal(%d bytes)) returned other bytes", n)
		}
		if opened != (Opened{KeyID: r.Primary().ID, Primary: true}) {
			t.Errorf("Opened = %+v, want the primary", opened)
		}
	}
}

func TestSealHeader(t *testing.T) {
	p := mustKey(t, 0x8f3a2c1d, StatePrimary, "p")
	r := mustRing(t, mustKey(t, 0x0a0b0c0d, StateActive, "a"), p)
	pt := []byte("a session")
	env := r.Seal([]byte("prefix"), pt, testPurpose)
	if !bytes.HasPrefix(env, []byte("prefix")) {
		t.Fatal("Seal did not append to dst")
	}
	env = env[len("prefix"):]
	if env[0] != envelope.Version || binary.BigEndian.Uint32(env[1:5]) != 0x8f3a2c1d {
		t.Errorf("header = % x, want version 1 and the primary's ID", env[:5])
	}
	if bytes.Contains(env, pt) {
		t.Error("the envelope contains the plaintext")
	}
	// Cross-check against the bare envelope package and the x/crypto AEAD.
	aead, err := chacha20poly1305.NewX(testSecret("p"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := envelope.Open(nil, aead, env, testPurpose)
	if err != nil || !bytes.Equal(got, pt) {
		t.Errorf("envelope.Open with the raw key = %q, %v", got, err)
	}
	ad := append(append([]byte{}, env[:envelope.HeaderSize]...), testPurpose...)
	got, err = aead.Open(nil, env[5:envelope.HeaderSize], env[envelope.HeaderSize:], ad)
	if err != nil || !bytes.Equal(got, pt) {
		t.Errorf("raw AEAD open with header||purpose as associated data = %q, %v", got, err)
	}
}

func TestSealFreshNonces(t *testing.T) {
	r := mustRing(t, mustNewKey(t, StatePrimary))
	seen := map[string]bool{}
	for range 1000 {
		env := r.Seal(nil, []byte("same"), testPurpose)
		nonce := string(env[5:envelope.HeaderSize])
		if seen[nonce] {
			t.Fatal("Seal repeated a nonce")
		}
		seen[nonce] = true
	}
}

func TestSealOpenInPlace(t *testing.T) {
	r := mustRing(t, mustNewKey(t, StatePrimary))
	pt := []byte("in-place session payload")
	buf := make([]byte, envelope.HeaderSize+len(pt)+envelope.TagSize)
	copy(buf[envelope.HeaderSize:], pt)
	env := r.Seal(buf[:0], buf[envelope.HeaderSize:envelope.HeaderSize+len(pt)], testPurpose)
	if &env[0] != &buf[0] {
		t.Error("in-place Seal reallocated")
	}
	got, _, err := r.Open(env[envelope.HeaderSize:envelope.HeaderSize], env, testPurpose)
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("in-place Open = %q, %v", got, err)
	}
	if &got[0] != &buf[envelope.HeaderSize] {
		t.Error("in-place Open wrote elsewhere")
	}
}

func TestSealPurposeTooLongPanics(t *testing.T) {
	r := mustRing(t, mustNewKey(t, StatePrimary))
	r.Seal(nil, nil, string(make([]byte, envelope.MaxPurposeLen))) // the limit is fine
	defer func() {
		if recover() == nil {
			t.Error("Seal with a 256-byte purpose did not panic")
		}
	}()
	r.Seal(nil, nil, string(make([]byte, envelope.MaxPurposeLen+1)))
}

func TestSealZeroRingPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Seal on a zero Ring did not panic")
		}
	}()
	new(Ring).Seal(nil, nil, "")
}

// rotate returns a copy of keys with the states given, by position.
func rotate(t *testing.T, keys []Key, states ...State) *Ring {
	t.Helper()
	ks := append([]Key(nil), keys...)
	for i, s := range states {
		ks[i].State = s
	}
	return mustRing(t, ks...)
}

func TestRotation(t *testing.T) {
	k1 := mustNewKey(t, StatePrimary)
	k2 := mustNewKey(t, StateActive)
	keys := []Key{k1, k2}

	// Phase 0: k1 alone seals; k2 is being distributed.
	r0 := mustRing(t, k1)
	old := r0.Seal(nil, []byte("old token"), testPurpose)

	// Phase 1: k2 added as active everywhere: k1 still seals, both open.
	r1 := rotate(t, keys, StatePrimary, StateActive)
	if _, o, err := r1.Open(nil, old, testPurpose); err != nil || !o.Primary || o.KeyID != k1.ID {
		t.Fatalf("phase 1: Open(old) = %+v, %v", o, err)
	}
	if got := r1.Seal(nil, nil, testPurpose); binary.BigEndian.Uint32(got[1:5]) != k1.ID {
		t.Error("phase 1: Seal did not use k1")
	}

	// Phase 2: k2 promoted, k1 demoted to active.
	r2 := rotate(t, keys, StateActive, StatePrimary)
	got, o, err := r2.Open(nil, old, testPurpose)
	if err != nil || string(got) != "old token" {
		t.Fatalf("phase 2: Open(old) = %q, %v", got, err)
	}
	if o != (Opened{KeyID: k1.ID, Primary: false}) {
		t.Errorf("phase 2: Opened = %+v, want k1 and Primary false", o)
	}
	fresh := r2.Seal(nil, []byte("new token"), testPurpose)
	if _, o, err := r2.Open(nil, fresh, testPurpose); err != nil || o != (Opened{KeyID: k2.ID, Primary: true}) {
		t.Errorf("phase 2: Open(new) = %+v, %v", o, err)
	}
	// A node that has not reloaded yet (still at phase 1) opens new tokens.
	if _, o, err := r1.Open(nil, fresh, testPurpose); err != nil || o.Primary {
		t.Errorf("phase 1 node: Open(new) = %+v, %v", o, err)
	}

	// Phase 3: k1 retired: its tokens are refused like unknown ones.
	r3 := rotate(t, keys, StateRetired, StatePrimary)
	if got, o, err := r3.Open(nil, old, testPurpose); err != ErrInvalid || got != nil || o != (Opened{}) {
		t.Errorf("phase 3: Open(old) = %q, %+v, %v; want ErrInvalid", got, o, err)
	}
	if _, _, err := r3.Open(nil, fresh, testPurpose); err != nil {
		t.Errorf("phase 3: Open(new) = %v", err)
	}
	// Removing k1 altogether has the same effect.
	if _, _, err := mustRing(t, r3.Primary()).Open(nil, old, testPurpose); err != ErrInvalid {
		t.Errorf("k1 removed: Open(old) = %v, want ErrInvalid", err)
	}
}

func TestOpenUnknownKey(t *testing.T) {
	r := mustRing(t, mustNewKey(t, StatePrimary))
	other := mustRing(t, mustNewKey(t, StatePrimary))
	env := other.Seal(nil, []byte("x"), testPurpose)
	if _, _, err := r.Open(nil, env, testPurpose); err != ErrInvalid {
		t.Errorf("Open(unknown key) = %v, want ErrInvalid", err)
	}
	// Same secret under another ID is still another key.
	a := mustKey(t, 1, StatePrimary, "s")
	b := mustKey(t, 2, StatePrimary, "s")
	env = mustRing(t, a).Seal(nil, []byte("x"), testPurpose)
	if _, _, err := mustRing(t, b).Open(nil, env, testPurpose); err != ErrInvalid {
		t.Errorf("Open(same secret, other id) = %v, want ErrInvalid", err)
	}
	// Rewriting the ID in the header to a known key fails authentication.
	binary.BigEndian.PutUint32(env[1:5], 2)
	if _, _, err := mustRing(t, b).Open(nil, env, testPurpose); err != ErrInvalid {
		t.Errorf("Open(relabelled id) = %v, want ErrInvalid", err)
	}
}

func TestOpenWrongPurpose(t *testing.T) {
	r := mustRing(t, mustNewKey(t, StatePrimary))
	for _, tt := range []struct{ seal, open string }{
		{"session", "session2"}, {"session", "Session"}, {"session", ""}, {"", "x"},
		{"session", "session\x00"}, {"a|b", "a|c"},
		{"x", string(make([]byte, envelope.MaxPurposeLen+1))},
	} {
		env := r.Seal(nil, []byte("payload"), tt.seal)
		if got, _, err := r.Open(nil, env, tt.open); err != ErrInvalid || got != nil {
			t.Errorf("sealed for %q, opened for %q: %q, %v; want ErrInvalid", tt.seal, tt.open, got, err)
		}
	}
}

func TestOpenBitFlips(t *testing.T) {
	r := mustRing(t, mustNewKey(t, StateActive), mustNewKey(t, StatePrimary))
	env := r.Seal(nil, []byte("a small session, flipped bit by bit"), testPurpose)
	buf := make([]byte, len(env))
	for i := range env {
		for bit := range 8 {
			copy(buf, env)
			buf[i] ^= 1 << bit
			if got, o, err := r.Open(nil, buf, testPurpose); err != ErrInvalid || got != nil || o != (Opened{}) {
				t.Fatalf("flipping bit %d of byte %d: Open = %q, %+v, %v; want ErrInvalid", bit, i, got, o, err)
			}
		}
	}
}

func TestOpenTruncatedAndExtended(t *testing.T) {
	r := mustRing(t, mustNewKey(t, StatePrimary))
	env := r.Seal(nil, []byte("a session to truncate"), testPurpose)
	for n := range len(env) {
		if got, _, err := r.Open(nil, env[:n:n], testPurpose); err != ErrInvalid || got != nil {
			t.Fatalf("Open(first %d of %d bytes) = %q, %v; want ErrInvalid", n, len(env), got, err)
		}
		if _, _, err := r.Open(nil, env[n+1:], testPurpose); err != ErrInvalid {
			t.Fatalf("Open(without first %d bytes) = %v; want ErrInvalid", n+1, err)
		}
	}
	for _, extra := range [][]byte{{0}, {1, 2, 3}, make([]byte, 16)} {
		long := append(append([]byte{}, env...), extra...)
		if _, _, err := r.Open(nil, long, testPurpose); err != ErrInvalid {
			t.Errorf("Open(%d extra bytes) = %v; want ErrInvalid", len(extra), err)
		}
	}
	if _, _, err := r.Open(nil, nil, testPurpose); err != ErrInvalid {
		t.Errorf("Open(nil) = %v", err)
	}
}

func TestOpenWrongVersion(t *testing.T) {
	r := mustRing(t, mustNewKey(t, StatePrimary))
	env := r.Seal(nil, []byte("x"), testPurpose)
	for _, v := range []byte{0x00, 0x02, 0x80, 0xff} {
		bad := append([]byte{}, env...)
		bad[0] = v
		if _, _, err := r.Open(nil, bad, testPurpose); err != ErrInvalid {
			t.Errorf("version %#x: Open = %v, want ErrInvalid", v, err)
		}
	}
}

func TestOpenFailureIsOneError(t *testing.T) {
	// Every failure is the very same value: no wrapping, no detail.
	r := mustRing(t, mustNewKey(t, StatePrimary), mustKey(t, 7, StateRetired, "x"))
	env := r.Seal(nil, []byte("x"), testPurpose)
	retired := mustRing(t, mustKey(t, 7, StatePrimary, "x")).Seal(nil, []byte("x"), testPurpose)
	tampered := append([]byte{}, env...)
	tampered[len(tampered)-1] ^= 1
	for name, in := range map[string][]byte{"short": env[:10], "tampered": tampered, "retired": retired, "unknown": mustRing(t, mustNewKey(t, StatePrimary)).Seal(nil, nil, "")} {
		_, _, err := r.Open(nil, in, testPurpose)
		if err != ErrInvalid || err.Error() != "keyring: invalid token envelope" {
			t.Errorf("%s: err = %#v", name, err)
		}
	}
}

// countingAEAD counts Open calls on a wrapped AEAD.
type countingAEAD struct {
	cipher.AEAD
	opens *atomic.Int64
}

func (c countingAEAD) Open(dst, nonce, ciphertext, ad []byte) ([]byte, error) {
	c.opens.Add(1)
	return c.AEAD.Open(dst, nonce, ciphertext, ad)
}

// countOpens wraps every cipher of r and returns per-key counters.
func countOpens(r *Ring) []*atomic.Int64 {
	counts := make([]*atomic.Int64, len(r.entries))
	for i := range r.entries {
		counts[i] = new(atomic.Int64)
		r.entries[i].aead = conceal[cipher.AEAD](countingAEAD{r.entries[i].aead(), counts[i]})
	}
	return counts
}

func TestOpenNoTrialDecryption(t *testing.T) {
	keys := []Key{
		mustKey(t, 0x01, StateActive, "a1"),
		mustKey(t, 0x02, StateActive, "a2"),
		mustKey(t, 0x03, StatePrimary, "p"),
		mustKey(t, 0x04, StateRetired, "x"),
		mustKey(t, 0x05, StateActive, "a5"),
	}
	sealer := func(i int) *Ring { // a ring in which keys[i] is primary
		k := keys[i]
		k.State = StatePrimary
		return mustRing(t, k)
	}
	unknown := mustRing(t, mustKey(t, 0x06, StatePrimary, "u"))

	type want struct {
		key   int // index of the key that must see the one Open; -1 for none
		valid bool
	}
	tampered := func(env []byte) []byte {
		env = append([]byte{}, env...)
		env[len(env)-1] ^= 0x80
		return env
	}
	cases := map[string]struct {
		env  []byte
		want want
	}{
		"primary":          {sealer(2).Seal(nil, []byte("x"), testPurpose), want{2, true}},
		"first active":     {sealer(0).Seal(nil, []byte("x"), testPurpose), want{0, true}},
		"last active":      {sealer(4).Seal(nil, []byte("x"), testPurpose), want{4, true}},
		"tampered active":  {tampered(sealer(1).Seal(nil, []byte("x"), testPurpose)), want{1, false}},
		"tampered primary": {tampered(sealer(2).Seal(nil, []byte("x"), testPurpose)), want{2, false}},
		"retired":          {sealer(3).Seal(nil, []byte("x"), testPurpose), want{-1, false}},
		"unknown":          {unknown.Seal(nil, []byte("x"), testPurpose), want{-1, false}},
		"bad version":      {append([]byte{2}, sealer(2).Seal(nil, []byte("x"), testPurpose)[1:]...), want{-1, false}},
		"short":            {sealer(2).Seal(nil, nil, testPurpose)[:envelope.Overhead-1], want{-1, false}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := mustRing(t, keys...)
			counts := countOpens(r)
			_, _, err := r.Open(nil, c.env, testPurpose)
			if (err == nil) != c.want.valid {
				t.Errorf("Open error = %v, want valid %v", err, c.want.valid)
			}
			for i, n := range counts {
				wantN := int64(0)
				if i == c.want.key {
					wantN = 1
				}
				if got := n.Load(); got != wantN {
					t.Errorf("key %d (%v) saw %d AEAD opens, want %d", i+1, keys[i], got, wantN)
				}
			}
		})
	}
}

func TestSealOpenAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	r := mustRing(t, mustNewKey(t, StateActive), mustNewKey(t, StatePrimary))
	pt := make([]byte, 1024)
	dst := make([]byte, 0, len(pt)+envelope.Overhead)
	if n := testing.AllocsPerRun(200, func() { dst = r.Seal(dst[:0], pt, testPurpose) }); n != 0 {
		t.Errorf("Seal into a large enough dst: %v allocations, want 0", n)
	}
	env := append([]byte{}, dst...)
	buf := make([]byte, len(env))
	if n := testing.AllocsPerRun(200, func() {
		copy(buf, env)
		if _, _, err := r.Open(buf[envelope.HeaderSize:envelope.HeaderSize], buf, testPurpose); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Open in place: %v allocations, want 0", n)
	}
	out := make([]byte, 0, len(pt))
	if n := testing.AllocsPerRun(200, func() {
		out, _, _ = r.Open(out[:0], env, testPurpose)
	}); n != 0 {
		t.Errorf("Open into a large enough dst: %v allocations, want 0", n)
	}
	bad := append([]byte{}, env...)
	bad[envelope.HeaderSize] ^= 1
	if n := testing.AllocsPerRun(200, func() { r.Open(out[:0], bad, testPurpose) }); n != 0 {
		t.Errorf("failed Open: %v allocations, want 0", n)
	}
}

// TestConcurrentSealOpenWhileWatching seals and opens from several
// goroutines through a Watcher while another goroutine rotates the file,
// swapping the primary between two keys. Both stay open-capable, so every
// Open must succeed. Run with -race.
func TestConcurrentSealOpenWhileWatching(t *testing.T) {
	k1 := mustNewKey(t, StatePrimary)
	k2 := mustNewKey(t, StateActive)
	rings := []*Ring{rotate(t, []Key{k1, k2}, StatePrimary, StateActive), rotate(t, []Key{k1, k2}, StateActive, StatePrimary)}
	path := filepath.Join(t.TempDir(), "keyring.json")
	if err := CreateFile(path, rings[0]); err != nil {
		t.Fatal(err)
	}
	w, err := Watch(path, WatchOptions{Interval: time.Millisecond, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	// The rotator makes a fixed number of swaps; the workers make at least
	// iterations round trips each and keep going until the swaps are done,
	// so both always overlap and the test stays bounded.
	const workers, iterations, swaps = 4, 200, 20
	rotated := make(chan struct{})
	go func() {
		defer close(rotated)
		for i := 1; i <= swaps; i++ {
			if err := ReplaceFile(path, rings[i%2]); err != nil {
				t.Error(err)
				return
			}
			if err := w.Reload(); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			pt := fmt.Appendf(nil, "worker %d", g)
			var dst, out []byte
			for i := 0; ; i++ {
				if i >= iterations {
					select {
					case <-rotated:
						return
					default:
					}
				}
				dst = w.Ring().Seal(dst[:0], pt, testPurpose)
				var err error
				if out, _, err = w.Ring().Open(out[:0], dst, testPurpose); err != nil || !bytes.Equal(out, pt) {
					t.Errorf("Open during rotation = %q, %v", out, err)
					return
				}
			}
		})
	}
	wg.Wait()
	<-rotated
	if got, want := w.Ring().Primary().ID, rings[swaps%2].Primary().ID; got != want {
		t.Errorf("after %d swaps the primary is %s, want %s", swaps, FormatID(got), FormatID(want))
	}
}

// Benchmarks: crumb's seal and open beside the bare AEAD, in one run. Both
// reuse their output buffers; the envelope adds the header, the purpose as
// associated data and the key lookup.

var benchSizes = []int{150, 1024, 6144}

func BenchmarkSeal(b *testing.B) {
	r := mustRing(b, mustNewKey(b, StateActive), mustNewKey(b, StatePrimary))
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("%d", n), func(b *testing.B) {
			pt := make([]byte, n)
			dst := make([]byte, 0, n+envelope.Overhead)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				dst = r.Seal(dst[:0], pt, testPurpose)
			}
		})
	}
}

func BenchmarkOpen(b *testing.B) {
	r := mustRing(b, mustNewKey(b, StateActive), mustNewKey(b, StatePrimary))
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("%d", n), func(b *testing.B) {
			env := r.Seal(nil, make([]byte, n), testPurpose)
			out := make([]byte, 0, n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if out, _, err = r.Open(out[:0], env, testPurpose); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRawFloor is the floor for BenchmarkSeal and BenchmarkOpen: the
// bare XChaCha20-Poly1305 AEAD, created once, with a crypto/rand nonce and
// the purpose as associated data.
func BenchmarkRawFloor(b *testing.B) {
	aead, err := chacha20poly1305.NewX(testSecret("raw"))
	if err != nil {
		b.Fatal(err)
	}
	ad := []byte(testPurpose)
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("seal/%d", n), func(b *testing.B) {
			pt := make([]byte, n)
			dst := make([]byte, 0, chacha20poly1305.NonceSizeX+n+chacha20poly1305.Overhead)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				dst = dst[:chacha20poly1305.NonceSizeX]
				rand.Read(dst)
				dst = aead.Seal(dst, dst[:chacha20poly1305.NonceSizeX], pt, ad)
			}
		})
		b.Run(fmt.Sprintf("open/%d", n), func(b *testing.B) {
			nonce := make([]byte, chacha20poly1305.NonceSizeX)
			rand.Read(nonce)
			ct := append(nonce, aead.Seal(nil, nonce, make([]byte, n), ad)...)
			out := make([]byte, 0, n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if out, err = aead.Open(out[:0], ct[:chacha20poly1305.NonceSizeX], ct[chacha20poly1305.NonceSizeX:], ad); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzOpen(f *testing.F) {
	r := mustRing(f, mustKey(f, 0x8f3a2c1d, StatePrimary, "p"), mustKey(f, 0x0a0b0c0d, StateActive, "a"), mustKey(f, 0x0c0c0c0c, StateRetired, "x"))
	// A fixed nonce keeps the seed identical in every fuzzing process.
	p := r.entries[0]
	valid := envelope.Seal(nil, p.aead(), p.key.ID, make([]byte, envelope.NonceSize), []byte("valid"), testPurpose)
	f.Add(valid, testPurpose)
	f.Add(valid[:len(valid)-1], testPurpose)
	f.Add(valid, "other")
	f.Add([]byte{}, "")
	f.Add(make([]byte, envelope.Overhead), "")
	f.Fuzz(func(t *testing.T, env []byte, purpose string) {
		in := append([]byte{}, env...)
		got, o, err := r.Open(nil, env, purpose)
		if !bytes.Equal(in, env) {
			t.Fatal("Open (not in place) modified its input")
		}
		if err != nil {
			if !errors.Is(err, ErrInvalid) || got != nil || o != (Opened{}) {
				t.Fatalf("failed Open = %q, %+v, %v", got, o, err)
			}
			return
		}
		// Anything that opens must be exactly the envelope sealed above:
		// the fuzzer cannot forge a tag.
		if !bytes.Equal(env, valid) || purpose != testPurpose {
			t.Fatalf("Open accepted a forged envelope %x for purpose %q", env, purpose)
		}
	})
}
