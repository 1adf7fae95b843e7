package middleware

import (
	"log/slog"
	"time"
)

// Login authenticates the session as subject: a new session ID (the old
// one is revoked), a new absolute lifetime, the data kept. Call it when a
// user signs in, so that a session planted before sign-in (fixation) never
// becomes the authenticated one. An anonymous request gets a new session.
// It fails when the revocation set cannot revoke the old ID.
func (s *Session) Login(subject string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.edit()
	if err != nil {
		return err
	}
	tok, err := s.m.store.Login(s.req.Context(), rec, subject)
	if err != nil {
		return err
	}
	return s.stage(tok)
}

// Renew gives the session a new ID and revokes the old one, keeping its
// subject, data and lifetime: call it on a privilege change (a new role,
// sudo mode). Renewing no session does nothing.
func (s *Session) Renew() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.existing()
	if err != nil || rec == nil {
		return err
	}
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
func (s *Session) Destroy() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		return s.late()
	}
	return s.destroy()
}

func (s *Session) destroy() error {
	s.load()
	ctx := s.req.Context()
	var err error
	if s.in.token != "" {
		// By the request's token, which works even when the session was
		// not loaded (revocation unavailable, fail closed).
		err = s.m.store.Delete(ctx, s.in.token)
	}
	if err == nil && s.rec != nil && s.rec.Token() != "" && s.rec.Token() != s.in.token {
		// A session renewed by this request has a new ID.
		err = s.m.store.Revoke(ctx, s.rec)
	}
	s.rec, s.fromCookie, s.staged, s.failed, s.destroyed = nil, false, "", nil, true
	if err != nil {
		s.m.report(s.req, slog.LevelError, "middleware: logout could not revoke the session", err)
	}
	return err
}

// DestroyAll logs out every session of the session's subject, on every
// instance ("log out everywhere"), then destroys this one. For an
// anonymous session it is Destroy. It fails, changing nothing, when the
// revocation set cannot record it.
func (s *Session) DestroyAll() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		return s.late()
	}
	s.load()
	if s.rec != nil && s.rec.Subject() != "" {
		if err := s.m.store.RevokeSubject(s.req.Context(), s.rec.Subject()); err != nil {
			s.m.report(s.req, slog.LevelError, "middleware: logout everywhere could not revoke the subject's sessions", err)
			return err
		}
	}
	return s.destroy()
}

// Save seals the session now and stages its cookie, returning the error
// the middleware would otherwise only report to the error hook: a session
// too large for the header budget (ErrCookieTooLarge) or for a token
// (cookie.ErrBadRecord), or a revocation failure in strict reissue mode.
// The handler can then answer it. Changes made after Save, before the
// response is written, are saved too. A session that did not change needs
// nothing.
func (s *Session) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	if s.rec == nil || !s.rec.Changed() {
		return nil
	}
	if s.committed {
		return s.late()
	}
	return s.save()
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

// stage keeps tok to be written, once it is known to fit the cookies.
func (s *Session) stage(tok string) error {
	if _, err := s.m.split(tok); err != nil {
		s.failed = err
		return err
	}
	s.staged, s.failed, s.destroyed = tok, nil, false
	return nil
}

// commit writes the session's cookies into the response headers: the
// session's token when it changed, was renewed, or a touch is due; a
// deletion when it was destroyed or the request's cookie was bad; nothing
// when the session was never used. Called once, by the writer.
func (s *Session) commit() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.committed = true
	if !s.loaded {
		return
	}
	m := s.m
	h := s.w.Header()
	addVary(h)
	if s.rec != nil {
		switch {
		case s.rec.Changed():
			_ = s.save()
		case s.staged == "" && s.fromCookie && m.store.TouchDue(s.rec):
			// Sliding expiry, or a token under a key no longer primary.
			_ = s.save()
		}
	}
	if s.failed != nil {
		m.stats.failed.Add(1)
		m.report(s.req, slog.LevelError, "middleware: session not saved; the client keeps its previous cookie", s.failed)
	}
	secure := m.secureFor(s.req)
	keep := 0 // chunk cookies of the new token, which are not deleted
	switch {
	case s.staged != "":
		pairs, _ := m.split(s.staged) // stage checked it fits
		var maxAge int64
		if m.persistent {
			maxAge = max(1, int64(time.Until(s.rec.Expires())/time.Second))
		}
		for _, p := range pairs {
			h.Add("Set-Cookie", m.setCookie(p, maxAge, secure))
		}
		keep = len(pairs)
		m.stats.written.Add(1)
		if len(pairs) > 1 {
			m.stats.chunked.Add(1)
		}
	case s.destroyed || s.clear:
		if s.destroyed || s.in.primary {
			h.Add("Set-Cookie", m.setCookie(pair{m.name, ""}, -1, secure))
		}
		keep = 1
		m.stats.cleared.Add(1)
	default:
		return
	}
	// Chunks the request carried that the new cookies do not overwrite.
	for i := max(keep, 1); i < maxChunks; i++ {
		if s.in.present&(1<<i) != 0 {
			h.Add("Set-Cookie", m.setCookie(pair{m.chunkName(i), ""}, -1, secure))
		}
	}
	h.Set("Cache-Control", "no-store")
}
