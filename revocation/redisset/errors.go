package redisset

import (
	"errors"
	"fmt"
)

// Sentinel errors. Functions wrap them with details, so test for them with
// [errors.Is]. No error message holds a password, a full URL with its user
// information, a full session ID or a subject.
var (
	// ErrUnavailable reports that Redis could not be reached or refused a
	// command: a revocation that could not be delivered without an outbox
	// (Options.NoOutbox), a failed start-up, a degraded Health.
	ErrUnavailable = errors.New("redisset: redis unavailable")

	// ErrStale reports a replica that has not been confirmed current for
	// longer than Options.MaxStaleness. Check returns it, alone, under the
	// FailClosed policy for a token the replica does not know as revoked.
	// Health wraps it: with revocation.ErrDegraded too under ServeStale
	// (the replica still serves), alone under FailClosed. It matches
	// ErrUnavailable too.
	ErrStale = fmt.Errorf("%w: revocation replica stale", ErrUnavailable)

	// ErrEvictionPolicy reports a Redis whose maxmemory-policy is not
	// noeviction: it could drop revocations under memory pressure (every
	// key of the set has a TTL, so the volatile-* policies evict them as
	// readily as the allkeys-* ones). New refuses such a server unless
	// Options.AllowEviction is set.
	ErrEvictionPolicy = errors.New("redisset: redis maxmemory-policy could evict revocations")

	// ErrBadOptions reports Options (or a ParseSpec string) that New
	// cannot use. The message names the offending field or URL parameter,
	// never a secret value.
	ErrBadOptions = errors.New("redisset: bad options")

	// ErrOutbox reports a failure of the outbox file: it could not be
	// opened, written or synced, so a revocation made while Redis is
	// unreachable could not be acknowledged. After a write or fsync failure
	// the outbox refuses further appends (its contents on disk are unknown)
	// and Health reports it; reopening the Set recovers what the file holds.
	ErrOutbox = errors.New("redisset: outbox failed")
)
