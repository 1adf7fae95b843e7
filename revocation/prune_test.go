package revocation

import (
	"testing"
	"testing/synctest"
	"time"
)

func TestPruneCounts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newMem(t, LocalOptions{})
		now := time.Now()
		for i := range 3 {
			must(t, l.RevokeSession(ctx, testID(byte(i)), now.Add(time.Duration(i+1)*time.Minute)))
		}
		must(t, l.RevokeIssuedBefore(ctx, testID(10), now, now, now.Add(time.Minute)))
		must(t, l.RevokeIssuedBefore(ctx, testID(11), now, now, now.Add(3*time.Minute)))
		must(t, l.RevokeSubject(ctx, "ada", now, now.Add(2*time.Minute)))

		for _, c := range []struct {
			at                         time.Duration
			removed                    int
			sessions, tokens, subjects int
		}{
			{0, 0, 3, 2, 1},
			{time.Minute, 0, 3, 2, 1}, // until == now is still live
			{time.Minute + time.Second, 2, 2, 1, 1},
			{2*time.Minute + time.Second, 2, 1, 1, 0},
			{time.Hour, 2, 0, 0, 0},
			{2 * time.Hour, 0, 0, 0, 0},
		} {
			n, err := l.Prune(ctx, now.Add(c.at))
			if err != nil {
				t.Fatal(err)
			}
			st := l.Stats()
			if n != c.removed || st.Sessions != c.sessions || st.Tokens != c.tokens || st.Subjects != c.subjects {
				t.Errorf("Prune(+%v) = %d with %+v, want %d with %d/%d/%d", c.at, n, st, c.removed, c.sessions, c.tokens, c.subjects)
			}
		}
		if st := l.Stats(); st.Pruned != 6 {
			t.Errorf("Stats.Pruned = %d, want 6", st.Pruned)
		}
	})
}

func TestBackgroundPrune(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newMem(t, LocalOptions{PruneInterval: time.Minute})
		now := time.Now()
		must(t, l.RevokeSession(ctx, testID(1), now.Add(30*time.Second)))
		must(t, l.RevokeSession(ctx, testID(2), now.Add(90*time.Second)))
		time.Sleep(time.Minute + time.Second)
		synctest.Wait()
		if st := l.Stats(); st.Pruned != 1 || st.Sessions != 1 {
			t.Errorf("after one interval: %+v, want 1 pruned, 1 left", st)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if st := l.Stats(); st.Pruned != 2 || st.Sessions != 0 {
			t.Errorf("after two intervals: %+v, want 2 pruned, 0 left", st)
		}
		must(t, l.Close()) // stops the goroutine, or synctest reports it
	})
}

func TestNoBackgroundPrune(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newMem(t, LocalOptions{PruneInterval: -1})
		must(t, l.RevokeSession(ctx, testID(1), time.Now().Add(time.Second)))
		time.Sleep(time.Hour)
		if st := l.Stats(); st.Pruned != 0 || st.Sessions != 1 {
			t.Errorf("with pruning disabled: %+v", st)
		}
	})
}

func TestPruneShrinksMaps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newMem(t, LocalOptions{})
		now := time.Now()
		ids := newIDs(1)
		const n = 16 * shrinkMin * 2
		for range n {
			must(t, l.RevokeSession(ctx, ids.next(), now.Add(time.Minute)))
		}
		keep := testID(1)
		must(t, l.RevokeSession(ctx, keep, now.Add(time.Hour)))
		if got, _ := l.Prune(ctx, now.Add(2*time.Minute)); got != n {
			t.Fatalf("Prune removed %d, want %d", got, n)
		}
		for i := range l.shards {
			if p := l.shards[i].peakSessions; p > 1 {
				t.Errorf("shard %d: peak %d after pruning to at most 1 entry; map not rebuilt", i, p)
			}
		}
		wantVerdict(t, l, Query{ID: keep}, now, SessionRevoked)
	})
}
