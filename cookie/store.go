package cookie

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/registry"
	"github.com/crumbhq/crumb/revocation"
)

// Store reads and writes sessions as sealed tokens. It keeps no session
// table: the token a client holds is the session. Every mutation returns a
// new token that the caller must write back (into the cookie); the token it
// replaced stays valid until its own deadlines unless the session is
// revoked or StrictReissue is on (see the package documentation).
//
// A Store is safe for concurrent use.
type Store struct {
	name         string
	purpose      string
	keys         keyring.Source
	codec        *codec.Codec
	serializers  serializerPair
	revs         revocation.Set
	ownRevs      bool
	reg          registry.Registry // nil: no session listing
	idle         int64             // seconds
	abs          int64             // seconds
	rememberAbs  int64             // seconds; 0: remember-me off
	rememberIdle int64             // seconds
	skew         int64             // seconds
	reissueAfter int64             // seconds; negative: every Touch reissues
	maxLen       int
	strict       bool
	grace        int64      // seconds
	subjectRevs  int64      // seconds: how long a RevokeSubject entry lasts
	cache        *readCache // nil: off
	stats        counters
}

// New returns a Store for the options, filling in defaults. Errors wrap
// ErrBadOptions.
func New(o Options) (*Store, error) {
	if o.Name == "" {
		o.Name = DefaultName
	}
	if o.AbsoluteTimeout == 0 {
		o.AbsoluteTimeout = DefaultAbsoluteTimeout
	}
	if o.IdleTimeout == 0 {
		// A session cannot idle longer than it lives: with only a short
		// absolute timeout set, the idle timeout defaults to it.
		o.IdleTimeout = min(DefaultIdleTimeout, o.AbsoluteTimeout)
	}
	switch {
	case o.Skew == 0:
		o.Skew = DefaultSkew
	case o.Skew < 0:
		o.Skew = 0
	}
	switch {
	case o.ReissueGrace == 0:
		o.ReissueGrace = DefaultReissueGrace
	case o.ReissueGrace < 0:
		o.ReissueGrace = 0
	}
	if o.RememberTimeout != 0 && o.RememberIdleTimeout == 0 {
		o.RememberIdleTimeout = o.RememberTimeout
	}
	if o.ReissueAfter == 0 {
		o.ReissueAfter = o.IdleTimeout / 4
	}
	if o.MaxTokenLen == 0 {
		o.MaxTokenLen = DefaultMaxTokenLen
	}
	if o.Serializer == nil {
		o.Serializer = codec.JSON{}
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	s := &Store{
		name:         o.Name,
		purpose:      purpose(o.Name, o.Audience),
		keys:         o.Keys,
		codec:        o.Codec,
		serializers:  newSerializerPair(o.Serializer),
		revs:         o.Revocations,
		reg:          o.Registry,
		idle:         seconds(o.IdleTimeout, 0),
		abs:          seconds(o.AbsoluteTimeout, 0),
		skew:         seconds(o.Skew, 0),
		reissueAfter: seconds(o.ReissueAfter, 0),
		maxLen:       o.MaxTokenLen,
		strict:       o.StrictReissue,
		grace:        seconds(o.ReissueGrace, 0),
		rememberAbs:  seconds(o.RememberTimeout, 0),
		rememberIdle: seconds(o.RememberIdleTimeout, 0),
		subjectRevs:  seconds(max(o.SubjectRevocation, o.AbsoluteTimeout, o.RememberTimeout), 0),
	}
	if o.ReissueAfter < 0 {
		s.reissueAfter = -1
	}
	switch {
	case o.ReadCache == 0:
		s.cache = newReadCache(DefaultReadCache)
	case o.ReadCache > 0:
		s.cache = newReadCache(o.ReadCache)
	}
	if s.codec == nil {
		c, err := codec.New(codec.Options{})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadOptions, err)
		}
		s.codec = c
	}
	if s.revs == nil {
		l, err := revocation.NewLocal(revocation.LocalOptions{})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadOptions, err)
		}
		s.revs, s.ownRevs = l, true
	}
	return s, nil
}

// Name returns the cookie name the store seals tokens for.
func (s *Store) Name() string { return s.name }

// Healthy returns nil when the store can serve sessions: the keyring has a
// ring and the revocation set acknowledges revocations (a readiness
// check). A set that works but is degraded — near its capacity, or
// holding revocations not yet shared with the other instances — gives an
// error matching revocation.ErrDegraded and not ErrUnavailable: a warning
// for an operator, not a reason to take the instance out of service. A
// session registry that fails (Options.Registry) gives an error wrapping
// ErrRegistryUnavailable: sessions are still read, but sign-ins and
// listing fail until it is back.
func (s *Store) Healthy(ctx context.Context) error {
	if !hasRing(s.keys) {
		return fmt.Errorf("%w: no keyring", ErrUnavailable)
	}
	if err := s.revs.Health(ctx); err != nil {
		if errors.Is(err, revocation.ErrDegraded) {
			return fmt.Errorf("cookie: revocation set degraded: %w", err)
		}
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if s.reg != nil {
		if err := s.reg.Health(ctx); err != nil {
			return registryError("session registry", err)
		}
	}
	return nil
}

// Cleanup drops revocation entries whose tokens have all expired, and
// returns how many it removed. The default
// revocation set also does this on its own every minute.
func (s *Store) Cleanup(ctx context.Context) (int, error) {
	return s.revs.Prune(ctx, time.Now())
}

// Close releases the revocation set if the store created it. It does not
// close a set passed in Options.Revocations.
func (s *Store) Close() error {
	if s.ownRevs {
		return s.revs.Close()
	}
	return nil
}

// Keys returns the keyring source the store seals and opens with.
func (s *Store) Keys() keyring.Source { return s.keys }
