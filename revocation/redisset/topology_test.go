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
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crumbhq/crumb/internal/testdep"
	"github.com/crumbhq/crumb/revocation"
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
		if !waitFor(20*time.Second, func() bool {
			info, err := c.ClusterInfo(bg).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok")
		}) {
			t.Fatalf("cluster never reached state ok on %s", n.addr())
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
	if err := a.RevokeSession(bg, id, time.Now().Add(time.Hour)); err != nil {
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
	if err := s.RevokeSession(bg, newID(), time.Now().Add(time.Hour)); err != nil {
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
	rc := replica.client()
	for _, r := range []*redisServer{replica, replica2} {
		c := r.client()
		if !waitFor(10*time.Second, func() bool {
			info, err := c.Info(bg, "replication").Result()
			return err == nil && strings.Contains(info, "master_link_status:up")
		}) {
			t.Fatal("a replica never synced")
		}
	}
	sentinel := startSentinel(t, "crumbmaster", master.addr())
	sc := redis.NewSentinelClient(&redis.Options{Addr: sentinel.addr()})
	defer sc.Close()
	if !waitFor(10*time.Second, func() bool {
		r, err := sc.Replicas(bg, "crumbmaster").Result()
		return err == nil && len(r) == 2
	}) {
		t.Fatal("the sentinel never found the replica")
	}

	opts := func() Options {
		o := testOptions(t, "")
		o.Addrs, o.MasterName, o.SentinelAddrs = nil, "crumbmaster", []string{sentinel.addr()}

		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = 500*time.Millisecond, 500*time.Millisecond, 500*time.Millisecond
		return o
	}
	a, b := newSet(t, opts()), newSet(t, opts())
	before := newID()
	if err := a.RevokeSession(bg, before, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !waitFor(5*time.Second, func() bool { return revokedOn(b, before) }) {
		t.Fatal("B never saw A's revocation through Sentinel")
	}

	if err := sc.Failover(bg, "crumbmaster").Err(); err != nil {
		t.Fatalf("SENTINEL FAILOVER: %v", err)
	}
	var promoted *redisServer
	if !waitFor(30*time.Second, func() bool {
		addr, err := sc.GetMasterAddrByName(bg, "crumbmaster").Result()
		if err != nil || len(addr) != 2 || addr[1] == itoa(master.port) {
			return false
		}
		promoted = replica
		if addr[1] == itoa(replica2.port) {
			promoted = replica2
		}
		return true
	}) {
		t.Fatal("the sentinel never promoted a replica")
	}
	rc = promoted.client()
	t0 := time.Now()
	t.Log("failed over to", promoted.addr())
	after := newID()
	if err := a.RevokeSession(bg, after, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	onNewMaster := func(id revocation.ID) bool {
		n, err := rc.Exists(bg, a.keys.entry(kindSession, hexID(id))).Result()
		return err == nil && n == 1
	}
	if !waitFor(40*time.Second, func() bool {
		return revokedOn(b, after) && onNewMaster(before) && onNewMaster(after) && a.Status().Pending == 0
	}) {
		t.Fatalf("after the failover: B sees it %v, the new master has them %v %v; A %+v, B %+v",
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
