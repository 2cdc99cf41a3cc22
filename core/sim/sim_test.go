package sim

import (
	"flag"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goha/goha/core/membership"
)

var (
	flagSeeds = flag.Int("seeds", envInt("GOHA_SIM_SEEDS", 2000), "number of seeds in TestSweep")
	flagNodes = flag.Int("nodes", envInt("GOHA_SIM_NODES", 0), "cluster size (0: sizes 1 to 16 in turn)")
	flagSeed  = flag.Int64("seed", -1, "replay one seed (with -nodes) and print its trace")
	flagFirst = flag.Int("first", envInt("GOHA_SIM_FIRST", 1), "first seed of the sweep")
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func sizeFor(seed int) int {
	if *flagNodes > 0 {
		return *flagNodes
	}
	return 1 + seed%16
}

// TestSweep runs random fault scenarios and checks every invariant after
// every step, then liveness in the quiet period.
func TestSweep(t *testing.T) {
	if *flagSeed >= 0 {
		n := sizeFor(int(*flagSeed))
		c, err := NewCluster(VariedOptions(uint64(*flagSeed), n))
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.RunScenario()
		t.Logf("trace:\n%s", c.Trace())
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("seed %d nodes %d: common view %d ticks after the faults, %d view installs", *flagSeed, n, res.LivenessTicks, res.Views)
		return
	}
	seeds := *flagSeeds
	if testing.Short() && seeds > 200 {
		seeds = 200
	}
	start := time.Now()
	workers := max(2, runtime.GOMAXPROCS(0))
	var (
		mu     sync.Mutex
		failed int
		worst  int
		views  int
		wg     sync.WaitGroup
		ran    atomic.Int64
		next   = *flagFirst
		last   = *flagFirst + seeds
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= last || failed > 0 {
					mu.Unlock()
					return
				}
				seed := next
				next++
				mu.Unlock()
				ran.Add(1)
				n := sizeFor(seed)
				c, err := NewCluster(VariedOptions(uint64(seed), n))
				if err != nil {
					t.Error(err)
					return
				}
				res, err := c.RunScenario()
				mu.Lock()
				if err != nil {
					failed++
					t.Errorf("seed %d nodes %d: %v", seed, n, err)
				} else {
					worst = max(worst, res.LivenessTicks)
					views += res.Views
				}
				if done := seed - *flagFirst + 1; seeds >= 20000 && done%10000 == 0 {
					t.Logf("progress: about %d seeds done after %v, worst liveness so far %d ticks", done, time.Since(start).Round(time.Second), worst)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("%d seeds (from %d) in %v: worst liveness %d ticks (bound %d), %d view installs",
		ran.Load(), *flagFirst, time.Since(start).Round(time.Millisecond), worst, LivenessBound(DefaultOptionsConfig()), views)
}

// DefaultOptionsConfig is the membership config of the default sweep.
func DefaultOptionsConfig() membership.Config {
	c, _ := NewCluster(DefaultOptions(0, 1))
	return c.cfg
}

// TestSweepLarge runs a few seeds with large clusters (up to 64 nodes).
func TestSweepLarge(t *testing.T) {
	if testing.Short() || *flagSeed >= 0 {
		t.Skip("large clusters are slow")
	}
	for i, n := range []int{24, 40, 64} {
		seed := uint64(900001 + i)
		c, err := NewCluster(VariedOptions(seed, n))
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.RunScenario()
		if err != nil {
			t.Fatalf("seed %d nodes %d: %v", seed, n, err)
		}
		t.Logf("nodes %d: common view %d ticks after the faults", n, res.LivenessTicks)
	}
}
