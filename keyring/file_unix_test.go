//go:build unix

package keyring

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestLoadFileFIFO: a FIFO in place of the keyring file is refused at once,
// not waited on (a Watcher would otherwise hang, holding its lock).
func TestLoadFileFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip("mkfifo unsupported here:", err)
	}
	done := make(chan error, 1)
	go func() { _, err := LoadFile(p); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrBadFile) {
			t.Fatalf("got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("LoadFile blocked on a FIFO")
	}
}
