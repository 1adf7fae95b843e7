package middleware

import (
	"sync"
	"time"
)

// unavailableLogEvery is how often, at most, a Manager logs at Warn that
// the revocation set is unavailable: during an outage every request that
// brings a session meets it, and a line each would flood the log.
const unavailableLogEvery = 10 * time.Second

// logLimit lets a log line through at most once per unavailableLogEvery,
// counting the lines it holds back for the next one to report.
type logLimit struct {
	mu   sync.Mutex
	next time.Time // when the next line may go through; zero: at once
	held uint64    // lines held back since the last one went through
}

// allow reports whether a line may go through now and, if so, how many
// were held back since the last one.
func (l *logLimit) allow() (ok bool, held uint64) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.next) {
		l.held++
		return false, 0
	}
	l.next = now.Add(unavailableLogEvery)
	held, l.held = l.held, 0
	return true, held
}
