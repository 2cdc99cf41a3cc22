package sim

import (
	"fmt"
	"testing"

	"github.com/goha/goha/core/membership"
	"github.com/goha/goha/core/wire"
)

// failoverFigures measures, in nominal ticks on a healthy cluster of n
// nodes (no loss, drift as in the default sweep): how long after a crash the
// first node stops hearing the crashed node, how long until every running
// node installed a view without it, and for a crash of the master how long
// until the new master acts. It also counts steady-state messages.
type failoverFigures struct {
	detect, install, masterDetect, masterInstall, newMaster float64
	msgsPerNodeTick                                         float64
	heartbeatBytes                                          int
}

func measure(tb testing.TB, n int) failoverFigures {
	o := DefaultOptions(42, n)
	c, err := NewCluster(o)
	if err != nil {
		tb.Fatal(err)
	}
	var f failoverFigures
	if err := c.RunTicks(60); err != nil {
		tb.Fatal(err)
	}
	// Steady state: messages per node per tick over 100 ticks.
	sent := c.Net.Sent
	if err := c.RunTicks(100); err != nil {
		tb.Fatal(err)
	}
	f.msgsPerNodeTick = float64(c.Net.Sent-sent) / float64(n) / 100
	f.heartbeatBytes = heartbeatSize(c, n)
	if n < 2 {
		return f
	}
	f.detect, f.install, _ = crashAndWait(tb, c, membership.NodeID(n))
	// The master's crash, on a fresh cluster.
	c, err = NewCluster(o)
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.RunTicks(60); err != nil {
		tb.Fatal(err)
	}
	f.masterDetect, f.masterInstall, f.newMaster = crashAndWait(tb, c, masterOf(c))
	return f
}

func masterOf(c *Cluster) membership.NodeID {
	for _, id := range c.Alive() {
		if sn := c.nodes[id-1]; c.current(sn) && sn.node.IsMaster() {
			return id
		}
	}
	return 0
}

// crashAndWait crashes victim and returns the ticks until the first
// running node stops hearing it, until all running nodes installed a view
// without it, and until a master acts again.
func crashAndWait(tb testing.TB, c *Cluster, victim membership.NodeID) (detect, install, master float64) {
	if victim == 0 {
		tb.Fatal("no master")
	}
	start := c.Now
	c.Crash(victim, false)
	step := TickUnits / 10
	for c.Now-start < 200*TickUnits && (detect == 0 || install == 0 || master == 0) {
		if err := c.Run(c.Now + step); err != nil {
			tb.Fatal(err)
		}
		el := float64(c.Now-start) / float64(TickUnits)
		all := true
		for _, id := range c.Alive() {
			st := c.Node(id).Status()
			if detect == 0 && !st.Nodes[victim-1].Heard {
				detect = el
			}
			if st.Nodes[victim-1].Member || st.Ring.IsZero() {
				all = false
			}
		}
		if install == 0 && all {
			install = el
		}
		if master == 0 && install != 0 && masterOf(c) != 0 {
			master = el
		}
	}
	return detect, install, master
}

func heartbeatSize(c *Cluster, n int) int {
	m := membership.Message{Type: membership.MsgHeartbeat, From: 1, To: 2, Incarnation: 3,
		Ring: membership.RingID{Rep: 1, Seq: 12}, Now: 123456, Echo: 123450,
		Hears: make([]uint64, (n+63)/64), View: make([]uint64, (n+63)/64),
		Votes: 1, Expected: uint32(n), QFlags: 1, Flags: 0x1b}
	for i := range m.Hears {
		m.Hears[i], m.View[i] = ^uint64(0)>>1, ^uint64(0)>>1
	}
	return len(wire.AppendMember(nil, &m))
}

// BenchmarkFailover reports failure detection and view installation times
// by cluster size (heartbeat 2 ticks, failure 8 ticks, drift up to 2%,
// delay up to 0.5 tick), and steady-state message rates. Meaningful at
// b.N=1 (make bench uses -benchtime 1x).
func BenchmarkFailover(b *testing.B) {
	for _, n := range []int{3, 8, 16, 64} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			var f failoverFigures
			for range b.N {
				f = measure(b, n)
			}
			b.ReportMetric(f.detect, "detect-ticks")
			b.ReportMetric(f.install, "view-ticks")
			b.ReportMetric(f.masterInstall, "master-crash-view-ticks")
			b.ReportMetric(f.newMaster, "new-master-ticks")
			b.ReportMetric(f.msgsPerNodeTick, "msgs/node/tick")
			b.ReportMetric(float64(f.heartbeatBytes), "heartbeat-bytes")
		})
	}
}

// TestFailoverFigures checks the measured figures against the bounds of
// the package doc for small clusters.
func TestFailoverFigures(t *testing.T) {
	for _, n := range []int{3, 8} {
		f := measure(t, n)
		cfg := DefaultOptions(42, n)
		bound := float64(LivenessBound(membership.Config{HeartbeatTicks: cfg.HeartbeatTicks, FailureTicks: cfg.FailureTicks,
			MaxDelayTicks: cfg.MaxDelayTicks, MaxDriftPPM: cfg.MaxDriftPPM}))
		t.Logf("n=%d detect=%.1f view=%.1f master-crash view=%.1f new master=%.1f msgs/node/tick=%.2f heartbeat=%dB",
			n, f.detect, f.install, f.masterInstall, f.newMaster, f.msgsPerNodeTick, f.heartbeatBytes)
		// The silence starts at the victim's last heartbeat, up to H ticks
		// before the crash.
		lo, hi := float64(cfg.FailureTicks-cfg.HeartbeatTicks-1), float64(cfg.FailureTicks+1)
		if f.detect < lo || f.detect > hi || f.masterDetect < lo || f.masterDetect > hi {
			t.Errorf("n=%d: detection after %.1f/%.1f ticks, want F-H-1..F+1", n, f.detect, f.masterDetect)
		}
		// The fence wait counts from the members' last message from the
		// crashed master, at least F ticks before they accepted the view
		// without it: W - F ticks after the view at most (plus a tick of
		// clock phase and a tick of measuring step).
		if w := float64(membership.FenceTicks(membership.Config{HeartbeatTicks: cfg.HeartbeatTicks, FailureTicks: cfg.FailureTicks,
			MaxDriftPPM: cfg.MaxDriftPPM})); f.newMaster < f.masterInstall || f.newMaster > f.masterInstall+w-float64(cfg.FailureTicks)+2 {
			t.Errorf("n=%d: new master after %.1f ticks, want between the view (%.1f) and the view plus W-F (%.0f-%d)",
				n, f.newMaster, f.masterInstall, w, cfg.FailureTicks)
		}
		if f.install > bound || f.masterInstall > bound {
			t.Errorf("n=%d: view after %.1f/%.1f ticks, bound %.0f", n, f.install, f.masterInstall, bound)
		}
		if want := float64(n-1) / float64(cfg.HeartbeatTicks); f.msgsPerNodeTick > want*1.05 {
			t.Errorf("n=%d: %.2f messages per node per tick in steady state, want (n-1)/H = %.2f", n, f.msgsPerNodeTick, want)
		}
	}
}
