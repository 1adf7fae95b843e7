// Package gorilla connects crumb with gorilla/sessions and
// gorilla/securecookie, the cookie sessions most Go applications use today.
// It offers two ways over, which can follow one another.
//
// # Keep gorilla/sessions, seal with crumb: Codec
//
// Codec implements securecookie.Codec. Put it in a CookieStore's Codecs and
// the cookies are crumb tokens: XChaCha20-Poly1305 under a keyring whose key
// IDs let keys rotate without trying every key, compressed when that pays,
// bound to the cookie name (and an optional audience), and expiring after
// MaxAge:
//
//	crumbCodec, err := gorilla.NewCodec(gorilla.CodecOptions{Keys: ring})
//	store := sessions.NewCookieStore(hashKey, blockKey) // the keys the app has today
//	store.Codecs = append([]securecookie.Codec{crumbCodec}, store.Codecs...)
//
// gorilla encodes with the first codec that succeeds and decodes with the
// first that accepts a cookie, so with the old codecs kept after crumb's,
// existing cookies still open and are rewritten as crumb tokens the next
// time the application saves them. Drop the old codecs after their MaxAge.
// CookieStore.MaxAge does not reach crumb's Codec (it sets securecookie's
// only): set CodecOptions.MaxAge to the same value.
//
// A gorilla session's values are a map[interface{}]interface{}. What comes
// back depends on the serializer:
//
//   - Gob (the default, as gorilla's) keeps Go types: strings, every integer
//     and float type, bools, and any type registered with gob.Register —
//     structs, []string, time.Time. Registering is the application's
//     business, as with securecookie; gorilla/sessions registers
//     []interface{}, which its flashes use. Keys may be any gob-encodable
//     type.
//   - JSON keeps what JSON has. Keys must be strings (Encode fails
//     otherwise, also in nested maps). Numbers come back as float64,
//     structs and nested maps as map[string]interface{}, slices as
//     []interface{}, time.Time and []byte as strings.
//
// Tokens carry MaxAge as their absolute expiry and idle deadline; each save
// writes a new token with a new random session ID, as securecookie writes a
// new timestamp. Like securecookie, the Codec keeps no server state: a copy
// of an older cookie stays valid until its MaxAge. crumb's middleware adds
// revocation, idle and absolute timeouts and key-rotation upgrades.
//
// Errors match cookie.ErrInvalid, cookie.ErrExpired, cookie.ErrTooLarge and
// this package's sentinels with errors.Is, and implement securecookie.Error
// (IsDecode for a cookie that did not open, IsUsage for a value that could
// not be encoded), so code that inspects gorilla's errors keeps working.
// gorilla returns them inside a securecookie.MultiError.
//
// The Codec's tokens hold gorilla's values, not crumb sessions: they are
// marked as raw data, so a cookie.Store with the same keys and name refuses
// them, and the Codec refuses the Store's.
//
// # Move to crumb's middleware: Legacy
//
// Legacy reads the cookies gorilla/securecookie wrote, given the
// application's hash key, block key, serializer and MaxAge, and implements
// middleware.LegacyReader. With it in middleware.Options.Legacy, a request
// whose cookie is a valid gorilla cookie gets its session as a new crumb
// session, and the response replaces the cookie with a crumb token: users
// stay logged in across the switch.
//
//	legacy, err := gorilla.NewLegacy(gorilla.LegacyOptions{
//		HashKey:  hashKey,
//		BlockKey: blockKey,
//		Subject:  gorilla.SubjectKey("user_id"), // who the session belongs to
//	})
//	sessions, err := middleware.New(middleware.Options{Store: store, Legacy: legacy})
//
// The verification is securecookie's own (HMAC-SHA256 over the cookie name,
// timestamp and value; AES-CTR when there is a block key); the age is
// checked on the authenticated timestamp before anything is deserialized.
// Remove Legacy once the last legacy cookie has expired: MaxAge after the
// switch. Until then, keep in mind that a gorilla cookie cannot be revoked
// by itself: a copy of one taken before the switch (by a thief, say) is
// migrated into a new crumb session whenever it is presented within its
// MaxAge, even after its user logged out of the migrated session with
// Destroy. Logging out everywhere does reach it: the middleware refuses a
// legacy cookie written before its subject's RevokeSubject (Session.
// DestroyAll), using the cookie's authenticated timestamp, for as long as
// cookie.Options.SubjectRevocation keeps the revocation (middleware.New
// requires it to cover Legacy.MaxAge) — so give LegacyOptions.Subject, and
// log a user out everywhere when a copy is feared. The legacy cookie must
// have the crumb cookie's name, Path and Domain, or the browser keeps both
// and the middleware refuses the pair as cookie tossing. A short MaxAge and an early removal of Legacy keep the window
// small. An application that took the first way and kept crumb's Codec in
// its CookieStore sets LegacyOptions.Codec too (and HashKey only while
// securecookie cookies may remain), so the Codec's cookies are migrated
// the same way.
//
// A crumb session's data is a JSON object, so the legacy values are
// carried over by these rules: entries under keys that are not strings are
// dropped (at every level); maps become JSON objects and slices arrays;
// other values go through encoding/json — a struct becomes an object of its
// exported fields, time.Time an RFC 3339 string, []byte base64, an int a
// number — and read back with middleware.Get into the type they had
// (middleware.Get[int], middleware.Get[time.Time], middleware.Get[User]);
// a value encoding/json cannot encode (NaN, a channel…) is dropped with
// everything in it. gorilla's flashes are the []interface{} under "_flash"
// (or the key given to AddFlash). LegacySession.Dropped lists what a cookie
// loses, and `sessionctl decode --legacy-hash-key …` shows it for a sample
// cookie.
//
// # Untrusted input
//
// Neither type deserializes bytes it has not authenticated: the Codec opens
// a token with one AEAD attempt under the key its ID names, checks its
// expiry, and only then decompresses (within the codec's cap, 64 KiB by
// default) and runs gob or encoding/json; Legacy lets securecookie check the
// HMAC and caps the cookie at MaxLength first. Gob's decoder is not hardened
// against hostile input, which is why that order matters.
//
// The package keeps no global state of its own. The one type it registers
// with encoding/gob is []interface{}, gorilla's flashes, which
// gorilla/sessions registers too (see NewLegacy); the application
// registers its own types, as it did for gorilla.
package gorilla
