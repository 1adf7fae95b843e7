package redisset

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseSpec(t *testing.T) {
	for _, c := range []struct {
		spec string
		want Options
	}{
		{"redis://127.0.0.1", Options{Addrs: []string{"127.0.0.1:6379"}}},
		{"redis://host:6380/2?outbox=/var/lib/app/outbox", Options{Addrs: []string{"host:6380"}, DB: 2, OutboxPath: "/var/lib/app/outbox"}},
		{"REDIS://user:p%40ss@host/0?outbox=none", Options{Addrs: []string{"host:6379"}, Username: "user", Password: "p@ss", NoOutbox: true}},
		{"redis://:pw@[::1]:7000", Options{Addrs: []string{"[::1]:7000"}, Password: "pw"}},
		{"redis://a:7000?addr=b:7001&addr=c:7002&prefix=app1:", Options{Addrs: []string{"a:7000", "b:7001", "c:7002"}, KeyPrefix: "app1:"}},
		{"redis://cfg.example:6379?cluster=true", Options{Addrs: []string{"cfg.example:6379"}, Cluster: true}},
		{"redis://u:pw@s1:26379?master=mymaster&addr=s2:26379&sentinel_user=su&sentinel_password=sp",
			Options{SentinelAddrs: []string{"s1:26379", "s2:26379"}, MasterName: "mymaster", Username: "u", Password: "pw", SentinelUsername: "su", SentinelPassword: "sp"}},
		{"redis://h?policy=closed&max_staleness=5s&dial_timeout=1s&read_timeout=2s&write_timeout=3s&allow_eviction=1&max_entries=10&max_per_subject=8&prune_interval=-1s&stream_maxlen=500",
			Options{Addrs: []string{"h:6379"}, Policy: FailClosed, MaxStaleness: 5 * time.Second, MaxPerSubject: 8, DialTimeout: time.Second, ReadTimeout: 2 * time.Second,
				WriteTimeout: 3 * time.Second, AllowEviction: true, MaxEntries: 10, PruneInterval: -time.Second, StreamMaxLen: 500}},
		{"rediss://h?ca=/etc/ca.pem&server_name=redis.internal", Options{Addrs: []string{"h:6379"}, CAFile: "/etc/ca.pem", ServerName: "redis.internal"}},
	} {
		got, err := ParseSpec(c.spec)
		if err != nil {
			t.Errorf("ParseSpec(%q): %v", c.spec, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseSpec(%q) =\n  %v\nwant\n  %v", c.spec, got, c.want)
		}
	}
	// rediss alone: TLS with the system roots.
	o, err := ParseSpec("rediss://h")
	if err != nil || o.TLS == nil {
		t.Errorf("ParseSpec(rediss://h): TLS %v, %v", o.TLS, err)
	}
}

func TestParseSpecErrors(t *testing.T) {
	for _, spec := range []string{
		"",
		"http://hunter2@host",
		"redis://",
		"redis:hunter2",
		"redis://user:hunter2@host/x",
		"redis://user:hunter2@host/-1",
		"redis://user:hunter2@host:99999",
		"redis://user:hunter2@host?bogus=1",
		"redis://user:hunter2@host?policy=hunter2",
		"redis://user:hunter2@host?max_staleness=hunter2",
		"redis://user:hunter2@host?max_staleness=-1s",
		"redis://user:hunter2@host?cluster=hunter2",
		"redis://user:hunter2@host?ca=/x",
		"redis://user:hunter2@host?addr=",
		"redis://user:hunter2@host#frag",
		"redis://user:hunter2@host?%zz",
		"redis://user:hunter2@ho st",
		"redis://user:hunter2@host/0?sentinel_password=hunter2&max_entries=hunter2",
	} {
		_, err := ParseSpec(spec)
		if !errors.Is(err, ErrBadOptions) {
			t.Errorf("ParseSpec(%q): %v, want ErrBadOptions", spec, err)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ParseSpec(%q) shows a secret: %v", spec, err)
		}
	}
}

func TestResolve(t *testing.T) {
	base := Options{OutboxPath: "/tmp/x"}
	o, err := base.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if o.Addrs[0] != "127.0.0.1:6379" || o.KeyPrefix != "crumb:" || o.MaxStaleness != 30*time.Second ||
		o.DialTimeout != 5*time.Second || o.ReadTimeout != 3*time.Second || o.StreamMaxLen != 100_000 || o.Logger == nil {
		t.Errorf("defaults: %v", o)
	}
	// URL fills what the fields leave zero; fields win.
	o, err = Options{URL: "redis://u:pw@h:1/3?prefix=p:&outbox=/o", Password: "explicit"}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if o.Password != "explicit" || o.Username != "u" || o.DB != 3 || o.KeyPrefix != "p:" || o.OutboxPath != "/o" ||
		!reflect.DeepEqual(o.Addrs, []string{"h:1"}) || o.isCluster() {
		t.Errorf("URL merge: %v", o)
	}
	// Addrs add to the URL's host: a cluster.
	o, err = Options{URL: "redis://h:1?outbox=none", Addrs: []string{"h2:2"}}.resolve()
	if err != nil || !reflect.DeepEqual(o.Addrs, []string{"h:1", "h2:2"}) || !o.isCluster() {
		t.Errorf("URL and Addrs: %v, %v", o, err)
	}
	// Addrs with a master name are the sentinels.
	o, err = Options{Addrs: []string{"s:26379"}, MasterName: "m", NoOutbox: true}.resolve()
	if err != nil || !reflect.DeepEqual(o.SentinelAddrs, []string{"s:26379"}) || o.Addrs != nil {
		t.Errorf("sentinel addrs: %v, %v", o, err)
	}

	for name, bad := range map[string]Options{
		"no outbox":         {},
		"both outbox modes": {OutboxPath: "/x", NoOutbox: true},
		"negative DB":       {NoOutbox: true, DB: -1},
		"cluster DB":        {NoOutbox: true, DB: 1, Addrs: []string{"a:1", "b:1"}},
		"brace prefix":      {NoOutbox: true, KeyPrefix: "a{b}:"},
		"glob prefix":       {NoOutbox: true, KeyPrefix: "a*"},
		"space prefix":      {NoOutbox: true, KeyPrefix: "a b"},
		"sentinel only":     {NoOutbox: true, SentinelAddrs: []string{"s:1"}},
		"master, no addrs":  {NoOutbox: true, MasterName: "m", Addrs: nil},
		"master + cluster":  {NoOutbox: true, MasterName: "m", SentinelAddrs: []string{"s:1"}, Cluster: true},
		"negative timeout":  {NoOutbox: true, ReadTimeout: -1},
		"policy":            {NoOutbox: true, Policy: 7},
		"max entries":       {NoOutbox: true, MaxEntries: -1},
		"max per subject":   {NoOutbox: true, MaxPerSubject: -1},
		"stream":            {NoOutbox: true, StreamMaxLen: -1},
		"bad URL":           {URL: "redis://u:hunter2@h?x=1"},
	} {
		_, err := bad.resolve()
		if !errors.Is(err, ErrBadOptions) {
			t.Errorf("%s: %v, want ErrBadOptions", name, err)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s shows a secret: %v", name, err)
		}
	}
	// "master, no addrs" above: MasterName with no address at all.
}

func TestOptionsStringRedacts(t *testing.T) {
	o := Options{
		URL:              "redis://user:hunter2@h/0?sentinel_password=hunter2&outbox=/x",
		Password:         "hunter2",
		SentinelPassword: "hunter2",
		Username:         "user",
	}
	for _, s := range []string{o.String(), fmt.Sprint(o), fmt.Sprintf("%v %+v %#v %s", o, o, o, o), fmt.Sprintf("%v", &o)} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("formatted Options show the password: %s", s)
		}
		if !strings.Contains(s, "user") {
			t.Errorf("formatted Options lost the user name: %s", s)
		}
	}
}

func TestTLSConfig(t *testing.T) {
	dir := t.TempDir()
	ca, _, _ := writeTestPKI(t, dir)
	o, err := Options{Addrs: []string{"redis.internal:6380"}, CAFile: ca, NoOutbox: true}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	tc, err := o.tlsConfig()
	if err != nil {
		t.Fatal(err)
	}
	if tc == nil || tc.RootCAs == nil || tc.ServerName != "redis.internal" || tc.InsecureSkipVerify {
		t.Errorf("TLS config %+v", tc)
	}
	o.CAFile = dir + "/missing.pem"
	if _, err := o.tlsConfig(); !errors.Is(err, ErrBadOptions) {
		t.Errorf("missing CA file: %v", err)
	}
	o.CAFile = dir + "/server.key" // PEM, but no certificate
	if _, err := o.tlsConfig(); !errors.Is(err, ErrBadOptions) {
		t.Errorf("CA file without a certificate: %v", err)
	}
	plain, _ := Options{NoOutbox: true}.resolve()
	if tc, _ := plain.tlsConfig(); tc != nil {
		t.Error("TLS on without being asked")
	}
}

func TestPolicyString(t *testing.T) {
	if ServeStale.String() != "serve-stale" || FailClosed.String() != "fail-closed" || Policy(9).String() != "Policy(9)" {
		t.Error(ServeStale, FailClosed, Policy(9))
	}
}

// TestPolicyDefault: the zero Policy is ServeStale, FailOpen its former
// name, and the spec accepts stale, closed and open (= stale).
func TestPolicyDefault(t *testing.T) {
	var o Options
	if o.Policy != ServeStale || FailOpen != ServeStale || FailClosed == ServeStale {
		t.Errorf("zero Policy %v, FailOpen %v, FailClosed %v", o.Policy, FailOpen, FailClosed)
	}
	for spec, want := range map[string]Policy{
		"redis://h":                    ServeStale,
		"redis://h?policy=stale":       ServeStale,
		"redis://h?policy=serve-stale": ServeStale,
		"redis://h?policy=open":        ServeStale,
		"redis://h?policy=fail-open":   ServeStale,
		"redis://h?policy=closed":      FailClosed,
		"redis://h?policy=fail-closed": FailClosed,
	} {
		o, err := ParseSpec(spec)
		if err != nil || o.Policy != want {
			t.Errorf("ParseSpec(%q): policy %v, %v; want %v", spec, o.Policy, err, want)
		}
	}
	// The URL's policy applies when the field is left at its default.
	r, err := Options{URL: "redis://h?policy=closed&outbox=none"}.resolve()
	if err != nil || r.Policy != FailClosed {
		t.Errorf("policy=closed in the URL: %v, %v", r.Policy, err)
	}
	if _, err := ParseSpec("redis://h?policy=strict"); !errors.Is(err, ErrBadOptions) {
		t.Errorf("policy=strict: %v, want ErrBadOptions", err)
	}
}
