package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/goha/goha/core/wire"

	"github.com/goha/goha/core/membership"
	"github.com/goha/goha/core/quorum"
)

// Options configure one simulated run. Probabilities are per node per tick
// (faults) or per packet (Packet).
type Options struct {
	Seed  uint64
	Nodes int

	HeartbeatTicks, FailureTicks, MaxDelayTicks int
	// MaxDriftPPM bounds each node's clock rate error; the nodes are told
	// the same bound.
	MaxDriftPPM int
	Quorum      quorum.Settings
	// Ineligible makes every node with an id that is a multiple of it
	// master-ineligible (0: all eligible); IneligibleIDs lists more.
	Ineligible    int
	IneligibleIDs []int
	// LMSWindowTicks is last_man_standing_window (0: the default).
	LMSWindowTicks int
	// Down lists nodes that are not started by NewCluster (start them with
	// Restart).
	Down []int

	// FaultTicks of random faults, then QuietTicks without any.
	FaultTicks, QuietTicks int
	// Packet are the packet faults during the fault period. In the quiet
	// period packets are neither lost nor duplicated, and delays stay
	// within QuietDelay.
	Packet     PacketOptions
	QuietDelay Time

	// CPU models the machine the nodes run on (the zero value: every node
	// handles each packet and tick the moment it is due).
	CPU CPUOptions

	// Node faults, per tick of true time, for the whole cluster.
	CrashProb, RestartProb, WipeProb float64
	PauseProb, ResumeProb            float64
	PartitionProb, OneWayProb        float64
	HealProb                         float64
	// AdminProb: per tick, one CMM administrative call on a random node
	// (release the mastership, (dis)qualify a node, seize qualification,
	// change the synchronisation flag).
	AdminProb float64
	// VoteAdmin adds votequorum_setexpected and votequorum_setvotes calls
	// to those admin calls. Invariant 6 is then checked when the cluster
	// has settled (see checkSettledQuorum), not at every view; AdminExact
	// checks it exactly (for runs without crashes and partitions).
	// The values keep every quorum a majority of the configured votes
	// (expected votes at least their sum, votes at most 1), so invariant 5
	// still holds; AnyVotes lifts that, and then, as with auto_tie_breaker,
	// masters of disjoint views are exempt from invariant 5 (a partition
	// told to expect fewer votes is quorate by the administrator's word).
	VoteAdmin, AdminExact, AnyVotes bool
}

// DefaultOptions returns the options of the default sweep for n nodes.
func DefaultOptions(seed uint64, n int) Options {
	return Options{
		Seed: seed, Nodes: n,
		HeartbeatTicks: 2, FailureTicks: 8, MaxDelayTicks: 1,
		MaxDriftPPM: 20000,
		FaultTicks:  200, QuietTicks: 120,
		Packet:     PacketOptions{LossProb: 0.05, DupProb: 0.02, MinDelay: 50, MaxDelay: 1000},
		QuietDelay: 500,
		CrashProb:  0.02, RestartProb: 0.05, WipeProb: 0.2,
		PauseProb: 0.01, ResumeProb: 0.1,
		PartitionProb: 0.015, OneWayProb: 0.015, HealProb: 0.03,
		AdminProb: 0.05,
	}
}

// VariedOptions returns DefaultOptions with quorum options, eligibility,
// admin traffic and the machine varied by seed, so that a sweep covers
// wait_for_all, auto_tie_breaker, ineligible nodes and slow, stalling
// nodes too.
func VariedOptions(seed uint64, n int) Options {
	o := DefaultOptions(seed, n)
	switch seed % 10 {
	case 5:
		o.CPU = SlowMachine(seed)
	case 6:
		o.VoteAdmin = true
	case 7:
		o.Quorum.WaitForAll, o.Quorum.WaitForAllSet = true, true
	case 8:
		if n%2 == 0 {
			o.Quorum.AutoTieBreaker = quorum.ATBLowest
		}
	case 9:
		o.Ineligible = 3
	}
	return o
}

// SlowMachine is the CPU model of the sweep's slow seeds: two cores, a
// pass costing up to 0.004 tick and a message up to 0.002 tick to handle
// (drawn from the seed; one node in four twice as slow), an inbox of 256
// messages, and during the fault period stalls of up to two failure
// timeouts of the default sweep (16 ticks). The costs keep two cores at
// most half busy with 16 nodes, so that in the quiet period a message
// still arrives and is handled within MaxDelayTicks, as the liveness bound
// assumes.
func SlowMachine(seed uint64) CPUOptions {
	r := rand.New(rand.NewPCG(seed, 0x51e7))
	o := CPUOptions{Cores: 2, PassCost: Time(1 + r.IntN(4)), RecvCost: Time(1 + r.IntN(2)),
		ReadCost: Time(r.IntN(2)), SendCost: 1, Inbox: 256, StallProb: 0.01, MaxStall: 16 * TickUnits,
		Slow: map[membership.NodeID]float64{}}
	for id := membership.NodeID(1); id <= 64; id++ {
		if r.IntN(4) == 0 {
			o.Slow[id] = 2
		}
	}
	return o
}

func (o Options) String() string {
	return fmt.Sprintf("seed=%d nodes=%d hb=%d fail=%d drift=%dppm faults=%d quiet=%d packet=%+v crash=%.3f restart=%.3f wipe=%.2f pause=%.3f partition=%.3f oneway=%.3f heal=%.3f quorum=%+v cpu=%+v",
		o.Seed, o.Nodes, o.HeartbeatTicks, o.FailureTicks, o.MaxDriftPPM, o.FaultTicks, o.QuietTicks,
		o.Packet, o.CrashProb, o.RestartProb, o.WipeProb, o.PauseProb, o.PartitionProb, o.OneWayProb, o.HealProb, o.Quorum, o.CPU)
}

// simNode is one simulated node process.
type simNode struct {
	id     membership.NodeID
	node   *membership.Node // nil while crashed
	clock  Clock
	disk   membership.PersistentState
	wipes  int // disk losses so far
	paused bool
	// due is the node's clock (ticks that fell due since it started), done
	// the clock its state machine has caught up to.
	due, done uint64
	// inbox holds the messages received and not handled yet, stamped with
	// the node's clock when they arrived (stampAtRun: when the process
	// runs again; its reader was stopped too).
	inbox []membership.Inbound
	// A pass that costs CPU time occupies the node (and a core) until
	// busyUntil; its messages go out then (held).
	busy      bool
	busyUntil Time
	held      []membership.Message
	// stalledUntil: the process is not scheduled before then.
	stalledUntil Time
	// The datagram layer (datagram.go): this process's session and
	// sequence number, its peers' verified sessions, and datagrams that
	// arrived while the process could not run (its reader reads them then).
	session, seq uint64
	sessions     *wire.PeerSessions
	sock         []Packet[datagram]
	queued       bool // waiting for a core
	core         bool // holds a core (Cores > 0)
}

// Cluster is a simulated cluster of membership nodes.
type Cluster struct {
	Opts  Options
	rng   *rand.Rand
	Net   *Network[datagram]
	Now   Time
	nodes []*simNode
	cfg   membership.Config
	check *Checker
	trace []string
	// Faulty is true during the fault period.
	Faulty bool
	// Watch, when set, runs after every tick of RunScenario (debugging).
	Watch func()
	// OnEvent, when set, sees every event of every node.
	OnEvent func(id membership.NodeID, e membership.Event)

	// The CPU model (cpu.go): cores free, nodes waiting for one.
	freeCores int
	runQueue  []*simNode
	// InboxDrops counts messages dropped because a node's inbox was full;
	// Replays the datagrams a node's reader refused as duplicates.
	InboxDrops, Replays uint64
}

// NewCluster builds a cluster of opts.Nodes nodes, ids 1..n, all started.
func NewCluster(opts Options) (*Cluster, error) {
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	c := &Cluster{Opts: opts, rng: rng, freeCores: opts.CPU.Cores}
	c.Net = NewNetwork[datagram](rng, PacketOptions{MinDelay: 50, MaxDelay: opts.QuietDelay})
	for i := 1; i <= opts.Nodes; i++ {
		eligible := (opts.Ineligible == 0 || i%opts.Ineligible != 0) && !slices.Contains(opts.IneligibleIDs, i)
		c.cfg.Nodes = append(c.cfg.Nodes, membership.NodeConfig{ID: membership.NodeID(i), Name: fmt.Sprintf("n%d", i), Votes: 1, Eligible: eligible})
	}
	c.cfg.HeartbeatTicks, c.cfg.FailureTicks, c.cfg.MaxDelayTicks = opts.HeartbeatTicks, opts.FailureTicks, opts.MaxDelayTicks
	c.cfg.MaxDriftPPM = opts.MaxDriftPPM
	c.cfg.Quorum = opts.Quorum
	c.cfg.LMSWindowTicks = opts.LMSWindowTicks
	c.check = newChecker(c)
	for i := 1; i <= opts.Nodes; i++ {
		sn := &simNode{id: membership.NodeID(i), clock: NewClock(rng, opts.MaxDriftPPM, 0)}
		c.nodes = append(c.nodes, sn)
		if slices.Contains(opts.Down, i) {
			continue
		}
		if err := c.start(sn); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Config returns the membership config of node id.
func (c *Cluster) Config(id membership.NodeID) membership.Config {
	cfg := c.cfg
	cfg.Nodes = slices.Clone(c.cfg.Nodes)
	cfg.Self = id
	return cfg
}

func (c *Cluster) start(sn *simNode) error {
	n, err := membership.New(c.Config(sn.id), sn.disk)
	if err != nil {
		return err
	}
	sn.node = n
	sn.paused = false
	sn.held, sn.inbox = nil, nil
	sn.due, sn.done = 0, 0
	c.startSession(sn)
	c.check.started(sn)
	c.drain(sn)
	return nil
}

// Node returns the state machine of id (nil while crashed).
func (c *Cluster) Node(id membership.NodeID) *membership.Node { return c.nodes[id-1].node }

// Tracef records a line in the replay trace.
func (c *Cluster) Tracef(format string, args ...any) {
	line := fmt.Sprintf("t=%d.%03d ", c.Now/TickUnits, c.Now%TickUnits) + fmt.Sprintf(format, args...)
	c.trace = append(c.trace, line)
	if len(c.trace) > 4000 {
		c.trace = slices.Delete(c.trace, 0, 1000)
	}
}

// Trace returns the recorded trace (the most recent lines).
func (c *Cluster) Trace() string { return strings.Join(c.trace, "\n") }

// drain handles a node's Ready: persist, send (or hold the messages until
// the node's pass ends, when it is busy), publish events.
func (c *Cluster) drain(sn *simNode) {
	for sn.node != nil && sn.node.HasReady() {
		rd := sn.node.Ready()
		if rd.Persist != nil {
			sn.disk = *rd.Persist
		}
		if sn.busy {
			sn.held = append(sn.held, rd.Messages...)
		} else {
			c.sendAll(sn, rd.Messages)
		}
		for _, e := range rd.Events {
			c.check.event(sn, e)
			if c.OnEvent != nil {
				c.OnEvent(sn.id, e)
			}
		}
		sn.node.Advance(rd)
	}
}

// Crash stops node id (its disk survives unless wipe).
func (c *Cluster) Crash(id membership.NodeID, wipe bool) {
	sn := c.nodes[id-1]
	if sn.node == nil {
		return
	}
	c.check.crashed(sn)
	sn.node = nil
	sn.held, sn.inbox, sn.sock = nil, nil, nil
	c.release(sn)
	if wipe {
		sn.disk = membership.PersistentState{}
		sn.wipes++
	}
	c.Tracef("crash n%d wipe=%t", id, wipe)
}

// Restart starts a crashed node from its disk.
func (c *Cluster) Restart(id membership.NodeID) error {
	sn := c.nodes[id-1]
	if sn.node != nil {
		return nil
	}
	sn.clock = NewClock(c.rng, c.Opts.MaxDriftPPM, c.Now)
	if err := c.start(sn); err != nil {
		return err
	}
	c.Tracef("restart n%d incarnation=%d", id, sn.disk.Incarnation)
	return nil
}

// Pause stops a node's process (SIGSTOP): it handles nothing, its
// packets wait (stamped when it runs again, as its reader is stopped too)
// and its ticks fall due; when it resumes, its first pass catches up on
// both, as the daemon does.
func (c *Cluster) Pause(id membership.NodeID) {
	sn := c.nodes[id-1]
	if sn.node != nil && !sn.paused {
		sn.paused = true
		c.Tracef("pause n%d", id)
	}
}

// Resume lets a paused node run again.
func (c *Cluster) Resume(id membership.NodeID) {
	sn := c.nodes[id-1]
	if sn.node == nil || !sn.paused {
		return
	}
	sn.paused = false
	c.Tracef("resume n%d", id)
	c.wake(sn)
}

// deliver hands packet p to its node's reader, or keeps it in the node's
// socket while the process cannot run; a message for the state machine
// lets the node run.
func (c *Cluster) deliver(sn *simNode, p Packet[datagram]) {
	if sn.node == nil {
		return
	}
	if !c.running(sn) {
		if lim := c.Opts.CPU.Inbox; lim > 0 && len(sn.sock) >= lim {
			c.InboxDrops++
			return
		}
		sn.sock = append(sn.sock, p)
		return
	}
	if c.read(sn, p) {
		c.wake(sn)
	}
}

// Run advances true time to until, firing node ticks and deliveries in time
// order (ties: ends of passes, then deliveries, then ticks in node order).
func (c *Cluster) Run(until Time) error {
	for {
		next := until + 1
		if at, ok := c.Net.Next(); ok && at < next {
			next = at
		}
		for _, sn := range c.nodes {
			if sn.node == nil {
				continue
			}
			next = min(next, sn.clock.NextAt)
			if sn.busy {
				next = min(next, sn.busyUntil)
			}
			if sn.stalledUntil > c.Now {
				next = min(next, sn.stalledUntil)
			}
		}
		if next > until {
			c.Now = until
			return c.check.err
		}
		c.Now = next
		for _, sn := range c.nodes {
			if sn.node != nil && sn.busy && sn.busyUntil == c.Now {
				c.finish(sn)
			}
		}
		for {
			p, ok := c.Net.Pop(c.Now)
			if !ok {
				break
			}
			c.deliver(c.nodes[p.To-1], p)
			if c.check.err != nil {
				return c.check.err
			}
		}
		for _, sn := range c.nodes {
			if sn.node != nil && sn.clock.NextAt == c.Now {
				sn.clock.NextAt += sn.clock.Period
				sn.due++
				c.wake(sn)
			}
			if sn.node != nil && sn.stalledUntil == c.Now {
				c.wake(sn)
			}
		}
		if c.check.err != nil {
			return c.check.err
		}
	}
}

// RunTicks runs for t nominal ticks.
func (c *Cluster) RunTicks(t int) error { return c.Run(c.Now + Time(t)*TickUnits) }

// ids returns the ids of the nodes matching f.
func (c *Cluster) ids(f func(*simNode) bool) []membership.NodeID {
	var out []membership.NodeID
	for _, sn := range c.nodes {
		if f(sn) {
			out = append(out, sn.id)
		}
	}
	return out
}

// Alive returns the ids of running nodes.
func (c *Cluster) Alive() []membership.NodeID {
	return c.ids(func(sn *simNode) bool { return sn.node != nil })
}

// injectFaults draws the node and link faults of one tick.
func (c *Cluster) injectFaults() error {
	o := c.Opts
	r := c.rng
	pick := func(ids []membership.NodeID) membership.NodeID { return ids[r.IntN(len(ids))] }
	if alive := c.Alive(); len(alive) > 0 && r.Float64() < o.CrashProb {
		c.Crash(pick(alive), r.Float64() < o.WipeProb)
	}
	if down := c.ids(func(sn *simNode) bool { return sn.node == nil }); len(down) > 0 && r.Float64() < o.RestartProb {
		if err := c.Restart(pick(down)); err != nil {
			return err
		}
	}
	if run := c.ids(func(sn *simNode) bool { return sn.node != nil && !sn.paused }); len(run) > 0 && r.Float64() < o.PauseProb {
		c.Pause(pick(run))
	}
	if ps := c.ids(func(sn *simNode) bool { return sn.paused }); len(ps) > 0 && r.Float64() < o.ResumeProb {
		c.Resume(pick(ps))
	}
	if c.Opts.Nodes > 1 && r.Float64() < o.PartitionProb {
		k := 2 + r.IntN(2)
		groups := make([][]uint32, k)
		for _, sn := range c.nodes {
			g := r.IntN(k)
			groups[g] = append(groups[g], uint32(sn.id))
		}
		c.Net.Partition(groups)
		c.Tracef("partition %v", groups)
	}
	if c.Opts.Nodes > 1 && r.Float64() < o.OneWayProb {
		a := uint32(1 + r.IntN(o.Nodes))
		b := uint32(1 + r.IntN(o.Nodes))
		if a != b {
			c.Net.Cut(a, b)
			c.Tracef("cut n%d->n%d", a, b)
		}
	}
	if r.Float64() < o.AdminProb {
		c.adminOp()
	}
	c.drawStalls()
	if r.Float64() < o.HealProb {
		c.Net.HealAll()
		c.Tracef("heal")
	}
	return nil
}

// adminOp makes one random CMM administrative call.
func (c *Cluster) adminOp() {
	r := c.rng
	alive := c.Alive()
	if len(alive) == 0 {
		return
	}
	id := alive[r.IntN(len(alive))]
	// Most calls are master-only: usually make them on the master.
	for _, a := range alive {
		if c.nodes[a-1].node.IsMaster() && r.IntN(4) > 0 {
			id = a
		}
	}
	n := c.nodes[id-1].node
	var err error
	var what string
	ops := 5
	if c.Opts.VoteAdmin {
		ops = 7
	}
	switch r.IntN(ops) {
	case 0:
		what, err = "release-mastership", n.ReleaseMastership()
	case 1:
		target := membership.NodeID(1 + r.IntN(c.Opts.Nodes))
		q := r.IntN(3) > 0
		what, err = fmt.Sprintf("set-qualif n%d %t", target, q), n.SetQualification(target, q)
	case 2:
		what, err = "seize-qualif", n.SeizeQualification()
	case 3:
		s := r.IntN(3) > 0
		what, err = fmt.Sprintf("set-synchronized %t", s), n.SetSynchronized(s)
	case 4:
		what, err = "release-mastership", n.ReleaseMastership()
	case 5:
		v := uint32(1 + r.IntN(c.Opts.Nodes+2))
		if !c.Opts.AnyVotes {
			v = uint32(c.Opts.Nodes) + v%3
		}
		what, err = fmt.Sprintf("setexpected %d", v), n.SetExpected(v)
	case 6:
		target, v := membership.NodeID(1+r.IntN(c.Opts.Nodes)), uint32(1+r.IntN(3))
		if !c.Opts.AnyVotes {
			v %= 2
		}
		what, err = fmt.Sprintf("setvotes n%d %d", target, v), n.SetVotes(target, v)
	}
	c.Tracef("n%d %s: %v", id, what, err)
	c.drain(c.nodes[id-1])
	c.check.after(c.nodes[id-1])
}

// Result summarises a run.
type Result struct {
	// LivenessTicks is how long after the last fault every running node
	// had installed one common view of all running nodes.
	LivenessTicks int
	Views         int
}

// RunScenario runs the fault period, then heals everything, restarts the
// crashed nodes, and checks that a common view forms within the bound.
func (c *Cluster) RunScenario() (Result, error) {
	c.Faulty = true
	c.Net.Opts = c.Opts.Packet
	for range c.Opts.FaultTicks {
		if err := c.injectFaults(); err != nil {
			return Result{}, err
		}
		if err := c.RunTicks(1); err != nil {
			return Result{}, err
		}
		if c.Watch != nil {
			c.Watch()
		}
	}
	c.Faulty = false
	c.Net.Opts = PacketOptions{MinDelay: 50, MaxDelay: c.Opts.QuietDelay}
	c.Net.HealAll()
	c.Opts.CPU.StallProb = 0
	for _, sn := range c.nodes {
		if sn.stalledUntil > c.Now {
			sn.stalledUntil = c.Now
			c.wake(sn)
		}
	}
	for _, sn := range c.nodes {
		c.Resume(sn.id)
		if err := c.Restart(sn.id); err != nil {
			return Result{}, err
		}
	}
	c.Tracef("quiet: healed, resumed, restarted")
	quietStart := c.Now
	bound := LivenessBound(c.cfg)
	// A common view counts once it stays put for a few heartbeats: right
	// after the faults, every node may still show a view that a fault has
	// already doomed (say, a partition shorter than the failure timeout).
	settle := 3*c.Opts.HeartbeatTicks + 2*c.Opts.MaxDelayTicks + 2
	for t := 0; t <= c.Opts.QuietTicks; t++ {
		if ring, ok := c.commonRing(); ok {
			at := c.Now
			for range settle {
				if err := c.RunTicks(1); err != nil {
					return Result{}, err
				}
				if c.Watch != nil {
					c.Watch()
				}
			}
			if again, ok := c.commonRing(); ok && again == ring {
				res := Result{LivenessTicks: int((at - quietStart) / TickUnits), Views: c.check.views}
				return res, c.checkSettledQuorum()
			}
			t += settle
			continue
		}
		if t > bound {
			return Result{}, c.check.fail(3, fmt.Sprintf("liveness: no common view %d ticks after the faults stopped (bound %d): %s", t, bound, c.viewsSummary()))
		}
		if err := c.RunTicks(1); err != nil {
			return Result{}, err
		}
		if c.Watch != nil {
			c.Watch()
		}
	}
	return Result{}, c.check.fail(3, "liveness: quiet period too short")
}

// checkSettledQuorum checks invariant 6 for VoteAdmin runs once the
// cluster has converged and stayed so for a few heartbeats (the node infos
// have gone round):
//   - every node's record of a member holds the member's own votes, and its
//     expected votes when the member is quorate (votequorum records its own
//     expected votes for an inquorate member): a record stuck at a value
//     from before a change fails here;
//   - with plain options, no quorum is below votequorum's for the node's
//     highest expected and total votes.
//
// Quorum may be above it: votequorum never lowers quorum on node info, so
// a member whose expected votes legitimately rose and later came down (by
// adopting a quorate partition's at a merge) leaves the others' quorum up,
// in corosync too, and partitions that merge keep the quorum each had. With
// AdminExact (no crashes or partitions, so no such merges) the members must
// agree on quorum, highest expected and total votes, and quorum must be
// exactly votequorum's: a quorum held up by a stale message that predates
// a change fails there.
func (c *Cluster) checkSettledQuorum() error {
	if !c.Opts.VoteAdmin {
		return nil
	}
	alive := c.Alive()
	own := map[membership.NodeID]quorum.Info{}
	for _, id := range alive {
		info, err := c.nodes[id-1].node.GetInfo(0)
		if err != nil {
			return c.check.fail(6, fmt.Sprintf("n%d getinfo: %v", id, err))
		}
		own[id] = info
	}
	first := own[alive[0]]
	for _, id := range alive {
		n, info := c.nodes[id-1].node, own[id]
		for _, m := range alive {
			rec, err := n.GetInfo(uint32(m))
			if err != nil {
				return c.check.fail(6, fmt.Sprintf("n%d getinfo(%d): %v", id, m, err))
			}
			mine := own[m]
			if rec.Votes != mine.Votes || (mine.Flags&quorum.InfoQuorate != 0 && rec.ExpectedVotes != mine.ExpectedVotes) {
				return c.check.fail(6, fmt.Sprintf("n%d's record of n%d: %d votes, %d expected; n%d has %d votes, %d expected (quorate %t)",
					id, m, rec.Votes, rec.ExpectedVotes, m, mine.Votes, mine.ExpectedVotes, mine.Flags&quorum.InfoQuorate != 0))
			}
		}
		if !c.check.plainOptions() {
			continue
		}
		want := max(info.HighestExpected, info.TotalVotes)/2 + 1
		if info.Quorum < want || (c.Opts.AdminExact && info.Quorum != want) {
			return c.check.fail(6, fmt.Sprintf("n%d quorum %d, votequorum's is %d (highest expected %d, total %d)",
				id, info.Quorum, want, info.HighestExpected, info.TotalVotes))
		}
		if c.Opts.AdminExact && (info.Quorum != first.Quorum || info.HighestExpected != first.HighestExpected || info.TotalVotes != first.TotalVotes) {
			return c.check.fail(6, fmt.Sprintf("settled members disagree: n%d quorum %d highest expected %d total %d, n%d quorum %d highest expected %d total %d",
				alive[0], first.Quorum, first.HighestExpected, first.TotalVotes, id, info.Quorum, info.HighestExpected, info.TotalVotes))
		}
	}
	return nil
}

// commonRing returns the ring of the view every running node installed,
// if they all installed the same one, made of exactly the running nodes.
func (c *Cluster) commonRing() (membership.RingID, bool) {
	alive := c.Alive()
	if len(alive) == 0 || !c.converged() {
		return membership.RingID{}, len(alive) == 0
	}
	return c.Node(alive[0]).Ring(), true
}

// converged reports whether every running node installed the same view,
// made of exactly the running nodes.
func (c *Cluster) converged() bool {
	alive := c.Alive()
	var ring membership.RingID
	for i, id := range alive {
		n := c.nodes[id-1].node
		st := n.Ring()
		if st.IsZero() || (i > 0 && st != ring) {
			return false
		}
		ring = st
	}
	if len(alive) == 0 {
		return true
	}
	members := c.check.rings[ring].members
	return slices.Equal(members, alive)
}

func (c *Cluster) viewsSummary() string {
	var b strings.Builder
	for _, sn := range c.nodes {
		if sn.node == nil {
			fmt.Fprintf(&b, "n%d:down ", sn.id)
			continue
		}
		st := sn.node.Status()
		fmt.Fprintf(&b, "n%d:%s%v ", sn.id, st.Ring, st.Members)
	}
	return b.String()
}

// viewsBrief groups the nodes by installed ring: "ring(members)=nodes".
func (c *Cluster) viewsBrief() string {
	groups := map[string][]membership.NodeID{}
	var keys []string
	for _, sn := range c.nodes {
		key := "down"
		if sn.node != nil {
			st := sn.node.Status()
			key = fmt.Sprintf("%s(%d members)", st.Ring, len(st.Members))
		}
		if groups[key] == nil {
			keys = append(keys, key)
		}
		groups[key] = append(groups[key], sn.id)
	}
	var b strings.Builder
	for _, k := range keys {
		ids := groups[k]
		if len(ids) > 6 {
			fmt.Fprintf(&b, "%s: %d nodes %v... ", k, len(ids), ids[:6])
		} else {
			fmt.Fprintf(&b, "%s: %v ", k, ids)
		}
	}
	return b.String()
}

// LivenessBound is the bound of invariant 3 in nominal ticks (see the
// membership package doc): F + 4H + 6D + 4, plus the settle time a node that
// was left out waits (3H + 4D + 2) and the wait for a node that just started
// to hear us (H + 2D + 1), scaled for drift.
func LivenessBound(cfg membership.Config) int {
	f, h, d := cfg.FailureTicks, cfg.HeartbeatTicks, max(cfg.MaxDelayTicks, 1)
	b := f + 4*h + 6*d + 4 + (3*h + 4*d + 2) + (h + 2*d + 1)
	drift := float64(max(cfg.MaxDriftPPM, 0)) / 1e6
	return int(float64(b)*(1+drift)/(1-drift)) + 1
}
