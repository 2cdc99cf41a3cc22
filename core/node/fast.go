package node

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/goha/goha/core/membership"
	"github.com/goha/goha/core/quorum"
	"github.com/goha/goha/core/wire"
)

// The fast path: a few read-only requests (vq.getinfo, ping, and the CMM
// queries cmm.nodeid, cmm.member, cmm.members, cmm.master,
// cmm.vicemaster) are answered on the connection's reader goroutine from
// what the loop last published (publishVQ, publishCMM), without the
// hand-off to the loop and back. Rules that keep
// it indistinguishable from the loop's answer:
//   - only while the loop has passed within the validity window (1.5
//     ticks), so a stalled loop is never answered for; otherwise the
//     request waits for the loop like any other;
//   - only when no earlier request of the connection is still with the
//     loop (ctlConn.pending), so replies keep the order of requests;
//   - only on connections without event topics: the loop publishes state
//     before it queues the events that announce it, so on a subscribed
//     connection a fast reply could overtake an event it follows from;
//     across connections that same order means a client that has seen an
//     event reads at least the state it announced;
//   - anything else (unknown nodes, errors, other ops) goes to the loop.

// vqState is what publishVQ keeps and shares with the reader goroutines.
type vqState struct {
	last, next []wire.VQInfo               // loop only
	scratch    []quorum.Info               // loop only
	fast       atomic.Pointer[fastAnswers] // immutable once stored
	validUntil atomic.Int64                // time.Since(Node.start), ns
	cmm        atomic.Pointer[cmmAnswers]  // immutable once stored
	// loop only: what cmm was made from (publishCMM)
	cmmView                membership.View
	cmmFlags, cmmLastFlags []uint32
	cmmIncs, cmmLastIncs   []uint32
}

// cmmAnswers are the results of the CMM queries as the loop last saw the
// membership; only successful answers are kept (errors come from the loop).
type cmmAnswers struct {
	inCluster    bool
	master, vice uint32
	ids          []uint32
	out          []bool   // ids[i] is out of the cluster
	member       [][]byte // cmm.member result for ids[i]
	all, members []byte   // cmm.members with all, and without (nil when not in a cluster)
}

// publishCMM refreshes the CMM answers when the view, a member's CMM flags
// or an incarnation changed (cheap to compare; the answers need a full
// Status, and the rest of a member's entry is fixed by the config). The
// loop calls it where it calls publishVQ, with the same ordering rule.
func (n *Node) publishCMM() {
	q := &n.vqs
	mv := n.mem.View()
	q.cmmFlags = n.mem.SFlags(q.cmmFlags[:0])
	q.cmmIncs = n.mem.Incarnations(q.cmmIncs[:0])
	if q.cmm.Load() != nil && mv.Ring == q.cmmView.Ring && mv.Master == q.cmmView.Master && mv.Vice == q.cmmView.Vice &&
		mv.Quorate == q.cmmView.Quorate && slices.Equal(mv.Members, q.cmmView.Members) &&
		slices.Equal(q.cmmFlags, q.cmmLastFlags) && slices.Equal(q.cmmIncs, q.cmmLastIncs) {
		return
	}
	mv.Members = slices.Clone(mv.Members)
	q.cmmView, q.cmmLastFlags = mv, append(q.cmmLastFlags[:0], q.cmmFlags...)
	q.cmmLastIncs = append(q.cmmLastIncs[:0], q.cmmIncs...)
	st := n.mem.Status()
	q.cmm.Store(n.cmmAnswersOf(&st))
}

// cmmAnswersOf builds the CMM answers from st.
func (n *Node) cmmAnswersOf(st *membership.Status) *cmmAnswers {
	in := n.inCluster(st)
	entries := make([]wire.CMMMember, len(st.Nodes))
	for i := range st.Nodes {
		entries[i] = n.memberEntry(&st.Nodes[i])
	}
	a := &cmmAnswers{inCluster: in, master: uint32(st.Master), vice: uint32(st.Vice),
		ids: make([]uint32, len(entries)), out: make([]bool, len(entries)), member: make([][]byte, len(entries))}
	var members []wire.CMMMember
	for i := range entries {
		a.ids[i] = entries[i].NodeID
		a.out[i] = entries[i].SFlag&wire.CMMOutOfCluster != 0
		a.member[i], _ = wire.EncodeBody(&entries[i]) // nil: the loop answers (and reports) it
		if !a.out[i] {
			members = append(members, entries[i])
		}
	}
	a.all, _ = wire.EncodeBody(&wire.CMMMembers{Members: entries})
	if in {
		if members == nil {
			members = []wire.CMMMember{}
		}
		a.members, _ = wire.EncodeBody(&wire.CMMMembers{Members: members})
	}
	return a
}

// body returns the cmm.member result for node id (potential: whether or
// not it is in the cluster), or nil for an answer the loop must give.
func (a *cmmAnswers) body(id uint32, potential bool) []byte {
	for i, x := range a.ids {
		if x == id {
			if !potential && (!a.inCluster || a.out[i]) {
				return nil
			}
			return a.member[i]
		}
	}
	return nil
}

// fastCMM returns the answer to a CMM query, or nil.
func (a *cmmAnswers) fastCMM(m *wire.Msg) []byte {
	switch m.Op {
	case wire.OpCMMMember:
		var arg wire.MemberArg
		if wire.DecodeBody(m.Body, &arg) != nil {
			return nil // the loop reports the bad argument
		}
		return a.body(arg.Node, arg.Potential)
	case wire.OpCMMMembers:
		var arg wire.MembersArg
		if wire.DecodeBody(m.Body, &arg) != nil {
			return nil
		}
		if arg.All {
			return a.all
		}
		return a.members
	case wire.OpCMMMaster:
		if a.master == 0 {
			return nil
		}
		return a.body(a.master, true)
	case wire.OpCMMViceMaster:
		if !a.inCluster || a.vice == 0 {
			return nil
		}
		return a.body(a.vice, true)
	}
	return nil
}

// fastAnswers are encoded result bodies, ready to send.
type fastAnswers struct {
	self   uint32
	ids    []uint32
	bodies [][]byte // vq.getinfo result for ids[i]
	nodeID []byte   // cmm.nodeid result
}

func newFastAnswers(self uint32, infos []wire.VQInfo) *fastAnswers {
	f := &fastAnswers{self: self, ids: make([]uint32, 0, len(infos)), bodies: make([][]byte, 0, len(infos))}
	for i := range infos {
		b, err := wire.EncodeBody(&infos[i])
		if err != nil {
			continue // the loop will answer (and report) it
		}
		f.ids = append(f.ids, infos[i].NodeID)
		f.bodies = append(f.bodies, b)
	}
	f.nodeID, _ = wire.EncodeBody(&wire.NodeArg{Node: self})
	return f
}

// answerFast answers m on c's reader goroutine if the rules above allow;
// false: hand it to the loop.
func (n *Node) answerFast(c *ctlConn, m *wire.Msg) bool {
	switch m.Op {
	case wire.OpVQGetInfo, wire.OpPing, wire.OpCMMNodeID, wire.OpCMMMember, wire.OpCMMMembers,
		wire.OpCMMMaster, wire.OpCMMViceMaster:
	default:
		return false
	}
	if c.pending.Load() != 0 || c.topics.Load() != 0 {
		return false
	}
	f := n.vqs.fast.Load()
	if f == nil || int64(time.Since(n.start)) >= n.vqs.validUntil.Load() {
		return false
	}
	var body []byte
	switch m.Op {
	case wire.OpCMMMember, wire.OpCMMMembers, wire.OpCMMMaster, wire.OpCMMViceMaster:
		a := n.vqs.cmm.Load()
		if a == nil {
			return false
		}
		if body = a.fastCMM(m); body == nil {
			return false
		}
	case wire.OpCMMNodeID:
		if f.nodeID == nil {
			return false
		}
		body = f.nodeID
	case wire.OpVQGetInfo:
		var a wire.NodeArg
		if wire.DecodeBody(m.Body, &a) != nil {
			return false // the loop reports the bad argument
		}
		if a.Node == 0 {
			a.Node = f.self
		}
		for i, id := range f.ids {
			if id == a.Node {
				body = f.bodies[i]
				break
			}
		}
		if body == nil {
			return false
		}
	}
	c.sendDirect(&wire.Msg{Type: wire.TypeReply, ID: m.ID, Code: wire.CodeOK, Body: body})
	return true
}
