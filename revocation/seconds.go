package revocation

import (
	"encoding/hex"
	"math"
	"time"
)

// MaxSubjectLen is the longest subject RevokeSubject accepts, in bytes.
const MaxSubjectLen = 1024

// maxSeconds is the latest time the set can represent: 2106-02-07T06:28:15Z,
// the largest uint32 number of seconds since the Unix epoch.
const maxSeconds = math.MaxUint32

// secs converts t to whole seconds since the Unix epoch (rounding down),
// clamped to the uint32 range: times before 1970 become 0 and times after
// 2106-02-07T06:28:15Z become maxSeconds. Clamping an until keeps the entry
// for as long as the set can count; clamping a before or an issued-at
// makes the comparisons saturate, which is harmless for tokens of a
// lifetime of days.
func secs(t time.Time) uint32 {
	u := t.Unix()
	switch {
	case u <= 0:
		return 0
	case u >= maxSeconds:
		return maxSeconds
	}
	return uint32(u)
}

// idPrefix is what logs may show of a session ID: its first 4 bytes as 8
// hex digits, enough to correlate, too little to replay.
func idPrefix(id ID) string {
	return hex.EncodeToString(id[:4])
}
