package quorum

import "errors"

// NodeState is a node's state as votequorum reports it (VOTEQUORUM_NODESTATE_*).
type NodeState uint32

// Node states; the numeric values are the C API's VOTEQUORUM_NODESTATE_* values.
const (
	StateMember  NodeState = 1 // in the current membership and counted
	StateDead    NodeState = 2 // known, but not in the current membership
	StateLeaving NodeState = 3 // announced a clean shutdown (allow_downscale)
)

func (s NodeState) String() string {
	switch s {
	case StateMember:
		return "member"
	case StateDead:
		return "dead"
	case StateLeaving:
		return "leaving"
	}
	return "unknown"
}

// Info flags: the VOTEQUORUM_INFO_* bits of votequorum_getinfo's flags field.
const (
	InfoTwoNode           uint32 = 1
	InfoQuorate           uint32 = 2
	InfoWaitForAll        uint32 = 4
	InfoLastManStanding   uint32 = 8
	InfoAutoTieBreaker    uint32 = 16
	InfoAllowDownscale    uint32 = 32
	InfoQDeviceRegistered uint32 = 64
	InfoQDeviceAlive      uint32 = 128
	InfoQDeviceCastVote   uint32 = 256
	InfoQDeviceMasterWins uint32 = 512
)

// QDeviceNodeID is the node id that stands for the quorum device
// (VOTEQUORUM_QDEVICE_NODEID). getinfo maps it to the local node, setvotes
// to the quorum device.
const QDeviceNodeID uint32 = 0

// QDeviceMaxNameLen is VOTEQUORUM_QDEVICE_MAX_NAME_LEN: a device name must be
// non-empty and strictly shorter than this.
const QDeviceMaxNameLen = 255

// NodeFlags are the per-node status bits that every node advertises about
// itself in its node-info message (votequorum's NODE_FLAGS_*; same values).
type NodeFlags uint32

// Per-node flag bits.
const (
	NodeQuorate           NodeFlags = 1   // the node considers itself quorate
	NodeLeaving           NodeFlags = 2   // clean shutdown announced (allow_downscale)
	NodeWFAStatus         NodeFlags = 4   // the node is still waiting for all
	NodeFirst             NodeFlags = 8   // the node has not yet been in a multi-node ring
	NodeQDeviceRegistered NodeFlags = 16  // a quorum device is registered on the node
	NodeQDeviceAlive      NodeFlags = 32  // ... and polled within its timeout
	NodeQDeviceCastVote   NodeFlags = 64  // ... and its last poll cast a vote
	NodeQDeviceMasterWins NodeFlags = 128 // ... and master_wins is enabled
)

// info converts the node's qdevice bits to the VOTEQUORUM_INFO_QDEVICE_* bits.
func (f NodeFlags) info() uint32 {
	var out uint32
	if f&NodeQDeviceRegistered != 0 {
		out |= InfoQDeviceRegistered
	}
	if f&NodeQDeviceAlive != 0 {
		out |= InfoQDeviceAlive
	}
	if f&NodeQDeviceCastVote != 0 {
		out |= InfoQDeviceCastVote
	}
	if f&NodeQDeviceMasterWins != 0 {
		out |= InfoQDeviceMasterWins
	}
	return out
}

// Node is what votequorum knows about one cluster node.
type Node struct {
	ID            uint32
	State         NodeState
	Votes         uint32
	ExpectedVotes uint32 // the expected votes this node advertises
	Flags         NodeFlags
}

// ATBMode selects the auto_tie_breaker rule. The values match corosync's
// runtime.votequorum.atb_type.
type ATBMode uint8

// Auto tie-breaker modes.
const (
	ATBNone    ATBMode = 0
	ATBLowest  ATBMode = 1 // the partition holding the lowest node id wins
	ATBHighest ATBMode = 2 // the partition holding the highest node id wins
	ATBList    ATBMode = 3 // the first node of Options.ATBNodes present wins
)

func (m ATBMode) String() string {
	switch m {
	case ATBNone:
		return "none"
	case ATBLowest:
		return "lowest"
	case ATBHighest:
		return "highest"
	case ATBList:
		return "list"
	}
	return "invalid"
}

// Options are the effective votequorum features (after Setup has applied
// corosync's compatibility rules, see Setup).
type Options struct {
	TwoNode         bool
	WaitForAll      bool
	LastManStanding bool
	// AutoTieBreaker is ATBNone when the feature is off.
	AutoTieBreaker ATBMode
	// ATBNodes is the ordered tie-breaker list for ATBList.
	ATBNodes       []uint32
	AllowDownscale bool
}

// QDevice is the cluster-wide quorum device state. Per-node device state
// (registered, alive, cast vote, master wins) lives in Node.Flags.
type QDevice struct {
	// Name is the cluster-wide registered device name ("" when none).
	Name string
	// Votes the device contributes when the local node's device casts a vote.
	Votes uint32
	// Disabled is set when the configuration forbids device operations
	// (corosync's qdevice_can_operate == 0): register, poll and master_wins
	// then fail with ErrAccess.
	Disabled bool
}

// Input is everything the quorum arithmetic needs: the current view as the
// local node sees it, the options, and the latches the caller keeps between
// calls. Functions never modify an Input; they return new values.
type Input struct {
	// Self is the local node's id; Nodes must contain it.
	Self uint32
	// Nodes lists every node votequorum knows (members, dead and leaving,
	// including Self), in any order. Nodes never seen are simply absent.
	Nodes []Node
	// Members is the current ring membership (quorum_members) and
	// PreviousMembers the one before it; auto_tie_breaker uses both.
	Members         []uint32
	PreviousMembers []uint32

	Options Options
	QDevice QDevice

	// Quorum is the current quorum value; it only goes down when a caller
	// explicitly allows it (setexpected, setvotes, last_man_standing, ...).
	Quorum uint32
	// Quorate is the current quorate state (cluster_is_quorate).
	Quorate bool
	// WaitForAllStatus is the wait_for_all latch: true while the node waits
	// for all expected votes to be present at once. Setup sets it when
	// wait_for_all is on; Recalculate clears it once quorate and re-arms it
	// whenever the node is not quorate.
	WaitForAllStatus bool
	// LowestNodeID and HighestNodeID are the lowest and highest member ids
	// seen the last time the node was quorate (0: never quorate). The
	// lowest/highest tie-breakers test whether that node is still here.
	LowestNodeID, HighestNodeID uint32
	// EVBarrier is the allow_downscale floor: expected votes never go below
	// it on a downscale. Setup sets it to the configured expected votes and
	// an accepted setexpected moves it.
	EVBarrier uint32
	// Order is the order of votequorum's node list (QuorumNodeList):
	// Setup starts it with Self and SyncInit adds each new member as
	// votequorum's node_add_ordered does (see AddOrdered). Nodes missing
	// from it are listed after it in id order.
	Order []uint32
}

// Result is the outcome of a recalculation: the new values to store and
// what getinfo and the notifications expose for the local node.
type Result struct {
	// Nodes is the updated node table (expected votes may have changed).
	Nodes []Node

	Quorate bool
	// Quorum is the new quorum value.
	Quorum uint32
	// TotalVotes counts MEMBER votes plus the device's votes when the local
	// node's device casts a vote.
	TotalVotes uint32
	// ExpectedVotes is the local node's expected votes.
	ExpectedVotes uint32
	// HighestExpected is the largest expected votes advertised by a member.
	HighestExpected uint32
	// Flags are the VOTEQUORUM_INFO_* bits for the local node.
	Flags uint32

	// New latch values to keep for the next call.
	WaitForAllStatus            bool
	LowestNodeID, HighestNodeID uint32
	EVBarrier                   uint32
	// Options are the options after the call (a node with more than one
	// vote switches last_man_standing off at runtime).
	Options Options
	// QDevice is the cluster-wide device state after the call (setvotes on
	// node 0 and device node-info messages change its votes).
	QDevice QDevice

	// ExpectedChanged: send an EXPECTED notification (expected votes were
	// raised to the total, or set by setexpected). It goes before QUORUM.
	ExpectedChanged bool
	// QuorateChanged: the quorate state flipped. Outside a membership
	// transition this triggers a QUORUM notification; at the end of a
	// transition QUORUM is sent regardless.
	QuorateChanged bool
}

// Info is what votequorum_getinfo returns for one node.
type Info struct {
	NodeID          uint32
	State           NodeState
	Votes           uint32
	ExpectedVotes   uint32
	HighestExpected uint32
	TotalVotes      uint32
	Quorum          uint32
	// Flags: the global bits plus the requested node's QDEVICE_* bits.
	Flags        uint32
	QDeviceVotes uint32
	QDeviceName  string
}

// Errors. libgoha reports each as the cs_error_t named in its doc.
var (
	// ErrInvalidParam: a rejected setexpected/setvotes value or a wrong
	// device name (CS_ERR_INVALID_PARAM).
	ErrInvalidParam = errors.New("quorum: invalid parameter")
	// ErrNameNotFound: setvotes on an unknown node (CS_ERR_NAME_NOT_FOUND).
	ErrNameNotFound = errors.New("quorum: node not found")
	// ErrNotExist: getinfo on an unknown node, or a device call with no
	// device registered (CS_ERR_NOT_EXIST).
	ErrNotExist = errors.New("quorum: does not exist")
	// ErrExist: a device with a different name is already registered
	// (CS_ERR_EXIST).
	ErrExist = errors.New("quorum: a different quorum device is registered")
	// ErrAccess: device operations are disabled by the configuration
	// (CS_ERR_ACCESS).
	ErrAccess = errors.New("quorum: quorum device operations are disabled")
	// ErrRingMismatch: a device poll carried a ring id other than the
	// current one (CS_ERR_MESSAGE_ERROR).
	ErrRingMismatch = errors.New("quorum: poll ring id is not the current ring id")
	// ErrConfig: a fatal configuration combination (corosync refuses to
	// start). Returned wrapped by Setup with the reason.
	ErrConfig = errors.New("quorum: configuration error")
)
