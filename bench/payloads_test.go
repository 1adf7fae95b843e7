package bench

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// TestTypedPayloads: the payloads have the sizes issue 17 names, and the
// struct and map forms of each marshal to the same bytes, so every
// composer and both forms measure the same payload.
func TestTypedPayloads(t *testing.T) {
	sizes := map[string][2]int{"small": {120, 200}, "medium": {900, 1300}, "large": {5500, 6500}}
	ps := TypedPayloads()
	if len(ps) != len(sizes) {
		t.Fatalf("%d payloads", len(ps))
	}
	for _, p := range ps {
		if r := sizes[p.Name]; len(p.JSON) < r[0] || len(p.JSON) > r[1] {
			t.Errorf("%s: %d bytes of JSON, want %d to %d", p.Name, len(p.JSON), r[0], r[1])
		}
		js, err := json.Marshal(p.Map)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(js, p.JSON) {
			t.Errorf("%s: the map marshals to other bytes than the struct:\n%s\n%s", p.Name, js, p.JSON)
		}
	}
	if !reflect.DeepEqual(TypedPayloads(), ps) {
		t.Error("TypedPayloads is not deterministic")
	}
}

// TestComposers: every composer of BenchmarkComposition reads back exactly
// what it created, for every payload in both forms.
func TestComposers(t *testing.T) {
	e := newCompositionEnv(t)
	for _, p := range TypedPayloads() {
		switch v := p.Value.(type) {
		case AppSession:
			checkComposers(t, p.Name, composers[AppSession](e), v)
		case ShopSession:
			checkComposers(t, p.Name, composers[ShopSession](e), v)
		case OIDCSession:
			checkComposers(t, p.Name, composers[OIDCSession](e), v)
		default:
			t.Fatalf("%s: unexpected type %T", p.Name, p.Value)
		}
		checkComposers(t, p.Name, composers[map[string]any](e), p.Map)
	}
}

func checkComposers[T any](t *testing.T, name string, cs []composer[T], v T) {
	t.Helper()
	for _, c := range cs {
		tok, err := c.create(v)
		if err != nil {
			t.Fatalf("%s/%s create: %v", name, c.name, err)
		}
		got, err := c.read(tok)
		if err != nil {
			t.Fatalf("%s/%s read: %v", name, c.name, err)
		}
		if !reflect.DeepEqual(got, v) {
			t.Errorf("%s/%s: read back %#v, want %#v", name, c.name, got, v)
		}
		tampered := []byte(tok)
		if i := len(tampered) / 2; tampered[i] == 'A' {
			tampered[i] = 'B'
		} else {
			tampered[i] = 'A'
		}
		if _, err := c.read(string(tampered)); err == nil {
			t.Errorf("%s/%s: a tampered token reads", name, c.name)
		}
	}
}
