package cookie

import (
	"fmt"
	"maps"

	"github.com/crumbhq/crumb/internal/token"
)

// rememberMeta is the metadata key a remembered session's token carries
// (value "1"). It is crumb's own: Record.Metadata and Meta never show it,
// and an application cannot set it.
const rememberMeta = "crumb.remember"

// LoginOption changes how Store.Login (and the middleware's Session.Login)
// starts a session.
type LoginOption interface{ applyLogin(*loginOptions) }

type loginOptions struct{ remember bool }

type rememberMe struct{}

func (rememberMe) applyLogin(o *loginOptions) { o.remember = true }

// RememberMe makes Login start a remembered session ("remember me"): it
// lives Options.RememberTimeout and idles Options.RememberIdleTimeout
// instead of the store's usual timeouts, and the middleware writes it as a
// persistent cookie. It is revoked like any other session: logout, "log
// out everywhere" and sessionctl revoke end it at once. Login fails with
// ErrBadRecord when the store has no RememberTimeout.
var RememberMe LoginOption = rememberMe{}

// Remembered reports whether the session was started with RememberMe.
func (r *Record) Remembered() bool { return r.remembered }

// lifetimes returns the absolute and idle timeouts, in seconds, that apply
// to a session: the remembered ones when it is remembered and the store
// still remembers sessions, the store's otherwise.
func (s *Store) lifetimes(remembered bool) (abs, idle int64) {
	if remembered && s.rememberAbs > 0 {
		return s.rememberAbs, s.rememberIdle
	}
	return s.abs, s.idle
}

// longest returns the longest a session of the store can live, in
// seconds: what the registry's entries are held to (an entry does not say
// whether its session is remembered, and a live session must never be
// hidden from its user).
func (s *Store) longest() int64 { return max(s.abs, s.rememberAbs) }

// errNoRemember is the error for RememberMe on a store without
// RememberTimeout.
var errNoRemember = fmt.Errorf("%w: remember me is off: set Options.RememberTimeout", ErrBadRecord)

// openRemembered takes crumb's remember mark out of a token's metadata,
// reporting whether it was there; the application's metadata is returned
// without it.
func openRemembered(md map[string]string) (map[string]string, bool) {
	v, ok := md[rememberMeta]
	if !ok {
		return md, false
	}
	md = maps.Clone(md)
	delete(md, rememberMeta)
	if len(md) == 0 {
		md = nil
	}
	return md, v == "1"
}

// sealMetadata returns the metadata to seal for r: the application's, with
// crumb's remember mark when r is remembered.
func sealMetadata(r *Record) (map[string]string, error) {
	if _, ok := r.metadata[rememberMeta]; ok {
		return nil, fmt.Errorf("%w: metadata key %q is crumb's own", ErrBadRecord, rememberMeta)
	}
	if !r.remembered {
		return r.metadata, nil
	}
	if len(r.metadata) >= token.MaxMetadata {
		return nil, fmt.Errorf("%w: at most %d metadata entries in a remembered session", ErrBadRecord, token.MaxMetadata-1)
	}
	md := maps.Clone(r.metadata)
	if md == nil {
		md = map[string]string{}
	}
	md[rememberMeta] = "1"
	return md, nil
}
