package codec_test

import (
	"reflect"
	"testing"

	"github.com/crumbhq/crumb/codec"
)

func TestJSONSerializer(t *testing.T) {
	var s codec.Serializer = codec.JSON{}
	if s.ID() != codec.JSONID || s.ID().String() != "json" {
		t.Fatalf("ID %v", s.ID())
	}
	in := map[string]any{"uid": 42.0, "roles": []any{"admin"}, "name": "Ada"}
	b, err := s.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"name":"Ada","roles":["admin"],"uid":42}` {
		t.Fatalf("JSON is not the compact sorted form: %s", b)
	}
	var out map[string]any
	if err := s.Unmarshal(b, &out); err != nil || !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip: %v %v", out, err)
	}
	if err := s.Unmarshal([]byte(`{"a":`), &out); err == nil {
		t.Fatal("truncated JSON accepted")
	}
	if _, err := s.Marshal(func() {}); err == nil {
		t.Fatal("unmarshalable value accepted")
	}
}

func TestRawSerializer(t *testing.T) {
	var s codec.Serializer = codec.Raw{}
	if s.ID() != codec.RawID || s.ID().String() != "raw" {
		t.Fatalf("ID %v", s.ID())
	}
	b, err := s.Marshal("hello")
	if err != nil || string(b) != "hello" {
		t.Fatal(b, err)
	}
	b, err = s.Marshal([]byte{1, 2})
	if err != nil || len(b) != 2 {
		t.Fatal(b, err)
	}
	var bs []byte
	src := []byte{9, 8, 7}
	if err := s.Unmarshal(src, &bs); err != nil || string(bs) != string(src) {
		t.Fatal(bs, err)
	}
	src[0] = 0
	if bs[0] != 9 {
		t.Fatal("Raw.Unmarshal retained its input")
	}
	var str string
	if err := s.Unmarshal([]byte("x"), &str); err != nil || str != "x" {
		t.Fatal(str, err)
	}
	if _, err := s.Marshal(42); err == nil {
		t.Fatal("int accepted")
	}
	if err := s.Unmarshal(nil, new(int)); err == nil {
		t.Fatal("*int accepted")
	}
	if codec.SerializerID(5).String() != "serializer(5)" {
		t.Fatal(codec.SerializerID(5).String())
	}
}

func TestEnumStrings(t *testing.T) {
	for v, want := range map[codec.Compression]string{codec.None: "none", codec.S2: "s2", codec.Zstd: "zstd", 3: "Compression(3)"} {
		if v.String() != want {
			t.Errorf("%d: %q", v, v.String())
		}
	}
	for v, want := range map[codec.Policy]string{codec.CompressAuto: "auto", codec.CompressOff: "off", codec.CompressS2: "s2", codec.CompressZstd: "zstd", 9: "Policy(9)"} {
		if v.String() != want {
			t.Errorf("%d: %q", v, v.String())
		}
	}
}
