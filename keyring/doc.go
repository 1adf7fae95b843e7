// Package keyring holds crumb's encryption keys and seals and opens the
// binary envelope of token format v1 with them.
//
// # Keys and states
//
// A Key has a random 32-bit ID, a 32-byte secret and a State:
//
//   - primary: seals new tokens and opens tokens. A ring has exactly one.
//   - active: opens tokens, never seals.
//   - retired: refuses. Tokens under a retired key are rejected exactly like
//     tokens under an unknown key.
//
// A Ring is an immutable, ordered set of keys built by NewRing, which checks
// all of this up front. Being immutable, a Ring is safe for concurrent use;
// rotation builds a new Ring and swaps it in. Ring.Seal seals under the
// primary key; Ring.Open reads the key ID from the envelope header and makes
// exactly one authentication attempt with that key (never trial decryption),
// and reports through Opened whether the key was the primary, so that a
// token opened with an older key can be reissued under the primary on its
// next write. Every failure to open is the one error ErrInvalid.
//
// Secrets are never printed: Key and Ring implement fmt.Formatter,
// slog.LogValuer and (Key) json.Marshaler so that every verb, log handler
// and JSON encoding shows only IDs, states and times.
//
// # Rotation
//
// Rotation has two phases and a clean-up, so that no node ever sees a token
// under a key it does not know yet, and nobody is logged out:
//
//  1. Generate a key and add it as active on every node. Nodes can now open
//     its tokens, though nobody seals with it yet.
//  2. Once every node has it, promote it to primary; the old primary becomes
//     active (set its Demoted time). New tokens use the new key; tokens
//     under the old one still open and are upgraded as they are rewritten.
//  3. Only after the maximum session lifetime has passed since the demotion
//     (the absolute lifetime cap of the cookie store, plus clock skew), mark
//     the old key retired (or remove it). Retiring earlier logs out whoever
//     still holds a token under it.
//
// # Keyring file
//
// A keyring file is a JSON document, mode 0600, written by Marshal,
// CreateFile and ReplaceFile and read by Unmarshal, LoadFile and Watch:
//
//	{
//	  "crumb_keyring": 1,
//	  "keys": [
//	    {
//	      "id": "0a0b0c0d",
//	      "state": "primary",
//	      "secret": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
//	      "created": "2025-06-01T12:00:00Z",
//	      "promoted": "2025-06-08T12:00:00Z"
//	    },
//	    {
//	      "id": "8f3a2c1d",
//	      "state": "active",
//	      "secret": "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8",
//	      "created": "2025-01-01T12:00:00Z",
//	      "promoted": "2025-01-08T12:00:00Z",
//	      "demoted": "2025-06-08T12:00:00Z"
//	    }
//	  ]
//	}
//
// (The secrets above are examples: never use them.) "crumb_keyring" is the
// format version and must be 1. "id" is 8 lower-case hex digits, "state" is
// primary, active or retired, and "secret" is the 32-byte secret in
// unpadded base64url (43 characters). The times are RFC 3339 and optional.
// Parsing is strict: unknown or repeated fields, other encodings and
// trailing data are errors, and error messages never contain secrets.
//
// # Environment
//
// ParseEnv and LoadEnv read a ring from an environment variable, by
// convention CRUMB_KEYRING (EnvVar), holding either the JSON document or a
// compact form of "id:state:secret" entries separated by commas or white
// space:
//
//	CRUMB_KEYRING=0a0b0c0d:primary:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8,8f3a2c1d:active:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8
//
// # Passphrases
//
// KeyFromPassphrase derives a key (ID and secret) from a passphrase with
// HKDF-SHA256, so that small setups can configure one shared string instead
// of a file. HKDF does no key stretching: use a long random passphrase
// (for example `openssl rand -base64 32`), never a human password.
// Passphrases shorter than 32 bytes are refused.
//
// # Hot reload
//
// Watch loads a keyring file and polls it (every 5 s by default), swapping
// in the new ring when the content changes and is valid. Polling follows
// symbolic-link swaps such as those of Kubernetes secret volumes. A
// missing, unreadable or invalid file keeps the ring in service and reports
// the error (Watcher.Err, the logger, WatchOptions.OnError). Watcher.Reload
// checks at once, for SIGHUP handlers. Consumers hold a Source, which both
// *Ring and *Watcher implement.
//
// # FIPS 140
//
// Token format v1 uses XChaCha20-Poly1305, which FIPS 140-3 does not
// approve. In FIPS 140-only mode (GODEBUG=fips140=only) NewRing, and so
// every loader, fails with ErrFIPS rather than at first use.
package keyring
