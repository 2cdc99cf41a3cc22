package sim

import (
	"math"
	"slices"

	"github.com/goha/goha/core/wire"

	"github.com/goha/goha/core/membership"
)

// CPUOptions model the machine the nodes share: how long a pass of a
// node's loop takes and how many nodes can run at once. The zero value is
// an infinitely fast machine: a node handles every packet and tick the
// moment it is due, one at a time.
//
// A node with work (a tick due, a packet in its inbox) and a core runs one
// pass of the daemon's loop: membership.Node.StepBatch over everything
// that arrived, up to its clock now. The pass changes the node's state at
// once and occupies the node (and its core) for its cost, PassCost +
// RecvCost per message stepped + ReadCost per message read + SendCost per
// message sent, times the node's Slow factor; the messages it sends leave when the pass ends, and whatever
// arrives meanwhile waits for the next pass. Nodes waiting for a core get
// one in the order they asked. So the simulator reproduces a loaded daemon:
// late passes, batches of backlog, late heartbeats.
type CPUOptions struct {
	// Cores shared by all nodes (0: every node has a core of its own).
	Cores int
	// Costs of a pass, in Time units: per pass, per message stepped, per
	// message read (stepped or skipped as superseded), per message sent.
	PassCost, RecvCost, ReadCost, SendCost Time
	// Slow multiplies the costs of the listed nodes (id -> factor).
	Slow map[membership.NodeID]float64
	// Inbox bounds the messages waiting at a node (its socket buffer and
	// the daemon's channel); more are dropped (0: no bound).
	Inbox int
	// StallProb is the probability, per node per tick during the fault
	// period, that the node's process is not scheduled for a random time
	// up to MaxStall (a scheduling stall, a page fault storm, a GC pause).
	StallProb float64
	MaxStall  Time
}

// stampAtRun marks a message that arrived while its node's process could
// not run: its reader stamps it when the process runs again.
const stampAtRun = math.MaxUint64

// running reports whether sn's process is scheduled (not crashed, paused
// or stalled).
func (c *Cluster) running(sn *simNode) bool {
	return sn.node != nil && !sn.paused && c.Now >= sn.stalledUntil
}

// current reports whether sn's state machine has caught up with its clock:
// a node whose loop is behind answers nothing (the daemon replays the
// ticks it owes before it answers), so it does not act as anything either.
func (c *Cluster) current(sn *simNode) bool {
	return c.running(sn) && sn.done == sn.due
}

// wake runs a pass of sn now if it has work, is not busy and gets a core;
// without a free core it waits in the run queue.
func (c *Cluster) wake(sn *simNode) {
	if !c.running(sn) || sn.busy || sn.queued || (len(sn.inbox) == 0 && len(sn.sock) == 0 && sn.done == sn.due) {
		return
	}
	if c.Opts.CPU.Cores > 0 {
		if c.freeCores == 0 {
			sn.queued = true
			c.runQueue = append(c.runQueue, sn)
			return
		}
		c.freeCores--
		sn.core = true
	}
	c.pass(sn)
}

// pass runs one pass of sn's loop over its inbox, up to its clock.
func (c *Cluster) pass(sn *simNode) {
	// The reader runs again too: what waited in the socket first.
	sock := sn.sock
	sn.sock = nil
	for _, p := range sock {
		c.read(sn, p)
	}
	in := sn.inbox
	sn.inbox = nil
	for i := range in {
		if in[i].At == stampAtRun {
			in[i].At = sn.due
		}
	}
	stepped := sn.node.StepBatch(sn.due, in, nil)
	sn.done = sn.due
	o := c.Opts.CPU
	sent := 0
	if sn.node.HasReady() {
		sent = len(sn.node.Ready().Messages)
	}
	cost := o.PassCost + o.RecvCost*Time(stepped) + o.ReadCost*Time(len(in)) + o.SendCost*Time(sent)
	if f, ok := o.Slow[sn.id]; ok {
		cost = Time(float64(cost) * f)
	}
	if cost > 0 {
		sn.busy, sn.busyUntil = true, c.Now+cost
	}
	c.drain(sn)
	c.check.after(sn)
	if cost == 0 {
		c.release(sn)
		c.wake(sn)
	}
}

// finish ends sn's busy pass: its messages leave, its core is free.
func (c *Cluster) finish(sn *simNode) {
	sn.busy = false
	held := sn.held
	sn.held = nil
	c.sendAll(sn, held)
	c.release(sn)
	c.wake(sn)
}

// release gives sn's core (if it holds one) to the first waiting node.
func (c *Cluster) release(sn *simNode) {
	if sn.queued {
		sn.queued = false
		c.runQueue = slices.DeleteFunc(c.runQueue, func(o *simNode) bool { return o == sn })
		return
	}
	sn.busy = false
	if !sn.core {
		return
	}
	sn.core = false
	c.freeCores++
	for len(c.runQueue) > 0 && c.freeCores > 0 {
		next := c.runQueue[0]
		c.runQueue = c.runQueue[1:]
		next.queued = false
		c.wake(next)
	}
}

func (c *Cluster) sendAll(sn *simNode, msgs []membership.Message) {
	for _, m := range msgs {
		c.check.sent(sn, m)
		c.sendDatagram(sn, uint32(m.To), datagram{kind: wire.KindData, msg: m})
	}
}

// stall keeps sn's process from running for d.
func (c *Cluster) stall(sn *simNode, d Time) {
	if sn.node == nil || d <= 0 {
		return
	}
	sn.stalledUntil = max(sn.stalledUntil, c.Now+d)
	c.Tracef("stall n%d for %d.%03d ticks", sn.id, d/TickUnits, d%TickUnits)
}

// drawStalls draws the scheduling stalls of one tick (StallProb per node).
func (c *Cluster) drawStalls() {
	o := c.Opts.CPU
	if o.StallProb <= 0 || o.MaxStall <= 0 {
		return
	}
	for _, sn := range c.nodes {
		if sn.node != nil && c.rng.Float64() < o.StallProb {
			c.stall(sn, 1+Time(c.rng.Int64N(int64(o.MaxStall))))
		}
	}
}
