package cookie

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
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

// ParseSessionID parses the 32 hexadecimal characters SessionID.String
// returns (either case), as an application receives them back from a
// "your sessions" page.
func ParseSessionID(s string) (SessionID, error) {
	var id SessionID
	if len(s) != 2*len(id) {
		return id, errors.New("cookie: a session ID is 32 hexadecimal characters")
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, errors.New("cookie: a session ID is 32 hexadecimal characters")
	}
	return id, nil
}
