package itest

import (
	"fmt"
	"slices"
	"syscall"
	"testing"

	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/wire"
)

// TestAllowDownscale follows votequorum(5)'s allow_downscale example: a
// cluster configured for expected_votes 3 grows to 5 nodes (expected votes
// follow to 5), and as nodes are shut down in order, expected votes and
// quorum come down with them, "down to configured expected_votes" but not
// below. A node that dies rather than leaving cleanly lowers nothing.
func TestAllowDownscale(t *testing.T) {
	c := startCluster(t, 5, nodetest.Spec{Heartbeat: "50ms", FailureTimeout: "2s",
		Extra: "expected_votes = 3\nallow_downscale = true"})
	all := seq(5)
	startAll(t, c, all...)
	if _, _, err := c.WaitConverged(all, converge); err != nil {
		t.Fatal(err)
	}
	// expect waits until node 1 shows members, expected votes and quorum.
	expect := func(step string, members []uint32, expected, quorum uint32, quorate bool) {
		t.Helper()
		st, err := c.WaitFor(1, converge, step, func(s *wire.Status) bool {
			q := s.Quorum
			return slices.Equal(s.Members, members) && q.ExpectedVotes == expected && q.Quorum == quorum && q.Quorate == quorate
		})
		if err != nil {
			t.Fatalf("%s: want members %v expected %d quorum %d quorate %v; %v (quorum %+v)", step, members, expected, quorum, quorate, err, st.Quorum)
		}
		if st.Quorum.Flags&wire.VQAllowDownscale == 0 {
			t.Fatalf("%s: flags %#x lack ALLOW_DOWNSCALE", step, st.Quorum.Flags)
		}
	}
	expect("5 nodes up", []uint32{1, 2, 3, 4, 5}, 5, 3, true)

	// A crash is not a clean shutdown: expected votes stay.
	if err := c.Kill(5); err != nil {
		t.Fatal(err)
	}
	expect("node 5 killed", []uint32{1, 2, 3, 4}, 5, 3, true)

	// Ordered shutdown: expected votes come down to the nodes present...
	stop := func(i int) {
		t.Helper()
		if err := c.Signal(i, syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code, err := c.WaitExit(i, converge); err != nil || code != 0 {
			t.Fatalf("node %d after SIGTERM: exit %d, %v", i, code, err)
		}
	}
	stop(4)
	expect("node 4 shut down", []uint32{1, 2, 3}, 3, 2, true)
	// ... but never below the configured expected_votes: two nodes of
	// three expected are still quorate, where without allow_downscale
	// (expected 5, quorum 3) they would not be.
	stop(3)
	expect("node 3 shut down", []uint32{1, 2}, 3, 2, true)
	for _, i := range []int{1, 2} {
		st, err := c.Status(i)
		if err != nil || !st.Quorum.Quorate || st.Quorum.ExpectedVotes != 3 {
			t.Fatalf("node %d: %v %s", i, err, fmt.Sprintf("%+v", st.Quorum))
		}
	}
}
