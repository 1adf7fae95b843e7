package main

import "testing"

// TestDemoRememberMe signs in with and without "remember me" on the
// running demo: only the remembered session says so.
func TestDemoRememberMe(t *testing.T) {
	base, _ := startDemo(t)
	for _, tc := range []struct {
		form string
		want any
	}{{"user=ann&remember=on", true}, {"user=bob", nil}} {
		d := newDemoClient(t, base)
		if status, v := d.do("POST", "/login", "application/x-www-form-urlencoded", tc.form); status != 200 {
			t.Fatalf("login %s: %d %v", tc.form, status, v)
		}
		if status, v := d.do("GET", "/session", "", ""); status != 200 || v["remembered"] != tc.want {
			t.Fatalf("login %s: GET /session %d, remembered %v, want %v", tc.form, status, v["remembered"], tc.want)
		}
	}
}
