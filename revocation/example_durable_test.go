//go:build unix

package revocation_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/crumbhq/crumb/revocation"
)

// A durable set: an acknowledged revocation survives a restart (and kill -9).
func ExampleNewLocal_durable() {
	dir, err := os.MkdirTemp("", "crumb-revocation")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	opts := revocation.LocalOptions{Path: filepath.Join(dir, "revoked.log")}
	ctx := context.Background()

	set, err := revocation.NewLocal(opts)
	if err != nil {
		log.Fatal(err)
	}
	var id revocation.ID
	rand.Read(id[:])
	if err := set.RevokeSession(ctx, id, time.Now().Add(time.Hour)); err != nil {
		log.Fatal(err) // not acknowledged: the logout must fail loudly
	}
	// A second set on the same file is refused while the first is open.
	_, err = revocation.NewLocal(opts)
	fmt.Println("second open locked:", errors.Is(err, revocation.ErrLocked))
	set.Close()

	set, err = revocation.NewLocal(opts) // after a restart
	if err != nil {
		log.Fatal(err)
	}
	defer set.Close()
	v, _ := set.Check(ctx, revocation.Query{ID: id}, time.Now())
	fmt.Println("after restart:", v)
	// Output:
	// second open locked: true
	// after restart: session revoked
}
