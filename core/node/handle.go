package node

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/goha/goha/core/membership"
	"github.com/goha/goha/core/quorum"
	"github.com/goha/goha/core/wire"
)

// fail is an operation's failure with its protocol code.
func fail(code wire.Code, format string, args ...any) error {
	return &OpError{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// handle answers one control request on the loop goroutine, as its entry
// in the op table (ops.go) says.
func (n *Node) handle(r request) {
	c, m := r.conn, r.msg
	op, ok := ops[m.Op]
	switch {
	case !ok:
		c.reply(m.ID, wire.CodeUnknownOp, fmt.Sprintf("unknown operation %q", m.Op), nil)
	case op.raw != nil:
		op.raw(n, c, m.ID)
	case op.async != nil:
		op.async(n, c, m.Body, n.replier(c, m))
	default:
		n.coro.dirty = true // a request may change what runtime.votequorum.* shows
		res, err := op.call(n, c, m)
		// The reply must not reach the client before the info page and
		// the fast answers show what the request changed (read your
		// writes).
		n.publishVQ()
		n.publishCMM()
		n.replyResult(c, m, res, err)
		if err == nil && op.after != nil {
			op.after(n, c, m)
		}
	}
}

// replyResult queues the reply to m: res encoded, or err with its code.
func (n *Node) replyResult(c *ctlConn, m *wire.Msg, res any, err error) {
	if err != nil {
		code := codeOf(err)
		if code == wire.CodeInternal {
			n.log.Warn("control request failed", "op", m.Op, "err", err)
		}
		c.reply(m.ID, code, err.Error(), nil)
		return
	}
	body, err := wire.EncodeBody(res)
	if err != nil {
		c.reply(m.ID, wire.CodeInternal, err.Error(), nil)
		return
	}
	c.reply(m.ID, wire.CodeOK, "", body)
}

// replier returns the reply function of an async op: it answers m once
// (a second call is logged and ignored), from any goroutine.
func (n *Node) replier(c *ctlConn, m *wire.Msg) func(any, error) {
	var replied atomic.Bool
	return func(res any, err error) {
		if replied.Swap(true) {
			n.log.Error("op handler replied twice", "op", m.Op)
			return
		}
		n.replyResult(c, m, res, err)
	}
}

func decodeArg(m *wire.Msg, v any) error {
	if err := wire.DecodeBody(m.Body, v); err != nil {
		return fail(wire.CodeBadRequest, "%s: bad arguments: %v", m.Op, err)
	}
	return nil
}

// The handlers of the op table that are more than one line.

func (n *Node) opSubscribe(c *ctlConn, a *wire.Subscribe) (any, error) {
	// Topic bits beyond TopicAll are allowed: extension subsystems
	// publish on their own topics (Node.Publish).
	c.topics.Store(a.Topics)
	return &wire.SubscribeResult{Topics: a.Topics, Seq: c.lastSeq()}, nil
}

// afterSubscribe queues the subscription's snapshot behind its reply.
func (n *Node) afterSubscribe(c *ctlConn, m *wire.Msg) {
	var a wire.Subscribe
	wire.DecodeBody(m.Body, &a) // already decoded by opSubscribe
	n.snapshot(c, a.Snapshot)
}

func (n *Node) opVQGetInfo(a *wire.NodeArg) (any, error) {
	info, err := n.mem.GetInfo(a.Node)
	if err != nil {
		return nil, err
	}
	return vqInfo(info), nil
}

func (n *Node) opVQSetExpected(a *wire.SetExpectedArg) (any, error) {
	return nil, n.mem.SetExpected(a.Expected)
}

func (n *Node) opVQSetVotes(a *wire.SetVotesArg) (any, error) {
	return nil, n.mem.SetVotes(membership.NodeID(a.Node), a.Votes)
}

func (n *Node) opQDeviceRegister(a *wire.QDeviceArg) (any, error) {
	if err := quorum.ValidateQDeviceName(a.Name); err != nil {
		return nil, err
	}
	return nil, n.mem.QDeviceRegister(a.Name)
}

func (n *Node) opQDeviceUnregister(a *wire.QDeviceArg) (any, error) {
	if err := quorum.ValidateQDeviceName(a.Name); err != nil {
		return nil, err
	}
	return nil, n.mem.QDeviceUnregister(a.Name)
}

func (n *Node) opQDeviceUpdate(a *wire.QDeviceUpdateArg) (any, error) {
	for _, name := range []string{a.Old, a.New} {
		if err := quorum.ValidateQDeviceName(name); err != nil {
			return nil, err
		}
	}
	return nil, n.mem.QDeviceUpdate(a.Old, a.New)
}

func (n *Node) opQDevicePoll(a *wire.QDevicePollArg) (any, error) {
	if err := quorum.ValidateQDeviceName(a.Name); err != nil {
		return nil, err
	}
	ring := membership.RingID{Rep: membership.NodeID(a.Ring.Rep), Seq: a.Ring.Seq}
	return nil, n.mem.QDevicePoll(a.Name, a.CastVote, ring)
}

func (n *Node) opQDeviceMasterWins(a *wire.QDeviceMasterWinsArg) (any, error) {
	if err := quorum.ValidateQDeviceName(a.Name); err != nil {
		return nil, err
	}
	return nil, n.mem.QDeviceMasterWins(a.Name, a.Allow)
}

func (n *Node) opCMMMaster() (any, error) {
	st := n.mem.Status()
	if st.Master == 0 {
		return nil, fail(wire.CodeNoCluster, "no master is elected")
	}
	return n.cmmMember(uint32(st.Master), true)
}

func (n *Node) opCMMViceMaster() (any, error) {
	st := n.mem.Status()
	if !n.inCluster(&st) {
		return nil, fail(wire.CodeNoCluster, "this node is not in a cluster")
	}
	if st.Vice == 0 {
		return nil, fail(wire.CodeNotExist, "no vice-master is elected")
	}
	return n.cmmMember(uint32(st.Vice), true)
}

func (n *Node) opCMMSeizeQualif() (any, error) {
	err := n.mem.SeizeQualification()
	if errors.Is(err, membership.ErrNotEligible) {
		return nil, fail(wire.CodePerm, "%v", err)
	}
	return nil, err
}

func (n *Node) setQualif(a wire.SetQualifArg) error {
	switch a.Qualif {
	case wire.QualifQualified, wire.QualifDisqualified:
		err := n.mem.SetQualification(membership.NodeID(a.Node), a.Qualif == wire.QualifQualified)
		if errors.Is(err, membership.ErrUnknownNode) {
			return fail(wire.CodeNotExist, "%v", err)
		}
		return err
	case wire.QualifSynchroReady, wire.QualifSynchroNeed:
		// The synchronisation flag belongs to the node whose disks it
		// describes (CRFS runs there).
		if a.Node != n.self.ID && a.Node != 0 {
			return fail(wire.CodeInvalid, "the synchronisation level can only be set on the node itself")
		}
		return n.mem.SetSynchronized(a.Qualif == wire.QualifSynchroReady)
	}
	return fail(wire.CodeInvalid, "unknown qualification level %d", a.Qualif)
}

// configReload is cmm_config_reload (master only): the reload SIGHUP does
// (reload.go). Settings that need a restart make it CodeNotSupported, after
// what can be applied was applied.
func (n *Node) configReload() error {
	st := n.mem.Status()
	if !st.IsMaster {
		return fail(wire.CodePerm, "config reload must be called on the master")
	}
	rep, err := n.reload("cmm_config_reload")
	if err != nil {
		return fail(wire.CodeInvalid, "%v", err)
	}
	if len(rep.Restart) > 0 {
		return fail(wire.CodeNotSupported, "these changes need a restart of every node: %s", strings.Join(rep.Restart, ", "))
	}
	if len(rep.Refused) > 0 {
		return fail(wire.CodeInvalid, "refused: %s", strings.Join(rep.Refused, "; "))
	}
	return nil
}

func vqInfo(i quorum.Info) *wire.VQInfo {
	return &wire.VQInfo{NodeID: i.NodeID, NodeState: uint32(i.State), NodeVotes: i.Votes, NodeExpected: i.ExpectedVotes,
		HighestExpected: i.HighestExpected, TotalVotes: i.TotalVotes, Quorum: i.Quorum, Flags: i.Flags,
		QDeviceVotes: i.QDeviceVotes, QDeviceName: i.QDeviceName}
}

// inCluster: the local node is in an installed, quorate view.
func (n *Node) inCluster(st *membership.Status) bool {
	return !st.Removed && !st.Ring.IsZero() && st.Quorum.Flags&wire.VQQuorate != 0
}

// memberIP is the IP address of node id's membership address, without
// the port, as cmm_member_t.addr holds it (the Netra guide: the node's
// address in dotted decimal; IPv6 text for an IPv6 node): the address the
// config's addr resolved to at start.
func (n *Node) memberIP(id uint32) string {
	if ua := n.tr.peers[id]; ua != nil {
		return ua.IP.String()
	}
	return ""
}

func (n *Node) memberEntry(ms *membership.MemberStatus) wire.CMMMember {
	return wire.CMMMember{NodeID: uint32(ms.ID), Name: ms.Name, Addr: n.memberIP(uint32(ms.ID)), DomainID: n.cfg.DomainID,
		SFlag: ms.SFlag, Incarnation: ms.Incarnation, SoftwareLoad: Software}
}

func (n *Node) cmmMember(id uint32, potential bool) (*wire.CMMMember, error) {
	st := n.mem.Status()
	for i := range st.Nodes {
		ms := &st.Nodes[i]
		if uint32(ms.ID) != id {
			continue
		}
		if !potential {
			if !n.inCluster(&st) {
				return nil, fail(wire.CodeNoCluster, "this node is not in a cluster")
			}
			if ms.SFlag&wire.CMMOutOfCluster != 0 {
				return nil, fail(wire.CodeNotMember, "node %d is out of the cluster", id)
			}
		}
		e := n.memberEntry(ms)
		return &e, nil
	}
	return nil, fail(wire.CodeNotExist, "node %d is not in the cluster config", id)
}

func (n *Node) cmmMembers(all bool) (*wire.CMMMembers, error) {
	st := n.mem.Status()
	if !all && !n.inCluster(&st) {
		return nil, fail(wire.CodeNoCluster, "this node is not in a cluster")
	}
	out := &wire.CMMMembers{Members: []wire.CMMMember{}}
	for i := range st.Nodes {
		ms := &st.Nodes[i]
		if !all && ms.SFlag&wire.CMMOutOfCluster != 0 {
			continue
		}
		out.Members = append(out.Members, n.memberEntry(ms))
	}
	return out, nil
}

func (n *Node) status() *wire.Status {
	st := n.mem.Status()
	q := st.Quorum
	ws := &wire.Status{
		NodeID: n.self.ID, NodeName: n.self.Name, Cluster: n.cfg.ClusterName, DomainID: n.cfg.DomainID,
		Incarnation: uint64(st.Incarnation), Ring: ringOf(st.Ring), Master: uint32(st.Master), ViceMaster: uint32(st.Vice),
		Members: ids(st.Members), Removed: st.Removed, Software: Software,
		UptimeMilli: time.Since(n.start).Milliseconds(), Counters: n.cnt.wire(),
		Quorum: wire.QuorumStatus{Quorate: q.Flags&wire.VQQuorate != 0, Quorum: q.Quorum, TotalVotes: q.TotalVotes,
			ExpectedVotes: q.ExpectedVotes, HighestExpected: q.HighestExpected, Flags: q.Flags,
			QDeviceName: q.QDeviceName, QDeviceVotes: q.QDeviceVotes},
	}
	if !n.viewSince.IsZero() {
		ws.ViewAgeMs = time.Since(n.viewSince).Milliseconds()
	}
	for i := range st.Nodes {
		ms := &st.Nodes[i]
		addr := ""
		if c, ok := n.cfg.NodeByID(uint32(ms.ID)); ok {
			addr = c.Addr
		}
		ws.Nodes = append(ws.Nodes, wire.NodeStatus{ID: uint32(ms.ID), Name: ms.Name, Addr: addr, Votes: ms.Votes,
			Expected: ms.Expected, State: uint32(ms.State), Eligible: ms.Eligible, Incarnation: uint64(ms.Incarnation), SFlag: ms.SFlag})
	}
	return ws
}

// snapshot queues the current state of the topics in mask, ahead of any
// later change (the loop is the only producer of events).
func (n *Node) snapshot(c *ctlConn, mask uint32) {
	st := n.mem.Status()
	if mask&wire.TopicQuorum != 0 {
		nl, _ := wire.EncodeBody(&wire.NodeListEvent{Ring: ringOf(st.Ring), Nodes: ids(st.Members)})
		c.event(wire.EvNodeList, nl)
		qe := &wire.QuorumEvent{Quorate: st.Quorum.Flags&wire.VQQuorate != 0}
		for _, q := range st.QuorumNodes { // the device's {0, 0} included
			qe.Nodes = append(qe.Nodes, wire.NodeState{ID: uint32(q.ID), State: uint32(q.State)})
		}
		qb, _ := wire.EncodeBody(qe)
		c.event(wire.EvQuorum, qb)
	}
	if mask&wire.TopicQuorumSvc != 0 {
		n.quorumSvcSnapshot(c, &st)
	}
	if mask&wire.TopicView != 0 {
		v := n.currentView(&st)
		v.UnixNano = time.Now().UnixNano()
		vb, _ := wire.EncodeBody(&v)
		c.event(wire.EvView, vb)
	}
}
