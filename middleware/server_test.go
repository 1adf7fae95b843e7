package middleware_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
)

// app is a small application on the middleware, served over TLS.
func app(t *testing.T, m *middleware.Manager) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if err := middleware.From(r).Login(r.FormValue("user")); err != nil {
			http.Error(w, err.Error(), cookie.HTTPStatus(err))
		}
	})
	mux.HandleFunc("POST /set", func(w http.ResponseWriter, r *http.Request) {
		if err := middleware.From(r).Set(r.FormValue("k"), r.FormValue("v")); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("POST /incr", func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		n, _ := middleware.Get[int](s, "n")
		s.Set("n", n+1)
		fmt.Fprint(w, n+1)
	})
	mux.HandleFunc("GET /get", func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		v, _ := middleware.Get[string](s, r.FormValue("k"))
		fmt.Fprintf(w, "%s:%s", s.Subject(), v)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := middleware.From(r).Destroy(); err != nil {
			http.Error(w, err.Error(), cookie.HTTPStatus(err))
		}
	})
	mux.HandleFunc("GET /deadline", func(w http.ResponseWriter, r *http.Request) {
		// Through Unwrap, the controller reaches the server's writer.
		if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	srv := httptest.NewTLSServer(m.Handler(mux))
	t.Cleanup(srv.Close)
	return srv
}

// client returns an HTTPS client of srv with its own cookie jar.
func client(t *testing.T, srv *httptest.Server) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := *srv.Client()
	c.Jar = jar
	c.Timeout = 10 * time.Second // no request of these tests may hang the suite
	return &c
}

func call(t *testing.T, c *http.Client, method, u string, form url.Values) (string, *http.Response) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == "GET" {
		resp, err = c.Get(u + "?" + form.Encode())
	} else {
		resp, err = c.PostForm(u, form)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: %d %s", method, u, resp.StatusCode, b)
	}
	return string(b), resp
}

func TestTLSRoundTrip(t *testing.T) {
	m, _ := newManager(t, middleware.Options{Store: newStore(t, cookie.Options{Name: "__Host-session"})})
	srv := app(t, m)
	c := client(t, srv)
	call(t, c, "POST", srv.URL+"/login", url.Values{"user": {"ann"}})
	_, resp := call(t, c, "POST", srv.URL+"/set", url.Values{"k": {"theme"}, "v": {"dark"}})
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Vary") != "Cookie" {
		t.Fatalf("headers %v", resp.Header)
	}
	got, resp := call(t, c, "GET", srv.URL+"/get", url.Values{"k": {"theme"}})
	if got != "ann:dark" || len(resp.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("get: %q %q", got, resp.Header.Values("Set-Cookie"))
	}
	if _, resp := call(t, c, "GET", srv.URL+"/deadline", nil); resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	u, _ := url.Parse(srv.URL)
	old := c.Jar.Cookies(u)
	if len(old) != 1 || old[0].Name != "__Host-session" {
		t.Fatalf("jar %v", old)
	}
	call(t, c, "POST", srv.URL+"/logout", nil)
	if len(c.Jar.Cookies(u)) != 0 {
		t.Fatalf("cookie kept after logout: %v", c.Jar.Cookies(u))
	}
	// Replaying the logged-out cookie gives nothing, and clears it again.
	c.Jar.SetCookies(u, old)
	if got, _ := call(t, c, "GET", srv.URL+"/get", url.Values{"k": {"theme"}}); got != ":" {
		t.Fatalf("replayed cookie: %q", got)
	}
	if m.Stats().Store.Revoked != 1 || len(c.Jar.Cookies(u)) != 0 {
		t.Fatalf("replay: %+v %v", m.Stats(), c.Jar.Cookies(u))
	}
}

func TestServerSentEvents(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	next := make(chan struct{})
	srv := httptest.NewTLSServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		s.Set("stream", "open")
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		fmt.Fprint(w, "data: 1\n\n")
		if err := rc.Flush(); err != nil {
			t.Error(err)
		}
		select { // the client has the first event and the cookie
		case <-next:
		case <-r.Context().Done():
			return
		case <-time.After(10 * time.Second):
			t.Error("waiting (10 s) for the client to read the first event")
			return
		}
		fmt.Fprint(w, "data: 2\n\n")
		rc.Flush()
	})))
	defer srv.Close()
	release := sync.OnceFunc(func() { close(next) })
	defer release() // before srv.Close, which waits for the handler
	c := client(t, srv)
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if len(resp.Header.Values("Set-Cookie")) != 1 {
		t.Fatalf("SSE response headers: %v", resp.Header)
	}
	br := bufio.NewReader(resp.Body)
	if line, _ := br.ReadString('\n'); line != "data: 1\n" {
		t.Fatalf("first event %q", line)
	}
	release()
	rest, _ := io.ReadAll(br)
	if string(rest) != "\ndata: 2\n\n" {
		t.Fatalf("rest %q", rest)
	}
	// The cookie set by the stream carries the session.
	got := serve(m, get("stream"), cookieHeader(resp))
	if got.Body.String() != "open" {
		t.Fatalf("stream session: %q", got.Body)
	}
}

func cookieHeader(resp *http.Response) string {
	c := resp.Cookies()[0]
	return c.Name + "=" + c.Value
}

func TestHijack(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	srv := httptest.NewTLSServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		middleware.From(r).Set("proto", "raw")
		// A hijacking handler writes its own response, with the cookie
		// lines Commit hands it.
		lines, err := middleware.From(r).Commit()
		if err != nil {
			t.Error(err)
		}
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		fmt.Fprint(rw, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n")
		for _, sc := range lines {
			fmt.Fprintf(rw, "Set-Cookie: %s\r\n", sc)
		}
		fmt.Fprint(rw, "\r\nok")
		rw.Flush()
	})))
	defer srv.Close()
	resp, err := client(t, srv).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok" || len(resp.Cookies()) != 1 {
		t.Fatalf("hijacked response %q, cookies %v", body, resp.Cookies())
	}
	if got := serve(m, get("proto"), cookieHeader(resp)).Body.String(); got != "raw" {
		t.Fatalf("hijacked session: %q", got)
	}
}

func TestChiRouter(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	r := chi.NewRouter()
	r.Use(m.Handler)
	r.Post("/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		middleware.From(r).Set("item", chi.URLParam(r, "id"))
	})
	r.Get("/items", get("item"))
	post := httptest.NewRecorder()
	r.ServeHTTP(post, httptest.NewRequest("POST", "https://example.com/items/42", nil))
	req := httptest.NewRequest("GET", "https://example.com/items", nil)
	req.Header.Set("Cookie", strings.Join(cookiePairs(t, post), "; "))
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	if rec.Body.String() != "42" {
		t.Fatalf("chi: %q", rec.Body)
	}
}

func TestConcurrentClients(t *testing.T) {
	m, _ := newManager(t, middleware.Options{})
	srv := app(t, m)
	const clients, requests = 8, 25
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			c := client(t, srv)
			for i := 1; i <= requests; i++ {
				got, _ := call(t, c, "POST", srv.URL+"/incr", nil)
				if got != strconv.Itoa(i) {
					t.Errorf("request %d: counter %s", i, got)
					return
				}
			}
		})
	}
	wg.Wait()
	// One request's goroutines sharing its session.
	rec := serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				s.Set(strconv.Itoa(i), i)
				s.Has("0")
				middleware.Get[int](s, strconv.Itoa(i))
			})
		}
		wg.Wait()
		keys, _ := s.Keys()
		fmt.Fprint(w, len(keys))
	})
	if rec.Body.String() != "8" || len(setCookies(rec)) != 1 {
		t.Fatalf("shared session: %q", rec.Body)
	}
}
