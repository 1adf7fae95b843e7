package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/crumbhq/crumb/middleware"
)

// fakeLegacy accepts "legacy-<user>" values.
type fakeLegacy struct{}

func (fakeLegacy) ReadLegacy(_ context.Context, name, value string) (string, any, error) {
	user, ok := strings.CutPrefix(value, "legacy-")
	if !ok || name != "session" {
		return "", nil, errors.New("not a legacy cookie")
	}
	return user, map[string]any{"theme": "dark"}, nil
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
	// Neither crumb's nor a legacy cookie: cleared as usual.
	if sc := setCookies(serve(m, show, "session=garbage")); len(sc) != 1 || !strings.HasPrefix(sc[0], "session=;") {
		t.Fatalf("garbage: %q", sc)
	}
}
