//go:build unix

package revocation_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/crumbhq/crumb/revocation"
)

// A durable set: an acknowledged revocation survives a restart (and kill
// -9), and several sets — in this process or others, such as the
// application and sessionctl — may share one log.
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
	created := time.Now().Add(-time.Hour) // from the session's token
	s := revocation.Session{ID: id, Subject: "ada", Created: created}
	if err := set.RevokeSession(ctx, s, time.Now().Add(time.Hour)); err != nil {
		log.Fatal(err) // not acknowledged: the logout must fail loudly
	}
	token := revocation.Query{ID: id, Subject: "ada", Created: created, Issued: time.Now()}

	// A second set on the same file reads it when it opens, and the other
	// sets' later revocations every PollInterval (250 ms by default).
	other, err := revocation.NewLocal(opts)
	if err != nil {
		log.Fatal(err)
	}
	v, _ := other.Check(ctx, token, time.Now())
	fmt.Println("second set:", v)
	other.Close()
	set.Close()

	set, err = revocation.NewLocal(opts) // after a restart
	if err != nil {
		log.Fatal(err)
	}
	defer set.Close()
	v, _ = set.Check(ctx, token, time.Now())
	fmt.Println("after restart:", v)
	// Output:
	// second set: session revoked
	// after restart: session revoked
}
