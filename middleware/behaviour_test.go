package middleware_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/middleware"
)

func TestUnusedSessionWritesNothing(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	rec := serve(m, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("static")) })
	if len(setCookies(rec)) != 0 || rec.Header().Get("Vary") != "" || rec.Header().Get("Cache-Control") != "" {
		t.Fatalf("unused session touched the response: %v", rec.Header())
	}
	// Reading an empty session sets nothing but varies on the cookie.
	rec = serve(m, get("k"))
	if len(setCookies(rec)) != 0 || rec.Header().Get("Vary") != "Cookie" || rec.Body.String() != "-" {
		t.Fatalf("read of an empty session: %v %q", rec.Header(), rec.Body)
	}
	// Removing from nothing starts nothing.
	rec = serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		if err := s.Remove("k"); err != nil {
			t.Error(err)
		}
		if _, err := middleware.Pop[string](s, "k"); !errors.Is(err, cookie.ErrNoValue) {
			t.Error(err)
		}
		s.Clear()
		s.DeleteMeta("m")
		s.Renew()
	})
	if len(setCookies(rec)) != 0 {
		t.Fatalf("no-op changes set %q", setCookies(rec))
	}
}

func TestSetCookieAttributesAndHeaders(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	rec := serve(m, set("k", "v"))
	sc := setCookies(rec)
	if len(sc) != 1 {
		t.Fatalf("Set-Cookie %q", sc)
	}
	for _, want := range []string{"session=", "; Path=/", "; HttpOnly", "; Secure", "; SameSite=Lax"} {
		if !strings.Contains(sc[0], want) {
			t.Errorf("Set-Cookie %q lacks %q", sc[0], want)
		}
	}
	for _, unwanted := range []string{"Max-Age", "Expires", "Domain", "Partitioned"} {
		if strings.Contains(sc[0], unwanted) {
			t.Errorf("Set-Cookie %q has %q", sc[0], unwanted)
		}
	}
	if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("Vary") != "Cookie" {
		t.Fatalf("headers %v", rec.Header())
	}
	// Go's own parser accepts it.
	c := rec.Result().Cookies()
	if len(c) != 1 || !c[0].Secure || !c[0].HttpOnly || c[0].SameSite != http.SameSiteLaxMode || c[0].Path != "/" {
		t.Fatalf("parsed %+v", c)
	}
}

func TestAttributeOptions(t *testing.T) {
	store := newStore(t, cookie.Options{Name: "__Host-sid"})
	m, _ := newManager(t, middleware.Options{Store: store, Persistent: true, Partitioned: true, SameSite: http.SameSiteNoneMode})
	sc := setCookies(serve(m, set("k", "v")))
	if len(sc) != 1 {
		t.Fatal(sc)
	}
	for _, want := range []string{"__Host-sid=", "; Secure", "; SameSite=None", "; Partitioned", "; Max-Age=43"} {
		if !strings.Contains(sc[0], want) {
			t.Errorf("Set-Cookie %q lacks %q", sc[0], want)
		}
	}
	m, _ = newManager(t, middleware.Options{Domain: ".example.com", Path: "/app", SameSite: http.SameSiteStrictMode})
	sc = setCookies(serve(m, set("k", "v")))
	for _, want := range []string{"; Domain=example.com", "; Path=/app", "; SameSite=Strict"} {
		if !strings.Contains(sc[0], want) {
			t.Errorf("Set-Cookie %q lacks %q", sc[0], want)
		}
	}
}

func TestPersistentMaxAge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, _ := newManager(t, middleware.Options{Persistent: true, Store: newStore(t, cookie.Options{IdleTimeout: 4 * time.Hour})})
		rec := serve(m, set("k", "v"))
		c := rec.Result().Cookies()[0]
		if c.MaxAge != int((12 * time.Hour).Seconds()) {
			t.Fatalf("Max-Age %d, want the absolute timeout", c.MaxAge)
		}
		time.Sleep(3 * time.Hour)
		c = serve(m, set("k", "w"), cookiePairs(t, rec)...).Result().Cookies()[0]
		if c.MaxAge != int((9 * time.Hour).Seconds()) {
			t.Fatalf("Max-Age %d after 3 h, want what is left of the absolute lifetime", c.MaxAge)
		}
	})
}

func TestDevMode(t *testing.T) {
	m, l := newManager(t, middleware.Options{Dev: true})
	for host, secure := range map[string]bool{
		"localhost:8080": false, "127.0.0.1:8080": false, "[::1]:80": false, "app.localhost": false,
		"example.com": true, "10.0.0.1:8080": true,
	} {
		rec := serveRequest(m, set("k", "v"), httptest.NewRequest("GET", "http://"+host+"/", nil))
		sc := setCookies(rec)
		if len(sc) != 1 || strings.Contains(sc[0], "Secure") != secure {
			t.Errorf("dev mode, host %s: %q", host, sc)
		}
	}
	if !strings.Contains(l.String(), "dev mode serving a non-loopback host") {
		t.Fatalf("no warning for dev mode off loopback: %s", l)
	}
}

func TestRoundTripAndTouch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, _ := newManager(t, middleware.Options{})
		jar := cookiePairs(t, serve(m, set("name", "ann")))
		// Read back, unchanged: no cookie.
		rec := serve(m, get("name"), jar...)
		if rec.Body.String() != "ann" || len(setCookies(rec)) != 0 {
			t.Fatalf("read: %q %q", rec.Body, setCookies(rec))
		}
		if rec.Header().Get("Vary") != "Cookie" || rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("read-only headers %v", rec.Header())
		}
		// Once a quarter of the idle timeout has passed, a read reissues
		// (sliding expiry), keeping the data.
		time.Sleep(7 * time.Minute)
		if sc := setCookies(serve(m, get("name"), jar...)); len(sc) != 0 {
			t.Fatalf("touch before it was due: %q", sc)
		}
		time.Sleep(1 * time.Minute)
		rec = serve(m, get("name"), jar...)
		if len(setCookies(rec)) != 1 || rec.Body.String() != "ann" {
			t.Fatalf("touch due: %q", setCookies(rec))
		}
		jar = cookiePairs(t, rec)
		// The touched token outlives the first one's idle deadline.
		time.Sleep(25 * time.Minute)
		if rec := serve(m, get("name"), jar...); rec.Body.String() != "ann" {
			t.Fatalf("touched session lost: %q", rec.Body)
		}
		// A request that never uses the session does not touch it.
		time.Sleep(10 * time.Minute)
		if sc := setCookies(serve(m, func(w http.ResponseWriter, r *http.Request) {}, jar...)); len(sc) != 0 {
			t.Fatalf("unused session touched: %q", sc)
		}
	})
}

func TestBadCookiesGiveEmptySessionAndAreCleared(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := newStore(t, cookie.Options{IdleTimeout: time.Minute})
		m, _ := newManager(t, middleware.Options{Store: store})
		good := cookiePairs(t, serve(m, set("k", "v")))
		expired := good
		revoked := cookiePairs(t, serve(m, set("k", "v")))
		serve(m, func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Destroy() }, revoked...)
		time.Sleep(2 * time.Minute)
		cases := map[string][]string{
			"garbage":   {"session=garbage"},
			"tampered":  {"session=" + strings.Replace(strings.TrimPrefix(good[0], "session="), "A", "B", 1)},
			"expired":   expired,
			"revoked":   revoked,
			"quoted":    {`session="` + strings.TrimPrefix(good[0], "session=") + `"`},
			"oversize":  {"session=" + strings.Repeat("A", 9000)},
			"truncated": {good[0][:60]},
		}
		for name, jar := range cases {
			rec := serve(m, get("k"), jar...)
			if rec.Code != 200 || rec.Body.String() != "-" {
				t.Errorf("%s: %d %q", name, rec.Code, rec.Body)
			}
			sc := setCookies(rec)
			if len(sc) != 1 || !strings.HasPrefix(sc[0], "session=;") || !strings.Contains(sc[0], "Max-Age=0") {
				t.Errorf("%s: bad cookie not cleared: %q", name, sc)
			}
			// Writing on top replaces it with a new session.
			rec = serve(m, set("n", "1"), jar...)
			if sc := setCookies(rec); len(sc) != 1 || strings.HasPrefix(sc[0], "session=;") {
				t.Errorf("%s: new session over a bad cookie: %q", name, sc)
			}
		}
	})
}

func TestReissueUnderPrimary(t *testing.T) {
	old, err := keyring.NewKey(keyring.StatePrimary)
	if err != nil {
		t.Fatal(err)
	}
	src := &swapSource{}
	ring, _ := keyring.NewRing(old)
	src.p.Store(ring)
	m, _ := newManager(t, middleware.Options{Store: newStore(t, cookie.Options{Keys: src})})
	jar := cookiePairs(t, serve(m, set("k", "v")))
	// Rotate: a new primary, the old key still opens.
	next, _ := keyring.NewKey(keyring.StatePrimary)
	demoted := old
	demoted.State = keyring.StateActive
	ring, err = keyring.NewRing(next, demoted)
	if err != nil {
		t.Fatal(err)
	}
	src.p.Store(ring)
	var keyID uint32
	rec := serve(m, func(w http.ResponseWriter, r *http.Request) {
		keyID = middleware.From(r).Info().KeyID
		get("k")(w, r)
	}, jar...)
	if keyID != old.ID || rec.Body.String() != "v" || len(setCookies(rec)) != 1 {
		t.Fatalf("old-key token: key %x body %q Set-Cookie %q", keyID, rec.Body, setCookies(rec))
	}
	serve(m, func(w http.ResponseWriter, r *http.Request) { keyID = middleware.From(r).Info().KeyID }, cookiePairs(t, rec)...)
	if keyID != next.ID {
		t.Fatalf("reissued under %x, want the primary %x", keyID, next.ID)
	}
}

func TestFlashAndMeta(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	jar := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		s.Set("flash", "saved")
		if err := s.SetMeta("auth", "password"); err != nil {
			t.Error(err)
		}
	}))
	rec := serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		msg, err := middleware.Pop[string](s, "flash")
		auth, _ := s.Meta("auth")
		w.Write([]byte(msg + "|" + auth + "|" + errString(err)))
	}, jar...)
	if rec.Body.String() != "saved|password|" || len(setCookies(rec)) != 1 {
		t.Fatalf("pop: %q %q", rec.Body, setCookies(rec))
	}
	rec = serve(m, func(w http.ResponseWriter, r *http.Request) {
		_, err := middleware.Pop[string](middleware.From(r), "flash")
		w.Write([]byte(errString(err)))
	}, cookiePairs(t, rec)...)
	if !strings.Contains(rec.Body.String(), "no such value") {
		t.Fatalf("flash shown twice: %q", rec.Body)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestLoginRenewDestroy(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	anon := cookiePairs(t, serve(m, set("cart", "3 items")))
	login := serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		if err := s.Login("ann"); err != nil {
			t.Error(err)
		}
		if s.IsNew() {
			t.Error("a session from a valid cookie is new")
		}
	}, anon...)
	user := cookiePairs(t, login)
	who := func(jar []string) string {
		return serve(m, func(w http.ResponseWriter, r *http.Request) {
			s := middleware.From(r)
			cart, _ := middleware.Get[string](s, "cart")
			w.Write([]byte(s.Subject() + "/" + cart))
		}, jar...).Body.String()
	}
	if got := who(user); got != "ann/3 items" {
		t.Fatalf("after login: %q", got)
	}
	// The pre-login token never becomes ann's session (fixation): it stays
	// the anonymous session it was, which needs no revocation.
	if got := who(anon); got != "/3 items" {
		t.Fatalf("pre-login token after login: %q", got)
	}
	// Renew: a new ID, the old token revoked.
	renewed := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) {
		if err := middleware.From(r).Renew(); err != nil {
			t.Error(err)
		}
	}, user...))
	if who(user) != "/" || who(renewed) != "ann/3 items" {
		t.Fatalf("renew: old %q new %q", who(user), who(renewed))
	}
	// A second device of the same user.
	other := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Login("ann") }))
	// Destroy: cookie deleted, token revoked, the other device unaffected.
	rec := serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		if err := s.Destroy(); err != nil {
			t.Error(err)
		}
		if s.Subject() != "" || s.Has("cart") {
			t.Error("session still there after Destroy")
		}
	}, renewed...)
	if sc := setCookies(rec); len(sc) != 1 || !strings.Contains(sc[0], "Max-Age=0") || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("destroy: %q %v", sc, rec.Header())
	}
	if who(renewed) != "/" || who(other) != "ann/" {
		t.Fatalf("destroy: replay %q, other device %q", who(renewed), who(other))
	}
	// DestroyAll: every session of the subject.
	third := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Login("ann") }))
	time.Sleep(1100 * time.Millisecond) // subject revocation has one-second resolution
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		if err := middleware.From(r).DestroyAll(); err != nil {
			t.Error(err)
		}
	}, third...)
	if who(other) != "/" || who(third) != "/" {
		t.Fatalf("destroy all: %q %q", who(other), who(third))
	}
	// Destroy then Set: a new anonymous session replaces the cookie.
	rec = serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		s.Destroy()
		s.Set("flash", "bye")
	}, cookiePairs(t, serve(m, set("k", "v")))...)
	if sc := setCookies(rec); len(sc) != 1 || strings.Contains(sc[0], "Max-Age=0") {
		t.Fatalf("destroy then set: %q", sc)
	}
	st := m.Stats()
	if st.Store.Renewed < 2 || st.Store.Deleted < 2 || st.Store.Revoked < 4 {
		t.Fatalf("stats %+v", st)
	}
}
