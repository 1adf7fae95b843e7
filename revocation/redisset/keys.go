package redisset

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crumbhq/crumb/revocation"
)

// The three kinds of entry, as they appear in keys, stream records and the
// outbox.
const (
	kindSession = 's' // RevokeSession
	kindToken   = 't' // RevokeIssuedBefore
	kindSubject = 'u' // RevokeSubject (u for user)
)

// hashTag is the Cluster hash tag every key carries, so that an entry's key
// and the stream are in one slot and one script can write both.
const hashTag = "{rev}"

// keys names the Set's Redis keys under one prefix.
type keys struct {
	base   string // prefix + "{rev}:"
	stream string // base + "stream"
	match  string // SCAN pattern of the entry keys
}

func newKeys(prefix string) keys {
	base := prefix + hashTag + ":"
	return keys{base: base, stream: base + "stream", match: base + "[stu]:*"}
}

// entry returns the key of the entry of kind with the hex name name.
func (k keys) entry(kind byte, name string) string {
	return k.base + string(kind) + ":" + name
}

// parse splits an entry key into its kind and hex name; ok is false for a
// key that is not an entry of this prefix.
func (k keys) parse(key string) (kind byte, name string, ok bool) {
	rest, found := strings.CutPrefix(key, k.base)
	if !found || len(rest) < 3 || rest[1] != ':' {
		return 0, "", false
	}
	return rest[0], rest[2:], true
}

// call is one Revoke call, as the script and the outbox take it. Times are
// seconds since the Unix epoch, as in package revocation.
type call struct {
	kind   byte
	id     revocation.ID     // session and token calls
	skey   [sha256.Size]byte // subject calls: SHA-256 of the subject
	before uint32            // token and subject calls
	eff    uint32            // token calls: effective
	until  uint32
	at     uint32 // token calls: the time of the call
}

// name is the hex name of the call's entry.
func (c *call) name() string {
	if c.kind == kindSubject {
		return hex.EncodeToString(c.skey[:])
	}
	return hex.EncodeToString(c.id[:])
}

// secs converts t to whole seconds since the Unix epoch, rounding down and
// clamping to the uint32 range, exactly as package revocation does.
func secs(t time.Time) uint32 {
	u := t.Unix()
	switch {
	case u <= 0:
		return 0
	case u >= math.MaxUint32:
		return math.MaxUint32
	}
	return uint32(u)
}

// revokeScript merges one call into its entry and, when the entry changed,
// appends the entry's new state to the stream, trimmed to about ARGV[3]
// records: both in one atomic step.
//
//	KEYS[1] the entry, KEYS[2] the stream
//	ARGV    kind, hex name, stream max length, now,
//	        then session: until; token: before, effective, until, at;
//	        subject: before, until
//
// It returns {1, state, stream ID} when the entry changed and {0, state}
// when it did not ("" when the call was a no-op because until is past). The state
// strings are those of the entry's value and of the stream's "v" field:
//
//	session  until
//	token    hard:soft:effective:until:version
//	subject  before:until
//
// The token merge is revocation.Local's: a soft window already in effect at
// the time of the call folds into hard, a pending one is widened but never
// postponed. version counts the entry's changes so that a replica applies
// the newest state's effective time whatever order it sees states in.
// Keys expire (PXAT) at the end of their until second.
var revokeScript = redis.NewScript(`
local kind = ARGV[1]
local now = tonumber(ARGV[4])
local cur = redis.call('GET', KEYS[1])
local val, u
if kind == 's' then
  u = tonumber(ARGV[5])
  if u < now then return {0, ''} end
  local old = 0
  if cur then old = tonumber(cur) or 0 end
  if cur and u <= old then return {0, cur} end
  val = string.format('%d', u)
elseif kind == 't' then
  local before, eff, at = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[8])
  u = tonumber(ARGV[7])
  if u < now then return {0, ''} end
  local h, s, e, uu, ver = 0, 0, 0, 0, 0
  if cur then
    local a, b, c, d, v = string.match(cur, '^(%d+):(%d+):(%d+):(%d+):(%d+)$')
    if a then h, s, e, uu, ver = tonumber(a), tonumber(b), tonumber(c), tonumber(d), tonumber(v) end
  end
  local nh, ne = h, e
  if at >= e or s <= h then
    nh = math.max(h, s)
    ne = eff
  else
    ne = math.min(e, eff)
  end
  local ns = math.max(s, before)
  u = math.max(uu, u)
  if cur and nh == h and ns == s and ne == e and u == uu then return {0, cur} end
  val = string.format('%d:%d:%d:%d:%d', nh, ns, ne, u, ver + 1)
elseif kind == 'u' then
  local before = tonumber(ARGV[5])
  u = tonumber(ARGV[6])
  if u < now then return {0, ''} end
  local b, uu = 0, 0
  if cur then
    local x, y = string.match(cur, '^(%d+):(%d+)$')
    if x then b, uu = tonumber(x), tonumber(y) end
  end
  local nb = math.max(b, before)
  u = math.max(uu, u)
  if cur and nb == b and u == uu then return {0, cur} end
  val = string.format('%d:%d', nb, u)
else
  return redis.error_reply('crumb: unknown entry kind')
end
redis.call('SET', KEYS[1], val, 'PXAT', string.format('%d', (u + 1) * 1000))
local xid = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'k', kind, 'i', ARGV[2], 'v', val)
return {1, val, xid}
`)

// scriptArgs returns the script's ARGV for c at now.
func (c *call) scriptArgs(maxLen int64, now uint32) []any {
	args := []any{string(c.kind), c.name(), maxLen, now}
	switch c.kind {
	case kindSession:
		args = append(args, c.until)
	case kindToken:
		args = append(args, c.before, c.eff, c.until, c.at)
	case kindSubject:
		args = append(args, c.before, c.until)
	}
	return args
}

// parseScriptReply decodes the script's reply into the state and the ID
// of the stream record it added ("" when the entry did not change).
func parseScriptReply(v any) (state, xid string, err error) {
	r, ok := v.([]any)
	if !ok || len(r) < 2 {
		return "", "", fmt.Errorf("redisset: unexpected script reply %T", v)
	}
	state, _ = r[1].(string)
	if n, _ := r[0].(int64); n == 1 && len(r) == 3 {
		xid, _ = r[2].(string)
	}
	return state, xid, nil
}

// sessionState, tokenState and subjectState are the states of the three
// kinds of entry, as stored in Redis and in the replica.
type tokenState struct {
	hard, soft, eff, until uint32
	ver                    uint64
	// pendSoft and pendEff (replica only) are the soft bound and effective
	// time after this node's last local merge (mergeTokenCall), kept until
	// a state from Redis covers them; pendSoft is 0 when none is pending.
	pendSoft, pendEff uint32
}

type subjectState struct {
	before, until uint32
}

func parseUint32(s string) (uint32, bool) {
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err == nil
}

func parseSessionState(s string) (until uint32, ok bool) { return parseUint32(s) }

func parseTokenState(s string) (tokenState, bool) {
	f := strings.Split(s, ":")
	if len(f) != 5 {
		return tokenState{}, false
	}
	var t tokenState
	var ok [4]bool
	t.hard, ok[0] = parseUint32(f[0])
	t.soft, ok[1] = parseUint32(f[1])
	t.eff, ok[2] = parseUint32(f[2])
	t.until, ok[3] = parseUint32(f[3])
	ver, err := strconv.ParseUint(f[4], 10, 64)
	t.ver = ver
	return t, ok == [4]bool{true, true, true, true} && err == nil
}

func parseSubjectState(s string) (subjectState, bool) {
	b, u, found := strings.Cut(s, ":")
	if !found {
		return subjectState{}, false
	}
	var st subjectState
	var ok1, ok2 bool
	st.before, ok1 = parseUint32(b)
	st.until, ok2 = parseUint32(u)
	return st, ok1 && ok2
}

// decodeName decodes the hex name of an entry of kind into dst (16 bytes
// for sessions and tokens, 32 for subjects).
func decodeName(kind byte, name string, dst []byte) bool {
	want := 16
	if kind == kindSubject {
		want = sha256.Size
	}
	if len(name) != 2*want || len(dst) < want {
		return false
	}
	_, err := hex.Decode(dst[:want], []byte(name))
	return err == nil
}
