package revocation

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// revoked is a revocation a test made and expects to stay in force.
type revoked struct {
	q    Query
	want Verdict // the verdict when nothing else applies; a collapse turns it into SubjectRevoked
}

// wantRevoked fails the test unless every revocation in rs is in force at
// now. A collapse may have replaced an entry by its subject's.
func wantRevoked(t testing.TB, l *Local, rs []revoked, now time.Time) {
	t.Helper()
	lost := 0
	for _, r := range rs {
		if got := check(t, l, r.q, now); got != r.want && got != SubjectRevoked {
			lost++
			if lost <= 5 {
				t.Errorf("revocation of %x… (subject %q) lost: %v, want %v", r.q.ID[:4], r.q.Subject, got, r.want)
			}
		}
	}
	if lost > 5 {
		t.Errorf("%d revocations lost in all", lost)
	}
}

// TestCapacityCollapsesNeverRefuses: past its capacity the set collapses
// the subject with the most entries, refuses nothing, and keeps every
// revocation in force.
func TestCapacityCollapsesNeverRefuses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const capacity = 10
		var logs logBuffer
		l := newMem(t, LocalOptions{MaxEntries: capacity, Logger: logs.logger()})
		now := time.Now()
		later := now.Add(time.Hour)
		var rs []revoked
		next := byte(0)
		session := func(subject string, n int) Session {
			next++
			return Session{ID: testID(next), Subject: subject, Created: now.Add(-time.Duration(n) * time.Minute)}
		}
		for i := range 5 {
			s := session("ada", i)
			must(t, l.RevokeSession(ctx, s, later))
			rs = append(rs, revoked{Query{ID: s.ID, Subject: s.Subject, Created: s.Created}, SessionRevoked})
		}
		for i := range 3 {
			s := session("grace", i)
			must(t, l.RevokeSession(ctx, s, later))
			rs = append(rs, revoked{Query{ID: s.ID, Subject: s.Subject, Created: s.Created}, SessionRevoked})
		}
		s := session("alan", 0)
		must(t, l.RevokeIssuedBefore(ctx, s, now, now, later))
		rs = append(rs, revoked{Query{ID: s.ID, Subject: s.Subject, Created: s.Created, Issued: now.Add(-time.Second)}, TokenRevoked})
		must(t, l.RevokeSubject(ctx, "barbara", now, later))
		rs = append(rs, revoked{Query{ID: testID(200), Subject: "barbara", Created: now.Add(-time.Second)}, SubjectRevoked})
		if st := l.Stats(); st.Sessions+st.Tokens+st.Subjects != capacity || st.Collapses != 0 {
			t.Fatalf("at capacity: %+v", st)
		}

		// Over capacity: ada, the subject with the most entries, collapses.
		for i, call := range []func() error{
			func() error { s := session("edsger", 0); return l.RevokeSession(ctx, s, later) },
			func() error { s := session("donald", 0); return l.RevokeIssuedBefore(ctx, s, now, now, later) },
			func() error { return l.RevokeSubject(ctx, "ken", now, later) },
		} {
			if err := call(); err != nil {
				t.Errorf("revocation %d past capacity = %v; a revocation is never refused", i, err)
			}
		}
		st := l.Stats()
		if st.CapacityCollapses != 1 || st.Collapses != 1 || st.Sessions+st.Tokens+st.Subjects > capacity {
			t.Errorf("Stats = %+v, want one capacity collapse and at most %d entries", st, capacity)
		}
		if _, _, ok := l.SubjectEntry("ada"); !ok {
			t.Error("ada, the subject with the most entries, was not collapsed")
		}
		wantRevoked(t, l, rs, now)
		if !strings.Contains(logs.String(), "reached its capacity") {
			t.Errorf("no warning logged:\n%s", logs.String())
		}
	})
}

// TestCapacityOverWhenNothingToCollapse: when every subject holds a single
// entry nothing can be collapsed; revocations are still accepted past the
// capacity, with a warning, and Health reports the set degraded.
func TestCapacityOverWhenNothingToCollapse(t *testing.T) {
	var logs logBuffer
	l := newMem(t, LocalOptions{MaxEntries: 10, Logger: logs.logger()})
	later := time.Now().Add(time.Hour)
	for i := range 15 {
		if err := l.RevokeSession(ctx, sess(testID(byte(i))), later); err != nil {
			t.Fatalf("revocation %d = %v; a revocation is never refused", i, err)
		}
	}
	if st := l.Stats(); st.Sessions != 15 || st.Collapses != 0 {
		t.Errorf("Stats = %+v, want all 15 sessions", st)
	}
	for i := range 15 {
		wantVerdict(t, l, Query{ID: testID(byte(i))}, time.Now(), SessionRevoked)
	}
	if !strings.Contains(logs.String(), "over its capacity") {
		t.Errorf("no warning logged:\n%s", logs.String())
	}
	if err := l.Health(ctx); !errors.Is(err, ErrDegraded) {
		t.Errorf("Health = %v, want ErrDegraded", err)
	}
}

// TestHealthDegraded: Health wraps ErrDegraded from nine tenths of the
// capacity on, and is nil again once pruning brings the set below.
func TestHealthDegraded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newMem(t, LocalOptions{MaxEntries: 10})
		now := time.Now()
		for i := range 8 {
			must(t, l.RevokeSession(ctx, sess(testID(byte(i))), now.Add(time.Minute)))
		}
		must(t, l.Health(ctx))
		must(t, l.RevokeSubject(ctx, "ada", now, now.Add(time.Hour)))
		err := l.Health(ctx)
		if !errors.Is(err, ErrDegraded) || !strings.Contains(err.Error(), "9 entries, capacity 10") {
			t.Errorf("Health at 9 of 10 = %v, want ErrDegraded with the counts", err)
		}
		if _, err := l.Prune(ctx, now.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		must(t, l.Health(ctx))
	})
}

// TestCapacityCollapseIsDurable: the subject entry of a capacity collapse
// is written to the log, so the revocations it replaced survive a reopen.
func TestCapacityCollapseIsDurable(t *testing.T) {
	if !durableSupported {
		t.Skip("durable mode needs a unix system")
	}
	path := logPath(t)
	l, err := NewLocal(LocalOptions{Path: path, MaxEntries: 20, PruneInterval: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	later := now.Add(time.Hour)
	var rs []revoked
	for i := range 25 {
		subject := "ada"
		if i%5 == 4 {
			subject = fmt.Sprint("single-", i)
		}
		s := Session{ID: testID(byte(i)), Subject: subject, Created: now.Add(-time.Duration(i) * time.Second)}
		must(t, l.RevokeSession(ctx, s, later))
		rs = append(rs, revoked{Query{ID: s.ID, Subject: s.Subject, Created: s.Created}, SessionRevoked})
	}
	if st := l.Stats(); st.CapacityCollapses == 0 {
		t.Fatalf("no capacity collapse: %+v", st)
	}
	must(t, l.Close())
	l = openLocal(t, path, nil)
	defer l.Close()
	wantRevoked(t, l, rs, now)
	if _, _, ok := l.SubjectEntry("ada"); !ok {
		t.Error("the collapse's subject entry is not in the log")
	}
}

func TestNewLocalOptions(t *testing.T) {
	if _, err := NewLocal(LocalOptions{MaxEntries: -1}); err == nil {
		t.Error("NewLocal accepted a negative MaxEntries")
	}
	if _, err := NewLocal(LocalOptions{MaxPerSubject: -1}); err == nil {
		t.Error("NewLocal accepted a negative MaxPerSubject")
	}
	l := newMem(t, LocalOptions{})
	if st := l.Stats(); st.Capacity != DefaultMaxEntries || st.MaxPerSubject != DefaultMaxPerSubject || st.LogBytes != 0 {
		t.Errorf("default Stats = %+v", st)
	}
	if err := l.Health(ctx); err != nil {
		t.Errorf("Health = %v", err)
	}
}

func TestClose(t *testing.T) {
	l, err := NewLocal(LocalOptions{Logger: quiet}) // with the prune goroutine
	if err != nil {
		t.Fatal(err)
	}
	id := testID(1)
	later := time.Now().Add(time.Hour)
	must(t, l.RevokeSession(ctx, sess(id), later))
	must(t, l.Close())
	must(t, l.Close()) // idempotent
	for name, err := range map[string]error{
		"RevokeSession":      l.RevokeSession(ctx, sess(testID(2)), later),
		"RevokeIssuedBefore": l.RevokeIssuedBefore(ctx, sess(testID(2)), later, later, later),
		"RevokeSubject":      l.RevokeSubject(ctx, "ada", later, later),
		"Health":             l.Health(ctx),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
	wantVerdict(t, l, Query{ID: id}, time.Now(), SessionRevoked) // Check still answers
	if _, err := l.Prune(ctx, later.Add(time.Second)); err != nil {
		t.Errorf("Prune after Close = %v", err)
	}
}
