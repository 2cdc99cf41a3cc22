package sim

import "testing"

// TestPausedMaster pauses the master: the others elect a new master after
// the failure timeout and the fence wait; the paused master's clock keeps
// running (the daemon catches up on ticks before anything else), so it has
// stopped acting by then and the checker never sees two quorate masters;
// after the resume it rejoins the new view.
func TestPausedMaster(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		o := DefaultOptions(seed, 3+int(seed%3))
		c, err := NewCluster(o)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.RunTicks(50); err != nil {
			t.Fatal(err)
		}
		old := masterOf(c)
		if old == 0 {
			t.Fatalf("seed %d: no master after 50 ticks", seed)
		}
		c.Pause(old)
		if err := c.RunTicks(60); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if m := masterOf(c); m == 0 || m == old {
			t.Fatalf("seed %d: master during the pause of n%d is n%d", seed, old, m)
		}
		c.Resume(old)
		if err := c.RunTicks(40); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !c.converged() {
			t.Fatalf("seed %d: no common view after the resume: %s", seed, c.viewsSummary())
		}
	}
}
