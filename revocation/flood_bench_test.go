package revocation

import (
	"runtime"
	"strconv"
	"testing"
	"time"
)

// floodRate is the rate of revocations one client reached against the demo
// in the review that led to the bounds: about 2,750 a second. The
// benchmark spreads the sessions' created-at over time at that rate, as a
// real flood would.
const floodRate = 2750

// BenchmarkFlood measures what floods leave in the set: entries and the
// heap they take (after a GC), and the time per revocation.
//
//   - one-account: 10^6 logouts (or re-logins) by one account;
//   - many-accounts: 10^5 accounts logging out 10 sessions each.
func BenchmarkFlood(b *testing.B) {
	if raceEnabled {
		b.Skip("heap measurements are meaningless under the race detector")
	}
	cases := []struct {
		name           string
		accounts, each int
	}{
		{"one-account-1e6-logouts", 1, 1_000_000},
		{"1e5-accounts-10-logouts", 100_000, 10},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var entries, maxEntries int
			var bytes uint64
			var elapsed time.Duration
			for b.Loop() {
				subjects := make([]string, c.accounts)
				for i := range subjects {
					subjects[i] = "user-" + strconv.Itoa(i)
				}
				before := liveHeap()
				l, err := NewLocal(LocalOptions{PruneInterval: -1, Logger: quiet})
				if err != nil {
					b.Fatal(err)
				}
				ids := newIDs(7)
				base := time.Now()
				t0 := time.Now()
				n := 0
				for range c.each {
					for _, subject := range subjects {
						created := base.Add(time.Duration(n/floodRate) * time.Second)
						s := Session{ID: ids.next(), Subject: subject, Created: created}
						if err := l.RevokeSession(ctx, s, created.Add(12*time.Hour+time.Minute)); err != nil {
							b.Fatal(err)
						}
						n++
						st := l.Stats()
						maxEntries = max(maxEntries, st.Sessions+st.Tokens+st.Subjects)
					}
				}
				elapsed += time.Since(t0)
				st := l.Stats()
				entries = st.Sessions + st.Tokens + st.Subjects
				maxEntries = max(maxEntries, entries)
				bytes = liveHeap() - before
				runtime.KeepAlive(l)
				l.Close()
			}
			b.ReportMetric(float64(entries), "entries")
			b.ReportMetric(float64(maxEntries), "max-entries")
			b.ReportMetric(float64(bytes)/1e6, "MB")
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N*c.accounts*c.each), "ns/revocation")
		})
	}
}

// liveHeap returns the live heap after a GC.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
