package sim

import (
	"testing"

	"github.com/goha/goha/core/membership"
)

// TestCaseHandoverCommitLost: n2, primary, hands over to n1 (view [1 2],
// n1's datagrams to n3 cut; datagrams slowed to most of a tick so that the
// proposal, its acknowledgement and the commit fall in different ticks);
// n1 is stopped once n2 accepted its proposal (n2 stops acting) and
// receives the acknowledgement while stopped; the network splits [1] [2 3]
// before n1 resumes, so only n1 installs the handover view (epoch 3).
// n2 promised epoch 3 when it accepted, so neither n2 nor n3 may take
// writes in epoch 2 again: before that promise, n2 and n3 formed [2 3]
// with the epoch-2 record, n2 acknowledged writes there, and after the
// heal n1, primary of the newer epoch, became master without them (the
// handover form of TestCaseElectionCommitLostOldTermGoesOn; first seen as
// seed 1093 of TestAutoSweep with a change, not landed, that sent
// heartbeats at once around a new sync set).
func TestCaseHandoverCommitLost(t *testing.T) {
	s := newScenario(t, 3, false)
	primaryIs(t, s, 1)
	if err := s.Engine(1).Mem().Switchover(2); err != nil {
		t.Fatal(err)
	}
	primaryIs(t, s, 2)
	acked := []int{writeAcked(t, s, 2)}
	s.Cut(1, 3)
	if !s.RunUntil(300, func() bool {
		v := s.Engine(2).Mem().View()
		return len(v.Members) == 2 && s.Engine(2).Mem().IsMaster() && s.Writable(2) == nil
	}) {
		t.Fatalf("no view [1 2] with n2 primary: %s", s.summary())
	}
	acked = append(acked, writeAcked(t, s, 2))
	// Datagrams take most of a tick (within MaxDelayTicks): the proposal,
	// the acknowledgement and the commit of the handover each take a tick.
	s.net.Opts = PacketOptions{MinDelay: TickUnits * 8 / 10, MaxDelay: TickUnits * 9 / 10}
	if err := s.Engine(2).Mem().Switchover(1); err != nil {
		t.Fatal(err)
	}
	// Until n2 stops acting (it accepted n1's proposal): stop n1 at once
	// after that, before n1 handles the acknowledgement.
	paused := false
	for range 200 {
		s.RunTicks(1)
		if !s.Engine(2).Accepting() {
			s.Pause(1)
			paused = true
			break
		}
	}
	if !paused {
		t.Fatalf("n2 never accepted the handover: %s", s.summary())
	}
	s.RunTicks(5) // the acknowledgement reaches the stopped n1
	s.Partition([][]uint32{{1}, {2, 3}})
	s.Resume(1, false)
	// n1 installs the handover view alone. n2 confirmed its record when it
	// accepted, so n2 and n3 know that epoch 3 may have a primary: neither
	// may take writes in epoch 2 again (n2 would lose them to n1 at the heal).
	if !s.RunUntil(50, func() bool { return s.Engine(1).Mem().Record().Epoch == 3 }) {
		t.Fatalf("n1 did not install the handover view: %s", s.summary())
	}
	s.RunTicks(300)
	noViolation(t, s)
	if a := s.Accepting(); len(a) != 0 {
		t.Fatalf("%v accept writes while split [1] [2 3] after a half-done handover: %s", a, s.summary())
	}
	s.Heal()
	var p membership.NodeID
	if !s.RunUntil(300, func() bool {
		if n := s.settled(); n != nil && s.Writable(n.id) == nil {
			p = n.id
		}
		return p != 0
	}) {
		t.Fatalf("no settled primary after the heal: %s", s.summary())
	}
	for _, seq := range acked {
		if !s.HasWrite(p, seq) {
			t.Fatalf("primary n%d lacks acknowledged write %d", p, seq)
		}
	}
	seq := writeAcked(t, s, p)
	for id := membership.NodeID(1); id <= 3; id++ {
		if !s.RunUntil(100, func() bool { return s.HasWrite(id, seq) }) {
			t.Fatalf("n%d lacks write %d after the heal", id, seq)
		}
	}
	noViolation(t, s)
}
