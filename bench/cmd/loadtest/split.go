package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"time"
)

// Split mode runs the server and the load generator as two processes, each
// with GOMAXPROCS=1 and pinned by taskset to a CPU of its own, so the
// generator's work no longer takes CPU time from the server: the
// throughput ratios then show what the server's work costs. The generator
// is a minimal HTTP/1.1 keep-alive client (a fixed request, the response
// read by its Content-Length), several times cheaper than net/http's
// client, so the server stays the bottleneck.

// serverCPU and generatorCPU are the CPUs split mode pins the two
// processes to.
const (
	serverCPU    = 0
	generatorCPU = 1
)

// splitReady is what a -serve process prints on its first stdout line.
type splitReady struct {
	Addr   string `json:"addr"`
	Cookie string `json:"cookie"`
}

// splitResult is what a -drive process prints.
type splitResult struct {
	N      int     `json:"n"`
	RPS    float64 `json:"rps"`
	P99    int64   `json:"p99_ns"`
	Errors string  `json:"error,omitempty"`
}

// serveOne serves one case on a loopback port, prints its address and
// cookie, and serves until stdin is closed (the parent went away).
func serveOne(c testCase) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: c.h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	if err := json.NewEncoder(os.Stdout).Encode(splitReady{ln.Addr().String(), c.cookie}); err != nil {
		return err
	}
	io.Copy(io.Discard, os.Stdin)
	return srv.Close()
}

// drive runs conns raw keep-alive connections against addr: warm-up first,
// then duration measured.
func drive(addr, cookie string, conns int, warmup, duration time.Duration) (result, error) {
	req := []byte("GET / HTTP/1.1\r\nHost: " + addr + "\r\nCookie: " + cookie + "\r\n\r\n")
	return measure(conns, warmup, duration, func(measureFrom, end time.Time) ([]time.Duration, error) {
		return driveConn(addr, req, measureFrom, end)
	})
}

// driveConn sends req on one connection, one request at a time, until end,
// and returns the latencies measured after measureFrom.
func driveConn(addr string, req []byte, measureFrom, end time.Time) ([]time.Duration, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(end.Add(10 * time.Second)) // bounds a stuck server
	br := bufio.NewReaderSize(conn, 16<<10)
	lat := make([]time.Duration, 0, 1<<14)
	for i := 0; ; i++ {
		t0 := time.Now()
		if i > 0 && !t0.Before(end) {
			return lat, nil
		}
		if _, err := conn.Write(req); err != nil {
			return lat, err
		}
		if err := readResponse(br); err != nil {
			return lat, err
		}
		if t1 := time.Now(); !t0.Before(measureFrom) && t1.Before(end) {
			lat = append(lat, t1.Sub(t0))
		}
	}
}

// readResponse reads one HTTP/1.1 response that must be a 200 with a
// Content-Length (what every case's handler writes), and discards it,
// without allocating: the generator must stay cheaper than the server.
func readResponse(br *bufio.Reader) error {
	status, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("response %q", bytes.TrimSpace(status))
	}
	length := -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if name, value, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(name, []byte("Content-Length")) {
			length = 0
			for _, c := range bytes.TrimSpace(value) {
				if c < '0' || c > '9' || length > 1<<30 {
					return fmt.Errorf("Content-Length %q", value)
				}
				length = length*10 + int(c-'0')
			}
		}
	}
	if length < 0 {
		return errors.New("response without Content-Length")
	}
	_, err = br.Discard(length)
	return err
}

// runSplit measures case name with a -serve process pinned to serverCPU and
// a -drive process pinned to generatorCPU, both with GOMAXPROCS=1.
func runSplit(name, shape string, conns int, warmup, duration time.Duration) (result, error) {
	self, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	srv := exec.Command("taskset", "-c", strconv.Itoa(serverCPU), self, "-serve", name, "-shape", shape)
	srv.Env = append(os.Environ(), "GOMAXPROCS=1")
	srv.Stderr = os.Stderr
	stdin, err := srv.StdinPipe()
	if err != nil {
		return result{}, err
	}
	stdout, err := srv.StdoutPipe()
	if err != nil {
		return result{}, err
	}
	if err := srv.Start(); err != nil {
		return result{}, fmt.Errorf("starting the server: %w", err)
	}
	defer func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- srv.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			srv.Process.Kill()
			<-done
		}
	}()
	var ready splitReady
	if err := json.NewDecoder(stdout).Decode(&ready); err != nil {
		return result{}, fmt.Errorf("reading the server's address: %w", err)
	}
	gen := exec.Command("taskset", "-c", strconv.Itoa(generatorCPU), self,
		"-drive", ready.Addr, "-conns", strconv.Itoa(conns),
		"-warmup", warmup.String(), "-duration", duration.String())
	gen.Env = append(os.Environ(), "GOMAXPROCS=1", "LOADTEST_COOKIE="+ready.Cookie)
	gen.Stderr = os.Stderr
	out, err := gen.Output()
	if err != nil {
		return result{}, fmt.Errorf("load generator: %w", err)
	}
	var r splitResult
	if err := json.Unmarshal(out, &r); err != nil {
		return result{}, fmt.Errorf("load generator output %q: %w", out, err)
	}
	if r.Errors != "" {
		return result{}, errors.New(r.Errors)
	}
	return result{n: r.N, rps: r.RPS, p99: time.Duration(r.P99)}, nil
}

// driveMain is the -drive process: it prints a splitResult.
func driveMain(addr string, conns int, warmup, duration time.Duration) {
	r, err := drive(addr, os.Getenv("LOADTEST_COOKIE"), conns, warmup, duration)
	out := splitResult{N: r.n, RPS: r.rps, P99: int64(r.p99)}
	if err != nil {
		out.Errors = err.Error()
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

// canSplit reports why split mode cannot run here, or "" if it can.
func canSplit() string {
	if runtime.NumCPU() < 2 {
		return "it needs 2 CPUs"
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		return "taskset (util-linux) is not installed"
	}
	return ""
}
