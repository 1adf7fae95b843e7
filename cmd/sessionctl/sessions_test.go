package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/registry"
	"github.com/crumbhq/crumb/revocation/redisset"
)

// listedSession is one element of sessions list --json.
type listedSession struct {
	ID       string            `json:"id"`
	Created  time.Time         `json:"created"`
	LastSeen time.Time         `json:"last_seen"`
	Expires  time.Time         `json:"expires"`
	Labels   map[string]string `json:"labels"`
}

// parseListed parses the output of sessions list --json.
func parseListed(t *testing.T, out string) []listedSession {
	t.Helper()
	var list []listedSession
	if err := json.Unmarshal([]byte(out), &list); err != nil || list == nil {
		t.Fatalf("sessions list --json: %v: %q", err, out)
	}
	return list
}

// ownSessionID returns the ID of d's own session, as GET /sessions marks
// it current.
func ownSessionID(t *testing.T, d *demoClient) string {
	t.Helper()
	list := d.sessions()
	for _, s := range list {
		if s.Current {
			return s.ID
		}
	}
	t.Fatalf("GET /sessions marks no session current: %+v", list)
	return ""
}

// TestSessionsWhileDemoRuns lists and revokes a running demo's sessions
// with sessionctl in a process of its own, on the demo's registry file and
// revocation file: a user signed in twice is listed twice; revoking one
// session makes the demo refuse its cookie within a second and leaves the
// other alone; an ID that is not the subject's changes nothing.
func TestSessionsWhileDemoRuns(t *testing.T) {
	state := t.TempDir()
	base, stderr := startDemo(t, "--state", state)
	reg, revs := filepath.Join(state, "sessions.log"), filepath.Join(state, "revocations.log")
	login := func(user string) (*demoClient, string) {
		d := newDemoClient(t, base)
		if status, v := d.do("POST", "/login", "application/x-www-form-urlencoded", "user="+user); status != 200 {
			t.Fatalf("login as %s: %d %v", user, status, v)
		}
		return d, sessionCookie(t, d)
	}
	a, tokA := login("ann")
	b, tokB := login("ann")
	bob, tokBob := login("bob")
	idA, idB := ownSessionID(t, a), ownSessionID(t, b)

	// list runs sessions list --json, in a process of its own unless
	// inProcess.
	list := func(inProcess bool, args ...string) []listedSession {
		t.Helper()
		args = append([]string{"sessions", "list", "--subject", "ann", "--registry", reg, "--json"}, args...)
		run := runMain
		if inProcess {
			run = func(t *testing.T, args ...string) (int, string, string) { return runCLI(t, state, args...) }
		}
		status, out, errOut := run(t, args...)
		if status != 0 {
			t.Fatalf("sessions list: exit status %d\n%s%s", status, out, errOut)
		}
		return parseListed(t, out)
	}
	got := list(false, "--revocations", revs)
	if len(got) != 2 || !hasIDs(got, idA, idB) {
		t.Fatalf("sessions list: %+v, want ann's two sessions %s and %s", got, idA, idB)
	}
	for _, s := range got {
		if s.Labels["device"] == "" || s.Labels["ip"] != "127.0.0.0/24" || s.Expires.Sub(s.Created) != cookie.DefaultAbsoluteTimeout || s.LastSeen.Before(s.Created) {
			t.Errorf("listed session %+v: want a device label, the network 127.0.0.0/24 and a 12h lifetime", s)
		}
	}
	// The table: a header and a row each, nothing secret.
	status, out, errOut := runCLI(t, state, "sessions", "list", "--subject", "ann", "--registry", "sessions.log", "--revocations", "revocations.log")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); status != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "ID ") ||
		!strings.Contains(out, idA) || !strings.Contains(out, "device=Go HTTP client, ip=127.0.0.0/24") || errOut != "" {
		t.Fatalf("sessions list (table): exit status %d\n%s%s", status, out, errOut)
	}
	if strings.Contains(out, tokA) || strings.Contains(out, tokB) {
		t.Fatalf("sessions list prints a token:\n%s", out)
	}

	// An ID that is not one of ann's sessions: bob's, and a made-up one.
	idBob := ownSessionID(t, bob)
	for _, id := range []string{idBob, strings.Repeat("0f", 16)} {
		status, out, errOut := runMain(t, "sessions", "revoke", "--subject", "ann", "--registry", reg, "--revocations", revs, id)
		if status != exitFailure || out != "" || !strings.Contains(errOut, "is not one of the registered sessions of subject \"ann\": nothing was revoked") {
			t.Fatalf("sessions revoke of %s for ann: exit status %d\n%s%s", id, status, out, errOut)
		}
	}
	time.Sleep(500 * time.Millisecond) // twice the demo's polling of the revocation file
	for name, tok := range map[string]string{"ann's first": tokA, "ann's second": tokB, "bob's": tokBob} {
		if status, err := statusWith(base, tok); status != 200 {
			t.Fatalf("%s session after refused revocations: %d %v", name, status, err)
		}
	}

	// Revoke ann's second session.
	status, out, errOut = runMain(t, "sessions", "revoke", "--subject", "ann", "--registry", reg, "--revocations", revs, strings.ToUpper(idB))
	exited := time.Now()
	if status != 0 || !strings.HasPrefix(out, "revoked session "+idB+` of subject "ann" until `) {
		t.Fatalf("sessions revoke: exit status %d\n%s%s", status, out, errOut)
	}
	waitFor(t, time.Second, "the demo to refuse the session revoked by `sessionctl sessions revoke` (401)", func() (bool, error) {
		status, err := statusWith(base, tokB)
		return status == 401, fmt.Errorf("GET /session answers %d (%v)", status, err)
	})
	t.Logf("the demo refused the session %v after sessions revoke exited", time.Since(exited).Round(time.Millisecond))
	if status, err := statusWith(base, tokA); status != 200 {
		t.Fatalf("ann's other session after the revocation: %d %v", status, err)
	}
	if got := list(false, "--revocations", revs); len(got) != 1 || got[0].ID != idA {
		t.Fatalf("sessions list after the revocation: %+v, want %s only", got, idA)
	}
	if got := a.sessions(); len(got) != 1 || got[0].ID != idA {
		t.Fatalf("GET /sessions after the revocation: %+v, want %s only", got, idA)
	}
	// Revoking it again: it is still in the file until the demo drops it,
	// which it does when it lists (above), within half a second.
	waitFor(t, 3*time.Second, "the demo to drop the revoked session from its registry file", func() (bool, error) {
		got := list(true)
		return len(got) == 1, fmt.Errorf("listed without --revocations: %+v", got)
	})
	if strings.Contains(stderr.String(), "locked") {
		t.Errorf("the demo's log mentions a lock: %s", stderr)
	}
}

func hasIDs(list []listedSession, ids ...string) bool {
	for _, id := range ids {
		found := false
		for _, s := range list {
			found = found || s.ID == id
		}
		if !found {
			return false
		}
	}
	return true
}

// TestSessionsOnRedis lists and revokes with only --revocations redis://…:
// the registry is on the same Redis. The sessions are created by a store
// of this process using that Redis, as an application's instance does.
func TestSessionsOnRedis(t *testing.T) {
	addr := startRedisServer(t)
	dir := t.TempDir()
	spec := "redis://" + addr + "/0?prefix=cli:"
	ctx := context.Background()
	o, err := redisset.ParseSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	o.NoOutbox = true
	o.Logger = slog.New(slog.DiscardHandler)
	set, err := redisset.New(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	reg, err := redisset.NewRegistry(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	key, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(key)
	store, err := cookie.New(cookie.Options{Keys: ring, Revocations: set, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var toks []string
	for _, device := range []string{"Firefox on Linux", "Safari on iOS"} {
		tok, err := store.Create(ctx, cookie.CreateOptions{Subject: "ann", Labels: map[string]string{"device": device}})
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, tok)
	}
	list := func() []listedSession {
		t.Helper()
		status, out, errOut := runCLI(t, dir, "sessions", "list", "--subject", "ann", "--revocations", spec, "--json")
		if status != 0 {
			t.Fatalf("sessions list --revocations redis://…: exit status %d\n%s%s", status, out, errOut)
		}
		return parseListed(t, out)
	}
	got := list()
	if len(got) != 2 || got[0].Labels["device"] == "" || got[1].Labels["device"] == "" {
		t.Fatalf("sessions list on Redis: %+v, want ann's two sessions", got)
	}
	rec, err := store.Read(ctx, toks[1])
	if err != nil {
		t.Fatal(err)
	}
	status, out, errOut := runCLI(t, dir, "sessions", "revoke", "--subject", "ann", "--revocations", spec, "--json", rec.ID().String())
	var rev struct {
		Revoked   string    `json:"revoked"`
		SessionID string    `json:"session_id"`
		Subject   string    `json:"subject"`
		Until     time.Time `json:"until"`
	}
	if err := json.Unmarshal([]byte(out), &rev); status != 0 || err != nil || rev.Revoked != "session" || rev.SessionID != rec.ID().String() || rev.Subject != "ann" ||
		!rev.Until.Equal(rec.Expires().Add(cookie.DefaultSkew)) {
		t.Fatalf("sessions revoke --json on Redis: exit status %d, %v\n%s%s", status, err, out, errOut)
	}
	if _, err := store.Read(ctx, toks[1]); err == nil {
		t.Fatal("the revoked session still reads")
	}
	if _, err := store.Read(ctx, toks[0]); err != nil {
		t.Fatalf("the other session: %v", err)
	}
	// The Redis registry is writable: the entry is gone at once, revocation
	// set or not.
	if entries, err := reg.List(ctx, "ann", time.Now()); err != nil || len(entries) != 1 {
		t.Fatalf("registry after sessions revoke: %d entries, %v; want 1", len(entries), err)
	}
	if got := list(); len(got) != 1 {
		t.Fatalf("sessions list after the revocation: %+v", got)
	}
	// An explicit --registry with a password that Redis refuses: never
	// echoed.
	status, out, errOut = runCLI(t, dir, "sessions", "list", "--subject", "ann", "--registry", "redis://u:hunter2@"+addr+"/0")
	if status != exitFailure || strings.Contains(out+errOut, "hunter2") || !strings.Contains(errOut, "hint: check that Redis runs") {
		t.Fatalf("a refused password: exit status %d\n%s%s", status, out, errOut)
	}
}

// TestSessionsFileRegistry runs the sessions commands on a registry file
// an application of this process writes: a subject without sessions lists
// none (a header, or []); revoking an ID that is not the subject's fails
// and leaves the revocation file as it was; a revocation file that does not
// exist is not created.
func TestSessionsFileRegistry(t *testing.T) {
	dir := t.TempDir()
	reg, err := registry.NewLocal(registry.LocalOptions{Path: filepath.Join(dir, "sessions.log"), PruneInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	now := time.Now()
	id := registry.ID{1, 2, 3}
	if _, err := reg.Add(context.Background(), registry.Entry{
		ID: id, Subject: "bob", Created: now, LastSeen: now, Expires: now.Add(time.Hour),
		Labels: map[string]string{"device": "\x1b[2Jevil"},
	}, now); err != nil {
		t.Fatal(err)
	}
	if status, out, errOut := runCLI(t, dir, "sessions", "list", "--subject", "ann", "--registry", "sessions.log"); status != 0 || out != "ID  CREATED  LAST_SEEN  EXPIRES  LABELS\n" || errOut != "" {
		t.Fatalf("an empty list: exit status %d\n%q%s", status, out, errOut)
	}
	if status, out, errOut := runCLI(t, dir, "sessions", "list", "--subject", "ann", "--registry", "sessions.log", "--json"); status != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("an empty list --json: exit status %d\n%q%s", status, out, errOut)
	}
	// A label is made printable: it may come from a client.
	status, out, errOut := runCLI(t, dir, "sessions", "list", "--subject", "bob", "--registry", "sessions.log")
	if status != 0 || strings.Contains(out, "\x1b") || !strings.Contains(out, `device="\x1b[2Jevil"`) || !strings.Contains(out, cookie.SessionID(id).String()) {
		t.Fatalf("bob's list: exit status %d\n%q%s", status, out, errOut)
	}
	// The idle timeout leaves out a session whose last token is older.
	if status, out, _ := runCLI(t, dir, "sessions", "list", "--subject", "bob", "--registry", "sessions.log", "--idle-timeout", "1h", "--json"); status != 0 || strings.TrimSpace(out) == "[]" {
		t.Fatalf("--idle-timeout 1h right after the sign-in: exit status %d %s", status, out)
	}
	time.Sleep(time.Until(now.Truncate(time.Second).Add(2 * time.Second)))
	if status, out, _ := runCLI(t, dir, "sessions", "list", "--subject", "bob", "--registry", "sessions.log", "--idle-timeout", "1s", "--json"); status != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("--idle-timeout 1s two seconds after the sign-in: exit status %d %s", status, out)
	}

	// Revoking: the revocation file must exist.
	status, _, errOut = runCLI(t, dir, "sessions", "revoke", "--subject", "bob", "--registry", "sessions.log", "--revocations", "revoked.log", cookie.SessionID(id).String())
	if status != exitFailure || !strings.Contains(errOut, "revocation file revoked.log does not exist") {
		t.Fatalf("revoking into a missing revocation file: exit status %d\n%s", status, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "revoked.log")); err == nil {
		t.Fatal("sessions revoke created the revocation file")
	}
	if status, _, errOut := runCLI(t, dir, "revoke", "--revocations", "revoked.log", "--subject", "zed"); status != 0 {
		t.Fatal(errOut)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "revoked.log"))
	// bob's ID for ann: refused, nothing changed.
	status, out, errOut = runCLI(t, dir, "sessions", "revoke", "--subject", "ann", "--registry", "sessions.log", "--revocations", "revoked.log", cookie.SessionID(id).String())
	if status != exitFailure || out != "" || !strings.Contains(errOut, "nothing was revoked") || !strings.Contains(errOut, "hint: list the subject's sessions") {
		t.Fatalf("revoking bob's session as ann's: exit status %d\n%s%s", status, out, errOut)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "revoked.log")); string(after) != string(before) {
		t.Fatal("a refused sessions revoke changed the revocation file")
	}
	// bob's own: revoked; the registry file is the application's, so the
	// entry stays until the application lists bob's sessions.
	status, out, errOut = runCLI(t, dir, "sessions", "revoke", "--subject", "bob", "--registry", "sessions.log", "--revocations", "revoked.log", cookie.SessionID(id).String())
	if status != 0 || !strings.HasPrefix(out, "revoked session ") {
		t.Fatalf("revoking bob's session: exit status %d\n%s%s", status, out, errOut)
	}
	if entries, err := reg.List(context.Background(), "bob", time.Now()); err != nil || len(entries) != 1 {
		t.Fatalf("the application's registry after sessions revoke: %d entries, %v", len(entries), err)
	}
	if status, out, _ := runCLI(t, dir, "sessions", "list", "--subject", "bob", "--registry", "sessions.log", "--revocations", "revoked.log", "--json"); status != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("bob's list after the revocation: exit status %d %s", status, out)
	}
}
