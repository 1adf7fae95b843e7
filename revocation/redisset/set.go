package redisset

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crumbhq/crumb/revocation"
	"github.com/crumbhq/crumb/revocation/internal/table"
)

// Set is the Redis-backed revocation.Set. Create it with New; it is safe
// for concurrent use. See the package doc for how it works.
type Set struct {
	opts  Options // resolved
	log   *slog.Logger
	keys  keys
	where string // the addresses, for messages (never a password)

	cmd  redis.UniversalClient // revocations, snapshots, delivery
	tail redis.UniversalClient // the blocking XREAD only; closed to interrupt it

	rep     *replica
	box     *outbox // nil with NoOutbox
	journal journal // this node's recent revocations that Redis acknowledged
	fresh   freshness
	block   time.Duration // XREAD BLOCK

	// down is set when Redis was found unreachable: revocations then go
	// straight to the outbox instead of each waiting for a timeout. The
	// tailer clears it once the outbox is delivered.
	down atomic.Bool

	revoked   atomic.Uint64
	applied   atomic.Uint64
	delivered atomic.Uint64
	resyncs   atomic.Uint64
	rejected  atomic.Uint64
	resent    atomic.Uint64

	errMu      sync.Mutex
	lastErr    error // the tailer's last failure, for Health
	deliverErr error // Redis's refusal (not selfHealing) of the last outbox delivery, for Health

	// Owned by the tailer goroutine (and New before it starts).
	lastID     string
	needResync bool
	added      int64 // the stream's count of records ever added, as of lastID (Redis 7; else 0)
	delivering bool  // the last outbox delivery failed
	// deliverWait is the pause before the next delivery after a failure;
	// nextDeliver is when that next delivery may run.
	deliverWait time.Duration
	nextDeliver time.Time
	verify      bool // check the journal against Redis, and send again what it lost
	checked     time.Time
	seen        readIDs // the IDs of the last stream records read (see checkOwn)

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
	cancel    context.CancelFunc
	runCtx    context.Context
	done      chan struct{}
}

var _ revocation.Set = (*Set)(nil)

// readCount is the most stream records one XREAD returns.
const readCount = 1000

// New connects to Redis, checks its eviction policy (and warns when it
// persists nothing), opens the outbox,
// loads the replica from a snapshot and starts tailing the stream. ctx
// bounds all of that (DefaultStartTimeout when it has no deadline). New
// fails with ErrBadOptions for unusable options, ErrUnavailable when Redis
// cannot be reached (a node that cannot load the set cannot answer Check),
// ErrEvictionPolicy, revocation.ErrLocked when another Set holds the outbox,
// and ErrOutbox when the outbox cannot be opened. Pending revocations in
// the outbox are applied to the replica at once and delivered to Redis by
// the tailer.
func New(ctx context.Context, opts Options) (*Set, error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	tc, err := o.tlsConfig()
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultStartTimeout)
		defer cancel()
	}
	s := &Set{
		opts:  o,
		log:   o.Logger,
		keys:  newKeys(o.KeyPrefix),
		where: o.describe(),
		done:  make(chan struct{}),
	}
	s.block = min(maxBlock, o.MaxStaleness/3)
	s.block = max(s.block, 10*time.Millisecond)
	s.cmd = redis.NewUniversalClient(o.universal(tc, 0))
	s.tail = redis.NewUniversalClient(o.universal(tc, 2))
	fail := func(err error) (*Set, error) {
		s.cmd.Close()
		s.tail.Close()
		if s.box != nil {
			s.box.close()
		}
		return nil, err
	}

	if err := s.cmd.Ping(ctx).Err(); err != nil {
		return fail(fmt.Errorf("%w: %s: %w", ErrUnavailable, s.where, err))
	}
	if err := s.checkConfig(ctx); err != nil {
		return fail(err)
	}
	s.rep = newReplica(o.MaxEntries, o.MaxPerSubject, s.capacityReached)
	if o.OutboxPath != "" {
		box, damaged, err := openOutbox(o.OutboxPath)
		if err != nil {
			return fail(err)
		}
		s.box = box
		if damaged > 0 {
			s.log.Warn("redisset: skipped damaged bytes in the outbox (a torn write after a crash)", "path", box.path, "regions", damaged)
		}
		for i := range box.pending {
			s.rep.applyCall(&box.pending[i])
		}
		if n := len(box.pending); n > 0 {
			s.log.Info("redisset: revocations from the outbox applied; delivering them to Redis", "pending", n)
		}
	}
	s.lastID = "0-0"
	if err := s.snapshot(ctx); err != nil {
		return fail(fmt.Errorf("%w: loading the revocation set from %s: %w", ErrUnavailable, s.where, err))
	}
	s.fresh.start(o.MaxStaleness, s.fresh.at)
	s.runCtx, s.cancel = context.WithCancel(context.Background())
	go s.run()
	return s, nil
}

// describe names the servers of the resolved o for messages.
func (o *Options) describe() string {
	switch {
	case o.MasterName != "":
		return fmt.Sprintf("redis sentinel master %q via %s", o.MasterName, strings.Join(o.SentinelAddrs, ","))
	case o.isCluster():
		return "redis cluster " + strings.Join(o.Addrs, ",")
	}
	return "redis " + o.Addrs[0]
}

// entryNode returns the client of the server that holds the set's slot:
// the cluster master of the hash tag, or the client itself.
func (s *Set) entryNode(ctx context.Context) (redis.UniversalClient, error) {
	if c, ok := s.cmd.(*redis.ClusterClient); ok {
		return c.MasterForKey(ctx, s.keys.stream)
	}
	return s.cmd, nil
}

// checkConfig refuses (or warns about) a maxmemory-policy other than
// noeviction on the server that holds the set, and warns when that server
// persists nothing.
func (s *Set) checkConfig(ctx context.Context) error {
	node, err := s.entryNode(ctx)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, s.where, err)
	}
	res, err := node.ConfigGet(ctx, "maxmemory-policy").Result()
	var rerr redis.Error
	if errors.As(err, &rerr) {
		s.log.Warn("redisset: cannot check Redis's maxmemory-policy and persistence (CONFIG GET refused, as on managed Redis); make sure it is noeviction and that Redis persists its data (appendonly yes), or revocations may be evicted or lost",
			"server", s.where, "err", rerr.Error())
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, s.where, err)
	}
	policy, ok := res["maxmemory-policy"]
	switch {
	case !ok:
		s.log.Warn("redisset: Redis did not report its maxmemory-policy; make sure it is noeviction", "server", s.where)
	case policy == "noeviction":
	case s.opts.AllowEviction:
		s.log.Warn("redisset: Redis's maxmemory-policy could evict revocations (AllowEviction is set); a logged-out session could come back",
			"server", s.where, "maxmemory-policy", policy)
	default:
		return fmt.Errorf("%w: %s has maxmemory-policy %s; set it to noeviction (CONFIG SET maxmemory-policy noeviction, and in redis.conf), or set AllowEviction to run anyway",
			ErrEvictionPolicy, s.where, policy)
	}
	return s.checkPersistence(ctx, node)
}

// checkPersistence warns when the server persists nothing: neither an
// append-only file nor RDB save points. A restart of such a server forgets
// every revocation; the running nodes still enforce those they know and
// send their recent ones again (see journal), but a node that restarts
// too, or starts afterwards, misses the others. Redis 6.2 answers CONFIG
// GET one parameter at a time, hence two calls.
func (s *Set) checkPersistence(ctx context.Context, node redis.UniversalClient) error {
	var vals [2]string
	for i, param := range []string{"appendonly", "save"} {
		res, err := node.ConfigGet(ctx, param).Result()
		var rerr redis.Error
		if errors.As(err, &rerr) {
			return nil // refused for this parameter only: nothing to judge
		}
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrUnavailable, s.where, err)
		}
		v, ok := res[param]
		if !ok {
			return nil
		}
		vals[i] = strings.TrimSpace(v)
	}
	if vals[0] == "no" && vals[1] == "" {
		s.log.Warn("redisset: Redis persists nothing (appendonly no, no RDB save points): if it restarts it forgets every revocation; running nodes keep enforcing those they know and send their last 10 minutes' again, but a node that restarts too, or starts afterwards, misses the others (set appendonly yes)",
			"server", s.where)
	}
	return nil
}

// RevokeSession implements revocation.Set. The revocation applies to this
// node's replica at once; it returns nil once Redis has stored it (and
// appended it to the stream other nodes tail). If Redis does not take it,
// it returns an error wrapping revocation.ErrPending once the revocation
// is fsynced in the outbox: in force on this node, delivered to Redis, and
// so to the other nodes, when Redis takes it. Without an outbox that case
// fails with ErrUnavailable. rs.Subject must not be empty
// (revocation.ErrBadSubject).
func (s *Set) RevokeSession(ctx context.Context, rs revocation.Session, until time.Time) error {
	key, err := ownerKey(rs)
	if err != nil {
		return err
	}
	return s.revoke(ctx, &call{kind: kindSession, id: rs.ID, skey: key, created: secs(rs.Created), until: secs(until)})
}

// ownerKey validates a session revocation (revocation.Session.Validate)
// and returns its subject's SHA-256.
func ownerKey(rs revocation.Session) ([sha256.Size]byte, error) {
	if err := rs.Validate(); err != nil {
		return [sha256.Size]byte{}, err
	}
	return table.KeyOf(rs.Subject), nil
}

// RevokeIssuedBefore implements revocation.Set, with revocation.Local's
// merge, computed in Redis so that every node sees one merged entry. The
// time of the call is the later of this node's clock and before.
func (s *Set) RevokeIssuedBefore(ctx context.Context, rs revocation.Session, before, effective, until time.Time) error {
	key, err := ownerKey(rs)
	if err != nil {
		return err
	}
	b := secs(before)
	return s.revoke(ctx, &call{kind: kindToken, id: rs.ID, skey: key, created: secs(rs.Created), before: b, eff: secs(effective), until: secs(until), at: max(secs(time.Now()), b)})
}

// RevokeSubject implements revocation.Set. Redis, the stream, the outbox
// and the replica know the subject only by its SHA-256. subject must be 1
// to revocation.MaxSubjectLen bytes, else it returns revocation.ErrBadSubject.
func (s *Set) RevokeSubject(ctx context.Context, subject string, before, until time.Time) error {
	if subject == "" || len(subject) > revocation.MaxSubjectLen {
		return revocation.ErrBadSubject
	}
	return s.revoke(ctx, &call{kind: kindSubject, skey: table.KeyOf(subject), before: secs(before), until: secs(until)})
}

func (s *Set) revoke(ctx context.Context, c *call) error {
	if s.closed.Load() {
		return revocation.ErrClosed
	}
	if c.until < secs(time.Now()) {
		s.revoked.Add(1)
		return nil
	}
	s.rep.applyCall(c)
	if s.box != nil {
		s.box.mu.Lock()
		if n := len(s.box.pending); s.down.Load() || n > 0 {
			// Redis is down, or earlier revocations wait: queue behind them.
			why := s.where + " was unreachable at the last try"
			if n > 0 {
				why = fmt.Sprintf("%d earlier revocations wait for %s", n, s.where)
			}
			err := s.box.add(c)
			s.box.mu.Unlock()
			return s.queued(err, why)
		}
		s.box.mu.Unlock()
	}
	err := s.send(ctx, c)
	if err == nil {
		return s.acked(nil)
	}
	if s.box == nil || !transient(err) {
		return fmt.Errorf("%w: the revocation was not stored in %s: %w", ErrUnavailable, s.where, err)
	}
	s.box.mu.Lock()
	if !s.down.Swap(true) {
		s.log.Warn("redisset: Redis did not take a revocation; revocations go to the outbox until it does", "server", s.where, "err", err)
	}
	aerr := s.box.add(c)
	s.box.mu.Unlock()
	return s.queued(aerr, fmt.Sprintf("%s did not take it: %v", s.where, err))
}

func (s *Set) acked(err error) error {
	if err == nil {
		s.revoked.Add(1)
	}
	return err
}

// queued reports a revocation the outbox took (err nil): in force on this
// node and durable, but not yet in Redis, so no other node enforces it
// yet — the caller must know (revocation.ErrPending). why says why it did
// not go to Redis.
func (s *Set) queued(err error, why string) error {
	if err != nil {
		return err
	}
	s.revoked.Add(1)
	return fmt.Errorf("%w: %s; it is in force on this node and waits in its outbox", revocation.ErrPending, why)
}

// errNotReplicated reports a revocation Redis stored but fewer than
// Options.WaitReplicas replicas acknowledged in time. It is transient: the
// revocation goes to the outbox and is delivered again.
var errNotReplicated = errors.New("redisset: revocation not acknowledged by enough replicas")

// send runs the revoke script for c (followed, with WaitReplicas, by WAIT
// on the same connection) and applies the merged state it returns to the
// replica.
func (s *Set) send(ctx context.Context, c *call) error {
	name, owner := c.name(), c.owner()
	keys := s.keys.scriptKeys(c, name, owner)
	args := c.scriptArgs(name, owner, s.opts.StreamMaxLen, secs(time.Now()), s.keys.base, s.opts.MaxPerSubject)
	var res any
	var err error
	if s.opts.WaitReplicas > 0 {
		res, err = s.sendAndWait(ctx, keys, args)
	} else {
		res, err = revokeScript.Run(ctx, s.cmd, keys, args...).Result()
	}
	if err != nil {
		return err
	}
	state, xid, err := parseScriptReply(res)
	if err != nil {
		return err
	}
	if c.kind != kindSession && state != "" {
		s.rep.applyState(c.kind, name, state, owner, c.created)
	}
	if xid != "" {
		// Only what Redis changed: a call that changed nothing there has no
		// state of its own to lose, and replays must not push other
		// revocations out of the journal's window.
		s.journal.add(c, xid, time.Now())
	}
	return nil
}

// sendAndWait runs the script and WAIT in one pipeline on one connection
// to the server holding the set, so that WAIT covers the script's writes.
func (s *Set) sendAndWait(ctx context.Context, keys []string, args []any) (any, error) {
	node, err := s.entryNode(ctx)
	if err != nil {
		return nil, err
	}
	for try := 0; ; try++ {
		pipe := node.Pipeline()
		var eval *redis.Cmd
		if try == 0 {
			eval = revokeScript.EvalSha(ctx, pipe, keys, args...)
		} else {
			eval = revokeScript.Eval(ctx, pipe, keys, args...) // the server lost its script cache
		}
		wait := pipe.Do(ctx, "wait", s.opts.WaitReplicas, s.opts.WaitTimeout.Milliseconds())
		_, _ = pipe.Exec(ctx)
		res, err := eval.Result()
		if err != nil {
			if try == 0 && redis.HasErrorPrefix(err, "NOSCRIPT") {
				continue
			}
			return nil, err
		}
		n, err := wait.Int64()
		if err != nil {
			return nil, err
		}
		if n < int64(s.opts.WaitReplicas) {
			return nil, fmt.Errorf("%w: %d of %d within %s", errNotReplicated, n, s.opts.WaitReplicas, s.opts.WaitTimeout)
		}
		return res, nil
	}
}

// transient reports whether a revocation that failed with err is worth
// queueing in the outbox and sending again: anything but an error reply
// from Redis, the error replies of a server loading, failing over, out of
// memory or busy, and those of credentials or permissions an operator
// changed (NOAUTH, WRONGPASS, NOPERM), which an operator fixes. Other
// replies (a key of the wrong type) make a revocation without an outbox
// fail at once. A revocation already acknowledged into the outbox stays
// there whatever the error (see deliver).
func transient(err error) bool {
	return selfHealing(err) ||
		redis.HasErrorPrefix(err, "NOAUTH") || redis.HasErrorPrefix(err, "WRONGPASS") || redis.HasErrorPrefix(err, "NOPERM")
}

// selfHealing reports whether err may go away by itself, without an
// operator: anything but an error reply from Redis, and the error replies
// of a server loading, failing over, out of memory or busy.
func selfHealing(err error) bool {
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return true
	}
	return redis.IsLoadingError(err) || redis.IsReadOnlyError(err) || redis.IsClusterDownError(err) ||
		redis.IsTryAgainError(err) || redis.IsMasterDownError(err) || redis.IsOOMError(err) ||
		redis.IsNoReplicasError(err) || redis.IsMaxClientsError(err) ||
		redis.HasErrorPrefix(err, "BUSY") || redis.HasErrorPrefix(err, "MOVED") || redis.HasErrorPrefix(err, "ASK")
}

// errCheckClosed is Check's error, under FailClosed, after Close: the
// replica no longer follows Redis.
var errCheckClosed = fmt.Errorf("%w (the set is closed): %w", ErrStale, revocation.ErrClosed)

// capacityReached logs a capacity collapse of the replica.
func (s *Set) capacityReached(subjects, entries int) {
	s.log.Warn("redisset: the local replica reached its capacity; the entries of the subjects with the most were collapsed into one subject entry each on this node, which ends their other sessions here (raise MaxEntries)",
		"collapsed_subjects", subjects, "entries", entries, "capacity", s.opts.MaxEntries)
}

// Check implements revocation.Set: a lookup in the local replica, with no
// network I/O and no allocation. A token the replica knows as revoked is
// reported revoked. Otherwise, once the replica is stale (not confirmed
// current for Options.MaxStaleness), ServeStale (the default) answers from
// the replica, NotRevoked, nil, and FailClosed returns NotRevoked with
// ErrStale. After Close the replica no longer follows Redis: FailClosed
// returns NotRevoked with an error matching both ErrStale and
// revocation.ErrClosed.
func (s *Set) Check(_ context.Context, q revocation.Query, now time.Time) (revocation.Verdict, error) {
	if v := s.rep.check(q, now); v != revocation.NotRevoked {
		return v, nil
	}
	if s.opts.Policy == FailClosed {
		if s.closed.Load() {
			return revocation.NotRevoked, errCheckClosed
		}
		if s.fresh.stale.Load() {
			return revocation.NotRevoked, ErrStale
		}
	}
	return revocation.NotRevoked, nil
}

// Prune implements revocation.Set: it drops the replica's entries whose
// until is before now. Redis expires its keys by itself. The Set also
// prunes every Options.PruneInterval.
func (s *Set) Prune(_ context.Context, now time.Time) (int, error) {
	return s.rep.prune(now), nil
}

// Stats implements revocation.Set: the replica's entries, the revocations
// this Set acknowledged, and LogBytes, the size of the outbox file.
func (s *Set) Stats() revocation.Stats {
	st := s.rep.stats()
	st.Revoked = s.revoked.Load()
	if s.box != nil {
		s.box.mu.Lock()
		st.LogBytes = s.box.size
		s.box.mu.Unlock()
	}
	return st
}

// Status describes the Set's link with Redis, beyond revocation.Stats.
type Status struct {
	Stale     bool      // past MaxStaleness (or closed): the Policy applies
	Current   time.Time // the replica was known current as of this time
	Pending   int       // revocations in the outbox, not yet delivered
	Down      bool      // Redis last seen unreachable
	Applied   uint64    // stream records applied to the replica
	Delivered uint64    // outbox revocations delivered to Redis
	Resyncs   uint64    // snapshots loaded, the first one included
	Rejected  uint64    // outbox deliveries Redis answered with an error (each retried; never dropped)
	Resent    uint64    // revocations sent again after Redis lost them
}

// Status returns the Set's Status.
func (s *Set) Status() Status {
	st := Status{
		Stale:     s.fresh.stale.Load() || s.closed.Load(),
		Current:   s.fresh.current(),
		Down:      s.down.Load(),
		Applied:   s.applied.Load(),
		Delivered: s.delivered.Load(),
		Resyncs:   s.resyncs.Load(),
		Rejected:  s.rejected.Load(),
		Resent:    s.resent.Load(),
	}
	if s.box != nil {
		s.box.mu.Lock()
		st.Pending = len(s.box.pending)
		s.box.mu.Unlock()
	}
	return st
}

// Health implements revocation.Set. In order of precedence it returns:
//
//   - revocation.ErrClosed after Close;
//   - the outbox's failure (ErrOutbox), after which revocations during an
//     outage cannot be acknowledged;
//   - past MaxStaleness (the replica not confirmed current), an error
//     wrapping ErrStale, with Redis's last error: under ServeStale it also
//     wraps revocation.ErrDegraded, since the node still acknowledges and
//     enforces revocations and serves from its replica; under FailClosed
//     it does not, since Check then fails;
//   - an error wrapping ErrUnavailable, with Redis's reply, while Redis
//     refuses the outbox's revocations with an error that needs an
//     operator (a permission or password changed, a key of the wrong
//     type): they stay in the outbox and are retried;
//   - an error wrapping revocation.ErrDegraded, naming the count, while
//     the outbox holds revocations not yet delivered: they are in force on
//     this node but not on the others (Redis is unreachable from here, or
//     refuses writes);
//   - an error wrapping revocation.ErrDegraded while the replica holds nine
//     tenths of its capacity or more, and collapses subjects' entries to
//     make room;
//   - nil otherwise.
func (s *Set) Health(context.Context) error {
	if s.closed.Load() {
		return revocation.ErrClosed
	}
	pending := 0
	if s.box != nil {
		s.box.mu.Lock()
		err := s.box.failed
		pending = len(s.box.pending)
		s.box.mu.Unlock()
		if err != nil {
			return err
		}
	}
	waiting := ""
	if pending > 0 {
		waiting = fmt.Sprintf("; %d revocations wait in this node's outbox", pending)
	}
	if s.fresh.stale.Load() {
		age := time.Since(s.fresh.current()).Round(time.Millisecond)
		s.errMu.Lock()
		last := s.lastErr
		s.errMu.Unlock()
		why := fmt.Sprintf("not confirmed current for %s (MaxStaleness %s)%s", age, s.opts.MaxStaleness, waiting)
		if last != nil {
			why += fmt.Sprintf("; %s: %v", s.where, last)
		}
		if s.opts.Policy == FailClosed {
			return fmt.Errorf("%w: %s; Check fails for tokens not known as revoked (policy %s)", ErrStale, why, s.opts.Policy)
		}
		return fmt.Errorf("%w: %w: %s; this node serves from its replica (policy %s)", revocation.ErrDegraded, ErrStale, why, s.opts.Policy)
	}
	s.errMu.Lock()
	refused := s.deliverErr
	s.errMu.Unlock()
	if refused != nil {
		return fmt.Errorf("%w: %s refuses the outbox's revocations (%d pending, retried): %w", ErrUnavailable, s.where, pending, refused)
	}
	if pending > 0 {
		return fmt.Errorf("%w: %d revocations wait in this node's outbox for %s: in force on this node, not yet on the others", revocation.ErrDegraded, pending, s.where)
	}
	if n, capacity := s.rep.load(); int64(n)*10 >= int64(capacity)*9 {
		return fmt.Errorf("%w: the local replica holds %d entries, capacity %d: the subjects with the most entries are collapsed on this node to make room (raise MaxEntries)", revocation.ErrDegraded, n, capacity)
	}
	return nil
}

// Close implements revocation.Set. It stops the tailer and waits for it,
// tries once more to deliver the outbox (bounded by the write and read
// timeouts; what is left stays in the file for the next New), and closes
// the connections and the outbox. Check keeps answering from the replica;
// the Revoke methods return revocation.ErrClosed.
func (s *Set) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.cancel()
		s.tail.Close() // interrupts a blocked XREAD
		<-s.done
		s.fresh.stop()
		if s.box != nil {
			ctx, cancel := context.WithTimeout(context.Background(), s.opts.WriteTimeout+s.opts.ReadTimeout)
			err := s.deliver(ctx)
			cancel()
			s.box.mu.Lock()
			if n := len(s.box.pending); n > 0 {
				s.log.Warn("redisset: revocations stay in the outbox until the next start", "pending", n, "path", s.box.path, "err", err)
			}
			s.closeErr = s.box.failed
			s.box.close()
			s.box.mu.Unlock()
		}
		s.cmd.Close()
	})
	return s.closeErr
}

// setErr records the tailer's last failure (nil once it works again).
func (s *Set) setErr(err error) {
	s.errMu.Lock()
	s.lastErr = err
	s.errMu.Unlock()
}

// freshness tracks the time as of which the replica is known current, and
// flips stale, which Check reads with one atomic load, when that is more
// than max ago: a timer fires at the deadline, so nothing on Check's path
// reads the clock.
type freshness struct {
	max   time.Duration
	mu    sync.Mutex
	at    time.Time
	timer *time.Timer
	stale atomic.Bool
}

func (f *freshness) start(max time.Duration, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.max, f.at = max, at
	f.timer = time.AfterFunc(max-time.Since(at), f.fire)
}

// mark records that the replica was current as of at.
func (f *freshness) mark(at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if at.After(f.at) {
		f.at = at
	}
	if f.timer == nil { // the first snapshot, before start
		return
	}
	if left := f.max - time.Since(f.at); left > 0 {
		f.stale.Store(false)
		f.timer.Reset(left)
	}
}

func (f *freshness) fire() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if left := f.max - time.Since(f.at); left > 0 {
		f.timer.Reset(left)
		return
	}
	f.stale.Store(true)
}

func (f *freshness) current() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.at
}

func (f *freshness) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.timer.Stop()
}

// SubjectEntry returns the subject entry of subject as this node's replica
// holds it — made by RevokeSubject or by a collapse: the sessions of the
// subject created before before are revoked until until — and whether there
// is one. Tools use it to report an entry's real expiry: entries only grow.
func (s *Set) SubjectEntry(subject string) (before, until time.Time, ok bool) {
	e, ok := s.rep.subjectEntry(table.KeyOf(subject))
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	return time.Unix(int64(e.before), 0), time.Unix(int64(e.until), 0), true
}
