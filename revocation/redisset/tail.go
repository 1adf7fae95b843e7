package redisset

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Tailer timing.
const (
	minBackoff = 50 * time.Millisecond
	maxBackoff = time.Second
	// snapshotTimeout bounds one snapshot (SCAN and MGET of every entry).
	snapshotTimeout = 2 * time.Minute
	// scanCount is the COUNT hint of the snapshot's SCAN.
	scanCount = 1000
	// maxScanRounds bounds a snapshot's SCAN iterations: far more than a
	// set at its capacity needs (SCAN returns about scanCount keys a round).
	maxScanRounds = 1 << 20
	// checkInterval is how often the tailer compares the stream's history
	// with the one it followed (see checkHistory).
	checkInterval = 5 * time.Second
	// verifyBatch is how many keys one MGET of verifyJournal reads.
	verifyBatch = 500
	// deliverBatch is how many outbox revocations one delivery round sends;
	// maxDeliverRounds bounds the rounds of one tailer step.
	deliverBatch     = 64
	maxDeliverRounds = 1024
	// maxDeliverWait bounds the pause between deliveries while Redis
	// refuses them with an error that needs an operator (NOPERM, WRONGPASS,
	// WRONGTYPE...); errors that go away by themselves (out of memory,
	// loading) are retried at least every maxBackoff.
	maxDeliverWait = 30 * time.Second
)

// run is the tailer: until Close, it delivers the outbox, reads the stream
// with a blocking XREAD and applies its records to the replica, resyncs
// from a snapshot after a gap, prunes, and backs off while Redis fails.
func (s *Set) run() {
	defer close(s.done)
	backoff := minBackoff
	failing := false
	nextPrune := time.Now().Add(s.opts.PruneInterval)
	for s.runCtx.Err() == nil {
		if s.opts.PruneInterval > 0 && time.Now().After(nextPrune) {
			s.rep.prune(time.Now())
			nextPrune = time.Now().Add(s.opts.PruneInterval)
		}
		err := s.step(s.runCtx, failing)
		if s.runCtx.Err() != nil {
			return
		}
		if err == nil {
			if failing {
				s.log.Info("redisset: Redis reachable again", "server", s.where)
				failing = false
				s.setErr(nil)
			}
			backoff = minBackoff
			continue
		}
		if !failing {
			s.log.Warn("redisset: Redis unreachable; the replica answers alone within MaxStaleness", "server", s.where, "err", err)
			failing = true
		}
		s.setErr(err)
		if s.box != nil && transient(err) {
			s.down.Store(true)
		}
		select {
		case <-s.runCtx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// step does one round of the tailer's work. After a failure (reconnect),
// it first checks that the stream still holds every record after the last
// one read.
func (s *Set) step(ctx context.Context, reconnect bool) error {
	if s.box != nil {
		// An outbox whose write failed (a full disk) is retried here too,
		// so that Health clears once the disk takes writes again.
		s.box.mu.Lock()
		_ = s.box.usable()
		s.box.mu.Unlock()
	}
	if reconnect || time.Since(s.checked) >= checkInterval {
		if err := s.checkHistory(ctx, reconnect); err != nil {
			return err
		}
		s.checked = time.Now()
	}
	if s.needResync {
		if err := s.snapshot(ctx); err != nil {
			return err
		}
		// The snapshot moved lastID past records this node may have added
		// and not read back: check that they are still there.
		if err := s.checkOwn(ctx, s.lastID); err != nil {
			return err
		}
	}
	if s.verify {
		if err := s.verifyJournal(ctx); err != nil {
			return err
		}
	}
	if reconnect {
		s.nextDeliver = time.Time{} // Redis is back: deliver at once
	}
	if s.box != nil && !time.Now().Before(s.nextDeliver) {
		// A delivery failure (Redis out of memory, a permission refused)
		// must not stop the replica from following the stream: a later
		// round retries it, after a backoff, and the revocations stay in
		// the outbox until Redis takes them.
		err := s.deliver(ctx)
		s.deliveredOrNot(err)
	}
	return s.read(ctx)
}

// read waits up to s.block for stream records after lastID and applies
// them.
func (s *Set) read(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.block+s.opts.ReadTimeout)
	defer cancel()
	t0 := time.Now()
	res, err := s.tail.XRead(ctx, &redis.XReadArgs{
		Streams: []string{s.keys.stream, s.lastID},
		Count:   readCount,
		Block:   s.block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		// Nothing arrived during the whole block, which began on the server
		// after t0: the replica was current at t0 + block.
		s.fresh.mark(t0.Add(s.block))
		return s.checkOwn(ctx, s.lastID)
	}
	if err != nil {
		return err
	}
	var msgs []redis.XMessage
	for _, st := range res {
		if st.Stream == s.keys.stream {
			msgs = st.Messages
		}
	}
	if len(msgs) == 0 {
		s.fresh.mark(t0)
		return s.checkOwn(ctx, s.lastID)
	}
	for i := range msgs {
		s.applyRecord(&msgs[i])
		s.seen.add(msgs[i].ID)
	}
	s.added += int64(len(msgs))
	prev := s.lastID
	s.lastID = msgs[len(msgs)-1].ID
	// Records after prev may have been trimmed before this read, whatever
	// its size: approximate trimming (MAXLEN ~) can leave fewer records
	// than readCount after prev, and another node may trim harder.
	if err := s.checkStream(ctx, prev); err != nil {
		return err
	}
	if err := s.checkOwn(ctx, prev); err != nil {
		return err
	}
	if len(msgs) < readCount && !s.needResync {
		// Fewer than asked and no gap: every record up to the read was
		// returned.
		s.fresh.mark(t0)
	}
	return nil
}

// maxOwnChecks bounds the XRANGE lookups of one checkOwn; past it the
// journal is verified instead.
const maxOwnChecks = 32

// checkOwn checks the records this node added that the tailer has now
// passed (IDs up to lastID; prev is where the last read started): each
// must have been read — by this read, or by a recent one when the journal
// learnt of the record only after the tailer had read it — or still be in
// the stream. One that is neither was lost by Redis before this node read
// it back (a flushed or restarted Redis whose stream went on with other
// nodes' writes, a failover to a lagging replica): the next step verifies
// the journal and sends again what Redis lost.
func (s *Set) checkOwn(ctx context.Context, prev string) error {
	ids, overflow := s.journal.passed(s.lastID)
	lost, lookups := false, 0
	for _, id := range ids {
		if lost || overflow {
			break
		}
		switch {
		case s.seen.has(id):
		case compareIDs(id, prev) > 0:
			lost = true // within this read, and not returned by it
		case lookups == maxOwnChecks:
			overflow = true
		default:
			lookups++
			msgs, err := s.cmd.XRange(ctx, s.keys.stream, id, id).Result()
			if err != nil {
				return err // a reconnect verifies the journal anyway
			}
			lost = len(msgs) == 0
		}
	}
	if lost && !s.verify && !s.needResync {
		s.log.Warn("redisset: a revocation record this node added is missing from the stream (Redis lost it before this node read it back); sending this node's recent revocations again where Redis lacks them",
			"server", s.where)
	}
	if lost || overflow {
		s.verify = true
	}
	return nil
}

// readIDs remembers the IDs of the last recentReads stream records the
// tailer read (see checkOwn). It belongs to the tailer.
type readIDs struct {
	ring []string
	next int
	set  map[string]struct{}
}

const recentReads = 2 * readCount

func (r *readIDs) add(id string) {
	if r.set == nil {
		r.set = make(map[string]struct{}, recentReads)
	}
	if len(r.ring) < recentReads {
		r.ring = append(r.ring, id)
	} else {
		delete(r.set, r.ring[r.next])
		r.ring[r.next] = id
		r.next = (r.next + 1) % recentReads
	}
	r.set[id] = struct{}{}
}

func (r *readIDs) has(id string) bool {
	_, ok := r.set[id]
	return ok
}

// applyRecord applies one stream record.
func (s *Set) applyRecord(m *redis.XMessage) {
	kind, _ := m.Values["k"].(string)
	name, _ := m.Values["i"].(string)
	state, _ := m.Values["v"].(string)
	owner, _ := m.Values["o"].(string)
	c, _ := m.Values["c"].(string)
	created, cok := parseUint32(c)
	if len(kind) != 1 || owner != "" && !cok {
		s.log.Warn("redisset: skipped a malformed stream record", "id", m.ID)
		return
	}
	if !s.rep.applyState(kind[0], name, state, owner, created) {
		s.log.Warn("redisset: skipped a malformed stream record", "id", m.ID)
		return
	}
	s.applied.Add(1)
}

// checkStream is called after every read that returned records: if
// records after since may have been trimmed before they were read (a gap),
// the next step resyncs from a snapshot.
func (s *Set) checkStream(ctx context.Context, since string) error {
	info, err := s.cmd.XInfoStream(ctx, s.keys.stream).Result()
	if isNoSuchKey(err) {
		return nil // checkHistory will see it
	}
	if err != nil {
		return err
	}
	if trimmedAfter(info, since) {
		s.log.Warn("redisset: fell behind the revocation stream's trimming; resyncing from a snapshot", "server", s.where)
		s.needResync = true
	}
	return nil
}

// checkHistory compares the stream with what this node has read and
// written; the tailer calls it on reconnecting and every checkInterval.
//
// Redis replicates asynchronously and may sync its AOF only every second,
// so it can lose writes it acknowledged: a failover to a replica that
// lagged, a restart from an older file. Then the stream's history diverges
// from the one this node followed. It shows as a stream gone or gone back
// (its last ID before the last record read), the last record read missing
// though not trimmed, or — Redis 7 counts the records ever added to a
// stream — a count, once caught up, other than the one this node followed.
// A divergence makes the node resync its replica from a snapshot (entries
// it holds stay) and verify its journal. A reconnect, the newest record
// this node added missing from the stream, or records it added and has not
// read back yet missing (the stream gone, or gone back before them), make
// it verify its journal too: verifyJournal sends again what Redis lost.
func (s *Set) checkHistory(ctx context.Context, reconnect bool) error {
	// Before XINFO: a record this node adds while it runs is not in its
	// answer, and must not look lost.
	unread := s.journal.newestUnread()
	info, err := s.cmd.XInfoStream(ctx, s.keys.stream).Result()
	gone := isNoSuchKey(err)
	if err != nil && !gone {
		return err
	}
	diverged := ""
	switch {
	case gone:
		if s.lastID != "0-0" {
			diverged = "the revocation stream is gone"
		}
	case compareIDs(info.LastGeneratedID, s.lastID) < 0:
		diverged = "the revocation stream went back"
	case info.EntriesAdded > 0 && s.added > 0 && info.LastGeneratedID == s.lastID && info.EntriesAdded != s.added:
		diverged = "the revocation stream's history changed"
	case s.lastID != "0-0" && info.Length > 0 && compareIDs(info.FirstEntry.ID, s.lastID) <= 0:
		msgs, err := s.cmd.XRange(ctx, s.keys.stream, s.lastID, s.lastID).Result()
		if err != nil {
			return err
		}
		if len(msgs) == 0 {
			diverged = "the last revocation record read is gone from the stream"
		}
	}
	if diverged != "" {
		s.log.Warn("redisset: "+diverged+" (Redis lost data: a failover to a lagging replica, a restart from an older AOF or RDB, or another server); resyncing, and sending this node's recent revocations again where Redis lacks them",
			"server", s.where)
		s.needResync, s.verify = true, true
		return nil
	}
	if !gone && trimmedAfter(info, s.lastID) {
		s.log.Warn("redisset: fell behind the revocation stream's trimming; resyncing from a snapshot", "server", s.where)
		s.needResync = true
	}
	if reconnect {
		s.verify = true
		return nil
	}
	// Records this node added and has not read back yet: a stream gone, or
	// gone back to before the newest of them, lost them — even when this
	// node has read nothing yet, so that the checks above see no
	// divergence. (Those the tailer passes without reading are checkOwn's.)
	if unread != "" && (gone || compareIDs(info.LastGeneratedID, unread) < 0) {
		s.log.Warn("redisset: the revocation stream lost records this node added before it read them back (Redis lost data); sending this node's recent revocations again where Redis lacks them",
			"server", s.where)
		s.verify = true
		return nil
	}
	if own := s.journal.newest(); own != "" && !gone && compareIDs(info.FirstEntry.ID, own) <= 0 {
		msgs, err := s.cmd.XRange(ctx, s.keys.stream, own, own).Result()
		if err != nil {
			return err
		}
		if len(msgs) == 0 {
			s.verify = true
		}
	}
	return nil
}

// verifyJournal checks each revocation this node delivered within the
// journal's window against the entries Redis holds now, and queues those
// Redis lost (no entry includes it) for delivery again: in the outbox, or,
// without one, straight to Redis. Sending again merges idempotently.
func (s *Set) verifyJournal(ctx context.Context) error {
	calls := s.journal.recent(time.Now())
	node, err := s.entryNode(ctx)
	if err != nil {
		return err
	}
	var lost []call
	keys := make([]string, 0, 3*verifyBatch)
	for start := 0; start < len(calls); start += verifyBatch {
		batch := calls[start:min(start+verifyBatch, len(calls))]
		keys = keys[:0]
		for i := range batch {
			keys = s.keys.coverKeys(keys, &batch[i])
		}
		vals, err := node.MGet(ctx, keys...).Result()
		if err != nil {
			return err
		}
		for i := range batch {
			var st coverStates
			st, vals = takeCoverStates(&batch[i], vals)
			if !covers(&batch[i], &st) {
				lost = append(lost, batch[i])
			}
		}
	}
	if len(lost) > 0 {
		s.log.Warn("redisset: Redis lost revocations it had acknowledged from this node; sending them again",
			"server", s.where, "count", len(lost))
		if s.box != nil {
			s.box.mu.Lock()
			err := s.box.addBatch(lost)
			s.box.mu.Unlock()
			if err != nil {
				return err
			}
		} else {
			for i := range lost {
				if err := s.send(ctx, &lost[i]); err != nil && transient(err) {
					return err
				}
			}
		}
		s.resent.Add(uint64(len(lost)))
	}
	s.verify = false
	return nil
}

// coverStates are the states, as Redis holds them, of the entries that
// can include a call: its own entry; for an issued-before call, the
// session's session entry; for a session or issued-before call with a
// subject, the subject's entry (after a collapse, or a RevokeSubject, the
// script keeps no entry of its own for a session the subject's entry
// revokes). "" for an entry Redis does not hold.
type coverStates struct {
	entry, session, subject string
}

// coverKeys appends to dst the keys of the entries that can include c, in
// the order takeCoverStates reads their values.
func (k keys) coverKeys(dst []string, c *call) []string {
	dst = append(dst, k.entry(c.kind, c.name()))
	if c.kind == kindToken {
		dst = append(dst, k.entry(kindSession, c.name()))
	}
	if c.kind != kindSubject && c.owner() != "" {
		dst = append(dst, k.entry(kindSubject, c.owner()))
	}
	return dst
}

// takeCoverStates reads the states of c's entries from the head of vals
// (MGET's values for coverKeys), and returns them and the rest.
func takeCoverStates(c *call, vals []any) (st coverStates, rest []any) {
	next := func() string {
		v, _ := vals[0].(string)
		vals = vals[1:]
		return v
	}
	st.entry = next()
	if c.kind == kindToken {
		st.session = next()
	}
	if c.kind != kindSubject && c.owner() != "" {
		st.subject = next()
	}
	return st, vals
}

// covers reports whether the entries Redis holds include call c.
func covers(c *call, st *coverStates) bool {
	if c.kind != kindSubject && st.subject != "" {
		if e, ok := parseSubjectState(st.subject); ok && c.created < e.before && e.until >= c.until {
			return true
		}
	}
	switch c.kind {
	case kindSession:
		u, ok := parseSessionState(st.entry)
		return ok && u >= c.until
	case kindToken:
		if u, ok := parseSessionState(st.session); ok && u >= c.until {
			return true
		}
		t, ok := parseTokenState(st.entry)
		return ok && t.until >= c.until && max(t.hard, t.soft) >= c.before
	case kindSubject:
		e, ok := parseSubjectState(st.entry)
		return ok && e.until >= c.until && e.before >= c.before
	}
	return false
}

// trimmedAfter reports whether records after since may be missing from the
// stream. Trimming removes the oldest records, so if the first record left
// is not after since, everything after since is still there. If it is,
// records between since and it may have been trimmed — unless the stream
// never lost a record (Redis 7 counts the records ever added). XDEL, which
// the Set never uses, is caught by max-deleted-entry-id (Redis 7; trimming
// does not move it).
func trimmedAfter(info *redis.XInfoStream, since string) bool {
	if info.MaxDeletedEntryID != "" && compareIDs(info.MaxDeletedEntryID, since) > 0 {
		return true
	}
	if info.Length == 0 || compareIDs(info.FirstEntry.ID, since) <= 0 {
		return false
	}
	return info.EntriesAdded == 0 || info.EntriesAdded != info.Length
}

func isNoSuchKey(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no such key")
}

// compareIDs compares two stream IDs (ms-seq); an unparsable ID sorts
// first.
func compareIDs(a, b string) int {
	am, as := splitID(a)
	bm, bs := splitID(b)
	switch {
	case am != bm:
		if am < bm {
			return -1
		}
		return 1
	case as < bs:
		return -1
	case as > bs:
		return 1
	}
	return 0
}

func splitID(id string) (ms, seq uint64) {
	m, sq, _ := strings.Cut(id, "-")
	ms, _ = strconv.ParseUint(m, 10, 64)
	seq, _ = strconv.ParseUint(sq, 10, 64)
	return ms, seq
}

// snapshot loads every entry from Redis into the replica: it first takes
// the stream's last ID, then SCANs the entry keys and reads their values,
// so that tailing from that ID afterwards misses nothing written during
// the scan (applying a state twice is harmless).
func (s *Set) snapshot(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
	defer cancel()
	t0 := time.Now()
	last, added := "0-0", int64(0)
	info, err := s.cmd.XInfoStream(ctx, s.keys.stream).Result()
	switch {
	case err == nil:
		last, added = info.LastGeneratedID, info.EntriesAdded
	case !isNoSuchKey(err):
		return err
	}
	node, err := s.entryNode(ctx)
	if err != nil {
		return err
	}
	// Entries first by name, then applied with the owner and created-at
	// their subjects' indexes give them: a key and its index may come in
	// any order, or different SCAN rounds.
	type entryState struct {
		kind        byte
		name, state string
	}
	var entries []entryState
	owners := map[string]ownerRef{} // session ID (hex) → its subject and created-at
	var cursor uint64
	for range maxScanRounds {
		keys, next, err := node.Scan(ctx, cursor, s.keys.match, scanCount).Result()
		if err != nil {
			return err
		}
		var values, indexes []string
		for _, k := range keys {
			if kind, _, ok := s.keys.parse(k); ok && kind == kindOwner {
				indexes = append(indexes, k)
			} else {
				values = append(values, k)
			}
		}
		if len(values) > 0 {
			vals, err := node.MGet(ctx, values...).Result()
			if err != nil {
				return err
			}
			for i, k := range values {
				v, ok := vals[i].(string)
				if !ok {
					continue // expired since the SCAN
				}
				if kind, name, ok := s.keys.parse(k); ok {
					entries = append(entries, entryState{kind, name, v})
				}
			}
		}
		if err := s.readIndexes(ctx, node, indexes, owners); err != nil {
			return err
		}
		if next == 0 {
			break
		}
		cursor = next
	}
	for _, e := range entries {
		ref := owners[e.name]
		if e.kind == kindSubject {
			ref = ownerRef{}
		}
		s.rep.applyState(e.kind, e.name, e.state, ref.owner, ref.created)
	}
	s.lastID, s.added = last, added
	s.needResync = false
	s.resyncs.Add(1)
	s.fresh.mark(t0)
	return nil
}

// ownerRef is what a subject's index says of one of its entries.
type ownerRef struct {
	owner   string // the subject's hex name
	created uint32
}

// readIndexes reads the subjects' indexes named by keys (HGETALL, in one
// pipeline) into owners.
func (s *Set) readIndexes(ctx context.Context, node redis.Cmdable, keys []string, owners map[string]ownerRef) error {
	if len(keys) == 0 {
		return nil
	}
	pipe := node.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.HGetAll(ctx, k)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	for i, k := range keys {
		_, owner, _ := s.keys.parse(k)
		for id, c := range cmds[i].Val() {
			if created, ok := parseUint32(c); ok && id != "_u" {
				owners[id] = ownerRef{owner, created}
			}
		}
	}
	return nil
}

// deliveredOrNot records the outcome of a tailer's delivery: on failure it
// logs (once), backs off and, for a refusal that needs an operator,
// reports it in Health; on success it clears all that.
func (s *Set) deliveredOrNot(err error) {
	if err == nil {
		if s.delivering {
			s.log.Info("redisset: the outbox was delivered to Redis", "server", s.where)
		}
		s.delivering, s.deliverWait, s.nextDeliver = false, 0, time.Time{}
		s.errMu.Lock()
		s.deliverErr = nil
		s.errMu.Unlock()
		return
	}
	refused := !selfHealing(err)
	if !s.delivering {
		s.log.Warn("redisset: delivering the outbox to Redis failed; its revocations stay in the outbox and are retried",
			"server", s.where, "err", err)
	} else if refused {
		s.log.Debug("redisset: delivering the outbox to Redis failed again", "server", s.where, "err", err)
	}
	s.delivering = true
	limit := maxBackoff
	if refused {
		limit = maxDeliverWait
	}
	s.deliverWait = min(max(2*s.deliverWait, minBackoff), limit)
	s.nextDeliver = time.Now().Add(s.deliverWait)
	s.errMu.Lock()
	if refused {
		s.deliverErr = err
	}
	s.lastErr = err
	s.errMu.Unlock()
}

// deliver sends the outbox's pending revocations to Redis in order, and
// clears down once none is left. It stops at the first failure, whatever
// the error: an acknowledged revocation leaves the outbox only once Redis
// has stored it, and those behind it wait their turn.
func (s *Set) deliver(ctx context.Context) error {
	b := s.box
	for range maxDeliverRounds {
		b.mu.Lock()
		n := min(len(b.pending), deliverBatch)
		if n == 0 {
			s.down.Store(false)
			b.mu.Unlock()
			return nil
		}
		batch := append([]call(nil), b.pending[:n]...)
		b.mu.Unlock()

		done := 0
		var err error
		for i := range batch {
			if err = s.send(ctx, &batch[i]); err != nil {
				var rerr redis.Error
				if errors.As(err, &rerr) {
					s.rejected.Add(1)
				}
				break
			}
			s.delivered.Add(1)
			done++
		}
		b.mu.Lock()
		derr := b.delivered(done)
		b.mu.Unlock()
		if err != nil {
			return err
		}
		if derr != nil {
			return derr
		}
	}
	return nil
}
