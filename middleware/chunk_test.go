package middleware_test

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
)

// incompressible returns n characters that no compression shrinks.
func incompressible(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

func TestChunkedRoundTrip(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	big := incompressible(3500)
	rec := serve(m, set("big", big))
	sc := setCookies(rec)
	if len(sc) != 2 || !strings.HasPrefix(sc[0], "session=~2.") || !strings.HasPrefix(sc[1], "session.1=") {
		t.Fatalf("Set-Cookie %q", sc)
	}
	jar := cookiePairs(t, rec)
	for _, c := range jar {
		if len(c)-1 > middleware.MaxCookieBytes {
			t.Fatalf("a chunk of %d bytes", len(c)-1)
		}
	}
	if got := serve(m, get("big"), jar...).Body.String(); got != big {
		t.Fatalf("chunked session read back %d bytes", len(got))
	}
	// The cookies may come in any order, even in several Cookie headers.
	req := httpRequest()
	req.Header.Add("Cookie", jar[1]+"; other=1")
	req.Header.Add("Cookie", "x=y;"+jar[0])
	var info middleware.Info
	rec = serveRequest(m, func(w http.ResponseWriter, r *http.Request) {
		info = middleware.From(r).Info()
		get("big")(w, r)
	}, req)
	if rec.Body.String() != big || info.Chunks != 2 || info.CookieBytes != len(jar[0])+len(jar[1]) {
		t.Fatalf("reordered chunks: %d bytes, info %+v", rec.Body.Len(), info)
	}
	if st := m.Stats(); st.Chunked != 1 || st.Written != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestChunkFromAnotherGenerationRejected(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	gen1 := cookiePairs(t, serve(m, set("big", incompressible(3500))))
	gen2 := cookiePairs(t, serve(m, set("big", incompressible(3500)), gen1...))
	if len(gen1) != 2 || len(gen2) != 2 || gen1[1] == gen2[1] {
		t.Fatalf("generations %d %d", len(gen1), len(gen2))
	}
	for i, jar := range [][]string{
		{gen2[0], gen1[1]}, // a stale second chunk
		{gen1[0], gen2[1]}, // a stale first chunk
		{gen2[0]},          // a missing chunk
	} {
		rec := serve(m, get("big"), jar...)
		if rec.Body.String() != "-" {
			t.Fatalf("mixed chunks accepted")
		}
		sc := setCookies(rec)
		if len(sc) < 1 || !strings.HasPrefix(sc[0], "session=;") || (len(jar) > 1 && (len(sc) != 2 || !strings.HasPrefix(sc[1], "session.1=;"))) {
			t.Fatalf("mixed chunks %d not cleared: %q (%d cookies)", i, sc, len(jar))
		}
	}
	if st := m.Stats(); st.BadChunks != 3 {
		t.Fatalf("stats %+v", st)
	}
	// A duplicated chunk is cookie tossing: anonymous, and left alone.
	rec := serve(m, get("big"), gen2[0], gen2[1], gen2[1])
	if rec.Body.String() != "-" || len(setCookies(rec)) != 0 || m.Stats().Duplicate != 1 {
		t.Fatalf("duplicated chunk: %q %+v", setCookies(rec), m.Stats())
	}
}

func TestStaleChunksCleared(t *testing.T) {
	m, _ := newManager(t, middleware.Options{HeaderBudget: 16 << 10, Store: newStore(t, cookie.Options{MaxTokenLen: 16 << 10})})
	three := cookiePairs(t, serve(m, set("big", incompressible(8000))))
	if len(three) != 3 {
		t.Fatalf("%d chunks", len(three))
	}
	// Shrinking to two chunks clears the third.
	rec := serve(m, set("big", incompressible(4000)), three...)
	sc := setCookies(rec)
	if len(sc) != 3 || !strings.HasPrefix(sc[2], "session.2=;") || !strings.Contains(sc[2], "Max-Age=0") {
		t.Fatalf("shrink to 2: %q", sc)
	}
	// Shrinking to one cookie clears both chunks.
	sc = setCookies(serve(m, set("big", "small"), cookiePairs(t, rec)...))
	if len(sc) != 2 || strings.HasPrefix(sc[0], "session=~") || !strings.HasPrefix(sc[1], "session.1=;") {
		t.Fatalf("shrink to 1: %q", sc)
	}
	// Orphan chunks, without a first cookie, are cleared once the session
	// is used.
	sc = setCookies(serve(m, get("big"), three[1], three[2]))
	if len(sc) != 2 || !strings.HasPrefix(sc[0], "session.1=;") || !strings.HasPrefix(sc[1], "session.2=;") {
		t.Fatalf("orphans: %q", sc)
	}
	// Logout clears every chunk.
	sc = setCookies(serve(m, func(w http.ResponseWriter, r *http.Request) { middleware.From(r).Destroy() }, three...))
	if len(sc) != 3 {
		t.Fatalf("logout of a chunked session: %q", sc)
	}
}

func TestHeaderBudget(t *testing.T) {
	m, l := newManager(t, middleware.Options{})
	jar := cookiePairs(t, serve(m, set("k", "v")))
	// Session.Save reports it while the handler can answer.
	rec := serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		s.Set("big", incompressible(6000))
		err := s.Save()
		checkSizeError(t, err, "cookies", middleware.DefaultHeaderBudget)
		w.WriteHeader(cookie.HTTPStatus(err))
	}, jar...)
	if rec.Code != 413 || len(setCookies(rec)) != 0 {
		t.Fatalf("over budget: %d %q", rec.Code, setCookies(rec))
	}
	// Without Save: the error hook and the log; the client keeps its cookie.
	rec = serve(m, set("big", incompressible(6000)), jar...)
	if len(setCookies(rec)) != 0 || m.Stats().Failed != 2 {
		t.Fatalf("over budget: %q %+v", setCookies(rec), m.Stats())
	}
	if h := l.hooked(); len(h) != 2 || !errors.Is(h[1], middleware.ErrCookieTooLarge) {
		t.Fatalf("hook %v", h)
	}
	if !strings.Contains(l.String(), "session not saved") {
		t.Fatalf("log: %s", l)
	}
	if got := serve(m, get("k"), jar...).Body.String(); got != "v" {
		t.Fatalf("previous session lost: %q", got)
	}
	// Removing the big value again within the request saves fine.
	rec = serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		s.Set("big", incompressible(6000))
		s.Save()
		s.Remove("big")
	}, jar...)
	if len(setCookies(rec)) != 1 {
		t.Fatalf("recovered save: %q", setCookies(rec))
	}
	// A token over the store's own cap is the same error, with its sizes.
	small, _ := newManager(t, middleware.Options{Store: newStore(t, cookie.Options{MaxTokenLen: 1024})})
	serve(small, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		s.Set("big", incompressible(2000))
		checkSizeError(t, s.Save(), "token", 1024)
	})
}

// checkSizeError checks that err is the one "session too large" error, with
// the limit that was crossed and its sizes, mapped to 413.
func checkSizeError(t *testing.T, err error, what string, limit int) {
	t.Helper()
	var se *cookie.SizeError
	if !errors.Is(err, middleware.ErrCookieTooLarge) || !errors.Is(err, cookie.ErrSessionTooLarge) || !errors.As(err, &se) {
		t.Fatalf("error %v, want a *cookie.SizeError", err)
	}
	if se.What != what || se.Limit != limit || se.Size <= limit {
		t.Fatalf("size error %+v, want %s over %d", se, what, limit)
	}
	if cookie.HTTPStatus(err) != http.StatusRequestEntityTooLarge || errors.Is(err, cookie.ErrBadRecord) || errors.Is(err, cookie.ErrTooLarge) {
		t.Fatalf("error %v: status %d, or matches another class", err, cookie.HTTPStatus(err))
	}
	msg := err.Error()
	if strings.Count(msg, "too large") != 1 || !strings.Contains(msg, strconv.Itoa(se.Size)) || !strings.Contains(msg, strconv.Itoa(limit)) || !strings.Contains(msg, "store less") {
		t.Fatalf("message %q: want one mention of the problem, the sizes and what to do", msg)
	}
}

func TestDuplicateCookieIsAnonymous(t *testing.T) {
	m, l := newManager(t, middleware.Options{})
	mine := cookiePairs(t, serve(m, set("k", "mine")))
	planted := cookiePairs(t, serve(m, set("k", "planted")))
	for _, jar := range [][]string{{planted[0], mine[0]}, {mine[0], mine[0]}} {
		rec := serve(m, get("k"), jar...)
		if rec.Body.String() != "-" || len(setCookies(rec)) != 0 {
			t.Fatalf("tossed cookie: %q %q", rec.Body, setCookies(rec))
		}
	}
	if h := l.hooked(); len(h) != 2 || !errors.Is(h[0], middleware.ErrDuplicateCookie) || m.Stats().Duplicate != 2 {
		t.Fatalf("hook %v stats %+v", h, m.Stats())
	}
	// Only the configured name is read: not a query parameter, not a
	// prefix-sharing name.
	req := httpRequest()
	req.URL.RawQuery = "session=" + strings.TrimPrefix(mine[0], "session=")
	req.Header.Set("Cookie", "sessionx="+strings.TrimPrefix(mine[0], "session=")+"; session.x=1; session.01=2")
	if got := serveRequest(m, get("k"), req).Body.String(); got != "-" {
		t.Fatalf("read from elsewhere: %q", got)
	}
}

// TestSetCookieLinesFitEveryBrowser writes sessions of growing size through
// the middleware with the longest attributes (a long name, Domain, a long
// Path, a persistent Max-Age, SameSite=None, Partitioned) and checks that
// every Set-Cookie line, attributes included, is at most
// MaxSetCookieBytes, and that the session reads back from the cookies.
func TestSetCookieLinesFitEveryBrowser(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    middleware.Options
	}{
		{"session", middleware.Options{}},
		{"__Host-" + strings.Repeat("n", 200), middleware.Options{Persistent: true}},
		{"__Secure-" + strings.Repeat("n", 200), middleware.Options{
			Persistent: true, Domain: strings.Repeat(strings.Repeat("d", 62)+".", 3) + "example.com",
			Path: "/" + strings.Repeat("p", 1023), SameSite: http.SameSiteNoneMode, Partitioned: true,
		}},
	} {
		tc.o.Store = newStore(t, cookie.Options{Name: tc.name, MaxTokenLen: 64 << 10})
		tc.o.HeaderBudget = middleware.MaxHeaderBudget
		m, _ := newManager(t, tc.o)
		// 2,800 to 12,000 random bytes: one cookie, then two, three and
		// four chunks, crossing each boundary within a few hundred bytes.
		for n := 2800; n <= 12000; n += 97 {
			v := incompressible(n)
			rec := serve(m, set("big", v))
			lines := setCookies(rec)
			if len(lines) == 0 {
				t.Fatalf("%.20s/%d: no cookie set (status %d: %s)", tc.name, n, rec.Code, rec.Body)
			}
			for _, l := range lines {
				if len(l) > middleware.MaxSetCookieBytes {
					t.Fatalf("%.20s/%d: a Set-Cookie line of %d bytes: %.80s…", tc.name, n, len(l), l)
				}
			}
			req := httptest.NewRequest("GET", "https://example.com/", nil)
			req.Header.Set("Cookie", strings.Join(cookiePairs(t, rec), "; "))
			if got := serveRequest(m, get("big"), req).Body.String(); got != v {
				t.Fatalf("%.20s/%d: read back %d bytes in %d cookies", tc.name, n, len(got), len(lines))
			}
		}
	}
}
