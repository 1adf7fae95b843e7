package redisset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crumbhq/crumb/internal/registrytest"
	"github.com/crumbhq/crumb/internal/testdep"
	"github.com/crumbhq/crumb/registry"
)

// regOptions are Options for a Registry on addr, logging to the test.
func regOptions(t testing.TB, addr string) Options {
	return Options{Addrs: []string{addr}, Logger: testLogger(t)}
}

// openRegistry is NewRegistry that fails the test on error and closes the
// Registry at the end.
func openRegistry(t testing.TB, o Options) *Registry {
	t.Helper()
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	r, err := NewRegistry(ctx, o)
	if err != nil {
		t.Fatalf("NewRegistry: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// regEntry returns an entry of subject with a random ID, created and last
// seen at now (whole seconds), expiring an hour later.
func regEntry(subject string, now time.Time, labels map[string]string) registry.Entry {
	now = now.Truncate(time.Second)
	return registry.Entry{ID: newID(), Subject: subject, Created: now, LastSeen: now, Expires: now.Add(time.Hour), Labels: labels}
}

// regKey is the key of subject's hash under prefix, computed here
// independently of Registry.key.
func regKey(prefix, subject string) string {
	sum := sha256.Sum256([]byte(subject))
	return prefix + "reg:{" + hex.EncodeToString(sum[:]) + "}"
}

// mustList is List that fails the test on error.
func mustList(t testing.TB, r registry.Registry, subject string, now time.Time) []registry.Entry {
	t.Helper()
	l, err := r.List(bg, subject, now)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return l
}

// mustAdd is Add that fails the test on error.
func mustAdd(t testing.TB, r registry.Registry, e registry.Entry, now time.Time) []registry.Entry {
	t.Helper()
	ev, err := r.Add(bg, e, now)
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	return ev
}

func TestRegistryConformance(t *testing.T) {
	srv := startRedis(t)
	registrytest.Run(t, func(t *testing.T, maxPerSubject int) registry.Registry {
		o := regOptions(t, srv.addr())
		o.RegistryMaxPerSubject = maxPerSubject
		return openRegistry(t, o)
	})
}

// TestRegistryTwoInstances: two Registry values on one server see each
// other's writes, and share the per-subject bound.
func TestRegistryTwoInstances(t *testing.T) {
	srv := startRedis(t)
	o := regOptions(t, srv.addr())
	o.RegistryMaxPerSubject = 2
	a, b := openRegistry(t, o), openRegistry(t, o)
	now := time.Now().Truncate(time.Second)

	e := regEntry("alice", now, map[string]string{"device": "laptop"})
	mustAdd(t, a, e, now)
	l := mustList(t, b, "alice", now)
	if len(l) != 1 || l[0].ID != e.ID || l[0].Labels["device"] != "laptop" || !l[0].Expires.Equal(e.Expires) {
		t.Fatalf("B lists %+v after A's Add, want the entry", l)
	}
	if err := b.Seen(bg, "alice", e.ID, now.Add(10*time.Second), map[string]string{"device": "phone"}); err != nil {
		t.Fatal(err)
	}
	l = mustList(t, a, "alice", now)
	if len(l) != 1 || !l[0].LastSeen.Equal(now.Add(10*time.Second)) || l[0].Labels["device"] != "phone" {
		t.Fatalf("A lists %+v after B's Seen", l)
	}

	// The bound is the subject's, whichever instance adds.
	f := regEntry("alice", now.Add(20*time.Second), nil)
	mustAdd(t, a, f, now)
	g := regEntry("alice", now.Add(30*time.Second), nil)
	ev := mustAdd(t, b, g, now)
	if len(ev) != 1 || ev[0].ID != e.ID || ev[0].Subject != "alice" || ev[0].Labels["device"] != "phone" {
		t.Fatalf("B's Add evicted %+v, want A's least recently seen entry", ev)
	}

	if err := b.Remove(bg, "alice", f.ID); err != nil {
		t.Fatal(err)
	}
	if l := mustList(t, a, "alice", now); len(l) != 1 || l[0].ID != g.ID {
		t.Fatalf("A lists %d entries after B's Remove, want g only", len(l))
	}
	if err := a.RemoveBefore(bg, "alice", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if l := mustList(t, b, "alice", now); len(l) != 0 {
		t.Fatalf("B lists %d entries after A's RemoveBefore, want none", len(l))
	}
}

// TestRegistryFlood: 10^4 Adds for one subject, from four goroutines, leave
// at most the maximum in Redis at every moment and exactly it at the end.
func TestRegistryFlood(t *testing.T) {
	const (
		n       = 10_000
		limit   = 16
		workers = 4
	)
	srv := startRedis(t)
	o := regOptions(t, srv.addr())
	o.Logger = nil
	o.RegistryMaxPerSubject = limit
	r := openRegistry(t, o)
	c := srv.client()
	key := regKey(DefaultKeyPrefix, "alice")
	ctx, cancel := context.WithTimeout(bg, 2*time.Minute)
	defer cancel()

	var evicted atomic.Int64
	var maxLen atomic.Int64
	errs := make(chan error, workers+1)
	stop := make(chan struct{})
	var watcher sync.WaitGroup
	watcher.Go(func() { // samples HLEN during the flood (at most 10^5 times)
		for range 100_000 {
			select {
			case <-stop:
				return
			default:
			}
			hlen, err := c.HLen(ctx, key).Result()
			if err != nil {
				errs <- err
				return
			}
			if hlen > maxLen.Load() {
				maxLen.Store(hlen)
			}
			time.Sleep(time.Millisecond)
		}
	})
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range n / workers {
				now := start.Add(time.Duration(w*n/workers+i) * time.Millisecond)
				ev, err := r.Add(ctx, regEntry("alice", now, map[string]string{"device": "bot"}), now)
				if err != nil {
					errs <- err
					return
				}
				evicted.Add(int64(len(ev)))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	watcher.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	hlen, err := c.HLen(bg, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	mem, _ := c.MemoryUsage(bg, key).Result()
	t.Logf("%d Adds for one subject from %d goroutines: %v (%.1f µs an Add); HLEN %d at the end, at most %d sampled during; %d bytes in Redis; %d evicted",
		n, workers, elapsed.Round(time.Millisecond), float64(elapsed.Microseconds())/n, hlen, maxLen.Load(), mem, evicted.Load())
	if hlen != limit || maxLen.Load() > limit {
		t.Fatalf("HLEN %d at the end, %d at most during the flood; want %d and at most %d", hlen, maxLen.Load(), limit, limit)
	}
	if evicted.Load() != n-limit {
		t.Fatalf("%d entries evicted, want %d (every Add past the maximum evicts one)", evicted.Load(), n-limit)
	}
	if st := r.Stats(); st.Added != n || st.Evicted != n-limit || st.MaxPerSubject != limit {
		t.Fatalf("Stats %+v", st)
	}
	if keys := scanKeys(t, c, "*"); len(keys) != 1 {
		t.Fatalf("keys %q, want the subject's hash only", keys)
	}
}

// TestRegistryKeyExpiry: the subject's key expires with its latest entry,
// also after an eviction, and Redis forgets it then.
func TestRegistryKeyExpiry(t *testing.T) {
	srv := startRedis(t)
	o := regOptions(t, srv.addr())
	o.RegistryMaxPerSubject = 3
	r := openRegistry(t, o)
	c := srv.client()
	key := regKey(DefaultKeyPrefix, "alice")
	now := time.Now().Truncate(time.Second)
	expireTime := func() int64 {
		t.Helper()
		d, err := c.ExpireTime(bg, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return int64(d / time.Second)
	}
	add := func(seen, lifetime time.Duration) registry.Entry {
		t.Helper()
		e := regEntry("alice", now.Add(seen), nil)
		e.Expires = now.Add(lifetime)
		mustAdd(t, r, e, now)
		return e
	}
	add(0, time.Hour)
	if got, want := expireTime(), now.Add(time.Hour).Unix(); got != want {
		t.Fatalf("EXPIRETIME %d after the first Add, want %d", got, want)
	}
	add(-time.Second, 2*time.Hour) // seen first: evicted below
	if got, want := expireTime(), now.Add(2*time.Hour).Unix(); got != want {
		t.Fatalf("EXPIRETIME %d after a later entry, want %d", got, want)
	}
	add(time.Second, 30*time.Minute)
	if got, want := expireTime(), now.Add(2*time.Hour).Unix(); got != want {
		t.Fatalf("EXPIRETIME %d after an earlier entry, want %d (unchanged)", got, want)
	}
	ev := mustAdd(t, r, regEntry("alice", now.Add(2*time.Second), nil), now) // expires in an hour
	if len(ev) != 1 || !ev[0].Expires.Equal(now.Add(2*time.Hour)) {
		t.Fatalf("evicted %+v, want the entry expiring in two hours", ev)
	}
	if got, want := expireTime(), now.Add(2*time.Second+time.Hour).Unix(); got != want {
		t.Fatalf("EXPIRETIME %d after evicting the latest entry, want %d (the new entry's)", got, want)
	}

	// An entry already expired is not stored, and drops its ID's entry.
	e := regEntry("bob", now, nil)
	mustAdd(t, r, e, now)
	if ev := mustAdd(t, r, e, e.Expires); len(ev) != 0 {
		t.Fatalf("Add of an expired entry evicted %d", len(ev))
	}
	if n, _ := c.Exists(bg, regKey(DefaultKeyPrefix, "bob")).Result(); n != 0 {
		t.Fatal("an expired entry was stored")
	}

	// Redis forgets a subject when its last session expires.
	wall := time.Now()
	e = regEntry("carol", wall, nil)
	e.Expires = wall.Truncate(time.Second).Add(2 * time.Second)
	mustAdd(t, r, e, wall)
	carol := regKey(DefaultKeyPrefix, "carol")
	if ttl, err := c.PTTL(bg, carol).Result(); err != nil || ttl <= 0 || ttl > 2*time.Second {
		t.Fatalf("PTTL %v, %v; want at most 2 s", ttl, err)
	}
	if !waitFor(5*time.Second, func() bool { n, err := c.Exists(bg, carol).Result(); return err == nil && n == 0 }) {
		t.Fatal("the key of a subject whose only session expired is still there after 5 s")
	}
}

// TestRegistryOtherSubject: calls through one subject never touch another
// subject's entries, even with their session IDs.
func TestRegistryOtherSubject(t *testing.T) {
	srv := startRedis(t)
	r := openRegistry(t, regOptions(t, srv.addr()))
	c := srv.client()
	now := time.Now()
	a := regEntry("alice", now, map[string]string{"device": "laptop"})
	mustAdd(t, r, a, now)
	key := regKey(DefaultKeyPrefix, "alice")
	before, err := c.Dump(bg, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Remove(bg, "mallory", a.ID); err != nil {
		t.Fatal(err)
	}
	if err := r.RemoveBefore(bg, "mallory", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := r.Seen(bg, "mallory", a.ID, now.Add(time.Minute), map[string]string{"device": "evil"}); err != nil {
		t.Fatal(err)
	}
	after, err := c.Dump(bg, key).Result()
	if err != nil || after != before {
		t.Fatalf("alice's hash changed through mallory's calls (%v)", err)
	}
	if keys := scanKeys(t, c, "*"); len(keys) != 1 || keys[0] != key {
		t.Fatalf("keys %q, want alice's only (Seen never adds)", keys)
	}
	if st := r.Stats(); st.Removed != 0 {
		t.Fatalf("Stats.Removed %d, want 0", st.Removed)
	}
}

// TestRegistryOutage: with the server gone, every call fails quickly with
// an error wrapping registry.ErrUnavailable that names the server and not
// the password; the registry works again once the server is back, and the
// same holds for a server that hangs.
func TestRegistryOutage(t *testing.T) {
	const timeout = 300 * time.Millisecond
	// A command may be tried twice (Options' MaxRetries 1), each bounded by
	// the dial or read timeout; the rest is slack for a loaded machine.
	const bound = 4*timeout + time.Second
	srv := startRedis(t)
	// The server's password, set once it runs (startRedis checks it
	// without one) and again after each restart.
	setPassword := func() {
		t.Helper()
		c := redis.NewClient(&redis.Options{Addr: srv.addr()})
		defer c.Close()
		if err := c.ConfigSet(bg, "requirepass", "hunter2").Err(); err != nil {
			t.Fatal(err)
		}
	}
	setPassword()
	o := regOptions(t, srv.addr())
	o.Password = "hunter2"
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout = timeout, timeout, timeout
	r := openRegistry(t, o)
	now := time.Now()
	e := regEntry("alice", now, nil)
	mustAdd(t, r, e, now)

	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"List", func(ctx context.Context) error { _, err := r.List(ctx, "alice", now); return err }},
		{"Add", func(ctx context.Context) error { _, err := r.Add(ctx, regEntry("alice", now, nil), now); return err }},
		{"Seen", func(ctx context.Context) error { return r.Seen(ctx, "alice", e.ID, now, nil) }},
		{"Remove", func(ctx context.Context) error { return r.Remove(ctx, "alice", e.ID) }},
		{"RemoveBefore", func(ctx context.Context) error { return r.RemoveBefore(ctx, "alice", now) }},
		{"Health", func(ctx context.Context) error { return r.Health(ctx) }},
	}
	expectDown := func(what string) {
		t.Helper()
		for _, c := range calls {
			start := time.Now()
			err := c.call(bg)
			d := time.Since(start)
			t.Logf("%s, %s: %v after %v", what, c.name, err, d.Round(time.Millisecond))
			switch {
			case !errors.Is(err, registry.ErrUnavailable) || !errors.Is(err, ErrUnavailable):
				t.Fatalf("%s, %s: %v, want registry.ErrUnavailable and redisset.ErrUnavailable", what, c.name, err)
			case d > bound:
				t.Fatalf("%s, %s failed after %v, more than %v", what, c.name, d, bound)
			case strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), srv.addr()):
				t.Fatalf("%s, %s: %q shows the password or does not name the server", what, c.name, err)
			}
		}
	}
	expectUp := func(what string) {
		t.Helper()
		if !waitFor(10*time.Second, func() bool { return r.Health(bg) == nil }) {
			t.Fatalf("%s: the registry did not answer within 10 s: %v", what, r.Health(bg))
		}
		for _, c := range calls {
			if err := c.call(bg); err != nil {
				t.Fatalf("%s, %s: %v", what, c.name, err)
			}
		}
	}

	srv.kill()
	expectDown("server stopped")
	srv.restart()
	setPassword()
	expectUp("server back on the same port")
	// A new server remembers nothing (no persistence here): the registry
	// starts over, and lists what is added from now on.
	f := regEntry("alice", now, nil)
	mustAdd(t, r, f, now)
	if l := mustList(t, r, "alice", now); len(l) == 0 {
		t.Fatal("List after the restart shows nothing")
	}

	srv.signal(syscall.SIGSTOP)
	expectDown("server hung")
	// A shorter context bounds a call further.
	start := time.Now()
	ctx, cancel := context.WithTimeout(bg, 50*time.Millisecond)
	_, err := r.List(ctx, "alice", now)
	cancel()
	if d := time.Since(start); !errors.Is(err, registry.ErrUnavailable) || d > timeout {
		t.Fatalf("List with a 50 ms context on a hung server: %v after %v", err, d)
	}
	srv.signal(syscall.SIGCONT)
	expectUp("server resumed")
}

// TestRegistryStartUnavailable: NewRegistry without a server fails at once
// with ErrUnavailable.
func TestRegistryStartUnavailable(t *testing.T) {
	o := regOptions(t, fmt.Sprintf("127.0.0.1:%d", freePort(t)))
	o.Password = "hunter2"
	o.DialTimeout = 300 * time.Millisecond
	start := time.Now()
	_, err := NewRegistry(bg, o)
	if !errors.Is(err, registry.ErrUnavailable) || !errors.Is(err, ErrUnavailable) || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("NewRegistry without a server: %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("NewRegistry took %v to fail", d)
	}
	if _, err := NewRegistry(bg, Options{KeyPrefix: "a b"}); !errors.Is(err, ErrBadOptions) {
		t.Fatalf("NewRegistry with a bad prefix: %v, want ErrBadOptions", err)
	}
}

// TestRegistryURL: one URL configures the Set and the Registry; the
// registry_max_per_subject parameter sets the Registry's bound.
func TestRegistryURL(t *testing.T) {
	srv := startRedis(t)
	outbox := filepath.Join(t.TempDir(), "outbox")
	url := "redis://" + srv.addr() + "/2?registry_max_per_subject=3&max_per_subject=8&policy=closed&outbox=" + outbox
	r := openRegistry(t, Options{URL: url, Logger: testLogger(t)})
	s := newSet(t, Options{URL: url, Logger: testLogger(t)})
	if st := r.Stats(); st.MaxPerSubject != 3 {
		t.Fatalf("MaxPerSubject %d, want 3 from the URL", st.MaxPerSubject)
	}
	if s.opts.MaxPerSubject != 8 {
		t.Fatalf("the Set's MaxPerSubject %d, want 8", s.opts.MaxPerSubject)
	}
	now := time.Now()
	for range 5 {
		mustAdd(t, r, regEntry("alice", now, nil), now)
	}
	db2 := redis.NewClient(&redis.Options{Addr: srv.addr(), DB: 2})
	defer db2.Close()
	if n, err := db2.HLen(bg, regKey(DefaultKeyPrefix, "alice")).Result(); err != nil || n != 3 {
		t.Fatalf("HLEN in database 2: %d, %v; want 3", n, err)
	}

	// The field wins over the URL; neither means the default.
	if st := openRegistry(t, Options{URL: url, RegistryMaxPerSubject: 5}).Stats(); st.MaxPerSubject != 5 {
		t.Fatalf("MaxPerSubject %d, want the field's 5", st.MaxPerSubject)
	}
	if st := openRegistry(t, Options{URL: "redis://" + srv.addr() + "?outbox=none"}).Stats(); st.MaxPerSubject != registry.DefaultMaxPerSubject {
		t.Fatalf("MaxPerSubject %d, want the default %d", st.MaxPerSubject, registry.DefaultMaxPerSubject)
	}

	for _, bad := range []string{"registry_max_per_subject=x", "registry_max_per_subject=-1", "registry_max_per_subject="} {
		_, err := NewRegistry(bg, Options{URL: "redis://u:hunter2@" + srv.addr() + "?" + bad})
		if !errors.Is(err, ErrBadOptions) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: %v, want ErrBadOptions", bad, err)
		}
	}
	if o, err := ParseSpec("redis://h?registry_max_per_subject=7"); err != nil || o.RegistryMaxPerSubject != 7 {
		t.Errorf("ParseSpec: %d, %v", o.RegistryMaxPerSubject, err)
	}
}

// TestRegistryNoSubjectInClear: Redis holds subjects only as their
// SHA-256, under the key prefix, in the documented layout.
func TestRegistryNoSubjectInClear(t *testing.T) {
	srv := startRedis(t)
	o := regOptions(t, srv.addr())
	o.KeyPrefix = "app1:"
	r := openRegistry(t, o)
	c := srv.client()
	const subject = "alice@example.com"
	now := time.Now().Truncate(time.Second)
	e := regEntry(subject, now, map[string]string{"device": "Firefox on Linux"})
	mustAdd(t, r, e, now)
	if err := r.Seen(bg, subject, e.ID, now.Add(time.Minute), nil); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, r, regEntry(subject, now, nil), now)

	keys := scanKeys(t, c, "*")
	if len(keys) != 1 || keys[0] != regKey("app1:", subject) {
		t.Fatalf("keys %q, want %q only", keys, regKey("app1:", subject))
	}
	all, err := c.HGetAll(bg, keys[0]).Result()
	if err != nil {
		t.Fatal(err)
	}
	for f, v := range all {
		if strings.Contains(keys[0]+f+v, "alice") {
			t.Fatalf("the subject is in Redis in the clear: %q %q %q", keys[0], f, v)
		}
	}
	want := fmt.Sprintf(`%d:%d:%d:{"device":"Firefox on Linux"}`, now.Unix(), now.Add(time.Minute).Unix(), now.Add(time.Hour).Unix())
	if got := all[hex.EncodeToString(e.ID[:])]; got != want {
		t.Fatalf("stored value %q, want %q", got, want)
	}
}

// TestRegistryMalformed: values Redis holds in another form are left out
// of List (and logged without IDs or labels), and dropped by the next Add.
func TestRegistryMalformed(t *testing.T) {
	srv := startRedis(t)
	var logs captureLogger
	o := regOptions(t, srv.addr())
	o.Logger = logs.logger()
	o.RegistryMaxPerSubject = 3
	r := openRegistry(t, o)
	c := srv.client()
	now := time.Now().Truncate(time.Second)
	good := regEntry("alice", now.Add(10*time.Second), map[string]string{"device": "secret-label"})
	mustAdd(t, r, good, now)
	key := regKey(DefaultKeyPrefix, "alice")
	// Seen 10 s and 5 s before now: the first two to be evicted.
	value := func(seen time.Duration, labels string) string {
		return fmt.Sprintf("%d:%d:%d:%s", now.Unix(), now.Add(seen).Unix(), now.Add(time.Hour).Unix(), labels)
	}
	garbage, short, badLabels := newID(), newID(), newID()
	if err := c.HSet(bg, key,
		"not-an-id", value(-5*time.Second, ""),
		hex.EncodeToString(garbage[:]), "garbage",
		hex.EncodeToString(short[:]), "1:2",
		hex.EncodeToString(badLabels[:]), value(-10*time.Second, `{"device":`),
	).Err(); err != nil {
		t.Fatal(err)
	}
	l := mustList(t, r, "alice", now)
	if len(l) != 1 || l[0].ID != good.ID {
		t.Fatalf("List with damaged values: %d entries, want the good one", len(l))
	}
	out := logs.String()
	if !strings.Contains(out, "count=4") || strings.Contains(out, "secret-label") || strings.Contains(out, "alice") ||
		strings.Contains(out, hex.EncodeToString(badLabels[:])) {
		t.Fatalf("log: %s", out)
	}
	// Add drops the values whose times it cannot read, and evicts the
	// others like any entry: the one with damaged labels is returned
	// without them; the one whose field is not a session ID is not
	// returned (it names no session to end), only logged.
	ev := mustAdd(t, r, regEntry("alice", now.Add(time.Second), nil), now)
	if len(ev) != 1 || ev[0].ID != badLabels || ev[0].Labels != nil || !ev[0].LastSeen.Equal(now.Add(-10*time.Second)) {
		t.Fatalf("evicted %+v, want the entry with damaged labels", ev)
	}
	if ev := mustAdd(t, r, regEntry("alice", now.Add(2*time.Second), nil), now); len(ev) != 0 {
		t.Fatalf("evicted %+v, want nothing returned", ev)
	}
	all, err := c.HGetAll(bg, key).Result()
	if err != nil || len(all) != 3 || all["not-an-id"] != "" || all[hex.EncodeToString(good.ID[:])] == "" {
		t.Fatalf("hash after the Adds: %d fields, %v; want the good entry and the two added", len(all), err)
	}
	if st := r.Stats(); st.Pruned != 2 || st.Evicted != 1 {
		t.Fatalf("Stats: Pruned %d, Evicted %d; want 2 and 1", st.Pruned, st.Evicted)
	}
}

// TestRegistryCluster runs the registry on a three-master Redis Cluster:
// the conformance suite passes, an entry added through one seed node is
// listed through another, and the subjects' keys spread over the masters
// (each subject its own hash tag).
func TestRegistryCluster(t *testing.T) {
	cli := testdep.Binary(t, "redis-cli", "valkey-cli")
	var nodes []*redisServer
	var addrs []string
	for range 3 {
		n := startRedis(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "5000", "--appendonly", "no")
		nodes = append(nodes, n)
		addrs = append(addrs, n.addr())
	}
	ctx, cancel := context.WithTimeout(bg, 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, cli, append(append([]string{"--cluster", "create"}, addrs...),
		"--cluster-replicas", "0", "--cluster-yes")...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, n := range nodes {
		c := n.client()
		var last string
		if !waitFor(20*time.Second, func() bool {
			info, err := c.ClusterInfo(bg).Result()
			last = fmt.Sprint(info, err)
			return err == nil && strings.Contains(info, "cluster_state:ok")
		}) {
			t.Fatalf("waiting (20 s) for cluster_state:ok on %s; last CLUSTER INFO:\n%s", n.addr(), last)
		}
	}

	registrytest.Run(t, func(t *testing.T, maxPerSubject int) registry.Registry {
		o := regOptions(t, "")
		o.Addrs, o.RegistryMaxPerSubject = addrs, maxPerSubject
		return openRegistry(t, o)
	})

	oa, ob := regOptions(t, ""), regOptions(t, "")
	oa.Addrs, ob.Addrs = addrs, []string{addrs[2], addrs[0], addrs[1]}
	oa.KeyPrefix, ob.KeyPrefix = "spread:", "spread:" // apart from the suite's keys
	a, b := openRegistry(t, oa), openRegistry(t, ob)
	if _, ok := a.cmd.(*redis.ClusterClient); !ok {
		t.Fatalf("several addresses gave a %T, want a cluster client", a.cmd)
	}
	now := time.Now()
	const subjects = 30
	for i := range subjects {
		subject := "spread-" + strconv.Itoa(i)
		e := regEntry(subject, now, nil)
		mustAdd(t, a, e, now)
		if l := mustList(t, b, subject, now); len(l) != 1 || l[0].ID != e.ID {
			t.Fatalf("B lists %d entries of %s after A's Add, want 1", len(l), subject)
		}
	}
	holders := 0
	for _, n := range nodes {
		keys := scanKeys(t, n.client(), "spread:reg:*")
		if len(keys) > 0 {
			holders++
		}
		t.Logf("%s holds %d of the %d subjects", n.addr(), len(keys), subjects)
	}
	if holders < 2 {
		t.Errorf("the subjects' keys are on %d masters, want them spread", holders)
	}
}

// countHook counts the commands a client sends.
type countHook struct {
	mu   sync.Mutex
	cmds []string
}

func (h *countHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.mu.Lock()
		h.cmds = append(h.cmds, cmd.Name())
		h.mu.Unlock()
		return next(ctx, cmd)
	}
}

func (h *countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.mu.Lock()
		for _, c := range cmds {
			h.cmds = append(h.cmds, "pipeline:"+c.Name())
		}
		h.mu.Unlock()
		return next(ctx, cmds)
	}
}

func (h *countHook) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.cmds
	h.cmds = nil
	return c
}

// TestRegistryRoundTrips: each call is one command, once the scripts are
// in the server's cache (the first call of each script after a start or a
// SCRIPT FLUSH adds an EVAL).
func TestRegistryRoundTrips(t *testing.T) {
	srv := startRedis(t)
	r := openRegistry(t, regOptions(t, srv.addr()))
	h := &countHook{}
	r.cmd.AddHook(h)
	now := time.Now()
	e := regEntry("alice", now, map[string]string{"device": "laptop"})
	calls := []struct {
		name string
		call func() error
		want string
	}{
		{"Add", func() error { _, err := r.Add(bg, e, now); return err }, "evalsha"},
		{"Seen", func() error { return r.Seen(bg, "alice", e.ID, now, nil) }, "evalsha"},
		{"List", func() error { _, err := r.List(bg, "alice", now); return err }, "hgetall"},
		{"RemoveBefore", func() error { return r.RemoveBefore(bg, "alice", now) }, "evalsha"},
		{"Remove", func() error { return r.Remove(bg, "alice", e.ID) }, "hdel"},
		{"Health", func() error { return r.Health(bg) }, "ping"},
	}
	for _, c := range calls { // load the scripts
		if err := c.call(); err != nil {
			t.Fatal(err)
		}
	}
	h.take()
	for _, c := range calls {
		if err := c.call(); err != nil {
			t.Fatal(err)
		}
		if got := h.take(); len(got) != 1 || got[0] != c.want {
			t.Errorf("%s sent %q, want one %s", c.name, got, c.want)
		}
	}
	if err := r.Remove(bg, "alice"); err != nil {
		t.Fatal(err)
	}
	if got := h.take(); len(got) != 0 {
		t.Errorf("Remove of no IDs sent %q", got)
	}
}

// BenchmarkRegistry measures each call against a real redis-server on
// loopback: Add to a subject with room (add) and to one at its maximum,
// evicting one entry each time (add-evict), Seen, and List of 16 entries
// with labels. server-µs/op is Redis's own time per command (INFO
// commandstats), the CPU a call costs the server.
func BenchmarkRegistry(b *testing.B) {
	srv := startRedis(b)
	r := openRegistry(b, Options{Addrs: []string{srv.addr()}})
	c := srv.client()
	// serverTime resets Redis's command statistics, runs f and reports
	// the server's time per call of cmd.
	serverTime := func(b *testing.B, cmd string, f func(b *testing.B)) {
		if err := c.ConfigResetStat(bg).Err(); err != nil {
			b.Fatal(err)
		}
		f(b)
		stat, err := infoField(bg, c, "commandstats", "cmdstat_"+cmd)
		if err != nil {
			b.Fatal(err)
		}
		for field := range strings.SplitSeq(stat, ",") {
			if v, ok := strings.CutPrefix(field, "usec_per_call="); ok {
				us, _ := strconv.ParseFloat(v, 64)
				b.ReportMetric(us, "server-µs/op")
			}
		}
	}
	now := time.Now()
	labels := map[string]string{"device": "Firefox on Linux", "where": "Lyon, France"}
	full := make([]registry.Entry, registry.DefaultMaxPerSubject)
	for i := range full {
		full[i] = regEntry("full", now, labels)
		mustAdd(b, r, full[i], now)
	}
	b.Run("add", func(b *testing.B) {
		b.ReportAllocs()
		serverTime(b, "evalsha", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				// A new subject every 8 Adds: never at its maximum.
				e := regEntry("bench-add-"+strconv.Itoa(i/8), now, labels)
				if _, err := r.Add(bg, e, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("add-evict", func(b *testing.B) {
		b.ReportAllocs()
		serverTime(b, "evalsha", func(b *testing.B) {
			for b.Loop() {
				ev, err := r.Add(bg, regEntry("evict", now, labels), now)
				if err != nil {
					b.Fatal(err)
				}
				_ = ev
			}
		})
	})
	b.Run("seen", func(b *testing.B) {
		b.ReportAllocs()
		serverTime(b, "evalsha", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if err := r.Seen(bg, "full", full[i%len(full)].ID, now.Add(time.Duration(i)*time.Second), nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("list16", func(b *testing.B) {
		b.ReportAllocs()
		serverTime(b, "hgetall", func(b *testing.B) {
			for b.Loop() {
				l, err := r.List(bg, "full", now)
				if err != nil || len(l) != len(full) {
					b.Fatalf("List: %d entries, %v", len(l), err)
				}
			}
		})
	})
}
