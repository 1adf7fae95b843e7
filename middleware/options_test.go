package middleware_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
)

func TestOptionsRefused(t *testing.T) {
	plain := newStore(t, cookie.Options{})
	host := newStore(t, cookie.Options{Name: "__Host-s"})
	secure := newStore(t, cookie.Options{Name: "__Secure-s"})
	bad := map[string]middleware.Options{
		"no store":               {},
		"__Host- with Domain":    {Store: host, Domain: "example.com"},
		"__Host- with Path":      {Store: host, Path: "/app"},
		"bare __Host- in dev":    {Store: newStore(t, cookie.Options{Name: "__Host-"}), Dev: true},
		"SameSite=None dev":      {Store: plain, Dev: true, SameSite: http.SameSiteNoneMode},
		"Partitioned dev":        {Store: plain, Dev: true, Partitioned: true},
		"SameSite default mode":  {Store: plain, SameSite: http.SameSiteDefaultMode},
		"SameSite unknown":       {Store: plain, SameSite: 9},
		"relative path":          {Store: plain, Path: "app"},
		"path with ;":            {Store: plain, Path: "/a;Domain=evil"},
		"path over 1024 bytes":   {Store: plain, Path: "/" + strings.Repeat("p", 1024)},
		"domain with ;":          {Store: plain, Domain: "a.com;Secure"},
		"domain label":           {Store: plain, Domain: "-a.com"},
		"empty domain label":     {Store: plain, Domain: "a..com"},
		"budget under a cookie":  {Store: plain, HeaderBudget: 1000},
		"budget over 16 cookies": {Store: plain, HeaderBudget: middleware.MaxHeaderBudget + 1},
		"unknown policy":         {Store: plain, Unavailable: 7},
		"Partitioned with Lax":   {Store: host, Partitioned: true},
		"__host- any case":       {Store: newStore(t, cookie.Options{Name: "__host-s"}), Path: "/app"},
		"single-label domain":    {Store: plain, Domain: "com"},
	}
	for name, o := range bad {
		if _, err := middleware.New(o); !errors.Is(err, middleware.ErrBadOptions) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A cookie name that is not an RFC 6265 token (the store accepts any
	// name, as it only authenticates it).
	if s, err := cookie.New(cookie.Options{Name: "a b", Keys: newRing(t)}); err == nil {
		defer s.Close()
		if _, err := middleware.New(middleware.Options{Store: s}); !errors.Is(err, middleware.ErrBadOptions) || !strings.Contains(err.Error(), "token") {
			t.Errorf("bad name: %v", err)
		}
	}
	good := []middleware.Options{
		{Store: host},
		{Store: host, Partitioned: true, SameSite: http.SameSiteNoneMode},
		{Store: secure, Domain: "example.com"},
		{Store: plain, Dev: true, Persistent: true, SameSite: http.SameSiteStrictMode},
		{Store: host, Dev: true},
		{Store: secure, Dev: true},
		{Store: newStore(t, cookie.Options{Name: "__SECURE-s"}), Dev: true},
		{Store: plain, Domain: ".example.com", Path: "/app", HeaderBudget: middleware.MaxHeaderBudget},
		{Store: plain, Path: "/" + strings.Repeat("p", 1023)},
	}
	for i, o := range good {
		if _, err := middleware.New(o); err != nil {
			t.Errorf("good options %d: %v", i, err)
		}
	}
}
