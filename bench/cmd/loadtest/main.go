// Command loadtest measures sessions under HTTP load: a server on
// 127.0.0.1 and a keep-alive load generator in the same process, for each
// case in turn:
//
//	none            no sessions: the handler writes "ok" (the request carries
//	                crumb's cookie all the same)
//	crumb-read      crumb's middleware; the handler reads one value of a
//	                valid session it does not change (every request sends
//	                the same cookie, as a browser does: the store answers
//	                from its read cache)
//	crumb-read-no-cache
//	                the same with the read cache off (cookie.Options.
//	                ReadCache): every request opens the token, as the first
//	                two requests with a new cookie do
//	crumb-write     crumb's middleware; the handler changes a value on every
//	                request, so every response reseals the cookie
//	gorilla-read    gorilla/sessions CookieStore: Get and read one value
//	gorilla-write   gorilla/sessions CookieStore: change a value and Save
//	scs-read        alexedwards/scs LoadAndSave with its memory store: read
//	scs-write       scs: Put a value on every request (store write + cookie)
//
// Every request carries the cookie of the chosen payload (default the ~1 KB
// medium session). Each case gets a warm-up, then -duration of measurement
// with -workers concurrent clients. The output is in Go benchmark format,
// one line per case and round, so internal/cmd/benchreport reads it next to
// the `go test -bench` output:
//
//	BenchmarkLoad/crumb-read-2  <requests>  <ns/op> ns/op  <req/s> req/s  <p99> p99-µs  <ratio> rel-req/s  <ratio> rel-p99
//
// rel-req/s and rel-p99 are the case's throughput and p99 latency divided
// by those of "none" in the same round. Client and server share the
// machine's CPUs, as they would not in production: the ratios, not the
// absolute numbers, are the result.
//
// With -split, the server and the load generator are two processes with
// GOMAXPROCS=1 each, pinned by taskset to CPUs 0 and 1, and the generator
// is a minimal keep-alive HTTP/1.1 client; its lines are
// BenchmarkLoadSplit/<case>-1. There the generator no longer competes with
// the server for CPU time, so the ratios show the server's own cost. The
// -serve and -drive flags are split mode's two halves.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/crumbhq/crumb/bench"
	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/middleware"
)

func main() {
	duration := flag.Duration("duration", envDuration("LOADTEST_DURATION", 5*time.Second), "measured time per case (env LOADTEST_DURATION)")
	warmup := flag.Duration("warmup", time.Second, "warm-up time per case, not measured")
	workers := flag.Int("workers", 4*runtime.GOMAXPROCS(0), "concurrent clients")
	rounds := flag.Int("rounds", 1, "rounds over all cases (each round measures every case once)")
	shape := flag.String("shape", "medium", "payload: small, medium or large")
	only := flag.String("cases", "", "comma-separated cases to run (default all)")
	split := flag.Bool("split", false, "server and load generator as two processes pinned to CPUs 0 and 1")
	conns := flag.Int("conns", 8, "with -split: the generator's connections")
	serve := flag.String("serve", "", "(split mode) serve this case and print its address")
	driveAddr := flag.String("drive", "", "(split mode) drive the server at this address")
	flag.Parse()

	if *driveAddr != "" {
		driveMain(*driveAddr, *conns, *warmup, *duration)
		return
	}

	var value map[string]any
	for _, s := range bench.Shapes() {
		if s.Name == *shape {
			value = s.Value
		}
	}
	if value == nil {
		log.Fatalf("loadtest: unknown shape %q", *shape)
	}
	cases, err := buildCases(value)
	if err != nil {
		log.Fatal(err)
	}
	if *serve != "" {
		for _, c := range cases {
			if c.name == *serve {
				if err := serveOne(c); err != nil {
					log.Fatal(err)
				}
				return
			}
		}
		log.Fatalf("loadtest: unknown case %q", *serve)
	}
	if *only != "" {
		want := strings.Split(*only, ",")
		cases = slices.DeleteFunc(cases, func(c testCase) bool { return c.name != "none" && !slices.Contains(want, c.name) })
	}
	name, procs := "Load", runtime.GOMAXPROCS(0)
	if *split {
		if why := canSplit(); why != "" {
			log.Fatalf("loadtest: -split: %s", why)
		}
		name, procs = "LoadSplit", 1
	}
	fmt.Printf("goos: %s\ngoarch: %s\npkg: github.com/crumbhq/crumb/bench/cmd/loadtest\n", runtime.GOOS, runtime.GOARCH)
	if *split {
		fmt.Printf("# loadtest: split: server on CPU %d, generator on CPU %d, GOMAXPROCS=1 each; shape=%s conns=%d duration=%s warmup=%s rounds=%d\n", serverCPU, generatorCPU, *shape, *conns, *duration, *warmup, *rounds)
	} else {
		fmt.Printf("# loadtest: shape=%s workers=%d duration=%s warmup=%s rounds=%d\n", *shape, *workers, *duration, *warmup, *rounds)
	}
	for range *rounds {
		var base result
		for _, c := range cases {
			var r result
			var err error
			if *split {
				r, err = runSplit(c.name, *shape, *conns, *warmup, *duration)
			} else {
				r, err = run(c, *workers, *warmup, *duration)
			}
			if err != nil {
				log.Fatalf("loadtest: %s: %v", c.name, err)
			}
			if c.name == "none" {
				base = r
			}
			relRPS, relP99 := 0.0, 0.0
			if base.rps > 0 {
				relRPS, relP99 = r.rps/base.rps, float64(r.p99)/float64(base.p99)
			}
			fmt.Printf("Benchmark%s/%s-%d\t%d\t%.0f ns/op\t%.0f req/s\t%.1f p99-µs\t%.3f rel-req/s\t%.3f rel-p99\n",
				name, c.name, procs, r.n, float64(*duration)/float64(r.n), r.rps, float64(r.p99)/1e3, relRPS, relP99)
		}
	}
}

func envDuration(name string, def time.Duration) time.Duration {
	if v := os.Getenv(name); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			log.Fatalf("loadtest: %s: %v", name, err)
		}
		return d
	}
	return def
}

type testCase struct {
	name   string
	h      http.Handler
	cookie string // the Cookie header every request carries
}

var ok = []byte("ok")

// setCookie runs one request through h and returns its Set-Cookie lines
// as a Cookie header.
func setCookie(h http.Handler) (string, error) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://127.0.0.1/", nil))
	var pairs []string
	for _, line := range rec.Result().Header.Values("Set-Cookie") {
		pair, _, _ := strings.Cut(line, ";")
		pairs = append(pairs, pair)
	}
	if len(pairs) == 0 {
		return "", fmt.Errorf("no Set-Cookie (status %d)", rec.Code)
	}
	return strings.Join(pairs, "; "), nil
}

func buildCases(value map[string]any) ([]testCase, error) {
	var cases []testCase
	// crumb
	// Two stores with the same keys, the default one and one without the
	// read cache, read the same cookie.
	store, err := bench.StoreWith(cookie.Options{})
	if err != nil {
		return nil, err
	}
	m, err := middleware.New(middleware.Options{Store: store, Dev: true})
	if err != nil {
		return nil, err
	}
	noCacheStore, err := bench.StoreWith(cookie.Options{Keys: store.Keys(), ReadCache: -1})
	if err != nil {
		return nil, err
	}
	noCache, err := middleware.New(middleware.Options{Store: noCacheStore, Dev: true})
	if err != nil {
		return nil, err
	}
	c, err := setCookie(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := middleware.From(r)
		for k, v := range value {
			if err := s.Set(k, v); err != nil {
				panic(err)
			}
		}
	})))
	if err != nil {
		return nil, fmt.Errorf("crumb: %w", err)
	}
	// "none" gets crumb's cookie too: its requests are identical to crumb's,
	// only the server's work differs (gorilla and scs send their own
	// cookies, of other sizes).
	cases = append(cases, testCase{"none", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(ok) }), c})
	readLocale := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v, err := middleware.Get[string](middleware.From(r), "locale"); err != nil || v == "" {
			http.Error(w, "no session", http.StatusInternalServerError)
			return
		}
		w.Write(ok)
	})
	cases = append(cases,
		testCase{"crumb-read", m.Handler(readLocale), c},
		testCase{"crumb-read-no-cache", noCache.Handler(readLocale), c},
		testCase{"crumb-write", m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := middleware.From(r).Set("last_seen", time.Now().UnixNano()); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Write(ok)
		})), c})

	// gorilla/sessions
	gs := sessions.NewCookieStore(securecookie.GenerateRandomKey(32), securecookie.GenerateRandomKey(32))
	for _, c := range gs.Codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxLength(0) // gorilla's 4096 default refuses the large session
		}
	}
	c, err = setCookie(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := gs.Get(r, "session")
		for k, v := range value {
			s.Values[k] = v
		}
		if err := s.Save(r, w); err != nil {
			panic(err)
		}
	}))
	if err != nil {
		return nil, fmt.Errorf("gorilla: %w", err)
	}
	cases = append(cases,
		testCase{"gorilla-read", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, err := gs.Get(r, "session")
			if v, _ := s.Values["locale"].(string); err != nil || v == "" {
				http.Error(w, "no session", http.StatusInternalServerError)
				return
			}
			w.Write(ok)
		}), c},
		testCase{"gorilla-write", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, _ := gs.Get(r, "session")
			s.Values["last_seen"] = time.Now().UnixNano()
			if err := s.Save(r, w); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Write(ok)
		}), c})

	// scs with its memory store
	sm := scs.New()
	sm.Store = memstore.New()
	c, err = setCookie(sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range value {
			sm.Put(r.Context(), k, v)
		}
	})))
	if err != nil {
		return nil, fmt.Errorf("scs: %w", err)
	}
	cases = append(cases,
		testCase{"scs-read", sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if sm.GetString(r.Context(), "locale") == "" {
				http.Error(w, "no session", http.StatusInternalServerError)
				return
			}
			w.Write(ok)
		})), c},
		testCase{"scs-write", sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sm.Put(r.Context(), "last_seen", time.Now().UnixNano())
			w.Write(ok)
		})), c})
	return cases, nil
}

type result struct {
	n   int
	rps float64
	p99 time.Duration
}

// run serves c on a fresh loopback listener and drives it with workers
// keep-alive clients: warm-up first, then duration measured.
func run(c testCase, workers int, warmup, duration time.Duration) (result, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return result{}, err
	}
	srv := &http.Server{Handler: c.h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Shutdown(context.Background())
	tr := &http.Transport{MaxIdleConns: workers, MaxIdleConnsPerHost: workers, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	url := "http://" + ln.Addr().String() + "/"

	return measure(workers, warmup, duration, func(measureFrom, end time.Time) ([]time.Duration, error) {
		lat := make([]time.Duration, 0, 1<<14)
		req, _ := http.NewRequest("GET", url, nil)
		if c.cookie != "" {
			req.Header.Set("Cookie", c.cookie)
		}
		for i := 0; ; i++ {
			t0 := time.Now()
			if i > 0 && !t0.Before(end) {
				return lat, nil // every worker makes at least one request, however loaded the machine
			}
			resp, err := client.Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
			}
			if err != nil {
				return lat, err
			}
			if t1 := time.Now(); !t0.Before(measureFrom) && t1.Before(end) {
				lat = append(lat, t1.Sub(t0))
			}
		}
	})
}

// measure runs work on workers goroutines at once, each until end, and
// summarizes the latencies they measured after the warm-up; the first
// error of any fails the case.
func measure(workers int, warmup, duration time.Duration, work func(measureFrom, end time.Time) ([]time.Duration, error)) (result, error) {
	var (
		mu        sync.Mutex
		latencies []time.Duration
		firstErr  error
		wg        sync.WaitGroup
	)
	start := time.Now()
	measureFrom, end := start.Add(warmup), start.Add(warmup+duration)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat, err := work(measureFrom, end)
			mu.Lock()
			defer mu.Unlock()
			latencies = append(latencies, lat...)
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return result{}, firstErr
	}
	return summarize(latencies, duration)
}

// summarize turns the latencies measured during duration into a result.
func summarize(latencies []time.Duration, duration time.Duration) (result, error) {
	if len(latencies) == 0 {
		return result{}, errors.New("no request completed")
	}
	slices.Sort(latencies)
	return result{
		n:   len(latencies),
		rps: float64(len(latencies)) / duration.Seconds(),
		p99: latencies[(len(latencies)*99)/100],
	}, nil
}
