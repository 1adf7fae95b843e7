// This file is a verbatim copy of crumb's internal/sessiongen (an internal
// package cannot be imported from another module). Keep them in step: the
// payloads of both benchmark suites must be byte-identical.

// Package sessiongen produces deterministic, realistic web-session data.
//
// It is the corpus behind crumb's built-in compression dictionary (see
// codec/dictionaries) and the payloads used by tests and benchmarks. Three
// shapes cover the sizes that matter for cookies:
//
//   - Small (~150 bytes of JSON): a signed-in user, CSRF token, locale.
//   - Medium (~1 KB): profile, preferences, a cart, flash messages.
//   - Large (~6 KB): an OIDC login with ID, access and refresh tokens and claims.
//
// Output depends only on the seed, so a corpus regenerated on another machine
// is byte-identical. The randomness is math/rand/v2's PCG: this is test data,
// never key material.
package sessiongen

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Gen is a deterministic generator of session values. It is not safe for
// concurrent use.
type Gen struct {
	r *rand.Rand
}

// New returns a generator whose output depends only on seed.
func New(seed uint64) *Gen {
	return &Gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

var (
	givenNames  = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Donald", "Frances", "Linus", "Radia", "Dennis", "Sophie", "Tim", "Hedy", "John", "Anita", "Niklaus", "Leslie", "Katherine"}
	familyNames = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Knuth", "Allen", "Torvalds", "Perlman", "Ritchie", "Wilson", "Berners-Lee", "Lamarr", "McCarthy", "Borg", "Wirth", "Lamport", "Johnson"}
	domains     = []string{"example.com", "example.org", "mail.example.net", "corp.example", "users.example.io"}
	locales     = []string{"en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "pt-BR", "ja-JP", "nl-NL", "sv-SE", "it-IT"}
	timezones   = []string{"Europe/Berlin", "America/New_York", "America/Los_Angeles", "Europe/London", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo", "Europe/Paris", "UTC"}
	roles       = []string{"user", "admin", "editor", "viewer", "billing", "support", "owner"}
	themes      = []string{"light", "dark", "system"}
	pages       = []string{"/", "/dashboard", "/settings", "/settings/security", "/billing", "/projects", "/projects/new", "/reports", "/search?q=invoice", "/inbox", "/team"}
	skus        = []string{"SKU-1001", "SKU-2040", "SKU-3317", "SKU-4420", "SKU-5005", "SKU-6112", "SKU-7780", "SKU-8051"}
	flashes     = []string{"Your changes have been saved.", "Welcome back!", "Password updated successfully.", "Item added to your cart.", "Invitation sent.", "Your session will expire soon."}
	scopes      = []string{"openid", "profile", "email", "offline_access", "groups", "api:read", "api:write"}
	groups      = []string{"engineering", "platform", "security", "sre", "design", "sales", "support", "finance", "leadership", "oncall", "interns", "contractors"}
	issuers     = []string{"https://accounts.example.com", "https://login.example.org/oauth2/default", "https://idp.corp.example/realms/main"}
	userAgents  = []string{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"}
	perms       = []string{"projects:read", "projects:write", "projects:delete", "billing:read", "billing:write", "users:read", "users:invite", "users:admin", "reports:read", "reports:export", "files:read", "files:write", "audit:read", "settings:read", "settings:write", "api-keys:read", "api-keys:create", "webhooks:manage", "sso:configure", "support:impersonate"}
	flags       = []string{"new_nav", "beta_reports", "dark_launch_search", "ai_assist", "fast_checkout", "v2_billing"}
)

func pick[T any](g *Gen, xs []T) T { return xs[g.r.IntN(len(xs))] }

// token returns n pseudo-random bytes in base64url, like a CSRF token or a
// signature: incompressible, as real ones are.
func (g *Gen) token(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.Uint32())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (g *Gen) userID() int64 { return 10000 + g.r.Int64N(90_000_000) }

func (g *Gen) unix() int64 { return 1_760_000_000 + g.r.Int64N(20_000_000) }

func (g *Gen) person() (given, family, email string) {
	given, family = pick(g, givenNames), pick(g, familyNames)
	email = strings.ToLower(given+"."+strings.ReplaceAll(family, "-", "")) + "@" + pick(g, domains)
	return given, family, email
}

func (g *Gen) subset(xs []string, min, max int) []string {
	n := min + g.r.IntN(max-min+1)
	perm := g.r.Perm(len(xs))
	out := make([]string, 0, n)
	for _, i := range perm[:n] {
		out = append(out, xs[i])
	}
	return out
}

// Small returns a ~150-byte session: who is signed in, a CSRF token, locale.
func (g *Gen) Small() map[string]any {
	return map[string]any{
		"uid":      g.userID(),
		"csrf":     g.token(24),
		"locale":   pick(g, locales),
		"login_at": g.unix(),
		"roles":    g.subset(roles, 1, 2),
		"tz":       pick(g, timezones),
	}
}

// Medium returns a ~1 KB session: Small plus profile, preferences, a cart,
// recent pages, feature flags and a flash message.
func (g *Gen) Medium() map[string]any {
	s := g.Small()
	given, family, email := g.person()
	s["name"] = given + " " + family
	s["email"] = email
	s["prefs"] = map[string]any{
		"theme":         pick(g, themes),
		"tz":            pick(g, timezones),
		"notifications": map[string]any{"email": g.r.IntN(2) == 1, "push": g.r.IntN(2) == 1, "digest": "weekly"},
		"page_size":     []int{10, 25, 50, 100}[g.r.IntN(4)],
	}
	cart := make([]any, 1+g.r.IntN(3))
	for i := range cart {
		cart[i] = map[string]any{"sku": pick(g, skus), "qty": 1 + g.r.IntN(4), "price_cents": 199 + g.r.IntN(20000), "currency": "EUR"}
	}
	s["cart"] = cart
	s["recent"] = g.subset(pages, 3, 5)
	s["flags"] = g.subset(flags, 2, 4)
	s["flash"] = []any{map[string]any{"kind": "info", "msg": pick(g, flashes)}}
	s["oauth_state"] = g.token(16)
	s["return_to"] = pick(g, pages)
	s["last_seen"] = g.unix()
	s["org_id"] = fmt.Sprintf("org_%s", g.token(9))
	s["consent"] = map[string]any{"analytics": g.r.IntN(2) == 1, "marketing": g.r.IntN(2) == 1, "version": "2025-03"}
	s["experiments"] = map[string]any{"checkout_flow": pick(g, []string{"control", "a", "b"}), "search_ranker": pick(g, []string{"bm25", "hybrid"})}
	s["device"] = map[string]any{"ua": pick(g, userAgents), "ip_hash": g.token(12), "first_seen": g.unix()}
	return s
}

// jwt returns a JWT-shaped string: base64url JSON header and claims and a
// random signature, as identity providers issue them.
func (g *Gen) jwt(claims map[string]any, sigLen int) string {
	hdr := map[string]any{"alg": "RS256", "typ": "JWT", "kid": g.token(12)}
	h, _ := json.Marshal(hdr)
	c, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c) + "." + g.token(sigLen)
}

// Large returns a ~6 KB session: Medium plus an OIDC login (ID, access and
// refresh tokens) and the ID token's claims, the shape that overflows a
// single cookie without compression.
func (g *Gen) Large() map[string]any {
	s := g.Medium()
	given, family, email := g.person()
	iss := pick(g, issuers)
	sub := g.token(18)
	iat := g.unix()
	grp := g.subset(groups, 4, 8)
	claims := map[string]any{
		"iss": iss, "sub": sub, "aud": "crumb-demo-" + g.token(6), "iat": iat, "exp": iat + 3600,
		"auth_time": iat - int64(g.r.IntN(600)), "nonce": g.token(16),
		"email": email, "email_verified": true, "name": given + " " + family,
		"given_name": given, "family_name": family, "locale": pick(g, locales),
		"picture": "https://cdn.example.com/avatars/" + g.token(12) + ".png",
		"groups":  grp, "amr": []string{"pwd", "mfa"}, "acr": "urn:example:loa:2",
		"address":  map[string]any{"street_address": fmt.Sprintf("%d Example Street", 1+g.r.IntN(400)), "locality": pick(g, []string{"Berlin", "Boston", "Lyon", "Osaka", "Porto"}), "postal_code": fmt.Sprintf("%05d", g.r.IntN(100000)), "country": pick(g, []string{"DE", "US", "FR", "JP", "PT"})},
		"zoneinfo": pick(g, timezones), "updated_at": iat - int64(g.r.IntN(86400*90)),
	}
	access := map[string]any{
		"iss": iss, "sub": sub, "aud": []string{"https://api.example.com", "https://files.example.com"},
		"iat": iat, "exp": iat + 900, "scope": strings.Join(g.subset(scopes, 3, 6), " "),
		"client_id": "crumb-demo", "jti": g.token(16), "groups": grp,
		"roles": g.subset(roles, 1, 3), "tenant": "org_" + g.token(9),
		"permissions": g.subset(perms, 10, 18), "sid": g.token(16), "azp": "crumb-demo",
	}
	s["oidc"] = map[string]any{
		"id_token":      g.jwt(claims, 512),
		"access_token":  g.jwt(access, 512),
		"refresh_token": g.token(160),
		"token_type":    "Bearer",
		"expires_at":    iat + 900,
		"scope":         access["scope"],
		"session_state": g.token(24),
	}
	s["permissions"] = access["permissions"]
	s["claims"] = claims
	return s
}

// JSON returns v marshalled with encoding/json (keys sorted, no spaces), the
// form crumb's default serializer produces.
func JSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("sessiongen: " + err.Error()) // only plain maps, slices and scalars are generated
	}
	return b
}

// Corpus returns n JSON-encoded sessions mixing the three shapes in the
// proportions a dictionary should serve: mostly small and medium sessions,
// some large ones.
func Corpus(seed uint64, n int) [][]byte {
	g := New(seed)
	out := make([][]byte, 0, n)
	for i := range n {
		var v map[string]any
		switch i % 4 {
		case 0, 1:
			v = g.Small()
		case 2:
			v = g.Medium()
		default:
			v = g.Large()
		}
		out = append(out, JSON(v))
	}
	return out
}

const (
	// CorpusSeed and CorpusSize define the corpus that crumb's built-in
	// dictionary was trained on (testdata/corpus/sessions-v1.jsonl.zst).
	CorpusSeed = 1
	CorpusSize = 512
)
