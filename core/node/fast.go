package node

import (
	"sync/atomic"
	"time"

	"github.com/goha/goha/core/quorum"
	"github.com/goha/goha/core/wire"
)

// The fast path: a few read-only requests are answered on the
// connection's reader goroutine from what the loop last published
// (publishVQ), without the hand-off to the loop and back. Rules that keep
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
	if m.Op != wire.OpVQGetInfo && m.Op != wire.OpPing && m.Op != wire.OpCMMNodeID {
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
