package middleware

// CSRFToken returns the session's CSRF token, for a hidden form field or a
// request header, starting a session when there is none (its cookie is
// then set with the response). The token is derived from the session ID
// with the keyring (cookie.Store.CSRFToken), never stored in the session:
// it costs no cookie bytes and never shares a compression context with
// what an attacker can put in the session. It changes with the session ID
// — at Login and Renew — so render forms after signing in.
//
// For most applications cross-origin protection is enough and simpler:
// wrap the handler in http.CrossOriginProtection (see the package
// documentation). The token adds a check that also holds for browsers that
// send neither Sec-Fetch-Site nor Origin.
func (s *Session) CSRFToken() (string, error) {
	s.lock()
	defer s.unlock()
	rec, err := s.edit()
	if err != nil {
		return "", err
	}
	return s.m.store.CSRFToken(rec), nil
}

// CheckCSRF reports whether tok is the CSRF token of the request's session.
// A request without a session has none: any token is refused.
func (s *Session) CheckCSRF(tok string) bool {
	s.lock()
	defer s.unlock()
	s.load()
	return s.rec != nil && s.m.store.CheckCSRF(s.rec, tok)
}
