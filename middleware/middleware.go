package middleware

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/crumbhq/crumb/cookie"
)

// Manager is the session middleware for one cookie store. Build it once
// with New and mount Handler; it is safe for concurrent use.
type Manager struct {
	store       *cookie.Store
	name        string
	budget      int
	persistent  bool
	dev         bool
	failOpen    bool
	onError     func(*http.Request, error)
	legacy      LegacyReader
	labels      func(*http.Request) map[string]string // Options.Labels
	tokenHeader string                                // Options.TokenHeader, canonical; "" for none
	bearer      bool                                  // tokenHeader is Authorization
	respHeader  string                                // Options.TokenResponseHeader, canonical
	log         *slog.Logger
	scope       string // "; Path=…; Domain=…"
	flagsSecure string // "; HttpOnly; Secure; SameSite=…; Partitioned"
	flagsPlain  string // the same without Secure (dev mode on loopback)
	attrMax     int    // the longest attributes of a line carrying a value
	// loopback names the cookies of a dev-mode request to a loopback host
	// (where Secure is dropped) when the cookie name has a "__Host-" or
	// "__Secure-" prefix: a Manager holding only what naming and writing
	// cookies needs, with the prefix removed. nil otherwise.
	loopback    *Manager
	devWarn     sync.Once
	subjectless sync.Once // the hint that a logout without a subject revokes nothing
	stats       counters
	// unavailableLog rate-limits the warning that the revocation set is
	// unavailable.
	unavailableLog logLimit
}

// New returns a Manager for the options, or an error wrapping ErrBadOptions
// for an invalid combination: attributes a browser would refuse are
// refused here, when the middleware is built, not at the first request.
func New(o Options) (*Manager, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	m := &Manager{
		store:      o.Store,
		name:       o.Store.Name(),
		budget:     o.HeaderBudget,
		persistent: o.Persistent,
		dev:        o.Dev,
		failOpen:   o.Unavailable == FailOpen,
		onError:    o.OnError,
		legacy:     o.Legacy,
		labels:     o.Labels,
		log:        o.Logger,
	}
	m.attributes(&o)
	if o.TokenHeader != "" {
		m.tokenHeader = http.CanonicalHeaderKey(o.TokenHeader)
		m.bearer = m.tokenHeader == "Authorization"
		m.respHeader = http.CanonicalHeaderKey(o.TokenResponseHeader)
	}
	if o.Dev && devName(m.name) != m.name {
		m.loopback = &Manager{
			name: devName(m.name), budget: m.budget, dev: true,
			scope: m.scope, flagsSecure: m.flagsSecure, flagsPlain: m.flagsPlain, attrMax: m.attrMax,
		}
	}
	// A guard: the longest name and attributes the options allow leave
	// more (TestLongestOptionsLeaveRoom).
	if room := m.lineRoom(m.chunkName(maxChunks-1)) - tagLen - 1; room < minChunkRoom {
		return nil, fmt.Errorf("%w: the cookie name and attributes leave %d bytes of a %d-byte Set-Cookie line for the session: shorten the name, Path or Domain", ErrBadOptions, room, MaxSetCookieBytes)
	}
	return m, nil
}

// Store returns the cookie store the middleware reads and writes sessions
// with.
func (m *Manager) Store() *cookie.Store { return m.store }

// ctxKey is the context key of the request's *Session.
type ctxKey struct{}

// exchange is one request's session, response writer and context,
// allocated together.
type exchange struct {
	s   Session
	w   writer
	ctx sessionContext
}

// sessionContext is the request's context carrying its session: what
// context.WithValue(parent, ctxKey{}, s) makes, without an allocation of its
// own. Every other key, the deadline, Done and Err are the parent's.
type sessionContext struct {
	context.Context
	s *Session
}

// Value returns the session for ctxKey{}, and the parent's value for any
// other key.
func (c *sessionContext) Value(key any) any {
	if key == (ctxKey{}) {
		return c.s
	}
	return c.Context.Value(key)
}

// Handler wraps next so that it finds the request's session with From.
// The session cookie is opened on first use, and Set-Cookie is written
// before the first byte of the response, only when needed.
func (m *Manager) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		outer, _ := FromContext(r.Context())
		if outer.of(m) != nil {
			// Mounted twice on one path (a router group and the mux): the
			// outer one already handles the session.
			next.ServeHTTP(w, r)
			return
		}
		x := &exchange{}
		x.ctx = sessionContext{Context: r.Context(), s: &x.s}
		r = r.WithContext(&x.ctx)
		x.s.m, x.s.req, x.s.w, x.s.outer = m, r, w, outer
		x.s.wire = m
		if m.loopback != nil && isLoopbackHost(r.Host) {
			x.s.wire = m.loopback
		}
		x.w.ResponseWriter, x.w.s = w, &x.s
		next.ServeHTTP(&x.w, r)
		// Nothing written: net/http sends the headers after we return, so
		// the cookie still goes out now. (A handler that panics gets no
		// cookie update: its response is an error anyway.)
		x.w.commit()
	})
}

// From returns the request's session: with several Managers on one
// request, the innermost one's (use Manager.From for another's). It panics
// if the request did not go through Manager.Handler: that is a wiring
// mistake, not a runtime condition.
func From(r *http.Request) *Session {
	s, ok := FromContext(r.Context())
	if !ok {
		panic("middleware: no session in the request context; wrap the handler with Manager.Handler")
	}
	return s
}

// FromContext returns the session of the request ctx belongs to (the
// innermost Manager's), and whether there is one.
func FromContext(ctx context.Context) (*Session, bool) {
	s, ok := ctx.Value(ctxKey{}).(*Session)
	return s, ok
}

// From returns this Manager's session of the request, when several
// Managers wrap one handler (a login session and a long-lived preferences
// cookie, say): middleware.From returns only the innermost one's. It
// panics if the request did not go through m.Handler.
func (m *Manager) From(r *http.Request) *Session {
	s, ok := m.FromContext(r.Context())
	if !ok {
		panic("middleware: no session of this Manager in the request context; wrap the handler with its Handler")
	}
	return s
}

// FromContext returns this Manager's session of the request ctx belongs
// to, and whether there is one.
func (m *Manager) FromContext(ctx context.Context) (*Session, bool) {
	s, _ := FromContext(ctx)
	s = s.of(m)
	return s, s != nil
}

// emit logs a report and passes its error to the hook. It runs without
// the session's lock: the hook and the log handler may use the session.
func (m *Manager) emit(r *http.Request, p pendingReport) {
	attrs := []slog.Attr{slog.String("cookie", m.name), slog.String("method", r.Method), slog.String("path", r.URL.Path)}
	if p.err != nil {
		attrs = append(attrs, slog.String("error", p.err.Error()))
	}
	if p.limited {
		attrs = append(attrs, slog.Uint64("suppressed", p.held))
	}
	m.log.LogAttrs(r.Context(), p.level, p.msg, attrs...)
	if p.hook && m.onError != nil {
		m.onError(r, p.err)
	}
}

// Stats is a snapshot of the middleware's counters, plus the store's.
type Stats struct {
	Written   uint64 // responses that set the session cookie
	Cleared   uint64 // responses that deleted it (logout, or a bad cookie)
	Chunked   uint64 // of those written, how many needed several cookies
	Duplicate uint64 // requests with the session cookie twice (cookie tossing)
	BadChunks uint64 // chunk sets rejected (mixed generations, malformed, orphans)
	Late      uint64 // session changes after the headers were sent
	Failed    uint64 // sessions that could not be saved (too large, revocation unavailable)
	Migrated  uint64 // legacy cookies turned into crumb sessions (Options.Legacy)
	// Store holds the store's counters: sessions opened, reissued,
	// rejected by reason, and the revocation set's size.
	Store cookie.Stats
}

type counters struct {
	written, cleared, chunked, duplicate, badChunks, late, failed, migrated atomic.Uint64
}

// Stats returns a snapshot of the middleware's and the store's counters.
func (m *Manager) Stats() Stats {
	c := &m.stats
	return Stats{
		Written: c.written.Load(), Cleared: c.cleared.Load(), Chunked: c.chunked.Load(),
		Duplicate: c.duplicate.Load(), BadChunks: c.badChunks.Load(), Late: c.late.Load(),
		Failed: c.failed.Load(), Migrated: c.migrated.Load(), Store: m.store.Stats(),
	}
}
