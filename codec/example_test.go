package codec_test

import (
	"fmt"
	"log"

	"github.com/crumbhq/crumb/codec"
)

// ExampleNew shows the default codec compressing a session payload with the
// built-in dictionary, and reading it back within the size cap. Payloads
// under 256 bytes (DefaultMinSize) would be stored as they are.
func ExampleNew() {
	c, err := codec.New(codec.Options{}) // Auto compression, built-in dictionary, 64 KiB cap
	if err != nil {
		panic(err)
	}
	payload := []byte(`{"uid":48213,"username":"ada","email":"ada@example.com","locale":"en-US","roles":["user","editor"],` +
		`"tz":"Europe/Berlin","prefs":{"theme":"dark","page_size":25,"notifications":true},` +
		`"cart":[{"sku":"SKU-1042","qty":1,"price":"19.90"},{"sku":"SKU-2210","qty":2,"price":"4.50"}],"csrf":"q3v8ZkLx0bW2"}`)
	body, format := c.Encode(nil, payload)
	fmt.Println(format.Compression, len(payload), "→", len(body), "bytes")

	back, err := c.Decode(nil, body, format)
	fmt.Println(string(back) == string(payload), err)
	// Output:
	// s2 297 → 140 bytes
	// true <nil>
}

// Example_compressionOff turns compression off, as sessions that mix secrets
// with attacker-influenced values should (see the package documentation).
func Example_compressionOff() {
	c, err := codec.New(codec.Options{Compress: codec.CompressOff, PadTo: 64})
	if err != nil {
		panic(err)
	}
	body, format := c.Encode(nil, []byte(`{"csrf":"…","q":"user input"}`))
	fmt.Println(format.Compression, format.Padded, len(body))
	// Output:
	// none true 64
}

// A buffer reused for each encoding: AppendMarshal writes after what it
// holds.
func ExampleJSON_AppendMarshal() {
	buf := make([]byte, 0, 256)
	for _, v := range []map[string]any{{"user": "erin"}, {"user": "frank", "roles": []string{"admin"}}} {
		var err error
		buf, err = codec.JSON{}.AppendMarshal(buf[:0], v)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(string(buf))
	}
	// Output:
	// {"user":"erin"}
	// {"roles":["admin"],"user":"frank"}
}

// Decoding from a string: the decoded strings are parts of it, not copies.
func ExampleJSON_UnmarshalString() {
	var m map[string]any
	if err := (codec.JSON{}).UnmarshalString(`{"user":"erin","roles":["admin"]}`, &m); err != nil {
		log.Fatal(err)
	}
	fmt.Println(m["user"], m["roles"])
	// Output: erin [admin]
}
