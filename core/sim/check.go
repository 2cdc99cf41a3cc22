package sim

import (
	"fmt"
	"slices"

	"github.com/goha/goha/core/membership"
	"github.com/goha/goha/core/quorum"
)

// ringRecord is what the checker knows about one ring id.
type ringRecord struct {
	members []membership.NodeID
	incs    []uint32
	// repWipes is the representative's disk-loss count when the ring was
	// first installed: a node that lost its disk may reuse its own ring ids
	// (it cannot remember them), which the checker does not count as a
	// violation of invariant 1.
	repWipes   int
	proposedAt Time
}

type proposal struct {
	at    Time
	wipes int
}

// Checker checks DESIGN.md's invariants 1, 2, 4, 5 and 6 after every step
// of every node (invariant 3 is checked by RunScenario).
type Checker struct {
	c     *Cluster
	err   error
	rings map[membership.RingID]*ringRecord
	// proposed: first time a ring was proposed (from its MsgPropose), and
	// the proposer's disk-loss count then.
	proposed map[membership.RingID]proposal
	// crashedAt[node][incarnation] is when that incarnation crashed; the
	// key includes the node's disk-loss count, as a node that lost its disk
	// counts incarnations from 1 again.
	crashedAt map[membership.NodeID]map[uint64]Time
	lastSeq   map[membership.NodeID]uint64
	inc       map[membership.NodeID]uint32
	views     int
	// Masters counts the times a node started acting as master.
	masters   int
	wasMaster map[membership.NodeID]bool
	// viewSize: the member count of a node's view installation whose
	// QUORUM event is still to come.
	viewSize map[membership.NodeID]int
}

func newChecker(c *Cluster) *Checker {
	return &Checker{c: c, rings: map[membership.RingID]*ringRecord{}, proposed: map[membership.RingID]proposal{},
		crashedAt: map[membership.NodeID]map[uint64]Time{}, lastSeq: map[membership.NodeID]uint64{},
		inc: map[membership.NodeID]uint32{}, wasMaster: map[membership.NodeID]bool{},
		viewSize: map[membership.NodeID]int{}}
}

// ViolationError describes an invariant violation.
type ViolationError struct {
	Invariant int
	Msg       string
	Opts      Options
	Trace     string
}

func (e *ViolationError) Error() string {
	return fmt.Sprintf("invariant %d violated: %s\noptions: %s\nreplay: go test ./core/sim -run TestSweep -seed %d -nodes %d -v\ntrace (most recent last):\n%s",
		e.Invariant, e.Msg, e.Opts, e.Opts.Seed, e.Opts.Nodes, e.Trace)
}

func (k *Checker) fail(inv int, msg string) error {
	if k.err == nil {
		k.c.Tracef("VIOLATION of invariant %d: %s", inv, msg)
		k.err = &ViolationError{Invariant: inv, Msg: msg, Opts: k.c.Opts, Trace: k.c.Trace()}
	}
	return k.err
}

func (k *Checker) started(sn *simNode) {
	if sn.wipes > 0 && sn.disk.Incarnation == 0 {
		delete(k.lastSeq, sn.id) // a new identity as far as invariant 4 goes
	}
	k.wasMaster[sn.id] = false
}

func (k *Checker) crashed(sn *simNode) {
	st := sn.node.Status()
	m := k.crashedAt[sn.id]
	if m == nil {
		m = map[uint64]Time{}
		k.crashedAt[sn.id] = m
	}
	m[uint64(sn.wipes)<<32|uint64(st.Incarnation)] = k.c.Now
	if k.wasMaster[sn.id] {
		k.c.Tracef("n%d stops acting as master (crash)", sn.id)
	}
	k.wasMaster[sn.id] = false
}

func (k *Checker) sent(sn *simNode, m membership.Message) {
	if m.Type == membership.MsgPropose {
		if p, ok := k.proposed[m.Ring]; !ok || p.wipes != sn.wipes {
			k.proposed[m.Ring] = proposal{at: k.c.Now, wipes: sn.wipes}
			k.c.Tracef("n%d proposes %s %v", sn.id, m.Ring, m.Members)
		}
	}
}

func (k *Checker) event(sn *simNode, e membership.Event) {
	switch e.Kind {
	case membership.EventViewInstalled:
		k.views++
		k.c.Tracef("n%d installs %s %v", sn.id, e.Ring, e.Members)
		k.checkView(sn, e)
	case membership.EventCMM:
		k.c.Tracef("n%d cmm %s(%d)", sn.id, e.Change, e.Node)
	case membership.EventQuorum:
		k.c.Tracef("n%d quorate=%t", sn.id, e.Quorate)
		k.checkQuorum(sn, e)
	}
}

func (k *Checker) checkView(sn *simNode, e membership.Event) {
	// Invariant 4: ring sequence numbers only increase on every node.
	if last, ok := k.lastSeq[sn.id]; ok && e.Ring.Seq <= last {
		k.fail(4, fmt.Sprintf("n%d installed ring %s after seq %x", sn.id, e.Ring, last))
		return
	}
	k.lastSeq[sn.id] = e.Ring.Seq
	// Invariant 1: one member list per ring id.
	// The generation of the ring is the proposer's disk-loss count when it
	// proposed it (a singleton view is installed by its proposer at once).
	prop, seen := k.proposed[e.Ring]
	if !seen || e.Ring.Rep == sn.id {
		prop = proposal{at: k.c.Now, wipes: k.c.nodes[e.Ring.Rep-1].wipes}
		if seen && e.Ring.Rep == sn.id {
			prop.at = k.proposed[e.Ring].at
		}
	}
	rec, ok := k.rings[e.Ring]
	if !ok || rec.repWipes != prop.wipes {
		k.rings[e.Ring] = &ringRecord{members: slices.Clone(e.Members), incs: slices.Clone(e.Incarnations),
			repWipes: prop.wipes, proposedAt: prop.at}
		rec = k.rings[e.Ring]
	} else if !slices.Equal(rec.members, e.Members) || !slices.Equal(rec.incs, e.Incarnations) {
		k.fail(1, fmt.Sprintf("ring %s installed by n%d with members %v/%v, earlier %v/%v",
			e.Ring, sn.id, e.Members, e.Incarnations, rec.members, rec.incs))
		return
	}
	// Invariant 2: no member had crashed (in that incarnation) before the
	// view was proposed.
	for i, id := range e.Members {
		key := uint64(k.c.nodes[id-1].wipes)<<32 | uint64(e.Incarnations[i])
		if at, ok := k.crashedAt[id][key]; ok && at < rec.proposedAt {
			k.fail(2, fmt.Sprintf("ring %s (proposed at %d) contains n%d incarnation %d, crashed at %d",
				e.Ring, rec.proposedAt, id, e.Incarnations[i], at))
			return
		}
	}
	// Invariant 6 is checked on the QUORUM event that follows (the node
	// may have moved on by the time a pass's events are seen).
	k.viewSize[sn.id] = len(e.Members)
}

// checkQuorum checks invariant 6 on the QUORUM event of a view
// installation: with plain votequorum options, quorate exactly when the
// members hold a strict majority of the configured votes.
func (k *Checker) checkQuorum(sn *simNode, e membership.Event) {
	size, ok := k.viewSize[sn.id]
	delete(k.viewSize, sn.id)
	if !ok || !k.plainQuorum() {
		return
	}
	if want := size >= k.c.Opts.Nodes/2+1; e.Quorate != want {
		k.fail(6, fmt.Sprintf("n%d quorate=%t with %d of %d votes", sn.id, e.Quorate, size, k.c.Opts.Nodes))
	}
}

func (k *Checker) plainQuorum() bool {
	return k.plainOptions() && !k.c.Opts.VoteAdmin
}

// plainOptions: no votequorum option changes the arithmetic.
func (k *Checker) plainOptions() bool {
	q := k.c.Opts.Quorum
	return !q.TwoNode && !q.WaitForAll && !q.LastManStanding && q.AutoTieBreaker == quorum.ATBNone &&
		!q.AllowDownscale && !q.QDevice && q.ExpectedVotes == 0
}

// after checks invariant 5 after a step of sn: at most one node acts as
// master while quorate. A node acts when its state says so and it is
// current: a node whose loop is behind its clock (paused, stalled, or
// waiting for a core with a tick due) answers nothing until it caught up. two_node clusters are exempt: there votequorum keeps
// both halves of a split quorate by design and relies on fencing; so are
// masters of disjoint views under auto_tie_breaker, last_man_standing or
// unrestricted administrative vote changes (see disjointQuorums).
func (k *Checker) after(sn *simNode) {
	if sn.node != nil {
		is := sn.node.IsMaster()
		if is != k.wasMaster[sn.id] {
			k.c.Tracef("n%d acts as master: %t", sn.id, is)
			if is {
				k.masters++
			}
			k.wasMaster[sn.id] = is
		}
	}
	if k.c.Opts.Quorum.TwoNode || k.err != nil {
		return
	}
	var masters []membership.NodeID
	for _, o := range k.c.nodes {
		if k.c.current(o) && o.node.IsMaster() && o.node.Quorate() {
			masters = append(masters, o.id)
		}
	}
	if len(masters) > 1 {
		if k.disjointQuorums(masters) {
			k.c.Tracef("masters %v in disjoint partitions that votequorum's options both declare quorate: exempt", masters)
			return
		}
		k.fail(5, fmt.Sprintf("nodes %v all act as quorate master", masters))
	}
}

// disjointQuorums reports whether the acting masters sit in pairwise
// disjoint views under quorum options that do not guarantee two quorate sets
// intersect: auto_tie_breaker (each half latches its own lowest/highest id
// while quorate alone) and last_man_standing (expected votes shrink per
// partition). There votequorum itself, in corosync too, declares both sides
// quorate; no lease can order two masters that share no member, so the
// configuration, not the protocol, breaks invariant 5 (as with two_node).
// The same holds for AnyVotes runs: setexpected and setvotes override the
// arithmetic, and a partition that lowers its expected votes or raises its
// votes is quorate by the administrator's word, in corosync too. Any
// overlap between the views is still a violation.
func (k *Checker) disjointQuorums(masters []membership.NodeID) bool {
	q := k.c.Opts.Quorum
	if q.AutoTieBreaker == quorum.ATBNone && !q.LastManStanding && !k.c.Opts.AnyVotes {
		return false
	}
	seen := map[membership.NodeID]bool{}
	for _, id := range masters {
		for _, o := range k.c.nodes {
			if o.id != id || o.node == nil {
				continue
			}
			for _, m := range o.node.Status().Members {
				if seen[m] {
					return false
				}
				seen[m] = true
			}
		}
	}
	return true
}
