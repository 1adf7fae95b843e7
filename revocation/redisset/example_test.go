package redisset_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/revocation/redisset"
)

// Example runs a cookie store on a Redis-backed revocation set: a logout on
// this instance is rejected by every instance sharing the Redis. (It needs
// a Redis server, so it has no checked output.)
func Example() {
	ctx := context.Background()
	set, err := redisset.New(ctx, redisset.Options{
		URL:        "redis://127.0.0.1:6379/0",
		OutboxPath: "/var/lib/myapp/revocations.outbox", // revocations made while Redis is down
	})
	if err != nil {
		log.Fatal(err) // Redis unreachable, an eviction policy that could drop revocations, …
	}
	defer set.Close()

	key, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(key)
	store, err := cookie.New(cookie.Options{Name: "session", Keys: ring, Revocations: set})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	tok, _ := store.Create(ctx, cookie.CreateOptions{Subject: "alice"})
	_ = store.Delete(ctx, tok) // logout, on every instance
}

// ExampleParseSpec parses the --revocations form of the options. Printing
// Options never shows the password.
func ExampleParseSpec() {
	o, err := redisset.ParseSpec("rediss://app:secret@redis.internal:6380/2?outbox=/var/lib/app/outbox&policy=closed&max_staleness=10s")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(o.Addrs, o.Username, o.DB, o.OutboxPath, o.Policy, o.MaxStaleness, o.TLS != nil)
	fmt.Println(strings.Contains(fmt.Sprint(o), "secret"))
	// Output:
	// [redis.internal:6380] app 2 /var/lib/app/outbox fail-closed 10s true
	// false
}
