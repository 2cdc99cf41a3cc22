package sim

import (
	"slices"
	"testing"

	"github.com/goha/goha/core/quorum"
)

// TestViewMatchesStatus: the cheap accessors the daemon calls after every
// pass (View, SFlags) say what Status says, and the steady-state shortcut
// of the wanted group chooses what the full computation chooses, through
// faults and admin calls.
func TestViewMatchesStatus(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		c, err := NewCluster(VariedOptions(seed, 2+int(seed%15)))
		if err != nil {
			t.Fatal(err)
		}
		c.Watch = func() {
			for _, id := range c.Alive() {
				n := c.Node(id)
				st, v := n.Status(), n.View()
				if v.Ring != st.Ring || !slices.Equal(v.Members, st.Members) || v.Master != st.Master || v.Vice != st.Vice ||
					v.Quorate != (st.Quorum.Flags&quorum.InfoQuorate != 0) {
					t.Fatalf("seed %d n%d: View %+v, Status ring %s members %v master %d vice %d flags %x",
						seed, id, v, st.Ring, st.Members, st.Master, st.Vice, st.Quorum.Flags)
				}
				if err := n.CheckDesired(); err != nil {
					t.Fatalf("seed %d n%d: %v", seed, id, err)
				}
				for i, f := range n.SFlags(nil) {
					if f != st.Nodes[i].SFlag {
						t.Fatalf("seed %d n%d: SFlags[%d] %x, Status %x", seed, id, i, f, st.Nodes[i].SFlag)
					}
				}
			}
		}
		if _, err := c.RunScenario(); err != nil {
			t.Fatal(err)
		}
	}
}
