package sim

import (
	"testing"

	"github.com/goha/goha/core/membership"
)

// slowCluster returns the options of a cluster at the example timing
// (tick = heartbeat/10: H 10, F 30 ticks, as 300/900 ms), with n nodes and
// the given CPU model, no faults and a short network delay.
func slowCluster(seed uint64, n int, cpu CPUOptions) Options {
	o := DefaultOptions(seed, n)
	o.HeartbeatTicks, o.FailureTicks, o.MaxDelayTicks = 10, 30, 1
	o.MaxDriftPPM = 1000
	o.Packet = PacketOptions{MinDelay: 20, MaxDelay: 200}
	o.QuietDelay = 200
	o.CPU = cpu
	return o
}

// masterDisagreement counts, over ticks of true time, the ticks at which
// at least half the nodes name one node master and that node, running,
// does not act as master (a client that asked it would be told so).
func masterDisagreement(t *testing.T, c *Cluster, ticks int) (disagree int) {
	t.Helper()
	for range ticks {
		if err := c.RunTicks(1); err != nil {
			t.Fatal(err)
		}
		named := map[membership.NodeID]int{}
		for _, sn := range c.nodes {
			if sn.node == nil {
				continue
			}
			if m := sn.node.Status().Master; m != 0 && m != sn.id {
				named[m]++
			}
		}
		for m, k := range named {
			sn := c.nodes[m-1]
			if k >= c.Opts.Nodes/2 && c.running(sn) && !sn.node.IsMaster() {
				disagree++
			}
		}
	}
	return disagree
}

// TestSlowMaster64 is the 64-node state found on real processes: node 1,
// master of the one view, reported no master while the 63 others named
// it master. Its loop had become slower than its input (it did more work
// per message than the others) and fell behind: taking one input per pass
// after catching up on the ticks, it handled every heartbeat long after it
// arrived, so every echo its lease rests on was too old, and its lease
// lapsed while the view stood. Here node 1's loop becomes 7 times slower
// once the view has formed (a message costs it 0.14 tick, 6.3 arrive per
// tick, its inbox holds 1024). With one input per pass the test fails: the
// others name n1 for 51 ticks while it does not act, then n1, the
// representative, moves the mastership to n2. A pass over the whole batch
// in arrival order, skipping superseded heartbeats (StepBatch), keeps up:
// no disagreement, and the view and its roles stay as they were.
func TestSlowMaster64(t *testing.T) {
	if testing.Short() {
		t.Skip("64 nodes")
	}
	cpu := CPUOptions{RecvCost: 20, SendCost: 2, PassCost: 5, Inbox: 1024}
	c, err := NewCluster(slowCluster(1, 64, cpu))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RunTicks(100); err != nil {
		t.Fatal(err)
	}
	ring := c.Node(1).Ring()
	if !c.converged() || masterOf(c) != 1 {
		t.Fatalf("no common view with master n1 after 100 ticks: %s", c.viewsBrief())
	}
	c.Opts.CPU.Slow = map[membership.NodeID]float64{1: 7}
	if d := masterDisagreement(t, c, 600); d > 0 {
		t.Errorf("for %d of 600 ticks the others named a master that did not act as master (inbox drops %d): %s",
			d, c.InboxDrops, c.viewsBrief())
	}
	if !c.converged() || c.Node(1).Ring() != ring || masterOf(c) != 1 {
		t.Errorf("the view or its roles changed under load: %s, master n%d", c.viewsBrief(), masterOf(c))
	}
}

// overloadRun starts n nodes at heartbeat 4, failure 40 ticks (20/200 ms
// with the daemon's 5 ms tick) on a machine with the given CPU model,
// and reports the tick at which one common view of all nodes formed (-1:
// never within formTicks) and the view installations of the hold period
// that follows.
func overloadRun(t *testing.T, seed uint64, n int, cpu CPUOptions, formTicks, holdTicks int) (formed, changes int, c *Cluster) {
	t.Helper()
	o := DefaultOptions(seed, n)
	o.HeartbeatTicks, o.FailureTicks, o.MaxDelayTicks = 4, 40, 2
	o.MaxDriftPPM = 1000
	o.Packet = PacketOptions{MinDelay: 20, MaxDelay: 300}
	o.QuietDelay = 300
	o.CPU = cpu
	c, err := NewCluster(o)
	if err != nil {
		t.Fatal(err)
	}
	return settle(t, c, formTicks, holdTicks)
}

// settle runs c (drawing stalls) until one common view of every running
// node forms, at most formTicks (formed -1 if it does not), then holdTicks
// more, and counts the view installations of the hold period.
func settle(t *testing.T, c *Cluster, formTicks, holdTicks int) (formed, changes int, _ *Cluster) {
	t.Helper()
	installs := 0
	c.OnEvent = func(id membership.NodeID, e membership.Event) {
		if e.Kind == membership.EventViewInstalled {
			installs++
		}
	}
	defer func() { c.OnEvent = nil }()
	formed = -1
	for tick := 1; tick <= formTicks; tick++ {
		c.drawStalls()
		if err := c.RunTicks(1); err != nil {
			t.Fatal(err)
		}
		if c.converged() {
			formed = tick
			break
		}
	}
	if formed < 0 {
		return formed, installs, c
	}
	installs = 0
	for range holdTicks {
		c.drawStalls()
		if err := c.RunTicks(1); err != nil {
			t.Fatal(err)
		}
	}
	return formed, installs, c
}

// TestOverloadSettles starts 24 and 32 nodes at 20/200 ms (heartbeat 4,
// failure 40 ticks) on a 2-core machine that cannot keep up with them
// (every message costs 11 units of CPU time: 32 nodes want 1.4 cores for
// their heartbeats alone) and whose processes now and then miss up to 30
// ticks of CPU (less than the failure timeout). On real processes such
// clusters never formed one view: hundreds of view changes per node,
// every node ending alone. Here one view forms, holds without a change,
// forms again after four nodes crash and restart, and holds again.
func TestOverloadSettles(t *testing.T) {
	if testing.Short() {
		t.Skip("large clusters")
	}
	cpu := CPUOptions{Cores: 2, RecvCost: 8, ReadCost: 1, SendCost: 2, PassCost: 3, Inbox: 1024,
		StallProb: 0.001, MaxStall: 30 * TickUnits}
	for _, n := range []int{24, 32} {
		formed, changes, c := overloadRun(t, uint64(n), n, cpu, 1000, 1500)
		if formed < 0 || changes > 0 {
			t.Fatalf("%d nodes: formed at tick %d, then %d view installations in 1500 ticks: %s", n, formed, changes, c.viewsBrief())
		}
		for id := membership.NodeID(3); id <= 12; id += 3 {
			c.Crash(id, id == 6)
		}
		for range 200 {
			c.drawStalls()
			if err := c.RunTicks(1); err != nil {
				t.Fatal(err)
			}
		}
		for id := membership.NodeID(3); id <= 12; id += 3 {
			if err := c.Restart(id); err != nil {
				t.Fatal(err)
			}
		}
		again, changes, c := settle(t, c, 1000, 1500)
		if again < 0 || changes > 0 {
			t.Fatalf("%d nodes after crashes and restarts: formed after %d ticks, then %d view installations in 1500 ticks: %s",
				n, again, changes, c.viewsBrief())
		}
		t.Logf("%d nodes: one view after %d ticks, again %d ticks after the restarts; inbox drops %d", n, formed, again, c.InboxDrops)
	}
}
