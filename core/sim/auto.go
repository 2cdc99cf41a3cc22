package sim

// The auto-mode simulator: gohad's own decision and Ready-handling code
// (core/node/engine with core/membership, hanet.Driver with core/ha and a
// real core/store store per node) run over virtual clocks, a virtual
// datagram network and virtual HA connections, with the fault menu of the
// membership simulator plus writers, and invariants 8 and 9 of DESIGN.md
// checked after every step. See "Auto mode" in the package doc.

import (
	"bytes"
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/ha/hanet"
	"github.com/goha/goha/core/membership"
	"github.com/goha/goha/core/node/engine"
	"github.com/goha/goha/core/store"
)

// AutoOptions configure one auto-mode run. Probabilities are per tick of
// true time (faults, writes) or per packet.
type AutoOptions struct {
	Seed uint64
	// Nodes data nodes, ids 1..Nodes; with Witness one more node, a
	// witness.
	Nodes   int
	Witness bool
	// Timing in ticks; HATickEvery membership ticks make one HA tick.
	HeartbeatTicks, FailureTicks, MaxDelayTicks, MaxDriftPPM, HATickEvery int
	// Replication: Async with MaxLag; MinSync < 0 takes the default.
	Async   bool
	MaxLag  uint64
	MinSync int
	// FaultTicks of faults and writes, then QuietTicks to converge.
	FaultTicks, QuietTicks int
	Packet                 PacketOptions
	QuietDelay             Time
	// HADelay bounds the delay of an HA packet (FIFO per connection).
	HAMinDelay, HAMaxDelay Time
	// Faults.
	CrashProb, RestartProb, WipeProb, PauseProb, ResumeProb float64
	PartitionProb, OneWayProb, HealProb                     float64
	WriteProb, SwitchoverProb, WholeRestartProb             float64
	// Dir holds the stores.
	Dir string
}

// DefaultAutoOptions is the mix of the default sweep: 3 data nodes, or 2
// and a witness (every third seed), or 4 (every fifth), with async
// replication on every seventh seed.
func DefaultAutoOptions(seed uint64, dir string) AutoOptions {
	o := AutoOptions{
		Seed: seed, Nodes: 3,
		HeartbeatTicks: 2, FailureTicks: 8, MaxDelayTicks: 1, MaxDriftPPM: 20000, HATickEvery: 4,
		MinSync: -1, MaxLag: 3,
		FaultTicks: 150, QuietTicks: 150,
		Packet:     PacketOptions{LossProb: 0.03, DupProb: 0.02, MinDelay: 50, MaxDelay: 1000},
		QuietDelay: 500, HAMinDelay: 50, HAMaxDelay: 600,
		CrashProb: 0.012, RestartProb: 0.06, WipeProb: 0.25, PauseProb: 0.01, ResumeProb: 0.12,
		PartitionProb: 0.012, OneWayProb: 0.01, HealProb: 0.04,
		WriteProb: 0.6, SwitchoverProb: 0.01, WholeRestartProb: 0.003,
		Dir: dir,
	}
	switch {
	case seed%3 == 0:
		o.Nodes, o.Witness = 2, true
	case seed%5 == 0:
		o.Nodes = 4
	}
	if seed%7 == 0 {
		o.Async = true
	}
	return o
}

func (o AutoOptions) String() string {
	return fmt.Sprintf("seed=%d nodes=%d witness=%t async=%t hb=%d fail=%d drift=%dppm faults=%d",
		o.Seed, o.Nodes, o.Witness, o.Async, o.HeartbeatTicks, o.FailureTicks, o.MaxDriftPPM, o.FaultTicks)
}

// AutoViolation is an invariant failure of the auto-mode simulator.
type AutoViolation struct {
	Seed      uint64
	Invariant int // 8, 9, 5, or 3 (liveness)
	What      string
	Trace     string
}

func (v *AutoViolation) Error() string {
	return fmt.Sprintf("auto sim seed %d: invariant %d violated: %s\nreplay: go test ./core/sim -run TestAutoSweep -autoseed %d -v\n--- last trace lines ---\n%s",
		v.Seed, v.Invariant, v.What, v.Seed, v.Trace)
}

// AutoStats summarises a run.
type AutoStats struct {
	Writes, Acked, Refused, Failovers, Copies, Crashes, Wipes, Pauses, Partitions, Switchovers int
	// LostToWipes counts acknowledged writes whose every copy was wiped.
	LostToWipes int
	// Stuck: the run ended without a primary because every node known to
	// hold the newest acknowledged commits was wiped (an operator's
	// force-primary is then needed; that is the design, not a failure).
	Stuck bool
	// Converge: ticks from the end of the faults until a primary accepted
	// a write with every data node back in sync.
	Converge int
}

type ackedWrite struct {
	seq   int
	path  string
	value string
	by    membership.NodeID
	at    Time
}

// autoNode is one simulated gohad.
type autoNode struct {
	s       *AutoSim
	id      membership.NodeID
	name    string
	witness bool
	up      bool
	paused  bool
	clk     Clock
	start   Time // true time of local time 0
	ps      membership.PersistentState
	// confirmed: per epoch, the newest record of that epoch this node
	// persisted (its disk's history: a record of a newer epoch replaces
	// ps.Rec, not the fact that it confirmed these).
	confirmed map[uint64]membership.Record
	hist      []uint64
	path      string
	st        *store.Store
	eng       *engine.Engine
	drv       *hanet.Driver
	gate      *hanet.Gate
	listen    bool
	heldDG    []membership.Inbound
	heldHA    []*haEvent
	ticks     int
	writes    int
	accept    bool // accepting writes at the last check
	behind    bool // resumed, the HA runtime ran, the loop not yet
	gen       int  // incarnation of the process (stale events are dropped)
	disk      bool // ps holds a persisted state
	wiped     bool // its data directory was lost at some point of the run
}

func (n *autoNode) Now() time.Duration {
	return time.Duration(n.local(n.s.now)) * time.Microsecond
}

// local is the node's clock reading (Time units) at true time t.
func (n *autoNode) local(t Time) Time {
	return (t - n.start) * TickUnits / n.clk.Period
}

// haEnd is one end of an HA connection.
type haEnd struct {
	node membership.NodeID
	conn uint64
}

// haEvent is something that happens to a node's HA runtime at a time: a
// message arrives, a dial completes, a connection is accepted or closed.
type haEvent struct {
	at   Time
	seq  uint64
	to   membership.NodeID
	gen  int
	msg  ha.Message
	snap []byte // MsgSnapshot: the copy
}

type haQueue []*haEvent

func (q haQueue) Len() int { return len(q) }
func (q haQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q haQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *haQueue) Push(x any)   { *q = append(*q, x.(*haEvent)) }
func (q *haQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// AutoSim is one run.
type AutoSim struct {
	o      AutoOptions
	rng    *rand.Rand
	now    Time
	net    *Network[membership.Message]
	nodes  []*autoNode
	pairs  map[haEnd]haEnd
	lastAt map[haEnd]Time // FIFO: last delivery time per receiving end
	haq    haQueue
	haSeq  uint64
	acked  []ackedWrite
	seq    int
	trace  []string
	err    error
	faulty bool
	cutHA  map[[2]membership.NodeID]bool
	Stats  AutoStats
	addrs  map[string]membership.NodeID
	// outcomes: each write's result once known (nil: acknowledged).
	outcomes map[int]error
	entropy  *rand.ChaCha8
	// Watch, if set, runs after every tick (scenario tests).
	Watch func()
}

// NewAutoSim builds the cluster, every node started with an empty data
// directory.
func NewAutoSim(o AutoOptions) (*AutoSim, error) {
	var key [32]byte
	for i := range key {
		key[i] = byte(o.Seed >> (8 * (i % 8)))
	}
	s := &AutoSim{o: o, rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x417574)), pairs: map[haEnd]haEnd{},
		lastAt: map[haEnd]Time{}, cutHA: map[[2]membership.NodeID]bool{}, addrs: map[string]membership.NodeID{},
		outcomes: map[int]error{},
		entropy:  rand.NewChaCha8(key)}
	s.net = NewNetwork[membership.Message](s.rng, PacketOptions{MinDelay: 50, MaxDelay: o.QuietDelay})
	total := o.Nodes
	if o.Witness {
		total++
	}
	for i := 1; i <= total; i++ {
		n := &autoNode{s: s, id: membership.NodeID(i), name: fmt.Sprintf("n%d", i), witness: o.Witness && i == total,
			path: filepath.Join(o.Dir, fmt.Sprintf("n%d.cdb", i))}
		s.nodes = append(s.nodes, n)
		s.addrs[n.name+":4570"] = n.id
	}
	for _, n := range s.nodes {
		if err := s.start(n); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// engineConfig is what gohad's EngineConfig builds from a cluster config.
func (s *AutoSim) engineConfig(n *autoNode) engine.Config {
	mc := membership.Config{Self: n.id, HeartbeatTicks: s.o.HeartbeatTicks, FailureTicks: s.o.FailureTicks,
		MaxDelayTicks: s.o.MaxDelayTicks, MaxDriftPPM: s.o.MaxDriftPPM}
	ec := engine.Config{Tick: time.Duration(TickUnits) * time.Microsecond, Auto: true, Witness: n.witness,
		Names: map[membership.NodeID]string{}, HAAddrs: map[membership.NodeID]string{}}
	data := 0
	for _, o := range s.nodes {
		mc.Nodes = append(mc.Nodes, membership.NodeConfig{ID: o.id, Name: o.name, Votes: 1, Eligible: !o.witness, Witness: o.witness})
		ec.Names[o.id], ec.HAAddrs[o.id] = o.name, o.name+":4570"
		if !o.witness {
			data++
		}
	}
	ec.Mem = mc
	ec.MinSync = s.o.MinSync
	if ec.MinSync < 0 {
		ec.MinSync = min(1, data-1)
	}
	if s.o.Async {
		ec.Lag = s.o.MaxLag
	}
	return ec
}

// simDisk is a node's persisted state, in memory.
type simDisk autoNode

func (d *simDisk) SaveState(ps membership.PersistentState) error {
	d.ps, d.disk = ps, true
	d.ps.Rec.Sync = slices.Clone(ps.Rec.Sync)
	if r := d.ps.Rec; !r.IsZero() {
		if d.confirmed == nil {
			d.confirmed = map[uint64]membership.Record{}
		}
		if c, ok := d.confirmed[r.Epoch]; !ok || c.Less(r) {
			d.confirmed[r.Epoch] = r
		}
	}
	return nil
}

func (d *simDisk) SaveHistory(h []uint64) error { d.hist = slices.Clone(h); return nil }

// simNet sends datagrams on the simulated network.
type simNet autoNode

func (t *simNet) Send(m *membership.Message) {
	n := (*autoNode)(t)
	// Invariant 8 at the moment a message leaves: a node that no longer
	// acts as master (it accepted a view naming another, which lets that
	// one act without a fence wait) must have closed its write gate
	// before it says so; a real process can be descheduled between a
	// send and the next step.
	if n.eng.Accepting() && !n.eng.Mem().IsMaster() {
		n.s.fail(8, "n%d sends %v with its write gate open while it no longer acts as master", n.id, m.Type)
	}
	n.s.net.Send(n.s.now, uint32(m.From), uint32(m.To), *m)
}

// simHA is the engine's handle on the node's driver.
type simHA autoNode

func (h *simHA) Apply(d hanet.Desired) { (*autoNode)(h).drv.Apply(d) }

func (s *AutoSim) start(n *autoNode) error {
	n.gen++
	n.up, n.paused, n.listen = true, false, false
	n.heldDG, n.heldHA = nil, nil
	n.clk = NewClock(s.rng, s.o.MaxDriftPPM, s.now)
	n.start = n.clk.NextAt - n.clk.Period
	n.ticks = 0
	n.accept = false
	var restored membership.PersistentState
	if n.disk {
		restored = n.ps
	}
	env := engine.Env{Clock: n, Disk: (*simDisk)(n), Net: (*simNet)(n), Events: func(ev membership.Event) {
		switch ev.Kind {
		case membership.EventViewInstalled:
			s.tracef("n%d %s rec=%s view rec=%s", n.id, ev, n.eng.Mem().Record(), n.eng.Mem().ViewRecord())
		case membership.EventCMM:
			s.tracef("n%d %s", n.id, ev)
		}
	}}
	if !n.witness {
		st, err := store.OpenFile(n.path, &store.Options{NoSync: true, InitialMmapSize: 1 << 20})
		if err != nil {
			return err
		}
		n.st = st
		n.gate = hanet.NewGate(n)
		env.Gate, env.HA = n.gate, (*simHA)(n)
		env.StoreTxid = st.Txid
	}
	env.Log = slog.New(traceHandler{s: s, node: n.id})
	eng, err := engine.New(s.engineConfig(n), restored, env)
	if err != nil {
		return err
	}
	n.eng = eng
	if !n.witness {
		gen := n.gen
		drv, err := hanet.NewDriver(hanet.DriverConfig{
			Node: ha.Config{Name: n.name, Key: ha.ClusterKey([]byte("sim-authkey-0123456789"), "sim"), Token: []byte("sim"), SchemaID: "sim", DeadTicks: 3, Entropy: s.entropy,
				Auto: true, Epoch: n.eng.Mem().DataEpoch(), History: n.hist, Mode: modeOf(s.o.Async)},
			Store: n.st, Gate: n.gate, Clock: n, Retry: time.Duration(TickUnits) * time.Microsecond,
			Logf: func(format string, args ...any) { s.tracef("n%d %s", n.id, fmt.Sprintf(format, args...)) },
			Report: func(r hanet.Report) {
				if n.gen == gen {
					n.eng.Report(r)
				}
			},
		}, (*simTransport)(n))
		if err != nil {
			return err
		}
		n.drv = drv
		n.writes = 0
	}
	eng.Begin()
	s.flush(n)
	s.tracef("start n%d inc=%d epoch=%d txid=%d", n.id, n.ps.Incarnation, n.eng.Mem().DataEpoch(), n.txid())
	return nil
}

// traceHandler puts a node's log lines into the trace.
type traceHandler struct {
	s    *AutoSim
	node membership.NodeID
}

func (h traceHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h traceHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value); return true })
	h.s.tracef("n%d %s%s", h.node, r.Message, b.String())
	return nil
}
func (h traceHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h traceHandler) WithGroup(string) slog.Handler      { return h }

func modeOf(async bool) ha.Mode {
	if async {
		return ha.Async
	}
	return ha.Sync
}

func (n *autoNode) txid() uint64 {
	if n.st == nil {
		return 0
	}
	return n.st.Txid()
}

func (s *AutoSim) tracef(format string, args ...any) {
	s.trace = append(s.trace, fmt.Sprintf("t=%d.%03d ", s.now/TickUnits, s.now%TickUnits)+fmt.Sprintf(format, args...))
	if len(s.trace) > 3000 {
		s.trace = slices.Delete(s.trace, 0, 1000)
	}
}

// Trace returns the recent trace.
func (s *AutoSim) Trace() string { return strings.Join(s.trace, "\n") }

func (s *AutoSim) fail(inv int, format string, args ...any) {
	if s.err != nil {
		return
	}
	tr := s.trace
	if len(tr) > 150 {
		tr = tr[len(tr)-150:]
	}
	s.err = &AutoViolation{Seed: s.o.Seed, Invariant: inv, What: fmt.Sprintf(format, args...), Trace: strings.Join(tr, "\n")}
}

// flush lets a node's engine and driver handle their output.
func (s *AutoSim) flush(n *autoNode) {
	if !n.up || n.paused {
		return
	}
	if err := n.eng.Flush(); err != nil {
		s.fail(0, "n%d: flush: %v", n.id, err)
	}
	if n.drv != nil {
		n.drv.HandleReady()
		// The driver's report may need another pass of the controller.
		if err := n.eng.Flush(); err != nil {
			s.fail(0, "n%d: flush: %v", n.id, err)
		}
	}
	s.check()
}

// ---- HA transport ----

type simTransport autoNode

func (t *simTransport) node() *autoNode { return (*autoNode)(t) }

func (s *AutoSim) haDelay() Time {
	return s.o.HAMinDelay + Time(s.rng.Int64N(int64(s.o.HAMaxDelay-s.o.HAMinDelay+1)))
}

// post schedules a local event or a message for node to, after delay, in
// FIFO order per receiving connection end.
func (s *AutoSim) post(to membership.NodeID, m ha.Message, snap []byte, delay Time) {
	n := s.nodes[to-1]
	at := s.now + delay
	if m.Conn != 0 {
		e := haEnd{to, m.Conn}
		at = max(at, s.lastAt[e])
		s.lastAt[e] = at
	}
	s.haSeq++
	heap.Push(&s.haq, &haEvent{at: at, seq: s.haSeq, to: to, gen: n.gen, msg: m, snap: snap})
}

func (s *AutoSim) linkCut(a, b membership.NodeID) bool {
	return s.cutHA[[2]membership.NodeID{a, b}] || s.cutHA[[2]membership.NodeID{b, a}]
}

func (t *simTransport) Dial(d ha.Dial) {
	n, s := t.node(), t.node().s
	to, ok := s.addrs[d.Addr]
	if !ok || to == n.id {
		s.post(n.id, ha.Message{Type: ha.MsgClosed, Conn: d.Conn, Reason: "no such address"}, nil, s.haDelay())
		return
	}
	p := s.nodes[to-1]
	if !p.up || !p.listen || s.linkCut(n.id, to) {
		s.post(n.id, ha.Message{Type: ha.MsgClosed, Conn: d.Conn, Reason: "connection refused"}, nil, s.haDelay())
		return
	}
	s.haSeq++
	acc := haEnd{to, s.haSeq<<20 | uint64(p.gen)} // below the dial range of ha.Node
	mine := haEnd{n.id, d.Conn}
	s.pairs[mine], s.pairs[acc] = acc, mine
	delay := s.haDelay()
	s.post(to, ha.Message{Type: ha.MsgAccepted, Conn: acc.conn, Addr: n.name + ":1"}, nil, delay)
	s.post(n.id, ha.Message{Type: ha.MsgConnected, Conn: d.Conn}, nil, delay+s.haDelay())
}

func (t *simTransport) Send(m ha.Message) error {
	n, s := t.node(), t.node().s
	mine := haEnd{n.id, m.Conn}
	peer, ok := s.pairs[mine]
	if !ok {
		return nil // closed meanwhile
	}
	if s.linkCut(n.id, peer.node) {
		// The network between them is cut: the connection times out.
		s.breakConn(mine, "network cut")
		return nil
	}
	var snap []byte
	if m.Type == ha.MsgSnapshot {
		var buf bytes.Buffer
		info, err := n.st.WriteSnapshot(&buf)
		if err != nil {
			return err
		}
		snap = buf.Bytes()
		m.Txid, m.Digest = info.Txid, info.Digest[:]
		s.Stats.Copies++
	}
	m.Conn = peer.conn
	s.post(peer.node, m, snap, s.haDelay())
	return nil
}

// breakConn closes a connection at both ends, each told after a delay.
func (s *AutoSim) breakConn(e haEnd, why string) {
	peer, ok := s.pairs[e]
	if !ok {
		return
	}
	delete(s.pairs, e)
	delete(s.pairs, peer)
	s.post(e.node, ha.Message{Type: ha.MsgClosed, Conn: e.conn, Reason: why}, nil, s.haDelay())
	s.post(peer.node, ha.Message{Type: ha.MsgClosed, Conn: peer.conn, Reason: why}, nil, s.haDelay())
}

func (t *simTransport) Close(conn uint64) {
	n, s := t.node(), t.node().s
	mine := haEnd{n.id, conn}
	peer, ok := s.pairs[mine]
	if !ok {
		return
	}
	delete(s.pairs, mine)
	delete(s.pairs, peer)
	// After what was sent on it (FIFO), the peer sees it closed.
	s.post(peer.node, ha.Message{Type: ha.MsgClosed, Conn: peer.conn, Reason: "closed by " + n.name}, nil, s.haDelay())
}

func (t *simTransport) InstallKeys(ha.ConnKeys) {}
func (t *simTransport) Listen() error           { t.node().listen = true; return nil }
func (t *simTransport) StopListening()          { t.node().listen = false }

// deliverHA hands an HA event to its node (held while it is paused).
func (s *AutoSim) deliverHA(e *haEvent) {
	n := s.nodes[e.to-1]
	if !n.up || n.gen != e.gen {
		return
	}
	if n.paused {
		n.heldHA = append(n.heldHA, e)
		return
	}
	s.applyHA(n, e)
	s.loopPass(n)
}

// loopPass is what gohad's node loop does when it wakes up (the HA
// runtime reported, a datagram or a tick arrived): catch up on the ticks
// that are due, then flush.
func (s *AutoSim) loopPass(n *autoNode) {
	if !n.up || n.paused {
		return
	}
	n.eng.CatchUp()
	s.flush(n)
}

// applyHA is the HA runtime's goroutine handling one event (it does not
// run the node loop).
func (s *AutoSim) applyHA(n *autoNode, e *haEvent) {
	m := e.msg
	if m.Type == ha.MsgSnapshot && e.snap != nil {
		if !n.drv.ExpectsSnapshot(m.Conn) {
			s.breakConn(haEnd{n.id, m.Conn}, "unexpected full copy")
			return
		}
		st, err := n.st.Stage(bytes.NewReader(e.snap))
		if err != nil {
			s.fail(0, "n%d: staging a copy: %v", n.id, err)
			return
		}
		n.drv.StepStaged(m, st)
	} else {
		if m.Type == ha.MsgClosed {
			delete(s.pairs, haEnd{n.id, m.Conn})
		}
		n.drv.Step(m)
	}
	n.drv.HandleReady()
	s.check()
}

// ---- the run ----

// step advances true time to the next event at or before until and
// handles everything due then; it reports false when nothing is due.
func (s *AutoSim) step(until Time) bool {
	next := until + 1
	if at, ok := s.net.Next(); ok && at < next {
		next = at
	}
	if len(s.haq) > 0 && s.haq[0].at < next {
		next = s.haq[0].at
	}
	for _, n := range s.nodes {
		if n.up && n.clk.NextAt < next {
			next = n.clk.NextAt
		}
	}
	if next > until {
		s.now = until
		return false
	}
	s.now = next
	for s.err == nil {
		p, ok := s.net.Pop(s.now)
		if !ok {
			break
		}
		s.deliverDG(p)
	}
	for s.err == nil && len(s.haq) > 0 && s.haq[0].at <= s.now {
		s.deliverHA(heap.Pop(&s.haq).(*haEvent))
	}
	for _, n := range s.nodes {
		if s.err == nil && n.up && n.clk.NextAt == s.now {
			n.clk.NextAt += n.clk.Period
			s.tick(n)
		}
	}
	return true
}

func (s *AutoSim) deliverDG(p Packet[membership.Message]) {
	n := s.nodes[p.To-1]
	if !n.up {
		return
	}
	in := membership.Inbound{Msg: p.Msg, At: n.eng.Ticks()}
	if n.paused {
		n.heldDG = append(n.heldDG, in)
		return
	}
	n.eng.StepBatch([]membership.Inbound{in}, nil)
	s.flush(n)
}

func (s *AutoSim) tick(n *autoNode) {
	if n.paused {
		return // a stopped process does nothing; it catches up on resume
	}
	n.eng.CatchUp()
	n.ticks++
	if n.drv != nil && n.ticks%s.o.HATickEvery == 0 {
		n.drv.Tick()
		n.drv.HandleReady()
	}
	s.flush(n)
}

// RunTicks runs for t nominal ticks.
func (s *AutoSim) RunTicks(t int) error {
	until := s.now + Time(t)*TickUnits
	for s.err == nil && s.step(until) {
	}
	return s.err
}

// ---- invariants ----

// check verifies invariants 8 and 9 (and 5) at this instant.
func (s *AutoSim) check() {
	if s.err != nil {
		return
	}
	var accepting, masters []membership.NodeID
	for _, n := range s.nodes {
		if !n.up {
			continue
		}
		// A stopped process does not act; it catches up on its ticks (and
		// so on its lease) before anything else when it resumes. Its write
		// gate, though, is checked on the clock: invariant 8 counts it.
		if !n.paused && !n.behind && n.eng.Mem().IsMaster() {
			masters = append(masters, n.id)
		}
		a := n.eng.Accepting()
		if a {
			accepting = append(accepting, n.id)
		}
		if a && !n.accept {
			s.tracef("n%d accepts writes (epoch %d, txid %d)", n.id, n.eng.Mem().Record().Epoch, n.txid())
			s.checkHolds(n)
		}
		n.accept = a
	}
	if len(accepting) > 1 {
		s.fail(8, "nodes %v accept writes at the same time", accepting)
	}
	if len(masters) > 1 {
		s.fail(5, "nodes %v act as quorate master at the same time", masters)
	}
}

// checkElectable (invariant 9, at the acknowledgement, sync replication):
// write seq, just acknowledged by primary n, is on at least min_sync
// secondaries that the newest record a quorum of nodes persisted for n's
// epoch lists in sync: the nodes an election may choose if n is lost for
// good. A record only n published (not yet reported back by a quorum) does
// not count: nobody else knows it. A node that went on to a newer epoch
// (an election while n still held its lease) counts with the newest
// record of n's epoch it persisted: it accepted the newer epoch's
// proposal only if that derived from it (see "Automatic mode" in
// core/membership's doc).
func (s *AutoSim) checkElectable(n *autoNode, seq int) {
	minSync := s.engineConfig(n).MinSync
	if s.o.Async || minSync == 0 || s.err != nil {
		return
	}
	epoch := n.ps.Rec.Epoch
	var recs []membership.Record
	for _, o := range s.nodes {
		switch {
		case o.wiped && o != n:
			// It lost the records it had confirmed: assume it confirmed
			// the newest (what a wipe loses is accounted by dropLost).
			recs = append(recs, n.ps.Rec)
		case o.confirmed[epoch].Epoch == epoch:
			recs = append(recs, o.confirmed[epoch])
		}
	}
	quorum := len(s.nodes)/2 + 1 // every node has one vote
	if len(recs) < quorum {
		return // the epoch's own view confirmed its record: nothing newer yet
	}
	slices.SortFunc(recs, func(a, b membership.Record) int { return cmp.Compare(b.Seq, a.Seq) })
	conf := recs[quorum-1] // the newest record a quorum holds
	have := 0
	for _, id := range conf.Sync {
		if o := s.nodes[id-1]; id != n.id && (o.wiped || s.holds(o, seq)) {
			have++
		}
	}
	if have < minSync {
		s.fail(9, "n%d acknowledged write %d with %d of the secondaries a quorum confirmed in sync holding it (record e%d.%d sync %v), min_sync %d: lost with n%d, it could not fail over",
			n.id, seq, have, conf.Epoch, conf.Seq, conf.Sync, minSync, n.id)
	}
}

// holds reports whether node o's store, on disk if it is down, holds
// write seq. A node that was wiped since counts as holding it: what a
// wipe loses is the wipe's (dropLost, Stats.LostToWipes), not this check's.
func (s *AutoSim) holds(o *autoNode, seq int) bool {
	if o.st != nil {
		return s.HasWrite(o.id, seq)
	}
	if _, err := os.Stat(o.path); err != nil {
		return true
	}
	st, err := store.OpenFile(o.path, &store.Options{NoSync: true, InitialMmapSize: 1 << 20})
	if err != nil {
		return false
	}
	defer st.Close()
	v, err := st.Get(fmt.Sprintf("/w/%d", seq))
	return err == nil && v.String() == fmt.Sprint(seq)
}

// checkHolds: a node that starts accepting writes holds every commit
// acknowledged so far (invariant 9). With async replication it may lack
// at most max_lag of them: the bound async mode promises.
func (s *AutoSim) checkHolds(n *autoNode) {
	var missing []ackedWrite
	for _, w := range s.acked {
		if v, err := n.st.Get(w.path); err != nil || v.String() != w.value {
			missing = append(missing, w)
		}
	}
	allowed := 0
	if s.o.Async {
		allowed = int(s.o.MaxLag)
	}
	if len(missing) > allowed {
		w := missing[0]
		s.fail(9, "n%d accepts writes but lacks %d acknowledged commits (%d allowed), e.g. %s=%s acknowledged by n%d at t=%d (store txid %d)",
			n.id, len(missing), allowed, w.path, w.value, w.by, w.at/TickUnits, n.txid())
		return
	}
	if len(missing) > 0 {
		s.tracef("n%d lacks %d acknowledged commits (async, max_lag %d)", n.id, len(missing), allowed)
		// They are lost: later primaries need not have them either.
		s.acked = slices.DeleteFunc(s.acked, func(w ackedWrite) bool { return slices.Contains(missing, w) })
	}
}

// ---- faults and writes ----

func (s *AutoSim) upNodes() []*autoNode {
	var out []*autoNode
	for _, n := range s.nodes {
		if n.up {
			out = append(out, n)
		}
	}
	return out
}

// Crash stops node id; with wipe its data directory is lost too.
func (s *AutoSim) Crash(id membership.NodeID, wipe bool) {
	n := s.nodes[id-1]
	if !n.up {
		return
	}
	n.up, n.paused = false, false
	n.accept = false
	var ends []haEnd
	for e := range s.pairs {
		if e.node == id {
			ends = append(ends, e)
		}
	}
	slices.SortFunc(ends, func(a, b haEnd) int { return cmpU64(a.conn, b.conn) })
	for _, e := range ends { // in a fixed order: a seed replays exactly
		s.breakConn(e, "peer crashed")
	}
	if n.st != nil {
		n.st.Close()
		n.st = nil
	}
	n.drv, n.eng = nil, nil
	s.Stats.Crashes++
	if wipe {
		n.ps, n.hist, n.disk, n.wiped = membership.PersistentState{}, nil, false, true
		n.confirmed = nil
		os.Remove(n.path)
		os.Remove(n.path + ".stage")
		s.Stats.Wipes++
	}
	s.tracef("crash n%d wipe=%t", id, wipe)
	if wipe {
		s.dropLost()
	}
}

// dropLost forgets the acknowledged writes that no disk holds any more
// (every node that had one was wiped): no system keeps data that all its
// copies lost; invariant 9 is about the others.
func (s *AutoSim) dropLost() {
	var stores []*store.Store
	var closers []func()
	for _, n := range s.nodes {
		switch {
		case n.witness:
		case n.st != nil:
			stores = append(stores, n.st)
		default:
			if _, err := os.Stat(n.path); err != nil {
				continue
			}
			st, err := store.OpenFile(n.path, &store.Options{NoSync: true, InitialMmapSize: 1 << 20})
			if err != nil {
				continue
			}
			stores = append(stores, st)
			closers = append(closers, func() { st.Close() })
		}
	}
	kept := s.acked[:0]
	for _, w := range s.acked {
		held := false
		for _, st := range stores {
			if v, err := st.Get(w.path); err == nil && v.String() == w.value {
				held = true
				break
			}
		}
		if held {
			kept = append(kept, w)
		} else {
			s.Stats.LostToWipes++
		}
	}
	if lost := len(s.acked) - len(kept); lost > 0 {
		s.tracef("%d acknowledged writes are on no disk any more (every copy wiped)", lost)
	}
	s.acked = kept
	for _, c := range closers {
		c()
	}
}

// Restart starts a crashed node from its data directory.
func (s *AutoSim) Restart(id membership.NodeID) error {
	n := s.nodes[id-1]
	if n.up {
		return nil
	}
	return s.start(n)
}

// Pause stops a node's process (SIGSTOP): no ticks, nothing handled.
func (s *AutoSim) Pause(id membership.NodeID) {
	n := s.nodes[id-1]
	if n.up && !n.paused {
		n.paused = true
		s.Stats.Pauses++
		s.tracef("pause n%d", id)
	}
}

// Resume continues a paused node (SIGCONT). In gohad the HA runtime and
// the node loop are separate goroutines, so after SIGCONT either may run
// first: haFirst lets the HA runtime handle what was queued (an
// acknowledgement of a queued write, case (a) of the issue) before the
// loop catches up on its ticks.
func (s *AutoSim) Resume(id membership.NodeID, haFirst bool) {
	n := s.nodes[id-1]
	if !n.up || !n.paused {
		return
	}
	n.paused = false
	s.tracef("resume n%d (HA first: %t)", id, haFirst)
	dg, hq := n.heldDG, n.heldHA
	n.heldDG, n.heldHA = nil, nil
	runHA := func() {
		for _, e := range hq {
			if n.up && n.gen == e.gen && n.drv != nil {
				s.applyHA(n, e)
			}
		}
	}
	if haFirst {
		n.behind = true // the loop has not caught up on its ticks yet
		runHA()
		n.behind = false
	}
	n.eng.StepBatch(dg, nil) // every overdue tick, then the datagrams
	if !haFirst {
		runHA()
	}
	s.flush(n)
}

// Partition cuts the network (membership and HA) into groups.
func (s *AutoSim) Partition(groups [][]uint32) {
	s.net.Partition(groups)
	clear(s.cutHA)
	for i, g := range groups {
		for j, h := range groups {
			if i != j {
				for _, a := range g {
					for _, b := range h {
						s.cutHA[[2]membership.NodeID{membership.NodeID(a), membership.NodeID(b)}] = true
					}
				}
			}
		}
	}
	s.Stats.Partitions++
	s.tracef("partition %v", groups)
}

// Cut cuts the link a -> b one way (datagrams; an HA connection between
// them breaks: TCP needs both ways).
func (s *AutoSim) Cut(a, b membership.NodeID) {
	s.net.Cut(uint32(a), uint32(b))
	s.cutHA[[2]membership.NodeID{a, b}] = true
	s.tracef("cut n%d->n%d", a, b)
}

// Heal restores every link.
func (s *AutoSim) Heal() {
	s.net.HealAll()
	clear(s.cutHA)
	s.tracef("heal")
}

// Write has node id commit one unique key; it returns the txid it got,
// and the outcome arrives later (acknowledged: recorded for invariant 9;
// Outcome reports it by write number, LastWrite).
func (s *AutoSim) Write(id membership.NodeID) (uint64, error) {
	n := s.nodes[id-1]
	if !n.up || n.paused || n.drv == nil {
		return 0, errors.New("down, paused or a witness")
	}
	s.seq++
	seq := s.seq
	w := ackedWrite{seq: seq, path: fmt.Sprintf("/w/%d", seq), value: fmt.Sprint(seq), by: id}
	gen := n.gen
	req := &hanet.CommitReq{Ops: []store.Op{store.SetOp(w.path, store.String(w.value))}, Ack: func(err error) {
		if err == nil && n.gen != gen {
			err = errors.New("the process restarted")
		}
		s.outcomes[seq] = err
		if err != nil {
			s.tracef("n%d write %d not acknowledged: %v", id, seq, err)
			return
		}
		w.at = s.now
		s.acked = append(s.acked, w)
		s.Stats.Acked++
		s.tracef("n%d acknowledged write %d", id, seq)
		// The acknowledging node must be the one accepting writes now.
		if !n.eng.Accepting() {
			s.fail(8, "n%d acknowledged write %d while not accepting writes", id, seq)
		}
		s.checkElectable(n, seq)
	}}
	s.Stats.Writes++
	n.drv.Commit([]*hanet.CommitReq{req})
	if req.Err != nil {
		s.Stats.Refused++
		s.outcomes[seq] = req.Err
		return 0, req.Err
	}
	n.drv.HandleReady()
	s.loopPass(n)
	return req.Txid, nil
}

// LastWrite is the number of the last write (Outcome's key).
func (s *AutoSim) LastWrite() int { return s.seq }

// Outcome reports write seq's result: known, and then nil if acknowledged.
func (s *AutoSim) Outcome(seq int) (known bool, err error) {
	err, known = s.outcomes[seq]
	return known, err
}

// Err returns the first invariant violation (nil if none).
func (s *AutoSim) Err() error { return s.err }

// Accepting returns the nodes that accept writes now.
func (s *AutoSim) Accepting() []membership.NodeID {
	var out []membership.NodeID
	for _, n := range s.nodes {
		if n.up && n.eng.Accepting() {
			out = append(out, n.id)
		}
	}
	return out
}

// Writable returns nil if node id would take a write now (its HA
// driver's admission: the gate, its role, min_sync), else why not.
func (s *AutoSim) Writable(id membership.NodeID) error {
	n := s.nodes[id-1]
	if !n.up || n.drv == nil {
		return errors.New("down or a witness")
	}
	return n.drv.Writable()
}

// Engine returns node id's engine (nil while it is down).
func (s *AutoSim) Engine(id membership.NodeID) *engine.Engine { return s.nodes[id-1].eng }

// HasWrite reports whether node id's store holds write seq.
func (s *AutoSim) HasWrite(id membership.NodeID, seq int) bool {
	n := s.nodes[id-1]
	if n.st == nil {
		return false
	}
	v, err := n.st.Get(fmt.Sprintf("/w/%d", seq))
	return err == nil && v.String() == fmt.Sprint(seq)
}

// RunUntil runs until cond holds (checked every tick) or ticks pass; it
// reports whether cond held.
func (s *AutoSim) RunUntil(ticks int, cond func() bool) bool {
	for range ticks {
		if cond() || s.err != nil {
			return s.err == nil && cond()
		}
		s.RunTicks(1)
	}
	return s.err == nil && cond()
}

// primaryGuess is the node a client would write to: one whose HA
// runtime says primary (a random one when there are several).
func (s *AutoSim) primaryGuess() membership.NodeID {
	var ps []membership.NodeID
	for _, n := range s.nodes {
		if n.up && !n.paused && n.drv != nil && n.drv.Node().Role() == ha.RolePrimary {
			ps = append(ps, n.id)
		}
	}
	if len(ps) == 0 || s.rng.IntN(10) == 0 {
		return membership.NodeID(1 + s.rng.IntN(len(s.nodes)))
	}
	return ps[s.rng.IntN(len(ps))]
}

func (s *AutoSim) injectFaults() error {
	o, r := s.o, s.rng
	up := s.upNodes()
	pick := func(ns []*autoNode) *autoNode { return ns[r.IntN(len(ns))] }
	if len(up) > 0 && r.Float64() < o.CrashProb {
		s.Crash(pick(up).id, r.Float64() < o.WipeProb)
	}
	var down []*autoNode
	for _, n := range s.nodes {
		if !n.up {
			down = append(down, n)
		}
	}
	if len(down) > 0 && r.Float64() < o.RestartProb {
		if err := s.Restart(pick(down).id); err != nil {
			return err
		}
	}
	if r.Float64() < o.WholeRestartProb {
		s.tracef("whole-cluster restart")
		for _, n := range s.nodes {
			s.Crash(n.id, false)
		}
		for _, n := range s.nodes {
			if r.IntN(4) > 0 {
				if err := s.Restart(n.id); err != nil {
					return err
				}
			}
		}
	}
	var running, paused []*autoNode
	for _, n := range s.upNodes() {
		if n.paused {
			paused = append(paused, n)
		} else {
			running = append(running, n)
		}
	}
	if len(running) > 0 && r.Float64() < o.PauseProb {
		s.Pause(pick(running).id)
	}
	if len(paused) > 0 && r.Float64() < o.ResumeProb {
		s.Resume(pick(paused).id, r.IntN(2) == 0)
	}
	if r.Float64() < o.PartitionProb {
		k := 2 + r.IntN(2)
		groups := make([][]uint32, k)
		for _, n := range s.nodes {
			g := r.IntN(k)
			groups[g] = append(groups[g], uint32(n.id))
		}
		s.Partition(groups)
	}
	if r.Float64() < o.OneWayProb {
		a, b := membership.NodeID(1+r.IntN(len(s.nodes))), membership.NodeID(1+r.IntN(len(s.nodes)))
		if a != b {
			s.Cut(a, b)
		}
	}
	if r.Float64() < o.HealProb {
		s.Heal()
	}
	if r.Float64() < o.SwitchoverProb {
		if up := s.upNodes(); len(up) > 0 {
			n := pick(up)
			if !n.paused {
				var target membership.NodeID
				if r.IntN(2) == 0 {
					target = membership.NodeID(1 + r.IntN(len(s.nodes)))
				}
				err := n.eng.Mem().Switchover(target)
				s.Stats.Switchovers++
				s.tracef("n%d switchover to %d: %v", n.id, target, err)
				s.flush(n)
			}
		}
	}
	if r.Float64() < o.WriteProb {
		id := s.primaryGuess()
		txid, err := s.Write(id)
		s.tracef("n%d write -> txid %d %v", id, txid, err)
	}
	return nil
}

// Run runs the fault period, then heals, resumes and restarts everything
// and checks that a primary accepts writes again with every data node in
// sync (unless every node that held the newest commits was wiped).
func (s *AutoSim) Run() error {
	s.faulty = true
	s.net.Opts = s.o.Packet
	for range s.o.FaultTicks {
		if err := s.injectFaults(); err != nil {
			return err
		}
		if err := s.RunTicks(1); err != nil {
			return err
		}
		if s.Watch != nil {
			s.Watch()
		}
	}
	s.faulty = false
	s.net.Opts = PacketOptions{MinDelay: 50, MaxDelay: s.o.QuietDelay}
	s.Heal()
	for _, n := range s.nodes {
		s.Resume(n.id, false)
		if err := s.Restart(n.id); err != nil {
			return err
		}
	}
	s.tracef("quiet: healed, resumed, restarted")
	return s.converge()
}

// converge waits for a primary that accepts a write with every data node
// in sync, then checks that every store holds the same data.
func (s *AutoSim) converge() error {
	for t := 0; t <= s.o.QuietTicks; t++ {
		if p := s.settled(); p != nil {
			if _, err := s.Write(p.id); err == nil {
				seq := s.seq
				if err := s.RunTicks(4 * s.o.HeartbeatTicks); err != nil {
					return err
				}
				t += 4 * s.o.HeartbeatTicks
				// Only an acknowledged write shows a settled cluster: a
				// view change in the quiet period may still abort it.
				if known, err := s.Outcome(seq); known && err == nil && s.settled() == p {
					s.Stats.Converge = t
					return s.checkFinal(p)
				}
				continue
			}
		}
		if err := s.RunTicks(1); err != nil {
			return err
		}
	}
	if s.stuck() {
		s.Stats.Stuck = true
		s.tracef("stuck: no node holding the newest acknowledged commits is left (force-primary needed): %s", s.summary())
		return nil
	}
	s.fail(3, "no primary with every data node in sync %d ticks after the faults: %s", s.o.QuietTicks, s.summary())
	return s.err
}

// settled returns the primary when one accepts writes and publishes every
// other data node in sync.
func (s *AutoSim) settled() *autoNode {
	for _, n := range s.nodes {
		if !n.up || !n.eng.Accepting() {
			continue
		}
		rec := n.eng.Mem().Record()
		for _, o := range s.nodes {
			if !o.witness && o.id != n.id && !rec.InSync(o.id) {
				return nil
			}
		}
		return n
	}
	return nil
}

// stuck reports whether no running node may become primary because the
// newest record's nodes lost their data (the design's answer is an
// operator's force-primary, not an automatic election).
func (s *AutoSim) stuck() bool {
	var base membership.Record
	for _, n := range s.nodes {
		if r := n.eng.Mem().Record(); base.Less(r) {
			base = r
		}
	}
	for _, n := range s.nodes {
		if !n.witness && base.Holds(n.id) && n.eng.Mem().DataEpoch() == base.Epoch {
			return false
		}
	}
	return true
}

// checkFinal: every data node holds the primary's data, and every
// acknowledged write.
func (s *AutoSim) checkFinal(p *autoNode) error {
	ptx, pd := p.st.State()
	for _, n := range s.nodes {
		if n.witness {
			continue
		}
		tx, d := n.st.State()
		if tx != ptx || d != pd {
			s.fail(9, "after the faults n%d is at txid %d digest %s, the primary n%d at %d %s", n.id, tx, d, p.id, ptx, pd)
			return s.err
		}
		s.checkHolds(n)
	}
	return s.err
}

func (s *AutoSim) summary() string {
	var b strings.Builder
	for _, n := range s.nodes {
		if !n.up {
			fmt.Fprintf(&b, "n%d:down ", n.id)
			continue
		}
		st := n.eng.Mem().Status()
		role := "-"
		if n.drv != nil {
			role = n.drv.Node().Role().String()
		}
		fmt.Fprintf(&b, "n%d:%s%v master=%d %s rec=%s epoch=%d txid=%d amnesiac=%t; ", n.id, st.Ring, st.Members, st.Master, role,
			st.Rec, n.eng.Mem().DataEpoch(), n.txid(), st.Amnesiac)
	}
	return b.String()
}

// Close releases the stores.
func (s *AutoSim) Close() {
	for _, n := range s.nodes {
		if n.st != nil {
			n.st.Close()
		}
	}
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ScenarioOptions are options for a scripted scenario: no random faults,
// no packet loss, only the delays (fixed by the seed).
func ScenarioOptions(seed uint64, nodes int, witness bool, dir string) AutoOptions {
	o := DefaultAutoOptions(seed, dir)
	o.Nodes, o.Witness, o.Async = nodes, witness, false
	o.Packet = PacketOptions{MinDelay: 50, MaxDelay: 500}
	o.CrashProb, o.RestartProb, o.PauseProb, o.ResumeProb = 0, 0, 0, 0
	o.PartitionProb, o.OneWayProb, o.HealProb = 0, 0, 0
	o.WriteProb, o.SwitchoverProb, o.WholeRestartProb = 0, 0, 0
	return o
}
