package quorum

import (
	"slices"
	"testing"
)

// Section 2.4: calculate_quorum.

func TestRuleQuorumIsMaxOfHalfExpectedAndHalfTotal(t *testing.T) {
	cases := []struct {
		name     string
		ev       uint32
		members  []uint32
		dead     []uint32
		votes    map[uint32]uint32
		quorate  bool
		quorum   uint32
		total    uint32
		expected uint32
	}{
		{"3 of 3", 3, ids(1, 3), nil, nil, true, 2, 3, 3},
		{"2 of 3", 3, ids(1, 2), []uint32{3}, nil, true, 2, 2, 3},
		{"1 of 3", 3, ids(1, 1), ids(2, 3), nil, false, 2, 1, 3},
		{"4 of 4", 4, ids(1, 4), nil, nil, true, 3, 4, 4},
		{"2 of 4 (half is not a majority)", 4, ids(1, 2), ids(3, 4), nil, false, 3, 2, 4},
		{"3 of 6", 6, ids(1, 3), ids(4, 6), nil, false, 4, 3, 6},
		{"5 of 8", 8, ids(1, 5), ids(6, 8), nil, true, 5, 5, 8},
		{"weighted votes: the 3-vote node alone", 5, []uint32{1}, ids(2, 3), map[uint32]uint32{1: 3}, true, 3, 3, 5},
		{"weighted votes: two 1-vote nodes", 5, ids(2, 3), []uint32{1}, map[uint32]uint32{1: 3}, false, 3, 2, 5},
		{"total above expected raises expected (1 -> 3)", 1, ids(1, 3), nil, nil, true, 2, 3, 3},
		{"total votes floor: expected 2 with 5 present", 2, ids(1, 5), nil, nil, true, 3, 5, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := view(tc.members[0], tc.ev, tc.members, tc.dead, Options{})
			for i := range in.Nodes {
				if v, ok := tc.votes[in.Nodes[i].ID]; ok {
					in.Nodes[i].Votes = v
				}
			}
			r := Calculate(in)
			flags := uint32(0)
			if tc.quorate {
				flags = InfoQuorate
			}
			check(t, r, want{quorate: tc.quorate, quorum: tc.quorum, total: tc.total, expected: tc.expected, flags: flags})
		})
	}
}

func TestRuleHighestExpectedCountsOnlyMembers(t *testing.T) {
	in := view(1, 3, ids(1, 3), []uint32{4}, Options{})
	in.Nodes[3].ExpectedVotes = 9 // dead node advertised 9
	r := Calculate(in)
	if r.HighestExpected != 3 || r.Quorum != 2 {
		t.Fatalf("highest %d quorum %d, want 3 and 2", r.HighestExpected, r.Quorum)
	}
	in.Nodes[2].ExpectedVotes = 7 // a member advertising more wins
	r = Calculate(in)
	if r.HighestExpected != 7 || r.Quorum != 4 || r.Quorate {
		t.Fatalf("highest %d quorum %d quorate %v, want 7, 4, false", r.HighestExpected, r.Quorum, r.Quorate)
	}
}

func TestRuleExpectedVotesOnlyRatchetUpAutomatically(t *testing.T) {
	in := view(1, 2, ids(1, 3), nil, Options{})
	in, r := settle(in)
	if !r.ExpectedChanged || r.ExpectedVotes != 3 {
		t.Fatalf("first: changed %v expected %d, want EXPECTED notification with 3", r.ExpectedChanged, r.ExpectedVotes)
	}
	if got := nodeOf(t, r.Nodes, 2).ExpectedVotes; got != 2 {
		t.Fatalf("only the local node's expected votes are raised, node 2 has %d", got)
	}
	// A node leaves: expected stays 3 (no automatic decrease), no notification.
	in, r, _ = split(in, ids(1, 2))
	if r.ExpectedChanged || r.ExpectedVotes != 3 || !r.Quorate {
		t.Fatalf("after leave: %+v", r)
	}
	_ = in
}

func TestRuleQuorumNeverDecreasesUnlessAllowed(t *testing.T) {
	in := view(1, 3, ids(1, 3), nil, Options{})
	in.Quorum = 4 // left over from a larger cluster
	if r := Calculate(in); r.Quorum != 4 || r.Quorate {
		t.Fatalf("Calculate lowered quorum: %d quorate %v", r.Quorum, r.Quorate)
	}
	if r := Recalculate(in, true, false); r.Quorum != 2 || !r.Quorate {
		t.Fatalf("Recalculate(allowDecrease) quorum %d quorate %v, want 2 true", r.Quorum, r.Quorate)
	}
}

func TestRuleTwoNodeForcesQuorumOneWithAtMostTwoVotingEntities(t *testing.T) {
	opts := Options{TwoNode: true}
	both := view(1, 2, ids(1, 2), nil, opts)
	check(t, Calculate(both), want{quorate: true, quorum: 1, total: 2, expected: 2, flags: InfoTwoNode | InfoQuorate})

	one := view(1, 2, ids(1, 1), []uint32{2}, opts)
	one.Quorum = 1
	check(t, Calculate(one), want{quorate: true, quorum: 1, total: 1, expected: 2, flags: InfoTwoNode | InfoQuorate})

	three := view(1, 3, ids(1, 3), nil, opts)
	check(t, Calculate(three), want{quorate: true, quorum: 2, total: 3, expected: 3, flags: InfoTwoNode | InfoQuorate})

	// A voting quorum device is a third voting entity.
	withDevice := view(1, 3, ids(1, 2), nil, opts)
	withDevice.QDevice.Votes = 1
	withDevice.Nodes[0].Flags = NodeQDeviceRegistered | NodeQDeviceAlive | NodeQDeviceCastVote
	r := Calculate(withDevice)
	if r.Quorum != 2 || r.TotalVotes != 3 {
		t.Fatalf("two_node with a voting device: quorum %d total %d, want 2 and 3", r.Quorum, r.TotalVotes)
	}
}

func TestRuleDeviceVotesCountOnlyWhenLocalDeviceCastsVote(t *testing.T) {
	in := view(1, 5, ids(1, 2), ids(3, 4), Options{})
	in.QDevice.Votes = 1
	in.Nodes[0].Flags = NodeQDeviceRegistered | NodeQDeviceAlive
	check(t, Calculate(in), want{quorate: false, quorum: 3, total: 2, expected: 5,
		flags: InfoQDeviceRegistered | InfoQDeviceAlive})
	in.Nodes[0].Flags |= NodeQDeviceCastVote
	check(t, Calculate(in), want{quorate: true, quorum: 3, total: 3, expected: 5,
		flags: InfoQuorate | InfoQDeviceRegistered | InfoQDeviceAlive | InfoQDeviceCastVote})
	// Another member's cast vote does not count for us.
	in.Nodes[0].Flags = NodeQDeviceRegistered
	in.Nodes[1].Flags = NodeQDeviceRegistered | NodeQDeviceAlive | NodeQDeviceCastVote
	if r := Calculate(in); r.TotalVotes != 2 || r.Quorate {
		t.Fatalf("remote cast vote counted: %+v", r)
	}
}

func TestRuleDeviceWithVotesRaisesExpected(t *testing.T) {
	// get_total_votes counts device votes whenever they are non-zero, so
	// expected rises even though the device casts no vote (the
	// testvotequorum1 quirk, see setvotes below).
	in := view(1, 1, ids(1, 1), nil, Options{})
	in.QDevice.Votes = 1
	r := Calculate(in)
	check(t, r, want{quorate: false, quorum: 2, total: 1, expected: 2})
	if !r.ExpectedChanged || r.QuorateChanged {
		t.Fatalf("notifications: expected %v quorate %v", r.ExpectedChanged, r.QuorateChanged)
	}
}

// wait_for_all (2.4 are_we_quorate, 2.5).

func TestRuleWaitForAllBlocksUntilAllVotesPresentOnce(t *testing.T) {
	opts := Options{WaitForAll: true}
	in := view(1, 3, ids(1, 2), []uint32{3}, opts)
	in, r := settle(in)
	check(t, r, want{quorate: false, quorum: 2, total: 2, expected: 3, flags: InfoWaitForAll})
	if !r.WaitForAllStatus || nodeOf(t, r.Nodes, 1).Flags&NodeWFAStatus == 0 {
		t.Fatal("latch must stay set while waiting")
	}

	in, r, _ = split(in, ids(1, 3))
	check(t, r, want{quorate: true, quorum: 2, total: 3, expected: 3, flags: InfoWaitForAll | InfoQuorate})
	if r.WaitForAllStatus || !r.QuorateChanged {
		t.Fatalf("all present: latch %v changed %v", r.WaitForAllStatus, r.QuorateChanged)
	}

	// After all were seen once, losing one node keeps quorum.
	in, r, _ = split(in, ids(1, 2))
	if !r.Quorate || r.WaitForAllStatus {
		t.Fatalf("after all seen, 2 of 3: quorate %v latch %v", r.Quorate, r.WaitForAllStatus)
	}

	// Losing quorum re-arms the latch...
	in, r, _ = split(in, ids(1, 1))
	if r.Quorate || !r.WaitForAllStatus {
		t.Fatalf("1 of 3: quorate %v latch %v", r.Quorate, r.WaitForAllStatus)
	}
	// ... so a majority is not enough any more: all must be back.
	in, r, _ = split(in, ids(1, 2))
	if r.Quorate {
		t.Fatal("re-armed wait_for_all granted quorum to 2 of 3")
	}
	_, r, _ = split(in, ids(1, 3))
	if !r.Quorate {
		t.Fatal("all back: not quorate")
	}
}

func TestRuleWaitForAllComparesWithLocalExpectedVotes(t *testing.T) {
	// total_votes must equal the local node's expected votes exactly.
	in := view(1, 4, ids(1, 3), nil, Options{WaitForAll: true})
	if r := Calculate(in); r.Quorate {
		t.Fatal("3 votes of expected 4 passed wait_for_all")
	}
}

func TestRuleWaitForAllClearedByQuoratePeer(t *testing.T) {
	// Node 4 restarts into a running 5-node cluster where 1..3 are quorate.
	s := Settings{WaitForAll: true, WaitForAllSet: true}
	cfg := []ConfigNode{{1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}}
	in, _, err := Setup(s, cfg, 4)
	if err != nil {
		t.Fatal(err)
	}
	in, _ = SyncInit(in, ids(1, 4))
	var r Result
	for _, id := range ids(1, 3) {
		r, _ = ReceiveNodeInfo(in, Node{ID: id, Votes: 1, ExpectedVotes: 5, Flags: NodeQuorate})
		in = in.Apply(r)
	}
	if !r.Quorate || r.WaitForAllStatus {
		t.Fatalf("joining a quorate cluster: quorate %v latch %v", r.Quorate, r.WaitForAllStatus)
	}
	// A peer that is itself still waiting does not release the latch.
	in2, _, _ := Setup(s, cfg, 4)
	in2, _ = SyncInit(in2, ids(4, 5))
	r, _ = ReceiveNodeInfo(in2, Node{ID: 5, Votes: 1, ExpectedVotes: 5, Flags: NodeWFAStatus})
	if r.Quorate || !r.WaitForAllStatus {
		t.Fatalf("waiting peer released the latch: %+v", r)
	}
	r, _ = ReceiveNodeInfo(in2, Node{ID: 5, Votes: 1, ExpectedVotes: 5, Flags: NodeWFAStatus | NodeQuorate})
	if !r.WaitForAllStatus {
		t.Fatalf("peer reporting a wait_for_all status released the latch: %+v", r)
	}
}

// auto_tie_breaker (2.4, 2.5).

// evenSplit returns the two halves' results after a 4-node cluster that was
// quorate as a whole splits into {1,2} and {3,4}.
func evenSplit(t *testing.T, opts Options) (low, high Result) {
	t.Helper()
	whole, r := settle(view(1, 4, ids(1, 4), nil, opts))
	if !r.Quorate || r.LowestNodeID != 1 || r.HighestNodeID != 4 {
		t.Fatalf("whole cluster: %+v", r)
	}
	_, low, _ = split(whole, ids(1, 2))
	other := whole
	other.Self = 3
	_, high, _ = split(other, ids(3, 4))
	return low, high
}

func TestRuleATBLowestKeepsTheHalfWithTheLowestID(t *testing.T) {
	low, high := evenSplit(t, Options{AutoTieBreaker: ATBLowest})
	check(t, low, want{quorate: true, quorum: 3, total: 2, expected: 4, flags: InfoQuorate | InfoAutoTieBreaker})
	check(t, high, want{quorate: false, quorum: 3, total: 2, expected: 4, flags: InfoAutoTieBreaker})
}

func TestRuleATBHighestKeepsTheHalfWithTheHighestID(t *testing.T) {
	low, high := evenSplit(t, Options{AutoTieBreaker: ATBHighest})
	if low.Quorate || !high.Quorate {
		t.Fatalf("low %v high %v, want false true", low.Quorate, high.Quorate)
	}
}

func TestRuleATBListFirstPresentWins(t *testing.T) {
	low, high := evenSplit(t, Options{AutoTieBreaker: ATBList, ATBNodes: []uint32{3, 1}})
	if low.Quorate || !high.Quorate {
		t.Fatalf("list 3 1: low %v high %v, want false true", low.Quorate, high.Quorate)
	}
	low, high = evenSplit(t, Options{AutoTieBreaker: ATBList, ATBNodes: []uint32{2, 3}})
	if !low.Quorate || high.Quorate {
		t.Fatalf("list 2 3: low %v high %v, want true false", low.Quorate, high.Quorate)
	}
}

func TestRuleATBListEarlierNodeInPreviousMembershipDenies(t *testing.T) {
	// List "4 1": {1,2} holds 1, but 4 ranks earlier and was in the
	// previous membership, so it may be quorate on the other side.
	low, high := evenSplit(t, Options{AutoTieBreaker: ATBList, ATBNodes: []uint32{4, 1}})
	if low.Quorate || !high.Quorate {
		t.Fatalf("low %v high %v", low.Quorate, high.Quorate)
	}
	// List "9 1": 9 was never a member, so {1,2} wins.
	low, high = evenSplit(t, Options{AutoTieBreaker: ATBList, ATBNodes: []uint32{9, 1}})
	if !low.Quorate || high.Quorate {
		t.Fatalf("list 9 1: low %v high %v", low.Quorate, high.Quorate)
	}
	// No listed node present at all: nobody wins the tie.
	low, high = evenSplit(t, Options{AutoTieBreaker: ATBList, ATBNodes: []uint32{9}})
	if low.Quorate || high.Quorate {
		t.Fatalf("list 9: low %v high %v", low.Quorate, high.Quorate)
	}
}

func TestRuleATBOnlyOnExactHalf(t *testing.T) {
	whole, _ := settle(view(1, 4, ids(1, 4), nil, Options{AutoTieBreaker: ATBLowest}))
	_, r, _ := split(whole, ids(1, 1))
	if r.Quorate {
		t.Fatal("1 of 4 quorate by tie-breaker")
	}
	// 6 nodes: the half {1,2,3} wins the tie, but shrinking further to
	// {1,2} (only one node left this time) is no longer a half.
	whole, _ = settle(view(1, 6, ids(1, 6), nil, Options{AutoTieBreaker: ATBLowest}))
	half, r, _ := split(whole, ids(1, 3))
	if !r.Quorate {
		t.Fatal("half with the lowest id not quorate")
	}
	if _, r, _ = split(half, ids(1, 2)); r.Quorate {
		t.Fatal("a third of the cluster quorate by tie-breaker")
	}
}

func TestRuleATBRefusedWhenTheOtherSideMayBeQuorate(t *testing.T) {
	// 5 votes split 2/3: total 2 == 5/2, but 5-2 = 3 nodes left, which is
	// not below quorum 3, so the other side may be quorate: no tie-break.
	whole, _ := settle(view(1, 5, ids(1, 5), nil, Options{AutoTieBreaker: ATBLowest, WaitForAll: true}))
	_, small, _ := split(whole, ids(1, 2))
	other := whole
	other.Self = 3
	_, big, _ := split(other, ids(3, 5))
	if small.Quorate || !big.Quorate {
		t.Fatalf("small %v big %v, want false true", small.Quorate, big.Quorate)
	}
}

func TestRuleATBNeedsToHaveBeenQuorate(t *testing.T) {
	// The lowest/highest ids are latched only while quorate.
	in := view(1, 4, ids(1, 2), ids(3, 4), Options{AutoTieBreaker: ATBLowest})
	in.PreviousMembers = ids(1, 4)
	if r := Calculate(in); r.Quorate {
		t.Fatal("tie-breaker applied without a latched lowest id")
	}
}

// qdevice master_wins (2.4).

func TestRuleMasterWinsMakesThePartitionQuorate(t *testing.T) {
	in := view(1, 5, []uint32{1}, ids(2, 4), Options{})
	in.QDevice = QDevice{Name: "qd", Votes: 1}
	in.Nodes[0].Flags = NodeQDeviceRegistered | NodeQDeviceAlive | NodeQDeviceCastVote
	check(t, Calculate(in), want{quorate: false, quorum: 3, total: 2, expected: 5,
		flags: InfoQDeviceRegistered | InfoQDeviceAlive | InfoQDeviceCastVote})

	in.Nodes[0].Flags |= NodeQDeviceMasterWins
	check(t, Calculate(in), want{quorate: true, quorum: 3, total: 2, expected: 5,
		flags: InfoQuorate | InfoQDeviceRegistered | InfoQDeviceAlive | InfoQDeviceCastVote | InfoQDeviceMasterWins})

	// master_wins without a cast vote does nothing.
	in.Nodes[0].Flags &^= NodeQDeviceCastVote
	if Calculate(in).Quorate {
		t.Fatal("master_wins without a cast vote made the node quorate")
	}
}

func TestRuleMasterWinsCountsAnyMemberCastingVote(t *testing.T) {
	in := view(1, 6, ids(1, 2), ids(3, 5), Options{})
	in.QDevice = QDevice{Name: "qd", Votes: 1}
	in.Nodes[0].Flags = NodeQDeviceRegistered | NodeQDeviceMasterWins
	in.Nodes[1].Flags = NodeQDeviceRegistered | NodeQDeviceAlive | NodeQDeviceCastVote | NodeQDeviceMasterWins
	if !Calculate(in).Quorate {
		t.Fatal("member 2 casts the master vote: partition must be quorate")
	}
	// A dead node's flags do not count.
	in.Nodes[1].State = StateDead
	if Calculate(in).Quorate {
		t.Fatal("dead node's master vote counted")
	}
	// Without master_wins enabled locally, a member's master vote is ignored.
	in.Nodes[1].State = StateMember
	in.Nodes[0].Flags = NodeQDeviceRegistered
	if Calculate(in).Quorate {
		t.Fatal("master_wins applied although not enabled on the local node")
	}
}

func TestRuleQuorateChangeReported(t *testing.T) {
	in, r := settle(view(1, 3, ids(1, 3), nil, Options{}))
	if !r.QuorateChanged {
		t.Fatal("first quorate: no change reported")
	}
	in, r = settle(in)
	if r.QuorateChanged {
		t.Fatal("no flip, change reported")
	}
	_, r, _ = split(in, ids(1, 1))
	if !r.QuorateChanged || r.Quorate {
		t.Fatalf("lost quorum: %+v", r)
	}
}

func TestResultCarriesOnlyCopies(t *testing.T) {
	in := view(1, 2, ids(1, 3), nil, Options{})
	before := slices.Clone(in.Nodes)
	r := Calculate(in)
	r.Nodes[0].Votes = 99
	if !slices.Equal(in.Nodes, before) {
		t.Fatal("Calculate modified its input")
	}
	r2 := Calculate(in)
	if !slices.Equal(r2.Nodes, Calculate(in).Nodes) || r2.Nodes[0].Votes != 1 {
		t.Fatal("results share memory")
	}
}
