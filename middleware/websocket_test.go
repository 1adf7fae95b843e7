package middleware_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	cws "github.com/coder/websocket"
	gws "github.com/gorilla/websocket"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
)

// TestWebSocketUpgrade changes the session in the handler that upgrades to
// a WebSocket, with the two common libraries, and checks where the cookie
// goes: coder/websocket sends the headers with its 101, so the cookie
// lands by itself; gorilla/websocket writes its own 101 after the hijack,
// so the lines of Session.Commit must be passed to Upgrade — and when they
// are not, the lost change is reported (ErrCookieNotSent), and panics in
// dev mode.
func TestWebSocketUpgrade(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	upgrader := gws.Upgrader{}
	for _, tc := range []struct {
		name       string
		dev        bool
		upgrade    func(w http.ResponseWriter, r *http.Request) error
		wantCookie bool
	}{
		{"coder", false, func(w http.ResponseWriter, r *http.Request) error {
			c, err := cws.Accept(w, r, nil)
			if err == nil {
				c.Close(cws.StatusNormalClosure, "")
			}
			return err
		}, true},
		{"gorilla with Commit", false, func(w http.ResponseWriter, r *http.Request) error {
			lines, err := middleware.From(r).Commit()
			if err != nil {
				return err
			}
			c, err := upgrader.Upgrade(w, r, http.Header{"Set-Cookie": lines})
			if err == nil {
				c.Close()
			}
			return err
		}, true},
		{"gorilla without Commit", false, func(w http.ResponseWriter, r *http.Request) error {
			c, err := upgrader.Upgrade(w, r, nil)
			if err == nil {
				c.Close()
			}
			return err
		}, false},
		{"gorilla without Commit, dev mode", true, func(w http.ResponseWriter, r *http.Request) (err error) {
			defer func() {
				if p := recover(); p != middleware.ErrCookieNotSent {
					err = errors.New("dev mode did not panic with ErrCookieNotSent")
				}
			}()
			upgrader.Upgrade(w, r, nil)
			return nil
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, l := newManager(t, middleware.Options{Store: newStore(t, cookie.Options{}), Dev: tc.dev})
			handlerErr := make(chan error, 1)
			srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				middleware.From(r).Set("ws", "yes")
				handlerErr <- tc.upgrade(w, r)
			})))
			defer srv.Close()
			url := "ws" + strings.TrimPrefix(srv.URL, "http")
			var resp *http.Response
			if strings.HasPrefix(tc.name, "coder") {
				c, r, err := cws.Dial(ctx, url, nil)
				if err != nil {
					t.Fatal(err)
				}
				c.CloseNow()
				resp = r
			} else {
				c, r, err := gws.DefaultDialer.DialContext(ctx, url, nil)
				if err == nil {
					c.Close()
				}
				resp = r
				if resp == nil {
					t.Fatalf("dial: %v", err)
				}
			}
			if err := <-handlerErr; err != nil {
				t.Fatal(err)
			}
			got := len(resp.Cookies()) == 1 && resp.Cookies()[0].Name == "session"
			// In dev mode the panic stops the upgrade before the hijack:
			// the handler answers normally, and the cookie goes with that.
			if got != tc.wantCookie && !tc.dev {
				t.Fatalf("the 101 carries the session cookie: %v, want %v (Set-Cookie %q)", got, tc.wantCookie, resp.Header.Values("Set-Cookie"))
			}
			lost := false
			for _, err := range l.hooked() {
				lost = lost || errors.Is(err, middleware.ErrCookieNotSent)
			}
			if lost != !tc.wantCookie {
				t.Fatalf("ErrCookieNotSent reported: %v, want %v (hook: %v)", lost, !tc.wantCookie, l.hooked())
			}
			if tc.wantCookie {
				// The cookie the 101 set carries the change.
				c := resp.Cookies()[0]
				if got := serve(m, get("ws"), c.Name+"="+c.Value).Body.String(); got != "yes" {
					t.Fatalf("the upgraded session reads %q", got)
				}
			}
		})
	}
}
