package membership

import (
	"fmt"
	"math/bits"
	"slices"

	"github.com/goha/goha/core/quorum"
)

// computeDesired works out the view the local node wants: the clique of
// mutually hearing nodes it belongs to (see "Choosing the members" in the
// package doc). It stores the result in n.desired / n.desiredIncs.
func (n *Node) computeDesired() {
	if n.steadyDesired() {
		n.desired = append(n.desired[:0], n.cur.members...)
		n.desiredIncs = append(n.desiredIncs[:0], n.cur.incs...)
		return
	}
	n.fullDesired()
}

// steadyDesired reports whether computeDesired's answer is the installed
// view, as in the steady state of a healthy cluster: no acceptance is
// pending, every node heard is a member in its incarnation, and every
// member hears us and every member and reports our installed ring, not
// pending. Then the clique is all of them and none of the "taken" rules
// applies. The check costs O(N·N/64) per tick, the full computation O(N²).
func (n *Node) steadyDesired() bool {
	if !n.installed || n.removed || n.acked != n.cur.ring {
		return false
	}
	vs := n.steadySet[:0]
	for range (len(n.ids) + 63) / 64 {
		vs = append(vs, 0)
	}
	n.steadySet = vs
	for k, id := range n.cur.members {
		i := n.index[id]
		vs.set(i)
		if i == n.self {
			if n.cur.incs[k] != n.ps.Incarnation {
				return false
			}
			continue
		}
		p := n.peers[i]
		if p.inc != n.cur.incs[k] || !n.mutual(p) || p.ring != n.cur.ring || p.flags&FlagPending != 0 {
			return false
		}
	}
	for _, p := range n.peers {
		if p.idx != n.self && n.heard(p) != vs.has(p.idx) {
			return false
		}
	}
	for _, id := range n.cur.members {
		if p := n.peers[n.index[id]]; p.idx != n.self && !p.hears.covers(vs) {
			return false
		}
	}
	return true
}

// Steady reports whether no view change is under way here: a view is
// installed, no proposal or acceptance is pending beyond it, and it is the
// group the node wants (steadyDesired). The daemon may then read its
// socket at its ticks rather than for each datagram: a message that ends
// the steady state reaches the node at most a tick late, and from then on
// messages are read as they come.
func (n *Node) Steady() bool {
	return n.installed && !n.removed && n.prop == nil && n.acked == n.cur.ring && n.steadyDesired()
}

// CheckDesired reports whether, in the node's state now, the steady-state
// shortcut and the full computation of the wanted group disagree (for the
// simulator's checks). It leaves the node as it was.
func (n *Node) CheckDesired() error {
	if !n.steadyDesired() {
		return nil
	}
	saved, savedIncs := slices.Clone(n.desired), slices.Clone(n.desiredIncs)
	defer func() { n.desired, n.desiredIncs = saved, savedIncs }()
	n.fullDesired()
	if !slices.Equal(n.cur.members, n.desired) || !slices.Equal(n.cur.incs, n.desiredIncs) {
		return fmt.Errorf("membership: the shortcut keeps %v %v, the full computation wants %v %v",
			n.cur.members, n.cur.incs, n.desired, n.desiredIncs)
	}
	return nil
}

// fullDesired is computeDesired without the steady-state shortcut.
func (n *Node) fullDesired() {
	taken := newBitset(len(n.ids))
	// (b) Our view is stale when members we hear well installed a newer
	// ring without us: they belong elsewhere now. (Views merely proposed
	// do not count: they may still change.)
	if n.installed {
		for _, id := range n.cur.members {
			p := n.peers[n.index[id]]
			if p.idx != n.self && n.settled(p) && p.flags&FlagPending == 0 && n.cur.ring.Less(p.ring) && !p.view.has(n.self) {
				n.take(taken, p.view)
			}
		}
	}
	for range len(n.ids) {
		clique := n.clique(taken)
		if n.takeOthers(taken, clique) {
			continue
		}
		n.desired = n.desired[:0]
		n.desiredIncs = n.desiredIncs[:0]
		for _, i := range clique {
			n.desired = append(n.desired, n.ids[i])
			if i == n.self {
				n.desiredIncs = append(n.desiredIncs, n.ps.Incarnation)
			} else {
				n.desiredIncs = append(n.desiredIncs, n.peers[i].inc)
			}
		}
		return
	}
}

// takeOthers applies rules (a) and (c) of "Choosing the members" to the
// clique we would form: it marks in taken the nodes that belong to another
// group and reports whether it marked any (then the clique is computed
// again without them).
func (n *Node) takeOthers(taken bitset, clique []int) bool {
	rep := n.peers[clique[0]]
	// (a) The representative of the group we want has heard us long
	// enough and still leaves us out: its group is taken.
	if rep.idx != n.self {
		if n.installedWithout(rep) {
			n.take(taken, rep.view)
			taken.set(rep.idx)
			return true
		}
		return false
	}
	// (c) We would represent the group, but members of it installed a
	// view without us under a lower-id representative: they are taken.
	// (Only lower ids count, so two groups never wait for each other.)
	tookAny := false
	for _, i := range clique[1:] {
		if p := n.peers[i]; n.installedWithout(p) && lowest(p.view) < n.self {
			n.take(taken, p.view)
			tookAny = true
		}
	}
	return tookAny
}

// settled reports whether p has heard us, and we it, for the settle time.
func (n *Node) settled(p *peer) bool {
	return n.mutual(p) && p.mutualSince != 0 && n.now-p.mutualSince >= n.settle
}

// installedWithout reports whether settled peer p installed a view that
// leaves us out.
func (n *Node) installedWithout(p *peer) bool {
	return n.settled(p) && p.flags&FlagPending == 0 && !p.view.has(n.self) && p.view.count() > 0
}

// take marks the nodes of v other than ourselves as taken.
func (n *Node) take(taken, v bitset) {
	for j := range n.ids {
		if v.has(j) && j != n.self {
			taken.set(j)
		}
	}
}

// lowest returns the lowest index in b (len(b)*64 if b is empty).
func lowest(b bitset) int {
	for i, w := range b {
		if w != 0 {
			return i*64 + bits.TrailingZeros64(w)
		}
	}
	return len(b) * 64
}

// clique returns, sorted, the clique of the mutual-hearing graph that the
// local node belongs to, among its mutual neighbours not in taken: order
// the candidates by degree (descending) then id, build cliques greedily,
// and repeat on the rest until one holds the local node.
func (n *Node) clique(taken bitset) []int {
	cand := make([]int, 0, len(n.peers))
	// Degrees count every node whose row we know (all nodes we hear, one
	// way or both), so that nodes with different neighbourhoods still rank
	// the candidates alike.
	known := make([]int, 0, len(n.peers))
	for i, p := range n.peers {
		if i == n.self || (n.heard(p) && !taken.has(i)) {
			known = append(known, i)
		}
		if i == n.self || (n.mutual(p) && !taken.has(i)) {
			cand = append(cand, i)
		}
	}
	edge := func(a, b int) bool {
		switch {
		case a == n.self:
			return n.mutual(n.peers[b])
		case b == n.self:
			return n.mutual(n.peers[a])
		}
		return n.peers[a].hears.has(b) && n.peers[b].hears.has(a)
	}
	deg := make([]int, len(n.peers))
	for _, a := range cand {
		for _, b := range known {
			if a != b && edge(a, b) {
				deg[a]++
			}
		}
	}
	for {
		order := slices.Clone(cand)
		slices.SortFunc(order, func(a, b int) int {
			if deg[a] != deg[b] {
				return deg[b] - deg[a]
			}
			return a - b
		})
		var clique []int
		for _, c := range order {
			ok := true
			for _, k := range clique {
				if !edge(c, k) {
					ok = false
					break
				}
			}
			if ok {
				clique = append(clique, c)
			}
		}
		if slices.Contains(clique, n.self) {
			slices.Sort(clique)
			return clique
		}
		cand = slices.DeleteFunc(cand, func(i int) bool { return slices.Contains(clique, i) })
	}
}

// acceptable reports whether the local node can join proposal m: every
// member is connected both ways to every other as far as we know (our own
// links, and the rows of the members we hear), with the incarnations we
// know, and its representative is the one of the group we want (which may
// see the group a little differently: it decides).
func (n *Node) acceptable(m Message) bool {
	if len(n.desired) == 0 || m.Ring.Rep != n.desired[0] {
		return false
	}
	idx := make([]int, len(m.Members))
	for i, id := range m.Members {
		idx[i] = n.index[id]
		if idx[i] == n.self {
			continue
		}
		p := n.peers[idx[i]]
		if !n.mutual(p) || p.inc != m.Incarnations[i] {
			return false
		}
	}
	for i, a := range idx {
		for _, b := range idx[i+1:] {
			if a != n.self && b != n.self && !(n.peers[a].hears.has(b) && n.peers[b].hears.has(a)) {
				return false
			}
		}
	}
	return true
}

// drive makes the representative propose or re-propose its desired view.
func (n *Node) drive() {
	if len(n.desired) == 0 || n.desired[0] != n.cfg.Self {
		n.prop = nil
		return
	}
	if n.holdProposal() {
		return
	}
	master, vice, rec, base := n.electView(n.desired)
	// A record that only moved on within the epoch (the master published a
	// new sync set, which members confirm from its heartbeats) needs no
	// new view; a new epoch or primary does.
	same := func(members []NodeID, incs []uint32, ma, vi NodeID, r Record) bool {
		return slices.Equal(members, n.desired) && slices.Equal(incs, n.desiredIncs) && ma == master && vi == vice &&
			r.Epoch == rec.Epoch && r.Primary == rec.Primary
	}
	if n.installed && same(n.cur.members, n.cur.incs, n.cur.master, n.cur.vice, n.cur.rec) && n.acked == n.cur.ring &&
		!n.memberStranded() {
		n.prop = nil
		return
	}
	// A pending proposal is also stale when its primary's store went back
	// below the txid it counted on (a copy discarded commits that were
	// never acknowledged): the member refuses it (canLead), and would
	// forever (auto sweep seed 50289).
	if n.prop != nil && same(n.prop.msg.Members, n.prop.msg.Incarnations, n.prop.msg.Master, n.prop.msg.Vice, n.prop.msg.Rec) &&
		n.prop.msg.Rec.Txid <= rec.Txid && n.acked == n.prop.msg.Ring && !n.outbid(n.prop.msg) && !n.refusedBase(n.prop.msg) {
		n.retransmit()
		return
	}
	n.propose(master, vice, rec, base)
}

// holdProposal reports whether the representative should not propose yet:
// while the cluster assembles at startup, while a view it accepted may
// still be committed, and while a node it just started to hear will hear
// it within a heartbeat (rather than install a view without it and
// another with it).
func (n *Node) holdProposal() bool {
	if n.now < n.startupUntil && len(n.desired) < len(n.ids) && !n.installed {
		return true
	}
	if n.acked.Rep != n.cfg.Self && !n.acked.IsZero() && (!n.installed || n.acked != n.cur.ring) &&
		n.now-n.ackedAt < n.heartbeat+4*n.delay+2 {
		return true
	}
	for _, p := range n.peers {
		if p.idx != n.self && n.heard(p) && !n.mutual(p) && n.now-p.firstHeard <= n.heartbeat+2*n.delay+1 {
			return true
		}
	}
	return false
}

// retransmit sends the pending proposal again, at most once a heartbeat,
// to the members that have not acknowledged it.
func (n *Node) retransmit() {
	if n.now-n.prop.sentAt < n.heartbeat {
		return
	}
	n.prop.sentAt = n.now
	for _, id := range n.prop.msg.Members {
		if _, ok := n.prop.acks[id]; !ok {
			m := n.prop.msg
			m.To = id
			n.send(m)
		}
	}
}

// propose proposes the wanted view with these roles (and, in auto mode,
// record) under a new ring, and accepts it itself.
func (n *Node) propose(master, vice NodeID, rec, base Record) {
	seq := max(n.maxSeq, n.ps.RingSeq, n.acked.Seq) + 1
	n.maxSeq = seq
	n.ps.RingSeq = seq
	n.persistDirty = true
	m := n.base(MsgPropose, 0)
	m.Ring = RingID{Rep: n.cfg.Self, Seq: seq}
	m.Members = slices.Clone(n.desired)
	m.Incarnations = slices.Clone(n.desiredIncs)
	m.Master, m.Vice = master, vice
	if n.cfg.Auto {
		m.Rec, m.BaseEpoch, m.BaseSeq = rec, base.Epoch, base.Seq
		// Its record is current if the members that kept their state
		// meet every quorum, or if it is the first election of a new
		// cluster (no member has any record).
		if n.recordsQuorate(m.Members) || (base.IsZero() && master != 0) {
			m.Flags |= FlagVouched
		}
	}
	n.prop = &proposal{msg: m, acks: make(map[NodeID]Message), sentAt: n.now}
	n.prop.acks[n.cfg.Self] = n.accept(m)
	for _, id := range m.Members[1:] {
		x := m
		x.To = id
		n.send(x)
	}
	n.maybeCommit()
}

// memberStranded reports whether a member of our installed view has kept
// reporting a newer ring that it acknowledged but never installed (for
// longer than a commit takes): it missed our commit because it accepted
// that proposal first (its own, made while it did not hear us, or
// another's), and the proposal was abandoned. Nothing else would bring it
// back into a view (its representative is us, and our view looks
// complete): propose again, above that ring.
func (n *Node) memberStranded() bool {
	for _, id := range n.cur.members {
		p := n.peers[n.index[id]]
		if p.idx != n.self && n.mutual(p) && p.flags&FlagPending != 0 && n.cur.ring.Less(p.ring) &&
			n.now-p.ringAt > n.heartbeat+4*n.delay+2 {
			return true
		}
	}
	return false
}

// outbid reports whether a member of proposal m already accepted a newer
// ring, so that it would refuse m: propose again with a higher seq.
func (n *Node) outbid(m Message) bool {
	for _, id := range m.Members {
		if r := n.peers[n.index[id]].ring; id != n.cfg.Self && r != m.Ring && r.Seq >= m.Ring.Seq {
			return true
		}
	}
	return false
}

// accept records the acceptance of proposal m by the local node and
// returns its acknowledgement (To set to the representative).
func (n *Node) accept(m Message) Message {
	claiming := n.pub.master == n.cfg.Self
	ack := n.base(MsgAck, m.From)
	ack.Ring, ack.Prev = m.Ring, n.acked
	info := n.myInfo()
	ack.Votes, ack.Expected, ack.QFlags = info.Votes, info.ExpectedVotes, uint32(info.Flags)
	ack.Flags = n.myFlags()
	ack.Quiet = n.quietTicks(m)
	ack.Left = n.leavers(nil)
	if n.cfg.Auto {
		if e, _ := n.promise(); m.Master != 0 && m.Rec.Epoch > e {
			// Persisted before the ack is sent (Ready's order).
			n.ps.PromiseEpoch, n.ps.PromisePrimary = m.Rec.Epoch, m.Rec.Primary
			n.persistDirty = true
		}
		ack.DataEpoch, ack.DataTxid = n.ps.DataEpoch, n.dataTxid
		ack.PromiseEpoch, ack.PromisePrimary = n.promise()
	}
	if claiming {
		ack.Flags |= FlagMaster
	}
	n.prevAcked, n.acked, n.ackedMsg = n.acked, m.Ring, m
	n.ackedAt = n.now
	if m.Ring.Seq > n.ps.RingSeq {
		n.ps.RingSeq = m.Ring.Seq
		n.persistDirty = true
	}
	if m.Master != n.cfg.Self {
		// Accepting a view with another master: stop acting as master now,
		// before the new master can install it (two-phase handover).
		n.demoted = true
	}
	return ack
}

// quietTicks is the number of our ticks since we last heard a node that
// proposal m leaves out or names with another incarnation, capped at the
// fence wait: every echo we sent such a node (the lease support it may
// count) carries one of its ticks that came before that moment, and from
// our acceptance of m on our heartbeats report m's ring or newer, which it
// cannot count. A node we never heard counts from our start (tick 0): our
// previous incarnation may have echoed it until then. A node that announced
// its departure is left out: it stopped acting before it said so. See
// "Invariant 5" in the package doc.
func (n *Node) quietTicks(m Message) uint64 {
	q := n.fence
	for _, p := range n.peers {
		if p.idx == n.self || (p.inc != 0 && p.leftInc == p.inc) {
			continue
		}
		if j, ok := slices.BinarySearch(m.Members, p.cfg.ID); ok && m.Incarnations[j] == p.inc {
			continue // a member: it stops acting when it accepts m
		}
		q = min(q, n.now-p.lastHeard) // lastHeard is 0 if never heard
	}
	return q
}

// fenceWait is the wait of a new master in a view whose members' least
// Quiet is q: W - q ticks, at least 0 (see the package doc).
func (n *Node) fenceWait(q uint64) uint64 {
	if q >= n.fence {
		return 0
	}
	return n.fence - q
}

func (n *Node) onPropose(m Message) error {
	j, ok := slices.BinarySearch(m.Members, n.cfg.Self)
	if !ok || m.Incarnations[j] != n.ps.Incarnation {
		return fmt.Errorf("%w: proposal %s does not name this incarnation", ErrStale, m.Ring)
	}
	if m.Ring == n.acked {
		if n.lastAck.Ring == m.Ring && n.lastAck.To == m.From {
			n.send(n.lastAck) // a retransmission: answer again
		}
		return nil
	}
	if m.Ring.Seq <= n.acked.Seq {
		return fmt.Errorf("%w: proposal %s, already accepted %s", ErrStale, m.Ring, n.acked)
	}
	// The proposal is the representative's accepted view from now on, newer
	// than what its last heartbeat said.
	rp := n.peers[n.index[m.From]]
	if rp.ring.Less(m.Ring) {
		rp.ring = m.Ring
		rp.flags |= FlagPending
		rp.view = newBitset(len(n.ids))
		for _, id := range m.Members {
			rp.view.set(n.index[id])
		}
		n.computeDesired()
	}
	if !n.acceptable(m) {
		return nil // not a group we can be in; the representative retries
	}
	if n.cfg.Auto && (Record{Epoch: m.BaseEpoch, Seq: m.BaseSeq}).Less(n.ps.Rec) {
		// The proposal was worked out from a record older than one we
		// confirmed: our heartbeats tell the representative, which
		// proposes again (see "Automatic mode" in the package doc).
		return fmt.Errorf("%w: proposal %s based on record e%d.%d, confirmed %s", ErrStale, m.Ring, m.BaseEpoch, m.BaseSeq, n.ps.Rec)
	}
	if e, p := n.promise(); n.cfg.Auto && m.Master != 0 && !allows(e, p, m.Rec) {
		// We accepted the election of a newer term, whose commit may have
		// reached only some of its members: a record of an older term must
		// not be confirmed any more (our heartbeats tell the
		// representative, which proposes a newer epoch).
		return fmt.Errorf("%w: proposal %s with record %s, promised e%d primary=%d", ErrStale, m.Ring, m.Rec, e, p)
	}
	if n.cfg.Auto && m.Master == n.cfg.Self && m.Rec.Primary == n.cfg.Self && !n.canLead(m) {
		// The representative counted on data we no longer hold (a wiped
		// or replaced store it had not heard of yet): our heartbeats tell
		// it, and it elects again.
		return fmt.Errorf("%w: proposal %s names this node primary of %s, but its store is of epoch %d at txid %d",
			ErrStale, m.Ring, m.Rec, n.ps.DataEpoch, n.dataTxid)
	}
	n.prop = nil
	ack := n.accept(m)
	n.lastAck = ack
	n.send(ack)
	return nil
}

func (n *Node) onAck(m Message) error {
	if n.prop == nil || m.Ring != n.prop.msg.Ring || m.Ring != n.acked {
		return fmt.Errorf("%w: ack for %s", ErrStale, m.Ring)
	}
	if _, ok := slices.BinarySearch(n.prop.msg.Members, m.From); !ok {
		return fmt.Errorf("%w: ack from non-member %d", ErrMalformed, m.From)
	}
	j, _ := slices.BinarySearch(n.prop.msg.Members, m.From)
	if n.prop.msg.Incarnations[j] != m.Incarnation {
		return fmt.Errorf("%w: ack from incarnation %d", ErrStale, m.Incarnation)
	}
	n.prop.acks[m.From] = m
	n.maybeCommit()
	return nil
}

// maybeCommit commits the pending proposal once every member accepted it.
func (n *Node) maybeCommit() {
	p := n.prop
	if p == nil || len(p.acks) < len(p.msg.Members) {
		return
	}
	c := p.msg
	c.Type = MsgCommit
	k := len(c.Members)
	c.MemberVotes, c.MemberExp = make([]uint32, k), make([]uint32, k)
	c.MemberQFlags, c.MemberFlags, c.MemberAdmin = make([]uint32, k), make([]uint32, k), make([]uint64, k)
	// The new master may act at once (no fence wait) when it is the member
	// that acted as master when it accepted (it simply goes on), or when
	// every member comes straight from our installed view and that view's
	// master, acting when it accepted, hands over: it stopped acting when it
	// accepted a view naming another master.
	allFromCur := n.installed
	var claimer NodeID
	c.Quiet = n.fence
	anyAdmin := false
	for i, id := range c.Members {
		a := p.acks[id]
		c.Quiet = min(c.Quiet, a.Quiet)
		c.MemberVotes[i], c.MemberExp[i], c.MemberQFlags[i], c.MemberFlags[i] = a.Votes, a.Expected, a.QFlags, a.Flags
		c.MemberAdmin[i] = a.Admin
		anyAdmin = anyAdmin || a.Admin != 0
		if a.Prev != n.cur.ring {
			allFromCur = false
		}
		if a.Flags&FlagMaster != 0 && claimer == 0 {
			claimer = id
		}
	}
	if !anyAdmin {
		c.MemberAdmin = nil // no stamps: the commit stays readable by versions without them
	}
	c.Left = n.leavers(c.Members)
	for _, id := range c.Members {
		for _, l := range p.acks[id].Left {
			if !slices.Contains(c.Members, l) && !slices.Contains(c.Left, l) {
				c.Left = append(c.Left, l)
			}
		}
	}
	slices.Sort(c.Left)
	c.NoFence = claimer != 0 && (c.Master == claimer || (allFromCur && claimer == n.cur.master))
	n.prop = nil
	n.lastCommit = c
	for _, id := range c.Members[1:] {
		x := c
		x.To = id
		n.send(x)
	}
	n.install(c)
}

func (n *Node) onCommit(m Message) error {
	if m.Ring != n.acked {
		return fmt.Errorf("%w: commit %s, accepted %s", ErrStale, m.Ring, n.acked)
	}
	if n.installed && n.cur.ring == m.Ring {
		return nil // duplicate
	}
	if !slices.Equal(m.Members, n.ackedMsg.Members) || !slices.Equal(m.Incarnations, n.ackedMsg.Incarnations) {
		return fmt.Errorf("%w: commit %s differs from its proposal", ErrMalformed, m.Ring)
	}
	n.install(m)
	return nil
}

// install makes the committed view c current.
func (n *Node) install(c Message) {
	n.setView(c)
	n.syncQuorum(c)
	if n.cfg.Auto && n.qin.Quorate {
		n.installRecord(c)
	}
	n.publish()
}

// setView makes c the installed view and resets what a view change ends:
// a demotion, a release under way, repeated requests, and the admin needs
// of nodes that are not members any more.
func (n *Node) setView(c Message) {
	// A master that goes on must have acted without a break up to now;
	// otherwise it starts anew and waits like any new master.
	wasActing := n.pub.master == n.cfg.Self
	if c.NoFence && c.Master == n.cfg.Self && n.cur.master == n.cfg.Self && !wasActing {
		c.NoFence = false
	}
	n.installed = true
	n.cur = view{ring: c.Ring, members: slices.Clone(c.Members), incs: slices.Clone(c.Incarnations),
		master: c.Master, vice: c.Vice, rec: c.Rec.clone(), fenceUntil: n.now, installedAt: n.now}
	if !c.NoFence {
		n.cur.fenceUntil = n.now + n.fenceWait(c.Quiet)
	}
	// Support counts afresh after a fence, and in auto mode for a new
	// epoch (even a planned handover): a new primary acts only once a
	// quorum reported its epoch (see "Automatic mode" in the package doc).
	if !c.NoFence || (n.cfg.Auto && c.Rec.Epoch != n.ps.Rec.Epoch) {
		for _, p := range n.peers {
			p.support = 0
		}
	}
	n.demoted = false
	n.releasing, n.releaseTarget = 0, 0
	n.releaseAsked, n.askedTarget = false, 0
	n.resendLeft = 0
	// Admin stamps order changes with node infos inside a view; a node that
	// is not in the new one starts afresh when it joins again (its info
	// then comes with that view's commit, as a joining node's does in
	// votequorum), whatever stamps it had or missed before.
	for _, p := range n.peers {
		if !slices.Contains(c.Members, p.cfg.ID) {
			p.need, p.heard = 0, 0
		}
	}
}

// syncQuorum runs votequorum's view change on commit c: sync_init with the
// members, then each member's node info (quorate members first), then one
// recalculation for the whole batch; it emits the view and quorum events.
func (n *Node) syncQuorum(c Message) {
	ids := make([]uint32, len(c.Members))
	for i, id := range c.Members {
		ids[i] = uint32(id)
	}
	in, armLMS := quorum.SyncInit(n.qin, ids)
	before := n.myInfo().ExpectedVotes
	expChanged, adopted := false, false
	for _, i := range quorateFirst(c) {
		id := c.Members[i]
		if id == n.cfg.Self {
			continue
		}
		info := quorum.Node{ID: uint32(id), State: quorum.StateMember, Votes: c.MemberVotes[i],
			ExpectedVotes: c.MemberExp[i], Flags: quorum.NodeFlags(c.MemberQFlags[i])}
		p := n.peers[n.index[id]]
		var admin uint64 // a commit without stamps: no member had applied a change
		if i < len(c.MemberAdmin) {
			admin = c.MemberAdmin[i]
		}
		info = n.peerInfo(in, p, info, admin)
		p.info, p.flags = info, c.MemberFlags[i]
		adopted = adopted || (!in.Quorate && info.Flags&quorum.NodeQuorate != 0)
		r, lmsStopped := quorum.ReceiveNodeInfo(in, info)
		if lmsStopped {
			n.lmsDeadline = 0
			armLMS = false
		}
		expChanged = expChanged || r.ExpectedChanged
		in = in.Apply(r)
	}
	// The commit's infos arrive as one batch, where votequorum takes them
	// one message at a time, in an order that differs from view to view,
	// with results that depend on it: an inquorate node adopts the expected
	// votes of a quorate member, lowering quorum, but a member whose record
	// still held a higher value kept quorum up, and once that record came
	// down quorum could no longer follow (it never decreases on node info).
	// Taking the quorate members first and recalculating after the whole
	// batch, allowing the decrease that the adoption allows, gives every
	// member of the view the same quorum whatever the order.
	in = applyLeavers(in, c)
	r := quorum.Recalculate(in, adopted, false)
	if armLMS {
		n.lmsDeadline = n.now + uint64(n.cfg.LMSWindowTicks)
	}
	n.qin = in
	ev := Event{Kind: EventViewInstalled, Ring: c.Ring, Members: slices.Clone(c.Members), Incarnations: slices.Clone(c.Incarnations)}
	n.events = append(n.events, ev)
	r.ExpectedChanged = r.ExpectedChanged || expChanged || r.ExpectedVotes != before
	n.applyQuorum(r, true)
}

// leavers returns the members of the installed view, other than those in
// except, whose current incarnation announced a clean departure (sorted).
func (n *Node) leavers(except []NodeID) []NodeID {
	if !n.installed {
		return nil
	}
	var out []NodeID
	for _, id := range n.cur.members {
		p := n.peers[n.index[id]]
		if id != n.cfg.Self && p.inc != 0 && p.leftInc == p.inc && !slices.Contains(except, id) {
			out = append(out, id)
		}
	}
	return out
}

// applyLeavers takes the clean departures commit c carries as votequorum
// takes a LEAVING node info (allow_downscale lowers expected votes to the
// voting members, never below the configured floor), after the members'
// infos; the leaver then stays dead, as the view change left it.
func applyLeavers(in quorum.Input, c Message) quorum.Input {
	if !in.Options.AllowDownscale {
		return in
	}
	for _, id := range c.Left {
		rec, ok := in.Node(uint32(id))
		if !ok || slices.Contains(c.Members, id) {
			continue
		}
		rec.Flags |= quorum.NodeLeaving
		r, _ := quorum.ReceiveNodeInfo(in, rec)
		in = in.Apply(r)
		for i := range in.Nodes {
			if in.Nodes[i].ID == uint32(id) {
				in.Nodes[i].State = quorum.StateDead
			}
		}
	}
	return in
}

// quorateFirst orders the members of commit c with the quorate ones first:
// an inquorate node adopts their expected votes, and takes its own expected
// votes for the inquorate members, so these must come after the adoption.
func quorateFirst(c Message) []int {
	order := make([]int, 0, len(c.Members))
	for _, quorate := range []bool{true, false} {
		for i := range c.Members {
			if (quorum.NodeFlags(c.MemberQFlags[i])&quorum.NodeQuorate != 0) == quorate {
				order = append(order, i)
			}
		}
	}
	return order
}

// installRecord takes, in auto mode, the record committed with view c.
func (n *Node) installRecord(c Message) {
	n.confirmRecord(c.Rec)
	if c.Flags&FlagVouched != 0 {
		n.clearAmnesia() // the record is the current one
		n.cur.vouched = true
	}
	if c.Master == n.cfg.Self && c.Rec.Primary == n.cfg.Self && n.ps.DataEpoch < c.Rec.Epoch {
		// Elected primary: its store is, unchanged, the start of the
		// new epoch (recorded with the record, in the same write). A
		// view that only carries the record (the recorded primary is
		// not elected, maybe because it lost its data) changes nothing.
		n.ps.DataEpoch = c.Rec.Epoch
		n.persistDirty = true
	}
}

// electView chooses the roles of a view with the given members, and in auto
// mode its record and the record it derives from.
func (n *Node) electView(members []NodeID) (master, vice NodeID, rec, base Record) {
	if n.cfg.Auto {
		pm, pv := n.prevRoles(members)
		return n.electAuto(members, pm, pv)
	}
	master, vice = n.electRoles(members)
	return master, vice, Record{}, Record{}
}

// prevRoles returns the roles to keep among members: the ones actually
// held, our published roles, else those of our installed view (a master
// whose lease lapsed for a moment, as under load, or that waits for its
// fence, keeps the role: a moment without a master must not move the
// mastership), else (a merge) what the members say they are.
func (n *Node) prevRoles(members []NodeID) (prevMaster, prevVice NodeID) {
	for _, m := range []NodeID{n.pub.master, n.installedRole(n.cur.master)} {
		if prevMaster == 0 && slices.Contains(members, m) {
			prevMaster = m
		}
	}
	for _, v := range []NodeID{n.pub.vice, n.installedRole(n.cur.vice)} {
		if prevVice == 0 && v != prevMaster && slices.Contains(members, v) {
			prevVice = v
		}
	}
	for _, id := range members {
		f := n.peers[n.index[id]].flags
		if id == n.cfg.Self {
			f = n.myFlags()
		}
		if prevMaster == 0 && f&FlagMaster != 0 {
			prevMaster = id
		}
		if prevVice == 0 && f&FlagVice != 0 && id != prevMaster {
			prevVice = id
		}
	}
	return prevMaster, prevVice
}

// refusedBase reports whether a member of proposal m reported a confirmed
// record newer than m's base: it refuses m, so propose again.
func (n *Node) refusedBase(m Message) bool {
	if !n.cfg.Auto {
		return false
	}
	base := Record{Epoch: m.BaseEpoch, Seq: m.BaseSeq}
	for _, id := range m.Members {
		if id != n.cfg.Self && base.Less(n.peers[n.index[id]].rec) {
			return true
		}
	}
	return false
}

// electRoles chooses the CMM master and vice-master of a view with the
// given members (see "CMM roles" in the package doc).
func (n *Node) electRoles(members []NodeID) (master, vice NodeID) {
	cands := make([]Candidate, 0, len(members))
	prevMaster, prevVice := n.prevRoles(members)
	// A whole cluster that is new has nobody to sync from: all are
	// synchronised (each node also records that, noteClusterNew).
	isNew := n.clusterNew()
	for _, id := range members {
		c := Candidate{ID: id, Eligible: n.peers[n.index[id]].cfg.Eligible}
		var f uint32
		if id == n.cfg.Self {
			f = n.myFlags()
		} else {
			f = n.peers[n.index[id]].flags
		}
		c.Qualified = f&FlagQualified != 0
		c.Synchronized = f&FlagSynchronized != 0 || isNew
		c.WasMaster = f&FlagWasMaster != 0
		cands = append(cands, c)
	}
	return ElectRoles(cands, prevMaster, prevVice, n.releasing)
}

// installedRole is id if it holds a role of our installed view, else 0.
func (n *Node) installedRole(id NodeID) NodeID {
	if !n.installed || n.removed {
		return 0
	}
	return id
}

// Candidate is one view member as the CMM election sees it.
type Candidate struct {
	ID                                NodeID
	Eligible, Qualified, Synchronized bool
	WasMaster                         bool
}

// ElectRoles is the CMM election rule (DESIGN.md "CMM roles", cmm.md 3.2 and
// 3.6), a pure function of the members (sorted by id), the previous master
// and vice-master, and a master that asked to hand over (0: none):
//
//  1. keep the previous master while it is an eligible, qualified member
//     (unless it is handing over);
//  2. else promote the previous vice-master if it is eligible, qualified and
//     synchronised;
//  3. else the lowest-id member that is eligible, qualified and either
//     synchronised or was master last (a desynchronised node holds the only
//     good copy only if it was master); a releasing master is skipped;
//  4. if nobody qualifies, a releasing master keeps the role.
//
// The vice-master is the previous vice-master if still eligible and
// qualified, else the previous master (a switchover makes the old master
// vice), else the lowest-id eligible, qualified member, never the master.
func ElectRoles(members []Candidate, prevMaster, prevVice, releasing NodeID) (master, vice NodeID) {
	find := func(id NodeID) (Candidate, bool) {
		for _, c := range members {
			if c.ID == id && id != 0 {
				return c, true
			}
		}
		return Candidate{}, false
	}
	ok := func(c Candidate) bool { return c.Eligible && c.Qualified }
	if c, in := find(prevMaster); in && ok(c) && prevMaster != releasing {
		master = prevMaster
	} else if c, in := find(prevVice); in && ok(c) && c.Synchronized && prevVice != releasing {
		master = prevVice
	} else {
		for _, c := range members {
			if ok(c) && (c.Synchronized || c.WasMaster) && c.ID != releasing {
				master = c.ID
				break
			}
		}
		if master == 0 && releasing != 0 {
			if c, in := find(releasing); in && ok(c) {
				master = releasing
			}
		}
	}
	for _, id := range []NodeID{prevVice, prevMaster} {
		if c, in := find(id); in && ok(c) && id != master {
			return master, id
		}
	}
	for _, c := range members {
		if ok(c) && c.ID != master {
			return master, c.ID
		}
	}
	return master, 0
}
