package membership

import (
	"fmt"
	"math"
	"slices"

	"github.com/goha/goha/core/quorum"
)

// peer is what the local node knows about one other configured node.
type peer struct {
	cfg NodeConfig
	idx int
	// inc is the peer's newest known incarnation (0: never heard);
	// leftInc the incarnation that announced a clean departure.
	inc, leftInc uint32
	// lastHeard is the tick of the last message of incarnation inc (0:
	// never); mutualSince the tick since when it has been heard and hearing
	// us without a break.
	lastHeard, mutualSince uint64
	// firstHeard is the tick of the first message of incarnation inc.
	firstHeard uint64
	// blindAt is the local node's blind count (Node.blind) when it last
	// heard the peer.
	blindAt     uint64
	hears, view bitset
	ring        RingID
	ringAt      uint64 // when a heartbeat first reported ring
	flags       uint32
	info        quorum.Node
	// peerNow is the latest Now it sent (echoed back to it); support is the
	// newest of our own ticks it echoed while supporting our ring.
	peerNow, support uint64
	staleReplied     uint64
	// lastReq is the newest request id applied from this incarnation.
	lastReq uint64
	// need is the newest admin stamp we applied while the peer was a
	// member of our view: its node info counts only once it has applied
	// that too (its Admin, heard last in heard, is at least need).
	// adminSent is the tick we last resent it the changes it lacks.
	need, heard, adminSent uint64
	// Auto mode: the record it reported last (its confirmed one), what its
	// store holds, and the record Seq of its newest lease support (of our
	// epoch), and its promise (PersistentState.PromiseEpoch).
	rec                 Record
	dataEpoch, dataTxid uint64
	supportSeq          uint64
	promiseEpoch        uint64
	promisePrimary      NodeID
}

// view is an installed view.
type view struct {
	ring         RingID
	members      []NodeID // sorted
	incs         []uint32
	master, vice NodeID
	rec          Record // auto mode
	// vouched (auto mode): the view's record was vouched for when it was
	// proposed (FlagVouched), so it is the current one.
	vouched     bool
	fenceUntil  uint64
	installedAt uint64
	// acted: the local node, master of this view, has acted as master.
	acted bool
}

// published is what the local APIs were last told.
type published struct {
	members      []NodeID
	incs         []uint32
	master, vice NodeID
}

// proposal is the representative's pending proposal.
type proposal struct {
	msg    Message // the MsgPropose, To unset
	acks   map[NodeID]Message
	sentAt uint64
}

// Node is the membership state machine of one cluster node. It is not safe
// for concurrent use: the daemon calls it from one goroutine.
type Node struct {
	cfg   Config
	ids   []NodeID // sorted configured ids
	index map[NodeID]int
	self  int // index of cfg.Self
	peers []*peer

	now uint64
	ps  PersistentState
	// persistDirty: ps changed since the last Ready.
	persistDirty bool
	msgs         []Message
	events       []Event

	heartbeat, failure, delay uint64
	lease, fence, settle      uint64
	startupUntil, nextHB      uint64

	// Agreement state.
	maxSeq    uint64
	acked     RingID  // newest ring accepted (proposed by us or acknowledged)
	ackedMsg  Message // the proposal of acked
	prevAcked RingID  // the ring accepted before acked
	ackedAt   uint64  // tick of the acceptance of acked
	demoted   bool    // acked a proposal naming another master
	installed bool
	cur       view
	prop      *proposal
	// lastAck is the acknowledgement we sent for acked; lastCommit the
	// commit we sent as representative of the installed view.
	lastAck, lastCommit Message
	// desired is the member list computed at the last tick (ids sorted)
	// with its incarnations, and its representative.
	desired     []NodeID
	desiredIncs []uint32
	releasing   NodeID // the master asked the representative to hand over
	// releaseTarget: the node the releasing master asked to hand over to
	// (0: the best candidate).
	releaseTarget NodeID
	// dataTxid is the txid of the local config store (SetData).
	dataTxid uint64
	// releaseAsked: we (master) asked for a switchover in this view, to
	// askedTarget (0: any).
	releaseAsked bool
	askedTarget  NodeID

	// Quorum state (votequorum's, through package quorum).
	qin          quorum.Input
	lmsDeadline  uint64
	qdevDeadline uint64

	pub     published
	removed bool
	reqID   uint64
	// resend are requests repeated on the next heartbeats (loss
	// tolerance); resendLeft counts the remaining repetitions.
	resend     []Message
	resendLeft int

	// Votequorum administration (admin.go): adm is the stamp of the newest
	// setexpected/setvotes change applied here, admClock the newest stamp
	// seen anywhere, admLog the latest changes applied (for peers that
	// missed them).
	adm, admClock uint64
	admLog        []adminChange
	// admExp and admVotes are the stamps of the changes that last set the
	// expected votes and each node's votes.
	admExp   uint64
	admVotes map[NodeID]uint64

	// Local health (batch.go): the penalty and the tick of the last late
	// pass (or of the last decrease).
	health int
	lateAt uint64
	// blind counts the ticks the loop was stalled, in total.
	blind uint64
	// batchKeep is StepBatch's scratch list, steadySet steadyDesired's.
	batchKeep []int
	steadySet bitset
}

// New returns the state machine of cfg.Self, restored from the persistent
// state the node last wrote (the zero value for a first start or a lost
// disk). It bumps the incarnation; the first Ready carries the new
// PersistentState, which must be written before anything is sent.
func New(cfg Config, restored PersistentState) (*Node, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, index: make(map[NodeID]int)}
	for _, nc := range cfg.Nodes {
		n.ids = append(n.ids, nc.ID)
	}
	slices.Sort(n.ids)
	for i, id := range n.ids {
		n.index[id] = i
	}
	n.peers = make([]*peer, len(n.ids))
	for _, nc := range cfg.Nodes {
		i := n.index[nc.ID]
		if nc.Witness {
			nc.Eligible = false // a witness never holds a role
		}
		n.peers[i] = &peer{cfg: nc, idx: i}
	}
	n.self = n.index[cfg.Self]
	n.heartbeat = uint64(cfg.HeartbeatTicks)
	n.failure = uint64(cfg.FailureTicks)
	n.delay = uint64(cfg.MaxDelayTicks)
	n.lease = LeaseTicks(cfg)
	n.fence = FenceTicks(cfg)
	n.settle = 3*n.heartbeat + 4*n.delay + 2
	n.startupUntil = n.failure

	n.ps = restored
	if n.ps.Incarnation == 0 {
		// A new or wiped data directory: qualified, but not synchronised
		// until it synced from a primary or the whole cluster is new.
		n.ps.Qualified, n.ps.Synchronized = true, false
		n.ps.Amnesiac = cfg.Auto
	}
	n.ps.Incarnation++
	n.persistDirty = true
	n.maxSeq = n.ps.RingSeq
	n.acked = RingID{Rep: ^NodeID(0), Seq: n.ps.RingSeq}
	if n.ps.RingSeq == 0 {
		n.acked = RingID{}
	}

	settings := cfg.Quorum
	nodes := make([]quorum.ConfigNode, 0, len(cfg.Nodes))
	for _, nc := range cfg.Nodes {
		nodes = append(nodes, quorum.ConfigNode{ID: uint32(nc.ID), Votes: nc.Votes})
	}
	in, _, err := quorum.Setup(settings, nodes, uint32(cfg.Self))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	n.qin = in
	return n, nil
}

// LeaseTicks is the mastership lease L = FailureTicks + HeartbeatTicks: a
// master acts only while members that supported it within the last L ticks
// (with itself) are quorate. One heartbeat more than the failure timeout,
// so that a transition or a lost heartbeat does not interrupt a healthy
// master.
func LeaseTicks(cfg Config) uint64 { return uint64(cfg.FailureTicks + cfg.HeartbeatTicks) }

// FenceTicks is the fence wait W of a newly elected master (see the package
// doc): W = ceil(L(1+ρ)/(1-ρ)) + 2 with L = LeaseTicks and ρ =
// MaxDriftPPM/1e6, so that W-1 ticks of the fastest allowed clock outlast L
// ticks of the slowest: every other master's lease has run out, in true
// time, before the new master acts. FenceExtraTicks is added to L: a
// watchdog configured on the old master has fired by then too.
func FenceTicks(cfg Config) uint64 {
	c := cfg.withDefaults()
	rho := float64(c.MaxDriftPPM) / 1e6
	w := float64(LeaseTicks(c)+uint64(max(c.FenceExtraTicks, 0))) * (1 + rho) / (1 - rho)
	return uint64(math.Ceil(w)) + 2
}

func (c Config) withDefaults() Config {
	if c.MaxDelayTicks <= 0 {
		c.MaxDelayTicks = 1
	}
	if c.MaxDriftPPM <= 0 {
		c.MaxDriftPPM = 1000
	}
	if c.LMSWindowTicks <= 0 {
		c.LMSWindowTicks = 10 * c.FailureTicks
	}
	if c.QDeviceTimeoutTicks <= 0 {
		c.QDeviceTimeoutTicks = 10 * c.FailureTicks
	}
	return c
}

func (c *Config) validate() error {
	*c = c.withDefaults()
	switch {
	case len(c.Nodes) == 0 || len(c.Nodes) > MaxNodes:
		return fmt.Errorf("%w: %d nodes (1 to %d)", ErrConfig, len(c.Nodes), MaxNodes)
	case c.HeartbeatTicks < 1:
		return fmt.Errorf("%w: HeartbeatTicks must be at least 1", ErrConfig)
	case c.FailureTicks <= 2*c.HeartbeatTicks+2*c.MaxDelayTicks:
		return fmt.Errorf("%w: FailureTicks (%d) must exceed 2*HeartbeatTicks+2*MaxDelayTicks (%d)",
			ErrConfig, c.FailureTicks, 2*c.HeartbeatTicks+2*c.MaxDelayTicks)
	case c.MaxDriftPPM >= 100000:
		return fmt.Errorf("%w: MaxDriftPPM must be below 100000 (10%%)", ErrConfig)
	}
	seen := make(map[NodeID]bool)
	self := false
	for _, nc := range c.Nodes {
		if nc.ID == 0 || seen[nc.ID] {
			return fmt.Errorf("%w: node id %d is zero or repeated", ErrConfig, nc.ID)
		}
		seen[nc.ID] = true
		self = self || nc.ID == c.Self
	}
	if !self {
		return fmt.Errorf("%w: self %d is not a configured node", ErrConfig, c.Self)
	}
	return nil
}

// Tick advances the node's clock by one tick. After a stall the daemon must
// call Tick once for every tick period that elapsed before it calls Step
// again, so that leases expire on time.
func (n *Node) Tick() {
	n.now++
	if n.removed {
		if n.now >= n.nextHB {
			n.nextHB = n.now + n.heartbeat
			n.broadcastLeave()
		}
		return
	}
	for _, p := range n.peers {
		if p.idx != n.self && !n.heard(p) {
			p.mutualSince = 0
		}
	}
	if n.lmsDeadline != 0 && n.now >= n.lmsDeadline {
		n.lmsDeadline = 0
		if r, ok := quorum.LastManStandingExpired(n.qin); ok {
			n.applyQuorum(r, false)
		}
	}
	if n.qdevDeadline != 0 && n.now >= n.qdevDeadline {
		n.qdevDeadline = 0
		n.qin = quorum.QDeviceTimeout(n.qin)
		n.applyQuorum(quorum.Calculate(n.qin), false)
	}
	if n.now >= n.nextHB {
		n.nextHB = n.now + n.heartbeat
		n.sendHeartbeats()
	}
	n.noteClusterNew()
	n.computeDesired()
	n.drive()
	n.publish()
}

// heard reports whether p (not self) was heard within FailureTicks, not
// counting the ticks the local loop was stalled and with more slack while
// it is unhealthy (see StepBatch).
func (n *Node) heard(p *peer) bool {
	return p.inc != 0 && p.leftInc != p.inc && p.lastHeard != 0 && n.silentFor(p) < n.silence()
}

// mutual reports whether p is heard and hears us.
func (n *Node) mutual(p *peer) bool {
	return n.heard(p) && p.hears.has(n.self)
}

func (n *Node) hearsSet() bitset {
	b := newBitset(len(n.ids))
	b.set(n.self)
	for _, p := range n.peers {
		if p.idx != n.self && n.heard(p) {
			b.set(p.idx)
		}
	}
	return b
}

func (n *Node) viewSet() bitset {
	b := newBitset(len(n.ids))
	members := n.cur.members
	if n.acked != n.cur.ring && !n.acked.IsZero() && n.ackedMsg.Type == MsgPropose {
		members = n.ackedMsg.Members
	}
	if !n.installed && n.ackedMsg.Type != MsgPropose {
		members = nil
	}
	for _, id := range members {
		b.set(n.index[id])
	}
	return b
}

// myInfo is the local node's votequorum node info.
func (n *Node) myInfo() quorum.Node {
	for _, x := range n.qin.Nodes {
		if x.ID == uint32(n.cfg.Self) {
			return x
		}
	}
	return quorum.Node{ID: uint32(n.cfg.Self)}
}

// myFlags are the local node's Flag* bits.
func (n *Node) myFlags() uint32 {
	var f uint32
	if n.ps.Qualified {
		f |= FlagQualified
	}
	if n.ps.Synchronized {
		f |= FlagSynchronized
	}
	if n.ps.WasMaster {
		f |= FlagWasMaster
	}
	if n.pub.master == n.cfg.Self {
		f |= FlagMaster
	}
	if n.pub.vice == n.cfg.Self {
		f |= FlagVice
	}
	if n.acked != n.cur.ring || !n.installed {
		f |= FlagPending
	}
	if n.fresh() {
		f |= FlagFresh
	}
	if n.ps.Amnesiac {
		f |= FlagAmnesiac
	}
	return f
}

func (n *Node) base(t MessageType, to NodeID) Message {
	return Message{Type: t, From: n.cfg.Self, To: to, Incarnation: n.ps.Incarnation, Admin: n.adm}
}

func (n *Node) send(m Message) { n.msgs = append(n.msgs, m) }

func (n *Node) sendHeartbeats() {
	hears, vs := n.hearsSet(), n.viewSet()
	info, flags := n.myInfo(), n.myFlags()
	for _, p := range n.peers {
		if p.idx == n.self {
			continue
		}
		m := n.base(MsgHeartbeat, p.cfg.ID)
		m.Ring = n.acked
		m.Now, m.Echo = n.now, p.peerNow
		m.Hears, m.View = hears, vs
		m.Votes, m.Expected, m.QFlags, m.Flags = info.Votes, info.ExpectedVotes, uint32(info.Flags), flags
		if flags&FlagPending != 0 {
			m.Prev = n.prevAcked
		}
		if n.cfg.Auto {
			m.DataEpoch, m.DataTxid, m.Rec = n.ps.DataEpoch, n.dataTxid, n.ps.Rec
			m.PromiseEpoch, m.PromisePrimary = n.promise()
		}
		n.send(m)
	}
	if n.resendLeft > 0 {
		n.resendLeft--
		n.msgs = append(n.msgs, n.resend...)
	}
	if n.releaseAsked && n.installed && n.pub.master == n.cfg.Self {
		n.sendRelease()
	}
}

func (n *Node) broadcastLeave() {
	info := n.myInfo()
	for _, p := range n.peers {
		if p.idx == n.self {
			continue
		}
		m := n.base(MsgLeave, p.cfg.ID)
		m.Votes, m.Expected, m.QFlags = info.Votes, info.ExpectedVotes, uint32(info.Flags)
		n.send(m)
	}
}

// Step feeds one message from the network. Stale, foreign or malformed
// messages are ignored and reported with ErrStale, ErrForeign or
// ErrMalformed (wrapped); Step never panics on bad input.
func (n *Node) Step(m Message) error {
	if err := n.check(m); err != nil {
		return err
	}
	p := n.peers[n.index[m.From]]
	if err := n.checkIncarnation(p, m); err != nil {
		return err
	}
	if n.removed {
		return nil
	}
	if m.Type == MsgLeave {
		n.onLeave(p, m)
		return nil
	}
	if p.leftInc == p.inc {
		return fmt.Errorf("%w: %s from %d after it left", ErrStale, m.Type, m.From)
	}
	if p.lastHeard == 0 || !n.heard(p) {
		p.mutualSince = 0
		p.firstHeard = n.now
	}
	p.lastHeard, p.blindAt = n.now, n.blind
	if m.Ring.Seq > n.maxSeq {
		n.maxSeq = m.Ring.Seq
	}
	var err error
	switch m.Type {
	case MsgHeartbeat:
		n.onHeartbeat(p, m)
	case MsgPropose:
		err = n.onPropose(m)
	case MsgAck:
		err = n.onAck(m)
	case MsgCommit:
		err = n.onCommit(m)
	case MsgStale:
		if m.Arg >= n.ps.Incarnation {
			n.ps.Incarnation = m.Arg + 1
			n.persistDirty = true
		}
	case MsgRequest:
		err = n.onRequest(p, m)
	}
	n.publish()
	return err
}

// checkIncarnation compares m's incarnation with the newest known of its
// sender p: an older one is stale (answered with MsgStale, at most once a
// heartbeat); a newer one is a restarted node, a new member whatever its
// old incarnation did.
func (n *Node) checkIncarnation(p *peer, m Message) error {
	switch {
	case m.Incarnation < p.inc:
		if m.Type != MsgStale && m.Type != MsgLeave && (p.staleReplied == 0 || n.now-p.staleReplied >= n.heartbeat) {
			p.staleReplied = n.now
			r := n.base(MsgStale, m.From)
			r.Arg = p.inc
			n.send(r)
		}
		return fmt.Errorf("%w: %s from %d incarnation %d, known %d", ErrStale, m.Type, m.From, m.Incarnation, p.inc)
	case m.Incarnation > p.inc:
		*p = peer{cfg: p.cfg, idx: p.idx, inc: m.Incarnation}
	}
	return nil
}

// onLeave drops a peer that announced a clean departure.
func (n *Node) onLeave(p *peer, m Message) {
	if p.leftInc == p.inc {
		return
	}
	p.leftInc = p.inc
	p.mutualSince = 0
	// With allow_downscale the leaver marks itself LEAVING, which lets
	// expected votes shrink (votequorum's downscale).
	if n.isMember(m.From) && quorum.NodeFlags(m.QFlags)&quorum.NodeLeaving != 0 {
		r, _ := quorum.ReceiveNodeInfo(n.qin, n.peerInfo(n.qin, p, quorum.Node{ID: uint32(m.From), Votes: m.Votes,
			ExpectedVotes: m.Expected, Flags: quorum.NodeFlags(m.QFlags)}, m.Admin))
		n.applyQuorum(r, false)
	}
}

// check validates the fields of m that Step relies on.
func (n *Node) check(m Message) error {
	if m.To != n.cfg.Self {
		return fmt.Errorf("%w: message for %d", ErrForeign, m.To)
	}
	i, ok := n.index[m.From]
	if !ok || i == n.self {
		return fmt.Errorf("%w: sender %d", ErrForeign, m.From)
	}
	if m.Type < MsgHeartbeat || m.Type > MsgLeave {
		return fmt.Errorf("%w: type %d", ErrMalformed, m.Type)
	}
	if m.Incarnation == 0 {
		return fmt.Errorf("%w: zero incarnation", ErrMalformed)
	}
	words := (len(n.ids) + 63) / 64
	if len(m.Hears) > words || len(m.View) > words {
		return fmt.Errorf("%w: node set too large", ErrMalformed)
	}
	if m.Type == MsgPropose || m.Type == MsgCommit {
		return n.checkView(m)
	}
	return nil
}

// checkView validates the member list, ring and roles of a proposal or
// commit.
func (n *Node) checkView(m Message) error {
	k := len(m.Members)
	if k == 0 || k > len(n.ids) || len(m.Incarnations) != k {
		return fmt.Errorf("%w: member list", ErrMalformed)
	}
	if m.Type == MsgCommit && !m.commitInfosAligned() {
		return fmt.Errorf("%w: member infos", ErrMalformed)
	}
	for j, id := range m.Members {
		if _, ok := n.index[id]; !ok || (j > 0 && m.Members[j-1] >= id) || m.Incarnations[j] == 0 {
			return fmt.Errorf("%w: member %d", ErrMalformed, id)
		}
	}
	if m.Ring.Rep != m.From || m.Ring.Seq == 0 || m.Members[0] != m.From {
		return fmt.Errorf("%w: ring %s from %d", ErrMalformed, m.Ring, m.From)
	}
	if (m.Master != 0 && !slices.Contains(m.Members, m.Master)) ||
		(m.Vice != 0 && (!slices.Contains(m.Members, m.Vice) || m.Vice == m.Master)) {
		return fmt.Errorf("%w: roles", ErrMalformed)
	}
	return nil
}

// commitInfosAligned reports whether a commit's per-member lists match
// its member list (MemberAdmin may be absent).
func (m *Message) commitInfosAligned() bool {
	k := len(m.Members)
	return len(m.MemberVotes) == k && len(m.MemberExp) == k && len(m.MemberQFlags) == k &&
		len(m.MemberFlags) == k && (len(m.MemberAdmin) == 0 || len(m.MemberAdmin) == k)
}

func (n *Node) onHeartbeat(p *peer, m Message) {
	// A heartbeat overtaken by a newer one (its clock is a little behind)
	// carries old state: it only proves that the peer is alive. A clock far
	// behind means the peer restarted without its disk.
	if m.Now < p.peerNow && p.peerNow-m.Now <= n.heartbeat+2*n.delay+2 {
		return
	}
	n.notePeer(p, m)
	n.noteSupport(p, m)
	n.adoptMasterRecord(p, m)
	n.notePeerInfo(p, m)
	n.tellStale(p, m)
	// A member that missed our commit gets it again.
	if n.installed && m.Flags&FlagPending != 0 && m.Ring == n.cur.ring && n.cur.ring.Rep == n.cfg.Self && n.lastCommit.Type == MsgCommit {
		c := n.lastCommit
		c.To = m.From
		n.send(c)
	}
}

// notePeer records what heartbeat m says about its sender p: whom it
// hears, its clock, and its ring, view and flags.
func (n *Node) notePeer(p *peer, m Message) {
	p.hears = bitset(m.Hears)
	p.peerNow = m.Now
	// Its ring and view never go back: a heartbeat sent before the proposal
	// or commit we already got from it says nothing new.
	if !m.Ring.Less(p.ring) {
		if m.Ring != p.ring {
			p.ringAt = n.now
		}
		p.view, p.ring, p.flags = bitset(m.View), m.Ring, m.Flags
	} else if m.Flags&FlagAmnesiac != 0 {
		// An older ring is stale news, but not that the sender lost its
		// state: a wiped node restarts its rings from zero, and may reuse
		// its incarnation number (it lost that too) until a MsgStale
		// bumps it. Its other flags are still its previous life's; an
		// election must not count it as keeping its records.
		p.flags |= FlagAmnesiac
	}
	p.dataEpoch, p.dataTxid = m.DataEpoch, m.DataTxid
	if p.rec.Less(m.Rec) {
		p.rec = m.Rec
	}
	if m.PromiseEpoch >= p.promiseEpoch {
		p.promiseEpoch, p.promisePrimary = m.PromiseEpoch, m.PromisePrimary
	}
	switch {
	case !p.hears.has(n.self):
		p.mutualSince = 0
	case p.mutualSince == 0:
		p.mutualSince = n.now
	}
}

// noteSupport records the lease support heartbeat m gives us: the peer
// hears us and is in our installed ring, or it moved from our installed
// ring straight to the ring we accepted next (see "Invariant 5" in the
// package doc). Its Echo is a tick of ours it had received.
func (n *Node) noteSupport(p *peer, m Message) {
	if !n.installed || !p.hears.has(n.self) || m.Echo <= p.support || m.Echo > n.now {
		return
	}
	inRing := m.Ring == n.cur.ring
	nextRing := m.Ring == n.acked && m.Flags&FlagPending != 0 && m.Prev == n.cur.ring && n.prevAcked == n.cur.ring
	// In auto mode a member supports us only once it confirmed our epoch
	// (so a new master acts only when its epoch is known to a quorum).
	sameEpoch := !n.cfg.Auto || m.Rec.Epoch == n.ps.Rec.Epoch
	if (inRing || nextRing) && sameEpoch {
		p.support = m.Echo
		p.supportSeq = m.Rec.Seq
	}
}

// notePeerInfo takes the votequorum node info of heartbeat m: a change
// from a member of our installed ring is a votequorum node-info message.
func (n *Node) notePeerInfo(p *peer, m Message) {
	info := n.peerInfo(n.qin, p, quorum.Node{ID: uint32(m.From), State: quorum.StateMember, Votes: m.Votes,
		ExpectedVotes: m.Expected, Flags: quorum.NodeFlags(m.QFlags)}, m.Admin)
	changed := info.Votes != p.info.Votes || info.ExpectedVotes != p.info.ExpectedVotes || info.Flags != p.info.Flags
	// A local change may have set our record since (votequorum keeps its
	// own expected votes for an inquorate node).
	if rec, ok := n.qin.Node(info.ID); ok && (rec.Votes != info.Votes ||
		(info.Flags&quorum.NodeQuorate != 0 && rec.ExpectedVotes != info.ExpectedVotes)) {
		changed = true
	}
	p.info = info
	if !changed || !n.installed || !n.isMember(m.From) || m.Ring != n.cur.ring {
		return
	}
	r, lmsStopped := quorum.ReceiveNodeInfo(n.qin, info)
	if lmsStopped {
		n.lmsDeadline = 0
	}
	n.applyQuorum(r, false)
}

// tellStale answers a member of our view that reports an older ring than
// the view: it has lost its state (a restart without its disk that reused
// its incarnation) and must take a new incarnation. Heartbeats sent before
// it accepted the view arrive within MaxDelayTicks of its acceptance, so
// later ones cannot be mistaken for it.
func (n *Node) tellStale(p *peer, m Message) {
	if !n.installed || !m.Ring.Less(n.cur.ring) || n.now < n.cur.installedAt+n.delay+2 ||
		(p.staleReplied != 0 && n.now-p.staleReplied < n.heartbeat) {
		return
	}
	if k, ok := slices.BinarySearch(n.cur.members, m.From); ok && n.cur.incs[k] == p.inc {
		p.staleReplied = n.now
		r := n.base(MsgStale, m.From)
		r.Arg = p.inc
		n.send(r)
	}
}

func (n *Node) isMember(id NodeID) bool {
	_, ok := slices.BinarySearch(n.cur.members, id)
	return n.installed && ok
}

// IsMaster reports whether the local node acts as CMM master now: its view
// is quorate, the fence wait is over and its lease is valid. Invariant 5 is
// stated on this value.
func (n *Node) IsMaster() bool { return n.pub.master == n.cfg.Self }

// Ring returns the installed ring id (zero before the first view).
func (n *Node) Ring() RingID {
	if !n.installed {
		return RingID{}
	}
	return n.cur.ring
}

// Quorate reports whether the local node is quorate.
func (n *Node) Quorate() bool { return n.qin.Quorate && !n.removed }

// HasReady reports whether Ready would return anything.
func (n *Node) HasReady() bool {
	return n.persistDirty || len(n.msgs) > 0 || len(n.events) > 0
}

// Ready returns the pending output. Handle it as the Ready doc says, then
// call Advance.
func (n *Node) Ready() Ready {
	var rd Ready
	if n.persistDirty {
		ps := n.ps
		ps.Rec = ps.Rec.clone()
		rd.Persist = &ps
	}
	rd.Messages = n.msgs
	rd.Events = n.events
	return rd
}

// Advance acknowledges that rd (the last Ready) was handled.
func (n *Node) Advance(rd Ready) {
	if rd.Persist != nil && rd.Persist.equal(n.ps) {
		n.persistDirty = false
	}
	n.msgs = n.msgs[len(rd.Messages):]
	n.events = n.events[len(rd.Events):]
	if len(n.msgs) == 0 {
		n.msgs = nil
	}
	if len(n.events) == 0 {
		n.events = nil
	}
}
