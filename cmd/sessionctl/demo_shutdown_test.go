package main

import (
	"net"
	"strings"
	"testing"
)

// TestDemoStopsWithIdleConnection: a connection opened and never used (a
// browser's preconnect) does not make the demo fail when it stops: after
// the grace period it is closed, and the demo exits 0 (startDemo's cleanup
// checks the status).
func TestDemoStopsWithIdleConnection(t *testing.T) {
	var conn net.Conn
	t.Cleanup(func() { // runs after the demo stopped: cleanups run last first
		if conn != nil {
			conn.Close()
		}
	})
	base, _ := startDemo(t, "--state", t.TempDir())
	var err error
	conn, err = net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
}
