package revocation_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"time"

	"github.com/crumbhq/crumb/revocation"
)

// A memory-only set: logout revokes the session until its token's absolute
// expiry; "log out everywhere" revokes a subject's older sessions.
func ExampleNewLocal() {
	ctx := context.Background()
	set, err := revocation.NewLocal(revocation.LocalOptions{}) // memory only, defaults
	if err != nil {
		log.Fatal(err)
	}
	defer set.Close()

	now := time.Now()
	expires := now.Add(12 * time.Hour) // the token's absolute expiry
	skew := time.Minute

	var id revocation.ID
	rand.Read(id[:])
	token := revocation.Query{ID: id, Subject: "ada", Created: now.Add(-time.Hour), Issued: now}

	v, _ := set.Check(ctx, token, now)
	fmt.Println("before logout:", v)

	// Logout.
	if err := set.RevokeSession(ctx, revocation.Session{ID: id, Subject: "ada", Created: token.Created}, expires.Add(skew)); err != nil {
		log.Fatal(err)
	}
	v, _ = set.Check(ctx, token, now)
	fmt.Println("after logout:", v)

	// Log out everywhere: every session of ada created before now.
	if err := set.RevokeSubject(ctx, "ada", now, now.Add(12*time.Hour+skew)); err != nil {
		log.Fatal(err)
	}
	var other revocation.ID
	rand.Read(other[:])
	v, _ = set.Check(ctx, revocation.Query{ID: other, Subject: "ada", Created: now.Add(-2 * time.Hour), Issued: now}, now)
	fmt.Println("ada's other session:", v)
	v, _ = set.Check(ctx, revocation.Query{ID: other, Subject: "ada", Created: now.Add(time.Second), Issued: now.Add(time.Second)}, now.Add(time.Second))
	fmt.Println("ada's next login:", v)

	// The subject entry covers the session entry, which is dropped: a
	// subject holds at most one entry per session, and often fewer.
	st := set.Stats()
	fmt.Println("entries:", st.Sessions, st.Subjects)
	// Output:
	// before logout: not revoked
	// after logout: session revoked
	// ada's other session: subject revoked
	// ada's next login: not revoked
	// entries: 0 1
}
