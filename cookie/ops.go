package cookie

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/token"
	"github.com/crumbhq/crumb/revocation"
)

// CreateOptions describe a new session.
type CreateOptions struct {
	// Subject is whom the session belongs to (a user ID), or "" for an
	// anonymous session. At most 255 bytes of UTF-8.
	Subject string
	// Data is the initial session data, serialized as one value: nil for
	// none, a map or a struct for data that Get and Set can address by key.
	Data any
	// Metadata are small strings about the session itself (client IP, user
	// agent, how the user signed in): at most 16
	// entries, keys of 1 to 64 bytes, values of at most 255 bytes.
	Metadata map[string]string
	// Labels are what the session registry shows about the session
	// (Options.Registry; see Record.SetLabels). Ignored without one.
	Labels map[string]string
	// IdleTimeout and AbsoluteTimeout shorten the store's timeouts for this
	// session. Zero keeps the store's; longer
	// than the store's is an error, so that revocation entries, which live
	// as long as the store's longest session, always outlive the tokens.
	IdleTimeout, AbsoluteTimeout time.Duration
	// Remember starts a remembered session, as Login with RememberMe: the
	// store's RememberTimeout and RememberIdleTimeout replace its usual
	// timeouts (and bound IdleTimeout and AbsoluteTimeout above).
	Remember bool
}

// NewRecord returns a new session that has not been saved yet: Save (or
// Create, which does both) seals it into its first token.
func (s *Store) NewRecord(opts CreateOptions) (*Record, error) {
	return s.newRecord(opts, time.Now().Unix(), nil)
}

// newRecord is NewRecord at now (unix seconds). With scratch, the data is
// serialized into *scratch (see Create) when the serializer can append.
func (s *Store) newRecord(opts CreateOptions, now int64, scratch *[]byte) (*Record, error) {
	if opts.Remember && s.rememberAbs == 0 {
		return nil, errNoRemember
	}
	maxAbs, maxIdle := s.lifetimes(opts.Remember)
	idle, abs := maxIdle, maxAbs
	if opts.AbsoluteTimeout != 0 {
		abs = int64(opts.AbsoluteTimeout / time.Second)
	}
	if opts.IdleTimeout != 0 {
		idle = int64(opts.IdleTimeout / time.Second)
	}
	idle = min(idle, abs)
	if abs < 1 || idle < 1 || abs > maxAbs || idle > maxIdle {
		return nil, fmt.Errorf("%w: per-session timeouts must be from 1 s up to the store's (%d s idle, %d s absolute)", ErrBadRecord, maxIdle, maxAbs)
	}
	r := &Record{
		id:          newSessionID(),
		subject:     opts.Subject,
		created:     now,
		issued:      now,
		expires:     now + abs,
		idle:        now + idle,
		idleWindow:  idle,
		metadata:    maps.Clone(opts.Metadata),
		remembered:  opts.Remember,
		changed:     true,
		serializers: s.serializers,
	}
	switch {
	case opts.Data != nil && scratch != nil && s.serializers.app != nil:
		b, err := s.serializers.app.AppendMarshal((*scratch)[:0], opts.Data)
		*scratch = b
		if err != nil {
			return nil, fmt.Errorf("cookie: serializing session data: %w", err)
		}
		r.data = data{payload: b}
	case opts.Data != nil:
		if err := r.SetData(opts.Data); err != nil {
			return nil, err
		}
	}
	if opts.Labels != nil {
		if err := r.SetLabels(opts.Labels); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Create starts a session and returns its first token.
func (s *Store) Create(ctx context.Context, opts CreateOptions) (string, error) {
	now := time.Now().Unix() // one clock read: created and issued are the same second
	// The record lives until its token is sealed: its data is serialized
	// into a pooled buffer, not a copy of its own.
	bp := payloadBuffers.Get().(*[]byte)
	defer putPayloadBuffer(bp)
	r, err := s.newRecord(opts, now, bp)
	if err != nil {
		return "", err
	}
	return s.save(ctx, r, now)
}

// payloadBuffers holds the buffers Create serializes session data into.
var payloadBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1<<10); return &b }}

// maxPooledPayload caps the buffers kept in payloadBuffers, in bytes.
const maxPooledPayload = 16 << 10

// putPayloadBuffer clears the session data in *bp and pools the buffer.
// All of its capacity is cleared: a serializer that failed may have written
// part of the data past the length it returned.
func putPayloadBuffer(bp *[]byte) {
	b := *bp
	if cap(b) > maxPooledPayload {
		return
	}
	clear(b[:cap(b)])
	*bp = b[:0]
	payloadBuffers.Put(bp)
}

// Read opens a token and returns its session. It fails
// with ErrInvalid, ErrExpired, ErrRevoked (the last two also match
// ErrNotFound), ErrTooLarge, or ErrUnavailable when the revocation set could
// not be asked. A token sealed under a key that is no longer primary opens
// normally and reports NeedsReissue.
//
// Reading decodes no value: Get decodes one on demand.
func (s *Store) Read(ctx context.Context, tok string) (*Record, error) {
	return s.open(ctx, tok, time.Now(), true)
}

// open runs the read pipeline of SPEC.md §8. Delete skips the revocation
// check: revoking twice is harmless.
func (s *Store) open(ctx context.Context, tok string, now time.Time, checkRevoked bool) (*Record, error) {
	ring := s.keys.Ring()
	var (
		o        token.Opened
		unsealed token.Opened // o before the store's timeouts clamp it
		payload  []byte
		index    map[string][]byte // payload's members, from the cache
	)
	hit, key := s.cache.get(tok, ring)
	if hit != nil {
		// Opened before under this ring: the same bytes give the same
		// claims and payload. Everything below still runs.
		o, payload, index = hit.opened, hit.payload, hit.members
		s.stats.cacheHits.Add(1)
	} else {
		if err := token.Unseal(ring, s.purpose, tok, s.maxLen, &o); err != nil {
			return nil, s.stats.reject(err)
		}
		if o.Serializer == codec.RawID && s.serializers.ser.ID() != codec.RawID {
			// Opaque bytes under the store's keys and purpose: a token of
			// cookie/gorilla's Codec, not a session. Invalid, before any
			// time check, so a migration (middleware.Options.Legacy) gets
			// to read it.
			return nil, s.stats.reject(token.Reject(token.ReasonSerializer))
		}
		unsealed = o
	}
	// A token lives no longer than the store's timeouts allow now:
	// shortening AbsoluteTimeout or IdleTimeout applies at once to tokens
	// already issued (a token minted with a longer idle window, by another
	// configuration or a tool, is held to this store's), and revocation
	// entries, which last the store's absolute timeout, always outlive the
	// tokens they match.
	metadata, remembered := openRemembered(o.Metadata)
	if hit != nil && len(metadata) > 0 {
		metadata = maps.Clone(metadata) // the record may change its own
	}
	// A store without remember-me reads a remembered token as an ordinary
	// one: held to its own timeouts, and saved as ordinary from now on.
	remembered = remembered && s.rememberAbs > 0
	abs, idle := s.lifetimes(remembered)
	o.Expires = min(o.Expires, o.Created+abs)
	o.IdleDeadline = min(o.IdleDeadline, o.Issued+idle)
	if err := token.CheckTime(&o.Claims, now, s.skew); err != nil {
		if hit != nil && !errors.Is(err, ErrInvalid) {
			s.cache.remove(tok) // expired: it can never open again
		}
		return nil, s.stats.reject(err)
	}
	var unavailable error
	if checkRevoked {
		v, err := s.revs.Check(ctx, revocation.Query{
			ID: o.SessionID, Subject: o.Subject, Created: time.Unix(o.Created, 0), Issued: time.Unix(o.Issued, 0),
		}, now)
		if err != nil {
			// Whether it was revoked is unknown: the record still goes to a
			// caller that fails open, with the error.
			s.stats.unavailable.Add(1)
			unavailable = fmt.Errorf("%w: %w", ErrUnavailable, err)
			v = revocation.NotRevoked
		}
		if v != revocation.NotRevoked && hit != nil {
			s.cache.remove(tok) // revoked: it can never open again
		}
		switch v {
		case revocation.NotRevoked:
		case revocation.SubjectRevoked:
			return nil, s.stats.reject(token.Reject(token.ReasonSubjectRevoked))
		default:
			return nil, s.stats.reject(token.Reject(token.ReasonRevoked))
		}
	}
	if hit == nil {
		var err error
		if payload, err = token.DecodeBody(s.codec, &o); err != nil {
			return nil, s.stats.reject(err)
		}
		if len(payload) > 0 && o.Serializer != s.serializers.ser.ID() {
			return nil, s.stats.reject(token.Reject(token.ReasonSerializer))
		}
		s.cache.put(key, tok, ring, &unsealed, payload, s.serializers.obj)
	}
	if unavailable == nil {
		s.stats.opened.Add(1)
	}
	return &Record{
		id:      o.SessionID,
		subject: o.Subject,
		saved:   o.Subject,
		created: o.Created,
		issued:  o.Issued,
		expires: o.Expires,
		idle:    o.IdleDeadline,
		// The window the token was issued with (a capped one gives the same
		// deadlines, as the absolute expiry caps them anyway), never more
		// than the store's (the deadline was clamped above).
		idleWindow:  o.IdleDeadline - o.Issued,
		keyID:       o.KeyID,
		primary:     o.Primary,
		metadata:    metadata,
		remembered:  remembered,
		format:      o.Format,
		token:       tok,
		data:        data{payload: payload, index: index},
		serializers: s.serializers,
	}, unavailable
}

// Save seals the record into a new token and returns it: the session's ID,
// created-at and absolute expiry stay, the issued-at becomes now and the
// idle deadline moves to now plus the idle timeout, capped at the absolute
// expiry. In strict mode it also revokes the tokens issued before this one,
// once the grace window has passed. The caller must write the token back.
// A session that no longer fits fails with a *SizeError
// (ErrSessionTooLarge).
func (s *Store) Save(ctx context.Context, r *Record) (string, error) {
	return s.save(ctx, r, time.Now().Unix())
}

// save is Save at now (unix seconds).
func (s *Store) save(ctx context.Context, r *Record, now int64) (string, error) {
	switch {
	case now >= r.expires:
		return "", fmt.Errorf("%w: the session reached its absolute expiry", ErrExpired)
	case r.token != "" && now >= r.idle:
		return "", fmt.Errorf("%w: the session reached its idle deadline", ErrExpired)
	case r.token != "" && r.subject != r.saved:
		return "", fmt.Errorf("%w: a session's subject changes only with a new session ID: use Store.Login", ErrBadRecord)
	}
	payload, err := r.payload()
	if err != nil {
		return "", err
	}
	metadata, err := sealMetadata(r)
	if err != nil {
		return "", err
	}
	c := token.Claims{
		SessionID: r.id, Subject: r.subject, Created: r.created, Issued: now,
		Expires: r.expires, IdleDeadline: min(now+r.idleWindow, r.expires),
		Metadata: metadata, Serializer: s.serializers.ser.ID(),
	}
	if err := c.Validate(); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadRecord, err)
	}
	ring := s.keys.Ring()
	tok, err := token.Seal(ring, s.codec, s.purpose, &c, payload, s.maxLen)
	if err != nil {
		return "", sealError(err)
	}
	reissue := r.token != "" && !r.renewed
	if s.strict && reissue && r.subject != "" {
		// A session without a subject carries no authority: its older
		// tokens need no revocation (see the package doc).
		// The tokens it revokes were issued before now, so with the store's
		// idle timeout (which Read applies to every token) none lives past
		// now + IdleTimeout: the entry need not last longer, and an active
		// session holds one entry for minutes, not for its whole lifetime.
		_, idle := s.lifetimes(r.remembered)
		until := min(r.expires, now+idle) + s.skew
		if err := s.revs.RevokeIssuedBefore(ctx, r.session(), time.Unix(now, 0), time.Unix(now+s.grace, 0), time.Unix(until, 0)); err != nil {
			return "", revocationError("strict reissue could not revoke the previous token", err)
		}
	}
	if s.reg != nil && r.subject != "" {
		if reissue {
			s.seen(ctx, r, now)
		} else if err := s.register(ctx, r, now); err != nil {
			return "", err
		}
	}
	switch {
	case r.renewed:
		s.stats.renewed.Add(1)
	case reissue:
		s.stats.reissued.Add(1)
	default:
		s.stats.created.Add(1)
	}
	r.token, r.saved, r.issued, r.idle = tok, r.subject, now, c.IdleDeadline
	r.keyID, r.primary = ring.Primary().ID, true
	r.changed, r.renewed, r.labels = false, false, nil
	return tok, nil
}

// Update replaces the session's data with data and returns the new token.
func (s *Store) Update(ctx context.Context, tok string, data any) (string, error) {
	return s.Modify(ctx, tok, func(r *Record) error { return r.SetData(data) })
}

// Modify reads the session, lets fn change it, and saves it: an atomic
// read-modify-write. Tokens are immutable,
// so no other writer can interleave with fn; two requests modifying copies
// of the same session concurrently each get their own new token, and the
// client keeps whichever it stores last. When fn changes nothing (and the
// key is current), Modify returns tok unchanged. If fn returns an error,
// nothing is saved and the error is returned.
func (s *Store) Modify(ctx context.Context, tok string, fn func(*Record) error) (string, error) {
	r, err := s.Read(ctx, tok)
	if err != nil {
		return "", err
	}
	if err := fn(r); err != nil {
		return "", err
	}
	if !r.Changed() && !r.NeedsReissue() {
		return tok, nil
	}
	return s.Save(ctx, r)
}

// Merge sets the given keys of the session data and returns the new token
// (a partial update). A nil value deletes its key, as in JSON merge
// patch (RFC 7396); other keys are left alone.
func (s *Store) Merge(ctx context.Context, tok string, updates map[string]any) (string, error) {
	return s.Modify(ctx, tok, func(r *Record) error {
		for k, v := range updates {
			var err error
			if v == nil {
				err = r.Remove(k)
			} else {
				err = r.Set(k, v)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Touch extends the session's idle deadline and returns the token to use.
// ttl sets the session's idle
// window from now on (at most Options.IdleTimeout; the deadline never passes
// the absolute expiry); 0 keeps the current one. To keep cookies
// from being rewritten on every request, Touch returns tok unchanged while
// less than Options.ReissueAfter has passed since it was issued — unless ttl
// changes the window or the token's key is no longer primary.
func (s *Store) Touch(ctx context.Context, tok string, ttl time.Duration) (string, error) {
	r, err := s.Read(ctx, tok)
	if err != nil {
		return "", err
	}
	window := r.idleWindow
	if ttl != 0 {
		secs := int64(ttl / time.Second)
		if _, idle := s.lifetimes(r.remembered); secs < 1 || secs > idle {
			return "", fmt.Errorf("%w: ttl must be from 1 s up to the session's idle timeout (%d s)", ErrBadRecord, idle)
		}
		r.idleWindow = secs
	}
	if !s.touchDue(r, time.Now().Unix()) && (ttl == 0 || r.idleWindow == window) {
		return tok, nil
	}
	return s.Save(ctx, r)
}

// TouchDue reports whether a touch of r would mint a new token now: enough
// of the idle window has passed (Options.ReissueAfter, scaled down for a
// session whose idle window is shorter than the store's) or the token's key
// is no longer primary. The middleware uses it to decide whether to write the
// cookie on a request that did not change the session.
func (s *Store) TouchDue(r *Record) bool { return s.touchDue(r, time.Now().Unix()) }

func (s *Store) touchDue(r *Record, now int64) bool {
	if r.NeedsReissue() || s.reissueAfter < 0 {
		return true
	}
	// ReissueAfter is set against the store's idle timeout; a session with
	// a shorter idle window (CreateOptions, Touch) gets the same fraction of
	// its own, or it would expire before ever being reissued.
	threshold := s.reissueAfter * r.idleWindow / s.idle
	return now-r.issued >= threshold
}

// Delete revokes the session the token belongs to — every token of it, on
// every instance sharing the revocation set — and is idempotent: a token
// that is invalid, expired or already revoked needs nothing and returns nil
// (deleting is idempotent). The revocation entry lasts until the session's
// absolute expiry plus the skew, then is pruned. A session without a
// subject is not entered in the revocation set: it carries no authority
// (see "Sessions without a subject" in the package doc). The caller should
// also clear the cookie. An error wrapping ErrPending means the logout is
// in force on this instance but not yet shared with the others.
func (s *Store) Delete(ctx context.Context, tok string) error {
	// Only authenticity and the absolute expiry matter here: the token
	// presented may be past its own idle deadline while a newer copy of the
	// session is alive, and logging out must end that one too.
	s.cache.remove(tok)
	var o token.Opened
	if err := token.Unseal(s.keys.Ring(), s.purpose, tok, s.maxLen, &o); err != nil {
		return nil // not ours: nothing to revoke
	}
	_, remembered := openRemembered(o.Metadata)
	abs, _ := s.lifetimes(remembered)
	expires := min(o.Expires, o.Created+abs)
	if time.Now().Unix() >= expires {
		return nil // no token of this session can still be used
	}
	return s.revoke(ctx, revocation.Session{ID: o.SessionID, Subject: o.Subject, Created: time.Unix(o.Created, 0)}, expires, true)
}

// Revoke revokes the record's session (Delete for a record already read).
// A record never saved has nothing to revoke.
func (s *Store) Revoke(ctx context.Context, r *Record) error {
	if r.token == "" {
		return nil
	}
	s.cache.remove(r.token)
	return s.revoke(ctx, r.session(), r.expires, true)
}

// revoke revokes every token of session rs, which expires at expires (unix
// seconds), counting a logout when count is set, and removes it from the
// session registry. A session without a subject needs no revocation: it
// carries no authority (see the package doc). A failure of the revocation
// set wraps ErrUnavailable; a revocation in force here but not yet shared
// with the other instances wraps ErrPending.
func (s *Store) revoke(ctx context.Context, rs revocation.Session, expires int64, count bool) error {
	if count {
		s.stats.deleted.Add(1)
	}
	if rs.Subject == "" {
		return nil
	}
	err := s.revokeSession(ctx, rs, expires)
	if err == nil || errors.Is(err, ErrPending) {
		s.unregister(ctx, rs.Subject, rs.ID)
	}
	return err
}

// revokeSession revokes every token of session rs, which expires at
// expires (unix seconds), leaving the registry alone.
func (s *Store) revokeSession(ctx context.Context, rs revocation.Session, expires int64) error {
	if err := s.revs.RevokeSession(ctx, rs, time.Unix(expires+s.skew, 0)); err != nil {
		return revocationError("revoking the session", err)
	}
	return nil
}

// revocationError wraps a Revoke method's failure: ErrPending stays itself
// (the revocation is in force on this instance), anything else becomes
// ErrUnavailable.
func revocationError(what string, err error) error {
	if errors.Is(err, revocation.ErrPending) {
		return fmt.Errorf("cookie: %s: %w", what, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, what, err)
}

// Renew gives the session a new ID, revokes the old one, and returns the new
// token: call it on a privilege change (sudo mode, a changed role) so that
// tokens issued before it never carry the new privileges. Subject, metadata,
// data, created-at and the absolute expiry stay: a renewed session does not
// live longer. For a login, use Login, which also starts a new lifetime.
//
// It fails with ErrRevoked or ErrExpired if the session ended since r was
// read (a concurrent logout must not be undone by a renewal), and with
// ErrUnavailable if the revocation set cannot be asked. A record never
// saved just gets its new ID.
func (s *Store) Renew(ctx context.Context, r *Record) (string, error) {
	if err := s.retire(ctx, r); err != nil {
		return "", err
	}
	return s.Save(ctx, r)
}

// Login sets the session's subject, gives it a new ID, revokes the old one
// and starts a new lifetime (created now, the store's absolute timeout),
// then returns the new token: authentication starts the session the
// absolute timeout is measured from. A token planted before login (session
// fixation) thus never becomes the authenticated session. With RememberMe,
// the new lifetime is the store's RememberTimeout ("remember me"); without
// it, a remembered session becomes an ordinary one.
//
// Data and metadata carry over — a shopping cart survives login. If the
// pre-login session may hold values an attacker planted, Clear it (or
// remove those keys) before Login. Errors are as for Renew.
func (s *Store) Login(ctx context.Context, r *Record, subject string, opts ...LoginOption) (string, error) {
	var lo loginOptions
	for _, o := range opts {
		o.applyLogin(&lo)
	}
	if lo.remember && s.rememberAbs == 0 {
		return "", errNoRemember
	}
	if err := s.retire(ctx, r); err != nil {
		return "", err
	}
	now := time.Now().Unix()
	r.SetSubject(subject)
	abs, idle := s.lifetimes(lo.remember)
	r.remembered = lo.remember
	r.created, r.expires = now, now+abs
	if lo.remember {
		r.idleWindow = idle
	} else {
		r.idleWindow = min(r.idleWindow, idle)
	}
	return s.Save(ctx, r)
}

// retire checks that r's session is still live and unrevoked, revokes its
// ID, and gives r a new one, ready for Save.
func (s *Store) retire(ctx context.Context, r *Record) error {
	if r.token != "" {
		now := time.Now()
		if now.Unix() >= r.expires || now.Unix() >= r.idle {
			return fmt.Errorf("%w: the session ended before it could be renewed", ErrExpired)
		}
		v, err := s.revs.Check(ctx, revocation.Query{
			ID: revocation.ID(r.id), Subject: r.subject, Created: time.Unix(r.created, 0), Issued: time.Unix(r.issued, 0),
		}, now)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		if v != revocation.NotRevoked {
			return fmt.Errorf("%w: the session was revoked before it could be renewed", ErrRevoked)
		}
		if err := s.revoke(ctx, r.session(), r.expires, false); err != nil && !errors.Is(err, ErrPending) {
			return err
		}
	}
	r.id = newSessionID()
	r.renewed = r.token != ""
	r.token = ""
	r.changed = true
	return nil
}

// RevokeSubject revokes every session of subject created before now, on
// every instance sharing the revocation set ("log out everywhere").
// Sessions created afterwards — including one started by
// Login right after the call, for "sign out all other devices" — are
// unaffected. Time has one-second resolution: a session created within the
// same second as the call survives it, as does one created by an instance
// whose clock runs ahead.
func (s *Store) RevokeSubject(ctx context.Context, subject string) error {
	if subject == "" {
		return errors.New("cookie: RevokeSubject needs a subject")
	}
	now := time.Now().Unix()
	err := s.revs.RevokeSubject(ctx, subject, time.Unix(now, 0), time.Unix(now+s.subjectRevs+s.skew, 0))
	if err != nil && !errors.Is(err, revocation.ErrPending) {
		return revocationError("revoking the subject's sessions", err)
	}
	if s.reg != nil {
		if rerr := s.reg.RemoveBefore(ctx, subject, time.Unix(now, 0)); rerr != nil {
			s.stats.registryFailures.Add(1)
		}
	}
	if err != nil {
		return revocationError("revoking the subject's sessions", err)
	}
	return nil
}

// SubjectRevocation returns how long a RevokeSubject entry lasts
// (Options.SubjectRevocation).
func (s *Store) SubjectRevocation() time.Duration { return time.Duration(s.subjectRevs) * time.Second }

// SubjectRevoked reports whether RevokeSubject ("log out everywhere") was
// called for subject after a session created at created. It is for
// sessions that do not come from a token — a cookie of the library an
// application migrates from (middleware.Options.Legacy) — so that logging
// out everywhere also ends those. A failure of the revocation set wraps
// ErrUnavailable.
func (s *Store) SubjectRevoked(ctx context.Context, subject string, created time.Time) (bool, error) {
	if subject == "" {
		return false, nil
	}
	v, err := s.revs.Check(ctx, revocation.Query{Subject: subject, Created: created, Issued: created}, time.Now())
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return v == revocation.SubjectRevoked, nil
}

// Exists reports whether tok is a current, unrevoked session. Invalid, expired and revoked tokens are simply false; only a
// failure to consult the revocation set is an error.
func (s *Store) Exists(ctx context.Context, tok string) (bool, error) {
	_, err := s.Read(ctx, tok)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrUnavailable):
		return false, err
	}
	return false, nil
}

// sealError turns token.Seal's error for a payload or token over its cap
// into a *SizeError (ErrSessionTooLarge): the session no longer fits, which
// the request that made it grow should hear about (413), not a client's
// oversized token (ErrTooLarge, 431).
func sealError(err error) error {
	var se *token.SizeError
	if !errors.As(err, &se) {
		return fmt.Errorf("%w: %w", ErrBadRecord, err)
	}
	if se.Reason == token.ReasonPayloadTooLarge {
		return &SizeError{What: "data", Size: se.Size, Limit: se.Max, Option: "codec.Options.MaxDecoded"}
	}
	return &SizeError{What: "token", Size: se.Size, Limit: se.Max, Option: "cookie.Options.MaxTokenLen"}
}
