package cookie

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/crumbhq/crumb/registry"
	"github.com/crumbhq/crumb/revocation"
)

// SessionInfo describes one of a user's sessions, as the session registry
// lists it (Options.Registry).
type SessionInfo struct {
	ID       SessionID
	Created  time.Time // when the user signed in (or the session ID was renewed)
	LastSeen time.Time // when a token of the session was last issued: updated on reissues, not on every request
	Expires  time.Time // the absolute expiry
	// Labels are what the application recorded about the session
	// (Record.SetLabels), such as a device name.
	Labels map[string]string
	// Current marks the session of the request that asked
	// (middleware.Session.Sessions); Store.Sessions leaves it false.
	Current bool
}

// Sessions returns the live sessions of subject, the most recently seen
// first: those registered (Options.Registry) that have not expired, been
// idle longer than the idle timeout, or been revoked. It reads the registry
// and, for each entry, the revocation set; entries it finds revoked are
// removed from the registry on the way. It fails with ErrNoRegistry
// without a registry, and with an error wrapping ErrRegistryUnavailable
// when the registry cannot be read.
//
// A session created before the registry was turned on, or whose
// registration failed, is not listed until it is signed in again.
func (s *Store) Sessions(ctx context.Context, subject string) ([]SessionInfo, error) {
	if s.reg == nil {
		return nil, ErrNoRegistry
	}
	if subject == "" {
		return []SessionInfo{}, nil
	}
	now := time.Now()
	entries, err := s.reg.List(ctx, subject, now)
	if err != nil {
		return nil, registryError("listing the sessions", err)
	}
	out := make([]SessionInfo, 0, len(entries))
	var gone []registry.ID
	for i := range entries {
		e := &entries[i]
		expires := min(e.Expires.Unix(), e.Created.Unix()+s.longest())
		if now.Unix() >= expires || now.Unix() >= e.LastSeen.Unix()+max(s.idle, s.rememberIdle) {
			continue // expired; the registry drops it with its absolute expiry
		}
		v, err := s.revs.Check(ctx, revocation.Query{ID: e.ID, Subject: subject, Created: e.Created, Issued: e.LastSeen}, now)
		if err == nil && v != revocation.NotRevoked {
			gone = append(gone, e.ID)
			continue
		}
		out = append(out, SessionInfo{
			ID: SessionID(e.ID), Created: e.Created, LastSeen: e.LastSeen,
			Expires: time.Unix(expires, 0), Labels: e.Labels,
		})
	}
	if len(gone) > 0 {
		s.unregister(ctx, subject, gone...)
	}
	return out, nil
}

// RevokeSession ends one of subject's sessions ("sign out this device"):
// it revokes every token of session id, on every instance sharing the
// revocation set, and removes it from the registry. The ID must be one of
// subject's registered sessions: otherwise it fails with ErrNoSuchSession
// and changes nothing, so a user can never end somebody else's session by
// guessing an ID. Pass the subject of the user asking, never one taken from
// the request. Errors are as for Delete, plus ErrNoRegistry and
// ErrRegistryUnavailable.
func (s *Store) RevokeSession(ctx context.Context, subject string, id SessionID) error {
	if s.reg == nil {
		return ErrNoRegistry
	}
	if subject == "" {
		return ErrNoSuchSession
	}
	entries, err := s.reg.List(ctx, subject, time.Now())
	if err != nil {
		return registryError("listing the sessions", err)
	}
	for i := range entries {
		if e := &entries[i]; e.ID == id {
			expires := min(e.Expires.Unix(), e.Created.Unix()+s.longest())
			return s.revoke(ctx, revocation.Session{ID: e.ID, Subject: subject, Created: e.Created}, expires, true)
		}
	}
	return ErrNoSuchSession
}

// RevokeOtherSessions ends every session of r's subject but r's own ("sign
// out all other devices"), on every instance sharing the revocation set,
// listed or not: the sessions created before r's are revoked with one
// subject entry (as RevokeSubject does, up to r's creation), those created
// since one by one from the registry's list. r keeps its ID and token. It
// fails with ErrBadRecord for a record that has no subject or was never
// saved; other errors are as for RevokeSubject, plus ErrNoRegistry and
// ErrRegistryUnavailable (nothing is revoked then).
//
// A session created in the same second as r, or by an instance whose clock
// runs ahead, after the list was read is not ended.
func (s *Store) RevokeOtherSessions(ctx context.Context, r *Record) error {
	if s.reg == nil {
		return ErrNoRegistry
	}
	if r.subject == "" || r.token == "" || r.subject != r.saved {
		return fmt.Errorf("%w: only a saved session with a subject has other sessions to end", ErrBadRecord)
	}
	now := time.Now()
	entries, err := s.reg.List(ctx, r.subject, now)
	if err != nil {
		return registryError("listing the sessions", err)
	}
	var pending error
	note := func(err error) error {
		if errors.Is(err, ErrPending) {
			pending = err
			return nil
		}
		return err
	}
	// Everything older than r at once: one entry, whatever their number.
	until := now.Unix() + s.subjectRevs + s.skew
	if err := s.revs.RevokeSubject(ctx, r.subject, time.Unix(r.created, 0), time.Unix(until, 0)); err != nil {
		if err := note(revocationError("revoking the older sessions", err)); err != nil {
			return err
		}
	}
	var ended []registry.ID
	for i := range entries {
		e := &entries[i]
		if e.ID == registry.ID(r.id) || e.Created.Unix() < r.created {
			continue
		}
		expires := min(e.Expires.Unix(), e.Created.Unix()+s.longest())
		if err := note(s.revokeSession(ctx, revocation.Session{ID: e.ID, Subject: r.subject, Created: e.Created}, expires)); err != nil {
			return err
		}
		ended = append(ended, e.ID)
	}
	if err := s.reg.RemoveBefore(ctx, r.subject, time.Unix(r.created, 0)); err != nil {
		s.stats.registryFailures.Add(1)
	}
	if len(ended) > 0 {
		s.unregister(ctx, r.subject, ended...)
	}
	return pending
}

// register adds r's new session ID to the registry, and revokes the
// sessions the registry let go to stay within its bound for the subject,
// so that every usable session stays listed. A session that cannot be
// registered is not issued.
func (s *Store) register(ctx context.Context, r *Record, now int64) error {
	e := registry.Entry{
		ID: registry.ID(r.id), Subject: r.subject, Created: time.Unix(r.created, 0),
		LastSeen: time.Unix(now, 0), Expires: time.Unix(r.expires, 0), Labels: r.labels,
	}
	evicted, err := s.reg.Add(ctx, e, time.Unix(now, 0))
	if err != nil {
		s.stats.registryFailures.Add(1)
		return registryError("registering the session", err)
	}
	for i := range evicted {
		ev := &evicted[i]
		expires := min(ev.Expires.Unix(), ev.Created.Unix()+s.longest())
		err := s.revokeSession(ctx, revocation.Session{ID: ev.ID, Subject: ev.Subject, Created: ev.Created}, expires)
		if err != nil && !errors.Is(err, ErrPending) {
			// The evicted session is no longer listed and still valid: do
			// not add one more. It stays unlisted until it expires, is
			// signed out everywhere, or its user ends the other sessions.
			s.unregister(ctx, r.subject, e.ID)
			return fmt.Errorf("cookie: ending the least recently used session to make room: %w", err)
		}
	}
	return nil
}

// seen updates the last-seen time (and labels) of r's session after a
// reissue. It is best effort: a failure is counted, not returned, since the
// new token is valid and listing is informational.
func (s *Store) seen(ctx context.Context, r *Record, now int64) {
	if err := s.reg.Seen(ctx, r.subject, registry.ID(r.id), time.Unix(now, 0), r.labels); err != nil {
		s.stats.registryFailures.Add(1)
	}
}

// unregister removes ended sessions from the registry, if there is one. It
// is best effort: a session that stays registered after its revocation is
// still hidden by Sessions, which checks the revocation set, and removed
// the next time it is listed.
func (s *Store) unregister(ctx context.Context, subject string, ids ...registry.ID) {
	if s.reg == nil {
		return
	}
	if err := s.reg.Remove(ctx, subject, ids...); err != nil {
		s.stats.registryFailures.Add(1)
	}
}

// registryError wraps a failure of the registry: a bad entry is the
// application's (ErrBadRecord), anything else wraps ErrRegistryUnavailable.
func registryError(what string, err error) error {
	switch {
	case errors.Is(err, registry.ErrBadEntry):
		return fmt.Errorf("%w: %s: %w", ErrBadRecord, what, err)
	case errors.Is(err, ErrRegistryUnavailable):
		return fmt.Errorf("cookie: %s: %w", what, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrRegistryUnavailable, what, err)
}
