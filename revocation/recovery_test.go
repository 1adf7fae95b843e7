//go:build unix

package revocation

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

// faults makes a durable Local's writes or fsyncs fail while an error is
// set. A failing write writes half its bytes first, as a full disk does.
type faults struct {
	mu          sync.Mutex
	write, sync error
}

func (f *faults) set(write, sync error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.write, f.sync = write, sync
}

func (f *faults) get() (write, sync error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.write, f.sync
}

// injectFaults installs f's seams in l's log, once no batch is in flight.
func injectFaults(l *Local) *faults {
	f := &faults{}
	w := l.log
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.busy {
		w.cond.Wait()
	}
	w.writeFile = func(file *os.File, b []byte) (int, error) {
		if err, _ := f.get(); err != nil {
			n, _ := file.Write(b[:len(b)/2])
			return n, err
		}
		return file.Write(b)
	}
	w.syncFile = func(file *os.File) error {
		if _, err := f.get(); err != nil {
			return err
		}
		return file.Sync()
	}
	return f
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// wantAllRevoked reopens the log at path and checks that every ID in ids is
// revoked there.
func wantAllRevoked(t testing.TB, path string, ids []ID) {
	t.Helper()
	l := openLocal(t, path, nil)
	defer l.Close()
	for _, id := range ids {
		wantVerdict(t, l, Query{ID: id}, time.Now(), SessionRevoked)
	}
}

// TestWriteFailureRecovers: a write that fails (a full disk) fails its
// revocation and marks the log broken; revocations still apply in memory;
// once writes work again the background poll rewrites the log from memory,
// without a restart, and the file then holds every revocation, those whose
// call failed included.
func TestWriteFailureRecovers(t *testing.T) {
	for _, c := range []struct {
		name        string
		write, sync error
	}{
		{"write ENOSPC", syscall.ENOSPC, nil},
		{"fsync EIO", nil, syscall.EIO},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				path := logPath(t)
				var logs logBuffer
				l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: logs.logger()}) // polling every 250 ms
				if err != nil {
					t.Fatal(err)
				}
				f := injectFaults(l)
				later := time.Now().Add(time.Hour)
				ids := []ID{testID(1), testID(2), testID(3), testID(4), testID(5)}
				must(t, l.RevokeSession(ctx, sess(ids[0]), later))
				size := fileSize(t, path)

				f.set(c.write, c.sync)
				want := c.write
				if want == nil {
					want = c.sync
				}
				err = l.RevokeSession(ctx, sess(ids[1]), later)
				if err == nil || !errors.Is(err, want) || !strings.Contains(err.Error(), path) {
					t.Fatalf("RevokeSession while the disk fails = %v, want an error wrapping %v naming the log", err, want)
				}
				if got := fileSize(t, path); got != size {
					t.Errorf("the log is %d bytes after the failed batch, was %d: the batch was not cut off", got, size)
				}
				herr := l.Health(ctx)
				if herr == nil || !errors.Is(herr, want) || errors.Is(herr, ErrDegraded) {
					t.Errorf("Health = %v, want the failure (not a mere ErrDegraded)", herr)
				}
				// Still failing, within the retry delay: fails at once, but
				// applies in memory.
				if err := l.RevokeSession(ctx, sess(ids[2]), later); err == nil {
					t.Error("a revocation was acknowledged while the log is broken")
				}
				for _, id := range ids[1:3] {
					wantVerdict(t, l, Query{ID: id}, time.Now(), SessionRevoked)
				}
				// The background retries fail while the disk does.
				time.Sleep(3 * time.Second)
				synctest.Wait()
				if err := l.Health(ctx); err == nil {
					t.Error("Health = nil while writes still fail")
				}
				if st := l.Stats(); st.Recoveries != 0 {
					t.Errorf("Recoveries = %d while writes still fail", st.Recoveries)
				}
				if temps, _ := filepath.Glob(path + compactSuffix + "*"); len(temps) != 0 {
					t.Errorf("failed rewrites left %v", temps)
				}

				f.set(nil, nil)
				time.Sleep(maxRetryDelay + DefaultPollInterval) // the longest backoff, then a poll
				synctest.Wait()
				if err := l.Health(ctx); err != nil {
					t.Errorf("Health = %v a poll after the disk recovered", err)
				}
				if st := l.Stats(); st.Recoveries != 1 {
					t.Errorf("Recoveries = %d, want 1", st.Recoveries)
				}
				if !strings.Contains(logs.String(), "works again") {
					t.Errorf("the recovery was not logged:\n%s", logs.String())
				}
				must(t, l.RevokeSession(ctx, sess(ids[3]), later))
				must(t, l.Close())
				wantAllRevoked(t, path, ids[:4])
			})
		})
	}
}

// TestRecoveryOnNextRevocation: without the background poll, the first
// revocation at least retryDelay after the failure rewrites the log.
func TestRecoveryOnNextRevocation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := logPath(t)
		l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, PollInterval: -1, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		f := injectFaults(l)
		later := time.Now().Add(time.Hour)
		f.set(syscall.ENOSPC, nil)
		if err := l.RevokeSession(ctx, sess(testID(1)), later); !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("RevokeSession = %v, want ENOSPC", err)
		}
		f.set(nil, nil)
		if err := l.RevokeSession(ctx, sess(testID(2)), later); err == nil {
			t.Error("acknowledged within the retry delay: the log was not rewritten yet")
		}
		time.Sleep(retryDelay)
		must(t, l.RevokeSession(ctx, sess(testID(3)), later))
		must(t, l.Health(ctx))
		if st := l.Stats(); st.Recoveries != 1 || st.Compactions != 1 {
			t.Errorf("Stats = %+v, want 1 recovery by rewriting", st)
		}
		must(t, l.Close())
		wantAllRevoked(t, path, []ID{testID(1), testID(2), testID(3)})
	})
}

// TestFailedBatchAcknowledgesNone: every revocation of a batch whose fsync
// fails gets the error, though they share it.
func TestFailedBatchAcknowledgesNone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := logPath(t)
		l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, PollInterval: -1, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		f := injectFaults(l)
		f.set(nil, syscall.EIO)
		later := time.Now().Add(time.Hour)
		var ids []ID
		errs := make(chan error, 16)
		for i := range 16 {
			ids = append(ids, testID(byte(10+i)))
			go func() { errs <- l.RevokeSession(ctx, sess(testID(byte(10+i))), later) }()
		}
		for range 16 {
			if err := <-errs; !errors.Is(err, syscall.EIO) {
				t.Errorf("RevokeSession in a failed batch = %v, want EIO", err)
			}
		}
		f.set(nil, nil)
		time.Sleep(retryDelay)
		must(t, l.RevokeSession(ctx, sess(testID(1)), later))
		must(t, l.Close())
		wantAllRevoked(t, path, append(ids, testID(1)))
	})
}

// TestClosedFileRecovers closes the log's file descriptor under the set:
// the next write fails, and the recovery reopens the file.
func TestClosedFileRecovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := logPath(t)
		l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(time.Hour)
		must(t, l.RevokeSession(ctx, sess(testID(1)), later))
		must(t, l.Health(ctx))
		l.log.mu.Lock()
		for l.log.busy {
			l.log.cond.Wait()
		}
		l.log.f.Close()
		l.log.mu.Unlock()
		err = l.RevokeSession(ctx, sess(testID(2)), later)
		if !errors.Is(err, os.ErrClosed) || !strings.Contains(err.Error(), path) {
			t.Fatalf("RevokeSession on a closed file = %v", err)
		}
		if herr := l.Health(ctx); !errors.Is(herr, os.ErrClosed) {
			t.Errorf("Health = %v, want the failure", herr)
		}
		wantVerdict(t, l, Query{ID: testID(2)}, time.Now(), SessionRevoked)
		time.Sleep(maxRetryDelay + DefaultPollInterval) // the longest backoff, then a poll
		synctest.Wait()
		must(t, l.Health(ctx))
		must(t, l.RevokeSession(ctx, sess(testID(3)), later))
		must(t, l.Close())
		wantAllRevoked(t, path, []ID{testID(1), testID(2), testID(3)})
	})
}
