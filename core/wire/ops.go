package wire

// Operation names (Msg.Op of a request). Each lists its argument and result
// body types; "-" means an empty body.
const (
	OpPing      = "ping"      // - -> -
	OpStatus    = "status"    // - -> Status
	OpSubscribe = "subscribe" // Subscribe -> SubscribeResult

	// votequorum
	OpVQGetInfo        = "vq.getinfo"            // NodeArg -> VQInfo (node 0 = local node)
	OpVQSetExpected    = "vq.setexpected"        // SetExpectedArg -> -
	OpVQSetVotes       = "vq.setvotes"           // SetVotesArg -> - (node 0 = qdevice)
	OpQDeviceRegister  = "vq.qdevice.register"   // QDeviceArg -> -
	OpQDeviceUnreg     = "vq.qdevice.unregister" // QDeviceArg -> -
	OpQDeviceUpdate    = "vq.qdevice.update"     // QDeviceUpdateArg -> -
	OpQDevicePoll      = "vq.qdevice.poll"       // QDevicePollArg -> -
	OpQDeviceMasterWin = "vq.qdevice.masterwins" // QDeviceMasterWinsArg -> -
	// OpVQShm asks for the votequorum info page (see VQShm): the reply
	// frame carries its descriptor as SCM_RIGHTS. Unix sockets only;
	// otherwise CodeNotSupported, and the client keeps asking OpVQGetInfo.
	OpVQShm = "vq.shm" // - -> VQShmInfo

	// CMM
	OpCMMNodeID      = "cmm.nodeid"      // - -> NodeArg (the local node id)
	OpCMMMember      = "cmm.member"      // MemberArg -> CMMMember
	OpCMMMembers     = "cmm.members"     // MembersArg -> CMMMembers
	OpCMMMaster      = "cmm.master"      // - -> CMMMember
	OpCMMViceMaster  = "cmm.vicemaster"  // - -> CMMMember
	OpCMMRelease     = "cmm.release"     // - -> - (cmm_mastership_release)
	OpCMMRemove      = "cmm.remove"      // - -> - (cmm_membership_remove)
	OpCMMSetQualif   = "cmm.setqualif"   // SetQualifArg -> -
	OpCMMSeizeQualif = "cmm.seizequalif" // - -> -
	OpConfigReload   = "config.reload"   // - -> -

	// Auto mode and planned handovers.
	OpHASwitchover   = "ha.switchover"   // SwitchoverArg -> - (hand the primary role / mastership over)
	OpHAForcePrimary = "ha.forceprimary" // ForcePrimaryArg -> - (auto mode: operator override)
)

// SwitchoverArg names the node to hand over to ("" = the best candidate).
type SwitchoverArg struct {
	Node string `msgpack:"node"`
}

// ForcePrimaryArg names the node to make primary; AllowDataLoss must be
// set: commits only the missing nodes held are lost.
type ForcePrimaryArg struct {
	Node          string `msgpack:"node"`
	AllowDataLoss bool   `msgpack:"allow_data_loss"`
}

// Event kinds (Msg.Op of an event) and their body types.
const (
	EvNodeList = "vq.nodelist" // NodeListEvent
	EvQuorum   = "vq.quorum"   // QuorumEvent
	EvExpected = "vq.expected" // ExpectedEvent
	EvCMM      = "cmm"         // CMMEvent
	EvView     = "view"        // ViewEvent
	EvMember   = "cmm.member"  // MemberEvent (TopicView)
)

// Topics select the events a subscription receives (a bit mask).
const (
	// TopicQuorum: EvNodeList at every installed view, EvExpected when
	// expected votes change, EvQuorum at every installed view and when
	// quorate flips. Its snapshot is EvNodeList followed by EvQuorum.
	TopicQuorum uint32 = 1 << 0
	// TopicCMM: EvCMM notifications, in CMM order. No snapshot.
	TopicCMM uint32 = 1 << 1
	// TopicView: EvView at every installed view and role change, and
	// EvMember when a node's CMM flags other than its role change (a
	// qualification, the synchronisation flag). Its snapshot is the
	// current view.
	TopicView uint32 = 1 << 2
	// TopicAll is every topic this protocol version defines.
	TopicAll = TopicQuorum | TopicCMM | TopicView
)

// Node states of votequorum (VOTEQUORUM_NODESTATE_*).
const (
	NodeStateMember  uint32 = 1
	NodeStateDead    uint32 = 2
	NodeStateLeaving uint32 = 3
)

// votequorum_info flag bits (VOTEQUORUM_INFO_*).
const (
	VQTwoNode           uint32 = 1
	VQQuorate           uint32 = 2
	VQWaitForAll        uint32 = 4
	VQLastManStanding   uint32 = 8
	VQAutoTieBreaker    uint32 = 16
	VQAllowDownscale    uint32 = 32
	VQQDeviceRegistered uint32 = 64
	VQQDeviceAlive      uint32 = 128
	VQQDeviceCastVote   uint32 = 256
	VQQDeviceMasterWin  uint32 = 512
)

// CMM sflag bits (cmm_member_t.sflag).
const (
	CMMMaster         uint32 = 0x0001
	CMMViceMaster     uint32 = 0x0002
	CMMOutOfCluster   uint32 = 0x0004
	CMMFrozen         uint32 = 0x0100
	CMMExcluded       uint32 = 0x0200
	CMMEligible       uint32 = 0x0400
	CMMDisqualified   uint32 = 0x0800
	CMMSynchroNeeded  uint32 = 0x1000
	CMMRoleMask       uint32 = 0x0007
	CMMMaxMemberTable        = 1024
)

// CMM qualification levels (cmm_qualif_t).
const (
	QualifQualified    int32 = -150
	QualifSynchroReady int32 = -149
	QualifDisqualified int32 = -148
	QualifSynchroNeed  int32 = -147
)

// CMM notification codes (cmm_cmchanges_t).
const (
	CMMMasterElected     uint32 = 250
	CMMMasterDemoted     uint32 = 251
	CMMViceMasterElected uint32 = 252
	CMMViceMasterDemoted uint32 = 253
	CMMMemberJoined      uint32 = 254
	CMMMemberLeft        uint32 = 255
	CMMStaleCluster      uint32 = 256
	CMMInvalidCluster    uint32 = 257
	CMMValidCluster      uint32 = 258
)

// RingID names an installed view: the representative's node id and the
// ring sequence number.
type RingID struct {
	Rep uint32 `msgpack:"rep"`
	Seq uint64 `msgpack:"seq"`
}

// NodeArg names one node.
type NodeArg struct {
	Node uint32 `msgpack:"node"`
}

// SetExpectedArg is the argument of OpVQSetExpected.
type SetExpectedArg struct {
	Expected uint32 `msgpack:"expected"`
}

// SetVotesArg is the argument of OpVQSetVotes.
type SetVotesArg struct {
	Node  uint32 `msgpack:"node"`
	Votes uint32 `msgpack:"votes"`
}

// QDeviceArg names a quorum device.
type QDeviceArg struct {
	Name string `msgpack:"name"`
}

// QDeviceUpdateArg renames a quorum device.
type QDeviceUpdateArg struct {
	Old string `msgpack:"old"`
	New string `msgpack:"new"`
}

// QDevicePollArg is the argument of OpQDevicePoll.
type QDevicePollArg struct {
	Name     string `msgpack:"name"`
	CastVote bool   `msgpack:"cast"`
	Ring     RingID `msgpack:"ring"`
}

// QDeviceMasterWinsArg is the argument of OpQDeviceMasterWin.
type QDeviceMasterWinsArg struct {
	Name  string `msgpack:"name"`
	Allow bool   `msgpack:"allow"`
}

// MemberArg is the argument of OpCMMMember. Potential also returns nodes
// that are out of the cluster (cmm_potential_getinfo).
type MemberArg struct {
	Node      uint32 `msgpack:"node"`
	Potential bool   `msgpack:"potential"`
}

// MembersArg is the argument of OpCMMMembers. All also lists configured
// nodes that are out of the cluster.
type MembersArg struct {
	All bool `msgpack:"all"`
}

// SetQualifArg is the argument of OpCMMSetQualif.
type SetQualifArg struct {
	Node   uint32 `msgpack:"node"`
	Qualif int32  `msgpack:"qualif"` // a Qualif* value
}

// Subscribe is the argument of OpSubscribe. Topics replaces the
// connection's set of change topics (0 stops all tracking). Snapshot asks
// for the current state of those topics to be queued right after the reply,
// ahead of any later change.
type Subscribe struct {
	Topics   uint32 `msgpack:"topics"`
	Snapshot uint32 `msgpack:"snapshot"`
}

// SubscribeResult is the result of OpSubscribe.
type SubscribeResult struct {
	Topics uint32 `msgpack:"topics"` // the topics now tracked
	Seq    uint64 `msgpack:"seq"`    // sequence number of the last event sent before this reply
}

// VQInfo is struct votequorum_info for one node.
type VQInfo struct {
	NodeID          uint32 `msgpack:"node_id"`
	NodeState       uint32 `msgpack:"node_state"`
	NodeVotes       uint32 `msgpack:"node_votes"`
	NodeExpected    uint32 `msgpack:"node_expected_votes"`
	HighestExpected uint32 `msgpack:"highest_expected"`
	TotalVotes      uint32 `msgpack:"total_votes"`
	Quorum          uint32 `msgpack:"quorum"`
	Flags           uint32 `msgpack:"flags"`
	QDeviceVotes    uint32 `msgpack:"qdevice_votes"`
	QDeviceName     string `msgpack:"qdevice_name"`
}

// CMMMember is cmm_member_t. Addr is the IP address of the node's
// membership addr, without port.
type CMMMember struct {
	NodeID       uint32 `msgpack:"nodeid"`
	Name         string `msgpack:"name"`
	Addr         string `msgpack:"addr"`
	DomainID     uint32 `msgpack:"domainid"`
	SFlag        uint32 `msgpack:"sflag"`
	Incarnation  uint32 `msgpack:"incarnation"`
	SoftwareLoad string `msgpack:"swload"`
}

// CMMMembers is the result of OpCMMMembers, ordered by node id.
type CMMMembers struct {
	Members []CMMMember `msgpack:"members"`
}

// NodeStatus is one configured node as the local daemon sees it.
type NodeStatus struct {
	ID          uint32 `msgpack:"id"`
	Name        string `msgpack:"name"`
	Addr        string `msgpack:"addr"`
	Votes       uint32 `msgpack:"votes"`
	Expected    uint32 `msgpack:"expected"`
	State       uint32 `msgpack:"state"` // NodeState*
	Eligible    bool   `msgpack:"eligible"`
	Incarnation uint64 `msgpack:"incarnation"`
	SFlag       uint32 `msgpack:"sflag"` // CMM flags
}

// QuorumStatus holds the cluster-wide quorum figures.
type QuorumStatus struct {
	Quorate         bool   `msgpack:"quorate"`
	Quorum          uint32 `msgpack:"quorum"`
	TotalVotes      uint32 `msgpack:"total_votes"`
	ExpectedVotes   uint32 `msgpack:"expected_votes"`
	HighestExpected uint32 `msgpack:"highest_expected"`
	Flags           uint32 `msgpack:"flags"` // VQ* bits (cluster-wide ones plus the local qdevice's)
	QDeviceName     string `msgpack:"qdevice_name"`
	QDeviceVotes    uint32 `msgpack:"qdevice_votes"`
}

// Status is the result of OpStatus: everything gohactl status shows.
type Status struct {
	NodeID      uint32       `msgpack:"node_id"`
	NodeName    string       `msgpack:"node_name"`
	Cluster     string       `msgpack:"cluster"`
	DomainID    uint32       `msgpack:"domain_id"`
	Incarnation uint64       `msgpack:"incarnation"`
	Ring        RingID       `msgpack:"ring"`
	Master      uint32       `msgpack:"master"`      // 0 if none
	ViceMaster  uint32       `msgpack:"vicemaster"`  // 0 if none
	Nodes       []NodeStatus `msgpack:"nodes"`       // every configured node, by id
	Quorum      QuorumStatus `msgpack:"quorum"`      //
	Removed     bool         `msgpack:"removed"`     // cmm_membership_remove was called
	UptimeMilli int64        `msgpack:"uptime_ms"`   //
	Counters    Counters     `msgpack:"counters"`    //
	Software    string       `msgpack:"software"`    //
	Members     []uint32     `msgpack:"members"`     // ids in the installed view
	ViewAgeMs   int64        `msgpack:"view_age_ms"` // time since the view was installed
}

// Counters are the daemon's traffic and rejection counters.
type Counters struct {
	DatagramsSent     uint64 `msgpack:"dgram_sent"`
	DatagramsReceived uint64 `msgpack:"dgram_recv"`
	RejectedAuth      uint64 `msgpack:"rej_auth"`
	RejectedReplay    uint64 `msgpack:"rej_replay"`
	RejectedMalformed uint64 `msgpack:"rej_malformed"`
	RejectedUnknown   uint64 `msgpack:"rej_unknown"`
	ClientsDropped    uint64 `msgpack:"clients_dropped"`
	Views             uint64 `msgpack:"views"` // views installed since start
	// Challenges sent to datagrams of unverified peer sessions, and peer
	// sessions verified (a peer's start or restart, seen from here).
	Challenges       uint64 `msgpack:"challenges"`
	SessionsVerified uint64 `msgpack:"sessions_verified"`
}

// NodeListEvent is the votequorum nodelist notification.
type NodeListEvent struct {
	Ring  RingID   `msgpack:"ring"`
	Nodes []uint32 `msgpack:"nodes"`
}

// NodeState pairs a node id with its votequorum state.
type NodeState struct {
	ID    uint32 `msgpack:"id"`
	State uint32 `msgpack:"state"`
}

// QuorumEvent is the votequorum quorum notification.
type QuorumEvent struct {
	Quorate bool        `msgpack:"quorate"`
	Nodes   []NodeState `msgpack:"nodes"`
}

// ExpectedEvent is the votequorum expected-votes notification.
type ExpectedEvent struct {
	Expected uint32 `msgpack:"expected"`
}

// CMMEvent is one CMM notification (cmm_cmc_notification_t).
type CMMEvent struct {
	Change uint32 `msgpack:"change"` // CMM* notification code
	Node   uint32 `msgpack:"node"`
}

// ViewEvent reports the installed view and its roles.
type ViewEvent struct {
	Ring       RingID   `msgpack:"ring"`
	Members    []uint32 `msgpack:"members"`
	Quorate    bool     `msgpack:"quorate"`
	Master     uint32   `msgpack:"master"`
	ViceMaster uint32   `msgpack:"vicemaster"`
	// UnixNano is the daemon's wall clock when it published the event.
	UnixNano int64 `msgpack:"t"`
}

// MemberEvent reports that a node's CMM flags changed other than by a role
// change (cmm_member_setqualif, the synchronisation flag, eligibility).
type MemberEvent struct {
	Node  uint32 `msgpack:"node"`
	SFlag uint32 `msgpack:"sflag"` // the new flags
	Old   uint32 `msgpack:"old"`   // the flags before
}
