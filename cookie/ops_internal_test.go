package cookie

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"math"
	"testing"

	"github.com/crumbhq/crumb/keyring"
)

// TestCreateBufferHoldsNoSessionData: Create serializes the data into a
// pooled buffer; once the token is sealed (or sealing failed) the buffer is
// back in the pool and holds nothing of the session.
func TestCreateBufferHoldsNoSessionData(t *testing.T) {
	k, err := keyring.NewKey(keyring.StatePrimary)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keyring.NewRing(k)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Keys: ring})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var nb [8 << 10]byte
	rand.Read(nb[:])
	noise := base64.StdEncoding.EncodeToString(nb[:])
	for _, c := range []struct {
		data  map[string]any
		fails bool
	}{
		{map[string]any{"password_reset": "hunter2"}, false},
		// too large for a token: sealing fails
		{map[string]any{"password_reset": "hunter2", "big": noise}, true},
		// not JSON: serializing fails after "hunter2" is written
		{map[string]any{"password_reset": "hunter2", "z": math.NaN()}, true},
	} {
		found := false
		for range 20 { // the pool may drop a buffer (a collection ran): try again
			mine := make([]byte, 0, 16<<10)
			payloadBuffers.Put(&mine)
			_, err := s.Create(context.Background(), CreateOptions{Data: c.data})
			if (err != nil) != c.fails {
				t.Fatalf("Create(%v): %v", c.data, err)
			}
			bp := payloadBuffers.Get().(*[]byte)
			if bp != &mine {
				continue // Create got another buffer, or this one was dropped
			}
			b := (*bp)[:cap(*bp)]
			if len(*bp) != 0 {
				t.Fatalf("pooled buffer has length %d", len(*bp))
			}
			if i := bytes.IndexFunc(b, func(r rune) bool { return r != 0 }); i >= 0 {
				t.Fatalf("the pooled buffer holds session data at %d: %.40q", i, b[i:])
			}
			found = true
			break
		}
		if !found {
			t.Error("Create never used the buffer put in the pool")
		}
	}
}
