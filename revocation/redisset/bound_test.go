package redisset

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crumbhq/crumb/revocation"
	"github.com/crumbhq/crumb/revocation/internal/table"
)

// entryKeys returns the session and issued-before keys Redis holds for
// the set of s.
func entryKeys(t *testing.T, srv *redisServer, s *Set) []string {
	t.Helper()
	c := srv.client()
	return append(scanKeys(t, c, s.keys.base+"s:*"), scanKeys(t, c, s.keys.base+"t:*")...)
}

// TestSubjectBound has one subject revoke 2,000 sessions (one in five by
// RevokeIssuedBefore) from two nodes in turn. Redis and both replicas keep
// at most MaxPerSubject of its entries and one subject entry, and every one
// of those sessions stays rejected on both nodes and on a node started
// afterwards; another subject's entries are untouched. A RevokeSubject then
// deletes the entries it covers from Redis, and the replicas drop them.
// Sessions without a subject are refused.
func TestSubjectBound(t *testing.T) {
	srv := startRedis(t)
	a := newSet(t, testOptions(t, srv.addr()))
	b := newSet(t, testOptions(t, srv.addr()))
	bound := revocation.DefaultMaxPerSubject
	now := time.Now()
	until := now.Add(time.Hour)
	bobRevoked := revocation.Session{ID: newID(), Subject: "bob", Created: now.Add(-time.Hour)}
	bobLive := revocation.Session{ID: newID(), Subject: "bob", Created: now.Add(-time.Hour)}
	if err := a.RevokeSession(bg, bobRevoked, until); err != nil {
		t.Fatal(err)
	}

	const n = 2000
	sessions := make([]revocation.Session, n)
	for i := range sessions {
		// Created one second apart, the newest a second ago: each collapse
		// leaves the sessions after it to new entries.
		rs := revocation.Session{ID: newID(), Subject: "mallory", Created: now.Add(time.Duration(i-n) * time.Second)}
		sessions[i] = rs
		node := a
		if i%2 == 1 {
			node = b
		}
		var err error
		if i%5 == 4 {
			// Every token issued before now is revoked, at once.
			err = node.RevokeIssuedBefore(bg, rs, now, now.Add(-time.Second), until)
		} else {
			err = node.RevokeSession(bg, rs, until)
		}
		if err != nil {
			t.Fatalf("revocation %d: %v", i, err)
		}
	}
	rejected := func(s *Set, rs revocation.Session) bool {
		q := revocation.Query{ID: rs.ID, Subject: rs.Subject, Created: rs.Created, Issued: now.Add(-time.Minute)}
		v, err := s.Check(bg, q, time.Now())
		return err == nil && v != revocation.NotRevoked
	}
	missing := func(s *Set) int {
		m := 0
		for _, rs := range sessions {
			if !rejected(s, rs) {
				m++
			}
		}
		return m
	}
	for name, s := range map[string]*Set{"A": a, "B": b} {
		if !waitFor(10*time.Second, func() bool { return missing(s) == 0 }) {
			t.Fatalf("waiting (10 s) for %s to reject all %d sessions of the subject: %d accepted", name, n, missing(s))
		}
	}

	// Redis: at most bound entries of the subject, in its owner index, and
	// one subject entry.
	c := srv.client()
	mallory, bob := table.KeyOf("mallory"), table.KeyOf("bob")
	ownerKey := a.keys.entry(kindOwner, ownerHex("mallory"))
	if keys := entryKeys(t, srv, a); len(keys) > bound+1 {
		t.Errorf("Redis holds %d session and issued-before keys, want at most %d (the subject's bound, and bob's)", len(keys), bound+1)
	}
	if n, err := c.HLen(bg, ownerKey).Result(); err != nil || n-1 > int64(bound) {
		t.Errorf("the subject's owner index has %d fields (%v), want at most %d and _u", n, err, bound)
	}
	if keys := scanKeys(t, c, a.keys.base+"u:*"); len(keys) != 1 {
		t.Errorf("Redis holds %d subject entries, want 1: %v", len(keys), keys)
	}
	// Each replica: the same bounds.
	for name, s := range map[string]*Set{"A": a, "B": b} {
		st := s.Stats()
		if owned := s.rep.t.Owned(mallory); owned > bound || st.Sessions+st.Tokens > bound+1 || st.Subjects != 1 || st.Collapses == 0 {
			t.Errorf("%s: %d entries of the subject, stats %+v; want at most %d, one subject entry, collapses", name, owned, st, bound)
		}
		if s.rep.t.Owned(bob) != 1 {
			t.Errorf("%s: bob holds %d entries, want 1", name, s.rep.t.Owned(bob))
		}
		if !rejects(s, bobRevoked) || rejects(s, bobLive) {
			t.Errorf("%s: bob's revoked session rejected %v, his live one %v; want true, false", name, rejects(s, bobRevoked), rejects(s, bobLive))
		}
	}
	// Redis holds what the replicas enforce: a node started now rejects
	// every session too.
	late := newSet(t, testOptions(t, srv.addr()))
	if m := missing(late); m > 0 {
		t.Errorf("a node started afterwards accepts %d of the subject's %d sessions", m, n)
	}
	// The journal of a node whose entries were collapsed sees them in the
	// subject entry: nothing to send again.
	pauseTailer(t, a)
	if err := a.verifyJournal(bg); err != nil {
		t.Fatal(err)
	}
	resumeTailer(a)
	if r := a.Status().Resent; r != 0 {
		t.Errorf("verifying the journal resent %d revocations Redis holds (collapsed)", r)
	}

	// RevokeSubject covers every session of the subject: its entries go,
	// in Redis and in the replicas.
	if err := b.RevokeSubject(bg, "mallory", now, until); err != nil {
		t.Fatal(err)
	}
	if keys := entryKeys(t, srv, a); len(keys) != 1 {
		t.Errorf("after RevokeSubject Redis holds %d session and issued-before keys, want bob's alone: %v", len(keys), keys)
	}
	if n, _ := c.Exists(bg, ownerKey).Result(); n != 0 {
		t.Error("after RevokeSubject the subject's owner index is still there")
	}
	for name, s := range map[string]*Set{"A": a, "B": b, "late": late} {
		if !waitFor(5*time.Second, func() bool { return s.rep.t.Owned(mallory) == 0 }) {
			t.Errorf("%s still holds %d entries of the subject after RevokeSubject", name, s.rep.t.Owned(mallory))
		}
		if st := s.Stats(); st.Sessions+st.Tokens != 1 {
			t.Errorf("%s: stats %+v after RevokeSubject, want bob's entry alone", name, st)
		}
		if m := missing(s); m > 0 {
			t.Errorf("%s accepts %d of the subject's sessions after RevokeSubject", name, m)
		}
	}

	// No subject: refused, nothing written.
	anon := revocation.Session{ID: newID(), Created: now}
	if err := a.RevokeSession(bg, anon, until); !errors.Is(err, revocation.ErrBadSubject) {
		t.Errorf("RevokeSession without a subject: %v, want ErrBadSubject", err)
	}
	if err := a.RevokeIssuedBefore(bg, anon, now, now, until); !errors.Is(err, revocation.ErrBadSubject) {
		t.Errorf("RevokeIssuedBefore without a subject: %v, want ErrBadSubject", err)
	}
	if n, _ := c.Exists(bg, a.keys.entry(kindSession, hexID(anon.ID)), a.keys.entry(kindToken, hexID(anon.ID))).Result(); n != 0 || revokedOn(a, anon.ID) {
		t.Error("a refused revocation was written")
	}
}

// TestReplicaCapacityFlood revokes 1,500 sessions of 300 subjects, five
// each (under the per-subject bound: Redis keeps them all), while a node
// whose replica holds 500 entries, under FailClosed, checks an innocent
// session all along. The replica collapses the subjects with the most
// entries instead of filling up: no revocation fails, no Check fails, the
// node never goes stale, and every revocation stays rejected on it and on
// a node of the same capacity started afterwards.
func TestReplicaCapacityFlood(t *testing.T) {
	srv := startRedis(t)
	small := func() Options {
		o := testOptions(t, srv.addr())
		o.MaxEntries, o.Policy = 500, FailClosed
		return o
	}
	a := newSet(t, small())
	b := newSet(t, testOptions(t, srv.addr()))

	innocent := revocation.Query{ID: newID(), Subject: "innocent", Created: time.Now(), Issued: time.Now()}
	var checks, failures atomic.Int64
	var firstFailure atomic.Value
	ctx, cancel := context.WithCancel(bg)
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			v, err := a.Check(bg, innocent, time.Now())
			checks.Add(1)
			if err != nil || v != revocation.NotRevoked || a.Status().Stale {
				if failures.Add(1) == 1 {
					firstFailure.Store(fmt.Sprintf("verdict %v, error %v, status %+v", v, err, a.Status()))
				}
			}
			time.Sleep(100 * time.Microsecond)
		}
	})
	stopChecker := sync.OnceFunc(func() { cancel(); wg.Wait() })
	defer stopChecker()

	now := time.Now()
	until := now.Add(time.Hour)
	var sessions []revocation.Session
	for i := range 300 {
		for j := range 5 {
			rs := revocation.Session{ID: newID(), Subject: fmt.Sprintf("user-%d", i), Created: now.Add(time.Duration(j-10) * time.Second)}
			node := b
			if (i+j)%3 == 0 {
				node = a // some of them the small node's own
			}
			if err := node.RevokeSession(bg, rs, until); err != nil {
				t.Fatalf("revocation %d/%d: %v", i, j, err)
			}
			sessions = append(sessions, rs)
		}
	}
	accepted := func(s *Set) int {
		n := 0
		for _, rs := range sessions {
			if !rejects(s, rs) {
				n++
			}
		}
		return n
	}
	if !waitFor(10*time.Second, func() bool { return accepted(a) == 0 }) {
		t.Fatalf("waiting (10 s) for the small node to reject all %d sessions: %d accepted", len(sessions), accepted(a))
	}
	stopChecker()
	if f := failures.Load(); f > 0 {
		t.Errorf("%d of %d Checks of an innocent session failed during the flood; first: %v", f, checks.Load(), firstFailure.Load())
	}
	st := a.Stats()
	if entries, _ := a.rep.load(); entries > 500 || st.CapacityCollapses == 0 {
		t.Errorf("the small replica holds %d entries, stats %+v; want at most 500, after capacity collapses", entries, st)
	}
	if err := a.Health(bg); !errors.Is(err, revocation.ErrDegraded) || errors.Is(err, ErrUnavailable) {
		t.Errorf("Health of the replica at its capacity: %v, want ErrDegraded and not ErrUnavailable (nor ErrStale)", err)
	} else if !strings.Contains(err.Error(), "capacity") {
		t.Errorf("Health does not say why it is degraded: %v", err)
	}
	if v, err := a.Check(bg, innocent, time.Now()); v != revocation.NotRevoked || err != nil {
		t.Errorf("Check of an innocent session after the flood: %v, %v", v, err)
	}
	// The small node's own revocations reach the other through the stream.
	if !waitFor(10*time.Second, func() bool { return accepted(b) == 0 }) {
		t.Errorf("waiting (10 s) for the other node to reject all %d sessions: %d accepted", len(sessions), accepted(b))
	}
	if keys := entryKeys(t, srv, a); len(keys) != len(sessions) {
		t.Errorf("Redis holds %d session keys, want all %d (no subject over its bound)", len(keys), len(sessions))
	}

	// A node of the same capacity started now loads the 1,500 entries from
	// the snapshot, collapsing as it goes.
	late := newSet(t, small())
	if n := accepted(late); n > 0 {
		t.Errorf("a small node started afterwards accepts %d of the revoked sessions", n)
	}
	if v, err := late.Check(bg, innocent, time.Now()); v != revocation.NotRevoked || err != nil || late.Status().Stale {
		t.Errorf("Check of an innocent session on the small node started afterwards: %v, %v, %+v", v, err, late.Status())
	}
}

// TestSnapshotOwners checks that a node started after the revocations
// loads each subject's owner index from Redis: it counts the same entries
// per subject as Redis and as the node that made them, and so collapses a
// subject with the others when its next revocation exceeds the bound.
func TestSnapshotOwners(t *testing.T) {
	srv := startRedis(t)
	a := newSet(t, testOptions(t, srv.addr()))
	bound := revocation.DefaultMaxPerSubject
	now := time.Now()
	until := now.Add(time.Hour)
	counts := map[string]int{"few": 3, "some": 10, "full": bound, "over": bound + 9}
	var created int
	revoke := func(subject string) revocation.Session {
		t.Helper()
		created++
		rs := revocation.Session{ID: newID(), Subject: subject, Created: now.Add(time.Duration(created-1000) * time.Second)}
		if err := a.RevokeSession(bg, rs, until); err != nil {
			t.Fatal(err)
		}
		return rs
	}
	for subject, n := range counts {
		for range n {
			revoke(subject)
		}
	}
	late := newSet(t, testOptions(t, srv.addr()))
	c := srv.client()
	for subject, n := range counts {
		want := n
		if n > bound {
			want = n - bound // the 33rd collapsed the first 32 and got an entry of its own
		}
		idx, err := c.HLen(bg, a.keys.entry(kindOwner, ownerHex(subject))).Result()
		if err != nil || idx-1 != int64(want) {
			t.Errorf("%s: Redis's owner index has %d fields (%v), want %d entries and _u", subject, idx, err, want)
		}
		key := table.KeyOf(subject)
		if got := a.rep.t.Owned(key); got != want {
			t.Errorf("%s: the node that revoked holds %d entries, want %d", subject, got, want)
		}
		if got := late.rep.t.Owned(key); got != want {
			t.Errorf("%s: the node started afterwards holds %d entries, want %d", subject, got, want)
		}
	}
	// The next revocation of the full subject collapses its entries in
	// Redis, and on the late node too, which knows whose they are.
	next := revoke("full")
	full := table.KeyOf("full")
	if !waitFor(5*time.Second, func() bool { return late.rep.t.Owned(full) == 1 && rejects(late, next) }) {
		t.Errorf("waiting (5 s) for the late node to collapse the full subject: it holds %d of its entries", late.rep.t.Owned(full))
	}
	if st, ok := late.rep.subjectEntry(full); !ok || st.before == 0 {
		t.Errorf("the late node has no subject entry for the full subject: %+v, %v", st, ok)
	}
	if st := late.Stats(); st.Sessions != a.Stats().Sessions {
		t.Errorf("the late node holds %d session entries, the node that revoked %d", st.Sessions, a.Stats().Sessions)
	}
}

// TestOldFormatEntries writes entries as the previous version did — keys
// with no owner index, stream records without "o" and "c" — and checks
// that a running node applies the records and a node started afterwards
// loads the keys: both revoke them, unowned.
func TestOldFormatEntries(t *testing.T) {
	srv := startRedis(t)
	a := newSet(t, testOptions(t, srv.addr()))
	c := srv.client()
	now := secs(time.Now())
	until := now + 3600
	pxat := time.Unix(int64(until)+1, 0)
	sess, tok := newID(), newID()
	tokState := fmt.Sprintf("%d:%d:%d:%d:1", now, now, now, until) // tokens issued before now, revoked at once
	for _, e := range []struct {
		kind  byte
		id    revocation.ID
		state string
	}{{kindSession, sess, fmt.Sprint(until)}, {kindToken, tok, tokState}} {
		if err := c.Do(bg, "set", a.keys.entry(e.kind, hexID(e.id)), e.state, "pxat", pxat.UnixMilli()).Err(); err != nil {
			t.Fatal(err)
		}
		record := &redis.XAddArgs{Stream: a.keys.stream, Values: []any{"k", string(e.kind), "i", hexID(e.id), "v", e.state}}
		if err := c.XAdd(bg, record).Err(); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Unix(int64(now)-100, 0)
	tokQ := revocation.Query{ID: tok, Subject: "someone", Created: old, Issued: old}
	check := func(name string, s *Set) {
		t.Helper()
		if !waitFor(5*time.Second, func() bool {
			v, err := s.Check(bg, tokQ, time.Now())
			return revokedOn(s, sess) && v == revocation.TokenRevoked && err == nil
		}) {
			t.Errorf("%s does not revoke the old-format entries", name)
		}
		if n := s.rep.t.Owned(table.NoKey); n != 2 {
			t.Errorf("%s holds %d unowned entries, want 2", name, n)
		}
	}
	check("the running node", a)
	check("a node started afterwards", newSet(t, testOptions(t, srv.addr())))
	if a.applied.Load() < 2 {
		t.Errorf("the running node applied %d stream records, want the 2 old-format ones", a.applied.Load())
	}
}

// TestScriptMatchesLocal makes the same random revocations — sessions,
// issued-before and subjects of three subjects, with many repeats and a
// per-subject bound of 4, so that collapses and covered sessions are
// frequent — on a Set and on a revocation.Local, and checks that every
// verdict is the same on the Local, on the node that made them, on a node
// that followed the stream, and on a node loaded from Redis afterwards.
func TestScriptMatchesLocal(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { scriptMatchesLocal(t, seed) })
	}
}

func scriptMatchesLocal(t *testing.T, seed uint64) {
	srv := startRedis(t)
	opts := func() Options {
		o := testOptions(t, srv.addr())
		o.MaxPerSubject = 4
		return o
	}
	a, b := newSet(t, opts()), newSet(t, opts())
	l, err := revocation.NewLocal(revocation.LocalOptions{MaxPerSubject: 4, PruneInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	rng := rand.New(rand.NewPCG(seed, 2))
	now := time.Now().Truncate(time.Second)
	subjects := []string{"ann", "ben", "cat"}
	// Each subject's sessions created 40 s apart over the last 100 minutes;
	// the calls go through them in a window that moves forward, so that new
	// sessions keep coming after each collapse.
	const perSubject = 150
	var sessions []revocation.Session
	for _, subject := range subjects {
		for j := range perSubject {
			created := now.Add(-100*time.Minute + time.Duration(j)*40*time.Second)
			sessions = append(sessions, revocation.Session{ID: newID(), Subject: subject, Created: created})
		}
	}
	pick := func(call int) revocation.Session {
		j := min(call/4+rng.IntN(8), perSubject-1)
		return sessions[rng.IntN(len(subjects))*perSubject+j]
	}
	// Every session, and a new one of each subject, at issued-at times
	// before, within and after the revoked windows, now and later.
	var queries []revocation.Query
	for _, rs := range sessions {
		for _, issued := range []time.Time{rs.Created, now.Add(-30 * time.Minute), now.Add(time.Minute)} {
			queries = append(queries, revocation.Query{ID: rs.ID, Subject: rs.Subject, Created: rs.Created, Issued: issued})
		}
	}
	for _, subject := range subjects {
		for _, ago := range []time.Duration{90 * time.Minute, 45 * time.Minute, time.Minute} {
			queries = append(queries, revocation.Query{ID: newID(), Subject: subject, Created: now.Add(-ago), Issued: now})
		}
	}
	at := []time.Time{now.Add(time.Second), now.Add(15 * time.Minute)}
	differ := func(s *Set) string {
		for _, q := range queries {
			for _, when := range at {
				want, _ := l.Check(bg, q, when)
				got, err := s.Check(bg, q, when)
				if got != want || err != nil {
					return fmt.Sprintf("%s's session %x created %v issued %v, at %v: %v (%v), Local %v",
						q.Subject, q.ID[:4], q.Created.Sub(now), q.Issued.Sub(now), when.Sub(now), got, err, want)
				}
			}
		}
		return ""
	}
	compare := func(when string, nodes map[string]*Set) {
		t.Helper()
		for name, s := range nodes {
			var d string
			if !waitFor(5*time.Second, func() bool { d = differ(s); return d == "" }) {
				t.Fatalf("%s, %s differs from revocation.Local: %s", when, name, d)
			}
		}
		for _, subject := range subjects {
			key := table.KeyOf(subject)
			for name, s := range nodes {
				if n, m := s.rep.t.Owned(key), l.Stats(); n > m.MaxPerSubject {
					t.Errorf("%s, %s holds %d entries of %s", when, name, n, subject)
				}
			}
		}
	}
	for round := range 12 {
		for i := range 50 {
			until := now.Add(10*time.Minute + time.Duration(rng.IntN(6000))*time.Second)
			rs := pick(round*50 + i)
			var errA, errL error
			var what string
			switch k := rng.IntN(100); {
			case k < 65:
				what = "RevokeSession"
				errA, errL = a.RevokeSession(bg, rs, until), l.RevokeSession(bg, rs, until)
			case k < 97:
				what = "RevokeIssuedBefore"
				before := now.Add(-time.Duration(rng.IntN(3600)) * time.Second)
				eff := now.Add(time.Duration(rng.IntN(2)*20-10) * time.Minute) // past or future, far from the call
				errA, errL = a.RevokeIssuedBefore(bg, rs, before, eff, until), l.RevokeIssuedBefore(bg, rs, before, eff, until)
			default:
				what = "RevokeSubject"
				before := rs.Created.Add(-time.Duration(rng.IntN(600)) * time.Second) // older sessions only
				errA, errL = a.RevokeSubject(bg, rs.Subject, before, until), l.RevokeSubject(bg, rs.Subject, before, until)
			}
			if errA != nil || errL != nil {
				t.Fatalf("round %d, call %d, %s: Set %v, Local %v", round, i, what, errA, errL)
			}
		}
		compare(fmt.Sprintf("after round %d", round), map[string]*Set{"the node that revoked": a, "the node that followed": b})
	}
	late := newSet(t, opts())
	compare("at the end", map[string]*Set{"the node started afterwards": late})
	for _, subject := range subjects {
		key := table.KeyOf(subject)
		if n, m := late.rep.t.Owned(key), a.rep.t.Owned(key); n != m {
			t.Errorf("%s: %d entries on the node started afterwards, %d on the node that revoked", subject, n, m)
		}
	}
	if st := l.Stats(); st.Collapses < 30 {
		t.Errorf("only %d collapses: the test does not exercise them", st.Collapses)
	}
	t.Logf("Local: %+v", l.Stats())
}

// TestJournalKnowsEveryRecord checks that whenever a revocation adds
// records to the stream, the script's reply names the last one, so that
// the node's journal can check it was not lost — including a collapse
// followed by an issued-before call that a session entry already covers,
// and a covered session that extends its subject's entry.
func TestJournalKnowsEveryRecord(t *testing.T) {
	srv := startRedis(t)
	o := testOptions(t, srv.addr())
	o.MaxPerSubject = 4
	a := newSet(t, o)
	c := srv.client()
	now := time.Now()
	until := now.Add(time.Hour)
	last := func() string {
		info, err := c.XInfoStream(bg, a.keys.stream).Result()
		if err != nil {
			return ""
		}
		return info.LastGeneratedID
	}
	step := 0
	expect := func(what string, err error) {
		t.Helper()
		step++
		if err != nil {
			t.Fatalf("%d, %s: %v", step, what, err)
		}
		if got, want := a.journal.newest(), last(); got != want {
			t.Errorf("%d, %s: the journal's newest record is %q, the stream's last %q", step, what, got, want)
		}
	}
	rs := func(i int) revocation.Session {
		return revocation.Session{ID: newID(), Subject: "quinn", Created: now.Add(time.Duration(i-100) * time.Second)}
	}
	for i := range 4 {
		expect("a session", a.RevokeSession(bg, rs(i), until))
	}
	// A session entry written by the previous version (no owner index),
	// for a session newer than those four.
	x := rs(50)
	if err := c.Do(bg, "set", a.keys.entry(kindSession, hexID(x.ID)), fmt.Sprint(secs(until)), "pxat", time.Unix(int64(secs(until))+1, 0).UnixMilli()).Err(); err != nil {
		t.Fatal(err)
	}
	// The subject is full: this call collapses its four entries (a stream
	// record), then finds the session entry already revokes every token.
	expect("an issued-before call after a collapse, covered by a session entry",
		a.RevokeIssuedBefore(bg, x, now, now, until.Add(-time.Minute)))
	if _, ok := a.rep.subjectEntry(table.KeyOf("quinn")); !ok {
		t.Fatal("no collapse")
	}
	// A session the subject entry covers, revoked for longer: the subject
	// entry's until grows.
	expect("a covered session extending its subject entry", a.RevokeSession(bg, rs(0), until.Add(time.Hour)))
	expect("a subject", a.RevokeSubject(bg, "quinn", now, until.Add(2*time.Hour)))
}
