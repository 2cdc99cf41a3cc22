package membership

import (
	"errors"
	"slices"
	"testing"
)

func testConfig(self NodeID, n int) Config {
	cfg := Config{Self: self, HeartbeatTicks: 2, FailureTicks: 8}
	for i := 1; i <= n; i++ {
		cfg.Nodes = append(cfg.Nodes, NodeConfig{ID: NodeID(i), Votes: 1, Eligible: true})
	}
	return cfg
}

func TestElectRoles(t *testing.T) {
	q := func(id NodeID) Candidate {
		return Candidate{ID: id, Eligible: true, Qualified: true, Synchronized: true}
	}
	disq := func(c Candidate) Candidate { c.Qualified = false; return c }
	desync := func(c Candidate) Candidate { c.Synchronized = false; return c }
	was := func(c Candidate) Candidate { c.WasMaster = true; return c }
	inel := func(c Candidate) Candidate { c.Eligible = false; return c }
	for _, tc := range []struct {
		name                string
		members             []Candidate
		prevM, prevV, rel   NodeID
		wantMaster, wantVic NodeID
	}{
		{"first view: lowest eligible, next lowest vice", []Candidate{q(1), q(2), q(3)}, 0, 0, 0, 1, 2},
		{"keep the master and the vice", []Candidate{q(1), q(2), q(3)}, 3, 2, 0, 3, 2},
		{"master gone: vice promoted, lowest other is vice", []Candidate{q(2), q(3), q(4)}, 1, 3, 0, 3, 2},
		{"master disqualified: vice promoted", []Candidate{disq(q(1)), q(2), q(3)}, 1, 2, 0, 2, 3},
		{"vice desynchronised is not promoted", []Candidate{q(2), desync(q(3)), q(4)}, 1, 3, 0, 2, 3},
		{"desynchronised master keeps the role", []Candidate{desync(q(1)), q(2)}, 1, 2, 0, 1, 2},
		{"desynchronised node that was master may be elected", []Candidate{desync(was(q(1))), desync(q(2))}, 0, 0, 0, 1, 2},
		{"desynchronised nodes only: no master", []Candidate{desync(q(1)), desync(q(2))}, 0, 0, 0, 0, 1},
		{"switchover: vice takes over, old master becomes vice", []Candidate{q(1), q(2), q(3)}, 1, 2, 1, 2, 1},
		{"switchover without another candidate: master stays", []Candidate{q(1), inel(q(2))}, 1, 0, 1, 1, 0},
		{"ineligible nodes never hold a role", []Candidate{inel(q(1)), q(2), inel(q(3))}, 0, 0, 0, 2, 0},
		{"nobody eligible", []Candidate{inel(q(1)), inel(q(2))}, 0, 0, 0, 0, 0},
		{"disqualified vice is replaced", []Candidate{q(1), disq(q(2)), q(3)}, 1, 2, 0, 1, 3},
	} {
		m, v := ElectRoles(tc.members, tc.prevM, tc.prevV, tc.rel)
		if m != tc.wantMaster || v != tc.wantVic {
			t.Errorf("%s: got master %d vice %d, want %d %d", tc.name, m, v, tc.wantMaster, tc.wantVic)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*Config)
	}{
		{"no nodes", func(c *Config) { c.Nodes = nil }},
		{"self missing", func(c *Config) { c.Self = 9 }},
		{"duplicate id", func(c *Config) { c.Nodes[1].ID = 1 }},
		{"zero id", func(c *Config) { c.Nodes[0].ID = 0 }},
		{"zero heartbeat", func(c *Config) { c.HeartbeatTicks = 0 }},
		{"failure too short", func(c *Config) { c.FailureTicks = 5 }},
		{"drift too large", func(c *Config) { c.MaxDriftPPM = 200000 }},
	} {
		cfg := testConfig(1, 3)
		tc.mod(&cfg)
		if _, err := New(cfg, PersistentState{}); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: New returned %v, want ErrConfig", tc.name, err)
		}
	}
}

func TestNewBumpsIncarnationAndPersistsFirst(t *testing.T) {
	n, err := New(testConfig(1, 3), PersistentState{})
	if err != nil {
		t.Fatal(err)
	}
	rd := n.Ready()
	// A new data directory is qualified but not synchronised (it has not
	// synced from a primary; see clusterNew for a cluster that is all new).
	if rd.Persist == nil || rd.Persist.Incarnation != 1 || !rd.Persist.Qualified || rd.Persist.Synchronized {
		t.Fatalf("first Ready of a fresh node: Persist %+v", rd.Persist)
	}
	n.Advance(rd)
	if n.HasReady() {
		t.Fatal("HasReady after Advance with nothing new")
	}
	n2, _ := New(testConfig(1, 3), PersistentState{Incarnation: 7, RingSeq: 40, Qualified: false, Synchronized: true})
	rd = n2.Ready()
	if rd.Persist.Incarnation != 8 || rd.Persist.Qualified || rd.Persist.RingSeq != 40 {
		t.Fatalf("restored node: Persist %+v", rd.Persist)
	}
}

func TestStepRejectsBadInput(t *testing.T) {
	n, _ := New(testConfig(1, 3), PersistentState{})
	hb := Message{Type: MsgHeartbeat, From: 2, To: 1, Incarnation: 1}
	for _, tc := range []struct {
		name string
		m    Message
		want error
	}{
		{"unknown sender", func() Message { m := hb; m.From = 9; return m }(), ErrForeign},
		{"from self", func() Message { m := hb; m.From = 1; return m }(), ErrForeign},
		{"for another node", func() Message { m := hb; m.To = 3; return m }(), ErrForeign},
		{"zero incarnation", func() Message { m := hb; m.Incarnation = 0; return m }(), ErrMalformed},
		{"unknown type", func() Message { m := hb; m.Type = 99; return m }(), ErrMalformed},
		{"oversized bitmap", func() Message { m := hb; m.Hears = make([]uint64, 3); return m }(), ErrMalformed},
		{"proposal without members", Message{Type: MsgPropose, From: 2, To: 1, Incarnation: 1, Ring: RingID{Rep: 2, Seq: 1}}, ErrMalformed},
		{"proposal with unsorted members", Message{Type: MsgPropose, From: 2, To: 1, Incarnation: 1, Ring: RingID{Rep: 2, Seq: 1},
			Members: []NodeID{2, 1}, Incarnations: []uint32{1, 1}}, ErrMalformed},
		{"proposal by a non-representative", Message{Type: MsgPropose, From: 2, To: 1, Incarnation: 1, Ring: RingID{Rep: 3, Seq: 1},
			Members: []NodeID{1, 2}, Incarnations: []uint32{1, 1}}, ErrMalformed},
		{"commit without infos", Message{Type: MsgCommit, From: 1, To: 1, Incarnation: 1}, ErrForeign},
	} {
		if err := n.Step(tc.m); !errors.Is(err, tc.want) {
			t.Errorf("%s: Step returned %v, want %v", tc.name, err, tc.want)
		}
	}
	// A newer incarnation supersedes; the old one is then stale and told so.
	if err := n.Step(Message{Type: MsgHeartbeat, From: 2, To: 1, Incarnation: 5}); err != nil {
		t.Fatal(err)
	}
	if err := n.Step(hb); !errors.Is(err, ErrStale) {
		t.Fatalf("old incarnation: %v", err)
	}
	rd := n.Ready()
	if i := slices.IndexFunc(rd.Messages, func(m Message) bool { return m.Type == MsgStale }); i < 0 || rd.Messages[i].Arg != 5 || rd.Messages[i].To != 2 {
		t.Fatalf("no MsgStale telling the known incarnation: %+v", rd.Messages)
	}
}

// drainAll handles a node's Ready as the daemon would, dropping messages.
func drainAll(n *Node) []Event {
	var evs []Event
	for n.HasReady() {
		rd := n.Ready()
		evs = append(evs, rd.Events...)
		n.Advance(rd)
	}
	return evs
}

func TestSingleNodeViewAndQDevice(t *testing.T) {
	cfg := testConfig(1, 1)
	cfg.QDeviceTimeoutTicks = 20
	n, err := New(cfg, PersistentState{})
	if err != nil {
		t.Fatal(err)
	}
	var evs []Event
	for range 30 {
		n.Tick()
		evs = append(evs, drainAll(n)...)
	}
	st := n.Status()
	if st.Ring.IsZero() || !slices.Equal(st.Members, []NodeID{1}) || !n.Quorate() || !st.IsMaster {
		t.Fatalf("single node after 30 ticks: %+v", st)
	}
	kinds := []EventKind{}
	for _, e := range evs {
		kinds = append(kinds, e.Kind)
	}
	if len(kinds) < 3 || kinds[0] != EventViewInstalled || kinds[1] != EventQuorum {
		t.Fatalf("events %v: want the view, then quorum, then CMM", evs)
	}
	if err := n.QDevicePoll("dev", true, st.Ring); err == nil {
		t.Fatal("poll before register succeeded")
	}
	if err := n.QDeviceRegister("dev"); err != nil {
		t.Fatal(err)
	}
	if err := n.QDeviceRegister("other"); err == nil {
		t.Fatal("second device name accepted")
	}
	if err := n.QDevicePoll("dev", true, RingID{Rep: 1, Seq: 999}); err == nil {
		t.Fatal("poll with a wrong ring id accepted")
	}
	if err := n.QDevicePoll("dev", true, st.Ring); err != nil {
		t.Fatal(err)
	}
	if q := n.Status().QDevice; !q.Registered || !q.Alive || !q.CastVote {
		t.Fatalf("after poll: %+v", q)
	}
	for range 19 {
		n.Tick()
	}
	if q := n.Status().QDevice; !q.Alive {
		t.Fatalf("device lost before its timeout: %+v", q)
	}
	n.Tick()
	if q := n.Status().QDevice; q.Alive || q.CastVote || !q.Registered {
		t.Fatalf("device still alive after its timeout: %+v", q)
	}
	if err := n.QDeviceUnregister("dev"); err != nil {
		t.Fatal(err)
	}
	if q := n.Status().QDevice; q.Registered {
		t.Fatalf("after unregister: %+v", q)
	}
	if err := n.ReleaseMastership(); !errors.Is(err, ErrNoCandidate) {
		t.Fatalf("release with nobody to take over: %v", err)
	}
	if err := n.SeizeQualification(); !errors.Is(err, ErrMasterExists) {
		t.Fatalf("seize with a master: %v", err)
	}
	n.Leave()
	if !n.Status().Removed || n.Quorate() || n.IsMaster() {
		t.Fatalf("after Leave: %+v", n.Status())
	}
	if err := n.SetExpected(1); !errors.Is(err, ErrRemoved) {
		t.Fatalf("SetExpected after Leave: %v", err)
	}
}
