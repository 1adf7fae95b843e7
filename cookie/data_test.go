package cookie_test

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/cookie"
)

type item struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

func TestTypedAccess(t *testing.T) {
	for _, ser := range []struct {
		name string
		o    cookie.Options
	}{{"json", cookie.Options{}}} {
		t.Run(ser.name, func(t *testing.T) {
			s := newStore(t, ser.o)
			rec, err := s.NewRecord(cookie.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			cart := []item{{"SKU-1", 2}, {"SKU-2", 1}}
			for k, v := range map[string]any{"uid": int64(1<<53 + 1), "name": "Zoë <admin>", "cart": cart, "flash": "saved", "ok": true} {
				if err := rec.Set(k, v); err != nil {
					t.Fatal(err)
				}
			}
			tok, err := s.Save(ctx, rec)
			if err != nil {
				t.Fatal(err)
			}
			r := mustRead(t, s, tok)
			if uid, err := cookie.Get[int64](r, "uid"); err != nil || uid != 1<<53+1 {
				t.Fatalf("int64 lost precision: %d %v", uid, err)
			}
			if name, _ := cookie.Get[string](r, "name"); name != "Zoë <admin>" {
				t.Fatal(name)
			}
			if got, _ := cookie.Get[[]item](r, "cart"); !reflect.DeepEqual(got, cart) {
				t.Fatal(got)
			}
			if msg, err := cookie.Pop[string](r, "flash"); err != nil || msg != "saved" || r.Has("flash") || !r.Changed() {
				t.Fatal("pop", msg, err)
			}
			if _, err := cookie.Get[string](r, "missing"); !errors.Is(err, cookie.ErrNoValue) {
				t.Fatal(err)
			}
			if _, err := cookie.Pop[string](r, "missing"); !errors.Is(err, cookie.ErrNoValue) {
				t.Fatal(err)
			}
			if _, err := cookie.Get[int](r, "name"); err == nil || errors.Is(err, cookie.ErrNoValue) {
				t.Fatal("a string decoded as an int")
			}
			keys, _ := r.Keys()
			if !reflect.DeepEqual(keys, []string{"cart", "name", "ok", "uid"}) {
				t.Fatal(keys)
			}
			whole, err := cookie.As[map[string]any](r)
			if err != nil || len(whole) != 4 || whole["ok"] != true {
				t.Fatal(whole, err)
			}
		})
	}
}

// TestNonObjectSerializer: a serializer that cannot split objects handles
// the data as one value; key access is refused rather than approximated
// through map[string]any (which would turn 2^53+1 into 2^53).
func TestNonObjectSerializer(t *testing.T) {
	s := newStore(t, cookie.Options{Serializer: mapOnlyJSON{}})
	r, _ := s.NewRecord(cookie.CreateOptions{})
	if err := r.Set("uid", int64(1<<53+1)); !errors.Is(err, cookie.ErrNotMap) {
		t.Fatalf("key access with a non-object serializer: %v", err)
	}
	type profile struct{ UID int64 }
	if err := r.SetData(profile{1<<53 + 1}); err != nil {
		t.Fatal(err)
	}
	tok, err := s.Save(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	p, err := cookie.As[profile](mustRead(t, s, tok))
	if err != nil || p.UID != 1<<53+1 {
		t.Fatalf("whole-value round trip: %d %v", p.UID, err)
	}
}

func TestDataShapes(t *testing.T) {
	s := newStore(t, cookie.Options{})
	// Not a map: key access fails clearly; As works.
	tok := mustCreate(t, s, cookie.CreateOptions{Data: []int{1, 2, 3}})
	r := mustRead(t, s, tok)
	if _, err := cookie.Get[int](r, "x"); !errors.Is(err, cookie.ErrNotMap) {
		t.Fatal(err)
	}
	if err := r.Set("x", 1); !errors.Is(err, cookie.ErrNotMap) {
		t.Fatal(err)
	}
	if list, err := cookie.As[[]int](r); err != nil || len(list) != 3 {
		t.Fatal(list, err)
	}
	// A struct is a map of its fields.
	tok = mustCreate(t, s, cookie.CreateOptions{Data: item{"SKU-9", 3}})
	if q, err := cookie.Get[int](mustRead(t, s, tok), "qty"); err != nil || q != 3 {
		t.Fatal(q, err)
	}
	// Clear keeps subject and metadata.
	tok = mustCreate(t, s, cookie.CreateOptions{Subject: "s", Data: map[string]int{"a": 1}})
	r = mustRead(t, s, tok)
	r.Clear()
	tok, _ = s.Save(ctx, r)
	r = mustRead(t, s, tok)
	if keys, _ := r.Keys(); len(keys) != 0 || r.Subject() != "s" {
		t.Fatal(keys)
	}
	if p, _ := r.Payload(); len(p) != 0 {
		t.Fatalf("empty session has payload %q", p)
	}
	// Unserializable values fail at Set, not at Save; so do keys that are
	// not UTF-8 (they would collapse into one "\ufffd" key).
	if err := r.Set("f", func() {}); err == nil {
		t.Fatal("func accepted")
	}
	if err := r.Set("\xff", 1); err == nil {
		t.Fatal("invalid UTF-8 key accepted")
	}
	// SetData(nil) — Update(ctx, tok, nil) — clears rather than storing null.
	r.Set("k", 1)
	if err := r.SetData(nil); err != nil || r.Has("k") {
		t.Fatal("SetData(nil) did not clear", err)
	}
	if err := r.Set("after", 1); err != nil {
		t.Fatalf("key access after SetData(nil): %v", err)
	}
	if err := r.SetData(make(chan int)); err == nil {
		t.Fatal("chan accepted")
	}
}

func TestEmptySessionIsSmall(t *testing.T) {
	s := newStore(t, cookie.Options{})
	tok := mustCreate(t, s, cookie.CreateOptions{})
	if len(tok) > 110 {
		t.Fatalf("empty session token is %d characters", len(tok))
	}
}

func TestUnchangedRecordSavesSameData(t *testing.T) {
	s := newStore(t, cookie.Options{})
	tok := mustCreate(t, s, cookie.CreateOptions{Data: map[string]any{"b": 2, "a": "x"}})
	r := mustRead(t, s, tok)
	cookie.Get[int](r, "b") // splitting the payload must not mark it changed
	if r.Changed() {
		t.Fatal("reading a value changed the record")
	}
	p1, _ := r.Payload()
	next, _ := s.Save(ctx, r)
	p2, _ := mustRead(t, s, next).Payload()
	if string(p1) != string(p2) {
		t.Fatalf("payload changed on reissue: %s -> %s", p1, p2)
	}
}

func TestCheckMeta(t *testing.T) {
	s := newStore(t, cookie.Options{})
	r, _ := s.NewRecord(cookie.CreateOptions{})
	for _, bad := range [][2]string{{"", "v"}, {strings.Repeat("k", 65), "v"}, {"k", strings.Repeat("v", 256)}, {"k", "\xff"}, {"\xff", "v"}} {
		if err := r.CheckMeta(bad[0], bad[1]); !errors.Is(err, cookie.ErrBadRecord) {
			t.Errorf("CheckMeta(%q, %q): %v", bad[0], bad[1], err)
		}
	}
	for i := range 16 {
		k := strings.Repeat("k", i+1)
		if err := r.CheckMeta(k, "v"); err != nil {
			t.Fatal(err)
		}
		r.SetMeta(k, "v")
	}
	if err := r.CheckMeta("new", "v"); !errors.Is(err, cookie.ErrBadRecord) {
		t.Fatalf("a 17th entry: %v", err)
	}
	if err := r.CheckMeta("k", strings.Repeat("v", 255)); err != nil {
		t.Fatalf("replacing an entry of a full set: %v", err)
	}
	if _, err := s.Save(context.Background(), r); err != nil {
		t.Fatalf("16 entries that CheckMeta accepted: %v", err)
	}
}

// TestDecodedValuesOutliveRecord: the strings As and Get decode share the
// record's payload (never copied out of it), so that payload must never
// change. Values decoded from compressed and uncompressed tokens, from
// cached and uncached reads, must stay as they were while the record is
// changed and saved, other sessions are read and collections run.
func TestDecodedValuesOutliveRecord(t *testing.T) {
	data := map[string]any{"name": "erin", "roles": []any{"admin", "ops"}, "prefs": map[string]any{"tz": "Europe/Lisbon"}, "note": strings.Repeat("long enough to compress ", 20)}
	for _, o := range []codec.Options{{}, {Compress: codec.CompressOff}} {
		cd, err := codec.New(o)
		if err != nil {
			t.Fatal(err)
		}
		s := newStore(t, cookie.Options{Codec: cd})
		tok := mustCreate(t, s, cookie.CreateOptions{Data: data})
		var all []map[string]any
		var names []string
		for range 3 { // the first read fills the read cache, the others hit it
			r := mustRead(t, s, tok)
			m, err := cookie.As[map[string]any](r)
			if err != nil {
				t.Fatal(err)
			}
			name, err := cookie.Get[string](r, "name")
			if err != nil {
				t.Fatal(err)
			}
			all, names = append(all, m), append(names, name)
			if err := r.Set("name", "mallory"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Save(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 200 {
			other := mustCreate(t, s, cookie.CreateOptions{Data: map[string]any{"name": strings.Repeat("x", i), "note": strings.Repeat("y", 500)}})
			if _, err := cookie.As[map[string]any](mustRead(t, s, other)); err != nil {
				t.Fatal(err)
			}
		}
		runtime.GC()
		for i, m := range all {
			if !reflect.DeepEqual(m, data) || names[i] != "erin" {
				t.Fatalf("%v, read %d: decoded values changed: %v, name %q", o.Compress, i, m, names[i])
			}
		}
	}
}
