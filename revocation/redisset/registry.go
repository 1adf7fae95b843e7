package redisset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crumbhq/crumb/registry"
)

// Registry is the session registry on Redis: a registry.Registry that
// several instances share, so that a session created on one is listed on
// all of them and can be ended from any. Create it with NewRegistry; it is
// safe for concurrent use. See "Session registry" in the package doc for
// its keys and costs.
type Registry struct {
	log    *slog.Logger
	prefix string // KeyPrefix + "reg:{"
	where  string // the addresses, for messages (never a password)
	max    int
	cmd    redis.UniversalClient

	added   atomic.Uint64
	evicted atomic.Uint64
	removed atomic.Uint64
	pruned  atomic.Uint64

	closed    atomic.Bool
	closeOnce sync.Once
}

var _ registry.Registry = (*Registry)(nil)

// NewRegistry connects to Redis and returns the session registry it holds.
// It takes the same Options as New, so that one URL configures both; of
// them it uses the connection (URL, Addrs, Cluster, Sentinel, ACL user and
// password, DB, TLS), KeyPrefix, the timeouts, RegistryMaxPerSubject and
// Logger. The others concern only the revocation set and are ignored,
// though still checked as New checks them, except that OutboxPath and
// NoOutbox need not be set. ctx bounds the connection check
// (DefaultStartTimeout when it has no deadline).
//
// NewRegistry fails with ErrBadOptions for unusable options, and with an
// error wrapping both registry.ErrUnavailable and ErrUnavailable when Redis
// does not answer.
func NewRegistry(ctx context.Context, opts Options) (*Registry, error) {
	o, err := opts.resolveConn()
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
	u := o.universal(tc, 0)
	u.ClientName = "crumb-registry"
	// One dial per try (go-redis's default is five, 100 ms apart): a
	// settings page should learn at once that Redis is down, and a call
	// then takes at most two tries (MaxRetries 1) of DialTimeout, or of
	// WriteTimeout plus ReadTimeout.
	u.DialerRetries = 1
	r := &Registry{
		log:    o.Logger,
		prefix: o.KeyPrefix + "reg:{",
		where:  o.describe(),
		max:    o.RegistryMaxPerSubject,
		cmd:    redis.NewUniversalClient(u),
	}
	if err := r.cmd.Ping(ctx).Err(); err != nil {
		r.cmd.Close()
		return nil, &unavailableError{where: r.where, err: err}
	}
	return r, nil
}

// unavailableError is a failure to reach Redis, or a refusal from it. It
// matches both registry.ErrUnavailable and ErrUnavailable.
type unavailableError struct {
	where string
	err   error
}

func (e *unavailableError) Error() string {
	return registry.ErrUnavailable.Error() + ": " + e.where + ": " + e.err.Error()
}

func (e *unavailableError) Unwrap() error { return e.err }

func (e *unavailableError) Is(target error) bool {
	return target == registry.ErrUnavailable || target == ErrUnavailable
}

// fail returns the error of a command that err failed: ErrClosed once the
// registry is closed, else an unavailableError.
func (r *Registry) fail(err error) error {
	if r.closed.Load() || errors.Is(err, redis.ErrClosed) {
		return registry.ErrClosed
	}
	return &unavailableError{where: r.where, err: err}
}

// key returns the key of subject's hash: KeyPrefix + "reg:{" +
// hex(SHA-256(subject)) + "}".
func (r *Registry) key(subject string) string {
	sum := sha256.Sum256([]byte(subject))
	return r.prefix + hex.EncodeToString(sum[:]) + "}"
}

// Add implements registry.Registry, in one round trip (one script). An
// entry whose Expires is at or before now is not stored, and removes the
// entry of its ID, if any.
func (r *Registry) Add(ctx context.Context, e registry.Entry, now time.Time) ([]registry.Entry, error) {
	if r.closed.Load() {
		return nil, registry.ErrClosed
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	labels, err := encodeLabels(e.Labels)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", registry.ErrBadEntry, err)
	}
	expires := regSecs(e.Expires)
	value := appendValue(nil, regSecs(e.Created), regSecs(e.LastSeen), expires, labels)
	res, err := addScript.Run(ctx, r.cmd, []string{r.key(e.Subject)},
		regSecs(now), r.max, encodeHexID(&e.ID), value, expires).Slice()
	if err != nil {
		return nil, r.fail(err)
	}
	if len(res) < 2 || len(res)%2 != 0 {
		return nil, r.fail(fmt.Errorf("unexpected reply of %d elements from the registry script", len(res)))
	}
	if n, _ := res[0].(int64); n > 0 {
		r.pruned.Add(uint64(n))
	}
	if stored, _ := res[1].(int64); stored == 1 {
		r.added.Add(1)
	}
	var evicted []registry.Entry
	bad := 0
	for i := 2; i < len(res); i += 2 {
		field, _ := res[i].(string)
		value, _ := res[i+1].(string)
		ev, ok, labelsOK := parseEntry(e.Subject, field, value)
		if !ok {
			// The script evicts only entries whose times it read: only a
			// field that is not a session ID gets here.
			bad++
			continue
		}
		if !labelsOK {
			bad++
		}
		evicted = append(evicted, ev)
	}
	r.evicted.Add(uint64(len(evicted)))
	if bad > 0 {
		r.log.Warn("redisset: the session registry evicted entries it could not fully read (their labels, or their session ID, are damaged)",
			"server", r.where, "count", bad)
	}
	return evicted, nil
}

// Seen implements registry.Registry, in one round trip (one script). The
// last-seen time never goes back: an earlier at than the one recorded
// changes only the labels.
func (r *Registry) Seen(ctx context.Context, subject string, id registry.ID, at time.Time, labels map[string]string) error {
	if r.closed.Load() {
		return registry.ErrClosed
	}
	if err := registry.ValidateSubject(subject); err != nil {
		return err
	}
	if err := registry.ValidateLabels(labels); err != nil {
		return err
	}
	replace, enc := "0", ""
	if labels != nil {
		var err error
		if enc, err = encodeLabels(labels); err != nil {
			return fmt.Errorf("%w: %w", registry.ErrBadEntry, err)
		}
		replace = "1"
	}
	err := seenScript.Run(ctx, r.cmd, []string{r.key(subject)}, encodeHexID(&id), regSecs(at), replace, enc).Err()
	if err != nil {
		return r.fail(err)
	}
	return nil
}

// Remove implements registry.Registry, in one round trip (HDEL), or none
// without ids.
func (r *Registry) Remove(ctx context.Context, subject string, ids ...registry.ID) error {
	if r.closed.Load() {
		return registry.ErrClosed
	}
	if err := registry.ValidateSubject(subject); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	fields := make([]string, len(ids))
	for i := range ids {
		fields[i] = encodeHexID(&ids[i])
	}
	n, err := r.cmd.HDel(ctx, r.key(subject), fields...).Result()
	if err != nil {
		return r.fail(err)
	}
	r.removed.Add(uint64(n))
	return nil
}

// RemoveBefore implements registry.Registry, in one round trip (one
// script). Times compare in whole seconds: an entry goes when the second
// it was created in is before the second of before.
func (r *Registry) RemoveBefore(ctx context.Context, subject string, before time.Time) error {
	if r.closed.Load() {
		return registry.ErrClosed
	}
	if err := registry.ValidateSubject(subject); err != nil {
		return err
	}
	n, err := removeBeforeScript.Run(ctx, r.cmd, []string{r.key(subject)}, regSecs(before)).Int64()
	if err != nil {
		return r.fail(err)
	}
	r.removed.Add(uint64(n))
	return nil
}

// List implements registry.Registry, reading Redis in one round trip
// (HGETALL). An entry Redis holds in a form List cannot read is left out,
// and logged (without its session ID or labels); the others are listed.
func (r *Registry) List(ctx context.Context, subject string, now time.Time) ([]registry.Entry, error) {
	if r.closed.Load() {
		return nil, registry.ErrClosed
	}
	if err := registry.ValidateSubject(subject); err != nil {
		return nil, err
	}
	all, err := r.cmd.HGetAll(ctx, r.key(subject)).Result()
	if err != nil {
		return nil, r.fail(err)
	}
	t := regSecs(now)
	out := make([]registry.Entry, 0, len(all))
	bad := 0
	for field, value := range all {
		e, ok, labelsOK := parseEntry(subject, field, value)
		if !ok || !labelsOK {
			bad++
			continue
		}
		if e.Expires.Unix() > t {
			out = append(out, e)
		}
	}
	if bad > 0 {
		r.log.Warn("redisset: the session registry skipped entries it could not read; the next sign-in of their subject drops them",
			"server", r.where, "count", bad)
	}
	slices.SortFunc(out, func(a, b registry.Entry) int {
		if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
			return c
		}
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return slices.Compare(a.ID[:], b.ID[:])
	})
	return out, nil
}

// Stats implements registry.Registry. Subjects and Entries are -1: Redis
// cannot count them without a scan. The counters are this Registry's own
// calls, not the other instances'; Pruned counts the expired (or
// unreadable) entries Add dropped.
func (r *Registry) Stats() registry.Stats {
	return registry.Stats{
		Subjects:      -1,
		Entries:       -1,
		MaxPerSubject: r.max,
		Added:         r.added.Load(),
		Evicted:       r.evicted.Load(),
		Removed:       r.removed.Load(),
		Pruned:        r.pruned.Load(),
	}
}

// Health implements registry.Registry: it PINGs Redis and returns an error
// wrapping registry.ErrUnavailable (and ErrUnavailable) when Redis does not
// answer.
func (r *Registry) Health(ctx context.Context) error {
	if r.closed.Load() {
		return registry.ErrClosed
	}
	if err := r.cmd.Ping(ctx).Err(); err != nil {
		return r.fail(err)
	}
	return nil
}

// Close implements registry.Registry: it closes the connections to Redis.
// It is idempotent; calls after the first return nil.
func (r *Registry) Close() error {
	err := error(nil)
	r.closeOnce.Do(func() {
		r.closed.Store(true)
		err = r.cmd.Close()
	})
	return err
}
