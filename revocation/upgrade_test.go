//go:build unix

package revocation

import (
	"crypto/sha256"
	"os"
	"strings"
	"testing"
	"time"
)

// v1Header is the header of a log written by crumb 0.1: "CRUMBREV",
// version 1, seven zero bytes.
const v1Header = "CRUMBREV\x01\x00\x00\x00\x00\x00\x00\x00"

// Version-1 records, framed by hand (see frame): kind 1 is id || until,
// kind 2 id || hard || soft || effective || until, kind 3 before || until ||
// SHA-256(subject).
func v1Session(id ID, until uint32) []byte { return frame(1, cat(id[:], le32(until))) }
func v1Token(id ID, hard, soft, eff, until uint32) []byte {
	return frame(2, cat(id[:], le32(hard, soft, eff, until)))
}
func v1Subject(subject string, before, until uint32) []byte {
	h := sha256.Sum256([]byte(subject))
	return frame(3, cat(le32(before, until), h[:]))
}

// TestVersion1LogUpgraded opens a version-1 log written by hand: its live
// entries are in force, and the file is rewritten as version 2, once.
func TestVersion1LogUpgraded(t *testing.T) {
	path := logPath(t)
	now := time.Now()
	n := uint32(now.Unix())
	live := n + 3600
	data := cat([]byte(v1Header),
		v1Session(testID(1), live),
		v1Session(testID(2), 1000), // expired
		v1Token(testID(3), n, n, n, live),
		v1Subject("ada", n, live),
		v1Subject("old", n, 1000), // expired
	)
	must(t, os.WriteFile(path, data, 0o600))

	verify := func(l *Local) {
		t.Helper()
		wantVerdict(t, l, Query{ID: testID(1)}, now, SessionRevoked)
		wantVerdict(t, l, Query{ID: testID(2)}, now, NotRevoked)
		wantVerdict(t, l, Query{ID: testID(3), Issued: now.Add(-time.Minute)}, now, TokenRevoked)
		wantVerdict(t, l, Query{ID: testID(3), Issued: now.Add(time.Second)}, now, NotRevoked)
		wantVerdict(t, l, Query{ID: testID(4), Subject: "ada", Created: now.Add(-time.Minute)}, now, SubjectRevoked)
		wantVerdict(t, l, Query{ID: testID(5), Subject: "old", Created: now.Add(-time.Minute)}, now, NotRevoked)
		if st := l.Stats(); st.Sessions != 1 || st.Tokens != 1 || st.Subjects != 1 {
			t.Errorf("Stats = %+v, want the three live entries", st)
		}
	}
	var logs logBuffer
	l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	verify(l)
	if st := l.Stats(); st.Compactions != 1 {
		t.Errorf("Compactions = %d, want 1 (the upgrade)", st.Compactions)
	}
	if !strings.Contains(logs.String(), "upgrading the log") {
		t.Errorf("the upgrade was not logged:\n%s", logs.String())
	}
	b := readFile(t, path)
	if len(b) < headerSize || b[8] != 2 || headerVersion(b) != 2 {
		t.Fatalf("after opening, the log starts %q, want a version-2 header", b[:min(len(b), headerSize)])
	}
	if want := headerSize + sessionRecordSize + tokenRecordSize + subjectRecordSize; len(b) != want {
		t.Errorf("the upgraded log is %d bytes, want %d (one version-2 record per live entry)", len(b), want)
	}
	must(t, l.RevokeSession(ctx, sess(testID(6)), now.Add(time.Hour)))
	must(t, l.Close())

	var again logBuffer
	l, err = NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: again.logger()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	wantVerdict(t, l, Query{ID: testID(6)}, now, SessionRevoked)
	if st := l.Stats(); st.Compactions != 0 || strings.Contains(again.String(), "upgrading") {
		t.Errorf("the version-2 log was rewritten again: %+v", st)
	}
}

// TestVersion1EntriesNeverCollapsed: the entries of a version-1 log have no
// known subject, so neither the per-subject bound nor the capacity
// collapses them: all stay in force, past the capacity.
func TestVersion1EntriesNeverCollapsed(t *testing.T) {
	path := logPath(t)
	live := uint32(time.Now().Unix()) + 3600
	data := []byte(v1Header)
	for i := range 50 {
		data = append(data, v1Session(testID(byte(i)), live)...)
	}
	must(t, os.WriteFile(path, data, 0o600))
	l, err := NewLocal(LocalOptions{Path: path, MaxEntries: 10, MaxPerSubject: 2, PruneInterval: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if st := l.Stats(); st.Sessions != 50 || st.Collapses != 0 || st.Subjects != 0 {
		t.Errorf("Stats = %+v, want all 50 sessions, nothing collapsed", st)
	}
	for i := range 50 {
		wantVerdict(t, l, Query{ID: testID(byte(i))}, time.Now(), SessionRevoked)
	}
	// New revocations are still accepted; those with a subject may collapse.
	must(t, l.RevokeSession(ctx, sess(testID(100)), time.Now().Add(time.Hour)))
}

// TestVersion1TornTail: a version-1 log cut inside its last record (a crash
// of crumb 0.1) loses that record only, and is upgraded.
func TestVersion1TornTail(t *testing.T) {
	path := logPath(t)
	live := uint32(time.Now().Unix()) + 3600
	torn := v1Session(testID(2), live)
	data := cat([]byte(v1Header), v1Session(testID(1), live), torn[:len(torn)-3])
	must(t, os.WriteFile(path, data, 0o600))
	var logs logBuffer
	l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	wantVerdict(t, l, Query{ID: testID(1)}, time.Now(), SessionRevoked)
	wantVerdict(t, l, Query{ID: testID(2)}, time.Now(), NotRevoked)
	if !strings.Contains(logs.String(), "damaged log") {
		t.Errorf("the damage was not reported:\n%s", logs.String())
	}
	if b := readFile(t, path); headerVersion(b) != 2 || len(b) != headerSize+sessionRecordSize {
		t.Errorf("after recovery the log is %x", b)
	}
}
