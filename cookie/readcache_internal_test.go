package cookie

import (
	"context"
	"hash/maphash"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/token"
	"github.com/crumbhq/crumb/keyring"
)

// TestReadCacheGivesTheSameRecord reads each token with a store that
// remembers tokens (three times: the third read is answered from what the
// second remembered) and with one that does not: the records are equal,
// field by field.
func TestReadCacheGivesTheSameRecord(t *testing.T) {
	ctx := context.Background()
	k, err := keyring.NewKey(keyring.StatePrimary)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keyring.NewRing(k)
	if err != nil {
		t.Fatal(err)
	}
	newStore := func(cache int) *Store {
		s, err := New(Options{Keys: ring, ReadCache: cache, RememberTimeout: 48 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	cached, uncached := newStore(0), newStore(-1)
	for _, o := range []CreateOptions{
		{},
		{Subject: "alice", Data: map[string]any{"cart": []any{"a", "b"}, "n": 1}},
		{Subject: "bob", Metadata: map[string]string{"device": "phone"}, Remember: true},
		{Metadata: map[string]string{"a": "1", "b": "2"}},
		{Data: map[string]any{"big": strings.Repeat("lorem ipsum ", 300)}},
		{Data: "not a map"},
	} {
		tok, err := cached.Create(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		want, err := uncached.Read(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		// The second read puts the token in the cache, the third is
		// answered from it.
		for i := range 3 {
			hits := cached.stats.cacheHits.Load()
			got, err := cached.Read(ctx, tok)
			if err != nil {
				t.Fatal(err)
			}
			if hit := cached.stats.cacheHits.Load() > hits; hit != (i == 2) {
				t.Fatalf("%+v: read %d answered from the cache: %v", o, i, hit)
			}
			// A record from the cache shares the payload's members, split
			// once: the same as splitting it now.
			if i == 2 && len(want.data.payload) > 0 && o.Data != "not a map" {
				split, err := codec.JSON{}.SplitObject(want.data.payload)
				if err != nil || !reflect.DeepEqual(got.data.index, split) {
					t.Fatalf("%+v: members %q, want %q", o, got.data.index, split)
				}
			}
			got.data.index = nil
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%+v: read %d differs:\n got  %+v\n want %+v", o, i, got, want)
			}
		}
	}
}

// TestReadCacheAccounting checks the shard invariants after a mix of puts,
// replacements, removals and evictions: the map and the clock hold the
// same entries, each knows its place, and the sizes add up.
func TestReadCacheAccounting(t *testing.T) {
	c := newReadCache(readCacheShards * minShardBudget)
	if newReadCache(readCacheShards*minShardBudget-1) != nil {
		t.Fatal("a cache too small to hold anything was made")
	}
	ring := &keyring.Ring{}
	tok := func(i int) string {
		return strings.Repeat("t", 10+i%300) + string(rune('a'+i%26)) + strings.Repeat("x", i%7)
	}
	for i := range 20000 {
		switch i % 5 {
		case 3:
			c.remove(tok(i / 2))
		case 4:
			c.get(tok(i/3), ring)
		default:
			// Twice: a token gets in on its second put.
			for range 2 - i%5 {
				c.put(maphash.String(c.seed, tok(i)), tok(i), ring, new(token.Opened), make([]byte, i%500), nil)
			}
		}
	}
	for i := range c.shards {
		sh := &c.shards[i]
		size := 0
		if len(sh.m) != len(sh.clock) {
			t.Fatalf("shard %d: %d in the map, %d in the clock", i, len(sh.m), len(sh.clock))
		}
		for j, e := range sh.clock {
			if e.index != j || sh.m[e.key] != e {
				t.Fatalf("shard %d: entry %d misplaced", i, j)
			}
			size += e.size
		}
		if size != sh.size || size > c.budget {
			t.Fatalf("shard %d: %d bytes counted, %d held, budget %d", i, sh.size, size, c.budget)
		}
	}
}
