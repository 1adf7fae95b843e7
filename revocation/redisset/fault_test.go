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
	revoke := func(s *Set) error {
		id := newID()
		if err := s.RevokeSession(bg, id, until); err != nil {
			return err
		}
		mu.Lock()
		acked = append(acked, id)
		mu.Unlock()
		return nil
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
				if err := revoke(s); err != nil {
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
		if err := revoke(a); err != nil {
			t.Fatalf("revocation during the outage: %v", err)
		}
		if err := revoke(b); err != nil {
			t.Fatalf("revocation during the outage: %v", err)
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
		if err := a.RevokeSession(bg, ids[i], time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	subjUntil := time.Now().Add(time.Hour)
	if err := a.RevokeSubject(bg, "carol", time.Now(), subjUntil); err != nil {
		t.Fatal(err)
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
	err := a.RevokeSession(bg, id, time.Now().Add(time.Hour))
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

// TestStaleness hangs Redis (SIGSTOP) past MaxStaleness: a fail-closed
// node's Check fails for unknown tokens and a fail-open one answers; both
// report it in Health; both recover when Redis resumes.
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
	closed, open := newSet(t, opts(FailClosed)), newSet(t, opts(FailOpen))
	revoked := newID()
	if err := closed.RevokeSession(bg, revoked, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !waitFor(5*time.Second, func() bool { return revokedOn(open, revoked) }) {
		t.Fatal("the revocation did not propagate")
	}
	// Quiet for longer than MaxStaleness, Redis up: never stale.
	time.Sleep(1500 * time.Millisecond)
	for _, s := range []*Set{closed, open} {
		if err := s.Health(bg); err != nil {
			t.Fatalf("Health on a quiet, healthy stream: %v", err)
		}
	}
	unknown := revocation.Query{ID: newID(), Issued: time.Now(), Created: time.Now()}
	if _, err := closed.Check(bg, unknown, time.Now()); err != nil {
		t.Fatalf("Check before the outage: %v", err)
	}

	srv.signal(syscall.SIGSTOP)
	t0 := time.Now()
	if !waitFor(5*time.Second, func() bool { return closed.Health(bg) != nil && open.Health(bg) != nil }) {
		t.Fatal("Health never reported the hung Redis")
	}
	t.Logf("stale after %v (MaxStaleness 1s)", time.Since(t0).Round(time.Millisecond))
	herr := closed.Health(bg)
	if !errors.Is(herr, ErrStale) || !errors.Is(herr, ErrUnavailable) {
		t.Errorf("Health: %v, want ErrStale", herr)
	}
	t.Logf("Health: %v", herr)
	v, err := closed.Check(bg, unknown, time.Now())
	if v != revocation.NotRevoked || !errors.Is(err, ErrStale) {
		t.Errorf("fail-closed Check of an unknown token: %v, %v; want ErrStale", v, err)
	}
	if v, err := closed.Check(bg, revocation.Query{ID: revoked}, time.Now()); v != revocation.SessionRevoked || err != nil {
		t.Errorf("fail-closed Check of a revoked token: %v, %v; want SessionRevoked, nil", v, err)
	}
	if v, err := open.Check(bg, unknown, time.Now()); v != revocation.NotRevoked || err != nil {
		t.Errorf("fail-open Check: %v, %v; want NotRevoked, nil", v, err)
	}
	// Revocations during the hang are acknowledged through the outbox.
	during := newID()
	if err := closed.RevokeSession(bg, during, time.Now().Add(time.Hour)); err != nil {
		t.Errorf("RevokeSession while Redis hangs: %v", err)
	}

	srv.signal(syscall.SIGCONT)
	if !waitFor(10*time.Second, func() bool { return closed.Health(bg) == nil && open.Health(bg) == nil }) {
		t.Fatalf("not healthy after Redis resumed: %v / %v", closed.Health(bg), open.Health(bg))
	}
	if _, err := closed.Check(bg, unknown, time.Now()); err != nil {
		t.Errorf("Check after recovery: %v", err)
	}
	if !waitFor(5*time.Second, func() bool { return revokedOn(open, during) }) {
		t.Error("the revocation made during the hang never reached the other node")
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
	if err := a.RevokeSession(bg, id, time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("RevokeSession with Redis out of memory: %v", err)
	}
	if st := a.Status(); st.Pending != 1 {
		t.Fatalf("status %+v, want the revocation in the outbox", st)
	}
	time.Sleep(time.Second)
	if err := a.Health(bg); err != nil {
		t.Errorf("Health while Redis refuses only writes: %v", err)
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
}
