package codec

import (
	"bytes"
	"math"
	"testing"
)

// TestScratchBufferHoldsNoData: marshalJSON builds into a pooled buffer;
// once it returns (or failed part way, as on NaN) the pooled buffer holds
// nothing of the value.
func TestScratchBufferHoldsNoData(t *testing.T) {
	for _, c := range []struct {
		v     map[string]any
		fails bool
	}{
		{map[string]any{"password_reset": "hunter2"}, false},
		{map[string]any{"password_reset": "hunter2", "z": math.NaN()}, true},
	} {
		found := false
		for range 20 { // the pool may drop a buffer (a collection ran): try again
			mine := make([]byte, 0, 4<<10)
			scratchPool.Put(&mine)
			_, err := marshalJSON(c.v)
			if (err != nil) != c.fails {
				t.Fatalf("marshalJSON(%v): %v", c.v, err)
			}
			bp := scratchPool.Get().(*[]byte)
			if bp != &mine {
				continue
			}
			b := (*bp)[:cap(*bp)]
			if i := bytes.IndexFunc(b, func(r rune) bool { return r != 0 }); i >= 0 {
				t.Fatalf("the pooled buffer holds data at %d: %.40q", i, b[i:])
			}
			found = true
			break
		}
		if !found {
			t.Error("marshalJSON never used the buffer put in the pool")
		}
	}
}
