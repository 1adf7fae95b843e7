package redisset

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/crumbhq/crumb/revocation"
	"github.com/crumbhq/crumb/revocation/internal/table"
)

// BenchmarkCheck compares Check on a Set whose replica holds 10^6 session
// entries with revocation.Local holding the same entries, in the same run:
// a hit (a revoked ID) and a miss. The replica is filled through the path
// the tailer applies stream records with, skipping the network: this
// measures the lookup, not loading. It starts its own redis-server.
func BenchmarkCheck(b *testing.B) {
	srv := startRedis(b)
	o := testOptions(b, srv.addr())
	o.OutboxPath, o.NoOutbox = "", true
	o.Logger = nil
	s := newSet(b, o)
	l, err := revocation.NewLocal(revocation.LocalOptions{PruneInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()

	const n = 1_000_000
	now := time.Now()
	until := now.Add(time.Hour)
	var hit, miss [4096]revocation.Query
	for i := range n {
		id := newID()
		rs := session(id)
		rs.Created = now
		s.rep.applySession(id, table.KeyOf(rs.Subject), secs(now), secs(until), table.Enforce, nil)
		if err := l.RevokeSession(bg, rs, until); err != nil {
			b.Fatal(err)
		}
		if j := i * 7919 % n; j < len(hit) {
			hit[j] = revocation.Query{ID: id, Subject: rs.Subject, Issued: now, Created: now}
		}
	}
	for i := range hit {
		if hit[i].ID == (revocation.ID{}) {
			hit[i] = hit[0]
		}
		miss[i] = revocation.Query{ID: newID(), Subject: "someone", Issued: now, Created: now}
	}
	for _, set := range []struct {
		name string
		s    revocation.Set
	}{{"redisset", s}, {"local", l}} {
		for _, c := range []struct {
			name string
			qs   *[4096]revocation.Query
			want revocation.Verdict
		}{{"hit", &hit, revocation.SessionRevoked}, {"miss", &miss, revocation.NotRevoked}} {
			runtime.GC() // not on the clock of the first sub-benchmark
			b.Run(fmt.Sprintf("%s/entries=%d/%s", set.name, n, c.name), func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if v, err := set.s.Check(bg, c.qs[i&4095], now); v != c.want || err != nil {
						b.Fatalf("verdict %v, %v; want %v", v, err, c.want)
					}
					i++
				}
			})
		}
	}
}

// BenchmarkRevokeSession measures a revocation against a live redis-server
// on loopback (the script: merge, SET PXAT, the owner index, XADD), one at
// a time and from every CPU, each session of a subject of its own; and,
// one at a time, sessions of a single subject, each newer than the last,
// so that every MaxPerSubject+1-th call collapses the subject's entries.
// It starts its own redis-server.
func BenchmarkRevokeSession(b *testing.B) {
	srv := startRedis(b)
	o := testOptions(b, srv.addr())
	o.Logger = nil
	s := newSet(b, o)
	until := time.Now().Add(time.Hour)
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := s.RevokeSession(bg, session(newID()), until); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := s.RevokeSession(bg, session(newID()), until); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	// Outside the sub-benchmark, which -count runs again on the same Set:
	// every session is newer than the subject's entry, never covered by it.
	created := time.Now().Add(-time.Hour)
	b.Run("one-subject", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			created = created.Add(time.Second)
			if err := s.RevokeSession(bg, revocation.Session{ID: newID(), Subject: "bench", Created: created}, until); err != nil {
				b.Fatal(err)
			}
		}
	})
	if st := s.Status(); st.Pending != 0 || st.Down {
		b.Errorf("revocations went to the outbox: %+v", st)
	}
}
