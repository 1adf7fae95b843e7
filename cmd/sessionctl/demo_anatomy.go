package main

import (
	"encoding/hex"

	"github.com/crumbhq/crumb/internal/envelope"
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
	env, err := decodeToken(tok)
	if err != nil || len(env) < envelope.Overhead {
		return demoAnatomy{}, false
	}
	version, keyID, _ := envelope.ParseHeader(env)
	info := s.Info()
	return demoAnatomy{
		Characters: len(tok), Bytes: len(env), Chunks: info.Chunks,
		Version: int(version), KeyID: keyring.FormatID(keyID),
		Nonce:       hex.EncodeToString(env[1+envelope.KeyIDSize : envelope.HeaderSize]),
		Ciphertext:  len(env) - envelope.Overhead,
		Tag:         hex.EncodeToString(env[len(env)-envelope.TagSize:]),
		Compression: info.Format.Compression.String(), Padded: info.Format.Padded,
	}, true
}
