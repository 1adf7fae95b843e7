// Package redisset is crumb's distributed revocation set: a
// revocation.Set whose truth lives in Redis (or Valkey), with a replica in
// every node's memory, so that logout on one instance is honoured by all
// of them while a check stays a local lookup.
//
//	set, err := redisset.New(ctx, redisset.Options{
//		URL:        "rediss://app:secret@redis.internal:6379/0",
//		OutboxPath: "/var/lib/myapp/revocations.outbox",
//	})
//	store, err := cookie.New(cookie.Options{Keys: ring, Revocations: set})
//
// # What lives where in Redis
//
// Every revocation is one key whose value is the entry's merged state and
// which expires (PXAT) at the end of the entry's until second — the revoked
// token's absolute expiry plus the clock-skew leeway — so Redis forgets
// entries exactly when they stop mattering. With the default prefix:
//
//	crumb:{rev}:s:<session ID, hex>     "until"                          RevokeSession
//	crumb:{rev}:t:<session ID, hex>     "hard:soft:effective:until:ver"  RevokeIssuedBefore
//	crumb:{rev}:u:<SHA-256(subject)>    "before:until"                   RevokeSubject
//	crumb:{rev}:stream                  a stream of {k: kind, i: name, v: state}
//
// Times are seconds since the Unix epoch, compared at one-second
// resolution as in package revocation. Subjects are stored only as their
// SHA-256, as revocation.Local does: user IDs stay out of Redis and out of
// the outbox. A session ID alone does not let anyone forge or replay a
// token (tokens are sealed), but the keys do say which sessions logged out:
// restrict access to Redis accordingly.
//
// A revocation runs one Lua script that merges the call into its key
// (session: the later until; subject: the later before and until;
// issued-before: revocation.Local's grace-window merge, plus a version
// counter)
// and, if the entry changed, XADDs the new state to the stream, trimmed
// to about Options.StreamMaxLen (100,000) records with MAXLEN ~. Key and
// stream record are written atomically: a node never sees one without the
// other. A merge that changes nothing appends nothing.
//
// All keys carry the hash tag {rev}, so in Redis Cluster they share one
// slot and the script may touch both the entry and the stream. The
// trade-off: the whole set lives on one shard (and its replicas). It is
// small by construction — only revocations of tokens that could still be
// presented, about a hundred bytes each in Redis — so one shard holds
// millions; a set that outgrows a shard is better split by application
// (a KeyPrefix each) than spread, which would cost the atomic write and
// the single stream every node tails.
//
// # The local replica
//
// Each Set holds a replica in memory: session entries in a
// revocation.Local (memory only), issued-before and subject entries in
// small maps of this package (they are applied as merged states with a
// version, and subjects by hash, which Local's API cannot take). Check is
// the replica's lookup — no network, no allocation, flat from 1 to 10^6
// entries — plus one atomic load for the staleness policy.
//
// New loads the replica from a snapshot: it remembers the stream's last
// ID (XINFO STREAM), then SCANs the entry keys and MGETs their values.
// A goroutine, the tailer, then reads the stream from that ID with a
// blocking XREAD (BLOCK up to 2 s, less when MaxStaleness is short) and
// applies each record. Records written during the scan are applied again
// from the stream; applying a state twice, or an older state after a newer
// one, is harmless (sessions and subjects keep maxima; issued-before
// entries keep maxima and take the effective time of the highest version).
//
// The tailer resyncs — loads a snapshot again, over the replica — when it
// may have missed records: after a reconnect, or after a read that
// returned a full batch (it was behind), it asks XINFO STREAM whether
// records after the last one it read may have been trimmed (the first
// record left is after it, and, on Redis 7, the stream has lost records
// since its creation) or whether the stream went back (Redis lost data, or
// is another server). The replica only ever gains entries until they
// expire: entries Redis lost stay in the replicas that saw them.
//
// A revocation made on node A is rejected on node B as soon as B's
// blocked XREAD returns with it: on loopback, about 0.3 ms at the median
// and under 1 ms at the 99th percentile (TestPropagation logs both).
//
// # Outages and the outbox
//
// A revocation is applied to the local replica first, so it takes effect
// on this node at once. If Redis does not take it (a network error, a
// server loading its data, failing over, out of memory, credentials or
// permissions refused: NOAUTH, WRONGPASS, NOPERM), it is appended
// to the outbox, Options.OutboxPath, and fsynced before the Revoke method
// returns nil: an acknowledged revocation is on disk even if the process
// is then killed. While the outbox holds anything, later revocations queue
// behind it, in order. The tailer delivers the outbox when Redis answers
// again, in batches, and truncates the file only when every pending
// revocation was acknowledged by Redis; a crash in between only delivers
// some twice, which the merge makes harmless. An acknowledged revocation
// never leaves the outbox before Redis stores it: whatever error Redis
// answers, the tailer retries with a backoff (up to 30 s between tries
// while Redis refuses with an error that needs an operator, such as a
// changed password or ACL, which Health reports). New replays a non-empty
// outbox into the replica and delivers it. The outbox file is locked
// (flock) while a Set has it open: give every node its own. Its format is
// a 16-byte header ("CRUMBOBX", version 1) and CRC-32C-framed records like
// those of revocation.Local's log; damaged bytes after a crash are skipped.
//
// Without an outbox (Options.NoOutbox, for one-shot tools) a revocation
// Redis does not take is still applied to the replica but fails with
// ErrUnavailable: nothing durable holds it, so it is not acknowledged.
//
// # When Redis loses what it acknowledged
//
// Redis replicates asynchronously and may sync its AOF only every second:
// a failover to a replica that lagged (Sentinel, Cluster), a restart from
// an older AOF or RDB file, or a flushed database drop writes Redis had
// acknowledged. Every Set keeps a journal of the revocations it delivered
// in the last 10 minutes (at most 20,000, about 100 bytes each). Its
// tailer compares the stream's history with the one it followed — on
// every reconnect and every 5 s: the stream gone or gone back, the last
// record read missing though not trimmed, the newest record this node
// added missing, or (Redis 7, which counts the records ever added to a
// stream) a count other than the one followed. Then it resyncs its replica
// and checks each journaled revocation against the entry Redis now holds
// (MGET), and queues those Redis lost for delivery again. So a revocation
// survives such a loss as long as the node that made it keeps running; a
// node started in between, before they are sent again, misses them for
// that long (TestSentinelFailover measures about 7 s after a failover).
//
// Options.WaitReplicas narrows the window further: a revocation counts as
// stored only once that many replicas acknowledged it (WAIT); otherwise it
// goes to the outbox and is delivered again.
//
// # Staleness
//
// The replica is known current as of the last stream read that returned
// everything there was (for an empty blocking read, the end of its block)
// or the start of the last snapshot. Past Options.MaxStaleness (30 s) with
// no such confirmation — Redis down, a network partition — Health reports
// ErrStale, and Check applies Options.Policy: FailClosed (the default)
// returns ErrStale for tokens the replica does not know as revoked (the
// cookie store turns it into cookie.ErrUnavailable, the middleware into
// "no session" by default); FailOpen answers from the replica. A token the
// replica knows as revoked is reported revoked under either policy. A
// timer flips the staleness flag, so Check never reads the clock.
//
// # Start-up checks
//
// New pings Redis and refuses to start without it (a node that cannot load
// the set could not answer Check). It reads maxmemory-policy from the
// server holding the set: anything but noeviction could evict revocations —
// every key has a TTL, so volatile-* policies evict them as readily as
// allkeys-* — and a logged-out session would come back. New then fails with
// ErrEvictionPolicy, unless Options.AllowEviction (then it warns). Where
// CONFIG is disabled, as on managed Redis, it warns and continues. Redis
// 6.2 or newer is needed (SET PXAT); on 7.0 or newer, which counts the
// records ever added to a stream, a reconnect resyncs only when records
// were really trimmed.
//
// Durability is Redis's: run it with appendonly yes. appendfsync always
// makes every acknowledged revocation survive a crash of Redis;
// appendfsync everysec (Redis's default with AOF) can lose up to about a
// second of them, which the nodes that made them then send again (see
// above).
//
// go-redis reports some connection-pool failures through a logger of its
// own, global to the process (redis.SetLogger replaces it); the Set's
// Logger reports outages, resyncs and delivery on its side.
//
// # Why go-redis
//
// The client is github.com/redis/go-redis/v9 rather than rueidis: its
// UniversalClient covers standalone, Sentinel and Cluster with one API,
// its TLS, ACL and timeout options map one to one onto seed 001's
// configuration (its ParseURL reads the same redis:// and rediss:// forms;
// ParseSpec parses them itself so that no error can quote a password), and
// it is the most widely used Go client. The Set uses two clients: one for
// revocations, snapshots and delivery, and one that only blocks in XREAD,
// so that Close can interrupt the read at once.
package redisset
