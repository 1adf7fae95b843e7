package revocation

import (
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"
)

func TestSessionMergeKeepsLaterUntil(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newMem(t, LocalOptions{})
		now := time.Now()
		q := Query{ID: testID(1)}
		must(t, l.RevokeSession(ctx, sess(q.ID), now.Add(time.Hour)))
		must(t, l.RevokeSession(ctx, sess(q.ID), now.Add(30*time.Minute))) // earlier: ignored
		wantVerdict(t, l, q, now.Add(45*time.Minute), SessionRevoked)
		must(t, l.RevokeSession(ctx, sess(q.ID), now.Add(2*time.Hour))) // later: extends
		wantVerdict(t, l, q, now.Add(90*time.Minute), SessionRevoked)
		if st := l.Stats(); st.Sessions != 1 || st.Revoked != 3 {
			t.Errorf("Stats = %+v, want 1 session entry, 3 acknowledged", st)
		}
	})
}

func TestSubjectMergeKeepsLaterBeforeAndUntil(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newMem(t, LocalOptions{})
		now := time.Now()
		q := Query{ID: testID(1), Subject: "ada", Created: now.Add(-30 * time.Minute)}
		must(t, l.RevokeSubject(ctx, "ada", now.Add(-20*time.Minute), now.Add(2*time.Hour)))
		must(t, l.RevokeSubject(ctx, "ada", now.Add(-40*time.Minute), now.Add(time.Hour))) // earlier before and until: ignored
		wantVerdict(t, l, q, now.Add(90*time.Minute), SubjectRevoked)
		must(t, l.RevokeSubject(ctx, "ada", now, now.Add(time.Hour)))
		wantVerdict(t, l, Query{ID: testID(2), Subject: "ada", Created: now.Add(-time.Second)}, now.Add(90*time.Minute), SubjectRevoked)
		if st := l.Stats(); st.Subjects != 1 {
			t.Errorf("Stats = %+v, want 1 subject entry", st)
		}
	})
}

// TestStaleTokenNeverRegainsValidity is the strict-reissue chain: token A is
// reissued as B (A revoked after a grace window), then B as C. Once A's
// grace window is over, the second reissue must not bring A back, which a
// naive "keep only the latest window" merge would do for C's grace window.
func TestStaleTokenNeverRegainsValidity(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const grace = 5 * time.Second
		l := newMem(t, LocalOptions{})
		t0 := time.Now()
		id := testID(1)
		until := t0.Add(time.Hour)
		a := Query{ID: id, Issued: t0.Add(-time.Minute)}
		b := Query{ID: id, Issued: t0}

		must(t, l.RevokeIssuedBefore(ctx, sess(id), b.Issued, t0.Add(grace), until)) // A → B
		wantVerdict(t, l, a, time.Now(), NotRevoked)
		time.Sleep(grace + time.Second)
		wantVerdict(t, l, a, time.Now(), TokenRevoked)

		c := Query{ID: id, Issued: time.Now()}
		must(t, l.RevokeIssuedBefore(ctx, sess(id), c.Issued, time.Now().Add(grace), until)) // B → C
		wantVerdict(t, l, a, time.Now(), TokenRevoked)                                       // stays revoked
		wantVerdict(t, l, b, time.Now(), NotRevoked)                                         // B's grace window
		wantVerdict(t, l, c, time.Now(), NotRevoked)
		time.Sleep(grace)
		wantVerdict(t, l, a, time.Now(), TokenRevoked)
		wantVerdict(t, l, b, time.Now(), TokenRevoked)
		wantVerdict(t, l, c, time.Now(), NotRevoked)

		// A late, out-of-order call with an older before moves nothing back.
		must(t, l.RevokeIssuedBefore(ctx, sess(id), t0, time.Now().Add(grace), until))
		wantVerdict(t, l, a, time.Now(), TokenRevoked)
		wantVerdict(t, l, b, time.Now(), TokenRevoked)
		if st := l.Stats(); st.Tokens != 1 {
			t.Errorf("Stats = %+v, want 1 token entry", st)
		}
	})
}

// TestReissueWithinGrace: a second reissue during the first one's grace
// window widens the pending window to the token it superseded but keeps the
// scheduled time: at the first grace deadline both older tokens are
// revoked. A revocation is never postponed.
func TestReissueWithinGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const grace = 5 * time.Second
		l := newMem(t, LocalOptions{})
		t0 := time.Now()
		id := testID(1)
		a := Query{ID: id, Issued: t0.Add(-time.Minute)}
		b := Query{ID: id, Issued: t0}
		must(t, l.RevokeIssuedBefore(ctx, sess(id), t0, t0.Add(grace), t0.Add(time.Hour)))
		time.Sleep(2 * time.Second)
		t2 := time.Now()
		must(t, l.RevokeIssuedBefore(ctx, sess(id), t2, t2.Add(grace), t0.Add(time.Hour)))
		wantVerdict(t, l, a, t0.Add(grace-time.Second), NotRevoked)
		wantVerdict(t, l, b, t0.Add(grace-time.Second), NotRevoked)
		wantVerdict(t, l, a, t0.Add(grace), TokenRevoked)
		wantVerdict(t, l, b, t0.Add(grace), TokenRevoked)
		wantVerdict(t, l, Query{ID: id, Issued: t2}, t2.Add(grace), NotRevoked)
	})
}

// TestFrequentReissuesCannotPostpone: a session reissued every 20 s with a
// 30 s grace window (an app writing its session on every request) must not
// keep an old token alive: it dies at the first grace deadline.
func TestFrequentReissuesCannotPostpone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const grace = 30 * time.Second
		l := newMem(t, LocalOptions{})
		id := testID(7)
		stale := Query{ID: id, Issued: time.Now().Add(-time.Second)}
		first := time.Now()
		for range 30 {
			now := time.Now()
			must(t, l.RevokeIssuedBefore(ctx, sess(id), now, now.Add(grace), now.Add(time.Hour)))
			v, _ := l.Check(ctx, stale, now)
			if want := now.Sub(first) >= grace; (v == TokenRevoked) != want {
				t.Fatalf("after %v of reissues the stale token is %v", now.Sub(first), v)
			}
			time.Sleep(20 * time.Second)
		}
		// Every token older than the last-but-one reissue is dead by now.
		wantVerdict(t, l, Query{ID: id, Issued: time.Now().Add(-2 * time.Minute)}, time.Now(), TokenRevoked)
	})
}

// TestReissueClockFromBefore: the time of a RevokeIssuedBefore call is the
// later of the system clock and before, so a caller whose clock runs ahead
// of the set's (an injected clock) still folds a window it already saw in
// effect.
func TestReissueClockFromBefore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newMem(t, LocalOptions{})
		callerNow := time.Now().Add(time.Hour) // the caller's clock is an hour ahead
		id := testID(1)
		a := Query{ID: id, Issued: callerNow.Add(-time.Minute)}
		must(t, l.RevokeIssuedBefore(ctx, sess(id), callerNow, callerNow.Add(5*time.Second), callerNow.Add(time.Hour)))
		callerNow = callerNow.Add(10 * time.Second)
		wantVerdict(t, l, a, callerNow, TokenRevoked)
		must(t, l.RevokeIssuedBefore(ctx, sess(id), callerNow, callerNow.Add(5*time.Second), callerNow.Add(time.Hour)))
		wantVerdict(t, l, a, callerNow, TokenRevoked)
	})
}

// TestTokenMergeMonotone drives tokenEntry.merge with random reissue
// sequences and checks that no (token, time) pair once revoked is ever seen
// valid later: for every issued-at, the verdict over increasing time goes
// from valid to revoked at most once, whatever calls come in between.
func TestTokenMergeMonotone(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var e tokenEntry
		revoked := map[uint32]bool{} // issued-at → seen revoked
		const until = 10_000
		now := uint32(100)
		for range 20 {
			now += uint32(r.IntN(8))
			if r.IntN(3) == 0 {
				// A reissue at now: revoke what was issued before now after
				// a grace window of 0 to 6 s. Occasionally out of order.
				before := now
				if r.IntN(5) == 0 {
					before -= uint32(r.IntN(20))
				}
				e = e.merge(before, now+uint32(r.IntN(7)), until, max(now, before))
			}
			for issued := uint32(50); issued < now+2; issued++ {
				got := e.Revoked(issued, now)
				if revoked[issued] && !got {
					t.Fatalf("token issued at %d was revoked and is valid again at %d (entry %+v)", issued, now, e)
				}
				revoked[issued] = got
			}
		}
	}
}

func TestTokenReplayMerge(t *testing.T) {
	// Replaying the states in order gives the final state; dropping one in
	// the middle (a corrupt record) still gives it, since every record is a
	// full state.
	states := []tokenEntry{
		{hard: 0, soft: 100, softEffective: 105, until: 1000},
		{hard: 100, soft: 110, softEffective: 115, until: 1000},
		{hard: 100, soft: 120, softEffective: 125, until: 1100},
	}
	for skip := -1; skip < len(states)-1; skip++ {
		var e tokenEntry
		for i, s := range states {
			if i != skip {
				e = e.replay(s)
			}
		}
		if e != states[len(states)-1] {
			t.Errorf("replay skipping %d = %+v, want %+v", skip, e, states[len(states)-1])
		}
	}
}
