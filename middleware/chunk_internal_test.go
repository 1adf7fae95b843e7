package middleware

import (
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/crumbhq/crumb/cookie"
)

func testManager(name string, budget int) *Manager {
	return testManagerWith(name, budget, &Options{Path: "/"})
}

// testManagerWith returns a manager for the cookie name whose Set-Cookie
// attributes are those of o (Path, Domain, SameSite, Partitioned).
func testManagerWith(name string, budget int, o *Options) *Manager {
	m := &Manager{name: name, budget: budget}
	m.attributes(o)
	return m
}

// header joins cookie pairs as a browser sends them.
func header(pairs []pair) string {
	var parts []string
	for _, p := range pairs {
		parts = append(parts, p.name+"="+p.value)
	}
	return strings.Join(parts, "; ")
}

// The attribute sets the line-length tests run with: the shortest, and
// the longest options allow.
var lineTestOptions = map[string]*Options{
	"plain": {Path: "/"},
	"long": {
		Path:        "/" + strings.Repeat("p", maxAttrValue-1),
		Domain:      strings.Repeat(strings.Repeat("d", 62)+".", 3) + strings.Repeat("e", 60) + ".com", // 253 bytes
		SameSite:    http.SameSiteNoneMode,
		Partitioned: true,
	},
}

// lineTestNames are the cookie names the line-length tests run with.
var lineTestNames = []string{"s", "session", "__Host-" + strings.Repeat("n", 100)}

// TestSplitJoinAtEveryBoundary splits tokens of every length around the
// boundaries (one cookie, and every chunk count) and checks that each
// cookie's Set-Cookie line, with the longest attributes the manager writes
// (Secure, and a Max-Age of 19 digits), is at most MaxSetCookieBytes, that
// the cookies use the fewest chunks, and that they join back.
func TestSplitJoinAtEveryBoundary(t *testing.T) {
	for optName, o := range lineTestOptions {
		for _, name := range lineTestNames {
			m := testManagerWith(name, MaxHeaderBudget, o)
			lengths := []int{1, 100, m.lineRoom(name) - 1, m.lineRoom(name), m.lineRoom(name) + 1}
			for k := 2; k <= maxChunks; k++ {
				r := m.chunkRoom(k)
				lengths = append(lengths, r-1, r, r+1)
			}
			for _, l := range lengths {
				if l > m.chunkRoom(maxChunks) {
					continue
				}
				tok := strings.Repeat("A", l-1) + "z"
				pairs, err := m.split(tok)
				if err != nil {
					t.Fatalf("%s/%s/%d: %v", optName, name, l, err)
				}
				single := l <= m.lineRoom(name)
				if (len(pairs) == 1) != single {
					t.Fatalf("%s/%s/%d: %d cookies", optName, name, l, len(pairs))
				}
				if k := len(pairs); k > 2 && m.chunkRoom(k-1) >= l {
					t.Fatalf("%s/%s/%d: %d chunks where %d hold it", optName, name, l, k, k-1)
				}
				size := 2 * (len(pairs) - 1)
				for _, p := range pairs {
					for _, maxAge := range []int64{0, 1, math.MaxInt64} {
						for _, secure := range []bool{true, false} {
							if line := m.setCookie(p, maxAge, secure); len(line) > MaxSetCookieBytes {
								t.Fatalf("%s/%s/%d: Set-Cookie line of %d bytes for %s (max-age %d)", optName, name, l, len(line), p.name, maxAge)
							}
						}
					}
					// The line that deletes the cookie (no value).
					if line := m.setCookie(pair{p.name, ""}, -1, true); len(line) > MaxSetCookieBytes {
						t.Fatalf("%s/%s: deletion line of %d bytes for %s", optName, name, len(line), p.name)
					}
					size += len(p.name) + 1 + len(p.value)
				}
				if n := m.headerBytes(len(pairs), l); len(pairs) > 1 && n != size {
					t.Fatalf("%s/%s/%d: headerBytes says %d, the cookies take %d", optName, name, l, n, size)
				}
				in := m.readCookies([]string{header(pairs)})
				if in.token != tok || in.chunks != len(pairs) || in.bytes+2*(len(pairs)-1) != size || in.bad || in.dup {
					t.Fatalf("%s/%s/%d: read back %d chars in %d chunks (%+v)", optName, name, l, len(in.token), in.chunks, in)
				}
			}
			// One character more than sixteen chunks hold is too large.
			if _, err := m.split(strings.Repeat("A", m.chunkRoom(maxChunks)+1)); !errors.Is(err, ErrCookieTooLarge) {
				t.Fatalf("%s/%s: over %d chunks: %v", optName, name, maxChunks, err)
			}
		}
	}
}

// TestLongestOptionsLeaveRoom checks that the longest cookie name a store
// accepts with the longest attributes New accepts still leave every chunk
// more than minChunkRoom of its line: New's check is a guard that valid
// options never trip.
func TestLongestOptionsLeaveRoom(t *testing.T) {
	name := "__Host-" + strings.Repeat("n", 254-len("__Host-"))
	m := testManagerWith(name, MaxHeaderBudget, lineTestOptions["long"])
	if room := m.lineRoom(m.chunkName(maxChunks-1)) - tagLen - 1; room < minChunkRoom {
		t.Fatalf("the longest options allowed leave %d bytes a chunk; New would refuse them", room)
	}
}

func TestSplitBudget(t *testing.T) {
	m := testManager("session", DefaultHeaderBudget)
	_, err := m.split(strings.Repeat("A", DefaultHeaderBudget))
	var se *cookie.SizeError
	if !errors.As(err, &se) || !errors.Is(err, ErrCookieTooLarge) || se.What != "cookies" || se.Limit != DefaultHeaderBudget || se.Size <= DefaultHeaderBudget {
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
	// One more character: the error says exactly what it would take.
	_, err = m.split(strings.Repeat("A", lo+1))
	if !errors.As(err, &se) || se.Size != m.headerBytes(len(pairs), lo+1) {
		t.Fatalf("one over the budget: %v, want %d bytes", err, m.headerBytes(len(pairs), lo+1))
	}
	// Far over sixteen chunks: the size is still what it would take.
	huge := 40 * MaxCookieBytes
	_, err = testManager("session", MaxHeaderBudget).split(strings.Repeat("A", huge))
	if !errors.As(err, &se) || se.Size < huge || se.Size > huge+huge/50 {
		t.Fatalf("a %d-character token: %v", huge, err)
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
