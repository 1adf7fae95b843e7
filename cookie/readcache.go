package cookie

import (
	"hash/maphash"
	"maps"
	"sync"
	"sync/atomic"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/token"
	"github.com/crumbhq/crumb/keyring"
)

// DefaultReadCache is the default memory, in bytes, for tokens already
// opened (Options.ReadCache).
const DefaultReadCache = 4 << 20

// readCacheShards splits the cache so that concurrent reads of different
// tokens rarely wait for each other.
const readCacheShards = 16

// entryOverhead is what an entry costs besides the bytes counted by
// size, rounded up: the entry itself (288 bytes with its allocation
// class), its map slot, its place in the clock, and the spare capacity of
// the buffer the token was decoded into. TestReadCacheHeap holds the
// accounting to the heap it really takes.
const entryOverhead = 384

// minShardBudget is the smallest budget of a shard: below it, no cache.
const minShardBudget = 8 << 10

// A readCache remembers the tokens a store opened successfully, so that the
// next read of the same token — a browser sends its cookie unchanged until
// the cookie is rewritten — skips the decoding, the decryption and the
// decompression. It never skips a check that can change between two reads:
// the store applies its timeouts, the clock and the revocation set to every
// read, hit or miss. An entry holds only what opening the token yielded,
// which is a function of the token and the ring it was opened with: a hit
// needs the same token, byte for byte, and the same ring (a key rotation
// or a reload of the keyring misses every entry opened before it).
//
// A token gets in on its second successful open, not its first: one seen
// once (a session created and read in the same request, an API client
// that never sends a token twice) costs a hash and one word in seen, not
// an entry that would evict one read again and again, and the memory and
// garbage-collection work an entry brings. seen is a direct-mapped table
// of token hashes, a word for every 256 bytes of budget.
//
// Memory is bounded by the budget, in bytes, counted as the token, its
// decoded bytes, the decompressed payload and a fixed overhead per entry;
// when full, a clock (second-chance) sweep evicts entries not read since
// the last sweep. Only successfully opened tokens get in, so filling it
// takes valid tokens, and a token taking more than an eighth of its shard
// is never cached: one session cannot evict all the others.
//
// When the keyring changes (a rotation, a reload), every entry is
// dropped at the next read: none can be hit again, and none keeps the
// previous ring, and its keys, in memory.
type readCache struct {
	seed   maphash.Seed
	budget int                          // bytes per shard
	seen   []atomic.Uint64              // hashes of tokens opened once; len a power of 2
	ring   atomic.Pointer[keyring.Ring] // the ring of the entries
	reset  sync.Mutex                   // one forget at a time
	shards [readCacheShards]cacheShard
}

type cacheShard struct {
	mu    sync.RWMutex
	m     map[uint64]*cacheEntry
	clock []*cacheEntry // every entry of m, in no particular order
	hand  int
	size  int
}

// cacheEntry is what opening tok under ring yielded. Nothing in it is
// written after it is stored except used; the records made from it share
// payload and the strings of opened, which they never modify.
type cacheEntry struct {
	key     uint64
	tok     string
	ring    *keyring.Ring
	opened  token.Opened // Body cleared: payload replaces it
	payload []byte
	members map[string][]byte // payload's members; nil if not an object
	size    int
	index   int         // in the shard's clock; guarded by its lock
	used    atomic.Bool // read since the clock hand last passed
}

// newReadCache returns a cache of about budget bytes, or nil for a budget
// too small to hold anything (no cache).
func newReadCache(budget int) *readCache {
	per := budget / readCacheShards
	if per < minShardBudget {
		return nil
	}
	c := &readCache{seed: maphash.MakeSeed(), budget: per}
	n := 1
	for n < budget/256 {
		n *= 2
	}
	c.seen = make([]atomic.Uint64, n)
	for i := range c.shards {
		c.shards[i].m = make(map[uint64]*cacheEntry)
	}
	return c
}

func (c *readCache) shard(key uint64) *cacheShard {
	return &c.shards[key%readCacheShards]
}

// get returns the entry for tok opened under ring, or nil, and tok's
// hash, for put.
func (c *readCache) get(tok string, ring *keyring.Ring) (*cacheEntry, uint64) {
	if c == nil {
		return nil, 0
	}
	if c.ring.Load() != ring {
		c.forget(ring)
	}
	key := maphash.String(c.seed, tok)
	sh := c.shard(key)
	sh.mu.RLock()
	e := sh.m[key]
	sh.mu.RUnlock()
	if e == nil || e.tok != tok || e.ring != ring {
		return nil, key
	}
	if !e.used.Load() {
		e.used.Store(true)
	}
	return e, key
}

// put stores what opening tok (whose hash is key) under ring yielded, if
// tok was opened before. o's strings and body share the buffer the token
// was decoded into; payload is the decoded body. With obj (the store's
// serializer, when it is a codec.ObjectSerializer) the payload is split
// into its members once, for every record read from the entry.
func (c *readCache) put(key uint64, tok string, ring *keyring.Ring, o *token.Opened, payload []byte, obj codec.ObjectSerializer) {
	if c == nil {
		return
	}
	if slot := &c.seen[key&uint64(len(c.seen)-1)]; slot.Load() != key {
		slot.Store(key) // the first time: remember the hash only
		return
	}
	var index map[string][]byte
	if obj != nil && len(payload) > 0 {
		index, _ = obj.SplitObject(payload) // nil if not an object: key access fails as it would without
	}
	// The decoded token is about 3/4 of its length; the claims' strings and
	// metadata live in that buffer.
	size := entryOverhead + len(tok) + len(tok)*3/4 + cap(payload) + 32*len(o.Metadata) + 64*len(index)
	if size > c.budget/8 {
		return
	}
	e := &cacheEntry{key: key, tok: tok, ring: ring, opened: *o, payload: payload, members: index, size: size}
	e.opened.Body = nil
	// The record that opened the token has o's metadata map, and may
	// change it.
	e.opened.Metadata = maps.Clone(o.Metadata)
	sh := c.shard(e.key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if old := sh.m[e.key]; old != nil {
		// The same token read twice at once, or (rarely) another token
		// with the same 64-bit hash: the newer replaces it.
		sh.remove(old)
	}
	for sh.size+size > c.budget {
		sh.evict()
	}
	sh.m[e.key] = e
	e.index = len(sh.clock)
	sh.clock = append(sh.clock, e)
	sh.size += size
}

// forget drops every entry and makes ring the ring of those to come. A
// request that loaded the ring just before a change may switch it back
// for a moment: entries still hit only under the ring they were opened
// with.
func (c *readCache) forget(ring *keyring.Ring) {
	c.reset.Lock()
	defer c.reset.Unlock()
	if c.ring.Load() == ring {
		return
	}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		clear(sh.m)
		clear(sh.clock)
		sh.clock, sh.hand, sh.size = sh.clock[:0], 0, 0
		sh.mu.Unlock()
	}
	c.ring.Store(ring)
}

// remove drops tok's entry, if any.
func (c *readCache) remove(tok string) {
	if c == nil {
		return
	}
	key := maphash.String(c.seed, tok)
	sh := c.shard(key)
	sh.mu.Lock()
	if e := sh.m[key]; e != nil && e.tok == tok {
		sh.remove(e)
	}
	sh.mu.Unlock()
}

// evict drops one entry not used since the hand last passed it. It ends
// within two turns of the clock, as each step either evicts or clears a
// used mark. The shard's lock is held.
func (sh *cacheShard) evict() {
	for {
		if sh.hand >= len(sh.clock) {
			sh.hand = 0
		}
		e := sh.clock[sh.hand]
		if e.used.Swap(false) {
			sh.hand++
			continue
		}
		sh.remove(e)
		return
	}
}

// remove drops e, which is in the shard. The shard's lock is held.
func (sh *cacheShard) remove(e *cacheEntry) {
	delete(sh.m, e.key)
	sh.size -= e.size
	last := len(sh.clock) - 1
	moved := sh.clock[last]
	sh.clock[e.index], moved.index = moved, e.index
	sh.clock[last] = nil
	sh.clock = sh.clock[:last]
}

// stats returns the number of entries and their bytes, as counted against
// the budget.
func (c *readCache) stats() (entries, bytes int) {
	if c == nil {
		return 0, 0
	}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		entries += len(sh.m)
		bytes += sh.size
		sh.mu.RUnlock()
	}
	return entries, bytes
}
