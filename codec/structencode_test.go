package codec_test

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/crumbhq/crumb/codec"
)

// Types the struct encoding fast path takes (plainInner, plainOuter,
// flatStruct: json_test.go) and types it leaves to encoding/json, compared
// with encoding/json on values that reach every rule.

type omitStruct struct {
	S   string         `json:"s,omitempty"`
	N   int            `json:"n,omitempty"`
	U   uint8          `json:"u,omitempty"`
	F   float64        `json:"f,omitempty"`
	B   bool           `json:"b,omitempty"`
	P   *int           `json:"p,omitempty"`
	A   any            `json:"a,omitempty"`
	L   []string       `json:"l,omitempty"`
	M   map[string]int `json:"m,omitempty"`
	In  flatStruct     `json:"in,omitempty"` // a struct is never empty
	Odd string         `json:",omitempty,unknownoption"`
}

type namedMap map[string]any

type keyedMap map[namedString][]float32

type uintptrStruct struct {
	U uintptr `json:"u"`
}

type pointerChain struct {
	PP   **string      `json:"pp"`
	Next *pointerChain `json:"next"`
}

type emptyStruct struct{}

type onlyUnexported struct {
	a, b int
}

// Types the fast path leaves to encoding/json.
type (
	omitZeroStruct struct {
		T time.Time `json:"t,omitzero"`
		N int       `json:"n,omitzero"`
	}
	stringOption struct {
		N int `json:"n,string"`
	}
	arrayStruct struct {
		A [3]int `json:"a"`
	}
	bytesStruct struct {
		B []byte `json:"b"`
	}
	conflictStruct struct {
		A string `json:"B"` // encoding/json: the tagged field wins
		B string
	}
	stringerStruct struct {
		S fmt.Stringer `json:"s"`
	}
	valueMarshaler   struct{ N int }
	pointerMarshaler struct{ N int }
	marshalerFields  struct {
		V valueMarshaler   `json:"v"`
		P pointerMarshaler `json:"p"`
	}
	textKey       string
	textKeyStruct struct {
		M map[textKey]int `json:"m"`
	}
	cycle struct {
		Next *cycle `json:"next"`
	}
	embedding struct {
		flatStruct
		Extra string `json:"extra"`
	}
)

func (v valueMarshaler) MarshalJSON() ([]byte, error)    { return []byte(`"value"`), nil }
func (p *pointerMarshaler) MarshalJSON() ([]byte, error) { return []byte(`"pointer"`), nil }
func (k textKey) MarshalText() ([]byte, error)           { return []byte("text-" + string(k)), nil }

func structSeeds() []any {
	s := "<s>"
	ps := &s
	n := 0
	loop := &cycle{}
	loop.Next = loop
	inner := plainInner{S: "in\u2028", N: -128, U: 7, F: float32(math.Pi), B: true, A: map[string]any{"k": []any{1.5, "x"}}, NS: "named",
		M: map[string]int{"b": 2, "a": 1}, L: []plainInner{{}, {S: "nested", U: 0}}, Skip: "skipped", Dash: "dash", BadTag: "bad"}
	inner.P = &plainInner{S: "pointed", A: &flatStruct{Role: "admin"}}
	return []any{
		flatStruct{CSRF: "tok", Locale: "pl-PL", LoginAt: 1767251088, MFA: true, Role: "admin", UserID: 7494743, Username: "marta&<>"},
		&flatStruct{}, (*flatStruct)(nil), []flatStruct{{}, {Role: "r"}}, map[string]flatStruct{"z": {}, "a": {UserID: -1}},
		inner, &inner, plainInner{}, plainInner{F: float32(math.Copysign(0, -1))},
		plainOuter{In: inner, Ints: []int64{math.MinInt64, 0, math.MaxInt64}, Strs: map[namedString]namedString{"b": "<", "a": ""}, X: 1e21, PS: ps,
			Up: "u", Low: "l", Anys: []any{nil, true, inner, []string{"a"}, uint8(3)}, Maps: map[string][]uint{"k": {1, 2}, "e": {}, "n": nil}},
		plainOuter{}, plainOuter{Maps: map[string][]uint{}, Anys: []any{}, Ints: []int64{}},
		omitStruct{}, omitStruct{S: "s", N: -1, U: 1, F: math.Copysign(0, -1), B: true, P: &n, A: 0, L: []string{}, M: map[string]int{}, Odd: "o"},
		omitStruct{L: []string{"x"}, M: map[string]int{"m": 1}, A: ""},
		namedMap{"b": namedMap{"c": nil}, "a": []any{}}, keyedMap{"y": {1.5, float32(math.MaxFloat32)}, "x": nil},
		uintptrStruct{U: math.MaxUint32}, pointerChain{PP: &ps, Next: &pointerChain{}}, emptyStruct{}, onlyUnexported{1, 2},
		struct {
			A int `json:"a"`
			b int
		}{1, 2},
		[]any{flatStruct{}, &plainInner{A: []any{emptyStruct{}}}}, map[string]any{"s": flatStruct{Role: "nested in a map"}},
		// left to encoding/json
		omitZeroStruct{}, omitZeroStruct{T: time.Unix(0, 0).UTC(), N: 1}, stringOption{N: 5}, arrayStruct{A: [3]int{1, 2, 3}},
		bytesStruct{B: []byte("hi")}, conflictStruct{A: "a", B: "b"}, stringerStruct{}, marshalerFields{}, &marshalerFields{},
		textKeyStruct{M: map[textKey]int{"k": 1}}, loop, embedding{Extra: "e"}, refusedStruct{Q: 1}, numberStruct{Num: "12"},
		plainInner{F: float32(math.Inf(1))}, plainInner{A: math.NaN()}, plainInner{A: make(chan int)}, plainInner{A: time.Unix(1, 0).UTC()},
		plainOuter{X: math.NaN()}, []any{valueMarshaler{}}, map[string]any{"t": textKeyStruct{}},
	}
}

func TestMarshalStructsMatchEncodingJSON(t *testing.T) {
	for _, v := range structSeeds() {
		checkMarshal(t, v)
	}
}

// TestMarshalDeepStruct: nesting past the fast path's depth limit goes to
// encoding/json, which encodes it.
func TestMarshalDeepStruct(t *testing.T) {
	var v *plainInner
	for range 150 {
		v = &plainInner{P: v, S: "level"}
	}
	checkMarshal(t, v)
}

func BenchmarkJSONStructMarshal(b *testing.B) {
	small := flatStruct{CSRF: "YdBd2_KoFJ5p2iAeZti4w0lSoHm5k39l", Locale: "pl-PL", LoginAt: 1767251088, MFA: true, Role: "admin", UserID: 7494743, Username: "marta.kowalska@posteo.example"}
	var v any = small // boxed once: Create's callers pass a value already in an interface
	buf := make([]byte, 0, 512)
	b.Run("crumb", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := (codec.JSON{}).AppendMarshal(buf[:0], v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
