package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A flood phase: floodWorkers clients with keep-alive make at most
// floodRate steps a second, each causing one revocation (or what used to
// be one): the rate of the report that led to the per-subject bound. A
// phase stops at floodMaxRequests requests or floodMaxTime, whichever
// comes first; under the race detector it reaches a lower rate.
const (
	floodWorkers     = 8
	floodRate        = 2750
	floodMaxRequests = 8000
	floodMaxTime     = 6 * time.Second
)

// floodClients returns n clients, each with a cookie jar of its own, over
// one transport that keeps a connection per client alive. Close its idle
// connections when done (closeClients): the demo waits for a connection
// opened but never used, as the transport leaves some, before it stops.
func floodClients(n int) []*http.Client {
	tr := &http.Transport{MaxIdleConns: n + 1, MaxIdleConnsPerHost: n + 1, IdleConnTimeout: 30 * time.Second}
	clients := make([]*http.Client, n)
	for i := range clients {
		jar, _ := cookiejar.New(nil)
		clients[i] = &http.Client{Jar: jar, Transport: tr, Timeout: 10 * time.Second}
	}
	return clients
}

// closeClients closes the idle connections of clients.
func closeClients(clients []*http.Client) {
	for _, c := range clients {
		c.CloseIdleConnections()
	}
}

// send makes one request and returns its status and body. It reads the
// body whole, so that the connection is reused; unlike demoClient.do it
// may be called from any goroutine.
func send(c *http.Client, method, url, contentType, body string) (int, []byte, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// floodResult is what a flood did.
type floodResult struct {
	steps   int64 // steps completed
	elapsed time.Duration
}

// flood calls step from floodWorkers goroutines, each with its own
// client, starting at most floodRate steps a second, for at most maxSteps
// steps in all and at most floodMaxTime, and returns the first error a
// step returned (the flood stops there).
func flood(base string, maxSteps int64, step func(c *http.Client, base string, i int64) error) (floodResult, error) {
	clients := floodClients(floodWorkers)
	defer closeClients(clients)
	var (
		next, done atomic.Int64
		stop       atomic.Bool
		once       sync.Once
		first      error
		wg         sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(floodMaxTime)
	for _, c := range clients {
		wg.Go(func() {
			for !stop.Load() && time.Now().Before(deadline) {
				i := next.Add(1)
				if i > maxSteps {
					return
				}
				time.Sleep(time.Until(start.Add(time.Duration(i-1) * time.Second / floodRate)))
				if err := step(c, base, i); err != nil {
					once.Do(func() { first = fmt.Errorf("step %d: %w", i, err) })
					stop.Store(true)
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	return floodResult{steps: done.Load(), elapsed: time.Since(start)}, first
}

// getStats returns the demo's GET /stats.
func getStats(c *http.Client, base string) (demoStats, error) {
	var st demoStats
	status, body, err := send(c, "GET", base+"/stats", "", "")
	if err != nil {
		return st, err
	}
	if status != 200 {
		return st, fmt.Errorf("GET /stats: %d %s", status, body)
	}
	err = json.Unmarshal(body, &st)
	return st, err
}

// entries is the number of entries of all kinds in the set.
func (s demoStats) entries() int { return s.Sessions + s.Tokens + s.Subjects }

// statsPoller polls GET /stats until stopped and keeps the largest number
// of entries it saw.
type statsPoller struct {
	stop  chan struct{}
	done  chan struct{}
	max   int
	polls int
	err   error
}

func pollStats(base string) *statsPoller {
	p := &statsPoller{stop: make(chan struct{}), done: make(chan struct{})}
	clients := floodClients(1)
	c := clients[0]
	go func() {
		defer close(p.done)
		defer closeClients(clients)
		for {
			select {
			case <-p.stop:
				return
			default:
			}
			st, err := getStats(c, base)
			if err != nil {
				p.err = err
				return
			}
			p.polls++
			p.max = max(p.max, st.entries())
			time.Sleep(2 * time.Millisecond)
		}
	}()
	return p
}

// finish stops the poller and returns the most entries it saw.
func (p *statsPoller) finish(t *testing.T) int {
	t.Helper()
	close(p.stop)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Fatal("waiting (15 s) for the /stats poller to stop")
	}
	if p.err != nil {
		t.Fatalf("polling /stats: %v", p.err)
	}
	if p.polls == 0 {
		t.Fatal("the /stats poller made no request during the flood")
	}
	return p.max
}

// devices logs the user in on two clients (two devices), and returns them
// with the time by which both sessions were created.
func devices(t *testing.T, base, user string) (a, b *demoClient, created time.Time) {
	t.Helper()
	a, b = newDemoClient(t, base), newDemoClient(t, base)
	for _, d := range []*demoClient{a, b} {
		if status, v := d.do("POST", "/login", "application/x-www-form-urlencoded", "user="+user); status != 200 {
			t.Fatalf("login as %s: %d %v", user, status, v)
		}
	}
	return a, b, time.Now()
}

// checkLogoutsWork checks, after a flood, that logging out still works: a
// user's logout ends the session (a copy of its cookie kept from before is
// refused), a fresh login works, and logging out everywhere from device a
// ends the session of device b. a and b were logged in as victim by
// created: they must have come through the flood.
func checkLogoutsWork(t *testing.T, base string, a, b *demoClient, created time.Time) {
	t.Helper()
	for i, d := range []*demoClient{a, b} {
		if status, v := d.do("GET", "/session", "", ""); status != 200 || v["subject"] != "victim" {
			t.Fatalf("the victim's device %d after the flood: %d %v", i, status, v)
		}
	}
	u, _ := url.Parse(base)
	c := newDemoClient(t, base)
	if status, v := c.do("POST", "/login", "application/x-www-form-urlencoded", "user=victim"); status != 200 {
		t.Fatalf("the victim's login after the flood: %d %v", status, v)
	}
	copied := c.cookies()
	if status, v := c.do("POST", "/logout", "", ""); status != 200 || len(c.cookies()) != 0 {
		t.Fatalf("the victim's logout after the flood: %d %v, cookies left %v", status, v, c.cookies())
	}
	c.http.Jar.SetCookies(u, copied)
	if status, v := c.do("GET", "/session", "", ""); status != 401 {
		t.Fatalf("the copy of the victim's logged-out cookie: %d %v, want 401", status, v)
	}
	fresh := newDemoClient(t, base)
	fresh.do("POST", "/login", "application/x-www-form-urlencoded", "user=victim")
	if status, v := fresh.do("GET", "/session", "", ""); status != 200 || v["subject"] != "victim" {
		t.Fatalf("a fresh login after the flood: %d %v", status, v)
	}
	// A subject revocation has one-second resolution: it ends the sessions
	// created in an earlier second.
	time.Sleep(time.Until(created.Truncate(time.Second).Add(time.Second + 10*time.Millisecond)))
	if status, v := a.do("POST", "/logout-all", "", ""); status != 200 {
		t.Fatalf("logout-all after the flood: %d %v", status, v)
	}
	if status, v := b.do("GET", "/session", "", ""); status != 401 {
		t.Fatalf("the other device after logout-all: %d %v, want 401", status, v)
	}
}

// TestDemoFloodAnonymous floods the demo with anonymous sessions that log
// out: such a logout deletes the cookie and adds no revocation entry, so
// the set stays empty however many there are; logging out still works
// afterwards.
func TestDemoFloodAnonymous(t *testing.T) {
	base, stderr := startDemo(t, "--state", t.TempDir())
	a, b, created := devices(t, base, "victim")
	res, err := flood(base, floodMaxRequests/2, func(c *http.Client, base string, i int64) error {
		status, body, err := send(c, "POST", base+"/session", "application/json", fmt.Sprintf(`{"n": %d}`, i))
		if err != nil || status != 200 {
			return fmt.Errorf("POST /session: %d %s %v", status, body, err)
		}
		status, body, err = send(c, "POST", base+"/logout", "", "")
		if err != nil || status != 200 {
			return fmt.Errorf("POST /logout: %d %s %v", status, body, err)
		}
		u, _ := url.Parse(base)
		if left := c.Jar.Cookies(u); len(left) != 0 {
			return fmt.Errorf("cookies left after the logout: %v", left)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("anonymous flood: %v; demo log:\n%s", err, stderr)
	}
	t.Logf("anonymous flood: %d session+logout pairs in %v: %.0f logouts/s, %.0f requests/s",
		res.steps, res.elapsed.Round(time.Millisecond), float64(res.steps)/res.elapsed.Seconds(), 2*float64(res.steps)/res.elapsed.Seconds())
	if res.steps < 100 {
		t.Fatalf("the flood made only %d logouts", res.steps)
	}
	st, err := getStats(http.DefaultClient, base)
	if err != nil {
		t.Fatal(err)
	}
	// The victim's two sessions are not revoked yet: nothing at all.
	if st.Sessions != 0 || st.Tokens != 0 || st.Subjects != 0 || st.Health != "ok" {
		t.Fatalf("/stats after %d anonymous logouts: %+v, want no entry", res.steps, st)
	}
	checkLogoutsWork(t, base, a, b, created)
}

// TestDemoFloodOneAccount floods the demo with logins of one account from
// its own cookie, each of which revokes the previous session: the set
// holds at most the per-subject bound of the account's entries plus its
// subject entry at any time, and another user's sessions and logouts are
// unaffected.
func TestDemoFloodOneAccount(t *testing.T) {
	base, stderr := startDemo(t, "--state", t.TempDir())
	a, b, created := devices(t, base, "victim")
	poller := pollStats(base)
	var refused atomic.Int64
	res, err := flood(base, floodMaxRequests, func(c *http.Client, base string, i int64) error {
		status, body, err := send(c, "POST", base+"/login", "application/x-www-form-urlencoded", "user=mallory")
		switch {
		case err != nil:
			return err
		case status == 401:
			// The previous session was revoked by a collapse between the
			// request's arrival and the login: the login says so, and the
			// next one starts afresh.
			refused.Add(1)
		case status != 200:
			return fmt.Errorf("POST /login: %d %s", status, body)
		}
		return nil
	})
	maxSeen := poller.finish(t)
	if err != nil {
		t.Fatalf("flood of logins: %v; demo log:\n%s", err, stderr)
	}
	st, err := getStats(http.DefaultClient, base)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("one-account flood: %d logins (%d refused: session revoked meanwhile) in %v: %.0f logins/s; %d collapses; at most %d entries seen in %d polls of /stats; at the end %+v",
		res.steps, refused.Load(), res.elapsed.Round(time.Millisecond), float64(res.steps)/res.elapsed.Seconds(), st.Collapses, maxSeen, poller.polls, st)
	bound := st.MaxPerSubject + 1
	if st.MaxPerSubject <= 0 || maxSeen > bound || st.entries() > bound {
		t.Fatalf("entries: at most %d seen during the flood, %d after it (%+v); want at most max_per_subject+1 = %d", maxSeen, st.entries(), st, bound)
	}
	if res.steps <= int64(bound) || st.Collapses == 0 {
		t.Fatalf("%d logins made %d collapses: the flood did not reach the per-subject bound", res.steps, st.Collapses)
	}
	if st.Health != "ok" {
		t.Fatalf("health after the flood: %s", st.Health)
	}
	checkLogoutsWork(t, base, a, b, created)
}
