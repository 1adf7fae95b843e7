package variedcorpus

import (
	"fmt"
	"strings"
)

// --- OIDC ------------------------------------------------------------------

func rs256(kid string) map[string]any {
	return map[string]any{"alg": "RS256", "kid": kid, "typ": "JWT"}
}

func oidcGoogle(g *gen, i int) map[string]any {
	p := g.person()
	client := g.chars(digits, 12) + "-" + strings.ToLower(g.chars(alnum, 32)) + ".apps.googleusercontent.com"
	iat := g.unix()
	claims := map[string]any{
		"iss": "https://accounts.google.com", "azp": client, "aud": client, "sub": "1" + g.chars(digits, 20),
		"email": p.email, "email_verified": true, "at_hash": g.b64url(16), "nonce": g.b64url(16),
		"name": p.given + " " + p.family, "given_name": p.given, "family_name": p.family,
		"picture": "https://lh3.googleusercontent.com/a/" + g.b64url(54) + "=s96-c", "iat": iat, "exp": iat + 3600,
	}
	if g.coin(0.4) {
		claims["hd"] = strings.Split(p.email, "@")[1]
	}
	tok := map[string]any{
		"id_token":     g.jwt(rs256(g.hex(40)), claims, 256),
		"access_token": "ya29." + g.b64url(g.n(150, 190)),
		"expires_at":   iat + 3599, "token_type": "Bearer",
		"scope": strings.Join([]string{"openid", "https://www.googleapis.com/auth/userinfo.email", "https://www.googleapis.com/auth/userinfo.profile"}, " "),
	}
	if i%2 == 0 {
		tok["refresh_token"] = "1//0" + g.b64url(75)
		tok["scope"] = tok["scope"].(string) + " https://www.googleapis.com/auth/calendar.readonly https://www.googleapis.com/auth/drive.file"
	}
	s := map[string]any{"oauth_token": tok}
	if i%3 != 2 {
		s["userinfo"] = map[string]any{"sub": claims["sub"], "name": claims["name"], "email": p.email, "picture": claims["picture"], "locale": strings.ToLower(p.locale[:2])}
	}
	if g.coin(0.5) {
		s["csrf_token"] = g.hex(40)
		s["next"] = pick(g, paths)
	}
	return s
}

func oidcEntra(g *gen, i int) map[string]any {
	p := g.person()
	tid, app, oid := g.uuid(), g.uuid(), g.uuid()
	iat := g.unix()
	rh := "1.A" + g.b64url(72) + "."
	id := map[string]any{
		"aud": app, "iss": "https://login.microsoftonline.com/" + tid + "/v2.0", "iat": iat, "nbf": iat, "exp": iat + 3900,
		"aio": g.b64url(110), "name": p.given + " " + p.family, "nonce": g.uuid(), "oid": oid,
		"preferred_username": p.email, "rh": rh, "sid": g.uuid(), "sub": g.b64url(32), "tid": tid, "uti": g.b64url(16), "ver": "2.0",
	}
	if i%3 == 1 {
		var grp []any
		for range g.n(3, 12) {
			grp = append(grp, g.uuid())
		}
		id["groups"] = grp
	}
	s := map[string]any{"id_token_claims": id, "id_token": g.jwt(map[string]any{"typ": "JWT", "alg": "RS256", "kid": g.b64url(20)}, id, 256)}
	if i%3 != 2 {
		access := map[string]any{
			"aud": "00000003-0000-0000-c000-000000000000", "iss": "https://sts.windows.net/" + tid + "/", "iat": iat, "nbf": iat, "exp": iat + 4500,
			"acct": 0, "acr": "1", "aio": g.b64url(120), "amr": []any{"pwd", "mfa"}, "app_displayname": pick(g, []string{"Contoso Intranet", "Fabrikam Portal", "Example HR"}),
			"appid": app, "appidacr": "1", "family_name": p.family, "given_name": p.given, "idtyp": "user", "ipaddr": fmt.Sprintf("203.0.113.%d", g.n(1, 254)),
			"name": p.given + " " + p.family, "oid": oid, "platf": "3", "puid": "1003" + strings.ToUpper(g.hex(12)), "rh": rh,
			"scp": "email openid profile User.Read Calendars.Read Files.Read.All", "sid": id["sid"], "signin_state": []any{"kmsi"},
			"sub": g.b64url(32), "tenant_region_scope": pick(g, []string{"EU", "NA", "AS"}), "tid": tid, "unique_name": p.email, "upn": p.email,
			"uti": g.b64url(16), "ver": "1.0", "wids": []any{"b79fbf4d-3ef9-4689-8143-76b194e85509"}, "xms_ftd": g.b64url(40), "xms_idrel": "1 18", "xms_st": map[string]any{"sub": g.b64url(32)}, "xms_tcdt": 1600000000 + g.n(0, 90000000),
		}
		s["access_token"] = g.jwt(map[string]any{"typ": "JWT", "nonce": g.b64url(32), "alg": "RS256", "x5t": g.b64url(20), "kid": g.b64url(20)}, access, 256)
		s["expires_on"] = iat + 4500
	}
	if i%4 == 0 {
		s["refresh_token"] = "1.A" + g.b64url(g.n(600, 900))
	}
	if i%2 == 1 {
		s["msal_state"] = g.b64url(40)
		s["code_verifier"] = g.b64url(32)
	}
	return s
}

func oidcOkta(g *gen, i int) map[string]any {
	p := g.person()
	iss := fmt.Sprintf("https://dev-%s.okta.com/oauth2/default", g.chars(digits, 8))
	if i%3 == 1 {
		iss = "https://login.example.com/oauth2/aus" + g.chars(alnum, 17)
	}
	client, uid := "0oa"+g.chars(alnum, 17), "00u"+g.chars(alnum, 17)
	iat := g.unix()
	kid := g.b64url(32)
	id := map[string]any{
		"sub": uid, "name": p.given + " " + p.family, "email": p.email, "ver": 1, "iss": iss, "aud": client, "iat": iat, "exp": iat + 3600,
		"jti": "ID." + g.b64url(32), "amr": []any{"pwd", "mfa", "otp"}, "idp": "00o" + g.chars(alnum, 17), "nonce": g.b64url(16),
		"preferred_username": p.email, "auth_time": iat - int64(g.n(0, 600)), "at_hash": g.b64url(16),
	}
	access := map[string]any{
		"ver": 1, "jti": "AT." + g.b64url(32), "iss": iss, "aud": "api://default", "iat": iat, "exp": iat + 3600, "cid": client, "uid": uid,
		"scp": []any{"openid", "profile", "email", "offline_access"}, "auth_time": id["auth_time"], "sub": p.email,
	}
	if i%2 == 0 {
		access["groups"] = g.some([]string{"Everyone", "Engineering", "Okta-Admins", "Finance", "Support-Tier2", "Contractors", "VPN-Users", "GitHub-Org-Members"}, 2, 6)
	}
	s := map[string]any{"okta-token-storage": map[string]any{
		"idToken": map[string]any{"idToken": g.jwt(map[string]any{"kid": kid, "alg": "RS256"}, id, 256), "claims": id, "expiresAt": iat + 3600, "scopes": []any{"openid", "profile", "email"}, "authorizeUrl": iss + "/v1/authorize", "issuer": iss, "clientId": client},
	}}
	if i%3 != 0 {
		s["okta-token-storage"].(map[string]any)["accessToken"] = map[string]any{"accessToken": g.jwt(map[string]any{"kid": kid, "alg": "RS256"}, access, 256), "expiresAt": iat + 3600, "tokenType": "Bearer", "scopes": access["scp"], "authorizeUrl": iss + "/v1/authorize", "userinfoUrl": iss + "/v1/userinfo"}
	}
	if i%4 == 1 {
		s["okta-token-storage"].(map[string]any)["refreshToken"] = map[string]any{"refreshToken": g.b64url(32), "expiresAt": iat + 7776000, "scopes": access["scp"], "tokenUrl": iss + "/v1/token"}
	}
	if g.coin(0.5) {
		s["okta-transaction"] = map[string]any{"state": g.b64url(24), "codeVerifier": g.b64url(43), "redirectUri": "https://" + pick(g, hosts) + "/login/callback"}
	}
	return s
}

func oidcAuth0(g *gen, i int) map[string]any {
	p := g.person()
	tenant := "https://" + pick(g, []string{"acme-prod", "example-dev", "shopco"}) + "." + pick(g, []string{"eu.", "us.", ""}) + "auth0.com/"
	client := g.chars(alnum, 32)
	iat := g.unix()
	sub := "auth0|" + g.hex(24)
	if i%3 == 1 {
		sub = "google-oauth2|1" + g.chars(digits, 20)
	}
	user := map[string]any{
		"https://app.example.com/roles": g.some([]string{"admin", "editor", "billing", "viewer"}, 1, 3), "nickname": strings.Split(p.email, "@")[0], "name": p.given + " " + p.family,
		"picture":    "https://s.gravatar.com/avatar/" + g.hex(32) + "?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F" + strings.ToLower(p.email[:2]) + ".png",
		"updated_at": iso(iat - 3600), "email": p.email, "email_verified": g.coin(0.8), "sub": sub, "sid": g.b64url(24),
	}
	id := map[string]any{"iss": tenant, "aud": client, "iat": iat, "exp": iat + 36000, "nonce": g.b64url(16)}
	for k, v := range user {
		id[k] = v
	}
	s := map[string]any{}
	if i%2 == 0 { // nextjs-auth0 session
		s["user"] = user
		s["idToken"] = g.jwt(map[string]any{"alg": "RS256", "typ": "JWT", "kid": g.b64url(16)}, id, 256)
		s["accessTokenScope"] = "openid profile email read:orders"
		s["accessTokenExpiresAt"] = iat + 86400
		s["token_type"] = "Bearer"
		access := map[string]any{"iss": tenant, "sub": sub, "aud": []any{"https://api.example.com", tenant + "userinfo"}, "iat": iat, "exp": iat + 86400, "scope": s["accessTokenScope"], "azp": client, "permissions": g.some([]string{"read:orders", "write:orders", "read:users", "delete:users", "read:reports"}, 1, 5)}
		s["accessToken"] = g.jwt(map[string]any{"alg": "RS256", "typ": "JWT", "kid": g.b64url(16)}, access, 256)
		if i%4 == 0 {
			s["refreshToken"] = "v1." + g.b64url(96)
		}
	} else { // express-openid-connect appSession
		s["id_token"] = g.jwt(map[string]any{"alg": "RS256", "typ": "JWT", "kid": g.b64url(16)}, id, 256)
		// an opaque access token for the /userinfo audience: a JWE (dir, A256GCM)
		s["access_token"] = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwiaXNzIjoi" + g.b64url(40) + ".." + g.b64url(12) + "." + g.b64url(g.n(300, 500)) + "." + g.b64url(16)
		s["token_type"] = "Bearer"
		s["expires_at"] = iat + 86400
		if i%3 == 0 {
			s["refresh_token"] = "v1." + g.b64url(96)
		}
	}
	return s
}

func oidcKeycloak(g *gen, i int) map[string]any {
	p := g.person()
	host := pick(g, []string{"sso.example.com", "auth.example.org", "keycloak.corp.example"})
	realm := pick(g, []string{"main", "customers", "employees", "demo"})
	iss := "https://" + host + "/realms/" + realm
	client := pick(g, []string{"web-portal", "frontend", "shop-spa", "admin-console-ui"})
	iat, sub, sess := g.unix(), g.uuid(), g.uuid()
	uname := strings.Split(p.email, "@")[0]
	base := map[string]any{"exp": iat + 300, "iat": iat, "auth_time": iat - int64(g.n(0, 900)), "jti": g.uuid(), "iss": iss, "sub": sub, "azp": client, "nonce": g.b64url(16), "session_state": sess, "sid": sess}
	id := map[string]any{"aud": client, "typ": "ID", "at_hash": g.b64url(16), "acr": "1", "email_verified": true, "name": p.given + " " + p.family, "preferred_username": uname, "given_name": p.given, "family_name": p.family, "email": p.email}
	for k, v := range base {
		id[k] = v
	}
	kid := g.b64url(32)
	s := map[string]any{"id_token": g.jwt(map[string]any{"alg": "RS256", "typ": "JWT", "kid": kid}, id, 256)}
	if i%3 != 2 {
		access := map[string]any{
			"aud": []any{"realm-management", "account"}, "typ": "Bearer", "acr": "1", "allowed-origins": []any{"https://" + pick(g, hosts)},
			"realm_access":    map[string]any{"roles": append(g.some([]string{"offline_access", "uma_authorization", "app-user", "app-admin", "reporting"}, 2, 5), "default-roles-"+realm)},
			"resource_access": map[string]any{"realm-management": map[string]any{"roles": g.some([]string{"view-users", "query-groups", "query-users", "view-realm", "manage-users", "view-clients"}, 1, 6)}, "account": map[string]any{"roles": []any{"manage-account", "manage-account-links", "view-profile"}}},
			"scope":           "openid email profile", "email_verified": true, "name": id["name"], "preferred_username": uname, "given_name": p.given, "family_name": p.family, "email": p.email,
		}
		if i%2 == 0 {
			access["groups"] = g.some([]string{"/staff", "/staff/it", "/customers/gold", "/partners", "/admins"}, 1, 3)
		}
		for k, v := range base {
			access[k] = v
		}
		s["access_token"] = g.jwt(map[string]any{"alg": "RS256", "typ": "JWT", "kid": kid}, access, 256)
		s["expires_at"] = iat + 300
	}
	if i%2 == 1 {
		ref := map[string]any{"aud": iss, "typ": "Refresh", "scope": "openid email profile"}
		for k, v := range base {
			ref[k] = v
		}
		ref["exp"] = iat + 1800
		s["refresh_token"] = g.jwt(map[string]any{"alg": "HS512", "typ": "JWT", "kid": g.uuid()}, ref, 64)
		s["refresh_expires_at"] = iat + 1800
	}
	s["userinfo"] = map[string]any{"sub": sub, "preferred_username": uname, "email": p.email, "name": id["name"], "locale": strings.ToLower(p.locale[:2])}
	return s
}

// --- multi-step forms ------------------------------------------------------

type lang struct {
	code      string
	streets   []string
	cities    []string
	jobs      []string
	sentences []string
	choices   []string
}

var langs = []lang{
	{"de", []string{"Hauptstraße 12", "Königsallee 5a", "Am Mühlbach 3"}, []string{"München", "Köln", "Düsseldorf"}, []string{"Softwareentwicklerin", "Bäckermeister", "Steuerfachangestellte"},
		[]string{"Ich möchte meinen Tarif zum nächstmöglichen Zeitpunkt wechseln.", "Die Wohnung liegt im dritten Obergeschoss, ein Aufzug ist vorhanden.", "Bitte kontaktieren Sie mich vormittags unter der angegebenen Nummer.", "Der Schaden entstand beim Ausparken auf dem Parkplatz des Supermarkts."}, []string{"Vollkasko", "Teilkasko", "Haftpflicht"}},
	{"fr", []string{"12 rue de la République", "3 avenue des Champs-Élysées", "8 impasse du Moulin"}, []string{"Lyon", "Besançon", "Saint-Étienne"}, []string{"Ingénieure", "Infirmier", "Comptable"},
		[]string{"Je souhaite résilier mon abonnement à la fin du mois.", "Le colis est arrivé endommagé, la boîte était ouverte.", "Disponible à partir du 1er septembre, télétravail possible deux jours par semaine.", "Merci de me rappeler en fin de journée."}, []string{"Mensuel", "Annuel", "Sans engagement"}},
	{"es", []string{"Calle Mayor 5, 3º B", "Avenida de la Constitución 21", "Plaza del Sol 2"}, []string{"Sevilla", "Málaga", "Logroño"}, []string{"Diseñadora gráfica", "Camarero", "Profesora"},
		[]string{"Busco un piso de dos habitaciones cerca del metro.", "Mi mascota es un perro pequeño, muy tranquilo.", "Necesito la factura a nombre de la empresa, con NIF.", "¿Es posible adelantar la entrega al jueves?"}, []string{"Alquiler", "Compra", "Compartido"}},
	{"ja", []string{"東京都渋谷区神南1-2-3", "大阪府大阪市北区梅田2-4-9", "北海道札幌市中央区北1条西2丁目"}, []string{"東京", "大阪", "札幌"}, []string{"会社員", "看護師", "自営業"},
		[]string{"引っ越し予定日は来月の十五日です。", "午前中の配達を希望します。", "エレベーターのない建物の四階です。", "詳細はお電話でご相談させてください。"}, []string{"単身", "家族", "法人"}},
	{"zh", []string{"北京市朝阳区建国路88号", "上海市浦东新区世纪大道100号", "广州市天河区体育西路1号"}, []string{"北京", "上海", "广州"}, []string{"工程师", "教师", "设计师"},
		[]string{"请在工作日下午联系我。", "发票抬头请写公司全称。", "我希望把预约改到下周三。", "包裹需要放在前台。"}, []string{"个人", "企业", "学生"}},
	{"ru", []string{"ул. Ленина, д. 10, кв. 5", "Невский проспект, 28", "ул. Пушкина, д. 3"}, []string{"Москва", "Санкт-Петербург", "Казань"}, []string{"Инженер", "Бухгалтер", "Врач"},
		[]string{"Прошу перезвонить мне после шести вечера.", "Доставка возможна только в выходные дни.", "Квартира находится на пятом этаже без лифта.", "Нужен договор на юридическое лицо."}, []string{"Стандарт", "Премиум", "Бизнес"}},
	{"pl", []string{"ul. Marszałkowska 84/92", "ul. Długa 17", "al. Jerozolimskie 65"}, []string{"Warszawa", "Kraków", "Łódź"}, []string{"Programista", "Księgowa", "Nauczyciel"},
		[]string{"Proszę o kontakt telefoniczny w godzinach popołudniowych.", "Zamówienie ma zostać dostarczone do paczkomatu.", "Chciałbym zmienić termin wizyty na przyszły tydzień."}, []string{"Podstawowy", "Rozszerzony", "Rodzinny"}},
	{"pt", []string{"Rua das Flores, 123, apto 45", "Avenida Paulista, 1000", "Travessa do Carmo, 7"}, []string{"São Paulo", "Lisboa", "Florianópolis"}, []string{"Desenvolvedora", "Médico", "Advogada"},
		[]string{"Gostaria de agendar a instalação para sábado de manhã.", "O endereço de cobrança é diferente do endereço de entrega.", "Preciso da nota fiscal com CNPJ."}, []string{"Mensal", "Anual", "Pré-pago"}},
	{"tr", []string{"İstiklal Caddesi No: 45", "Atatürk Bulvarı 112/3", "Bağdat Caddesi 7"}, []string{"İstanbul", "Ankara", "İzmir"}, []string{"Mühendis", "Öğretmen", "Eczacı"},
		[]string{"Lütfen öğleden sonra arayın.", "Teslimatın hafta sonu yapılmasını istiyorum.", "Faturayı şirket adına düzenleyin."}, []string{"Bireysel", "Kurumsal", "Öğrenci"}},
	{"ar", []string{"شارع التحرير ١٢", "طريق الملك فهد ٤٥", "شارع الحمراء ٨"}, []string{"القاهرة", "الرياض", "بيروت"}, []string{"مهندس", "طبيبة", "محاسب"},
		[]string{"يرجى التواصل معي في المساء.", "أرغب في تغيير موعد التسليم إلى يوم الخميس.", "الفاتورة باسم الشركة من فضلك."}, []string{"فردي", "عائلي", "شركات"}},
	{"en", []string{"221B Baker Street", "1600 Example Avenue NW", "42 Harbour Road"}, []string{"London", "Seattle", "Dublin"}, []string{"Product manager", "Electrician", "Nurse"},
		[]string{"I'd like the installation to happen on a weekday morning if possible.", "The previous tenant left the meter readings on the kitchen table.", "Please use the side entrance; the front door bell is broken.", "We have two cats and a very friendly dog."}, []string{"Basic", "Plus", "Family"}},
}

var wizards = []struct {
	name  string
	steps []string
}{
	{"insurance_quote", []string{"vehicle", "driver", "coverage", "payment", "review"}},
	{"rental_application", []string{"applicant", "household", "income", "references", "documents"}},
	{"job_application", []string{"personal", "experience", "motivation", "availability"}},
	{"address_change", []string{"old_address", "new_address", "moving_date", "confirm"}},
	{"support_ticket", []string{"product", "problem", "contact"}},
}

func (g *gen) stepData(l lang, p person, step string) map[string]any {
	d := map[string]any{}
	switch step {
	case "personal", "applicant", "driver", "contact":
		d["first_name"], d["last_name"], d["email"] = p.given, p.family, p.email
		d["phone"] = "+" + g.chars(digits, g.n(10, 12))
		d["birth_date"] = fmt.Sprintf("19%02d-%02d-%02d", g.n(50, 99), g.n(1, 12), g.n(1, 28))
		if g.coin(0.5) {
			d["occupation"] = pick(g, l.jobs)
		}
	case "old_address", "new_address", "household":
		d["street"], d["city"] = pick(g, l.streets), pick(g, l.cities)
		d["postal_code"] = g.chars(digits, 5)
		d["country"] = strings.ToUpper(l.code)
		if step == "household" {
			d["adults"], d["children"], d["pets"] = g.n(1, 3), g.n(0, 3), g.coin(0.3)
		}
	case "vehicle":
		d["make"], d["model"] = pick(g, []string{"Volkswagen", "Toyota", "Renault", "Škoda", "Fiat"}), pick(g, []string{"Golf", "Corolla", "Clio", "Octavia", "Panda"})
		d["first_registration"] = fmt.Sprintf("20%02d-%02d", g.n(5, 24), g.n(1, 12))
		d["plate"] = strings.ToUpper(g.chars("abcdefghjklmnprstuvwxyz", 2)) + "-" + g.chars(digits, 4)
		d["annual_km"] = g.n(5, 40) * 1000
	case "coverage", "availability", "moving_date", "product":
		d["plan"] = pick(g, l.choices)
		d["start_date"] = fmt.Sprintf("2026-%02d-01", g.n(1, 12))
		d["options"] = g.some([]string{"roadside", "glass", "legal", "abroad", "rental_car"}, 0, 3)
	case "income", "experience":
		d["employer"] = pick(g, []string{"Example GmbH", "Exemple SARL", "Ejemplo S.L.", "株式会社エグザンプル", "Przykład sp. z o.o."})
		d["position"] = pick(g, l.jobs)
		d["monthly_net"] = g.n(1800, 9000)
		d["since"] = fmt.Sprintf("20%02d-%02d", g.n(5, 24), g.n(1, 12))
	case "motivation", "problem", "references":
		var txt []string
		for range g.n(2, 6) {
			txt = append(txt, pick(g, l.sentences))
		}
		d["text"] = strings.Join(txt, " ")
		if step == "problem" {
			d["order_number"] = fmt.Sprintf("%d-%07d", g.n(100, 999), g.n(0, 9999999))
		}
	case "payment":
		d["method"] = pick(g, []string{"sepa", "card", "invoice", "pix", "konbini"})
		d["iban_last4"] = g.chars(digits, 4)
		d["holder"] = p.given + " " + p.family
	case "documents":
		var files []any
		for range g.n(1, 4) {
			files = append(files, map[string]any{"id": g.uuid(), "name": pick(g, []string{"Gehaltsnachweis_Oktober.pdf", "pièce_d'identité.jpg", "nómina.pdf", "住民票.pdf", "bank-statement.pdf"}), "size": g.n(20000, 4000000)})
		}
		d["uploads"] = files
	default:
		d["confirmed"] = g.coin(0.5)
	}
	return d
}

// formWizard: a multi-step form's state between steps, either as
// django-formtools' SessionWizardView stores it or as a plain object.
func formWizard(g *gen, i int) map[string]any {
	l := langs[i%len(langs)]
	w := wizards[i%len(wizards)]
	pp := g.person()
	done := 1 + i%(len(w.steps)-1)
	if i >= 12 {
		done = len(w.steps) - 1
	}
	s := map[string]any{}
	if i%2 == 0 {
		stepData := map[string]any{}
		for _, st := range w.steps[:done] {
			fd := map[string]any{}
			for k, v := range g.stepData(l, pp, st) {
				fd[st+"-"+k] = []any{fmt.Sprint(v)}
			}
			stepData[st] = fd
		}
		s["wizard_"+w.name+"_view"] = map[string]any{"step": w.steps[done], "step_data": stepData, "step_files": map[string]any{}, "extra_data": map[string]any{}}
		s["_language"] = l.code
	} else {
		data := map[string]any{}
		for _, st := range w.steps[:done] {
			data[st] = g.stepData(l, pp, st)
		}
		s["wizard"] = map[string]any{"id": g.uuid(), "form": w.name, "lang": l.code, "step": done, "steps": w.steps, "completed": w.steps[:done], "data": data, "started_at": g.unix()}
	}
	if g.coin(0.6) {
		s["csrf_token"] = g.b64url(32)
	}
	if g.coin(0.3) {
		s["user_id"] = g.n(1, 999999)
	}
	return s
}
