package middleware_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
)

// The logout tests of a chunked session whose cookies come with tossed
// copies (a cookie of the same name set by a sibling subdomain): the logout
// must still revoke the session, or say it could not.

// loginBig returns the cookies of a session of subject whose data spans
// several cookies.
func loginBig(t *testing.T, m *middleware.Manager, subject string, n int) []string {
	t.Helper()
	jar := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		if err := s.Login(subject); err != nil {
			t.Error(err)
		}
		s.Set("big", incompressible(n))
	}))
	if len(jar) < 2 {
		t.Fatalf("%d cookies, want a chunked session", len(jar))
	}
	return jar
}

// whoIs returns the subject of the session the cookies carry, "" for none.
func whoIs(m *middleware.Manager, jar []string) string {
	return serve(m, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(middleware.From(r).Subject()))
	}, jar...).Body.String()
}

// logout runs Destroy (or DestroyAll) over the cookies and returns its
// Set-Cookie lines and its error.
func logout(m *middleware.Manager, all bool, jar ...string) ([]string, error) {
	var err error
	rec := serve(m, func(w http.ResponseWriter, r *http.Request) {
		if all {
			err = middleware.From(r).DestroyAll()
		} else {
			err = middleware.From(r).Destroy()
		}
	}, jar...)
	return setCookies(rec), err
}

// value returns the value of a "name=value" pair.
func value(pair string) string {
	_, v, _ := strings.Cut(pair, "=")
	return v
}

func TestChunkedLogoutWithTossedCookies(t *testing.T) {
	store := newStore(t, cookie.Options{MaxTokenLen: 16 << 10})
	m, _ := newManager(t, middleware.Options{Store: store, HeaderBudget: 16 << 10})
	attacker := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Login("mallory") }))
	attackerBig := loginBig(t, m, "mallory", 3500)
	for _, c := range []struct {
		name  string
		size  int // of the victim's data: 2 or 3 cookies
		toss  func(victim []string) []string
		first bool // the tossed cookies come before the victim's
	}{
		{"attacker's session as a second first cookie", 3500, func([]string) []string { return attacker }, true},
		{"attacker's session after the victim's", 3500, func([]string) []string { return attacker }, false},
		{"junk first cookie", 3500, func([]string) []string { return []string{"session=junk"} }, true},
		{"attacker's chunked session", 3500, func([]string) []string { return attackerBig }, true},
		{"second chunk 1, junk", 3500, func([]string) []string { return []string{"session.1=junk"} }, true},
		{"second chunk 1, the attacker's", 3500, func([]string) []string { return attackerBig[1:] }, false},
		{"second chunk 1 with the victim's tag", 3500, func(v []string) []string {
			tag, _, _ := strings.Cut(value(v[1]), ".")
			return []string{"session.1=" + tag + ".junk"}
		}, true},
		{"three chunks, second chunk 2", 8000, func([]string) []string { return []string{"session.2=junk"} }, true},
		{"three chunks, junk first cookie and chunks", 8000, func([]string) []string {
			return []string{"session=~3.AAAAAAAAAAAA.x", "session.1=AAAAAAAAAAAA.y", "session.2=junk"}
		}, false},
	} {
		victim := loginBig(t, m, "ann", c.size)
		jar := append(append([]string{}, victim...), c.toss(victim)...)
		if c.first {
			jar = append(append([]string{}, c.toss(victim)...), victim...)
		}
		if got := whoIs(m, jar); got != "" {
			t.Fatalf("%s: a tossed request was not anonymous: %q", c.name, got)
		}
		sc, err := logout(m, false, jar...)
		if err != nil {
			t.Errorf("%s: Destroy: %v", c.name, err)
		}
		if len(sc) == 0 || !strings.HasPrefix(sc[0], "session=;") {
			t.Errorf("%s: cookie not deleted: %q", c.name, sc)
		}
		// The victim's cookies, replayed alone (a stolen copy), open nothing.
		if got := whoIs(m, victim); got != "" {
			t.Errorf("%s: the session survived its logout: %q", c.name, got)
		}
	}
}

func TestChunkedLogoutEverywhereWithTossedCookies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := newStore(t, cookie.Options{MaxTokenLen: 16 << 10})
		m, _ := newManager(t, middleware.Options{Store: store, HeaderBudget: 16 << 10})
		attacker := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Login("mallory") }))
		for i, toss := range [][]string{attacker, {"session.1=junk"}, {"session=junk", "session.2=junk"}} {
			phone := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Login("ann") }))
			laptop := loginBig(t, m, "ann", 8000)
			time.Sleep(2 * time.Second) // subject revocation has one-second resolution
			_, err := logout(m, true, append(append([]string{}, toss...), laptop...)...)
			if err != nil {
				t.Errorf("toss %d: DestroyAll: %v", i, err)
			}
			if got := whoIs(m, phone); got != "" {
				t.Errorf("toss %d: another device survived logout everywhere: %q", i, got)
			}
			if got := whoIs(m, laptop); got != "" {
				t.Errorf("toss %d: the session survived logout everywhere: %q", i, got)
			}
		}
	})
}

func TestTossedLogoutThatFindsNoSessionFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, l := newManager(t, middleware.Options{})
		victim := loginBig(t, m, "ann", 3500)
		tag, _, _ := strings.Cut(value(victim[1]), ".")
		phone := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Login("ann") }))
		time.Sleep(2 * time.Second)
		five := []string{"session=a", "session=b", "session=c", "session=d", "session=e"}
		for _, jar := range [][]string{
			{"session=junk", "session=~2.AAAAAAAAAAAA.x", "session.1=AAAAAAAAAAAA.y"}, // nothing assembles
			{"session=junk", victim[0]},                                       // the victim's chunk 1 is missing
			{victim[0], "session.1=" + tag + ".x", "session.1=" + tag + ".y"}, // two chunks with its tag, neither the right one
			{"session=junk", "session=junk", victim[1]},                       // a chunk without its head
			{"session=", "session="},                                          // empty values
			append(five, victim...),                                           // more first cookies than a logout examines
		} {
			for _, all := range []bool{false, true} {
				sc, err := logout(m, all, jar...)
				if !errors.Is(err, middleware.ErrLogoutUnverified) {
					t.Errorf("%d cookies, all %v: %v, want ErrLogoutUnverified", len(jar), all, err)
				}
				if len(sc) == 0 || !strings.HasPrefix(sc[0], "session=;") {
					t.Errorf("%d cookies, all %v: cookie not deleted: %q", len(jar), all, sc)
				}
			}
		}
		if got := whoIs(m, phone); got != "ann" {
			t.Fatalf("a failed logout everywhere revoked the subject: %q", got)
		}
		logs := l.String()
		for _, err := range l.hooked() {
			logs += err.Error()
		}
		if !strings.Contains(logs, "logout could not") {
			t.Fatal("failed logout not logged")
		}
		for _, c := range victim {
			for i := 0; i+16 <= len(value(c)); i += 8 {
				if strings.Contains(logs, value(c)[i:i+16]) {
					t.Fatalf("log holds part of a token")
				}
			}
		}
	})
}

// TestLogoutWithoutTossingUnchanged: no cookie, one valid cookie, and one
// bad cookie log out without an error, as before.
func TestLogoutWithoutTossingUnchanged(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	big := loginBig(t, m, "ann", 3500)
	for _, jar := range [][]string{nil, cookiePairs(t, serve(m, set("k", "v"))), big, {"session=garbage"}, {big[0]}} {
		if _, err := logout(m, false, jar...); err != nil {
			t.Errorf("%d cookies: %v", len(jar), err)
		}
	}
	if got := whoIs(m, big); got != "" {
		t.Fatalf("chunked session survived its logout: %q", got)
	}
}
