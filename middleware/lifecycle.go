package middleware

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/crumbhq/crumb/cookie"
)

// Login authenticates the session as subject: a new session ID (the old
// one is revoked), a new absolute lifetime. Call it when a user signs in,
// so that a session planted before sign-in (fixation) never becomes the
// authenticated one. An anonymous session's data carries over (a cart
// survives sign-in); a session of another subject is logged out and a new
// one started, so that nothing of one user reaches the next on a shared
// browser. It fails when the revocation set cannot revoke the old ID.
//
// Login(subject, cookie.RememberMe) is "remember me": the session lives the
// store's RememberTimeout (cookie.Options) and its cookie is persistent,
// for this session only; it is revoked like any other.
func (s *Session) Login(subject string, opts ...cookie.LoginOption) error {
	labels := s.labelsFor(subject)
	s.lock()
	defer s.unlock()
	if s.committed {
		return s.late()
	}
	s.load()
	ctx := s.req.Context()
	if s.rec != nil && s.rec.Subject() != "" && s.rec.Subject() != subject {
		// Another user's session: end it rather than hand its data over.
		if err := s.m.store.Revoke(ctx, s.rec); err != nil {
			return err
		}
		s.rec, s.fromCookie, s.staged = nil, false, nil
	}
	if s.rec == nil {
		// A new session, also when the request's session could not be
		// checked (signing in must work during an outage).
		rec, err := s.m.store.NewRecord(cookie.CreateOptions{})
		if err != nil {
			return err
		}
		s.rec, s.fromCookie = rec, false
	}
	s.setLabels(labels)
	tok, err := s.m.store.Login(ctx, s.rec, subject, opts...)
	if err != nil {
		return err
	}
	return s.stage(tok)
}

// Renew gives the session a new ID and revokes the old one, keeping its
// subject, data and lifetime: call it on a privilege change (a new role,
// sudo mode). Renewing no session does nothing.
func (s *Session) Renew() error {
	labels := s.nextLabels(false)
	s.lock()
	defer s.unlock()
	rec, err := s.existing()
	if err != nil || rec == nil {
		return err
	}
	s.setLabels(labels)
	tok, err := s.m.store.Renew(s.req.Context(), rec)
	if err != nil {
		return err
	}
	return s.stage(tok)
}

// Destroy logs the session out: every token of it is revoked, on every
// instance that shares the revocation set, and the cookie is deleted. The
// request continues with an empty session (a new one starts if it is
// changed). If revocation fails, the cookie is deleted all the same and the
// error is returned: the session may still be usable with a copy of the
// cookie, so tell the user the logout did not complete.
//
// A session without a subject is not entered in the revocation set: it
// carries no authority (see package cookie), so its cookie is deleted and
// that is all. If the revocation is in force on this instance but waits to
// reach the other instances (a shared set cut off), the error matches
// cookie.ErrPending: the logout is done here, and cookie.HTTPStatus gives
// 202 Accepted.
//
// A request carrying the session cookie more than once (cookie tossing, see
// ErrDuplicateCookie) has no session, but its logout still revokes every
// session of the store that its cookies make up, whichever copy is the
// user's. If they make up none (or more than a logout examines), the error
// is ErrLogoutUnverified: the user's session may not have been ended.
func (s *Session) Destroy() error {
	s.lock()
	defer s.unlock()
	if s.committed {
		return s.late()
	}
	s.load()
	toks, _, err := s.logoutTokens()
	return s.destroy(toks, err)
}

// destroy revokes the request's tokens toks and the session's own, and
// deletes the cookie. It returns verr, why toks may be incomplete, joined
// with the revocation errors.
func (s *Session) destroy(toks []string, verr error) error {
	ctx := s.req.Context()
	errs := []error{verr}
	// By the request's tokens, which works even when the session was not
	// loaded (revocation unavailable, or the cookie sent twice).
	for _, tok := range toks {
		errs = append(errs, s.m.store.Delete(ctx, tok))
	}
	if s.rec != nil && s.rec.Token() != "" && s.rec.Token() != s.in.token {
		// A session renewed by this request has a new ID.
		errs = append(errs, s.m.store.Revoke(ctx, s.rec))
	}
	if keys, _ := s.subjectlessKeys(); len(keys) > 0 {
		s.m.subjectless.Do(func() {
			s.note(slog.LevelInfo, "middleware: logging out a session without a subject revokes nothing (it carries no authority); if it holds who the user is, sign users in with Session.Login so that logout ends it", nil, false)
		})
	}
	s.rec, s.fromCookie, s.staged, s.failed, s.destroyed = nil, false, nil, nil, true
	s.unavailable = nil
	err := errors.Join(errs...)
	switch {
	case err == nil:
	case onlyPending(errs):
		s.note(slog.LevelWarn, "middleware: logout in force on this instance; the other instances enforce it once the shared revocation set is reachable", err, true)
	default:
		// A failure in part is a failure: the parts that are only pending
		// must not make the whole match cookie.ErrPending (202).
		for i, e := range errs {
			if errors.Is(e, cookie.ErrPending) {
				errs[i] = errors.New(e.Error())
			}
		}
		err = errors.Join(errs...)
		s.note(slog.LevelError, "middleware: logout could not revoke the session", err, true)
	}
	return err
}

// subjectlessKeys returns the data keys of a session without a subject.
func (s *Session) subjectlessKeys() ([]string, error) {
	if s.rec == nil || s.rec.Subject() != "" {
		return nil, nil
	}
	return s.rec.Keys()
}

// onlyPending reports whether every non-nil error of errs is a revocation
// pending delivery to the other instances (cookie.ErrPending).
func onlyPending(errs []error) bool {
	for _, err := range errs {
		if err != nil && !errors.Is(err, cookie.ErrPending) {
			return false
		}
	}
	return true
}

// DestroyAll logs out every session of the session's subject, on every
// instance ("log out everywhere"), then destroys this one (see Destroy).
// For an anonymous session it is Destroy. It fails without changing
// anything when the subject's sessions cannot be revoked, or when the
// session could not be checked (Err); if the subject's sessions were
// revoked but this session's own revocation fails, the error says so and
// the cookie is deleted. A request carrying the session cookie more than
// once logs out the subjects of every session its cookies make up, and
// fails with ErrLogoutUnverified as Destroy does.
func (s *Session) DestroyAll() error {
	s.lock()
	defer s.unlock()
	if s.committed {
		return s.late()
	}
	s.load()
	if s.unavailable != nil {
		return s.unavailable
	}
	toks, recs, verr := s.logoutTokens()
	subjects := map[string]bool{}
	if s.rec != nil && s.rec.Subject() != "" {
		subjects[s.rec.Subject()] = true
	}
	for _, rec := range recs { // the cookie sent twice
		if rec.Subject() != "" {
			subjects[rec.Subject()] = true
		}
	}
	for subject := range subjects {
		if err := s.m.store.RevokeSubject(s.req.Context(), subject); err != nil {
			s.note(slog.LevelError, "middleware: logout everywhere could not revoke the subject's sessions", err, true)
			return err
		}
	}
	return s.destroy(toks, verr)
}

// Save seals the session now and stages its cookie, returning the error
// the middleware would otherwise only report to the error hook: a session
// that no longer fits (ErrCookieTooLarge, a *cookie.SizeError with the
// sizes: over the header budget, the token cap or the data cap), a record
// outside the format's limits (cookie.ErrBadRecord), or a revocation
// failure in strict reissue mode.
// The handler can then answer it. Changes made after Save, before the
// response is written, are saved too. A session that did not change needs
// nothing.
func (s *Session) Save() error {
	labels := s.nextLabels(true)
	s.lock()
	defer s.unlock()
	s.load()
	if s.rec == nil || !s.rec.Changed() {
		return s.failed
	}
	if s.committed {
		return s.late()
	}
	s.setLabels(labels)
	return s.save()
}

// Commit writes the session's cookies into the response headers now, as
// the first byte of the response would, and returns the Set-Cookie lines
// (none when the session needs no cookie update) and any save error. It is
// for handlers that write their own response after a hijack: a WebSocket
// upgrader writes only the headers it is given, so pass it these lines
// (gorilla/websocket: the responseHeader argument of Upgrade). Changes
// after Commit are changes after the headers.
func (s *Session) Commit() ([]string, error) {
	s.commit()
	s.lock()
	defer s.unlock()
	s.taken = true
	return append([]string(nil), s.lines...), s.failed
}

// hijacked reports session cookies that a hijack left unsent: the
// connection was taken before net/http sent the headers (gorilla/websocket's
// Upgrade writes its own response), and the handler did not take the lines
// with Commit. The change cannot reach the client: it goes to the error
// hook and the log, and panics in dev mode.
func (s *Session) hijacked() {
	s.lock()
	defer s.unlock()
	if len(s.lines) == 0 || s.taken {
		return
	}
	s.m.stats.late.Add(1)
	s.note(slog.LevelError, "middleware: the connection was hijacked before the response headers were sent, so the session's Set-Cookie lines are lost (pass the lines of Session.Commit to the WebSocket upgrader)", ErrCookieNotSent, true)
	if s.m.dev {
		panic(ErrCookieNotSent) // the deferred unlock still reports it
	}
}

// save seals the changed record and stages its token.
func (s *Session) save() error {
	tok, err := s.m.store.Save(s.req.Context(), s.rec)
	if err != nil {
		s.failed = err
		return err
	}
	return s.stage(tok)
}

// stage keeps the cookies carrying tok to be written, once they are known
// to fit the budget.
func (s *Session) stage(tok string) error {
	if s.viaHeader {
		// One header value, under the store's token cap: no chunks, no
		// cookie budget.
		s.staged, s.failed, s.destroyed = []pair{{"", tok}}, nil, false
		return nil
	}
	pairs, err := s.wire.split(tok)
	if err != nil {
		s.failed = err
		return err
	}
	s.staged, s.failed, s.destroyed = pairs, nil, false
	return nil
}

// commit writes the session's cookies into the response headers: the
// session's token when it changed, was renewed, or a touch is due; a
// deletion when it was destroyed or the request's cookie was bad, and of
// chunk cookies the token no longer needs; nothing when the session was
// never used. It runs once, at the first byte of the response or Commit.
//
// A response of a request that used its session varies on the cookie. One
// that also depends on an existing session, or sets a cookie, is not to be
// stored (Cache-Control: no-store, rather than private): no shared cache
// serves one user's page to another, and no browser shows it again from
// its own cache (the back button) after a logout. A handler's own
// Cache-Control, set before this runs, stands when no cookie is set; a
// response setting the session cookie is never stored.
func (s *Session) commit() {
	s.lock()
	if s.committed {
		// Another goroutine's commit may be calling Options.Labels: its
		// lines are not written yet.
		done := s.committing
		s.unlock()
		if done != nil {
			<-done
		}
		return
	}
	s.committed = true
	if !s.loaded {
		s.unlock()
		return
	}
	due := s.saveDue()
	if due && s.m.labels != nil && s.rec.Subject() != "" {
		// Options.Labels may read the session: it is called without the
		// lock. Nothing can change the session meanwhile: it is committed.
		done := make(chan struct{})
		s.committing = done
		defer close(done)
		s.unlock()
		labels := s.m.labels(s.req)
		s.lock()
		s.setLabels(labels)
	}
	defer s.unlock()
	m := s.m
	h := s.w.Header()
	addVary(h, "Cookie", &s.vary)
	if due {
		_ = s.save()
	}
	if s.failed != nil {
		m.stats.failed.Add(1)
		s.note(slog.LevelError, "middleware: session not saved; the client keeps its previous cookie", s.failed, true)
	}
	if s.viaHeader {
		s.commitHeader(h)
		return
	}
	secure := m.secureFor(s.req)
	keep := max(s.in.chunks, 1) // chunk cookies still in use, not to delete
	switch {
	case s.staged != nil:
		pairs := s.staged
		var maxAge int64
		if m.persistent || s.rec.Remembered() {
			maxAge = max(1, int64(time.Until(s.rec.Expires())/time.Second))
		}
		for _, p := range pairs {
			s.lines = append(s.lines, s.wire.setCookie(p, maxAge, secure))
		}
		keep = len(pairs)
		m.stats.written.Add(1)
		if len(pairs) > 1 {
			m.stats.chunked.Add(1)
		}
	case s.destroyed || s.clear:
		if s.destroyed || s.in.primary {
			s.lines = append(s.lines, s.wire.setCookie(pair{s.wire.name, ""}, -1, secure))
		}
		keep = 1
		m.stats.cleared.Add(1)
	}
	// Chunks the request carried that the cookies now set do not cover
	// (unless the cookie was sent twice: which chunks are whose is unknown).
	for i := keep; i < maxChunks && !s.in.dup; i++ {
		if s.in.present&(1<<i) != 0 {
			s.lines = append(s.lines, s.wire.setCookie(pair{s.wire.chunkName(i), ""}, -1, secure))
		}
	}
	if len(s.lines) == 0 {
		if _, own := h["Cache-Control"]; !own && s.rec != nil {
			s.noStore(h)
		}
		return
	}
	for _, l := range s.lines {
		h.Add("Set-Cookie", l)
	}
	s.noStore(h) // over the handler's own: a session cookie is never stored
}

// saveDue reports whether commit must save the session: it changed, or a
// touch is due (sliding expiry, or a token under a key no longer primary)
// and no token was staged by this request.
func (s *Session) saveDue() bool {
	return s.rec != nil && (s.rec.Changed() || s.staged == nil && s.fromCookie && s.m.store.TouchDue(s.rec))
}

// labelsFor returns what Options.Labels gives for a session of subject
// about to be saved, or nil without Labels or a subject. It must be called
// without the session's lock: Labels may read the session.
func (s *Session) labelsFor(subject string) map[string]string {
	if s.m.labels == nil || subject == "" {
		return nil
	}
	return s.m.labels(s.req)
}

// nextLabels returns the labels for the save Renew (changedOnly false) or
// Save (changedOnly true) is about to make, if the session has a subject
// (and changed). It takes the lock to look, and calls Labels without it.
func (s *Session) nextLabels(changedOnly bool) map[string]string {
	if s.m.labels == nil {
		return nil
	}
	s.lock()
	s.load()
	var subject string
	if s.rec != nil && !s.committed && (!changedOnly || s.rec.Changed()) {
		subject = s.rec.Subject()
	}
	s.unlock()
	return s.labelsFor(subject)
}

// setLabels gives the record the labels Options.Labels returned for its
// next save (nil: none returned). Labels outside the registry's limits are
// reported, and the session is saved without them.
func (s *Session) setLabels(labels map[string]string) {
	if labels == nil || s.rec == nil {
		return
	}
	if err := s.rec.SetLabels(labels); err != nil {
		s.note(slog.LevelWarn, "middleware: Options.Labels returned labels outside the session registry's limits; the session is saved without them", err, true)
	}
}

// noStore sets Cache-Control: no-store. The value's backing array is the
// session's own, so that setting it allocates nothing on the hot path and a
// handler that changes it changes only its own response.
// commitHeader returns the session's new token, or an empty value for an
// ended one, in the response header of a request that came with
// Options.TokenHeader. Called by commit with the lock held.
func (s *Session) commitHeader(h http.Header) {
	m := s.m
	addVary(h, m.tokenHeader, &s.vary)
	switch {
	case s.staged != nil:
		h[m.respHeader] = []string{s.staged[0].value}
		m.stats.written.Add(1)
	case s.destroyed || s.clear:
		h[m.respHeader] = []string{""}
		m.stats.cleared.Add(1)
	default:
		if _, own := h["Cache-Control"]; !own && s.rec != nil {
			s.noStore(h)
		}
		return
	}
	s.noStore(h) // a response carrying a token is never stored
}

func (s *Session) noStore(h http.Header) {
	s.cacheControl[0] = "no-store"
	h["Cache-Control"] = s.cacheControl[:]
}
