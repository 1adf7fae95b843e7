package cookie

import (
	"errors"
	"net/http"

	"github.com/crumbhq/crumb/internal/token"
	"github.com/crumbhq/crumb/registry"
	"github.com/crumbhq/crumb/revocation"
)

// The error classes every read can fail with. A bad token means "no
// session": none of them should become a server error.
var (
	// ErrNotFound matches ErrExpired and ErrRevoked with errors.Is: for a
	// caller that only asks whether there is a session, both mean no.
	ErrNotFound = token.ErrNotFound
	// ErrInvalid covers every integrity failure — tampered, truncated,
	// malformed, non-canonical, unknown or retired key, wrong cookie name or
	// audience, issued in the future — with one message, so that nothing a
	// client sees tells them apart. Stats counts the reasons.
	ErrInvalid = token.ErrInvalid
	// ErrExpired means the idle deadline or the absolute expiry has passed.
	// It also matches ErrNotFound.
	ErrExpired = token.ErrExpired
	// ErrRevoked means the session was logged out, renewed, or revoked with
	// every session of its subject. It also matches ErrNotFound.
	ErrRevoked = token.ErrRevoked
	// ErrTooLarge means the token, or its decoded data, exceeds a size cap.
	ErrTooLarge = token.ErrTooLarge
)

var (
	// ErrPending is wrapped by a logout (Delete, Revoke, RevokeSubject)
	// whose revocation is in force on this instance and durable, but not
	// yet shared with the other instances: the shared revocation set is
	// unreachable from here (revocation.ErrPending). The other instances
	// enforce it once it is delivered. HTTPStatus maps it to 202 Accepted:
	// tell the user the logout is done here and pending elsewhere.
	ErrPending = revocation.ErrPending
	// ErrUnavailable wraps a failure of the revocation set: the token is
	// authentic and current, but whether it was revoked cannot be told.
	// Callers decide whether to fail closed (treat it as no session, the
	// safe default) or open.
	ErrUnavailable = errors.New("cookie: revocation check unavailable")
	// ErrNoValue is returned by Get and Pop for a key the session does not
	// hold.
	ErrNoValue = errors.New("cookie: no such value in the session")
	// ErrNotMap is returned by key access (Get, Set, Delete, Keys…) on a
	// session whose data is not a map, such as one created with a list.
	ErrNotMap = errors.New("cookie: session data is not a map")
	// ErrBadOptions is returned by New for invalid options.
	ErrBadOptions = errors.New("cookie: bad options")
	// ErrBadRecord is returned when saving a record whose fields break the
	// limits of the token format (subject, metadata) or that has expired.
	ErrBadRecord = errors.New("cookie: record cannot be saved")

	// ErrNoRegistry is returned by the session-listing methods (Sessions,
	// RevokeSession, RevokeOtherSessions) of a store without
	// Options.Registry.
	ErrNoRegistry = errors.New("cookie: no session registry configured (Options.Registry)")
	// ErrNoSuchSession is returned by RevokeSession for an ID that is not
	// one of the subject's listed sessions: a user can never end somebody
	// else's session by guessing its ID. HTTPStatus maps it to 404.
	ErrNoSuchSession = errors.New("cookie: no such session for this user")
	// ErrRegistryUnavailable wraps a failure of the session registry
	// (registry.ErrUnavailable): listing fails, and so does a sign-in, which
	// must be listed to be allowed. Reading sessions never needs the
	// registry. HTTPStatus maps it to 503.
	ErrRegistryUnavailable = registry.ErrUnavailable
)

// HTTPStatus maps an error to the HTTP status an API should answer a
// request with: 401 Unauthorized for a missing (http.ErrNoCookie), invalid,
// expired or revoked session, 431 Request Header Fields Too Large for a
// client's oversized token, 503 Service Unavailable when revocation cannot
// be checked or recorded or the session registry cannot be reached, 404 Not
// Found for ErrNoSuchSession, 413 Content Too Large for a session that grew
// too large to save (ErrSessionTooLarge), 202 Accepted for a logout pending
// delivery to the other instances (ErrPending), 500 for anything else —
// including ErrBadRecord (a record the application filled outside the
// format's limits is its own bug, not the client's) — and 200 for nil.
func HTTPStatus(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrSessionTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrBadRecord):
		return http.StatusInternalServerError
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrNotFound), errors.Is(err, http.ErrNoCookie):
		return http.StatusUnauthorized
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestHeaderFieldsTooLarge
	case errors.Is(err, ErrUnavailable), errors.Is(err, ErrRegistryUnavailable):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrNoSuchSession):
		return http.StatusNotFound
	case errors.Is(err, ErrPending):
		// Last: a logout that failed in part and is pending in part is a
		// failure.
		return http.StatusAccepted
	}
	return http.StatusInternalServerError
}
