package cookie

import (
	"sync/atomic"

	"github.com/crumbhq/crumb/internal/token"
	"github.com/crumbhq/crumb/registry"
	"github.com/crumbhq/crumb/revocation"
)

// Stats is a snapshot of a Store's counters since it was made, plus the
// revocation set's own.
type Stats struct {
	Created  uint64 // sessions created
	Opened   uint64 // tokens read successfully (by Read and the operations built on it)
	Reissued uint64 // tokens reissued (Save, Update, Touch, Modify, Merge of an existing session)
	Renewed  uint64 // sessions given a new ID by Renew or Login
	Deleted  uint64 // sessions revoked by Delete or Revoke (logouts)
	// Rejected tokens, by reason:
	Invalid         uint64 // every integrity failure except an unknown key
	UnknownKey      uint64 // sealed under a key ID the ring does not have (a rotation problem, or forgery)
	IdleExpired     uint64 // past their idle deadline
	AbsoluteExpired uint64 // past their absolute expiry
	Revoked         uint64 // by session, by token (strict reissue) or by subject
	TooLarge        uint64 // the token or its decoded data over a cap
	Unavailable     uint64 // the revocation set could not be asked
	// RegistryFailures counts calls to the session registry that failed
	// (Options.Registry): sign-ins refused because they could not be
	// registered, and updates of last-seen times or removals that could not
	// be made. A session whose removal failed is still hidden from its
	// list, which is checked against the revocation set.
	RegistryFailures uint64
	// ReadCacheHits counts the reads answered from the tokens the store
	// remembers (Options.ReadCache); they count in Opened too.
	// ReadCacheTokens and ReadCacheBytes are what it holds now, the bytes
	// as counted against Options.ReadCache.
	ReadCacheHits, ReadCacheTokens, ReadCacheBytes uint64
	// Revocations describes the revocation set: its size and prunes.
	Revocations revocation.Stats
	// Registry describes the session registry; zero without one.
	Registry registry.Stats
}

// counters are the live counters behind Stats.
type counters struct {
	created, opened, reissued, renewed, deleted, unavailable atomic.Uint64
	cacheHits                                                atomic.Uint64
	registryFailures                                         atomic.Uint64
	rejects                                                  [32]atomic.Uint64 // by token.Reason
}

// reject counts a rejection and returns err unchanged.
func (c *counters) reject(err error) error {
	if r := token.ReasonOf(err); int(r) < len(c.rejects) {
		c.rejects[r].Add(1)
	}
	return err
}

// Stats returns a snapshot of the store's counters.
func (s *Store) Stats() Stats {
	c := &s.stats
	n := func(r token.Reason) uint64 { return c.rejects[r].Load() }
	st := Stats{
		Created: c.created.Load(), Opened: c.opened.Load(), Reissued: c.reissued.Load(),
		Renewed: c.renewed.Load(), Deleted: c.deleted.Load(), Unavailable: c.unavailable.Load(),
		UnknownKey:      n(token.ReasonUnknownKey),
		IdleExpired:     n(token.ReasonIdleExpired),
		AbsoluteExpired: n(token.ReasonAbsoluteExpired),
		Revoked:         n(token.ReasonRevoked) + n(token.ReasonSubjectRevoked),
		TooLarge:        n(token.ReasonTokenTooLarge) + n(token.ReasonPayloadTooLarge),
		Revocations:     s.revs.Stats(),

		RegistryFailures: c.registryFailures.Load(),
	}
	if s.reg != nil {
		st.Registry = s.reg.Stats()
	}
	entries, bytes := s.cache.stats()
	st.ReadCacheHits, st.ReadCacheTokens, st.ReadCacheBytes = c.cacheHits.Load(), uint64(entries), uint64(bytes)
	for _, r := range []token.Reason{token.ReasonEncoding, token.ReasonVersion, token.ReasonRetiredKey, token.ReasonAuth,
		token.ReasonClaims, token.ReasonFuture, token.ReasonDictionary, token.ReasonSerializer} {
		st.Invalid += n(r)
	}
	return st
}
