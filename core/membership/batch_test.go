package membership

import "testing"

// batchNode returns node 1 of a 3-node config (H 2, F 8) that has heard
// nodes 2 and 3 at tick 1.
func batchNode(t *testing.T) *Node {
	t.Helper()
	n, err := New(testConfig(1, 3), PersistentState{})
	if err != nil {
		t.Fatal(err)
	}
	n.StepBatch(1, []Inbound{{Msg: hb(2, 1, 1), At: 1}, {Msg: hb(3, 1, 1), At: 1}}, nil)
	return n
}

func hb(from NodeID, inc uint32, now uint64) Message {
	return Message{Type: MsgHeartbeat, From: from, To: 1, Incarnation: inc, Now: now, Hears: []uint64{0b111}}
}

func TestStepBatchSkipsSupersededHeartbeats(t *testing.T) {
	n := batchNode(t)
	in := []Inbound{
		{Msg: hb(2, 1, 3), At: 2}, {Msg: hb(3, 1, 3), At: 2},
		{Msg: hb(2, 1, 5), At: 3}, {Msg: hb(2, 1, 7), At: 4},
		{Msg: hb(3, 2, 2), At: 4}, // a new incarnation of 3: never skipped for an old one
	}
	var refused []Message
	if got := n.StepBatch(4, in, func(m Message, err error) { refused = append(refused, m) }); got != 3 {
		t.Errorf("stepped %d messages, want 3 (two heartbeats of n2 superseded)", got)
	}
	if p := n.peers[1]; p.peerNow != 7 || p.lastHeard != 4 {
		t.Errorf("n2: peerNow %d lastHeard %d, want 7 and 4", p.peerNow, p.lastHeard)
	}
	if p := n.peers[2]; p.inc != 2 {
		t.Errorf("n3: incarnation %d, want 2", p.inc)
	}
	if len(refused) != 0 {
		t.Errorf("refused %v", refused)
	}
}

// A message handled late counts as heard when it arrived: a loop that
// handles a backlog after a failure timeout does not suspect the senders.
func TestStepBatchJudgesByArrival(t *testing.T) {
	n := batchNode(t)
	// Heard at 7 and 8 but handled at 15 (F = 8): heard until 15 and 16.
	n.StepBatch(15, []Inbound{{Msg: hb(2, 1, 7), At: 7}, {Msg: hb(3, 1, 8), At: 8}}, nil)
	for _, p := range n.peers[1:] {
		if !n.heard(p) {
			t.Errorf("n%d not heard at tick 15 after a message that arrived at %d", p.cfg.ID, p.lastHeard)
		}
	}
	if n.now != 15 {
		t.Errorf("clock %d, want 15", n.now)
	}
}

// A stalled loop does not count the stall as its peers' silence, and its
// health penalty grows with late passes and decays after FailureTicks.
func TestStepBatchStallAndHealth(t *testing.T) {
	n := batchNode(t)
	// Stalled from tick 1 to tick 9 (8 overdue > H): 7 blind ticks, and
	// the penalty is 1 until tick 17 (F after the late pass). The peers,
	// last heard at 1, count as silent from 8 on: heard up to 16 (silence
	// 8 < F + F/2), suspected at 17, when the penalty is gone. Without the
	// blind ticks they would be suspected at 13 (silence 12).
	n.StepBatch(9, nil, nil)
	if n.HealthPenalty() != 1 {
		t.Fatalf("health %d after a stall, want 1", n.HealthPenalty())
	}
	for tick := uint64(10); tick <= 16; tick++ {
		n.StepBatch(tick, nil, nil)
		if !n.heard(n.peers[1]) {
			t.Fatalf("n2 suspected at tick %d", tick)
		}
	}
	n.StepBatch(17, nil, nil)
	if n.heard(n.peers[1]) || n.HealthPenalty() != 0 {
		t.Errorf("at tick 17: n2 heard %t, health %d; want false, 0", n.heard(n.peers[1]), n.HealthPenalty())
	}
	// Input that waited a heartbeat interval raises the penalty too; F
	// quiet ticks lower it again.
	n.StepBatch(18, []Inbound{{Msg: hb(2, 1, 20), At: 15}}, nil)
	if n.HealthPenalty() != 1 || !n.heard(n.peers[1]) {
		t.Errorf("after input that waited 3 ticks: health %d, n2 heard %t; want 1, true", n.HealthPenalty(), n.heard(n.peers[1]))
	}
	for tick := uint64(19); tick <= 26; tick++ {
		n.StepBatch(tick, nil, nil)
	}
	if n.HealthPenalty() != 0 {
		t.Errorf("health %d after F quiet ticks, want 0", n.HealthPenalty())
	}
}
