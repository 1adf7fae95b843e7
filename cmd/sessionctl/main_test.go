package main

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crumbhq/crumb/revocation"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the scripts run the real main, in a process of its own, as
// "exec sessionctl-main".
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"sessionctl-main": main})
}

// TestScripts runs the scenarios in testdata/script, one per file.
//
// The scripts run sessionctl in the test's process, with the script's
// directory as its working directory, as the command "sessionctl" (an exec
// costs a second under the race detector; "exec sessionctl-main" runs the
// real main in a process of its own). A first argument <FILE gives it FILE as
// standard input (testscript's stdin command applies to exec only):
//
//	sessionctl <token.txt decode --keyring keyring.json --name session
//
// Besides testscript's commands, the scripts have:
//
//	status N PROG ARGS...       run PROG (sessionctl or an exec) and require exit status N
//	envfrom VAR FILE [PATH]     set VAR to FILE's content, trimmed, or to the JSON value at PATH
//	jsonfield FILE PATH [VALUE] require FILE to be one JSON value with PATH present (and equal to VALUE)
//	jsondelta FILE FROM TO D    require the RFC 3339 times at FROM and TO to be D apart
//	tamper IN OUT               write IN's token with one character changed to OUT
//	randdata FILE N             write {"blob": "…"} with N random bytes, base64-encoded, to FILE
//	sleep D                     sleep for the duration D
//	holdrevocations PATH        hold the revocation file PATH open until the script ends
//
// A JSON PATH is dot-separated object keys and array indexes, such as
// keys.0.id; "." is the whole value.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"sessionctl":      cmdSessionctl,
			"status":          cmdStatus,
			"envfrom":         cmdEnvFrom,
			"jsonfield":       cmdJSONField,
			"jsondelta":       cmdJSONDelta,
			"tamper":          cmdTamper,
			"randdata":        cmdRandData,
			"sleep":           cmdSleep,
			"holdrevocations": cmdHoldRevocations,
		},
	})
}

func cmdSessionctl(ts *testscript.TestScript, neg bool, args []string) {
	switch status := runInProcess(ts, args); {
	case status == 0 && neg:
		ts.Fatalf("unexpected success")
	case status != 0 && !neg:
		ts.Fatalf("unexpected failure: exit status %d", status)
	}
}

// runInProcess runs sessionctl in the test's process and returns its exit
// status.
func runInProcess(ts *testscript.TestScript, args []string) int {
	stdin := ""
	if len(args) > 0 && strings.HasPrefix(args[0], "<") {
		stdin = ts.ReadFile(args[0][1:])
		args = args[1:]
	}
	c := &cli{
		stdin: strings.NewReader(stdin), stdout: ts.Stdout(), stderr: ts.Stderr(),
		dir: ts.MkAbs("."), now: time.Now,
	}
	status := c.dispatch(args)
	ts.Logf("[exit status %d]", status)
	return status
}

func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	if args[1] == "sessionctl" {
		if got := runInProcess(ts, args[2:]); got != want {
			ts.Fatalf("exit status %d, want %d", got, want)
		}
		return
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("running %s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

func cmdEnvFrom(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: envfrom VAR FILE [PATH]")
	}
	content := ts.ReadFile(args[1])
	if len(args) == 2 {
		ts.Setenv(args[0], strings.TrimSpace(content))
		return
	}
	v, ok, err := jsonAt(content, args[2])
	if err != nil || !ok {
		ts.Fatalf("%s: no JSON value at %s (%v)", args[1], args[2], err)
	}
	ts.Setenv(args[0], jsonText(v))
}

func cmdJSONField(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: jsonfield FILE PATH [VALUE]")
	}
	v, ok, err := jsonAt(ts.ReadFile(args[0]), args[1])
	if err != nil {
		ts.Fatalf("%s: %v", args[0], err)
	}
	match := ok && (len(args) == 2 || jsonText(v) == args[2])
	switch {
	case match && neg:
		ts.Fatalf("%s: %s is %s", args[0], args[1], jsonText(v))
	case !match && !neg && !ok:
		ts.Fatalf("%s: no %s", args[0], args[1])
	case !match && !neg:
		ts.Fatalf("%s: %s is %s, want %s", args[0], args[1], jsonText(v), args[2])
	}
}

func cmdJSONDelta(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: jsondelta FILE FROM TO DURATION")
	}
	content := ts.ReadFile(args[0])
	var times [2]time.Time
	for i, path := range args[1:3] {
		v, ok, err := jsonAt(content, path)
		if err != nil || !ok {
			ts.Fatalf("%s: no %s (%v)", args[0], path, err)
		}
		times[i], err = time.Parse(time.RFC3339, jsonText(v))
		ts.Check(err)
	}
	want, err := time.ParseDuration(args[3])
	ts.Check(err)
	if got := times[1].Sub(times[0]); got != want {
		ts.Fatalf("%s: %s - %s = %v, want %v", args[0], args[2], args[1], got, want)
	}
}

func cmdTamper(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: tamper IN OUT")
	}
	tok := []byte(strings.TrimSpace(ts.ReadFile(args[0])))
	i := len(tok) / 2
	if tok[i] == 'A' {
		tok[i] = 'B'
	} else {
		tok[i] = 'A'
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), append(tok, '\n'), 0o644))
}

func cmdRandData(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: randdata FILE N")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	blob := make([]byte, n)
	rand.Read(blob)
	b, err := json.Marshal(map[string][]byte{"blob": blob}) // []byte marshals as base64
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o644))
}

func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
}

func cmdHoldRevocations(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: holdrevocations PATH")
	}
	l, err := revocation.NewLocal(revocation.LocalOptions{Path: ts.MkAbs(args[0]), PruneInterval: -1})
	ts.Check(err)
	ts.Defer(func() { l.Close() })
}

// jsonAt parses content as exactly one JSON value and returns the value at
// path, and whether there is one.
func jsonAt(content, path string) (any, bool, error) {
	dec := json.NewDecoder(strings.NewReader(content))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false, fmt.Errorf("not JSON: %v", err)
	}
	if dec.More() {
		return nil, false, errors.New("more than one JSON value")
	}
	if path == "." {
		return v, true, nil
	}
	for step := range strings.SplitSeq(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[step]; !ok {
				return nil, false, nil
			}
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false, nil
			}
			v = x[i]
		default:
			return nil, false, nil
		}
	}
	return v, true, nil
}

// jsonText returns a JSON value as text: strings unquoted, other values in
// JSON.
func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// TestJSONAt checks the path lookup the scripts rely on.
func TestJSONAt(t *testing.T) {
	doc := `{"keys":[{"id":"0a0b0c0d","n":1}],"ok":true}`
	for _, tc := range []struct {
		path, want string
		ok         bool
	}{
		{"keys.0.id", "0a0b0c0d", true},
		{"keys.0.n", "1", true},
		{"ok", "true", true},
		{"keys.1", "", false},
		{"nope", "", false},
		{".", `{"keys":[{"id":"0a0b0c0d","n":1}],"ok":true}`, true},
	} {
		v, ok, err := jsonAt(doc, tc.path)
		if err != nil || ok != tc.ok || (ok && jsonText(v) != tc.want) {
			t.Errorf("jsonAt(%s) = %v, %v, %v; want %s, %v", tc.path, jsonText(v), ok, err, tc.want, tc.ok)
		}
	}
	if _, _, err := jsonAt(doc+doc, "."); err == nil {
		t.Error("two values accepted")
	}
	if _, _, err := jsonAt(`{"a":`, "."); err == nil {
		t.Error("truncated JSON accepted")
	}
}
