package gorilla_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/cookie/gorilla"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/middleware"
)

// ExampleNewCodec keeps gorilla/sessions and seals its cookies with crumb:
// crumb's Codec comes first in the CookieStore's Codecs, so new cookies are
// crumb tokens, and the application's securecookie codecs stay after it,
// so the cookies users already have keep working until they are rewritten.
func ExampleNewCodec() {
	key, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(key) // in production: keyring.LoadFile, or keyring.Watch to rotate without restarts
	crumbCodec, err := gorilla.NewCodec(gorilla.CodecOptions{Keys: ring})
	if err != nil {
		panic(err)
	}
	store := sessions.NewCookieStore(hashKey, blockKey) // the keys the application has today
	store.Codecs = append([]securecookie.Codec{crumbCodec}, store.Codecs...)

	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session, _ := store.Get(r, "session")
		visits, _ := session.Values["visits"].(int) // gob keeps ints ints
		session.Values["visits"] = visits + 1
		if err := session.Save(r, w); err != nil {
			http.Error(w, "cannot save the session", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "visit %d\n", visits+1)
	})
	srv := httptest.NewTLSServer(app)
	defer srv.Close()

	browser := srv.Client()
	browser.Jar, _ = cookiejar.New(nil)
	for range 3 {
		fmt.Print(get(browser, srv.URL))
	}
	// Output:
	// visit 1
	// visit 2
	// visit 3
}

// ExampleNewLegacy moves an application from gorilla/sessions to crumb's
// middleware: a user who signed in on the gorilla version stays signed in,
// and their cookie is replaced by a crumb token on their first request.
func ExampleNewLegacy() {
	// The gorilla/sessions version of the application signs ann in.
	before := sessions.NewCookieStore(hashKey, blockKey)
	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session, _ := before.Get(r, "session")
		session.Values["user_id"] = 42
		session.Values["theme"] = "dark"
		session.Save(r, w)
	})

	// The crumb version, which reads the cookies the gorilla version wrote.
	key, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(key)
	store, err := cookie.New(cookie.Options{
		Name: "session", Keys: ring, // gorilla's cookie name
		SubjectRevocation: gorilla.DefaultMaxAge, // log out everywhere covers legacy cookies
	})
	if err != nil {
		panic(err)
	}
	defer store.Close()
	legacy, err := gorilla.NewLegacy(gorilla.LegacyOptions{
		HashKey:  hashKey, // the keys given to sessions.NewCookieStore
		BlockKey: blockKey,
		Subject:  gorilla.SubjectKey("user_id"), // who the session belongs to
	})
	if err != nil {
		panic(err)
	}
	crumbSessions, err := middleware.New(middleware.Options{Store: store, Legacy: legacy})
	if err != nil {
		panic(err)
	}
	app := crumbSessions.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		theme, _ := middleware.Get[string](s, "theme")
		fmt.Fprintf(w, "user %s, theme %s\n", s.Subject(), theme)
	}))

	mux := http.NewServeMux()
	mux.Handle("POST /gorilla-login", login) // stands in for the old deployment
	mux.Handle("/", app)
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	browser := srv.Client()
	browser.Jar, _ = cookiejar.New(nil)

	resp, err := browser.Post(srv.URL+"/gorilla-login", "", nil)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Print(get(browser, srv.URL)) // the gorilla cookie, upgraded on the way
	fmt.Print(get(browser, srv.URL)) // the crumb cookie
	fmt.Println("migrated:", crumbSessions.Stats().Migrated)
	// Output:
	// user 42, theme dark
	// user 42, theme dark
	// migrated: 1
}

// get returns the body of a GET of url.
func get(c *http.Client, url string) string {
	resp, err := c.Get(url)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimPrefix(string(b), "\n")
}
