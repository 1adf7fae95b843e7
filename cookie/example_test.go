package cookie_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
)

// Example shows a session's life: create, read, change, log in with a new
// ID, log out. Every write returns a new token to put back in the cookie.
func Example() {
	ctx := context.Background()
	key, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(key)
	store, err := cookie.New(cookie.Options{Name: "session", Keys: ring})
	if err != nil {
		panic(err)
	}
	defer store.Close()

	// A visitor arrives: an anonymous session with a cart.
	tok, _ := store.Create(ctx, cookie.CreateOptions{Data: map[string]any{"cart": []string{"SKU-1"}}})

	// A later request: read, change, save.
	rec, _ := store.Read(ctx, tok)
	cart, _ := cookie.Get[[]string](rec, "cart")
	rec.Set("cart", append(cart, "SKU-2"))
	tok, _ = store.Save(ctx, rec)

	// Login: a new session ID and lifetime. The pre-login token never
	// becomes alice's session: it stays an anonymous one, which needs no
	// revocation because it carries no authority.
	rec, _ = store.Read(ctx, tok)
	preLogin := tok
	tok, _ = store.Login(ctx, rec, "alice")
	old, _ := store.Read(ctx, preLogin)
	fmt.Printf("pre-login token: subject %q\n", old.Subject())

	rec, _ = store.Read(ctx, tok)
	cart, _ = cookie.Get[[]string](rec, "cart")
	fmt.Println(rec.Subject(), cart)

	// Logout: every token of the session stops working.
	store.Delete(ctx, tok)
	_, err = store.Read(ctx, tok)
	fmt.Println("after logout:", errors.Is(err, cookie.ErrNotFound), cookie.HTTPStatus(err))
	// Output:
	// pre-login token: subject ""
	// alice [SKU-1 SKU-2]
	// after logout: true 401
}

// ExampleStore_Modify increments a counter in one atomic read-modify-write.
func ExampleStore_Modify() {
	ctx := context.Background()
	key, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(key)
	store, _ := cookie.New(cookie.Options{Keys: ring})
	defer store.Close()

	tok, _ := store.Create(ctx, cookie.CreateOptions{Data: map[string]int{"visits": 1}})
	tok, err := store.Modify(ctx, tok, func(r *cookie.Record) error {
		n, err := cookie.Get[int](r, "visits")
		if err != nil {
			return err
		}
		return r.Set("visits", n+1)
	})
	rec, _ := store.Read(ctx, tok)
	n, _ := cookie.Get[int](rec, "visits")
	fmt.Println(n, err)
	// Output: 2 <nil>
}
