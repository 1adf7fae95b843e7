package redisset

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crumbhq/crumb/internal/testdep"
	"github.com/crumbhq/crumb/revocation"
	"github.com/crumbhq/crumb/revocation/internal/table"
)

// TestCluster runs a three-master Redis Cluster on loopback ports, created
// with redis-cli --cluster create: a revocation on one node is rejected on
// another (each Set seeded with a different node), and a node started
// later loads it from the snapshot on the master of the set's slot.
func TestCluster(t *testing.T) {
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

	opts := func(seed []string) Options {
		o := testOptions(t, "")
		o.Addrs = seed
		return o
	}
	a := newSet(t, opts(addrs))
	b := newSet(t, opts([]string{addrs[2], addrs[0], addrs[1]}))
	if _, ok := a.cmd.(*redis.ClusterClient); !ok {
		t.Fatalf("several addresses gave a %T, want a cluster client", a.cmd)
	}

	id := newID()
	if err := a.RevokeSession(bg, session(id), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeSubject(bg, "dave", time.Now(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !waitFor(5*time.Second, func() bool { return revokedOn(b, id) }) {
		t.Fatal("B never rejected the session revoked on A")
	}

	// Which master holds the set: one, and only one, has its keys.
	holders := 0
	for _, n := range nodes {
		keys, err := n.client().Keys(bg, "crumb:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) > 0 {
			holders++
			t.Logf("the set lives on %s: %d keys", n.addr(), len(keys))
		}
	}
	if holders != 1 {
		t.Errorf("the set's keys are on %d masters, want 1 (one hash slot)", holders)
	}

	c := newSet(t, opts([]string{addrs[1]}))
	if !revokedOn(c, id) {
		t.Error("a node started later did not load the revocation from the snapshot")
	}
	q := revocation.Query{ID: newID(), Subject: "dave", Created: time.Now().Add(-time.Hour), Issued: time.Now()}
	if v, err := c.Check(bg, q, time.Now()); v != revocation.SubjectRevoked || err != nil {
		t.Errorf("subject on C: %v, %v", v, err)
	}

	// The per-subject bound: the script reads, deletes and indexes keys it
	// is not given in KEYS (the subject's entries, by name). They share the
	// set's slot, and the cluster runs the script.
	until := time.Now().Add(time.Hour)
	var erin []revocation.Session
	for i := range 2*revocation.DefaultMaxPerSubject + 5 {
		rs := revocation.Session{ID: newID(), Subject: "erin", Created: time.Now().Add(time.Duration(i-100) * time.Second)}
		if err := a.RevokeSession(bg, rs, until); err != nil {
			t.Fatalf("revocation %d of one subject on the cluster: %v", i, err)
		}
		erin = append(erin, rs)
	}
	if _, ok := a.rep.subjectEntry(table.KeyOf("erin")); !ok || a.Stats().Collapses == 0 {
		t.Errorf("no collapse on the cluster: %+v", a.Stats())
	}
	for _, rs := range erin {
		if !waitFor(5*time.Second, func() bool { return rejects(b, rs) && rejects(c, rs) }) {
			t.Fatal("waiting (5 s) for B and C to reject every session of the collapsed subject")
		}
	}
	if err := b.RevokeSubject(bg, "erin", time.Now(), until); err != nil {
		t.Fatalf("a subject entry dropping the subject's entries on the cluster: %v", err)
	}
	if !waitFor(5*time.Second, func() bool { return a.rep.t.Owned(table.KeyOf("erin")) == 0 }) {
		t.Errorf("A still holds %d of the subject's entries after RevokeSubject", a.rep.t.Owned(table.KeyOf("erin")))
	}
	for _, s := range []*Set{a, b, c} {
		if err := s.Health(bg); err != nil {
			t.Errorf("Health: %v", err)
		}
	}
}

// TestTLSAndACL runs Redis over TLS only, with a certificate from a test
// CA, and connects as an ACL user that may not run CONFIG: New warns that
// it cannot check the eviction policy, revocations work, and neither the
// logs nor the errors show the password. A client that does not trust the
// CA fails to start, saying why, without the password either.
func TestTLSAndACL(t *testing.T) {
	dir := t.TempDir()
	caFile, certFile, keyFile := writeTestPKI(t, dir)
	const password = "s3cret-Pa55"
	pemCA, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pemCA)
	srv := startRedisTLS(t, &tls.Config{RootCAs: roots, ServerName: "localhost"},
		"--tls-cert-file", certFile, "--tls-key-file", keyFile, "--tls-ca-cert-file", caFile,
		"--tls-auth-clients", "no",
		"--user", "crumb", "on", ">"+password, "~*", "&*", "+@all", "-@dangerous")
	port := srv.port

	var logs captureLogger
	spec := "rediss://crumb:" + password + "@127.0.0.1:" + itoa(port) + "/0?ca=" + caFile +
		"&outbox=" + filepath.Join(dir, "outbox")
	o, err := ParseSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	o.Logger = logs.logger()
	s := newSet(t, o)
	if err := s.RevokeSession(bg, session(newID()), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Health(bg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "cannot check") {
		t.Errorf("no warning about CONFIG GET being refused: %q", logs.String())
	}

	// The system roots do not know the test CA.
	bad := "rediss://crumb:" + password + "@127.0.0.1:" + itoa(port) + "/0?outbox=none&dial_timeout=500ms"
	o2, err := ParseSpec(bad)
	if err != nil {
		t.Fatal(err)
	}
	o2.Logger = logs.logger()
	_, err = New(bg, o2)
	var uerr x509.UnknownAuthorityError
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &uerr) {
		t.Errorf("New without the CA: %v, want ErrUnavailable with an unknown-authority error", err)
	}
	// A wrong password.
	o3, _ := ParseSpec(strings.Replace(spec, password, "wrong-"+password, 1))
	o3.OutboxPath, o3.NoOutbox = "", true
	o3.Logger = logs.logger()
	_, err3 := New(bg, o3)
	if !errors.Is(err3, ErrUnavailable) {
		t.Errorf("New with a wrong password: %v, want ErrUnavailable", err3)
	}
	for _, e := range []error{err, err3} {
		if e != nil && strings.Contains(e.Error(), password) {
			t.Errorf("an error shows the password: %v", e)
		}
	}
	if strings.Contains(logs.String(), password) {
		t.Errorf("the logs show the password: %s", logs.String())
	}
	if strings.Contains(o.String(), password) || strings.Contains(o.GoString(), password) {
		t.Errorf("Options.String shows the password: %s", o)
	}
	t.Logf("without the CA: %v\nwrong password: %v", err, err3)
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

// writeTestPKI writes a test CA and a server certificate for 127.0.0.1
// and localhost signed by it, and returns their paths.
func writeTestPKI(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "crumb test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("server.pem", "CERTIFICATE", der), write("server.key", "EC PRIVATE KEY", keyDER)
}

// TestSentinelFailover runs a master, two replicas and a sentinel on
// loopback ports: Sets configured with the master name and the sentinel
// share revocations, and keep doing so after the sentinel fails the master
// over to a replica. A revocation the old master acknowledged just before
// its demotion, and which never reached the new master (replication is
// asynchronous), is not lost: the node that made it sends it again (see
// journal). This test found that loss.
func TestSentinelFailover(t *testing.T) {
	master := startRedis(t)
	// Two replicas: during a failover Sentinel points the other replica at
	// the new master at once, while the old master rejoins only at its
	// next INFO round (10 s), so WaitReplicas 1 is met quickly.
	replica := startRedis(t, "--replicaof", "127.0.0.1", itoa(master.port))
	replica2 := startRedis(t, "--replicaof", "127.0.0.1", itoa(master.port))
	synced := waitSynced(t, master, replica, replica2)
	sentinel := startSentinel(t, "crumbmaster", master.addr())
	sc := redis.NewSentinelClient(&redis.Options{Addr: sentinel.addr()})
	defer sc.Close()
	events := watchSentinel(t, sc)
	waitSentinelReady(t, sc, events, "crumbmaster", master, synced, replica, replica2)

	opts := func() Options {
		o := testOptions(t, "")
		o.Addrs, o.MasterName, o.SentinelAddrs = nil, "crumbmaster", []string{sentinel.addr()}

		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = 500*time.Millisecond, 500*time.Millisecond, 500*time.Millisecond
		return o
	}
	a, b := newSet(t, opts()), newSet(t, opts())
	before := newID()
	if err := a.RevokeSession(bg, session(before), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !waitFor(5*time.Second, func() bool { return revokedOn(b, before) }) {
		t.Fatal("B never saw A's revocation through Sentinel (5 s)")
	}

	// Whether before has reached the replicas yet is left to chance: the
	// case where it has not is the one the journal is for.
	promoted := sentinelFailover(t, sc, events, "crumbmaster", master, synced, replica, replica2)
	rc := promoted.client()
	t0 := time.Now()
	t.Log("failed over to", promoted.addr())
	after := newID()
	if err := a.RevokeSession(bg, session(after), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	onNewMaster := func(id revocation.ID) bool {
		n, err := rc.Exists(bg, a.keys.entry(kindSession, hexID(id))).Result()
		return err == nil && n == 1
	}
	if !waitFor(40*time.Second, func() bool {
		return revokedOn(b, after) && onNewMaster(before) && onNewMaster(after) && a.Status().Pending == 0
	}) {
		t.Fatalf("waiting (40 s) after the failover for B to reject the new revocation, the new master to hold both and A's outbox to be empty: B sees it %v, the new master has them %v %v; A %+v, B %+v",
			revokedOn(b, after), onNewMaster(before), onNewMaster(after), a.Status(), b.Status())
	}
	t.Logf("both revocations on the new master and seen by B %v after the failover (A resent %d)",
		time.Since(t0).Round(time.Millisecond), a.Status().Resent)
	// A node started now, from the new master alone, rejects both.
	c := newSet(t, opts())
	for _, id := range []revocation.ID{before, after} {
		if !revokedOn(c, id) {
			t.Errorf("a node started after the failover does not reject %x", id[:4])
		}
	}
}

// sentinelEvents collects what a sentinel publishes (+sdown, +switch-master,
// -failover-abort-no-good-slave, …): failovers are judged by them, and a
// failure shows them.
type sentinelEvents struct {
	mu  sync.Mutex
	all []string // "channel: payload"
}

// watchSentinel subscribes to every event of the sentinel sc is connected
// to, and returns once the subscription is in place.
func watchSentinel(t *testing.T, sc *redis.SentinelClient) *sentinelEvents {
	t.Helper()
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	ps := sc.PSubscribe(ctx, "*")
	if _, err := ps.Receive(ctx); err != nil {
		ps.Close()
		t.Fatalf("subscribing to the sentinel's events (10 s): %v", err)
	}
	ev := &sentinelEvents{}
	ch := ps.Channel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m := range ch {
			ev.mu.Lock()
			ev.all = append(ev.all, m.Channel+": "+m.Payload)
			ev.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ps.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("waiting (10 s) for the sentinel's event channel to close after PubSub.Close")
		}
	})
	return ev
}

// aborts returns the failover aborts (-failover-abort-*) published.
func (ev *sentinelEvents) aborts() []string {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	var out []string
	for _, e := range ev.all {
		if strings.HasPrefix(e, "-failover-abort-") {
			out = append(out, e)
		}
	}
	return out
}

func (ev *sentinelEvents) String() string {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	return strings.Join(ev.all, "\n")
}

// sentinelReady reports whether the sentinel would promote any of the
// replicas of the master name at master now, and when not, why. The
// conditions are those of sentinelSelectSlave in Redis's sentinel.c, read
// from SENTINEL MASTER and SENTINEL REPLICAS, with a margin on each time:
// the master is known at master, not down and not failing over; every one
// of replicas is known, not down (s_down, o_down) nor disconnected, has
// answered a PING within the last 3 s (Sentinel's limit: 5 s) and has a
// non-zero priority; and the sentinel has an INFO from it of the last 20 s
// (limit: 30 s; no INFO at all, right after discovery, is what makes
// SENTINEL FAILOVER answer NOGOODSLAVE) that shows its link to master up
// and its replication offset at least minOffset.
func sentinelReady(ctx context.Context, sc *redis.SentinelClient, name string, master *redisServer, minOffset int64, replicas ...*redisServer) (bool, string) {
	m, err := sc.Master(ctx, name).Result()
	if err != nil {
		return false, "SENTINEL MASTER: " + err.Error()
	}
	if addr := m["ip"] + ":" + m["port"]; addr != master.addr() {
		return false, fmt.Sprintf("the sentinel has the master at %s, not %s", addr, master.addr())
	}
	if f := m["flags"]; hasFlag(f, "s_down", "o_down", "disconnected", "failover_in_progress") {
		return false, "master flags " + f
	}
	rs, err := sc.Replicas(ctx, name).Result()
	if err != nil {
		return false, "SENTINEL REPLICAS: " + err.Error()
	}
	byAddr := map[string]map[string]string{}
	for _, r := range rs {
		byAddr[r["ip"]+":"+r["port"]] = r
	}
	for _, want := range replicas {
		r, ok := byAddr[want.addr()]
		if !ok {
			return false, fmt.Sprintf("the sentinel knows %d replicas, not %s", len(rs), want.addr())
		}
		why := func(s string) (bool, string) { return false, fmt.Sprintf("replica %s: %s (%v)", want.addr(), s, r) }
		num := func(k string) int64 {
			n, err := strconv.ParseInt(r[k], 10, 64)
			if err != nil {
				return -1
			}
			return n
		}
		switch {
		case hasFlag(r["flags"], "s_down", "o_down", "disconnected"):
			return why("flags " + r["flags"])
		case r["runid"] == "":
			return why("no INFO yet")
		case r["master-link-status"] != "ok":
			return why("master-link-status " + r["master-link-status"])
		case r["master-host"]+":"+r["master-port"] != master.addr():
			return why("replicating " + r["master-host"] + ":" + r["master-port"])
		case num("info-refresh") < 0 || num("info-refresh") > 20_000:
			return why("info-refresh " + r["info-refresh"])
		case num("last-ok-ping-reply") < 0 || num("last-ok-ping-reply") > 3_000:
			return why("last-ok-ping-reply " + r["last-ok-ping-reply"])
		case num("slave-priority") <= 0:
			return why("slave-priority " + r["slave-priority"])
		case num("slave-repl-offset") < minOffset:
			return why(fmt.Sprintf("slave-repl-offset %s, below %d", r["slave-repl-offset"], minOffset))
		}
	}
	return true, ""
}

func hasFlag(flags string, any ...string) bool {
	for f := range strings.SplitSeq(flags, ",") {
		if slices.Contains(any, f) {
			return true
		}
	}
	return false
}

// waitSentinelReady waits (at most 30 s: Sentinel sends INFO to a replica
// every 10 s) until sentinelReady holds.
func waitSentinelReady(t *testing.T, sc *redis.SentinelClient, events *sentinelEvents, name string, master *redisServer, minOffset int64, replicas ...*redisServer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(bg, 40*time.Second)
	defer cancel()
	var why string
	if !waitFor(30*time.Second, func() bool {
		var ok bool
		ok, why = sentinelReady(ctx, sc, name, master, minOffset, replicas...)
		return ok
	}) {
		t.Fatalf("waiting (30 s) for the sentinel to be able to promote a replica of %s: %s\nsentinel events:\n%s", master.addr(), why, events)
	}
}

// sentinelFailover has the sentinel fail the master name at master over to
// one of replicas (SENTINEL FAILOVER), and returns the one it promoted once
// the sentinel names it as the master. It asks only when sentinelReady
// holds, and asks again, within 60 s and 10 tries, only when the sentinel
// found no replica to promote after all (the answer NOGOODSLAVE, or the
// event -failover-abort-no-good-slave): its view of the replicas can change
// between the check and the request. Any other refusal or abort fails the
// test, with the sentinel's events.
func sentinelFailover(t *testing.T, sc *redis.SentinelClient, events *sentinelEvents, name string, master *redisServer, minOffset int64, replicas ...*redisServer) *redisServer {
	t.Helper()
	const total, tries = 60 * time.Second, 10
	ctx, cancel := context.WithTimeout(bg, total+10*time.Second)
	defer cancel()
	deadline := time.Now().Add(total)
	var why string
	for try := 1; try <= tries && time.Now().Before(deadline); try++ {
		if !waitFor(time.Until(deadline), func() bool {
			var ok bool
			ok, why = sentinelReady(ctx, sc, name, master, minOffset, replicas...)
			return ok
		}) {
			break
		}
		abortsBefore := len(events.aborts())
		err := sc.Failover(ctx, name).Err()
		if err != nil && strings.HasPrefix(err.Error(), "NOGOODSLAVE") {
			t.Logf("SENTINEL FAILOVER, try %d: %v; asking again", try, err)
			time.Sleep(100 * time.Millisecond) // a sentinel timer tick
			continue
		}
		if err != nil {
			t.Fatalf("SENTINEL FAILOVER, try %d: %v\nsentinel events:\n%s", try, err, events)
		}
		// The failover runs; it ends with the sentinel naming the promoted
		// replica (+switch-master), or with an abort event.
		var now string
		if !waitFor(time.Until(deadline), func() bool {
			addr, err := sc.GetMasterAddrByName(ctx, name).Result()
			if err != nil || len(addr) != 2 {
				now = fmt.Sprintf("%v (%v)", addr, err)
				return false
			}
			now = addr[0] + ":" + addr[1]
			return now != master.addr() || len(events.aborts()) > abortsBefore
		}) {
			t.Fatalf("waiting (%v in all) for the sentinel to name a replica of %s as the master after SENTINEL FAILOVER: it names %s\nsentinel events:\n%s",
				total, master.addr(), now, events)
		}
		if now != master.addr() {
			for _, r := range replicas {
				if now == r.addr() {
					return r
				}
			}
			t.Fatalf("the sentinel promoted %s, which is none of the replicas %v\nsentinel events:\n%s", now, ports(replicas), events)
		}
		aborts := events.aborts()[abortsBefore:]
		for _, a := range aborts {
			if !strings.HasPrefix(a, "-failover-abort-no-good-slave: ") {
				t.Fatalf("the failover aborted: %v\nsentinel events:\n%s", aborts, events)
			}
		}
		t.Logf("the failover, try %d, found no replica to promote (%v); asking again", try, aborts)
	}
	t.Fatalf("no failover of %s within %v and %d tries; last reason the sentinel could not promote: %s\nsentinel events:\n%s",
		master.addr(), total, tries, why, events)
	return nil
}
