package middleware

import (
	"errors"
	"log/slog"

	"github.com/crumbhq/crumb/cookie"
)

// ErrNoSubject is returned by Session.Sessions, RevokeSession and
// RevokeOtherSessions for a request without a signed-in user: its session
// is anonymous, or it has none. An API answers it with 401 Unauthorized.
var ErrNoSubject = errors.New("middleware: nobody is signed in on this session")

// Sessions returns the signed-in user's sessions ("your active sessions"),
// the most recently seen first, as cookie.Store.Sessions lists them (it
// requires cookie.Options.Registry, or fails with cookie.ErrNoRegistry).
// The request's own session is marked Current. It is listed only if the
// registry holds it: a session signed in before the registry was turned
// on, or whose registration failed, is not listed (and none is marked
// Current) until the user signs in again.
//
// It fails with ErrNoSubject for an anonymous request, with the session's
// Err when the revocation set could not check it (FailClosed), and with an
// error wrapping cookie.ErrRegistryUnavailable when the registry cannot be
// read.
func (s *Session) Sessions() ([]cookie.SessionInfo, error) {
	s.lock()
	defer s.unlock()
	rec, err := s.signedIn()
	if err != nil {
		return nil, err
	}
	list, err := s.m.store.Sessions(s.req.Context(), rec.Subject())
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i].Current = list[i].ID == rec.ID()
	}
	return list, nil
}

// RevokeSession ends one of the signed-in user's sessions by its ID, as
// Sessions lists it ("sign out this device"), on every instance sharing the
// revocation set: that session's next request is anonymous. The ID of the
// request's own session is Destroy: a logout, the cookie deleted. Any other
// ID must be one of the user's listed sessions: otherwise the error is
// cookie.ErrNoSuchSession and nothing changes, so a user can never end
// somebody else's session by guessing an ID.
//
// It fails with ErrNoSubject for an anonymous request, and with the
// session's Err when it could not be checked. A revocation in force on
// this instance but waiting to reach the others matches cookie.ErrPending
// (cookie.HTTPStatus: 202 Accepted); other errors are as for
// cookie.Store.RevokeSession. Failures to revoke also go to
// Options.OnError, as a logout's do.
func (s *Session) RevokeSession(id cookie.SessionID) error {
	s.lock()
	defer s.unlock()
	rec, err := s.signedIn()
	if err != nil {
		return err
	}
	if id == rec.ID() {
		if s.committed {
			return s.late()
		}
		toks, _, verr := s.logoutTokens()
		return s.destroy(toks, verr)
	}
	err = s.m.store.RevokeSession(s.req.Context(), rec.Subject(), id)
	s.noteRevoke(err, "middleware: the session could not be ended")
	return err
}

// RevokeOtherSessions ends every session of the signed-in user but the
// request's own ("sign out all other devices"), on every instance sharing
// the revocation set, listed or not (see cookie.Store.RevokeOtherSessions).
// The request's session keeps working, and its cookie is not rewritten.
//
// It fails with ErrNoSubject for an anonymous request, and with the
// session's Err when it could not be checked; cookie.ErrPending and the
// other errors are as for RevokeSession.
func (s *Session) RevokeOtherSessions() error {
	s.lock()
	defer s.unlock()
	rec, err := s.signedIn()
	if err != nil {
		return err
	}
	err = s.m.store.RevokeOtherSessions(s.req.Context(), rec)
	s.noteRevoke(err, "middleware: the other sessions could not be ended")
	return err
}

// signedIn returns the request's record if it has a subject, the session's
// Err if it could not be checked, and ErrNoSubject otherwise.
func (s *Session) signedIn() (*cookie.Record, error) {
	s.load()
	switch {
	case s.rec == nil && s.unavailable != nil:
		return nil, s.unavailable
	case s.rec == nil || s.rec.Subject() == "":
		return nil, ErrNoSubject
	}
	return s.rec, nil
}

// noteRevoke reports a revocation's failure as destroy does: pending
// delivery to the other instances as a warning, anything else but a
// refused ID or a missing registry as an error.
func (s *Session) noteRevoke(err error, msg string) {
	switch {
	case err == nil, errors.Is(err, cookie.ErrNoSuchSession), errors.Is(err, cookie.ErrNoRegistry):
	case errors.Is(err, cookie.ErrPending):
		s.note(slog.LevelWarn, "middleware: sessions ended on this instance; the other instances enforce it once the shared revocation set is reachable", err, true)
	default:
		s.note(slog.LevelError, msg, err, true)
	}
}
