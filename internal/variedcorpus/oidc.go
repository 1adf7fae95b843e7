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
