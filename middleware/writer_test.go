package middleware_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/crumbhq/crumb/middleware"
)

// probe is a ResponseWriter with every optional interface, recording the
// Set-Cookie headers present at the first event that sends the headers.
type probe struct {
	h        http.Header
	first    string
	atFirst  []string
	events   []string
	hijacked net.Conn
}

func newProbe() *probe { return &probe{h: http.Header{}} }

func (p *probe) note(ev string) {
	if p.first == "" {
		p.first, p.atFirst = ev, p.h.Values("Set-Cookie")
	}
	p.events = append(p.events, ev)
}

func (p *probe) Header() http.Header { return p.h }
func (p *probe) WriteHeader(code int) {
	if code >= 200 {
		p.note("WriteHeader")
	}
}
func (p *probe) Write(b []byte) (int, error) { p.note("Write"); return len(b), nil }
func (p *probe) Flush()                      { p.note("Flush") }
func (p *probe) ReadFrom(r io.Reader) (int64, error) {
	p.note("ReadFrom")
	return io.Copy(io.Discard, r)
}
func (p *probe) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	p.note("Hijack")
	c, other := net.Pipe()
	other.Close()
	p.hijacked = c
	return c, bufio.NewReadWriter(bufio.NewReader(c), bufio.NewWriter(c)), nil
}

func TestCookieBeforeFirstByte(t *testing.T) {
	triggers := map[string]func(http.ResponseWriter){
		"WriteHeader":               func(w http.ResponseWriter) { w.WriteHeader(201) },
		"Write":                     func(w http.ResponseWriter) { w.Write([]byte("x")) },
		"Flush":                     func(w http.ResponseWriter) { w.(http.Flusher).Flush() },
		"ResponseController.Flush":  func(w http.ResponseWriter) { http.NewResponseController(w).Flush() },
		"ReadFrom":                  func(w http.ResponseWriter) { w.(io.ReaderFrom).ReadFrom(strings.NewReader("x")) },
		"Hijack":                    func(w http.ResponseWriter) { w.(http.Hijacker).Hijack() },
		"ResponseController.Hijack": func(w http.ResponseWriter) { http.NewResponseController(w).Hijack() },
		"EarlyHints then Write": func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusEarlyHints)
			w.Write([]byte("x"))
		},
	}
	for name, trigger := range triggers {
		t.Run(name, func(t *testing.T) {
			m, l := newManager(t, middleware.Options{})
			p := newProbe()
			var late error
			m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := middleware.From(r)
				s.Set("k", "v")
				trigger(w)
				trigger(w) // a second event commits nothing more
				late = s.Set("k", "w")
			})).ServeHTTP(p, httpRequest())
			if len(p.atFirst) != 1 || len(p.h.Values("Set-Cookie")) != 1 {
				t.Fatalf("first event %s saw Set-Cookie %q; at the end %q", p.first, p.atFirst, p.h.Values("Set-Cookie"))
			}
			if p.h.Get("Cache-Control") != "no-store" || p.h.Get("Vary") != "Cookie" {
				t.Fatalf("headers %v", p.h)
			}
			// A hijack before the headers also loses the first change,
			// which the handler did not take with Commit.
			hijack := strings.Contains(name, "Hijack")
			wantLate := uint64(1)
			if hijack {
				wantLate = 2
			}
			if !errors.Is(late, middleware.ErrHeadersWritten) || m.Stats().Late != wantLate {
				t.Fatalf("late change: %v, stats %+v", late, m.Stats())
			}
			h := l.hooked()
			if hijack && (len(h) != 2 || !errors.Is(h[0], middleware.ErrCookieNotSent)) {
				t.Fatalf("hook got %v, want ErrCookieNotSent first", h)
			}
			if len(h) == 0 || len(h) != int(wantLate) || !errors.Is(h[len(h)-1], middleware.ErrHeadersWritten) {
				t.Fatalf("hook got %v", h)
			}
			if !strings.Contains(l.String(), "after the response headers were sent") {
				t.Fatalf("late change not logged: %s", l)
			}
			if p.hijacked != nil {
				p.hijacked.Close()
			}
		})
	}
}

func TestCookieWhenHandlerWritesNothing(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	p := newProbe()
	m.Handler(set("k", "v")).ServeHTTP(p, httpRequest())
	if p.first != "" || len(p.h.Values("Set-Cookie")) != 1 {
		t.Fatalf("events %v, Set-Cookie %q", p.events, p.h.Values("Set-Cookie"))
	}
}

func TestEarlyHintsDoNotCommit(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	p := newProbe()
	var err error
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		err = middleware.From(r).Set("k", "v")
	})).ServeHTTP(p, httpRequest())
	if err != nil || len(p.h.Values("Set-Cookie")) != 1 {
		t.Fatalf("set after 103: %v, %q", err, p.h.Values("Set-Cookie"))
	}
}

func TestLateChangePanicsInDevMode(t *testing.T) {
	m, _ := newManager(t, middleware.Options{Dev: true})
	defer func() {
		if err, _ := recover().(error); !errors.Is(err, middleware.ErrHeadersWritten) {
			t.Fatalf("recovered %v", err)
		}
	}()
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("x"))
		middleware.From(r).Set("k", "v")
	})).ServeHTTP(newProbe(), httpRequest())
	t.Fatal("no panic")
}

func TestReadAfterHeadersIsFine(t *testing.T) {
	m, l := newManager(t, middleware.Options{})
	jar := cookiePairs(t, serve(m, set("k", "v")))
	rec := serve(m, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		get("k")(w, r)
	}, jar...)
	if rec.Body.String() != "v" || len(l.hooked()) != 0 {
		t.Fatalf("%q %v", rec.Body, l.hooked())
	}
}

func httpRequest() *http.Request {
	r, _ := http.NewRequest("GET", "https://example.com/", nil)
	return r
}
