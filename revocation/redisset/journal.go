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
//
// Redis can also lose a record before this node's tailer has read it back,
// and the stream can then go on from another node's writes as if nothing
// had happened. So the journal also keeps the IDs of the records this node
// added that its tailer has not passed yet (unread): the tailer must see
// each of them, or find it still in the stream, when it passes its ID
// (Set.checkOwn), and a stream gone or gone back before them is a loss too
// (Set.checkHistory).
type journal struct {
	mu      sync.Mutex
	entries []journalEntry // a ring of at most journalSize
	next    int            // where the next entry goes once the ring is full
	lastID  string         // the newest stream record this node added
	unread  []string       // records added, not yet passed by the tailer: at most journalSize
	// overflow is set when an unread ID was dropped to keep the bound: the
	// tailer then verifies the whole journal instead.
	overflow bool
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
	if xid == "" {
		return
	}
	if compareIDs(xid, j.lastID) > 0 {
		j.lastID = xid
	}
	if len(j.unread) == journalSize {
		j.unread = j.unread[1:]
		j.overflow = true
	}
	j.unread = append(j.unread, xid)
}

// passed removes and returns the unread IDs up to last, which the tailer
// has now passed, and whether some were dropped unchecked (overflow).
func (j *journal) passed(last string) (ids []string, overflow bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	keep := j.unread[:0]
	for _, id := range j.unread {
		if compareIDs(id, last) <= 0 {
			ids = append(ids, id)
		} else {
			keep = append(keep, id)
		}
	}
	clear(j.unread[len(keep):])
	j.unread = keep
	overflow, j.overflow = j.overflow, false
	return ids, overflow
}

// newestUnread returns the newest record this node added that the tailer
// has not passed yet, "" when there is none.
func (j *journal) newestUnread() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	newest := ""
	for _, id := range j.unread {
		if newest == "" || compareIDs(id, newest) > 0 {
			newest = id
		}
	}
	return newest
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
