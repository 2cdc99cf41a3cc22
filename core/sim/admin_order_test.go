package sim

import (
	"testing"

	"github.com/goha/goha/core/membership"
	"github.com/goha/goha/core/quorum"
)

// TestSetExpectedThenNodeLoss: setexpected(4) then setexpected(3) on one
// node, with the second call at every offset within a few ticks of the
// first, leaves every node at expected 3, quorum 2; losing a node then
// keeps the other two quorate with quorum 2.
func TestSetExpectedThenNodeLoss(t *testing.T) {
	for seed := uint64(1); seed <= 300; seed++ {
		o := DefaultOptions(seed, 3)
		c, err := NewCluster(o)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.RunTicks(30); err != nil {
			t.Fatal(err)
		}
		admin := func(v uint32) {
			if err := c.Node(1).SetExpected(v); err != nil {
				t.Fatalf("seed %d: setexpected(%d): %v", seed, v, err)
			}
			c.drain(c.nodes[0])
		}
		admin(4)
		if err := c.Run(c.Now + Time(c.rng.IntN(4*int(TickUnits)))); err != nil {
			t.Fatal(err)
		}
		admin(3)
		if err := c.RunTicks(20); err != nil {
			t.Fatal(err)
		}
		for id := membership.NodeID(1); id <= 3; id++ {
			info, _ := c.Node(id).GetInfo(0)
			if info.Quorum != 2 || info.ExpectedVotes != 3 || info.HighestExpected != 3 {
				t.Errorf("seed %d: n%d before the loss: %+v\n%s", seed, id, info, c.Trace())
			}
		}
		c.Crash(3, false)
		if err := c.RunTicks(40); err != nil {
			t.Fatal(err)
		}
		for id := membership.NodeID(1); id <= 2; id++ {
			info, _ := c.Node(id).GetInfo(0)
			if info.Quorum != 2 || info.Flags&quorum.InfoQuorate == 0 {
				t.Errorf("seed %d: n%d after the loss: %+v", seed, id, info)
			}
		}
		if t.Failed() {
			return
		}
	}
}

// TestLostSetExpectedIsResent: node 2 misses a setexpected and both of its
// repetitions (the links to it are cut for longer than they take, but less
// than the failure timeout). Nodes 1 and 3 keep their own record of node
// 2's expected votes meanwhile, and once the links are back they see from
// node 2's heartbeats that the change is missing there and send it again.
func TestLostSetExpectedIsResent(t *testing.T) {
	for seed := uint64(1); seed <= 50; seed++ {
		o := DefaultOptions(seed, 3)
		o.VoteAdmin = true  // expected 5 with 3 votes: inquorate by design
		o.FailureTicks = 20 // the cut must not change the view
		c, err := NewCluster(o)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.RunTicks(30); err != nil {
			t.Fatal(err)
		}
		c.Net.Cut(1, 2)
		c.Net.Cut(3, 2)
		if err := c.Node(1).SetExpected(5); err != nil {
			t.Fatal(err)
		}
		c.drain(c.nodes[0])
		if err := c.RunTicks(5); err != nil {
			t.Fatal(err)
		}
		if info, _ := c.Node(2).GetInfo(0); info.ExpectedVotes == 5 {
			t.Fatalf("seed %d: n2 got the change through a cut link", seed)
		}
		for _, id := range []membership.NodeID{1, 3} {
			if info, _ := c.Node(id).GetInfo(2); info.ExpectedVotes != 5 {
				t.Fatalf("seed %d: n%d took n2's expected votes from before the change: %+v", seed, id, info)
			}
		}
		c.Net.HealAll()
		if err := c.RunTicks(8); err != nil {
			t.Fatal(err)
		}
		if got := len(c.Node(1).Status().Members); got != 3 {
			t.Fatalf("seed %d: the cut changed the view (%d members)", seed, got)
		}
		for id := membership.NodeID(1); id <= 3; id++ {
			info, _ := c.Node(id).GetInfo(0)
			if info.ExpectedVotes != 5 || info.Quorum != 3 {
				t.Errorf("seed %d: n%d after the heal: %+v", seed, id, info)
			}
		}
	}
}

// TestSweepRegressions replays seeds outside the default sweep that once
// failed (with vote changes of any value, as the sweep then made them), with
// what they caught.
func TestSweepRegressions(t *testing.T) {
	for _, s := range []struct {
		seed, nodes int
		why         string
	}{
		{2786, 3, "a node inquorate with expected votes 5 (after setvotes) joins a quorate pair at 3: " +
			"the order of the commit's member infos left its quorum at 3 while the others had 2"},
		{5716, 5, "an inquorate node at expected 7 (setexpected in a partition) joins quorate nodes at 5: " +
			"it took its own 7 for an inquorate member before adopting 5, and kept quorum 4"},
		{9116, 13, "setexpected 14 then 13 from two nodes: a commit carried a member's ack from before " +
			"it applied 13, accepted because a newer heartbeat had been heard"},
		{18396, 13, "setexpected 15 and setvotes from two nodes at once: a node that got the newer-stamped " +
			"setvotes first dropped the setexpected (changes were ordered by one stamp, not per setting)"},
	} {
		o := VariedOptions(uint64(s.seed), s.nodes)
		o.AnyVotes = true // as when they were found
		c, err := NewCluster(o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.RunScenario(); err != nil {
			t.Errorf("seed %d nodes %d (%s): %v", s.seed, s.nodes, s.why, err)
		}
	}
}

// TestVoteAdminExact: random setexpected and setvotes calls from random
// nodes (with the CMM admin calls) under message loss, duplication,
// reordering and delay, without crashes or partitions; once settled every
// node must report exactly votequorum's quorum, and all the same.
func TestVoteAdminExact(t *testing.T) {
	for seed := uint64(1); seed <= 400; seed++ {
		o := DefaultOptions(seed, 2+int(seed%8))
		o.CrashProb, o.RestartProb, o.PauseProb, o.PartitionProb, o.OneWayProb = 0, 0, 0, 0, 0
		o.VoteAdmin, o.AdminExact, o.AnyVotes, o.AdminProb = true, true, true, 0.3
		c, err := NewCluster(o)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.RunScenario(); err != nil {
			t.Fatalf("seed %d nodes %d: %v", seed, o.Nodes, err)
		}
	}
}
