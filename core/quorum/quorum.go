package quorum

import (
	"math"
	"slices"
)

// Recalculate is votequorum's recalculate_quorum: it raises the local
// expected votes to the total when the total exceeds them, computes the new
// quorum and decides whether the node is quorate.
//
// allowDecrease lets the quorum value go down (otherwise it only ratchets
// up); byCurrentNodes resets every member's expected votes to the current
// number of voting entities (members plus a device with votes), which is how
// last_man_standing and allow_downscale shrink the cluster.
func Recalculate(in Input, allowDecrease, byCurrentNodes bool) Result {
	nodes := slices.Clone(in.Nodes)
	opts := in.Options
	res := Result{
		Options:       opts,
		QDevice:       in.QDevice,
		LowestNodeID:  in.LowestNodeID,
		HighestNodeID: in.HighestNodeID,
		EVBarrier:     in.EVBarrier,
	}
	self := findNode(nodes, in.Self)

	total, entities := totalVotes(nodes, in.QDevice)
	if !byCurrentNodes {
		entities = 0
	}
	if self != nil && total > self.ExpectedVotes {
		self.ExpectedVotes = total
		res.ExpectedChanged = true
	}

	quorum, counted := calculateQuorum(nodes, in, allowDecrease, entities)
	if entities > 0 {
		setMemberExpected(nodes, maxExpected(in, allowDecrease, entities))
	}
	res.Nodes = nodes
	res.Quorum = quorum
	res.TotalVotes = counted
	res.HighestExpected = highestExpected(nodes)
	if self != nil {
		res.ExpectedVotes = self.ExpectedVotes
	}
	decideQuorate(in, &res, self)
	return res
}

// Calculate recomputes quorum after a view change or any other event that
// must not lower the quorum (recalculate_quorum(0, 0), as votequorum does at
// the end of every membership transition).
func Calculate(in Input) Result {
	return Recalculate(in, false, false)
}

// Apply returns in with the state of r stored: the node table, quorum,
// quorate state, latches and options. Use it to carry a Result into the
// Input of the next call.
func (in Input) Apply(r Result) Input {
	out := in
	out.Nodes = slices.Clone(r.Nodes)
	out.Quorum = r.Quorum
	out.Quorate = r.Quorate
	out.WaitForAllStatus = r.WaitForAllStatus
	out.LowestNodeID = r.LowestNodeID
	out.HighestNodeID = r.HighestNodeID
	out.EVBarrier = r.EVBarrier
	out.Options = r.Options
	out.QDevice = r.QDevice
	return out
}

// totalVotes is get_total_votes: member votes plus the device's votes when
// it has any, and the number of such voting entities. The sum is taken in
// 64 bits and saturated (see sat32), where votequorum's 32-bit sum wraps.
func totalVotes(nodes []Node, qd QDevice) (total, entities uint32) {
	var t uint64
	for _, n := range nodes {
		if n.State == StateMember {
			t += uint64(n.Votes)
			entities++
		}
	}
	if qd.Votes > 0 {
		t += uint64(qd.Votes)
		entities++
	}
	return sat32(t), entities
}

// sat32 brings a value computed in 64 bits back to the API's 32 bits,
// saturating. Vote arithmetic is done in 64 bits so that it never wraps
// (votequorum's wraps: setexpected(UINT_MAX) there gives quorum 2, a
// cluster quorate with 2 votes of 4294967295 expected); the calls that
// could push a sum past 32 bits refuse to (ValidateSetVotes), so a
// saturated value is only ever a defence in depth, and it errs towards
// needing more votes, never fewer.
func sat32(v uint64) uint32 {
	if v > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(v)
}

// maxExpected applies the allow_downscale floor to an explicit expected
// votes value, as calculate_quorum does.
func maxExpected(in Input, allowDecrease bool, max uint32) uint32 {
	if in.Options.AllowDownscale && allowDecrease && max > 0 {
		return maxU32(in.EVBarrier, max)
	}
	return max
}

// calculateQuorum is calculate_quorum: quorum from the highest expected
// votes (or maxExp when non-zero) and the votes present. It returns the new
// quorum and the votes it counted (the device counts only when the local
// node's device casts a vote).
func calculateQuorum(nodes []Node, in Input, allowDecrease bool, maxExp uint32) (quorum, total uint32) {
	q, t := calculateQuorum64(nodes, in, allowDecrease, maxExp)
	return sat32(q), sat32(t)
}

// calculateQuorum64 is calculateQuorum in 64 bits: nothing here wraps.
func calculateQuorum64(nodes []Node, in Input, allowDecrease bool, maxExp uint32) (quorum, total uint64) {
	maxExp = maxExpected(in, allowDecrease, maxExp)
	var highest uint64
	var entities uint32
	for _, n := range nodes {
		if n.State == StateMember {
			highest = max(highest, uint64(n.ExpectedVotes))
			total += uint64(n.Votes)
			entities++
		}
	}
	if self := findNode(nodes, in.Self); self != nil && self.Flags&NodeQDeviceCastVote != 0 {
		total += uint64(in.QDevice.Votes)
		entities++
	}
	if maxExp > 0 {
		highest = uint64(maxExp)
	}
	// The OpenVMS rule: a strict majority of the expected votes, and never
	// less than a strict majority of the votes actually present.
	quorum = max((highest+2)/2, (total+2)/2)
	if !allowDecrease {
		quorum = max(uint64(in.Quorum), quorum)
	}
	if in.Options.TwoNode && entities <= 2 {
		quorum = 1
	}
	return quorum, total
}

// decideQuorate is are_we_quorate: applies wait_for_all, the plain vote
// test, auto_tie_breaker and the device's master_wins, and fills the
// quorate state, the latches and the flags of res.
func decideQuorate(in Input, res *Result, self *Node) {
	waitForAll := in.WaitForAllStatus
	res.WaitForAllStatus = waitForAll
	var selfExpected uint32
	if self != nil {
		selfExpected = self.ExpectedVotes
	}
	if in.Options.WaitForAll && waitForAll {
		if res.TotalVotes != selfExpected {
			// Still waiting for everybody: never quorate, latch stays set.
			res.Quorate = false
			finish(in, res, self)
			return
		}
		res.WaitForAllStatus = false
	}

	quorate := res.Quorum <= res.TotalVotes
	if quorate {
		res.LowestNodeID, res.HighestNodeID = memberRange(res.Nodes, in.Self)
	}

	if in.Options.AutoTieBreaker != ATBNone &&
		res.TotalVotes == selfExpected/2 &&
		len(in.PreviousMembers)-len(in.Members) < int(res.Quorum) &&
		tieBreakerHere(in, res) {
		quorate = true
	}

	if !quorate && self != nil && self.Flags&NodeQDeviceMasterWins != 0 && masterWinsHere(res.Nodes) {
		quorate = true
	}

	res.Quorate = quorate
	if in.Options.WaitForAll {
		res.WaitForAllStatus = !quorate
	}
	finish(in, res, self)
}

// finish sets the local node's QUORATE/WFA flags, the change bits and the
// getinfo flags.
func finish(in Input, res *Result, self *Node) {
	res.QuorateChanged = res.Quorate != in.Quorate
	if self != nil {
		if res.Quorate {
			self.Flags |= NodeQuorate
		} else {
			self.Flags &^= NodeQuorate
		}
		if res.WaitForAllStatus {
			self.Flags |= NodeWFAStatus
		} else {
			self.Flags &^= NodeWFAStatus
		}
	}
	res.Flags = globalFlags(res.Options, res.Quorate)
	if self != nil {
		res.Flags |= self.Flags.info()
	}
}

// globalFlags are the cluster-wide VOTEQUORUM_INFO_* bits.
func globalFlags(o Options, quorate bool) uint32 {
	var f uint32
	if o.TwoNode {
		f |= InfoTwoNode
	}
	if quorate {
		f |= InfoQuorate
	}
	if o.WaitForAll {
		f |= InfoWaitForAll
	}
	if o.LastManStanding {
		f |= InfoLastManStanding
	}
	if o.AutoTieBreaker != ATBNone {
		f |= InfoAutoTieBreaker
	}
	if o.AllowDownscale {
		f |= InfoAllowDownscale
	}
	return f
}

// memberRange returns the lowest and highest member ids, self included.
func memberRange(nodes []Node, self uint32) (lo, hi uint32) {
	lo, hi = self, self
	for _, n := range nodes {
		if n.State != StateMember {
			continue
		}
		lo = min(lo, n.ID)
		hi = max(hi, n.ID)
	}
	return lo, hi
}

// tieBreakerHere is check_auto_tie_breaker.
func tieBreakerHere(in Input, res *Result) bool {
	switch in.Options.AutoTieBreaker {
	case ATBLowest:
		return isMember(res.Nodes, res.LowestNodeID)
	case ATBHighest:
		return isMember(res.Nodes, res.HighestNodeID)
	case ATBList:
		for i, id := range in.Options.ATBNodes {
			if !slices.Contains(in.Members, id) {
				continue
			}
			// A list node that ranks earlier and was with us in the previous
			// membership may now be quorate on the other side.
			for _, earlier := range in.Options.ATBNodes[:i] {
				if slices.Contains(in.PreviousMembers, earlier) {
					return false
				}
			}
			return true
		}
	}
	return false
}

// masterWinsHere is check_qdevice_master: some member's device has both
// master_wins and a cast vote.
func masterWinsHere(nodes []Node) bool {
	for _, n := range nodes {
		if n.State == StateMember && n.Flags&NodeQDeviceMasterWins != 0 && n.Flags&NodeQDeviceCastVote != 0 {
			return true
		}
	}
	return false
}

func isMember(nodes []Node, id uint32) bool {
	n := findNode(nodes, id)
	return n != nil && n.State == StateMember
}

func highestExpected(nodes []Node) uint32 {
	var h uint32
	for _, n := range nodes {
		if n.State == StateMember {
			h = maxU32(h, n.ExpectedVotes)
		}
	}
	return h
}

func setMemberExpected(nodes []Node, ev uint32) {
	if ev == 0 {
		return
	}
	for i := range nodes {
		if nodes[i].State == StateMember {
			nodes[i].ExpectedVotes = ev
		}
	}
}

// Node returns the record of node id (false: votequorum knows no such node).
func (in Input) Node(id uint32) (Node, bool) {
	if n := findNode(in.Nodes, id); n != nil {
		return *n, true
	}
	return Node{}, false
}

func findNode(nodes []Node, id uint32) *Node {
	for i := range nodes {
		if nodes[i].ID == id {
			return &nodes[i]
		}
	}
	return nil
}

func maxU32(a, b uint32) uint32 {
	if a > b {
		return a
	}
	return b
}
