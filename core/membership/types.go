package membership

import (
	"errors"
	"fmt"

	"github.com/goha/goha/core/quorum"
)

// NodeID is a node's id from the cluster configuration (votequorum and CMM
// node ids). 0 is never a valid node id (it is CMM_NO_NODE and the
// votequorum qdevice id).
type NodeID uint32

// RingID identifies an agreed view: the representative (the node that
// proposed it, the lowest id of the view) and a sequence number that grows
// cluster-wide. Rings are ordered by Seq, then Rep.
type RingID struct {
	Rep NodeID
	Seq uint64
}

// String prints the ring id the way corosync does (CS_PRI_RING_ID).
func (r RingID) String() string { return fmt.Sprintf("%x.%x", uint32(r.Rep), r.Seq) }

// IsZero reports whether r is the zero ring (no view yet).
func (r RingID) IsZero() bool { return r == RingID{} }

// Less orders rings by sequence number, then representative.
func (r RingID) Less(o RingID) bool {
	if r.Seq != o.Seq {
		return r.Seq < o.Seq
	}
	return r.Rep < o.Rep
}

// NodeConfig is one configured node.
type NodeConfig struct {
	ID    NodeID
	Name  string
	Votes uint32
	// Eligible: the node may hold the CMM master or vice-master role.
	Eligible bool
	// Witness: the node votes but keeps no config store; it is never a
	// master or vice-master, nor counted among the data nodes (auto mode).
	Witness bool
}

// Config configures a Node. Every duration is a number of ticks: the daemon
// converts the configured durations with its tick length.
type Config struct {
	// Self is the local node's id; it must appear in Nodes.
	Self NodeID
	// Nodes lists every configured node (any order; at most MaxNodes).
	// Every node of a cluster must be given the same list.
	Nodes []NodeConfig

	// HeartbeatTicks: a heartbeat goes to every other node this often.
	HeartbeatTicks int
	// FailureTicks: a node not heard for this long is suspected. It is also
	// the mastership lease (see the package doc) and must exceed
	// 2*HeartbeatTicks + 2*MaxDelayTicks so that a healthy master's lease
	// is renewed in time.
	FailureTicks int
	// MaxDelayTicks bounds the one-way delay of a message that is delivered
	// at all (retry and settle timers are derived from it). Default 1.
	MaxDelayTicks int
	// MaxDriftPPM bounds the rate difference between any node's tick clock
	// and true time, in parts per million (default 1000 = 0.1%). The fence
	// wait of a newly elected master is derived from it.
	MaxDriftPPM int

	// Quorum are the votequorum options as configured (quorum.Setup applies
	// corosync's compatibility rules to them).
	Quorum quorum.Settings
	// LMSWindowTicks is last_man_standing_window (default 10*FailureTicks).
	LMSWindowTicks int
	// QDeviceTimeoutTicks: a registered quorum device that is not polled for
	// this long loses its vote (default 10*FailureTicks).
	QDeviceTimeoutTicks int

	// Auto selects auto mode's data-aware election (see "Automatic mode"
	// in the package doc): the CMM master is the HA primary and only a
	// node that holds every acknowledged commit may be elected.
	Auto bool
	// MinSync is the daemon's min_sync (auto mode): with 1 or more a new
	// primary acknowledges nothing before it published a secondary, which
	// lets the election keep the previous epoch's holders (Record.Prev).
	MinSync int
	// FenceExtraTicks lengthens every new master's fence wait: a
	// configured watchdog fires up to this long after a stopped master's
	// lease ran out (core/node/engine's Watchdog). Every node must be given
	// the same value.
	FenceExtraTicks int
}

// MaxNodes is the largest supported cluster.
const MaxNodes = 1024

// PersistentState is what a node must keep on disk across restarts. Ready
// carries it whenever it changes; the daemon writes it durably before it
// sends that Ready's messages. The fields are msgpack-encodable.
type PersistentState struct {
	// Incarnation is bumped at every start (New) so that peers see a
	// restarted node as a new member.
	Incarnation uint32 `msgpack:"inc"`
	// RingSeq is the highest ring sequence number this node proposed or
	// acknowledged; it never goes down, so ring ids only grow.
	RingSeq uint64 `msgpack:"seq"`
	// Qualified and Synchronized are the CMM qualification and
	// synchronisation flags of this node. A fresh state (Incarnation 0)
	// starts qualified but not synchronised: the node becomes synchronised
	// when it synced from a primary (SetSynchronized), or when it finds
	// the whole cluster new (every data node fresh; see clusterNew).
	Qualified    bool `msgpack:"q"`
	Synchronized bool `msgpack:"y"`
	// WasMaster records that the last master this node knew of was itself:
	// a desynchronised node may only become master again if it was master
	// before.
	WasMaster bool `msgpack:"m"`
	// Rec is the newest auto-mode record this node confirmed (a quorate
	// view carried it, or the acting master of its view published it).
	Rec Record `msgpack:"r,omitempty"`
	// DataEpoch is the epoch the node's config store belongs to (SetData).
	DataEpoch uint64 `msgpack:"e,omitempty"`
	// Amnesiac (auto mode): the node started from a new or wiped data
	// directory and has not yet seen a record it can vouch for (see
	// recordsQuorate); persisted so that a restart does not clear it.
	Amnesiac bool `msgpack:"a,omitempty"`
	// PromiseEpoch and PromisePrimary (auto mode): the record epoch, with
	// its primary, of the newest proposal naming a master that this node
	// accepted. It refuses later proposals (and published records) of an
	// older epoch, or of that epoch with another primary: an election's
	// commit may reach only some of the quorum that accepted it, and the
	// others must not then confirm records of the term it ended (see
	// "Automatic mode" in the package doc).
	PromiseEpoch   uint64 `msgpack:"pe,omitempty"`
	PromisePrimary NodeID `msgpack:"pp,omitempty"`
}

// MessageType is the kind of a Message.
type MessageType uint8

// Message types.
const (
	// MsgHeartbeat goes to every other configured node every
	// HeartbeatTicks: incarnation, ring, who the sender hears, its view, its
	// votequorum node info and its CMM flags.
	MsgHeartbeat MessageType = 1
	// MsgPropose: the representative proposes Ring with Members (and the
	// CMM roles Master and Vice) to every proposed member.
	MsgPropose MessageType = 2
	// MsgAck: a member accepts the proposal Ring; it carries its node info
	// and the previous ring it accepted (Prev).
	MsgAck MessageType = 3
	// MsgCommit: every member acknowledged Ring; install it. It carries the
	// members' node infos collected from the acks.
	MsgCommit MessageType = 4
	// MsgStale answers a message from an old incarnation of the receiver:
	// Arg is the incarnation the sender knows. A node that restarted
	// without its disk bumps its incarnation past it.
	MsgStale MessageType = 5
	// MsgRequest carries an administrative request (Op, Target, Arg) to the
	// representative or to the nodes it concerns.
	MsgRequest MessageType = 6
	// MsgLeave announces a clean departure (shutdown or
	// cmm_membership_remove): peers drop the sender at once.
	MsgLeave MessageType = 7
)

func (t MessageType) String() string {
	switch t {
	case MsgHeartbeat:
		return "heartbeat"
	case MsgPropose:
		return "propose"
	case MsgAck:
		return "ack"
	case MsgCommit:
		return "commit"
	case MsgStale:
		return "stale"
	case MsgRequest:
		return "request"
	case MsgLeave:
		return "leave"
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// RequestOp is the operation of a MsgRequest.
type RequestOp uint8

// Request operations.
const (
	// OpSetExpected: votequorum_setexpected(Arg), applied by every member.
	OpSetExpected RequestOp = 1
	// OpSetVotes: votequorum_setvotes(Target, Arg), applied by every member.
	OpSetVotes RequestOp = 2
	// OpRelease: the master asks the representative for a switchover.
	OpRelease RequestOp = 3
	// OpSetQualif: the master sets Target's qualification (Arg 1 qualified,
	// 0 disqualified); Target stores it.
	OpSetQualif RequestOp = 4
	// OpKill: corosync_cfg_kill_node: Target must stop at once
	// (EventKilled), without a clean leave.
	OpKill RequestOp = 5
	// OpForcePrimary: an operator forces Target to be the next primary
	// (auto mode, --allow-data-loss); Target applies ForcePrimary.
	OpForcePrimary RequestOp = 6
	// OpSwitchover: a node asks the master to hand over to Target (0: any
	// candidate); the master applies ReleaseTo.
	OpSwitchover RequestOp = 7
)

// Message is one membership message. Fields not used by a type are left
// zero. Its encoding on the network is core/wire's (AppendMember,
// DecodeMember): a compact msgpack array, in field order, without trailing
// zero fields; a heartbeat of a cluster of up to 64 nodes takes about 40
// bytes. Node sets are bitmaps over the sorted configured node list: bit i
// of word i/64 is the i-th lowest node id.
type Message struct {
	Type        MessageType
	From        NodeID
	To          NodeID
	Incarnation uint32
	// Ring: heartbeat: the ring the sender last accepted (installed or
	// acknowledged); propose/ack/commit: the ring concerned.
	Ring RingID
	// Now is the sender's tick counter (heartbeat); Echo is the latest Now
	// the sender received from the receiver. Echo proves to the receiver
	// that this message was sent after its own tick Echo: the mastership
	// lease is built on it.
	Now  uint64
	Echo uint64
	// Hears is the set of nodes the sender hears (heartbeat); View the
	// members of its ring (heartbeat).
	Hears []uint64
	View  []uint64
	// The sender's votequorum node info (heartbeat, ack).
	Votes    uint32
	Expected uint32
	QFlags   uint32
	// Flags are the sender's state bits (Flag* constants).
	Flags uint32
	// Prev (ack, and heartbeat with FlagPending) is the ring the sender
	// accepted before Ring.
	Prev RingID
	// Members (propose, commit) with their incarnations, and in a commit
	// their node infos and flags, index-aligned with Members.
	Members      []NodeID
	Incarnations []uint32
	MemberVotes  []uint32
	MemberExp    []uint32
	MemberQFlags []uint32
	MemberFlags  []uint32
	// Master and Vice are the CMM roles of the proposed view (0: none).
	Master NodeID
	Vice   NodeID
	// NoFence (commit): the new master may act at once (a planned handover
	// or the same master); otherwise it waits the fence time first.
	NoFence bool
	// Request (MsgRequest): operation, target node and argument; Arg is also
	// the known incarnation in MsgStale. ReqID deduplicates requests.
	Op     RequestOp
	Target NodeID
	Arg    uint32
	ReqID  uint64
	// Quiet (ack): ticks, by the sender's clock, from the last time it
	// heard a node the proposal leaves out to its acceptance (capped at the
	// fence wait); (commit) the least Quiet of the members' acks. It
	// shortens the fence wait of a new master (see the package doc).
	Quiet uint64
	// Admin: in a setexpected/setvotes request, the change's admin stamp;
	// in every other message, the stamp of the newest such change the
	// sender has applied. MemberAdmin (commit) holds the members' Admin
	// from their acks, index-aligned with Members. See "Votequorum
	// administration" in the package doc.
	Admin       uint64
	MemberAdmin []uint64
	// Auto mode (encoded together as one list, empty in external mode).
	// DataEpoch and DataTxid (heartbeat, ack): what the sender's config
	// store holds. Rec: heartbeat: the sender's confirmed record; propose
	// and commit: the view's record. BaseEpoch and BaseSeq (propose): the
	// newest record the representative knew among the members, from which
	// Rec derives; a member whose confirmed record is newer refuses.
	DataEpoch, DataTxid uint64
	Rec                 Record
	BaseEpoch, BaseSeq  uint64
	// PromiseEpoch and PromisePrimary (heartbeat, ack; auto mode): the
	// sender's promise (PersistentState), at least its record's epoch.
	PromiseEpoch   uint64
	PromisePrimary NodeID
	// Left (ack): the members of the sender's installed view that announced
	// a clean departure; (commit) the union of the acks' and the
	// representative's, less the new members. A leave is a datagram, not
	// part of the agreed order, so some members may see the view change
	// first: carrying the leavers in the commit lets every member apply the
	// allow_downscale decrease in the same view, as votequorum's ordered
	// delivery does, so that all agree on expected votes and quorum.
	Left []NodeID
}

// Message flag bits (Message.Flags, MemberFlags).
const (
	FlagQualified    uint32 = 1 << 0 // CMM qualified
	FlagSynchronized uint32 = 1 << 1 // CMM synchronised (not SYNCHRO_NEEDED)
	FlagWasMaster    uint32 = 1 << 2 // the last master the sender knew was itself
	FlagMaster       uint32 = 1 << 3 // the sender acts as master now
	FlagVice         uint32 = 1 << 4 // the sender is vice-master now
	FlagPending      uint32 = 1 << 5 // Ring is acknowledged but not installed yet
	FlagLeaving      uint32 = 1 << 6 // clean shutdown announced
	FlagFresh        uint32 = 1 << 7 // the sender holds no data at all (empty store, no epoch, no record)
	FlagAmnesiac     uint32 = 1 << 8 // the sender lost its state and has not seen a current record since
	FlagVouched      uint32 = 1 << 9 // (propose, commit) the view's record is vouched for: see recordsQuorate
)

// CMMChange is a CMM notification code (cmm_cmchanges_t).
type CMMChange uint32

// CMM notification codes, same values as cmm.h.
const (
	CMMMasterElected     CMMChange = 250
	CMMMasterDemoted     CMMChange = 251
	CMMViceMasterElected CMMChange = 252
	CMMViceMasterDemoted CMMChange = 253
	CMMMemberJoined      CMMChange = 254
	CMMMemberLeft        CMMChange = 255
	CMMStaleCluster      CMMChange = 256
	CMMInvalidCluster    CMMChange = 257
	CMMValidCluster      CMMChange = 258
	CMMNodeEligible      CMMChange = 259
	CMMNodeIneligible    CMMChange = 260
)

func (c CMMChange) String() string {
	switch c {
	case CMMMasterElected:
		return "MASTER_ELECTED"
	case CMMMasterDemoted:
		return "MASTER_DEMOTED"
	case CMMViceMasterElected:
		return "VICEMASTER_ELECTED"
	case CMMViceMasterDemoted:
		return "VICEMASTER_DEMOTED"
	case CMMMemberJoined:
		return "MEMBER_JOINED"
	case CMMMemberLeft:
		return "MEMBER_LEFT"
	case CMMStaleCluster:
		return "STALE_CLUSTER"
	case CMMInvalidCluster:
		return "INVALID_CLUSTER"
	case CMMValidCluster:
		return "VALID_CLUSTER"
	case CMMNodeEligible:
		return "NODE_ELIGIBLE"
	case CMMNodeIneligible:
		return "NODE_INELIGIBLE"
	}
	return fmt.Sprintf("CMM(%d)", uint32(c))
}

// CMM sflag bits of a member (cmm_member_t.sflag), same values as cmm.h.
const (
	SFlagMaster        uint32 = 0x0001
	SFlagViceMaster    uint32 = 0x0002
	SFlagOutOfCluster  uint32 = 0x0004
	SFlagFrozen        uint32 = 0x0100
	SFlagExcluded      uint32 = 0x0200
	SFlagEligible      uint32 = 0x0400
	SFlagDisqualified  uint32 = 0x0800
	SFlagSynchroNeeded uint32 = 0x1000
)

// EventKind is the kind of an Event.
type EventKind uint8

// Event kinds.
const (
	// EventViewInstalled: a view (Ring, Members, Incarnations) was
	// installed: votequorum's NODELIST notification, CMM's view.
	EventViewInstalled EventKind = 1
	// EventExpectedVotes: expected votes changed (Expected):
	// votequorum's EXPECTED notification.
	EventExpectedVotes EventKind = 2
	// EventQuorum: votequorum's QUORUM notification (Quorate, QuorumNodes).
	EventQuorum EventKind = 3
	// EventCMM: a CMM notification (Change, Node).
	EventCMM EventKind = 4
	// EventKilled: a member asked this node to stop at once (Node, who
	// asked; see KillNode). The daemon exits with a failure status.
	EventKilled EventKind = 5
)

func (k EventKind) String() string {
	switch k {
	case EventViewInstalled:
		return "view"
	case EventExpectedVotes:
		return "expected"
	case EventQuorum:
		return "quorum"
	case EventCMM:
		return "cmm"
	case EventKilled:
		return "killed"
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// QuorumNode is one entry of a QUORUM notification's node list.
type QuorumNode struct {
	ID    NodeID
	State quorum.NodeState
}

// Event is one notification for the local APIs, in the order they must be
// delivered.
type Event struct {
	Kind EventKind
	// EventViewInstalled (Ring is also set on the other kinds: the ring
	// current when the event was produced).
	Ring         RingID
	Members      []NodeID
	Incarnations []uint32
	// EventExpectedVotes.
	Expected uint32
	// EventQuorum: the quorate state and every node votequorum knows, with
	// a {0, 0} entry for a registered quorum device, as corosync sends.
	Quorate     bool
	QuorumNodes []QuorumNode
	// EventCMM.
	Change CMMChange
	Node   NodeID
}

func (e Event) String() string {
	switch e.Kind {
	case EventViewInstalled:
		return fmt.Sprintf("view %s members=%v", e.Ring, e.Members)
	case EventExpectedVotes:
		return fmt.Sprintf("expected %d", e.Expected)
	case EventQuorum:
		return fmt.Sprintf("quorum quorate=%t", e.Quorate)
	case EventCMM:
		return fmt.Sprintf("cmm %s(%d)", e.Change, e.Node)
	}
	return e.Kind.String()
}

// Ready is a batch of output. The caller must handle it in this order:
//
//  1. if Persist is non-nil, write it durably (fsync);
//  2. send Messages (best effort, any order, over an unreliable network);
//  3. deliver Events to local clients, in order;
//  4. call Advance(rd).
type Ready struct {
	// Persist is the new persistent state, nil when unchanged.
	Persist *PersistentState
	// Messages to send; each has its To set.
	Messages []Message
	// Events for the local APIs, in delivery order.
	Events []Event
}

// MemberStatus is one configured node as the local node sees it.
type MemberStatus struct {
	ID       NodeID
	Name     string
	Eligible bool
	// Member: in the local node's current view.
	Member bool
	// Heard: the local node heard it within FailureTicks.
	Heard       bool
	Incarnation uint32
	// Votequorum figures for the node.
	Votes    uint32
	Expected uint32
	State    quorum.NodeState // 0 when votequorum never knew the node
	// SFlag are the CMM cmm_member_t.sflag bits (SFlag*).
	SFlag uint32
}

// QDeviceStatus is the local node's quorum device state.
type QDeviceStatus struct {
	Name       string
	Votes      uint32
	Registered bool
	Alive      bool
	CastVote   bool
	MasterWins bool
}

// Status is a snapshot of the local node for queries.
type Status struct {
	Self        NodeID
	Incarnation uint32
	Tick        uint64
	// Ring is the installed view's ring id (zero before the first view);
	// Members its members in id order.
	Ring    RingID
	Members []NodeID
	// Nodes: every configured node, in id order.
	Nodes []MemberStatus
	// Master and Vice are the published CMM roles (0: none). Master is 0
	// without quorum, during a fence wait, and on the master itself when
	// its lease has lapsed.
	Master, Vice NodeID
	// IsMaster: the local node acts as master now (quorate, fence passed,
	// lease valid). Invariant 5 is stated on this value.
	IsMaster bool
	// Quorum figures of the local node (votequorum_getinfo(0)).
	Quorum  quorum.Info
	QDevice QDeviceStatus
	// Removed: cmm_membership_remove or Leave was called; the node stays out
	// until it restarts.
	Removed bool
	// QuorumNodes is the node list a QUORUM notification would carry now
	// (votequorum's order, see quorum.QuorumNodeList).
	QuorumNodes []QuorumNode
	// EVBarrier and WaitForAllStatus are votequorum's allow_downscale floor
	// and wait_for_all latch (cmap runtime.votequorum.*).
	EVBarrier        uint32
	WaitForAllStatus bool
	// Rec is the local node's confirmed auto-mode record; Amnesiac: the
	// node lost its state and has not seen a current record since.
	Rec      Record
	Amnesiac bool
}

// Errors. Step returns the first three for input it ignores; the admin
// calls return the others, which the C layer maps to its codes (given in
// each comment). votequorum admin calls also return quorum's errors
// (quorum.ErrInvalidParam and friends) unchanged.
var (
	// ErrStale: a message from an older incarnation or for an older ring.
	ErrStale = errors.New("membership: stale message")
	// ErrForeign: a message from or for a node that is not configured here,
	// or addressed to another node.
	ErrForeign = errors.New("membership: message from or for a foreign node")
	// ErrMalformed: a message with missing or inconsistent fields.
	ErrMalformed = errors.New("membership: malformed message")
	// ErrConfig: an invalid Config (New).
	ErrConfig = errors.New("membership: invalid configuration")
	// ErrNotMaster: the call needs the local node to be master (CMM_EPERM).
	ErrNotMaster = errors.New("membership: the local node is not master")
	// ErrMasterExists: seize-qualification while a master is elected
	// (CMM_EPERM).
	ErrMasterExists = errors.New("membership: a master is elected")
	// ErrNotEligible: the node is not master-eligible (CMM_EINVAL for
	// setqualif, CMM_EPERM for seizequalif).
	ErrNotEligible = errors.New("membership: the node is not master-eligible")
	// ErrNoCandidate: no node can take over the mastership (CMM_ECANCELED).
	ErrNoCandidate = errors.New("membership: no node can take over the mastership")
	// ErrUnknownNode: the node id is not configured (CMM_ESRCH,
	// CS_ERR_NAME_NOT_FOUND).
	ErrUnknownNode = errors.New("membership: no such node")
	// ErrNoCluster: the local node is not in a quorate view (CMM_ENOCLUSTER).
	ErrNoCluster = errors.New("membership: not in a cluster")
	// ErrRemoved: the local node left the cluster (Leave/RemoveSelf) and
	// must restart to rejoin (CMM_EPERM).
	ErrRemoved = errors.New("membership: the local node left the cluster")
)
