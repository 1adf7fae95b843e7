package cookie_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/registry"
	"github.com/crumbhq/crumb/revocation"
)

func newRegistry(t *testing.T, o registry.LocalOptions) *registry.Local {
	t.Helper()
	reg, err := registry.NewLocal(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	return reg
}

// listed returns the IDs Sessions lists for subject, most recently seen
// first.
func listed(t *testing.T, s *cookie.Store, subject string) []cookie.SessionID {
	t.Helper()
	infos, err := s.Sessions(ctx, subject)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]cookie.SessionID, len(infos))
	for i, in := range infos {
		ids[i] = in.ID
	}
	return ids
}

func TestRegistrySignInsAreListedAnonymousNever(t *testing.T) {
	reg := newRegistry(t, registry.LocalOptions{})
	s := newStore(t, cookie.Options{Registry: reg})

	anon := mustCreate(t, s, cookie.CreateOptions{Data: map[string]any{"cart": 1}})
	if st := reg.Stats(); st.Entries != 0 {
		t.Fatalf("an anonymous session was registered: %+v", st)
	}
	tok := mustCreate(t, s, cookie.CreateOptions{Subject: "ann", Labels: map[string]string{"device": "Firefox on Linux"}})
	r := mustRead(t, s, tok)
	infos, err := s.Sessions(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || infos[0].ID != r.ID() || infos[0].Labels["device"] != "Firefox on Linux" || infos[0].Current {
		t.Fatalf("Sessions = %+v, want ann's one session with its label", infos)
	}
	if !infos[0].Created.Equal(r.Created()) || !infos[0].Expires.Equal(r.Expires()) {
		t.Fatalf("times %v/%v, want %v/%v", infos[0].Created, infos[0].Expires, r.Created(), r.Expires())
	}

	// Login from the anonymous session: the new ID is listed, once.
	ar := mustRead(t, s, anon)
	if _, err := s.Login(ctx, ar, "ann"); err != nil {
		t.Fatal(err)
	}
	if ids := listed(t, s, "ann"); len(ids) != 2 || !slices.Contains(ids, ar.ID()) {
		t.Fatalf("after Login: %v, want 2 with %v", ids, ar.ID())
	}

	// Renew: the old ID goes, the new one is listed.
	old := ar.ID()
	if _, err := s.Renew(ctx, ar); err != nil {
		t.Fatal(err)
	}
	if ids := listed(t, s, "ann"); len(ids) != 2 || slices.Contains(ids, old) || !slices.Contains(ids, ar.ID()) {
		t.Fatalf("after Renew: %v, want the new ID and not %v", ids, old)
	}
	if got := reg.Stats().Entries; got != 2 {
		t.Fatalf("registry holds %d entries after Renew, want 2 (the old ID removed)", got)
	}
	if ids := listed(t, s, "bob"); len(ids) != 0 {
		t.Fatalf("bob has %v", ids)
	}
}

func TestRegistryLogoutAndSubjectRevocationRemove(t *testing.T) {
	reg := newRegistry(t, registry.LocalOptions{})
	s := newStore(t, cookie.Options{Registry: reg})
	a := mustCreate(t, s, cookie.CreateOptions{Subject: "ann"})
	mustCreate(t, s, cookie.CreateOptions{Subject: "ann"})
	if err := s.Delete(ctx, a); err != nil {
		t.Fatal(err)
	}
	if ids := listed(t, s, "ann"); len(ids) != 1 {
		t.Fatalf("after a logout: %v, want 1", ids)
	}
	if es, _ := reg.List(ctx, "ann", time.Now()); len(es) != 1 {
		t.Fatalf("the registry still holds the logged-out session: %d entries", len(es))
	}
	// Log out everywhere ends the sessions created before the second of
	// the call (time has one-second resolution).
	time.Sleep(1100 * time.Millisecond)
	if err := s.RevokeSubject(ctx, "ann"); err != nil {
		t.Fatal(err)
	}
	if es, _ := reg.List(ctx, "ann", time.Now()); len(es) != 0 {
		t.Fatalf("the registry still holds %d entries after log out everywhere", len(es))
	}
	if ids := listed(t, s, "ann"); len(ids) != 0 {
		t.Fatalf("after log out everywhere: %v", ids)
	}
}

func TestRegistryRevokeSessionByID(t *testing.T) {
	reg := newRegistry(t, registry.LocalOptions{})
	s := newStore(t, cookie.Options{Registry: reg})
	phone := mustCreate(t, s, cookie.CreateOptions{Subject: "ann"})
	laptop := mustCreate(t, s, cookie.CreateOptions{Subject: "ann"})
	bobs := mustCreate(t, s, cookie.CreateOptions{Subject: "bob"})
	bobID := mustRead(t, s, bobs).ID()

	// Guessing: ann cannot end bob's session, nor an unknown one.
	for _, id := range []cookie.SessionID{bobID, {1, 2, 3}} {
		err := s.RevokeSession(ctx, "ann", id)
		if !errors.Is(err, cookie.ErrNoSuchSession) || cookie.HTTPStatus(err) != http.StatusNotFound {
			t.Fatalf("RevokeSession(ann, not hers) = %v, want ErrNoSuchSession (404)", err)
		}
	}
	mustRead(t, s, bobs)
	if ids := listed(t, s, "bob"); len(ids) != 1 {
		t.Fatalf("bob's list changed: %v", ids)
	}

	if err := s.RevokeSession(ctx, "ann", mustRead(t, s, laptop).ID()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Read(ctx, laptop); !errors.Is(err, cookie.ErrRevoked) {
		t.Fatalf("the ended session reads %v, want ErrRevoked", err)
	}
	mustRead(t, s, phone)
	if ids := listed(t, s, "ann"); len(ids) != 1 || ids[0] != mustRead(t, s, phone).ID() {
		t.Fatalf("after ending the laptop: %v", ids)
	}
	if err := s.RevokeSession(ctx, "", bobID); !errors.Is(err, cookie.ErrNoSuchSession) {
		t.Fatalf("RevokeSession with no subject = %v", err)
	}
}

func TestRegistryRevokeOtherSessions(t *testing.T) {
	reg := newRegistry(t, registry.LocalOptions{})
	s := newStore(t, cookie.Options{Registry: reg})
	older := mustCreate(t, s, cookie.CreateOptions{Subject: "ann"})
	current := mustCreate(t, s, cookie.CreateOptions{Subject: "ann"})
	newer := mustCreate(t, s, cookie.CreateOptions{Subject: "ann"})
	bobs := mustCreate(t, s, cookie.CreateOptions{Subject: "bob"})

	r := mustRead(t, s, current)
	if err := s.RevokeOtherSessions(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{older, newer} {
		if _, err := s.Read(ctx, tok); !errors.Is(err, cookie.ErrRevoked) {
			t.Fatalf("another session reads %v, want ErrRevoked", err)
		}
	}
	mustRead(t, s, current)
	mustRead(t, s, bobs)
	if ids := listed(t, s, "ann"); len(ids) != 1 || ids[0] != r.ID() {
		t.Fatalf("after signing out the others: %v, want only %v", ids, r.ID())
	}
	// A session made after it is unaffected.
	later := mustCreate(t, s, cookie.CreateOptions{Subject: "ann"})
	mustRead(t, s, later)

	anon := mustRead(t, s, mustCreate(t, s, cookie.CreateOptions{}))
	if err := s.RevokeOtherSessions(ctx, anon); !errors.Is(err, cookie.ErrBadRecord) {
		t.Fatalf("RevokeOtherSessions(anonymous) = %v, want ErrBadRecord", err)
	}
}

// TestRegistryBoundEndsLeastRecentlySeen: past the registry's bound a
// sign-in ends the least recently seen session, so that every session that
// can be used stays listed.
func TestRegistryBoundEndsLeastRecentlySeen(t *testing.T) {
	reg := newRegistry(t, registry.LocalOptions{MaxPerSubject: 3})
	s := newStore(t, cookie.Options{Registry: reg})
	var toks []string
	for range 3 {
		toks = append(toks, mustCreate(t, s, cookie.CreateOptions{Subject: "ann"}))
	}
	// The first is the oldest; a reissue a second later makes it the most
	// recently seen, so one of the other two (seen in the same second) is
	// ended.
	time.Sleep(1100 * time.Millisecond)
	if _, err := s.Modify(ctx, toks[0], func(r *cookie.Record) error { return r.Set("seen", true) }); err != nil {
		t.Fatal(err)
	}
	fourth := mustCreate(t, s, cookie.CreateOptions{Subject: "ann"})
	ended := 0
	for _, tok := range toks[1:] {
		if _, err := s.Read(ctx, tok); errors.Is(err, cookie.ErrRevoked) {
			ended++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if ended != 1 {
		t.Fatalf("%d of the two least recently seen sessions ended, want 1", ended)
	}
	for _, tok := range []string{toks[0], fourth} {
		mustRead(t, s, tok)
	}
	if ids := listed(t, s, "ann"); len(ids) != 3 {
		t.Fatalf("listed %d, want 3", len(ids))
	}
	// A flood of sign-ins by one account keeps it at its bound.
	for range 200 {
		mustCreate(t, s, cookie.CreateOptions{Subject: "ann"})
	}
	if st := reg.Stats(); st.Entries > 3 {
		t.Fatalf("registry holds %d entries for one account, bound 3", st.Entries)
	}
}

func TestRegistryLastSeenMovesOnReissueOnly(t *testing.T) {
	reg := newRegistry(t, registry.LocalOptions{})
	s := newStore(t, cookie.Options{Registry: reg, ReissueAfter: -1})
	tok := mustCreate(t, s, cookie.CreateOptions{Subject: "ann", Labels: map[string]string{"device": "phone"}})
	first, err := s.Sessions(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	mustRead(t, s, tok) // a read: nothing changes
	if got, _ := s.Sessions(ctx, "ann"); !got[0].LastSeen.Equal(first[0].LastSeen) {
		t.Fatalf("a read moved last seen from %v to %v", first[0].LastSeen, got[0].LastSeen)
	}
	if _, err := s.Touch(ctx, tok, 0); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Sessions(ctx, "ann")
	if !got[0].LastSeen.After(first[0].LastSeen) || got[0].Labels["device"] != "phone" {
		t.Fatalf("after a reissue: %+v, want a later last seen and the label kept", got[0])
	}
}

// TestRegistryHidesSessionsRevokedElsewhere: a session revoked straight in
// the revocation set (by a tool, or another instance) is not listed, and
// leaves the registry.
func TestRegistryHidesSessionsRevokedElsewhere(t *testing.T) {
	reg := newRegistry(t, registry.LocalOptions{})
	revs, err := revocation.NewLocal(revocation.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { revs.Close() })
	s := newStore(t, cookie.Options{Registry: reg, Revocations: revs})
	r := mustRead(t, s, mustCreate(t, s, cookie.CreateOptions{Subject: "ann"}))
	if err := revs.RevokeSession(ctx, revocation.Session{ID: r.ID(), Subject: "ann", Created: r.Created()}, r.Expires().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ids := listed(t, s, "ann"); len(ids) != 0 {
		t.Fatalf("a revoked session is listed: %v", ids)
	}
	if st := reg.Stats(); st.Entries != 0 {
		t.Fatalf("the revoked session stayed in the registry: %+v", st)
	}
}

func TestRegistryEntriesGoWithExpiry(t *testing.T) {
	reg := newRegistry(t, registry.LocalOptions{})
	s := newStore(t, cookie.Options{Registry: reg, IdleTimeout: time.Second, AbsoluteTimeout: 2 * time.Second, Skew: -1})
	mustCreate(t, s, cookie.CreateOptions{Subject: "ann"})
	if ids := listed(t, s, "ann"); len(ids) != 1 {
		t.Fatalf("listed %v", ids)
	}
	time.Sleep(2100 * time.Millisecond)
	if ids := listed(t, s, "ann"); len(ids) != 0 {
		t.Fatalf("an expired session is listed: %v", ids)
	}
	if es, _ := reg.List(ctx, "ann", time.Now()); len(es) != 0 {
		t.Fatalf("the registry lists an expired entry")
	}
}

func TestRegistryRestartKeepsTheList(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.log")
	revPath := filepath.Join(t.TempDir(), "revoked.log")
	ring := newRing(t)
	open := func() (*cookie.Store, func()) {
		reg, err := registry.NewLocal(registry.LocalOptions{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		revs, err := revocation.NewLocal(revocation.LocalOptions{Path: revPath})
		if err != nil {
			t.Fatal(err)
		}
		s := newStore(t, cookie.Options{Keys: ring, Registry: reg, Revocations: revs})
		return s, func() { reg.Close(); revs.Close() }
	}
	s, stop := open()
	a := mustCreate(t, s, cookie.CreateOptions{Subject: "ann", Labels: map[string]string{"device": "laptop"}})
	b := mustCreate(t, s, cookie.CreateOptions{Subject: "ann"})
	if err := s.Delete(ctx, b); err != nil {
		t.Fatal(err)
	}
	stop()
	s, stop = open()
	defer stop()
	infos, err := s.Sessions(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || infos[0].ID != mustRead(t, s, a).ID() || infos[0].Labels["device"] != "laptop" {
		t.Fatalf("after a restart: %+v", infos)
	}
}

// failing is a registry that cannot be reached.
type failing struct{ registry.Registry }

var errRegistryDown = errors.New("connection refused")

func (failing) Add(context.Context, registry.Entry, time.Time) ([]registry.Entry, error) {
	return nil, errRegistryDown
}
func (failing) Seen(context.Context, string, registry.ID, time.Time, map[string]string) error {
	return errRegistryDown
}
func (failing) Remove(context.Context, string, ...registry.ID) error  { return errRegistryDown }
func (failing) RemoveBefore(context.Context, string, time.Time) error { return errRegistryDown }
func (failing) List(context.Context, string, time.Time) ([]registry.Entry, error) {
	return nil, errRegistryDown
}
func (failing) Health(context.Context) error { return errRegistryDown }
func (failing) Stats() registry.Stats        { return registry.Stats{} }

// TestRegistryOutage: while the registry is down, sessions are still read,
// reissued and logged out; sign-ins and listing fail with a clear error.
func TestRegistryOutage(t *testing.T) {
	reg := newRegistry(t, registry.LocalOptions{})
	ring := newRing(t)
	revs, err := revocation.NewLocal(revocation.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { revs.Close() })
	up := newStore(t, cookie.Options{Keys: ring, Registry: reg, Revocations: revs, ReissueAfter: -1})
	tok := mustCreate(t, up, cookie.CreateOptions{Subject: "ann"})
	down := newStore(t, cookie.Options{Keys: ring, Registry: failing{}, Revocations: revs, ReissueAfter: -1})

	mustRead(t, down, tok)
	if _, err := down.Touch(ctx, tok, 0); err != nil {
		t.Fatalf("a reissue failed with the registry down: %v", err)
	}
	_, err = down.Create(ctx, cookie.CreateOptions{Subject: "ann"})
	if !errors.Is(err, cookie.ErrRegistryUnavailable) || cookie.HTTPStatus(err) != http.StatusServiceUnavailable {
		t.Fatalf("sign-in with the registry down = %v, want ErrRegistryUnavailable (503)", err)
	}
	if _, err := down.Create(ctx, cookie.CreateOptions{}); err != nil {
		t.Fatalf("an anonymous session needs no registry: %v", err)
	}
	_, err = down.Sessions(ctx, "ann")
	if !errors.Is(err, cookie.ErrRegistryUnavailable) {
		t.Fatalf("Sessions with the registry down = %v", err)
	}
	if err := down.Healthy(ctx); !errors.Is(err, cookie.ErrRegistryUnavailable) {
		t.Fatalf("Healthy = %v", err)
	}
	if err := down.Delete(ctx, tok); err != nil {
		t.Fatalf("a logout failed with the registry down: %v", err)
	}
	if _, err := up.Read(ctx, tok); !errors.Is(err, cookie.ErrRevoked) {
		t.Fatalf("the logout is not in force: %v", err)
	}
	// The registry that is up no longer lists it (checked against the
	// revocation set), though the removal failed.
	if ids := listed(t, up, "ann"); len(ids) != 0 {
		t.Fatalf("listed %v", ids)
	}
	if got := down.Stats().RegistryFailures; got < 3 {
		t.Fatalf("RegistryFailures = %d", got)
	}
}

func TestRegistryOff(t *testing.T) {
	s := newStore(t, cookie.Options{})
	if _, err := s.Sessions(ctx, "ann"); !errors.Is(err, cookie.ErrNoRegistry) {
		t.Fatalf("Sessions = %v", err)
	}
	if err := s.RevokeSession(ctx, "ann", cookie.SessionID{}); !errors.Is(err, cookie.ErrNoRegistry) {
		t.Fatalf("RevokeSession = %v", err)
	}
	_, err := s.Create(ctx, cookie.CreateOptions{Subject: "ann", Labels: map[string]string{"": "x"}})
	if !errors.Is(err, cookie.ErrBadRecord) {
		t.Fatalf("a bad label = %v, want ErrBadRecord", err)
	}
}

func TestParseSessionID(t *testing.T) {
	id := cookie.SessionID{0xab, 1, 2, 3}
	got, err := cookie.ParseSessionID(id.String())
	if err != nil || got != id {
		t.Fatalf("round trip: %v %v", got, err)
	}
	for _, bad := range []string{"", "zz", id.String() + "0", id.String()[:31] + "g"} {
		if _, err := cookie.ParseSessionID(bad); err == nil {
			t.Fatalf("ParseSessionID(%q) accepted", bad)
		}
	}
}
