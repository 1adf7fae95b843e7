// Package backend opens crumb's server-side stores — the revocation set
// and the session registry — from one configuration string, as
// applications and sessionctl take it from a flag or an environment
// variable:
//
//	/var/lib/myapp/revoked.log          a durable file (revocation.NewLocal, registry.NewLocal)
//	file:///var/lib/myapp/revoked.log   the same
//	redis://… or rediss://…             Redis for several instances (revocation/redisset),
//	                                    with the URL's parameters (redisset.ParseSpec)
//
// One Redis URL configures both stores. A spec is never quoted in errors:
// a URL may carry a password.
package backend

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/crumbhq/crumb/registry"
	"github.com/crumbhq/crumb/revocation"
	"github.com/crumbhq/crumb/revocation/redisset"
)

// ErrBadSpec is matched by the error for a spec that names no backend
// this package opens (a *SpecError).
var ErrBadSpec = errors.New("backend: bad spec")

// SpecError is the error of Parse for a spec it cannot read.
type SpecError struct {
	// Scheme is the URL scheme of a spec naming an unknown backend, or ""
	// for a malformed file URL.
	Scheme string
}

// Error says what is wrong, without quoting the spec.
func (e *SpecError) Error() string {
	if e.Scheme == "" {
		return "backend: a file URL is file:///absolute/path"
	}
	return "backend: unknown backend " + strconv.Quote(e.Scheme) + ": want a file path, or a redis:// or rediss:// URL"
}

// Is reports whether target is ErrBadSpec.
func (e *SpecError) Is(target error) bool { return target == ErrBadSpec }

// Spec is a parsed configuration string: exactly one of Path and Redis is
// set.
type Spec struct {
	Path  string            // a durable file
	Redis *redisset.Options // the options of a redis:// or rediss:// URL
}

// Parse reads a spec without opening anything. A string without a URL
// scheme is a file path, as it is; file:///path is one too.
func Parse(spec string) (Spec, error) {
	scheme, _, ok := strings.Cut(spec, "://")
	if !ok || !isScheme(scheme) {
		return Spec{Path: spec}, nil
	}
	switch strings.ToLower(scheme) {
	case "file":
		u, err := url.Parse(spec)
		if err != nil || u.Path == "" || (u.Host != "" && u.Host != "localhost") || u.RawQuery != "" || u.Fragment != "" {
			return Spec{}, &SpecError{}
		}
		return Spec{Path: u.Path}, nil
	case "redis", "rediss":
		o, err := redisset.ParseSpec(spec)
		if err != nil {
			return Spec{}, err
		}
		return Spec{Redis: &o}, nil
	}
	return Spec{}, &SpecError{Scheme: scheme}
}

// IsRedis reports whether spec names Redis (a redis:// or rediss:// URL),
// without parsing the rest of it.
func IsRedis(spec string) bool {
	scheme, _, ok := strings.Cut(spec, "://")
	return ok && (strings.EqualFold(scheme, "redis") || strings.EqualFold(scheme, "rediss"))
}

// OpenRevocations opens the revocation set a spec names: revocation.NewLocal
// with local and the spec's path, or redisset.New with the URL's options
// (and local's Logger). The caller closes it.
func OpenRevocations(ctx context.Context, spec string, local revocation.LocalOptions) (revocation.Set, error) {
	s, err := Parse(spec)
	if err != nil {
		return nil, err
	}
	if s.Redis != nil {
		o := *s.Redis
		if o.Logger == nil {
			o.Logger = local.Logger
		}
		return redisset.New(ctx, o)
	}
	local.Path = s.Path
	set, err := revocation.NewLocal(local)
	if err != nil {
		return nil, fmt.Errorf("backend: opening the revocation file: %w", err)
	}
	return set, nil
}

// OpenRegistry opens the session registry a spec names: registry.NewLocal
// with local and the spec's path, or redisset.NewRegistry with the URL's
// options (and local's Logger; a registry has no outbox). The caller
// closes it.
func OpenRegistry(ctx context.Context, spec string, local registry.LocalOptions) (registry.Registry, error) {
	s, err := Parse(spec)
	if err != nil {
		return nil, err
	}
	if s.Redis != nil {
		o := *s.Redis
		o.OutboxPath = ""
		if o.Logger == nil {
			o.Logger = local.Logger
		}
		return redisset.NewRegistry(ctx, o)
	}
	local.Path = s.Path
	reg, err := registry.NewLocal(local)
	if err != nil {
		return nil, fmt.Errorf("backend: opening the registry file: %w", err)
	}
	return reg, nil
}

// isScheme reports whether s is a URL scheme (RFC 3986 §3.1).
func isScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return true
}
