package sim

import (
	"testing"

	"github.com/goha/goha/core/membership"
	"github.com/goha/goha/core/wire"
)

// joinTicks runs c until one common view of all running nodes forms and
// returns how many ticks that took (-1: not within limit).
func joinTicks(t *testing.T, c *Cluster, limit int) int {
	t.Helper()
	for tick := 0; tick <= limit; tick++ {
		if c.converged() {
			return tick
		}
		if err := c.RunTicks(1); err != nil {
			t.Fatal(err)
		}
	}
	return -1
}

// TestWipedNodeRejoins: a node that lived for a while (2,000 ticks, a
// minute at the example timing) restarts with a wiped disk: incarnation 1
// and datagram sequence numbers from 1 again, below everything its peers
// saw from it. It rejoins within the time a fresh node takes to join
// (daemons of version 1 dropped it as a replay until its new sequence
// numbers passed the old ones: as long as it had lived). Datagrams of its
// old process, replayed afterwards, are refused: their session is
// challenged and nobody answers.
func TestWipedNodeRejoins(t *testing.T) {
	o := slowCluster(7, 5, CPUOptions{})
	o.Packet.DupProb = 0.05 // duplicates must be refused, not counted
	c, err := NewCluster(o)
	if err != nil {
		t.Fatal(err)
	}
	c.Net.Opts = o.Packet
	fresh := joinTicks(t, c, 500)
	if fresh < 0 {
		t.Fatalf("no first view: %s", c.viewsBrief())
	}
	// A node that starts later joins in about this much time too.
	c.Crash(4, false)
	if joinTicks(t, c, 500) < 0 {
		t.Fatal("no view without n4")
	}
	if err := c.Restart(4); err != nil {
		t.Fatal(err)
	}
	late := joinTicks(t, c, 500)
	if err := c.RunTicks(2000); err != nil {
		t.Fatal(err)
	}
	old := c.nodes[2]
	oldSession, oldSeq := old.session, old.seq
	oldInc := old.node.Status().Incarnation
	if oldSeq < 500 {
		t.Fatalf("n3 sent only %d datagrams", oldSeq)
	}
	c.Crash(3, true)
	if err := c.Restart(3); err != nil {
		t.Fatal(err)
	}
	rejoin := joinTicks(t, c, 500)
	bound := LivenessBound(c.cfg)
	t.Logf("first view after %d ticks, a late node joined in %d, the wiped n3 (had sent %d datagrams) rejoined in %d (bound %d); %d duplicates refused",
		fresh, late, oldSeq, rejoin, bound, c.Replays)
	if rejoin < 0 || rejoin > bound {
		t.Fatalf("the wiped node did not rejoin within %d ticks: %s", bound, c.viewsBrief())
	}
	if inc := c.Node(3).Status().Incarnation; inc <= oldInc {
		t.Errorf("n3 rejoined as incarnation %d, not above its old %d", inc, oldInc)
	}
	if c.Replays == 0 {
		t.Error("no duplicate was refused")
	}
	// Replays of the old process: a heartbeat of its old incarnation, with
	// sequence numbers it never used, to every peer.
	ring := c.Node(1).Ring()
	for to := membership.NodeID(1); to <= 5; to++ {
		if to == 3 {
			continue
		}
		m := membership.Message{Type: membership.MsgHeartbeat, From: 3, To: to, Incarnation: oldInc, Now: 1 << 20}
		for k := range uint64(3) {
			c.deliver(c.nodes[to-1], Packet[datagram]{From: 3, To: uint32(to),
				Msg: datagram{kind: wire.KindData, session: oldSession, seq: oldSeq + 1 + k, msg: m}})
		}
		if got := c.nodes[to-1].sessions.Verified(3); got != c.nodes[2].session {
			t.Errorf("n%d: verified session of n3 is %x, want the new process's %x", to, got, c.nodes[2].session)
		}
	}
	if err := c.RunTicks(100); err != nil {
		t.Fatal(err)
	}
	if !c.converged() || c.Node(1).Ring() != ring {
		t.Errorf("replays of the old process changed the view: %s", c.viewsBrief())
	}
	for to := membership.NodeID(1); to <= 5; to++ {
		if to != 3 && c.nodes[to-1].sessions.Verified(3) != c.nodes[2].session {
			t.Errorf("n%d accepted the old session of n3", to)
		}
	}
}
