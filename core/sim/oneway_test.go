package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/goha/goha/core/membership"
)

// TestOneWayNoFlapping: under persistent one-way link failures (and no
// other fault) the views settle and then stay put, and every view is a
// clique of two-way links: "exclude rather than flap".
func TestOneWayNoFlapping(t *testing.T) {
	seeds := 150
	if testing.Short() {
		seeds = 30
	}
	for seed := 1; seed <= seeds; seed++ {
		n := 3 + seed%6
		o := DefaultOptions(uint64(seed), n)
		c, err := NewCluster(o)
		if err != nil {
			t.Fatal(err)
		}
		installs := 0
		var last = map[membership.NodeID]membership.Event{}
		c.OnEvent = func(id membership.NodeID, e membership.Event) {
			if e.Kind == membership.EventViewInstalled {
				installs++
				last[id] = e
			}
		}
		if err := c.RunTicks(40); err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		var cuts []string
		for range 1 + r.IntN(3) {
			a, b := uint32(1+r.IntN(n)), uint32(1+r.IntN(n))
			if a != b {
				c.Net.Cut(a, b)
				cuts = append(cuts, fmt.Sprintf("%d->%d", a, b))
			}
		}
		if err := c.RunTicks(120); err != nil {
			t.Fatal(err)
		}
		before := installs
		if err := c.RunTicks(150); err != nil {
			t.Fatal(err)
		}
		if installs != before {
			t.Errorf("seed %d n %d cuts %v: %d view installs after settling\n%s", seed, n, cuts, installs-before, c.viewsSummary())
			continue
		}
		for id, e := range last {
			for _, a := range e.Members {
				for _, b := range e.Members {
					if a != b && c.Net.IsCut(uint32(a), uint32(b)) {
						t.Errorf("seed %d cuts %v: n%d's view %s %v holds %d and %d, which do not hear each other",
							seed, cuts, id, e.Ring, e.Members, a, b)
					}
				}
			}
		}
	}
}
