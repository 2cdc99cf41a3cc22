package membership

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/goha/goha/core/quorum"
)

// Status returns a snapshot of the local node.
func (n *Node) Status() Status {
	s := Status{
		Self: n.cfg.Self, Incarnation: n.ps.Incarnation, Tick: n.now,
		Master: n.pub.master, Vice: n.pub.vice, IsMaster: n.pub.master == n.cfg.Self,
		Removed: n.removed, Rec: n.ps.Rec.clone(), Amnesiac: n.ps.Amnesiac,
	}
	if n.installed && !n.removed {
		s.Ring = n.cur.ring
		s.Members = slices.Clone(n.cur.members)
	}
	s.Quorum, _ = quorum.GetInfo(n.qin, 0)
	s.QuorumNodes = n.quorumNodes()
	s.EVBarrier, s.WaitForAllStatus = n.qin.EVBarrier, n.qin.WaitForAllStatus
	self := n.myInfo()
	s.QDevice = QDeviceStatus{
		Name: n.qin.QDevice.Name, Votes: n.qin.QDevice.Votes,
		Registered: self.Flags&quorum.NodeQDeviceRegistered != 0,
		Alive:      self.Flags&quorum.NodeQDeviceAlive != 0,
		CastVote:   self.Flags&quorum.NodeQDeviceCastVote != 0,
		MasterWins: self.Flags&quorum.NodeQDeviceMasterWins != 0,
	}
	infos := n.Infos(nil)
	s.Nodes = make([]MemberStatus, 0, len(n.ids))
	for i, id := range n.ids {
		p := n.peers[i]
		ms := MemberStatus{ID: id, Name: p.cfg.Name, Eligible: p.cfg.Eligible}
		var flags uint32
		if i == n.self {
			ms.Heard, ms.Incarnation, flags = true, n.ps.Incarnation, n.myFlags()
		} else {
			ms.Heard, ms.Incarnation, flags = n.heard(p), p.inc, p.flags
		}
		k, in := slices.BinarySearch(s.Members, id)
		ms.Member = in && (i == n.self || n.cur.incs[k] == p.inc || p.inc == 0)
		if j, ok := slices.BinarySearchFunc(infos, uint32(id), func(x quorum.Info, id uint32) int { return cmp.Compare(x.NodeID, id) }); ok {
			ms.Votes, ms.Expected, ms.State = infos[j].Votes, infos[j].ExpectedVotes, infos[j].State
		} else {
			ms.Votes = p.cfg.Votes
		}
		ms.SFlag = n.sflag(i, in, flags)
		s.Nodes = append(s.Nodes, ms)
	}
	return s
}

// sflag is the CMM sflag of the configured node at index i: in tells
// whether it is in the published view, flags are its Flag* bits.
func (n *Node) sflag(i int, in bool, flags uint32) uint32 {
	p, id := n.peers[i], n.ids[i]
	var f uint32
	if p.cfg.Eligible {
		f |= SFlagEligible
	}
	if !in {
		return f | SFlagOutOfCluster
	}
	if n.pub.master == id {
		f |= SFlagMaster
	}
	if n.pub.vice == id {
		f |= SFlagViceMaster
	}
	if p.cfg.Eligible && flags&FlagQualified == 0 {
		f |= SFlagDisqualified
	}
	if p.cfg.Eligible && !n.synchronized(id, flags) {
		f |= SFlagSynchroNeeded
	}
	return f
}

// View is what the local APIs are told about the view: Status's Ring,
// Members, Master, Vice and quorate flag, without building a Status (the
// daemon checks it after every pass). Members is the node's own list:
// read it before the next call into the node, do not keep or change it.
type View struct {
	Ring         RingID
	Members      []NodeID
	Master, Vice NodeID
	Quorate      bool
}

// View returns the published view (see View).
func (n *Node) View() View {
	v := View{Master: n.pub.master, Vice: n.pub.vice, Quorate: n.qin.Quorate}
	if n.installed && !n.removed {
		v.Ring, v.Members = n.cur.ring, n.cur.members
	}
	return v
}

// SFlags appends the CMM sflag of every configured node, in node id order
// (Status's Nodes[i].SFlag), to dst.
func (n *Node) SFlags(dst []uint32) []uint32 {
	members, mine := n.View().Members, n.myFlags()
	for i, id := range n.ids {
		flags := mine
		if i != n.self {
			flags = n.peers[i].flags
		}
		_, in := slices.BinarySearch(members, id)
		dst = append(dst, n.sflag(i, in, flags))
	}
	return dst
}

// Incarnations appends the incarnation of every configured node, in node
// id order (Status's Nodes[i].Incarnation), to dst.
func (n *Node) Incarnations(dst []uint32) []uint32 {
	for i, p := range n.peers {
		if i == n.self {
			dst = append(dst, n.ps.Incarnation)
		} else {
			dst = append(dst, p.inc)
		}
	}
	return dst
}

// GetInfo answers votequorum_getinfo(id); id 0 is the local node.
func (n *Node) GetInfo(id uint32) (quorum.Info, error) { return quorum.GetInfo(n.qin, id) }

// Infos appends votequorum_getinfo of every node votequorum knows, in
// node id order, to dst: GetInfo for each, in one pass over the nodes.
func (n *Node) Infos(dst []quorum.Info) []quorum.Info {
	start := len(dst)
	dst = quorum.GetInfoAll(n.qin, dst)
	slices.SortFunc(dst[start:], func(a, b quorum.Info) int { return cmp.Compare(a.NodeID, b.NodeID) })
	return dst
}

// request queues an administrative request to the nodes in to, repeated on
// the next two heartbeats in case the network loses it. stamp is the admin
// stamp of a setexpected/setvotes change (0 for the CMM requests).
func (n *Node) request(op RequestOp, target NodeID, arg uint32, stamp uint64, to []NodeID) {
	n.reqID++
	n.resend = n.resend[:0]
	for _, id := range to {
		if id == n.cfg.Self {
			continue
		}
		m := n.requestMsg(id, op, target, arg)
		if stamp != 0 {
			m.Admin = stamp
		}
		n.send(m)
		n.resend = append(n.resend, m)
	}
	n.resendLeft = 2
}

func (n *Node) requestMsg(to NodeID, op RequestOp, target NodeID, arg uint32) Message {
	m := n.base(MsgRequest, to)
	m.Ring = n.cur.ring
	m.Op, m.Target, m.Arg, m.ReqID = op, target, arg, n.reqID
	return m
}

func (n *Node) onRequest(p *peer, m Message) error {
	if m.ReqID <= p.lastReq {
		return nil // duplicate
	}
	if !n.installed || m.Ring != n.cur.ring || !n.isMember(m.From) {
		return fmt.Errorf("%w: request for ring %s", ErrStale, m.Ring)
	}
	p.lastReq = m.ReqID
	switch m.Op {
	case OpSetExpected, OpSetVotes:
		n.applyAdmin(adminChange{stamp: m.Admin, op: m.Op, target: m.Target, arg: m.Arg})
	case OpRelease:
		if n.cur.ring.Rep == n.cfg.Self && m.From == n.cur.master {
			n.releasing, n.releaseTarget = m.From, m.Target
		}
	case OpForcePrimary:
		if m.Target == n.cfg.Self {
			return n.ForcePrimary()
		}
	case OpSwitchover:
		if n.pub.master == n.cfg.Self {
			return n.ReleaseTo(m.Target)
		}
	case OpSetQualif:
		if m.Target == n.cfg.Self && m.From == n.cur.master {
			n.setQualified(m.Arg == 1)
		}
	case OpKill:
		if m.Target == n.cfg.Self {
			n.events = append(n.events, Event{Kind: EventKilled, Ring: n.cur.ring, Node: m.From})
		}
	default:
		return fmt.Errorf("%w: request op %d", ErrMalformed, m.Op)
	}
	return nil
}

// adminChange is one setexpected or setvotes change with its stamp.
type adminChange struct {
	stamp  uint64
	op     RequestOp
	target NodeID
	arg    uint32
}

// admLogLen bounds the changes kept for peers that missed them.
const admLogLen = 16

// newStamp returns an admin stamp newer than every stamp seen here: a
// Lamport clock, the sequence in the high 32 bits and the node id in the
// low ones, so that stamps of different nodes never tie.
func (n *Node) newStamp() uint64 {
	s := (n.admClock>>32+1)<<32 | uint64(n.cfg.Self) // admClock >= adm: applyAdmin raises both
	n.admClock = s
	return s
}

// applyAdmin applies a setexpected or setvotes change, local or received,
// and raises every other member's need to its stamp: from now on a
// member's votes and expected votes count only once it has applied the
// change too. Each setting (the expected votes, each node's votes) keeps
// the stamp of the change that set it last, and a change that is not newer
// is ignored: a repetition, or overtaken by a newer change of the same
// setting. A received setexpected that this node's own check refuses while
// quorate is not applied, but its stamp still counts as applied, so that
// the sender does not wait for it forever.
func (n *Node) applyAdmin(c adminChange) {
	if c.stamp != 0 && !n.claimSetting(c) {
		return
	}
	switch c.op {
	case OpSetExpected:
		if quorum.ValidateSetExpected(n.qin, c.arg) == nil || !n.qin.Quorate {
			n.applyQuorum(quorum.ApplySetExpected(n.qin, c.arg), false)
		}
	case OpSetVotes:
		n.applyQuorum(quorum.ApplySetVotes(n.qin, uint32(c.target), c.arg), false)
	}
	if c.stamp == 0 {
		return // from a node that does not stamp its changes
	}
	n.adm = max(n.adm, c.stamp)
	n.admClock = max(n.admClock, c.stamp)
	if len(n.admLog) == admLogLen {
		n.admLog = slices.Delete(n.admLog, 0, 1)
	}
	n.admLog = append(n.admLog, c)
	if !n.installed {
		return
	}
	for _, id := range n.cur.members {
		if id != n.cfg.Self {
			p := n.peers[n.index[id]]
			p.need = max(p.need, c.stamp)
		}
	}
}

// claimSetting records c's stamp as the last to set its setting, unless a
// change at least as new already did (false).
func (n *Node) claimSetting(c adminChange) bool {
	switch c.op {
	case OpSetExpected:
		if c.stamp <= n.admExp {
			return false
		}
		n.admExp = c.stamp
	case OpSetVotes:
		if c.stamp <= n.admVotes[c.target] {
			return false
		}
		if n.admVotes == nil {
			n.admVotes = make(map[NodeID]uint64)
		}
		n.admVotes[c.target] = c.stamp
	}
	return true
}

// peerInfo returns the node info a heartbeat, leave or view commit reports
// for p with admin stamp admin, against our records in in. If p has not applied a change we applied
// while it was a member, its votes and expected votes predate that change
// (the messages are not ordered with the change, as votequorum's are by
// totem): we keep our own record of them, which the change set, and
// resend p the changes it lacks. Without this a node whose setexpected(3)
// follows a setexpected(4) could take a member's expected votes back to 4
// from a heartbeat in flight, and quorum, which never decreases on node
// info, would stay at 3.
func (n *Node) peerInfo(in quorum.Input, p *peer, info quorum.Node, admin uint64) quorum.Node {
	n.admClock = max(n.admClock, admin)
	p.heard = max(p.heard, admin)
	// The message's own stamp decides: an ack carried by a later commit
	// can be older than a heartbeat already heard.
	if admin >= p.need {
		return info
	}
	if rec, ok := in.Node(info.ID); ok {
		info.Votes, info.ExpectedVotes = rec.Votes, rec.ExpectedVotes
	}
	if n.installed && n.isMember(p.cfg.ID) && (p.adminSent == 0 || n.now-p.adminSent >= n.heartbeat) {
		p.adminSent = n.now
		for _, c := range n.admLog {
			if c.stamp > p.heard {
				n.reqID++
				m := n.requestMsg(p.cfg.ID, c.op, c.target, c.arg)
				m.Admin = c.stamp
				n.send(m)
			}
		}
	}
	return info
}

func (n *Node) setQualified(q bool) {
	if n.ps.Qualified != q {
		n.ps.Qualified = q
		n.persistDirty = true
	}
}

// SetExpected is votequorum_setexpected: validated locally, then applied by
// every member of the view.
func (n *Node) SetExpected(expected uint32) error {
	if n.removed {
		return ErrRemoved
	}
	if err := quorum.ValidateSetExpected(n.qin, expected); err != nil {
		return err
	}
	c := adminChange{stamp: n.newStamp(), op: OpSetExpected, arg: expected}
	n.applyAdmin(c)
	n.request(c.op, 0, expected, c.stamp, n.cur.members)
	n.publish()
	return nil
}

// SetVotes is votequorum_setvotes(node, votes); node 0 is the quorum device.
func (n *Node) SetVotes(node NodeID, votes uint32) error {
	if n.removed {
		return ErrRemoved
	}
	if err := quorum.ValidateSetVotes(n.qin, uint32(node), votes); err != nil {
		return err
	}
	c := adminChange{stamp: n.newStamp(), op: OpSetVotes, target: node, arg: votes}
	n.applyAdmin(c)
	n.request(c.op, node, votes, c.stamp, n.cur.members)
	n.publish()
	return nil
}

// recalc recomputes quorum after a local quorum device change.
func (n *Node) recalc() {
	n.applyQuorum(quorum.Calculate(n.qin), false)
	n.publish()
}

// QDeviceRegister is votequorum_qdevice_register on the local node.
func (n *Node) QDeviceRegister(name string) error {
	already, err := quorum.QDeviceRegister(n.qin, name)
	if err != nil || already {
		return err
	}
	n.qin = quorum.RegisterQDevice(n.qin, name)
	n.recalc()
	return nil
}

// QDeviceUnregister is votequorum_qdevice_unregister on the local node.
func (n *Node) QDeviceUnregister(name string) error {
	in, err := quorum.QDeviceUnregister(n.qin, name)
	if err != nil {
		return err
	}
	n.qin = in
	n.qdevDeadline = 0
	n.recalc()
	return nil
}

// QDeviceUpdate is votequorum_qdevice_update (rename).
func (n *Node) QDeviceUpdate(oldName, newName string) error {
	in, err := quorum.QDeviceUpdate(n.qin, oldName, newName)
	if err != nil {
		return err
	}
	n.qin = in
	return nil
}

// QDevicePoll is votequorum_qdevice_poll: the device is alive and casts
// castVote until QDeviceTimeoutTicks pass without another poll. ring must
// be the current ring id (else quorum.ErrRingMismatch).
func (n *Node) QDevicePoll(name string, castVote bool, ring RingID) error {
	in, err := quorum.QDevicePoll(n.qin, name, castVote, n.installed && ring == n.cur.ring)
	if err != nil {
		return err
	}
	n.qin = in
	n.qdevDeadline = n.now + uint64(n.cfg.QDeviceTimeoutTicks)
	n.recalc()
	return nil
}

// QDeviceMasterWins is votequorum_qdevice_master_wins.
func (n *Node) QDeviceMasterWins(name string, allow bool) error {
	in, err := quorum.QDeviceMasterWins(n.qin, name, allow)
	if err != nil {
		return err
	}
	n.qin = in
	n.recalc()
	return nil
}

// takeoverPossible reports whether another member (target, if not 0)
// could take the mastership over from the local node.
func (n *Node) takeoverPossible(target NodeID) bool {
	n.releasing, n.releaseTarget = n.cfg.Self, target
	m, _, _, _ := n.electView(n.cur.members)
	n.releasing, n.releaseTarget = 0, 0
	return m != 0 && m != n.cfg.Self && (target == 0 || m == target)
}

// ReleaseMastership is cmm_mastership_release: a planned switchover to the
// vice-master (or the best other candidate). The local node stays master
// until the new master is agreed. ErrNotMaster when not master,
// ErrNoCandidate when nobody can take over.
func (n *Node) ReleaseMastership() error { return n.ReleaseTo(0) }

// ReleaseTo is ReleaseMastership to a chosen member (gohactl switchover
// NODE); 0 lets the election choose. In auto mode the target must hold
// every acknowledged commit (an in-sync secondary). ErrNoCandidate when
// it (or, for 0, anybody) cannot take over.
func (n *Node) ReleaseTo(target NodeID) error {
	if n.removed {
		return ErrRemoved
	}
	if n.pub.master != n.cfg.Self {
		return ErrNotMaster
	}
	if _, ok := n.index[target]; target != 0 && !ok {
		return ErrUnknownNode
	}
	if !n.takeoverPossible(target) {
		return ErrNoCandidate
	}
	n.releaseAsked, n.askedTarget = true, target
	n.sendRelease()
	return nil
}

func (n *Node) sendRelease() {
	if n.cur.ring.Rep == n.cfg.Self {
		n.releasing, n.releaseTarget = n.cfg.Self, n.askedTarget
		return
	}
	n.reqID++
	m := n.base(MsgRequest, n.cur.ring.Rep)
	m.Ring, m.Op, m.ReqID, m.Target = n.cur.ring, OpRelease, n.reqID, n.askedTarget
	n.send(m)
}

// Switchover is a planned handover asked on any member (gohactl
// switchover [NODE]): on the master it is ReleaseTo(target); elsewhere the
// request goes to the master, and its result shows in the roles.
// ErrNoCluster when no master is elected.
func (n *Node) Switchover(target NodeID) error {
	if _, ok := n.index[target]; target != 0 && !ok {
		return ErrUnknownNode
	}
	switch n.pub.master {
	case n.cfg.Self:
		return n.ReleaseTo(target)
	case 0:
		return ErrNoCluster
	}
	n.request(OpSwitchover, target, 0, 0, []NodeID{n.pub.master})
	return nil
}

// ForcePrimaryOf is ForcePrimary on node target: applied here if it is
// the local node, else sent to it (auto mode, gohactl ha force-primary).
func (n *Node) ForcePrimaryOf(target NodeID) error {
	if _, ok := n.index[target]; !ok {
		return ErrUnknownNode
	}
	if target == n.cfg.Self {
		return n.ForcePrimary()
	}
	if !n.cfg.Auto {
		return ErrNotEligible
	}
	if n.pub.master != 0 {
		return ErrMasterExists
	}
	n.request(OpForcePrimary, target, 0, 0, []NodeID{target})
	return nil
}

// RemoveSelf is cmm_membership_remove: the local node leaves the cluster
// (peers drop it at once) and stays out until it restarts. On the master it
// fails with ErrNoCandidate when nobody can take over.
func (n *Node) RemoveSelf() error {
	if n.removed {
		return ErrRemoved
	}
	if n.pub.master == n.cfg.Self && !n.takeoverPossible(0) {
		return ErrNoCandidate
	}
	n.leave()
	return nil
}

// Leave announces a clean shutdown: peers drop the node at once instead of
// after FailureTicks. Send the resulting Ready before exiting.
func (n *Node) Leave() {
	if !n.removed {
		n.leave()
	}
}

func (n *Node) leave() {
	n.removed = true
	n.prop = nil
	if n.qin.Options.AllowDownscale {
		in := n.qin
		in.Nodes = slices.Clone(in.Nodes)
		for i := range in.Nodes {
			if in.Nodes[i].ID == uint32(n.cfg.Self) {
				in.Nodes[i].Flags |= quorum.NodeLeaving
			}
		}
		n.qin = in
	}
	n.broadcastLeave()
	n.nextHB = n.now + n.heartbeat
	in, _ := quorum.SyncInit(n.qin, []uint32{uint32(n.cfg.Self)})
	n.qin = in
	n.applyQuorum(quorum.Calculate(in), false)
	n.publish()
}

// SetQualification is cmm_member_setqualif (master only): qualify or
// disqualify an eligible node. It returns before the change is applied. A
// node out of the cluster is accepted and left unchanged (its eligibility
// is unknown, as in CMM).
func (n *Node) SetQualification(node NodeID, qualified bool) error {
	if n.removed {
		return ErrRemoved
	}
	if n.pub.master != n.cfg.Self {
		return ErrNotMaster
	}
	i, ok := n.index[node]
	if !ok {
		return ErrUnknownNode
	}
	if !n.isMember(node) {
		return nil
	}
	if !n.peers[i].cfg.Eligible {
		return ErrNotEligible
	}
	if node == n.cfg.Self {
		n.setQualified(qualified)
		return nil
	}
	var arg uint32
	if qualified {
		arg = 1
	}
	n.request(OpSetQualif, node, arg, 0, []NodeID{node})
	return nil
}

// SeizeQualification is cmm_member_seizequalif: qualify the local
// eligible node when no master is elected.
func (n *Node) SeizeQualification() error {
	if n.removed {
		return ErrRemoved
	}
	if !n.peers[n.self].cfg.Eligible {
		return ErrNotEligible
	}
	if n.pub.master != 0 {
		return ErrMasterExists
	}
	n.setQualified(true)
	return nil
}

// SetSynchronized sets the local node's synchronisation flag (CRFS:
// CMM_SYNCHRO_READY / CMM_SYNCHRO_NEEDED).
func (n *Node) SetSynchronized(synced bool) error {
	if n.removed {
		return ErrRemoved
	}
	if n.ps.Synchronized != synced {
		n.ps.Synchronized = synced
		n.persistDirty = true
	}
	return nil
}

// quorumNodes is the node list a QUORUM notification would carry now.
func (n *Node) quorumNodes() []QuorumNode {
	var nodes []QuorumNode
	for _, e := range quorum.QuorumNodeList(n.qin) {
		nodes = append(nodes, QuorumNode{ID: NodeID(e.ID), State: e.State})
	}
	return nodes
}

// KillNode is corosync_cfg_kill_node: target, a member of the installed
// view, must stop at once. The local node gets EventKilled right away;
// another member gets the request (repeated on the next two heartbeats, as
// every request) and its own EventKilled. ErrUnknownNode when target is
// not a member of the view.
func (n *Node) KillNode(target NodeID) error {
	if !n.installed || n.removed || !n.isMember(target) {
		return fmt.Errorf("%w: node %d is not a member of the current view", ErrUnknownNode, target)
	}
	if target == n.cfg.Self {
		n.events = append(n.events, Event{Kind: EventKilled, Ring: n.cur.ring, Node: n.cfg.Self})
		return nil
	}
	n.request(OpKill, target, 0, 0, []NodeID{target})
	return nil
}
