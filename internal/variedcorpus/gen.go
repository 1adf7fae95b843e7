package variedcorpus

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
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

// --- auth sessions ---------------------------------------------------------

var djangoMessages = []string{"Your profile was updated.", "Ihre Änderungen wurden gespeichert.", "Le mot de passe a été modifié avec succès.", "The order “#4471” was added successfully.", "Successfully signed in as %s.", "Please confirm your e-mail address."}

// django: django.contrib.sessions with the JSON serializer, as
// SessionStore stores it, plus the keys apps commonly add.
func django(g *gen, i int) map[string]any {
	p := g.person()
	s := map[string]any{
		"_auth_user_id":      fmt.Sprint(g.n(1, 250000)),
		"_auth_user_backend": pick(g, []string{"django.contrib.auth.backends.ModelBackend", "allauth.account.auth_backends.AuthenticationBackend", "axes.backends.AxesStandaloneBackend", "social_core.backends.google.GoogleOAuth2"}),
		"_auth_user_hash":    g.hex(64),
	}
	if g.coin(0.6) {
		s["_language"] = strings.ToLower(p.locale[:2])
	}
	if g.coin(0.4) {
		s["django_timezone"] = p.tz
	}
	if i%3 != 0 {
		s["_session_expiry"] = pick(g, []any{int64(0), int64(1209600), iso(g.unix())})
		msg := pick(g, djangoMessages)
		if strings.Contains(msg, "%s") {
			msg = fmt.Sprintf(msg, p.email)
		}
		m, _ := json.Marshal([]any{[]any{"__json_message", 0, pick(g, []int{20, 25, 30, 40}), msg}})
		s["_messages"] = string(m)
	}
	if i%2 == 1 {
		s["cart_id"] = g.uuid()
		s["recently_viewed"] = []any{g.n(100, 9999), g.n(100, 9999), g.n(100, 9999), g.n(100, 9999)}
	}
	if i%4 == 3 {
		s["account_verified_email"] = nil
		s["socialaccount_state"] = []any{map[string]any{"process": "login", "scope": "", "auth_params": "", "next": pick(g, paths)}, g.chars(alnum, 12)}
		s["wizard_signup_wizard"] = map[string]any{"step": "profile", "step_data": map[string]any{"account": map[string]any{"account-email": []any{p.email}, "account-username": []any{strings.Split(p.email, "@")[0]}}}, "step_files": map[string]any{}, "extra_data": map[string]any{}}
	}
	return s
}

// railsDevise: ActionDispatch::Session::CookieStore with the JSON cookie
// serializer and Devise/Warden's keys.
func railsDevise(g *gen, i int) map[string]any {
	s := map[string]any{
		"session_id":               g.hex(32),
		"_csrf_token":              g.b64(32),
		"warden.user.user.key":     []any{[]any{g.n(1, 900000)}, "$2a$12$" + g.chars(bcrypt, 22)},
		"warden.user.user.session": map[string]any{"last_request_at": g.unix()},
	}
	if i%3 != 1 {
		kind, msg := pick(g, []string{"notice", "alert", "notice"}), pick(g, []string{"Signed in successfully.", "You need to sign in or sign up before continuing.", "Your password has been changed successfully. You are now signed in.", "Invalid Email or password.", "Erfolgreich angemeldet.", "Connexion réussie."})
		s["flash"] = map[string]any{"discard": []any{}, "flashes": map[string]any{kind: msg}}
	}
	if g.coin(0.5) {
		s["user_return_to"] = pick(g, paths)
	}
	if i%4 == 2 {
		s["warden.user.admin_user.key"] = []any{[]any{g.n(1, 50)}, "$2a$11$" + g.chars(bcrypt, 22)}
		s["warden.user.admin_user.session"] = map[string]any{"last_request_at": g.unix()}
	}
	if i%5 == 4 {
		s["omniauth.state"] = g.hex(48)
		s["omniauth.origin"] = g.url()
		s["omniauth.params"] = map[string]any{"locale": "en"}
		s["devise.omniauth_data"] = map[string]any{"provider": "github", "uid": fmt.Sprint(g.n(100000, 99999999)), "info": map[string]any{"nickname": "dev" + g.chars(digits, 4), "image": "https://avatars.example.com/u/" + g.chars(digits, 8) + "?v=4"}}
	}
	if i%6 == 5 {
		s["locale"] = pick(g, []string{"en", "de", "fr", "ja", "pt-BR"})
		s["order_ids"] = []any{g.n(1000, 99999), g.n(1000, 99999)}
		s["two_factor_authentication_passed"] = true
	}
	return s
}

// laravel: the session array of Illuminate\Session\Store.
func laravel(g *gen, i int) map[string]any {
	s := map[string]any{
		"_token":    g.chars(alnum, 40),
		"_previous": map[string]any{"url": g.url()},
		"_flash":    map[string]any{"old": []any{}, "new": []any{}},
		"login_web_59ba36addc2b2f9401580f014c7f58ea4e30989d": g.n(1, 400000),
	}
	if g.coin(0.5) {
		s["password_hash_web"] = "$2y$12$" + g.chars(bcrypt, 53)
	}
	if i%3 == 1 {
		s["_flash"] = map[string]any{"old": []any{}, "new": []any{"status", "errors", "_old_input"}}
		s["status"] = pick(g, []string{"profile-updated", "verification-link-sent", "Wir haben Ihnen einen Link zum Zurücksetzen gesendet.", "password-updated"})
		s["_old_input"] = map[string]any{"_token": s["_token"], "name": g.person().given, "email": g.person().email}
		s["errors"] = map[string]any{"default": map[string]any{"email": []any{"The email has already been taken."}, "password": []any{"The password field must be at least 8 characters."}}}
	}
	if i%4 == 3 {
		s["url"] = map[string]any{"intended": g.url()}
		s["auth"] = map[string]any{"password_confirmed_at": g.unix()}
		s["login_admin_59ba36addc2b2f9401580f014c7f58ea4e30989d"] = g.n(1, 30)
	}
	if i%5 == 0 {
		s["cart"] = map[string]any{"items": []any{map[string]any{"id": g.n(1, 5000), "qty": g.n(1, 3)}}, "coupon": nil}
		s["locale"] = pick(g, []string{"en", "de", "nl", "es"})
	}
	return s
}

// passport: express-session (or cookie-session) with Passport.js, whose
// serializeUser stores either an ID or a trimmed profile.
func passport(g *gen, i int) map[string]any {
	exp := g.unix()
	s := map[string]any{
		"cookie": map[string]any{"originalMaxAge": pick(g, []int64{86400000, 604800000, 2592000000}), "expires": iso(exp), "secure": true, "httpOnly": true, "path": "/", "sameSite": pick(g, []string{"lax", "strict"})},
	}
	p := g.person()
	switch i % 3 {
	case 0:
		s["passport"] = map[string]any{"user": g.hex(24)}
	case 1:
		s["passport"] = map[string]any{"user": map[string]any{"id": g.n(1, 500000), "username": strings.Split(p.email, "@")[0], "displayName": p.given + " " + p.family, "role": pick(g, []string{"member", "admin", "editor"})}}
	default:
		prov := pick(g, []string{"github", "google", "twitter", "gitlab"})
		s["passport"] = map[string]any{"user": map[string]any{
			"provider": prov, "id": g.chars(digits, g.n(7, 21)), "displayName": p.given + " " + p.family, "username": strings.Split(p.email, "@")[0],
			"emails":     []any{map[string]any{"value": p.email, "verified": true}},
			"photos":     []any{map[string]any{"value": "https://avatars.example.com/u/" + g.chars(digits, 8) + "?v=4"}},
			"profileUrl": "https://" + prov + ".example.com/" + strings.Split(p.email, "@")[0],
		}}
	}
	if g.coin(0.6) {
		s["csrfSecret"] = g.b64url(18)
	}
	if g.coin(0.4) {
		s["returnTo"] = pick(g, paths)
	}
	if i%4 == 1 {
		s["flash"] = map[string]any{pick(g, []string{"error", "info", "success"}): []any{pick(g, []string{"Missing credentials", "Invalid username or password.", "Welcome back!", "Bienvenido de nuevo."})}}
	}
	if i%5 == 2 {
		s["oauth2:github.com"] = map[string]any{"state": map[string]any{"handle": g.b64url(18), "state": g.b64url(12)}}
		s["views"] = g.n(1, 200)
		s["lastVisit"] = iso(exp - 86400)
	}
	return s
}

// flaskLogin: Flask's SecureCookieSessionInterface tagged JSON with
// Flask-Login's and Flask-WTF's keys; flashes are tagged tuples.
func flaskLogin(g *gen, i int) map[string]any {
	s := map[string]any{
		"_user_id": fmt.Sprint(g.n(1, 90000)),
		"_fresh":   g.coin(0.7),
		"_id":      g.hex(128),
	}
	if g.coin(0.7) {
		s["csrf_token"] = g.hex(40)
	}
	if i%3 != 2 {
		var fl []any
		for range g.n(1, 3) {
			fl = append(fl, map[string]any{" t": []any{pick(g, []string{"message", "info", "success", "danger", "warning"}), pick(g, []string{"Logged in successfully.", "Please log in to access this page.", "Your settings have been saved.", "Upload complete: report-2025-Q3.csv", "Sitzung abgelaufen, bitte erneut anmelden.", "ログインしました。"})}})
		}
		s["_flashes"] = fl
	}
	if g.coin(0.3) {
		s["_remember"] = "set"
		s["_remember_seconds"] = 2592000
	}
	if i%4 == 1 {
		s["next"] = pick(g, paths)
		s["oauth_state"] = g.b64url(24)
		s["code_verifier"] = g.b64url(48)
	}
	if i%5 == 3 {
		s["user_prefs"] = map[string]any{"theme": pick(g, []string{"dark", "light"}), "per_page": pick(g, []int{20, 50}), "lang": g.person().locale}
		s["last_search"] = map[string]any{" t": []any{"q", pick(g, []string{"invoice 2025", "Rechnung März", "facture", "請求書"})}}
	}
	return s
}
