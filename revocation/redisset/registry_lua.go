package redisset

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/crumbhq/crumb/registry"
)

// A registry entry is one field of its subject's hash: the session ID in
// lower-case hex (32 characters) → "created:lastseen:expires:labels",
// the times in whole seconds since 1970 and the labels as a JSON object,
// or nothing when there are none. The scripts below read the three times
// with the pattern ^(%d+):(%d+):(%d+): and keep the labels as they are.

// regSecs converts t to whole seconds since 1970 (rounding down), clamped
// to 0 … 2^32-1 as registry.Local does, so that every value fits the
// scripts' numbers exactly.
func regSecs(t time.Time) int64 {
	return min(max(t.Unix(), 0), math.MaxUint32)
}

// appendValue appends the hash value of an entry to b.
func appendValue(b []byte, created, lastSeen, expires int64, labels string) []byte {
	b = strconv.AppendInt(b, created, 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, lastSeen, 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, expires, 10)
	b = append(b, ':')
	return append(b, labels...)
}

// encodeLabels returns the stored form of labels, already validated: ""
// for none.
func encodeLabels(labels map[string]string) (string, error) {
	if len(labels) == 0 {
		return "", nil
	}
	b, err := json.Marshal(labels) // keys sorted: the same labels, the same bytes
	return string(b), err
}

// decodeLabels parses the stored form of labels; ok is false when it is
// not a JSON object of strings within the limits.
func decodeLabels(s string) (labels map[string]string, ok bool) {
	if s == "" {
		return nil, true
	}
	if err := json.Unmarshal([]byte(s), &labels); err != nil || labels == nil || registry.ValidateLabels(labels) != nil {
		return nil, false
	}
	return labels, true
}

// parseEntry decodes one field and value of subject's hash. labelsOK is
// false when the times and ID parse but the labels do not (the entry is
// then returned without them); ok is false when nothing usable is there.
func parseEntry(subject, field, value string) (e registry.Entry, ok, labelsOK bool) {
	if len(field) != 2*len(e.ID) || !decodeHexID(&e.ID, field) {
		return e, false, false
	}
	var t [3]int64
	rest := value
	for i := range t {
		var num string
		var found bool
		num, rest, found = strings.Cut(rest, ":")
		n, err := strconv.ParseUint(num, 10, 32)
		if !found || err != nil {
			return e, false, false
		}
		t[i] = int64(n)
	}
	e.Subject = subject
	e.Created, e.LastSeen, e.Expires = time.Unix(t[0], 0), time.Unix(t[1], 0), time.Unix(t[2], 0)
	e.Labels, labelsOK = decodeLabels(rest)
	return e, true, labelsOK
}

// decodeHexID decodes the lower-case hex s, as encodeHexID writes it, into
// id.
func decodeHexID(id *registry.ID, s string) bool {
	for i := range id {
		hi, ok1 := unhex(s[2*i])
		lo, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		id[i] = hi<<4 | lo
	}
	return true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// encodeHexID returns id in lower-case hex, the field name of its entry.
func encodeHexID(id *registry.ID) string {
	const digits = "0123456789abcdef"
	var b [2 * len(registry.ID{})]byte
	for i, c := range id {
		b[2*i], b[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(b[:])
}

// addScript registers an entry (Registry.Add), atomically and in one round
// trip. KEYS[1] is the subject's hash; ARGV: now, the per-subject maximum,
// the entry's field (hex ID), its value, its expires.
//
// It drops the subject's entries expired at now (and any value it cannot
// read) and the entry of the same ID. If the new entry is live, it evicts
// the least recently seen of the others (then the oldest created, then the
// smallest ID) until fewer than the maximum remain, stores the entry, and
// sets the key to expire with the latest of its entries. It returns
// {pruned, stored (0 or 1), field, value, field, value, …} with the
// evicted entries.
var addScript = redis.NewScript(`
local key = KEYS[1]
local now, max, id, expires = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[5])
local all = redis.call('HGETALL', key)
local live, drop, pruned = {}, {}, 0
for i = 1, #all, 2 do
	local f, v = all[i], all[i + 1]
	local c, s, e = string.match(v, '^(%d+):(%d+):(%d+):')
	if f == id then
		drop[#drop + 1] = f
	elseif not e or tonumber(e) <= now then
		drop[#drop + 1] = f
		pruned = pruned + 1
	else
		live[#live + 1] = {f, tonumber(s), tonumber(c), tonumber(e), v, e}
	end
end
local out, first = {pruned, 0}, 1
if expires > now and #live >= max then
	table.sort(live, function(a, b)
		if a[2] ~= b[2] then return a[2] < b[2] end
		if a[3] ~= b[3] then return a[3] < b[3] end
		return a[1] < b[1]
	end)
	first = #live - max + 2
	for i = 1, first - 1 do
		drop[#drop + 1] = live[i][1]
		out[#out + 1] = live[i][1]
		out[#out + 1] = live[i][5]
	end
end
for i = 1, #drop, 256 do
	redis.call('HDEL', key, unpack(drop, i, math.min(i + 255, #drop)))
end
if expires > now then
	redis.call('HSET', key, id, ARGV[4])
	out[2] = 1
	local latest, latestStr = expires, ARGV[5]
	for i = first, #live do
		if live[i][4] > latest then latest, latestStr = live[i][4], live[i][6] end
	end
	redis.call('EXPIREAT', key, latestStr)
end
return out
`)

// seenScript updates an entry's last seen time (Registry.Seen), never
// adding one. KEYS[1] is the subject's hash; ARGV: the field (hex ID), the
// time, "1" to replace the labels or "0" to keep them, the new labels. The
// last seen time never goes back. It returns 1 if the entry is there.
var seenScript = redis.NewScript(`
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
local c, s, e, labels = string.match(v, '^(%d+):(%d+):(%d+):(.*)$')
if not c then return 0 end
if tonumber(ARGV[2]) > tonumber(s) then s = ARGV[2] end
if ARGV[3] == '1' then labels = ARGV[4] end
redis.call('HSET', KEYS[1], ARGV[1], c .. ':' .. s .. ':' .. e .. ':' .. labels)
return 1
`)

// removeBeforeScript drops the entries created before ARGV[1] from the
// hash KEYS[1] (Registry.RemoveBefore) and returns how many.
var removeBeforeScript = redis.NewScript(`
local all = redis.call('HGETALL', KEYS[1])
local before, drop = tonumber(ARGV[1]), {}
for i = 1, #all, 2 do
	local c = string.match(all[i + 1], '^(%d+):')
	if c and tonumber(c) < before then drop[#drop + 1] = all[i] end
end
for i = 1, #drop, 256 do
	redis.call('HDEL', KEYS[1], unpack(drop, i, math.min(i + 255, #drop)))
end
return #drop
`)
