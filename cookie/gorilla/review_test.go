package gorilla_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"net/http"
	"runtime"
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

// TestLogoutEverywhereOutlastsLegacyCookies: a legacy cookie written before
// the subject was logged out everywhere stays refused for as long as it
// could be replayed (its MaxAge), not only for the store's absolute timeout.
func TestLogoutEverywhereOutlastsLegacyCookies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old, _ := cookieValue(serve(gorillaLogin(sessions.NewCookieStore(hashKey)), "POST", ""), "session")
		time.Sleep(time.Minute)
		store := newStore(t, newRing(t))
		legacy, _ := gorilla.NewLegacy(gorilla.LegacyOptions{HashKey: hashKey, Subject: gorilla.SubjectKey("user_id")})
		m, err := middleware.New(middleware.Options{Store: store, Legacy: legacy})
		if err != nil {
			t.Fatal(err)
		}
		app := m.Handler(http.HandlerFunc(crumbShow))
		if err := store.RevokeSubject(context.Background(), "42"); err != nil {
			t.Fatal(err)
		}
		for _, after := range []time.Duration{0, 13 * time.Hour, 29 * 24 * time.Hour} {
			time.Sleep(after)
			if got := serve(app, "GET", "session="+old).Body.String(); got == wantShown {
				t.Fatalf("%v after logging out everywhere, the older legacy cookie was migrated again", after)
			}
		}
	})
}

// TestLegacyNeedsCoveringSubjectRevocation: middleware.New refuses a legacy
// reader whose cookies outlive the store's subject revocations, or that
// accepts any age.
func TestLegacyNeedsCoveringSubjectRevocation(t *testing.T) {
	short, err := cookie.New(cookie.Options{Name: "session", Keys: newRing(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer short.Close()
	for _, age := range []time.Duration{0, -1} {
		legacy, _ := gorilla.NewLegacy(gorilla.LegacyOptions{HashKey: hashKey, MaxAge: age})
		if _, err := middleware.New(middleware.Options{Store: short, Legacy: legacy}); !errors.Is(err, middleware.ErrBadOptions) {
			t.Errorf("MaxAge %v with a 12 h subject revocation: %v", age, err)
		}
	}
	legacy, _ := gorilla.NewLegacy(gorilla.LegacyOptions{HashKey: hashKey, MaxAge: 12 * time.Hour})
	if _, err := middleware.New(middleware.Options{Store: short, Legacy: legacy}); err != nil {
		t.Errorf("MaxAge 12h with a 12 h subject revocation: %v", err)
	}
}

// TestCodecCookieOlderThanStoreMigrates: with one keyring for the Codec and
// the store, a Codec cookie older than the store's absolute timeout but
// within its own MaxAge is migrated, not deleted as an expired session.
func TestCodecCookieOlderThanStoreMigrates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ring := newRing(t)
		c := newCodec(t, gorilla.CodecOptions{Keys: ring})
		gs := sessions.NewCookieStore()
		gs.Codecs = []securecookie.Codec{c}
		tok, _ := cookieValue(serve(gorillaLogin(gs), "POST", ""), "session")
		time.Sleep(13 * time.Hour)
		legacy, _ := gorilla.NewLegacy(gorilla.LegacyOptions{Codec: c, Subject: gorilla.SubjectKey("user_id")})
		m, err := middleware.New(middleware.Options{Store: newStore(t, ring), Legacy: legacy})
		if err != nil {
			t.Fatal(err)
		}
		if got := serve(m.Handler(http.HandlerFunc(crumbShow)), "GET", "session="+tok).Body.String(); got != wantShown {
			t.Fatalf("a 13 h old Codec cookie: %s", got)
		}
	})
}

// TestLegacyFromTheFutureRefused: a legacy cookie whose authenticated
// timestamp is ahead of the clock (beyond the skew) would escape logging
// out everywhere: refused. The cookie is written with today's clock and
// read inside a synctest bubble, whose clock starts in 2000.
func TestLegacyFromTheFutureRefused(t *testing.T) {
	v, _ := cookieValue(serve(gorillaLogin(sessions.NewCookieStore(hashKey)), "POST", ""), "session")
	l, err := gorilla.NewLegacy(gorilla.LegacyOptions{HashKey: hashKey, MaxAge: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Read("session", v); err != nil {
		t.Fatalf("a cookie written now: %v", err)
	}
	synctest.Test(t, func(t *testing.T) {
		if _, err := l.Read("session", v); !errors.Is(err, cookie.ErrInvalid) || !strings.Contains(err.Error(), "future") {
			t.Fatalf("a cookie from the future: %v", err)
		}
	})
}

// TestCyclicValuesAreErrors: a value that contains itself is an error for
// the JSON serializer, not a stack overflow.
func TestCyclicValuesAreErrors(t *testing.T) {
	c := newCodec(t, gorilla.CodecOptions{Serializer: gorilla.JSON})
	m := map[interface{}]interface{}{}
	m["self"] = m
	if _, err := c.Encode("session", m); err == nil {
		t.Fatal("a map containing itself encoded")
	}
}

// TestLegacyGobSizeHintBounded: an authenticated gob payload claiming 2^24
// map entries does not make the top-level decode allocate for them.
func TestLegacyGobSizeHintBounded(t *testing.T) {
	var buf bytes.Buffer
	gob.NewEncoder(&buf).Encode(map[interface{}]interface{}{"a": "b"})
	b := buf.Bytes()
	last, off := 0, 0
	for off < len(b) {
		l, n := gobUint(b[off:])
		last = off
		off += n + int(l)
	}
	l, _ := gobUint(b[last:])
	msg := b[last+1 : last+1+int(l)]
	i := bytes.Index(msg, []byte{1, 6, 's', 't', 'r'})
	if i < 0 {
		t.Fatalf("gob's encoding of a one-entry map changed: %x", msg)
	}
	nm := append(append(append([]byte{}, msg[:i]...), 0xFC, 0x01, 0x00, 0x00, 0x00), msg[i+1:]...)
	out := append(append(append([]byte{}, b[:last]...), byte(len(nm))), nm...)
	v, err := securecookie.New(hashKey, nil).SetSerializer(securecookie.NopEncoder{}).Encode("session", out)
	if err != nil {
		t.Fatal(err)
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	_, err = newLegacy(t, gorilla.LegacyOptions{}).Read("session", v)
	runtime.ReadMemStats(&ms1)
	if mb := (ms1.TotalAlloc - ms0.TotalAlloc) >> 20; mb > 64 {
		t.Fatalf("a %d-character cookie claiming 2^24 entries allocated %d MiB (%v)", len(v), mb, err)
	}
}

// gobUint reads one gob unsigned integer.
func gobUint(b []byte) (uint64, int) {
	if b[0] < 128 {
		return uint64(b[0]), 1
	}
	n := int(-int8(b[0]))
	var x uint64
	for _, c := range b[1 : 1+n] {
		x = x<<8 | uint64(c)
	}
	return x, 1 + n
}
