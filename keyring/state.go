package keyring

import (
	"fmt"
	"strconv"
)

// State is the lifecycle state of a key in a ring. The zero value is invalid:
// every key must have its state set explicitly.
//
// In text (keyring files, the environment form, JSON, logs) states are the
// lower-case words "primary", "active" and "retired".
type State uint8

const (
	// StatePrimary marks the one key of a ring that seals new tokens. It
	// also opens tokens. A ring has exactly one primary key.
	StatePrimary State = iota + 1
	// StateActive marks a key that opens tokens but never seals: a key
	// being introduced (before promotion) or one being phased out (after
	// demotion).
	StateActive
	// StateRetired marks a key whose tokens are refused. Keeping a retired
	// key in the ring documents that its ID was used; Ring.Open rejects
	// tokens under it exactly like tokens under an unknown key.
	StateRetired
)

// String returns "primary", "active" or "retired", or "State(N)" for a value
// that is not a known state.
func (s State) String() string {
	switch s {
	case StatePrimary:
		return "primary"
	case StateActive:
		return "active"
	case StateRetired:
		return "retired"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// valid reports whether s is one of the three known states.
func (s State) valid() bool {
	return s >= StatePrimary && s <= StateRetired
}

// ParseState parses "primary", "active" or "retired" (exactly, lower case).
// Any other input returns an error wrapping ErrBadKey. The error does not
// quote the input, in case a secret was pasted into the wrong place.
func ParseState(s string) (State, error) {
	switch s {
	case "primary":
		return StatePrimary, nil
	case "active":
		return StateActive, nil
	case "retired":
		return StateRetired, nil
	}
	return 0, fmt.Errorf("%w: unknown state (want \"primary\", \"active\" or \"retired\")", ErrBadKey)
}

// MarshalText implements encoding.TextMarshaler. It fails for a state that is
// not one of the three known states, so an invalid state never reaches a file.
func (s State) MarshalText() ([]byte, error) {
	if !s.valid() {
		return nil, fmt.Errorf("%w: cannot marshal invalid %v", ErrBadKey, s)
	}
	return []byte(s.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with the rules of
// ParseState.
func (s *State) UnmarshalText(text []byte) error {
	v, err := ParseState(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
