package variedcorpus_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/variedcorpus"
)

const committed = "../../testdata/corpus/varied-v1.jsonl"

// TestCommittedCorpus: the committed file is what Generate produces, so it
// is stable and reviewable as text (regenerate with
// `go run ./internal/cmd/corpusgen -corpus testdata/corpus/varied-v1.jsonl`).
func TestCommittedCorpus(t *testing.T) {
	want, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := variedcorpus.Encode(&got, variedcorpus.Generate(variedcorpus.Seed)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("%s differs from Generate(%d) (%d vs %d bytes): regenerate it, and keep in mind that measurements on the old corpus no longer compare", committed, variedcorpus.Seed, len(want), got.Len())
	}
}

func TestShape(t *testing.T) {
	sessions, err := variedcorpus.Load(committed)
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) < 200 {
		t.Errorf("%d sessions, want at least 200", len(sessions))
	}
	ids := map[string]bool{}
	minLen, maxLen := 1<<30, 0
	for _, c := range variedcorpus.Categories(sessions) {
		var train, held int
		for _, s := range sessions {
			if s.Category != c {
				continue
			}
			if s.Split == variedcorpus.Train {
				train++
			} else {
				held++
			}
		}
		if held == 0 || train < held {
			t.Errorf("%s: %d training and %d held-out sessions", c, train, held)
		}
	}
	for _, s := range sessions {
		if ids[s.ID] {
			t.Errorf("duplicate id %s", s.ID)
		}
		ids[s.ID] = true
		b, err := codec.JSON{}.Marshal(s.Session)
		if err != nil {
			t.Fatalf("%s: %v", s.ID, err)
		}
		minLen, maxLen = min(minLen, len(b)), max(maxLen, len(b))
	}
	if minLen > 200 || maxLen < 5000 {
		t.Errorf("payloads span %d to %d bytes, want ~100 B to ~6 KB", minLen, maxLen)
	}
	// Numbers decode as the types an application stores.
	if _, ok := sessions[0].Session["_auth_user_id"].(string); !ok {
		t.Errorf("first session: %#v", sessions[0].Session)
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := variedcorpus.Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
