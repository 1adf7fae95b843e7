package redisset_test

import (
	"context"
	"fmt"
	"log"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/revocation/redisset"
)

// ExampleNewRegistry lists a user's sessions whichever instance created
// them: the revocation set and the session registry share one Redis, and
// one URL configures both. (It needs a Redis server, so it has no checked
// output.)
func ExampleNewRegistry() {
	ctx := context.Background()
	const url = "redis://127.0.0.1:6379/0?outbox=/var/lib/myapp/revocations.outbox&registry_max_per_subject=16"
	set, err := redisset.New(ctx, redisset.Options{URL: url})
	if err != nil {
		log.Fatal(err)
	}
	defer set.Close()
	reg, err := redisset.NewRegistry(ctx, redisset.Options{URL: url}) // ignores the outbox
	if err != nil {
		log.Fatal(err) // Redis unreachable, bad options
	}
	defer reg.Close()

	key, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(key)
	store, err := cookie.New(cookie.Options{Name: "session", Keys: ring, Revocations: set, Registry: reg})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	sessions, err := store.Sessions(ctx, "alice") // "your active sessions"
	if err != nil {
		log.Fatal(err) // wraps cookie.ErrRegistryUnavailable while Redis is down
	}
	for _, s := range sessions {
		fmt.Println(s.Labels["device"], s.LastSeen.Format("2006-01-02 15:04"))
	}
}
