package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/crumbhq/crumb/registry"
	"github.com/crumbhq/crumb/revocation/redisset"
)

// registryHelp describes the values of --registry, for usage texts.
const registryHelp = `SPEC for --registry names the application's session registry:
    PATH            its durable registry file (registry.NewLocal), such as
                    /var/lib/myapp/sessions.log, or file:///… for the same.
                    The application holds it open for writing; sessionctl
                    reads it beside the application, without a lock, and
                    never writes it.
    redis://…       the Redis registry several instances share
                    (redisset.NewRegistry), with the URL and parameters of
                    the Redis revocation set: one URL configures both, so
                    when --revocations is a redis:// or rediss:// URL,
                    --registry defaults to it. The URL is never echoed.
A registry file has no default: give it when --revocations is a file.`

// registrySpec is a parsed --registry value: exactly one field is set.
type registrySpec struct {
	path  string // a durable registry file
	redis string // a redis:// or rediss:// URL
}

// parseRegistrySpec parses a --registry value. When spec is empty, the
// registry is on the Redis of revSpec if that is a Redis URL; a file
// registry has no default. Errors are usage errors and never quote a URL:
// it may carry a password.
func parseRegistrySpec(spec, revSpec string) (registrySpec, error) {
	if spec == "" {
		if rs, err := parseRevocationSpec(revSpec); revSpec != "" && err == nil && rs.redis {
			return registrySpec{redis: revSpec}, nil
		}
		return registrySpec{}, withHints(usageErrorf("", "missing --registry: a registry file has no default"),
			"give the application's registry file, such as --registry /var/lib/myapp/sessions.log (the demo's is sessions.log in its state directory)",
			"with --revocations redis://…, the registry defaults to the same Redis")
	}
	path, redis, err := parseFileOrRedis("--registry", "registry", spec)
	if err != nil || !redis {
		return registrySpec{path: path}, err
	}
	return registrySpec{redis: spec}, nil
}

// describe returns the registry's spec fit to print: a URL redacted.
func (rs registrySpec) describe() string {
	if rs.redis != "" {
		return redactSpec(rs.redis)
	}
	return rs.path
}

// openRegistry opens the session registry rs names. A one-shot command
// (serve false) opens a file read-only, beside the application that
// writes it, and requires it to exist; the demo (serve) opens it for
// writing, creating it when missing, and prunes it in the background.
func (c *cli) openRegistry(rs registrySpec, serve bool) (registry.Registry, error) {
	if rs.redis != "" {
		return c.openRedisRegistry(rs.redis)
	}
	o := registry.LocalOptions{Path: c.path(rs.path), Logger: c.logger()}
	if !serve {
		if _, err := os.Stat(o.Path); errors.Is(err, fs.ErrNotExist) {
			return nil, failf([]string{"check the path: it must be the registry file the application writes (the demo's is sessions.log in its state directory)"},
				"registry file %s does not exist", rs.path)
		}
		o.ReadOnly, o.PruneInterval = true, -1
	}
	reg, err := registry.NewLocal(o)
	switch {
	case errors.Is(err, registry.ErrLocked):
		return nil, failf([]string{"one process at a time writes a registry file: is another instance running with the same file (or the same --state)?"},
			"registry file %s is locked by another process", rs.path)
	case errors.Is(err, registry.ErrCorrupt):
		return nil, failf([]string{"the file was not changed: check the path (--registry names the session registry file, --revocations the revocation file)"},
			"%s is not a crumb session registry file", rs.path)
	case err != nil:
		return nil, fmt.Errorf("opening the registry file: %w", err)
	}
	return reg, nil
}

// openRedisRegistry opens the Redis session registry of a redis:// or
// rediss:// spec.
func (c *cli) openRedisRegistry(spec string) (registry.Registry, error) {
	o, err := redisset.ParseSpec(spec)
	if err != nil {
		return nil, usageErrorf("", "--registry: %s", strings.TrimPrefix(err.Error(), redisset.ErrBadOptions.Error()+": "))
	}
	if o.CAFile != "" {
		o.CAFile = c.path(o.CAFile)
	}
	o.OutboxPath = "" // the registry has no outbox: the set's concern
	o.Logger = c.logger()
	quietRedisClient.Do(func() { redis.SetLogger(silentLogger{}) }) // as openRedis does
	ctx, cancel := context.WithTimeout(c.context(), redisStartTimeout)
	defer cancel()
	reg, err := redisset.NewRegistry(ctx, o)
	switch {
	case errors.Is(err, redisset.ErrBadOptions):
		return nil, usageErrorf("", "--registry: %s", strings.TrimPrefix(err.Error(), redisset.ErrBadOptions.Error()+": "))
	case errors.Is(err, registry.ErrUnavailable):
		return nil, withHints(err, "check that Redis runs at that address and that the user name, password and TLS settings are right")
	case err != nil:
		return nil, err
	}
	return reg, nil
}

// closeRegistry closes a registry, warning if it fails.
func (c *cli) closeRegistry(reg registry.Registry) {
	if err := reg.Close(); err != nil {
		c.warnf("closing the session registry: %v", err)
	}
}
