package redisset

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crumbhq/crumb/revocation"
	"github.com/crumbhq/crumb/revocation/internal/table"
)

func newTestReplica(t testing.TB, max int) *replica {
	t.Helper()
	return newReplica(max, revocation.DefaultMaxPerSubject, nil)
}

// ownerHex is the hex name of subject's owner index, as in keys and stream
// records.
func ownerHex(subject string) string {
	k := table.KeyOf(subject)
	return hex.EncodeToString(k[:])
}

// tokenOf returns the issued-before state the replica holds for id.
func tokenOf(r *replica, id revocation.ID) (tokenState, bool) {
	var st tokenState
	found := false
	r.t.Each(func(c *table.Change[tokenState]) {
		if c.Kind == table.KindToken && c.ID == id {
			st, found = c.Token, true
		}
	})
	return st, found
}

// TestReplicaTokenOrder applies issued-before states out of order, as a
// snapshot followed by the stream does: the newest version's effective
// time wins, and hard, soft and until only grow.
func TestReplicaTokenOrder(t *testing.T) {
	r := newTestReplica(t, 100)
	id := newID()
	owner := table.KeyOf("alice")
	now := secs(time.Now())
	newer := tokenState{hard: now - 100, soft: now - 10, eff: now + 30, until: now + 3600, ver: 3}
	older := tokenState{hard: now - 200, soft: now - 100, eff: now - 90, until: now + 3000, ver: 2}
	r.applyToken(id, owner, now-1000, newer, table.Enforce)
	r.applyToken(id, owner, now-1000, older, table.Enforce)
	if got, _ := tokenOf(r, id); got != newer {
		t.Errorf("after an older state: %+v, want %+v", got, newer)
	}
	// The token issued between the windows is in its grace period: not
	// revoked yet, revoked after eff.
	q := revocation.Query{ID: id, Issued: time.Unix(int64(now-50), 0)}
	if v := r.check(q, time.Unix(int64(now), 0)); v != revocation.NotRevoked {
		t.Errorf("in grace: %v", v)
	}
	if v := r.check(q, time.Unix(int64(now+31), 0)); v != revocation.TokenRevoked {
		t.Errorf("after grace: %v", v)
	}
	if v := r.check(revocation.Query{ID: id, Issued: time.Unix(int64(now-150), 0)}, time.Unix(int64(now), 0)); v != revocation.TokenRevoked {
		t.Errorf("before hard: %v", v)
	}
	if r.prune(time.Unix(int64(now+3601), 0)) != 1 || r.t.Stats().Tokens != 0 || r.t.Owned(owner) != 0 {
		t.Error("prune did not drop the expired token entry")
	}
}

// TestReplicaTokenCallMatchesLocal checks that the replica's merge of a
// call is revocation.Local's, on a sequence of reissues.
func TestReplicaTokenCallMatchesLocal(t *testing.T) {
	r := newTestReplica(t, 100)
	l, err := revocation.NewLocal(revocation.LocalOptions{PruneInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	id := newID()
	base := secs(time.Now())
	until := base + 7200
	rs := revocation.Session{ID: id, Subject: "alice", Created: time.Unix(int64(base), 0)}
	// Reissues every 10 s with a 30 s grace window (calls at the current
	// time; Local takes the later of the clock and before).
	for i := range uint32(6) {
		b := base + 10*i
		c := call{kind: kindToken, id: id, skey: table.KeyOf("alice"), created: base, before: b, eff: b + 30, until: until, at: max(secs(time.Now()), b)}
		r.mergeTokenCall(&c, nil)
		if err := l.RevokeIssuedBefore(bg, rs, time.Unix(int64(b), 0), time.Unix(int64(b+30), 0), time.Unix(int64(until), 0)); err != nil {
			t.Fatal(err)
		}
	}
	for issued := base - 5; issued < base+70; issued += 5 {
		for now := base; now < base+120; now += 7 {
			q := revocation.Query{ID: id, Subject: "alice", Issued: time.Unix(int64(issued), 0), Created: time.Unix(int64(base), 0)}
			want, _ := l.Check(bg, q, time.Unix(int64(now), 0))
			if got := r.check(q, time.Unix(int64(now), 0)); got != want {
				t.Fatalf("issued %d now %d: replica %v, Local %v", issued-base, now-base, got, want)
			}
		}
	}
}

// TestReplicaNeverFull: past its capacity the replica takes every entry
// and collapses the subjects with the most entries; whatever it was given
// stays revoked, and only those subjects' other sessions are affected.
func TestReplicaNeverFull(t *testing.T) {
	r := newTestReplica(t, 10)
	now := secs(time.Now())
	until := now + 60
	type sess struct {
		id      revocation.ID
		subject string
		created uint32
	}
	var all []sess
	for i := range 6 {
		subject := fmt.Sprintf("user-%d", i)
		for j := range i + 1 { // user-5 holds the most
			s := sess{newID(), subject, now - 100 + uint32(j)}
			all = append(all, s)
			if !r.applyState(kindSession, hexID(s.id), fmt.Sprint(until), ownerHex(subject), s.created) {
				t.Fatal("applyState refused a good state")
			}
		}
	}
	st := r.stats()
	if st.CapacityCollapses == 0 || r.t.Entries() > 10 {
		t.Errorf("21 entries in a replica of capacity 10: %+v, %d entries", st, r.t.Entries())
	}
	for _, s := range all {
		q := revocation.Query{ID: s.id, Subject: s.subject, Created: time.Unix(int64(s.created), 0), Issued: time.Now()}
		if v := r.check(q, time.Now()); v == revocation.NotRevoked {
			t.Fatalf("%s's session dropped past the capacity", s.subject)
		}
	}
	innocent := revocation.Query{ID: newID(), Subject: "user-0", Created: time.Unix(int64(now-200), 0), Issued: time.Now()}
	if v := r.check(innocent, time.Now()); v != revocation.NotRevoked {
		t.Errorf("a session of the subject with the fewest entries: %v, want not revoked", v)
	}
}

// TestApplyStateRejectsGarbage checks that malformed names, states and
// owners are refused, not applied.
func TestApplyStateRejectsGarbage(t *testing.T) {
	r := newTestReplica(t, 100)
	good := hexID(newID())
	owner := ownerHex("alice")
	for _, c := range []struct {
		kind               byte
		name, state, owner string
	}{
		{kindSession, "zz", "1", ""},
		{kindSession, good, "x", ""},
		{kindSession, good + "00", "4000000000", ""},
		{kindSession, good, "4000000000", "zz"},
		{kindSession, good, "4000000000", good}, // a session-sized owner
		{kindToken, good, "1:2:3:4", owner},
		{kindToken, good, "1:2:3:4:x", owner},
		{kindSubject, good, "1:2", ""}, // a session-sized name
		{kindSubject, hexID(newID()) + hexID(newID()), "1", ""},
		{'x', good, "1", ""},
	} {
		if r.applyState(c.kind, c.name, c.state, c.owner, 1) {
			t.Errorf("applyState(%c, %q, %q, owner %q) accepted", c.kind, c.name, c.state, c.owner)
		}
	}
	if r.t.Entries() != 0 {
		t.Errorf("%d entries after garbage", r.t.Entries())
	}
}

// TestCheckAllocs checks that Check never allocates, with entries of every
// kind present.
func TestCheckAllocs(t *testing.T) {
	s := &Set{rep: newTestReplica(t, 100)}
	now := time.Now()
	until := secs(now) + 60
	id := newID()
	s.rep.applySession(id, table.KeyOf("carol"), secs(now), until, table.Enforce, nil)
	s.rep.applyToken(newID(), table.KeyOf("carol"), secs(now), tokenState{hard: 1, until: until, ver: 1}, table.Enforce)
	s.rep.applySubject(sha256.Sum256([]byte("alice")), subjectState{before: 1, until: until}, table.Enforce, nil)
	hit := revocation.Query{ID: id, Subject: "bob", Issued: now, Created: now}
	miss := revocation.Query{ID: newID(), Subject: "bob", Issued: now, Created: now}
	for _, q := range []revocation.Query{hit, miss} {
		if n := testing.AllocsPerRun(1000, func() { s.Check(bg, q, now) }); n != 0 {
			t.Errorf("Check allocates %v times", n)
		}
	}
	s.fresh.stale.Store(true)
	s.opts.Policy = FailClosed
	if n := testing.AllocsPerRun(1000, func() { s.Check(bg, miss, now) }); n != 0 {
		t.Errorf("a stale Check allocates %v times", n)
	}
}

func TestOutboxFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox")
	o, damaged, err := openOutbox(path)
	if err != nil || damaged != 0 || len(o.pending) != 0 {
		t.Fatalf("new outbox: %v, %d, %v", o, damaged, err)
	}
	calls := []call{
		{kind: kindSession, id: newID(), skey: sha256.Sum256([]byte("a")), created: 7, until: 1e9},
		{kind: kindToken, id: newID(), skey: sha256.Sum256([]byte("b")), created: 8, before: 1, eff: 2, until: 3, at: 4},
		{kind: kindSubject, skey: sha256.Sum256([]byte("s")), before: 5, until: 6},
	}
	for i := range calls {
		if err := o.add(&calls[i]); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := openOutbox(path); !errors.Is(err, revocation.ErrLocked) {
		t.Errorf("second open: %v, want ErrLocked", err)
	}
	o.close()
	// A torn tail: half a record more.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.Write(appendRecord(outboxVersion, nil, &calls[0])[:10])
	f.Close()
	o, damaged, err = openOutbox(path)
	if err != nil {
		t.Fatal(err)
	}
	if damaged != 1 || len(o.pending) != 3 {
		t.Fatalf("reopened: %d damaged, %d pending", damaged, len(o.pending))
	}
	for i := range calls {
		if o.pending[i] != calls[i] {
			t.Errorf("record %d: %+v, want %+v", i, o.pending[i], calls[i])
		}
	}
	if err := o.delivered(2); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Size() <= outboxHeader {
		t.Error("the outbox was emptied while a call was pending")
	}
	if err := o.delivered(1); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Size() != outboxHeader || fi.Mode().Perm() != 0o600 {
		t.Errorf("after delivery: %d bytes, mode %v; want the bare header, 0600", fi.Size(), fi.Mode().Perm())
	}
	o.close()

	// Not an outbox: refused, untouched.
	other := filepath.Join(t.TempDir(), "other")
	os.WriteFile(other, []byte("CRUMBREV and then some"), 0o600)
	if _, _, err := openOutbox(other); !errors.Is(err, ErrOutbox) {
		t.Errorf("foreign file: %v, want ErrOutbox", err)
	}
	if b, _ := os.ReadFile(other); string(b) != "CRUMBREV and then some" {
		t.Error("a foreign file was changed")
	}
}

func TestJournal(t *testing.T) {
	var j journal
	now := time.Now()
	until := secs(now) + 3600
	old := call{kind: kindSession, id: newID(), until: until}
	j.add(&old, "5-0", now.Add(-2*journalWindow))
	expired := call{kind: kindSession, id: newID(), until: secs(now) - 10}
	j.add(&expired, "6-0", now)
	fresh := call{kind: kindSession, id: newID(), until: until}
	j.add(&fresh, "", now) // changed nothing: no record
	if got := j.recent(now); len(got) != 1 || got[0] != fresh {
		t.Errorf("recent: %+v, want only the fresh, live call", got)
	}
	if j.newest() != "6-0" {
		t.Errorf("newest %q", j.newest())
	}
	// The ring keeps the last journalSize calls, oldest first.
	for i := range journalSize + 10 {
		c := call{kind: kindSession, until: until}
		c.id[0], c.id[1] = byte(i), byte(i>>8)
		j.add(&c, "", now)
	}
	got := j.recent(now)
	if len(got) != journalSize || got[0].id[0] != 10 || got[len(got)-1].id[0] != byte((journalSize+9)%256) {
		t.Errorf("ring: %d calls, first %d", len(got), got[0].id[0])
	}
}
