// Package middleware serves crumb sessions to net/http handlers: the
// session cookie is opened lazily, exposed through the request context,
// and written back — as one cookie, or as integrity-bound chunks when it
// is larger than a browser keeps — exactly once, before the first byte of
// the response, only when it is needed.
//
//	store, _ := cookie.New(cookie.Options{Name: "__Host-session", Keys: ring})
//	sessions, _ := middleware.New(middleware.Options{Store: store})
//	mux := http.NewServeMux()
//	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
//		s := middleware.From(r)
//		if err := s.Login(userID); err != nil { … }
//		s.Set("theme", "dark")
//	})
//	http.ListenAndServe(addr, sessions.Handler(mux))
//
// Handler works with http.ServeMux and with any router that takes
// func(http.Handler) http.Handler middleware (chi's Use, gorilla/mux's Use).
//
// # Reading and writing
//
// From returns the request's Session. Get and Pop decode a value into any
// type; Set, Remove and Clear change the data; Subject, Meta and SetMeta
// read and write who the session belongs to and small facts about it.
// Login (sign-in: a new session ID and lifetime, the old ID revoked), Renew
// (a privilege change: a new ID), Destroy (logout: revoked everywhere and
// the cookie deleted) and DestroyAll (every session of the subject) cover
// the session's life. AddFlash and Flashes keep a list of messages for the
// next page, shown once.
//
// Several Managers can wrap one handler, each with its own cookie (a login
// session and long-lived preferences, say): Manager.From returns that
// Manager's session, and the package-level From the innermost one's.
// Package sessiontest helps test handlers that use sessions.
//
// A missing, invalid, expired or revoked cookie gives an empty session,
// never an error, and a bad cookie is deleted. When the revocation set
// cannot be asked, Options.Unavailable decides: fail closed (the default;
// no session for this request) or open. Either way the error goes to
// Options.OnError, and to the log as a warning at most once every 10
// seconds (counting the requests it held back; the others are logged at
// Debug), so that an outage does not flood it. Logs never contain token
// bytes or session IDs.
//
// # When the cookie is written
//
// The middleware sets the cookie only when the session changed, was
// renewed or destroyed, or a touch is due (the store's ReissueAfter: a
// quarter of the idle timeout by default), or the token was sealed under a
// key that is no longer primary. It does so once, just before the first of
// Write, WriteHeader, Flush, ReadFrom or Hijack, or when the handler
// returns — so streaming (server-sent events) and hijacking (WebSockets)
// keep working, and http.ResponseController sees through the wrapper
// (Unwrap). Every response of a request that used its session carries
// Vary: Cookie. One that sets the cookie carries Cache-Control: no-store,
// over the handler's own; one that used an existing session without
// setting the cookie carries it too, unless the handler set its own
// Cache-Control before writing the response. no-store rather than private:
// no shared cache serves one user's page to another, and no browser shows
// it again from its own cache (the back button) after a logout.
//
// A change after the headers were sent cannot reach the client: it
// returns ErrHeadersWritten, goes to the error hook, and panics in dev
// mode. A session that cannot be saved (larger than Options.HeaderBudget)
// is reported the same way and the client keeps its previous cookie; call
// Session.Save to get that error while the response can still say so.
//
// # Cookies
//
// Cookies are Secure, HttpOnly, SameSite=Lax and Path=/ by default, and
// browser-session cookies unless Options.Persistent. A name starting with
// "__Host-" (recommended: it cannot be set by a subdomain) or "__Secure-"
// is validated against its rules; Domain and Partitioned are available;
// invalid combinations are refused by New. Options.Dev drops Secure for
// plain HTTP on localhost only.
//
// Only the configured cookie is read: never a query parameter, form field
// or header. A request carrying it twice — the mark of cookie tossing from
// a sibling subdomain — is treated as anonymous and reported; logging it
// out still revokes every session its cookies make up, or fails with
// ErrLogoutUnverified.
//
// Every Set-Cookie line the middleware writes, attributes included, is at
// most MaxSetCookieBytes (4,093: what Safari keeps, and what older Chromium
// counted with the attributes), whatever the name, Path, Domain, Max-Age
// and Partitioned. A token that does not fit one line is split into chunks
// NAME, NAME.1, … whose values carry a tag derived from the whole token: a
// chunk left from another version of the session is detected and the set
// rejected, and chunks left over when a session shrinks are deleted. All
// the cookies together must fit Options.HeaderBudget (DefaultHeaderBudget:
// 6 KiB, so the Cookie header stays within nginx's default 8 KiB line with
// room for other cookies). A session that no longer fits is not written:
// the error is ErrCookieTooLarge (cookie.ErrSessionTooLarge), a
// *cookie.SizeError saying which limit it crossed and by how much.
//
// # Tokens in a header
//
// For API clients that keep the token themselves, Options.TokenHeader
// (such as "Authorization", read as a Bearer token) serves a request that
// sends the header through headers only: its new tokens go back in
// Options.TokenResponseHeader, no cookie is read or set for it, and tokens
// never travel in the URL. A header token is not sent by the browser on
// its own, so such requests need no CSRF protection.
//
// # Cross-site requests
//
// A session cookie goes with every request the browser makes to the site,
// including those another site's page starts (CSRF). The default
// SameSite=Lax keeps it off cross-site POSTs from most browsers; to refuse
// them outright, wrap the handler in Go's cross-origin protection, which
// checks the Sec-Fetch-Site and Origin headers browsers send:
//
//	handler := http.NewCrossOriginProtection().Handler(sessions.Handler(mux))
//
// For forms that must also hold for browsers sending neither header,
// Session.CSRFToken gives a token for a hidden field and CheckCSRF checks
// it. The token is derived from the session ID with the keyring, not stored
// in the session, so it never sits in a compressed session next to values
// an attacker chooses (see "Compression and its one risk" in the README):
// a secret stored there, with compression on, can be recovered from the
// cookie's length by anybody who can put chosen values in the session and
// watch the cookie grow.
//
// # A user's sessions
//
// With a session registry (cookie.Options.Registry), a signed-in user can
// see their sessions and end one ("your active sessions"):
// Session.Sessions lists them with the request's own marked Current,
// RevokeSession ends one by the ID the list gave (the request's own ID is
// a logout; another user's is refused with cookie.ErrNoSuchSession), and
// RevokeOtherSessions ends all but the request's own. Without a signed-in
// user they fail with ErrNoSubject (answer 401). Options.Labels says what
// the list shows about each session, such as a device name from the
// User-Agent; it is called only when a token is issued, never on a request
// that only reads its session, which stays as stateless as without a
// registry.
//
// # Idle timeout and lazy loading
//
// Only requests that use the session count as activity: a request for a
// static file, which never calls From, neither opens the cookie nor slides
// its idle deadline.
package middleware
