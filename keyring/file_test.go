package keyring

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// docExample is the keyring document shown in the package documentation.
const docExample = `{
  "crumb_keyring": 1,
  "keys": [
    {
      "id": "0a0b0c0d",
      "state": "primary",
      "secret": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
      "created": "2025-06-01T12:00:00Z",
      "promoted": "2025-06-08T12:00:00Z"
    },
    {
      "id": "8f3a2c1d",
      "state": "active",
      "secret": "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8",
      "created": "2025-01-01T12:00:00Z",
      "promoted": "2025-01-08T12:00:00Z",
      "demoted": "2025-06-08T12:00:00Z"
    }
  ]
}
`

// seq returns the bytes start, start+1, …, start+31: the example secrets.
func seq(start byte) []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

func TestUnmarshalDocExample(t *testing.T) {
	r, err := Unmarshal([]byte(docExample))
	if err != nil {
		t.Fatal(err)
	}
	keys := r.Keys()
	if len(keys) != 2 || keys[0].ID != 0x0a0b0c0d || keys[0].State != StatePrimary || keys[1].ID != 0x8f3a2c1d || keys[1].State != StateActive {
		t.Fatalf("keys = %v", keys)
	}
	if !bytes.Equal(keys[0].secret()[:], seq(0)) || !bytes.Equal(keys[1].secret()[:], seq(32)) {
		t.Error("secrets differ from the documented bytes")
	}
	wantTimes := []time.Time{
		time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC), time.Date(2025, 6, 8, 12, 0, 0, 0, time.UTC), {},
		time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC), time.Date(2025, 1, 8, 12, 0, 0, 0, time.UTC), time.Date(2025, 6, 8, 12, 0, 0, 0, time.UTC),
	}
	gotTimes := []time.Time{keys[0].Created, keys[0].Promoted, keys[0].Demoted, keys[1].Created, keys[1].Promoted, keys[1].Demoted}
	for i := range wantTimes {
		if !gotTimes[i].Equal(wantTimes[i]) {
			t.Errorf("time %d = %v, want %v", i, gotTimes[i], wantTimes[i])
		}
	}
	// Marshal writes exactly the documented form.
	b, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != docExample {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, docExample)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	k1 := mustNewKey(t, StateActive)
	k1.Demoted = time.Date(2025, 3, 4, 5, 6, 7, 890, time.FixedZone("x", 3600))
	r := mustRing(t, k1, mustNewKey(t, StatePrimary), mustKey(t, 9, StateRetired, "x"))
	b, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	k1s, k2s := r.Keys(), r2.Keys()
	for i := range k1s {
		a, b := k1s[i], k2s[i]
		if a.ID != b.ID || a.State != b.State || *a.secret() != *b.secret() ||
			!a.Created.Equal(b.Created) || !a.Promoted.Equal(b.Promoted) || !a.Demoted.Equal(b.Demoted) {
			t.Errorf("key %d: %+v became %+v", i, a, b)
		}
		for _, tm := range []time.Time{b.Created, b.Promoted, b.Demoted} {
			if !tm.IsZero() && tm.Location() != time.UTC {
				t.Errorf("key %d: time %v not normalized to UTC", i, tm)
			}
		}
	}
	// A token sealed before the round trip opens after it.
	env := r.Seal(nil, []byte("x"), "p")
	if _, _, err := r2.Open(nil, env, "p"); err != nil {
		t.Errorf("Open after file round trip: %v", err)
	}
	// Re-marshalling is stable.
	b2, _ := Marshal(r2)
	if !bytes.Equal(b, b2) {
		t.Errorf("Marshal(Unmarshal(b)) != b:\n%s\n%s", b, b2)
	}
	if _, err := Marshal(nil); !errors.Is(err, ErrNoKeys) {
		t.Errorf("Marshal(nil) = %v", err)
	}
	if _, err := Marshal(new(Ring)); !errors.Is(err, ErrNoKeys) {
		t.Errorf("Marshal(zero Ring) = %v", err)
	}
}

func TestMarshalOmitsZeroTimes(t *testing.T) {
	b, err := Marshal(mustRing(t, mustKey(t, 0x8f3a2c1d, StatePrimary, "p")))
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"created", "promoted", "demoted"} {
		if bytes.Contains(b, []byte(field)) {
			t.Errorf("Marshal wrote zero %q: %s", field, b)
		}
	}
}

// goodKey is a valid key object for the table below.
const goodSecret = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"

// doc builds a one-key document around a key object's members.
func doc(members string) string {
	return `{"crumb_keyring": 1, "keys": [{` + members + `}]}`
}

func TestUnmarshalStrict(t *testing.T) {
	good := `"id": "0a0b0c0d", "state": "primary", "secret": "` + goodSecret + `"`
	if _, err := Unmarshal([]byte(doc(good))); err != nil {
		t.Fatalf("the base document fails: %v", err)
	}
	padded := base64.URLEncoding.EncodeToString(seq(0))
	std := base64.RawStdEncoding.EncodeToString(seq(0xf0)) // contains + or /
	if !strings.ContainsAny(std, "+/") {
		t.Fatal("test secret has no +/ characters")
	}
	nonCanonical := goodSecret[:42] + "9" // "8" with a padding bit set
	tests := []struct {
		name  string
		input string
		want  error  // besides ErrBadFile
		msg   string // substring of the message
	}{
		{"empty", ``, nil, "unexpected end of input"},
		{"white space", "  \n", nil, "unexpected end of input"},
		{"not an object", `[]`, nil, "must be a JSON object"},
		{"null", `null`, nil, "must be a JSON object"},
		{"truncated", doc(good)[:40], nil, "unexpected end of input"},
		{"syntax error", `{"crumb_keyring": 1,, "keys": []}`, nil, "JSON syntax error at line 1, column"},
		{"syntax error line", "{\n\"crumb_keyring\": 1,\n\"keys\": [}\n", nil, "JSON syntax error at line 3"},
		{"trailing data", doc(good) + ` {}`, nil, "unexpected data after the document"},
		{"trailing garbage", doc(good) + `x`, nil, "unexpected data after the document"},
		{"two documents", doc(good) + doc(good), nil, "unexpected data after the document"},
		{"missing version", `{"keys": [{` + good + `}]}`, nil, `missing "crumb_keyring"`},
		{"version 2", `{"crumb_keyring": 2, "keys": [{` + good + `}]}`, nil, "unsupported"},
		{"version 1.0", `{"crumb_keyring": 1.0, "keys": [{` + good + `}]}`, nil, "unsupported"},
		{"version 1e0", `{"crumb_keyring": 1e0, "keys": [{` + good + `}]}`, nil, "unsupported"},
		{"version string", `{"crumb_keyring": "1", "keys": [{` + good + `}]}`, nil, "unsupported"},
		{"version null", `{"crumb_keyring": null, "keys": [{` + good + `}]}`, nil, "unsupported"},
		{"missing keys", `{"crumb_keyring": 1}`, nil, `missing "keys"`},
		{"keys null", `{"crumb_keyring": 1, "keys": null}`, nil, `"keys" must be an array`},
		{"keys object", `{"crumb_keyring": 1, "keys": {}}`, nil, `"keys" must be an array`},
		{"no keys", `{"crumb_keyring": 1, "keys": []}`, ErrNoKeys, "no keys"},
		{"key not object", `{"crumb_keyring": 1, "keys": ["x"]}`, nil, "key 1: must be a JSON object"},
		{"unknown top field", `{"crumb_keyring": 1, "comment": "x", "keys": []}`, nil, `unknown field "comment"`},
		{"case-folded top field", `{"Crumb_Keyring": 1, "keys": []}`, nil, `unknown field "Crumb_Keyring"`},
		{"duplicate top field", `{"crumb_keyring": 1, "crumb_keyring": 1, "keys": []}`, nil, `duplicate field "crumb_keyring"`},
		{"duplicate keys", `{"crumb_keyring": 1, "keys": [], "keys": [{` + good + `}]}`, nil, `duplicate field "keys"`},
		{"unknown key field", doc(good + `, "algorithm": "x"`), nil, `key 1: unknown field "algorithm"`},
		{"case-folded key field", doc(`"ID": "0a0b0c0d", "state": "primary", "secret": "` + goodSecret + `"`), nil, `unknown field "ID"`},
		{"duplicate secret", doc(good + `, "secret": "` + goodSecret + `"`), nil, `key 1: duplicate field "secret"`},
		{"duplicate state", doc(good + `, "state": "active"`), nil, `duplicate field "state"`},
		{"missing id", doc(`"state": "primary", "secret": "` + goodSecret + `"`), nil, `key 1: missing "id"`},
		{"missing state", doc(`"id": "0a0b0c0d", "secret": "` + goodSecret + `"`), nil, `missing "state"`},
		{"missing secret", doc(`"id": "0a0b0c0d", "state": "primary"`), nil, `missing "secret"`},
		{"numeric id", doc(`"id": 168496141, "state": "primary", "secret": "` + goodSecret + `"`), nil, `key 1: "id" must be a string`},
		{"null secret", doc(`"id": "0a0b0c0d", "state": "primary", "secret": null`), nil, `"secret" must be a string`},
		{"upper-case id", doc(`"id": "0A0B0C0D", "state": "primary", "secret": "` + goodSecret + `"`), ErrBadKey, "key 1: key id must be 8 lower-case hex digits"},
		{"short id", doc(`"id": "a0b0c0d", "state": "primary", "secret": "` + goodSecret + `"`), ErrBadKey, "key 1: key id must be 8 lower-case hex digits"},
		{"zero id", doc(`"id": "00000000", "state": "primary", "secret": "` + goodSecret + `"`), ErrBadKey, "key 1: key id must not be zero"},
		{"bad state", doc(`"id": "0a0b0c0d", "state": "Primary", "secret": "` + goodSecret + `"`), ErrBadKey, "key 1 (id 0a0b0c0d): unknown state"},
		{"short secret", doc(`"id": "0a0b0c0d", "state": "primary", "secret": "` + goodSecret[:40] + `"`), ErrBadKey, "key 1 (id 0a0b0c0d): secret must decode to 32 bytes"},
		{"long secret", doc(`"id": "0a0b0c0d", "state": "primary", "secret": "` + goodSecret + `AAAA"`), ErrBadKey, "key 1 (id 0a0b0c0d): secret must decode to 32 bytes"},
		{"padded secret", doc(`"id": "0a0b0c0d", "state": "primary", "secret": "` + padded + `"`), ErrBadKey, "secret is not base64url without padding"},
		{"standard alphabet", doc(`"id": "0a0b0c0d", "state": "primary", "secret": "` + std + `"`), ErrBadKey, "secret is not base64url without padding"},
		{"non-canonical bits", doc(`"id": "0a0b0c0d", "state": "primary", "secret": "` + nonCanonical + `"`), ErrBadKey, "secret is not base64url without padding"},
		{"newline in secret", doc(`"id": "0a0b0c0d", "state": "primary", "secret": "` + goodSecret[:20] + `\n` + goodSecret[20:] + `"`), ErrBadKey, "secret is not canonical base64url"},
		{"CR in secret", doc(`"id": "0a0b0c0d", "state": "primary", "secret": "` + goodSecret[:20] + `\r` + goodSecret[20:] + `"`), ErrBadKey, "secret is not canonical base64url"},
		{"space in secret", doc(`"id": "0a0b0c0d", "state": "primary", "secret": "` + goodSecret[:20] + ` ` + goodSecret[20:] + `"`), ErrBadKey, "secret is not base64url"},
		{"bad time", doc(good + `, "created": "2025-06-01 12:00:00"`), nil, `key 1 (id 0a0b0c0d): "created" is not an RFC 3339 time`},
		{"date only", doc(good + `, "demoted": "2025-06-01"`), nil, `"demoted" is not an RFC 3339 time`},
		{"numeric time", doc(good + `, "promoted": 1700000000`), nil, `"promoted" must be a string`},
		{"no primary", doc(`"id": "0a0b0c0d", "state": "active", "secret": "` + goodSecret + `"`), ErrNoPrimary, "malformed keyring: no primary key"},
		{"two primaries", `{"crumb_keyring": 1, "keys": [{` + good + `}, {"id": "0a0b0c0e", "state": "primary", "secret": "` + goodSecret + `"}]}`, ErrMultiplePrimary, "key 1 (id 0a0b0c0d) and key 2 (id 0a0b0c0e)"},
		{"duplicate id", `{"crumb_keyring": 1, "keys": [{` + good + `}, {"id": "0a0b0c0d", "state": "active", "secret": "` + goodSecret + `"}]}`, ErrDuplicateID, "keys 1 and 2 (id 0a0b0c0d)"},
		{"second key bad", `{"crumb_keyring": 1, "keys": [{` + good + `}, {"id": "0a0b0c0e", "state": "active", "secret": "AAAA"}]}`, ErrBadKey, "key 2 (id 0a0b0c0e): secret must decode to 32 bytes"},
		{"too large", doc(good) + strings.Repeat(" ", maxFileSize), nil, "larger than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Unmarshal([]byte(tt.input))
			if err == nil || r != nil {
				t.Fatalf("Unmarshal accepted it: %v", r)
			}
			if !errors.Is(err, ErrBadFile) {
				t.Errorf("error %v does not wrap ErrBadFile", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v does not wrap %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
			if rest, ok := strings.CutPrefix(err.Error(), "keyring: malformed keyring: "); !ok || strings.Contains(rest, "keyring: ") {
				t.Errorf("error %q: want one \"keyring: malformed keyring: \" prefix", err)
			}
			for _, s := range []string{goodSecret, goodSecret[:20], goodSecret[20:], padded, std, nonCanonical} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q contains secret text", err)
				}
			}
			assertNoSecret(t, "error", err.Error(), seq(0), seq(0xf0))
		})
	}
}

func TestUnmarshalErrorsNeverQuoteMisplacedSecrets(t *testing.T) {
	// A secret pasted into the wrong place must not be echoed back.
	secret := base64.RawURLEncoding.EncodeToString(testSecret("misplaced"))
	for _, input := range []string{
		doc(`"id": "` + secret + `", "state": "primary", "secret": "` + goodSecret + `"`),
		doc(`"id": "0a0b0c0d", "state": "` + secret + `", "secret": "` + goodSecret + `"`),
		doc(`"id": "0a0b0c0d", "state": "primary", "secret": "` + goodSecret + `", "created": "` + secret + `"`),
		doc(`"id": "0a0b0c0d", "state": "primary", "` + secret + `": "x"`),
		`{"crumb_keyring": 1, "` + secret + `": 1}`,
		`{"crumb_keyring": 1, "keys": [` + secret + `]}`,
		`{"crumb_keyring": 1, "keys": ["` + secret + `]}`,
		`{"crumb_keyring": 1, "keys": [{"secret": "` + secret[:10] + "\x01" + secret[10:] + `"}]}`,
	} {
		_, err := Unmarshal([]byte(input))
		if err == nil {
			t.Fatalf("Unmarshal accepted %s", input)
		}
		assertNoSecret(t, "error", err.Error(), testSecret("misplaced"))
		for i := 0; i+6 <= len(secret); i++ {
			if strings.Contains(err.Error(), secret[i:i+6]) {
				t.Errorf("error %q contains part of the misplaced secret", err)
				break
			}
		}
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte(docExample))
	f.Add([]byte(doc(`"id": "0a0b0c0d", "state": "primary", "secret": "` + goodSecret + `"`)))
	f.Add([]byte(`{"crumb_keyring": 1, "keys": []}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"crumb_keyring": 1, "keys": [{"id": "0a0b0c0d", "state": "primary", "secret": "` + goodSecret + `", "created": "2025-01-01T00:00:00.5+01:00"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Unmarshal(data)
		if err != nil {
			if !errors.Is(err, ErrBadFile) || r != nil {
				t.Fatalf("Unmarshal = %v, %v", r, err)
			}
			return
		}
		// Anything accepted re-encodes to a document that parses to the
		// same ring, and re-encoding that is a fixed point.
		b, err := Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("Unmarshal(Marshal(r)) = %v", err)
		}
		b2, _ := Marshal(r2)
		if !bytes.Equal(b, b2) {
			t.Fatalf("not a fixed point:\n%s\n%s", b, b2)
		}
		if !json.Valid(b) {
			t.Fatal("Marshal wrote invalid JSON")
		}
	})
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keyring.json")
	if err := os.WriteFile(path, []byte(docExample), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := LoadFile(path)
	if err != nil || r.Primary().ID != 0x0a0b0c0d {
		t.Fatalf("LoadFile = %v, %v", r, err)
	}

	if _, err := LoadFile(filepath.Join(dir, "missing.json")); !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "keyring: ") {
		t.Errorf("LoadFile(missing) = %v, want fs.ErrNotExist", err)
	}
	if _, err := LoadFile(dir); err == nil {
		t.Error("LoadFile(directory) succeeded")
	}

	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(doc(`"id": "0a0b0c0d", "state": "primary", "secret": "AAAA"`)), 0o600)
	_, err = LoadFile(bad)
	if !errors.Is(err, ErrBadFile) || !errors.Is(err, ErrBadKey) {
		t.Errorf("LoadFile(bad) = %v", err)
	}
	if want := "keyring: " + bad + ": malformed keyring: key 1 (id 0a0b0c0d): secret must decode to 32 bytes"; err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}

	big := filepath.Join(dir, "big.json")
	os.WriteFile(big, append([]byte(docExample), bytes.Repeat([]byte(" "), maxFileSize)...), 0o600)
	if _, err := LoadFile(big); !errors.Is(err, ErrBadFile) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("LoadFile(big) = %v", err)
	}
	// Exactly at the limit is fine.
	atLimit := append([]byte(docExample), bytes.Repeat([]byte(" "), maxFileSize-len(docExample))...)
	os.WriteFile(big, atLimit, 0o600)
	if _, err := LoadFile(big); err != nil {
		t.Errorf("LoadFile(exactly 1 MiB) = %v", err)
	}
}

func TestCreateFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keyring.json")
	r := mustRing(t, mustNewKey(t, StatePrimary))
	if err := CreateFile(path, r); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	got, err := LoadFile(path)
	if err != nil || got.Primary().ID != r.Primary().ID {
		t.Fatalf("LoadFile(CreateFile) = %v, %v", got, err)
	}

	// Never overwrites.
	before, _ := os.ReadFile(path)
	err = CreateFile(path, mustRing(t, mustNewKey(t, StatePrimary)))
	if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), "ReplaceFile") {
		t.Errorf("CreateFile(existing) = %v, want fs.ErrExist", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("CreateFile changed an existing file")
	}

	// Not even through a dangling symbolic link.
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(filepath.Join(dir, "target.json"), link); err == nil {
		if err := CreateFile(link, r); !errors.Is(err, fs.ErrExist) {
			t.Errorf("CreateFile(dangling link) = %v, want fs.ErrExist", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "target.json")); !errors.Is(err, fs.ErrNotExist) {
			t.Error("CreateFile wrote through a dangling link")
		}
	}

	if err := CreateFile(filepath.Join(dir, "no", "such", "dir.json"), r); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("CreateFile(missing dir) = %v", err)
	}
	if err := CreateFile(filepath.Join(dir, "nil.json"), nil); !errors.Is(err, ErrNoKeys) {
		t.Errorf("CreateFile(nil ring) = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "nil.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("CreateFile(nil ring) left a file")
	}
}

func TestReplaceFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keyring.json")
	r1 := mustRing(t, mustNewKey(t, StatePrimary))
	r2 := mustRing(t, mustNewKey(t, StatePrimary))

	if err := ReplaceFile(path, r1); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReplaceFile(missing) = %v, want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Error("ReplaceFile created a missing file")
	}

	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ReplaceFile(path, r2); err != nil {
		t.Fatal(err)
	}
	got, err := LoadFile(path)
	if err != nil || got.Primary().ID != r2.Primary().ID {
		t.Fatalf("LoadFile(ReplaceFile) = %v, %v", got, err)
	}
	if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after ReplaceFile = %v, want 0600", fi.Mode().Perm())
	}
	assertNoTempFiles(t, dir)

	if err := ReplaceFile(dir, r1); err == nil {
		t.Error("ReplaceFile(directory) succeeded")
	}
	if err := ReplaceFile(path, nil); !errors.Is(err, ErrNoKeys) {
		t.Errorf("ReplaceFile(nil ring) = %v", err)
	}
	if got, _ := LoadFile(path); got.Primary().ID != r2.Primary().ID {
		t.Error("a failed ReplaceFile changed the file")
	}
}

func TestReplaceFileThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real", "keyring.json")
	os.Mkdir(filepath.Dir(real), 0o700)
	if err := CreateFile(real, mustRing(t, mustNewKey(t, StatePrimary))); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "keyring.json")
	if err := os.Symlink(real, link); err != nil {
		t.Skip("symbolic links unavailable:", err)
	}
	r := mustRing(t, mustNewKey(t, StatePrimary))
	if err := ReplaceFile(link, r); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Error("ReplaceFile replaced the link itself")
	}
	if got, err := LoadFile(real); err != nil || got.Primary().ID != r.Primary().ID {
		t.Errorf("target after ReplaceFile(link) = %v, %v", got, err)
	}
	assertNoTempFiles(t, filepath.Dir(real))
}

// assertNoTempFiles fails t if dir holds a leftover temporary file.
func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}
