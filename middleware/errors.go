package middleware

import (
	"errors"

	"github.com/crumbhq/crumb/cookie"
)

var (
	// ErrBadOptions is returned by New for invalid options.
	ErrBadOptions = errors.New("middleware: bad options")

	// ErrCookieTooLarge is cookie.ErrSessionTooLarge: the session no
	// longer fits — its cookies would take more than Options.HeaderBudget
	// of the Cookie header, or its token or data is over the store's caps.
	// The session was not written and the client keeps its previous
	// cookie. The error is a *cookie.SizeError with the sizes;
	// cookie.HTTPStatus maps it to 413. Store less in the session.
	ErrCookieTooLarge = cookie.ErrSessionTooLarge

	// ErrHeadersWritten means the session was changed after the response
	// headers had been sent (by Write, WriteHeader, Flush, ReadFrom or
	// Hijack): the change cannot reach the client and was not applied.
	// Change the session, or call Session.Save, before writing the
	// response.
	ErrHeadersWritten = errors.New("middleware: session changed after the response headers were sent")

	// ErrCookieNotSent means the connection was hijacked before the
	// response headers were sent, with session cookies to set: a WebSocket
	// upgrader that writes its own response (gorilla/websocket's Upgrade)
	// was not given the lines of Session.Commit, so the session's change
	// never reaches the client. Reported to Options.OnError and the log
	// (and a panic in dev mode). Pass Session.Commit's lines to the
	// upgrader; coder/websocket needs nothing.
	ErrCookieNotSent = errors.New("middleware: session cookies not sent: the connection was hijacked before the response headers")

	// ErrDuplicateCookie means the request carried the session cookie more
	// than once — the mark of cookie tossing, where a sibling subdomain or
	// a path-scoped cookie shadows the real one. The request is treated as
	// anonymous.
	ErrDuplicateCookie = errors.New("middleware: request carries the session cookie more than once")

	// ErrLogoutUnverified means Session.Destroy or DestroyAll could not
	// tell which sessions to revoke: the request carried its session
	// cookies more than once (cookie tossing) and none of the tokens they
	// make up is a session of the store, or there were more of them than
	// a logout examines (4 distinct values of a cookie). The cookie is
	// deleted all the same, but the user's session may still be usable
	// with a copy of it: tell the user the logout did not complete.
	ErrLogoutUnverified = errors.New("middleware: logout could not tell which sessions the duplicated session cookies carry")
)
