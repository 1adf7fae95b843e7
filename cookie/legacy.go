package cookie

import (
	"context"
	"time"
)

// LegacyReader reads a session cookie written by another library, for
// migrating to crumb without logging users out (middleware.Options.Legacy).
type LegacyReader interface {
	// ReadLegacy authenticates and decodes the value of the cookie name,
	// and returns its session. Any error means it is not a valid legacy
	// cookie: tampered, expired, or not one at all. It must bound what it
	// decodes.
	ReadLegacy(ctx context.Context, name, value string) (LegacySession, error)
}

// LegacySession is what a LegacyReader found in a legacy cookie.
type LegacySession struct {
	// Subject is whom the session belongs to, or "" for an anonymous one.
	Subject string
	// Data is the session data for Record.SetData: a map for key
	// access, nil for none.
	Data any
	// Written is when the cookie was written. A legacy cookie cannot be
	// revoked by itself, but one written before its subject was logged out
	// everywhere (Store.RevokeSubject, the middleware's Session.DestroyAll) is
	// refused, so that a copy of an old cookie does not outlive that.
	Written time.Time
}
