package sim

// The fault campaign's cases (issue 11), each as a deterministic scenario
// with 3 nodes on the auto-mode simulator; invariants 8 and 9 are checked
// after every step as in the sweep, and each test asserts the case's own
// outcome besides.

import (
	"errors"
	"testing"

	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/membership"
)

func newScenario(t *testing.T, nodes int, witness bool) *AutoSim {
	t.Helper()
	s, err := NewAutoSim(ScenarioOptions(1, nodes, witness, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("trace:\n%s", s.Trace())
		}
		s.Close()
	})
	return s
}

// primaryIs waits until node id accepts writes with every other data node
// published in sync, every running node confirmed that record, and it
// knows (min_sync counts confirmed secondaries only).
func primaryIs(t *testing.T, s *AutoSim, id membership.NodeID) {
	t.Helper()
	if !s.RunUntil(200, func() bool {
		p := s.settled()
		if p == nil || p.id != id {
			return false
		}
		rec := p.eng.Mem().Record()
		for _, n := range s.nodes {
			if n.up && !n.eng.Mem().Record().Equal(rec) {
				return false
			}
		}
		return s.Writable(id) == nil
	}) {
		t.Fatalf("n%d is not a settled primary: %s %v", id, s.summary(), s.Err())
	}
}

// writableIs waits until node id accepts writes and has a secondary in
// sync (min_sync 1), whatever the other nodes do.
func writableIs(t *testing.T, s *AutoSim, id membership.NodeID) {
	t.Helper()
	if !s.RunUntil(300, func() bool {
		a := s.Accepting()
		return len(a) == 1 && a[0] == id && len(s.Engine(id).Mem().Record().Sync) > 0 && s.Writable(id) == nil
	}) {
		t.Fatalf("n%d does not accept writes: %s %v", id, s.summary(), s.Err())
	}
}

// writeAcked writes on node id and waits for the acknowledgement.
func writeAcked(t *testing.T, s *AutoSim, id membership.NodeID) int {
	t.Helper()
	if _, err := s.Write(id); err != nil {
		t.Fatalf("write on n%d: %v", id, err)
	}
	seq := s.LastWrite()
	if !s.RunUntil(50, func() bool { known, _ := s.Outcome(seq); return known }) {
		t.Fatalf("write %d on n%d: no outcome", seq, id)
	}
	if _, err := s.Outcome(seq); err != nil {
		t.Fatalf("write %d on n%d not acknowledged: %v", seq, id, err)
	}
	return seq
}

func noViolation(t *testing.T, s *AutoSim) {
	t.Helper()
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestCaseStaleMasterThroughBridge: n1, primary, is cut off; n2 and n3
// elect n2, which takes writes. Then n1 hears n2 again but not n3 (n2 is
// the bridge): the campaign saw the stale n1 regain mastership this way
// (ring 1.4 published with no master and no vice-master, then 1.5 making
// it master again) and lose every write of n2. n1 must never accept writes
// without them.
func TestCaseStaleMasterThroughBridge(t *testing.T) {
	s := newScenario(t, 3, false)
	primaryIs(t, s, 1)
	writeAcked(t, s, 1)
	s.Partition([][]uint32{{1}, {2, 3}})
	writableIs(t, s, 2)
	var seqs []int
	for range 5 {
		seqs = append(seqs, writeAcked(t, s, 2))
	}
	// n2 bridges: n1 hears n2, not n3.
	s.Heal()
	s.Cut(1, 3)
	s.Cut(3, 1)
	s.RunTicks(150)
	noViolation(t, s)
	for _, id := range s.Accepting() {
		for _, seq := range seqs {
			if !s.HasWrite(id, seq) {
				t.Fatalf("n%d accepts writes without write %d", id, seq)
			}
		}
	}
	s.Heal()
	if !s.RunUntil(200, func() bool { return s.settled() != nil }) {
		t.Fatalf("no settled primary after the heal: %s", s.summary())
	}
	for _, seq := range seqs {
		if !s.HasWrite(1, seq) {
			t.Fatalf("n1 lacks write %d after rejoining", seq)
		}
	}
	noViolation(t, s)
}

// TestCaseWholeRestartLowestIDOlder: n1 falls behind (down while n2 takes
// writes), then the whole cluster restarts. The campaign saw the lowest
// id win whatever it held; n1 must not become primary before it has
// every acknowledged write.
func TestCaseWholeRestartLowestIDOlder(t *testing.T) {
	s := newScenario(t, 3, false)
	primaryIs(t, s, 1)
	writeAcked(t, s, 1)
	s.Crash(1, false)
	if !s.RunUntil(100, func() bool { a := s.Accepting(); return len(a) == 1 && a[0] != 1 }) {
		t.Fatalf("no new primary: %s", s.summary())
	}
	p := s.Accepting()[0]
	writableIs(t, s, p)
	var seqs []int
	for range 5 {
		seqs = append(seqs, writeAcked(t, s, p))
	}
	for _, id := range []membership.NodeID{2, 3} {
		s.Crash(id, false)
	}
	for _, id := range []membership.NodeID{1, 2, 3} {
		if err := s.Restart(id); err != nil {
			t.Fatal(err)
		}
	}
	if !s.RunUntil(300, func() bool { return len(s.Accepting()) == 1 }) {
		t.Fatalf("no primary after the restart: %s", s.summary())
	}
	first := s.Accepting()[0]
	for _, seq := range seqs {
		if !s.HasWrite(first, seq) {
			t.Fatalf("n%d became primary after the restart without write %d", first, seq)
		}
	}
	noViolation(t, s)
}

// TestCaseWipedNodeElected: after a whole-cluster restart n1, the lowest
// id, comes back with its data directory wiped. The campaign saw it
// elected (qualified and synchronised by default) with txid 0: every key
// lost. It must start not synchronised and never be elected over the
// nodes that hold the data; it syncs from the new primary instead.
func TestCaseWipedNodeElected(t *testing.T) {
	s := newScenario(t, 3, false)
	primaryIs(t, s, 1)
	var seqs []int
	for range 5 {
		seqs = append(seqs, writeAcked(t, s, 1))
	}
	for _, id := range []membership.NodeID{1, 2, 3} {
		s.Crash(id, id == 1)
	}
	for _, id := range []membership.NodeID{1, 2, 3} {
		if err := s.Restart(id); err != nil {
			t.Fatal(err)
		}
	}
	if !s.RunUntil(300, func() bool { return s.settled() != nil }) {
		t.Fatalf("no settled primary: %s", s.summary())
	}
	if p := s.settled().id; p == 1 {
		t.Fatalf("the wiped n1 became primary")
	}
	for _, seq := range seqs {
		if !s.HasWrite(1, seq) {
			t.Fatalf("the wiped n1 did not get write %d back", seq)
		}
	}
	noViolation(t, s)
}

// TestCaseStoppedPrimaryAcksAfterResume: a write is accepted by the
// primary n1, which is stopped (SIGSTOP) before its secondaries'
// acknowledgements arrive; n2 takes over. When n1 continues, its HA
// runtime handles the queued acknowledgements before the node loop has
// caught up on its ticks (the campaign: acknowledged 2 ms after SIGCONT,
// though its status named another master). The write must not be
// acknowledged: the lease is checked on the clock at acknowledgement.
func TestCaseStoppedPrimaryAcksAfterResume(t *testing.T) {
	s := newScenario(t, 3, false)
	primaryIs(t, s, 1)
	writeAcked(t, s, 1)
	if _, err := s.Write(1); err != nil {
		t.Fatal(err)
	}
	seq := s.LastWrite()
	s.Pause(1)
	if !s.RunUntil(200, func() bool { a := s.Accepting(); return len(a) == 1 && a[0] != 1 }) {
		t.Fatalf("no new primary while n1 is stopped: %s", s.summary())
	}
	writableIs(t, s, s.Accepting()[0])
	writeAcked(t, s, s.Accepting()[0])
	s.Resume(1, true) // the HA runtime first
	s.RunTicks(20)
	noViolation(t, s)
	known, err := s.Outcome(seq)
	if !known || err == nil {
		t.Fatalf("the write queued on the stopped primary: known %t, err %v (want an error)", known, err)
	}
	var he *ha.Error
	if !errors.As(err, &he) || (he.Code != ha.CodeHAAbort && he.Code != ha.CodeNotWritable) {
		t.Fatalf("the queued write failed with %v, want HA_ABORT or NOT_WRITABLE", err)
	}
	t.Logf("the write queued on the stopped primary: %v", err)
}

// TestCaseSyncAckWithoutSecondaries: two data nodes and a witness; the
// secondary is lost. The campaign saw sync mode acknowledge with zero
// secondaries in sync (as ConfD does right after besecondary): with the
// default min_sync (1) a write must fail with CONFD_ERR_UNAVAILABLE
// instead, and never be acknowledged.
func TestCaseSyncAckWithoutSecondaries(t *testing.T) {
	s := newScenario(t, 2, true)
	primaryIs(t, s, 1)
	writeAcked(t, s, 1)
	s.Crash(2, false)
	// The primary keeps its lease (n1 and the witness are a quorum) and
	// removes n2 from the sync set once the witness confirmed it.
	if !s.RunUntil(200, func() bool { return len(s.Engine(1).Mem().Record().Sync) == 0 }) {
		t.Fatalf("n2 was not removed from the sync set: %s", s.summary())
	}
	if _, err := s.Write(1); err == nil {
		s.RunTicks(20)
		if known, err := s.Outcome(s.LastWrite()); known && err == nil {
			t.Fatal("a write was acknowledged with no secondary in sync")
		}
	} else {
		var he *ha.Error
		if !errors.As(err, &he) || he.Code != ha.CodeUnavailable {
			t.Fatalf("write refused with %v, want CONFD_ERR_UNAVAILABLE", err)
		}
	}
	// n2 back: writes acknowledged again once it is in sync.
	if err := s.Restart(2); err != nil {
		t.Fatal(err)
	}
	primaryIs(t, s, 1)
	writeAcked(t, s, 1)
	noViolation(t, s)
}

// TestCaseFirstAckThenPrimaryLost: two data nodes and a witness, min_sync
// 1; the secondary restarts, and the primary crashes for good right after
// the first write it acknowledges with it back (found on real processes,
// core/node/haitest TestAutoRealNoSecondaryInSync). The primary counted
// the secondary towards min_sync as soon as it published it in sync, before
// a quorum confirmed that record: the write was acknowledged with the only
// other copy on a node nobody else knew to be in sync, so it could not be
// elected and the cluster stayed without a primary. A write may be
// acknowledged only once min_sync secondaries are in a record a quorum
// confirmed, so the survivor is elected holding it.
func TestCaseFirstAckThenPrimaryLost(t *testing.T) {
	s := newScenario(t, 2, true)
	primaryIs(t, s, 1)
	writeAcked(t, s, 1)
	s.Crash(2, false)
	if !s.RunUntil(200, func() bool { return len(s.Engine(1).Mem().Record().Sync) == 0 }) {
		t.Fatalf("n2 was not removed from the sync set: %s", s.summary())
	}
	if err := s.Restart(2); err != nil {
		t.Fatal(err)
	}
	// Write every tick until the first acknowledgement, then crash n1.
	acked := 0
	for range 300 {
		if _, err := s.Write(1); err == nil {
			seq := s.LastWrite()
			s.RunUntil(50, func() bool { known, _ := s.Outcome(seq); return known })
			if known, err := s.Outcome(seq); known && err == nil {
				acked = seq
				break
			}
		}
		s.RunTicks(1)
	}
	if acked == 0 {
		t.Fatalf("no write acknowledged with n2 back: %s", s.summary())
	}
	// Nothing n1 sent after the acknowledgement arrives (a real SIGKILL
	// right after it): cut it off, then crash it.
	s.Partition([][]uint32{{1}, {2, 3}})
	s.Crash(1, false)
	s.Heal()
	if !s.RunUntil(200, func() bool { m, _ := s.Engine(2).Mem().Roles(); return m == 2 && s.Engine(2).Mem().IsMaster() }) {
		t.Fatalf("n2, which holds acknowledged write %d (%t), is not elected after n1 was lost: %s", acked, s.HasWrite(2, acked), s.summary())
	}
	if !s.HasWrite(2, acked) {
		t.Fatalf("n2 elected without acknowledged write %d", acked)
	}
	noViolation(t, s)
}

// TestCaseElectionCommitLostOldTermGoesOn (sweep seeds 50398, 57236,
// 82273): n1, primary of epoch 1, is cut off; n2 and n3 elect n2 (epoch
// 2), but the commit of that view reaches only n2 (n3 accepted the
// proposal; the link n2 -> n3 fails before the commit). Then n2 is alone
// and n1 and n3 form a view: nobody there confirmed epoch 2, and n1 went
// on as the primary of epoch 1, taking writes with n3 in sync. After the
// heal the newest record was n2's epoch 2, and n2 was elected without
// those writes. n3 promised epoch 2 when it accepted the proposal, so it
// refuses to confirm epoch 1 again: n1 is elected in epoch 3, above it.
func TestCaseElectionCommitLostOldTermGoesOn(t *testing.T) {
	s := newScenario(t, 3, false)
	primaryIs(t, s, 1)
	writeAcked(t, s, 1)
	s.Partition([][]uint32{{1}, {2, 3}})
	n2, n3 := s.nodes[1], s.nodes[2]
	// Step until n3 accepted a view it has not installed (its ack is in
	// flight), then cut n2 -> n3: n2 installs the view, n3 never does.
	accepted := func() bool { return n3.ps.RingSeq > n3.eng.Mem().Ring().Seq }
	for end := s.now + 100*TickUnits; !accepted(); {
		if s.err != nil || !s.step(end) {
			t.Fatalf("n3 accepted no new view: %s %v", s.summary(), s.Err())
		}
	}
	s.Cut(2, 3)
	if !s.RunUntil(20, func() bool { return n2.eng.Mem().Ring().Seq == n3.ps.RingSeq }) {
		t.Fatalf("n2 did not install the view n3 accepted: %s", s.summary())
	}
	if r := n2.eng.Mem().Record(); r.Epoch != 2 || r.Primary != 2 || n3.eng.Mem().Record().Epoch != 1 {
		t.Fatalf("n2 confirmed %s, n3 %s: want n2 elected in epoch 2, known to n2 only", r, n3.eng.Mem().Record())
	}
	s.Partition([][]uint32{{2}, {1, 3}})
	writableIs(t, s, 1)
	var seqs []int
	for range 5 {
		seqs = append(seqs, writeAcked(t, s, 1))
	}
	s.Heal()
	// Before the fix: n2 elected with the newest record, without them
	// (invariant 9).
	if !s.RunUntil(200, func() bool { return s.settled() != nil }) {
		t.Fatalf("no settled primary after the heal: %s %v", s.summary(), s.Err())
	}
	p := s.settled().id
	for _, seq := range seqs {
		if !s.HasWrite(p, seq) {
			t.Fatalf("n%d is primary without acknowledged write %d", p, seq)
		}
	}
	noViolation(t, s)
}
