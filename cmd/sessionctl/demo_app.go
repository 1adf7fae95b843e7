package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/middleware"
	"github.com/crumbhq/crumb/revocation"
)

// demoRemember is how long a session signed in with "remember me" lives.
const demoRemember = 30 * 24 * time.Hour

// demoMaxBody caps a request body of the demo's JSON API.
const demoMaxBody = 64 << 10

// demoApp is the demo web application: an HTML page and a JSON API over
// the middleware's session.
type demoApp struct {
	sessions *middleware.Manager
	keys     keyring.Source
	log      *slog.Logger
}

func newDemoApp(m *middleware.Manager, keys keyring.Source, log *slog.Logger) http.Handler {
	a := &demoApp{sessions: m, keys: keys, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", a.stats)
	mux.HandleFunc("GET /{$}", a.page)
	mux.HandleFunc("GET /session", a.getSession)
	mux.HandleFunc("POST /session", a.postSession)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("POST /logout", a.logout)
	mux.HandleFunc("POST /logout-all", a.logoutAll)
	mux.HandleFunc("GET /sessions", a.listSessions)
	mux.HandleFunc("POST /sessions/{id}/revoke", a.revokeSession)
	mux.HandleFunc("POST /sessions/revoke-others", a.revokeOthers)
	return mux
}

// demoSession is a session as GET /session shows it.
type demoSession struct {
	Subject      string                     `json:"subject,omitempty"`
	Data         map[string]json.RawMessage `json:"data"`
	Created      time.Time                  `json:"created"`
	Issued       time.Time                  `json:"issued"`
	IdleDeadline time.Time                  `json:"idle_deadline"`
	Expires      time.Time                  `json:"expires"`
	KeyID        string                     `json:"key_id"`
	CookieBytes  int                        `json:"cookie_bytes"`
	Chunks       int                        `json:"chunks"`
	Remembered   bool                       `json:"remembered,omitempty"`
}

// describe returns the session as the demo shows it; ok is false when the
// request brought no session.
func describe(s *middleware.Session) (demoSession, bool) {
	if s.IsNew() {
		return demoSession{}, false
	}
	i := s.Info()
	d := demoSession{
		Subject: s.Subject(), Data: map[string]json.RawMessage{},
		Created: i.Created.UTC(), Issued: i.Issued.UTC(), IdleDeadline: i.IdleDeadline.UTC(), Expires: i.Expires.UTC(),
		KeyID: keyring.FormatID(i.KeyID), CookieBytes: i.CookieBytes, Chunks: i.Chunks, Remembered: i.Remembered,
	}
	keys, _ := s.Keys()
	for _, k := range keys {
		if v, err := middleware.Get[json.RawMessage](s, k); err == nil {
			d.Data[k] = v
		}
	}
	return d, true
}

// wantsHTML reports whether the client is a browser submitting the page's
// forms (it asks for HTML): it gets a redirect to the page, scripts get
// JSON.
func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// demoMessages are the page's notices, named in its URL (/?m=login) after
// a form post, so that showing one after a logout does not start a session
// the way a flash message in the session would.
var demoMessages = map[string]string{
	"login": "Logged in.", "saved": "Saved.", "logout": "Logged out: the session is revoked.",
	"logout-all":      "Logged out everywhere: every session of the user is revoked.",
	"logout-pending":  "Logged out on this server. The other servers refuse the session too once they reach the shared revocation store again.",
	"session-revoked": "Signed out that session: its next request is anonymous.",
	"others-revoked":  "Signed out every other session.",
	"session-pending": "Signed out on this server. The other servers refuse the session too once they reach the shared revocation store again.",
}

// done answers a successful POST: back to the page for a browser, JSON for
// a script.
func (a *demoApp) done(w http.ResponseWriter, r *http.Request, code string) {
	a.doneStatus(w, r, http.StatusOK, code)
}

// doneStatus is done with the status a script gets.
func (a *demoApp) doneStatus(w http.ResponseWriter, r *http.Request, status int, code string) {
	if wantsHTML(r) {
		http.Redirect(w, r, "/?m="+code, http.StatusSeeOther)
		return
	}
	writeJSON(w, status, map[string]any{"ok": true, "message": demoMessages[code]})
}

// demoStats is what GET /stats shows: the revocation set's size and bounds.
type demoStats struct {
	Sessions      int    `json:"revoked_sessions"`
	Tokens        int    `json:"revoked_tokens"`
	Subjects      int    `json:"revoked_subjects"`
	Capacity      int    `json:"capacity"`
	MaxPerSubject int    `json:"max_per_subject"`
	Collapses     uint64 `json:"collapses"`
	Health        string `json:"health"`
}

// stats answers GET /stats.
func (a *demoApp) stats(w http.ResponseWriter, r *http.Request) {
	st := a.sessions.Stats().Store.Revocations
	health := "ok"
	if err := a.sessions.Store().Healthy(r.Context()); err != nil {
		health = "degraded"
		if !errors.Is(err, revocation.ErrDegraded) {
			health = "unavailable"
		}
	}
	writeJSON(w, http.StatusOK, demoStats{
		Sessions: st.Sessions, Tokens: st.Tokens, Subjects: st.Subjects, Capacity: st.Capacity,
		MaxPerSubject: st.MaxPerSubject, Collapses: st.Collapses, Health: health,
	})
}

// failed answers a failure of what: a short message for the user chosen by
// the error's class, the error itself to the log only (it may name files
// or servers).
func (a *demoApp) failed(w http.ResponseWriter, r *http.Request, what string, err error) {
	a.log.Warn("demo: "+what+" failed", "path", r.URL.Path, "err", err)
	status, msg := cookie.HTTPStatus(err), what+" failed; try again"
	var size *cookie.SizeError
	switch {
	case errors.As(err, &size):
		unit := "bytes"
		if size.What == "token" {
			unit = "characters"
		}
		msg = fmt.Sprintf("the session would be too large to save: its %s would take %d %s, and %d is the limit; remove some data (a null value deletes a key) and try again", size.What, size.Size, unit, size.Limit)
	case errors.Is(err, cookie.ErrUnavailable):
		msg = what + " failed: the revocation store is unavailable right now; try again shortly"
	case errors.Is(err, cookie.ErrRegistryUnavailable):
		msg = what + " failed: the session registry is unavailable right now; try again shortly"
	case errors.Is(err, middleware.ErrLogoutUnverified):
		// The request's cookies, not the server, are at fault.
		status = http.StatusBadRequest
		msg = what + " could not identify your session (the request carried its cookie more than once); your session may still be active elsewhere"
	case status == http.StatusInternalServerError:
		msg = what + " failed; the server log has the details"
	}
	a.fail(w, r, status, msg)
}

// fail answers an error: a short HTML page for a browser, JSON for a
// script.
func (a *demoApp) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if wantsHTML(r) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		demoError.Execute(w, msg)
		return
	}
	writeJSON(w, status, map[string]string{"error": msg})
}

var demoError = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crumb demo: error</title></head>
<body><p id="error">{{.}}</p><p><a href="/">Back</a></p></body></html>
`))

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (a *demoApp) getSession(w http.ResponseWriter, r *http.Request) {
	d, ok := describe(middleware.From(r))
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "no session"})
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (a *demoApp) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, demoMaxBody)
	if err := r.ParseForm(); err != nil {
		a.fail(w, r, http.StatusBadRequest, "the body must be a form under 64 KiB with the field user")
		return
	}
	user := strings.TrimSpace(r.PostFormValue("user"))
	if user == "" || len(user) > 64 {
		a.fail(w, r, http.StatusBadRequest, "user must be 1 to 64 bytes")
		return
	}
	var opts []cookie.LoginOption
	if r.PostFormValue("remember") != "" {
		opts = append(opts, cookie.RememberMe) // a persistent cookie, demoRemember long
	}
	s := middleware.From(r)
	if err := s.Login(user, opts...); err != nil {
		a.failed(w, r, "login", err)
		return
	}
	a.done(w, r, "login")
}

// postSession merges a JSON object into the session data (API), or sets
// one key from the page's form: a value, or random data of a given size to
// see the cookie grow and split.
func (a *demoApp) postSession(w http.ResponseWriter, r *http.Request) {
	s := middleware.From(r)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, demoMaxBody))
	if err != nil {
		a.fail(w, r, http.StatusRequestEntityTooLarge, "body over 64 KiB")
		return
	}
	updates := map[string]json.RawMessage{}
	// A JSON object (scripts; curl -d sends it as a form, so the body
	// decides), or the page's form fields.
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		if err := dec.Decode(&updates); err != nil || dec.More() || updates == nil {
			a.fail(w, r, http.StatusBadRequest, "the body must be one JSON object")
			return
		}
	} else {
		form, err := url.ParseQuery(string(body))
		key := strings.TrimSpace(form.Get("key"))
		if err != nil || key == "" {
			a.fail(w, r, http.StatusBadRequest, "send a JSON object, or the form fields key and value")
			return
		}
		value := form.Get("value")
		if n, err := strconv.Atoi(form.Get("random")); err == nil && n > 0 {
			value = randomText(min(n, 16<<10))
		}
		b, _ := json.Marshal(value)
		updates[key] = b
	}
	// What the keys held before, to put back if the session cannot be saved.
	before := map[string]json.RawMessage{}
	for k := range updates {
		if v, err := middleware.Get[json.RawMessage](s, k); err == nil {
			before[k] = v
		}
	}
	for k, v := range updates {
		var err error
		if string(v) == "null" {
			err = s.Remove(k)
		} else {
			err = s.Set(k, v)
		}
		if err != nil {
			a.log.Warn("demo: a value could not be stored", "key", k, "err", err)
			a.fail(w, r, http.StatusBadRequest, "the value of "+strconv.Quote(k)+" could not be stored in the session")
			return
		}
	}
	// Save now, so that a session too large for its cookies is answered
	// here rather than only reported to the log.
	if err := s.Save(); err != nil {
		for k := range updates { // nothing of a failed update stays
			if v, ok := before[k]; ok {
				s.Set(k, v)
			} else {
				s.Remove(k)
			}
		}
		a.failed(w, r, "saving the session", err)
		return
	}
	a.done(w, r, "saved")
}

func (a *demoApp) logout(w http.ResponseWriter, r *http.Request) {
	err := middleware.From(r).Destroy()
	switch {
	case errors.Is(err, cookie.ErrPending):
		a.doneStatus(w, r, http.StatusAccepted, "logout-pending")
	case err != nil:
		a.failed(w, r, "logout", err)
	default:
		a.done(w, r, "logout")
	}
}

func (a *demoApp) logoutAll(w http.ResponseWriter, r *http.Request) {
	err := middleware.From(r).DestroyAll()
	switch {
	case errors.Is(err, cookie.ErrPending):
		a.doneStatus(w, r, http.StatusAccepted, "logout-pending")
	case err != nil:
		a.failed(w, r, "logout everywhere", err)
	default:
		a.done(w, r, "logout-all")
	}
}

// randomText returns n characters of random base64: data that does not
// compress, to see the cookie grow.
func randomText(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

func (a *demoApp) page(w http.ResponseWriter, r *http.Request) {
	s := middleware.From(r)
	flash := demoMessages[r.URL.Query().Get("m")]
	d, ok := describe(s)
	var rows []demoRow
	var rowsErr string
	if d.Subject != "" {
		rows, rowsErr = a.sessionRows(r, s)
	}
	var data []demoValue
	for k, v := range d.Data {
		data = append(data, demoValue{k, abbreviate(string(v), 120)})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	token, hasToken := anatomy(s)
	demoPage.Execute(w, demoPageData{
		Flash: flash, Session: ok, S: d, Data: data, Stats: a.sessions.Stats(),
		Token: token, HasToken: hasToken,
		Sessions: rows, SessionsErr: rowsErr,
		PrimaryKey: keyring.FormatID(a.keys.Ring().Primary().ID),
	})
}

type demoValue struct{ Key, Value string }

type demoPageData struct {
	Flash   string
	Session bool
	S       demoSession
	Data    []demoValue
	// Sessions are the user's sessions, or SessionsErr says why they
	// cannot be listed; neither for an anonymous session.
	Sessions    []demoRow
	SessionsErr string
	Stats       middleware.Stats
	PrimaryKey  string
	// Token is the request's token taken apart, when it carried one.
	Token    demoAnatomy
	HasToken bool
}

func abbreviate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

var demoPage = template.Must(template.New("demo").Funcs(template.FuncMap{
	"ago":   func(t time.Time) string { return time.Until(t).Round(time.Second).String() },
	"since": func(t time.Time) string { return time.Since(t).Round(time.Second).String() },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>crumb demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222 }
table { border-collapse: collapse } td, th { padding: .2rem .8rem .2rem 0; text-align: left; vertical-align: top }
code { font-size: 13px } td code { word-break: break-all } .flash { background: #eef6ee; padding: .5rem 1rem }
form { margin: .6rem 0 } input { font: inherit; max-width: 100% }
.nowrap { white-space: nowrap } .note { color: #555; font-size: 13px }
#anatomy th, button { white-space: nowrap } #anatomy code { word-break: break-all }
ul.api, ul.counters { padding-left: 1.2rem } ul.api li, ul.counters li { margin: .15rem 0 }
@media (max-width: 32rem) {
  body { margin: 1rem auto } #sessions th:nth-child(2), #sessions td:nth-child(2), #sessions th:nth-child(3), #sessions td:nth-child(3) { display: none }
}
</style></head>
<body>
<h1>crumb demo</h1>
<p>A stateless session: the cookie <em>is</em> the session, sealed with XChaCha20-Poly1305. Logout is real: the session's ID goes into a revocation set.</p>
{{if .Flash}}<p class="flash" id="flash">{{.Flash}}</p>{{end}}
{{if .Session}}
<h2>Your session</h2>
<table id="session">
<tr><th>user</th><td id="subject">{{if .S.Subject}}{{.S.Subject}}{{else}}(anonymous){{end}}</td></tr>
<tr><th>cookie</th><td id="cookie">{{.S.CookieBytes}} bytes in {{.S.Chunks}} cookie(s)</td></tr>
<tr><th>sealed with key</th><td id="key">{{.S.KeyID}}</td></tr>
<tr><th>idle expiry</th><td>{{.S.IdleDeadline.Format "15:04:05 MST"}} (in {{ago .S.IdleDeadline}}; every write or touch moves it)</td></tr>
<tr><th>absolute expiry</th><td>{{.S.Expires.Format "2006-01-02 15:04:05 MST"}} (in {{ago .S.Expires}}; nothing moves it)</td></tr>
</table>
{{if .HasToken}}
<h3>The token</h3>
<p class="note">This is the whole session, in your browser: {{.Token.Characters}} characters of base64url ({{.Token.Bytes}} bytes) in {{.Token.Chunks}} cookie(s). Its header is readable by anyone; the rest is encrypted and authenticated.</p>
<table id="anatomy">
<tr><th>version</th><td>{{.Token.Version}} <span class="note">(1 byte)</span></td></tr>
<tr><th>key ID</th><td><code>{{.Token.KeyID}}</code> <span class="note">(4 bytes: which key of the keyring sealed it, so a rotated key still opens it)</span></td></tr>
<tr><th>nonce</th><td><code>{{.Token.Nonce}}</code> <span class="note">(24 random bytes, new for every token)</span></td></tr>
<tr><th>ciphertext</th><td>{{.Token.Ciphertext}} bytes <span class="note">(the claims — ID, user, times — and the data, encrypted with XChaCha20; data compressed: {{.Token.Compression}}{{if .Token.Padded}}, padded to a size bucket{{end}})</span></td></tr>
<tr><th>tag</th><td><code>{{.Token.Tag}}</code> <span class="note">(16 bytes of Poly1305: change one bit of the cookie and it fails)</span></td></tr>
</table>
{{end}}
<h3>Data</h3>
{{if .Data}}<table>{{range .Data}}<tr><th>{{.Key}}</th><td><code>{{.Value}}</code></td></tr>{{end}}</table>{{else}}<p>(none)</p>{{end}}
{{if .S.Subject}}
<h2>Your sessions</h2>
{{if .SessionsErr}}<p id="sessions-error">{{.SessionsErr}}</p>{{else}}
<table id="sessions">
<tr><th>device</th><th>network</th><th>created</th><th>last active</th><th></th></tr>
{{range .Sessions}}<tr{{if .Current}} class="current"{{end}}>
<td>{{if .Device}}{{.Device}}{{else}}(unknown){{end}}{{if .Current}} <strong class="this-device">(this device)</strong>{{end}}</td>
<td>{{.Network}}</td>
<td>{{.Created.Format "2006-01-02 15:04:05 MST"}}</td>
<td>{{since .LastSeen}} ago</td>
<td><form method="post" action="/sessions/{{.ID}}/revoke"><button>{{if .Current}}Log out{{else}}Sign out{{end}}</button></form></td>
</tr>{{end}}
</table>
<p>Last active is when the session's cookie was last reissued (on a change, or every few minutes of use), not every request: the list costs nothing on reads.</p>
<form method="post" action="/sessions/revoke-others"><button>Sign out all other sessions</button></form>
{{end}}
{{end}}
{{else}}
<p id="subject">No session yet: log in or add some data.</p>
{{end}}
<h2>Do something</h2>
<form method="post" action="/login"><input name="user" placeholder="user name" required> <label><input type="checkbox" name="remember"> remember me</label> <button id="login">Log in</button></form>
<form method="post" action="/session"><input name="key" placeholder="key" required> <input name="value" placeholder="value"> <button>Add data</button></form>
<form method="post" action="/session"><input type="hidden" name="key" value="blob"><input type="hidden" name="random" value="4000"> <button id="add-random">Add 4 KB of random data (two cookies)</button></form>
{{if .S.Subject}}<form method="post" action="/logout" id="logout"><button>Log out</button></form>
<form method="post" action="/logout-all" id="logout-all"><button>Log out everywhere</button></form>{{end}}
<h2>Server</h2>
<p>Primary key <code>{{.PrimaryKey}}</code>. What this server has counted since it started:</p>
<ul class="counters" id="counters">
<li><strong>{{.Stats.Store.Opened}}</strong> sessions opened: cookies decrypted, authenticated and checked against the revocation set.</li>
<li><strong>{{.Stats.Written}}</strong> tokens written ({{.Stats.Chunked}} split over several cookies): a new token after every change, login or reissue.</li>
<li><strong>{{.Stats.Store.Revocations.Sessions}}</strong> revoked sessions and <strong>{{.Stats.Store.Revocations.Subjects}}</strong> users logged out everywhere: all the server remembers, at most {{.Stats.Store.Revocations.MaxPerSubject}} entries a user, each gone when its tokens expire.</li>
<li><strong>{{.Stats.Store.Invalid}}</strong> invalid cookies (tampered, or sealed by another key or site), <strong>{{.Stats.Store.Revoked}}</strong> revoked (replayed after a logout), <strong>{{.Stats.Store.IdleExpired}}</strong> idle-expired: each read as no session.</li>
</ul>
<p>The same as JSON:</p>
<ul class="api">
<li><code class="nowrap">curl -c jar -b jar -d user=ann URL/login</code></li>
<li><code class="nowrap">GET /session</code>, <code class="nowrap">POST /session</code> with a JSON object</li>
<li><code class="nowrap">POST /logout</code>, <code class="nowrap">POST /logout-all</code></li>
<li><code class="nowrap">GET /sessions</code>, <code class="nowrap">POST /sessions/ID/revoke</code></li>
</ul>
</body></html>
`))
