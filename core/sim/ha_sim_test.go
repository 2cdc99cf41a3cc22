package sim

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/goha/goha/core/ha"
)

var (
	haSeed  = flag.Uint64("ha-seed", 0, "run only this HA simulation seed")
	haSeeds = flag.Int("ha-seeds", 40, "number of seeds in the HA seed sweep")
)

// TestHASimSeedSweep runs the HA replication simulation for many seeds and
// fails with the seed and the trace on the first invariant violation.
// Replay one seed with: go test ./core/sim -run TestHASimSeedSweep -ha-seed N -v
func TestHASimSeedSweep(t *testing.T) {
	seeds := []uint64{}
	if *haSeed != 0 {
		seeds = append(seeds, *haSeed)
	} else {
		for i := 1; i <= *haSeeds; i++ {
			seeds = append(seeds, uint64(i))
		}
	}
	start := time.Now()
	var total HAStats
	for _, seed := range seeds {
		o := DefaultHAOptions(seed, t.TempDir())
		o.Nodes = 4 + int(seed%4) // 4 to 7 nodes
		s, err := NewHASim(o)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Run(); err != nil {
			t.Fatalf("%v\nreplay: go test ./core/sim -run TestHASimSeedSweep -ha-seed %d -v", err, seed)
		}
		st := s.Stats
		total.Writes += st.Writes
		total.Acked += st.Acked
		total.Crashes += st.Crashes
		total.Partitions += st.Partitions
		total.Pauses += st.Pauses
		total.Failovers += st.Failovers
		total.Copies += st.Copies
		total.Skips += st.Skips
		total.AckedReplicated += st.AckedReplicated
		total.Required += st.Required
		if len(seeds) == 1 {
			t.Logf("seed %d: %+v", seed, st)
		}
	}
	t.Logf("%d seeds in %v: %+v", len(seeds), time.Since(start).Round(time.Millisecond), total)
	// The sweep must actually exercise the fault paths.
	if len(seeds) > 4 && (total.Crashes == 0 || total.Failovers == 0 || total.Copies == 0 || total.Skips == 0 || total.Partitions == 0 || total.Pauses == 0 || total.AckedReplicated < total.Acked/2) {
		t.Fatalf("fault coverage too thin: %+v", total)
	}
}

// TestHASimAsync runs a few seeds in async mode: the final convergence
// (byte-identical stores) must still hold.
func TestHASimAsync(t *testing.T) {
	for seed := uint64(100); seed < 104; seed++ {
		o := DefaultHAOptions(seed, t.TempDir())
		o.Mode = ha.Async
		s, err := NewHASim(o)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Run(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHASimDeterministic: a seed replays exactly (same trace, same stats).
func TestHASimDeterministic(t *testing.T) {
	run := func() (HAStats, string) {
		s, err := NewHASim(DefaultHAOptions(7, t.TempDir()))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Run(); err != nil {
			t.Fatal(err)
		}
		return s.Stats, strings.Join(s.trace, "\n")
	}
	st1, tr1 := run()
	st2, tr2 := run()
	if st1 != st2 || tr1 != tr2 {
		t.Fatalf("seed 7 did not replay: %+v vs %+v", st1, st2)
	}
}
