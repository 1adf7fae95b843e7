package gorilla_test

import (
	"testing"

	"github.com/gorilla/securecookie"

	"github.com/crumbhq/crumb/cookie/gorilla"
)

// benchValues is a small gorilla session: a user, a few settings, a flash.
func benchValues() map[interface{}]interface{} {
	return map[interface{}]interface{}{
		"user_id": 42, "name": "ann", "admin": false, "theme": "dark", "lang": "en-GB",
		"csrf":   "q2Yb0bT6Gd1tZpMZ2m5cTz3S6l1a0cOq",
		"_flash": []interface{}{"Welcome back!"},
	}
}

// BenchmarkCodec compares crumb's Codec with gorilla/securecookie (AES and
// HMAC) in a CookieStore's place: encode then decode one session, with
// each serializer.
func BenchmarkCodec(b *testing.B) {
	for _, ser := range []gorilla.Serializer{gorilla.Gob, gorilla.JSON} {
		crumb := newCodec(b, gorilla.CodecOptions{Serializer: ser})
		sc := securecookie.New(hashKey, blockKey)
		if ser == gorilla.JSON {
			sc.SetSerializer(securecookie.JSONEncoder{})
		}
		for _, c := range []struct {
			name  string
			codec securecookie.Codec
		}{{"crumb", crumb}, {"securecookie", sc}} {
			b.Run(ser.String()+"/"+c.name, func(b *testing.B) {
				values := benchValues()
				if ser == gorilla.JSON && c.name == "securecookie" {
					// encoding/json cannot encode gorilla's map type.
					m := map[string]any{}
					for k, v := range values {
						m[k.(string)] = v
					}
					for b.Loop() {
						tok, _ := c.codec.Encode("session", m)
						var dst map[string]any
						if err := c.codec.Decode("session", tok, &dst); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(len(mustEncode(b, c.codec, "session", m))), "chars")
					return
				}
				for b.Loop() {
					tok, _ := c.codec.Encode("session", values)
					var dst map[interface{}]interface{}
					if err := c.codec.Decode("session", tok, &dst); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(mustEncode(b, c.codec, "session", values))), "chars")
			})
		}
	}
}
