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
		addVary(h, "Cookie")
		if !slices.Equal(h["Vary"], c.after) {
			t.Errorf("Vary %q → %q, want %q", c.before, h["Vary"], c.after)
		}
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
