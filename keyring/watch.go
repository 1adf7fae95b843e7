package keyring

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Poll interval bounds of Watch.
const (
	// defaultWatchInterval is the poll period when WatchOptions.Interval is
	// zero or negative.
	defaultWatchInterval = 5 * time.Second
	// minWatchInterval is the shortest poll period; shorter intervals are
	// raised to it.
	minWatchInterval = 10 * time.Millisecond
)

// WatchOptions configures Watch. The zero value is ready to use.
type WatchOptions struct {
	// Interval is how often the file is read and compared with the content
	// last seen. Zero or negative means the default, 5 s; values below
	// 10 ms are raised to 10 ms.
	Interval time.Duration
	// Logger receives reloads (Info), rotation hazards such as a primary
	// key that was not active before (Warn) and failed reloads (Error).
	// It logs key IDs and states, never secrets. Nil means slog.Default().
	Logger *slog.Logger
	// OnReload, if not nil, is called after a new ring is swapped in, with
	// the previous and the new ring. Calls are serialized with reloads; it
	// must not call Reload or Close on the same Watcher.
	OnReload func(old, new *Ring)
	// OnError, if not nil, is called when a reload fails, once per distinct
	// failure (new bad content, or a new read error), not on every poll.
	// Calls are serialized with reloads; it must not call Reload or Close
	// on the same Watcher.
	OnError func(error)
}

// Watcher keeps a ring loaded from a keyring file current. It polls the
// file, by default every 5 seconds, and swaps in the new ring when the
// content changes and is valid; a missing, unreadable or invalid file keeps
// the ring in service and is reported through Err, the logger and OnError.
// Polling (rather than file-system notifications) follows symbolic link
// swaps such as those of Kubernetes secret volumes.
//
// A Watcher is a Source: give it to consumers in place of a *Ring. Its
// methods are safe for concurrent use.
type Watcher struct {
	path     string
	interval time.Duration
	logger   *slog.Logger
	onReload func(old, new *Ring)
	onError  func(error)

	ring atomic.Pointer[Ring]
	err  atomic.Pointer[error] // last reload error; nil after a good reload

	mu     sync.Mutex  // serializes reloads and guards the fields below
	seen   observation // what the last read found
	loaded [32]byte    // SHA-256 of the content the current ring came from

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// observation is what one read of the file found: the SHA-256 of its
// content, or the message of the error that prevented reading it. Equal
// observations mean nothing changed.
type observation struct {
	sum     [32]byte
	readErr string
}

// Watch loads the keyring file at path (see LoadFile) and starts one
// goroutine that polls it for changes. If the initial load fails Watch
// returns the error and starts nothing. Call Close to stop polling.
func Watch(path string, opts WatchOptions) (*Watcher, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	r, err := Unmarshal(data)
	sum := sha256.Sum256(data)
	clear(data)
	if err != nil {
		return nil, withPath(path, err)
	}
	w := &Watcher{
		path:     path,
		interval: opts.Interval,
		logger:   opts.Logger,
		onReload: opts.OnReload,
		onError:  opts.OnError,
		seen:     observation{sum: sum},
		loaded:   sum,
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	if w.interval <= 0 {
		w.interval = defaultWatchInterval
	} else if w.interval < minWatchInterval {
		w.interval = minWatchInterval
	}
	if w.logger == nil {
		w.logger = slog.Default()
	}
	w.ring.Store(r)
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		// Kubernetes secret volumes default to 0644, so this is a warning,
		// not a refusal.
		w.logger.Warn("keyring: file is readable by other users; it holds secret keys (chmod 600, or defaultMode: 0400 for a Kubernetes secret)", "path", path, "mode", fi.Mode().Perm().String())
	}
	go w.poll()
	return w, nil
}

// poll reloads every interval until Close.
func (w *Watcher) poll() {
	defer close(w.done)
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.Reload() // errors are reported through Err, the logger and OnError
		}
	}
}

// Ring returns the ring currently in service. It is a single atomic load.
func (w *Watcher) Ring() *Ring {
	return w.ring.Load()
}

// Reload checks the file now, as the poller does; call it on SIGHUP for an
// immediate reload. It returns nil if the content is unchanged and good, or
// changed and swapped in. It returns the error if the file cannot be read or
// is invalid; the ring in service stays in service.
func (w *Watcher) Reload() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	data, readErr := readLimited(w.path)
	defer clear(data)
	var obs observation
	if readErr != nil {
		obs.readErr = readErr.Error()
	} else {
		obs.sum = sha256.Sum256(data)
	}
	if obs == w.seen {
		return w.Err()
	}
	w.seen = obs
	if readErr != nil {
		return w.fail(readErr)
	}
	if obs.sum == w.loaded {
		// Back to the content in service after a bad spell: nothing to swap.
		if w.Err() != nil {
			w.setErr(nil)
			w.logger.Info("keyring: file good again; keeping the keys in service", "path", w.path, "ring", w.Ring())
		}
		return nil
	}
	r, err := Unmarshal(data)
	if err != nil {
		return w.fail(withPath(w.path, err))
	}
	old := w.ring.Swap(r)
	w.loaded = obs.sum
	w.setErr(nil)
	w.logReload(old, r)
	if w.onReload != nil {
		w.onReload(old, r)
	}
	return nil
}

// fail records and reports a failed reload.
func (w *Watcher) fail(err error) error {
	w.setErr(err)
	w.logger.Error("keyring: reload failed; keeping the keys in service", "path", w.path, "error", err, "ring", w.Ring())
	if w.onError != nil {
		w.onError(err)
	}
	return err
}

// setErr sets the error Err returns.
func (w *Watcher) setErr(err error) {
	if err == nil {
		w.err.Store(nil)
		return
	}
	w.err.Store(&err)
}

// logReload logs a swap, with warnings for rotation steps that log users
// out or that other nodes may not be ready for.
func (w *Watcher) logReload(old, r *Ring) {
	w.logger.Info("keyring: reloaded", "path", w.path, "ring", r, "previous", old)
	if p := r.Primary(); p.ID != old.Primary().ID {
		if k, ok := old.Key(p.ID); !ok || k.State != StateActive {
			w.logger.Warn("keyring: new primary key was not active in the previous ring; nodes that have not loaded it yet reject its tokens (add keys as active everywhere first, then promote)", "path", w.path, "key", FormatID(p.ID))
		}
	}
	for _, k := range old.Keys() {
		if k.State == StateRetired {
			continue
		}
		if nk, ok := r.Key(k.ID); !ok || nk.State == StateRetired {
			level := slog.LevelInfo
			if k.State == StatePrimary {
				level = slog.LevelWarn // skipped the active phase: its fresh tokens die now
			}
			w.logger.Log(context.Background(), level, "keyring: key no longer opens tokens", "path", w.path, "key", FormatID(k.ID), "previous_state", k.State.String())
		}
	}
}

// Err returns the error of the last reload, or nil if it succeeded or found
// the file unchanged and good. Use it in health checks: a non-nil Err means
// the file on disk is not what is in service.
func (w *Watcher) Err() error {
	if p := w.err.Load(); p != nil {
		return *p
	}
	return nil
}

// Close stops the polling goroutine and waits for it to finish. The ring in
// service stays available through Ring, and Reload still works. Close is
// idempotent and always returns nil.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() { close(w.stop) })
	<-w.done
	return nil
}
