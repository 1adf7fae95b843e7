package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crumbhq/crumb/backend"
	"github.com/crumbhq/crumb/revocation"
	"github.com/crumbhq/crumb/revocation/redisset"
)

// revocationsHelp describes the values of --revocations, for usage texts.
const revocationsHelp = `SPEC names the revocation set the application uses:
    PATH            a durable revocation file (revocation.NewLocal), such as
                    /var/lib/myapp/revoked.log, or the same as a URL:
                    file:///var/lib/myapp/revoked.log. It may be the file the
                    application is using: both append to it under a lock,
                    and the application reads what sessionctl adds within a
                    second.
    redis://…       a Redis revocation set that several instances share,
                    redis://[USER:PASSWORD@]HOST[:PORT][/DB] (rediss:// for
                    TLS), with options as URL parameters, among them
                    outbox=PATH (a durable file for revocations made while
                    Redis is down; without it such a revocation fails),
                    prefix=P (the key prefix, default crumb:), master=NAME
                    (Sentinel), addr=HOST:PORT (more nodes: Cluster), ca=PATH
                    (for rediss), policy=stale|closed and max_staleness=30s;
                    the package revocation/redisset (ParseSpec) lists them
                    all. The URL, which may hold a password, is never
                    echoed.`

// toolBound is the per-subject bound and capacity sessionctl's one-shot
// commands open a revocation set with: high enough never to collapse a
// subject, which is the application's decision under its own bounds (a
// revocation made here counts toward them when the application next
// revokes for that subject).
const toolBound = 1 << 24

// revocationSpec is a parsed --revocations value: exactly one field is set.
type revocationSpec struct {
	path  string // a durable revocation file
	redis bool   // a redis:// or rediss:// URL
}

// parseRevocationSpec parses a --revocations value. Values that name an
// unknown backend are usage errors. The value is never quoted in errors: a
// URL may carry a password.
func parseRevocationSpec(spec string) (revocationSpec, error) {
	if spec == "" {
		return revocationSpec{}, usageErrorf("", "--revocations is empty: want a file path, or a redis:// URL")
	}
	path, redis, err := parseFileOrRedis("--revocations", "revocation", spec)
	return revocationSpec{path: path, redis: redis}, err
}

// parseFileOrRedis parses the value spec of a flag that names a file (a
// path, or a file:/// URL) or a Redis server (a redis:// or rediss:// URL),
// returning the path or whether it is a Redis URL. what names the backend
// in the error for an unknown scheme. Errors are usage errors and never
// quote spec: a URL may carry a password.
func parseFileOrRedis(flag, what, spec string) (path string, redis bool, err error) {
	if backend.IsRedis(spec) {
		return "", true, nil // parsed, with its own errors, when opened
	}
	bs, err := backend.Parse(spec)
	var se *backend.SpecError
	switch {
	case errors.As(err, &se) && se.Scheme != "":
		return "", false, usageErrorf("", "%s: unknown %s backend %s: want a file path, or a redis:// or rediss:// URL", flag, what, quoteArg(se.Scheme))
	case err != nil:
		return "", false, usageErrorf("", "%s: a file URL is file:///absolute/path", flag)
	}
	return bs.Path, false, nil
}

// openRevocations opens the revocation set named by spec. Only revoke
// creates a missing file (create): a command that only reads must not
// invent an empty set because of a typo in the path. A long-running
// command (serve: the demo) prunes and reads other processes' revocations
// in the background; a one-shot one does neither.
func (c *cli) openRevocations(spec string, create, serve bool) (revocation.Set, error) {
	rs, err := parseRevocationSpec(spec)
	if err != nil {
		return nil, err
	}
	if rs.redis {
		return c.openRedis(spec, serve)
	}
	if !create {
		if _, err := os.Stat(c.path(rs.path)); errors.Is(err, fs.ErrNotExist) {
			return nil, failf([]string{"check the path: it must be the file the application uses; `sessionctl revoke` creates it"},
				"revocation file %s does not exist", rs.path)
		}
	}
	o := revocation.LocalOptions{Path: c.path(rs.path), Logger: c.logger()}
	if !serve {
		o.PruneInterval, o.PollInterval = -1, -1
		// A tool makes a revocation or two: it must not collapse a subject
		// by bounds other than the application's (see toolBound).
		o.MaxPerSubject, o.MaxEntries = toolBound, toolBound
	}
	set, err := revocation.NewLocal(o)
	switch {
	case errors.Is(err, revocation.ErrLocked):
		return nil, failf([]string{
			"a process of a crumb older than 0.2 keeps the file locked for as long as it runs",
			"upgrade it, or stop it first",
		}, "revocation file %s is locked by another process", rs.path)
	case errors.Is(err, revocation.ErrCorrupt):
		return nil, failf([]string{"the file was not changed: check the path"}, "%s is not a crumb revocation file", rs.path)
	case err != nil:
		return nil, fmt.Errorf("opening the revocation file: %w", err)
	}
	return set, nil
}

var quietRedisClient sync.Once

type silentLogger struct{}

func (silentLogger) Printf(context.Context, string, ...any) {}

// redisStartTimeout bounds connecting to Redis and loading its revocations.
const redisStartTimeout = 30 * time.Second

// openRedis opens the Redis revocation set of a redis:// or rediss:// spec.
// Without an outbox parameter a revocation Redis does not take fails (the
// command reports it) rather than waiting in a file nobody delivers.
func (c *cli) openRedis(spec string, serve bool) (revocation.Set, error) {
	o, err := redisset.ParseSpec(spec)
	if err != nil {
		return nil, usageErrorf("", "--revocations: %s", strings.TrimPrefix(err.Error(), redisset.ErrBadOptions.Error()+": "))
	}
	if o.MaxPerSubject == 0 && !serve {
		// In Redis the bound is applied by the caller's script: leave the
		// application's to the application, unless the URL gives it.
		o.MaxPerSubject = toolBound
	}
	if o.OutboxPath == "" {
		o.NoOutbox = true
	} else {
		o.OutboxPath = c.path(o.OutboxPath)
	}
	if o.CAFile != "" {
		o.CAFile = c.path(o.CAFile)
	}
	o.Logger = c.logger()
	quietRedisClient.Do(func() {
		// go-redis logs connection-pool failures through a global logger
		// of its own, straight to standard error; the Set's logger and the
		// command's errors already report them.
		redis.SetLogger(silentLogger{})
	})
	ctx, cancel := context.WithTimeout(c.context(), redisStartTimeout)
	defer cancel()
	set, err := redisset.New(ctx, o)
	switch {
	case errors.Is(err, redisset.ErrBadOptions):
		return nil, usageErrorf("", "--revocations: %s", strings.TrimPrefix(err.Error(), redisset.ErrBadOptions.Error()+": "))
	case errors.Is(err, redisset.ErrEvictionPolicy):
		return nil, withHints(err,
			"set it to noeviction: redis-cli CONFIG SET maxmemory-policy noeviction, and in redis.conf",
			"or add allow_eviction=true to the URL to run anyway, at the risk of logged-out sessions coming back")
	case errors.Is(err, revocation.ErrLocked):
		return nil, withHints(err, "each process needs its own outbox= file")
	case errors.Is(err, redisset.ErrUnavailable):
		return nil, withHints(err, "check that Redis runs at that address and that the user name, password and TLS settings are right")
	case err != nil:
		return nil, err
	}
	return set, nil
}

// redactSpec returns spec fit to print: a URL's password, and the values
// of its password parameters, replaced by "xxxxx".
func redactSpec(spec string) string {
	u, err := url.Parse(spec)
	if err != nil || u.Scheme == "" {
		return spec // a path
	}
	if q, err := url.ParseQuery(u.RawQuery); err == nil {
		for k := range q {
			if strings.Contains(strings.ToLower(k), "password") {
				q.Set(k, "xxxxx")
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// closeRevocations closes a revocation set, warning if revocations made
// through it may not have reached its file.
func (c *cli) closeRevocations(set revocation.Set) {
	if err := set.Close(); err != nil {
		c.warnf("closing the revocation set: %v", err)
	}
}
