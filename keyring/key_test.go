package keyring

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNewKey(t *testing.T) {
	before := time.Now().UTC().Truncate(time.Second)
	for _, state := range []State{StatePrimary, StateActive, StateRetired} {
		k, err := NewKey(state)
		if err != nil {
			t.Fatal(err)
		}
		if k.ID == 0 {
			t.Error("NewKey returned ID 0")
		}
		if k.State != state {
			t.Errorf("State = %v, want %v", k.State, state)
		}
		if k.secret == nil || *k.secret() == (secretBytes{}) {
			t.Error("NewKey returned an empty secret")
		}
		if k.Created.Before(before) || k.Created.After(time.Now()) || k.Created.Location() != time.UTC || k.Created.Nanosecond() != 0 {
			t.Errorf("Created = %v, want now in UTC truncated to seconds", k.Created)
		}
		if state == StatePrimary && !k.Promoted.Equal(k.Created) {
			t.Errorf("primary key: Promoted = %v, want Created %v", k.Promoted, k.Created)
		}
		if state != StatePrimary && !k.Promoted.IsZero() {
			t.Errorf("%v key: Promoted = %v, want zero", state, k.Promoted)
		}
		if !k.Demoted.IsZero() {
			t.Errorf("Demoted = %v, want zero", k.Demoted)
		}
	}
}

func TestNewKeyIsRandom(t *testing.T) {
	ids := map[uint32]bool{}
	secrets := map[secretBytes]bool{}
	for range 100 {
		k := mustNewKey(t, StateActive)
		if ids[k.ID] || secrets[*k.secret()] {
			t.Fatalf("NewKey repeated an ID or a secret after %d keys", len(ids))
		}
		ids[k.ID] = true
		secrets[*k.secret()] = true
	}
}

func TestNewKeyInvalidState(t *testing.T) {
	for _, s := range []State{0, 4, 255} {
		if _, err := NewKey(s); !errors.Is(err, ErrBadKey) {
			t.Errorf("NewKey(%v) error = %v, want ErrBadKey", s, err)
		}
	}
}

func TestKeyFromSecret(t *testing.T) {
	secret := testSecret("a")
	k, err := KeyFromSecret(0x8f3a2c1d, StateActive, secret)
	if err != nil {
		t.Fatal(err)
	}
	if k.ID != 0x8f3a2c1d || k.State != StateActive || !bytes.Equal(k.secret()[:], secret) {
		t.Errorf("KeyFromSecret = %+v with a different secret", k)
	}
	if !k.Created.IsZero() || !k.Promoted.IsZero() || !k.Demoted.IsZero() {
		t.Errorf("KeyFromSecret set times: %+v", k)
	}
	secret[0] ^= 0xff
	if k.secret()[0] == secret[0] {
		t.Error("KeyFromSecret did not copy the secret")
	}
}

func TestKeyFromSecretErrors(t *testing.T) {
	long := append(testSecret("a"), 0)
	tests := []struct {
		name   string
		id     uint32
		state  State
		secret []byte
	}{
		{"zero id", 0, StatePrimary, testSecret("a")},
		{"zero state", 1, 0, testSecret("a")},
		{"unknown state", 1, 9, testSecret("a")},
		{"nil secret", 1, StatePrimary, nil},
		{"short secret", 1, StatePrimary, testSecret("a")[:31]},
		{"long secret", 1, StatePrimary, long},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := KeyFromSecret(tt.id, tt.state, tt.secret)
			if !errors.Is(err, ErrBadKey) {
				t.Fatalf("error = %v, want ErrBadKey", err)
			}
			if !strings.HasPrefix(err.Error(), "keyring: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			assertNoSecret(t, "error", err.Error(), testSecret("a"))
		})
	}
}

func TestFormatParseID(t *testing.T) {
	for _, id := range []uint32{1, 0x0a0b0c0d, 0x8f3a2c1d, 0xffffffff, 0x10000000} {
		s := FormatID(id)
		if len(s) != 8 || strings.ToLower(s) != s {
			t.Errorf("FormatID(%#x) = %q, want 8 lower-case hex digits", id, s)
		}
		got, err := ParseID(s)
		if err != nil || got != id {
			t.Errorf("ParseID(%q) = %#x, %v; want %#x", s, got, err, id)
		}
	}
	if got := FormatID(0x0000abcd); got != "0000abcd" {
		t.Errorf("FormatID(0xabcd) = %q, want leading zeros", got)
	}
}

func TestParseIDStrict(t *testing.T) {
	for _, s := range []string{
		"", "8f3a2c1", "8f3a2c1d0", "8F3A2C1D", "8f3A2c1d", "0x8f3a2c", "+8f3a2c1", "-8f3a2c1",
		" 8f3a2c1", "8f3a2c1 ", "8f3a2c1g", "00000000", "8f3a2c1\n", "８f3a2c1",
	} {
		if id, err := ParseID(s); !errors.Is(err, ErrBadKey) {
			t.Errorf("ParseID(%q) = %#x, %v; want ErrBadKey", s, id, err)
		} else if strings.Contains(err.Error(), s) && s != "" {
			t.Errorf("ParseID(%q) error %q quotes its input", s, err)
		}
	}
}

func FuzzParseID(f *testing.F) {
	for _, s := range []string{"8f3a2c1d", "00000001", "ffffffff", "FFFFFFFF", "00000000", "0x123456", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			return
		}
		if id == 0 || FormatID(id) != s {
			t.Errorf("ParseID(%q) = %#x, which formats as %q", s, id, FormatID(id))
		}
	})
}

func TestKeyString(t *testing.T) {
	k := mustKey(t, 0x8f3a2c1d, StatePrimary, "a")
	if got, want := k.String(), "key 8f3a2c1d (primary)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	k.Created = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct{ format, want string }{
		{"%v", "key 8f3a2c1d (primary)"},
		{"%s", "key 8f3a2c1d (primary)"},
		{"%d", "key 8f3a2c1d (primary)"},
		{"%x", "key 8f3a2c1d (primary)"},
		{"%q", `"key 8f3a2c1d (primary)"`},
		{"%24v|", "  key 8f3a2c1d (primary)|"},
		{"%-24s|", "key 8f3a2c1d (primary)  |"},
		{"%.7s", "key 8f3"},
		{"%+v", "keyring.Key{ID: 8f3a2c1d, State: primary, Created: 2025-06-01T12:00:00Z, Secret: <redacted>}"},
		{"%#v", "keyring.Key{ID: 8f3a2c1d, State: primary, Created: 2025-06-01T12:00:00Z, Secret: <redacted>}"},
	}
	for _, tt := range tests {
		if got := fmt.Sprintf(tt.format, k); got != tt.want {
			t.Errorf("Sprintf(%q) = %q, want %q", tt.format, got, tt.want)
		}
	}
	if got, want := fmt.Sprintf("%+v", Key{}), "keyring.Key{ID: 00000000, State: State(0), Secret: <none>}"; got != want {
		t.Errorf("zero Key %%+v = %q, want %q", got, want)
	}
}

// verbs are the formatting directives tried on values holding keys.
var verbs = []string{
	"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%#x", "%d", "%o", "%O", "%b",
	"%c", "%U", "%e", "%f", "%g", "%t", "%p", "%T", "%w", "%08x", "%-40v", "%.100x", "%z",
}

// secretHolders returns values that contain k, directly and nested, in ways
// fmt handles differently: exported and unexported fields, pointers,
// slices, arrays, maps, interfaces, and a Ring by value.
func secretHolders(k Key, r *Ring) map[string]any {
	type exported struct{ K Key }
	type unexported struct{ k Key }
	type unexportedPtr struct{ k *Key }
	type ringValue struct{ r Ring }
	type deep struct {
		a []any
		m map[string]Key
	}
	kk := k
	return map[string]any{
		"Key":                k,
		"*Key":               &kk,
		"**Key":              func() **Key { p := &kk; return &p }(),
		"[]Key":              []Key{k, k},
		"[]*Key":             []*Key{&kk},
		"[1]Key":             [1]Key{k},
		"map[string]Key":     map[string]Key{"k": k},
		"map[uint32]Key":     map[uint32]Key{k.ID: k},
		"[]any":              []any{k, &kk, r},
		"exported field":     exported{k},
		"unexported field":   unexported{k},
		"*unexported field":  &unexported{k},
		"unexported pointer": unexportedPtr{&kk},
		"*Ring":              r,
		"Ring value":         *r,
		"unexported Ring":    ringValue{*r},
		"*unexported Ring":   &ringValue{*r},
		"deep unexported":    deep{a: []any{k, r, *r}, m: map[string]Key{"k": k}},
		"&deep unexported":   &deep{a: []any{k, r, *r}, m: map[string]Key{"k": k}},
		"Keys()":             r.Keys(),
		"secret field":       k.secret,
		"entry":              r.entries[0],
		"entries":            r.entries,
		"aead field":         r.entries[0].aead,
	}
}

func TestKeyNeverPrintsSecret(t *testing.T) {
	k := mustKey(t, 0x8f3a2c1d, StatePrimary, "a")
	k2 := mustNewKey(t, StateActive)
	r := mustRing(t, k, k2)
	secrets := [][]byte{secretOf(k), secretOf(k2)}
	for name, v := range secretHolders(k, r) {
		for _, verb := range verbs {
			out := fmt.Sprintf(verb, v)
			assertNoSecret(t, fmt.Sprintf("Sprintf(%q, %s)", verb, name), out, secrets...)
		}
		for fn, out := range map[string]string{
			"Sprint":   fmt.Sprint(v),
			"Sprintln": fmt.Sprintln(v, v),
			"Errorf":   fmt.Errorf("wrapped: %v %w", v, errors.New("x")).Error(),
		} {
			assertNoSecret(t, fn+"("+name+")", out, secrets...)
		}
	}
}

func TestKeyJSONNeverIncludesSecret(t *testing.T) {
	k := mustKey(t, 0x8f3a2c1d, StatePrimary, "a")
	k.Created = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	b, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"id":"8f3a2c1d","state":"primary","created":"2025-06-01T12:00:00Z"}`; got != want {
		t.Errorf("json.Marshal(Key) = %s, want %s", got, want)
	}
	r := mustRing(t, k, mustNewKey(t, StateActive))
	for name, v := range secretHolders(k, r) {
		b, err := json.Marshal(v)
		if err != nil {
			// A func field has no JSON form; that is fine, it leaks nothing.
			continue
		}
		assertNoSecret(t, "json.Marshal("+name+")", string(b), secretOf(k), secretOf(r.Keys()[1]))
	}
}

func TestKeySlogNeverIncludesSecret(t *testing.T) {
	k := mustKey(t, 0x8f3a2c1d, StatePrimary, "a")
	k.Promoted = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	k2 := mustNewKey(t, StateActive)
	r := mustRing(t, k, k2)
	for _, handler := range []struct {
		name string
		new  func(*bytes.Buffer) slog.Handler
	}{
		{"json", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }},
		{"text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }},
	} {
		var buf bytes.Buffer
		log := slog.New(handler.new(&buf))
		args := []any{}
		for name, v := range secretHolders(k, r) {
			args = append(args, name, v)
		}
		log.Info("keys", args...)
		log.Info("attrs", slog.Any("key", k), slog.Any("ring", r), slog.Group("g", "k", k))
		out := buf.String()
		assertNoSecret(t, handler.name+" handler", out, secretOf(k), secretOf(k2))
		if !strings.Contains(out, "8f3a2c1d") {
			t.Errorf("%s handler output lacks the key ID: %s", handler.name, out)
		}
	}

	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "key", k, "ring", r)
	var got struct {
		Key  map[string]any `json:"key"`
		Ring map[string]any `json:"ring"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Key["id"] != "8f3a2c1d" || got.Key["state"] != "primary" || got.Key["promoted"] != "2025-06-01T12:00:00Z" || len(got.Key) != 3 {
		t.Errorf("logged key = %v", got.Key)
	}
	if want := "8f3a2c1d:primary " + FormatID(k2.ID) + ":active"; got.Ring["primary"] != "8f3a2c1d" || got.Ring["keys"] != want {
		t.Errorf("logged ring = %v, want keys %q", got.Ring, want)
	}
}

func TestSecretBytesRedactsItself(t *testing.T) {
	k := mustKey(t, 1, StatePrimary, "a")
	p := k.secret()
	s := *p
	outs := []string{s.String(), s.GoString(), s.LogValue().String()}
	if b, err := s.MarshalText(); err == nil {
		outs = append(outs, string(b))
	}
	// Every verb but %w, which fmt reports as a bad verb without calling
	// Format: concealment covers that (TestKeyNeverPrintsSecret).
	for _, verb := range verbs {
		if verb != "%w" && verb != "%p" && verb != "%T" {
			outs = append(outs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, p))
		}
	}
	for _, got := range outs {
		if got != redacted {
			t.Errorf("secret printed as %q, want %q", got, redacted)
		}
	}
	for _, v := range []any{s, p, map[string]any{"s": s}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"\u003credacted\u003e"`) {
			t.Errorf("json.Marshal(secret) = %s", b)
		}
		assertNoSecret(t, "json.Marshal(secret)", string(b), p[:])
	}
}

// reachableBytes walks v with reflection the way a reflective dumper such
// as go-spew does (following pointers, interfaces, slices, arrays, maps and
// struct fields, exported or not, but not into funcs) and collects every
// byte array and slice it can reach.
func reachableBytes(v reflect.Value, seen map[uintptr]bool, out *[][]byte) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		if v.Kind() == reflect.Pointer {
			if seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
		}
		reachableBytes(v.Elem(), seen, out)
	case reflect.Struct:
		for i := range v.NumField() {
			reachableBytes(v.Field(i), seen, out)
		}
	case reflect.Array, reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, v.Len())
			for i := range b {
				b[i] = byte(v.Index(i).Uint())
			}
			*out = append(*out, b)
			return
		}
		for i := range v.Len() {
			reachableBytes(v.Index(i), seen, out)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			reachableBytes(it.Key(), seen, out)
			reachableBytes(it.Value(), seen, out)
		}
	}
}

func TestSecretNotReachableByReflection(t *testing.T) {
	k := mustKey(t, 0x8f3a2c1d, StatePrimary, "a")
	r := mustRing(t, k, mustNewKey(t, StateActive))
	for name, v := range map[string]any{"Key": k, "*Ring": r, "Keys": r.Keys()} {
		var found [][]byte
		reachableBytes(reflect.ValueOf(v), map[uintptr]bool{}, &found)
		for _, b := range found {
			for _, key := range r.Keys() {
				if bytes.Contains(b, key.secret()[:8]) {
					t.Errorf("%s: a reflective walk reaches the secret of %v", name, key)
				}
			}
		}
	}
}
