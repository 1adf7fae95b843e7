package main

import (
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
)

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		pos  []string
		json bool
		name string
	}{
		{[]string{"--json", "TOKEN"}, []string{"TOKEN"}, true, ""},
		{[]string{"TOKEN", "--json"}, []string{"TOKEN"}, true, ""},
		{[]string{"A", "--name", "x", "B"}, []string{"A", "B"}, false, "x"},
		{[]string{"-"}, []string{"-"}, false, ""},
		{[]string{"--", "--json"}, []string{"--json"}, false, ""},
		{[]string{"A", "--", "-B", "--json"}, []string{"A", "-B", "--json"}, false, ""},
		{nil, nil, false, ""},
	} {
		fs := newFlagSet("test")
		asJSON := fs.Bool("json", false, "")
		name := fs.String("name", "", "")
		pos, err := parseArgs(fs, tc.args)
		if err != nil || !slices.Equal(pos, tc.pos) || *asJSON != tc.json || *name != tc.name {
			t.Errorf("parseArgs(%q) = %q, json %v, name %q, %v; want %q, %v, %q", tc.args, pos, *asJSON, *name, err, tc.pos, tc.json, tc.name)
		}
	}
	fs := newFlagSet("test")
	if _, err := parseArgs(fs, []string{"x", "-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h after an argument: %v, want flag.ErrHelp", err)
	}
	var ue *usageError
	if _, err := parseArgs(newFlagSet("test"), []string{"--nope"}); !errors.As(err, &ue) || ue.msg != "unknown flag --nope" {
		t.Errorf("unknown flag: %v", err)
	}
}

func TestFlagErrorText(t *testing.T) {
	fs := newFlagSet("test")
	fs.Duration("ttl", 0, "")
	fs.Bool("json", false, "")
	fs.String("keyring", "", "")
	for args, want := range map[string]string{
		"-x":           "unknown flag --x",
		"--keyring":    "flag --keyring needs a value",
		"--ttl=soon":   `invalid value "soon" for --ttl: parse error`,
		"--json=maybe": `invalid boolean value "maybe" for --json: parse error`,
	} {
		err := fs.Parse([]string{args})
		if got := flagErrorText(err); got != want {
			t.Errorf("%s: %q, want %q", args, got, want)
		}
	}
}

func TestTokensMayLive(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	key := func(state keyring.State, promoted, demoted time.Time) keyring.Key {
		k, err := keyring.NewKey(state)
		if err != nil {
			t.Fatal(err)
		}
		k.Promoted, k.Demoted = promoted, demoted
		return k
	}
	var zero time.Time
	max := 12*time.Hour + time.Minute
	for _, tc := range []struct {
		name  string
		key   keyring.Key
		alive bool
		safe  time.Time
	}{
		{"primary", key(keyring.StatePrimary, now.Add(-time.Hour), zero), true, zero},
		{"never promoted", key(keyring.StateActive, zero, zero), false, zero},
		{"demoted recently", key(keyring.StateActive, now.Add(-48*time.Hour), now.Add(-time.Hour)), true, now.Add(max - time.Hour)},
		{"demoted at the limit", key(keyring.StateActive, now.Add(-48*time.Hour), now.Add(-max)), false, now},
		{"demoted long ago", key(keyring.StateActive, now.Add(-48*time.Hour), now.Add(-24*time.Hour)), false, now.Add(max - 24*time.Hour)},
		{"promoted, demotion unknown", key(keyring.StateActive, now.Add(-48*time.Hour), zero), true, zero},
		{"promoted again after the demotion", key(keyring.StateActive, now.Add(-2*time.Hour), now.Add(-48*time.Hour)), true, zero},
		{"demoted, promotion unknown", key(keyring.StateActive, zero, now.Add(-24*time.Hour)), false, now.Add(max - 24*time.Hour)},
	} {
		alive, safe := tokensMayLive(tc.key, now, max)
		if alive != tc.alive || !safe.Equal(tc.safe) {
			t.Errorf("%s: %v, %v; want %v, %v", tc.name, alive, safe, tc.alive, tc.safe)
		}
	}
}

func TestParseRevocationSpec(t *testing.T) {
	for spec, want := range map[string]revocationSpec{
		"revoked.log":                     {path: "revoked.log"},
		"/var/lib/app/revoked.log":        {path: "/var/lib/app/revoked.log"},
		"file:///var/lib/app/revoked.log": {path: "/var/lib/app/revoked.log"},
		"file://localhost/tmp/r.log":      {path: "/tmp/r.log"},
		"dir/with://colon":                {path: "dir/with://colon"},
		"redis://user:pw@host:6379/0":     {redis: true},
		"rediss://host":                   {redis: true},
		"REDIS://host":                    {redis: true},
	} {
		got, err := parseRevocationSpec(spec)
		if err != nil || got != want {
			t.Errorf("parseRevocationSpec(%q) = %+v, %v; want %+v", spec, got, err, want)
		}
	}
	for _, spec := range []string{"", "memcache://host", "file://remote/x", "file:///x?y"} {
		var ue *usageError
		_, err := parseRevocationSpec(spec)
		if !errors.As(err, &ue) {
			t.Errorf("parseRevocationSpec(%q): %v, want a usage error", spec, err)
		}
		if strings.Contains(err.Error(), "pw@") {
			t.Errorf("parseRevocationSpec(%q) echoes the URL: %v", spec, err)
		}
	}
}

func TestMetaFlag(t *testing.T) {
	m := metaFlag{}
	for _, ok := range []string{"ip=1.2.3.4", "empty=", "eq=a=b"} {
		if err := m.Set(ok); err != nil {
			t.Errorf("Set(%q): %v", ok, err)
		}
	}
	if m["eq"] != "a=b" || m["empty"] != "" {
		t.Errorf("metadata %v", m)
	}
	for _, bad := range []string{"novalue", "=v", "ip=again", strings.Repeat("k", 65) + "=v", "k=" + strings.Repeat("v", 256), "bad\xff=v"} {
		if err := m.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
	full := metaFlag{}
	for i := range 16 {
		if err := full.Set(string(rune('a'+i)) + "=v"); err != nil {
			t.Fatal(err)
		}
	}
	if err := full.Set("z=v"); err == nil {
		t.Error("a 17th entry accepted")
	}
}

func TestReadToken(t *testing.T) {
	c := &cli{stdin: strings.NewReader("  AAAA\n")}
	if tok, err := c.readToken(nil, 100); tok != "AAAA" || err != nil {
		t.Errorf("from stdin: %q, %v", tok, err)
	}
	c.stdin = strings.NewReader(strings.Repeat("A", 100+tokenSlack+1))
	if _, err := c.readToken([]string{"-"}, 100); !errors.Is(err, cookie.ErrTooLarge) {
		t.Errorf("oversized stdin: %v, want ErrTooLarge", err)
	}
	if _, err := c.readToken([]string{strings.Repeat("A", 101)}, 100); !errors.Is(err, cookie.ErrTooLarge) {
		t.Errorf("oversized argument: %v, want ErrTooLarge", err)
	}
	c.stdin = strings.NewReader("\n")
	if _, err := c.readToken(nil, 100); err == nil {
		t.Error("empty stdin accepted")
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"alice":             "alice",
		"Zoë 🍪":             "Zoë 🍪",
		"a\tb":              `"a\tb"`,
		"\x1b[31mred":       `"\x1b[31mred"`,
		"bad\xff":           `"bad\xff"`,
		"Mozilla/5.0 (X11)": "Mozilla/5.0 (X11)",
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestQuoteArg(t *testing.T) {
	if got := quoteArg("extra"); got != `"extra"` {
		t.Error(got)
	}
	secret := "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	if got := quoteArg(secret); strings.Contains(got, "AAEC") {
		t.Errorf("quoteArg shows a secret-sized argument: %s", got)
	}
}

func TestNormalizeJSON(t *testing.T) {
	got, err := normalizeJSON([]byte(`{ "b": 12345678901234567890, "a": ["<x>", 1.50] }`))
	if want := `{"a":["\u003cx\u003e",1.50],"b":12345678901234567890}`; err != nil || string(got) != want {
		t.Errorf("normalizeJSON = %s, %v; want %s", got, err, want)
	}
}

// waitFor polls cond until it reports done, for at most timeout, and
// otherwise fails the test saying what it waited for, for how long, and
// what cond last reported (its error, or what it saw). It polls every 10 ms
// at first, then less often (every 100 ms at most).
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	pause := 10 * time.Millisecond
	for {
		done, err := cond()
		if done {
			return
		}
		if time.Now().After(deadline) {
			if err != nil {
				t.Fatalf("waiting (%v) for %s: timed out; last: %v", timeout, what, err)
			}
			t.Fatalf("waiting (%v) for %s: timed out", timeout, what)
		}
		time.Sleep(pause)
		pause = min(2*pause, 100*time.Millisecond)
	}
}
