package middleware

import (
	"net/http"
	"slices"
	"testing"
)

func TestAddVary(t *testing.T) {
	for _, c := range []struct{ before, after []string }{
		{nil, []string{"Cookie"}},
		{[]string{"Accept-Encoding"}, []string{"Accept-Encoding", "Cookie"}},
		{[]string{"Accept-Encoding, cookie"}, []string{"Accept-Encoding, cookie"}},
		{[]string{"*"}, []string{"*"}},
		{[]string{"Origin", " Cookie "}, []string{"Origin", " Cookie "}},
	} {
		h := http.Header{}
		if c.before != nil {
			h["Vary"] = slices.Clone(c.before)
		}
		var backing [1]string
		addVary(h, "Cookie", &backing)
		if !slices.Equal(h["Vary"], c.after) {
			t.Errorf("Vary %q → %q, want %q", c.before, h["Vary"], c.after)
		}
	}

	// Without a Vary of its own, the response gets the backing array, and
	// a handler appending to Vary afterwards does not write into it.
	h := http.Header{}
	var backing [1]string
	addVary(h, "Cookie", &backing)
	if &h["Vary"][0] != &backing[0] {
		t.Error("the first Vary value does not use the backing array")
	}
	h.Add("Vary", "Origin")
	addVary(h, "Authorization", &backing)
	if want := []string{"Cookie", "Origin", "Authorization"}; !slices.Equal(h["Vary"], want) || backing[0] != "Cookie" {
		t.Errorf("Vary %q (backing %q), want %q", h["Vary"], backing, want)
	}
}

func TestIsLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST:80": true, "a.localhost": true, "localhost.": true, "127.0.0.1": true, "127.9.9.9:1": true,
		"[::1]:8080": true, "::1": true, "localhost.example.com": false, "example.com": false, "10.0.0.1": false, "[::2]:80": false, "": false,
	} {
		if got := isLoopbackHost(host); got != want {
			t.Errorf("isLoopbackHost(%q) = %v", host, got)
		}
	}
}
