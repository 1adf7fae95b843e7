//go:build unix

package revocation

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// lockChildEnv names the log a TestLockChild process holds open.
const lockChildEnv = "CRUMB_REVOCATION_LOCK_CHILD"

func TestLockSameProcess(t *testing.T) {
	path := logPath(t)
	l := openLocal(t, path, nil)
	_, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: quiet})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "process "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second NewLocal = %v, want ErrLocked naming the path and this PID", err)
	}
	must(t, l.Close())
	l = openLocal(t, path, nil) // released by Close
	must(t, l.Close())
}

// TestLockOtherProcess runs a child process that holds the log open and
// checks that this process is refused with the child's PID.
func TestLockOtherProcess(t *testing.T) {
	path := logPath(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockChild$", "-test.count=1")
	cmd.Env = childEnv(lockChildEnv + "=" + path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	must(t, cmd.Start())
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("child said %q, %v", line, err)
	}

	_, err = NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: quiet})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "process "+strconv.Itoa(cmd.Process.Pid)) {
		t.Fatalf("NewLocal while another process holds the log = %v, want ErrLocked naming PID %d", err, cmd.Process.Pid)
	}
	t.Logf("refused as expected: %v", err)

	stdin.Close() // the child closes its set and exits
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	l := openLocal(t, path, nil)
	must(t, l.Close())
}

// TestLockChild is the child process of TestLockOtherProcess: it opens the
// log, says so, and holds it until its stdin closes. Without the
// environment marker it does nothing.
func TestLockChild(t *testing.T) {
	path := os.Getenv(lockChildEnv)
	if path == "" {
		return
	}
	l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("locked\n")
	bufio.NewReader(os.Stdin).ReadString('\n')
	must(t, l.Close())
}
