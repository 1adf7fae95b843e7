package revocation

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestAnonymousRefused: a session revocation without a subject is refused
// with ErrBadSubject and adds nothing, in memory or to the log.
func TestAnonymousRefused(t *testing.T) {
	path := ""
	if durableSupported {
		path = logPath(t)
	}
	l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	now := time.Now()
	later := now.Add(time.Hour)
	for _, subject := range []string{"", strings.Repeat("s", MaxSubjectLen+1)} {
		s := Session{ID: testID(1), Subject: subject, Created: now}
		for name, err := range map[string]error{
			"RevokeSession":      l.RevokeSession(ctx, s, later),
			"RevokeIssuedBefore": l.RevokeIssuedBefore(ctx, s, now, now, later),
		} {
			if !errors.Is(err, ErrBadSubject) {
				t.Errorf("%s with a %d-byte subject = %v, want ErrBadSubject", name, len(subject), err)
			}
		}
	}
	wantVerdict(t, l, Query{ID: testID(1), Created: now, Issued: now.Add(-time.Minute)}, now, NotRevoked)
	if st := l.Stats(); st.Sessions+st.Tokens+st.Subjects != 0 || st.Revoked != 0 {
		t.Errorf("Stats = %+v, want nothing added or acknowledged", st)
	}
	if durableSupported {
		if st := l.Stats(); st.LogBytes != headerSize {
			t.Errorf("LogBytes = %d, want the header only", st.LogBytes)
		}
	}
	// The longest subject is accepted.
	must(t, l.RevokeSession(ctx, Session{ID: testID(2), Subject: strings.Repeat("s", MaxSubjectLen), Created: now}, later))
}

// TestPerSubjectBound: the revocation that would exceed MaxPerSubject
// collapses the subject's entries into a subject entry revoking its
// sessions created up to the newest of them, until the latest until; it is
// durable, and a login after the newest collapsed session is not revoked.
func TestPerSubjectBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := ""
		if durableSupported {
			path = logPath(t)
		}
		open := func() *Local {
			l, err := NewLocal(LocalOptions{Path: path, MaxPerSubject: 4, PruneInterval: -1, PollInterval: -1, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		l := open()
		t0 := time.Now().Add(-time.Hour)
		var rs []revoked
		for i := range 5 {
			s := Session{ID: testID(byte(i)), Subject: "ada", Created: t0.Add(time.Duration(i) * time.Minute)}
			until := t0.Add(12*time.Hour + time.Duration(i)*time.Minute)
			if i == 2 {
				until = until.Add(time.Hour) // the longest
				must(t, l.RevokeIssuedBefore(ctx, s, time.Now(), time.Now(), until))
				rs = append(rs, revoked{Query{ID: s.ID, Subject: "ada", Created: s.Created, Issued: s.Created}, TokenRevoked})
			} else {
				must(t, l.RevokeSession(ctx, s, until))
				rs = append(rs, revoked{Query{ID: s.ID, Subject: "ada", Created: s.Created}, SessionRevoked})
			}
		}
		st := l.Stats()
		if st.Collapses != 1 || st.Sessions+st.Tokens != 1 || st.Subjects != 1 {
			t.Errorf("Stats = %+v, want 1 collapse leaving the newest entry and a subject entry", st)
		}
		before, until, ok := l.SubjectEntry("ada")
		if wantBefore, wantUntil := t0.Add(3*time.Minute+time.Second), t0.Add(13*time.Hour+2*time.Minute); !ok || !before.Equal(wantBefore) || !until.Equal(wantUntil) {
			t.Errorf("SubjectEntry = %v, %v, %v; want %v, %v", before, until, ok, wantBefore, wantUntil)
		}
		check := func(l *Local) {
			t.Helper()
			wantRevoked(t, l, rs, time.Now())
			// A login after the newest collapsed session is not revoked; one
			// created in its second is (one-second resolution).
			wantVerdict(t, l, Query{ID: testID(100), Subject: "ada", Created: t0.Add(3*time.Minute + time.Second)}, time.Now(), NotRevoked)
			wantVerdict(t, l, Query{ID: testID(101), Subject: "ada", Created: t0.Add(3*time.Minute + 999*time.Millisecond)}, time.Now(), SubjectRevoked)
			wantVerdict(t, l, Query{ID: testID(102), Subject: "grace", Created: t0}, time.Now(), NotRevoked)
		}
		check(l)
		must(t, l.Close())
		if path != "" {
			l = open()
			check(l)
			if st := l.Stats(); st.Collapses != 0 || st.Revoked != 0 {
				t.Errorf("reopened: %+v; want the collapse read back, not redone", st)
			}
			must(t, l.Close())
		}
	})
}

// TestSmallByConstructionOneSubject: one subject revoking 100,000 sessions
// never holds more than MaxPerSubject entries plus its subject entry, and
// every one of those sessions stays revoked.
func TestSmallByConstructionOneSubject(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newMem(t, LocalOptions{})
		t0 := time.Now()
		ids := newIDs(11)
		r := rand.New(rand.NewPCG(11, 11))
		const n = 100_000
		rs := make([]revoked, 0, n)
		most := 0
		for i := range n {
			// Ten sessions a second, some revoked out of order.
			s := Session{ID: ids.next(), Subject: "mallory", Created: t0.Add(time.Duration(i/10-r.IntN(3)) * time.Second)}
			until := t0.Add(12 * time.Hour)
			if i%3 == 0 {
				must(t, l.RevokeIssuedBefore(ctx, s, s.Created.Add(time.Minute), t0, until))
				rs = append(rs, revoked{Query{ID: s.ID, Subject: s.Subject, Created: s.Created, Issued: s.Created}, TokenRevoked})
			} else {
				must(t, l.RevokeSession(ctx, s, until))
				rs = append(rs, revoked{Query{ID: s.ID, Subject: s.Subject, Created: s.Created}, SessionRevoked})
			}
			st := l.Stats()
			most = max(most, st.Sessions+st.Tokens+st.Subjects)
			if most > DefaultMaxPerSubject+1 {
				t.Fatalf("after %d revocations of one subject: %+v, more than %d entries", i+1, st, DefaultMaxPerSubject+1)
			}
		}
		wantRevoked(t, l, rs, t0)
		st := l.Stats()
		t.Logf("%d revocations of one subject: at most %d entries; %+v", n, most, st)
		if st.Revoked != n || st.Collapses == 0 {
			t.Errorf("Stats = %+v, want %d acknowledged and collapses", st, n)
		}
	})
}

// TestSmallByConstructionManySubjects: 10,000 subjects revoking 10
// sessions each stay under the bound: 100,000 session entries, nothing
// collapsed.
func TestSmallByConstructionManySubjects(t *testing.T) {
	l := newMem(t, LocalOptions{})
	created := time.Now().Add(-time.Hour)
	until := time.Now().Add(time.Hour)
	ids := newIDs(12)
	for i := range 100_000 {
		must(t, l.RevokeSession(ctx, Session{ID: ids.next(), Subject: fmt.Sprint("user-", i/10), Created: created}, until))
	}
	if st := l.Stats(); st.Sessions != 100_000 || st.Subjects != 0 || st.Collapses != 0 {
		t.Errorf("Stats = %+v, want 100000 session entries and no collapse", st)
	}
}

// TestFloodNearCapacity: a flood from many subjects of several entries each
// against a small capacity never gets an error, keeps the set at its
// capacity, keeps every revocation in force, and is reported by Health and
// Stats.
func TestFloodNearCapacity(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const capacity = 1000
		var logs logBuffer
		l := newMem(t, LocalOptions{MaxEntries: capacity, Logger: logs.logger()})
		t0 := time.Now()
		// 500 subjects revoke 20 sessions each, interleaved at random.
		const subjects, each = 500, 20
		order := make([]int, 0, subjects*each)
		for s := range subjects {
			for range each {
				order = append(order, s)
			}
		}
		r := rand.New(rand.NewPCG(5, 5))
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		ids := newIDs(13)
		count := make([]int, subjects)
		rs := make([]revoked, 0, len(order))
		most := 0
		for i, s := range order {
			sn := Session{ID: ids.next(), Subject: fmt.Sprint("flood-", s), Created: t0.Add(time.Duration(count[s]) * time.Second)}
			count[s]++
			if err := l.RevokeSession(ctx, sn, t0.Add(time.Hour)); err != nil {
				t.Fatalf("revocation %d = %v; a revocation is never refused", i, err)
			}
			rs = append(rs, revoked{Query{ID: sn.ID, Subject: sn.Subject, Created: sn.Created}, SessionRevoked})
			st := l.Stats()
			most = max(most, st.Sessions+st.Tokens+st.Subjects)
		}
		st := l.Stats()
		t.Logf("%d revocations from %d subjects, capacity %d: at most %d entries, %d at the end; %d capacity collapses", len(order), subjects, capacity, most, st.Sessions+st.Tokens+st.Subjects, st.CapacityCollapses)
		if most > capacity {
			t.Errorf("the set held %d entries, capacity %d", most, capacity)
		}
		if st.CapacityCollapses == 0 {
			t.Errorf("Stats = %+v, want capacity collapses", st)
		}
		wantRevoked(t, l, rs, t0)
		if !strings.Contains(logs.String(), "reached its capacity") {
			t.Error("no warning logged")
		}
		// Health is degraded from 90% of the capacity on: top the set up to
		// there if the last collapse left it below.
		for i := 0; l.Stats().Sessions+l.Stats().Subjects < capacity*9/10 && i < capacity; i++ {
			must(t, l.RevokeSession(ctx, sess(ids.next()), t0.Add(time.Hour)))
		}
		if err := l.Health(ctx); !errors.Is(err, ErrDegraded) {
			t.Errorf("Health = %v, want ErrDegraded", err)
		}
	})
}

// TestReopenWithSmallerBound: a log reopened with a smaller MaxPerSubject
// (a tool opened with other bounds than the application's) leaves the
// entries it reads as they are — the bounds apply to one's own revocations
// — and the next revocation of the subject made here collapses them,
// durably.
func TestReopenWithSmallerBound(t *testing.T) {
	if !durableSupported {
		t.Skip("durable mode needs a unix system")
	}
	path := logPath(t)
	l := openLocal(t, path, nil)
	now := time.Now()
	var rs []revoked
	for i := range 10 {
		s := Session{ID: testID(byte(i)), Subject: "ada", Created: now.Add(-time.Duration(i) * time.Minute)}
		must(t, l.RevokeSession(ctx, s, now.Add(time.Hour)))
		rs = append(rs, revoked{Query{ID: s.ID, Subject: s.Subject, Created: s.Created}, SessionRevoked})
	}
	must(t, l.Close())
	size := int64(len(readFile(t, path)))

	l, err := NewLocal(LocalOptions{Path: path, MaxPerSubject: 4, PruneInterval: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if st := l.Stats(); st.Collapses != 0 || st.Sessions != 10 || st.LogBytes != size {
		t.Errorf("Stats after opening = %+v, want the 10 entries as they were and the log unchanged", st)
	}
	wantRevoked(t, l, rs, now)
	s := Session{ID: testID(50), Subject: "ada", Created: now.Add(time.Second)} // newer than every collapsed one
	must(t, l.RevokeSession(ctx, s, now.Add(time.Hour)))
	rs = append(rs, revoked{Query{ID: s.ID, Subject: s.Subject, Created: s.Created}, SessionRevoked})
	if st := l.Stats(); st.Collapses != 1 || st.Sessions != 1 || st.Subjects != 1 {
		t.Errorf("Stats after a revocation of ada = %+v, want the subject collapsed and the new entry kept", st)
	}
	wantRevoked(t, l, rs, now)
	must(t, l.Close())
	l = openLocal(t, path, nil)
	defer l.Close()
	wantRevoked(t, l, rs, now)
}
