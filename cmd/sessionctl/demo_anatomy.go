package main

import (
	"encoding/hex"

	"github.com/crumbhq/crumb/inspect"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/middleware"
)

// demoAnatomy is what the demo page shows of the request's token: the
// parts anyone holding it can see, and how its data was encoded.
type demoAnatomy struct {
	Characters  int    // base64url characters
	Bytes       int    // decoded bytes
	Chunks      int    // cookies it came in
	Version     int    // format version (1)
	KeyID       string // the keyring's ID of the key that sealed it
	Nonce       string // hex, random for every token
	Ciphertext  int    // bytes of encrypted claims and data
	Tag         string // hex, the Poly1305 tag
	Compression string // how the data was compressed inside: none, s2, zstd
	Padded      bool   // the data was padded to a size bucket
}

// anatomy takes the request's token apart; ok is false when there is none
// or it is not a well-formed token.
func anatomy(s *middleware.Session) (demoAnatomy, bool) {
	tok := s.Token()
	if tok == "" {
		return demoAnatomy{}, false
	}
	h, err := inspect.ParseHeader(tok, len(tok))
	if err != nil {
		return demoAnatomy{}, false
	}
	info := s.Info()
	return demoAnatomy{
		Characters: h.Length, Bytes: h.Size, Chunks: info.Chunks,
		Version: h.Version, KeyID: keyring.FormatID(h.KeyID),
		Nonce:       hex.EncodeToString(h.Nonce),
		Ciphertext:  h.Ciphertext,
		Tag:         hex.EncodeToString(h.Tag),
		Compression: info.Format.Compression.String(), Padded: info.Format.Padded,
	}, true
}
