package vectors_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/vectors"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
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
		"unknown header":        bytes.Replace(good, []byte("skew:"), []byte("skew: 60\ncolor: blue\nx:"), 1),
		"unknown expect":        bytes.Replace(good, []byte("expect: success"), []byte("expect: maybe"), 1),
		"repeated header":       bytes.Replace(good, []byte("skew: 60"), []byte("skew: 60\nskew: 60"), 1),
		"missing payload":       bytes.Replace(good, []byte("\npayload:"), []byte("\ncomment:"), 1),
		"no blank line":         bytes.Replace(good, []byte("\n\n"), []byte("\n"), 1),
		"bad key":               bytes.Replace(good, []byte("key: 11111111 primary "), []byte("key: 1111111 primary "), 1),
		"bad number":            bytes.Replace(good, []byte("now: "), []byte("now: x"), 1),
		"no final newline":      good[:len(good)-1],
		"header without ': '":   bytes.Replace(good, []byte("skew: 60"), []byte("skew=60"), 1),
		"no purpose":            bytes.Replace(good, []byte("purpose: session\n"), nil, 1),
		"both purposes":         bytes.Replace(good, []byte("purpose: session\n"), []byte("purpose: session\npurpose hex: 73657373696f6e00\n"), 1),
		"text in purpose hex":   bytes.Replace(good, []byte("purpose: session\n"), []byte("purpose hex: 73657373696f6e\n"), 1),
		"upper-case hex":        bytes.Replace(good, []byte("purpose: session\n"), []byte("purpose hex: 73657373696F6E00\n"), 1),
		"control in purpose":    bytes.Replace(good, []byte("purpose: session\n"), []byte("purpose: ses\tsion\n"), 1),
		"empty revoked subject": bytes.Replace(good, []byte("skew: 60\n"), []byte("skew: 60\nrevoked subject: 1767225000 \n"), 1),
	}
	for name, data := range bad {
		if _, err := vectors.Parse("x", data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestS2Blocks checks the generator's hand-assembled S2 blocks against the
// reference decoder (klauspost/compress/s2): every S2 success vector decodes
// to its payload, and the blocks that break a rule of SPEC.md §5.2's S2
// format are refused by the reference too, so the text and the reference
// agree on each of them.
func TestS2Blocks(t *testing.T) {
	vs, err := vectors.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*vectors.Vector{}
	for _, v := range vs {
		want[v.Name] = v
	}
	bodies, err := vectors.Bodies(dir)
	if err != nil {
		t.Fatal(err)
	}
	info, err := zstd.InspectDictionary(codec.DefaultDictionary().Bytes())
	if err != nil {
		t.Fatal(err)
	}
	dict1 := s2.MakeDictManual(info.Content(), 0)
	refused := map[string]bool{
		"invalid-s2-dictionary-after-64-kib":   true,
		"invalid-s2-dictionary-crossing":       true,
		"invalid-s2-dictionary-before-content": true,
		"invalid-s2-repeat-without-dictionary": true,
	}
	checked := 0
	for _, b := range bodies {
		v := want[b.Name]
		if b.Format.Compression != codec.S2 || (v.Expect != vectors.ExpectSuccess && !refused[b.Name]) {
			continue
		}
		body := b.Body
		if b.Format.Padded {
			body = bytes.TrimRight(body, "\x00")
			body = body[:len(body)-1]
		}
		id, n := binary.Uvarint(body)
		var got []byte
		if id == 1 {
			got, err = dict1.Decode(nil, body[n:])
		} else {
			got, err = s2.Decode(nil, body[n:])
		}
		switch {
		case refused[b.Name] && err == nil:
			t.Errorf("%s: the reference decoder accepts the block", b.Name)
		case !refused[b.Name] && err != nil:
			t.Errorf("%s: the reference decoder refuses the block: %v", b.Name, err)
		case !refused[b.Name] && !bytes.Equal(got, v.Payload):
			t.Errorf("%s: the reference decoder gives another payload", b.Name)
		}
		checked++
	}
	if checked < 10 {
		t.Errorf("only %d S2 vectors checked", checked)
	}
}

// TestSpecNamesVectors: every vector SPEC.md names exists, so the text never
// points at a vector that was renamed or never written.
func TestSpecNamesVectors(t *testing.T) {
	spec, err := os.ReadFile("../../SPEC.md")
	if err != nil {
		t.Fatal(err)
	}
	names := regexp.MustCompile("`((?:success|invalid|expired|revoked|too-large)-[a-z0-9-]+)`").FindAllSubmatch(spec, -1)
	if len(names) < 40 {
		t.Fatalf("SPEC.md names only %d vectors", len(names))
	}
	for _, m := range names {
		if _, err := os.Stat(filepath.Join(dir, string(m[1])+".txt")); err != nil {
			t.Errorf("SPEC.md names vector %s: %v", m[1], err)
		}
	}
}
