package membership

import "slices"

// Inbound is one received message with the tick of the receiver's clock at
// which it arrived (the daemon stamps it when its reader takes the datagram
// off the socket, before it waits for the loop).
type Inbound struct {
	Msg Message
	At  uint64
}

// Local health (Lifeguard's idea, in ticks): a node whose own loop runs
// late is probably on a starved machine, where its peers run late too, so
// it waits longer before it suspects them.
const (
	// MaxHealthPenalty bounds the local health penalty: each step adds
	// half a failure timeout to the time a peer may stay silent.
	MaxHealthPenalty = 4
)

// StepBatch runs one pass of the daemon loop (step 2 and 3 of "The daemon
// loop" in the package doc): now is the node's clock (ticks since New) and
// in holds what arrived since the last pass. Each message is processed
// after the ticks that fell due before it arrived, in order of arrival, so
// that a node whose loop was late judges its peers by when their messages
// arrived, not by when it got round to them; then the remaining ticks up
// to now run. A heartbeat followed in the batch by a newer heartbeat of the
// same sender and incarnation is skipped: the newer one says everything it
// says (the way a lost heartbeat is covered), which keeps the work of a
// late pass proportional to the number of peers rather than to the
// backlog. report, if not nil, receives each message Step refused, with
// its error. Arrival ticks outside [the node's clock, now] are clamped.
// StepBatch returns the number of messages it stepped.
//
// A pass that starts late (ticks overdue or input that waited) raises the
// node's local health penalty (see HealthPenalty).
func (n *Node) StepBatch(now uint64, in []Inbound, report func(Message, error)) int {
	if now < n.now {
		now = n.now
	}
	n.noteLateness(now, in)
	order := n.unsuperseded(in)
	// Arrival order; a stable sort keeps the daemon's reading order for
	// equal ticks.
	if len(order) > 1 {
		slices.SortStableFunc(order, func(a, b int) int {
			return cmpTick(clamp(in[a].At, n.now, now), clamp(in[b].At, n.now, now))
		})
	}
	for _, i := range order {
		n.tickTo(clamp(in[i].At, n.now, now))
		if err := n.Step(in[i].Msg); err != nil && report != nil {
			report(in[i].Msg, err)
		}
	}
	n.tickTo(now)
	return len(order)
}

// unsuperseded returns the indexes of in without the heartbeats that a
// later heartbeat of the same sender and incarnation, with a clock at least
// as new, makes redundant. The slice is reused by the next call.
func (n *Node) unsuperseded(in []Inbound) []int {
	keep := n.batchKeep[:0]
	if len(in) <= 1 {
		for i := range in {
			keep = append(keep, i)
		}
		n.batchKeep = keep
		return keep
	}
	type newest struct {
		inc uint32
		now uint64
	}
	seen := make(map[NodeID]newest, len(n.ids))
	for i := len(in) - 1; i >= 0; i-- {
		m := &in[i].Msg
		if m.Type == MsgHeartbeat {
			if o, ok := seen[m.From]; ok && o.inc == m.Incarnation && o.now >= m.Now {
				continue
			}
			seen[m.From] = newest{m.Incarnation, m.Now}
		}
		keep = append(keep, i)
	}
	slices.Reverse(keep)
	n.batchKeep = keep
	return keep
}

func clamp(t, lo, hi uint64) uint64 { return min(max(t, lo), hi) }

func cmpTick(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (n *Node) tickTo(t uint64) {
	for n.now < t {
		n.Tick()
	}
}

// noteLateness updates the local health from one pass. A pass whose
// ticks are overdue by a heartbeat interval or more follows a stall of the
// loop (the process was stopped, starved or paging): for that long the
// node could not have noticed anything, so the stall does not count as
// silence of the peers it last heard before it (blind; see silentFor). A
// late pass (ticks overdue, or input that waited, a heartbeat interval or
// more) also raises the health penalty by one, up to MaxHealthPenalty;
// every FailureTicks without a late pass lowers it by one.
func (n *Node) noteLateness(now uint64, in []Inbound) {
	overdue := now - n.now
	late := overdue
	for i := range in {
		if in[i].At < now {
			late = max(late, now-in[i].At)
		}
	}
	if overdue > n.heartbeat && overdue > 2 {
		n.blind += overdue - 1
	}
	switch {
	case late >= n.heartbeat && late > 1:
		n.health = min(n.health+1, MaxHealthPenalty)
		n.lateAt = now
	case n.health > 0 && now-n.lateAt >= n.failure:
		n.health--
		n.lateAt = now
	}
}

// silentFor is how long p has been silent as far as the local node could
// tell: the ticks since it was last heard, less the ticks the local loop
// was blind since then (at most FailureTicks).
func (n *Node) silentFor(p *peer) uint64 {
	d := n.now - p.lastHeard
	return d - min(n.blind-p.blindAt, n.failure, d)
}

// HealthPenalty is the local health penalty (0: healthy, up to
// MaxHealthPenalty). A peer is suspected after FailureTicks plus half
// FailureTicks per penalty point of silence.
func (n *Node) HealthPenalty() int { return n.health }

// silence is how long a peer may stay silent before it is suspected.
func (n *Node) silence() uint64 { return n.failure + uint64(n.health)*n.failure/2 }
