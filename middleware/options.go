package middleware

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/crumbhq/crumb/cookie"
)

// Cookie size limits, in bytes.
const (
	// MaxCookieBytes is the most a browser keeps of one cookie, counting its
	// name and value (RFC 6265 §6.1; Chromium and Firefox enforce 4096).
	// crumb writes less: see MaxSetCookieBytes.
	MaxCookieBytes = 4096

	// MaxSetCookieBytes caps every Set-Cookie line the middleware writes,
	// attributes included (name=value; Path; Domain; Max-Age; HttpOnly;
	// Secure; SameSite; Partitioned). Safari keeps a cookie only up to
	// about 4,093 bytes, and Chromium before 2022 counted the attributes
	// too: a line within this cap is kept by every browser. A session
	// token that does not fit one such line is split into chunks, each
	// within it; room is kept for the longest Max-Age, so a persistent
	// cookie fits as well as a browser-session one.
	MaxSetCookieBytes = 4093

	// minChunkRoom is the least a chunk must carry of the token: options
	// whose attributes leave less are refused.
	minChunkRoom = 1024

	// DefaultHeaderBudget caps what the session's cookies (every chunk, as
	// "name=value" pairs joined by "; ") add to the request's Cookie header.
	// nginx reads a request header line into a buffer of 8 KiB by default
	// (large_client_header_buffers 4 8k) and answers 400 past it, as do
	// Apache (LimitRequestFieldSize 8190) and many load balancers; 6 KiB
	// leaves about 2 KiB of that line for "Cookie: " and the site's other
	// cookies (consent, analytics, CSRF). A session over the budget is not
	// written: the error goes to the error hook and Session.Save.
	DefaultHeaderBudget = 6 * 1024

	// MaxHeaderBudget is the largest HeaderBudget allowed: 16 chunks.
	MaxHeaderBudget = maxChunks * MaxCookieBytes
)

// Policy says what to do with a session whose revocation status cannot be
// checked because the revocation set is unavailable.
type Policy uint8

const (
	// FailClosed treats the session as absent for the request (the
	// default): a revoked session is never accepted, at the price of
	// logged-in users appearing logged out during an outage. The cookie is
	// kept, so they are back when the set recovers — unless the request
	// saves a new session over it.
	FailClosed Policy = iota
	// FailOpen accepts the authentic, unexpired session as if it were not
	// revoked: users stay logged in during an outage, and so does a session
	// that was revoked.
	FailOpen
)

// Options configure a Manager. Only Store is required; the zero values of
// the other fields give the secure defaults: a browser-session cookie named
// by the store, with Secure, HttpOnly, SameSite=Lax and Path=/.
type Options struct {
	// Store seals and opens the sessions; its Name is the cookie name.
	// Required.
	Store *cookie.Store

	// Path is the cookie's Path attribute. Default "/"; a "__Host-" cookie
	// requires "/".
	Path string

	// Domain is the cookie's Domain attribute: the cookie is then sent to
	// every subdomain too. Default none (this host only); a "__Host-"
	// cookie must have none.
	Domain string

	// SameSite is the cookie's SameSite attribute. Default (zero)
	// http.SameSiteLaxMode; http.SameSiteNoneMode requires Secure, so it
	// cannot be combined with Dev. http.SameSiteDefaultMode (no attribute,
	// which browsers disagree on) is refused.
	SameSite http.SameSite

	// Persistent gives the cookie a Max-Age reaching the session's absolute
	// expiry, so it survives a browser restart. Default false: a
	// browser-session cookie, as OWASP recommends for session IDs; the
	// idle and absolute timeouts in the token apply either way. A session
	// started with Login(subject, cookie.RememberMe) gets a persistent
	// cookie whatever this says ("remember me", per session).
	Persistent bool

	// Partitioned sets the Partitioned attribute (CHIPS), for a session
	// used in a third-party iframe. It requires SameSite=None (a cookie
	// that is not sent cross-site has nothing to partition) and Secure, so
	// it cannot be combined with Dev.
	Partitioned bool

	// Dev is the explicit development mode for plain HTTP on localhost:
	// cookies go without the Secure attribute to requests whose Host is a
	// loopback name or address (elsewhere Secure stays, and a warning is
	// logged once), and a session changed after the response headers were
	// sent panics instead of only being reported. A "__Host-" or
	// "__Secure-" cookie name, which browsers accept only with Secure, is
	// written without its prefix to loopback hosts ("__Host-session" is
	// "session" on http://localhost) and as it is elsewhere, so the same
	// options serve development and production. SameSite=None and
	// Partitioned, which also require Secure, are refused in dev mode.
	Dev bool

	// TokenHeader lets API clients carry the session token in a request
	// header instead of a cookie (never in the URL). "Authorization" reads
	// the Bearer scheme (Authorization: Bearer TOKEN); another name, such as
	// "Session-Token", reads the header's value as the token. A request
	// that sends the header — empty, to start a session — is served through
	// it: no cookie is read or set for it, and when its session changes the
	// new token is returned in the response header TokenResponseHeader (an
	// empty value when the session ended: drop the token). Requests without
	// the header use the cookie. Default "": cookies only.
	TokenHeader string

	// TokenResponseHeader names the response header that returns a new
	// token to a client that sent TokenHeader. Default "Session-Token".
	TokenResponseHeader string

	// HeaderBudget caps, in bytes, what the session's cookies add to the
	// request's Cookie header; see DefaultHeaderBudget (the default) and
	// MaxHeaderBudget.
	HeaderBudget int

	// Unavailable is the policy when the revocation set cannot be asked.
	// Default FailClosed.
	Unavailable Policy

	// OnError, if set, is called with every error the middleware handles
	// on its own: the revocation set unavailable (wrapping
	// cookie.ErrUnavailable), a session that could not be saved (too
	// large: ErrCookieTooLarge, a *cookie.SizeError; or a record outside
	// the format's limits: cookie.ErrBadRecord), a change after the
	// headers were sent (ErrHeadersWritten), duplicate session cookies
	// (ErrDuplicateCookie), and a logout that could not revoke the session
	// (also returned by Destroy: cookie.ErrUnavailable,
	// ErrLogoutUnverified). Errors are also logged (the revocation set's
	// unavailability as a warning at most once every 10 seconds, at Debug
	// in between), but the hook gets every one. The hook cannot change
	// the response, which may already be under way; it is for metrics and
	// alerts. It must be safe for concurrent use.
	OnError func(r *http.Request, err error)

	// Legacy, if set, reads cookies written by the session library the
	// application is migrating from (package cookie/gorilla reads
	// gorilla/securecookie's): a request whose cookie is not a crumb token
	// but a valid legacy cookie gets its data as a new crumb session,
	// written back in crumb's format on the same response, so users stay
	// logged in across the switch. A reader with a MaxAge method must have
	// a finite one, covered by the store's Options.SubjectRevocation, so
	// that logging out everywhere refuses legacy copies for as long as they
	// could be replayed. The legacy cookie must have the same name, Path
	// and Domain as crumb's, or the browser keeps both (and two cookies of
	// one name are refused as cookie tossing). Remove Legacy once the
	// legacy cookies have expired.
	Legacy LegacyReader

	// Labels, if set, says what the session registry shows about a
	// session (cookie.Options.Registry; cookie.Record.SetLabels): a few
	// short strings such as a device name derived from the User-Agent or
	// a coarse location, never a secret, as the registry keeps them in
	// the clear. It is called for a session with a subject only when a
	// token of it is about to be issued: a new session ID (Login, Renew,
	// a new session with a subject) or a reissue (a change, or a touch
	// due). A request that only reads its session never calls it. It is
	// called without the session's lock, so it may read the request's
	// Session, but must not change it, call its Commit or write the
	// response. A nil result leaves the labels as they are. Labels outside
	// the registry's limits (registry.MaxLabels, and the lengths there)
	// go to OnError and the log, and the session is saved without them.
	// Default nil: no labels. It must be safe for concurrent use.
	Labels func(r *http.Request) map[string]string

	// Logger receives the middleware's logs. Default slog.Default(). Logs
	// never contain token bytes or session IDs.
	Logger *slog.Logger
}

// LegacyReader is cookie.LegacyReader: it reads a session cookie written by
// another library, for migrating to crumb without logging users out
// (Options.Legacy).
type LegacyReader = cookie.LegacyReader

// LegacySession is cookie.LegacySession, what a LegacyReader found in a
// legacy cookie.
type LegacySession = cookie.LegacySession

// Cookie name prefixes with rules of their own (RFC 6265bis §4.1.3).
const (
	hostPrefix   = "__Host-"
	securePrefix = "__Secure-"
	// maxAttrValue is the longest cookie attribute value browsers honour
	// (RFC 6265bis §5.6).
	maxAttrValue = 1024
)

// validate checks the options and fills in the defaults.
func (o *Options) validate() error {
	if o.Store == nil {
		return fmt.Errorf("%w: Store is required", ErrBadOptions)
	}
	name := o.Store.Name()
	// Browsers match the prefixes without regard to case (RFC 6265bis).
	prefixed := hasPrefixFold(name, hostPrefix) || hasPrefixFold(name, securePrefix)
	if !isToken(name) {
		return fmt.Errorf("%w: cookie name %q is not an RFC 6265 token", ErrBadOptions, name)
	}
	if o.Path == "" {
		o.Path = "/"
	}
	if !strings.HasPrefix(o.Path, "/") || !isAttrValue(o.Path) {
		return fmt.Errorf("%w: Path %q must start with / and hold no ';' or control characters", ErrBadOptions, o.Path)
	}
	if len(o.Path) > maxAttrValue {
		// RFC 6265bis §5.6: browsers ignore a longer attribute value.
		return fmt.Errorf("%w: Path of %d bytes: browsers ignore one over %d", ErrBadOptions, len(o.Path), maxAttrValue)
	}
	if o.Domain != "" && !isDomain(o.Domain) {
		return fmt.Errorf("%w: Domain %q is not a domain name", ErrBadOptions, o.Domain)
	}
	switch o.SameSite {
	case 0:
		o.SameSite = http.SameSiteLaxMode
	case http.SameSiteLaxMode, http.SameSiteStrictMode, http.SameSiteNoneMode:
	case http.SameSiteDefaultMode:
		return fmt.Errorf("%w: SameSite must be Lax, Strict or None (browsers disagree on a missing attribute)", ErrBadOptions)
	default:
		return fmt.Errorf("%w: unknown SameSite value %d", ErrBadOptions, o.SameSite)
	}
	if o.Dev {
		switch {
		case prefixed && !isToken(devName(name)):
			return fmt.Errorf("%w: cookie name %q has nothing after its prefix, which dev mode needs for loopback hosts", ErrBadOptions, name)
		case o.SameSite == http.SameSiteNoneMode:
			return fmt.Errorf("%w: SameSite=None requires Secure, which dev mode drops", ErrBadOptions)
		case o.Partitioned:
			return fmt.Errorf("%w: Partitioned requires Secure, which dev mode drops", ErrBadOptions)
		}
	}
	if hasPrefixFold(name, hostPrefix) && (o.Path != "/" || o.Domain != "") {
		return fmt.Errorf("%w: a %q cookie requires Path=/ and no Domain", ErrBadOptions, hostPrefix)
	}
	if o.Partitioned && o.SameSite != http.SameSiteNoneMode {
		return fmt.Errorf("%w: a Partitioned cookie is for a third-party context, where only SameSite=None is sent", ErrBadOptions)
	}
	if o.TokenHeader != "" || o.TokenResponseHeader != "" {
		if o.TokenResponseHeader == "" {
			o.TokenResponseHeader = "Session-Token"
		}
		for _, h := range []string{o.TokenHeader, o.TokenResponseHeader} {
			switch strings.ToLower(h) {
			case "cookie", "set-cookie", "":
				return fmt.Errorf("%w: TokenHeader %q and TokenResponseHeader %q: name a header other than Cookie and Set-Cookie (TokenHeader is required with TokenResponseHeader)", ErrBadOptions, o.TokenHeader, o.TokenResponseHeader)
			}
			if !isToken(h) {
				return fmt.Errorf("%w: %q is not a header name", ErrBadOptions, h)
			}
		}
		if strings.EqualFold(o.TokenResponseHeader, "Authorization") {
			return fmt.Errorf("%w: TokenResponseHeader cannot be Authorization, a request header", ErrBadOptions)
		}
	}
	switch {
	case o.HeaderBudget == 0:
		o.HeaderBudget = DefaultHeaderBudget
	case o.HeaderBudget < MaxCookieBytes || o.HeaderBudget > MaxHeaderBudget:
		return fmt.Errorf("%w: HeaderBudget %d must be from %d to %d bytes", ErrBadOptions, o.HeaderBudget, MaxCookieBytes, MaxHeaderBudget)
	}
	if l, ok := o.Legacy.(interface{ MaxAge() time.Duration }); ok {
		// "Log out everywhere" must outlast every legacy cookie it covers.
		switch age := l.MaxAge(); {
		case age < 0:
			return fmt.Errorf("%w: the legacy reader accepts cookies of any age, which no revocation can cover: give it a MaxAge", ErrBadOptions)
		case age > o.Store.SubjectRevocation():
			return fmt.Errorf("%w: legacy cookies live %v but the store's subject revocations only %v: set cookie.Options.SubjectRevocation to at least the legacy MaxAge", ErrBadOptions, age, o.Store.SubjectRevocation())
		}
	}
	if o.Unavailable > FailOpen {
		return fmt.Errorf("%w: unknown Unavailable policy %d", ErrBadOptions, o.Unavailable)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return nil
}

// devName returns the name dev mode gives a "__Host-" or "__Secure-" cookie
// on a loopback host, where it drops Secure: the name without its prefix
// (browsers refuse a prefixed cookie without Secure). Other names are
// returned as they are.
func devName(name string) string {
	for _, p := range []string{hostPrefix, securePrefix} {
		if hasPrefixFold(name, p) {
			return name[len(p):]
		}
	}
	return name
}

// hasPrefixFold reports whether s starts with prefix, ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// isToken reports whether s is an RFC 7230 token, as RFC 6265 requires of a
// cookie name. Chunk names append "." and digits, which stay tokens.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// isAttrValue reports whether s can be a cookie attribute value.
func isAttrValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == ';' || c >= 0x7f {
			return false
		}
	}
	return true
}

// isDomain reports whether s is a plausible host name for the Domain
// attribute: at least two dot-separated labels of letters, digits and
// hyphens (a single label such as "com" is a public suffix browsers
// refuse), an optional leading dot (which browsers ignore), at most 253
// bytes.
func isDomain(s string) bool {
	s = strings.TrimPrefix(s, ".")
	if s == "" || len(s) > 253 || !strings.Contains(s, ".") {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
