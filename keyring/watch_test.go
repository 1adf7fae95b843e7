package keyring

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// never is a poll interval long enough that the poller does not run during
// a test driven by Reload.
const never = time.Hour

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// recorder collects OnReload and OnError calls.
type recorder struct {
	mu      sync.Mutex
	reloads [][2]*Ring
	errs    []error
}

func (r *recorder) onReload(old, new *Ring) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reloads = append(r.reloads, [2]*Ring{old, new})
}

func (r *recorder) onError(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *recorder) counts() (reloads, errs int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reloads), len(r.errs)
}

// watchFixture is a keyring file with a Watcher on it.
type watchFixture struct {
	path string
	w    *Watcher
	rec  *recorder
	log  *syncBuffer
	keys []Key // k1 and k2, for building rings
}

// newWatchFixture writes a ring with k1 primary and k2 active and watches it
// with the given interval.
func newWatchFixture(t *testing.T, interval time.Duration) *watchFixture {
	t.Helper()
	f := &watchFixture{
		path: filepath.Join(t.TempDir(), "keyring.json"),
		rec:  &recorder{},
		log:  &syncBuffer{},
		keys: []Key{mustNewKey(t, StatePrimary), mustNewKey(t, StateActive)},
	}
	if err := CreateFile(f.path, f.ring(t, StatePrimary, StateActive)); err != nil {
		t.Fatal(err)
	}
	w, err := Watch(f.path, WatchOptions{
		Interval: interval,
		Logger:   slog.New(slog.NewJSONHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnReload: f.rec.onReload,
		OnError:  f.rec.onError,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	f.w = w
	return f
}

// ring builds a ring of the fixture's keys in the given states.
func (f *watchFixture) ring(t *testing.T, states ...State) *Ring {
	t.Helper()
	return rotate(t, f.keys, states...)
}

// write replaces the file's content atomically (as ReplaceFile would), so
// the poller never sees a partial write.
func (f *watchFixture) write(t *testing.T, data []byte) {
	t.Helper()
	tmp := f.path + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, f.path); err != nil {
		t.Fatal(err)
	}
}

func (f *watchFixture) writeRing(t *testing.T, r *Ring) {
	t.Helper()
	b, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	f.write(t, b)
}

// assertNoSecrets checks the log for the fixture's secrets.
func (f *watchFixture) assertNoSecrets(t *testing.T) {
	t.Helper()
	assertNoSecret(t, "watcher log", f.log.String(), secretOf(f.keys[0]), secretOf(f.keys[1]))
}

func TestWatchInitialLoad(t *testing.T) {
	f := newWatchFixture(t, never)
	if got := f.w.Ring(); got.Primary().ID != f.keys[0].ID || got.Len() != 2 {
		t.Errorf("initial ring = %v", got)
	}
	if f.w.Err() != nil {
		t.Errorf("Err() = %v", f.w.Err())
	}
	var src Source = f.w
	if src.Ring() != f.w.Ring() {
		t.Error("Watcher as Source returns another ring")
	}
}

func TestWatchInitialLoadFails(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"crumb_keyring": 1, "keys": []}`), 0o600)
	// Inside a bubble, a goroutine left running would fail the test.
	synctest.Test(t, func(t *testing.T) {
		w, err := Watch(filepath.Join(dir, "missing.json"), WatchOptions{})
		if !errors.Is(err, fs.ErrNotExist) || w != nil {
			t.Errorf("Watch(missing) = %v, %v", w, err)
		}
		w, err = Watch(bad, WatchOptions{})
		if !errors.Is(err, ErrBadFile) || !errors.Is(err, ErrNoKeys) || w != nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("Watch(bad) = %v, %v", w, err)
		}
	})
}

func TestWatchInterval(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.json")
	CreateFile(path, mustRing(t, mustNewKey(t, StatePrimary)))
	for in, want := range map[time.Duration]time.Duration{
		0: 5 * time.Second, -time.Second: 5 * time.Second, time.Nanosecond: 10 * time.Millisecond,
		9 * time.Millisecond: 10 * time.Millisecond, 10 * time.Millisecond: 10 * time.Millisecond, time.Minute: time.Minute,
	} {
		w, err := Watch(path, WatchOptions{Interval: in})
		if err != nil {
			t.Fatal(err)
		}
		if w.interval != want {
			t.Errorf("Interval %v became %v, want %v", in, w.interval, want)
		}
		if w.logger != slog.Default() {
			t.Error("nil Logger did not become slog.Default()")
		}
		w.Close()
	}
}

func TestWatchReloadSwaps(t *testing.T) {
	f := newWatchFixture(t, never)
	old := f.w.Ring()
	env := old.Seal(nil, []byte("x"), "p")

	// Unchanged: nothing happens.
	if err := f.w.Reload(); err != nil || f.w.Ring() != old {
		t.Fatalf("Reload(unchanged) = %v, ring swapped: %v", err, f.w.Ring() != old)
	}
	// Promote k2: swapped, callback told, old tokens still open.
	f.writeRing(t, f.ring(t, StateActive, StatePrimary))
	if err := f.w.Reload(); err != nil {
		t.Fatal(err)
	}
	cur := f.w.Ring()
	if cur == old || cur.Primary().ID != f.keys[1].ID {
		t.Fatalf("after Reload the primary is %v", cur.Primary())
	}
	if _, o, err := cur.Open(nil, env, "p"); err != nil || o.Primary {
		t.Errorf("old token after promotion: %+v, %v", o, err)
	}
	reloads, errs := f.rec.counts()
	if reloads != 1 || errs != 0 || f.rec.reloads[0] != [2]*Ring{old, cur} {
		t.Errorf("callbacks: %d reloads %v, %d errors", reloads, f.rec.reloads, errs)
	}
	// Reloading again changes nothing.
	if err := f.w.Reload(); err != nil || f.w.Ring() != cur {
		t.Errorf("second Reload = %v, swapped %v", err, f.w.Ring() != cur)
	}
	if reloads, _ := f.rec.counts(); reloads != 1 {
		t.Errorf("OnReload called %d times, want 1", reloads)
	}
	log := f.log.String()
	if !strings.Contains(log, "keyring: reloaded") || !strings.Contains(log, FormatID(f.keys[1].ID)+":primary") {
		t.Errorf("log lacks the reload: %s", log)
	}
	if strings.Contains(log, `"level":"WARN"`) {
		t.Errorf("a proper promotion logged a warning: %s", log)
	}
	f.assertNoSecrets(t)
}

func TestWatchBadFileKeepsRing(t *testing.T) {
	f := newWatchFixture(t, never)
	good := f.w.Ring()
	goodBytes, _ := Marshal(good)
	bads := []struct {
		name string
		data []byte
		want error
	}{
		{"invalid JSON", []byte("{not json"), ErrBadFile},
		{"no primary", []byte(strings.Replace(string(goodBytes), `"primary"`, `"active"`, 1)), ErrNoPrimary},
		{"truncated", goodBytes[:len(goodBytes)/2], ErrBadFile},
		{"empty", nil, ErrBadFile},
		{"retired primary", []byte(strings.Replace(string(goodBytes), `"primary"`, `"retired"`, 1)), ErrNoPrimary},
	}
	for i, bad := range bads {
		f.write(t, bad.data)
		for range 3 { // the same bad content is reported once
			err := f.w.Reload()
			if !errors.Is(err, bad.want) || !strings.Contains(err.Error(), f.path) {
				t.Errorf("%s: Reload = %v, want %v with the path", bad.name, err, bad.want)
			}
			if f.w.Err() != err {
				t.Errorf("%s: Err() = %v, want %v", bad.name, f.w.Err(), err)
			}
			if f.w.Ring() != good {
				t.Fatalf("%s: the ring in service changed", bad.name)
			}
		}
		if _, errs := f.rec.counts(); errs != i+1 {
			t.Errorf("%s: OnError called %d times in all, want %d", bad.name, errs, i+1)
		}
	}

	// A missing file is reported once too, then recovery with new content.
	os.Remove(f.path)
	if err := f.w.Reload(); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Reload(missing) = %v", err)
	}
	f.w.Reload()
	if _, errs := f.rec.counts(); errs != len(bads)+1 {
		t.Errorf("OnError called %d times, want %d", errs, len(bads)+1)
	}
	f.writeRing(t, f.ring(t, StateActive, StatePrimary))
	if err := f.w.Reload(); err != nil || f.w.Err() != nil {
		t.Fatalf("Reload(good) = %v, Err() = %v", err, f.w.Err())
	}
	if f.w.Ring().Primary().ID != f.keys[1].ID {
		t.Error("the good file was not swapped in")
	}
	log := f.log.String()
	if strings.Count(log, "keyring: reload failed") != len(bads)+1 {
		t.Errorf("want %d logged failures: %s", len(bads)+1, log)
	}
	f.assertNoSecrets(t)
}

func TestWatchRestoredContentNoSwap(t *testing.T) {
	f := newWatchFixture(t, never)
	good := f.w.Ring()
	goodBytes, _ := os.ReadFile(f.path)
	f.write(t, []byte("garbage"))
	if f.w.Reload() == nil {
		t.Fatal("Reload(garbage) succeeded")
	}
	f.write(t, goodBytes)
	if err := f.w.Reload(); err != nil || f.w.Err() != nil {
		t.Fatalf("Reload(restored) = %v, Err() = %v", err, f.w.Err())
	}
	if f.w.Ring() != good {
		t.Error("restoring the content in service swapped in a new ring")
	}
	if reloads, errs := f.rec.counts(); reloads != 0 || errs != 1 {
		t.Errorf("callbacks: %d reloads, %d errors; want 0 and 1", reloads, errs)
	}
}

// TestWatchUnreadableFile: a keyring path that cannot be read keeps the
// ring in service and reports the error. A directory in its place fails
// for every user, root included (CI runs as root); a mode-0 file is also
// tried where permissions apply.
func TestWatchUnreadableFile(t *testing.T) {
	f := newWatchFixture(t, never)
	good := f.w.Ring()
	if err := os.Remove(f.path); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(f.path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := f.w.Reload(); !errors.Is(err, ErrBadFile) || f.w.Ring() != good || f.w.Err() == nil {
		t.Errorf("Reload(directory) = %v, ring kept: %v", err, f.w.Ring() == good)
	}
	if os.Geteuid() != 0 {
		g := newWatchFixture(t, never)
		if err := os.Chmod(g.path, 0); err != nil {
			t.Fatal(err)
		}
		if err := g.w.Reload(); !errors.Is(err, fs.ErrPermission) || g.w.Ring() == nil {
			t.Errorf("Reload(mode 0) = %v", err)
		}
	}
}

func TestWatchRotationWarnings(t *testing.T) {
	f := newWatchFixture(t, never)
	k3 := mustNewKey(t, StatePrimary)
	// k3 becomes primary without having been active: other nodes cannot
	// open its tokens yet. k1, the old primary, disappears at once.
	f.writeRing(t, mustRing(t, k3, f.keys[1]))
	if err := f.w.Reload(); err != nil {
		t.Fatal(err)
	}
	log := f.log.String()
	for _, want := range []string{
		`"level":"WARN","msg":"keyring: new primary key was not active in the previous ring`, `"key":"` + FormatID(k3.ID) + `"`,
		`"level":"WARN","msg":"keyring: key no longer opens tokens"`, `"key":"` + FormatID(f.keys[0].ID) + `","previous_state":"primary"`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
	assertNoSecret(t, "log", log, secretOf(k3), secretOf(f.keys[0]), secretOf(f.keys[1]))
}

func TestWatchRetireIsInfo(t *testing.T) {
	f := newWatchFixture(t, never)
	f.writeRing(t, f.ring(t, StatePrimary, StateRetired))
	if err := f.w.Reload(); err != nil {
		t.Fatal(err)
	}
	log := f.log.String()
	if !strings.Contains(log, `"level":"INFO","msg":"keyring: key no longer opens tokens"`) || strings.Contains(log, "WARN") {
		t.Errorf("retiring an active key should log at info level:\n%s", log)
	}
}

// k8sSecretDir lays out a directory like a Kubernetes secret volume:
// dir/..<timestamp>/keyring.json, dir/..data -> ..<timestamp>, and
// dir/keyring.json -> ..data/keyring.json. It returns the path to watch.
func k8sSecretDir(t *testing.T, dir string, content []byte) string {
	t.Helper()
	k8sSwap(t, dir, content, 0)
	path := filepath.Join(dir, "keyring.json")
	if err := os.Symlink(filepath.Join("..data", "keyring.json"), path); err != nil {
		t.Skip("symbolic links unavailable:", err)
	}
	return path
}

// k8sSwap publishes new content the way the kubelet does: a new timestamped
// directory, then an atomic rename of a new ..data link over the old one.
func k8sSwap(t *testing.T, dir string, content []byte, generation int) {
	t.Helper()
	ts := fmt.Sprintf("..2025_06_01_12_00_00.%09d", generation)
	if err := os.Mkdir(filepath.Join(dir, ts), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ts, "keyring.json"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "..data_tmp")
	if err := os.Symlink(ts, tmp); err != nil {
		t.Skip("symbolic links unavailable:", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
}

func TestWatchKubernetesSecretSwap(t *testing.T) {
	k1, k2 := mustNewKey(t, StatePrimary), mustNewKey(t, StateActive)
	first, _ := Marshal(rotate(t, []Key{k1, k2}, StatePrimary, StateActive))
	second, _ := Marshal(rotate(t, []Key{k1, k2}, StateActive, StatePrimary))
	third, _ := Marshal(rotate(t, []Key{k1, k2}, StatePrimary, StateActive))

	dir := t.TempDir()
	path := k8sSecretDir(t, dir, first)
	w, err := Watch(path, WatchOptions{Interval: never, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	k8sSwap(t, dir, second, 1)
	if err := w.Reload(); err != nil || w.Ring().Primary().ID != k2.ID {
		t.Fatalf("after the swap: Reload = %v, primary %v", err, w.Ring().Primary())
	}

	// The poller picks up the next swap by itself.
	p, err := Watch(path, WatchOptions{Interval: 10 * time.Millisecond, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	k8sSwap(t, dir, third, 2)
	deadline := time.Now().Add(5 * time.Second)
	for p.Ring().Primary().ID != k1.ID {
		if time.Now().After(deadline) {
			t.Fatal("the poller did not pick up the swap within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if p.Err() != nil {
		t.Errorf("Err() = %v", p.Err())
	}
}

func TestWatchPoller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newWatchFixture(t, time.Second)
		good := f.w.Ring()

		// A good change is swapped in within one interval.
		f.writeRing(t, f.ring(t, StateActive, StatePrimary))
		time.Sleep(time.Second + time.Millisecond)
		synctest.Wait()
		if f.w.Ring() == good || f.w.Ring().Primary().ID != f.keys[1].ID {
			t.Fatal("the poller did not swap in the new ring")
		}
		swapped := f.w.Ring()

		// A bad file is reported once, however many polls see it.
		f.write(t, []byte(`{"crumb_keyring": 1, "keys": []}`))
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if reloads, errs := f.rec.counts(); reloads != 1 || errs != 1 {
			t.Errorf("after 10 polls of a bad file: %d reloads, %d errors; want 1 and 1", reloads, errs)
		}
		if f.w.Ring() != swapped || !errors.Is(f.w.Err(), ErrNoKeys) {
			t.Errorf("bad file: ring swapped %v, Err() = %v", f.w.Ring() != swapped, f.w.Err())
		}

		// A later good file recovers.
		f.writeRing(t, f.ring(t, StatePrimary, StateActive))
		time.Sleep(time.Second)
		synctest.Wait()
		if f.w.Err() != nil || f.w.Ring().Primary().ID != f.keys[0].ID {
			t.Errorf("recovery: Err() = %v, primary %v", f.w.Err(), f.w.Ring().Primary())
		}

		// Close stops polling; later changes are not picked up. Close is
		// idempotent, and the bubble would fail if the goroutine were left.
		if err := f.w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := f.w.Close(); err != nil {
			t.Fatal(err)
		}
		last := f.w.Ring()
		f.writeRing(t, f.ring(t, StateActive, StatePrimary))
		time.Sleep(time.Minute)
		synctest.Wait()
		if f.w.Ring() != last {
			t.Error("a closed Watcher still polls")
		}
		// Reload still works after Close, for a final SIGHUP.
		if err := f.w.Reload(); err != nil || f.w.Ring() == last {
			t.Errorf("Reload after Close = %v", err)
		}
		f.assertNoSecrets(t)
	})
}

func TestWatchConcurrentReloads(t *testing.T) {
	f := newWatchFixture(t, 10*time.Millisecond)
	rings := []*Ring{f.ring(t, StatePrimary, StateActive), f.ring(t, StateActive, StatePrimary)}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 25 {
				if g == 0 {
					if err := ReplaceFile(f.path, rings[i%2]); err != nil {
						t.Error(err)
					}
				}
				if err := f.w.Reload(); err != nil {
					t.Error(err)
				}
				_ = f.w.Err()
				_ = f.w.Ring().Primary()
			}
		})
	}
	wg.Wait()
	if _, errs := f.rec.counts(); errs != 0 {
		t.Errorf("OnError called %d times during atomic replacements", errs)
	}
}

// TestWatchWarnsOnReadableFile: a keyring file others can read is loaded
// (Kubernetes mounts secrets 0644 by default) with a warning.
func TestWatchWarnsOnReadableFile(t *testing.T) {
	for _, mode := range []os.FileMode{0o600, 0o644} {
		path := filepath.Join(t.TempDir(), "keyring.json")
		b, err := Marshal(mustRing(t, mustNewKey(t, StatePrimary)))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path, mode)
		var logs strings.Builder
		w, err := Watch(path, WatchOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		w.Close()
		if warned := strings.Contains(logs.String(), "readable by other users"); warned != (mode == 0o644) {
			t.Errorf("mode %v: warning %v; log: %s", mode, warned, logs.String())
		}
	}
}
