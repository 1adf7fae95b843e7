package middleware

import (
	"strings"
	"testing"
)

func testManager(name string, budget int) *Manager {
	return &Manager{name: name, budget: budget}
}

// header joins cookie pairs as a browser sends them.
func header(pairs []pair) string {
	var parts []string
	for _, p := range pairs {
		parts = append(parts, p.name+"="+p.value)
	}
	return strings.Join(parts, "; ")
}

func TestSplitJoinAtEveryBoundary(t *testing.T) {
	for _, name := range []string{"s", "session", "__Host-" + strings.Repeat("n", 100)} {
		m := testManager(name, MaxHeaderBudget)
		for n := 1; n <= 3*MaxCookieBytes; n += 1 + n/50 {
			for _, l := range []int{n, MaxCookieBytes - len(name), MaxCookieBytes - len(name) + 1} {
				tok := strings.Repeat("A", l-1) + "z"
				pairs, err := m.split(tok)
				if err != nil {
					t.Fatalf("%s/%d: %v", name, l, err)
				}
				single := len(name)+l <= MaxCookieBytes
				if (len(pairs) == 1) != single {
					t.Fatalf("%s/%d: %d cookies", name, l, len(pairs))
				}
				size := 2 * (len(pairs) - 1)
				for _, p := range pairs {
					if len(p.name)+len(p.value) > MaxCookieBytes {
						t.Fatalf("%s/%d: cookie %s of %d bytes", name, l, p.name, len(p.name)+len(p.value))
					}
					size += len(p.name) + 1 + len(p.value)
				}
				in := m.readCookies([]string{header(pairs)})
				if in.token != tok || in.chunks != len(pairs) || in.bytes+2*(len(pairs)-1) != size || in.bad || in.dup {
					t.Fatalf("%s/%d: read back %d chars in %d chunks (%+v)", name, l, len(in.token), in.chunks, in)
				}
			}
		}
	}
}

func TestSplitBudget(t *testing.T) {
	m := testManager("session", DefaultHeaderBudget)
	if _, err := m.split(strings.Repeat("A", DefaultHeaderBudget)); err != ErrCookieTooLarge {
		t.Fatalf("over budget: %v", err)
	}
	// The largest token that fits: every byte of the budget used.
	lo, hi := 1, DefaultHeaderBudget
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if _, err := m.split(strings.Repeat("A", mid)); err == nil {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	pairs, _ := m.split(strings.Repeat("A", lo))
	if n := len(header(pairs)); n > DefaultHeaderBudget || n < DefaultHeaderBudget-1 {
		t.Fatalf("largest token %d chars uses %d bytes of the budget", lo, n)
	}
	// A read never assembles more than the budget.
	in := m.readCookies([]string{"session=~2." + strings.Repeat("A", tagLen) + "." + strings.Repeat("A", 4000) + "; session.1=" + strings.Repeat("A", tagLen) + "." + strings.Repeat("A", 4000)})
	if !in.bad || in.token != "" {
		t.Fatalf("over-budget set read: %+v", in)
	}
}

func FuzzReadCookies(f *testing.F) {
	m := testManager("session", DefaultHeaderBudget)
	big, _ := m.split(strings.Repeat("Ab", 2500))
	for _, seed := range []string{
		"", "session=abc", "session=abc; session=def", header(big), "session=~2.x.y", "session=~17." + strings.Repeat("A", 12) + ".x",
		"session.1=x", "a=b;;session =  v  ; session.15=" + strings.Repeat("A", 12) + ".", "session=~02.AAAAAAAAAAAA.x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, h string) {
		in := m.readCookies([]string{h})
		if in.token != "" && (in.bad || in.dup) {
			t.Fatalf("a token from a rejected set: %+v", in)
		}
		if in.chunks > 1 {
			// An accepted chunk set re-splits to the same token.
			pairs, err := m.split(in.token)
			if err != nil || m.readCookies([]string{header(pairs)}).token != in.token {
				t.Fatalf("accepted chunks do not round-trip: %v", err)
			}
		}
	})
}
