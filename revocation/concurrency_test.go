package revocation

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/crumbhq/crumb/revocation/internal/table"
)

// TestConcurrentUse revokes, checks and prunes from many goroutines at once
// (run it with -race), in memory and durable, then checks that every
// acknowledged revocation is in force, and after a reopen in the durable
// case.
func TestConcurrentUse(t *testing.T) {
	for _, durable := range []bool{false, true} {
		t.Run(fmt.Sprintf("durable=%v", durable), func(t *testing.T) {
			if durable && !durableSupported {
				t.Skip("durable mode needs a unix system")
			}
			path := ""
			if durable {
				path = logPath(t)
			}
			l, err := NewLocal(LocalOptions{Path: path, PruneInterval: time.Millisecond, Logger: quiet, MaxEntries: 100_000})
			if err != nil {
				t.Fatal(err)
			}
			const writers, each = 8, 200
			now := time.Now()
			later := now.Add(time.Hour)
			must(t, l.RevokeSubject(ctx, "everyone", now, later))
			acked := make([][]ID, writers)
			var wg sync.WaitGroup
			for w := range writers {
				ids := newIDs(uint64(w))
				wg.Go(func() {
					for i := range each {
						id := ids.next()
						var err error
						switch i % 4 {
						case 0, 1:
							err = l.RevokeSession(ctx, sess(id), later)
						case 2:
							err = l.RevokeIssuedBefore(ctx, sess(id), now, now, later)
						case 3:
							err = l.RevokeSubject(ctx, fmt.Sprintf("user-%d-%d", w, i), now, later)
							if err == nil {
								// Expiring within the second: food for
								// the pruners.
								err = l.RevokeSession(ctx, sess(id), time.Now())
							}
						}
						if err != nil {
							t.Error(err)
							return
						}
						acked[w] = append(acked[w], id)
					}
				})
			}
			stop := make(chan struct{})
			var readers sync.WaitGroup
			for r := range 4 {
				readers.Go(func() {
					ids := newIDs(uint64(r))
					for range 20_000 { // bounded, so a loaded machine cannot starve the writers for long
						select {
						case <-stop:
							return
						default:
						}
						q := Query{ID: ids.next(), Subject: "everyone", Created: now.Add(-time.Second), Issued: now.Add(-time.Second)}
						if v, err := l.Check(ctx, q, time.Now()); err != nil || v == NotRevoked {
							t.Errorf("Check = %v, %v; the subject is revoked", v, err)
							return
						}
						if r == 0 {
							if _, err := l.Prune(ctx, time.Now().Add(2*time.Second)); err != nil {
								t.Error(err)
							}
							l.Stats()
						}
					}
				})
			}
			wg.Wait()
			close(stop)
			readers.Wait()

			if _, err := l.Prune(ctx, time.Now().Add(2*time.Second)); err != nil {
				t.Fatal(err)
			}
			verify := func(l *Local, reopened bool) {
				t.Helper()
				at := time.Now()
				for _, ids := range acked {
					for i, id := range ids {
						want := SessionRevoked
						switch i % 4 {
						case 2:
							want = TokenRevoked
						case 3:
							continue // expired at once
						}
						wantVerdict(t, l, Query{ID: id, Issued: now.Add(-time.Second)}, at, want)
					}
				}
				// After a reopen, the sessions expiring in the second of
				// their revocation are still there if that second is.
				st := l.Stats()
				if st.Sessions != writers*each/2 && !(reopened && st.Sessions <= writers*each*3/4) ||
					st.Tokens != writers*each/4 || st.Subjects != writers*each/4+1 {
					t.Errorf("Stats = %+v", st)
				}
			}
			verify(l, false)
			must(t, l.Close())
			if durable {
				l = openLocal(t, path, nil)
				verify(l, true)
				must(t, l.Close())
			}
		})
	}
}

// TestConcurrentFewSubjects: two durable Locals on one log revoke
// concurrently for a few subjects, so that both collapse the same subjects
// while reading each other's records (run it with -race). Every
// acknowledged revocation must be in force in both, and after a reopen,
// where no subject may hold more than the bound.
func TestConcurrentFewSubjects(t *testing.T) {
	if !durableSupported {
		t.Skip("durable mode needs a unix system")
	}
	const perSubject = 8
	path := logPath(t)
	open := func() *Local {
		l, err := NewLocal(LocalOptions{Path: path, MaxPerSubject: perSubject, PruneInterval: -1, PollInterval: 10 * time.Millisecond, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	locals := []*Local{open(), open()}
	subjects := []string{"ada", "grace", "alan"}
	t0 := time.Now()
	later := t0.Add(time.Hour)
	const writers, each = 8, 150
	acked := make([][]revoked, writers)
	var wg sync.WaitGroup
	for w := range writers {
		l := locals[w%2]
		ids := newIDs(uint64(300 + w))
		wg.Go(func() {
			for i := range each {
				s := Session{ID: ids.next(), Subject: subjects[(w+i)%len(subjects)], Created: t0.Add(time.Duration(i) * time.Second)}
				q := Query{ID: s.ID, Subject: s.Subject, Created: s.Created, Issued: s.Created}
				var err error
				want := SessionRevoked
				if i%3 == 0 {
					want = TokenRevoked
					err = l.RevokeIssuedBefore(ctx, s, s.Created.Add(time.Second), t0, later)
				} else {
					err = l.RevokeSession(ctx, s, later)
				}
				if err != nil {
					t.Error(err)
					return
				}
				acked[w] = append(acked[w], revoked{q, want})
			}
		})
	}
	wg.Wait()
	var all []revoked
	for _, rs := range acked {
		all = append(all, rs...)
	}
	for _, l := range locals {
		for _, r := range all {
			waitFor(t, "every revocation to reach both Locals", propagation, func() bool { return check(t, l, r.q, t0) != NotRevoked })
		}
		must(t, l.Close())
	}
	l := open()
	defer l.Close()
	wantRevoked(t, l, all, t0)
	for _, s := range subjects {
		if n := l.t.Owned(table.KeyOf(s)); n > perSubject {
			t.Errorf("after reopening, %s owns %d entries, bound %d", s, n, perSubject)
		}
	}
	t.Logf("%d revocations for %d subjects from two Locals: %+v", len(all), len(subjects), l.Stats())
}
