package middleware_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
)

// sessionLogHandler is a slog handler that reads the request's session, as
// a handler adding the user to every record would.
type sessionLogHandler struct{ slog.Handler }

func (h sessionLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if s, ok := middleware.FromContext(ctx); ok {
		r.AddAttrs(slog.String("user", s.Subject()))
	}
	return h.Handler.Handle(ctx, r)
}

// TestHookAndLoggerMayUseTheSession: reports are made outside the
// session's lock, so a hook or a log handler that reads the session does
// not deadlock.
func TestHookAndLoggerMayUseTheSession(t *testing.T) {
	store := newStore(t, cookie.Options{})
	m, err := middleware.New(middleware.Options{
		Store:   store,
		Logger:  slog.New(sessionLogHandler{slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug})}),
		OnError: func(r *http.Request, err error) { middleware.From(r).Subject() },
	})
	if err != nil {
		t.Fatal(err)
	}
	jar := cookiePairs(t, serve(m, set("k", "v")))
	big := cookiePairs(t, serve(m, set("big", incompressible(3500))))
	done := make(chan struct{})
	go func() {
		defer close(done)
		serve(m, get("k"), jar[0], jar[0])                      // duplicate
		serve(m, get("k"), big[1])                              // orphan chunk
		serve(m, get("k"), "session=garbage")                   // rejected
		serve(m, set2("big", incompressible(7000)), jar...)     // not saved
		serve(m, func(w http.ResponseWriter, r *http.Request) { // late
			w.Write(nil)
			middleware.From(r).Set("k", "late")
		}, jar...)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("deadlock: a hook or log handler using the session never returned")
	}
}

func TestDuplicateCookieLogout(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	real := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Login("ann") }))
	other := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Login("ann") }))
	planted := cookiePairs(t, serve(m, set("k", "attacker")))
	// Logout with a tossed cookie beside the real one still revokes the
	// real session.
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		if err := middleware.From(r).Destroy(); err != nil {
			t.Error(err)
		}
	}, planted[0], real[0])
	if got := serve(m, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(middleware.From(r).Subject())) }, real...).Body.String(); got != "" {
		t.Fatalf("session survived a logout with a tossed cookie: %q", got)
	}
	// Logout everywhere, likewise.
	time.Sleep(1100 * time.Millisecond)
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		if err := middleware.From(r).DestroyAll(); err != nil {
			t.Error(err)
		}
	}, planted[0], cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Login("ann") }))[0])
	if got := serve(m, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(middleware.From(r).Subject())) }, other...).Body.String(); got != "" {
		t.Fatalf("other device survived logout everywhere with a tossed cookie: %q", got)
	}
}

func TestLoginAsAnotherUserStartsClean(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	ann := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		s.Login("ann")
		s.Set("token", "ann-secret")
	}))
	bob := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) {
		if err := middleware.From(r).Login("bob"); err != nil {
			t.Error(err)
		}
	}, ann...))
	if got := serve(m, get("token"), bob...).Body.String(); got != "-" {
		t.Fatalf("bob's session holds ann's data: %q", got)
	}
	if got := serve(m, get("token"), ann...).Body.String(); got != "-" {
		t.Fatalf("ann's session survived another user's login: %q", got)
	}
	// The same user logging in again keeps the data (a new ID all the same).
	carol := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		s.Set("cart", "3 items")
		s.Login("carol")
	}))
	again := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Login("carol") }, carol...))
	if got := serve(m, get("cart"), again...).Body.String(); got != "3 items" {
		t.Fatalf("re-login lost the data: %q", got)
	}
}

func TestFailClosedDoesNotReplaceTheSession(t *testing.T) {
	set := newFlakySet(t)
	m, _ := newManager(t, middleware.Options{Store: newStore(t, cookie.Options{Revocations: set})})
	jar := cookiePairs(t, serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		s.Login("ann")
		s.Set("cart", "3 items")
	}))
	set.down.Store(true)
	rec := serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		if err := s.Set("csrf", "x"); !errors.Is(err, cookie.ErrUnavailable) {
			t.Errorf("Set during an outage: %v", err)
		}
		if err := s.Err(); !errors.Is(err, cookie.ErrUnavailable) {
			t.Errorf("Err: %v", err)
		}
		if err := s.DestroyAll(); !errors.Is(err, cookie.ErrUnavailable) {
			t.Errorf("DestroyAll during an outage: %v", err)
		}
	}, jar...)
	if len(setCookies(rec)) != 0 {
		t.Fatalf("the session was replaced during an outage: %q", setCookies(rec))
	}
	set.down.Store(false)
	if got := serve(m, get("cart"), jar...).Body.String(); got != "3 items" {
		t.Fatalf("after the outage: %q", got)
	}
	// Login still works during an outage: a new session.
	set.down.Store(true)
	rec = serve(m, func(w http.ResponseWriter, r *http.Request) {
		if err := middleware.From(r).Login("ann"); err != nil {
			t.Errorf("Login during an outage: %v", err)
		}
	}, jar...)
	if len(setCookies(rec)) != 1 {
		t.Fatalf("login during an outage: %q", setCookies(rec))
	}
}

func TestFirstUseAfterHeadersReported(t *testing.T) {
	m, l := newManager(t, middleware.Options{Store: newStore(t, cookie.Options{ReissueAfter: -1})})
	jar := cookiePairs(t, serve(m, set("k", "v")))
	rec := serve(m, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		get("k")(w, r) // a touch is due on every request: it is lost
	}, jar...)
	if rec.Body.String() != "v" {
		t.Fatal(rec.Body)
	}
	if h := l.hooked(); len(h) != 1 || !errors.Is(h[0], middleware.ErrHeadersWritten) {
		t.Fatalf("hook %v", h)
	}
}

func TestSetMetaRefusesBadValues(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	rec := serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		s.Set("k", "v")
		if err := s.SetMeta("ua", strings.Repeat("x", 300)); !errors.Is(err, cookie.ErrBadRecord) {
			t.Errorf("SetMeta of 300 bytes: %v", err)
		}
	})
	if got := serve(m, get("k"), cookiePairs(t, rec)...).Body.String(); got != "v" {
		t.Fatalf("a refused SetMeta lost the request's other changes: %q", got)
	}
}

func TestCommitForUpgrades(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	rec := serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		s.Set("ws", "open")
		lines, err := s.Commit()
		if err != nil || len(lines) != 1 || !strings.HasPrefix(lines[0], "session=") {
			t.Errorf("Commit: %q %v", lines, err)
		}
		if again, _ := s.Commit(); len(again) != 1 {
			t.Errorf("second Commit: %q", again)
		}
		if err := s.Set("ws", "late"); !errors.Is(err, middleware.ErrHeadersWritten) {
			t.Errorf("Set after Commit: %v", err)
		}
	})
	if len(setCookies(rec)) != 1 {
		t.Fatalf("Set-Cookie after Commit: %q", setCookies(rec))
	}
}

func TestUnsupportedHijackAndFlushDoNotCommit(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	var plain struct{ http.ResponseWriter } // no Flusher, no Hijacker
	rec := httptest.NewRecorder()
	plain.ResponseWriter = struct{ http.ResponseWriter }{rec}
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, err := http.NewResponseController(w).Hijack(); !errors.Is(err, http.ErrNotSupported) {
			t.Errorf("Hijack: %v", err)
		}
		if err := http.NewResponseController(w).Flush(); !errors.Is(err, http.ErrNotSupported) {
			t.Errorf("Flush: %v", err)
		}
		if err := middleware.From(r).Set("k", "v"); err != nil {
			t.Errorf("Set after a failed hijack: %v", err)
		}
		// io.Copy from a plain reader goes through ReadFrom: committed.
		io.Copy(w, io.LimitReader(strings.NewReader("body"), 4))
		if err := middleware.From(r).Set("k", "w"); !errors.Is(err, middleware.ErrHeadersWritten) {
			t.Errorf("Set after io.Copy: %v", err)
		}
	})).ServeHTTP(plain, httpRequest())
	if len(rec.Result().Header.Values("Set-Cookie")) != 1 || rec.Body.String() != "body" {
		t.Fatalf("%q %q", rec.Result().Header.Values("Set-Cookie"), rec.Body)
	}
}

func TestMountedTwice(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	h := m.Handler(m.Handler(set("k", "v")))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httpRequest())
	if sc := rec.Result().Header.Values("Set-Cookie"); len(sc) != 1 {
		t.Fatalf("nested middleware: %q", sc)
	}
}

func TestCookieParsingEdges(t *testing.T) {
	m, l := newManager(t, middleware.Options{})
	jar := cookiePairs(t, serve(m, set("k", "v")))
	// 257 copies do not wrap a counter into "one".
	many := make([]string, 257)
	for i := range many {
		many[i] = jar[0]
	}
	if got := serve(m, get("k"), many...).Body.String(); got != "-" || m.Stats().Duplicate != 1 {
		t.Fatalf("257 copies: %q %+v", got, m.Stats())
	}
	// A non-canonical chunk name is another cookie.
	big := cookiePairs(t, serve(m, set("big", incompressible(3500))))
	_, v, _ := strings.Cut(big[1], "=")
	if got := serve(m, get("big"), big[0], "session.+1="+v).Body.String(); got != "-" {
		t.Fatal("session.+1 read as chunk 1")
	}
	// An empty first cookie beside an orphan chunk: both cleared.
	sc := setCookies(serve(m, get("k"), "session=", big[1]))
	if len(sc) != 2 || !strings.HasPrefix(sc[0], "session=;") || !strings.HasPrefix(sc[1], "session.1=;") {
		t.Fatalf("empty cookie and orphan: %q", sc)
	}
	// A leftover chunk beside a one-cookie session is cleared on a read.
	rec := serve(m, get("k"), jar[0], big[1])
	if sc := setCookies(rec); rec.Body.String() != "v" || len(sc) != 1 || !strings.HasPrefix(sc[0], "session.1=;") {
		t.Fatalf("leftover chunk: %q %q", rec.Body, sc)
	}
	_ = l
}

func TestHandlerPanicWritesNoCookie(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	rec := httptest.NewRecorder()
	func() {
		defer func() { recover() }()
		m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			middleware.From(r).Set("k", "v")
			panic("boom")
		})).ServeHTTP(rec, httpRequest())
	}()
	if len(rec.Result().Header.Values("Set-Cookie")) != 0 {
		t.Fatal("a panicking handler's session was written")
	}
}
