package cookie

import (
	"encoding/base64"
)

// csrfPurpose is the keyring MAC purpose of CSRF tokens.
const csrfPurpose = "csrf"

// CSRFToken returns the CSRF token of r's session: a MAC of the session ID
// (and the store's cookie name and audience) under the keyring, 48
// base64url characters. It is derived, not stored: the session data never
// holds it, so it never shares a compression context with values an
// attacker influences, and it costs no cookie bytes. It is the same for the
// session's whole life and changes with its ID (Login, Renew), so a token
// from before a sign-in is refused after it. Keyring rotation keeps it
// valid while the key that made it still opens (CheckCSRF).
func (s *Store) CSRFToken(r *Record) string {
	return base64.RawURLEncoding.EncodeToString(s.keys.Ring().MAC(csrfPurpose, s.csrfMessage(r)))
}

// CheckCSRF reports whether tok is the CSRF token of r's session, under a
// key of the keyring that still opens.
func (s *Store) CheckCSRF(r *Record, tok string) bool {
	mac, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return false
	}
	return s.keys.Ring().VerifyMAC(csrfPurpose, s.csrfMessage(r), mac)
}

// csrfMessage is what a CSRF token authenticates: the store's purpose (its
// cookie name and audience), a zero byte, and the session ID.
func (s *Store) csrfMessage(r *Record) []byte {
	msg := make([]byte, 0, len(s.purpose)+1+len(r.id))
	msg = append(msg, s.purpose...)
	msg = append(msg, 0)
	return append(msg, r.id[:]...)
}
