// Package registry lists the sessions a user has, so that an application
// can show "your active sessions" and let the user end one of them.
//
// It is optional. crumb's sessions are stateless: the token a client holds
// is the session, and a store keeps nothing per session. A registry adds
// the one piece of server-side state listing needs, and only where it is
// needed: a session is registered when it is created (a sign-in, a renewed
// session ID), its last-seen time is updated when a new token of it is
// issued (not on every request), and its entry is removed when it is
// logged out, revoked or expires. Reading an unchanged session never
// touches the registry.
//
// Registry is the seam; Local is the embedded implementation, in memory
// with an optional durable file; package revocation/redisset provides one
// on Redis for several instances, configured by the same options as its
// revocation set.
//
// # Bounds
//
// Only sessions with a subject are registered: an anonymous session has
// nobody to list it for. Each subject holds at most MaxPerSubject live
// entries (DefaultMaxPerSubject, 16); adding one more removes the least
// recently seen, which the cookie store then revokes, so that what a user
// sees is every session that can still be used. A client can therefore
// never grow a registry past the number of subjects times that bound, and
// one account abused by somebody with its password costs only that
// account's own oldest sessions.
package registry
