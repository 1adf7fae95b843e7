package revocation

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkCheck looks up a revoked ID (hit) and an unknown one (miss) in
// sets of 1, 10^3 and 10^6 session entries. One set grows between the
// sizes, so 10^6 entries are inserted once. The hits cycle through 4096
// IDs drawn from the whole set, so that large sets pay their cache misses.
func BenchmarkCheck(b *testing.B) {
	l := newMem(b, LocalOptions{})
	now := time.Now()
	until := now.Add(time.Hour)
	ids := newIDs(1)
	misses := newIDs(2)
	var hit, miss [4096]Query
	for i := range miss {
		miss[i] = Query{ID: misses.next(), Issued: now, Created: now}
	}
	n := 0
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, size := range []int{1, 1_000, 1_000_000} {
		for ; n < size; n++ {
			id := ids.next()
			if err := l.RevokeSession(ctx, sess(id), until); err != nil {
				b.Fatal(err)
			}
			// Keep a spread sample of the entries as hits.
			if n < len(hit) {
				hit[n] = Query{ID: id, Issued: now, Created: now}
			} else if j := n * 7919 % size; j < len(hit) {
				hit[j] = Query{ID: id, Issued: now, Created: now}
			}
		}
		for i := range hit {
			if hit[i].ID == (ID{}) {
				hit[i] = hit[i%n]
			}
		}
		// Heap per entry, measured over all entries so far (the hit and miss
		// tables are allocated before the baseline).
		var after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&after)
		perEntry := float64(after.HeapAlloc-before.HeapAlloc) / float64(size)
		for _, c := range []struct {
			name string
			qs   *[4096]Query
			want Verdict
		}{{"hit", &hit, SessionRevoked}, {"miss", &miss, NotRevoked}} {
			b.Run(fmt.Sprintf("entries=%d/%s", size, c.name), func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if v, _ := l.Check(ctx, c.qs[i&4095], now); v != c.want {
						b.Fatalf("verdict %v, want %v", v, c.want)
					}
					i++
				}
				if size >= 1000 {
					b.ReportMetric(perEntry, "bytes/entry")
				}
			})
		}
	}
}

// BenchmarkCheckParallel is BenchmarkCheck's miss at 10^3 entries from
// every CPU, to show the cost of the shard read locks under contention.
func BenchmarkCheckParallel(b *testing.B) {
	l := newMem(b, LocalOptions{})
	now := time.Now()
	ids := newIDs(1)
	for range 1000 {
		must(b, l.RevokeSession(ctx, sess(ids.next()), now.Add(time.Hour)))
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		q := newIDs(uint64(time.Now().UnixNano()))
		for pb.Next() {
			l.Check(ctx, Query{ID: q.next()}, now)
		}
	})
}

// BenchmarkCheckSubject is a miss for a token with a subject once the set
// holds subject entries (RevokeSubject, or any collapse): Check then hashes
// the subject and takes the subject map's read lock on every call, serial
// and from every CPU.
func BenchmarkCheckSubject(b *testing.B) {
	l := newMem(b, LocalOptions{})
	now := time.Now()
	for i := range 1000 {
		must(b, l.RevokeSubject(ctx, fmt.Sprint("user-", i), now.Add(-time.Hour), now.Add(time.Hour)))
	}
	q := Query{ID: testID(1), Subject: "someone@example.com", Created: now.Add(-time.Minute), Issued: now}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if v, _ := l.Check(ctx, q, now); v != NotRevoked {
				b.Fatal(v)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.Check(ctx, q, now)
			}
		})
	})
}

// BenchmarkRevoke measures RevokeSession of fresh IDs: in memory, durable
// from one goroutine (each call waits for its own fsync), and durable from
// many goroutines (group commit shares the fsyncs).
func BenchmarkRevoke(b *testing.B) {
	until := time.Now().Add(time.Hour)
	b.Run("memory", func(b *testing.B) {
		l := newMem(b, LocalOptions{MaxEntries: 1 << 30})
		ids := newIDs(3)
		b.ReportAllocs()
		for b.Loop() {
			if err := l.RevokeSession(ctx, sess(ids.next()), until); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("durable", func(b *testing.B) {
		l := openLocal(b, filepath.Join(b.TempDir(), "bench.log"), nil)
		defer l.Close()
		ids := newIDs(4)
		b.ReportAllocs()
		for b.Loop() {
			if err := l.RevokeSession(ctx, sess(ids.next()), until); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("durable-parallel", func(b *testing.B) {
		l := openLocal(b, filepath.Join(b.TempDir(), "bench.log"), nil)
		defer l.Close()
		var seed atomic.Uint64
		b.SetParallelism(32) // 32 goroutines per CPU: many requests logging out at once
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			ids := newIDs(seed.Add(1))
			for pb.Next() {
				if err := l.RevokeSession(ctx, sess(ids.next()), until); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
