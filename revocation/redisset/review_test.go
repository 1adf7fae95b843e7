package redisset

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crumbhq/crumb/revocation"
	"github.com/crumbhq/crumb/revocation/internal/table"
)

// TestOutboxKeptOnRefusal makes Redis refuse the outbox's delivery with
// NOPERM (an ACL change): the acknowledged revocation stays in the outbox,
// Health reports the refusal, and it is delivered once the ACL is fixed.
func TestOutboxKeptOnRefusal(t *testing.T) {
	srv := startRedis(t)
	s := newSet(t, testOptions(t, srv.addr()))
	b := newSet(t, testOptions(t, srv.addr()))
	c := srv.client()
	if err := c.ConfigSet(bg, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	id := newID()
	if err := s.RevokeSession(bg, session(id), time.Now().Add(time.Hour)); !errors.Is(err, revocation.ErrPending) {
		t.Fatalf("RevokeSession with Redis out of memory: %v, want ErrPending", err)
	}
	if st := s.Status(); st.Pending != 1 {
		t.Fatalf("%+v, want the revocation in the outbox", st)
	}
	if err := c.Do(bg, "acl", "setuser", "default", "-evalsha", "-eval").Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.ConfigSet(bg, "maxmemory", "0").Err(); err != nil {
		t.Fatal(err)
	}
	if !waitFor(5*time.Second, func() bool { return s.Status().Rejected >= 1 }) {
		t.Fatalf("waiting (5 s) for a refused delivery: %+v", s.Status())
	}
	// More refused tries (50 ms, then 100 ms apart) do not drop it either.
	if !waitFor(10*time.Second, func() bool { return s.Status().Rejected >= 3 }) {
		t.Fatalf("waiting (10 s) for two more refused deliveries: %+v", s.Status())
	}
	if st := s.Status(); st.Pending != 1 {
		t.Fatalf("acknowledged revocation dropped from the outbox: %+v", st)
	}
	herr := s.Health(bg)
	if !errors.Is(herr, ErrUnavailable) || !strings.Contains(herr.Error(), "NOPERM") {
		t.Errorf("Health while Redis refuses the outbox: %v, want ErrUnavailable with NOPERM", herr)
	}
	if err := c.Do(bg, "acl", "setuser", "default", "+@all").Err(); err != nil {
		t.Fatal(err)
	}
	if !waitFor(40*time.Second, func() bool { return revokedOn(b, id) }) {
		t.Fatalf("the outbox was not delivered once the ACL allowed it: %+v", s.Status())
	}
	if !waitFor(5*time.Second, func() bool { return s.Health(bg) == nil && s.Status().Pending == 0 }) {
		t.Errorf("after delivery: %v, %+v", s.Health(bg), s.Status())
	}
}

// TestAuthErrorsTransient: errors of credentials or permissions an operator
// changed (NOAUTH, WRONGPASS, NOPERM) are worth queueing and retrying.
func TestAuthErrorsTransient(t *testing.T) {
	srv := startRedis(t)
	c := srv.client()
	err := c.Do(bg, "auth", "nobody", "wrong").Err()
	if err == nil || !transient(err) {
		t.Errorf("WRONGPASS: %v, transient %v", err, transient(err))
	}
	if err := c.Do(bg, "acl", "setuser", "limited", "on", "nopass", "~*", "+@all", "-get").Err(); err != nil {
		t.Fatal(err)
	}
	lc := redis.NewClient(&redis.Options{Addr: srv.addr(), Username: "limited", Password: "x"})
	defer lc.Close()
	err = lc.Get(bg, "k").Err()
	if err == nil || !strings.HasPrefix(err.Error(), "NOPERM") || !transient(err) {
		t.Errorf("NOPERM: %v, transient %v", err, transient(err))
	}
	c2 := srv.client()
	if err := c2.Do(bg, "config", "set", "requirepass", "secret").Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c2.Do(context.Background(), "config", "set", "requirepass", "").Err() })
	c3 := srv.client()
	err = c3.Do(bg, "get", "k").Err()
	if err == nil || !strings.HasPrefix(err.Error(), "NOAUTH") || !transient(err) {
		t.Errorf("NOAUTH: %v, transient %v", err, transient(err))
	}
}

// TestCheckAfterClose: a closed FailClosed Set no longer follows Redis, so
// Check fails for sessions it does not know as revoked; a ServeStale one
// answers from its replica.
func TestCheckAfterClose(t *testing.T) {
	srv := startRedis(t)
	oc := testOptions(t, srv.addr())
	oc.Policy = FailClosed
	s := newSet(t, oc)
	open := newSet(t, testOptions(t, srv.addr()))
	revoked := newID()
	if err := s.RevokeSession(bg, session(revoked), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	open.Close()
	q := revocation.Query{ID: newID(), Issued: time.Now(), Created: time.Now()}
	v, err := s.Check(bg, q, time.Now())
	if v != revocation.NotRevoked || !errors.Is(err, ErrStale) || !errors.Is(err, revocation.ErrClosed) {
		t.Errorf("FailClosed Check after Close: %v, %v; want ErrStale and ErrClosed", v, err)
	}
	if v, err := s.Check(bg, revocation.Query{ID: revoked}, time.Now()); v != revocation.SessionRevoked || err != nil {
		t.Errorf("Check of a known revocation after Close: %v, %v", v, err)
	}
	if v, err := open.Check(bg, q, time.Now()); v != revocation.NotRevoked || err != nil {
		t.Errorf("ServeStale Check after Close: %v, %v", v, err)
	}
	if !s.Status().Stale {
		t.Error("Status of a closed Set not stale")
	}
}

// TestWaitReplicasDefaultTimeouts: WaitReplicas works with the default
// timeouts, from Options and from a spec against a real server.
func TestWaitReplicasDefaultTimeouts(t *testing.T) {
	if _, err := (Options{Addrs: []string{"x:1"}, NoOutbox: true, WaitReplicas: 1}).resolve(); err != nil {
		t.Fatalf("WaitReplicas=1 with default timeouts: %v", err)
	}
	if _, err := (Options{Addrs: []string{"x:1"}, NoOutbox: true, WaitReplicas: 1, WaitTimeout: 5 * time.Second}).resolve(); !errors.Is(err, ErrBadOptions) {
		t.Errorf("WaitTimeout above the default ReadTimeout: %v", err)
	}
	srv := startRedis(t)
	outbox := filepath.Join(t.TempDir(), "outbox")
	o, err := ParseSpec("redis://" + srv.addr() + "/?wait_replicas=1&wait_timeout=100ms&outbox=" + url.QueryEscape(outbox))
	if err != nil {
		t.Fatal(err)
	}
	o.Logger = testLogger(t)
	s := newSet(t, o)
	// No replica: the revocation is acknowledged through the outbox.
	if err := s.RevokeSession(bg, session(newID()), time.Now().Add(time.Hour)); !errors.Is(err, revocation.ErrPending) || !strings.Contains(err.Error(), "replicas") {
		t.Fatalf("RevokeSession without the replicas asked for: %v, want ErrPending saying why", err)
	}
	if st := s.Status(); st.Pending != 1 {
		t.Errorf("%+v, want the unreplicated revocation in the outbox", st)
	}
}

// TestStreamGapSmallRead: a gap (records trimmed before this node read
// them) is noticed even when the trimmed stream holds fewer than readCount
// records after the last one read.
func TestStreamGapSmallRead(t *testing.T) {
	srv := startRedis(t)
	oa := testOptions(t, srv.addr())
	oa.StreamMaxLen = 1
	a := newSet(t, oa)
	b := newSet(t, testOptions(t, srv.addr()))
	seen := newID()
	if err := a.RevokeSession(bg, session(seen), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !waitFor(5*time.Second, func() bool { return revokedOn(b, seen) }) {
		t.Fatal("B never saw the first revocation")
	}
	// Freeze B's tailer (a GC pause, a long delivery, a slow step).
	b.cancel()
	select {
	case <-b.done:
	case <-time.After(10 * time.Second):
		t.Fatal("waiting (10 s) for B's tailer to return after its context was cancelled")
	}
	first := newID()
	if err := a.RevokeSession(bg, session(first), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for range 400 {
		if err := a.RevokeSession(bg, session(newID()), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	n, _ := srv.client().XLen(bg, b.keys.stream).Result()
	if n >= readCount || n >= 400 {
		t.Fatalf("stream not trimmed below readCount: %d", n)
	}
	ctx := context.Background()
	if err := b.read(ctx); err != nil {
		t.Fatal(err)
	}
	if !b.needResync {
		t.Fatalf("gap undetected (stream length %d)", n)
	}
	if err := b.snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	if !revokedOn(b, first) {
		t.Error("the revocation in the gap is missing after the resync")
	}
}

// TestTokenLocalEffKept: a locally applied, undelivered immediate
// RevokeIssuedBefore is not weakened by a Redis state with a higher
// version that does not include it; a state that does takes over.
func TestTokenLocalEffKept(t *testing.T) {
	r := newTestReplica(t, 100)
	id := newID()
	owner := table.KeyOf("alice")
	now := secs(time.Now())
	created := now - 5000
	c := call{kind: kindToken, id: id, skey: owner, created: created, before: now, eff: now, until: now + 3600, at: now}
	r.mergeTokenCall(&c, nil)
	q := revocation.Query{ID: id, Issued: time.Unix(int64(now-100), 0), Created: time.Now()}
	if r.check(q, time.Now()) != revocation.TokenRevoked {
		t.Fatal("setup")
	}
	// Redis's state before it merged the call (another node's grace-window
	// revocation), read by a snapshot before the outbox is delivered.
	r.applyToken(id, owner, created, tokenState{soft: now - 1000, eff: now + 600, until: now + 3600, ver: 1}, table.Enforce)
	if v := r.check(q, time.Now()); v != revocation.TokenRevoked {
		t.Fatalf("local immediate revocation weakened to %v by Redis's older state", v)
	}
	// Redis's state with the call merged covers it; a later grace window
	// from another node then applies.
	r.applyToken(id, owner, created, tokenState{soft: now, eff: now, until: now + 3600, ver: 2}, table.Enforce)
	r.applyToken(id, owner, created, tokenState{hard: now, soft: now + 50, eff: now + 600, until: now + 3600, ver: 3}, table.Enforce)
	late := revocation.Query{ID: id, Issued: time.Unix(int64(now+10), 0), Created: time.Now()}
	if v := r.check(late, time.Now()); v != revocation.NotRevoked {
		t.Errorf("grace window from Redis's newer state not applied: %v", v)
	}
	if v := r.check(q, time.Now()); v != revocation.TokenRevoked {
		t.Errorf("hard bound lost: %v", v)
	}
}

// TestExpiredEntriesAbsent: an issued-before entry whose until has passed
// (Redis expired its key, and a new key's versions start again) counts as
// absent.
func TestExpiredEntriesAbsent(t *testing.T) {
	r := newTestReplica(t, 100)
	owner := table.KeyOf("alice")
	now := secs(time.Now())
	// put stores st as it is, expired or not (an entry not pruned yet).
	put := func(id revocation.ID, st tokenState) {
		r.t.PutToken(id, owner, now-5000, st.until, st.until, table.Load, func(tokenState, bool) (tokenState, bool) { return st, true }, nil)
	}

	// A new key's state (version 1) after an expired one (version 5).
	id := newID()
	put(id, tokenState{soft: now - 10, eff: now + 1000, until: now - 5, ver: 5})
	r.applyToken(id, owner, now-5000, tokenState{soft: now, eff: now - 1, until: now + 3600, ver: 1}, table.Enforce)
	q := revocation.Query{ID: id, Issued: time.Unix(int64(now-100), 0), Created: time.Now()}
	if v := r.check(q, time.Now()); v != revocation.TokenRevoked {
		t.Errorf("new key's immediate state ignored after an expired entry: %v", v)
	}

	// A local call after an expired hard bound does not inherit it.
	id2 := newID()
	put(id2, tokenState{hard: now, soft: now, eff: now - 100, until: now - 5, ver: 2})
	c := call{kind: kindToken, id: id2, skey: owner, created: now - 5000, before: now - 1000, eff: now + 600, until: now + 3600, at: now}
	r.mergeTokenCall(&c, nil)
	q2 := revocation.Query{ID: id2, Issued: time.Unix(int64(now-500), 0), Created: time.Now()}
	if v := r.check(q2, time.Now()); v != revocation.NotRevoked {
		t.Errorf("expired hard bound applied to a new call: %v", v)
	}
}

// TestTLSServerNameTopologies: the server name is pinned to the address's
// host for a single server only.
func TestTLSServerNameTopologies(t *testing.T) {
	ca, _, _ := writeTestPKI(t, t.TempDir())
	for name, o := range map[string]Options{
		"sentinel": {MasterName: "m", SentinelAddrs: []string{"s1.internal:26379", "s2.internal:26379"}, CAFile: ca, NoOutbox: true},
		"cluster":  {Addrs: []string{"n1.internal:6379", "n2.internal:6379"}, CAFile: ca, NoOutbox: true},
	} {
		r, err := o.resolve()
		if err != nil {
			t.Fatal(err)
		}
		tc, err := r.tlsConfig()
		if err != nil {
			t.Fatal(err)
		}
		if tc == nil || tc.ServerName != "" {
			t.Errorf("%s: TLS config %+v, want no pinned ServerName", name, tc)
		}
		r.ServerName = "redis.internal"
		if tc, _ := r.tlsConfig(); tc == nil || tc.ServerName != "redis.internal" {
			t.Errorf("%s: explicit ServerName not kept", name)
		}
	}
}
