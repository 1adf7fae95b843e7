package redisset

import (
	"errors"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/crumbhq/crumb/revocation"
)

// proxy forwards loopback TCP connections to a server, and can cut them
// (a network partition) and let them through again.
type proxy struct {
	ln       net.Listener
	upstream string
	mu       sync.Mutex
	down     bool
	conns    map[net.Conn]struct{}
	wg       sync.WaitGroup
}

func newProxy(t *testing.T, upstream string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, upstream: upstream, conns: map[net.Conn]struct{}{}}
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		u, err := net.Dial("tcp", p.upstream)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c], p.conns[u] = struct{}{}, struct{}{}
		p.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			io.Copy(dst, src)
			dst.Close()
			src.Close()
		}
		p.wg.Go(func() { pipe(u, c) })
		p.wg.Go(func() { pipe(c, u) })
	}
}

// cut closes every connection and refuses new ones until restore.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *proxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

func (p *proxy) close() {
	p.ln.Close()
	p.cut()
	p.wg.Wait()
}

// TestResync cuts a node off while the stream is trimmed past the last
// record it read (a gap), then while Redis loses everything (the stream
// goes back): each time the node resyncs from a snapshot on reconnecting
// and misses nothing; entries Redis lost stay in its replica, and every
// node sends its own revocations again, so Redis holds them all again.
func TestResync(t *testing.T) {
	srv := startRedis(t, "--stream-node-max-entries", "5")
	short := func(o Options) Options {
		o.StreamMaxLen = 10
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = 200*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond
		return o
	}
	a := newSet(t, short(testOptions(t, srv.addr())))
	p := newProxy(t, srv.addr())
	b := newSet(t, short(testOptions(t, p.addr())))
	until := time.Now().Add(time.Hour)

	var ids []revocation.ID
	revoke := func(n int) {
		for range n {
			id := newID()
			if err := a.RevokeSession(bg, session(id), until); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
	}
	revoke(5)
	if !waitFor(5*time.Second, func() bool { return revokedOn(b, ids[4]) }) {
		t.Fatal("B never saw the first revocations")
	}

	p.cut()
	if !waitFor(5*time.Second, func() bool { return b.Status().Down }) {
		t.Fatal("B never noticed the partition")
	}
	revoke(300)
	if n, _ := srv.client().XLen(bg, a.keys.stream).Result(); n >= 300 {
		t.Fatalf("the stream was not trimmed (%d records)", n)
	}
	p.restore()
	if !waitFor(10*time.Second, func() bool { return b.Stats().Sessions == len(ids) }) {
		t.Fatalf("B holds %d entries after the gap, want %d", b.Stats().Sessions, len(ids))
	}
	if !waitFor(5*time.Second, func() bool { return b.Status().Resyncs >= 2 }) {
		t.Errorf("B resynced %d times, want a snapshot after the gap", b.Status().Resyncs)
	}
	for _, id := range ids {
		if !revokedOn(b, id) {
			t.Fatal("B misses a revocation made during the gap")
		}
	}

	// Redis loses everything while B is cut off. B revoked some sessions
	// before.
	// B's writes reach Redis again only once its own connection has
	// recovered from the partition (its last try may still be the failed
	// one): wait for that, and let a revocation still made in the outbox
	// be delivered before the next cut.
	if !waitFor(5*time.Second, func() bool { st := b.Status(); return !st.Down && st.Pending == 0 }) {
		t.Fatalf("B never reconnected after the gap: %+v", b.Status())
	}
	var own []revocation.ID
	for range 3 {
		id := newID()
		err := b.RevokeSession(bg, session(id), until)
		switch {
		case errors.Is(err, revocation.ErrPending):
			if !waitFor(5*time.Second, func() bool { return b.Status().Pending == 0 }) {
				t.Fatalf("B's outbox was never delivered: %+v", b.Status())
			}
		case err != nil:
			t.Fatal(err)
		}
		own = append(own, id)
	}
	p.cut()
	if !waitFor(5*time.Second, func() bool { return b.Status().Down }) {
		t.Fatal("B never noticed the second partition")
	}
	resyncs := b.Status().Resyncs
	if err := srv.client().FlushAll(bg).Err(); err != nil {
		t.Fatal(err)
	}
	p.restore()
	if !waitFor(10*time.Second, func() bool { return b.Status().Resyncs > resyncs && !b.Status().Down }) {
		t.Fatalf("B did not resync after the stream went away: %+v", b.Status())
	}
	if !revokedOn(b, ids[0]) {
		t.Error("B forgot an entry Redis lost")
	}
	revoke(1)
	if !waitFor(5*time.Second, func() bool { return revokedOn(b, ids[len(ids)-1]) }) {
		t.Error("B does not follow the new stream")
	}

	// Both nodes send their revocations again — B on reconnecting, A,
	// which never lost its connection, at its next periodic check — so a
	// node started now rejects every one.
	all := append(ids, own...)
	c := srv.client()
	inRedis := func() int {
		n := 0
		for _, id := range all {
			if k, _ := c.Exists(bg, a.keys.entry(kindSession, hexID(id))).Result(); k == 1 {
				n++
			}
		}
		return n
	}
	if !waitFor(3*checkInterval, func() bool { return inRedis() == len(all) }) {
		t.Fatalf("Redis holds %d of %d revocations after the loss; A %+v, B %+v", inRedis(), len(all), a.Status(), b.Status())
	}
	t.Logf("resent after the loss: A %d, B %d", a.Status().Resent, b.Status().Resent)
	late := newSet(t, testOptions(t, srv.addr()))
	for _, id := range all {
		if !revokedOn(late, id) {
			t.Fatal("a node started after the loss misses a revocation")
		}
	}
}

// TestOwnWriteLostBeforeReadBack makes Redis lose a node's first
// revocation before the node's tailer has read it back — the window the
// stream's history checks cannot see, since the node has followed no
// history yet. Redis is flushed while the tailer is paused; then either
// the stream stays gone, or another node's revocation starts a new one
// that the tailer reads past the lost record. Either way the node sends
// its revocation again.
func TestOwnWriteLostBeforeReadBack(t *testing.T) {
	for _, c := range []struct {
		name  string
		after func(t *testing.T, other *Set)
	}{
		{"stream gone", func(*testing.T, *Set) {}},
		{"stream goes on", func(t *testing.T, other *Set) {
			if err := other.RevokeSession(bg, session(newID()), time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := startRedis(t) // no persistence
			o := testOptions(t, srv.addr())
			o.MaxStaleness = time.Second // a short XREAD block
			a := newSet(t, o)
			other := newSet(t, testOptions(t, srv.addr()))
			if a.lastID != "0-0" {
				t.Fatalf("the node started with lastID %s, want 0-0 (an empty Redis)", a.lastID)
			}
			pauseTailer(t, a)
			id := newID()
			if err := a.RevokeSession(bg, session(id), time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			rc := srv.client()
			key := a.keys.entry(kindSession, hexID(id))
			if n, _ := rc.Exists(bg, key).Result(); n != 1 {
				t.Fatal("the revocation is not in Redis")
			}
			if err := rc.FlushAll(bg).Err(); err != nil {
				t.Fatal(err)
			}
			c.after(t, other)
			resumeTailer(a)
			if !waitFor(3*checkInterval, func() bool { n, _ := rc.Exists(bg, key).Result(); return n == 1 }) {
				t.Fatalf("waiting (%v) for the node to send its lost revocation again: %+v", 3*checkInterval, a.Status())
			}
			if !waitFor(5*time.Second, func() bool { return revokedOn(other, id) }) {
				t.Error("the other node never saw the revocation sent again")
			}
			if r := a.Status().Resent; r != 1 {
				t.Errorf("resent %d revocations, want the lost one", r)
			}
		})
	}
}

// TestNoFalseLoss runs the tailer's history check over and over while the
// node revokes: a record the node adds while the check runs must not look
// lost (which would make the node verify its whole journal every time).
// Then the tailer reads everything back, and finds nothing missing either.
func TestNoFalseLoss(t *testing.T) {
	srv := startRedis(t)
	var logs captureLogger
	o := testOptions(t, srv.addr())
	o.Logger = logs.logger()
	a := newSet(t, o)
	pauseTailer(t, a)
	done := make(chan error, 1)
	go func() {
		for range 2000 {
			if err := a.RevokeSession(bg, session(newID()), time.Now().Add(time.Hour)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	checks := 0
	for running := true; running; checks++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			running = false
		case <-time.After(30 * time.Second):
			t.Fatal("waiting (30 s) for 2,000 revocations")
		default:
		}
		if err := a.checkHistory(bg, false); err != nil {
			t.Fatal(err)
		}
		if a.verify || a.needResync {
			t.Fatalf("check %d during revocations: verify %v, resync %v; log:\n%s", checks, a.verify, a.needResync, logs.String())
		}
	}
	for i := 0; a.lastID != a.journal.newest(); i++ {
		if i == 100 {
			t.Fatalf("waiting (100 reads) for the tailer to read back its records: at %s, the newest %s", a.lastID, a.journal.newest())
		}
		if err := a.read(bg); err != nil {
			t.Fatal(err)
		}
		if a.verify || a.needResync {
			t.Fatalf("reading back: verify %v, resync %v; log:\n%s", a.verify, a.needResync, logs.String())
		}
	}
	resumeTailer(a)
	t.Logf("%d history checks during 2,000 revocations", checks)
	if u := a.journal.newestUnread(); u != "" {
		t.Errorf("after reading everything back, %s is still unread", u)
	}
}

// TestCloseLeavesNoGoroutines opens and closes Sets (with revocations,
// and with Redis gone before Close) and checks that every goroutine they
// started has returned.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	srv := startRedis(t)
	before := runtime.NumGoroutine()
	var sets []*Set
	for range 3 {
		o := testOptions(t, srv.addr())
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = 200*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond
		s, err := New(bg, o)
		if err != nil {
			t.Fatal(err)
		}
		sets = append(sets, s)
		if err := s.RevokeSession(bg, session(newID()), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	srv.kill()
	if err := sets[0].RevokeSession(bg, session(newID()), time.Now().Add(time.Hour)); !errors.Is(err, revocation.ErrPending) {
		t.Fatalf("RevokeSession with Redis down: %v, want ErrPending", err)
	}
	t0 := time.Now()
	for _, s := range sets {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	}
	t.Logf("3 Closes (Redis down, one outbox pending) took %v", time.Since(t0).Round(time.Millisecond))
	var now int
	if !waitFor(5*time.Second, func() bool { now = runtime.NumGoroutine(); return now <= before }) {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after Close:\n%s", before, now, buf[:runtime.Stack(buf, true)])
	}
}
