//go:build unix

package revocation

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crumbhq/crumb/revocation/internal/table"
)

func TestDurableSurvivesReopen(t *testing.T) {
	path := logPath(t)
	now := time.Now()
	later := now.Add(time.Hour)
	l := openLocal(t, path, nil)
	must(t, l.RevokeSession(ctx, sess(testID(1)), later))
	must(t, l.RevokeIssuedBefore(ctx, sess(testID(2)), now, now, later))
	must(t, l.RevokeSubject(ctx, "ada", now, later))
	must(t, l.RevokeSession(ctx, sess(testID(1)), later)) // unchanged: no record
	if st := l.Stats(); st.LogBytes != headerSize+sessionRecordSize+tokenRecordSize+subjectRecordSize {
		t.Errorf("LogBytes = %d", st.LogBytes)
	}
	must(t, l.Close())

	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("log file mode: %v, %v; want 0600", fi.Mode(), err)
	}
	l = openLocal(t, path, nil)
	defer l.Close()
	wantVerdict(t, l, Query{ID: testID(1)}, now, SessionRevoked)
	wantVerdict(t, l, Query{ID: testID(2), Issued: now.Add(-time.Second)}, now, TokenRevoked)
	wantVerdict(t, l, Query{ID: testID(3), Subject: "ada", Created: now.Add(-time.Second)}, now, SubjectRevoked)
	if st := l.Stats(); st.Sessions != 1 || st.Tokens != 1 || st.Subjects != 1 || st.Compactions != 0 {
		t.Errorf("Stats after reopen = %+v", st)
	}
}

// TestDurableSurvivesCrash copies the log of a set that is still open, as
// a crash would leave it, and opens the copy.
func TestDurableSurvivesCrash(t *testing.T) {
	path := logPath(t)
	l := openLocal(t, path, nil)
	defer l.Close()
	later := time.Now().Add(time.Hour)
	ids := newIDs(7)
	var revoked []ID
	for range 50 {
		id := ids.next()
		must(t, l.RevokeSession(ctx, sess(id), later))
		revoked = append(revoked, id)
	}
	crashed := filepath.Join(t.TempDir(), "crashed.log")
	must(t, os.WriteFile(crashed, readFile(t, path), 0o600))
	c := openLocal(t, crashed, nil)
	defer c.Close()
	for _, id := range revoked {
		wantVerdict(t, c, Query{ID: id}, time.Now(), SessionRevoked)
	}
}

func TestDurableSkipsExpiredOnReplay(t *testing.T) {
	path := logPath(t)
	live := uint32(time.Now().Add(time.Hour).Unix())
	b := logHeader()
	for i, until := range []uint32{1000, live, 2000, live} {
		b = appendRecord(b, &record{Kind: table.KindSession, ID: testID(byte(i)), Key: table.KeyOf(subjectOf(testID(byte(i)))), Until: until})
	}
	b = appendRecord(b, &record{Kind: table.KindToken, ID: testID(9), Key: table.KeyOf("ada"), Token: tokenEntry{hard: 5, until: 1000}})
	b = appendRecord(b, &record{Kind: table.KindSubject, Key: table.KeyOf("old"), Subject: table.Subject{Before: 5, Until: 1000}})
	must(t, os.WriteFile(path, b, 0o600))
	l := openLocal(t, path, nil)
	defer l.Close()
	if st := l.Stats(); st.Sessions != 2 || st.Tokens != 0 || st.Subjects != 0 {
		t.Errorf("Stats = %+v, want the 2 live sessions only", st)
	}
	wantVerdict(t, l, Query{ID: testID(1)}, time.Now(), SessionRevoked)
}

// buildLog writes a log with one record per revocation below and returns
// its bytes, the offsets where each record ends, and a function that
// reports whether record i is present in a set.
func buildLog(t *testing.T, path string) (data []byte, ends []int, present func(*Local, int) bool) {
	t.Helper()
	now := time.Now()
	later := now.Add(time.Hour)
	l := openLocal(t, path, nil)
	must(t, l.RevokeSession(ctx, sess(testID(1)), later))
	must(t, l.RevokeIssuedBefore(ctx, sess(testID(2)), now, now, later))
	must(t, l.RevokeSubject(ctx, "ada", now, later))
	must(t, l.RevokeSession(ctx, sess(testID(3)), later))
	must(t, l.RevokeSession(ctx, sess(testID(4)), later))
	must(t, l.Close())
	sizes := []int{sessionRecordSize, tokenRecordSize, subjectRecordSize, sessionRecordSize, sessionRecordSize}
	end := headerSize
	for _, s := range sizes {
		end += s
		ends = append(ends, end)
	}
	data = readFile(t, path)
	if len(data) != end {
		t.Fatalf("log is %d bytes, want %d", len(data), end)
	}
	queries := []Query{
		{ID: testID(1)},
		{ID: testID(2), Issued: now.Add(-time.Second)},
		{ID: testID(5), Subject: "ada", Created: now.Add(-time.Second)},
		{ID: testID(3)},
		{ID: testID(4)},
	}
	return data, ends, func(l *Local, i int) bool {
		return check(t, l, queries[i], now) != NotRevoked
	}
}

// TestTornTailEveryOffset cuts a log at every byte offset and checks that
// every record complete before the cut survives, that the damage is
// reported and that the rewritten file is clean.
func TestTornTailEveryOffset(t *testing.T) {
	dir := t.TempDir()
	data, ends, present := buildLog(t, filepath.Join(dir, "full.log"))
	for cut := range len(data) {
		path := filepath.Join(dir, fmt.Sprintf("cut%03d.log", cut))
		must(t, os.WriteFile(path, data[:cut], 0o600))
		var logs logBuffer
		l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: logs.logger()})
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		boundary := cut < headerSize
		for i, end := range ends {
			if want := end <= cut; present(l, i) != want {
				t.Errorf("cut at %d: record %d (ends at %d) present = %v, want %v", cut, i, end, !want, want)
			}
			boundary = boundary || end == cut
		}
		if cut == headerSize {
			boundary = true
		}
		warned := strings.Contains(logs.String(), "damaged log")
		if warned == boundary {
			t.Errorf("cut at %d: warned = %v, want %v", cut, warned, !boundary)
		}
		st := l.Stats()
		must(t, l.Close())
		// The file now holds the recovered entries only: reopening finds no
		// damage.
		if fi, err := os.Stat(path); err != nil || fi.Size() != st.LogBytes {
			t.Errorf("cut at %d: file size %v, Stats.LogBytes %d (%v)", cut, fi.Size(), st.LogBytes, err)
		}
		var again logBuffer
		l, err = NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: again.logger()})
		if err != nil {
			t.Fatalf("cut at %d, reopening: %v", cut, err)
		}
		if strings.Contains(again.String(), "damaged") {
			t.Errorf("cut at %d: damage still there after recovery", cut)
		}
		l.Close()
	}
}

// TestCorruptMiddleRecord corrupts each byte of the second record in turn:
// only that record is lost.
func TestCorruptMiddleRecord(t *testing.T) {
	dir := t.TempDir()
	data, ends, present := buildLog(t, filepath.Join(dir, "full.log"))
	for off := ends[0]; off < ends[1]; off++ {
		for _, flip := range []byte{0x01, 0x80, 0xff} {
			path := filepath.Join(dir, fmt.Sprintf("flip%03d-%02x.log", off, flip))
			b := bytes.Clone(data)
			b[off] ^= flip
			must(t, os.WriteFile(path, b, 0o600))
			l := openLocal(t, path, nil)
			for i := range ends {
				if want := i != 1; present(l, i) != want {
					t.Errorf("byte %d ^ %#x: record %d present = %v, want %v", off, flip, i, !want, want)
				}
			}
			if st := l.Stats(); st.Compactions != 1 {
				t.Errorf("byte %d ^ %#x: %d compactions, want 1 (recovery rewrites the file)", off, flip, st.Compactions)
			}
			l.Close()
		}
	}
}

func TestBadHeaderIsCorrupt(t *testing.T) {
	for name, content := range map[string][]byte{
		"other file":      []byte("some other file that happens to be here\n"),
		"short":           []byte("hello"),
		"unknown version": append([]byte("CRUMBREV\x03\x00\x00\x00\x00\x00\x00\x00"), appendRecord(nil, &record{Kind: table.KindSession, Until: maxSeconds})...),
		"version 0":       []byte("CRUMBREV\x00\x00\x00\x00\x00\x00\x00\x00"),
		"reserved bytes":  []byte("CRUMBREV\x02\x00\x00\x00\x00\x00\x00\x01"),
		"one wrong byte":  []byte("CRUMBREW\x02\x00\x00\x00\x00\x00\x00\x00"),
	} {
		t.Run(name, func(t *testing.T) {
			path := logPath(t)
			must(t, os.WriteFile(path, content, 0o644))
			old := time.Now().Add(-time.Hour).Truncate(time.Second)
			must(t, os.Chtimes(path, old, old))
			_, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: quiet})
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
				t.Fatalf("NewLocal = %v, want ErrCorrupt naming the path", err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := readFile(t, path); !bytes.Equal(got, content) || !fi.ModTime().Equal(old) || fi.Mode().Perm() != 0o644 {
				t.Errorf("file touched: %q, %v, %v", got, fi.ModTime(), fi.Mode())
			}
			// The lock was released: a second attempt fails the same way.
			if _, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: quiet}); !errors.Is(err, ErrCorrupt) {
				t.Errorf("second NewLocal = %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestEmptyFileIsInitialised(t *testing.T) {
	path := logPath(t)
	must(t, os.WriteFile(path, nil, 0o600))
	l := openLocal(t, path, nil)
	must(t, l.RevokeSession(ctx, sess(testID(1)), time.Now().Add(time.Hour)))
	must(t, l.Close())
	if got := readFile(t, path); !bytes.HasPrefix(got, logHeader()) || len(got) != headerSize+sessionRecordSize {
		t.Errorf("log = %x", got)
	}
}

// TestLoadOverCapacity: a log holding more entries than MaxEntries is
// opened, never refused, and read as it is (other processes wrote it under
// their own bounds); the next revocation made here applies the capacity:
// its subjects with several entries are collapsed (durably), and what
// cannot be collapsed is kept past the capacity.
func TestLoadOverCapacity(t *testing.T) {
	path := logPath(t)
	l := openLocal(t, path, nil)
	now := time.Now()
	var rs []revoked
	for i := range 12 {
		s := Session{ID: testID(byte(i)), Subject: fmt.Sprint("user-", i%3), Created: now.Add(-time.Duration(i) * time.Minute)}
		must(t, l.RevokeSession(ctx, s, now.Add(time.Hour)))
		rs = append(rs, revoked{Query{ID: s.ID, Subject: s.Subject, Created: s.Created}, SessionRevoked})
	}
	must(t, l.Close())
	before := readFile(t, path)

	var logs logBuffer
	l, err := NewLocal(LocalOptions{Path: path, MaxEntries: 5, PruneInterval: -1, Logger: logs.logger()})
	if err != nil {
		t.Fatalf("NewLocal with MaxEntries 5 over 12 entries = %v; a log is never refused for its size", err)
	}
	if st := l.Stats(); st.Sessions != 12 || st.CapacityCollapses != 0 || !bytes.Equal(readFile(t, path), before) {
		t.Errorf("Stats after opening = %+v, want the 12 entries as they are and the log unchanged", st)
	}
	if err := l.Health(ctx); !errors.Is(err, ErrDegraded) {
		t.Errorf("Health over capacity = %v, want ErrDegraded", err)
	}
	s := Session{ID: testID(100), Subject: "user-9", Created: now}
	must(t, l.RevokeSession(ctx, s, now.Add(time.Hour)))
	rs = append(rs, revoked{Query{ID: s.ID, Subject: s.Subject, Created: s.Created}, SessionRevoked})
	st := l.Stats()
	if st.Sessions+st.Subjects > 5 || st.CapacityCollapses == 0 {
		t.Errorf("Stats after a revocation = %+v, want the subjects collapsed to at most 5 entries", st)
	}
	wantRevoked(t, l, rs, now)
	must(t, l.Close())
	l = openLocal(t, path, nil) // the collapses were written
	wantRevoked(t, l, rs, now)
	if st := l.Stats(); st.Sessions+st.Subjects > 5 {
		t.Errorf("reopened: %+v; the collapses were not written", st)
	}
	must(t, l.Close())

	// Twelve subjects of one entry each cannot be collapsed: all are kept.
	path = logPath(t)
	l = openLocal(t, path, nil)
	for i := range 12 {
		must(t, l.RevokeSession(ctx, sess(testID(byte(i))), now.Add(time.Hour)))
	}
	must(t, l.Close())
	logs = logBuffer{}
	l, err = NewLocal(LocalOptions{Path: path, MaxEntries: 5, PruneInterval: -1, Logger: logs.logger()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	must(t, l.RevokeSession(ctx, sess(testID(50)), now.Add(time.Hour)))
	if st := l.Stats(); st.Sessions != 13 {
		t.Errorf("Stats = %+v, want all 13 sessions", st)
	}
	if err := l.Health(ctx); !errors.Is(err, ErrDegraded) {
		t.Errorf("Health = %v, want ErrDegraded", err)
	}
	if !strings.Contains(logs.String(), "over its capacity") {
		t.Errorf("no warning logged:\n%s", logs.String())
	}
}

func TestCompaction(t *testing.T) {
	path := logPath(t)
	l := openLocal(t, path, nil)
	now := time.Now()
	ids := newIDs(3)
	// Each writer revokes perWriter short-lived IDs and one long-lived one,
	// concurrently, so that group commit keeps this quick.
	const writers, perWriter, short = 50, 80, 50 * 80
	var keep []ID
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		var batch []ID
		for range perWriter {
			batch = append(batch, ids.next())
		}
		keep = append(keep, ids.next())
		batch = append(batch, keep[len(keep)-1])
		wg.Go(func() {
			for i, id := range batch {
				until := now.Add(time.Hour)
				if i == len(batch)-1 {
					until = now.Add(3 * time.Hour)
				}
				if err := l.RevokeSession(ctx, sess(id), until); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	must(t, l.RevokeSubject(ctx, "ada", now, now.Add(3*time.Hour)))
	before := l.Stats().LogBytes

	// Pruning the short entries leaves the file far larger than needed.
	n, err := l.Prune(ctx, now.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	st := l.Stats()
	want := int64(headerSize + len(keep)*sessionRecordSize + subjectRecordSize)
	if n != short || st.Compactions != 1 || st.LogBytes != want || st.LogBytes >= before {
		t.Errorf("Prune removed %d, Stats %+v; want %d removed, 1 compaction, %d bytes (was %d)", n, st, short, want, before)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != want {
		t.Errorf("file size %v (%v), want %d", fi.Size(), err, want)
	}
	// Small logs are not compacted again.
	must(t, l.RevokeSession(ctx, sess(testID(1)), now.Add(time.Hour)))
	if _, err := l.Prune(ctx, now.Add(2*time.Hour)); err != nil || l.Stats().Compactions != 1 {
		t.Errorf("second prune: %v, %d compactions", err, l.Stats().Compactions)
	}
	// Appends after a compaction go to the new file.
	must(t, l.RevokeSession(ctx, sess(testID(2)), now.Add(3*time.Hour)))
	must(t, l.Close())
	if entries, _ := filepath.Glob(path + ".compact-*"); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}

	l = openLocal(t, path, nil)
	defer l.Close()
	for _, id := range append(keep, testID(2)) {
		wantVerdict(t, l, Query{ID: id}, now.Add(2*time.Hour), SessionRevoked)
	}
	wantVerdict(t, l, Query{ID: testID(9), Subject: "ada", Created: now.Add(-time.Second)}, now.Add(2*time.Hour), SubjectRevoked)
	if st := l.Stats(); st.Sessions != len(keep)+2 { // testID(1) is still live at real time
		t.Errorf("Stats after reopen = %+v", st)
	}
}

// TestCompactionUnderLoad compacts over and over while revocations are
// acknowledged concurrently; every acknowledged one must be in the file.
func TestCompactionUnderLoad(t *testing.T) {
	path := logPath(t)
	l := openLocal(t, path, nil)
	later := time.Now().Add(time.Hour)
	const writers, each = 8, 400
	acked := make([][]ID, writers)
	var wg sync.WaitGroup
	for w := range writers {
		ids := newIDs(uint64(100 + w))
		wg.Go(func() {
			for i := range each {
				id := ids.next()
				var err error
				switch i % 3 {
				case 0, 1:
					err = l.RevokeSession(ctx, sess(id), later)
				case 2:
					err = l.RevokeIssuedBefore(ctx, sess(id), later, time.Now(), later)
				}
				if err != nil {
					t.Error(err)
					return
				}
				acked[w] = append(acked[w], id)
			}
		})
	}
	stop := make(chan struct{})
	compacted := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				compacted <- n
				return
			default:
			}
			if err := l.compact(); err != nil {
				t.Error(err)
			}
			n++
		}
	}()
	wg.Wait()
	close(stop)
	n := <-compacted
	must(t, l.Close())
	t.Logf("%d compactions during %d revocations", n, writers*each)

	l = openLocal(t, path, nil)
	defer l.Close()
	now := time.Now()
	for _, ids := range acked {
		for i, id := range ids {
			want := SessionRevoked
			if i%3 == 2 {
				want = TokenRevoked
			}
			wantVerdict(t, l, Query{ID: id, Issued: now}, now, want)
		}
	}
}

// TestGroupCommitSharesFsyncs checks that concurrent revocations are
// acknowledged in fewer batches than calls.
func TestGroupCommitSharesFsyncs(t *testing.T) {
	path := logPath(t)
	l := openLocal(t, path, nil)
	defer l.Close()
	later := time.Now().Add(time.Hour)
	const n = 200
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			var id ID
			id[0], id[1] = byte(i), byte(i>>8)
			if err := l.RevokeSession(ctx, sess(id), later); err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	if st := l.Stats(); st.Revoked != n || st.LogBytes != headerSize+n*sessionRecordSize {
		t.Errorf("Stats = %+v", st)
	}
	batches := l.log.batches.Load()
	t.Logf("%d concurrent revocations in %d fsynced batches", n, batches)
	if batches >= n/2 {
		t.Errorf("%d revocations took %d fsyncs: group commit is not sharing them", n, batches)
	}
}

// TestNoAcknowledgementBeforeFsync holds every fsync until the test lets it
// go: no RevokeSession may return while the fsync of its batch is pending,
// and each returns once it completes.
func TestNoAcknowledgementBeforeFsync(t *testing.T) {
	l := openLocal(t, logPath(t), nil)
	defer l.Close()
	release := make(chan struct{})
	entered := make(chan struct{}, 64)
	l.log.mu.Lock()
	l.log.syncFile = func(f *os.File) error {
		entered <- struct{}{}
		<-release
		return f.Sync()
	}
	l.log.mu.Unlock()
	later := time.Now().Add(time.Hour)
	done := make(chan error, 8)
	for i := range 8 {
		go func() { done <- l.RevokeSession(ctx, sess(testID(byte(10+i))), later) }()
	}
	<-entered // a batch is being fsynced
	select {
	case err := <-done:
		t.Fatalf("a revocation was acknowledged (err %v) while its fsync was pending", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	for range 8 {
		select {
		case err := <-done:
			must(t, err)
		case <-time.After(5 * time.Second):
			t.Fatal("revocations not acknowledged after their fsync")
		}
	}
}

// TestRelativePath: a bare file name works like a full path — compaction
// writes its temporary file next to the log and fsyncs the log's directory,
// so the set keeps acknowledging.
func TestRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	now := time.Now()
	l, err := NewLocal(LocalOptions{Path: "revocations.log", PruneInterval: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	must(t, l.RevokeSession(ctx, sess(testID(1)), now.Add(time.Hour)))
	if err := l.compact(); err != nil {
		t.Fatalf("compaction with a relative path: %v", err)
	}
	must(t, l.Health(ctx))
	must(t, l.RevokeSession(ctx, sess(testID(2)), now.Add(time.Hour)))
	must(t, l.Close())
	l = openLocal(t, "revocations.log", nil)
	defer l.Close()
	wantVerdict(t, l, Query{ID: testID(1)}, now, SessionRevoked)
	wantVerdict(t, l, Query{ID: testID(2)}, now, SessionRevoked)
}

// TestSymlinkedPathSharesLog: two paths to one log (through a symbolic
// link) are one log: both sets use the real file's lock file, and each
// reads what the other revokes.
func TestSymlinkedPathSharesLog(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.log")
	link := filepath.Join(dir, "link.log")
	a := openLocal(t, real, nil)
	defer a.Close()
	if err := os.Symlink(real, link); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	b := openLocal(t, link, nil)
	defer b.Close()
	if _, err := os.Lstat(link + ".lock"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a lock file beside the link: %v; the two paths would not exclude each other", err)
	}
	later := time.Now().Add(time.Hour)
	must(t, b.RevokeSession(ctx, sess(testID(1)), later))
	must(t, a.RevokeSession(ctx, sess(testID(2)), later))
	waitRevoked(t, a, Query{ID: testID(1)}, time.Second)
	waitRevoked(t, b, Query{ID: testID(2)}, time.Second)
}
