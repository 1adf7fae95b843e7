package cookie

import (
	"fmt"
	"maps"
	"time"
	"unicode/utf8"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/token"
	"github.com/crumbhq/crumb/registry"
	"github.com/crumbhq/crumb/revocation"
)

// Record is one session as a Store reads it: the claims every token carries
// and the session data. The claims are read through methods; the subject,
// metadata and data change through methods that mark the record changed, and
// Store.Save turns a changed record into a new token.
//
// A Record is not safe for concurrent use: it belongs to the request that
// read it.
type Record struct {
	id          SessionID
	subject     string
	created     int64 // unix seconds; anchors the absolute expiry
	issued      int64 // when the token read was issued
	expires     int64 // absolute expiry
	idle        int64 // idle deadline of the token read
	idleWindow  int64 // seconds of idle time the next save grants
	keyID       uint32
	primary     bool
	metadata    map[string]string
	token       string            // the token read; "" for a record not yet saved
	saved       string            // the subject of that token
	changed     bool              // subject, metadata or data changed since read or save
	renewed     bool              // a new session ID not yet saved
	remembered  bool              // started with RememberMe
	format      codec.Format      // how the token read encoded its data
	labels      map[string]string // for the registry at the next save; nil: unchanged
	data        data
	serializers serializerPair
}

// Format returns how the token the record was read from encoded its data
// (compression, padding); the zero Format for a record not read from a
// token.
func (r *Record) Format() codec.Format { return r.format }

// ID returns the session ID: stable across reissues, new on Renew.
func (r *Record) ID() SessionID { return r.id }

// session names the record's session for the revocation set.
func (r *Record) session() revocation.Session {
	return revocation.Session{ID: r.id, Subject: r.subject, Created: time.Unix(r.created, 0)}
}

// Subject returns whom the session belongs to, or "" for an anonymous one.
func (r *Record) Subject() string { return r.subject }

// SetSubject sets whom the session belongs to (at most 255 bytes of UTF-8).
// A session that has a token keeps its subject for as long as its ID: Save
// refuses a changed subject (ErrBadRecord) unless Store.Login or
// Store.Renew gave the session a new ID first — use Store.Login to sign a
// user in. So a token made before the change never carries the new subject
// (fixation), and a revocation of the session's ID always belongs to one
// subject.
func (r *Record) SetSubject(subject string) {
	if subject != r.subject {
		r.subject = subject
		r.changed = true
	}
}

// Created returns when the session was created. It never moves on reissue
// and anchors the absolute expiry.
func (r *Record) Created() time.Time { return time.Unix(r.created, 0) }

// Issued returns when the token this record was read from was issued (for
// a saved record: when it was saved).
func (r *Record) Issued() time.Time { return time.Unix(r.issued, 0) }

// Expires returns the absolute expiry: Created plus the absolute timeout.
func (r *Record) Expires() time.Time { return time.Unix(r.expires, 0) }

// IdleDeadline returns when the session ends unless it is touched: at most
// Expires.
func (r *Record) IdleDeadline() time.Time { return time.Unix(r.idle, 0) }

// KeyID returns the ID of the key that sealed the token this record was read
// from, or 0 for a record not read from a token.
func (r *Record) KeyID() uint32 { return r.keyID }

// Token returns the token this record was read from or last saved as, or ""
// for a new record.
func (r *Record) Token() string { return r.token }

// Changed reports whether the subject, metadata or data changed since the
// record was read or saved.
func (r *Record) Changed() bool { return r.changed }

// NeedsReissue reports whether the token was sealed under a key that is no
// longer primary: it should be saved again so that it moves to the current
// key before the old one is retired.
func (r *Record) NeedsReissue() bool { return r.token != "" && !r.primary }

// Metadata returns a copy of the session's metadata: small strings about the
// session itself (client IP, user agent, how the user authenticated).
func (r *Record) Metadata() map[string]string { return maps.Clone(r.metadata) }

// Meta returns one metadata value and whether it is set.
func (r *Record) Meta(key string) (string, bool) {
	v, ok := r.metadata[key]
	return v, ok
}

// SetMeta sets a metadata value. Keys are 1 to 64 bytes, values at most 255
// bytes, at most 16 entries (checked by Save).
func (r *Record) SetMeta(key, value string) {
	if old, ok := r.metadata[key]; ok && old == value {
		return
	}
	if r.metadata == nil {
		r.metadata = map[string]string{}
	}
	r.metadata[key] = value
	r.changed = true
}

// CheckMeta reports whether setting key to value keeps the record within
// the token format's limits for metadata — keys of 1 to 64 bytes, values of
// at most 255 bytes, both valid UTF-8, at most 16 entries — with an error
// wrapping ErrBadRecord. Save checks the same; CheckMeta lets a caller
// refuse a bad value (a long User-Agent) where it is set, not at Save.
func (r *Record) CheckMeta(key, value string) error {
	if len(key) == 0 || len(key) > token.MaxMetaKeyLen || len(value) > token.MaxMetaValueLen || !utf8.ValidString(key) || !utf8.ValidString(value) {
		return fmt.Errorf("%w: metadata keys must be 1 to %d bytes and values at most %d bytes of UTF-8", ErrBadRecord, token.MaxMetaKeyLen, token.MaxMetaValueLen)
	}
	if key == rememberMeta {
		return fmt.Errorf("%w: metadata key %q is crumb's own", ErrBadRecord, rememberMeta)
	}
	limit := token.MaxMetadata
	if r.remembered {
		limit-- // the remember mark takes one
	}
	if _, ok := r.metadata[key]; !ok && len(r.metadata) >= limit {
		return fmt.Errorf("%w: at most %d metadata entries", ErrBadRecord, limit)
	}
	return nil
}

// DeleteMeta removes a metadata value.
func (r *Record) DeleteMeta(key string) {
	if _, ok := r.metadata[key]; ok {
		delete(r.metadata, key)
		r.changed = true
	}
}

// SetLabels sets what the session registry shows about this session
// (Options.Registry): a few short strings such as a device name derived
// from the User-Agent or a coarse location, at most registry.MaxLabels,
// keys of 1 to 32 bytes and values of at most 128 bytes of UTF-8 (an
// error wrapping ErrBadRecord otherwise). They are not part of the token:
// they go to the registry when the session is next saved — registered on
// a sign-in, updated on a reissue — and are kept there in the clear, so
// never put a secret in one. Without a registry they are ignored.
func (r *Record) SetLabels(labels map[string]string) error {
	if err := registry.ValidateLabels(labels); err != nil {
		return fmt.Errorf("%w: %w", ErrBadRecord, err)
	}
	r.labels = maps.Clone(labels)
	if r.labels == nil {
		r.labels = map[string]string{}
	}
	return nil
}
