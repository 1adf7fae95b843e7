package revocation

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/crumbhq/crumb/revocation/internal/table"
)

func TestPruneCounts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newMem(t, LocalOptions{})
		now := time.Now()
		for i := range 3 {
			must(t, l.RevokeSession(ctx, sess(testID(byte(i))), now.Add(time.Duration(i+1)*time.Minute)))
		}
		must(t, l.RevokeIssuedBefore(ctx, sess(testID(10)), now, now, now.Add(time.Minute)))
		must(t, l.RevokeIssuedBefore(ctx, sess(testID(11)), now, now, now.Add(3*time.Minute)))
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
		must(t, l.RevokeSession(ctx, sess(testID(1)), now.Add(30*time.Second)))
		must(t, l.RevokeSession(ctx, sess(testID(2)), now.Add(90*time.Second)))
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
		must(t, l.RevokeSession(ctx, sess(testID(1)), time.Now().Add(time.Second)))
		time.Sleep(time.Hour)
		if st := l.Stats(); st.Pruned != 0 || st.Sessions != 1 {
			t.Errorf("with pruning disabled: %+v", st)
		}
	})
}

// TestPruneMakesRoom: pruning a subject's expired entries frees their
// place under the per-subject bound (the bound itself is tested in package
// table; TestPruneShrinksMaps too).
func TestPruneMakesRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newMem(t, LocalOptions{MaxPerSubject: 4})
		now := time.Now()
		revoke := func(n byte, until time.Time) {
			t.Helper()
			must(t, l.RevokeSession(ctx, Session{ID: testID(n), Subject: "ada", Created: now.Add(-time.Duration(n) * time.Second)}, until))
		}
		for n := range byte(4) {
			revoke(n, now.Add(time.Minute))
		}
		time.Sleep(2 * time.Minute)
		if got, err := l.Prune(ctx, time.Now()); got != 4 || err != nil {
			t.Fatalf("Prune = %d, %v; want 4", got, err)
		}
		if n := l.t.Owned(table.KeyOf("ada")); n != 0 {
			t.Errorf("the subject still owns %d entries after pruning them all", n)
		}
		for n := byte(10); n < 14; n++ {
			revoke(n, time.Now().Add(time.Hour))
		}
		if st := l.Stats(); st.Collapses != 0 || st.Sessions != 4 || st.Subjects != 0 {
			t.Errorf("Stats = %+v, want 4 sessions and no collapse: the pruned entries left room", st)
		}
	})
}
