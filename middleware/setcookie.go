package middleware

import (
	"net"
	"net/http"
	"strconv"
	"strings"
)

// attributes builds the attribute suffixes of the session's Set-Cookie
// lines once: scope (Path, Domain) and flags (HttpOnly, Secure, SameSite,
// Partitioned), with and without Secure.
func (m *Manager) attributes(o *Options) {
	m.scope = "; Path=" + o.Path
	if o.Domain != "" {
		m.scope += "; Domain=" + strings.TrimPrefix(o.Domain, ".")
	}
	var same string
	switch o.SameSite {
	case http.SameSiteStrictMode:
		same = "; SameSite=Strict"
	case http.SameSiteNoneMode:
		same = "; SameSite=None"
	default:
		same = "; SameSite=Lax"
	}
	part := ""
	if o.Partitioned {
		part = "; Partitioned"
	}
	m.flagsSecure = "; HttpOnly; Secure" + same + part
	m.flagsPlain = "; HttpOnly" + same + part
	// The longest attributes a line carrying a value gets: with Secure,
	// and a Max-Age of as many digits as an int64 has.
	m.attrMax = len(m.scope) + len(maxAgeAttr) + maxAgeDigits + len(m.flagsSecure)
}

// The Max-Age attribute, and the most digits its value has.
const (
	maxAgeAttr   = "; Max-Age="
	maxAgeDigits = 19 // math.MaxInt64
)

// setCookie formats a Set-Cookie line. maxAge > 0 makes the cookie
// persistent, 0 leaves it a browser-session cookie, and < 0 deletes it.
func (m *Manager) setCookie(p pair, maxAge int64, secure bool) string {
	var b strings.Builder
	b.Grow(len(p.name) + len(p.value) + len(m.scope) + len(m.flagsSecure) + 64)
	b.WriteString(p.name)
	b.WriteByte('=')
	b.WriteString(p.value)
	b.WriteString(m.scope)
	switch {
	case maxAge > 0:
		b.WriteString(maxAgeAttr)
		b.WriteString(strconv.FormatInt(maxAge, 10))
	case maxAge < 0:
		b.WriteString("; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
	}
	if secure {
		b.WriteString(m.flagsSecure)
	} else {
		b.WriteString(m.flagsPlain)
	}
	return b.String()
}

// secureFor reports whether cookies for r get the Secure attribute: always,
// except in dev mode for a request to a loopback host.
func (m *Manager) secureFor(r *http.Request) bool {
	if !m.dev {
		return true
	}
	if isLoopbackHost(r.Host) {
		return false
	}
	m.devWarn.Do(func() {
		m.log.Warn("middleware: dev mode serving a non-loopback host; keeping the Secure attribute", "host", r.Host)
	})
	return true
}

// isLoopbackHost reports whether a Host header names this machine:
// localhost, a name under .localhost (RFC 6761), or a loopback address.
func isLoopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// addVary adds name (a request header) to the Vary header unless it is
// already listed, or Vary is "*". When the response has no Vary yet, the
// value goes into backing (the session's, so that the common case does not
// allocate); a later append by the handler copies it, as for any slice
// whose capacity is full.
func addVary(h http.Header, name string, backing *[1]string) {
	vary := h["Vary"]
	if len(vary) == 0 {
		backing[0] = name
		h["Vary"] = backing[:]
		return
	}
	for _, v := range vary { // canonical already: no lookup through CanonicalMIMEHeaderKey
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, name) {
				return
			}
		}
	}
	h["Vary"] = append(vary, name)
}
