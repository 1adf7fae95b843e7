package redisset

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crumbhq/crumb/revocation"
	"github.com/crumbhq/crumb/revocation/internal/table"
)

// v1Record frames body as a record of an outbox of version 1, written here
// by hand from the format the previous version documented: kind (1) ||
// body length (2, little-endian) || body || CRC-32C (4) of all that.
func v1Record(kind byte, body []byte) []byte {
	b := []byte{kind, 0, 0}
	binary.LittleEndian.PutUint16(b[1:], uint16(len(body)))
	b = append(b, body...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
}

func le32(dst []byte, vs ...uint32) []byte {
	for _, v := range vs {
		dst = binary.LittleEndian.AppendUint32(dst, v)
	}
	return dst
}

// TestOutboxVersion1 opens an outbox written by the previous version
// (version 1: no subject nor created-at in session and token records)
// while Redis refuses writes: its revocations are in force at once, a new
// revocation is appended to it in version 1, everything is delivered once
// Redis takes writes again, and the emptied file is then of version 2.
func TestOutboxVersion1(t *testing.T) {
	srv := startRedis(t)
	c := srv.client()
	now := secs(time.Now())
	until := now + 3600
	sess, tok := newID(), newID()
	subj := sha256.Sum256([]byte("olivia"))
	file := append([]byte("CRUMBOBX"), 1, 0, 0, 0, 0, 0, 0, 0)
	file = append(file, v1Record('s', le32(sess[:], until))...)
	file = append(file, v1Record('t', le32(tok[:], now, now-1, until, now))...) // before, effective, until, at
	file = append(file, v1Record('u', le32(subj[:], now, until))...)
	path := filepath.Join(t.TempDir(), "outbox")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}

	if err := c.ConfigSet(bg, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	o := testOptions(t, srv.addr())
	o.OutboxPath = path
	a := newSet(t, o)
	old := time.Unix(int64(now)-100, 0)
	inForce := func(name string, s *Set) {
		t.Helper()
		tq := revocation.Query{ID: tok, Subject: "someone", Created: old, Issued: old}
		uq := revocation.Query{ID: newID(), Subject: "olivia", Created: old, Issued: time.Now()}
		if !waitFor(5*time.Second, func() bool {
			tv, _ := s.Check(bg, tq, time.Now())
			uv, _ := s.Check(bg, uq, time.Now())
			return revokedOn(s, sess) && tv == revocation.TokenRevoked && uv == revocation.SubjectRevoked
		}) {
			t.Errorf("%s does not enforce the version-1 outbox's revocations", name)
		}
	}
	inForce("the node that opened the outbox", a)
	if st := a.Status(); st.Pending != 3 {
		t.Fatalf("%+v, want the 3 version-1 revocations pending", st)
	}

	// Appended in version 1 while the file holds version-1 records.
	rs := revocation.Session{ID: newID(), Subject: "peter", Created: time.Now()}
	if err := a.RevokeSession(bg, rs, time.Unix(int64(until), 0)); !errors.Is(err, revocation.ErrPending) {
		t.Fatalf("RevokeSession while Redis refuses writes: %v, want ErrPending", err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := append(file, v1Record('s', le32(rs.ID[:], until))...); !bytes.Equal(got, want) {
		t.Fatalf("the outbox after a revocation:\n%x\nwant the version-1 file with a version-1 session record appended:\n%x", got, want)
	}

	if err := c.ConfigSet(bg, "maxmemory", "0").Err(); err != nil {
		t.Fatal(err)
	}
	if !waitFor(10*time.Second, func() bool { return a.Status().Pending == 0 }) {
		t.Fatalf("waiting (10 s) for the outbox to be delivered: %+v", a.Status())
	}
	got, _ = os.ReadFile(path)
	if !bytes.Equal(got, outboxHeaderOf(outboxVersion)) {
		t.Errorf("the delivered outbox is %x, want the bare header of version %d", got, outboxVersion)
	}
	b := newSet(t, testOptions(t, srv.addr()))
	inForce("a node started after the delivery", b)
	if !revokedOn(b, rs.ID) {
		t.Error("the revocation appended in version 1 did not reach Redis")
	}

	// From now on, records of version 2, with the owner.
	if err := c.ConfigSet(bg, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	rs2 := revocation.Session{ID: newID(), Subject: "peter", Created: time.Unix(int64(now), 0)}
	if err := a.RevokeSession(bg, rs2, time.Unix(int64(until), 0)); !errors.Is(err, revocation.ErrPending) {
		t.Fatalf("RevokeSession while Redis refuses writes: %v, want ErrPending", err)
	}
	got, _ = os.ReadFile(path)
	want := call{kind: kindSession, id: rs2.ID, skey: table.KeyOf("peter"), created: now, until: until}
	if r, n, ok := parseRecord(outboxVersion, got[outboxHeader:]); !ok || n != len(got)-outboxHeader || r != want {
		t.Errorf("the outbox after the upgrade holds %x, want one version-2 record of %+v", got, want)
	}
	if err := c.ConfigSet(bg, "maxmemory", "0").Err(); err != nil {
		t.Fatal(err)
	}
	if !waitFor(10*time.Second, func() bool { return a.Status().Pending == 0 && revokedOn(b, rs2.ID) }) {
		t.Errorf("waiting (10 s) for the version-2 record to be delivered: %+v", a.Status())
	}
	// Both of peter's sessions are his in Redis: the one appended in version
	// 1 was delivered from memory, where the call keeps its subject.
	if n, _ := c.HLen(bg, a.keys.entry(kindOwner, ownerHex("peter"))).Result(); n != 3 {
		t.Errorf("peter's owner index has %d fields, want his two sessions and _u", n)
	}
}
