package membership

import (
	"fmt"
	"slices"

	"github.com/goha/goha/core/quorum"
)

// Record is auto mode's HA metadata (see "Automatic mode" in the package
// doc): who is primary in which term, and which secondaries hold every
// acknowledged commit. Records are ordered by (Epoch, Seq).
type Record struct {
	// Epoch is the primary term, bumped by every election of a new
	// primary (0: no primary was ever elected).
	Epoch uint64 `msgpack:"e"`
	// Seq numbers the records of one epoch; the primary bumps it at every
	// change of Sync.
	Seq uint64 `msgpack:"s"`
	// Primary is the node elected for Epoch.
	Primary NodeID `msgpack:"p"`
	// Txid is the primary's config-store txid when the epoch began.
	Txid uint64 `msgpack:"x"`
	// Sync are the secondaries published in sync with Primary (sorted).
	Sync []NodeID `msgpack:"y"`
	// Prev (Seq 0 only) are the nodes that held every acknowledged commit
	// of the previous epoch: with min_sync >= 1 a primary acknowledges
	// nothing before it published a secondary (Seq 1), so while Seq is 0
	// they still hold everything and may be elected (sorted).
	Prev []NodeID `msgpack:"v,omitempty"`
}

// Less orders records by (Epoch, Seq).
func (r Record) Less(o Record) bool {
	if r.Epoch != o.Epoch {
		return r.Epoch < o.Epoch
	}
	return r.Seq < o.Seq
}

// IsZero reports whether r is the empty record (nothing was ever elected).
func (r Record) IsZero() bool { return r.Epoch == 0 && r.Seq == 0 && r.Primary == 0 }

// InSync reports whether id is published in sync.
func (r Record) InSync(id NodeID) bool {
	_, ok := slices.BinarySearch(r.Sync, id)
	return ok
}

// Holds reports whether id holds every commit acknowledged under r: the
// primary, or a secondary published in sync.
func (r Record) Holds(id NodeID) bool { return id != 0 && (id == r.Primary || r.InSync(id)) }

func (r Record) String() string {
	if len(r.Prev) > 0 {
		return fmt.Sprintf("e%d.%d primary=%d sync=%v prev=%v", r.Epoch, r.Seq, r.Primary, r.Sync, r.Prev)
	}
	return fmt.Sprintf("e%d.%d primary=%d sync=%v", r.Epoch, r.Seq, r.Primary, r.Sync)
}

// Equal reports whether r and o are the same record.
func (r Record) Equal(o Record) bool { return r.equal(o) }

func (r Record) equal(o Record) bool {
	return r.Epoch == o.Epoch && r.Seq == o.Seq && r.Primary == o.Primary && r.Txid == o.Txid &&
		slices.Equal(r.Sync, o.Sync) && slices.Equal(r.Prev, o.Prev)
}

func (a PersistentState) equal(b PersistentState) bool {
	return a.Incarnation == b.Incarnation && a.RingSeq == b.RingSeq && a.Qualified == b.Qualified &&
		a.Synchronized == b.Synchronized && a.WasMaster == b.WasMaster && a.DataEpoch == b.DataEpoch &&
		a.Amnesiac == b.Amnesiac && a.Rec.equal(b.Rec) && a.PromiseEpoch == b.PromiseEpoch &&
		a.PromisePrimary == b.PromisePrimary
}

func (r Record) clone() Record {
	r.Sync, r.Prev = slices.Clone(r.Sync), slices.Clone(r.Prev)
	return r
}

// dataNode reports whether the node with index i keeps a config store.
func (n *Node) dataNode(i int) bool { return !n.peers[i].cfg.Witness }

// fresh reports whether the local node holds no data at all: an empty
// store that never belonged to an epoch, and no record.
func (n *Node) fresh() bool { return n.dataTxid == 0 && n.ps.DataEpoch == 0 && n.ps.Rec.IsZero() }

// clusterNew reports whether the whole cluster is new: the local node
// hears every configured data node and each of them (itself included)
// holds no data. Only then may a node that never synced be synchronised
// (external mode) or elected without a record (auto mode needs every data
// node present in the view for that, see electAuto).
func (n *Node) clusterNew() bool {
	for i, p := range n.peers {
		if !n.dataNode(i) {
			continue
		}
		if i == n.self {
			if !n.fresh() {
				return false
			}
			continue
		}
		if !n.heard(p) || p.flags&FlagFresh == 0 {
			return false
		}
	}
	return true
}

// noteClusterNew makes the local node synchronised once it sees that the
// whole cluster is new (a fresh node is otherwise not synchronised until it
// synced from a primary, SetSynchronized).
func (n *Node) noteClusterNew() {
	if !n.ps.Synchronized && !n.cfg.Auto && n.clusterNew() {
		n.ps.Synchronized = true
		n.persistDirty = true
	}
}

// canLead reports whether the local store can be the primary's under the
// record of proposal m, which names this node primary: the store belongs
// to the record's epoch (the primary goes on), or the record starts a new
// epoch from it (a store of an earlier epoch holding at least the txid the
// election counted), or the record derives from no record at all (a new
// cluster, or one that had never run in auto mode). electAuto chooses
// nothing else; only a store lost or replaced since the representative
// last heard of it fails this, and a wiped node that took office on the
// strength of a stale report would serve an empty store as the newest one.
func (n *Node) canLead(m Message) bool {
	e, rec := n.ps.DataEpoch, m.Rec
	switch {
	case e == rec.Epoch:
		return true
	case m.BaseEpoch == 0 && m.BaseSeq == 0:
		return true
	default:
		return e > 0 && e < rec.Epoch && n.dataTxid >= rec.Txid
	}
}

// newestRecord returns the newest record among the local node's and those
// the given members reported.
func (n *Node) newestRecord(members []NodeID) Record {
	base := n.ps.Rec
	for _, id := range members {
		if id == n.cfg.Self {
			continue
		}
		if r := n.peers[n.index[id]].rec; base.Less(r) {
			base = r
		}
	}
	return base
}

// memberData returns what member id reported of its store (epoch, txid).
func (n *Node) memberData(id NodeID) (epoch, txid uint64) {
	if id == n.cfg.Self {
		return n.ps.DataEpoch, n.dataTxid
	}
	p := n.peers[n.index[id]]
	return p.dataEpoch, p.dataTxid
}

// promise returns the local node's promise: the newest record epoch, with
// its primary, that it accepted in a proposal naming a master or confirmed.
func (n *Node) promise() (uint64, NodeID) {
	if n.ps.Rec.Epoch >= n.ps.PromiseEpoch {
		return n.ps.Rec.Epoch, n.ps.Rec.Primary
	}
	return n.ps.PromiseEpoch, n.ps.PromisePrimary
}

// memberPromise returns what member id reported of its promise.
func (n *Node) memberPromise(id NodeID) (uint64, NodeID) {
	if id == n.cfg.Self {
		return n.promise()
	}
	p := n.peers[n.index[id]]
	if p.rec.Epoch >= p.promiseEpoch {
		return p.rec.Epoch, p.rec.Primary
	}
	return p.promiseEpoch, p.promisePrimary
}

// allows reports whether a node with promise (e, p) may accept or confirm
// record r: r continues the promised term (same epoch and primary) or
// starts a newer one.
func allows(e uint64, p NodeID, r Record) bool {
	return r.Epoch > e || (r.Epoch == e && (r.Primary == p || e == 0))
}

// promised returns the highest epoch a member promised, and whether one of
// them would refuse rec (see PersistentState.PromiseEpoch).
func (n *Node) promised(members []NodeID, rec Record) (top uint64, refused bool) {
	for _, id := range members {
		e, p := n.memberPromise(id)
		top = max(top, e)
		refused = refused || !allows(e, p, rec)
	}
	return top, refused
}

// electAuto is the auto-mode election (see "Automatic mode" in the package
// doc): only a node that holds every acknowledged commit according to the
// newest record among the members (base) may be master. It returns the
// roles and the record of the view to propose.
func (n *Node) electAuto(members []NodeID, prevMaster, prevVice NodeID) (master, vice NodeID, rec, base Record) {
	base = n.newestRecord(members)
	var cands []NodeID
	for _, id := range members {
		if n.autoCandidate(id, members, base) {
			cands = append(cands, id)
		}
	}
	rec = base.clone()
	if len(cands) == 0 || (!base.IsZero() && !n.recordsQuorate(members)) {
		return 0, 0, rec, base
	}
	master = n.pickAutoMaster(cands, base, prevMaster, prevVice)
	if master != base.Primary {
		_, t := n.memberData(master)
		rec = Record{Epoch: base.Epoch + 1, Primary: master, Txid: t, Prev: prevHolders(base, master, n.prevValid(base, members))}
	}
	if top, refused := n.promised(members, rec); refused {
		// A member accepted an election of a newer term (its commit may
		// have reached only some nodes): base's term is over, even if
		// master is base's primary, and the next epoch is above it.
		_, t := n.memberData(master)
		rec = Record{Epoch: top + 1, Primary: master, Txid: t, Prev: prevHolders(base, master, n.prevValid(base, members))}
	}
	return master, autoVice(cands, master, prevVice, rec), rec, base
}

// autoCandidate reports whether member id may be elected master in auto
// mode, given base, the newest record among the members.
func (n *Node) autoCandidate(id NodeID, members []NodeID, base Record) bool {
	i := n.index[id]
	if !n.dataNode(i) || !n.peers[i].cfg.Eligible || id == n.releasing {
		return false
	}
	f := n.peers[i].flags
	if id == n.cfg.Self {
		f = n.myFlags()
	}
	if f&FlagQualified == 0 {
		return false
	}
	if base.IsZero() {
		return n.allDataPresent(members)
	}
	// A node that lost its store (a wiped data directory) is not of
	// the base's epoch any more, whatever the record says.
	e, _ := n.memberData(id)
	// While base's epoch has published nothing, its primary holds the
	// previous epoch's data even if it never took office (its store
	// may still be of the previous epoch), and so do the Prev.
	prev := n.prevValid(base, members) && (id == base.Primary || slices.Contains(base.Prev, id))
	return (base.Holds(id) && e == base.Epoch) || (prev && e > 0)
}

// pickAutoMaster chooses the master among the candidates: the target of a
// mastership release, else the recorded primary (it holds everything),
// else the vice-master, else the candidate that holds the most (it may
// hold commits that were never acknowledged; keeping them loses less),
// then the lowest id.
func (n *Node) pickAutoMaster(cands []NodeID, base Record, prevMaster, prevVice NodeID) NodeID {
	switch {
	case slices.Contains(cands, n.releaseTarget):
		return n.releaseTarget
	case prevMaster == base.Primary && slices.Contains(cands, prevMaster):
		return prevMaster
	case slices.Contains(cands, base.Primary):
		return base.Primary
	case slices.Contains(cands, prevVice):
		return prevVice
	}
	var master NodeID
	for _, id := range cands {
		_, t := n.memberData(id)
		if _, bt := n.memberData(master); master == 0 || t > bt {
			master = id
		}
	}
	return master
}

// autoVice chooses the vice-master: a candidate other than master that
// rec lists as holding everything, the previous vice-master first.
func autoVice(cands []NodeID, master, prevVice NodeID, rec Record) NodeID {
	if prevVice != master && slices.Contains(cands, prevVice) && rec.Holds(prevVice) {
		return prevVice
	}
	for _, id := range cands {
		if id != master && rec.Holds(id) {
			return id
		}
	}
	return 0
}

func cmpDesc(a, b uint64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// prevValid reports whether base's Prev still hold every acknowledged
// commit in a view with these members: base's primary is a member, so it
// accepts the view only if base is as new as its own record (nothing
// published after Seq 0) and stops acting when it accepts; and either a
// primary needs a published secondary to take a write (min_sync >= 1) or
// base's primary never took office (its store is not of base's epoch: it
// records the epoch when it installs the view that elects it, before it
// can act). A primary that is not there may have published and taken
// writes since, on a lease that is still running: wait for it.
func (n *Node) prevValid(base Record, members []NodeID) bool {
	if base.Seq != 0 || !slices.Contains(members, base.Primary) {
		return false
	}
	if n.cfg.MinSync >= 1 {
		return true
	}
	e, _ := n.memberData(base.Primary)
	return e < base.Epoch
}

// prevHolders are the nodes that hold every acknowledged commit of base
// when master starts the next epoch: base's primary and sync set (and, if
// base's epoch acknowledged nothing yet, its Prev), without master.
func prevHolders(base Record, master NodeID, withPrev bool) []NodeID {
	var out []NodeID
	add := func(id NodeID) {
		if id != 0 && id != master && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	add(base.Primary)
	for _, id := range base.Sync {
		add(id)
	}
	if withPrev {
		for _, id := range base.Prev {
			add(id)
		}
	}
	slices.Sort(out)
	return out
}

// recordsQuorate reports whether the members that did not lose their state
// meet every quorate set of the cluster (so one of them confirmed every
// record a quorum confirmed). A node whose data directory was wiped lost the
// records it had confirmed, so it cannot stand for the quorum that
// confirmed them (without that check two wiped nodes of a confirming
// quorum, or one wiped node and a node left behind, would let a view
// elect from an older record). It is amnesiac (FlagAmnesiac) until it sees
// a record it can vouch for: one a safe election produced (a quorate view
// with a master), one the acting master published, or it synced data from
// a primary (clearAmnesia).
func (n *Node) recordsQuorate(members []NodeID) bool {
	var kept []uint32
	// The members of a vouched view we installed and represent
	// acknowledged a current record; what they forgot before is older
	// than the record we hold, so they count (this keeps a view from
	// losing its master while their flags still say amnesiac, or when a
	// commit was lost).
	ours := n.installed && n.cur.vouched && n.cur.ring.Rep == n.cfg.Self
	if len(members) == len(n.ids) {
		// Every configured node is here: a record only amnesiac nodes
		// had confirmed is gone with their state (and whatever it made
		// durable survives only on members, which report what they have).
		return true
	}
	for _, id := range members {
		lost := n.ps.Amnesiac
		if id != n.cfg.Self {
			lost = n.peers[n.index[id]].flags&FlagAmnesiac != 0
		}
		if lost && ours && n.isMember(id) {
			lost = false
		}
		if !lost {
			kept = append(kept, uint32(id))
		}
	}
	info, err := quorum.GetInfo(n.qin, 0)
	if err != nil {
		return false
	}
	var votes uint32
	for _, id := range kept {
		if x, ok := n.qin.Node(id); ok {
			votes += x.Votes
		} else {
			votes += n.peers[n.index[NodeID(id)]].cfg.Votes
		}
	}
	// Every quorate set must include a node of kept: the votes outside
	// kept (amnesiac or absent nodes) must not reach quorum.
	all := info.HighestExpected
	var configured uint32
	for _, p := range n.peers {
		configured += p.cfg.Votes
	}
	all = max(all, configured, info.TotalVotes)
	return votes+info.Quorum > all
}

// allDataPresent reports whether every configured data node is in members:
// without any record (nobody was ever primary in auto mode), only the
// whole set of data nodes shows who holds what.
func (n *Node) allDataPresent(members []NodeID) bool {
	for i, id := range n.ids {
		if n.dataNode(i) && !slices.Contains(members, id) {
			return false
		}
	}
	return true
}

// confirmRecord stores r as the local node's confirmed record if it is
// newer (a quorate view carrying it was installed, a vouched proposal
// carried it, or the acting master of our view published it); it is
// persisted before anything reports it.
func (n *Node) confirmRecord(r Record) {
	if n.ps.Rec.Less(r) {
		n.ps.Rec = r.clone()
		n.persistDirty = true
	}
}

// synchronized is the CMM synchronisation of member id (flags: its last
// flags): in auto mode exactly "an HA secondary in sync with the primary"
// (for the primary: some secondary is in sync, else it holds the only
// up-to-date copy), from the local node's confirmed record.
func (n *Node) synchronized(id NodeID, flags uint32) bool {
	if !n.cfg.Auto {
		return flags&FlagSynchronized != 0
	}
	r := n.ps.Rec
	if id == r.Primary {
		return len(r.Sync) > 0
	}
	return r.InSync(id)
}

// adoptMasterRecord confirms a record the acting master of our quorate view
// published in its heartbeat (a change of its sync set, same epoch).
func (n *Node) adoptMasterRecord(p *peer, m Message) {
	if !n.cfg.Auto || !n.installed || !n.qin.Quorate || n.cur.master != m.From || m.Ring != n.cur.ring ||
		m.Flags&FlagMaster == 0 || m.Rec.Primary != m.From || m.Rec.Epoch != n.ps.Rec.Epoch {
		return
	}
	if e, p := n.promise(); !allows(e, p, m.Rec) {
		return // we accepted the election of a newer term: this one is over
	}
	n.confirmRecord(m.Rec)
	n.clearAmnesia()
}

// clearAmnesia: the local node holds a current record again.
func (n *Node) clearAmnesia() {
	if n.ps.Amnesiac {
		n.ps.Amnesiac = false
		n.persistDirty = true
	}
}

// ---- auto mode API (the daemon's controller, core/node/engine) ----

// SetData tells the node what its config store holds: the epoch it belongs
// to (persisted) and its txid. They travel in heartbeats and acks (auto
// mode's election uses them; external mode only whether the node is fresh).
func (n *Node) SetData(epoch, txid uint64) {
	n.dataTxid = txid
	if n.ps.DataEpoch != epoch {
		n.ps.DataEpoch = epoch
		n.persistDirty = true
	}
	if epoch > 0 {
		n.clearAmnesia() // synced from a primary of that epoch
	}
}

// Record returns the local node's confirmed record.
func (n *Node) Record() Record { return n.ps.Rec.clone() }

// ViewRecord returns the record of the installed view.
func (n *Node) ViewRecord() Record { return n.cur.rec.clone() }

// PublishSync makes the acting master publish a new sync set under its
// record (Seq+1) and returns that Seq; it is confirmed once a quorum
// reported it (Confirmed). It fails unless the local node acts as master
// and is its record's primary.
func (n *Node) PublishSync(sync []NodeID) (uint64, error) {
	if !n.cfg.Auto || n.pub.master != n.cfg.Self || n.ps.Rec.Primary != n.cfg.Self {
		return 0, ErrNotMaster
	}
	sync = slices.Clone(sync)
	slices.Sort(sync)
	sync = slices.Compact(sync)
	if slices.Equal(sync, n.ps.Rec.Sync) {
		return n.ps.Rec.Seq, nil
	}
	n.ps.Rec.Seq++
	n.ps.Rec.Sync, n.ps.Rec.Prev = sync, nil
	n.persistDirty = true
	return n.ps.Rec.Seq, nil
}

// Confirmed reports whether the members that reported the local master's
// record with at least sequence seq, with the master, are quorate (within
// the lease: see leaseValid). A sync set may shrink only once confirmed.
func (n *Node) Confirmed(seq uint64) bool {
	if n.pub.master != n.cfg.Self {
		return false
	}
	return n.supported(func(p *peer) bool { return p.supportSeq >= seq })
}

// LeaseExpiry returns the tick at which the local master's lease runs out
// if no further support arrives (0 when it does not act as master; the
// largest tick when it alone is quorate). The daemon's write gate compares
// it with a tick computed from the clock, so a stalled loop cannot extend
// it.
func (n *Node) LeaseExpiry() uint64 {
	if n.pub.master != n.cfg.Self {
		return 0
	}
	type sup struct {
		id uint32
		at uint64
	}
	var ss []sup
	for i, id := range n.cur.members {
		if id == n.cfg.Self {
			continue
		}
		if p := n.peers[n.index[id]]; p.support > 0 && p.inc == n.cur.incs[i] {
			ss = append(ss, sup{uint32(id), p.support})
		}
	}
	slices.SortFunc(ss, func(a, b sup) int { return cmpDesc(a.at, b.at) })
	// The lease holds until the k-th freshest support ages out, for the
	// least k whose supporters make a quorum with us.
	set := []uint32{uint32(n.cfg.Self)}
	for k := 0; k <= len(ss); k++ {
		if k > 0 {
			set = append(set, ss[k-1].id)
		}
		if n.quorateSet(slices.Sorted(slices.Values(set))) {
			if k == 0 {
				return ^uint64(0)
			}
			return ss[k-1].at + n.lease
		}
	}
	return n.now
}

// ForcePrimary is the operator's override when no node that holds every
// acknowledged commit can be elected (it never came back): the local node
// takes a record of a new epoch above every record it has heard, which
// makes it the newest recorded primary, and so the next master. Commits
// only the lost nodes held are lost. ErrMasterExists if a master is
// elected (use a switchover), ErrNoCluster without quorum.
func (n *Node) ForcePrimary() error {
	switch {
	case n.removed:
		return ErrRemoved
	case !n.cfg.Auto || !n.dataNode(n.self) || !n.peers[n.self].cfg.Eligible:
		return ErrNotEligible
	case n.pub.master != 0:
		return ErrMasterExists
	case !n.installed || !n.qin.Quorate:
		return ErrNoCluster
	}
	var all []NodeID
	for i, p := range n.peers {
		if i != n.self && n.heard(p) {
			all = append(all, p.cfg.ID)
		}
	}
	top := n.newestRecord(all).Epoch
	pe, _ := n.promised(append(all, n.cfg.Self), Record{})
	top = max(top, pe)
	// Two epochs up: no election in flight can produce the same epoch.
	n.ps.Rec = Record{Epoch: top + 2, Primary: n.cfg.Self, Txid: n.dataTxid}
	n.ps.Qualified = true
	n.persistDirty = true
	return nil
}

// Roles returns the published CMM master and vice-master (0: none).
func (n *Node) Roles() (master, vice NodeID) { return n.pub.master, n.pub.vice }

// InView reports whether id is a member of the installed view.
func (n *Node) InView(id NodeID) bool { return n.isMember(id) }

// DataEpoch returns the epoch of the local store as persisted.
func (n *Node) DataEpoch() uint64 { return n.ps.DataEpoch }
