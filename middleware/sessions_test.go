package middleware_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
	"github.com/crumbhq/crumb/registry"
)

// newRegistry returns an in-memory session registry, closed when the test
// ends.
func newRegistry(t testing.TB) *registry.Local {
	t.Helper()
	reg, err := registry.NewLocal(registry.LocalOptions{PruneInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	return reg
}

// labelCalls is an Options.Labels that labels a session with the
// request's User-Agent as its device, counting its calls.
type labelCalls struct{ n atomic.Int64 }

func (l *labelCalls) labels(r *http.Request) map[string]string {
	l.n.Add(1)
	return map[string]string{"device": r.UserAgent()}
}

// newRegistryManager returns a middleware over a store with a session
// registry, labelling sessions with their device, and the label counter.
func newRegistryManager(t *testing.T, co cookie.Options) (*middleware.Manager, *testLog, *labelCalls) {
	t.Helper()
	co.Registry = newRegistry(t)
	calls := &labelCalls{}
	m, l := newManager(t, middleware.Options{Store: newStore(t, co), Labels: calls.labels})
	return m, l, calls
}

// device is a browser of its own: a cookie jar and a User-Agent.
type device struct {
	t   *testing.T
	m   *middleware.Manager
	ua  string
	jar map[string]string
}

func newDevice(t *testing.T, m *middleware.Manager, ua string) *device {
	return &device{t: t, m: m, ua: ua, jar: map[string]string{}}
}

// do runs one request of the device through the middleware around h, and
// keeps the cookies the response sets.
func (d *device) do(h http.HandlerFunc) *httptest.ResponseRecorder {
	d.t.Helper()
	req := httptest.NewRequest("GET", "https://example.com/", nil)
	req.Header.Set("User-Agent", d.ua)
	var pairs []string
	for name, value := range d.jar {
		pairs = append(pairs, name+"="+value)
	}
	slices.Sort(pairs)
	if len(pairs) > 0 {
		req.Header.Set("Cookie", strings.Join(pairs, "; "))
	}
	rec := serveRequest(d.m, h, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(d.jar, c.Name)
		} else {
			d.jar[c.Name] = c.Value
		}
	}
	return rec
}

// login signs the device in as subject.
func (d *device) login(subject string) {
	d.t.Helper()
	var err error
	d.do(func(w http.ResponseWriter, r *http.Request) { err = middleware.From(r).Login(subject) })
	if err != nil {
		d.t.Fatalf("%s: Login(%q): %v", d.ua, subject, err)
	}
}

// subject returns whom the device's next request is signed in as.
func (d *device) subject() string {
	var subject string
	d.do(func(w http.ResponseWriter, r *http.Request) { subject = middleware.From(r).Subject() })
	return subject
}

// sessions lists the device's user's sessions.
func (d *device) sessions() ([]cookie.SessionInfo, error) {
	var (
		list []cookie.SessionInfo
		err  error
	)
	d.do(func(w http.ResponseWriter, r *http.Request) { list, err = middleware.From(r).Sessions() })
	return list, err
}

// mustSessions lists the device's user's sessions, failing the test on an
// error.
func (d *device) mustSessions() []cookie.SessionInfo {
	d.t.Helper()
	list, err := d.sessions()
	if err != nil {
		d.t.Fatalf("%s: Sessions: %v", d.ua, err)
	}
	return list
}

// current returns the device's own session ID, as Sessions marks it.
func (d *device) current() cookie.SessionID {
	d.t.Helper()
	for _, s := range d.mustSessions() {
		if s.Current {
			return s.ID
		}
	}
	d.t.Fatalf("%s: no session marked current", d.ua)
	return cookie.SessionID{}
}

// revoke ends session id from the device.
func (d *device) revoke(id cookie.SessionID) (*httptest.ResponseRecorder, error) {
	var err error
	rec := d.do(func(w http.ResponseWriter, r *http.Request) { err = middleware.From(r).RevokeSession(id) })
	return rec, err
}

// devices describes a list as "device(current)" strings.
func devices(list []cookie.SessionInfo) []string {
	var out []string
	for _, s := range list {
		d := s.Labels["device"]
		if s.Current {
			d += "(current)"
		}
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

func TestSessionsListAndRevokeOne(t *testing.T) {
	m, l, _ := newRegistryManager(t, cookie.Options{})
	phone, laptop := newDevice(t, m, "phone"), newDevice(t, m, "laptop")
	phone.login("ann")
	laptop.login("ann")

	list := phone.mustSessions()
	if got, want := devices(list), []string{"laptop", "phone(current)"}; !slices.Equal(got, want) {
		t.Fatalf("the phone lists %v, want %v", got, want)
	}
	for _, s := range list {
		if s.Created.IsZero() || s.LastSeen.Before(s.Created) || !s.Expires.After(s.LastSeen) {
			t.Errorf("session %s: created %v, last seen %v, expires %v", s.Labels["device"], s.Created, s.LastSeen, s.Expires)
		}
	}
	if got, want := devices(laptop.mustSessions()), []string{"laptop(current)", "phone"}; !slices.Equal(got, want) {
		t.Fatalf("the laptop lists %v, want %v", got, want)
	}

	// The phone signs the laptop out.
	laptopID := laptop.current()
	phoneCookies := fmt.Sprint(phone.jar)
	rec, err := phone.revoke(laptopID)
	if err != nil {
		t.Fatalf("RevokeSession(laptop): %v", err)
	}
	if lines := setCookies(rec); len(lines) != 0 {
		t.Errorf("ending another session rewrote the phone's cookie: %q", lines)
	}
	if got := laptop.subject(); got != "" {
		t.Errorf("the laptop's next request is signed in as %q, want anonymous", got)
	}
	if got := phone.subject(); got != "ann" {
		t.Errorf("the phone's next request is signed in as %q, want ann", got)
	}
	if got := fmt.Sprint(phone.jar); got != phoneCookies {
		t.Errorf("the phone's cookie changed")
	}
	if got, want := devices(phone.mustSessions()), []string{"phone(current)"}; !slices.Equal(got, want) {
		t.Errorf("after the revocation the phone lists %v, want %v", got, want)
	}
	// Twice: the ID is no longer one of ann's sessions.
	if _, err := phone.revoke(laptopID); !errors.Is(err, cookie.ErrNoSuchSession) {
		t.Errorf("RevokeSession(laptop) again: %v, want ErrNoSuchSession", err)
	}
	if errs := l.hooked(); len(errs) != 0 {
		t.Errorf("error hook: %v", errs)
	}
}

func TestSessionsRevokeOtherUsersSession(t *testing.T) {
	m, l, _ := newRegistryManager(t, cookie.Options{})
	ann, bob := newDevice(t, m, "ann's phone"), newDevice(t, m, "bob's phone")
	ann.login("ann")
	bob.login("bob")
	bobID := bob.current()

	for _, id := range []cookie.SessionID{bobID, {1, 2, 3}} {
		rec, err := ann.revoke(id)
		if !errors.Is(err, cookie.ErrNoSuchSession) {
			t.Errorf("ann ends %s: %v, want ErrNoSuchSession", id, err)
		}
		if cookie.HTTPStatus(err) != http.StatusNotFound {
			t.Errorf("ann ends %s: status %d, want 404", id, cookie.HTTPStatus(err))
		}
		if lines := setCookies(rec); len(lines) != 0 {
			t.Errorf("a refused revocation set cookies: %q", lines)
		}
	}
	if got := bob.subject(); got != "bob" {
		t.Errorf("bob's next request is signed in as %q, want bob", got)
	}
	if got, want := devices(bob.mustSessions()), []string{"bob's phone(current)"}; !slices.Equal(got, want) {
		t.Errorf("bob lists %v, want %v", got, want)
	}
	if got := ann.subject(); got != "ann" {
		t.Errorf("ann's next request is signed in as %q, want ann", got)
	}
	if errs := l.hooked(); len(errs) != 0 {
		t.Errorf("a refused ID went to the error hook: %v", errs)
	}
}

func TestSessionsRevokeOthers(t *testing.T) {
	m, _, _ := newRegistryManager(t, cookie.Options{})
	a, b, c := newDevice(t, m, "a"), newDevice(t, m, "b"), newDevice(t, m, "c")
	for _, d := range []*device{a, b, c} {
		d.login("ann")
	}
	bob := newDevice(t, m, "bob")
	bob.login("bob")
	if n := len(b.mustSessions()); n != 3 {
		t.Fatalf("b lists %d sessions, want 3", n)
	}
	var err error
	rec := b.do(func(w http.ResponseWriter, r *http.Request) { err = middleware.From(r).RevokeOtherSessions() })
	if err != nil {
		t.Fatalf("RevokeOtherSessions: %v", err)
	}
	if lines := setCookies(rec); len(lines) != 0 {
		t.Errorf("RevokeOtherSessions rewrote the cookie: %q", lines)
	}
	for _, d := range []*device{a, c} {
		if got := d.subject(); got != "" {
			t.Errorf("%s is still signed in as %q", d.ua, got)
		}
	}
	if got := b.subject(); got != "ann" {
		t.Errorf("b is signed in as %q, want ann", got)
	}
	if got, want := devices(b.mustSessions()), []string{"b(current)"}; !slices.Equal(got, want) {
		t.Errorf("b lists %v, want %v", got, want)
	}
	if got := bob.subject(); got != "bob" {
		t.Errorf("another user's session was ended: bob is %q", got)
	}
}

func TestSessionsLogoutRemovesEntry(t *testing.T) {
	m, _, _ := newRegistryManager(t, cookie.Options{})
	phone, laptop, tablet := newDevice(t, m, "phone"), newDevice(t, m, "laptop"), newDevice(t, m, "tablet")
	for _, d := range []*device{phone, laptop, tablet} {
		d.login("ann")
	}
	// A logout.
	var err error
	laptop.do(func(w http.ResponseWriter, r *http.Request) { err = middleware.From(r).Destroy() })
	if err != nil {
		t.Fatal(err)
	}
	if got, want := devices(phone.mustSessions()), []string{"phone(current)", "tablet"}; !slices.Equal(got, want) {
		t.Errorf("after the laptop's logout the phone lists %v, want %v", got, want)
	}
	// Ending one's own session by ID is a logout: the cookie goes.
	rec, err := tablet.revoke(tablet.current())
	if err != nil {
		t.Fatalf("RevokeSession(own): %v", err)
	}
	if lines := setCookies(rec); len(lines) != 1 || !strings.Contains(lines[0], "Max-Age=0") {
		t.Errorf("ending the own session: Set-Cookie %q, want the cookie deleted", lines)
	}
	if len(tablet.jar) != 0 {
		t.Errorf("the tablet still has cookies %v", tablet.jar)
	}
	if got, want := devices(phone.mustSessions()), []string{"phone(current)"}; !slices.Equal(got, want) {
		t.Errorf("after the tablet's logout the phone lists %v, want %v", got, want)
	}
}

func TestSessionsLoginAfterAnonymous(t *testing.T) {
	m, _, calls := newRegistryManager(t, cookie.Options{})
	d := newDevice(t, m, "phone")
	d.do(set("cart", "apples"))
	if len(d.jar) == 0 {
		t.Fatal("no anonymous session")
	}
	if n := calls.n.Load(); n != 0 {
		t.Errorf("Labels called %d times for an anonymous session", n)
	}
	if _, err := d.sessions(); !errors.Is(err, middleware.ErrNoSubject) {
		t.Errorf("anonymous Sessions: %v, want ErrNoSubject", err)
	}
	// Signing in and listing in the same request.
	var (
		list []cookie.SessionInfo
		err  error
	)
	d.do(func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		if err = s.Login("ann"); err == nil {
			list, err = s.Sessions()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := devices(list), []string{"phone(current)"}; !slices.Equal(got, want) {
		t.Errorf("in the sign-in request: %v, want %v", got, want)
	}
	if got, want := devices(d.mustSessions()), []string{"phone(current)"}; !slices.Equal(got, want) {
		t.Errorf("after sign-in: %v, want %v", got, want)
	}
	if got := d.do(get("cart")).Body.String(); got != "apples" {
		t.Errorf("the cart after sign-in: %q", got)
	}
	if n := calls.n.Load(); n != 1 {
		t.Errorf("Labels called %d times, want 1 (the sign-in)", n)
	}
}

func TestSessionsRenew(t *testing.T) {
	m, _, _ := newRegistryManager(t, cookie.Options{})
	d, other := newDevice(t, m, "phone"), newDevice(t, m, "laptop")
	d.login("ann")
	other.login("ann")
	before := d.current()
	d.ua = "phone, renewed"
	var err error
	d.do(func(w http.ResponseWriter, r *http.Request) { err = middleware.From(r).Renew() })
	if err != nil {
		t.Fatal(err)
	}
	list := d.mustSessions()
	if got, want := devices(list), []string{"laptop", "phone, renewed(current)"}; !slices.Equal(got, want) {
		t.Fatalf("after Renew: %v, want %v", got, want)
	}
	for _, s := range list {
		if s.ID == before {
			t.Errorf("the renewed session's old ID is still listed")
		}
	}
	if _, err := other.revoke(before); !errors.Is(err, cookie.ErrNoSuchSession) {
		t.Errorf("ending the old ID: %v, want ErrNoSuchSession", err)
	}
	if got := d.subject(); got != "ann" {
		t.Errorf("after Renew: signed in as %q", got)
	}
}

func TestSessionsAnonymous(t *testing.T) {
	m, _, _ := newRegistryManager(t, cookie.Options{})
	d := newDevice(t, m, "phone")
	var errs [3]error
	d.do(func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		_, errs[0] = s.Sessions()
		errs[1] = s.RevokeSession(cookie.SessionID{1})
		errs[2] = s.RevokeOtherSessions()
	})
	for i, err := range errs {
		if !errors.Is(err, middleware.ErrNoSubject) {
			t.Errorf("call %d without a session: %v, want ErrNoSubject", i, err)
		}
	}
}

func TestSessionsNoRegistry(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	d := newDevice(t, m, "phone")
	d.login("ann")
	if _, err := d.sessions(); !errors.Is(err, cookie.ErrNoRegistry) {
		t.Errorf("Sessions without a registry: %v, want ErrNoRegistry", err)
	}
}

func TestSessionsLabelsOnlyWhenWritten(t *testing.T) {
	m, _, calls := newRegistryManager(t, cookie.Options{})
	d := newDevice(t, m, "phone")
	d.login("ann")
	if n := calls.n.Load(); n != 1 {
		t.Fatalf("Labels called %d times by a sign-in, want 1", n)
	}
	for range 5 {
		if got := d.do(get("cart")); len(setCookies(got)) != 0 {
			t.Fatalf("a read wrote the cookie: %q", setCookies(got))
		}
	}
	d.mustSessions()
	d.do(func(w http.ResponseWriter, r *http.Request) {}) // the session unused
	if n := calls.n.Load(); n != 1 {
		t.Errorf("Labels called %d times after reads, want 1", n)
	}
	// A change reissues the token: the registry gets the labels of now.
	d.ua = "phone, updated"
	d.do(set("cart", "pears"))
	if n := calls.n.Load(); n != 2 {
		t.Errorf("Labels called %d times after a change, want 2", n)
	}
	if got, want := devices(d.mustSessions()), []string{"phone, updated(current)"}; !slices.Equal(got, want) {
		t.Errorf("after the change: %v, want %v", got, want)
	}
}

func TestSessionsLabelsOnTouch(t *testing.T) {
	// Every request that uses the session reissues its token.
	m, _, calls := newRegistryManager(t, cookie.Options{ReissueAfter: -1})
	d := newDevice(t, m, "phone")
	d.login("ann")
	d.ua = "phone, touched"
	if rec := d.do(get("cart")); len(setCookies(rec)) != 1 {
		t.Fatalf("the touch wrote %q", setCookies(rec))
	}
	if n := calls.n.Load(); n != 2 {
		t.Errorf("Labels called %d times, want 2 (sign-in, touch)", n)
	}
	if got, want := devices(d.mustSessions()), []string{"phone, touched(current)"}; !slices.Equal(got, want) {
		t.Errorf("after the touch: %v, want %v", got, want)
	}
}

func TestSessionsInvalidLabels(t *testing.T) {
	const secret = "do-not-log-this-label-value"
	reg := newRegistry(t)
	bad := map[string]string{"device": strings.Repeat(secret, 10)} // over 128 bytes
	m, l := newManager(t, middleware.Options{
		Store:  newStore(t, cookie.Options{Registry: reg}),
		Labels: func(*http.Request) map[string]string { return bad },
	})
	d := newDevice(t, m, "phone")
	d.login("ann")
	if got := d.subject(); got != "ann" {
		t.Fatalf("signed in as %q: the session was not saved", got)
	}
	list := d.mustSessions()
	if len(list) != 1 || !list[0].Current || len(list[0].Labels) != 0 {
		t.Errorf("listed %+v, want the session without labels", list)
	}
	errs := l.hooked()
	if len(errs) != 1 || !errors.Is(errs[0], cookie.ErrBadRecord) || !errors.Is(errs[0], registry.ErrBadEntry) {
		t.Fatalf("error hook: %v, want one bad labels error", errs)
	}
	if strings.Contains(errs[0].Error(), secret) || strings.Contains(l.String(), secret) {
		t.Errorf("a label's value was reported: %v\n%s", errs[0], l.String())
	}
	// Too many labels, on a reissue.
	bad = map[string]string{}
	for i := range registry.MaxLabels + 1 {
		bad[fmt.Sprint("k", i)] = "v"
	}
	if rec := d.do(set("cart", "plums")); len(setCookies(rec)) != 1 {
		t.Errorf("the change was not saved: %q", setCookies(rec))
	}
	if errs := l.hooked(); len(errs) != 2 || !errors.Is(errs[1], registry.ErrBadEntry) {
		t.Errorf("error hook: %v, want a second bad labels error", errs)
	}
}

// TestSessionsLabelsReadSession checks that Labels can read the request's
// session (it is called without the lock), in every path that calls it,
// and that Commit waits for a commit that is calling it.
func TestSessionsLabelsReadSession(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	m, _ := newManager(t, middleware.Options{
		Store: newStore(t, cookie.Options{Registry: newRegistry(t)}),
		Labels: func(r *http.Request) map[string]string {
			s := middleware.From(r)
			theme, _ := middleware.Get[string](s, "theme")
			if r.URL.Query().Has("block") {
				entered <- struct{}{}
				select {
				case <-release:
				case <-time.After(10 * time.Second):
				}
			}
			return map[string]string{"theme": theme, "subject": s.Subject()}
		},
	})
	done := make(chan []string, 1)
	go func() {
		d := newDevice(t, m, "phone")
		d.do(func(w http.ResponseWriter, r *http.Request) { // Login and Save
			s := middleware.From(r)
			s.Set("theme", "dark")
			s.Login("ann")
			s.Set("theme", "light")
			s.Save()
		})
		d.do(func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Renew() })
		d.do(set("theme", "blue")) // at commit
		list, _ := d.sessions()
		done <- devicesByTheme(list)
	}()
	select {
	case got := <-done:
		if want := []string{"ann:blue"}; !slices.Equal(got, want) {
			t.Errorf("listed %v, want %v", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a request whose Labels reads the session did not finish (deadlock?)")
	}

	// A commit calling Labels, and Commit from another goroutine: Commit
	// returns the cookie the first commit writes, not before.
	d := newDevice(t, m, "phone")
	d.login("ann")
	lines := make(chan []string, 1)
	req := httptest.NewRequest("GET", "https://example.com/?block", nil)
	for name, value := range d.jar {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	go func() {
		serveRequest(m, func(w http.ResponseWriter, r *http.Request) {
			s := middleware.From(r)
			s.Set("theme", "red")
			go func() {
				<-entered
				go func() {
					time.Sleep(50 * time.Millisecond)
					close(release)
				}()
				l, _ := s.Commit()
				lines <- l
			}()
			w.Write([]byte("ok")) // commits: calls Labels, which blocks
		}, req)
	}()
	select {
	case l := <-lines:
		if len(l) != 1 {
			t.Errorf("Commit during another commit returned %q, want the session cookie", l)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Commit did not return")
	}
}

// devicesByTheme describes a list as "subject:theme" label pairs.
func devicesByTheme(list []cookie.SessionInfo) []string {
	var out []string
	for _, s := range list {
		out = append(out, s.Labels["subject"]+":"+s.Labels["theme"])
	}
	return out
}

// TestSessionsLabelsReadAllocs checks that a registry and Labels add no
// allocation to a request that reads its signed-in session unchanged
// (BenchmarkMiddleware measures the time).
func TestSessionsLabelsReadAllocs(t *testing.T) {
	read := func(w http.ResponseWriter, r *http.Request) {
		if middleware.From(r).Subject() != "ann" {
			panic("not signed in")
		}
	}
	allocs := func(m *middleware.Manager) float64 {
		d := newDevice(t, m, "phone")
		d.login("ann")
		req := httptest.NewRequest("GET", "https://example.com/", nil)
		for name, value := range d.jar {
			req.AddCookie(&http.Cookie{Name: name, Value: value})
		}
		h := m.Handler(http.HandlerFunc(read))
		w := &nopWriter{h: http.Header{}}
		return testing.AllocsPerRun(200, func() {
			h.ServeHTTP(w, req)
			clear(w.h)
		})
	}
	plain, _ := newManager(t, middleware.Options{})
	labelled, _, calls := newRegistryManager(t, cookie.Options{})
	without, with := allocs(plain), allocs(labelled)
	if with != without {
		t.Errorf("a read-unchanged request allocates %v times with a registry and Labels, %v without", with, without)
	}
	if n := calls.n.Load(); n != 1 {
		t.Errorf("Labels called %d times, want 1 (the sign-in)", n)
	}
}
