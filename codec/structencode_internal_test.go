package codec

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

// TestStructEncoderTakes checks which types the struct encoding fast path
// takes: the differential tests (structencode_test.go) would pass just as
// well if it took none.
func TestStructEncoderTakes(t *testing.T) {
	type inner struct {
		S  string           `json:"s,omitempty"`
		P  *inner           `json:"p"`
		M  map[string][]int `json:"m"`
		A  any              `json:"a"`
		F  float32
		U  uintptr `json:"-"`
		un int
	}
	type session struct {
		In    inner             `json:"in"`
		Items []inner           `json:"items"`
		Tags  map[string]string `json:"tags"`
		Any   map[string]any    `json:"any"`
		Ptr   **inner           `json:"ptr"`
	}
	type withTime struct {
		T time.Time `json:"t"`
	}
	type withBytes struct {
		B []byte `json:"b"`
	}
	type withArray struct {
		A [2]string `json:"a"`
	}
	type withString struct {
		N int `json:"n,string"`
	}
	type withOmitZero struct {
		N int `json:"n,omitzero"`
	}
	type embedded struct {
		inner
	}
	type conflict struct {
		A int `json:"B"` // a tag and another field's name (go vet refuses two equal tags)
		B int
	}
	type withNumber struct {
		N json.Number `json:"n"`
	}
	type withChan struct {
		C chan int `json:"c"`
	}
	pi := &inner{S: "x"}
	for _, v := range []any{inner{}, &inner{P: &inner{}}, session{Ptr: &pi}, []session{{}}, map[string]inner{"k": {}}, struct{}{}, []int{1}} {
		if _, ok := appendReflect(nil, v, 0); !ok {
			t.Errorf("%T left to encoding/json, want the fast path", v)
		}
	}
	for _, v := range []any{withTime{}, withBytes{}, withArray{}, withString{}, withOmitZero{}, embedded{}, conflict{}, withNumber{},
		withChan{}, []withTime{}, map[string]withBytes{}, &withArray{}, json.RawMessage(`1`), time.Time{}, [2]int{}, map[int]string{}} {
		if _, ok := appendReflect(nil, v, 0); ok {
			t.Errorf("%T taken by the fast path, want encoding/json", v)
		}
	}
	// A value the fast path cannot encode, of a type it takes: NaN.
	if _, ok := appendReflect(nil, inner{A: []any{1, 2}, F: float32(math.NaN())}, 0); ok {
		t.Error("NaN encoded by the fast path, want encoding/json's error")
	}
}
