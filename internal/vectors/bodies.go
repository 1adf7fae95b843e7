package vectors

import (
	"encoding/base64"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/token"
	"golang.org/x/crypto/chacha20poly1305"
)

// Body is the authenticated body of a vector's token, before decompression.
type Body struct {
	Name   string
	Body   []byte
	Format codec.Format
}

// Bodies opens every vector in dir whose token authenticates under one of its
// keys and whose claims parse, and returns the bodies: the seeds of the
// decompression fuzzer (bombs included).
func Bodies(dir string) ([]Body, error) {
	vs, err := Load(dir)
	if err != nil {
		return nil, err
	}
	var out []Body
	for _, v := range vs {
		env, err := base64.RawURLEncoding.Strict().DecodeString(v.Token)
		if err != nil || len(env) < 45 {
			continue
		}
		for _, k := range v.Keys {
			aead, err := chacha20poly1305.NewX(k.Secret[:])
			if err != nil {
				return nil, err
			}
			ad := append(append([]byte(nil), env[:29]...), v.Purpose...)
			pt, err := aead.Open(nil, env[5:29], env[29:], ad)
			if err != nil {
				continue
			}
			var c token.Claims
			if body, ok := token.ParseClaims(pt, &c); ok {
				out = append(out, Body{Name: v.Name, Body: body, Format: c.Format})
			}
		}
	}
	return out, nil
}
