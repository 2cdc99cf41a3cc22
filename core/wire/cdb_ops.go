package wire

// Config store change subscriptions and ConfD CDB calls (served by
// core/node's cdb service; used by capi's goha_cdb_subscribe and cdb_*,
// by gohactl cdb watch and by the Python package).
const (
	// OpCDBWatch makes the connection a change subscription: after the
	// reply the daemon pushes one EvCDBChange per committed transaction
	// with changes under Prefix, in txid order, each once the commit is
	// durable on that node.
	OpCDBWatch = "cdb.watch" // CDBWatchArg -> CDBWatchResult

	OpCDBExists  = "cdb.exists"   // CDBPathArg -> CDBBool
	OpCDBSetText = "cdb.set_text" // CDBSetTextArg -> CDBTxid (cdb_set_elem2: parsed as the leaf's type)

	// ConfD subscription sockets: points, activation, then EvCDBSub
	// notifications, each answered by OpCDBSync after any OpCDBDiff.
	OpCDBSubscribe = "cdb.subscribe"      // CDBSubscribeArg -> CDBPoint
	OpCDBSubDone   = "cdb.subscribe_done" // - -> -
	OpCDBDiff      = "cdb.diff"           // CDBDiffArg -> CDBDiff
	OpCDBSync      = "cdb.sync"           // CDBSyncArg -> - (replied before the next EvCDBSub)
)

// Event kinds of the config store.
const (
	EvCDBChange = "cdb.change" // CDBChangeEvent
	EvCDBSub    = "cdb.sub"    // CDBSubEvent
)

// CDBWatchArg is the argument of OpCDBWatch. Prefix is a byte prefix of
// store paths ("" for all). With Resume the subscription starts after
// transaction After (what the subscriber saw last) and replays what it
// missed; without, at the current transaction.
type CDBWatchArg struct {
	Prefix string `msgpack:"prefix"`
	Resume bool   `msgpack:"resume,omitempty"`
	After  uint64 `msgpack:"after,omitempty"`
}

// CDBWatchResult is the reply to OpCDBWatch: the txid the subscription
// starts after (events follow with higher ones, except after a Reset).
type CDBWatchResult struct {
	Txid uint64 `msgpack:"txid"`
}

// CDBChange is one path's change: Old and New are canonical value
// encodings, empty when the path had or has no value.
type CDBChange struct {
	Path string `msgpack:"path"`
	Old  []byte `msgpack:"old,omitempty"`
	New  []byte `msgpack:"new,omitempty"`
}

// CDBChangeEvent is the body of EvCDBChange: one transaction, or a full
// copy installed from the HA primary (Reset), or a notice that what
// changed since the subscriber's position is not known (Resync: re-read
// everything under the prefix; Changes is then empty). A Reset that is
// not Complete is such a notice too. A Reset's Discarded, when not zero,
// are the txids [from, to] (to = Prev) of transactions the node had
// delivered and the copy withdrew (never acknowledged; store.ChangeSet).
type CDBChangeEvent struct {
	Txid      uint64      `msgpack:"txid"`
	Prev      uint64      `msgpack:"prev"`
	Reset     bool        `msgpack:"reset,omitempty"`
	Complete  bool        `msgpack:"complete"`
	Resync    bool        `msgpack:"resync,omitempty"`
	Discarded [2]uint64   `msgpack:"discarded"`
	Changes   []CDBChange `msgpack:"changes"`
}

// CDBBool is a yes/no result.
type CDBBool struct {
	Yes bool `msgpack:"yes"`
}

// CDBSetTextArg is the argument of OpCDBSetText.
type CDBSetTextArg struct {
	Path string `msgpack:"path"`
	Text string `msgpack:"text"`
}

// CDBSubscribeArg is the argument of OpCDBSubscribe: a keypath pattern
// (core/cdb) and its priority.
type CDBSubscribeArg struct {
	Priority int    `msgpack:"prio"`
	Path     string `msgpack:"path"`
}

// CDBPoint is the id of a subscription point.
type CDBPoint struct {
	ID int `msgpack:"id"`
}

// CDBSubEvent is the body of EvCDBSub: the socket's points that fired at
// one priority (CDB_SUB_FLAG_* in Flags).
type CDBSubEvent struct {
	Points []int  `msgpack:"points"`
	Flags  int    `msgpack:"flags"`
	Txid   uint64 `msgpack:"txid"`
}

// CDBDiffArg is the argument of OpCDBDiff.
type CDBDiffArg struct {
	Point int `msgpack:"point"`
	Flags int `msgpack:"flags"`
}

// CDBDiffNode is one node of a diff walk (core/cdb.DiffNode).
type CDBDiffNode struct {
	Depth int    `msgpack:"d"`
	Path  string `msgpack:"p"`
	Op    int    `msgpack:"op"`
	Old   []byte `msgpack:"old,omitempty"`
	New   []byte `msgpack:"new,omitempty"`
}

// CDBDiff is the result of OpCDBDiff, in walk order.
type CDBDiff struct {
	Nodes []CDBDiffNode `msgpack:"nodes"`
}

// CDBSyncArg is the argument of OpCDBSync (enum
// cdb_subscription_sync_type).
type CDBSyncArg struct {
	Type int `msgpack:"type"`
}
