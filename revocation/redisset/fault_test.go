package redisset

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/revocation"
)

// TestRedisKilled kills Redis (SIGKILL) while two nodes revoke, keeps
// revoking during the outage (every revocation acknowledged through the
// outbox), restarts Redis on the same port and directory with its AOF
// (appendfsync always), and checks that no acknowledged revocation was
// lost: every one is in Redis and in both replicas.
func TestRedisKilled(t *testing.T) {
	srv := startRedis(t, "--appendonly", "yes", "--appendfsync", "always")
	opts := func() Options {
		o := testOptions(t, srv.addr())
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = 300*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond
		return o
	}
	a, b := newSet(t, opts()), newSet(t, opts())
	until := time.Now().Add(time.Hour)

	var mu sync.Mutex
	var acked []revocation.ID
	// revoke revokes a new session on s and returns RevokeSession's error
	// (nil, or ErrPending while Redis is away), keeping the session's ID
	// when it was acknowledged.
	revoke := func(s *Set) error {
		id := newID()
		err := s.RevokeSession(bg, session(id), until)
		if acknowledged(err) {
			mu.Lock()
			acked = append(acked, id)
			mu.Unlock()
		}
		return err
	}
	for range 100 {
		if err := revoke(a); err != nil {
			t.Fatal(err)
		}
		if err := revoke(b); err != nil {
			t.Fatal(err)
		}
	}

	// A revoker on each node runs across the kill, the outage and the
	// restart.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, s := range []*Set{a, b} {
		wg.Go(func() {
			for i := 0; i < 20_000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := revoke(s); !acknowledged(err) {
					errs <- fmt.Errorf("revocation %d: %w", i, err)
					return
				}
				time.Sleep(500 * time.Microsecond)
			}
		})
	}
	stopRevokers := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopRevokers() // when the test fails before they are stopped
	// progress waits until the revokers have had n more revocations
	// acknowledged, and fails the test if one of them stopped.
	progress := func(n int, when string) {
		t.Helper()
		mu.Lock()
		want := len(acked) + n
		mu.Unlock()
		if !waitFor(20*time.Second, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(acked) >= want || len(errs) > 0
		}) {
			t.Fatalf("waiting (20 s) for %d more acknowledged revocations %s: the revokers are stuck", n, when)
		}
		if len(errs) > 0 {
			t.Fatalf("a revoker failed %s: %v", when, <-errs)
		}
	}
	progress(50, "before the kill")
	srv.kill()
	t.Log("redis-server killed")
	for range 100 {
		if err := revoke(a); !errors.Is(err, revocation.ErrPending) {
			t.Fatalf("revocation during the outage: %v, want ErrPending", err)
		}
		if err := revoke(b); !errors.Is(err, revocation.ErrPending) {
			t.Fatalf("revocation during the outage: %v, want ErrPending", err)
		}
	}
	if a.Status().Pending == 0 || b.Status().Pending == 0 {
		t.Errorf("nothing pending in the outboxes during the outage: A %+v, B %+v", a.Status(), b.Status())
	}
	progress(50, "during the outage")
	srv.restart()
	t.Log("redis-server restarted")
	progress(50, "after the restart")
	stopRevokers()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	if !waitFor(20*time.Second, func() bool { return a.Status().Pending == 0 && b.Status().Pending == 0 }) {
		t.Fatalf("outboxes not delivered: A %+v, B %+v", a.Status(), b.Status())
	}
	c := srv.client()
	missing := 0
	for _, id := range acked {
		if n, err := c.Exists(bg, a.keys.entry(kindSession, hexID(id))).Result(); err != nil || n != 1 {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged revocations missing from Redis", missing, len(acked))
	}
	for _, n := range []struct {
		name string
		s    *Set
	}{{"A", a}, {"B", b}} {
		if !waitFor(10*time.Second, func() bool { return n.s.Stats().Sessions == len(acked) }) {
			t.Errorf("%s holds %d entries, want %d", n.name, n.s.Stats().Sessions, len(acked))
		}
		lost := 0
		for _, id := range acked {
			if !revokedOn(n.s, id) {
				lost++
			}
		}
		if lost > 0 {
			t.Errorf("%s does not reject %d of %d acknowledged revocations", n.name, lost, len(acked))
		}
		if st := n.s.Status(); st.Down || st.Stale {
			t.Errorf("%s still degraded: %+v", n.name, st)
		}
	}
	t.Logf("%d revocations acknowledged, %d delivered from outboxes, 0 lost", len(acked), a.Status().Delivered+b.Status().Delivered)
}

// TestOutboxReplayedAtStart closes a node with revocations still in its
// outbox (Redis down) and opens it again once Redis is back: they are
// applied to the replica at once and delivered.
func TestOutboxReplayedAtStart(t *testing.T) {
	srv := startRedis(t, "--appendonly", "yes", "--appendfsync", "always")
	o := testOptions(t, srv.addr())
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout = 200*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond
	a := newSet(t, o)
	srv.kill()
	ids := make([]revocation.ID, 20)
	for i := range ids {
		ids[i] = newID()
		if err := a.RevokeSession(bg, session(ids[i]), time.Now().Add(time.Hour)); !errors.Is(err, revocation.ErrPending) {
			t.Fatalf("RevokeSession with Redis down: %v, want ErrPending", err)
		}
	}
	subjUntil := time.Now().Add(time.Hour)
	if err := a.RevokeSubject(bg, "carol", time.Now(), subjUntil); !errors.Is(err, revocation.ErrPending) {
		t.Fatalf("RevokeSubject with Redis down: %v, want ErrPending", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	srv.restart()
	a2 := newSet(t, o)
	for _, id := range ids {
		if !revokedOn(a2, id) {
			t.Fatal("a revocation from the outbox is not in the replica")
		}
	}
	if !waitFor(10*time.Second, func() bool { return a2.Status().Pending == 0 }) {
		t.Fatalf("outbox not delivered: %+v", a2.Status())
	}
	b := newSet(t, testOptions(t, srv.addr()))
	for _, id := range ids {
		if !revokedOn(b, id) {
			t.Fatal("a revocation from the outbox did not reach Redis")
		}
	}
	q := revocation.Query{ID: newID(), Subject: "carol", Created: time.Now().Add(-time.Hour), Issued: time.Now()}
	if v, err := b.Check(bg, q, time.Now()); v != revocation.SubjectRevoked || err != nil {
		t.Errorf("subject revocation from the outbox: %v, %v", v, err)
	}
	if st := a2.Stats(); st.LogBytes != outboxHeader {
		t.Errorf("outbox is %d bytes after delivery, want the bare header", st.LogBytes)
	}
}

// TestNoOutbox checks that without an outbox a revocation Redis does not
// take fails (it is not acknowledged) but still applies locally.
func TestNoOutbox(t *testing.T) {
	srv := startRedis(t)
	o := testOptions(t, srv.addr())
	o.OutboxPath, o.NoOutbox = "", true
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout = 200*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond
	a := newSet(t, o)
	srv.kill()
	id := newID()
	err := a.RevokeSession(bg, session(id), time.Now().Add(time.Hour))
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("RevokeSession with Redis down and no outbox: %v, want ErrUnavailable", err)
	}
	if !revokedOn(a, id) {
		t.Error("the failed revocation was not applied locally")
	}
	if a.Stats().Revoked != 0 {
		t.Error("a failed revocation was counted as acknowledged")
	}
}

// TestStaleness hangs Redis (SIGSTOP) past MaxStaleness. Under the default
// policy (ServeStale) Check answers from the replica and Health reports a
// degraded set — stale, but not an outage: the cookie store stays healthy
// enough to serve. Under FailClosed Check fails for tokens it does not
// know as revoked and Health reports an outage. Under both, a token known
// as revoked stays rejected, a revocation made during the hang is in force
// at once on its node and pending for the others, and both recover when
// Redis resumes.
func TestStaleness(t *testing.T) {
	srv := startRedis(t)
	opts := func(p Policy) Options {
		o := testOptions(t, srv.addr())
		// 1 s: with the XREAD block at a third of it, a loaded 2-core
		// machine under -race cannot push a healthy, quiet stream past it.
		o.MaxStaleness, o.Policy = time.Second, p
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = 200*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond
		return o
	}
	closed := newSet(t, opts(FailClosed))
	stale := newSet(t, opts(0)) // the default
	if stale.opts.Policy != ServeStale {
		t.Fatalf("default policy %v, want %v", stale.opts.Policy, ServeStale)
	}
	store, err := cookie.New(cookie.Options{Name: "session", Keys: testRing(t), Revocations: stale})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	revoked := newID()
	if err := closed.RevokeSession(bg, session(revoked), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !waitFor(5*time.Second, func() bool { return revokedOn(stale, revoked) }) {
		t.Fatal("the revocation did not propagate")
	}
	// Quiet for longer than MaxStaleness, Redis up: never stale.
	time.Sleep(1500 * time.Millisecond)
	for _, s := range []*Set{closed, stale} {
		if err := s.Health(bg); err != nil {
			t.Fatalf("Health on a quiet, healthy stream: %v", err)
		}
	}
	unknown := revocation.Query{ID: newID(), Subject: "innocent", Issued: time.Now(), Created: time.Now()}
	if _, err := closed.Check(bg, unknown, time.Now()); err != nil {
		t.Fatalf("Check before the outage: %v", err)
	}

	srv.signal(syscall.SIGSTOP)
	t0 := time.Now()
	if !waitFor(5*time.Second, func() bool { return closed.Status().Stale && stale.Status().Stale }) {
		t.Fatal("waiting (5 s) for both nodes to go stale with Redis stopped")
	}
	t.Logf("stale after %v (MaxStaleness 1s)", time.Since(t0).Round(time.Millisecond))

	// FailClosed: an outage.
	herr := closed.Health(bg)
	if !errors.Is(herr, ErrStale) || !errors.Is(herr, ErrUnavailable) || errors.Is(herr, revocation.ErrDegraded) {
		t.Errorf("FailClosed Health: %v, want ErrStale, not ErrDegraded", herr)
	}
	t.Logf("FailClosed Health: %v", herr)
	v, err := closed.Check(bg, unknown, time.Now())
	if v != revocation.NotRevoked || !errors.Is(err, ErrStale) {
		t.Errorf("fail-closed Check of an unknown token: %v, %v; want ErrStale", v, err)
	}
	if v, err := closed.Check(bg, revocation.Query{ID: revoked}, time.Now()); v != revocation.SessionRevoked || err != nil {
		t.Errorf("fail-closed Check of a revoked token: %v, %v; want SessionRevoked, nil", v, err)
	}

	// ServeStale: degraded, still serving.
	herr = stale.Health(bg)
	if !errors.Is(herr, ErrStale) || !errors.Is(herr, revocation.ErrDegraded) {
		t.Errorf("ServeStale Health: %v, want ErrStale and ErrDegraded", herr)
	}
	t.Logf("ServeStale Health: %v", herr)
	if err := store.Healthy(bg); !errors.Is(err, revocation.ErrDegraded) || errors.Is(err, cookie.ErrUnavailable) {
		t.Errorf("cookie store on a ServeStale set past MaxStaleness: Healthy %v, want degraded, not unavailable", err)
	}
	if v, err := stale.Check(bg, unknown, time.Now()); v != revocation.NotRevoked || err != nil {
		t.Errorf("serve-stale Check of an unknown token: %v, %v; want NotRevoked, nil", v, err)
	}
	if v, err := stale.Check(bg, revocation.Query{ID: revoked}, time.Now()); v != revocation.SessionRevoked || err != nil {
		t.Errorf("serve-stale Check of a revoked token: %v, %v; want SessionRevoked, nil", v, err)
	}

	// Revocations during the hang: in force on their node at once, pending
	// for the others.
	during := map[*Set]revocation.ID{closed: newID(), stale: newID()}
	for s, id := range during {
		if err := s.RevokeSession(bg, session(id), time.Now().Add(time.Hour)); !errors.Is(err, revocation.ErrPending) {
			t.Errorf("RevokeSession while Redis hangs (%v): %v, want ErrPending", s.opts.Policy, err)
		}
		if !revokedOn(s, id) {
			t.Errorf("a revocation made during the hang is not in force on its node (%v)", s.opts.Policy)
		}
	}

	srv.signal(syscall.SIGCONT)
	if !waitFor(10*time.Second, func() bool { return closed.Health(bg) == nil && stale.Health(bg) == nil }) {
		t.Fatalf("not healthy after Redis resumed: %v / %v", closed.Health(bg), stale.Health(bg))
	}
	if _, err := closed.Check(bg, unknown, time.Now()); err != nil {
		t.Errorf("Check after recovery: %v", err)
	}
	if err := store.Healthy(bg); err != nil {
		t.Errorf("cookie store after recovery: %v", err)
	}
	if !waitFor(5*time.Second, func() bool { return revokedOn(stale, during[closed]) && revokedOn(closed, during[stale]) }) {
		t.Error("a revocation made during the hang never reached the other node")
	}
}

// TestStartWithoutRedis checks that New fails, quickly and clearly, when
// Redis cannot be reached.
func TestStartWithoutRedis(t *testing.T) {
	o := testOptions(t, fmt.Sprintf("127.0.0.1:%d", freePort(t)))
	o.Password = "hunter2"
	o.DialTimeout = 200 * time.Millisecond
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	_, err := New(ctx, o)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("New without Redis: %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the error shows the password: %v", err)
	}
	t.Logf("New without Redis: %v", err)
}

// TestEvictionPolicy checks that New refuses a Redis that could evict
// revocations, warns when allowed to run anyway, and warns but starts
// when CONFIG is disabled.
func TestEvictionPolicy(t *testing.T) {
	for _, policy := range []string{"allkeys-lru", "volatile-ttl"} {
		srv := startRedis(t, "--maxmemory-policy", policy)
		o := testOptions(t, srv.addr())
		_, err := New(bg, o)
		if !errors.Is(err, ErrEvictionPolicy) || !strings.Contains(err.Error(), policy) {
			t.Fatalf("New on %s: %v, want ErrEvictionPolicy naming it", policy, err)
		}
		t.Logf("%s: %v", policy, err)
		var logs captureLogger
		o.AllowEviction, o.Logger = true, logs.logger()
		newSet(t, o)
		if !strings.Contains(logs.String(), "maxmemory-policy="+policy) {
			t.Errorf("AllowEviction on %s: no warning in %q", policy, logs.String())
		}
	}

	srv := startRedis(t, "--rename-command", "CONFIG", "")
	var logs captureLogger
	o := testOptions(t, srv.addr())
	o.Logger = logs.logger()
	s := newSet(t, o)
	if !strings.Contains(logs.String(), "cannot check") {
		t.Errorf("CONFIG disabled: no warning in %q", logs.String())
	}
	if err := s.RevokeSession(bg, session(newID()), time.Now().Add(time.Hour)); err != nil {
		t.Error(err)
	}
}

// TestPersistenceWarning checks that New warns, saying what is at stake,
// when Redis persists nothing (appendonly no and no RDB save points), and
// only then.
func TestPersistenceWarning(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string // after startRedis's --save ""
		warn bool
	}{
		{"no persistence", []string{"--appendonly", "no"}, true},
		{"AOF", []string{"--appendonly", "yes"}, false},
		{"RDB", []string{"--appendonly", "no", "--save", "3600 1"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := startRedis(t, c.args...)
			var logs captureLogger
			o := testOptions(t, srv.addr())
			o.Logger = logs.logger()
			newSet(t, o)
			warned := strings.Contains(logs.String(), "persists nothing")
			if warned != c.warn {
				t.Errorf("warned %v, want %v; log:\n%s", warned, c.warn, logs.String())
			}
			if warned && !strings.Contains(logs.String(), "appendonly yes") {
				t.Errorf("the warning does not say what to do: %s", logs.String())
			}
		})
	}
}

// TestRedisOutOfMemory makes Redis refuse writes (maxmemory reached under
// noeviction) while reads go on: revocations are acknowledged through the
// outbox, the replicas stay current (not stale), and the outbox is
// delivered once Redis has room again.
func TestRedisOutOfMemory(t *testing.T) {
	srv := startRedis(t)
	o := testOptions(t, srv.addr())
	o.MaxStaleness = 500 * time.Millisecond
	a, b := newSet(t, o), newSet(t, testOptions(t, srv.addr()))
	c := srv.client()
	if err := c.ConfigSet(bg, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	id := newID()
	if err := a.RevokeSession(bg, session(id), time.Now().Add(time.Hour)); !errors.Is(err, revocation.ErrPending) {
		t.Fatalf("RevokeSession with Redis out of memory: %v, want ErrPending", err)
	}
	if st := a.Status(); st.Pending != 1 {
		t.Fatalf("status %+v, want the revocation in the outbox", st)
	}
	time.Sleep(time.Second)
	// Not stale (reads go on), but a revocation waits: degraded.
	if err := a.Health(bg); !errors.Is(err, revocation.ErrDegraded) || errors.Is(err, ErrUnavailable) {
		t.Errorf("Health while Redis refuses only writes: %v, want ErrDegraded and not ErrUnavailable (nor ErrStale)", err)
	}
	if revokedOn(b, id) {
		t.Fatal("B saw a revocation Redis refused")
	}
	if err := c.ConfigSet(bg, "maxmemory", "0").Err(); err != nil {
		t.Fatal(err)
	}
	if !waitFor(10*time.Second, func() bool { return revokedOn(b, id) }) {
		t.Fatalf("the outbox was not delivered once Redis had room: %+v", a.Status())
	}
	// B can see the revocation before A has recorded Redis's answer and
	// emptied its outbox: wait for that too.
	if !waitFor(5*time.Second, func() bool { return a.Status().Pending == 0 }) {
		t.Errorf("outbox still holds %d", a.Status().Pending)
	}
	if err := a.Health(bg); err != nil {
		t.Errorf("Health once the outbox is delivered: %v", err)
	}
}
