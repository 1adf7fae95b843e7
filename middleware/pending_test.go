package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
	"github.com/crumbhq/crumb/revocation"
)

// pendingSet acknowledges revocations as pending delivery to the other
// instances, as a Redis set cut off from Redis does.
type pendingSet struct{ revocation.Set }

func (p pendingSet) RevokeSession(ctx context.Context, s revocation.Session, until time.Time) error {
	if err := p.Set.RevokeSession(ctx, s, until); err != nil {
		return err
	}
	return fmt.Errorf("test set: %w", revocation.ErrPending)
}

// TestPendingLogout: a logout in force here but waiting to reach the other
// instances returns cookie.ErrPending, ends the session here, and is
// logged as a warning, not as a failed logout.
func TestPendingLogout(t *testing.T) {
	local, err := revocation.NewLocal(revocation.LocalOptions{PruneInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { local.Close() })
	m, l := newManager(t, middleware.Options{Store: newStore(t, cookie.Options{Revocations: pendingSet{local}})})
	jar := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Login("ann") }))
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		err := middleware.From(r).Destroy()
		if !errors.Is(err, cookie.ErrPending) || cookie.HTTPStatus(err) != http.StatusAccepted {
			t.Errorf("Destroy = %v (status %d), want ErrPending, 202", err, cookie.HTTPStatus(err))
		}
	}, jar...)
	replay := serve(m, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(middleware.From(r).Subject())) }, jar...)
	if replay.Body.String() != "" {
		t.Fatalf("the session survived a pending logout on this instance: %q", replay.Body)
	}
	logs := l.String()
	if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "logout in force on this instance") || strings.Contains(logs, "level=ERROR") {
		t.Fatalf("logs of a pending logout:\n%s", logs)
	}
}

// TestSubjectlessLogoutHint: logging out a session that holds data but no
// subject revokes nothing, which the middleware says once.
func TestSubjectlessLogoutHint(t *testing.T) {
	m, l := newManager(t, middleware.Options{})
	for range 3 {
		jar := cookiePairs(t, serve(m, set("user_id", 42)))
		serve(m, func(w http.ResponseWriter, r *http.Request) {
			if err := middleware.From(r).Destroy(); err != nil {
				t.Error(err)
			}
		}, jar...)
	}
	if n := strings.Count(l.String(), "without a subject revokes nothing"); n != 1 {
		t.Fatalf("hint logged %d times, want once:\n%s", n, l.String())
	}
	if st := m.Stats().Store.Revocations; st.Sessions != 0 {
		t.Fatalf("subject-less logouts left %d entries", st.Sessions)
	}
}

// TestPartlyPendingLogout: a logout that is pending in part and failed in
// part (here, tossed cookies beyond what a logout examines) is a failure:
// its error does not match cookie.ErrPending.
func TestPartlyPendingLogout(t *testing.T) {
	local, err := revocation.NewLocal(revocation.LocalOptions{PruneInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { local.Close() })
	m, _ := newManager(t, middleware.Options{Store: newStore(t, cookie.Options{Revocations: pendingSet{local}})})
	jar := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Login("ann") }))
	name, _, _ := strings.Cut(jar[0], "=")
	tossed := append([]string{}, jar...)
	for i := range 4 {
		tossed = append(tossed, fmt.Sprintf("%s=junk%d", name, i))
	}
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		err := middleware.From(r).Destroy()
		if !errors.Is(err, middleware.ErrLogoutUnverified) || errors.Is(err, cookie.ErrPending) || cookie.HTTPStatus(err) == http.StatusAccepted {
			t.Errorf("Destroy = %v (status %d), want ErrLogoutUnverified and not ErrPending", err, cookie.HTTPStatus(err))
		}
	}, tossed...)
}
