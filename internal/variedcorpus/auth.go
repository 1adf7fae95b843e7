package variedcorpus

import (
	"encoding/json"
	"fmt"
	"strings"
)

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
