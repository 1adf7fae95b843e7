package codec_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/sessiongen"
)

// The JSON serializer's fast paths must be indistinguishable from
// encoding/json: these tests and fuzz targets compare them directly.

var marshalSeeds = []any{
	nil, "", "plain", "<script>&\"\\\n\t\x00\x1f\x7f", "\u2028\u2029 é 日本", "bad \xff utf8", true, false,
	0.0, math.Copysign(0, -1), 1.5, 1e-7, 1e-6, 1e20, 1e21, 123456789.0, math.MaxFloat64, math.SmallestNonzeroFloat64,
	float32(1e-7), float32(3.4e38), int(-1), int8(-128), int16(7), int32(1 << 30), int64(math.MinInt64), uint(1), uint8(255), uint16(9), uint32(1 << 31), uint64(math.MaxUint64),
	map[string]any{}, map[string]any(nil), []any{}, []any(nil), []string{}, []string(nil), map[string]string{"b": "1", "a": "<"},
	map[string]any{"z": 1, "a": []any{"x", 2.5, nil, map[string]any{"<k>": true}}, "é": []string{"a"}},
	[]byte("bytes are base64"), struct{ A int }{1}, math.NaN(), math.Inf(1), map[string]any{"nan": math.NaN()},
	map[int]string{1: "typed map"}, json.Number("12"), json.RawMessage(`{"raw":1}`), map[string]any{"deep": []any{[]any{[]any{}}}},
}

func checkMarshal(t *testing.T, v any) {
	t.Helper()
	got, err := codec.JSON{}.Marshal(v)
	want, wantErr := json.Marshal(v)
	if (err == nil) != (wantErr == nil) || !bytes.Equal(got, want) {
		t.Fatalf("%#v: got %s (%v), encoding/json %s (%v)", v, got, err, want, wantErr)
	}
	// AppendMarshal: the same bytes after what dst held, whose spare
	// capacity holds stale bytes (a reused buffer).
	dst := append(bytes.Repeat([]byte{'#'}, 64)[:0], "prefix"...)
	got, err = codec.JSON{}.AppendMarshal(dst, v)
	if wantErr == nil {
		want = append([]byte("prefix"), want...)
	} else {
		want = []byte("prefix")
	}
	if (err == nil) != (wantErr == nil) || !bytes.Equal(got, want) {
		t.Fatalf("AppendMarshal %#v: got %s (%v), want %s (%v)", v, got, err, want, wantErr)
	}
}

func TestMarshalMatchesEncodingJSON(t *testing.T) {
	for _, v := range marshalSeeds {
		checkMarshal(t, v)
	}
	g := sessiongen.New(31)
	for range 30 {
		checkMarshal(t, g.Large())
	}
}

var unmarshalSeeds = []string{
	`null`, `true`, `false`, `0`, `-0`, `1.5`, `-1e-7`, `1E+2`, `01`, `1.`, `.5`, `-`, `1e400`, `9223372036854775807`, `9223372036854775808`,
	`"s"`, `"esc\"aped"`, `"\u00e9\ud83d\ude00"`, `"\ud800"`, "\"raw \xff\"", "\"ctl\x01\"", `""`,
	`{}`, `[]`, `{"a":1,"a":2}`, `{"a":[1,{"b":null}],"c":"d"}`, ` { "a" : 1 } `, `{"a":1}x`, `[1,]`, `{"a"}`, `[`, `tru`, `nul`,
	`{"k\u00e9":1}`, `[1,2,3]`, `"abc`, `{"a":1,}`, `  `, ``,
	// nested objects and duplicate keys at several levels (the members of
	// the objects being parsed share one stack)
	`{"a":1,"b":{"a":2,"c":{"a":3},"a":4},"a":5,"d":[{"a":6},{}],"b":7}`, `{"a":{"b":{"c":1}},"a":{"b":2}}`,
	`{"a":{"b":1,"c":` + manyMembers(40) + `,"d":2},"e":` + manyMembers(3000) + `}`,
	`[1,[2,[3,4],5],{"a":[6,7]},[],[[]],8]`, `{"a":[` + strings.Repeat(`"x",{"b":[1,2]},`, 700) + `9]}`,
	// struct targets: fields by exact name, nesting, null, other names,
	// fields given twice, values of another type, numbers out of range
	`{"csrf":"c","locale":"pl-PL","login_at":1767251088,"mfa":true,"role":"admin","uid":7494743,"username":"marta"}`,
	`{"in":{"s":"a","n":-128,"u":65535,"f":1.5,"B":true,"p":{"s":"b","p":null},"l":[{"s":"c"},{}],"m":{"x":1,"y":-2},"a":{"k":[1,"two",null]},"ns":"named"},"ints":[1,-2,9223372036854775807],"strs":{"k":"v"},"x":1e300,"ps":"str","UP":"u","up2":"l","anys":[1,"a",{},[]],"maps":{"a":[1,2],"b":[]}}`,
	`{"in":{"s":null,"n":null,"p":null,"l":null,"m":null,"a":null},"ints":null,"strs":null,"ps":null,"anys":null,"maps":null}`,
	`{"in":{},"ints":[],"strs":{},"anys":[],"maps":{}}`, `{}`, `{"s":"x","S":"y"}`, `{"S":"upper only"}`, `{"up":"folded"}`, `{"UP":"a","up2":"b","Up2":"c"}`,
	`{"s":"a","s":"b"}`, `{"p":{"s":"a"},"p":{"n":1}}`, `{"m":{"a":1},"m":{"b":2}}`, `{"m":{"a":1,"a":2}}`, `{"unknown":1,"s":"a"}`, `{"unexported":5}`,
	`{"Skip":"x","-":"dash","BadTag":"b","bad\\tag":"c"}`, `{"n":128}`, `{"n":-129}`, `{"u":-1}`, `{"u":65536}`, `{"n":1.0}`, `{"n":1e2}`, `{"f":3.5e38}`,
	`{"x":1e400}`, `{"s":1}`, `{"n":"1"}`, `{"B":"true"}`, `{"l":{}}`, `{"m":[]}`, `{"p":[]}`, `{"s":"esc\"aped"}`, `{"s":"a"`, `{"s":"a",}`, `{"s" "a"}`,
	`{"ints":[1,2.5]}`, `{"ints":[1,]}`, `{"in":{"l":[{"l":[{"l":[{"s":"deep"}]}]}]}}`, `[]`, `"str"`, `{"s":"a"} x`, `{"t":"2026-12-05T00:00:00Z","raw":"AQI=","q":"7","s":"promoted"}`,
	`{"a":{"x":{"y":{"z":[1,{"w":null}]}}},"s":"\u00e9"}`, ` {"s" : "spaced" , "n" : 1 } `, `{"s":"a","num":"abc"}`, `{"num":12.5}`, `{"num":"12"}`,
	// integers on both sides of the small-integer boxes and of 15 digits
	`[0,1,255,256,-1,-255,-256,999999999999999,-999999999999999,1000000000000000,9007199254740993,-0,0.0,00]`,
	`{"q":255,"r":256,"s":-0}`,
	// two top-level values: never accepted
	`truefalse`, `true false`, "true\nfalse", `falsetrue`, `nullnull`, `1 2`, `"a""b"`, `{}{}`, `[] []`, `"a" "b"`,
}

// unmarshalTargets returns a fresh value of every target type the fast path
// knows, plus a few it does not.
func unmarshalTargets() []func() any {
	return []func() any{
		func() any { return new(any) },
		func() any { return new(map[string]any) },
		func() any { m := map[string]any{"pre": "existing"}; return &m },
		func() any { return new(string) },
		func() any { return new(bool) },
		func() any { return new(float64) },
		func() any { return new(int) },
		func() any { return new(int64) },
		func() any { return new(int32) },
		func() any { return new([]string) },
		func() any { x := any("prefilled"); return &x },
		func() any { return new(plainOuter) },
		func() any { return new(plainInner) },
		func() any { return &plainInner{S: "prefilled", M: map[string]int{"k": 1}} }, // encoding/json merges into it
		func() any { return new(refusedStruct) },
		func() any { return new(flatStruct) },
		func() any { return new(numberStruct) },
	}
}

// Struct targets for the differential tests: plainOuter and plainInner are
// types the fast path takes, refusedStruct one it hands to encoding/json.
type namedString string

type plainInner struct {
	S          string         `json:"s"`
	N          int8           `json:"n"`
	U          uint16         `json:"u,omitempty"`
	F          float32        `json:"f"`
	B          bool           // no tag: the field's name
	P          *plainInner    `json:"p"`
	L          []plainInner   `json:"l"`
	M          map[string]int `json:"m"`
	A          any            `json:"a"`
	NS         namedString    `json:"ns"`
	unexported int
	Skip       string `json:"-"`
	Dash       string `json:"-,"`
	BadTag     string `json:"bad\\tag"` // not a usable name: the field's
}

type plainOuter struct {
	In   plainInner                  `json:"in"`
	Ints []int64                     `json:"ints"`
	Strs map[namedString]namedString `json:"strs"`
	X    float64                     `json:"x"`
	PS   *string                     `json:"ps"`
	Up   string                      `json:"UP"`
	Low  string                      `json:"up2"`
	Anys []any                       `json:"anys"`
	Maps map[string][]uint           `json:"maps"`
}

type refusedStruct struct {
	plainInner             // embedded
	T          time.Time   `json:"t"`
	Raw        []byte      `json:"raw"`
	Q          int         `json:"q,string"`
	Num        json.Number `json:"num"`
}

// numberStruct holds a json.Number, which encoding/json checks.
type numberStruct struct {
	S   string      `json:"s"`
	Num json.Number `json:"num"`
}

// flatStruct is the small session's shape.
type flatStruct struct {
	CSRF     string `json:"csrf"`
	Locale   string `json:"locale"`
	LoginAt  int64  `json:"login_at"`
	MFA      bool   `json:"mfa"`
	Role     string `json:"role"`
	UserID   int64  `json:"uid"`
	Username string `json:"username"`
}

// checkUnmarshal compares Unmarshal and UnmarshalString with encoding/json
// on data, into every target.
func checkUnmarshal(t *testing.T, data []byte) {
	t.Helper()
	for _, mk := range unmarshalTargets() {
		want := mk()
		wantErr := json.Unmarshal(data, want)
		for name, unmarshal := range map[string]func(any) error{
			"Unmarshal":       func(v any) error { return codec.JSON{}.Unmarshal(data, v) },
			"UnmarshalString": func(v any) error { return codec.JSON{}.UnmarshalString(string(data), v) },
		} {
			got := mk()
			err := unmarshal(got)
			if (err == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s %q into %T: got %#v (%v), encoding/json %#v (%v)", name, data, got, reflect.ValueOf(got).Elem(), err, reflect.ValueOf(want).Elem(), wantErr)
			}
		}
	}
}

// TestUnmarshalNegativeZero: reflect.DeepEqual takes -0 for 0, so the
// differential tests cannot see the sign; encoding/json keeps it.
func TestUnmarshalNegativeZero(t *testing.T) {
	var v any
	if err := (codec.JSON{}).Unmarshal([]byte(`[-0,0,-0.0]`), &v); err != nil {
		t.Fatal(err)
	}
	a := v.([]any)
	for i, want := range []bool{true, false, true} {
		if got := math.Signbit(a[i].(float64)); got != want {
			t.Errorf("element %d of [-0,0,-0.0]: sign bit %v, want %v", i, got, want)
		}
	}
}

// TestUnmarshalStringShares checks that UnmarshalString's strings are parts
// of its input and Unmarshal's are not parts of the caller's buffer (which
// the caller may change).
func TestUnmarshalStringShares(t *testing.T) {
	doc := `{"name":"erin","roles":["admin"],"prefs":{"tz":"UTC"}}`
	var shared map[string]any
	if err := (codec.JSON{}).UnmarshalString(doc, &shared); err != nil {
		t.Fatal(err)
	}
	base := uintptr(unsafe.Pointer(unsafe.StringData(doc)))
	if p := uintptr(unsafe.Pointer(unsafe.StringData(shared["name"].(string)))); p < base || p >= base+uintptr(len(doc)) {
		t.Error("UnmarshalString copied a plain string instead of sharing its input")
	}
	buf := []byte(doc)
	var copied map[string]any
	if err := (codec.JSON{}).Unmarshal(buf, &copied); err != nil {
		t.Fatal(err)
	}
	clear(buf) // the caller reuses its buffer
	if !reflect.DeepEqual(copied, shared) {
		t.Errorf("Unmarshal's result changed with its input buffer: %v", copied)
	}
}

func TestUnmarshalMatchesEncodingJSON(t *testing.T) {
	for _, s := range unmarshalSeeds {
		checkUnmarshal(t, []byte(s))
	}
	g := sessiongen.New(32)
	for range 30 {
		checkUnmarshal(t, sessiongen.JSON(g.Large()))
	}
}

func FuzzUnmarshalMatchesEncodingJSON(f *testing.F) {
	for _, s := range unmarshalSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkUnmarshal(t, data) })
}

// FuzzMarshalMatchesEncodingJSON builds a value from the fuzz input (a tiny
// program: each byte picks a type, following bytes its content) and compares
// both encoders on it.
func FuzzMarshalMatchesEncodingJSON(f *testing.F) {
	f.Add([]byte{5, 3, 0, 2, 'a', 'b', 1, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 7, 2, 0, 1, 'x', 0, 1, 0xff})
	f.Add([]byte{6, 4, 3, 1, 4, 2, 1, 2, 3, 4, 5, 6, 7, 8, 8, 1, 0, 1, '<'})
	f.Fuzz(func(t *testing.T, prog []byte) {
		b := builder{p: prog}
		checkMarshal(t, b.value(0))
	})
}

type builder struct {
	p []byte
	i int
}

func (b *builder) next() byte {
	if b.i >= len(b.p) {
		return 0
	}
	b.i++
	return b.p[b.i-1]
}

func (b *builder) str() string {
	n := int(b.next() % 8)
	s := make([]byte, 0, n)
	for range n {
		s = append(s, b.next())
	}
	return string(s)
}

func (b *builder) value(depth int) any {
	if depth > 6 {
		return nil
	}
	switch b.next() % 14 {
	case 0:
		return b.str()
	case 1:
		var x [8]byte
		for i := range x {
			x[i] = b.next()
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(x[:]))
	case 2:
		return int64(int8(b.next())) << (b.next() % 56)
	case 3:
		return b.next()%2 == 0
	case 4:
		return nil
	case 5:
		m := map[string]any{}
		for range int(b.next() % 4) {
			m[b.str()] = b.value(depth + 1)
		}
		return m
	case 6:
		var a []any
		for range int(b.next() % 4) {
			a = append(a, b.value(depth+1))
		}
		return a
	case 7:
		var a []string
		for range int(b.next() % 3) {
			a = append(a, b.str())
		}
		return a
	case 8:
		return map[string]string{b.str(): b.str()}
	case 9:
		return float32(math.Float32frombits(uint32(b.next())<<24 | uint32(b.next())<<8))
	case 10:
		return uint64(b.next()) << (b.next() % 60)
	case 11:
		return b.inner(depth + 1)
	case 12:
		v := b.inner(depth + 1)
		return &plainOuter{In: v, Ints: []int64{int64(b.next()) << (b.next() % 62)}, Anys: []any{b.value(depth + 1)},
			Strs: map[namedString]namedString{namedString(b.str()): namedString(b.str())}, X: float64(int8(b.next())) / 3, Up: b.str()}
	default:
		return []byte(b.str())
	}
}

// inner builds a plainInner (a struct the encoding fast path takes), its
// zero fields left out by ",omitempty" included.
func (b *builder) inner(depth int) plainInner {
	v := plainInner{S: b.str(), N: int8(b.next()), U: uint16(b.next() % 3), F: math.Float32frombits(uint32(b.next())<<24 | uint32(b.next())<<16), B: b.next()%2 == 0, NS: namedString(b.str())}
	if depth > 6 {
		return v
	}
	switch b.next() % 4 {
	case 0:
		p := b.inner(depth + 1)
		v.P = &p
	case 1:
		v.L = []plainInner{b.inner(depth + 1)}
	case 2:
		v.M = map[string]int{b.str(): int(int8(b.next())), b.str(): 0}
	}
	v.A = b.value(depth + 1)
	return v
}

func BenchmarkJSON(b *testing.B) {
	g := sessiongen.New(99)
	for _, s := range []struct {
		name string
		v    map[string]any
	}{{"small", g.Small()}, {"medium", g.Medium()}} {
		data := sessiongen.JSON(s.v)
		b.Run("marshal/crumb/"+s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				codec.JSON{}.Marshal(s.v)
			}
		})
		b.Run("marshal/encoding-json/"+s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				json.Marshal(s.v)
			}
		})
		b.Run("unmarshal/crumb/"+s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var m map[string]any
				codec.JSON{}.Unmarshal(data, &m)
			}
		})
		b.Run("unmarshal/encoding-json/"+s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var m map[string]any
				json.Unmarshal(data, &m)
			}
		})
	}
}

// BenchmarkJSONStruct decodes the small session's JSON into its struct:
// the struct fast path against encoding/json.
func BenchmarkJSONStruct(b *testing.B) {
	data := []byte(`{"csrf":"YdBd2_KoFJ5p2iAeZti4w0lSoHm5k39l","locale":"pl-PL","login_at":1767251088,"mfa":true,"role":"admin","uid":7494743,"username":"marta.kowalska@posteo.example"}`)
	b.Run("crumb", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v flatStruct
			if err := (codec.JSON{}).Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v flatStruct
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// manyMembers returns an object of n members, more than one map group and,
// for large n, more than the decoder keeps for reuse.
func manyMembers(n int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":%d`, i%(n-n/8), i) // the last eighth repeats keys
	}
	b.WriteByte('}')
	return b.String()
}

// scribbler is a type whose UnmarshalJSON writes to its input, as it may.
type scribbler struct{ got string }

func (s *scribbler) UnmarshalJSON(b []byte) error {
	s.got = string(b)
	for i := range b {
		b[i] = 'x'
	}
	return nil
}

// TestUnmarshalStringNeverWritesData: a type's own UnmarshalJSON may write
// to the bytes it is given; UnmarshalString's string must not change (it
// is immutable, and a session's other values share it).
func TestUnmarshalStringNeverWritesData(t *testing.T) {
	doc := string([]byte(`{"a":{"k":"v"}}`)) // not a constant: in writable memory
	before := strings.Clone(doc)
	var v struct{ A scribbler }
	if err := (codec.JSON{}).UnmarshalString(doc, &v); err != nil {
		t.Fatal(err)
	}
	if v.A.got != `{"k":"v"}` {
		t.Fatalf("UnmarshalJSON got %q", v.A.got)
	}
	if doc != before {
		t.Fatalf("UnmarshalString's input changed: %q", doc)
	}
}
