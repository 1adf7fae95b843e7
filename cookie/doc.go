// Package cookie is crumb's session store: stateless sessions whose token —
// sealed with XChaCha20-Poly1305 under a rotating keyring (package keyring),
// compressed when that pays (package codec) — is the session itself, plus a
// small revocation set (package revocation) so that logout really ends a
// session.
//
//	store, err := cookie.New(cookie.Options{Keys: ring})
//	tok, err := store.Create(ctx, cookie.CreateOptions{Subject: "alice"})
//	rec, err := store.Read(ctx, tok)
//	rec.Set("theme", "dark")
//	tok, err = store.Save(ctx, rec) // a new token: write it back
//	err = store.Delete(ctx, tok)    // logout: every token of the session is dead
//
// # Tokens change on every write
//
// Create, Save, Update, Touch, Modify, Merge, Renew and Login return a new token,
// and the caller must write it back (into the cookie): the token is the
// session, so a change that is not written back is lost. Read never changes
// anything.
//
// # Time
//
// A session has an idle timeout (sliding, default 30 minutes) and an
// absolute timeout (from creation, default 12 hours). Every reissue moves
// the idle deadline to now plus the idle timeout, never past the absolute
// expiry, and keeps the creation time: no sequence of touches or updates
// keeps a session alive past its absolute timeout. A token issued up to
// Options.Skew (60 s) ahead of the reader's clock is accepted. A token is
// never accepted past the reader's own absolute timeout, whatever the
// issuer's was. Touch mints a
// new token only once Options.ReissueAfter (a quarter of the idle timeout)
// has passed since the last one, so read-only traffic does not rewrite the
// cookie on every request.
//
// "Remember me" is per session: with Options.RememberTimeout set, a session
// started with Login(…, RememberMe) or CreateOptions.Remember lives that
// long (and idles Options.RememberIdleTimeout) instead, and the middleware
// gives it a persistent cookie. Every revocation lasts as long as the
// longest session can, so remembered sessions are as revocable as others.
//
// # Stale tokens: the limit of stateless sessions
//
// Reissuing a token does not invalidate the tokens issued before it: the
// server keeps no list of them. An older token of the same session — one
// captured by an attacker, or simply a stale copy — keeps working until its
// own idle deadline or absolute expiry, and it carries the data of its
// time. That is the price of having no session table. What bounds it:
//
//   - Delete (logout) revokes the session ID: every token of the session,
//     old and new, is rejected from then on, on every instance that shares
//     the revocation set.
//   - Login starts a new session ID and lifetime (and revokes the old ID of
//     a signed-in session), so pre-login tokens never carry the
//     authenticated session (fixation); Renew does the same on a privilege
//     change, keeping the lifetime.
//   - RevokeSubject ends every session of a user ("log out everywhere").
//   - Options.StrictReissue: each reissue also revokes the tokens issued
//     before it, once Options.ReissueGrace (30 s) has passed — the grace
//     lets requests already in flight with the previous token, and parallel
//     requests, finish. This closes the window at the cost of one
//     revocation entry per active session that reissues. Time has
//     one-second resolution: tokens issued within the same second are not
//     told apart.
//
// # Sessions without a subject
//
// Authority comes from the subject: Login sets it, and a session without
// one is anonymous. Revocation exists to end authority, so an anonymous
// session needs none: logging it out deletes the cookie but adds no entry
// to the revocation set, nor does logging in from it, renewing it, or
// reissuing it in strict mode. This is what keeps the set small under
// attack — a client without an account, or a bot, can log out or sign in
// as often as it likes and the set does not grow — and it is safe:
//
//   - fixation: a token planted before sign-in stays the anonymous session
//     it was. Login gives the signed-in session a fresh ID, so the planted
//     token never becomes it, and it carries only the pre-login data (which
//     Login copies over: Clear it first if it may hold what an attacker
//     planted);
//   - a copy of an anonymous token that survives a logout is worth what
//     the anonymous session held, until its idle timeout: do not keep
//     anything secret or authoritative in a session without a subject.
//     Never mark a user as signed in by a value in the session data
//     (user_id = 42): use Login, or logout will not end it.
//
// A subject's own revocations are bounded too: see package revocation.
//
// # Listing a user's sessions
//
// With Options.Registry set, a user can see their sessions and end one
// ("your active sessions", OWASP ASVS V3.3.4): Sessions lists a subject's
// live sessions (created, last seen, expiry, and labels the application
// chose, such as a device name: Record.SetLabels), RevokeSession ends one
// of them by ID, and RevokeOtherSessions ends all but the current one.
// Package registry has an in-memory registry with an optional durable
// file; package revocation/redisset has one on Redis for several
// instances.
//
// What it costs, and when:
//
//   - reading a session: nothing. Read never consults the registry, and a
//     request that only reads its session does no more work than without
//     one (BENCHMARKS.md, "Session registry");
//   - signing in, or renewing the session ID: one registry write (on
//     Redis, one round trip), and a sign-in fails with
//     ErrRegistryUnavailable while the registry cannot record it — a
//     session nobody can see or end is what the registry exists to
//     prevent;
//   - a token reissue (a change, or a touch every ReissueAfter): one write
//     to update the last-seen time. It is best effort: a failure is
//     counted in Stats.RegistryFailures, never returned;
//   - a logout: one more write after the revocation (best effort too).
//
// Only sessions with a subject are registered, and each subject holds a
// bounded number (registry.DefaultMaxPerSubject, 16): a sign-in beyond it
// ends the subject's least recently seen session, so that the list always
// holds every session that can be used. What a registry holds is thus
// bounded by the number of users times that bound, whatever clients do.
// Listing checks each entry against the revocation set, so a session
// logged out elsewhere (another instance, sessionctl) is never shown.
//
// Turn it on when users should be able to see and end their sessions; it
// is not needed for logout, "log out everywhere", or anything else.
//
// # Reading the same token again
//
// A browser sends its cookie unchanged on every request until the cookie is
// rewritten, so a store usually reads each token many times. It remembers
// the tokens it opened (Options.ReadCache, 4 MiB by default): from a token's
// third read on, Read skips the base64 decoding, the decryption, the
// decompression and the split of the data into values, which makes reading
// a session several times cheaper (BENCHMARKS.md). Only the work whose
// result cannot change is skipped: every read still applies the store's
// timeouts to the clock and asks the revocation set, so an expired or
// logged-out session ends exactly when it would without the cache. A hit
// needs the same token, byte for byte, opened under the same keyring: a key
// rotation or a keyring reload empties it.
//
// The memory is bounded by Options.ReadCache, counted as the token, its
// decoded bytes and values and a fixed overhead each, plus a table of token
// hashes of a thirty-second of it (128 KiB by default); a token takes an entry
// on its second read (one read once costs a hash, not an entry), one session
// may take no more than an eighth of a sixteenth of it, and when it is full
// the entries not read recently go first. Only tokens that opened
// successfully get in, so filling it takes valid sessions, and a full cache
// only means more reads do the whole work. What it holds is what the
// process already sees in every request: decrypted session data. Set
// ReadCache to a negative value to keep nothing between requests; Stats
// reports its hits and size.
//
// # Errors
//
// Read fails with ErrInvalid (one error for every integrity failure, so
// that clients learn nothing from it), ErrExpired, ErrRevoked (both also
// match ErrNotFound), ErrTooLarge, or ErrUnavailable when the revocation set
// cannot be asked. Every one of them means "no session": HTTPStatus maps
// them to a status for APIs, and none should become a 500. Stats counts
// rejections by reason. A logout on an instance cut off from a shared
// revocation set returns ErrPending: it is in force there, and on the
// other instances once delivered.
//
// Saving a session that no longer fits — its data over the codec's cap,
// its token over Options.MaxTokenLen, or, in the middleware, its cookies
// over the header budget — fails with one error, ErrSessionTooLarge, a
// *SizeError carrying the sizes; HTTPStatus maps it to 413. A client's
// oversized token on reading is ErrTooLarge (431): a different problem.
//
// # Data
//
// Session data is a map of named values. Reading a session decodes none of
// them; Get decodes the one asked for into any type, and Set stores one:
//
//	theme, err := cookie.Get[string](rec, "theme")
//	cart, err := cookie.Get[[]Item](rec, "cart")
//	msg, err := cookie.Pop[string](rec, "flash")
//
// SetData and As handle the data as a single value instead.
//
// # Coming from another session store
//
// The store offers, in stateless form, what server-side session stores
// offer: create, read, update, a partial update (Merge), an atomic
// read-modify-write (Modify), touch with a new idle window, idempotent
// delete, "log out everywhere" (RevokeSubject), existence checks, metadata,
// per-session timeouts, statistics, health and cleanup, and (with a
// registry) listing a user's sessions. docs/COMPARISON.md in the
// repository maps the interfaces of other stores onto it.
package cookie
