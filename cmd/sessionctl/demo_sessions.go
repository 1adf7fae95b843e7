package main

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
	"github.com/crumbhq/crumb/registry"
)

// The demo's "your sessions": the page's table and the JSON API
// GET /sessions, POST /sessions/{id}/revoke and POST /sessions/revoke-others.

// demoListed is one of the user's sessions as GET /sessions shows it.
type demoListed struct {
	ID       string            `json:"id"`
	Created  time.Time         `json:"created"`
	LastSeen time.Time         `json:"last_seen"`
	Expires  time.Time         `json:"expires"`
	Labels   map[string]string `json:"labels"`
	Current  bool              `json:"current"`
}

func listed(list []cookie.SessionInfo) []demoListed {
	out := make([]demoListed, len(list))
	for i, s := range list {
		labels := s.Labels
		if labels == nil {
			labels = map[string]string{}
		}
		out[i] = demoListed{
			ID: s.ID.String(), Created: s.Created.UTC(), LastSeen: s.LastSeen.UTC(),
			Expires: s.Expires.UTC(), Labels: labels, Current: s.Current,
		}
	}
	return out
}

// listSessions answers GET /sessions: the signed-in user's sessions.
func (a *demoApp) listSessions(w http.ResponseWriter, r *http.Request) {
	list, err := middleware.From(r).Sessions()
	switch {
	case errors.Is(err, middleware.ErrNoSubject):
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "no signed-in session"})
	case err != nil:
		a.failed(w, r, "listing your sessions", err)
	default:
		writeJSON(w, http.StatusOK, listed(list))
	}
}

// revokeSession answers POST /sessions/{id}/revoke: one of the user's
// sessions ends; the request's own is a logout.
func (a *demoApp) revokeSession(w http.ResponseWriter, r *http.Request) {
	s := middleware.From(r)
	id, perr := cookie.ParseSessionID(r.PathValue("id"))
	var err error
	if perr != nil {
		// Not an ID, so not one of the user's sessions: 404, once the
		// request is known to be signed in.
		switch err = s.Err(); {
		case err != nil:
		case s.Subject() == "":
			err = middleware.ErrNoSubject
		default:
			err = cookie.ErrNoSuchSession
		}
	} else {
		err = s.RevokeSession(id)
	}
	// The request's own session is destroyed: no subject is left.
	own := s.Subject() == ""
	switch {
	case errors.Is(err, middleware.ErrNoSubject):
		a.fail(w, r, http.StatusUnauthorized, "sign in to end your sessions")
	case errors.Is(err, cookie.ErrNoSuchSession):
		a.fail(w, r, http.StatusNotFound, "no such session among yours: it may have ended already")
	case errors.Is(err, cookie.ErrPending) && own:
		a.doneStatus(w, r, http.StatusAccepted, "logout-pending")
	case errors.Is(err, cookie.ErrPending):
		a.doneStatus(w, r, http.StatusAccepted, "session-pending")
	case err != nil:
		a.failed(w, r, "signing out that session", err)
	case own:
		a.done(w, r, "logout")
	default:
		a.done(w, r, "session-revoked")
	}
}

// revokeOthers answers POST /sessions/revoke-others: every session of the
// user but the request's own ends.
func (a *demoApp) revokeOthers(w http.ResponseWriter, r *http.Request) {
	err := middleware.From(r).RevokeOtherSessions()
	switch {
	case errors.Is(err, middleware.ErrNoSubject):
		a.fail(w, r, http.StatusUnauthorized, "sign in to end your sessions")
	case errors.Is(err, cookie.ErrPending):
		a.doneStatus(w, r, http.StatusAccepted, "session-pending")
	case err != nil:
		a.failed(w, r, "signing out the other sessions", err)
	default:
		a.done(w, r, "others-revoked")
	}
}

// demoRow is one row of the page's "Your sessions" table.
type demoRow struct {
	ID, Device, Network string
	Created, LastSeen   time.Time
	Current             bool
}

// sessionRows returns the page's table of the user's sessions, or a
// message saying why there is none.
func (a *demoApp) sessionRows(r *http.Request, s *middleware.Session) ([]demoRow, string) {
	list, err := s.Sessions()
	if err != nil {
		a.log.Warn("demo: listing the sessions failed", "path", r.URL.Path, "err", err)
		if errors.Is(err, cookie.ErrRegistryUnavailable) || errors.Is(err, cookie.ErrUnavailable) {
			return nil, "Your sessions cannot be listed right now; try again shortly."
		}
		return nil, "Your sessions cannot be listed; the server log has the details."
	}
	rows := make([]demoRow, len(list))
	for i, e := range list {
		rows[i] = demoRow{
			ID: e.ID.String(), Device: e.Labels["device"], Network: e.Labels["ip"],
			Created: e.Created, LastSeen: e.LastSeen, Current: e.Current,
		}
	}
	return rows, ""
}

// demoLabels is the demo's middleware.Options.Labels: what its sessions
// page shows about a session. Both are coarse on purpose: a registry keeps
// labels in the clear.
func demoLabels(r *http.Request) map[string]string {
	labels := map[string]string{"device": deviceLabel(r.UserAgent())}
	if n := coarseNetwork(r.RemoteAddr); n != "" {
		labels["ip"] = n
	}
	return labels
}

// coarseNetwork returns the network of a "host:port" address, enough to
// tell home from office but not a household: an IPv4 /24 or an IPv6 /48.
// It returns "" for an address it cannot parse.
func coarseNetwork(hostport string) string {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	ip = ip.Unmap().WithZone("")
	bits := 48
	if ip.Is4() {
		bits = 24
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.String()
}

// uaBrowsers are the browser and client names a User-Agent's product
// tokens give, in the order they are tried: browsers built on Chrome name
// Chrome too, and nearly every browser names Safari.
var uaBrowsers = []struct{ token, name string }{
	{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"},
	{"OPR/", "Opera"}, {"Opera", "Opera"},
	{"SamsungBrowser/", "Samsung Internet"}, {"Vivaldi/", "Vivaldi"}, {"YaBrowser/", "Yandex Browser"},
	{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
	{"CriOS/", "Chrome"}, {"Chromium/", "Chromium"}, {"Chrome/", "Chrome"},
	{"Safari/", "Safari"}, {"Trident/", "Internet Explorer"}, {"MSIE ", "Internet Explorer"},
	{"curl/", "curl"}, {"Wget/", "Wget"}, {"Go-http-client/", "Go HTTP client"},
	{"python-requests/", "Python requests"},
}

// uaSystems are the operating systems a User-Agent's comment names, in
// the order they are tried: Android and ChromeOS say Linux too, iOS says
// "like Mac OS X".
var uaSystems = []struct{ token, name string }{
	{"Windows", "Windows"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"iPod", "iOS"},
	{"Android", "Android"}, {"CrOS", "ChromeOS"}, {"Macintosh", "macOS"}, {"Mac OS X", "macOS"},
	{"FreeBSD", "FreeBSD"}, {"OpenBSD", "OpenBSD"}, {"Linux", "Linux"}, {"X11", "Unix"},
}

// deviceLabel describes a client by its User-Agent, such as "Firefox on
// Linux": a browser and a system among well-known ones, else the first
// product name, at most registry.MaxLabelValueLen bytes. It never fails;
// it is a label for people, not a classifier.
func deviceLabel(ua string) string {
	browser, system := "", ""
	for _, b := range uaBrowsers {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, s := range uaSystems {
		if strings.Contains(ua, s.token) {
			system = s.name
			break
		}
	}
	if browser == "" {
		browser = productName(ua)
	}
	label := browser
	switch {
	case browser == "" && system == "":
		label = "Unknown device"
	case browser == "":
		label = "A browser on " + system
	case system != "":
		label = browser + " on " + system
	}
	return truncateUTF8(label, registry.MaxLabelValueLen)
}

// productName returns the first product name of a User-Agent ("MyApp" of
// "MyApp/1.2 (…)"), if it is plain printable ASCII, at most 32 bytes.
func productName(ua string) string {
	name, _, _ := strings.Cut(strings.TrimSpace(ua), "/")
	name, _, _ = strings.Cut(name, " ")
	if name == "" || len(name) > 32 || name == "Mozilla" {
		return ""
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c > '~' {
			return ""
		}
	}
	return name
}

// truncateUTF8 returns s, cut to at most n bytes at a character boundary,
// invalid UTF-8 replaced.
func truncateUTF8(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
