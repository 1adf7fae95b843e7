package keyring

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{
		StatePrimary: "primary", StateActive: "active", StateRetired: "retired",
		0: "State(0)", 4: "State(4)", 255: "State(255)",
	} {
		if got := s.String(); got != want {
			t.Errorf("State(%d).String() = %q, want %q", uint8(s), got, want)
		}
	}
	if StatePrimary == 0 || StateActive == 0 || StateRetired == 0 {
		t.Error("a known state is the zero value")
	}
}

func TestParseState(t *testing.T) {
	for _, s := range []State{StatePrimary, StateActive, StateRetired} {
		got, err := ParseState(s.String())
		if err != nil || got != s {
			t.Errorf("ParseState(%q) = %v, %v", s.String(), got, err)
		}
	}
	for _, in := range []string{"", "Primary", "PRIMARY", " primary", "primary ", "primary\n", "enabled", "disabled", "State(1)", "1", "prim"} {
		if got, err := ParseState(in); !errors.Is(err, ErrBadKey) || got != 0 {
			t.Errorf("ParseState(%q) = %v, %v; want 0, ErrBadKey", in, got, err)
		}
	}
}

func TestStateText(t *testing.T) {
	for _, s := range []State{StatePrimary, StateActive, StateRetired} {
		b, err := s.MarshalText()
		if err != nil || string(b) != s.String() {
			t.Errorf("%v.MarshalText() = %q, %v", s, b, err)
		}
		var got State
		if err := got.UnmarshalText(b); err != nil || got != s {
			t.Errorf("UnmarshalText(%q) = %v, %v", b, got, err)
		}
	}
	if _, err := State(0).MarshalText(); !errors.Is(err, ErrBadKey) {
		t.Errorf("State(0).MarshalText() error = %v, want ErrBadKey", err)
	}
	s := StateActive
	if err := s.UnmarshalText([]byte("bogus")); !errors.Is(err, ErrBadKey) || s != StateActive {
		t.Errorf("UnmarshalText(bogus) = %v, left %v; want ErrBadKey and no change", err, s)
	}
}

func TestStateJSON(t *testing.T) {
	type doc struct{ S State }
	b, err := json.Marshal(doc{StateRetired})
	if err != nil || string(b) != `{"S":"retired"}` {
		t.Errorf("json.Marshal = %s, %v", b, err)
	}
	var d doc
	if err := json.Unmarshal([]byte(`{"S":"active"}`), &d); err != nil || d.S != StateActive {
		t.Errorf("json.Unmarshal = %v, %v", d.S, err)
	}
	if err := json.Unmarshal([]byte(`{"S":"Active"}`), &d); err == nil {
		t.Error("json.Unmarshal accepted a case-folded state")
	}
	if _, err := json.Marshal(doc{}); err == nil {
		t.Error("json.Marshal accepted the zero State")
	}
}
