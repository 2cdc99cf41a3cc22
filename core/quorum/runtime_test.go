package quorum

import (
	"errors"
	"testing"
)

// TestApplyTwoNode: two nodes of one vote each, only the local one present.
// Without two_node the quorum is 2 and the node is not quorate; switching
// two_node on at run time lowers it to 1 (quorate), and off raises it back.
func TestApplyTwoNode(t *testing.T) {
	in, _, err := Setup(Settings{}, []ConfigNode{{ID: 1, Votes: 1}, {ID: 2, Votes: 1}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if in.Quorate || in.Quorum != 2 {
		t.Fatalf("start: quorum %d quorate %v", in.Quorum, in.Quorate)
	}
	r, err := ApplyTwoNode(in, true)
	if err != nil {
		t.Fatal(err)
	}
	on := in.Apply(r)
	if !on.Quorate || on.Quorum != 1 || !on.Options.TwoNode || !on.QDevice.Disabled || r.Flags&InfoTwoNode == 0 {
		t.Fatalf("two_node on: quorum %d quorate %v options %+v qdevice %+v flags %#x", on.Quorum, on.Quorate, on.Options, on.QDevice, r.Flags)
	}
	r, err = ApplyTwoNode(on, false)
	if err != nil {
		t.Fatal(err)
	}
	off := on.Apply(r)
	if off.Quorate || off.Quorum != 2 || off.Options.TwoNode || off.QDevice.Disabled {
		t.Fatalf("two_node off: quorum %d quorate %v options %+v", off.Quorum, off.Quorate, off.Options)
	}
	atb, _, err := Setup(Settings{AutoTieBreaker: ATBLowest, WaitForAll: true, WaitForAllSet: true}, []ConfigNode{{ID: 1, Votes: 1}, {ID: 2, Votes: 1}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ApplyTwoNode(atb, true); !errors.Is(err, ErrInvalidParam) {
		t.Fatalf("two_node with auto_tie_breaker: %v", err)
	}
}
