package cookie

import (
	"crypto/rand"
	"encoding/hex"
)

// SessionID is a session's 128-bit random identifier. It is drawn when a
// session is created or renewed and kept by every reissue; revocation is
// keyed by it. It travels only inside the encrypted token.
type SessionID [16]byte

// String returns the ID in lower-case hex (32 characters).
func (id SessionID) String() string { return hex.EncodeToString(id[:]) }

// newSessionID returns a session ID from crypto/rand.
func newSessionID() (id SessionID) {
	rand.Read(id[:]) // never fails: crypto/rand crashes the program instead
	return id
}
