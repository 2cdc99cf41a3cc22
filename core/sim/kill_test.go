package sim

import (
	"errors"
	"testing"

	"github.com/goha/goha/core/membership"
)

// TestKillNode: corosync_cfg_kill_node. A member asked to stop gets
// EventKilled naming the asker, also with the simulator's message loss (the
// request is repeated); the local node gets it at once; a node outside the
// view cannot be killed.
func TestKillNode(t *testing.T) {
	for seed := uint64(1); seed <= 50; seed++ {
		c, err := NewCluster(DefaultOptions(seed, 3))
		if err != nil {
			t.Fatal(err)
		}
		killed := map[membership.NodeID]membership.NodeID{}
		c.OnEvent = func(id membership.NodeID, e membership.Event) {
			if e.Kind == membership.EventKilled {
				killed[id] = e.Node
			}
		}
		if err := c.RunTicks(30); err != nil {
			t.Fatal(err)
		}
		if err := c.Node(1).KillNode(9); !errors.Is(err, membership.ErrUnknownNode) {
			t.Fatalf("seed %d: kill of an unknown node: %v", seed, err)
		}
		if err := c.Node(1).KillNode(3); err != nil {
			t.Fatalf("seed %d: kill 3: %v", seed, err)
		}
		if err := c.Node(2).KillNode(2); err != nil {
			t.Fatalf("seed %d: kill self: %v", seed, err)
		}
		c.drain(c.nodes[0])
		c.drain(c.nodes[1])
		if err := c.RunTicks(10); err != nil {
			t.Fatal(err)
		}
		if killed[3] != 1 || killed[2] != 2 || len(killed) != 2 {
			t.Fatalf("seed %d: killed (victim: asker) %v\n%s", seed, killed, c.Trace())
		}
	}
}
