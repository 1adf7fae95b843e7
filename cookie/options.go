package cookie

import (
	"fmt"
	"time"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/envelope"
	"github.com/crumbhq/crumb/internal/token"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/registry"
	"github.com/crumbhq/crumb/revocation"
)

// Defaults, following OWASP ASVS level 2 for the timeouts.
const (
	// DefaultName is the default cookie name.
	DefaultName = "session"
	// DefaultIdleTimeout ends a session after 30 minutes without a touch.
	DefaultIdleTimeout = 30 * time.Minute
	// DefaultAbsoluteTimeout ends a session 12 hours after it was created.
	DefaultAbsoluteTimeout = 12 * time.Hour
	// DefaultSkew is the leeway for a token issued ahead of the reader's clock.
	DefaultSkew = 60 * time.Second
	// DefaultReissueGrace is how long, in strict mode, a superseded token
	// keeps working.
	DefaultReissueGrace = 30 * time.Second
	// DefaultMaxTokenLen is the default cap on a token, in characters.
	DefaultMaxTokenLen = token.DefaultMaxLen
)

// Options configure a Store. Only Keys is required.
type Options struct {
	// Name is the cookie name. It is authenticated with every token, so a
	// token made for one name never opens under another. Default "session".
	Name string

	// Audience, when set, is authenticated too: stores with the same name
	// and keys but different audiences (two apps on one domain) cannot
	// read each other's tokens.
	Audience string

	// Keys provides the keyring: a *keyring.Ring, or a *keyring.Watcher to
	// rotate keys without a restart. Required.
	Keys keyring.Source

	// Codec compresses and bounds payloads. Default codec.New with zero
	// Options: compression when it pays, the built-in dictionary, a 64 KiB
	// cap on decoded data. Use codec.CompressOff for sessions that mix
	// secrets with attacker-influenced values (see package codec).
	Codec *codec.Codec

	// Serializer encodes session data. Default codec.JSON.
	Serializer codec.Serializer

	// Revocations is the revocation set. Default: an in-memory
	// revocation.Local owned (and closed) by the Store. Pass a durable or
	// shared set so logouts survive restarts and reach every instance.
	Revocations revocation.Set

	// Registry, when set, lists each user's sessions so that they can see
	// them and end one ("your active sessions"; see "Listing a user's
	// sessions" in the package doc): a sign-in or a renewed session ID
	// registers the session, a reissued token updates its last-seen time,
	// a logout removes it. Reading an unchanged session never touches it.
	// Default nil: no listing, and nothing kept per session. The store
	// does not close it.
	Registry registry.Registry

	// IdleTimeout ends a session that has not been touched for this long
	// (sliding). Default 30 minutes. Whole seconds, at least 1 s, at most
	// AbsoluteTimeout.
	IdleTimeout time.Duration

	// AbsoluteTimeout ends a session this long after it was created,
	// whatever its activity: no reissue extends it. Default 12 hours.
	AbsoluteTimeout time.Duration

	// RememberTimeout turns on "remember me": a session started with
	// RememberMe (Login, or CreateOptions.Remember) lives this long instead
	// of AbsoluteTimeout, and the middleware writes it as a persistent
	// cookie. Default 0: off. At least AbsoluteTimeout. Revocations last as
	// long as the longest session can, so a remembered session is as
	// revocable as any other; a store opened later without it (or with a
	// shorter one) holds remembered tokens to its own timeouts at once.
	RememberTimeout time.Duration

	// RememberIdleTimeout ends a remembered session that has not been used
	// for this long. Default RememberTimeout (a remembered session ends
	// only with its lifetime); from IdleTimeout to RememberTimeout.
	RememberIdleTimeout time.Duration

	// Skew is the leeway for a token issued by a server whose clock runs
	// ahead. Default 60 s (zero means the default); a negative value means
	// none. Whole seconds.
	Skew time.Duration

	// ReissueAfter is how long after a token was issued Touch mints a new
	// one; before that, Touch returns the token unchanged, so read-only
	// requests do not rewrite the cookie every time. Default a quarter of
	// IdleTimeout, and it must be shorter than IdleTimeout. A session with
	// a shorter idle window gets the same fraction of it. A negative value
	// reissues on every Touch.
	ReissueAfter time.Duration

	// MaxTokenLen caps a token, in characters, on reading and on writing.
	// Default 8192.
	MaxTokenLen int

	// StrictReissue makes every reissue revoke the tokens issued before it
	// once ReissueGrace has passed, closing the stale-token window of
	// stateless sessions (see the package documentation) at the price of
	// one revocation entry per signed-in session reissued within the last
	// IdleTimeout (sessions without a subject need none). Those entries
	// count toward the revocation set's bound per subject: a user with more
	// sessions active at once than the bound (32 by default) has them
	// collapsed, which signs them all out. Default off.
	StrictReissue bool

	// ReissueGrace is how long, in strict mode, the previous token keeps
	// working after a reissue, for requests already in flight with it.
	// Default 30 s (zero means the default); a negative value means none.
	// With reissues more frequent than this, an older token's grace is
	// shortened, never lengthened.
	ReissueGrace time.Duration

	// ReadCache is the memory, in bytes, the store may use to remember the
	// tokens it opened, so that reading the same token again — a browser
	// sends its cookie unchanged until the cookie is rewritten — skips
	// decoding, decryption and decompression. Only the work that gives the
	// same result every time is skipped: the timeouts, the clock and the
	// revocation set are checked on every read, and a change of keyring
	// (a rotation or a reload) forgets every token opened before it.
	// Default 4 MiB (DefaultReadCache); a negative value turns it off.
	ReadCache int

	// SubjectRevocation is how long RevokeSubject's entry lasts ("log out
	// everywhere" stays in force for sessions created before it): at least
	// as long as any session of the subject can live. Default
	// AbsoluteTimeout, or RememberTimeout when longer; it may not be
	// shorter. Set it longer while sessions
	// that outlive the store's can appear — legacy cookies read through
	// middleware.Options.Legacy live as long as their own MaxAge.
	SubjectRevocation time.Duration
}

// seconds converts a duration option to whole seconds, applying def when d
// is zero.
func seconds(d, def time.Duration) int64 {
	if d == 0 {
		d = def
	}
	return int64(d / time.Second)
}

// validCookieName reports whether name is an RFC 6265 token: visible ASCII
// other than separators.
func validCookieName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= 0x20 || c >= 0x7f {
			return false
		}
		switch c {
		case '(', ')', '<', '>', '@', ',', ';', ':', '\\', '"', '/', '[', ']', '?', '=', '{', '}':
			return false
		}
	}
	return true
}

// purpose returns the sealing purpose: the name, then NUL and the audience
// when there is one (SPEC.md §3.4). Cookie names cannot contain NUL.
func purpose(name, audience string) string {
	if audience == "" {
		return name
	}
	return name + "\x00" + audience
}

// hasRing reports whether src provides a ring: it is not nil, nor a typed
// nil (a nil *keyring.Ring or *keyring.Watcher) that would panic on first
// use.
func hasRing(src keyring.Source) (ok bool) {
	if src == nil {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return src.Ring() != nil
}

func (o *Options) validate() error {
	switch {
	case !hasRing(o.Keys):
		return fmt.Errorf("%w: Keys is required (a *keyring.Ring or a running *keyring.Watcher)", ErrBadOptions)
	case !validCookieName(o.Name):
		return fmt.Errorf("%w: %q is not a valid cookie name", ErrBadOptions, o.Name)
	case len(purpose(o.Name, o.Audience)) > envelope.MaxPurposeLen:
		return fmt.Errorf("%w: name and audience together exceed %d bytes", ErrBadOptions, envelope.MaxPurposeLen-1)
	case o.IdleTimeout < time.Second || o.AbsoluteTimeout < time.Second:
		return fmt.Errorf("%w: timeouts must be at least 1 s", ErrBadOptions)
	case o.IdleTimeout > o.AbsoluteTimeout:
		return fmt.Errorf("%w: IdleTimeout %v exceeds AbsoluteTimeout %v", ErrBadOptions, o.IdleTimeout, o.AbsoluteTimeout)
	case o.ReissueAfter >= o.IdleTimeout:
		return fmt.Errorf("%w: ReissueAfter %v must be shorter than IdleTimeout %v, or active sessions expire between reissues", ErrBadOptions, o.ReissueAfter, o.IdleTimeout)
	case o.RememberTimeout != 0 && o.RememberTimeout < o.AbsoluteTimeout:
		return fmt.Errorf("%w: RememberTimeout %v is shorter than AbsoluteTimeout %v", ErrBadOptions, o.RememberTimeout, o.AbsoluteTimeout)
	case o.RememberTimeout == 0 && o.RememberIdleTimeout != 0:
		return fmt.Errorf("%w: RememberIdleTimeout needs RememberTimeout", ErrBadOptions)
	case o.RememberTimeout != 0 && (o.RememberIdleTimeout < o.IdleTimeout || o.RememberIdleTimeout > o.RememberTimeout):
		return fmt.Errorf("%w: RememberIdleTimeout %v must be from IdleTimeout %v to RememberTimeout %v", ErrBadOptions, o.RememberIdleTimeout, o.IdleTimeout, o.RememberTimeout)
	case o.SubjectRevocation != 0 && o.SubjectRevocation < o.AbsoluteTimeout:
		return fmt.Errorf("%w: SubjectRevocation %v is shorter than AbsoluteTimeout %v: a subject's sessions would outlive its revocation", ErrBadOptions, o.SubjectRevocation, o.AbsoluteTimeout)
	case o.SubjectRevocation != 0 && o.SubjectRevocation < o.RememberTimeout:
		return fmt.Errorf("%w: SubjectRevocation %v is shorter than RememberTimeout %v: a subject's remembered sessions would outlive its revocation", ErrBadOptions, o.SubjectRevocation, o.RememberTimeout)
	case o.MaxTokenLen < token.MinLen:
		return fmt.Errorf("%w: MaxTokenLen %d is below the smallest token (%d)", ErrBadOptions, o.MaxTokenLen, token.MinLen)
	case o.Serializer.ID() > codec.MaxSerializerID:
		return fmt.Errorf("%w: serializer ID %d out of range", ErrBadOptions, o.Serializer.ID())
	}
	return nil
}
