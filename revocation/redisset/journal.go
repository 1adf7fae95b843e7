package redisset

import (
	"sync"
	"time"
)

// The journal's bounds: the revocations of the last journalWindow, at most
// journalSize of them (about 100 bytes each).
const (
	journalSize   = 20_000
	journalWindow = 10 * time.Minute
)

// journal remembers the revocations this node delivered to Redis recently,
// with the ID of the stream record each added, so that the node can
// deliver them again if Redis loses them after acknowledging them: Redis
// replicates asynchronously, so a failover to a replica that lagged, or a
// restart from an AOF synced every second, can drop the last writes. When
// the tailer has reason to think so (see Set.checkHistory), it checks every
// journaled call against the entry Redis holds and sends again those Redis
// lost (Set.verifyJournal). Sending twice is harmless: the merge is
// idempotent.
type journal struct {
	mu      sync.Mutex
	entries []journalEntry // a ring of at most journalSize
	next    int            // where the next entry goes once the ring is full
	lastID  string         // the newest stream record this node added
}

type journalEntry struct {
	c  call
	at time.Time
}

// add records c, delivered at now; xid is the stream record it added, ""
// when the entry did not change (another node's record covers it).
func (j *journal) add(c *call, xid string, now time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	e := journalEntry{c: *c, at: now}
	if len(j.entries) < journalSize {
		j.entries = append(j.entries, e)
	} else {
		j.entries[j.next] = e
		j.next = (j.next + 1) % journalSize
	}
	if xid != "" && compareIDs(xid, j.lastID) > 0 {
		j.lastID = xid
	}
}

// newest returns the newest stream record this node added.
func (j *journal) newest() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.lastID
}

// recent returns the calls delivered since now - journalWindow, oldest
// first, whose until has not passed.
func (j *journal) recent(now time.Time) []call {
	j.mu.Lock()
	defer j.mu.Unlock()
	from := now.Add(-journalWindow)
	n := secs(now)
	var out []call
	for i := range len(j.entries) {
		e := &j.entries[(j.next+i)%len(j.entries)]
		if e.at.After(from) && e.c.until >= n {
			out = append(out, e.c)
		}
	}
	return out
}
