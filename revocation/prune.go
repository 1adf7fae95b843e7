package revocation

import (
	"context"
	"time"
)

// shrinkMin is the peak size, in entries, from which a shard map that has
// shrunk to a quarter of its peak is rebuilt: Go maps never give memory
// back by themselves.
const shrinkMin = 4096

// Prune implements Set. In durable mode it then compacts the log if the
// file has grown to more than twice the size the live entries need (and
// more than 64 KiB); the error is that of the compaction, which leaves the
// old log intact when it fails before the rename.
func (l *Local) Prune(_ context.Context, now time.Time) (int, error) {
	n := l.prune(secs(now))
	if l.log == nil || l.closed.Load() {
		return n, nil
	}
	return n, l.maybeCompact()
}

// prune drops the entries whose until is before now (seconds) and returns
// how many it dropped.
func (l *Local) prune(now uint32) int {
	removed := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		sh.peakSessions = max(sh.peakSessions, len(sh.sessions))
		sh.peakTokens = max(sh.peakTokens, len(sh.tokens))
		var nSess, nTok int
		for id, until := range sh.sessions {
			if until < now {
				delete(sh.sessions, id)
				nSess++
			}
		}
		for id, e := range sh.tokens {
			if e.until < now {
				delete(sh.tokens, id)
				nTok++
			}
		}
		sh.shrink()
		sh.mu.Unlock()
		l.nSessions.Add(-int64(nSess))
		l.nTokens.Add(-int64(nTok))
		removed += nSess + nTok
	}

	s := &l.subj
	s.mu.Lock()
	nSubj := 0
	for key, e := range s.m {
		if e.until < now {
			delete(s.m, key)
			nSubj++
		}
	}
	s.mu.Unlock()
	l.nSubjects.Add(-int64(nSubj))
	removed += nSubj

	l.entries.Add(-int64(removed))
	l.pruned.Add(uint64(removed))
	for {
		last := l.lastPrune.Load()
		if last >= now || l.lastPrune.CompareAndSwap(last, now) {
			break
		}
	}
	return removed
}

// pruneForRoom prunes at the current time for a Revoke that found the set
// full, unless a prune at this second or later already ran: entries expire
// at second resolution, so it could not find anything more.
func (l *Local) pruneForRoom() {
	now := secs(time.Now())
	if l.lastPrune.Load() >= now {
		return
	}
	l.prune(now)
}

// pruneLoop prunes every interval until Close.
func (l *Local) pruneLoop(interval time.Duration) {
	defer close(l.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			n, err := l.Prune(context.Background(), time.Now())
			if err != nil {
				l.logger.Warn("revocation: compacting the log failed", "err", err)
			}
			if n > 0 {
				l.logger.Debug("revocation: pruned expired entries", "removed", n)
			}
		}
	}
}

// shrink rebuilds the shard's maps when pruning left them at under a
// quarter of their peak size. Called with sh.mu held.
func (sh *shard) shrink() {
	if n := len(sh.sessions); sh.peakSessions >= shrinkMin && n*4 < sh.peakSessions {
		m := make(map[ID]uint32, n)
		for id, u := range sh.sessions {
			m[id] = u
		}
		sh.sessions, sh.peakSessions = m, n
	}
	if n := len(sh.tokens); sh.peakTokens >= shrinkMin && n*4 < sh.peakTokens {
		m := make(map[ID]tokenEntry, n)
		for id, e := range sh.tokens {
			m[id] = e
		}
		sh.tokens, sh.peakTokens = m, n
	}
}
