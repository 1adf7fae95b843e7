package middleware_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/websocket"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/middleware"
	"github.com/crumbhq/crumb/registry"
)

// Example mounts the middleware on an http.ServeMux: sign in, remember a
// value, read it back, sign out.
func Example() {
	key, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(key)
	store, err := cookie.New(cookie.Options{Name: "__Host-session", Keys: ring})
	if err != nil {
		panic(err)
	}
	defer store.Close()
	sessions, err := middleware.New(middleware.Options{Store: store})
	if err != nil {
		panic(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		// Check the password first; then a new session ID for the user.
		if err := s.Login(r.FormValue("user")); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		s.Set("flash", "welcome back")
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		if s.Subject() == "" {
			fmt.Fprintln(w, "hello, stranger")
			return
		}
		flash, _ := middleware.Pop[string](s, "flash")
		fmt.Fprintf(w, "hello, %s (%s)\n", s.Subject(), flash)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := middleware.From(r).Destroy(); err != nil {
			http.Error(w, "logout failed; try again", http.StatusServiceUnavailable)
		}
	})
	srv := httptest.NewTLSServer(sessions.Handler(mux)) // http.ListenAndServeTLS in production
	defer srv.Close()

	// A browser: a client with a cookie jar.
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	show := func(resp *http.Response, err error) {
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Print(strings.TrimPrefix(string(body), "\n"))
	}
	show(c.Get(srv.URL))
	show(c.PostForm(srv.URL+"/login", url.Values{"user": {"ann"}}))
	show(c.Get(srv.URL))
	show(c.Get(srv.URL))
	show(c.PostForm(srv.URL+"/logout", nil))
	show(c.Get(srv.URL))
	// Output:
	// hello, stranger
	// hello, ann (welcome back)
	// hello, ann ()
	// hello, stranger
}

// ExampleSession_Sessions lists a user's sessions ("your active sessions")
// and signs one device out. It needs a session registry in the store.
func ExampleSession_Sessions() {
	key, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(key)
	reg, err := registry.NewLocal(registry.LocalOptions{}) // in memory; set Path to keep it across restarts
	if err != nil {
		panic(err)
	}
	defer reg.Close()
	store, err := cookie.New(cookie.Options{Name: "__Host-session", Keys: ring, Registry: reg})
	if err != nil {
		panic(err)
	}
	defer store.Close()
	sessions, err := middleware.New(middleware.Options{
		Store: store,
		// What the list shows about a session: here the User-Agent, cut
		// to the registry's limit (a longer label is refused).
		Labels: func(r *http.Request) map[string]string {
			ua := r.UserAgent()
			return map[string]string{"device": ua[:min(len(ua), registry.MaxLabelValueLen)]}
		},
	})
	if err != nil {
		panic(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		// Check the password first.
		if err := middleware.From(r).Login(r.FormValue("user")); err != nil {
			http.Error(w, "try again", cookie.HTTPStatus(err))
		}
	})
	mux.HandleFunc("GET /sessions", func(w http.ResponseWriter, r *http.Request) {
		list, err := middleware.From(r).Sessions()
		if errors.Is(err, middleware.ErrNoSubject) {
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		} else if err != nil {
			http.Error(w, "try again", cookie.HTTPStatus(err))
			return
		}
		slices.SortFunc(list, func(a, b cookie.SessionInfo) int { return strings.Compare(a.Labels["device"], b.Labels["device"]) })
		for _, s := range list {
			mark := ""
			if s.Current {
				mark = " (this device)"
			}
			fmt.Fprintf(w, "%s %s%s\n", s.ID, s.Labels["device"], mark)
		}
	})
	mux.HandleFunc("POST /sessions/{id}/revoke", func(w http.ResponseWriter, r *http.Request) {
		id, err := cookie.ParseSessionID(r.PathValue("id"))
		if err == nil {
			err = middleware.From(r).RevokeSession(id)
		}
		switch {
		case errors.Is(err, middleware.ErrNoSubject):
			http.Error(w, "sign in first", http.StatusUnauthorized)
		case err != nil:
			http.Error(w, "no such session", cookie.HTTPStatus(err)) // 404 for another user's ID
		}
	})
	srv := httptest.NewTLSServer(sessions.Handler(mux))
	defer srv.Close()

	// Two devices: two clients with their own cookie jars.
	device := func(name string) func(method, path string) (int, string) {
		c := *srv.Client() // a client of its own: the server's is shared
		c.Jar, _ = cookiejar.New(nil)
		return func(method, path string) (int, string) {
			req, _ := http.NewRequest(method, srv.URL+path, nil)
			req.Header.Set("User-Agent", name)
			resp, err := c.Do(req)
			if err != nil {
				panic(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(body)
		}
	}
	phone, laptop := device("phone"), device("laptop")
	phone("POST", "/login?user=ann")
	laptop("POST", "/login?user=ann")

	_, list := phone("GET", "/sessions")
	var laptopID string
	for line := range strings.Lines(list) {
		id, device, _ := strings.Cut(strings.TrimSpace(line), " ")
		if device == "laptop" {
			laptopID = id
		}
		fmt.Println(device) // the IDs are random
	}
	status, _ := phone("POST", "/sessions/"+laptopID+"/revoke")
	fmt.Println("the phone signs the laptop out:", status)
	status, _ = laptop("GET", "/sessions")
	fmt.Println("the laptop lists its sessions:", status)
	// Output:
	// laptop
	// phone (this device)
	// the phone signs the laptop out: 200
	// the laptop lists its sessions: 401
}

// ExampleAddFlash queues messages for the next page, which reads them once:
// a post/redirect/get that says what happened.
func ExampleAddFlash() {
	key, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(key)
	store, _ := cookie.New(cookie.Options{Name: "__Host-session", Keys: ring})
	defer store.Close()
	sessions, _ := middleware.New(middleware.Options{Store: store})

	mux := http.NewServeMux()
	mux.HandleFunc("POST /profile", func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		// Save the profile, then say so on the page the browser goes to.
		middleware.AddFlash(s, "notice", "Profile saved.")
		middleware.AddFlash(s, "notice", "Your e-mail address needs confirming.")
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		notices, _ := middleware.Flashes[string](middleware.From(r), "notice")
		fmt.Fprintf(w, "%d notices %q\n", len(notices), notices)
	})
	srv := httptest.NewTLSServer(sessions.Handler(mux))
	defer srv.Close()
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	for _, resp := range []func() (*http.Response, error){
		func() (*http.Response, error) { return c.PostForm(srv.URL+"/profile", nil) }, // follows the redirect
		func() (*http.Response, error) { return c.Get(srv.URL) },                      // shown once
	} {
		r, err := resp()
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		fmt.Print(string(body))
	}
	// Output:
	// 2 notices ["Profile saved." "Your e-mail address needs confirming."]
	// 0 notices []
}

// ExampleManager_From wraps one handler in two Managers — the signed-in
// session, and a long-lived cookie for the visitor's preferences — and
// reaches each with its own Manager's From (middleware.From gives the
// innermost one's).
func ExampleManager_From() {
	key, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(key)
	login, _ := cookie.New(cookie.Options{Name: "__Host-session", Keys: ring})
	defer login.Close()
	prefs, _ := cookie.New(cookie.Options{Name: "__Host-prefs", Keys: ring})
	defer prefs.Close()
	sessions, _ := middleware.New(middleware.Options{Store: login})
	preferences, _ := middleware.New(middleware.Options{Store: prefs, Persistent: true})

	mux := http.NewServeMux()
	mux.HandleFunc("POST /theme", func(w http.ResponseWriter, r *http.Request) {
		preferences.From(r).Set("theme", r.FormValue("theme"))
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		sessions.From(r).Login(r.FormValue("user"))
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		theme, _ := middleware.Get[string](preferences.From(r), "theme")
		fmt.Fprintf(w, "user %q, theme %q\n", sessions.From(r).Subject(), theme)
	})
	srv := httptest.NewTLSServer(sessions.Handler(preferences.Handler(mux)))
	defer srv.Close()
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	post := func(path string, v url.Values) {
		resp, err := c.PostForm(srv.URL+path, v)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
	}
	post("/theme", url.Values{"theme": {"dark"}})
	post("/login", url.Values{"user": {"ann"}})
	resp, err := c.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(string(body))
	// Output:
	// user "ann", theme "dark"
}

// ExampleSession_Login_rememberMe offers "remember me" at sign-in: that
// session, and only it, gets a persistent cookie and the store's longer
// RememberTimeout. It can be revoked like any other.
func ExampleSession_Login_rememberMe() {
	key, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(key)
	store, _ := cookie.New(cookie.Options{
		Name:            "__Host-session",
		Keys:            ring,
		AbsoluteTimeout: 12 * time.Hour,      // an ordinary session
		RememberTimeout: 30 * 24 * time.Hour, // a remembered one
	})
	defer store.Close()
	sessions, _ := middleware.New(middleware.Options{Store: store})

	login := sessions.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var opts []cookie.LoginOption
		if r.FormValue("remember") == "on" {
			opts = append(opts, cookie.RememberMe)
		}
		// Check the password first.
		if err := middleware.From(r).Login(r.FormValue("user"), opts...); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
		}
	}))
	for _, form := range []string{"user=ann", "user=bob&remember=on"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "https://example.com/login", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		login.ServeHTTP(rec, req)
		c := rec.Result().Cookies()[0]
		fmt.Printf("%s: persistent %v, %d days\n", form, c.MaxAge > 0, (c.MaxAge+60)/86400)
	}
	// Output:
	// user=ann: persistent false, 0 days
	// user=bob&remember=on: persistent true, 30 days
}

// ExampleSession_Commit upgrades to a WebSocket with gorilla/websocket,
// whose Upgrade writes its own response: the session's Set-Cookie lines
// must be handed to it, or the change is lost (and reported as
// ErrCookieNotSent). coder/websocket's Accept needs nothing: it sends the
// response headers, cookie included.
func ExampleSession_Commit() {
	key, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(key)
	store, _ := cookie.New(cookie.Options{Name: "session", Keys: ring})
	defer store.Close()
	sessions, _ := middleware.New(middleware.Options{Store: store})
	upgrader := websocket.Upgrader{}

	srv := httptest.NewServer(sessions.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		s.Set("chat", "joined")
		lines, err := s.Commit() // the cookie, for the upgrader to send
		if err != nil {
			http.Error(w, "session not saved", cookie.HTTPStatus(err))
			return
		}
		conn, err := upgrader.Upgrade(w, r, http.Header{"Set-Cookie": lines})
		if err != nil {
			return
		}
		defer conn.Close()
		conn.WriteMessage(websocket.TextMessage, []byte("welcome"))
	})))
	defer srv.Close()

	conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	_, msg, _ := conn.ReadMessage()
	fmt.Printf("%d, %d session cookie, %s\n", resp.StatusCode, len(resp.Cookies()), msg)
	// Output:
	// 101, 1 session cookie, welcome
}

// ExampleSession_CSRFToken protects forms against cross-site requests:
// http.CrossOriginProtection refuses cross-origin POSTs by the headers
// browsers send, and the session's derived CSRF token, in a hidden field,
// also covers browsers that send neither Sec-Fetch-Site nor Origin.
func ExampleSession_CSRFToken() {
	key, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(key)
	store, _ := cookie.New(cookie.Options{Name: "__Host-session", Keys: ring})
	defer store.Close()
	sessions, _ := middleware.New(middleware.Options{Store: store})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		tok, err := middleware.From(r).CSRFToken()
		if err != nil {
			http.Error(w, "try again", cookie.HTTPStatus(err))
			return
		}
		fmt.Fprintf(w, `<form method="post" action="/transfer"><input type="hidden" name="csrf" value="%s">…</form>`, tok)
	})
	mux.HandleFunc("POST /transfer", func(w http.ResponseWriter, r *http.Request) {
		if !middleware.From(r).CheckCSRF(r.PostFormValue("csrf")) {
			http.Error(w, "this form has expired: reload the page", http.StatusForbidden)
			return
		}
		fmt.Fprintln(w, "sent")
	})
	handler := http.NewCrossOriginProtection().Handler(sessions.Handler(mux))
	srv := httptest.NewTLSServer(handler)
	defer srv.Close()

	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	resp, _ := c.Get(srv.URL)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := strings.Split(strings.Split(string(page), `value="`)[1], `"`)[0]
	for _, form := range []url.Values{{"csrf": {tok}}, {"csrf": {"forged"}}} {
		resp, _ := c.PostForm(srv.URL+"/transfer", form)
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	// Output:
	// 200
	// 403
}

// ExampleOptions_tokenHeader serves an API client that keeps the token
// itself: it signs in sending an empty Authorization: Bearer, receives the
// token in the Session-Token response header, and sends it back as a
// Bearer token. Browsers keep using the cookie.
func ExampleOptions_tokenHeader() {
	key, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(key)
	store, _ := cookie.New(cookie.Options{Name: "__Host-session", Keys: ring})
	defer store.Close()
	sessions, _ := middleware.New(middleware.Options{Store: store, TokenHeader: "Authorization"})

	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/login", func(w http.ResponseWriter, r *http.Request) {
		middleware.From(r).Login(r.FormValue("user")) // check the password first
	})
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%q\n", middleware.From(r).Subject())
	})
	srv := httptest.NewTLSServer(sessions.Handler(mux))
	defer srv.Close()

	do := func(method, path, token string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader("user=ann"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := srv.Client().Do(req)
		if err != nil {
			panic(err)
		}
		return resp
	}
	resp := do("POST", "/api/login", "") // no token yet: served through headers
	resp.Body.Close()
	token := resp.Header.Get("Session-Token")
	fmt.Println("cookies:", len(resp.Cookies()), "token:", token != "")
	resp = do("GET", "/api/me", token)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(string(body))
	// Output:
	// cookies: 0 token: true
	// "ann"
}

// ExampleManager_Handler_chi mounts the middleware on a chi router with
// Use, as on any router that takes func(http.Handler) http.Handler.
func ExampleManager_Handler_chi() {
	key, _ := keyring.NewKey(keyring.StatePrimary)
	ring, _ := keyring.NewRing(key)
	store, _ := cookie.New(cookie.Options{Name: "__Host-session", Keys: ring})
	defer store.Close()
	sessions, _ := middleware.New(middleware.Options{Store: store})

	r := chi.NewRouter()
	r.Use(sessions.Handler)
	r.Post("/cart/{item}", func(w http.ResponseWriter, r *http.Request) {
		middleware.AddFlash(middleware.From(r), "cart", chi.URLParam(r, "item"))
	})
	r.Get("/cart", func(w http.ResponseWriter, r *http.Request) {
		items, _ := middleware.Flashes[string](middleware.From(r), "cart")
		fmt.Fprintln(w, items)
	})
	srv := httptest.NewTLSServer(r)
	defer srv.Close()
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	for _, item := range []string{"tea", "scones"} {
		resp, err := c.Post(srv.URL+"/cart/"+item, "", nil)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
	}
	resp, err := c.Get(srv.URL + "/cart")
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(string(body))
	// Output:
	// [tea scones]
}
