//go:build unix

package registry_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/crumbhq/crumb/registry"
)

// A registry kept in a file survives a restart. A command run beside the
// application may read the same file with ReadOnly.
func ExampleNewLocal() {
	dir, err := os.MkdirTemp("", "crumb-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sessions.reg")

	ctx := context.Background()
	now := time.Now()
	r, err := registry.NewLocal(registry.LocalOptions{Path: path})
	if err != nil {
		log.Fatal(err)
	}
	_, err = r.Add(ctx, registry.Entry{
		ID: registry.ID{1}, Subject: "alice@example.com",
		Created: now, LastSeen: now, Expires: now.Add(12 * time.Hour),
	}, now)
	if err != nil {
		log.Fatal(err)
	}

	ro, err := registry.NewLocal(registry.LocalOptions{Path: path, ReadOnly: true})
	if err != nil {
		log.Fatal(err)
	}
	list, _ := ro.List(ctx, "alice@example.com", now)
	fmt.Println("read-only, beside the writer:", len(list), "session")
	ro.Close()

	r.Close() // a restart
	r, err = registry.NewLocal(registry.LocalOptions{Path: path})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	list, _ = r.List(ctx, "alice@example.com", now)
	fmt.Println("after a restart:", len(list), "session")
	// Output:
	// read-only, beside the writer: 1 session
	// after a restart: 1 session
}
