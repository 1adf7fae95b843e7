package redisset

import (
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crumbhq/crumb/revocation"
)

func newTestReplica(t testing.TB, max int) *replica {
	t.Helper()
	r, err := newReplica(max, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.close)
	return r
}

// TestReplicaTokenOrder applies issued-before states out of order, as a
// snapshot followed by the stream does: the newest version's effective
// time wins, and hard, soft and until only grow.
func TestReplicaTokenOrder(t *testing.T) {
	r := newTestReplica(t, 100)
	id := newID()
	now := secs(time.Now())
	newer := tokenState{hard: now - 100, soft: now - 10, eff: now + 30, until: now + 3600, ver: 3}
	older := tokenState{hard: now - 200, soft: now - 100, eff: now - 90, until: now + 3000, ver: 2}
	if err := r.applyToken(id, newer); err != nil {
		t.Fatal(err)
	}
	if err := r.applyToken(id, older); err != nil {
		t.Fatal(err)
	}
	got := r.tokens[id[0]%numShards].m[id]
	if got != newer {
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
	if r.prune(time.Unix(int64(now+3601), 0)) != 1 || r.nTokens.Load() != 0 {
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
	// Reissues every 10 s with a 30 s grace window (calls at the current
	// time; Local takes the later of the clock and before).
	for i := range uint32(6) {
		b := base + 10*i
		c := call{kind: kindToken, id: id, before: b, eff: b + 30, until: until, at: max(secs(time.Now()), b)}
		if err := r.mergeTokenCall(&c); err != nil {
			t.Fatal(err)
		}
		if err := l.RevokeIssuedBefore(bg, id, time.Unix(int64(b), 0), time.Unix(int64(b+30), 0), time.Unix(int64(until), 0)); err != nil {
			t.Fatal(err)
		}
	}
	for issued := base - 5; issued < base+70; issued += 5 {
		for now := base; now < base+120; now += 7 {
			q := revocation.Query{ID: id, Issued: time.Unix(int64(issued), 0), Created: time.Unix(int64(base), 0)}
			want, _ := l.Check(bg, q, time.Unix(int64(now), 0))
			if got := r.check(q, time.Unix(int64(now), 0)); got != want {
				t.Fatalf("issued %d now %d: replica %v, Local %v", issued-base, now-base, got, want)
			}
		}
	}
}

// TestReplicaFull checks the capacity over all kinds of entry.
func TestReplicaFull(t *testing.T) {
	r := newTestReplica(t, 3)
	until := secs(time.Now()) + 60
	if err := r.applySession(newID(), until); err != nil {
		t.Fatal(err)
	}
	if err := r.applyToken(newID(), tokenState{hard: 1, until: until, ver: 1}); err != nil {
		t.Fatal(err)
	}
	if err := r.applySubject(sha256.Sum256([]byte("x")), subjectState{before: 1, until: until}); err != nil {
		t.Fatal(err)
	}
	if err := r.applySubject(sha256.Sum256([]byte("y")), subjectState{before: 1, until: until}); !errors.Is(err, revocation.ErrFull) {
		t.Errorf("fourth entry: %v, want ErrFull", err)
	}
	if err := r.applySession(newID(), until); !errors.Is(err, revocation.ErrFull) {
		t.Errorf("fourth entry: %v, want ErrFull", err)
	}
	// Updating an existing entry needs no room.
	if err := r.applySubject(sha256.Sum256([]byte("x")), subjectState{before: 2, until: until}); err != nil {
		t.Errorf("updating a subject: %v", err)
	}
}

// TestApplyStateRejectsGarbage checks that malformed names and states are
// refused, not applied.
func TestApplyStateRejectsGarbage(t *testing.T) {
	r := newTestReplica(t, 100)
	good := hexID(newID())
	for _, c := range []struct {
		kind        byte
		name, state string
	}{
		{kindSession, "zz", "1"},
		{kindSession, good, "x"},
		{kindSession, good + "00", "4000000000"},
		{kindToken, good, "1:2:3:4"},
		{kindToken, good, "1:2:3:4:x"},
		{kindSubject, good, "1:2"}, // a session-sized name
		{kindSubject, hexID(newID()) + hexID(newID()), "1"},
		{'x', good, "1"},
	} {
		if ok, _ := r.applyState(c.kind, c.name, c.state); ok {
			t.Errorf("applyState(%c, %q, %q) accepted", c.kind, c.name, c.state)
		}
	}
}

// TestCheckAllocs checks that Check never allocates, with entries of every
// kind present.
func TestCheckAllocs(t *testing.T) {
	s := &Set{rep: newTestReplica(t, 100)}
	until := secs(time.Now()) + 60
	id := newID()
	s.rep.applySession(id, until)
	s.rep.applyToken(newID(), tokenState{hard: 1, until: until, ver: 1})
	s.rep.applySubject(sha256.Sum256([]byte("alice")), subjectState{before: 1, until: until})
	now := time.Now()
	hit := revocation.Query{ID: id, Subject: "bob", Issued: now, Created: now}
	miss := revocation.Query{ID: newID(), Subject: "bob", Issued: now, Created: now}
	for _, q := range []revocation.Query{hit, miss} {
		if n := testing.AllocsPerRun(1000, func() { s.Check(bg, q, now) }); n != 0 {
			t.Errorf("Check allocates %v times", n)
		}
	}
	s.fresh.stale.Store(true)
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
		{kind: kindSession, id: newID(), until: 1e9},
		{kind: kindToken, id: newID(), before: 1, eff: 2, until: 3, at: 4},
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
	f.Write(appendRecord(nil, &calls[0])[:10])
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
