//go:build unix

package revocation

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crumbhq/crumb/revocation/internal/table"
)

// TestZeroCreatedRefused: a revocation without the session's created-at is
// refused; a collapse, which revokes by created-at, would lose it.
func TestZeroCreatedRefused(t *testing.T) {
	l := newMem(t, LocalOptions{})
	later := time.Now().Add(time.Hour)
	s := Session{ID: testID(1), Subject: "ada"}
	if err := l.RevokeSession(ctx, s, later); !errors.Is(err, ErrBadSession) {
		t.Errorf("RevokeSession without created-at = %v, want ErrBadSession", err)
	}
	if err := l.RevokeIssuedBefore(ctx, s, later, later, later); !errors.Is(err, ErrBadSession) {
		t.Errorf("RevokeIssuedBefore without created-at = %v, want ErrBadSession", err)
	}
	if st := l.Stats(); st.Sessions+st.Tokens != 0 {
		t.Errorf("refused revocations left entries: %+v", st)
	}
}

// TestLogRemovedOrEmptiedRecovers: a log removed, emptied in place (a
// rotation with copytruncate) or shortened, is rewritten from memory at the next poll,
// without a restart, and holds every revocation again.
func TestLogRemovedOrEmptiedRecovers(t *testing.T) {
	for name, damage := range map[string]func(string) error{
		"removed": os.Remove,
		"emptied": func(p string) error { return os.Truncate(p, 0) },
		"shortened": func(p string) error { // its last record cut in half
			fi, err := os.Stat(p)
			if err != nil {
				return err
			}
			return os.Truncate(p, fi.Size()-sessionRecordSize/2)
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := logPath(t)
			l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, PollInterval: 20 * time.Millisecond, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			later := time.Now().Add(time.Hour)
			ids := []ID{testID(1), testID(2), testID(3)}
			must(t, l.RevokeSession(ctx, sess(ids[0]), later))
			must(t, damage(path))
			waitFor(t, "the log to be rewritten, and Health clear, after it was "+name, 5*time.Second, func() bool {
				fi, err := os.Stat(path)
				return err == nil && fi.Size() > headerSize && l.Health(ctx) == nil
			})
			must(t, l.RevokeSession(ctx, sess(ids[1]), later))
			must(t, damage(path))
			// A revocation finds the log gone before the poll does: it
			// rewrites it itself.
			must(t, l.RevokeSession(ctx, sess(ids[2]), later))
			must(t, l.Close())
			wantAllRevoked(t, path, ids)
		})
	}
}

// TestFollowFailureDegrades: a process that cannot read what the others
// append (here a crumb 0.1 process holds the lock for good) still enforces
// its own revocations, but Health says it misses the others'; once the
// lock is free, it reads them and Health is clear again.
func TestFollowFailureDegrades(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		path := logPath(t)
		l, err := NewLocal(LocalOptions{Path: path, PruneInterval: -1, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		holder, err := os.OpenFile(path+".lock", os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer holder.Close()
		must(t, syscall.Flock(int(holder.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
		// Another writer appends a record (as the old process would).
		now := time.Now()
		r := record{Kind: table.KindSession, ID: testID(9), Key: table.KeyOf("bob"), Created: uint32(now.Unix()), Until: uint32(now.Add(time.Hour).Unix())}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Write(appendRecord(nil, &r))
		must(t, err)
		must(t, f.Close())

		time.Sleep(DefaultPollInterval + pollLockWait + time.Second)
		synctest.Wait()
		if err := l.Health(ctx); !errors.Is(err, ErrDegraded) {
			t.Fatalf("Health while the others' revocations cannot be read = %v, want ErrDegraded", err)
		}
		wantVerdict(t, l, Query{ID: testID(9)}, time.Now(), NotRevoked) // not read yet

		must(t, syscall.Flock(int(holder.Fd()), syscall.LOCK_UN))
		time.Sleep(2 * DefaultPollInterval)
		synctest.Wait()
		if err := l.Health(ctx); err != nil {
			t.Errorf("Health once the log is readable = %v", err)
		}
		wantVerdict(t, l, Query{ID: testID(9)}, time.Now(), SessionRevoked)
	})
}
