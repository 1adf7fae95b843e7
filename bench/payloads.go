package bench

import (
	"encoding/base64"
	"encoding/gob"
	"encoding/json"
	"math/rand/v2"
	"strings"
)

// The typed payloads of issue 17: session shapes written by hand as an
// application would declare them, not internal/sessiongen's (whose output
// the built-in dictionary was trained on). Fields are declared in the
// order of their JSON names, so that a payload and its map[string]any form
// (MapOf) marshal to the same bytes: every library and both forms measure
// the same payload.

// AppSession is the small payload (~150 bytes of JSON): who is signed in,
// a CSRF token and the locale.
type AppSession struct {
	CSRF     string `json:"csrf"`
	Locale   string `json:"locale"`
	LoginAt  int64  `json:"login_at"`
	MFA      bool   `json:"mfa"`
	Role     string `json:"role"`
	UserID   int64  `json:"uid"`
	Username string `json:"username"`
}

// ShopSession is the medium payload (~1 KB of JSON): a signed-in shopper
// with a cart, flash messages, preferences and recently viewed products.
type ShopSession struct {
	Auth     ShopAuth    `json:"auth"`
	Cart     Cart        `json:"cart"`
	Flash    []Flash     `json:"flash"`
	Prefs    Preferences `json:"prefs"`
	Recent   []int64     `json:"recent"`
	ReturnTo string      `json:"return_to"`
}

// ShopAuth is the sign-in part of ShopSession.
type ShopAuth struct {
	CSRF     string `json:"csrf"`
	LoginAt  int64  `json:"login_at"`
	Method   string `json:"method"`
	UserID   int64  `json:"uid"`
	Username string `json:"username"`
}

// Cart is a shopping cart.
type Cart struct {
	Coupon    string     `json:"coupon"`
	Currency  string     `json:"currency"`
	Items     []CartItem `json:"items"`
	UpdatedAt int64      `json:"updated_at"`
}

// CartItem is one line of a Cart.
type CartItem struct {
	Name       string `json:"name"`
	PriceCents int64  `json:"price_cents"`
	Qty        int64  `json:"qty"`
	SKU        string `json:"sku"`
	Variant    string `json:"variant"`
}

// Flash is a message shown once.
type Flash struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// Preferences are a user's display settings.
type Preferences struct {
	Currency   string `json:"currency"`
	Locale     string `json:"locale"`
	Newsletter bool   `json:"newsletter"`
	Theme      string `json:"theme"`
	TimeZone   string `json:"tz"`
}

// OIDCSession is the large payload (~6 KB of JSON): an OpenID Connect
// login keeping its ID, access and refresh tokens, the ID token's claims
// and the permissions derived from them.
type OIDCSession struct {
	AccessToken  string     `json:"access_token"`
	Claims       OIDCClaims `json:"claims"`
	ExpiresAt    int64      `json:"expires_at"`
	IDToken      string     `json:"id_token"`
	Permissions  []string   `json:"permissions"`
	Provider     string     `json:"provider"`
	RefreshToken string     `json:"refresh_token"`
	Scope        string     `json:"scope"`
	TokenType    string     `json:"token_type"`
}

// OIDCClaims are the claims of an ID token.
type OIDCClaims struct {
	Audience          string   `json:"aud"`
	AuthTime          int64    `json:"auth_time"`
	Email             string   `json:"email"`
	EmailVerified     bool     `json:"email_verified"`
	Expiry            int64    `json:"exp"`
	FamilyName        string   `json:"family_name"`
	GivenName         string   `json:"given_name"`
	Groups            []string `json:"groups"`
	IssuedAt          int64    `json:"iat"`
	Issuer            string   `json:"iss"`
	Locale            string   `json:"locale"`
	Name              string   `json:"name"`
	Nonce             string   `json:"nonce"`
	Picture           string   `json:"picture"`
	PreferredUsername string   `json:"preferred_username"`
	Roles             []string `json:"roles"`
	SessionState      string   `json:"sid"`
	Subject           string   `json:"sub"`
}

func init() {
	// gob (gorilla) sends the concrete types of interface values.
	gob.Register(AppSession{})
	gob.Register(ShopSession{})
	gob.Register(OIDCSession{})
}

// TypedPayloadSeed seeds the random parts of the typed payloads (tokens,
// IDs): deterministic test data, never key material.
const TypedPayloadSeed = 17

// Typed is one typed payload in its three forms.
type Typed struct {
	Name  string         // small, medium or large
	Value any            // an AppSession, ShopSession or OIDCSession
	Map   map[string]any // the same data as encoding/json decodes it into a map
	JSON  []byte         // json.Marshal of Value, equal to that of Map
}

// TypedPayloads returns the small, medium and large typed payloads.
func TypedPayloads() []Typed {
	r := rand.New(rand.NewPCG(TypedPayloadSeed, TypedPayloadSeed))
	var out []Typed
	for _, p := range []struct {
		name string
		v    any
	}{{"small", smallPayload(r)}, {"medium", mediumPayload(r)}, {"large", largePayload(r)}} {
		js, err := json.Marshal(p.v)
		if err != nil {
			panic(err)
		}
		var m map[string]any
		if err := json.Unmarshal(js, &m); err != nil {
			panic(err)
		}
		out = append(out, Typed{Name: p.name, Value: p.v, Map: m, JSON: js})
	}
	return out
}

// randToken returns n random bytes in base64url: as incompressible as a
// real CSRF token, nonce or signature.
func randToken(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// jwt returns a JWT-shaped string: a real header and claims object in
// base64url, and a random signature of sigLen bytes.
func jwt(r *rand.Rand, header string, claims any, sigLen int) string {
	c, err := json.Marshal(claims)
	if err != nil {
		panic(err)
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString(c) + "." + randToken(r, sigLen)
}

func smallPayload(r *rand.Rand) AppSession {
	return AppSession{
		CSRF:     randToken(r, 24),
		Locale:   "de-AT",
		LoginAt:  1767225600 + r.Int64N(86400),
		MFA:      true,
		Role:     "member",
		UserID:   40000000 + r.Int64N(1000000),
		Username: "k.nakamura",
	}
}

func mediumPayload(r *rand.Rand) ShopSession {
	s := ShopSession{
		Auth: ShopAuth{
			CSRF: randToken(r, 24), LoginAt: 1767225600 + r.Int64N(86400), Method: "password+totp",
			UserID: 7000000 + r.Int64N(1000000), Username: "marta.kowalska@posteo.example",
		},
		Cart: Cart{Coupon: "SPRING-15", Currency: "EUR", UpdatedAt: 1767229200 + r.Int64N(3600)},
		Flash: []Flash{
			{Kind: "success", Text: "Added “Merino crew sweater” to your basket."},
			{Kind: "info", Text: "Free delivery on orders over €50."},
		},
		Prefs:    Preferences{Currency: "EUR", Locale: "pl-PL", Newsletter: false, Theme: "auto", TimeZone: "Europe/Warsaw"},
		ReturnTo: "/checkout/shipping?step=2",
	}
	for _, it := range []struct{ name, sku, variant string }{
		{"Merino crew sweater", "MCS-2291", "navy / M"},
		{"Organic cotton T-shirt, 3-pack", "OCT-1043", "white / L"},
		{"Waxed canvas weekender bag", "WCB-0087", "olive"},
		{"Wool hiking socks", "WHS-3310", "charcoal / 39-42"},
		{"Leather card holder", "LCH-0456", "cognac"},
	} {
		s.Cart.Items = append(s.Cart.Items, CartItem{Name: it.name, PriceCents: 990 + r.Int64N(15000), Qty: 1 + r.Int64N(3), SKU: it.sku, Variant: it.variant})
	}
	for range 12 {
		s.Recent = append(s.Recent, 100000+r.Int64N(900000))
	}
	return s
}

func largePayload(r *rand.Rand) OIDCSession {
	const iss = "https://login.acme-corp.example/realms/employees"
	iat := 1767225600 + r.Int64N(86400)
	sub := "f3a1c2d4-" + randToken(r, 9)
	claims := OIDCClaims{
		Audience: "intranet-portal", AuthTime: iat - 12, Email: "jean-baptiste.moreau@acme-corp.example", EmailVerified: true,
		Expiry: iat + 300, FamilyName: "Moreau", GivenName: "Jean-Baptiste",
		Groups: []string{
			"/acme/employees", "/acme/engineering", "/acme/engineering/platform", "/acme/engineering/platform/oncall",
			"/acme/security-champions", "/acme/paris-office", "/acme/guilds/go", "/acme/guilds/observability",
		},
		IssuedAt: iat, Issuer: iss, Locale: "fr-FR", Name: "Jean-Baptiste Moreau", Nonce: randToken(r, 16),
		Picture:           "https://cdn.acme-corp.example/avatars/" + randToken(r, 12) + ".jpg",
		PreferredUsername: "jbmoreau",
		Roles:             []string{"employee", "developer", "deployer:staging", "deployer:production", "incident-commander"},
		SessionState:      randToken(r, 18), Subject: sub,
	}
	s := OIDCSession{
		Claims: claims, ExpiresAt: iat + 300, Provider: "keycloak",
		Scope:     "openid profile email offline_access groups roles api://intranet/read api://intranet/write",
		TokenType: "Bearer",
	}
	s.IDToken = jwt(r, `{"alg":"RS256","kid":"Qm9vLWtleS0yMDI2LTAx","typ":"JWT"}`, claims, 256)
	s.AccessToken = jwt(r, `{"alg":"RS256","kid":"Qm9vLWtleS0yMDI2LTAx","typ":"at+jwt"}`, map[string]any{
		"iss": iss, "sub": sub, "aud": []string{"intranet-api", "deploy-api"}, "exp": iat + 300, "iat": iat,
		"jti": randToken(r, 16), "azp": "intranet-portal", "scope": s.Scope, "realm_access": map[string]any{"roles": claims.Roles},
		"groups": claims.Groups, "email": claims.Email, "preferred_username": claims.PreferredUsername,
		"resource_access": map[string]any{
			"deploy-api":   map[string]any{"roles": []string{"deploy:staging", "deploy:production", "rollback:production"}},
			"intranet-api": map[string]any{"roles": []string{"read", "write", "manage-own-profile"}},
		},
	}, 256)
	s.RefreshToken = jwt(r, `{"alg":"HS512","kid":"cmVmcmVzaC1rZXktMg","typ":"JWT"}`, map[string]any{
		"iss": iss, "sub": sub, "aud": iss, "exp": iat + 1800, "iat": iat, "jti": randToken(r, 16),
		"typ": "Refresh", "azp": "intranet-portal", "sid": claims.SessionState, "scope": s.Scope,
	}, 64)
	for _, area := range []string{"projects", "deployments", "incidents", "dashboards", "secrets", "audit-log", "billing", "users", "feature-flags", "runbooks", "service-catalog", "cost-reports", "status-page", "vendor-contracts", "access-reviews", "data-exports"} {
		for _, verb := range []string{"read", "write", "admin"} {
			s.Permissions = append(s.Permissions, area+":"+verb)
		}
	}
	s.Permissions = append(s.Permissions, strings.Fields("deploy:staging deploy:production rollback:production pager:ack pager:escalate")...)
	return s
}
