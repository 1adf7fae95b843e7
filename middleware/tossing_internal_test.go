package middleware

import (
	"slices"
	"strings"
	"testing"
)

func TestCandidatesAssembleTossedChunks(t *testing.T) {
	m := testManager("session", MaxHeaderBudget)
	tok := strings.Repeat("A", 9000) + "z"
	pairs, err := m.split(tok)
	if err != nil || len(pairs) != 3 {
		t.Fatalf("%d cookies, %v", len(pairs), err)
	}
	tag := chunkTag([]byte(tok))
	fake := func(name string, n int) []pair { // values of a chunk carrying tok's TAG, none its own
		var out []pair
		for i := range n {
			out = append(out, pair{name, tag + "." + strings.Repeat("B", i+1)})
		}
		return out
	}
	for _, c := range []struct {
		name     string
		cookies  []pair
		want     []string
		complete bool
	}{
		{"the set and a junk first cookie", append([]pair{{"session", "junk"}}, pairs...), []string{"junk", tok}, true},
		{"the same first cookie twice", append(pairs, pairs[0]), []string{tok}, true},
		{"three fakes of each chunk before the real ones", append(append(fake("session.1", 3), fake("session.2", 3)...), pairs...), []string{tok}, true},
		{"four fakes of a chunk: the real one not kept", append(fake("session.1", 4), append(pairs, pairs[0])...), nil, false},
		{"five first cookies", append([]pair{{"session", "a"}, {"session", "b"}, {"session", "c"}, {"session", "d"}}, pairs...), []string{"a", "b", "c", "d"}, false},
		{"a missing chunk", []pair{pairs[0], pairs[0], pairs[2]}, nil, true},
		{"a malformed first cookie", append([]pair{{"session", "~x." + tag + ".y"}}, pairs...), []string{tok}, true},
		{"empty values", []pair{{"session", ""}, {"session", ""}}, nil, true},
	} {
		toks, complete := m.candidates([]string{header(c.cookies)})
		if !slices.Equal(toks, c.want) || complete != c.complete {
			t.Errorf("%s: %d tokens (%v), want %d (%v)", c.name, len(toks), complete, len(c.want), c.complete)
		}
	}
}

// TestCandidatesBounded: however many combinations tossed chunks make, a
// logout assembles at most maxAssemblies of them.
func TestCandidatesBounded(t *testing.T) {
	m := testManager("session", MaxHeaderBudget)
	var cookies []pair
	for h := range maxCandidates {
		tag := chunkTag([]byte{byte(h)})
		cookies = append(cookies, pair{"session", "~16." + tag + ".x"})
		for i := 1; i < maxChunks; i++ {
			for v := range maxCandidates {
				cookies = append(cookies, pair{m.chunkName(i), tag + "." + strings.Repeat("y", v+1)})
			}
		}
	}
	tries := maxAssemblies
	var pieces [][]string
	for range maxChunks - 1 {
		pieces = append(pieces, []string{"a", "b", "c", "d"})
	}
	if tok, done := m.assemble("x", chunkTag([]byte("none")), pieces, &tries); tok != "" || done || tries != 0 {
		t.Fatalf("assemble: %q %v, %d tries left", tok, done, tries)
	}
	if toks, complete := m.candidates([]string{header(cookies)}); len(toks) != 0 || complete {
		t.Fatalf("%d tokens, complete %v", len(toks), complete)
	}
}
