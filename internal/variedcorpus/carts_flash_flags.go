package variedcorpus

import (
	"fmt"
	"strings"
)

// --- carts -----------------------------------------------------------------

type currency struct {
	code   string
	minor  int // digits after the decimal point
	lo, hi int // item price range in minor units
	locale string
}

var currencies = []currency{
	{"EUR", 2, 299, 24900, "de-DE"}, {"USD", 2, 199, 29900, "en-US"}, {"GBP", 2, 250, 19900, "en-GB"},
	{"JPY", 0, 300, 48000, "ja-JP"}, {"CHF", 2, 490, 34900, "de-CH"}, {"SEK", 2, 4900, 299000, "sv-SE"},
	{"BRL", 2, 990, 89900, "pt-BR"}, {"INR", 2, 19900, 2499900, "en-IN"}, {"PLN", 2, 1999, 99900, "pl-PL"},
	{"KRW", 0, 5000, 390000, "ko-KR"},
}

var products = []string{
	"Merino Wool Sweater", "Wanderschuhe „Alpin“ Gr. 43", "Tasse en céramique – bleu", "Camiseta básica de algodón",
	"抹茶 ティーセット", "Organic Cotton Tote", "Kaffeebohnen Espresso 1 kg", "Câble USB-C 2 m", "Rucksack 28 L",
	"Caderno pautado A5", "Słuchawki bezprzewodowe", "Gift card", "Linen shirt, slim fit", "スマホケース（透明）",
	"Bamboo cutting board", "Ensemble de 6 verres", "Lampada da tavolo LED",
}

func price(c currency, minor int) string {
	if c.minor == 0 {
		return fmt.Sprint(minor)
	}
	return fmt.Sprintf("%d.%02d", minor/100, minor%100)
}

// cart: checkout sessions as shop frameworks (Shopify-like storefronts,
// Saleor, Solidus, WooCommerce-style custom code) keep them in a cookie.
func cart(g *gen, i int) map[string]any {
	c := currencies[i%len(currencies)]
	n := 1 + i%7
	if i%9 == 8 {
		n = 14
	}
	items := make([]any, 0, n)
	total := 0
	for range n {
		unit := g.n(c.lo, c.hi)
		qty := g.n(1, 3)
		total += unit * qty
		it := map[string]any{"sku": fmt.Sprintf("%s-%04d-%s", pick(g, []string{"APP", "SHO", "HOM", "ELE", "GRO"}), g.n(1, 9999), pick(g, []string{"BLK", "WHT", "NAV", "M", "L", "43", "OS"})), "name": pick(g, products), "qty": qty}
		if i%2 == 0 {
			it["unit_price"] = price(c, unit)
		} else {
			it["unit_amount"] = unit
			it["variant_id"] = g.n(10000000, 99999999)
		}
		if g.coin(0.3) {
			it["options"] = map[string]any{"size": pick(g, []string{"S", "M", "L", "XL", "42", "43"}), "color": pick(g, []string{"navy", "Schwarz", "écru", "オリーブ"})}
		}
		items = append(items, it)
	}
	s := map[string]any{"cart": map[string]any{"id": g.uuid(), "currency": c.code, "items": items, "updated_at": g.unix()}}
	cm := s["cart"].(map[string]any)
	if i%2 == 0 {
		cm["subtotal"] = price(c, total)
	} else {
		cm["subtotal_amount"] = total
	}
	if g.coin(0.4) {
		cm["coupon"] = map[string]any{"code": strings.ToUpper(pick(g, []string{"welcome10", "sommer25", "noel2025", "freeship"})), "discount": price(c, total/10)}
	}
	if i%3 == 1 {
		s["checkout"] = map[string]any{"step": pick(g, []string{"shipping", "payment", "review"}), "shipping_method": pick(g, []string{"dhl_standard", "ups_express", "yamato_cool", "correios_sedex", "pickup"}), "country": strings.Split(c.locale, "-")[1], "email": g.person().email, "payment_intent": "pi_" + g.chars(alnum, 24), "client_secret": "pi_" + g.chars(alnum, 24) + "_secret_" + g.chars(alnum, 25)}
	}
	if g.coin(0.5) {
		s["_csrf"] = g.b64url(32)
	}
	if g.coin(0.5) {
		s["locale"] = c.locale
	}
	if i%4 == 3 {
		s["wishlist"] = []any{g.n(1000, 99999), g.n(1000, 99999), g.n(1000, 99999)}
		s["last_viewed"] = []any{fmt.Sprintf("/p/%d", g.n(1000, 99999)), fmt.Sprintf("/p/%d", g.n(1000, 99999))}
	}
	return s
}

// --- flash and validation --------------------------------------------------

var validation = map[string][]string{
	"email":         {"has already been taken", "is invalid", "Diese E-Mail-Adresse ist bereits vergeben.", "Adresse e-mail invalide.", "メールアドレスの形式が正しくありません。"},
	"password":      {"is too short (minimum is 12 characters)", "must contain a digit and a symbol", "Das Passwort muss mindestens 12 Zeichen lang sein.", "Las contraseñas no coinciden."},
	"name":          {"can't be blank", "Le nom est obligatoire.", "Имя не может быть пустым."},
	"phone":         {"is not a valid phone number", "Numer telefonu jest nieprawidłowy."},
	"postal_code":   {"does not match the country", "Postleitzahl ungültig", "CEP inválido"},
	"date_of_birth": {"must be a date before today", "Geburtsdatum muss in der Vergangenheit liegen."},
	"terms":         {"must be accepted", "Vous devez accepter les conditions."},
	"iban":          {"is not a valid IBAN", "IBAN ungültig: Prüfsumme falsch"},
}

var fields = []string{"email", "password", "name", "phone", "postal_code", "date_of_birth", "terms", "iban"}

func flashValidation(g *gen, i int) map[string]any {
	s := map[string]any{}
	switch i % 3 {
	case 0: // a framework-neutral flash list
		var fl []any
		for range g.n(1, 4) {
			fl = append(fl, map[string]any{"level": pick(g, []string{"success", "info", "warning", "error"}), "text": pick(g, []string{"Your changes have been saved.", "Änderungen gespeichert.", "Votre commande a bien été enregistrée.", "El archivo es demasiado grande (máximo 10 MB).", "保存しました。", "Сохранено.", "Payment failed: your card was declined."}), "dismissible": g.coin(0.5)})
		}
		s["flash"] = fl
	case 1: // errors and old input, after a failed POST
		errs := map[string]any{}
		old := map[string]any{}
		p := g.person()
		for _, f := range g.some(fields, 1, 5) {
			name := f.(string)
			errs[name] = g.some(validation[name], 1, 2)
		}
		old["name"] = p.given + " " + p.family
		old["email"] = p.email
		if g.coin(0.5) {
			old["phone"] = "+" + g.chars(digits, 11)
			old["address"] = map[string]any{"street": pick(g, []string{"Hauptstraße 12", "12 rue de la Paix", "Calle Mayor 5, 3º B", "1-2-3 Shibuya"}), "postal_code": g.chars(digits, 5), "city": pick(g, []string{"München", "Lyon", "Sevilla", "東京都渋谷区", "Kraków"})}
		}
		s["errors"] = errs
		s["old_input"] = old
		s["form_id"] = pick(g, []string{"signup", "checkout-address", "profile", "contact"})
	default: // Rails-style flash with alert and notice
		s["flash"] = map[string]any{"discard": []any{"notice"}, "flashes": map[string]any{"notice": pick(g, []string{"Project was successfully created.", "Das Projekt wurde angelegt.", "Invitation sent to " + g.person().email + "."}), "alert": pick(g, []string{"You are not authorized to perform this action.", "Export is still running; we'll email you when it's ready."})}}
		s["session_id"] = g.hex(32)
	}
	if g.coin(0.6) {
		s["csrf_token"] = g.b64url(32)
	}
	if g.coin(0.3) {
		s["user_id"] = g.n(1, 999999)
	}
	return s
}

// --- feature flags ---------------------------------------------------------

var flagNames = []string{"new-checkout-flow", "dark-mode", "search-v2", "ai-summaries", "pricing-page-2025", "enable-sso", "beta-dashboard", "bulk-export", "inline-editing", "realtime-collab", "mobile-nav-redesign", "recommendations-model-b", "gdpr-consent-banner-v3", "one-click-upsell", "invoice-pdf-v2", "rate-limit-relaxed", "holiday-theme", "new-onboarding", "usage-based-billing", "webhooks-v2", "passkeys", "legacy-reports-sunset"}

func featureFlags(g *gen, i int) map[string]any {
	s := map[string]any{}
	names := g.some(flagNames, 4, 6+i)
	switch i % 3 {
	case 0: // LaunchDarkly client-side bootstrap shape
		fl := map[string]any{}
		meta := map[string]any{}
		for _, n := range names {
			v := any(g.coin(0.5))
			if g.coin(0.25) {
				v = pick(g, []string{"control", "treatment", "variant-b"})
			}
			fl[n.(string)] = v
			m := map[string]any{"version": g.n(1, 400), "variation": g.n(0, 2)}
			if g.coin(0.3) {
				m["trackEvents"] = true
			}
			meta[n.(string)] = m
		}
		fl["$flagsState"] = meta
		fl["$valid"] = true
		s["ld_flags"] = fl
		s["ld_context"] = map[string]any{"kind": "user", "key": g.uuid(), "country": pick(g, []string{"DE", "US", "JP", "BR"})}
	case 1: // Unleash toggles with variants
		var ts []any
		for _, n := range names {
			t := map[string]any{"name": n, "enabled": g.coin(0.6), "impressionData": false}
			v := map[string]any{"name": "disabled", "enabled": false}
			if g.coin(0.4) {
				v = map[string]any{"name": pick(g, []string{"blue", "green", "A", "B"}), "enabled": true, "feature_enabled": true}
				if g.coin(0.4) {
					v["payload"] = map[string]any{"type": "json", "value": fmt.Sprintf(`{"limit":%d,"copy":"%s"}`, g.n(5, 100), pick(g, []string{"Try it free", "Jetzt testen", "Essai gratuit"}))}
				}
			}
			t["variant"] = v
			ts = append(ts, t)
		}
		s["unleash"] = map[string]any{"toggles": ts, "etag": `W/"` + g.hex(8) + `"`, "fetched_at": g.unix()}
	default: // GrowthBook-style experiment assignments and a custom cache
		assign := map[string]any{}
		for _, n := range names {
			assign[n.(string)] = map[string]any{"variationId": g.n(0, 2), "hashAttribute": "id", "hashValue": g.uuid(), "inExperiment": g.coin(0.8), "bucket": float64(g.n(0, 10000)) / 10000}
		}
		s["gb_assignments"] = assign
		s["gb_attributes"] = map[string]any{"id": g.uuid(), "loggedIn": true, "company": "org_" + g.chars(alnum, 10), "plan": pick(g, []string{"free", "pro", "enterprise"}), "browser": pick(g, []string{"chrome", "safari", "firefox"})}
	}
	s["flags_fetched_at"] = g.unix()
	if g.coin(0.5) {
		s["uid"] = g.n(1, 999999)
		s["csrf"] = g.b64url(24)
	}
	return s
}
