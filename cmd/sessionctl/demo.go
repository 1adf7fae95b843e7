package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
	"github.com/crumbhq/crumb/middleware"
)

const demoUsage = `Usage:
    sessionctl demo [--addr ADDR] [--keyring FILE] [--revocations SPEC]
                    [--registry SPEC] [--state DIR] [--watch-interval D]
                    [--dev]

Serves a small web application on crumb's middleware, over plain HTTP, and
prints its URL. Open it in a browser: the page shows the session, the size of
its cookie and how many cookies it takes, the key that sealed it, and its idle
and absolute expiry, with forms to log in, add data (also enough to need
several cookies), log out, and log out everywhere; signed in, a "Your
sessions" table lists the user's sessions (device, network, created, last
active, "this device") with a button to sign out each, and one to sign out
all the others. Scripts use its JSON API:

    POST /login        form field user: log in (a new session ID)
    GET  /session      the session as JSON; 401 without one
    POST /session      a JSON object merged into the session data (null deletes)
    POST /logout       log out: the session is revoked and the cookie deleted
    POST /logout-all   log out every session of the user
    GET  /sessions     the user's sessions: [{id, created, last_seen,
                       expires, labels, current}]; 401 without a user
    POST /sessions/ID/revoke
                       end one of them (the request's own: a logout); 404
                       for an ID that is not one of the user's sessions
    POST /sessions/revoke-others
                       end every session of the user but the request's own
    GET  /stats        the revocation set: its entries, bounds and health

The defaults need nothing: a development keyring is generated in the state
directory on the first run, and revocations are kept in a durable file beside
it, so logouts survive a restart; so does the session registry, in
sessions.log beside them (with a redis:// --revocations URL, on that Redis
instead). The keyring file is reloaded when it changes and on SIGHUP: rotate
it with ` + "`sessionctl keys add/promote`" + ` while the demo runs.
Cookies go without the Secure attribute to loopback addresses only (the
middleware's dev mode), so serve it on 127.0.0.1 or localhost.

Options:
    --addr ADDR          where to listen (default 127.0.0.1:8080; port 0
                         picks a free one)
    --keyring FILE       the keyring file (default STATE/keyring.json,
                         generated when missing)
    --revocations SPEC   the revocation set (default STATE/revocations.log)
` + revocationsHelpIndented + `
    --registry SPEC      the session registry the sessions table lists
                         (default STATE/sessions.log, or the Redis of a
                         redis:// --revocations URL): a registry file,
                         which the demo writes and ` + "`sessionctl sessions`" + `
                         reads while it runs, or a redis:// URL
    --state DIR          the state directory (default
                         $XDG_STATE_HOME/sessionctl/demo, or
                         ~/.local/state/sessionctl/demo)
    --watch-interval D   how often the keyring file is checked for changes
                         (default 2s)
    --dev                log every request's session handling (debug
                         level). The middleware always runs in its dev
                         mode here (plain HTTP): cookies without Secure on
                         loopback, and a session change after the response
                         headers panics

Examples:
    sessionctl demo
    sessionctl demo --addr 127.0.0.1:0 --state /tmp/crumb-demo
    curl -c jar -b jar -d user=ann http://127.0.0.1:8080/login
    curl -c jar -b jar http://127.0.0.1:8080/session
    curl -c jar -b jar -d '{"theme":"dark"}' http://127.0.0.1:8080/session
`

// revocationsHelpIndented is revocationsHelp under the option it belongs to.
const revocationsHelpIndented = `                         SPEC is a revocation file path, or a redis:// URL
                         for several instances (see sessionctl help revoke);
                         with Redis, add ?outbox=PATH so that logouts made
                         while Redis is down are kept and delivered later`

// demoCookie is the demo's cookie name: localhost cookies are shared by
// every port, so it avoids the common "session".
const demoCookie = "crumb_demo"

func runDemo(c *cli, args []string) error {
	fs := newFlagSet("demo")
	addr := fs.String("addr", "127.0.0.1:8080", "")
	keyringPath := fs.String("keyring", "", "")
	revSpec := fs.String("revocations", "", "")
	regSpec := fs.String("registry", "", "")
	stateDir := fs.String("state", "", "")
	interval := fs.Duration("watch-interval", 2*time.Second, "")
	dev := fs.Bool("dev", false, "")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, 0, ""); err != nil {
		return err
	}
	if *interval <= 0 {
		return usageErrorf("", "--watch-interval must be positive")
	}
	ctx, stop := signal.NotifyContext(c.context(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	state, err := c.demoStateDir(*stateDir)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if *dev {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: level}))

	// Keys: the given file, or a development keyring generated once.
	if *keyringPath == "" {
		*keyringPath = filepath.Join(state, "keyring.json")
		if err := c.demoKeyring(*keyringPath); err != nil {
			return err
		}
	}
	keys, err := keyring.Watch(c.path(*keyringPath), keyring.WatchOptions{Interval: *interval, Logger: log})
	if err != nil {
		return withHints(fmt.Errorf("loading the keyring: %w", err), "create one with `sessionctl keys generate --keyring FILE`, or leave --keyring out for a development keyring")
	}
	defer keys.Close()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	quit, reloader := make(chan struct{}), make(chan struct{})
	defer func() { signal.Stop(hup); close(quit); <-reloader }()
	go func() {
		defer close(reloader)
		for {
			select {
			case <-hup:
				keys.Reload() // the watcher logs a failure, and keeps the previous keys
			case <-quit:
				return
			}
		}
	}()

	// Revocations: durable by default, so that logouts survive a restart.
	if *revSpec == "" {
		*revSpec = filepath.Join(state, "revocations.log")
	}
	revs, err := c.openRevocations(*revSpec, true, true)
	if err != nil {
		return err
	}
	defer c.closeRevocations(revs)

	// The session registry, for "your sessions": durable beside the
	// revocations, or on their Redis.
	if rs, _ := parseRevocationSpec(*revSpec); *regSpec == "" && !rs.redis {
		*regSpec = filepath.Join(state, "sessions.log")
	}
	rs, err := parseRegistrySpec(*regSpec, *revSpec)
	if err != nil {
		return err
	}
	reg, err := c.openRegistry(rs, true)
	if err != nil {
		return err
	}
	defer c.closeRegistry(reg)

	store, err := cookie.New(cookie.Options{Name: demoCookie, Keys: keys, Revocations: revs, Registry: reg, RememberTimeout: demoRemember})
	if err != nil {
		return err
	}
	defer store.Close()
	sessions, err := middleware.New(middleware.Options{Store: store, Dev: true, Logger: log, Labels: demoLabels})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return withHints(fmt.Errorf("listening on %s: %w", *addr, err), "pick another address with --addr, or port 0 for a free one")
	}
	// Cross-origin protection: the demo's forms change the session, and a
	// page on another port of this host is the same site for SameSite.
	csrf := http.NewCrossOriginProtection()
	srv := &http.Server{
		Handler:           csrf.Handler(sessions.Handler(newDemoApp(sessions, keys, log))),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(c.stdout, "crumb demo: http://%s/\n", ln.Addr())
	fmt.Fprintf(c.stdout, "keyring %s (reloaded on change and SIGHUP), revocations %s, sessions registry %s; Ctrl-C stops\n", *keyringPath, redactSpec(*revSpec), rs.describe())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		// Requests still running, or connections opened and never used
		// (browsers preconnect), after the grace period: close them. The
		// demo has stopped either way; nothing is lost.
		srv.Close()
		log.Info("demo: closed the connections still open after 5 s", "err", err)
	}
	return nil
}

// demoStateDir returns the state directory, created (0700) if missing.
func (c *cli) demoStateDir(dir string) (string, error) {
	if dir == "" {
		base := os.Getenv("XDG_STATE_HOME")
		if base == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", withHints(fmt.Errorf("no state directory: %w", err), "give one with --state DIR")
			}
			base = filepath.Join(home, ".local", "state")
		}
		dir = filepath.Join(base, "sessionctl", "demo")
	}
	dir = c.path(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating the state directory: %w", err)
	}
	return dir, nil
}

// demoKeyring generates a development keyring at path unless one exists.
func (c *cli) demoKeyring(path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("checking the development keyring: %w", err)
	}
	k, err := keyring.NewKey(keyring.StatePrimary)
	if err != nil {
		return err
	}
	ring, err := keyring.NewRing(k)
	if err != nil {
		return err
	}
	if err := keyring.CreateFile(path, ring); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("creating the development keyring: %w", err)
	}
	c.warnf("generated a development keyring in %s: for this demo only, never for production", path)
	return nil
}
