package membership

import (
	"slices"

	"github.com/goha/goha/core/quorum"
)

// publish recomputes the roles the local APIs see and emits the CMM
// notifications for the difference.
func (n *Node) publish() {
	var next published
	if n.installed && !n.removed {
		next.members, next.incs = n.cur.members, n.cur.incs
		if n.qin.Quorate && n.now >= n.cur.fenceUntil {
			switch m := n.cur.master; {
			case m == 0:
			case m == n.cfg.Self:
				if !n.demoted && n.leaseValid() {
					next.master = m
					n.cur.acted = true
				}
			default:
				next.master = m
			}
			// A new master waits for its lease before it acts; its node
			// names a new vice-master with it (MASTER_ELECTED first), not
			// before.
			if n.cur.master != n.cfg.Self || n.cur.acted || n.pub.vice == n.cur.vice {
				next.vice = n.cur.vice
			}
		}
	}
	n.diff(n.pub, next)
	n.pub = next
	switch {
	case next.master == n.cfg.Self && !n.ps.WasMaster:
		n.ps.WasMaster = true
		n.persistDirty = true
	case next.master != 0 && next.master != n.cfg.Self && n.ps.WasMaster:
		n.ps.WasMaster = false
		n.persistDirty = true
	}
}

// leaseValid reports whether the local master holds its lease: the members
// that echoed one of our ticks within the last L = FailureTicks +
// HeartbeatTicks while supporting our ring (plus ourselves) would be
// quorate on their own.
func (n *Node) leaseValid() bool { return n.supported(func(*peer) bool { return true }) }

// supported reports whether the members whose support is within the lease
// and passes ok, with the local node, would be quorate on their own.
func (n *Node) supported(ok func(*peer) bool) bool {
	support := []uint32{uint32(n.cfg.Self)}
	for i, id := range n.cur.members {
		if id == n.cfg.Self {
			continue
		}
		p := n.peers[n.index[id]]
		if p.support > 0 && n.now-p.support < n.lease && p.inc == n.cur.incs[i] && ok(p) {
			support = append(support, uint32(id))
		}
	}
	slices.Sort(support)
	return n.quorateSet(support)
}

// quorateSet reports whether the view members in support (sorted) would be
// quorate on their own.
func (n *Node) quorateSet(support []uint32) bool {
	if len(support) == len(n.cur.members) {
		return true
	}
	return n.quorateMembers(support)
}

// quorateMembers reports whether the nodes in ids (sorted), as members,
// would be quorate on their own with the local node's quorum settings.
func (n *Node) quorateMembers(support []uint32) bool {
	in := n.qin
	in.Nodes = slices.Clone(n.qin.Nodes)
	for i := range in.Nodes {
		if in.Nodes[i].State == quorum.StateMember && !slices.Contains(support, in.Nodes[i].ID) {
			in.Nodes[i].State = quorum.StateDead
		}
	}
	in.PreviousMembers = n.qin.Members
	in.Members = support
	return quorum.Calculate(in).Quorate
}

// diff emits the CMM notifications that turn old into new, in the order of
// cmm.md 3.3/3.4: role losses (each followed by MEMBER_LEFT when the holder
// left), other departures, arrivals, then elections.
func (n *Node) diff(old, new published) {
	has := func(p published, id NodeID, inc uint32) bool {
		i, ok := slices.BinarySearch(p.members, id)
		return ok && p.incs[i] == inc
	}
	incOf := func(p published, id NodeID) uint32 {
		i, _ := slices.BinarySearch(p.members, id)
		return p.incs[i]
	}
	emit := func(c CMMChange, id NodeID) {
		n.events = append(n.events, Event{Kind: EventCMM, Ring: n.cur.ring, Change: c, Node: id})
	}
	leftDone := map[NodeID]bool{}
	left := func(id NodeID) bool {
		gone := !has(new, id, incOf(old, id))
		if n.removed && id != n.cfg.Self {
			gone = false // a removed node only reports itself out
		}
		return gone
	}
	if old.master != 0 && (old.master != new.master || left(old.master)) {
		emit(CMMMasterDemoted, old.master)
		if left(old.master) {
			emit(CMMMemberLeft, old.master)
			leftDone[old.master] = true
		}
	}
	if old.vice != 0 && (old.vice != new.vice || left(old.vice)) {
		emit(CMMViceMasterDemoted, old.vice)
		if left(old.vice) && !leftDone[old.vice] {
			emit(CMMMemberLeft, old.vice)
			leftDone[old.vice] = true
		}
	}
	for _, id := range old.members {
		if !leftDone[id] && left(id) {
			emit(CMMMemberLeft, id)
		}
	}
	for i, id := range new.members {
		if !has(old, id, new.incs[i]) {
			emit(CMMMemberJoined, id)
		}
	}
	if new.master != 0 && (new.master != old.master || !has(old, new.master, incOf(new, new.master))) {
		emit(CMMMasterElected, new.master)
	}
	if new.vice != 0 && (new.vice != old.vice || !has(old, new.vice, incOf(new, new.vice))) {
		emit(CMMViceMasterElected, new.vice)
	}
}

// applyQuorum stores a quorum result and emits EXPECTED then QUORUM as
// votequorum does: EXPECTED when expected votes changed, QUORUM at the end
// of every transition and otherwise only when the quorate state flips.
func (n *Node) applyQuorum(r quorum.Result, transition bool) {
	n.qin = n.qin.Apply(r)
	if r.ExpectedChanged {
		n.events = append(n.events, Event{Kind: EventExpectedVotes, Ring: n.cur.ring, Expected: r.ExpectedVotes})
	}
	if transition || r.QuorateChanged {
		var nodes []QuorumNode
		for _, e := range quorum.QuorumNodeList(n.qin) {
			nodes = append(nodes, QuorumNode{ID: NodeID(e.ID), State: e.State})
		}
		n.events = append(n.events, Event{Kind: EventQuorum, Ring: n.cur.ring, Quorate: n.qin.Quorate, QuorumNodes: nodes})
	}
}
