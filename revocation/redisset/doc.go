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
//	crumb:{rev}:u:<SHA-256(subject)>    "before:until"                   RevokeSubject, collapses
//	crumb:{rev}:o:<SHA-256(subject)>    hash: session ID → created-at,   the subject's owner index
//	                                    "_u" → the latest until
//	crumb:{rev}:stream                  a stream of {k: kind, i: name, v: state,
//	                                    o: owner, c: created-at}
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
// counter) and, if anything changed, XADDs the new states to the stream,
// trimmed to about Options.StreamMaxLen (100,000) records with MAXLEN ~.
// Keys and stream records are written atomically: a node never sees one
// without the other. A merge that changes nothing appends nothing. Session
// and issued-before records also carry the owner ("o", the subject's
// SHA-256) and the session's created-at ("c"), so that every replica keeps
// the same per-subject index as Redis; their values keep the format of the
// previous version, whose nodes still read them.
//
// All keys carry the hash tag {rev}, so in Redis Cluster they share one
// slot and the script may touch the entries, the owner index and the
// stream. (It reads and deletes a subject's entries by name, keys it is
// not given in KEYS: Redis Cluster allows that within the script's slot,
// which TestCluster checks.) The trade-off: the whole set lives on one
// shard (and its replicas). It is small by construction — see Bounds —
// about a hundred bytes per entry in Redis, so one shard holds millions; a
// set that outgrows a shard is better split by application (a KeyPrefix
// each) than spread, which would cost the atomic write and the single
// stream every node tails.
//
// # Bounds
//
// Redis keeps each subject small exactly as revocation.Local does (see its
// package doc), in the same script as the merge. A session or
// issued-before revocation names the session's subject (RevokeSession and
// RevokeIssuedBefore refuse an empty one: a session without a subject
// carries no authority and needs no entry), and its entry is listed in the
// subject's owner index:
//
//   - A subject holds at most Options.MaxPerSubject (32) session and
//     issued-before entries. The entry that would exceed it first
//     collapses them (expired ones aside) into the subject's entry, which
//     then revokes every session of the subject created up to the newest
//     of them, for as long as the longest of them.
//   - A session the subject's entry already revokes needs no entry of its
//     own (the subject entry's until grows if the call asks for longer).
//   - A subject entry, from RevokeSubject or a collapse, deletes the
//     subject's entries it covers.
//
// Nothing is ever refused. So Redis holds at most MaxPerSubject entries
// and one subject entry per subject that revoked recently, and an account
// used to flood the set costs only its own other sessions. Redis itself has
// no capacity: size it for the number of users who may log out within a
// session's lifetime, times about 100 bytes an entry and a few entries
// each (at most 33). A Redis at its maxmemory answers every write with an
// out-of-memory error (it must not evict, see below): logouts then wait in
// the nodes' outboxes, in force on the node that made them, until it has
// room; Health reports them.
//
// Every replica applies the same rules to the stream's records, with the
// same owner index, and so holds the same entries. A replica also has a
// capacity, Options.MaxEntries (one million): past it, it collapses the
// subjects holding the most entries, as revocation.Local does, down to
// nine tenths of it — on that node only, which can only make that node
// stricter than Redis (those subjects' other sessions are logged out
// there), never more lenient. It never refuses an entry and never stops
// being current for lack of room. A capacity collapse is logged as a
// warning and counted in Stats, and Health reports revocation.ErrDegraded
// while the replica holds nine tenths of its capacity or more. Give every
// node the same MaxPerSubject.
//
// Entries written by the previous version — keys without an owner index,
// stream records without "o" and "c", outbox records of version 1 — are
// read and enforced as they are: they belong to no subject, are never
// collapsed, and expire like the others.
//
// # The local replica
//
// Each Set holds a replica in memory, in the bounded table that backs
// revocation.Local: session and issued-before entries by session ID,
// subject entries by the SHA-256 of the subject, each subject's entries in
// its index. Check is the replica's lookup — no network, no allocation,
// flat from 1 to 10^6 entries — plus one atomic load for the staleness
// policy.
//
// New loads the replica from a snapshot: it remembers the stream's last
// ID (XINFO STREAM), then SCANs the entry keys and the owner indexes and
// reads them (MGET, HGETALL). A goroutine, the tailer, then reads the
// stream from that ID with a blocking XREAD (BLOCK up to 2 s, less when
// MaxStaleness is short) and applies each record. Records written during
// the scan are applied again from the stream; applying a state twice, or
// an older state after a newer one, is harmless (sessions and subjects keep
// maxima; issued-before entries keep maxima and take the effective time of
// the highest version).
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
// permissions refused: NOAUTH, WRONGPASS, NOPERM), it is appended to the
// outbox, Options.OutboxPath, and fsynced before the Revoke method
// returns: an acknowledged revocation is on disk even if the process is
// then killed. The Revoke method then returns an error wrapping
// revocation.ErrPending: the revocation is in force on this node and
// durable, but no other node enforces it until it reaches Redis. The
// cookie store passes it on as cookie.ErrPending (HTTP 202 Accepted): tell
// the user the logout is done here and pending elsewhere. While the outbox
// holds anything, later revocations queue behind it, in order, and Health
// reports revocation.ErrDegraded with their count. The tailer delivers
// the outbox when Redis answers again, in batches, and truncates the file
// only when every pending revocation was acknowledged by Redis; a crash in
// between only delivers some twice, which the merge makes harmless. An
// acknowledged revocation never leaves the outbox before Redis stores it:
// whatever error Redis answers, the tailer retries with a backoff (up to
// 30 s between tries while Redis refuses with an error that needs an
// operator, such as a changed password or ACL, which Health reports as
// ErrUnavailable). New replays a non-empty outbox into the replica and
// delivers it. The outbox file is locked (flock) while a Set has it open:
// give every node its own. Its format is a 16-byte header ("CRUMBOBX",
// version 2) and CRC-32C-framed records like those of revocation.Local's
// log, with the subject's SHA-256 and the created-at in session and
// issued-before records; damaged bytes after a crash are skipped. An
// outbox of version 1, from the previous version, is read and appended to
// in version 1 until it is delivered and emptied; it is of version 2 from
// then on.
//
// A call that a pending session or subject call already covers (a client
// replaying one logout during an outage) adds nothing to the outbox, so it
// grows with distinct logouts, not with requests. A write to the outbox
// that fails (a full disk) refuses that revocation — in force on this node,
// but not acknowledged — and Health reports ErrOutbox; the outbox is tried
// again one second later, then after up to 10 seconds, on the next
// revocation or by the tailer, and works again as soon as the disk does,
// without a restart.
//
// Without an outbox (Options.NoOutbox, for one-shot tools) a revocation
// Redis does not take is still applied to the replica but fails with
// ErrUnavailable: nothing durable holds it, so it is not acknowledged.
//
// # Partitions
//
// When a node loses Redis while the others do not, its logouts wait in its
// outbox for the whole partition: they are in force on that node, and the
// other nodes, current and healthy, keep accepting those sessions until
// the partition heals and the outbox is delivered. Nothing bounds that
// time, and no other node can tell. What this package does is make it
// visible: the logout returns revocation.ErrPending (cookie.ErrPending,
// HTTP 202), the partitioned node's Health reports revocation.ErrDegraded
// with the count of revocations waiting, and its Status reports Pending
// and Down. Monitor them; a node that stays cut off should be taken out of
// the load balancer. (Once the partitioned node's replica is stale, its
// Health reports that too; see Staleness.)
//
// # When Redis loses what it acknowledged
//
// Redis replicates asynchronously and may sync its AOF only every second:
// a failover to a replica that lagged (Sentinel, Cluster), a restart from
// an older AOF or RDB file, a restart without persistence, or a flushed
// database drop writes Redis had acknowledged. Every Set keeps a journal of
// the revocations it delivered in the last 10 minutes (at most 20,000,
// about 100 bytes each). Its tailer compares the stream's history with the
// one it followed — on every reconnect and every 5 s: the stream gone or
// gone back, the last record read missing though not trimmed, the newest
// record this node added missing, or (Redis 7, which counts the records
// ever added to a stream) a count other than the one followed. It also
// checks the records this node added that it has not read back yet: each
// must be among the records the tailer reads when it passes its ID, or
// still be in the stream, and a stream gone, or gone back before them,
// lost them — even for a node that has followed no history yet, such as
// one started on an empty Redis. On any of these it resyncs its replica
// (for a divergence) and checks each journaled revocation against the
// entries Redis now holds (MGET; a session its subject's entry covers
// counts as held), and queues those Redis lost for delivery again. So a
// revocation survives such a loss as long as the node that made it keeps
// running; a node started in between, before they are sent again, misses
// them for that long (TestSentinelFailover measures about 7 s after a
// failover).
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
// no such confirmation — Redis down, a network partition — Check applies
// Options.Policy, and Health reports ErrStale.
//
// The default policy, ServeStale, answers from the replica, and Health
// reports the staleness as degraded (an error wrapping both ErrStale and
// revocation.ErrDegraded, which the cookie store's Healthy reports as a
// warning, not an outage). The reasoning: what an operator wants from an
// outage of the shared store is that it logs nobody out. During one,
// sessions already known as revoked stay rejected on every node; a logout
// made during the outage is in force at once on the node that made it
// (and durable in its outbox), and on every node once Redis is back. What
// is lost is only the propagation of those logouts to the other nodes for
// the outage's duration — the same window a partition of the logging-out
// node opens anyway (see Partitions), and one Health and Status report.
//
// FailClosed, the stricter policy, makes Check return ErrStale for a
// token the replica does not know as revoked, and Health report an outage
// (ErrStale, not degraded): the cookie store turns it into
// cookie.ErrUnavailable, and the middleware, by default, into "no
// session". An outage of Redis longer than MaxStaleness then logs out
// every user of every instance until it ends. Choose it when honouring
// another node's logout at once matters more than serving anyone. Under
// either policy, a token the replica knows as revoked is reported revoked.
// A timer flips the staleness flag, so Check never reads the clock.
//
// # Start-up checks
//
// New pings Redis and refuses to start without it (a node that cannot load
// the set could not answer Check). It reads maxmemory-policy from the
// server holding the set: anything but noeviction could evict revocations —
// every key has a TTL, so volatile-* policies evict them as readily as
// allkeys-* — and a logged-out session would come back. New then fails with
// ErrEvictionPolicy, unless Options.AllowEviction (then it warns). It also
// reads appendonly and save, and warns when Redis persists nothing (no
// append-only file, no RDB save points): a restart of such a server
// forgets every revocation; the running nodes keep enforcing those they
// know and send their last 10 minutes' again, but a node that restarts
// too, or starts afterwards, misses the others. Where CONFIG is disabled,
// as on managed Redis, New warns that it cannot check either and
// continues. Redis 6.2 or newer is needed (SET PXAT); on 7.0 or newer,
// which counts the records ever added to a stream, a reconnect resyncs
// only when records were really trimmed.
//
// Durability is Redis's: run it with appendonly yes. appendfsync always
// makes every acknowledged revocation survive a crash of Redis;
// appendfsync everysec (Redis's default with AOF) can lose up to about a
// second of them, which the nodes that made them then send again (see
// above). RDB snapshots alone lose everything since the last one.
//
// go-redis reports some connection-pool failures through a logger of its
// own, global to the process (redis.SetLogger replaces it); the Set's
// Logger reports outages, resyncs and delivery on its side.
//
// # Session registry
//
// NewRegistry returns the registry.Registry that lists each user's
// sessions ("your active sessions") for every instance. It takes the same
// Options, so one URL configures both (each ignores the other's settings,
// such as the Set's outbox and the registry's registry_max_per_subject).
// It keeps one hash per subject with a live registered session:
//
//	crumb:reg:{<SHA-256(subject)>}   hash: session ID (hex) →
//	                                 "created:lastseen:expires:labels"
//
// Times are seconds since the Unix epoch; labels are a JSON object, or
// nothing. The key expires (EXPIREAT) with the latest Expires of its
// entries, so Redis forgets a subject's list when its last session ends.
// Subjects are stored only as their SHA-256; labels, which the application
// chooses, are stored in the clear.
//
// Each subject's key is its own hash tag: in Redis Cluster, the registry
// spreads over the shards with its subjects. Every call touches one
// subject's key, which its script is given, so nothing needs a common
// slot; and the registry holds an entry per signed-in session, not per
// logout, so it is the larger of the two stores and the one worth
// spreading.
//
// Only sessions with a subject are registered, and a subject holds at most
// Options.RegistryMaxPerSubject (16) live entries: Add, one Lua script,
// drops the subject's expired entries and, past the bound, its least
// recently seen, which the cookie store then revokes. Redis thus holds at
// most subjects × 16 entries, about 100 bytes each plus labels, whatever
// clients do (TestRegistryFlood: 10^4 sign-ins of one account leave 16
// entries, 1.7 kB).
//
// Every call is one round trip, and only where the cookie store writes
// anyway: Add (a sign-in, a renewed session ID) and Seen (a reissued
// token, about every 7.5 minutes per active user by default) run one
// script each (EVALSHA, plus one EVAL after Redis lost its script cache),
// Remove (a logout) one HDEL, RemoveBefore ("log out everywhere") one
// script, List one HGETALL. Reading an unchanged session never touches
// Redis. On loopback, on two cores (BenchmarkRegistry): Add about 60 µs
// (90 µs when it evicts), Seen 41 µs, List of 16 entries 64 µs; Redis's
// own time is 13, 35, 4 and 2 µs of these.
//
// The registry keeps no outbox: a call Redis does not answer fails with an
// error wrapping registry.ErrUnavailable (and ErrUnavailable) that names
// the server, after at most two tries of DialTimeout (a refused connection
// fails at once) or of WriteTimeout plus ReadTimeout, or when its context
// ends; the next call reconnects. A value the registry cannot read is left
// out of List and logged (without session ID or labels), and the
// subject's next Add drops it. Like the Set, run Redis with noeviction:
// every registry key has a TTL, so a volatile-* policy would drop lists
// (the sessions stay valid, and unlisted).
//
// # Why go-redis
//
// The client is github.com/redis/go-redis/v9 rather than rueidis: its
// UniversalClient covers standalone, Sentinel and Cluster with one API,
// its TLS, ACL and timeout options cover what Redis-backed session stores
// commonly configure (its ParseURL reads the same redis:// and rediss:// forms;
// ParseSpec parses them itself so that no error can quote a password), and
// it is the most widely used Go client. The Set uses two clients: one for
// revocations, snapshots and delivery, and one that only blocks in XREAD,
// so that Close can interrupt the read at once.
package redisset
