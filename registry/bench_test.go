package registry

import (
	"fmt"
	"testing"
)

// BenchmarkLocal measures the three calls the cookie store makes: Add at
// sign-in, Seen at a token reissue and List on a settings page; in memory
// and with a durable file (where Add waits for an fsync, and Seen does
// not). Run with -benchmem to see bytes per operation.
func BenchmarkLocal(b *testing.B) {
	const subjects, perSubject = 10_000, 4
	labels := map[string]string{"device": "Firefox on Linux", "where": "Lyon, FR"}
	names := make([]string, subjects)
	for i := range names {
		names[i] = fmt.Sprintf("user-%d@example.com", i)
	}
	for _, durable := range []bool{false, true} {
		mode := "memory"
		if durable {
			mode = "durable"
		}
		setup := func(b *testing.B) *Local {
			o := LocalOptions{MaxPerSubject: 16}
			if durable {
				if !durableSupported {
					b.Skip("durable mode needs a unix system")
				}
				o.Path = tempPath(b)
			}
			r := open(b, o)
			// Filled directly, then written in one go: 40,000 Adds would
			// take as many fsyncs.
			r.mu.Lock()
			for s := range subjects {
				k := keyOf(names[s])
				for i := range perSubject {
					e := ent(names[s], s*perSubject+i, i, labels)
					r.t.add(&k, entry{id: e.ID, created: secs(e.Created), lastSeen: secs(e.LastSeen), expires: secs(e.Expires), labels: encodeLabels(labels)}, secs(now), 0, nil)
				}
			}
			r.mu.Unlock()
			if r.file != nil {
				if err := r.file.forceRewrite(); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			return r
		}
		b.Run(mode+"/add", func(b *testing.B) {
			r := setup(b)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				// New sessions on every subject in turn: once full, each
				// Add evicts one.
				e := ent(names[i%subjects], subjects*perSubject+i, 100+i, labels)
				if _, err := r.Add(ctx, e, now); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(mode+"/add-parallel", func(b *testing.B) {
			r := setup(b)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					e := ent(names[i%subjects], subjects*perSubject+i, 100+i, labels)
					if _, err := r.Add(ctx, e, now); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
		b.Run(mode+"/seen", func(b *testing.B) {
			r := setup(b)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s := i % subjects
				if err := r.Seen(ctx, names[s], sid(s*perSubject+i%perSubject), sec(1000+i), nil); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(mode+"/list", func(b *testing.B) {
			r := setup(b)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				l, err := r.List(ctx, names[i%subjects], now)
				if err != nil || len(l) != perSubject {
					b.Fatal(len(l), err)
				}
				i++
			}
		})
	}
}
