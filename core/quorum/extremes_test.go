package quorum

import (
	"errors"
	"math"
	"testing"
)

// TestNoWrapAtTheExtremes: 0, 1 and UINT32_MAX votes and expected votes
// (issue 10). corosync 3.1.7 does its sums in 32 bits: where no sum wraps
// goha gives corosync's result; where one would, corosync's answer is an
// accident of the wrap (setexpected(UINT_MAX) is CS_OK there with quorum
// (UINT_MAX+2)/2 = 0, so 2 of 3 votes are quorate against 4294967295
// expected) and goha computes the real figures instead.
func TestNoWrapAtTheExtremes(t *testing.T) {
	const max = math.MaxUint32
	three, _ := settle(view(1, 3, ids(1, 3), nil, Options{}))
	lone, _ := settle(view(1, 3, ids(1, 1), ids(2, 3), Options{})) // inquorate

	for _, tc := range []struct {
		name     string
		in       Input
		expected uint32
		ok       bool
		quorum   uint32 // after applying, when ok
		quorate  bool
	}{
		// corosync: 0 and 1 are below the 3 votes present: CS_ERR_INVALID_PARAM.
		{"0 of 3 present", three, 0, false, 0, false},
		{"1 of 3 present", three, 1, false, 0, false},
		// corosync: CS_OK with a wrapped quorum of 2. Really: quorum 2^31,
		// which would make the quorate cluster inquorate: refused.
		{"UINT32_MAX, quorate", three, max, false, 0, false},
		// While inquorate setexpected may raise freely (corosync's rule):
		// quorum is then 2^31, not a wrapped 0.
		{"UINT32_MAX, inquorate", lone, max, true, 1 << 31, false},
		{"1, inquorate", lone, 1, true, 1, true},
	} {
		err := ValidateSetExpected(tc.in, tc.expected)
		if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, ErrInvalidParam)) {
			t.Errorf("setexpected(%d) %s: %v, want ok=%v", tc.expected, tc.name, err, tc.ok)
			continue
		}
		if tc.ok {
			r := ApplySetExpected(tc.in, tc.expected)
			if r.Quorum != tc.quorum || r.Quorate != tc.quorate || r.ExpectedVotes != tc.expected {
				t.Errorf("setexpected(%d) %s: quorum %d quorate %v expected %d, want %d %v %d",
					tc.expected, tc.name, r.Quorum, r.Quorate, r.ExpectedVotes, tc.quorum, tc.quorate, tc.expected)
			}
		}
	}

	for _, tc := range []struct {
		votes uint32
		ok    bool
	}{
		{0, true},        // corosync: quorum max((3+2)/2, (2+2)/2) = 2 within [1, 2]: CS_OK
		{1, true},        // unchanged
		{max, false},     // corosync: the total wraps to 1, quorum 2 > 1: INVALID; here: 2^32+1 votes cannot be held
		{max - 1, false}, // a total of 2^32: cannot be held either
		// A total of exactly UINT32_MAX fits: quorum 2^31, held by node 2
		// (corosync refuses, but only because (total+2)/2 wraps to 0).
		{max - 2, true},
	} {
		err := ValidateSetVotes(three, 2, tc.votes)
		if tc.ok != (err == nil) {
			t.Errorf("setvotes(2, %d): %v, want ok=%v", tc.votes, err, tc.ok)
		}
	}
	r := ApplySetVotes(three, 2, 0)
	if r.TotalVotes != 2 || r.Quorum != 2 || !r.Quorate {
		t.Errorf("after setvotes(2, 0): %+v", r)
	}
	r = ApplySetVotes(three, 2, max-2)
	if r.TotalVotes != max || r.Quorum != 1<<31 || !r.Quorate || r.ExpectedVotes != max {
		t.Errorf("after setvotes(2, UINT32_MAX-2): total %d quorum %d quorate %v expected %d", r.TotalVotes, r.Quorum, r.Quorate, r.ExpectedVotes)
	}

	// A node table whose votes and expected votes sit at the limit: the
	// arithmetic saturates upwards (more votes needed), never wraps to a
	// small quorum.
	huge := Input{Self: 1, Members: ids(1, 2), PreviousMembers: ids(1, 2), Nodes: []Node{
		{ID: 1, State: StateMember, Votes: max, ExpectedVotes: max},
		{ID: 2, State: StateMember, Votes: max, ExpectedVotes: max},
	}}
	r = Calculate(huge)
	if r.Quorum < 1<<31 || r.TotalVotes != max {
		t.Errorf("votes at UINT32_MAX: quorum %d total %d (a wrap would give a tiny quorum)", r.Quorum, r.TotalVotes)
	}
	info, _ := GetInfo(huge.Apply(r), 1)
	if info.TotalVotes != max || info.Quorum != r.Quorum {
		t.Errorf("getinfo at UINT32_MAX: %+v", info)
	}
	for _, in := range []Input{huge, {Self: 1, Members: ids(1, 1), Nodes: []Node{{ID: 1, State: StateMember}}}} {
		if r := Calculate(in); r.Quorum == 0 {
			t.Errorf("quorum 0 for %+v", in.Nodes)
		}
	}
	if _, _, err := Setup(Settings{}, []ConfigNode{{ID: 1, Votes: max}, {ID: 2, Votes: max}}, 1); !errors.Is(err, ErrConfig) {
		t.Errorf("Setup with 2 x UINT32_MAX votes: %v", err)
	}
	if in, _, err := Setup(Settings{ExpectedVotes: max}, []ConfigNode{{ID: 1, Votes: 1}}, 1); err != nil || in.Quorum != 1<<31 {
		t.Errorf("Setup with expected UINT32_MAX: quorum %d %v", in.Quorum, err)
	}
}
