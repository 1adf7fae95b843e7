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

// The kinds of entry, as they appear in keys, stream records and the
// outbox, and the owner index.
const (
	kindSession = 's' // RevokeSession
	kindToken   = 't' // RevokeIssuedBefore
	kindSubject = 'u' // RevokeSubject, and collapses (u for user)
	kindOwner   = 'o' // a subject's session and issued-before entries
)

// hashTag is the Cluster hash tag every key carries, so that every key and
// the stream are in one slot and one script can write them all.
const hashTag = "{rev}"

// keys names the Set's Redis keys under one prefix.
type keys struct {
	base   string // prefix + "{rev}:"
	stream string // base + "stream"
	match  string // SCAN pattern of the entry keys and owner indexes
}

func newKeys(prefix string) keys {
	base := prefix + hashTag + ":"
	return keys{base: base, stream: base + "stream", match: base + "[stuo]:*"}
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
	kind    byte
	id      revocation.ID     // session and token calls
	skey    [sha256.Size]byte // SHA-256 of the subject: the subject's own (subject calls), the session's (others)
	created uint32            // session and token calls: the session's created-at
	before  uint32            // token and subject calls
	eff     uint32            // token calls: effective
	until   uint32
	at      uint32 // token calls: the time of the call
}

// name is the hex name of the call's entry.
func (c *call) name() string {
	if c.kind == kindSubject {
		return hex.EncodeToString(c.skey[:])
	}
	return hex.EncodeToString(c.id[:])
}

// owner is the hex name of the subject the call's entry belongs to ("" for
// one read from an outbox of an older version, which knows none).
func (c *call) owner() string {
	if c.skey == ([sha256.Size]byte{}) {
		return ""
	}
	return hex.EncodeToString(c.skey[:])
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
// records, all in one atomic step. It keeps every subject small, as
// revocation.Local does: a session its subject's entry already revokes
// needs no entry (the subject entry's until is extended if needed); a
// subject holds at most ARGV[8] session and issued-before entries, listed
// in its owner index (a hash of session ID to created-at, with "_u" the
// latest until); the entry that would exceed it first drops the expired
// ones from the index and, if the subject is still full, collapses the
// others into the subject entry, which then revokes every session of the
// subject created up to the newest of them; a subject entry deletes the
// entries it makes redundant. Nothing is ever refused.
//
//	KEYS[1] the entry, KEYS[2] the stream, KEYS[3] the subject entry,
//	KEYS[4] the owner index, KEYS[5] the session's other entry (token for
//	a session call, session for a token call; unused for subjects)
//	ARGV    kind, hex name, stream max length, now,
//	        key base, hex owner ("" for none), created, per-subject bound,
//	        then session: until; token: before, effective, until, at;
//	        subject: before, until
//
// It returns {1, state, stream ID} when it wrote something — the ID of the
// last stream record it added, which may be a collapse's or an extended
// subject entry's even when the call's own entry did not change — and {0,
// state} when it wrote nothing. state is the entry's state after the call,
// "" when the call has no entry: its until is past, the subject's entry
// covers the session, or (an issued-before call) the session's session
// entry revokes every token as long. The state strings are those of the entry's value and
// of the stream's "v" field:
//
//	session  until
//	token    hard:soft:effective:until:version
//	subject  before:until
//
// Session and token records in the stream also carry "o", the owner's hex
// name, and "c", the created-at, so that every replica keeps the same
// per-subject index; values stay in the format nodes of older versions
// read. The token merge is revocation.Local's: a soft window already in
// effect at the time of the call folds into hard, a pending one is widened
// but never postponed. version counts the entry's changes so that a
// replica applies the newest state's effective time whatever order it sees
// states in. Keys expire (PXAT) at the end of their until second.
var revokeScript = redis.NewScript(`
local kind = ARGV[1]
local name = ARGV[2]
local now = tonumber(ARGV[4])
local base, owner, created, bound = ARGV[5], ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8])
local xid = ''

local function pxat(u) return string.format('%d', (u + 1) * 1000) end
local function add(k, i, v, withOwner)
  if withOwner and owner ~= '' then
    xid = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'k', k, 'i', i, 'v', v, 'o', owner, 'c', string.format('%d', created))
  else
    xid = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'k', k, 'i', i, 'v', v)
  end
end
local function subject(key)
  local cur = redis.call('GET', key)
  if cur then
    local x, y = string.match(cur, '^(%d+):(%d+)$')
    if x then return tonumber(x), tonumber(y) end
  end
  return nil, nil
end
local function setSubject(key, b, u)
  local v = string.format('%d:%d', b, u)
  redis.call('SET', key, v, 'PXAT', pxat(u))
  add('u', string.sub(key, #base + 3), v, false)
  return v
end
local function entryUntil(id)
  local u = tonumber(redis.call('GET', base .. 's:' .. id) or '')
  local tv = redis.call('GET', base .. 't:' .. id)
  if tv then
    local tu = tonumber(string.match(tv, '^%d+:%d+:%d+:(%d+):%d+$') or '')
    if tu and (not u or tu > u) then u = tu end
  end
  return u
end
-- drop deletes the owner index's entries that a subject entry (b, u)
-- revokes as long as they do.
local function drop(b, u)
  local m = redis.call('HGETALL', KEYS[4])
  for i = 1, #m, 2 do
    local id, c = m[i], tonumber(m[i + 1])
    if id ~= '_u' and c and c < b then
      local eu = entryUntil(id)
      if not eu or eu <= u then
        redis.call('DEL', base .. 's:' .. id, base .. 't:' .. id)
        redis.call('HDEL', KEYS[4], id)
      end
    end
  end
  if redis.call('HLEN', KEYS[4]) <= 1 then redis.call('DEL', KEYS[4]) end
end
-- collapse folds the owner index's live entries into the subject entry.
local function collapse()
  local m = redis.call('HGETALL', KEYS[4])
  local b, u = 0, 0
  for i = 1, #m, 2 do
    local id, c = m[i], tonumber(m[i + 1])
    if id ~= '_u' and c then
      local eu = entryUntil(id)
      if eu and eu >= now then
        b = math.max(b, c + 1)
        u = math.max(u, eu)
      end
      redis.call('DEL', base .. 's:' .. id, base .. 't:' .. id)
    end
  end
  redis.call('DEL', KEYS[4])
  if b > 0 then
    local sb, su = subject(KEYS[3])
    setSubject(KEYS[3], math.max(b, sb or 0), math.max(u, su or 0))
  end
end
-- covered reports whether the subject entry already revokes the session
-- (extending it to u if needed).
local function covered(u)
  if owner == '' then return false end
  local sb, su = subject(KEYS[3])
  if sb and created < sb then
    if u > su then setSubject(KEYS[3], sb, u) end
    return true
  end
  return false
end
-- purge removes from the owner index the entries that expired or went.
local function purge()
  local m = redis.call('HKEYS', KEYS[4])
  for _, id in ipairs(m) do
    if id ~= '_u' then
      local eu = entryUntil(id)
      if not eu or eu < now then redis.call('HDEL', KEYS[4], id) end
    end
  end
end
local function full()
  return redis.call('HLEN', KEYS[4]) - 1 >= bound
end
-- own prepares a session or token entry: true when the subject entry
-- already revokes the session, after collapsing the subject's entries if
-- a new one would exceed the bound.
local function own(u)
  if owner == '' then return false end
  if covered(u) then return true end
  if redis.call('HEXISTS', KEYS[4], name) == 0 and full() then
    purge()
    if full() then
      collapse()
      return covered(u)
    end
  end
  return false
end
-- unchanged replies for a call that did not change its own entry: {1,
-- state, xid} when the call still wrote something (a collapse, a subject
-- entry extended), {0, state} when it wrote nothing.
local function unchanged(state)
  if xid ~= '' then return {1, state, xid} end
  return {0, state}
end
local function index(u)
  if owner == '' then return end
  redis.call('HSET', KEYS[4], name, string.format('%d', created))
  local ou = math.max(tonumber(redis.call('HGET', KEYS[4], '_u') or '0') or 0, u)
  redis.call('HSET', KEYS[4], '_u', string.format('%d', ou))
  redis.call('PEXPIREAT', KEYS[4], pxat(ou))
end

local cur, val, u
if kind == 's' then
  u = tonumber(ARGV[9])
  if u < now then return {0, ''} end
  if own(u) then return unchanged('') end
  cur = redis.call('GET', KEYS[1])
  local old = 0
  if cur then old = tonumber(cur) or 0 end
  if cur and u <= old then return unchanged(cur) end
  val = string.format('%d', u)
  -- a token entry of the session is redundant once every token is revoked as long
  local tv = redis.call('GET', KEYS[5])
  if tv then
    local tu = tonumber(string.match(tv, '^%d+:%d+:%d+:(%d+):%d+$') or '')
    if tu and tu <= u then redis.call('DEL', KEYS[5]) end
  end
elseif kind == 't' then
  local before, eff, at = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[12])
  u = tonumber(ARGV[11])
  if u < now then return {0, ''} end
  if own(u) then return unchanged('') end
  local su = tonumber(redis.call('GET', KEYS[5]) or '')
  if su and su >= u then return unchanged('') end
  cur = redis.call('GET', KEYS[1])
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
  if cur and nh == h and ns == s and ne == e and u == uu then return unchanged(cur) end
  val = string.format('%d:%d:%d:%d:%d', nh, ns, ne, u, ver + 1)
elseif kind == 'u' then
  local before = tonumber(ARGV[9])
  u = tonumber(ARGV[10])
  if u < now then return {0, ''} end
  cur = redis.call('GET', KEYS[1])
  local b, uu = subject(KEYS[1])
  b, uu = b or 0, uu or 0
  local nb = math.max(b, before)
  u = math.max(uu, u)
  if cur and nb == b and u == uu then return {0, cur} end
  val = setSubject(KEYS[1], nb, u)
  drop(nb, u)
  return {1, val, xid}
else
  return redis.error_reply('crumb: unknown entry kind')
end
redis.call('SET', KEYS[1], val, 'PXAT', pxat(u))
index(u)
add(kind, name, val, true)
return {1, val, xid}
`)

// scriptKeys returns the script's KEYS for c, whose hex name and owner
// are name and owner (c.name() and c.owner(): computed once by the caller).
// A subject call's owner is its own subject.
func (k keys) scriptKeys(c *call, name, owner string) []string {
	other := kindToken
	if c.kind == kindToken {
		other = kindSession
	}
	return []string{k.entry(c.kind, name), k.stream, k.entry(kindSubject, owner), k.entry(kindOwner, owner), k.entry(byte(other), name)}
}

// scriptArgs returns the script's ARGV for c, as scriptKeys names it, at
// now.
func (c *call) scriptArgs(name, owner string, maxLen int64, now uint32, base string, bound int) []any {
	args := []any{string(c.kind), name, maxLen, now, base, owner, c.created, bound}
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
