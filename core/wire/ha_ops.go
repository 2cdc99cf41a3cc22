package wire

// HA control and config store operations (served by core/node's HA
// subsystem over the control endpoint; used by capi's confd_ha_*,
// confd_notifications_*, goha_cdb_* and by gohactl).
const (
	OpHAConnect       = "ha.connect"        // HAConnectArg -> -: this connection becomes the HA control connection
	OpHABePrimary     = "ha.beprimary"      // HANameArg -> -
	OpHABeSecondary   = "ha.besecondary"    // HABeSecondaryArg -> -
	OpHABeRelay       = "ha.berelay"        // - -> -
	OpHABeNone        = "ha.benone"         // - -> -
	OpHASecondaryDead = "ha.secondary_dead" // HANameArg -> -
	OpHAStatus        = "ha.status"         // - -> HAStatus (any connection)
	OpHANotify        = "ha.notify"         // HANotifyArg -> - : subscribe to EvHA
	OpHASyncAck       = "ha.sync"           // - -> - : acknowledge the last EvHA (sync subscribers)

	OpCDBGet    = "cdb.get"    // CDBPathArg -> CDBValue
	OpCDBSet    = "cdb.set"    // CDBSetArg -> CDBTxid
	OpCDBDelete = "cdb.delete" // CDBPathArg -> CDBTxid
	OpCDBDump   = "cdb.dump"   // CDBPathArg (a prefix, "" for all) -> CDBEntries
)

// EvHA is the event kind of an HA notification (body HAEvent). It is sent
// only to connections that did OpHANotify, not through topics.
const EvHA = "ha"

// HAConnectArg is the argument of OpHAConnect.
type HAConnectArg struct {
	Token string `msgpack:"token"`
}

// HANameArg names a node (its config name).
type HANameArg struct {
	Name string `msgpack:"name"`
}

// HABeSecondaryArg is the argument of OpHABeSecondary. Host is the
// primary's address as the caller gave it ("" if none): it is used, with
// the local node's HA port, only when the config has no node named Primary.
type HABeSecondaryArg struct {
	Name    string `msgpack:"name"`
	Primary string `msgpack:"primary"`
	Host    string `msgpack:"host,omitempty"`
	Wait    bool   `msgpack:"wait"`
}

// HANode is an HA node: config name and address (host:port).
type HANode struct {
	Name string `msgpack:"name"`
	Addr string `msgpack:"addr,omitempty"`
}

// HAPeer is a secondary (or a relay's sub-secondary) with details.
type HAPeer struct {
	Name   string `msgpack:"name"`
	Addr   string `msgpack:"addr,omitempty"`
	InSync bool   `msgpack:"in_sync"`
	Acked  uint64 `msgpack:"acked"`
	// Required (auto mode): commits wait for this secondary's
	// acknowledgement; Published: the cluster's record lists it in sync
	// (it may become primary).
	Required  bool `msgpack:"required,omitempty"`
	Published bool `msgpack:"published,omitempty"`
}

// HAStatus is the result of OpHAStatus. State is confd_ha_status_state;
// Nodes is confd_ha_status.nodes (primary: its secondaries; secondary: its
// primary; relay: its primary then its sub-secondaries).
type HAStatus struct {
	Name        string   `msgpack:"name"`
	State       int      `msgpack:"state"`
	Nodes       []HANode `msgpack:"nodes"`
	Peers       []HAPeer `msgpack:"peers,omitempty"`
	Initialized bool     `msgpack:"initialized"`
	Txid        uint64   `msgpack:"txid"`
	Mode        string   `msgpack:"mode"`
	ListenAddr  string   `msgpack:"listen,omitempty"`
	Auto        *HAAuto  `msgpack:"auto,omitempty"`
}

// HAAuto is what auto mode adds to HAStatus: the cluster's record as this
// node confirmed it (epoch, primary, secondaries published in sync),
// min_sync, whether this node accepts writes now (and why not), and the
// last local commits a copy from a newer primary discarded.
type HAAuto struct {
	Epoch     uint64    `msgpack:"epoch"`
	Primary   string    `msgpack:"primary"`
	Sync      []string  `msgpack:"sync"`
	MinSync   int       `msgpack:"min_sync"`
	Writable  bool      `msgpack:"writable"`
	Why       string    `msgpack:"why,omitempty"`
	Witness   bool      `msgpack:"witness,omitempty"`
	Discarded [2]uint64 `msgpack:"discarded,omitempty"`
}

// HANotifyArg is the argument of OpHANotify. With Sync, the daemon delivers
// the next HA event to anyone only after this connection acknowledged the
// previous one (OpHASyncAck), as CONFD_NOTIF_HA_INFO_SYNC asks.
type HANotifyArg struct {
	Sync bool `msgpack:"sync"`
}

// HAEvent is the body of EvHA: struct confd_ha_notification. Type is
// confd_ha_info_type; Node is SECONDARY_DIED/ARRIVED's node; Value is
// NOPRIMARY's reason and BESECONDARY_RESULT's result (a Code: CodeHAClosed,
// CodeHANoTick, ...; CodeOK for a successful besecondary), or
// SECONDARY_INITIALIZED's cdb_initialized_by_copy (0/1).
type HAEvent struct {
	Type  int    `msgpack:"type"`
	Node  HANode `msgpack:"node,omitempty"`
	Value int    `msgpack:"value"`
}

// CDBPathArg names a config store path (or a prefix for OpCDBDump).
type CDBPathArg struct {
	Path string `msgpack:"path"`
}

// CDBSetArg is the argument of OpCDBSet: Value is the store's canonical
// value encoding (core/store Value.Encode).
type CDBSetArg struct {
	Path  string `msgpack:"path"`
	Value []byte `msgpack:"value"`
}

// CDBValue is the result of OpCDBGet: the canonical encoding and its text.
type CDBValue struct {
	Value []byte `msgpack:"value"`
	Text  string `msgpack:"text"`
}

// CDBTxid is the result of a write: the transaction id it committed as.
type CDBTxid struct {
	Txid uint64 `msgpack:"txid"`
}

// CDBEntry is one entry of OpCDBDump.
type CDBEntry struct {
	Path  string `msgpack:"path"`
	Value []byte `msgpack:"value"`
}

// CDBEntries is the result of OpCDBDump (bounded by MaxFrame).
type CDBEntries struct {
	Txid    uint64     `msgpack:"txid"`
	Entries []CDBEntry `msgpack:"entries"`
}
