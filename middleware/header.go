package middleware

import "strings"

// headerToken reads the session token from the values of the request's
// Options.TokenHeader: "Bearer TOKEN" for Authorization, the value itself
// for another header. An empty value (or a bare "Bearer") is no token: the
// client asks to be served through headers. More than one value is
// ambiguous, and bad: the request is anonymous and told to drop its token.
// ours is false for an Authorization header of another scheme (Basic, say),
// which is the application's business: the request then uses the cookie.
func (m *Manager) headerToken(vals []string) (in incoming, ours bool) {
	if len(vals) != 1 {
		return incoming{bad: true}, true
	}
	v := strings.TrimSpace(vals[0])
	if m.bearer && v != "" {
		scheme, rest, _ := strings.Cut(v, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return incoming{}, false
		}
		v = strings.TrimSpace(rest)
	}
	if v == "" {
		return incoming{}, true
	}
	return incoming{token: v, bytes: len(v), chunks: 1, primary: true}, true
}
