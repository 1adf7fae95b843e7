package middleware

import (
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/cookie"
)

// Session is the session of one request, found with From. The cookie is
// opened the first time the session is used; a request that never uses it
// costs nothing and does not slide its idle timeout. A missing, invalid,
// expired or revoked cookie gives an empty session (and a bad cookie is
// deleted): never an error.
//
// Changes are saved into the response's Set-Cookie before its first byte.
// Make them before writing the response: a change after that returns
// ErrHeadersWritten (and panics in dev mode). Save reports a failure to
// save (a session too large for a cookie) while the handler can still
// answer it.
//
// A Session is safe for use by the request's goroutines.
type Session struct {
	mu    sync.Mutex
	m     *Manager
	req   *http.Request
	w     http.ResponseWriter
	outer *Session // the session of the Manager wrapping this one's, if any
	// wire names and writes the request's cookies: m, or m.loopback for a
	// dev-mode request to a loopback host.
	wire *Manager

	loaded     bool
	in         incoming
	rec        *cookie.Record // nil: no session (anonymous)
	fromCookie bool           // rec came from the request's cookie
	clear      bool           // the request's cookie is bad: delete it unless replaced
	destroyed  bool           // Destroy was called: delete the cookie unless replaced
	staged     []pair         // the cookies of the token Save, Login or Renew made, current while !rec.Changed()
	failed     error          // the last save failure, until a save succeeds
	committed  bool           // the headers were written
	lines      []string       // the Set-Cookie lines commit wrote
	// cacheControl backs the Cache-Control value commit sets (noStore),
	// and vary the Vary value when the response had none (addVary): no
	// allocation for either.
	cacheControl [1]string
	vary         [1]string
	// unavailable is the revocation set's failure when the request's
	// cookie was authentic but could not be checked.
	unavailable error
	// pending are the reports made under mu, emitted by unlock: the hook
	// and the log handler may use the session themselves.
	pending []pendingReport
	// committing, when commit released mu to call Options.Labels, is
	// closed once that commit has written its lines.
	committing chan struct{}
	// viaHeader is set when the request carried Options.TokenHeader: the
	// session goes through headers, not cookies.
	viaHeader bool
	// taken is set when Commit handed the Set-Cookie lines to the handler,
	// which writes them itself (a WebSocket upgrader's response header).
	taken bool
}

// pendingReport is a log record, and an error for the hook, waiting for
// the session's lock to be released.
type pendingReport struct {
	level slog.Level
	msg   string
	err   error // nil: log only
	hook  bool  // pass err to the error hook too
	// limited: a rate-limited line let through, logged with the number
	// held back since the last one.
	limited bool
	held    uint64
}

// lock locks the session. unlock unlocks it, then logs and reports what
// happened meanwhile.
func (s *Session) lock() { s.mu.Lock() }

func (s *Session) unlock() {
	p := s.pending
	s.pending = nil
	s.mu.Unlock()
	for _, r := range p {
		s.m.emit(s.req, r)
	}
}

// of returns the session of manager m among s and the sessions of the
// Managers wrapping s's, or nil. s may be nil.
func (s *Session) of(m *Manager) *Session {
	for ; s != nil; s = s.outer {
		if s.m == m {
			return s
		}
	}
	return nil
}

// note queues a report for unlock.
func (s *Session) note(level slog.Level, msg string, err error, hook bool) {
	s.pending = append(s.pending, pendingReport{level: level, msg: msg, err: err, hook: hook})
}

// noteUnavailable queues the report of a revocation set failure: logged at
// Warn at most once per unavailableLogEvery by the Manager, with the number
// of such reports held back since ("suppressed"), and at Debug otherwise.
// The error hook gets every one.
func (s *Session) noteUnavailable(msg string, err error) {
	ok, held := s.m.unavailableLog.allow()
	level := slog.LevelDebug
	if ok {
		level = slog.LevelWarn
	}
	s.pending = append(s.pending, pendingReport{level: level, msg: msg, err: err, hook: true, limited: ok, held: held})
}

// load opens the request's cookie, once.
func (s *Session) load() {
	if s.loaded {
		return
	}
	s.loaded = true
	m := s.m
	if m.tokenHeader != "" {
		if vals, ok := s.req.Header[m.tokenHeader]; ok {
			s.in, s.viaHeader = m.headerToken(vals)
		}
	}
	if !s.viaHeader {
		s.in = s.wire.readCookies(s.req.Header["Cookie"])
	}
	switch {
	case s.viaHeader && s.in.bad:
		s.clear = true
		s.note(slog.LevelInfo, "middleware: session token header sent more than once; treating the request as anonymous", nil, false)
	case s.in.dup:
		m.stats.duplicate.Add(1)
		s.note(slog.LevelWarn, "middleware: duplicate session cookies (cookie tossing?); treating the request as anonymous", ErrDuplicateCookie, true)
	case s.in.bad:
		m.stats.badChunks.Add(1)
		s.clear = true
		s.note(slog.LevelInfo, "middleware: session cookie chunks rejected", nil, false)
	case s.in.token != "":
		s.open()
	}
	if s.committed && (s.clear || s.rec != nil && m.store.TouchDue(s.rec)) {
		// Used for the first time after the headers were sent: the touch
		// or the deletion of a bad cookie cannot be written.
		m.stats.late.Add(1)
		s.note(slog.LevelWarn, "middleware: session first used after the response headers were sent; its cookie update is lost (use the session before writing the response)", ErrHeadersWritten, true)
	}
}

// open reads the request's token.
func (s *Session) open() {
	m := s.m
	rec, err := m.store.Read(s.req.Context(), s.in.token)
	switch {
	case err == nil:
		s.rec, s.fromCookie = rec, true
	case errors.Is(err, cookie.ErrUnavailable):
		s.noteUnavailable("middleware: revocation set unavailable", err)
		if m.failOpen && rec != nil {
			s.rec, s.fromCookie = rec, true
		} else {
			s.unavailable = err
		}
	case errors.Is(err, cookie.ErrInvalid) && m.legacy != nil && s.in.chunks == 1 && s.openLegacy():
		// A cookie of the library the application migrates from: its data
		// is now a new crumb session, written back on this response.
	default:
		// Invalid, expired, revoked or too large: no session, and the
		// cookie goes. The store counts the reasons (Stats).
		s.clear = true
		s.note(slog.LevelDebug, "middleware: session cookie rejected", err, false)
	}
}

// openLegacy tries the request's cookie as a legacy session and, if it is
// one, starts a crumb session with its data.
func (s *Session) openLegacy() bool {
	m := s.m
	ls, err := m.legacy.ReadLegacy(s.req.Context(), m.name, s.in.token)
	if err != nil {
		s.note(slog.LevelDebug, "middleware: session cookie rejected, also as a legacy cookie", err, false)
		return false
	}
	// Logged out everywhere since the cookie was written: refused.
	revoked, err := m.store.SubjectRevoked(s.req.Context(), ls.Subject, ls.Written)
	switch {
	case err != nil:
		s.noteUnavailable("middleware: revocation set unavailable; a legacy cookie was not migrated", err)
		s.unavailable = err
		return true // not cleared: it may be valid once the set answers
	case revoked:
		s.note(slog.LevelDebug, "middleware: legacy cookie of a subject logged out everywhere since", nil, false)
		return false
	}
	rec, err := m.store.NewRecord(cookie.CreateOptions{Subject: ls.Subject})
	if err == nil && ls.Data != nil {
		err = rec.SetData(ls.Data)
	}
	if err != nil {
		s.note(slog.LevelWarn, "middleware: a legacy session could not be converted", err, true)
		return false
	}
	s.rec, s.fromCookie = rec, true
	m.stats.migrated.Add(1)
	return true
}

// late reports a change after the headers were sent.
func (s *Session) late() error {
	s.m.stats.late.Add(1)
	s.note(slog.LevelError, "middleware: session changed after the response headers were sent; the change is lost", ErrHeadersWritten, true)
	if s.m.dev {
		panic(ErrHeadersWritten) // the caller's deferred unlock still reports it
	}
	return ErrHeadersWritten
}

// edit returns the record to change, starting a new session for an
// anonymous request, or ErrHeadersWritten. It refuses, with the wrapped
// cookie.ErrUnavailable, to start a session over one that is authentic but
// could not be checked (FailClosed): that would replace the user's real
// session during an outage.
func (s *Session) edit() (*cookie.Record, error) {
	if s.committed {
		return nil, s.late()
	}
	s.load()
	if s.rec == nil && s.unavailable != nil {
		return nil, s.unavailable
	}
	if s.rec == nil {
		rec, err := s.m.store.NewRecord(cookie.CreateOptions{})
		if err != nil {
			return nil, err
		}
		s.rec, s.fromCookie = rec, false
	}
	return s.rec, nil
}

// existing returns the record to change when there is a session, nil when
// there is none (removing from nothing changes nothing), or
// ErrHeadersWritten.
func (s *Session) existing() (*cookie.Record, error) {
	if s.committed {
		return nil, s.late()
	}
	s.load()
	return s.rec, nil
}

// Get returns the value stored under key in the request's session, decoded
// into a T. It returns cookie.ErrNoValue for a missing key (and for an
// empty session), and a wrapped decoding error when the value is not a T.
func Get[T any](s *Session, key string) (T, error) {
	s.lock()
	defer s.unlock()
	s.load()
	if s.rec == nil {
		var zero T
		return zero, cookie.ErrNoValue
	}
	return cookie.Get[T](s.rec, key)
}

// Pop returns the value under key and removes it: a flash message, shown
// once. A missing key gives cookie.ErrNoValue.
func Pop[T any](s *Session, key string) (T, error) {
	s.lock()
	defer s.unlock()
	var zero T
	rec, err := s.existing()
	if err != nil {
		return zero, err
	}
	if rec == nil {
		return zero, cookie.ErrNoValue
	}
	return cookie.Pop[T](rec, key)
}

// MaxFlashes is the most flash messages AddFlash keeps under one key: past
// it, the oldest is dropped, so that messages nobody reads (a page that
// never shows them) cannot grow the session until it no longer fits.
const MaxFlashes = 32

// AddFlash appends v to the list of flash messages under key, starting a
// session if there is none: messages for the next page ("Saved.", a form's
// errors) that Flashes returns once, in order, and removes — as
// gorilla/sessions' AddFlash and Flashes. At most MaxFlashes are kept. The
// list is a []T in the session data, so every message under one key has
// one type. For a single message, Set and Pop do as well.
func AddFlash[T any](s *Session, key string, v T) error {
	s.lock()
	defer s.unlock()
	rec, err := s.edit()
	if err != nil {
		return err
	}
	list, err := cookie.Get[[]T](rec, key)
	if err != nil && !errors.Is(err, cookie.ErrNoValue) {
		return err
	}
	list = append(list, v)
	if len(list) > MaxFlashes {
		list = list[len(list)-MaxFlashes:]
	}
	return rec.Set(key, list)
}

// Flashes returns the flash messages AddFlash stored under key, oldest
// first, and removes them; none gives nil and no error.
func Flashes[T any](s *Session, key string) ([]T, error) {
	list, err := Pop[[]T](s, key)
	if errors.Is(err, cookie.ErrNoValue) {
		return nil, nil
	}
	return list, err
}

// Set stores v under key, starting a session if there is none. v is
// serialized now, so an unserializable value fails here.
func (s *Session) Set(key string, v any) error {
	s.lock()
	defer s.unlock()
	rec, err := s.edit()
	if err != nil {
		return err
	}
	return rec.Set(key, v)
}

// Remove removes key from the session. Removing a missing key does
// nothing.
func (s *Session) Remove(key string) error {
	s.lock()
	defer s.unlock()
	rec, err := s.existing()
	if err != nil || rec == nil {
		return err
	}
	return rec.Remove(key)
}

// Clear removes all the session's data; the subject and metadata stay.
func (s *Session) Clear() error {
	s.lock()
	defer s.unlock()
	rec, err := s.existing()
	if err != nil || rec == nil {
		return err
	}
	rec.Clear()
	return nil
}

// Has reports whether the session holds key.
func (s *Session) Has(key string) bool {
	s.lock()
	defer s.unlock()
	s.load()
	return s.rec != nil && s.rec.Has(key)
}

// Keys returns the keys of the session's data in ascending order.
func (s *Session) Keys() ([]string, error) {
	s.lock()
	defer s.unlock()
	s.load()
	if s.rec == nil {
		return nil, nil
	}
	return s.rec.Keys()
}

// Subject returns whom the session belongs to, or "" for an anonymous
// session.
func (s *Session) Subject() string {
	s.lock()
	defer s.unlock()
	s.load()
	if s.rec == nil {
		return ""
	}
	return s.rec.Subject()
}

// Meta returns one metadata value of the session and whether it is set.
func (s *Session) Meta(key string) (string, bool) {
	s.lock()
	defer s.unlock()
	s.load()
	if s.rec == nil {
		return "", false
	}
	return s.rec.Meta(key)
}

// SetMeta sets a metadata value (small strings about the session, such as
// how the user authenticated), starting a session if there is none. Keys
// are 1 to 64 bytes, values at most 255 bytes, at most 16 entries: a value
// outside the limits is refused here with cookie.ErrBadRecord (truncate a
// client-supplied one, such as a User-Agent).
func (s *Session) SetMeta(key, value string) error {
	s.lock()
	defer s.unlock()
	rec, err := s.edit()
	if err != nil {
		return err
	}
	if err := rec.CheckMeta(key, value); err != nil {
		return err
	}
	rec.SetMeta(key, value)
	return nil
}

// DeleteMeta removes a metadata value.
func (s *Session) DeleteMeta(key string) error {
	s.lock()
	defer s.unlock()
	rec, err := s.existing()
	if err != nil || rec == nil {
		return err
	}
	rec.DeleteMeta(key)
	return nil
}

// IsNew reports whether the request brought no valid session: the session
// is empty, or was started by this request.
func (s *Session) IsNew() bool {
	s.lock()
	defer s.unlock()
	s.load()
	return !s.fromCookie
}

// Err returns why the request's session could not be used, if it was
// not for the cookie itself: the revocation set was unavailable (wrapping
// cookie.ErrUnavailable) and Options.Unavailable is FailClosed. The session
// then looks empty, and changing it fails with the same error, so that the
// user's real session is not replaced during an outage; a handler can
// answer 503 Service Unavailable. Login still works: it starts a new
// session.
func (s *Session) Err() error {
	s.lock()
	defer s.unlock()
	s.load()
	return s.unavailable
}

// Info describes a session's lifetime and token.
type Info struct {
	Created      time.Time    // when the session started (its absolute lifetime's anchor)
	Issued       time.Time    // when its current token was issued
	IdleDeadline time.Time    // when it ends unless used
	Expires      time.Time    // when it ends whatever happens
	KeyID        uint32       // the key that sealed the request's token (0 for a new session)
	CookieBytes  int          // what the request's session cookies took of its Cookie header
	Chunks       int          // how many cookies the request's token came in
	Remembered   bool         // started with cookie.RememberMe: a persistent cookie, the store's RememberTimeout
	Format       codec.Format // how the request's token encoded the data (compression, padding)
}

// Token returns the session token the request's cookies carried (put
// together from its chunks), or "" when they carried none. It is a bearer
// credential: never log it. It is for showing what a token holds (its
// header is readable without the keys) and for handing it to a client
// that sends it back another way.
func (s *Session) Token() string {
	s.lock()
	defer s.unlock()
	s.load()
	return s.in.token
}

// Info describes the session, or returns the zero Info when there is none.
func (s *Session) Info() Info {
	s.lock()
	defer s.unlock()
	s.load()
	if s.rec == nil {
		return Info{}
	}
	i := Info{
		Created: s.rec.Created(), Issued: s.rec.Issued(),
		IdleDeadline: s.rec.IdleDeadline(), Expires: s.rec.Expires(), KeyID: s.rec.KeyID(),
		Remembered: s.rec.Remembered(), Format: s.rec.Format(),
	}
	if s.fromCookie {
		i.CookieBytes, i.Chunks = s.in.bytes, s.in.chunks
	}
	return i
}
