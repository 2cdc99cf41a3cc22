package quorum

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// Section 2.2: setexpected.

func TestRuleSetExpectedBelowTotalVotesIsInvalid(t *testing.T) {
	in, _ := settle(view(1, 3, ids(1, 3), nil, Options{}))
	for _, ev := range []uint32{0, 1, 2} {
		if err := ValidateSetExpected(in, ev); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("setexpected(%d) with 3 votes present: %v, want ErrInvalidParam", ev, err)
		}
	}
	if err := ValidateSetExpected(in, 3); err != nil {
		t.Errorf("setexpected(3): %v", err)
	}
}

func TestRuleSetExpectedNeverMakesQuorateClusterInquorate(t *testing.T) {
	in, _ := settle(view(1, 3, ids(1, 3), nil, Options{}))
	if err := ValidateSetExpected(in, 5); err != nil { // quorum 3 <= 3
		t.Errorf("setexpected(5): %v", err)
	}
	if err := ValidateSetExpected(in, 6); !errors.Is(err, ErrInvalidParam) { // quorum 4 > 3
		t.Errorf("setexpected(6): %v, want ErrInvalidParam", err)
	}
}

func TestRuleSetExpectedRaisesFreelyWhileInquorate(t *testing.T) {
	in, r := settle(view(1, 3, ids(1, 1), ids(2, 3), Options{}))
	if r.Quorate {
		t.Fatal("setup")
	}
	if err := ValidateSetExpected(in, 4); err != nil {
		t.Fatalf("setexpected(4) while inquorate: %v", err)
	}
	r = ApplySetExpected(in, 4)
	if r.ExpectedVotes != 4 || r.Quorum != 3 || r.Quorate || !r.ExpectedChanged {
		t.Fatalf("after setexpected(4): %+v", r)
	}
}

func TestRuleSetExpectedLowersQuorumAndNotifies(t *testing.T) {
	// vqprobe lower: one node of three, setexpected(1) -> EXPECTED 1, then
	// QUORUM quorate=1.
	in, _ := settle(view(1, 3, ids(1, 1), ids(2, 3), Options{}))
	if err := ValidateSetExpected(in, 1); err != nil {
		t.Fatal(err)
	}
	r := ApplySetExpected(in, 1)
	check(t, r, want{quorate: true, quorum: 1, total: 1, expected: 1, flags: InfoQuorate})
	if !r.ExpectedChanged || !r.QuorateChanged {
		t.Fatalf("notifications: expected %v quorate %v", r.ExpectedChanged, r.QuorateChanged)
	}
	if nodeOf(t, r.Nodes, 2).ExpectedVotes != 3 {
		t.Fatal("dead nodes' expected votes must not change")
	}
	if r.EVBarrier != 1 {
		t.Fatalf("barrier %d, want 1", r.EVBarrier)
	}
	// The same value again still notifies.
	in = in.Apply(r)
	if r = ApplySetExpected(in, 1); !r.ExpectedChanged || r.QuorateChanged {
		t.Fatalf("unchanged setexpected: %+v", r)
	}
}

func TestRuleSetExpectedIgnoresDownscaleFloor(t *testing.T) {
	// With allow_downscale, calculate_quorum raises an explicit expected
	// value to the barrier; setexpected switches that off while checking.
	// The half {1,2} of 4 is quorate by tie-breaker with 2 votes: with the
	// floor (4) the new quorum would be 3 > 2 and the call would fail.
	opts := Options{AutoTieBreaker: ATBLowest, AllowDownscale: true}
	whole, _ := settle(view(1, 4, ids(1, 4), nil, opts))
	half, r, _ := split(whole, ids(1, 2))
	if !r.Quorate || half.EVBarrier != 4 {
		t.Fatalf("setup: %+v", r)
	}
	if err := ValidateSetExpected(half, 2); err != nil {
		t.Fatalf("setexpected(2): %v (the downscale floor must not apply)", err)
	}
}

// Section 2.2: setvotes.

func TestRuleSetVotesUnknownNodeIsNameNotFound(t *testing.T) {
	in, _ := settle(view(1, 3, ids(1, 3), nil, Options{}))
	if err := ValidateSetVotes(in, 42, 1); !errors.Is(err, ErrNameNotFound) {
		t.Fatalf("setvotes on unknown node: %v", err)
	}
	if !errors.Is(ValidateSetVotes(in, 42, 1), ErrNameNotFound) {
		t.Fatal("unknown node must map to CS_ERR_NAME_NOT_FOUND (17)")
	}
}

func TestRuleSetVotesQuorumMustStayWithinHalfAndTotal(t *testing.T) {
	single := func(votes, ev uint32) Input {
		in := view(1, ev, ids(1, 1), nil, Options{})
		in.Nodes[0].Votes = votes
		in, _ = settle(in)
		return in
	}
	cases := []struct {
		name      string
		in        Input
		node, val uint32
		want      error
	}{
		{"votes 0 on a one-vote node", single(1, 1), 1, 0, ErrInvalidParam},
		{"lowering own votes 3 to 1 while expected stays 3", single(3, 3), 1, 1, ErrInvalidParam},
		{"lowering own votes 2 to 1 while expected stays 2", single(2, 2), 1, 1, ErrInvalidParam},
		{"raising own votes 1 to 3", single(1, 1), 1, 3, nil},
		{"dead node's votes do not count", func() Input {
			in, _ := settle(view(1, 3, ids(1, 2), []uint32{3}, Options{}))
			return in
		}(), 3, 0, nil},
		{"two_node: forced quorum 1 below total/2", func() Input {
			in, _ := settle(view(1, 2, ids(1, 2), nil, Options{TwoNode: true}))
			return in
		}(), 2, 5, ErrInvalidParam},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateSetVotes(tc.in, tc.node, tc.val)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestRuleSetVotesApplyRaisesExpected(t *testing.T) {
	// setvotes(me, 3) on a one-node cluster: expected rises to 3, quorum 2,
	// EXPECTED(3) is sent.
	in, _ := settle(view(1, 1, ids(1, 1), nil, Options{}))
	r := ApplySetVotes(in, 1, 3)
	check(t, r, want{quorate: true, quorum: 2, total: 3, expected: 3, flags: InfoQuorate})
	if !r.ExpectedChanged {
		t.Fatal("no EXPECTED notification")
	}
	if got := ApplySetVotes(in, 77, 3); got.Quorum != in.Quorum || !slices.Equal(got.Nodes, in.Nodes) {
		t.Fatal("setvotes on an unknown node changed state")
	}
}

func TestRuleSetVotesNodeZeroTargetsQuorumDevice(t *testing.T) {
	// testvotequorum1 quirk: setvotes(0, 1) on a fresh one-node cluster sets
	// the device's votes, expected becomes 2, total stays 1: inquorate, with
	// EXPECTED before QUORUM.
	in, _, err := Setup(Settings{}, []ConfigNode{{ID: 1, Votes: 1}}, 1)
	if err != nil || !in.Quorate {
		t.Fatalf("setup: %v %+v", err, in)
	}
	if err := ValidateSetVotes(in, QDeviceNodeID, 1); err != nil {
		t.Fatalf("validate: %v", err)
	}
	r := ApplySetVotes(in, QDeviceNodeID, 1)
	check(t, r, want{quorate: false, quorum: 2, total: 1, expected: 2})
	if !r.ExpectedChanged || !r.QuorateChanged {
		t.Fatalf("notifications: %v %v", r.ExpectedChanged, r.QuorateChanged)
	}
	if info, _ := GetInfo(in.Apply(r), 0); info.QDeviceVotes != 1 || info.TotalVotes != 1 {
		t.Fatalf("after Apply: %+v", info)
	}
}

// Section 2.2: getinfo.

func TestRuleGetInfo(t *testing.T) {
	in := view(2, 4, ids(1, 3), []uint32{4}, Options{WaitForAll: true})
	in.QDevice = QDevice{Name: "qd", Votes: 1}
	in.Nodes[0].Flags = NodeQDeviceRegistered | NodeQDeviceAlive | NodeQDeviceCastVote // node 1
	in.Nodes[1].Flags = NodeQDeviceRegistered                                          // node 2 = self
	in.Nodes[3].ExpectedVotes = 9                                                      // dead node
	in.WaitForAllStatus = false
	in, _ = settle(in)

	self, err := GetInfo(in, 0)
	if err != nil {
		t.Fatal(err)
	}
	if self.NodeID != 2 || self.State != StateMember || self.TotalVotes != 3 || self.HighestExpected != 4 ||
		self.Quorum != 3 || self.QDeviceName != "qd" || self.QDeviceVotes != 1 ||
		self.Flags != InfoQuorate|InfoWaitForAll|InfoQDeviceRegistered {
		t.Fatalf("getinfo(0): %+v", self)
	}
	one, _ := GetInfo(in, 1)
	if one.TotalVotes != 4 || one.Flags != InfoQuorate|InfoWaitForAll|InfoQDeviceRegistered|InfoQDeviceAlive|InfoQDeviceCastVote {
		t.Fatalf("getinfo(1): total and flags must be node 1's: %+v", one)
	}
	dead, _ := GetInfo(in, 4)
	if dead.State != StateDead || dead.ExpectedVotes != 9 || dead.HighestExpected != 4 {
		t.Fatalf("getinfo(4): %+v", dead)
	}
	if _, err := GetInfo(in, 999); !errors.Is(err, ErrNotExist) {
		t.Fatalf("getinfo(999): %v", err)
	}
}

// GetInfoAll gives every node's GetInfo in one pass.
func TestGetInfoAllMatchesGetInfo(t *testing.T) {
	in := view(2, 4, ids(1, 3), []uint32{4}, Options{WaitForAll: true})
	in.QDevice = QDevice{Name: "qd", Votes: 1}
	in.Nodes[0].Flags = NodeQDeviceRegistered | NodeQDeviceAlive | NodeQDeviceCastVote
	in.Nodes[3].ExpectedVotes = 9
	in, _ = settle(in)
	all := GetInfoAll(in, nil)
	if len(all) != len(in.Nodes) {
		t.Fatalf("%d infos for %d nodes", len(all), len(in.Nodes))
	}
	for i, n := range in.Nodes {
		if one, _ := GetInfo(in, n.ID); all[i] != one {
			t.Errorf("node %d: GetInfoAll %+v, GetInfo %+v", n.ID, all[i], one)
		}
	}
}

// Section 2.5: Setup and the observed flags.

func TestSetupObservedFlags(t *testing.T) {
	one := []ConfigNode{{ID: 1, Votes: 1}}
	cases := []struct {
		name  string
		s     Settings
		flags uint32
	}{
		{"plain", Settings{}, 0x2},
		{"two_node enables wait_for_all", Settings{TwoNode: true}, 0x7},
		{"two_node with wait_for_all: 0", Settings{TwoNode: true, WaitForAllSet: true}, 0x3},
		{"auto_tie_breaker alone disabled (odd, no wait_for_all)", Settings{AutoTieBreaker: ATBLowest}, 0x2},
		{"auto_tie_breaker with wait_for_all and last_man_standing", Settings{AutoTieBreaker: ATBLowest, WaitForAll: true, WaitForAllSet: true, LastManStanding: true}, 0x1e},
		{"allow_downscale", Settings{AllowDownscale: true}, 0x22},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in, _, err := Setup(tc.s, one, 1)
			if err != nil {
				t.Fatal(err)
			}
			info, _ := GetInfo(in, 0)
			if info.Flags != tc.flags {
				t.Fatalf("flags %#x, want %#x", info.Flags, tc.flags)
			}
		})
	}
}

func TestSetupRules(t *testing.T) {
	three := []ConfigNode{{1, 1}, {2, 1}, {3, 1}}
	four := []ConfigNode{{1, 1}, {2, 1}, {3, 1}, {4, 1}}
	cases := []struct {
		name     string
		s        Settings
		nodes    []ConfigNode
		err      string // substring; "" = no error
		warning  string // substring of a warning; "" = none
		opts     Options
		expected uint32
		qdVotes  uint32
	}{
		{"expected is the sum of votes", Settings{}, []ConfigNode{{1, 2}, {2, 1}}, "", "", Options{}, 3, 0},
		{"expected_votes overrides", Settings{ExpectedVotes: 5}, three, "", "", Options{}, 5, 0},
		{"two_node and qdevice is fatal", Settings{TwoNode: true, QDevice: true}, []ConfigNode{{1, 1}, {2, 1}}, "two_node and a quorum device", "", Options{}, 0, 0},
		{"two_node and auto_tie_breaker: two_node disabled", Settings{TwoNode: true, AutoTieBreaker: ATBLowest}, []ConfigNode{{1, 1}, {2, 1}}, "", "two_node disabled",
			Options{WaitForAll: true, AutoTieBreaker: ATBLowest}, 2, 0},
		{"auto_tie_breaker odd without wait_for_all: disabled", Settings{AutoTieBreaker: ATBHighest}, three, "", "auto_tie_breaker disabled", Options{}, 3, 0},
		{"auto_tie_breaker odd with last_man_standing: fatal", Settings{AutoTieBreaker: ATBLowest, LastManStanding: true}, three, "auto_tie_breaker and last_man_standing", "", Options{}, 0, 0},
		{"auto_tie_breaker even: kept", Settings{AutoTieBreaker: ATBList, ATBNodes: []uint32{4, 2}}, four, "", "", Options{AutoTieBreaker: ATBList, ATBNodes: []uint32{4, 2}}, 4, 0},
		{"auto_tie_breaker empty list: disabled", Settings{AutoTieBreaker: ATBList}, four, "", "list is empty", Options{}, 4, 0},
		{"qdevice and last_man_standing: fatal", Settings{QDevice: true, LastManStanding: true}, three, "last_man_standing", "", Options{}, 0, 0},
		{"qdevice and auto_tie_breaker: fatal", Settings{QDevice: true, AutoTieBreaker: ATBLowest}, four, "auto_tie_breaker", "", Options{}, 0, 0},
		{"qdevice and allow_downscale: fatal", Settings{QDevice: true, AllowDownscale: true}, three, "allow_downscale", "", Options{}, 0, 0},
		{"qdevice votes derived as nodes-1, expected raised", Settings{QDevice: true}, three, "", "", Options{}, 5, 2},
		{"qdevice votes needed with expected_votes", Settings{QDevice: true, ExpectedVotes: 5}, three, "must be set when expected_votes", "", Options{}, 0, 0},
		{"qdevice votes needed with uneven node votes", Settings{QDevice: true}, []ConfigNode{{1, 2}, {2, 1}}, "not every node has 1 vote", "", Options{}, 0, 0},
		{"qdevice votes too high for expected", Settings{QDevice: true, QDeviceVotes: 3, QDeviceVotesSet: true, ExpectedVotes: 4}, three, "too high", "", Options{}, 0, 0},
		{"qdevice votes configured", Settings{QDevice: true, QDeviceVotes: 1, QDeviceVotesSet: true}, three, "", "", Options{}, 3, 1},
		{"self not configured", Settings{}, []ConfigNode{{2, 1}}, "not in the node list", "", Options{}, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			self := tc.nodes[0].ID
			if tc.name == "self not configured" {
				self = 1
			}
			in, warnings, err := Setup(tc.s, tc.nodes, self)
			if tc.err != "" {
				if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want ErrConfig containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			joined := strings.Join(warnings, "|")
			if (tc.warning == "") != (joined == "") || !strings.Contains(joined, tc.warning) {
				t.Fatalf("warnings %q, want %q", warnings, tc.warning)
			}
			if !optsEqual(in.Options, tc.opts) {
				t.Fatalf("options %+v, want %+v", in.Options, tc.opts)
			}
			if in.Nodes[0].ExpectedVotes != tc.expected || in.EVBarrier != tc.expected || in.QDevice.Votes != tc.qdVotes {
				t.Fatalf("expected %d barrier %d device votes %d, want %d and %d", in.Nodes[0].ExpectedVotes, in.EVBarrier, in.QDevice.Votes, tc.expected, tc.qdVotes)
			}
			if in.Nodes[0].Flags&NodeFirst == 0 || in.WaitForAllStatus != tc.opts.WaitForAll {
				t.Fatalf("initial flags %#x latch %v", in.Nodes[0].Flags, in.WaitForAllStatus)
			}
		})
	}
}

func optsEqual(a, b Options) bool {
	return a.TwoNode == b.TwoNode && a.WaitForAll == b.WaitForAll && a.LastManStanding == b.LastManStanding &&
		a.AutoTieBreaker == b.AutoTieBreaker && slices.Equal(a.ATBNodes, b.ATBNodes) && a.AllowDownscale == b.AllowDownscale
}

func TestRuleTwoNodeOneNodePresent(t *testing.T) {
	cfg := []ConfigNode{{1, 1}, {2, 1}}
	// Before the peer was ever seen, wait_for_all (implied) blocks quorum.
	in, _, _ := Setup(Settings{TwoNode: true}, cfg, 1)
	if in.Quorate {
		t.Fatal("two_node alone at start is quorate despite wait_for_all")
	}
	in, _ = SyncInit(in, ids(1, 2))
	r, _ := ReceiveNodeInfo(in, Node{ID: 2, Votes: 1, ExpectedVotes: 2, Flags: NodeWFAStatus})
	in = in.Apply(r)
	check(t, r, want{quorate: true, quorum: 1, total: 2, expected: 2, flags: InfoTwoNode | InfoWaitForAll | InfoQuorate})
	// The peer dies: the survivor stays quorate with quorum 1.
	in, r, _ = split(in, ids(1, 1))
	check(t, r, want{quorate: true, quorum: 1, total: 1, expected: 2, flags: InfoTwoNode | InfoWaitForAll | InfoQuorate})
	// Without wait_for_all a lone two_node node is quorate at once.
	in, _, _ = Setup(Settings{TwoNode: true, WaitForAllSet: true}, cfg, 2)
	if !in.Quorate || in.Quorum != 1 {
		t.Fatalf("two_node without wait_for_all: %+v", in)
	}
}

// last_man_standing (2.5).

func TestRuleLastManStandingShrinksStepByStepThenATB(t *testing.T) {
	opts := Options{LastManStanding: true, AutoTieBreaker: ATBLowest}
	in, r := settle(view(1, 8, ids(1, 8), nil, opts))
	check(t, r, want{quorate: true, quorum: 5, total: 8, expected: 8, flags: InfoQuorate | InfoLastManStanding | InfoAutoTieBreaker})

	steps := []struct {
		members                  []uint32
		arm                      bool
		quorumBefore             uint32 // after the transition, before the window expires
		expectedAfter, quorumAft uint32 // after the window
	}{
		{ids(1, 5), true, 5, 5, 3},
		{ids(1, 3), true, 3, 3, 2},
		{ids(1, 2), true, 2, 2, 2},
		{ids(1, 1), true, 2, 1, 1}, // 2 -> 1 only thanks to the tie-breaker
	}
	for _, st := range steps {
		var arm bool
		in, r, arm = split(in, st.members)
		if arm != st.arm || !r.Quorate || r.Quorum != st.quorumBefore {
			t.Fatalf("to %v: arm %v quorate %v quorum %d", st.members, arm, r.Quorate, r.Quorum)
		}
		r, ok := LastManStandingExpired(in)
		if !ok || !r.Quorate || r.ExpectedVotes != st.expectedAfter || r.Quorum != st.quorumAft {
			t.Fatalf("window expired at %v: ok %v %+v", st.members, ok, r)
		}
		for _, n := range r.Nodes {
			if n.State == StateMember && n.ExpectedVotes != st.expectedAfter {
				t.Fatalf("member %d expected %d, want %d", n.ID, n.ExpectedVotes, st.expectedAfter)
			}
		}
		in = in.Apply(r)
	}
}

func TestRuleLastManStandingWithoutATBStopsAtTwo(t *testing.T) {
	opts := Options{LastManStanding: true}
	in, _ := settle(view(1, 3, ids(1, 3), nil, opts))
	in, _, arm := split(in, ids(1, 2))
	if !arm {
		t.Fatal("not armed after a node left")
	}
	r, _ := LastManStandingExpired(in)
	in = in.Apply(r)
	in, r, arm = split(in, ids(1, 1))
	if arm || r.Quorate {
		t.Fatalf("2 -> 1 without ATB: arm %v quorate %v", arm, r.Quorate)
	}
	if _, ok := LastManStandingExpired(in); ok {
		t.Fatal("window acted on an inquorate node")
	}
}

func TestRuleLastManStandingArmsOnlyWhenNodesLeft(t *testing.T) {
	opts := Options{LastManStanding: true}
	in, _ := settle(view(1, 3, ids(1, 2), []uint32{3}, opts))
	if _, _, arm := split(in, ids(1, 3)); arm {
		t.Fatal("armed on a join")
	}
	if _, _, arm := split(in, ids(1, 2)); arm {
		t.Fatal("armed with nobody leaving")
	}
	// The other side of a 2+2 split with ATB does not hold the lowest id.
	in, _ = settle(view(3, 4, ids(1, 4), nil, Options{LastManStanding: true, AutoTieBreaker: ATBLowest}))
	if _, r, arm := split(in, ids(3, 4)); arm || r.Quorate {
		t.Fatalf("losing half: arm %v quorate %v", arm, r.Quorate)
	}
	if _, ok := LastManStandingExpired(view(1, 3, ids(1, 3), nil, Options{})); ok {
		t.Fatal("expiry acted without last_man_standing")
	}
}

func TestRuleVotesAboveOneDisableLastManStanding(t *testing.T) {
	in, _ := settle(view(1, 3, ids(1, 3), nil, Options{LastManStanding: true}))
	r, stopped := ReceiveNodeInfo(in, Node{ID: 2, Votes: 2, ExpectedVotes: 3, Flags: NodeQuorate})
	if !stopped || r.Options.LastManStanding || r.Flags&InfoLastManStanding != 0 {
		t.Fatalf("stopped %v options %+v flags %#x", stopped, r.Options, r.Flags)
	}
	if in.Apply(r).Options.LastManStanding {
		t.Fatal("Apply lost the runtime change")
	}
}

// Node messages and allow_downscale (2.4, 2.5).

func TestRuleInquorateNodeAdoptsQuoratePeersExpectedVotes(t *testing.T) {
	// The cluster was lowered to expected 2 while node 3 was away; node 3
	// restarts with expected 3 and adopts 2 from a quorate peer.
	in, _, _ := Setup(Settings{}, []ConfigNode{{1, 1}, {2, 1}, {3, 1}}, 3)
	in, _ = SyncInit(in, ids(1, 3))
	r, _ := ReceiveNodeInfo(in, Node{ID: 1, Votes: 1, ExpectedVotes: 2, Flags: NodeQuorate})
	if r.ExpectedVotes != 2 || !r.Quorate || r.Quorum != 2 {
		t.Fatalf("%+v", r)
	}
	// A non-quorate peer's expected votes are not adopted; the peer is
	// recorded with ours.
	in2, _, _ := Setup(Settings{}, []ConfigNode{{1, 1}, {2, 1}, {3, 1}}, 3)
	r, _ = ReceiveNodeInfo(in2, Node{ID: 1, Votes: 1, ExpectedVotes: 7})
	if r.ExpectedVotes != 3 || nodeOf(t, r.Nodes, 1).ExpectedVotes != 3 {
		t.Fatalf("%+v", r)
	}
}

func TestRuleUnchangedNodeInfoDoesNotRecalculate(t *testing.T) {
	in, _ := settle(view(1, 3, ids(1, 3), nil, Options{}))
	in.Quorum = 3 // would drop to 2 on any recalculation with decrease
	n := nodeOf(t, in.Nodes, 2)
	r, _ := ReceiveNodeInfo(in, Node{ID: 2, Votes: n.Votes, ExpectedVotes: n.ExpectedVotes, Flags: n.Flags})
	if r.Quorum != 3 || !r.Quorate || r.TotalVotes != 3 || r.ExpectedVotes != 3 {
		t.Fatalf("%+v", r)
	}
}

func TestRuleAllowDownscaleLowersExpectedOnLeavingButNotBelowBarrier(t *testing.T) {
	// 5 nodes, configured expected_votes 3 (the barrier); expected rises to 5.
	cfg := []ConfigNode{{1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}}
	in, _, err := Setup(Settings{AllowDownscale: true, ExpectedVotes: 3}, cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	in, _ = SyncInit(in, ids(1, 5))
	for _, id := range ids(2, 5) {
		r, _ := ReceiveNodeInfo(in, Node{ID: id, Votes: 1, ExpectedVotes: 3})
		in = in.Apply(r)
	}
	if got, _ := GetInfo(in, 0); got.ExpectedVotes != 5 || got.Quorum != 3 || in.EVBarrier != 3 {
		t.Fatalf("all up: %+v barrier %d", got, in.EVBarrier)
	}
	steps := []struct {
		leaving          uint32
		expected, quorum uint32
	}{{5, 4, 3}, {4, 3, 2}, {3, 3, 2}}
	for _, st := range steps {
		r, _ := ReceiveNodeInfo(in, Node{ID: st.leaving, Votes: 1, ExpectedVotes: 5, Flags: NodeLeaving | NodeQuorate})
		in = in.Apply(r)
		if r.ExpectedVotes != st.expected || r.Quorum != st.quorum || !r.Quorate {
			t.Fatalf("node %d leaving: expected %d quorum %d quorate %v, want %d %d", st.leaving, r.ExpectedVotes, r.Quorum, r.Quorate, st.expected, st.quorum)
		}
		if nodeOf(t, r.Nodes, st.leaving).State != StateLeaving {
			t.Fatal("leaving node not in LEAVING state")
		}
	}
}

// Section 2.6: quorum device calls.

func TestQDeviceLifecycle(t *testing.T) {
	in, _, _ := Setup(Settings{}, []ConfigNode{{ID: 1, Votes: 1}}, 1)
	flags := func(in Input) uint32 { i, _ := GetInfo(in, 0); return i.Flags }

	if _, err := QDevicePoll(in, "qd", true, true); !errors.Is(err, ErrNotExist) {
		t.Fatalf("poll unregistered: %v", err)
	}
	if _, err := QDeviceMasterWins(in, "qd", true); !errors.Is(err, ErrNotExist) {
		t.Fatalf("master_wins unregistered: %v", err)
	}
	if _, err := QDeviceUnregister(in, "qd"); !errors.Is(err, ErrNotExist) {
		t.Fatalf("unregister unregistered: %v", err)
	}
	if _, err := QDeviceUpdate(in, "qd", "qe"); !errors.Is(err, ErrNotExist) {
		t.Fatalf("update unregistered: %v", err)
	}

	// Register works without any device configured (0 votes): flags 0x42.
	already, err := QDeviceRegister(in, "qd")
	if err != nil || already {
		t.Fatalf("register: %v %v", already, err)
	}
	in = RegisterQDevice(in, "qd")
	if f := flags(in); f != 0x42 {
		t.Fatalf("after register %#x, want 0x42", f)
	}
	if already, err = QDeviceRegister(in, "qd"); err != nil || !already {
		t.Fatalf("register same name again: %v %v", already, err)
	}
	if _, err = QDeviceRegister(in, "other"); !errors.Is(err, ErrExist) {
		t.Fatalf("register other name: %v", err)
	}

	if _, err = QDevicePoll(in, "wrong", true, true); !errors.Is(err, ErrInvalidParam) {
		t.Fatalf("poll wrong name: %v", err)
	}
	if _, err = QDevicePoll(in, "qd", true, false); !errors.Is(err, ErrRingMismatch) {
		t.Fatalf("poll old ring: %v", err)
	}
	in, err = QDevicePoll(in, "qd", true, true)
	if err != nil || flags(in) != 0x1c2 {
		t.Fatalf("poll(1): %v %#x, want 0x1c2", err, flags(in))
	}
	in, _ = QDevicePoll(in, "qd", false, true)
	if flags(in) != 0xc2 {
		t.Fatalf("poll(0) must clear CAST_VOTE: %#x", flags(in))
	}
	in, _ = QDevicePoll(in, "qd", true, true)
	in, err = QDeviceMasterWins(in, "qd", true)
	if err != nil || flags(in) != 0x3c2 {
		t.Fatalf("master_wins: %v %#x, want 0x3c2", err, flags(in))
	}
	if _, err = QDeviceMasterWins(in, "wrong", true); !errors.Is(err, ErrInvalidParam) {
		t.Fatalf("master_wins wrong name: %v", err)
	}
	timedOut := QDeviceTimeout(in)
	if flags(timedOut) != 0x242 {
		t.Fatalf("timeout keeps registration and master_wins, clears alive and vote: %#x", flags(timedOut))
	}

	if _, err = QDeviceUpdate(in, "wrong", "qe"); !errors.Is(err, ErrInvalidParam) {
		t.Fatalf("update wrong old name: %v", err)
	}
	in, err = QDeviceUpdate(in, "qd", "qe")
	if info, _ := GetInfo(in, 0); err != nil || info.QDeviceName != "qe" {
		t.Fatalf("update: %v %q", err, info.QDeviceName)
	}
	if _, err = QDeviceUnregister(in, "qd"); !errors.Is(err, ErrInvalidParam) {
		t.Fatalf("unregister with the pre-rename name: %v", err)
	}
	in, err = QDeviceUnregister(in, "qe")
	if info, _ := GetInfo(in, 0); err != nil || info.Flags != 0x2 || info.QDeviceName != "" {
		t.Fatalf("unregister: %v %+v", err, info)
	}
}

func TestQDeviceNameChecksAndDisabled(t *testing.T) {
	in, _, _ := Setup(Settings{}, []ConfigNode{{ID: 1, Votes: 1}}, 1)
	for _, name := range []string{"", strings.Repeat("n", 255)} {
		if _, err := QDeviceRegister(in, name); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("register %d-byte name: %v", len(name), err)
		}
	}
	if _, err := QDeviceRegister(in, strings.Repeat("n", 254)); err != nil {
		t.Errorf("254-byte name: %v", err)
	}
	in.QDevice.Disabled = true
	if _, err := QDeviceRegister(in, "qd"); !errors.Is(err, ErrAccess) {
		t.Fatalf("register disabled: %v", err)
	}
	in.QDevice.Disabled = false
	in = RegisterQDevice(in, "qd")
	in.QDevice.Disabled = true
	if _, err := QDevicePoll(in, "qd", true, true); !errors.Is(err, ErrAccess) {
		t.Fatalf("poll disabled: %v", err)
	}
	if _, err := QDeviceMasterWins(in, "qd", true); !errors.Is(err, ErrAccess) {
		t.Fatalf("master_wins disabled: %v", err)
	}
}

func TestQDeviceUnregisterKeepsNameWhileAnotherMemberHasOne(t *testing.T) {
	in, _ := settle(view(1, 2, ids(1, 2), nil, Options{}))
	in = RegisterQDevice(in, "qd")
	in.Nodes[1].Flags |= NodeQDeviceRegistered
	out, err := QDeviceUnregister(in, "qd")
	if err != nil || out.QDevice.Name != "qd" {
		t.Fatalf("%v %q", err, out.QDevice.Name)
	}
}

func TestQuorumNodeList(t *testing.T) {
	in := view(2, 3, []uint32{3, 2}, []uint32{1}, Options{})
	in.Nodes = append(in.Nodes, Node{ID: 4, State: StateLeaving})
	got := QuorumNodeList(in)
	want := []ListEntry{{1, StateDead}, {2, StateMember}, {3, StateMember}, {4, StateLeaving}}
	if !slices.Equal(got, want) {
		t.Fatalf("%v", got)
	}
	in = RegisterQDevice(in, "qd")
	got = QuorumNodeList(in)
	if last := got[len(got)-1]; len(got) != 5 || last != (ListEntry{0, 0}) {
		t.Fatalf("device entry: %v", got)
	}
}

// TestAddOrdered: votequorum's insertion quirk, and the lists corosync
// 3.1.7 showed on each node of a 3-node cluster started together.
func TestAddOrdered(t *testing.T) {
	cases := []struct {
		start []uint32
		add   []uint32
		want  []uint32
	}{
		{nil, []uint32{5}, []uint32{5}},
		{[]uint32{1}, []uint32{2, 3}, []uint32{2, 3, 1}},
		{[]uint32{2}, []uint32{1, 3}, []uint32{1, 3, 2}},
		{[]uint32{3}, []uint32{1, 2}, []uint32{1, 2, 3}},
		{[]uint32{1}, []uint32{2, 3, 4}, []uint32{2, 3, 4, 1}},
		{[]uint32{4}, []uint32{2, 1, 3}, []uint32{1, 2, 3, 4}},
	}
	for _, c := range cases {
		got := slices.Clone(c.start)
		for _, id := range c.add {
			got = AddOrdered(got, id)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("start %v add %v: got %v, want %v", c.start, c.add, got, c.want)
		}
	}
}

// TestQuorumNodeListOrder: the list follows the order in which Setup and
// SyncInit met the nodes, not the ids, and keeps dead nodes in place.
func TestQuorumNodeListOrder(t *testing.T) {
	in, _, err := Setup(Settings{}, []ConfigNode{{ID: 1, Votes: 1}, {ID: 2, Votes: 1}, {ID: 3, Votes: 1}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	in, _ = SyncInit(in, []uint32{1, 2, 3})
	for _, id := range []uint32{2, 3} {
		r, _ := ReceiveNodeInfo(in, Node{ID: id, Votes: 1, ExpectedVotes: 3})
		in = in.Apply(r)
	}
	ids := func(l []ListEntry) (out []uint32) {
		for _, e := range l {
			out = append(out, e.ID)
		}
		return out
	}
	if got := ids(QuorumNodeList(in)); !slices.Equal(got, []uint32{2, 3, 1}) {
		t.Fatalf("after 1,2,3 joined: %v", got)
	}
	in, _ = SyncInit(in, []uint32{1, 3})
	got := QuorumNodeList(in)
	if !slices.Equal(ids(got), []uint32{2, 3, 1}) || got[0].State != StateDead {
		t.Fatalf("after 2 left: %v", got)
	}
}

// TestQDevicePollCheckOrder: with a device registered, a stale ring id is
// reported before a wrong name, as votequorum does.
func TestQDevicePollCheckOrder(t *testing.T) {
	in := RegisterQDevice(view(1, 1, []uint32{1}, nil, Options{}), "qd")
	if _, err := QDevicePoll(in, "other", true, false); !errors.Is(err, ErrRingMismatch) {
		t.Fatalf("stale ring and wrong name: %v", err)
	}
	if _, err := QDevicePoll(in, "other", true, true); !errors.Is(err, ErrInvalidParam) {
		t.Fatalf("wrong name: %v", err)
	}
	if _, err := QDevicePoll(view(1, 1, []uint32{1}, nil, Options{}), "qd", true, false); !errors.Is(err, ErrNotExist) {
		t.Fatalf("nothing registered: %v", err)
	}
}
