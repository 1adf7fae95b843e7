package redisset_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/middleware"
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

// Example_middleware wires Redis into the session middleware of an
// instance behind a load balancer: one URL configures the revocation set
// and the session registry, which every instance shares. (It needs a Redis
// server, so it has no checked output.)
func Example_middleware() {
	ctx := context.Background()
	opts, err := redisset.ParseSpec("redis://127.0.0.1:6379/0?outbox=/var/lib/myapp/revocations.outbox")
	if err != nil {
		log.Fatal(err)
	}
	revs, err := redisset.New(ctx, opts)
	if err != nil {
		log.Fatal(err)
	}
	defer revs.Close()
	reg, err := redisset.NewRegistry(ctx, opts) // optional: "your active sessions"
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()

	keys, err := keyring.Watch("/etc/myapp/keyring.json", keyring.WatchOptions{}) // the same file on every instance
	if err != nil {
		log.Fatal(err)
	}
	store, err := cookie.New(cookie.Options{Name: "__Host-session", Keys: keys, Revocations: revs, Registry: reg})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	sessions, err := middleware.New(middleware.Options{Store: store})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		err := middleware.From(r).Destroy() // refused on every instance
		if errors.Is(err, cookie.ErrPending) {
			w.WriteHeader(http.StatusAccepted) // in force here; the others once Redis is back
			return
		}
		if err != nil {
			http.Error(w, "logout failed; try again", cookie.HTTPStatus(err))
		}
	})
	log.Fatal(http.ListenAndServeTLS(":443", "cert.pem", "key.pem", sessions.Handler(mux)))
}
