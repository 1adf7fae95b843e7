package codec_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/sessiongen"
)

var objectSeeds = []string{
	`{}`, ` { } `, `{"a":1}`, `{"a":1,"a":2}`, `{"k":"v","n":null,"t":true,"f":false}`,
	`{"nested":{"x":[1,2,{"y":"}"}]},"s":"quote \" brace } bracket ]"}`,
	`{"esc\u00e9":"x","\ud83d\ude00":1,"tab\t":2}`, `{"num":-1.5e+10,"z":0}`,
	` {"a" : [ ] , "b" : { } } `, `{"a":"\\"}`,
	"{\"a\xff\":1}", "{\"a\\ufffd\":1,\"a\xff\":2}", "{\"\xff\":1,\"\\ufffd\":2}",
	// not objects, or broken
	`[]`, `"s"`, `1`, `null`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1}x`, `{"a":tru}`,
	`{"a":"unterminated}`, `{"a":[1,2}`, `{a:1}`, "{\"a\":\"ctl\x01\"}", strings.Repeat("[", 20),
	// invalid JSON in shapes a lax scanner would accept
	`{"a":-}`, `{"a":1-2}`, `{"a":01}`, `{"a":"\q"}`, `{"a":"\u12"}`, `{"a":1.e+}`, `{"a":1.}`, `{"a":+1}`,
	`{"a":[1 2]}`, `{"a":{"b" 1}}`, `{"a":{"b":1,}}`, `{"\x":1}`, `{"a":1}{"b":2}`, `{"a":"\u12G4"}`,
}

func TestSplitObjectMatchesEncodingJSON(t *testing.T) {
	for _, s := range objectSeeds {
		checkSplit(t, []byte(s))
	}
	g := sessiongen.New(4)
	for range 50 {
		checkSplit(t, sessiongen.JSON(g.Large()))
	}
}

// checkSplit compares SplitObject with encoding/json on one input: it must
// split exactly the valid JSON objects, into identical members.
func checkSplit(t *testing.T, data []byte) {
	t.Helper()
	got, err := codec.JSON{}.SplitObject(data)
	var want map[string]json.RawMessage
	wantErr := json.Unmarshal(data, &want)
	if wantErr != nil || want == nil {
		if err == nil {
			t.Fatalf("%q: split, but encoding/json says it is not an object (%v)", data, wantErr)
		}
		if _, _, err := (codec.JSON{}).LookupObject(data, "a"); !errors.Is(err, codec.ErrNotObject) {
			t.Fatalf("%q: LookupObject accepts what SplitObject rejects: %v", data, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("%q: %v", data, err)
	}
	if len(got) != len(want) {
		t.Fatalf("%q: %d members, encoding/json has %d", data, len(got), len(want))
	}
	for k, v := range want {
		if !bytes.Equal(got[k], v) {
			t.Fatalf("%q: member %q = %q, encoding/json has %q", data, k, got[k], v)
		}
		// LookupObject finds the same value, key by key.
		if lv, ok, err := (codec.JSON{}).LookupObject(data, k); err != nil || !ok || !bytes.Equal(lv, v) {
			t.Fatalf("%q: LookupObject(%q) = %q %v %v, encoding/json has %q", data, k, lv, ok, err, v)
		}
	}
	if _, ok, err := (codec.JSON{}).LookupObject(data, "\x00absent\ufffd"); ok || err != nil {
		t.Fatalf("%q: LookupObject of an absent key: %v %v", data, ok, err)
	}
}

func TestAppendObject(t *testing.T) {
	members := map[string][]byte{"b": []byte(`2`), "a": []byte(`"x"`), "<&>": []byte(`null`), "é": []byte(`[]`), "q\"": []byte(`{}`)}
	got, err := codec.JSON{}.AppendObject([]byte("prefix:"), members)
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string]json.RawMessage{}
	for k, v := range members {
		raw[k] = v
	}
	want, _ := json.Marshal(raw)
	if string(got) != "prefix:"+string(want) {
		t.Fatalf("got %s, want %s", got, want)
	}
	if _, err := (codec.JSON{}).AppendObject(nil, map[string][]byte{"a": nil}); err == nil {
		t.Fatal("empty value accepted")
	}
	back, err := codec.JSON{}.SplitObject(got[len("prefix:"):])
	if err != nil || !maps.EqualFunc(back, members, bytes.Equal) {
		t.Fatalf("round trip: %v", err)
	}
}

func TestSplitObjectDepthBounded(t *testing.T) {
	deep := `{"a":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`
	if _, err := (codec.JSON{}).SplitObject([]byte(deep)); !errors.Is(err, codec.ErrNotObject) {
		t.Fatalf("20000 levels of nesting: %v", err)
	}
}

// FuzzSplitObject differentially checks SplitObject against encoding/json
// and that AppendObject reproduces an equivalent object.
func FuzzSplitObject(f *testing.F) {
	for _, s := range objectSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSplit(t, data)
		m, err := codec.JSON{}.SplitObject(data)
		if err != nil {
			return
		}
		joined, err := codec.JSON{}.AppendObject(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		back, err := codec.JSON{}.SplitObject(joined)
		if err != nil || !maps.EqualFunc(back, m, bytes.Equal) {
			t.Fatalf("AppendObject/SplitObject round trip failed for %q: %v", data, err)
		}
	})
}

// FuzzAppendObjectKeys checks key escaping against encoding/json.
func FuzzAppendObjectKeys(f *testing.F) {
	for _, k := range []string{"a", "", "é", "<script>", "\x00", "\xff", "\u2028", `"\`} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, k string) {
		got, err := codec.JSON{}.AppendObject(nil, map[string][]byte{k: []byte("1")})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(map[string]json.RawMessage{k: json.RawMessage("1")})
		if !bytes.Equal(got, want) {
			t.Fatalf("key %q: got %s, want %s", k, got, want)
		}
	})
}

func BenchmarkSplitObject(b *testing.B) {
	g := sessiongen.New(99)
	for _, s := range []struct {
		name string
		data []byte
	}{{"small", sessiongen.JSON(g.Small())}, {"medium", sessiongen.JSON(g.Medium())}, {"large", sessiongen.JSON(g.Large())}} {
		b.Run("crumb/"+s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := (codec.JSON{}).SplitObject(s.data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("encoding-json-raw/"+s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var m map[string]json.RawMessage
				if err := json.Unmarshal(s.data, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("encoding-json-any/"+s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var m map[string]any
				if err := json.Unmarshal(s.data, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
