package sim

// HA replication simulator (invariant 7). It drives core/ha state machines
// over real core/store stores through core/ha/hamem, with its own virtual
// clock and packet network (delay, reordering, loss, duplication,
// partitions) and crashes/restarts, all from one seed, and checks after
// every step:
//
//   - ack: when the primary acknowledges a commit in sync mode, every
//     secondary it lists as in sync (and, through relays, every in-sync
//     sub-secondary) holds the commit;
//   - promotion: a node that becomes primary holds every acknowledged
//     commit (the simulated HA framework only promotes nodes the old
//     primary had in sync);
//   - caught up: an in-sync node at the primary's txid has the primary's
//     digest, and none is ahead of it;
//   - final: after faults stop, every node is back in sync and all stores
//     are byte-identical and hold every acknowledged commit.
//
// It has its own small network instead of the membership simulator's
// Network: that one models datagrams, each delayed (and so reordered)
// independently, while HA runs over TCP streams. Here packets keep FIFO
// order per connection, reordering is a rare explicit fault (which the
// protocol must turn into a closed connection), and packets for a paused
// node wait for it.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/ha/hamem"
	"github.com/goha/goha/core/store"
)

// HAOptions configure one HA simulation run. Probabilities are per step.
type HAOptions struct {
	Seed      uint64
	Nodes     int     // >= 4: a primary, secondaries, a relay and its sub-secondary
	Steps     int     // steps with faults; then a fault-free tail to converge
	TickEvery int     // steps per HA tick
	Mode      ha.Mode // replication mode (invariant 7 is about Sync)

	WriteProb         float64
	LossProb, DupProb float64
	// ReorderProb: a packet ignores its connection's FIFO order and may
	// overtake earlier ones (TCP never does this; the protocol must turn it
	// into a closed connection, not into wrong data).
	ReorderProb            float64
	MinDelay, MaxDelay     int // packet delay in steps; random delays reorder
	CrashProb, RestartProb float64
	// PauseProb: a node stops (a long GC pause, SIGSTOP) for 1..MaxPause
	// steps: it neither ticks nor reads, then resumes where it was.
	PauseProb               float64
	MaxPause                int
	PartitionProb, HealProb float64
	// Dir holds the stores (one bbolt file per node).
	Dir string
}

// DefaultHAOptions returns a fault mix that exercises every path in a few
// thousand steps.
func DefaultHAOptions(seed uint64, dir string) HAOptions {
	return HAOptions{
		Seed: seed, Nodes: 5, Steps: 3000, TickEvery: 10, Mode: ha.Sync,
		WriteProb: 0.3, LossProb: 0.001, DupProb: 0.005, ReorderProb: 0.002, MinDelay: 1, MaxDelay: 6,
		CrashProb: 0.003, RestartProb: 0.02, PartitionProb: 0.002, HealProb: 0.01,
		PauseProb: 0.002, MaxPause: 60,
		Dir: dir,
	}
}

// HAViolation is an invariant failure, with the seed and the recent trace.
type HAViolation struct {
	Seed  uint64
	Step  int
	What  string
	Trace string
}

func (v *HAViolation) Error() string {
	return fmt.Sprintf("ha sim seed %d step %d: invariant 7 violated: %s\n--- last trace lines ---\n%s", v.Seed, v.Step, v.What, v.Trace)
}

type haFlight struct {
	at  int
	seq uint64
	p   *hamem.Packet
}

type haAck struct {
	txid   uint64
	marker string
	by     string
}

// HASim is one simulation run.
type HASim struct {
	o     HAOptions
	rng   *rand.Rand
	cl    *hamem.Cluster
	step  int
	seq   uint64
	queue []haFlight
	fifo  map[[3]string]int // last delivery step per (from, to, connection)
	cut   map[[2]string]bool
	pause map[string]int // node -> step it resumes at
	trace []string

	primary   string          // the HA framework's current primary
	lastSync  map[string]bool // the primary's (transitive) in-sync set, last seen
	cooldown  map[string]int  // step before which no new command goes to a node
	proposed  map[string]map[uint64]string
	acked     []haAck
	ackSeen   map[string]int // per node: how many of m.Acked were processed
	toVerify  map[string][]string
	writes    int
	Stats     HAStats
	violation *HAViolation
}

// HAStats summarises a run.
type HAStats struct {
	Writes, Acked, Crashes, Partitions, Pauses, Failovers, Copies, Skips int
	// AckedReplicated counts acknowledgements with at least one in-sync
	// secondary; Required sums the in-sync nodes checked per acknowledgement.
	AckedReplicated, Required int
}

// NewHASim sets up the cluster: n0 primary, n1..n{N-2} secondaries of n0,
// n1 a relay, and n{N-1} a secondary of the relay.
func NewHASim(o HAOptions) (*HASim, error) {
	if o.Nodes < 4 {
		return nil, fmt.Errorf("sim: HA simulation needs at least 4 nodes")
	}
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], o.Seed)
	s := &HASim{
		o: o, rng: rand.New(rand.NewPCG(o.Seed, 0x4841)), cut: map[[2]string]bool{}, fifo: map[[3]string]int{}, pause: map[string]int{},
		lastSync: map[string]bool{}, cooldown: map[string]int{}, proposed: map[string]map[uint64]string{},
		ackSeen: map[string]int{}, toVerify: map[string][]string{},
	}
	s.cl = hamem.New(o.Dir, rand.NewChaCha8(key))
	s.cl.Trace = func(line string) {
		if !strings.Contains(line, " tick") {
			s.tracef("%s", line)
		}
	}
	s.cl.Reachable = func(from, to string) bool { return !s.cut[[2]string{from, to}] }
	for i := 0; i < o.Nodes; i++ {
		if _, err := s.cl.Add(ha.Config{Name: fmt.Sprintf("n%d", i), Key: ha.ClusterKey([]byte("sim-authkey-0123"), "sim"), Token: []byte("sim-token"), SchemaID: "sim", Mode: o.Mode}); err != nil {
			return nil, err
		}
	}
	s.primary = "n0"
	return s, nil
}

func (s *HASim) tracef(format string, args ...any) {
	s.trace = append(s.trace, fmt.Sprintf("[%d] ", s.step)+fmt.Sprintf(format, args...))
	if len(s.trace) > 4000 {
		s.trace = s.trace[len(s.trace)-2000:]
	}
}

func (s *HASim) fail(format string, args ...any) {
	if s.violation != nil {
		return
	}
	tr := s.trace
	if len(tr) > 120 {
		tr = tr[len(tr)-120:]
	}
	s.violation = &HAViolation{Seed: s.o.Seed, Step: s.step, What: fmt.Sprintf(format, args...), Trace: strings.Join(tr, "\n")}
}

// ---- network ----

func (s *HASim) pump() {
	for _, p := range s.cl.TakePackets() {
		if p.From != p.To && s.cut[[2]string{p.From, p.To}] {
			continue
		}
		if p.From != p.To && s.rng.Float64() < s.o.LossProb {
			s.tracef("net: lost %s", p)
			continue
		}
		copies := 1
		if s.rng.Float64() < s.o.DupProb {
			copies = 2
		}
		for i := 0; i < copies; i++ {
			s.seq++
			at := s.step + s.o.MinDelay + s.rng.IntN(s.o.MaxDelay-s.o.MinDelay+1)
			key := [3]string{p.From, p.To, fmt.Sprint(p.Conn)}
			if s.rng.Float64() >= s.o.ReorderProb {
				at = max(at, s.fifo[key]) // same step: seq keeps send order
				s.fifo[key] = at
			} else {
				s.tracef("net: %s may overtake", p)
			}
			s.queue = append(s.queue, haFlight{at: at, seq: s.seq, p: p})
		}
	}
}

func (s *HASim) deliverDue() {
	sort.Slice(s.queue, func(i, j int) bool {
		if s.queue[i].at != s.queue[j].at {
			return s.queue[i].at < s.queue[j].at
		}
		return s.queue[i].seq < s.queue[j].seq
	})
	var held []haFlight // for paused receivers: delivered when they resume
	for len(s.queue) > 0 && s.queue[0].at <= s.step && s.violation == nil {
		f := s.queue[0]
		s.queue = s.queue[1:]
		if s.paused(f.p.To) {
			held = append(held, f)
			continue
		}
		s.cl.DeliverPacket(f.p)
		s.afterAction()
	}
	s.queue = append(held, s.queue...)
}

func (s *HASim) paused(n string) bool { return s.step < s.pause[n] }

// afterAction moves new packets into the network and runs the checks that
// depend on what just happened.
func (s *HASim) afterAction() {
	s.pump()
	s.collectAcks()
	s.checkPromotions()
	s.observe()
}

// observe is the HA framework watching the primary's status (and its
// SECONDARY_DIED notifications) as they happen, the way a framework
// subscribed with HA_INFO_SYNC does: it remembers which nodes are in sync.
func (s *HASim) observe() {
	if p := s.cl.Members[s.primary]; p.Up() && p.HA.Role() == ha.RolePrimary {
		set := map[string]bool{}
		for _, n := range s.inSync(s.primary) {
			set[n] = true
		}
		s.lastSync = set
	}
}

// ---- faults ----

func (s *HASim) upNames() []string {
	var up []string
	for _, n := range s.cl.Names {
		if s.cl.Members[n].Up() {
			up = append(up, n)
		}
	}
	return up
}

func (s *HASim) faults() {
	names := s.cl.Names
	if s.rng.Float64() < s.o.CrashProb {
		if up := s.upNames(); len(up) > 0 {
			n := up[s.rng.IntN(len(up))]
			notify := s.rng.IntN(2) == 0
			s.tracef("fault: crash %s (peers notified: %v)", n, notify)
			s.cl.Crash(n, notify)
			s.Stats.Crashes++
			s.ackSeen[n] = 0
		}
	}
	for _, n := range names {
		if !s.cl.Members[n].Up() && s.rng.Float64() < s.o.RestartProb {
			s.restart(n)
		}
	}
	if s.rng.Float64() < s.o.PauseProb {
		if up := s.upNames(); len(up) > 0 {
			n := up[s.rng.IntN(len(up))]
			d := 1 + s.rng.IntN(s.o.MaxPause)
			s.tracef("fault: pause %s for %d steps", n, d)
			s.pause[n] = s.step + d
			s.Stats.Pauses++
		}
	}
	if s.rng.Float64() < s.o.PartitionProb {
		a, b := names[s.rng.IntN(len(names))], names[s.rng.IntN(len(names))]
		if a != b {
			s.tracef("fault: partition %s <-> %s", a, b)
			s.cut[[2]string{a, b}], s.cut[[2]string{b, a}] = true, true
			s.cl.Cut(a, b)
			s.Stats.Partitions++
		}
	}
	if len(s.cut) > 0 && s.rng.Float64() < s.o.HealProb {
		s.tracef("fault: heal all partitions")
		s.cut = map[[2]string]bool{}
	}
}

func (s *HASim) restart(n string) {
	if err := s.cl.Restart(n); err != nil {
		s.fail("restart %s: %v", n, err)
		return
	}
	s.ackSeen[n] = 0
	s.cl.Members[n].Acked = nil
	// Commits acknowledged while it was down but owed by it: check now.
	for _, marker := range s.toVerify[n] {
		s.requireMarker(n, marker, "after restart")
	}
	delete(s.toVerify, n)
}

// ---- the client and the oracle ----

func (s *HASim) write() {
	m := s.cl.Members[s.primary]
	if !m.Up() || m.HA.Role() != ha.RolePrimary || s.paused(s.primary) {
		return
	}
	s.writes++
	marker := fmt.Sprintf("/w/%06d", s.writes)
	ops := []store.Op{
		store.SetOp(marker, store.Uint64(uint64(s.writes))),
		store.SetOp(fmt.Sprintf("/hot/%d", s.rng.IntN(8)), store.Int32(int32(s.writes))),
	}
	if k := fmt.Sprintf("/hot/%d", s.rng.IntN(8)); s.rng.IntN(4) == 0 {
		if _, err := m.Store.Get(k); err == nil {
			ops = append(ops, store.DeleteOp(k))
		}
	}
	c, err := s.cl.Write(s.primary, ops)
	if err != nil {
		s.fail("write on primary %s: %v", s.primary, err)
		return
	}
	if s.proposed[s.primary] == nil {
		s.proposed[s.primary] = map[uint64]string{}
	}
	s.proposed[s.primary][c.Txid] = marker
	s.Stats.Writes++
	s.afterAction()
}

// inSync returns the nodes in sync under p (its in-sync secondaries and,
// through relays, their in-sync sub-secondaries).
func (s *HASim) inSync(p string) []string {
	var out []string
	var walk func(n string)
	walk = func(n string) {
		m := s.cl.Members[n]
		if !m.Up() {
			return
		}
		for _, ps := range m.HA.Status().Peers {
			if ps.InSync && !contains(out, ps.Name) {
				out = append(out, ps.Name)
				walk(ps.Name)
			}
		}
	}
	walk(p)
	sort.Strings(out)
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func (s *HASim) requireMarker(n, marker, when string) {
	m := s.cl.Members[n]
	if !m.Up() {
		s.toVerify[n] = append(s.toVerify[n], marker)
		return
	}
	if _, err := m.Store.Get(marker); err != nil {
		s.fail("%s: acknowledged commit %s missing on %s: %v", when, marker, n, err)
	}
}

// collectAcks checks every newly acknowledged commit against the nodes the
// primary has in sync at this moment.
func (s *HASim) collectAcks() {
	for _, n := range s.cl.Names {
		m := s.cl.Members[n]
		if !m.Up() {
			continue
		}
		for _, txid := range m.Acked[s.ackSeen[n]:] {
			marker, ok := s.proposed[n][txid]
			if !ok {
				continue // a write made in role none by an earlier incarnation
			}
			delete(s.proposed[n], txid)
			if m.HA.Role() != ha.RolePrimary {
				continue // acknowledged without replication (role none)
			}
			s.acked = append(s.acked, haAck{txid: txid, marker: marker, by: n})
			s.Stats.Acked++
			s.requireMarker(n, marker, "ack on the primary")
			if secs := s.inSync(n); len(secs) > 0 {
				s.Stats.AckedReplicated++
				s.Stats.Required += len(secs)
			}
			if s.o.Mode == ha.Sync {
				for _, sec := range s.inSync(n) {
					s.requireMarker(sec, marker, fmt.Sprintf("ack of txid %d by %s", txid, n))
				}
			}
		}
		s.ackSeen[n] = len(m.Acked)
	}
}

// checkPromotions: whoever just became primary must hold every
// acknowledged commit.
func (s *HASim) checkPromotions() {
	for _, n := range s.cl.Names {
		m := s.cl.Members[n]
		for _, e := range m.Events {
			switch e.Type {
			case ha.EventIsPrimary:
				if s.o.Mode == ha.Sync {
					for _, a := range s.acked {
						s.requireMarker(n, a.marker, "promotion of "+n)
					}
				}
			case ha.EventSecondaryInitialized:
				if e.ByCopy {
					s.Stats.Copies++
				} else {
					s.Stats.Skips++
				}
			}
		}
		m.Events = m.Events[:0]
	}
}

// checkCaughtUp: in-sync nodes at the primary's txid have its digest; none
// is ahead.
func (s *HASim) checkCaughtUp() {
	p := s.cl.Members[s.primary]
	if !p.Up() || p.HA.Role() != ha.RolePrimary {
		return
	}
	pt, pd := p.Store.State()
	for _, n := range s.inSync(s.primary) {
		m := s.cl.Members[n]
		if !m.Up() {
			continue
		}
		t, d := m.Store.State()
		if t > pt {
			s.fail("in-sync %s is at txid %d, ahead of primary %s at %d", n, t, s.primary, pt)
		} else if t == pt && d != pd {
			s.fail("in-sync %s at txid %d has digest %s, primary %s has %s", n, t, d, s.primary, pd)
		}
	}
}

// ---- the HA framework ----

func (s *HASim) hafw() {
	if p := s.cl.Members[s.primary]; !(p.Up() && p.HA.Role() == ha.RolePrimary) && s.step >= s.cooldown[s.primary] {
		s.failover()
		return
	}
	// Desired tree: relay = first other node, sub = last other node under
	// the relay, everyone else under the primary.
	var others []string
	for _, n := range s.cl.Names {
		if n != s.primary {
			others = append(others, n)
		}
	}
	relay, sub := others[0], others[len(others)-1]
	for _, n := range others {
		m := s.cl.Members[n]
		if !m.Up() || s.step < s.cooldown[n] || s.paused(n) {
			continue
		}
		target := s.primary
		if n == sub {
			if r := s.cl.Members[relay]; r.Up() && r.HA.Role() == ha.RoleRelay {
				target = relay
			}
		}
		s.steer(n, n == relay, target, m.HA.Status())
	}
}

// failover promotes the most advanced node the old primary had in sync
// (or the old primary itself, once restarted), at random among equals.
func (s *HASim) failover() {
	var cands []string
	best := uint64(0)
	for _, n := range s.cl.Names {
		m := s.cl.Members[n]
		if !(s.lastSync[n] || n == s.primary) || !m.Up() {
			continue
		}
		switch t := m.Store.Txid(); {
		case len(cands) == 0 || t > best:
			cands, best = []string{n}, t
		case t == best:
			cands = append(cands, n)
		}
	}
	if len(cands) == 0 {
		return // wait for one of them to come back
	}
	next := cands[s.rng.IntN(len(cands))]
	if next != s.primary {
		s.Stats.Failovers++
	}
	s.tracef("hafw: %s is not primary; promoting %s", s.primary, next)
	s.primary = next
	s.lastSync = map[string]bool{}
	s.command(next, func(n *ha.Node) error { return n.BePrimary() })
	s.cooldown[next] = s.step + 3*s.o.TickEvery
}

// steer gives node n (status st) the command that moves it toward its
// place in the tree: a secondary of target, or the relay.
func (s *HASim) steer(n string, isRelay bool, target string, st ha.Status) {
	follow := func() {
		addr := s.cl.Members[target].Addr
		s.command(n, func(x *ha.Node) error { _, err := x.BeSecondary(target, addr, false); return err })
		s.cooldown[n] = s.step + 2*s.o.TickEvery
	}
	switch st.Role {
	case ha.RolePrimary:
		s.tracef("hafw: stray primary %s told to be none", n)
		s.command(n, func(x *ha.Node) error { return x.BeNone() })
	case ha.RoleNone:
		s.tracef("hafw: %s besecondary %s", n, target)
		follow()
	case ha.RoleSecondary:
		if isRelay && st.Initialized && len(st.Nodes) > 0 && st.Nodes[0].Name == s.primary {
			s.command(n, func(x *ha.Node) error { return x.BeRelay() })
		} else if len(st.Nodes) > 0 && st.Nodes[0].Name != target && st.Nodes[0].Name != s.primary {
			// Following a node that is no longer on the path to the primary.
			s.tracef("hafw: %s re-pointed from %s to %s", n, st.Nodes[0].Name, target)
			follow()
		}
	}
}

func (s *HASim) command(n string, fn func(*ha.Node) error) {
	if err := s.cl.Command(n, fn); err != nil {
		s.tracef("hafw: %s: %v", n, err)
	}
	s.afterAction()
}

// ---- driver ----

func (s *HASim) oneStep(faults bool) {
	s.step++
	s.deliverDue()
	if s.step%s.o.TickEvery == 0 {
		for _, n := range s.upNames() {
			if !s.paused(n) {
				s.cl.Tick(n)
				s.afterAction()
			}
		}
		s.hafw()
	}
	if faults {
		s.faults()
		s.afterAction()
	}
	if s.rng.Float64() < s.o.WriteProb {
		s.write()
	}
	s.checkCaughtUp()
}

// Run runs the faulty phase, then heals everything and runs until all
// nodes are in sync (bounded), and makes the final checks. It returns the
// first invariant violation.
func (s *HASim) Run() error {
	defer s.close()
	// Bring the initial topology up.
	s.command("n0", func(n *ha.Node) error { return n.BePrimary() })
	for i := 0; i < s.o.Steps && s.violation == nil; i++ {
		s.oneStep(true)
	}
	if s.violation != nil {
		return s.violation
	}
	// Faults stop: heal, restart, and let the framework rebuild the tree.
	s.tracef("faults stop")
	s.cut = map[[2]string]bool{}
	s.pause = map[string]int{}
	s.o.LossProb, s.o.DupProb, s.o.ReorderProb = 0, 0, 0
	for _, n := range s.cl.Names {
		if !s.cl.Members[n].Up() {
			s.restart(n)
		}
	}
	bound := 200 * s.o.TickEvery
	for i := 0; i < bound && s.violation == nil; i++ {
		s.o.WriteProb = 0.3
		if i > bound/2 {
			s.o.WriteProb = 0 // quiesce so everyone catches up
		}
		s.oneStep(false)
		if i > bound/2 && len(s.queue) == 0 && s.converged() {
			break
		}
	}
	if s.violation != nil {
		return s.violation
	}
	if !s.converged() {
		s.fail("not converged %d steps after faults stopped: %s", bound, s.summary())
		return s.violation
	}
	s.finalCheck()
	if s.violation != nil {
		return s.violation
	}
	return nil
}

func (s *HASim) converged() bool {
	p := s.cl.Members[s.primary]
	if !p.Up() || p.HA.Role() != ha.RolePrimary {
		return false
	}
	return len(s.inSync(s.primary)) == len(s.cl.Names)-1
}

func (s *HASim) summary() string {
	var b strings.Builder
	for _, n := range s.cl.Names {
		m := s.cl.Members[n]
		if !m.Up() {
			fmt.Fprintf(&b, "%s:down ", n)
			continue
		}
		st := m.HA.Status()
		fmt.Fprintf(&b, "%s:%s@%d ", n, st.Role, m.Store.Txid())
	}
	return b.String()
}

func (s *HASim) finalCheck() {
	var ref []byte
	for _, n := range s.cl.Names {
		var b bytes.Buffer
		if _, err := s.cl.Members[n].Store.WriteSnapshot(&b); err != nil {
			s.fail("snapshot of %s: %v", n, err)
			return
		}
		if ref == nil {
			ref = b.Bytes()
		} else if !bytes.Equal(ref, b.Bytes()) {
			s.fail("final: store of %s is not byte-identical to %s's", n, s.cl.Names[0])
			return
		}
		if s.o.Mode == ha.Sync {
			for _, a := range s.acked {
				s.requireMarker(n, a.marker, "final")
			}
		}
	}
}

func (s *HASim) close() {
	for _, n := range s.cl.Names {
		if m := s.cl.Members[n]; m.Up() {
			s.cl.Crash(n, false)
		}
	}
}
