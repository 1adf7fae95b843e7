package variedcorpus

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"
)

// gen is the seeded source of everything random-looking. Test data, never
// key material.
type gen struct{ r *rand.Rand }

func (g *gen) n(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

func (g *gen) coin(p float64) bool { return g.r.Float64() < p }

func pick[T any](g *gen, xs []T) T { return xs[g.r.IntN(len(xs))] }

func (g *gen) some(xs []string, lo, hi int) []any {
	k := g.n(lo, min(hi, len(xs)))
	out := make([]any, 0, k)
	for _, i := range g.r.Perm(len(xs))[:k] {
		out = append(out, xs[i])
	}
	return out
}

func (g *gen) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.Uint32())
	}
	return b
}

func (g *gen) hex(n int) string { return fmt.Sprintf("%x", g.bytes((n+1)/2))[:n] }

func (g *gen) b64url(n int) string { return base64.RawURLEncoding.EncodeToString(g.bytes(n)) }

func (g *gen) b64(n int) string { return base64.StdEncoding.EncodeToString(g.bytes(n)) }

func (g *gen) chars(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

const (
	alnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	bcrypt = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	digits = "0123456789"
)

func (g *gen) uuid() string {
	h := g.hex(32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}

func (g *gen) unix() int64 { return 1_760_000_000 + g.r.Int64N(20_000_000) }

func iso(t int64) string { return time.Unix(t, 0).UTC().Format("2006-01-02T15:04:05.000Z") }

// jwt returns a JWT: base64url JSON header and claims and a random
// signature of sigLen bytes (256 for RS256, 64 for ES256 and HS512).
func (g *gen) jwt(header, claims map[string]any, sigLen int) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c) + "." + g.b64url(sigLen)
}

// person is an invented user, in several scripts.
type person struct {
	given, family, email, locale, tz string
}

var people = []struct{ given, family, ascii, locale, tz string }{
	{"Jürgen", "Müller", "juergen.mueller", "de-DE", "Europe/Berlin"},
	{"Zoë", "Dubois", "zoe.dubois", "fr-FR", "Europe/Paris"},
	{"José", "Álvarez", "jose.alvarez", "es-ES", "Europe/Madrid"},
	{"Łukasz", "Wójcik", "lukasz.wojcik", "pl-PL", "Europe/Warsaw"},
	{"Søren", "Østergaard", "soren.ostergaard", "da-DK", "Europe/Copenhagen"},
	{"Ayşe", "Yılmaz", "ayse.yilmaz", "tr-TR", "Europe/Istanbul"},
	{"美咲", "田中", "misaki.tanaka", "ja-JP", "Asia/Tokyo"},
	{"伟", "王", "wei.wang", "zh-CN", "Asia/Shanghai"},
	{"Дмитрий", "Иванов", "dmitry.ivanov", "ru-RU", "Europe/Moscow"},
	{"ليلى", "حداد", "layla.haddad", "ar-EG", "Africa/Cairo"},
	{"Priya", "Sharma", "priya.sharma", "en-IN", "Asia/Kolkata"},
	{"An", "Nguyễn", "an.nguyen", "vi-VN", "Asia/Ho_Chi_Minh"},
	{"Björn", "Ångström", "bjorn.angstrom", "sv-SE", "Europe/Stockholm"},
	{"Kateřina", "Nováková", "katerina.novakova", "cs-CZ", "Europe/Prague"},
	{"Maria", "Santos", "maria.santos", "pt-BR", "America/Sao_Paulo"},
	{"Emily", "Carter", "emily.carter", "en-US", "America/Chicago"},
	{"Oliver", "Bennett", "oliver.bennett", "en-GB", "Europe/London"},
	{"Giulia", "Ricci", "giulia.ricci", "it-IT", "Europe/Rome"},
	{"Noa", "Levi", "noa.levi", "he-IL", "Asia/Jerusalem"},
	{"서연", "김", "seoyeon.kim", "ko-KR", "Asia/Seoul"},
	{"Liam", "O'Connor", "liam.oconnor", "en-IE", "Europe/Dublin"},
	{"Aroha", "Ngata", "aroha.ngata", "en-NZ", "Pacific/Auckland"},
}

var mailDomains = []string{"example.com", "example.org", "example.net", "mail.example.de", "corp.example", "users.example.io", "example.co.jp"}

func (g *gen) person() person {
	p := pick(g, people)
	return person{p.given, p.family, p.ascii + "@" + pick(g, mailDomains), p.locale, p.tz}
}

var (
	paths = []string{"/", "/dashboard", "/account", "/account/security", "/orders", "/orders/1042", "/checkout/shipping", "/checkout/payment", "/admin/users?page=3", "/projects/new", "/search?q=winter+jacket", "/de/konto/bestellungen", "/fr/panier", "/ja/mypage", "/settings/notifications", "/invoices/2025-11"}
	hosts = []string{"shop.example.com", "app.example.org", "portal.example.net", "www.example.de", "dashboard.example.io"}
	uas   = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Safari/605.1.15",
		"Mozilla/5.0 (X11; Linux x86_64; rv:144.0) Gecko/20100101 Firefox/144.0",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Mobile Safari/537.36",
	}
)

func (g *gen) url() string { return "https://" + pick(g, hosts) + pick(g, paths) }

// category is one session shape; make returns the i-th session of it.
type category struct {
	name string
	make func(g *gen, i int) map[string]any
}

var categories = []category{
	{"auth-django", django},
	{"auth-rails-devise", railsDevise},
	{"auth-laravel", laravel},
	{"auth-passport", passport},
	{"auth-flask-login", flaskLogin},
	{"cart", cart},
	{"flash-validation", flashValidation},
	{"feature-flags", featureFlags},
	{"oidc-google", oidcGoogle},
	{"oidc-entra", oidcEntra},
	{"oidc-okta", oidcOkta},
	{"oidc-auth0", oidcAuth0},
	{"oidc-keycloak", oidcKeycloak},
	{"form-wizard", formWizard},
}

// Generate returns the corpus for seed: PerCategory sessions of each
// category, a third of each held out. The held-out sessions are drawn by a
// shuffle of their own (seeded, independent of the templates), since the
// templates vary their shapes with the index (i%2, i%3, …): a rule on the
// index would hold out some variants entirely.
func Generate(seed uint64) []Session {
	g := &gen{rand.New(rand.NewPCG(seed, seed^0x5bd1e9955bd1e995))}
	split := rand.New(rand.NewPCG(seed, 0x243f6a8885a308d3))
	var out []Session
	for _, c := range categories {
		held := map[int]bool{}
		for _, i := range split.Perm(PerCategory)[:PerCategory/3] {
			held[i] = true
		}
		for i := range PerCategory {
			sp := Train
			if held[i] {
				sp = HeldOut
			}
			out = append(out, Session{
				ID:       fmt.Sprintf("%s-%02d", c.name, i+1),
				Category: c.name,
				Split:    sp,
				Session:  c.make(g, i),
			})
		}
	}
	return out
}
