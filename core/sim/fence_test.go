package sim

import (
	"testing"

	"github.com/goha/goha/core/membership"
)

// TestRestartedSupporters covers the part of the shortened fence wait that
// random sweeps rarely reach: the master's lease rests on two supporters
// that crash right after supporting it and restart at once, with their
// disks, while the master is cut off from everyone. The restarted nodes
// never heard the master in their new incarnations, and the two others
// have not heard it for a long time, so only the rule that a node never
// heard counts from the node's own start keeps the new master waiting
// until the old lease has run out (invariant 5 is checked after every
// step).
func TestRestartedSupporters(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		o := DefaultOptions(seed, 5)
		o.Packet.LossProb, o.Packet.DupProb = 0, 0
		c, err := NewCluster(o)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.RunTicks(40); err != nil {
			t.Fatal(err)
		}
		if m := masterOf(c); m != 1 {
			t.Fatalf("seed %d: master is n%d, want n1", seed, m)
		}
		// n1 keeps a quorate view with n4 and n5; n2 and n3 lose it.
		c.Net.Partition([][]uint32{{1, 4, 5}, {2, 3}})
		if err := c.RunTicks(40); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if m := masterOf(c); m != 1 || !c.Node(1).Quorate() {
			t.Fatalf("seed %d: master n%d after the first partition, want n1", seed, m)
		}
		// Right after n4 and n5 sent their support: cut n1 off, and restart
		// n4 and n5 at once.
		c.Net.Partition([][]uint32{{1}, {2, 3, 4, 5}})
		for _, id := range []membership.NodeID{4, 5} {
			c.Crash(id, false)
			if err := c.Restart(id); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.RunTicks(40); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if m := masterOf(c); m == 0 || m == 1 {
			t.Fatalf("seed %d: master n%d after the second partition, want a new one", seed, m)
		}
	}
}
