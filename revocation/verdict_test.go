package revocation

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestVerdictString(t *testing.T) {
	for v, want := range map[Verdict]string{
		NotRevoked:     "not revoked",
		SessionRevoked: "session revoked",
		TokenRevoked:   "token revoked",
		SubjectRevoked: "subject revoked",
		Verdict(9):     "Verdict(9)",
	} {
		if got := v.String(); got != want {
			t.Errorf("Verdict(%d).String() = %q, want %q", uint8(v), got, want)
		}
	}
}

// Inside a synctest bubble time.Now starts at 2000-01-01T00:00:00Z and only
// moves when every goroutine of the bubble is blocked, so the second
// boundaries below are exact.

func TestSessionRevoked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newMem(t, LocalOptions{})
		now := time.Now()
		q := Query{ID: testID(1), Created: now.Add(-time.Hour), Issued: now.Add(-time.Minute)}
		wantVerdict(t, l, q, now, NotRevoked)
		until := now.Add(time.Hour)
		if err := l.RevokeSession(ctx, sess(q.ID), until); err != nil {
			t.Fatal(err)
		}
		wantVerdict(t, l, q, now, SessionRevoked)
		wantVerdict(t, l, q, until, SessionRevoked)                                           // until == now: still revoked
		wantVerdict(t, l, q, until.Add(999*time.Millisecond), SessionRevoked)                 // same second
		wantVerdict(t, l, q, until.Add(time.Second), NotRevoked)                              // the entry no longer matters
		wantVerdict(t, l, Query{ID: testID(2)}, now, NotRevoked)                              // another session
		wantVerdict(t, l, Query{ID: q.ID, Issued: now.Add(time.Minute)}, now, SessionRevoked) // every token
	})
}

func TestTokenRevoked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newMem(t, LocalOptions{})
		now := time.Now()
		id := testID(3)
		old := Query{ID: id, Created: now.Add(-time.Hour), Issued: now.Add(-time.Minute)}
		fresh := Query{ID: id, Created: old.Created, Issued: now}
		effective := now.Add(10 * time.Second)
		if err := l.RevokeIssuedBefore(ctx, sess(id), now, effective, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		wantVerdict(t, l, old, now, NotRevoked)                         // grace window
		wantVerdict(t, l, old, effective.Add(-time.Second), NotRevoked) // last second of grace
		wantVerdict(t, l, old, effective, TokenRevoked)                 // now == effective revokes
		wantVerdict(t, l, fresh, effective, NotRevoked)                 // issued == before is not before
		wantVerdict(t, l, Query{ID: id, Issued: now.Add(-time.Second)}, effective, TokenRevoked)
		wantVerdict(t, l, Query{ID: id, Issued: now.Add(999 * time.Millisecond)}, effective, NotRevoked) // same second as before
		wantVerdict(t, l, old, now.Add(time.Hour), TokenRevoked)
		wantVerdict(t, l, old, now.Add(time.Hour+time.Second), NotRevoked)
		wantVerdict(t, l, Query{ID: testID(4), Issued: old.Issued}, effective, NotRevoked)
	})
}

func TestSubjectRevoked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newMem(t, LocalOptions{})
		now := time.Now()
		older := Query{ID: testID(5), Subject: "ada", Created: now.Add(-time.Second), Issued: now}
		newer := Query{ID: testID(6), Subject: "ada", Created: now, Issued: now}
		if err := l.RevokeSubject(ctx, "ada", now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		wantVerdict(t, l, older, now, SubjectRevoked)
		wantVerdict(t, l, newer, now, NotRevoked) // created == before is not before
		wantVerdict(t, l, Query{ID: testID(7), Subject: "grace", Created: older.Created}, now, NotRevoked)
		wantVerdict(t, l, Query{ID: testID(8), Created: older.Created}, now, NotRevoked) // no subject
		wantVerdict(t, l, older, now.Add(time.Hour), SubjectRevoked)
		wantVerdict(t, l, older, now.Add(time.Hour+time.Second), NotRevoked)
	})
}

func TestVerdictPrecedence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newMem(t, LocalOptions{})
		now := time.Now()
		later := now.Add(time.Hour)
		q := Query{ID: testID(9), Subject: "ada", Created: now.Add(-time.Hour), Issued: now.Add(-time.Minute)}
		must(t, l.RevokeSubject(ctx, "ada", now, later))
		wantVerdict(t, l, q, now, SubjectRevoked)
		must(t, l.RevokeIssuedBefore(ctx, sess(q.ID), now, now, later))
		wantVerdict(t, l, q, now, TokenRevoked)
		must(t, l.RevokeSession(ctx, sess(q.ID), later))
		wantVerdict(t, l, q, now, SessionRevoked)
	})
}

func TestRevokePastIsNoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newMem(t, LocalOptions{})
		now := time.Now()
		past := now.Add(-time.Second)
		must(t, l.RevokeSession(ctx, sess(testID(1)), past))
		must(t, l.RevokeIssuedBefore(ctx, sess(testID(2)), now, now, past))
		must(t, l.RevokeSubject(ctx, "ada", now, past))
		must(t, l.RevokeSession(ctx, sess(testID(3)), time.Time{}))
		if st := l.Stats(); st.Sessions+st.Tokens+st.Subjects != 0 || st.Revoked != 4 {
			t.Errorf("Stats after no-ops = %+v, want no entries and 4 acknowledged calls", st)
		}
		wantVerdict(t, l, Query{ID: testID(1)}, past, NotRevoked)
		// An until in the current second is not past.
		must(t, l.RevokeSession(ctx, sess(testID(4)), now.Add(999*time.Millisecond)))
		if l.Stats().Sessions != 1 {
			t.Error("until in the current second was dropped")
		}
	})
}

func TestRevokeSubjectValidation(t *testing.T) {
	l := newMem(t, LocalOptions{})
	later := time.Now().Add(time.Hour)
	for _, s := range []string{"", strings.Repeat("x", MaxSubjectLen+1)} {
		if err := l.RevokeSubject(ctx, s, later, later); !errors.Is(err, ErrBadSubject) {
			t.Errorf("RevokeSubject(%d bytes) = %v, want ErrBadSubject", len(s), err)
		}
	}
	must(t, l.RevokeSubject(ctx, strings.Repeat("x", MaxSubjectLen), later, later))
}

func TestTimeClamp(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want uint32
	}{
		{time.Time{}, 0},
		{time.Unix(-1, 0), 0},
		{time.Unix(0, 999_999_999), 0},
		{time.Unix(1, 0), 1},
		{time.Unix(1_700_000_000, 500_000_000), 1_700_000_000},
		{time.Date(2106, 2, 7, 6, 28, 15, 0, time.UTC), maxSeconds},
		{time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC), maxSeconds},
	} {
		if got := secs(c.t); got != c.want {
			t.Errorf("secs(%v) = %d, want %d", c.t, got, c.want)
		}
	}
	// An until beyond 2106 is clamped, not wrapped into the past.
	l := newMem(t, LocalOptions{})
	id := testID(1)
	must(t, l.RevokeSession(ctx, sess(id), time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)))
	wantVerdict(t, l, Query{ID: id}, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), SessionRevoked)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
