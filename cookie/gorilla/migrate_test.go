package gorilla_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/cookie/gorilla"
	"github.com/crumbhq/crumb/middleware"
)

// gorillaLogin is the application's login handler on gorilla/sessions: it
// keeps a user ID (int), a name (string), a flag (bool), a struct and two
// flashes.
func gorillaLogin(store sessions.Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := store.Get(r, "session")
		s.Values["user_id"] = 42
		s.Values["name"] = "ann"
		s.Values["admin"] = true
		s.Values["profile"] = profile{Name: "Ann", Langs: []string{"en", "fr"}}
		s.AddFlash("welcome")
		s.AddFlash("2 new messages")
		if err := s.Save(r, w); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
}

// crumbShow is the same application on crumb's middleware, showing what the
// session holds.
func crumbShow(w http.ResponseWriter, r *http.Request) {
	s := middleware.From(r)
	if keys, _ := s.Keys(); len(keys) == 0 {
		fmt.Fprintf(w, "subject %q: no data", s.Subject())
		return
	}
	id, err1 := middleware.Get[int](s, "user_id")
	name, err2 := middleware.Get[string](s, "name")
	admin, err3 := middleware.Get[bool](s, "admin")
	p, err4 := middleware.Get[profile](s, "profile")
	flashes, err5 := middleware.Get[[]string](s, "_flash")
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		fmt.Fprintf(w, "subject %q: %v", s.Subject(), err)
		return
	}
	fmt.Fprintf(w, "subject %q: %d %s %v %v %q", s.Subject(), id, name, admin, p, flashes)
}

const wantShown = `subject "42": 42 ann true {Ann [en fr]} ["welcome" "2 new messages"]`

// migrate serves one request with a legacy cookie to a crumb app with
// Options.Legacy and checks that it reads the session, replaces the cookie
// with a crumb token, and that the next request with that token reads the
// same session.
func migrate(t *testing.T, legacyCookie string, o gorilla.LegacyOptions, want string) {
	t.Helper()
	store := newStore(t, newRing(t))
	legacy, err := gorilla.NewLegacy(o)
	if err != nil {
		t.Fatal(err)
	}
	m, err := middleware.New(middleware.Options{Store: store, Legacy: legacy})
	if err != nil {
		t.Fatal(err)
	}
	app := m.Handler(http.HandlerFunc(crumbShow))

	w := serve(app, "GET", "session="+legacyCookie)
	if got := w.Body.String(); got != want {
		t.Fatalf("first request with the gorilla cookie:\n got %s\nwant %s", got, want)
	}
	tok, ok := cookieValue(w, "session")
	if !ok || tok == "" || tok == legacyCookie {
		t.Fatalf("the response does not replace the gorilla cookie: %q", w.Header().Values("Set-Cookie"))
	}
	if _, err := store.Read(context.Background(), tok); err != nil {
		t.Fatalf("the new cookie is not a crumb token: %v", err)
	}
	if st := m.Stats(); st.Migrated != 1 || st.Written != 1 {
		t.Fatalf("stats after migration: %+v", st)
	}

	w = serve(app, "GET", "session="+tok)
	if got := w.Body.String(); got != want {
		t.Fatalf("next request with the crumb cookie:\n got %s\nwant %s", got, want)
	}
	if sc := w.Header().Values("Set-Cookie"); len(sc) != 0 {
		t.Fatalf("a read-only request rewrote the cookie: %q", sc)
	}
	if st := m.Stats(); st.Migrated != 1 || st.Store.Opened != 2 { // store.Read above, then this request
		t.Fatalf("stats after the crumb cookie: %+v", st)
	}
}

// TestMigrateFromCookieStore: an application on gorilla/sessions'
// CookieStore writes its cookie; the same application on crumb's
// middleware with Options.Legacy reads it and upgrades it in place.
func TestMigrateFromCookieStore(t *testing.T) {
	for _, tc := range []struct {
		name     string
		blockKey []byte
	}{
		{"encrypted", blockKey},
		{"authenticated only", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var keys [][]byte
			if tc.blockKey != nil {
				keys = [][]byte{hashKey, tc.blockKey}
			} else {
				keys = [][]byte{hashKey}
			}
			w := serve(gorillaLogin(sessions.NewCookieStore(keys...)), "POST", "")
			old, ok := cookieValue(w, "session")
			if !ok || old == "" {
				t.Fatalf("gorilla wrote no cookie: %v", w.Header())
			}
			migrate(t, old, gorilla.LegacyOptions{
				HashKey: hashKey, BlockKey: tc.blockKey, Subject: gorilla.SubjectKey("user_id"),
			}, wantShown)
		})
	}
}

// TestMigrateJSON: securecookie with its JSONEncoder, used directly with a
// map (gorilla/sessions cannot use JSON: encoding/json refuses its
// map[interface{}]interface{}). Numbers arrive as JSON numbers, which
// Get decodes into an int again.
func TestMigrateJSON(t *testing.T) {
	old, err := securecookieWith(true).Encode("session", map[string]any{
		"user_id": 42, "name": "ann", "admin": true,
		"profile": profile{Name: "Ann", Langs: []string{"en", "fr"}},
		"_flash":  []any{"welcome", "2 new messages"},
	})
	if err != nil {
		t.Fatal(err)
	}
	migrate(t, old, gorilla.LegacyOptions{
		HashKey: hashKey, BlockKey: blockKey, Serializer: gorilla.JSON, Subject: gorilla.SubjectKey("user_id"),
	}, wantShown)
}

// TestMigrateAnonymous: without Subject, the session is anonymous and the
// values are its data; an empty gorilla session becomes an empty crumb
// session, still replacing the cookie.
func TestMigrateAnonymous(t *testing.T) {
	w := serve(gorillaLogin(sessions.NewCookieStore(hashKey)), "POST", "")
	old, _ := cookieValue(w, "session")
	migrate(t, old, gorilla.LegacyOptions{HashKey: hashKey}, strings.Replace(wantShown, `"42"`, `""`, 1))

	empty := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessions.NewCookieStore(hashKey).Get(r, "session")
		s.Save(r, w)
	}), "POST", "")
	old, _ = cookieValue(empty, "session")
	migrate(t, old, gorilla.LegacyOptions{HashKey: hashKey}, `subject "": no data`)
}

// TestMigrateRejected: a tampered, expired, foreign or oversized gorilla
// cookie is no session for the middleware, and the cookie is deleted.
func TestMigrateRejected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := serve(gorillaLogin(sessions.NewCookieStore(hashKey, blockKey)), "POST", "")
		good, _ := cookieValue(w, "session")
		other := serve(gorillaLogin(sessions.NewCookieStore([]byte("another application's hash key"), blockKey)), "POST", "")
		foreign, _ := cookieValue(other, "session")

		store := newStore(t, newRing(t))
		legacy, err := gorilla.NewLegacy(gorilla.LegacyOptions{
			HashKey: hashKey, BlockKey: blockKey, MaxAge: time.Hour, Subject: gorilla.SubjectKey("user_id"),
		})
		if err != nil {
			t.Fatal(err)
		}
		m, err := middleware.New(middleware.Options{Store: store, Legacy: legacy})
		if err != nil {
			t.Fatal(err)
		}
		app := m.Handler(http.HandlerFunc(crumbShow))
		rejected := func(what, value string) {
			t.Helper()
			w := serve(app, "GET", "session="+value)
			if body := w.Body.String(); !strings.HasPrefix(body, `subject "": `) {
				t.Errorf("%s: the session is not empty: %s", what, body)
			}
			if v, ok := cookieValue(w, "session"); !ok || v != "" {
				t.Errorf("%s: the cookie is not deleted: %q", what, w.Header().Values("Set-Cookie"))
			}
		}
		for _, i := range []int{0, 10, len(good) / 2, len(good) - 5} {
			rejected(fmt.Sprintf("bit flip at %d", i), flip(good, i))
		}
		rejected("truncated", good[:len(good)-8])
		rejected("another hash key", foreign)
		rejected("too long", good+strings.Repeat("A", 4096))

		time.Sleep(time.Hour + time.Second)
		rejected("expired", good)
		if st := m.Stats(); st.Migrated != 0 || st.Written != 0 || st.Cleared != 8 {
			t.Errorf("stats: %+v", st)
		}
	})
}

// TestMigratedSessionLifetime: a migrated session is a new crumb session,
// with crumb's timeouts from the migration on, whatever the legacy
// cookie's age.
func TestMigratedSessionLifetime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := serve(gorillaLogin(sessions.NewCookieStore(hashKey)), "POST", "")
		old, _ := cookieValue(w, "session")
		time.Sleep(29 * 24 * time.Hour) // almost securecookie's 30 days
		store := newStore(t, newRing(t))
		legacy, _ := gorilla.NewLegacy(gorilla.LegacyOptions{HashKey: hashKey})
		m, _ := middleware.New(middleware.Options{Store: store, Legacy: legacy})
		app := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, time.Until(middleware.From(r).Info().Expires))
		}))
		w = serve(app, "GET", "session="+old)
		if got := w.Body.String(); got != cookie.DefaultAbsoluteTimeout.String() {
			t.Fatalf("a migrated session expires in %s", got)
		}
		tok, _ := cookieValue(w, "session")
		time.Sleep(2 * 24 * time.Hour) // the legacy cookie has expired, the crumb session too
		if _, err := store.Read(context.Background(), tok); !errors.Is(err, cookie.ErrExpired) {
			t.Fatalf("crumb token after its absolute timeout: %v", err)
		}
	})
}

// TestMigrateFromCodec: an application that put crumb's Codec in its
// CookieStore, then moves to the middleware: Legacy with Codec reads the
// Codec's cookies, with either serializer, without the gorilla keys.
func TestMigrateFromCodec(t *testing.T) {
	for _, ser := range []gorilla.Serializer{gorilla.Gob, gorilla.JSON} {
		t.Run(ser.String(), func(t *testing.T) {
			c := newCodec(t, gorilla.CodecOptions{Serializer: ser})
			store := sessions.NewCookieStore()
			store.Codecs = []securecookie.Codec{c}
			w := serve(gorillaLogin(store), "POST", "")
			tok, _ := cookieValue(w, "session")
			migrate(t, tok, gorilla.LegacyOptions{Codec: c, Subject: gorilla.SubjectKey("user_id")}, wantShown)
		})
	}
}

// TestLegacyBoth: with HashKey and Codec, Legacy reads both kinds of
// cookie; an authentic Codec cookie that fails (expired) is not tried as a
// securecookie one.
func TestLegacyBoth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCodec(t, gorilla.CodecOptions{MaxAge: time.Hour})
		both := newLegacy(t, gorilla.LegacyOptions{HashKey: hashKey, BlockKey: blockKey, Codec: c})
		codecOnly, err := gorilla.NewLegacy(gorilla.LegacyOptions{Codec: c}) // no HashKey
		if err != nil {
			t.Fatal(err)
		}
		fromCodec := mustEncode(t, c, "session", map[interface{}]interface{}{"from": "codec"})
		fromGorilla := mustEncode(t, securecookieWith(false), "session", map[interface{}]interface{}{"from": "securecookie"})
		for _, tc := range []struct {
			l     *gorilla.Legacy
			value string
			want  any
		}{
			{both, fromCodec, "codec"}, {both, fromGorilla, "securecookie"},
			{codecOnly, fromCodec, "codec"}, {codecOnly, fromGorilla, cookie.ErrInvalid},
			{both, flip(fromCodec, 40), cookie.ErrInvalid},
		} {
			s, err := tc.l.Read("session", tc.value)
			switch want := tc.want.(type) {
			case string:
				if err != nil || s.Data["from"] != want {
					t.Errorf("want %s: %v %v", want, s, err)
				}
			case error:
				if !errors.Is(err, want) {
					t.Errorf("want %v: %v", want, err)
				}
			}
		}
		time.Sleep(time.Hour)
		if _, err := both.Read("session", fromCodec); !errors.Is(err, cookie.ErrExpired) {
			t.Errorf("expired codec cookie: %v", err)
		}
	})
}
