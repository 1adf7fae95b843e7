package vectors_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/crumbhq/crumb/internal/vectors"
)

const dir = "../../testdata/vectors/v1"

// TestVectorsUpToDate fails when the committed vectors differ from what the
// generator produces: regenerate with `go generate ./internal/vectors`.
func TestVectorsUpToDate(t *testing.T) {
	want := vectors.Generate()
	paths, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		name := filepath.Base(p)
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: not produced by the generator: remove it or regenerate", name)
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, w) {
			t.Errorf("%s: differs from the generator's output: run go generate ./internal/vectors", name)
		}
		delete(want, name)
	}
	for name := range want {
		t.Errorf("%s: generated but not committed", name)
	}
}

func TestParseRoundTrip(t *testing.T) {
	for name, data := range vectors.Generate() {
		v, err := vectors.Parse(name, data)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.Marshal(); !bytes.Equal(got, data) {
			t.Errorf("%s: Parse/Marshal is not a round trip:\n%s\n---\n%s", name, got, data)
		}
	}
}

func TestParseIsStrict(t *testing.T) {
	good := vectors.Generate()["success-plain.txt"]
	bad := map[string][]byte{
		"unknown header":      bytes.Replace(good, []byte("skew:"), []byte("skew: 60\ncolor: blue\nx:"), 1),
		"unknown expect":      bytes.Replace(good, []byte("expect: success"), []byte("expect: maybe"), 1),
		"repeated header":     bytes.Replace(good, []byte("skew: 60"), []byte("skew: 60\nskew: 60"), 1),
		"missing payload":     bytes.Replace(good, []byte("\npayload:"), []byte("\ncomment:"), 1),
		"no blank line":       bytes.Replace(good, []byte("\n\n"), []byte("\n"), 1),
		"bad key":             bytes.Replace(good, []byte("key: 11111111 primary "), []byte("key: 1111111 primary "), 1),
		"bad number":          bytes.Replace(good, []byte("now: "), []byte("now: x"), 1),
		"no final newline":    good[:len(good)-1],
		"header without ': '": bytes.Replace(good, []byte("skew: 60"), []byte("skew=60"), 1),
	}
	for name, data := range bad {
		if _, err := vectors.Parse("x", data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
