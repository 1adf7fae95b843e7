package registry

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"
)

// ID is a 128-bit session ID, the random ID inside every crumb token.
type ID = [16]byte

// Limits of an Entry.
const (
	// DefaultMaxPerSubject is how many live sessions one subject may have
	// listed at once. A person signed in on a phone, a laptop, a tablet
	// and a work machine, in a browser or two each, stays well under it;
	// a settings page still reads at a glance; and one subject's list
	// stays a few kilobytes, whatever its owner (or somebody with the
	// password) does. See Registry.Add for what happens past it.
	DefaultMaxPerSubject = 16
	// MaxSubjectLen is the longest subject, in bytes.
	MaxSubjectLen = 1024
	// MaxLabels is the most labels an entry carries.
	MaxLabels = 8
	// MaxLabelKeyLen and MaxLabelValueLen bound a label's key (1 to 32
	// bytes) and value (at most 128 bytes), both UTF-8.
	MaxLabelKeyLen   = 32
	MaxLabelValueLen = 128
)

// Entry is one live session of a subject, as a registry lists it.
type Entry struct {
	ID       ID        // the session ID
	Subject  string    // whom the session belongs to: 1 to MaxSubjectLen bytes
	Created  time.Time // when the session was created (it never moves on reissue)
	LastSeen time.Time // when a token of the session was last issued
	Expires  time.Time // the session's absolute expiry: the entry goes with it
	// Labels are a few strings the application chose to show the user
	// about the session, such as a device name derived from the
	// User-Agent or a coarse location. Never a token or a secret: a
	// registry stores them in the clear.
	Labels map[string]string
}

// Validate reports whether e can be registered, with an error wrapping
// ErrBadEntry.
func (e *Entry) Validate() error {
	switch {
	case e.Subject == "" || len(e.Subject) > MaxSubjectLen:
		return fmt.Errorf("%w: the subject must be 1 to %d bytes (a session without a subject is never registered)", ErrBadEntry, MaxSubjectLen)
	case e.Created.Unix() <= 0 || e.LastSeen.Unix() <= 0 || e.Expires.Unix() <= 0:
		return fmt.Errorf("%w: the times must be after 1970", ErrBadEntry)
	case e.Expires.Before(e.Created):
		return fmt.Errorf("%w: the session expires before it was created", ErrBadEntry)
	}
	return ValidateLabels(e.Labels)
}

// ValidateSubject reports whether subject can be registered: 1 to
// MaxSubjectLen bytes. The error wraps ErrBadEntry.
func ValidateSubject(subject string) error {
	if subject == "" || len(subject) > MaxSubjectLen {
		return fmt.Errorf("%w: the subject must be 1 to %d bytes", ErrBadEntry, MaxSubjectLen)
	}
	return nil
}

// ValidateLabels reports whether labels are within the limits: at most
// MaxLabels, keys of 1 to MaxLabelKeyLen bytes, values of at most
// MaxLabelValueLen bytes, all valid UTF-8. The error wraps ErrBadEntry.
func ValidateLabels(labels map[string]string) error {
	if len(labels) > MaxLabels {
		return fmt.Errorf("%w: at most %d labels", ErrBadEntry, MaxLabels)
	}
	for k, v := range labels {
		if k == "" || len(k) > MaxLabelKeyLen || len(v) > MaxLabelValueLen || !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("%w: label keys must be 1 to %d bytes and values at most %d bytes of UTF-8", ErrBadEntry, MaxLabelKeyLen, MaxLabelValueLen)
		}
	}
	return nil
}

// Registry records which sessions each subject has, so that a user can see
// them and end one. It is optional: a crumb store without one keeps no
// server-side state per session, and reading a session never consults it.
// Only sessions with a subject are registered, and each subject holds at
// most a bounded number of entries, so its size is bounded by the number of
// subjects times that bound, whatever clients do.
//
// All times are kept at one-second resolution. Every method that takes a
// subject fails with an error wrapping ErrBadEntry for an empty or
// oversized one, as Add does for an invalid Entry. Implementations must be
// safe for concurrent use.
type Registry interface {
	// Add registers a new session (a sign-in, a renewed session ID). If
	// e.ID is already registered for e.Subject, its entry is replaced. If
	// the subject already holds its maximum of live entries, the least
	// recently seen ones (the oldest created first among equals) are
	// removed to make room and returned: the caller must end those
	// sessions (cookie.Store revokes them), so that every session that can
	// still be used stays listed. Entries whose Expires is at or before now
	// are dropped on the way and never returned; an e that has itself
	// expired at now is not stored (and an older entry of its ID is
	// dropped). When Add returns an error it has changed nothing and
	// returns no evicted entries.
	Add(ctx context.Context, e Entry, now time.Time) (evicted []Entry, err error)

	// Seen records that a new token of session id of subject was issued at
	// `at`, and replaces its labels when labels is not nil. The last-seen
	// time never goes back: of two calls, the later time wins whatever
	// their order. It changes nothing (and returns nil) if the session is
	// not registered: it never adds an entry, so it never evicts one.
	Seen(ctx context.Context, subject string, id ID, at time.Time, labels map[string]string) error

	// Remove drops the entries of the given sessions of subject. IDs that
	// are not registered for subject are ignored.
	Remove(ctx context.Context, subject string, ids ...ID) error

	// RemoveBefore drops every entry of subject whose session was created
	// before `before` ("log out everywhere"), in whole seconds: a session
	// created in the second of `before` is kept.
	RemoveBefore(ctx context.Context, subject string, before time.Time) error

	// List returns subject's entries that are live at now (Expires after
	// now), the most recently seen first. It returns an empty slice, not
	// an error, for a subject with none.
	List(ctx context.Context, subject string, now time.Time) ([]Entry, error)

	// Stats returns a snapshot of the registry's size and counters.
	Stats() Stats

	// Health returns nil when the registry records and lists sessions
	// normally, and an error saying why not otherwise.
	Health(ctx context.Context) error

	// Close stops background work and releases files. It is idempotent;
	// after it the other methods return ErrClosed.
	Close() error
}

// Stats is a snapshot of a Registry. Counters count since it was opened.
type Stats struct {
	Subjects      int    // subjects with at least one entry (-1 where not known without a scan: Redis)
	Entries       int    // entries, live or not yet pruned (-1 where not known without a scan: Redis)
	MaxPerSubject int    // the bound on one subject's live entries
	Added         uint64 // sessions registered by Add
	Evicted       uint64 // entries Add removed to stay within MaxPerSubject
	Removed       uint64 // entries removed by Remove and RemoveBefore
	Pruned        uint64 // expired entries dropped
	LogBytes      int64  // size of the durable file; 0 in memory or on Redis
}
