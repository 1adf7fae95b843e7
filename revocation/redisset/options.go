package redisset

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/crumbhq/crumb/registry"
	"github.com/crumbhq/crumb/revocation"
)

// Defaults of Options.
const (
	// DefaultKeyPrefix starts every key the Set writes.
	DefaultKeyPrefix = "crumb:"
	// DefaultMaxStaleness is how long the replica may go unconfirmed
	// before Options.Policy applies.
	DefaultMaxStaleness = 30 * time.Second
	// DefaultDialTimeout, DefaultReadTimeout and DefaultWriteTimeout are
	// the network timeouts.
	DefaultDialTimeout  = 5 * time.Second
	DefaultReadTimeout  = 3 * time.Second
	DefaultWriteTimeout = 3 * time.Second
	// DefaultStreamMaxLen is the approximate length the revocation stream
	// is trimmed to. A node that falls further behind than this resyncs
	// from a snapshot.
	DefaultStreamMaxLen = 100_000
	// DefaultWaitTimeout is how long a revocation waits for
	// Options.WaitReplicas replicas to acknowledge it.
	DefaultWaitTimeout = time.Second
	// DefaultStartTimeout bounds New (connecting, the eviction-policy
	// check, the first snapshot) when its context has no deadline.
	DefaultStartTimeout = time.Minute
)

// maxBlock is the longest the tailer blocks in XREAD: short enough that a
// quiet stream still confirms the replica current often, and that the
// staleness bound stays responsive.
const maxBlock = 2 * time.Second

// Policy is what Check does once the replica is stale (see
// Options.MaxStaleness). Under either policy a token the replica knows as
// revoked is reported revoked: an entry, once applied, is never withdrawn
// before its until, and a revocation made on this node is in force here at
// once.
type Policy uint8

const (
	// ServeStale (the default): Check answers from the replica, which
	// holds every revocation it received before the outage and every one
	// this node made since; Health reports the staleness as degraded (an
	// error wrapping both ErrStale and revocation.ErrDegraded). What a
	// stale node misses is only the revocations other nodes made since it
	// last heard from Redis: each is in force on the node that made it,
	// and on this node as soon as both reach Redis again. An outage of the
	// shared store thus logs nobody out.
	ServeStale Policy = iota
	// FailClosed: Check returns ErrStale for a token the replica does not
	// know as revoked, and Health reports the staleness as an outage
	// (ErrStale, not degraded). The cookie store turns that into
	// cookie.ErrUnavailable, and the middleware, by default, into "no
	// session": an outage of Redis longer than MaxStaleness logs out
	// every user of every instance until it ends. Choose it only when
	// honouring a logout made on another node during an outage matters
	// more than serving anyone.
	FailClosed
)

// FailOpen is the former name of ServeStale.
//
// Deprecated: use ServeStale, now the default.
const FailOpen = ServeStale

// String returns "serve-stale", "fail-closed" or "Policy(n)".
func (p Policy) String() string {
	switch p {
	case ServeStale:
		return "serve-stale"
	case FailClosed:
		return "fail-closed"
	}
	return "Policy(" + strconv.Itoa(int(p)) + ")"
}

// Options configures New. The connection settings cover the usual ways to
// reach Redis: a URL or explicit addresses, Sentinel, Cluster,
// TLS, ACL user and password, database, key prefix and timeouts.
//
// Topology: with MasterName set the Set uses Sentinel (SentinelAddrs are
// the sentinels); otherwise several addresses (URL's host plus Addrs), or
// Cluster set, mean Redis Cluster; otherwise one standalone server.
//
// String and GoString redact the passwords, so printing Options with any
// fmt verb is safe.
type Options struct {
	// URL is a redis:// or rediss:// (TLS) URL, with the query parameters
	// ParseSpec documents. The fields it sets fill those left zero here;
	// a field set explicitly wins (and Addrs add to the URL's host).
	URL string

	// Addrs are host:port addresses of Redis: one standalone server, or
	// seed nodes of a Cluster when there are several (or Cluster is set).
	// Default 127.0.0.1:6379 when neither Addrs nor URL gives one.
	Addrs []string
	// Cluster forces Redis Cluster mode with a single seed address (a
	// managed cluster's configuration endpoint).
	Cluster bool

	// MasterName selects Sentinel: the name of the master the sentinels at
	// SentinelAddrs monitor. SentinelUsername and SentinelPassword
	// authenticate to the sentinels (Username and Password to the master).
	MasterName       string
	SentinelAddrs    []string
	SentinelUsername string
	SentinelPassword string

	// WaitReplicas, when positive, makes every revocation wait (WAIT) until
	// that many replicas of the server holding the set have it, for at most
	// WaitTimeout (default 1 s, shorter than ReadTimeout); with fewer, it
	// counts as not stored: it goes to the outbox and is delivered again.
	// Redis replicates asynchronously, so a failover (Sentinel, or Cluster
	// with replicas) can drop a revocation the old master acknowledged;
	// the node that made it sends it again when it notices (see the package
	// doc), and WaitReplicas narrows that window. Default 0: no waiting (a
	// standalone server has no replicas).
	WaitReplicas int
	WaitTimeout  time.Duration

	// Username is the ACL user (Redis 6 or newer); empty means the default
	// user. Password is its password (or the legacy AUTH password).
	Username string
	Password string
	// DB is the database index (standalone and Sentinel; Cluster has only
	// database 0).
	DB int

	// TLS, when not nil, is the TLS configuration (it is cloned). Otherwise
	// TLS is on when CAFile or ServerName is set (or the URL is rediss://):
	// the server's certificate is verified against CAFile (PEM; the system
	// roots when empty) and ServerName (when empty: the address's host for
	// a single server; for Sentinel and Cluster, the host each connection
	// dials). Certificate verification cannot be turned off here; use TLS
	// for anything unusual.
	TLS        *tls.Config
	CAFile     string
	ServerName string

	// KeyPrefix starts every key (default DefaultKeyPrefix, "crumb:"). The
	// Set's keys are KeyPrefix + "{rev}:" + kind + ":" + hex, and the stream
	// is KeyPrefix + "{rev}:stream"; the hash tag {rev} puts them all in one
	// Cluster slot. The prefix must be printable ASCII without spaces,
	// braces or glob characters (*?[]\).
	KeyPrefix string

	// DialTimeout, ReadTimeout and WriteTimeout are the network timeouts;
	// defaults 5 s, 3 s and 3 s.
	DialTimeout  time.Duration
	ReadTimeout  time.Duration
	WriteTimeout time.Duration

	// MaxStaleness bounds how long the replica may go without being
	// confirmed current (by a stream read or a snapshot) before Policy
	// applies and Health reports it. Default DefaultMaxStaleness (30 s).
	MaxStaleness time.Duration
	// Policy is what Check does past MaxStaleness: ServeStale (the zero
	// value, the default) or FailClosed. With a URL, its policy parameter
	// applies when Policy is left at ServeStale.
	Policy Policy

	// OutboxPath is the durable file where revocations made while Redis is
	// unreachable wait to be delivered (created 0600, locked while the Set
	// is open). It is required unless NoOutbox is set.
	OutboxPath string
	// NoOutbox runs without an outbox: a revocation that cannot reach
	// Redis is applied to this node's replica but fails with
	// ErrUnavailable, since nothing durable holds it. One-shot tools use
	// it; servers should keep an outbox.
	NoOutbox bool

	// AllowEviction lets New start on a Redis whose maxmemory-policy is
	// not noeviction, with a warning, instead of failing with
	// ErrEvictionPolicy.
	AllowEviction bool

	// MaxEntries is the capacity of the local replica, over all kinds of
	// entry (default revocation.DefaultMaxEntries, one million). Past it the
	// replica collapses the subjects holding the most entries, on this node
	// only (see the package doc); it never refuses an entry.
	MaxEntries int
	// MaxPerSubject bounds the session and issued-before entries of one
	// subject, in Redis and in every replica (default
	// revocation.DefaultMaxPerSubject, 32): the entry that would exceed it
	// first collapses the subject's entries into one subject entry, as
	// revocation.LocalOptions.MaxPerSubject describes. Give every node the
	// same value.
	MaxPerSubject int
	// PruneInterval is the period at which expired entries leave the
	// replica (Redis expires its keys by itself). Default
	// revocation.DefaultPruneInterval (1 minute); negative disables it.
	PruneInterval time.Duration
	// StreamMaxLen is the approximate length the stream is trimmed to
	// (default DefaultStreamMaxLen, 100,000 records).
	StreamMaxLen int64

	// RegistryMaxPerSubject is the most live sessions one subject keeps in
	// the session registry (NewRegistry; the Set ignores it). Default
	// registry.DefaultMaxPerSubject (16). Give every node the same value.
	RegistryMaxPerSubject int

	// Logger receives warnings (eviction policy, outages, resyncs, outbox
	// delivery). nil means slog.Default(). Logs name addresses, never
	// passwords, session IDs or subjects.
	Logger *slog.Logger
}

// String describes o with its passwords redacted.
func (o Options) String() string {
	r := o
	if r.URL != "" {
		r.URL = redactURL(r.URL)
	}
	if r.Password != "" {
		r.Password = "xxxxx"
	}
	if r.SentinelPassword != "" {
		r.SentinelPassword = "xxxxx"
	}
	type plain Options // no methods: no recursion
	return fmt.Sprintf("%+v", plain(r))
}

// GoString is String, so that %#v redacts too.
func (o Options) GoString() string { return o.String() }

// redactURL returns raw with its password and any *password query value
// replaced by "xxxxx", or a placeholder when raw does not parse.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if q, err := url.ParseQuery(u.RawQuery); err == nil && len(q) > 0 {
		for k := range q {
			if strings.Contains(strings.ToLower(k), "password") {
				q.Set(k, "xxxxx")
			}
		}
		u.RawQuery = q.Encode()
	} else if err != nil {
		u.RawQuery = "(unparsable)"
	}
	return u.Redacted()
}

// ParseSpec parses a revocation-set specification, a redis:// or rediss://
// URL, into Options:
//
//	redis[s]://[USER[:PASSWORD]@]HOST[:PORT][/DB][?PARAM=VALUE&…]
//
// rediss means TLS (with the system roots unless ca is given). PORT
// defaults to 6379 and DB to 0. User name and password are
// percent-decoded. The parameters, all optional:
//
//	addr=HOST:PORT        another address (repeatable): several mean Cluster,
//	                      or more sentinels with master
//	cluster=true          Cluster mode with a single address
//	master=NAME           Sentinel: HOST and every addr are sentinels
//	sentinel_user=U       ACL user for the sentinels
//	sentinel_password=P   password for the sentinels
//	prefix=P              Options.KeyPrefix (default crumb:)
//	outbox=PATH           Options.OutboxPath; outbox=none sets NoOutbox
//	policy=stale|closed   Options.Policy: ServeStale (the default) or
//	                      FailClosed; open, the former name, means stale
//	max_staleness=D       Options.MaxStaleness, a Go duration such as 30s
//	dial_timeout=D, read_timeout=D, write_timeout=D
//	ca=PATH               PEM CA certificates for rediss (Options.CAFile)
//	server_name=NAME      TLS server name (Options.ServerName)
//	allow_eviction=true   Options.AllowEviction
//	max_entries=N         Options.MaxEntries
//	max_per_subject=N     Options.MaxPerSubject
//	prune_interval=D      Options.PruneInterval
//	stream_maxlen=N       Options.StreamMaxLen
//	wait_replicas=N       Options.WaitReplicas
//	wait_timeout=D        Options.WaitTimeout
//	registry_max_per_subject=N  Options.RegistryMaxPerSubject (NewRegistry)
//
// The same URL configures NewRegistry, which ignores the parameters that
// concern only the Set (see NewRegistry).
//
// Errors wrap ErrBadOptions and never quote the spec: it may hold a
// password.
func ParseSpec(spec string) (Options, error) {
	var o Options
	u, err := url.Parse(spec)
	if err != nil {
		return o, badOptions("not a valid redis:// or rediss:// URL")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "redis" && scheme != "rediss" {
		return o, badOptions("the URL scheme must be redis or rediss")
	}
	if u.Opaque != "" || u.Host == "" {
		return o, badOptions("the URL needs a host: redis://HOST[:PORT][/DB]")
	}
	if u.Fragment != "" {
		return o, badOptions("the URL must not have a #fragment")
	}
	addr, err := hostPort(u.Host)
	if err != nil {
		return o, err
	}
	if u.User != nil {
		o.Username = u.User.Username()
		o.Password, _ = u.User.Password()
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		db, err := strconv.Atoi(p)
		if err != nil || db < 0 {
			return o, badOptions("the URL path must be a database number: /0, /1, …")
		}
		o.DB = db
	}
	tlsOn := scheme == "rediss"
	addrs := []string{addr}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return o, badOptions("the URL query does not parse")
	}
	for key, vals := range q {
		last := vals[len(vals)-1]
		var perr error
		switch key {
		case "addr":
			for _, v := range vals {
				a, err := hostPort(v)
				if err != nil {
					return Options{}, err
				}
				addrs = append(addrs, a)
			}
		case "cluster":
			o.Cluster, perr = strconv.ParseBool(last)
		case "master":
			o.MasterName = last
		case "sentinel_user":
			o.SentinelUsername = last
		case "sentinel_password":
			o.SentinelPassword = last
		case "prefix":
			o.KeyPrefix = last
		case "outbox":
			if last == "none" {
				o.NoOutbox = true
			} else {
				o.OutboxPath = last
			}
		case "policy":
			switch last {
			case "stale", "serve-stale", "open", "fail-open":
				o.Policy = ServeStale
			case "closed", "fail-closed":
				o.Policy = FailClosed
			default:
				return Options{}, badOptions("policy must be stale or closed")
			}
		case "max_staleness":
			o.MaxStaleness, perr = parsePositiveDuration(last)
		case "dial_timeout":
			o.DialTimeout, perr = parsePositiveDuration(last)
		case "read_timeout":
			o.ReadTimeout, perr = parsePositiveDuration(last)
		case "write_timeout":
			o.WriteTimeout, perr = parsePositiveDuration(last)
		case "prune_interval":
			o.PruneInterval, perr = time.ParseDuration(last)
		case "ca":
			o.CAFile = last
		case "server_name":
			o.ServerName = last
		case "allow_eviction":
			o.AllowEviction, perr = strconv.ParseBool(last)
		case "max_entries":
			o.MaxEntries, perr = strconv.Atoi(last)
		case "max_per_subject":
			o.MaxPerSubject, perr = strconv.Atoi(last)
		case "stream_maxlen":
			o.StreamMaxLen, perr = strconv.ParseInt(last, 10, 64)
		case "wait_replicas":
			o.WaitReplicas, perr = strconv.Atoi(last)
		case "wait_timeout":
			o.WaitTimeout, perr = parsePositiveDuration(last)
		case "registry_max_per_subject":
			o.RegistryMaxPerSubject, perr = strconv.Atoi(last)
		default:
			return Options{}, badOptions(fmt.Sprintf("unknown URL parameter %q", key))
		}
		if perr != nil {
			// The value is not quoted: a mistyped password parameter could
			// end up here.
			return Options{}, badOptions(fmt.Sprintf("URL parameter %s has an invalid value", key))
		}
	}
	if (o.CAFile != "" || o.ServerName != "") && !tlsOn {
		return Options{}, badOptions("ca and server_name need a rediss:// URL")
	}
	if tlsOn && o.CAFile == "" && o.ServerName == "" {
		// rediss with the system roots; tlsConfig fills in the server name.
		o.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if o.MasterName != "" {
		o.SentinelAddrs = addrs
	} else {
		o.Addrs = addrs
	}
	return o, nil
}

// hostPort validates a URL host or addr parameter and adds the default
// port.
func hostPort(h string) (string, error) {
	if h == "" {
		return "", badOptions("an empty address")
	}
	host, port, err := net.SplitHostPort(h)
	if err != nil {
		// No port (a bracketed IPv6 literal keeps its brackets).
		host, port = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"), "6379"
	}
	if host == "" || strings.ContainsAny(host, " /@?#") {
		return "", badOptions("an address must be HOST[:PORT]")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", badOptions("an address has an invalid port")
	}
	return net.JoinHostPort(host, port), nil
}

func parsePositiveDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err == nil && d <= 0 {
		err = fmt.Errorf("not positive")
	}
	return d, err
}

func badOptions(msg string) error {
	return fmt.Errorf("%w: %s", ErrBadOptions, msg)
}

// resolve merges URL into o, applies the defaults and validates. It returns
// the options New works with.
func (o Options) resolve() (Options, error) {
	o, err := o.resolveConn()
	if err != nil {
		return o, err
	}
	if o.NoOutbox && o.OutboxPath != "" {
		return o, badOptions("OutboxPath and NoOutbox exclude each other")
	}
	if !o.NoOutbox && o.OutboxPath == "" {
		return o, badOptions("OutboxPath is required (or NoOutbox, for a node whose revocations may fail while Redis is down)")
	}
	return o, nil
}

// resolveConn is resolve without the outbox checks, which concern only the
// Set: the options NewRegistry works with.
func (o Options) resolveConn() (Options, error) {
	o.Addrs = append([]string(nil), o.Addrs...)
	o.SentinelAddrs = append([]string(nil), o.SentinelAddrs...)
	if o.URL != "" {
		u, err := ParseSpec(o.URL)
		if err != nil {
			return o, err
		}
		o.URL = ""
		o.Addrs = append(u.Addrs, o.Addrs...)
		o.SentinelAddrs = append(u.SentinelAddrs, o.SentinelAddrs...)
		fill(&o.Cluster, u.Cluster)
		fill(&o.MasterName, u.MasterName)
		fill(&o.SentinelUsername, u.SentinelUsername)
		fill(&o.SentinelPassword, u.SentinelPassword)
		fill(&o.Username, u.Username)
		fill(&o.Password, u.Password)
		fill(&o.DB, u.DB)
		if o.TLS == nil {
			o.TLS = u.TLS
		}
		fill(&o.CAFile, u.CAFile)
		fill(&o.ServerName, u.ServerName)
		fill(&o.KeyPrefix, u.KeyPrefix)
		fill(&o.DialTimeout, u.DialTimeout)
		fill(&o.ReadTimeout, u.ReadTimeout)
		fill(&o.WriteTimeout, u.WriteTimeout)
		fill(&o.MaxStaleness, u.MaxStaleness)
		fill(&o.Policy, u.Policy)
		fill(&o.OutboxPath, u.OutboxPath)
		fill(&o.NoOutbox, u.NoOutbox)
		fill(&o.AllowEviction, u.AllowEviction)
		fill(&o.MaxEntries, u.MaxEntries)
		fill(&o.MaxPerSubject, u.MaxPerSubject)
		fill(&o.PruneInterval, u.PruneInterval)
		fill(&o.StreamMaxLen, u.StreamMaxLen)
		fill(&o.WaitReplicas, u.WaitReplicas)
		fill(&o.WaitTimeout, u.WaitTimeout)
		fill(&o.RegistryMaxPerSubject, u.RegistryMaxPerSubject)
	}
	if o.MasterName != "" {
		if len(o.SentinelAddrs) == 0 {
			// Addresses given without saying they are sentinels: with a
			// master name, they can be nothing else.
			o.SentinelAddrs, o.Addrs = o.Addrs, nil
		}
		if len(o.SentinelAddrs) == 0 {
			return o, badOptions("MasterName (Sentinel) needs SentinelAddrs")
		}
		if len(o.Addrs) != 0 || o.Cluster {
			return o, badOptions("MasterName (Sentinel) excludes Addrs and Cluster")
		}
	} else if len(o.SentinelAddrs) != 0 || o.SentinelUsername != "" || o.SentinelPassword != "" {
		return o, badOptions("SentinelAddrs and sentinel credentials need MasterName")
	}
	if o.MasterName == "" && len(o.Addrs) == 0 {
		o.Addrs = []string{"127.0.0.1:6379"}
	}
	if o.DB < 0 {
		return o, badOptions("DB must not be negative")
	}
	if o.DB != 0 && o.isCluster() {
		return o, badOptions("Redis Cluster has only database 0")
	}
	if o.KeyPrefix == "" {
		o.KeyPrefix = DefaultKeyPrefix
	}
	for _, r := range o.KeyPrefix {
		if r <= ' ' || r > '~' || strings.ContainsRune("{}*?[]\\", r) {
			return o, badOptions("KeyPrefix must be printable ASCII without spaces, braces or *?[]\\")
		}
	}
	for _, d := range []*time.Duration{&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.MaxStaleness, &o.WaitTimeout} {
		if *d < 0 {
			return o, badOptions("timeouts and MaxStaleness must not be negative")
		}
	}
	if o.WaitReplicas < 0 {
		return o, badOptions("WaitReplicas must not be negative")
	}
	// Fill the defaults before comparing: WaitReplicas with the default
	// timeouts must be accepted.
	fill(&o.WaitTimeout, DefaultWaitTimeout)
	fill(&o.DialTimeout, DefaultDialTimeout)
	fill(&o.ReadTimeout, DefaultReadTimeout)
	fill(&o.WriteTimeout, DefaultWriteTimeout)
	fill(&o.MaxStaleness, DefaultMaxStaleness)
	if o.WaitReplicas > 0 && o.WaitTimeout >= o.ReadTimeout {
		return o, badOptions("WaitTimeout must be shorter than ReadTimeout")
	}
	if o.Policy > FailClosed {
		return o, badOptions("unknown Policy")
	}
	if o.MaxEntries < 0 {
		return o, badOptions("MaxEntries must not be negative")
	}
	fill(&o.MaxEntries, revocation.DefaultMaxEntries)
	if o.MaxPerSubject < 0 {
		return o, badOptions("MaxPerSubject must not be negative")
	}
	fill(&o.MaxPerSubject, revocation.DefaultMaxPerSubject)
	fill(&o.PruneInterval, revocation.DefaultPruneInterval)
	if o.StreamMaxLen < 0 {
		return o, badOptions("StreamMaxLen must not be negative")
	}
	fill(&o.StreamMaxLen, DefaultStreamMaxLen)
	if o.RegistryMaxPerSubject < 0 {
		return o, badOptions("RegistryMaxPerSubject must not be negative")
	}
	fill(&o.RegistryMaxPerSubject, registry.DefaultMaxPerSubject)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}

func (o *Options) isCluster() bool {
	return o.MasterName == "" && (len(o.Addrs) > 1 || o.Cluster)
}

// fill sets *dst to v when *dst is the zero value.
func fill[T comparable](dst *T, v T) {
	var zero T
	if *dst == zero {
		*dst = v
	}
}

// tlsConfig returns the TLS configuration for the resolved o, or nil for
// plaintext.
func (o *Options) tlsConfig() (*tls.Config, error) {
	if o.TLS == nil && o.CAFile == "" && o.ServerName == "" {
		return nil, nil
	}
	var c *tls.Config
	if o.TLS != nil {
		c = o.TLS.Clone()
	} else {
		c = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("%w: reading CAFile: %w", ErrBadOptions, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: CAFile %s holds no PEM certificate", ErrBadOptions, o.CAFile)
		}
		c.RootCAs = pool
	}
	if o.ServerName != "" {
		c.ServerName = o.ServerName
	}
	// A single server is verified against its host name. Sentinel and
	// Cluster connect to several hosts (the sentinels, the master they
	// name, the cluster's nodes): leaving ServerName empty lets each
	// connection verify the host it dials.
	if c.ServerName == "" && !c.InsecureSkipVerify && o.MasterName == "" && !o.isCluster() {
		if host, _, err := net.SplitHostPort(o.Addrs[0]); err == nil {
			c.ServerName = host
		}
	}
	return c, nil
}

// universal returns the go-redis options for the resolved o. poolSize 0
// keeps go-redis's default.
func (o *Options) universal(tc *tls.Config, poolSize int) *redis.UniversalOptions {
	u := &redis.UniversalOptions{
		Addrs:            o.Addrs,
		IsClusterMode:    o.Cluster,
		MasterName:       o.MasterName,
		SentinelUsername: o.SentinelUsername,
		SentinelPassword: o.SentinelPassword,
		Username:         o.Username,
		Password:         o.Password,
		DB:               o.DB,
		TLSConfig:        tc,
		DialTimeout:      o.DialTimeout,
		ReadTimeout:      o.ReadTimeout,
		WriteTimeout:     o.WriteTimeout,
		PoolSize:         poolSize,
		ClientName:       "crumb-revocations",
		// The maintenance-notification handshake would only add a failed
		// command on servers that lack it.
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
		// Context deadlines bound every command, as the Set passes them.
		ContextTimeoutEnabled: true,
		// Few retries: the Set has its own (the outbox, the tailer's
		// backoff), and a revocation must not wait long for a dead server.
		MaxRetries: 1,
	}
	if o.MasterName != "" {
		u.Addrs = o.SentinelAddrs
	}
	return u
}
