//go:build unix

package registry

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestRestartKeepsEntries(t *testing.T) {
	path := tempPath(t)
	r := open(t, LocalOptions{Path: path, MaxPerSubject: 3})
	alice, bob := "alice@example.com", "bob@example.com"
	for i := range 5 { // the last three stay: two are evicted
		mustAdd(t, r, ent(alice, i, i, map[string]string{"device": fmt.Sprint("phone ", i)}))
	}
	mustAdd(t, r, ent(bob, 10, 0, nil))
	mustAdd(t, r, ent(bob, 11, 1, nil))
	mustAdd(t, r, ent(bob, 12, 2, nil))
	if err := r.Seen(ctx, alice, sid(2), sec(100), map[string]string{"where": "Lyon"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Seen(ctx, alice, sid(3), sec(90), nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Remove(ctx, alice, sid(4)); err != nil {
		t.Fatal(err)
	}
	if err := r.RemoveBefore(ctx, bob, sec(2)); err != nil {
		t.Fatal(err)
	}
	// An entry already expired by the wall clock is not loaded again.
	old := ent("carol", 20, -7200, nil)
	old.Expires = sec(-1)
	if _, err := r.Add(ctx, old, sec(-10)); err != nil {
		t.Fatal(err)
	}
	wantAlice, wantBob := mustList(t, r, alice), mustList(t, r, bob)
	if len(wantAlice) != 2 || len(wantBob) != 1 {
		t.Fatalf("before the restart: alice %d entries, bob %d; want 2 and 1", len(wantAlice), len(wantBob))
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	r2 := open(t, LocalOptions{Path: path, MaxPerSubject: 3})
	equalLists(t, "alice after the restart", mustList(t, r2, alice), wantAlice)
	equalLists(t, "bob after the restart", mustList(t, r2, bob), wantBob)
	if st := r2.Stats(); st.Entries != 3 || st.Subjects != 2 || st.Added != 0 || st.Removed != 0 || st.Evicted != 0 || st.Pruned != 0 {
		t.Fatalf("Stats after the restart: %+v; want 3 entries of 2 subjects and zero counters", st)
	}
	// The file was rewritten at open: one add record per entry.
	if got, want := r2.Stats().LogBytes, r2.t.fileBytes.Load(); got != want || fileSize(t, path) != want {
		t.Fatalf("file of %d bytes after the restart (Stats %d); want %d", fileSize(t, path), got, want)
	}
}

func TestCloseWritesQueuedChanges(t *testing.T) {
	path := tempPath(t)
	r := open(t, LocalOptions{Path: path})
	mustAdd(t, r, ent("alice", 1, 0, nil))
	if err := r.Seen(ctx, "alice", sid(1), sec(60), map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil { // before any flush
		t.Fatal(err)
	}
	r2 := open(t, LocalOptions{Path: path})
	l := mustList(t, r2, "alice")
	if len(l) != 1 || l[0].LastSeen.Unix() != sec(60).Unix() || l[0].Labels["k"] != "v" {
		t.Fatalf("after Close and reopen: %+v; want the Seen applied", l)
	}
}

func TestQueuedChangesAreWrittenWithinASecond(t *testing.T) {
	path := tempPath(t)
	r := open(t, LocalOptions{Path: path})
	mustAdd(t, r, ent("alice", 1, 0, nil))
	mustAdd(t, r, ent("alice", 2, 1, nil))
	size := fileSize(t, path)
	if err := r.Seen(ctx, "alice", sid(1), sec(30), nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Remove(ctx, "alice", sid(2)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	eventually(t, "the queued records reaching the file", func() bool { return fileSize(t, path) > size })
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("queued records took %v to reach the file", d)
	}
	// A reader sees them (the writer fsynced them: they are in the file).
	ro := open(t, LocalOptions{Path: path, ReadOnly: true})
	l := mustList(t, ro, "alice")
	if len(l) != 1 || l[0].ID != sid(1) || l[0].LastSeen.Unix() != sec(30).Unix() {
		t.Fatalf("reader lists %+v; want session 1 seen at 30 s only", l)
	}
}

// addRecordBytes returns the framed add record of e.
func addRecordBytes(e Entry) []byte {
	k := keyOf(e.Subject)
	ne := entry{id: e.ID, created: secs(e.Created), lastSeen: secs(e.LastSeen), expires: secs(e.Expires), labels: encodeLabels(e.Labels)}
	r := addRecord(&k, &ne)
	return appendRecord(nil, &r)
}

func TestTornTail(t *testing.T) {
	a, b := ent("alice", 1, 0, map[string]string{"device": "laptop"}), ent("alice", 2, 1, nil)
	last := addRecordBytes(b)
	for cut := 1; cut < len(last); cut += 7 {
		t.Run(fmt.Sprint("cut", cut), func(t *testing.T) {
			path := tempPath(t)
			r := open(t, LocalOptions{Path: path})
			mustAdd(t, r, a)
			mustAdd(t, r, b)
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			// The file is the header and the two records, b's last.
			size := fileSize(t, path)
			if err := os.Truncate(path, size-int64(cut)); err != nil {
				t.Fatal(err)
			}
			logger, logs := newLogger()
			r2 := open(t, LocalOptions{Path: path, Logger: logger})
			equalLists(t, "after a torn tail", mustList(t, r2, "alice"), []Entry{a})
			if !strings.Contains(logs.String(), "damaged") {
				t.Fatalf("no warning logged about the torn record: %s", logs)
			}
			// It was rewritten whole: appending after it is safe.
			if got, want := fileSize(t, path), int64(headerSize+len(addRecordBytes(a))); got != want {
				t.Fatalf("file of %d bytes after recovery, want %d", got, want)
			}
			mustAdd(t, r2, b)
			r2.Close()
			r3 := open(t, LocalOptions{Path: path})
			equalLists(t, "after adding again", mustList(t, r3, "alice"), []Entry{b, a})
		})
	}
}

func TestCorruptRecordInTheMiddle(t *testing.T) {
	path := tempPath(t)
	r := open(t, LocalOptions{Path: path})
	es := []Entry{ent("alice", 1, 0, nil), ent("alice", 2, 1, map[string]string{"a": "b"}), ent("alice", 3, 2, nil)}
	for _, e := range es {
		mustAdd(t, r, e)
	}
	r.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Flip one bit in the body of the second record.
	off := headerSize + len(addRecordBytes(es[0])) + 40
	data[off] ^= 0x10
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r2 := open(t, LocalOptions{Path: path})
	equalLists(t, "after a bit flip", mustList(t, r2, "alice"), []Entry{es[2], es[0]})
}

func TestReadOnlyFollowsTheWriter(t *testing.T) {
	path := tempPath(t)
	w := open(t, LocalOptions{Path: path, MaxPerSubject: 4})
	a := ent("alice", 1, 0, map[string]string{"device": "laptop"})
	mustAdd(t, w, a)

	ro := open(t, LocalOptions{Path: path, ReadOnly: true})
	equalLists(t, "reader at open", mustList(t, ro, "alice"), []Entry{a})

	// An Add is in the file when it returns.
	b := ent("alice", 2, 5, nil)
	mustAdd(t, w, b)
	equalLists(t, "reader after an Add", mustList(t, ro, "alice"), []Entry{b, a})

	// A Seen is, within a second.
	if err := w.Seen(ctx, "alice", sid(1), sec(50), nil); err != nil {
		t.Fatal(err)
	}
	a.LastSeen = sec(50)
	eventually(t, "the reader seeing a Seen", func() bool {
		l := mustList(t, ro, "alice")
		return len(l) == 2 && l[0].ID == a.ID
	})

	// A rewrite replaces the file: the reader reads the new one.
	before := fileInfo(t, path)
	if err := w.file.forceRewrite(); err != nil {
		t.Fatal(err)
	}
	if os.SameFile(before, fileInfo(t, path)) {
		t.Fatal("the rewrite did not replace the file")
	}
	c := ent("alice", 3, 60, nil)
	mustAdd(t, w, c)
	equalLists(t, "reader after a rewrite and an Add", mustList(t, ro, "alice"), []Entry{c, a, b})
	if err := ro.Health(ctx); err != nil {
		t.Fatalf("reader's Health: %v", err)
	}

	// A writer restarted (its rewrite at open) is followed too.
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w2 := open(t, LocalOptions{Path: path, MaxPerSubject: 4})
	if err := w2.Remove(ctx, "alice", sid(2)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the reader seeing a Remove after a restart", func() bool { return len(mustList(t, ro, "alice")) == 2 })

	// The reader changes nothing.
	if _, err := ro.Add(ctx, ent("alice", 9, 0, nil), now); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Add on a reader: %v, want ErrReadOnly", err)
	}
	for name, err := range map[string]error{
		"Seen":         ro.Seen(ctx, "alice", sid(1), now, nil),
		"Remove":       ro.Remove(ctx, "alice", sid(1)),
		"RemoveBefore": ro.RemoveBefore(ctx, "alice", sec(1000)),
	} {
		if !errors.Is(err, ErrReadOnly) {
			t.Fatalf("%s on a reader: %v, want ErrReadOnly", name, err)
		}
	}
	if got := len(mustList(t, ro, "alice")); got != 2 {
		t.Fatalf("reader lists %d entries after refused changes, want 2", got)
	}
}

func fileInfo(t *testing.T, path string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

func TestReadOnlyIgnoresARecordBeingWritten(t *testing.T) {
	path := tempPath(t)
	w := open(t, LocalOptions{Path: path})
	a, b := ent("alice", 1, 0, nil), ent("alice", 2, 1, nil)
	mustAdd(t, w, a)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ro := open(t, LocalOptions{Path: path, ReadOnly: true})
	rec := addRecordBytes(b)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Half a record, as a reader may see one mid-write: not listed, not
	// an error.
	if _, err := f.Write(rec[:len(rec)/2]); err != nil {
		t.Fatal(err)
	}
	equalLists(t, "with half a record", mustList(t, ro, "alice"), []Entry{a})
	if err := ro.Health(ctx); err != nil {
		t.Fatalf("Health with half a record: %v", err)
	}
	// The rest of it: listed.
	if _, err := f.Write(rec[len(rec)/2:]); err != nil {
		t.Fatal(err)
	}
	equalLists(t, "with the whole record", mustList(t, ro, "alice"), []Entry{b, a})

	// A reader opened on a file with a torn tail loads what precedes it.
	if _, err := f.Write(rec[:10]); err != nil {
		t.Fatal(err)
	}
	ro2 := open(t, LocalOptions{Path: path, ReadOnly: true})
	equalLists(t, "a new reader with a torn tail", mustList(t, ro2, "alice"), []Entry{b, a})
}

func TestReadOnlyNeedsTheFile(t *testing.T) {
	path := tempPath(t)
	if _, err := NewLocal(LocalOptions{Path: path, ReadOnly: true, Logger: quietLogger}); err == nil {
		t.Fatal("ReadOnly on a missing file: no error")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ReadOnly created the file: %v", err)
	}
	if _, err := NewLocal(LocalOptions{ReadOnly: true}); err == nil {
		t.Fatal("ReadOnly without a Path: no error")
	}
}

func TestSecondWriterIsLocked(t *testing.T) {
	path := tempPath(t)
	w := open(t, LocalOptions{Path: path})
	mustAdd(t, w, ent("alice", 1, 0, nil))
	_, err := NewLocal(LocalOptions{Path: path, Logger: quietLogger})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second writer: %v, want ErrLocked", err)
	}
	// Through another path to the same file too.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if _, err := NewLocal(LocalOptions{Path: link, Logger: quietLogger}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second writer through a symbolic link: %v, want ErrLocked", err)
	}
	// A reader takes no lock.
	ro := open(t, LocalOptions{Path: path, ReadOnly: true})
	if got := len(mustList(t, ro, "alice")); got != 1 {
		t.Fatalf("reader beside the writer lists %d entries, want 1", got)
	}
	// Once the writer closes, another may write.
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w2 := open(t, LocalOptions{Path: path})
	if got := len(mustList(t, w2, "alice")); got != 1 {
		t.Fatalf("next writer lists %d entries, want 1", got)
	}
}

func TestLockFileSymlinkRefused(t *testing.T) {
	path := tempPath(t)
	target := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.WriteFile(target, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path+".lock"); err != nil {
		t.Fatal(err)
	}
	if _, err := NewLocal(LocalOptions{Path: path, Logger: quietLogger}); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("lock file as a symbolic link: %v, want a refusal", err)
	}
	if data, _ := os.ReadFile(target); string(data) != "precious" {
		t.Fatal("the link's target was changed")
	}
}

func TestNonRegularPathRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "dir")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, sub, "/dev/null"} {
		for _, ro := range []bool{false, true} {
			done := make(chan error, 1)
			go func() {
				_, err := NewLocal(LocalOptions{Path: path, ReadOnly: ro, Logger: quietLogger})
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("%s (read-only %v): %v, want ErrCorrupt", path, ro, err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s (read-only %v): NewLocal blocked", path, ro)
			}
			if _, err := os.Lstat(path + ".lock"); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("%s: a lock file was created beside it (%v)", path, err)
			}
		}
	}
}

func TestForeignFileRefused(t *testing.T) {
	future := fileHeader()
	future[8] = fileVersion + 1
	for name, content := range map[string][]byte{
		"another format": []byte("CRUMBREV\x02\x00\x00\x00\x00\x00\x00\x00 some revocations"),
		"text":           []byte("hello, this is not a registry at all\n"),
		"future version": append(future, 1, 2, 3),
		"reserved bytes": append(append([]byte(fileMagic), fileVersion, 0, 0, 1, 0, 0, 0, 0), 1, 2, 3),
		"short foreign":  []byte("CRUMX"),
	} {
		t.Run(name, func(t *testing.T) {
			path := tempPath(t)
			if err := os.WriteFile(path, content, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, ro := range []bool{false, true} {
				_, err := NewLocal(LocalOptions{Path: path, ReadOnly: ro, Logger: quietLogger})
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("read-only %v: %v, want ErrCorrupt", ro, err)
				}
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
				t.Fatal("the file was changed")
			}
			if fi := fileInfo(t, path); fi.Mode().Perm() != 0o644 {
				t.Fatalf("the file's mode was changed to %v", fi.Mode())
			}
		})
	}
}

func TestUnfinishedHeaderIsANewFile(t *testing.T) {
	for _, n := range []int{0, 3, 9, headerSize - 1} {
		path := tempPath(t)
		if err := os.WriteFile(path, fileHeader()[:n], 0o600); err != nil {
			t.Fatal(err)
		}
		r := open(t, LocalOptions{Path: path})
		mustAdd(t, r, ent("alice", 1, 0, nil))
		r.Close()
		r2 := open(t, LocalOptions{Path: path})
		if got := len(mustList(t, r2, "alice")); got != 1 {
			t.Fatalf("header cut at %d bytes: %d entries after reopening, want 1", n, got)
		}
	}
}

func TestFileMode(t *testing.T) {
	path := tempPath(t)
	r := open(t, LocalOptions{Path: path})
	mustAdd(t, r, ent("alice", 1, 0, nil))
	for _, p := range []string{path, path + ".lock"} {
		if m := fileInfo(t, p).Mode(); m.Perm() != 0o600 || !m.IsRegular() {
			t.Fatalf("%s has mode %v, want -rw-------", p, m)
		}
	}
}

func TestStaleTemporaryFilesRemoved(t *testing.T) {
	path := tempPath(t)
	stale := path + tempSuffix + "123"
	if err := os.WriteFile(stale, []byte("half a rewrite"), 0o600); err != nil {
		t.Fatal(err)
	}
	open(t, LocalOptions{Path: path})
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the temporary file of an interrupted rewrite is still there (%v)", err)
	}
}

// faults makes the file operations fail while failing is set.
type faults struct {
	failing atomic.Bool
	failed  atomic.Int64
	ops     fileOps
}

func newFaults() *faults {
	f := &faults{}
	f.ops = fileOps{
		write: func(file *os.File, b []byte) (int, error) {
			if f.failing.Load() {
				f.failed.Add(1)
				// A partial write, then the error: the worst case.
				n, _ := file.Write(b[:len(b)/2])
				return n, syscall.ENOSPC
			}
			return file.Write(b)
		},
		sync: func(file *os.File) error {
			if f.failing.Load() {
				f.failed.Add(1)
				return syscall.EIO
			}
			return file.Sync()
		},
	}
	return f
}

func TestWriteFailureAndRecovery(t *testing.T) {
	path := tempPath(t)
	fs := newFaults()
	logger, logs := newLogger()
	r := open(t, LocalOptions{Path: path, MaxPerSubject: 2, Logger: logger, ops: &fs.ops})
	subject := "alice@example.com"
	a, b := ent(subject, 1, 0, map[string]string{"device": "secret-device-name"}), ent(subject, 2, 1, nil)
	mustAdd(t, r, a)
	mustAdd(t, r, b)

	fs.failing.Store(true)
	c := ent(subject, 3, 2, nil)
	ev, err := r.Add(ctx, c, now)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Add on a failing disk: %v, want ErrUnavailable", err)
	}
	// It changed nothing: the caller does not issue the session, and
	// evicts nothing.
	if len(ev) != 0 {
		t.Fatalf("a failed Add evicted %d entries", len(ev))
	}
	equalLists(t, "List after a failed Add", mustList(t, r, subject), []Entry{b, a})
	if st := r.Stats(); st.Added != 2 || st.Evicted != 0 || st.Entries != 2 {
		t.Fatalf("Stats after a failed Add: %+v", st)
	}
	if err := r.Health(ctx); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Health on a failing disk: %v, want ErrUnavailable", err)
	}
	// Seen reports the failure, and applies in memory.
	if err := r.Seen(ctx, subject, sid(2), sec(40), nil); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Seen on a failing disk: %v, want ErrUnavailable", err)
	}
	b.LastSeen = sec(40)
	// Within the backoff, an Add fails at once, without touching the disk.
	n := fs.failed.Load()
	if _, err := r.Add(ctx, ent("bob", 4, 0, nil), now); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Add within the backoff: %v, want ErrUnavailable", err)
	}
	if fs.failed.Load() != n {
		t.Fatal("an Add within the backoff wrote to the failing disk")
	}
	equalLists(t, "List on a failing disk", mustList(t, r, subject), []Entry{b, a})

	// The disk works again: the background goroutine rewrites the file
	// from memory, with no call and no restart.
	fs.failing.Store(false)
	eventually(t, "recovery", func() bool { return r.Health(ctx) == nil })
	if got := r.file.recoveries.Load(); got != 1 {
		t.Fatalf("%d recoveries, want 1", got)
	}
	d := ent(subject, 5, 3, nil)
	if ev, err := r.Add(ctx, d, now); err != nil || len(ev) != 1 || ev[0].ID != a.ID {
		t.Fatalf("Add after recovery: evicted %v, %v; want session 1, nil", ev, err)
	}
	want, wantBob := mustList(t, r, subject), mustList(t, r, "bob")
	equalLists(t, "List after recovery", want, []Entry{b, d})
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r2 := open(t, LocalOptions{Path: path, MaxPerSubject: 2})
	equalLists(t, "after a restart", mustList(t, r2, subject), want)
	equalLists(t, "bob after a restart", mustList(t, r2, "bob"), wantBob)
	if len(wantBob) != 0 {
		t.Fatal("bob's failed Add is listed")
	}

	// Logs name neither subjects, nor labels, nor session IDs.
	out := logs.String()
	if !strings.Contains(out, "failed") || !strings.Contains(out, "works again") {
		t.Fatalf("the failure and the recovery were not logged: %s", out)
	}
	id1 := sid(1)
	for _, secret := range []string{subject, "bob", "secret-device-name", fmt.Sprintf("%x", id1), fmt.Sprintf("%x", id1[:4])} {
		if strings.Contains(out, secret) {
			t.Fatalf("the logs show %q: %s", secret, out)
		}
	}
}

func TestFailureAtOpenRecovers(t *testing.T) {
	path := tempPath(t)
	r := open(t, LocalOptions{Path: path})
	mustAdd(t, r, ent("alice", 1, 0, nil))
	r.Close()
	fs := newFaults()
	fs.failing.Store(true)
	r2 := open(t, LocalOptions{Path: path, ops: &fs.ops})
	if err := r2.Health(ctx); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Health after a failed rewrite at open: %v, want ErrUnavailable", err)
	}
	if got := len(mustList(t, r2, "alice")); got != 1 {
		t.Fatalf("%d entries loaded, want 1", got)
	}
	fs.failing.Store(false)
	eventually(t, "recovery", func() bool { return r2.Health(ctx) == nil })
	mustAdd(t, r2, ent("alice", 2, 1, nil))
	r2.Close()
	r3 := open(t, LocalOptions{Path: path})
	if got := len(mustList(t, r3, "alice")); got != 2 {
		t.Fatalf("%d entries after recovery and restart, want 2", got)
	}
}

func TestFileRemovedUnderneathIsRewritten(t *testing.T) {
	// Something removes the file, or renames another over it: what the
	// registry appends to its open descriptor would be lost. Within a
	// second or so it writes a new file from memory.
	path := tempPath(t)
	r := open(t, LocalOptions{Path: path})
	mustAdd(t, r, ent("alice", 1, 0, nil))
	for _, replace := range []bool{false, true} {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		if replace {
			if err := os.WriteFile(path, fileHeader(), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, "the file rewritten", func() bool {
			data, err := os.ReadFile(path)
			return err == nil && len(data) > headerSize
		})
	}
	mustAdd(t, r, ent("alice", 2, 1, nil))
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r2 := open(t, LocalOptions{Path: path})
	if got := len(mustList(t, r2, "alice")); got != 2 {
		t.Fatalf("%d entries after a restart, want 2", got)
	}
}

func TestRewriteKeepsTheFileSmall(t *testing.T) {
	path := tempPath(t)
	r := open(t, LocalOptions{Path: path, MaxPerSubject: 4})
	for i := range 4 {
		mustAdd(t, r, ent("alice", i, i, map[string]string{"device": strings.Repeat("d", 100)}))
	}
	// Many Seen records on four entries: far more than they need.
	for i := range 3000 {
		if err := r.Seen(ctx, "alice", sid(i%4), sec(10+i), nil); err != nil {
			t.Fatal(err)
		}
	}
	r.file.flush() // write the queue
	r.file.flush() // and rewrite the file, now that it is overgrown
	if size := fileSize(t, path); size > compactMinBytes {
		t.Fatalf("file of %d bytes after the rewrite, want less than %d", size, compactMinBytes)
	}
	if r.file.rewrites.Load() < 2 { // at open, and now
		t.Fatalf("%d rewrites, want 2", r.file.rewrites.Load())
	}
	want := mustList(t, r, "alice")
	r.Close()
	r2 := open(t, LocalOptions{Path: path, MaxPerSubject: 4})
	equalLists(t, "after the rewrite and a restart", mustList(t, r2, "alice"), want)
}

func TestFloodDurable(t *testing.T) {
	path := tempPath(t)
	r := open(t, LocalOptions{Path: path, MaxPerSubject: 4})
	for i := range 2000 {
		mustAdd(t, r, ent("alice", i, i, map[string]string{"device": "x"}))
	}
	r.file.flush()
	if size := fileSize(t, path); size > compactMinBytes+2000 {
		t.Fatalf("file of %d bytes after a flood on one subject", size)
	}
	r.Close()
	r2 := open(t, LocalOptions{Path: path, MaxPerSubject: 4})
	if st := r2.Stats(); st.Entries != 4 {
		t.Fatalf("%d entries after a flood and a restart, want 4", st.Entries)
	}
}

func TestReopenWithSmallerMaxEvictsOnNextAdd(t *testing.T) {
	path := tempPath(t)
	r := open(t, LocalOptions{Path: path, MaxPerSubject: 6})
	for i := range 6 {
		mustAdd(t, r, ent("alice", i, i, nil))
	}
	r.Close()
	// Loading never drops a live entry: its session may still be used.
	r2 := open(t, LocalOptions{Path: path, MaxPerSubject: 3})
	if got := len(mustList(t, r2, "alice")); got != 6 {
		t.Fatalf("%d entries loaded, want 6", got)
	}
	// The next Add makes room down to the new bound and returns them all.
	ev := mustAdd(t, r2, ent("alice", 9, 9, nil))
	if len(ev) != 4 {
		t.Fatalf("Add evicted %d entries, want 4", len(ev))
	}
	for i, e := range ev {
		if e.ID != sid(i) {
			t.Fatalf("evicted %d is session %d, want %d", i, e.ID[0], i)
		}
	}
}

func TestFailedAddIsUndone(t *testing.T) {
	// A failed Add that replaced an entry of the same ID, and evicted
	// another, restores both; after recovery and a restart the file holds
	// what memory does.
	path := tempPath(t)
	fs := newFaults()
	r := open(t, LocalOptions{Path: path, MaxPerSubject: 2, ops: &fs.ops})
	a, b := ent("alice", 1, 0, map[string]string{"v": "1"}), ent("alice", 2, 1, nil)
	mustAdd(t, r, a)
	mustAdd(t, r, b)
	fs.failing.Store(true)
	a2 := ent("alice", 1, 5, map[string]string{"v": "2"})
	if _, err := r.Add(ctx, a2, now); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("replacing Add on a failing disk: %v", err)
	}
	equalLists(t, "after a failed replacing Add", mustList(t, r, "alice"), []Entry{b, a})
	fs.failing.Store(false)
	eventually(t, "recovery", func() bool { return r.Health(ctx) == nil })
	c := ent("alice", 3, 6, nil)
	if ev := mustAdd(t, r, c); len(ev) != 1 || ev[0].ID != a.ID {
		t.Fatalf("Add after recovery evicted %v, want session 1", ev)
	}
	want := mustList(t, r, "alice")
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r2 := open(t, LocalOptions{Path: path, MaxPerSubject: 2})
	equalLists(t, "after a restart", mustList(t, r2, "alice"), want)
}
