package backend_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crumbhq/crumb/backend"
	"github.com/crumbhq/crumb/registry"
	"github.com/crumbhq/crumb/revocation"
)

func TestParse(t *testing.T) {
	for spec, want := range map[string]string{
		"/var/lib/app/revoked.log":          "/var/lib/app/revoked.log",
		"revoked.log":                       "revoked.log",
		"file:///var/lib/app/revoked.log":   "/var/lib/app/revoked.log",
		"file://localhost/var/lib/revoked":  "/var/lib/revoked",
		"C:/not-a-scheme-but-a-drive/x.log": "C:/not-a-scheme-but-a-drive/x.log",
	} {
		s, err := backend.Parse(spec)
		if err != nil || s.Path != want || s.Redis != nil {
			t.Errorf("%s: %+v %v, want path %s", spec, s, err, want)
		}
	}
	s, err := backend.Parse("rediss://app:secret@redis.internal:6380/2?outbox=/var/lib/app/outbox")
	if err != nil || s.Redis == nil || s.Path != "" || s.Redis.DB != 2 || s.Redis.OutboxPath != "/var/lib/app/outbox" {
		t.Fatalf("redis spec: %+v %v", s, err)
	}
	if !backend.IsRedis("REDIS://x") || backend.IsRedis("file:///x") || backend.IsRedis("redis.log") {
		t.Fatal("IsRedis")
	}
	for spec, scheme := range map[string]string{
		"memcache://secret@host": "memcache",
		"file://host/path":       "",
		"file:///path?query=1":   "",
		"file://":                "",
	} {
		_, err := backend.Parse(spec)
		var se *backend.SpecError
		if !errors.Is(err, backend.ErrBadSpec) || !errors.As(err, &se) || se.Scheme != scheme || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: %v", spec, err)
		}
	}
}

func TestOpenFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	set, err := backend.OpenRevocations(ctx, "file://"+filepath.Join(dir, "revoked.log"), revocation.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	now := time.Now()
	if err := set.RevokeSession(ctx, revocation.Session{ID: revocation.ID{1}, Subject: "ann", Created: now}, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	reg, err := backend.OpenRegistry(ctx, filepath.Join(dir, "sessions.log"), registry.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	if _, err := backend.OpenRevocations(ctx, "memcache://x", revocation.LocalOptions{}); !errors.Is(err, backend.ErrBadSpec) {
		t.Fatalf("unknown backend: %v", err)
	}
	// The same file twice is locked by the first.
	if _, err := backend.OpenRegistry(ctx, filepath.Join(dir, "sessions.log"), registry.LocalOptions{}); !errors.Is(err, registry.ErrLocked) {
		t.Fatalf("a registry file opened twice: %v", err)
	}
}

// Example opens the revocation set and the session registry from the
// configuration strings an application reads from its environment: a file
// for one instance, or one Redis URL for several.
func Example() {
	ctx := context.Background()
	revSpec, regSpec := "/tmp/myapp-revoked.log", "/tmp/myapp-sessions.log" // e.g. os.Getenv("REVOCATIONS")
	revs, err := backend.OpenRevocations(ctx, revSpec, revocation.LocalOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer revs.Close()
	reg, err := backend.OpenRegistry(ctx, regSpec, registry.LocalOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer reg.Close()
	fmt.Println("opened")
}
