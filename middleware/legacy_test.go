package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crumbhq/crumb/middleware"
)

// fakeLegacy accepts "legacy-<user>" values.
type fakeLegacy struct{}

func (fakeLegacy) ReadLegacy(_ context.Context, name, value string) (middleware.LegacySession, error) {
	user, ok := strings.CutPrefix(value, "legacy-")
	if !ok || name != "session" {
		return middleware.LegacySession{}, errors.New("not a legacy cookie")
	}
	return middleware.LegacySession{Subject: user, Data: map[string]any{"theme": "dark"}, Written: time.Now().Add(-time.Hour)}, nil
}

func TestLegacyCookieMigrated(t *testing.T) {
	m, _ := newManager(t, middleware.Options{Legacy: fakeLegacy{}})
	show := func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		theme, _ := middleware.Get[string](s, "theme")
		w.Write([]byte(s.Subject() + "/" + theme))
	}
	rec := serve(m, show, "session=legacy-ann")
	sc := setCookies(rec)
	if rec.Body.String() != "ann/dark" || len(sc) != 1 || strings.HasPrefix(sc[0], "session=;") || m.Stats().Migrated != 1 {
		t.Fatalf("legacy cookie: %q %q %+v", rec.Body, sc, m.Stats())
	}
	// The cookie written back is crumb's own.
	if got := serve(m, show, cookiePairs(t, rec)...).Body.String(); got != "ann/dark" || m.Stats().Migrated != 1 {
		t.Fatalf("after migration: %q", got)
	}
	// Logging out everywhere also ends copies of the legacy cookie written
	// before it.
	serve(m, func(w http.ResponseWriter, r *http.Request) { middleware.From(r).DestroyAll() }, cookiePairs(t, rec)...)
	if rec := serve(m, show, "session=legacy-ann"); rec.Body.String() != "/" || !strings.HasPrefix(setCookies(rec)[0], "session=;") {
		t.Fatalf("legacy cookie after logout everywhere: %q %q", rec.Body, setCookies(rec))
	}
	// Neither crumb's nor a legacy cookie: cleared as usual.
	if sc := setCookies(serve(m, show, "session=garbage")); len(sc) != 1 || !strings.HasPrefix(sc[0], "session=;") {
		t.Fatalf("garbage: %q", sc)
	}
}
