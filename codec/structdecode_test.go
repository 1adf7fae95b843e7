package codec

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

type takenInner struct {
	S    string            `json:"s"`
	N    int               `json:"n"`
	P    *takenInner       `json:"p"`
	L    []takenInner      `json:"l"`
	M    map[string]uint8  `json:"m"`
	A    any               `json:"a"`
	F    float64           `json:"f"`
	B    bool              `json:"b"`
	Tags map[string]string `json:"tags"`
}

// TestStructFastPathTakes checks which documents and types the struct fast
// path decodes itself (the differential tests in json_test.go check that
// its results are encoding/json's either way), and that a struct it gave up
// on is zero again.
func TestStructFastPathTakes(t *testing.T) {
	for _, c := range []struct {
		doc  string
		want bool
	}{
		{`{"s":"a","n":-3,"p":{"s":"b","l":[{"s":"c"}]},"l":[],"m":{"x":255},"a":{"k":[1,"x",null,true]},"f":1.5e3,"b":true,"tags":{"k":"v"}}`, true},
		{`{}`, true},
		{`{"p":null,"l":null,"m":null,"a":null,"s":null}`, true},
		{`{"S":"a"}`, false},               // not the exact name
		{`{"s":"a","s":"b"}`, false},       // given twice
		{`{"s":"a","x":1}`, false},         // unknown name
		{`{"n":1.5}`, false},               // not an integer
		{`{"m":{"x":256}}`, false},         // out of range
		{`{"s":"a\u00e9"}`, false},         // an escape
		{`{"s":"a","n":"1"}`, false},       // another JSON type
		{`{"s":"a"} {}`, false},            // two values
		{`{"p":{"s":"b"},"n":1,"s`, false}, // cut short
	} {
		var v takenInner
		if got := decodeJSON([]byte(c.doc), "", &v); got != c.want {
			t.Errorf("%s: fast path took it: %v, want %v", c.doc, got, c.want)
		}
		if !c.want && !reflect.ValueOf(v).IsZero() {
			t.Errorf("%s: given up on, but the struct is not zero: %+v", c.doc, v)
		}
	}
	for _, target := range []any{
		&struct{ T time.Time }{}, // a custom unmarshaler
		&struct{ takenInner }{},  // embedded
		&struct{ B []byte }{},    // base64
		&struct {
			N int `json:",string"`
		}{}, // the string option
		&struct{ A [2]int }{},         // arrays
		&struct{ M map[int]string }{}, // non-string keys
		&struct{ E error }{},          // non-empty interfaces
		&struct{ PP **int }{},         // pointers to pointers
		&struct{ N json.Number }{},    // checked by encoding/json
		&struct{ M map[json.Number]int }{},
		&takenInner{S: "not zero"}, // encoding/json merges into it
	} {
		if decodeJSON([]byte(`{}`), "", target) {
			t.Errorf("%T: the fast path took it", target)
		}
	}
}
