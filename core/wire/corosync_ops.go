package wire

// The corosync cmap, quorum and cfg services (core/corosync): operations,
// events and their bodies.
const (
	// quorum (libquorum)
	OpQuorumGetQuorate = "quorum.getquorate" // - -> QuorateResult

	// cmap (libcmap); Map selects CMapMain or CMapStats.
	OpCMapGet     = "cmap.get"     // CMapKeyArg -> CMapValue
	OpCMapSet     = "cmap.set"     // CMapSetArg -> -
	OpCMapDelete  = "cmap.delete"  // CMapKeyArg -> -
	OpCMapAdjust  = "cmap.adjust"  // CMapAdjustArg -> - (cmap_inc, cmap_dec)
	OpCMapIter    = "cmap.iter"    // CMapIterArg -> CMapIterResult
	OpCMapTrack   = "cmap.track"   // CMapTrackArg -> -; then EvCMap on this connection
	OpCMapUntrack = "cmap.untrack" // CMapUntrackArg -> -

	// cfg (libcfg)
	OpCfgNodeAddrs  = "cfg.nodeaddrs"  // NodeArg -> CfgAddrs (node 0: the local node)
	OpCfgNodeStatus = "cfg.nodestatus" // NodeArg -> CfgNodeStatus
	OpCfgLinks      = "cfg.links"      // - -> CfgLinks (every configured node)
	OpCfgTrack      = "cfg.track"      // CfgTrackArg -> -; then EvCfgShutdown on this connection
	OpCfgShutdown   = "cfg.shutdown"   // CfgShutdownArg -> - (replied when decided)
	OpCfgReply      = "cfg.reply"      // CfgReplyArg -> -
	OpCfgKill       = "cfg.kill"       // CfgKillArg -> -
	OpCfgReload     = "cfg.reload"     // - -> -
)

// Events of the corosync services.
const (
	// EvQuorumSvc is libquorum's QUORUM notification (TopicQuorumSvc).
	EvQuorumSvc = "quorum.quorum" // QuorumSvcEvent
	// EvQuorumNodes is libquorum's V1 NODELIST notification
	// (TopicQuorumSvc).
	EvQuorumNodes = "quorum.nodelist" // QuorumNodesEvent
	// EvCMap is one cmap change for one tracker of the connection.
	EvCMap = "cmap.notify" // CMapEvent
	// EvCfgShutdown asks a cfg tracker whether the node may shut down.
	EvCfgShutdown = "cfg.shutdown" // CfgShutdownEvent
)

// TopicQuorumSvc: EvQuorumNodes at every installed view, then EvQuorumSvc;
// EvQuorumSvc also when quorate flips outside a view change. Its snapshot
// is EvQuorumNodes (with empty joined and left lists) then EvQuorumSvc.
const TopicQuorumSvc uint32 = 1 << 3

// Reply codes of the corosync services (besides the common ones).
const (
	CodeNameTooLong Code = 30 // a cmap key name that is too long or not valid for a new key
	CodeBusy        Code = 31 // cfg shutdown refused by a tracker or not answered in time
	CodeNoSpace     Code = 32 // the cmap map or its tracker list is full
)

func init() {
	codeNames[CodeNameTooLong] = "bad key name"
	codeNames[CodeBusy] = "busy: refused"
	codeNames[CodeNoSpace] = "no space left"
}

// Maps of the cmap service (cmap_map_t).
const (
	CMapMain  uint8 = 0 // CMAP_MAP_ICMAP
	CMapStats uint8 = 1 // CMAP_MAP_STATS
)

// QuorateResult is the result of OpQuorumGetQuorate.
type QuorateResult struct {
	Quorate bool `msgpack:"quorate"`
}

// CMapValue is a typed cmap value (corosync.Value): numbers little-endian,
// strings with their NUL.
type CMapValue struct {
	Type uint8  `msgpack:"t"`
	Data []byte `msgpack:"d"`
}

// CMapKeyArg names a key of a map.
type CMapKeyArg struct {
	Map uint8  `msgpack:"m"`
	Key string `msgpack:"k"`
}

// CMapSetArg is the argument of OpCMapSet.
type CMapSetArg struct {
	Map   uint8     `msgpack:"m"`
	Key   string    `msgpack:"k"`
	Value CMapValue `msgpack:"v"`
}

// CMapAdjustArg is the argument of OpCMapAdjust: Step is +1 or -1.
type CMapAdjustArg struct {
	Map  uint8  `msgpack:"m"`
	Key  string `msgpack:"k"`
	Step int8   `msgpack:"s"`
}

// CMapIterArg asks for up to Max keys starting with Prefix that sort after
// After ("": from the start).
type CMapIterArg struct {
	Map    uint8  `msgpack:"m"`
	Prefix string `msgpack:"p"`
	After  string `msgpack:"a"`
	Max    int    `msgpack:"n"`
}

// CMapKey is one key of an iteration.
type CMapKey struct {
	Name string `msgpack:"n"`
	Len  int    `msgpack:"l"`
	Type uint8  `msgpack:"t"`
}

// CMapIterResult is the result of OpCMapIter; More: keys follow.
type CMapIterResult struct {
	Keys []CMapKey `msgpack:"k"`
	More bool      `msgpack:"more"`
}

// CMapTrackArg registers tracker ID of the connection (its track handle).
type CMapTrackArg struct {
	Map   uint8  `msgpack:"m"`
	ID    uint64 `msgpack:"id"`
	Key   string `msgpack:"k"`
	Flags int32  `msgpack:"f"`
}

// CMapUntrackArg removes tracker ID of the connection.
type CMapUntrackArg struct {
	ID uint64 `msgpack:"id"`
}

// CMapEvent is one change for tracker Track: Event is 4 (add), 2 (modify)
// or 1 (delete); an unset value has type 0 and no data.
type CMapEvent struct {
	Track uint64    `msgpack:"id"`
	Event int32     `msgpack:"e"`
	Key   string    `msgpack:"k"`
	New   CMapValue `msgpack:"new"`
	Old   CMapValue `msgpack:"old"`
}

// QuorumSvcEvent is libquorum's QUORUM notification: the members of the
// current view in ascending id order.
type QuorumSvcEvent struct {
	Quorate bool     `msgpack:"quorate"`
	Ring    RingID   `msgpack:"ring"`
	Members []uint32 `msgpack:"members"`
}

// QuorumNodesEvent is libquorum's NODELIST notification.
type QuorumNodesEvent struct {
	Ring    RingID   `msgpack:"ring"`
	Members []uint32 `msgpack:"members"`
	Joined  []uint32 `msgpack:"joined"`
	Left    []uint32 `msgpack:"left"`
}

// CfgAddrs are a node's addresses (IP literals), one per link.
type CfgAddrs struct {
	Addrs []string `msgpack:"addrs"`
}

// CfgNodeStatus is corosync_cfg_node_status_v1 for one node: reachable
// (the local node, or heard), and link 0 (its config addr).
type CfgNodeStatus struct {
	NodeID    uint32 `msgpack:"node"`
	Local     bool   `msgpack:"local"`
	Reachable bool   `msgpack:"reachable"`
	SrcAddr   string `msgpack:"src"`
	DstAddr   string `msgpack:"dst"`
}

// CfgLinks is the status of every configured node, by id.
type CfgLinks struct {
	Nodes []CfgNodeStatus `msgpack:"nodes"`
}

// CfgTrackArg starts (On) or stops shutdown tracking on the connection.
type CfgTrackArg struct {
	On bool `msgpack:"on"`
}

// CfgShutdownArg is the argument of OpCfgShutdown (COROSYNC_CFG_SHUTDOWN_FLAG_*).
type CfgShutdownArg struct {
	Flags uint32 `msgpack:"flags"`
}

// CfgReplyArg answers an EvCfgShutdown.
type CfgReplyArg struct {
	Yes bool `msgpack:"yes"`
}

// CfgKillArg is the argument of OpCfgKill.
type CfgKillArg struct {
	Node   uint32 `msgpack:"node"`
	Reason string `msgpack:"reason"`
}

// CfgShutdownEvent asks a tracker about a shutdown with the requester's
// flags.
type CfgShutdownEvent struct {
	Flags uint32 `msgpack:"flags"`
}
