package redisset

import (
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crumbhq/crumb/revocation"
)

// TestPropagation revokes on A and polls B's Check until the session is
// rejected there, for 1000 sessions, and reports the latency from the
// start of RevokeSession on A to the rejection on B. Timing is reported,
// not asserted; every revocation must arrive.
func TestPropagation(t *testing.T) {
	srv := startRedis(t)
	a := newSet(t, testOptions(t, srv.addr()))
	b := newSet(t, testOptions(t, srv.addr()))

	const n = 1000
	until := time.Now().Add(time.Hour)
	lat := make([]time.Duration, 0, n)
	for i := range n {
		id := newID()
		t0 := time.Now()
		if err := a.RevokeSession(bg, session(id), until); err != nil {
			t.Fatalf("revocation %d: %v", i, err)
		}
		if !revokedOn(a, id) {
			t.Fatalf("revocation %d: not revoked on the node that made it", i)
		}
		deadline := t0.Add(5 * time.Second)
		for !revokedOn(b, id) {
			if time.Now().After(deadline) {
				t.Fatalf("revocation %d never reached B (5 s)", i)
			}
			time.Sleep(20 * time.Microsecond)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	t.Logf("propagation A → B over %d revocations (RevokeSession start to rejection on B): p50 %v, p99 %v, max %v",
		n, lat[n/2], lat[n*99/100], lat[n-1])
	if st := b.Stats(); st.Sessions != n {
		t.Errorf("B holds %d session entries, want %d", st.Sessions, n)
	}
	if st := a.Stats(); st.Revoked != n {
		t.Errorf("A acknowledged %d revocations, want %d", st.Revoked, n)
	}
	if err := a.Health(bg); err != nil {
		t.Errorf("Health: %v", err)
	}
}

// TestKinds revokes a session, a token (strict reissue) and a subject on
// A and checks every verdict on B, and on C, started afterwards from a
// snapshot.
func TestKinds(t *testing.T) {
	srv := startRedis(t)
	a := newSet(t, testOptions(t, srv.addr()))
	b := newSet(t, testOptions(t, srv.addr()))

	now := time.Now()
	until := now.Add(time.Hour)
	sess, tok := newID(), newID()
	// Both sessions are carol's.
	if err := a.RevokeSession(bg, revocation.Session{ID: sess, Subject: "carol", Created: now}, until); err != nil {
		t.Fatal(err)
	}
	// Tokens of tok issued before now are revoked from now on (no grace).
	if err := a.RevokeIssuedBefore(bg, revocation.Session{ID: tok, Subject: "carol", Created: now}, now, now.Add(-time.Second), until); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", strings.Repeat("x", revocation.MaxSubjectLen+1)} {
		if err := a.RevokeSession(bg, revocation.Session{ID: newID(), Subject: bad, Created: now}, until); !errors.Is(err, revocation.ErrBadSubject) {
			t.Errorf("RevokeSession with a subject of %d bytes: %v, want ErrBadSubject", len(bad), err)
		}
		if err := a.RevokeIssuedBefore(bg, revocation.Session{ID: newID(), Subject: bad, Created: now}, now, now, until); !errors.Is(err, revocation.ErrBadSubject) {
			t.Errorf("RevokeIssuedBefore with a subject of %d bytes: %v, want ErrBadSubject", len(bad), err)
		}
	}
	if err := a.RevokeSubject(bg, "alice", now, until); err != nil {
		t.Fatal(err)
	}
	old, newer := now.Add(-time.Minute), now.Add(time.Minute)
	cases := []struct {
		name string
		q    revocation.Query
		want revocation.Verdict
	}{
		{"session", revocation.Query{ID: sess, Issued: newer, Created: old}, revocation.SessionRevoked},
		{"old token", revocation.Query{ID: tok, Issued: old, Created: old}, revocation.TokenRevoked},
		{"new token", revocation.Query{ID: tok, Issued: newer, Created: old}, revocation.NotRevoked},
		{"subject, old session", revocation.Query{ID: newID(), Subject: "alice", Issued: newer, Created: old}, revocation.SubjectRevoked},
		{"subject, new session", revocation.Query{ID: newID(), Subject: "alice", Issued: newer, Created: newer}, revocation.NotRevoked},
		{"other subject", revocation.Query{ID: newID(), Subject: "bob", Issued: newer, Created: old}, revocation.NotRevoked},
	}
	check := func(node string, s *Set) {
		t.Helper()
		for _, c := range cases {
			var v revocation.Verdict
			ok := waitFor(5*time.Second, func() bool {
				var err error
				v, err = s.Check(bg, c.q, time.Now())
				return err == nil && v == c.want
			})
			if !ok {
				t.Errorf("%s: %s: verdict %v, want %v", node, c.name, v, c.want)
			}
		}
	}
	check("A", a)
	check("B", b)
	c := newSet(t, testOptions(t, srv.addr()))
	check("C (snapshot)", c)
	if st := c.Stats(); st.Sessions != 1 || st.Tokens != 1 || st.Subjects != 1 {
		t.Errorf("C's stats %+v, want one entry of each kind", st)
	}

	// Redis holds the subjects by hash only: the three entries, carol's
	// owner index and the stream.
	keys, err := srv.client().Keys(bg, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if l := strings.ToLower(k); strings.Contains(l, "alice") || strings.Contains(l, "carol") {
			t.Errorf("key %q names a subject", k)
		}
	}
	slices.Sort(keys)
	want := []string{
		a.keys.entry(kindOwner, ownerHex("carol")),
		a.keys.entry(kindSession, hexID(sess)),
		a.keys.stream,
		a.keys.entry(kindToken, hexID(tok)),
		a.keys.entry(kindSubject, ownerHex("alice")),
	}
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		t.Errorf("Redis holds the keys %v, want %v", keys, want)
	}
}

func hexID(id revocation.ID) string { return hex.EncodeToString(id[:]) }

// TestKeysExpire checks that a revocation's key expires at the end of its
// until second and that a past until is a no-op.
func TestKeysExpire(t *testing.T) {
	srv := startRedis(t)
	a := newSet(t, testOptions(t, srv.addr()))
	c := srv.client()

	id := newID()
	until := time.Now().Add(90 * time.Second)
	if err := a.RevokeSession(bg, session(id), until); err != nil {
		t.Fatal(err)
	}
	key := a.keys.entry(kindSession, hexID(id))
	ms, err := c.PExpireTime(bg, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Duration(until.Unix()+1) * time.Second; ms != want {
		t.Errorf("PEXPIRETIME %v, want %v (the end of the until second)", ms, want)
	}
	// A shorter until does not shorten the entry.
	if err := a.RevokeSession(bg, session(id), until.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ms2, _ := c.PExpireTime(bg, key).Result(); ms2 != ms {
		t.Errorf("a shorter revocation moved the expiry from %v to %v", ms, ms2)
	}
	// A past until is a no-op that succeeds.
	past := newID()
	if err := a.RevokeSession(bg, session(past), time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Exists(bg, a.keys.entry(kindSession, hexID(past))).Result(); n != 0 {
		t.Error("a revocation with a past until wrote a key")
	}
	if n, _ := c.XLen(bg, a.keys.stream).Result(); n != 1 {
		t.Errorf("stream length %d, want 1 (no record for no-ops)", n)
	}
}

// TestNodeRestart closes a node and opens it again on the same Redis: its
// replica reloads from the snapshot and keeps rejecting revoked sessions.
func TestNodeRestart(t *testing.T) {
	srv := startRedis(t)
	a := newSet(t, testOptions(t, srv.addr()))
	bo := testOptions(t, srv.addr())
	b := newSet(t, bo)

	ids := make([]revocation.ID, 50)
	for i := range ids {
		ids[i] = newID()
		if err := a.RevokeSession(bg, session(ids[i]), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if !waitFor(5*time.Second, func() bool { return revokedOn(b, ids[len(ids)-1]) }) {
		t.Fatal("B never saw the revocations")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.RevokeSession(bg, session(newID()), time.Now().Add(time.Hour)); !errors.Is(err, revocation.ErrClosed) {
		t.Errorf("RevokeSession after Close: %v, want ErrClosed", err)
	}
	if !revokedOn(b, ids[0]) {
		t.Error("a closed Set stopped answering from its replica")
	}
	// Revocations made while B is down reach it through the snapshot.
	later := newID()
	if err := a.RevokeSession(bg, session(later), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	b2 := newSet(t, bo) // the same outbox: the lock was released
	for _, id := range append(ids, later) {
		if !revokedOn(b2, id) {
			t.Fatalf("restarted B does not reject %x", id[:4])
		}
	}
	// And it tails again.
	again := newID()
	if err := a.RevokeSession(bg, session(again), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !waitFor(5*time.Second, func() bool { return revokedOn(b2, again) }) {
		t.Error("restarted B does not follow the stream")
	}
}

// TestOutboxLocked checks that two Sets cannot share an outbox.
func TestOutboxLocked(t *testing.T) {
	srv := startRedis(t)
	o := testOptions(t, srv.addr())
	newSet(t, o)
	if _, err := New(bg, o); !errors.Is(err, revocation.ErrLocked) {
		t.Fatalf("second Set on one outbox: %v, want ErrLocked", err)
	}
}
