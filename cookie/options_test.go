package cookie_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
)

func TestOptionsValidation(t *testing.T) {
	ring := newRing(t)
	bad := map[string]cookie.Options{
		"no keys":           {},
		"name with space":   {Keys: ring, Name: "my session"},
		"name with ;":       {Keys: ring, Name: "a;b"},
		"purpose too long":  {Keys: ring, Audience: strings.Repeat("a", 255)},
		"idle > absolute":   {Keys: ring, IdleTimeout: time.Hour, AbsoluteTimeout: time.Minute},
		"sub-second idle":   {Keys: ring, IdleTimeout: time.Millisecond},
		"reissue >= idle":   {Keys: ring, IdleTimeout: 10 * time.Minute, ReissueAfter: 10 * time.Minute},
		"typed nil ring":    {Keys: (*keyring.Ring)(nil)},
		"typed nil watcher": {Keys: (*keyring.Watcher)(nil)},
		"tiny token cap":    {Keys: ring, MaxTokenLen: 50},
		"serializer id > 7": {Keys: ring, Serializer: badIDSerializer{}},
	}
	for name, o := range bad {
		if _, err := cookie.New(o); !errors.Is(err, cookie.ErrBadOptions) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A negative skew or grace means none.
	for _, o := range []cookie.Options{{Keys: ring, Skew: -1}, {Keys: ring, ReissueGrace: -1}} {
		s, err := cookie.New(o)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	// Only a short absolute timeout: the idle timeout follows it down.
	s, err := cookie.New(cookie.Options{Keys: ring, AbsoluteTimeout: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, _ := s.NewRecord(cookie.CreateOptions{})
	if r.IdleDeadline() != r.Expires() {
		t.Fatal("idle timeout not capped by a short absolute timeout")
	}
}

type badIDSerializer struct{ mapOnlyJSON }

func (badIDSerializer) ID() codec.SerializerID { return 9 }
