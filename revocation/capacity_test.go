package revocation

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestCapacityFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const capacity = 10
		l := newMem(t, LocalOptions{MaxEntries: capacity})
		now := time.Now()
		later := now.Add(time.Hour)
		for i := range capacity - 2 {
			must(t, l.RevokeSession(ctx, testID(byte(i)), later))
		}
		must(t, l.RevokeIssuedBefore(ctx, testID(100), now, now, later))
		must(t, l.RevokeSubject(ctx, "ada", now, later))

		if err := l.RevokeSession(ctx, testID(200), later); !errors.Is(err, ErrFull) {
			t.Errorf("RevokeSession on a full set = %v, want ErrFull", err)
		}
		if err := l.RevokeIssuedBefore(ctx, testID(201), now, now, later); !errors.Is(err, ErrFull) {
			t.Errorf("RevokeIssuedBefore on a full set = %v, want ErrFull", err)
		}
		if err := l.RevokeSubject(ctx, "grace", now, later); !errors.Is(err, ErrFull) {
			t.Errorf("RevokeSubject on a full set = %v, want ErrFull", err)
		}
		wantVerdict(t, l, Query{ID: testID(200)}, now, NotRevoked)

		// Entries already there can still be extended: that adds nothing.
		must(t, l.RevokeSession(ctx, testID(0), later.Add(time.Hour)))
		must(t, l.RevokeIssuedBefore(ctx, testID(100), now.Add(time.Second), now, later))
		must(t, l.RevokeSubject(ctx, "ada", now.Add(time.Second), later))

		// Nothing was evicted.
		for i := range capacity - 2 {
			wantVerdict(t, l, Query{ID: testID(byte(i))}, now, SessionRevoked)
		}
		wantVerdict(t, l, Query{ID: testID(100)}, now, TokenRevoked)
		wantVerdict(t, l, Query{ID: testID(1), Subject: "ada"}, now, SessionRevoked)
		wantVerdict(t, l, Query{ID: testID(202), Subject: "ada"}, now, SubjectRevoked)
		if st := l.Stats(); st.Sessions != 8 || st.Tokens != 1 || st.Subjects != 1 || st.Capacity != capacity {
			t.Errorf("Stats = %+v", st)
		}
	})
}

func TestCapacityPrunesExpiredForRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const capacity = 10
		l := newMem(t, LocalOptions{MaxEntries: capacity})
		now := time.Now()
		for i := range 5 {
			must(t, l.RevokeSession(ctx, testID(byte(i)), now.Add(time.Second))) // expire soon
		}
		for i := 5; i < capacity; i++ {
			must(t, l.RevokeSession(ctx, testID(byte(i)), now.Add(time.Hour)))
		}
		if err := l.RevokeSession(ctx, testID(100), now.Add(time.Hour)); !errors.Is(err, ErrFull) {
			t.Fatalf("RevokeSession on a full set = %v, want ErrFull", err)
		}

		time.Sleep(2 * time.Second) // the first five have expired
		must(t, l.RevokeSession(ctx, testID(100), now.Add(time.Hour)))
		if st := l.Stats(); st.Pruned != 5 || st.Sessions != 6 {
			t.Errorf("Stats after pruning for room = %+v, want 5 pruned, 6 sessions", st)
		}
		for i := 101; i < 105; i++ {
			must(t, l.RevokeSession(ctx, testID(byte(i)), now.Add(time.Hour)))
		}
		if err := l.RevokeSession(ctx, testID(105), now.Add(time.Hour)); !errors.Is(err, ErrFull) {
			t.Fatalf("RevokeSession on a full set of live entries = %v, want ErrFull", err)
		}
		for i := 5; i < capacity; i++ {
			wantVerdict(t, l, Query{ID: testID(byte(i))}, time.Now(), SessionRevoked)
		}
	})
}

func TestNewLocalOptions(t *testing.T) {
	if _, err := NewLocal(LocalOptions{MaxEntries: -1}); err == nil {
		t.Error("NewLocal accepted a negative MaxEntries")
	}
	l := newMem(t, LocalOptions{})
	if st := l.Stats(); st.Capacity != DefaultMaxEntries || st.LogBytes != 0 {
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
	must(t, l.RevokeSession(ctx, id, later))
	must(t, l.Close())
	must(t, l.Close()) // idempotent
	for name, err := range map[string]error{
		"RevokeSession":      l.RevokeSession(ctx, testID(2), later),
		"RevokeIssuedBefore": l.RevokeIssuedBefore(ctx, testID(2), later, later, later),
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
