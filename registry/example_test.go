package registry_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/crumbhq/crumb/registry"
)

// A settings page listing a user's sessions, and the user ending one of
// them. cookie.Store makes these calls itself when given a Registry; this
// shows what they do.
func Example() {
	ctx := context.Background()
	r, err := registry.NewLocal(registry.LocalOptions{}) // in memory only
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()

	signIn := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i, device := range []string{"Firefox on Linux", "Safari on iPhone"} {
		at := signIn.Add(time.Duration(i) * time.Hour)
		_, err := r.Add(ctx, registry.Entry{
			ID:       registry.ID{byte(i + 1)},
			Subject:  "alice@example.com",
			Created:  at,
			LastSeen: at,
			Expires:  at.Add(12 * time.Hour),
			Labels:   map[string]string{"device": device},
		}, at)
		if err != nil {
			log.Fatal(err)
		}
	}
	// The laptop's token is reissued at 11:30.
	if err := r.Seen(ctx, "alice@example.com", registry.ID{1}, signIn.Add(150*time.Minute), nil); err != nil {
		log.Fatal(err)
	}

	now := signIn.Add(3 * time.Hour)
	list, err := r.List(ctx, "alice@example.com", now)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range list {
		fmt.Printf("%s, last seen %s\n", e.Labels["device"], e.LastSeen.UTC().Format("15:04"))
	}

	// Alice ends the phone's session (cookie.Store also revokes it).
	if err := r.Remove(ctx, "alice@example.com", registry.ID{2}); err != nil {
		log.Fatal(err)
	}
	list, _ = r.List(ctx, "alice@example.com", now)
	fmt.Println(len(list), "session left")
	// Output:
	// Firefox on Linux, last seen 11:30
	// Safari on iPhone, last seen 10:00
	// 1 session left
}
