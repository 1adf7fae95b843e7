package codec

import "testing"

// TestStacksReleasedClear checks that the stacks of a parser that gave up
// half-way go back to the pool without the session data they held.
func TestStacksReleasedClear(t *testing.T) {
	// The fast path gives up on the escaped string after two members and
	// an element have been pushed.
	doc := []byte(`{"a":"secret","b":["secret",{"c":"secret\u0041"}]}`)
	st := &jsonStacks{members: make([]jsonMember, 0, 8), elems: make([]any, 0, 8)}
	p := jsonParser{b: doc, s: string(doc), members: st.members, elems: st.elems}
	if _, ok := p.top(); ok {
		t.Fatal("the fast path handled an escaped string")
	}
	if len(p.members) == 0 || len(p.elems) == 0 {
		t.Fatalf("nothing left on the stacks (%d members, %d elements): the test does not test", len(p.members), len(p.elems))
	}
	st.release(p.members, p.elems)
	for i, m := range st.members[:cap(st.members)] {
		if m.k != "" || m.v != nil {
			t.Errorf("member %d still holds %q: %v", i, m.k, m.v)
		}
	}
	for i, e := range st.elems[:cap(st.elems)] {
		if e != nil {
			t.Errorf("element %d still holds %v", i, e)
		}
	}
}
