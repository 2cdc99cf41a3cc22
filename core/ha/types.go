package ha

import (
	"fmt"
	"io"
)

// ProtocolVersion is the HA protocol version carried in every hello. A peer
// with another version is refused with CONFD_ERR_HA_BADVSN, before any
// store data is exchanged.
//
// Versions: 1, the first; 2, full copies are store snapshot streams of
// version 2 (each entry carries its hash; see core/store), which a
// version 1 peer would misread; 3, the handshake is keyed by the cluster
// key as well as the token, and every frame after it is sealed (see
// Authentication in the package doc).
const ProtocolVersion = 3

// Role is the HA state of a node; the numbers are confd_ha_status_state.
type Role int

// Roles.
const (
	RoleNone      Role = 1 // CONFD_HA_STATE_NONE
	RoleSecondary Role = 2 // CONFD_HA_STATE_SECONDARY
	RolePrimary   Role = 3 // CONFD_HA_STATE_PRIMARY
	RoleRelay     Role = 4 // CONFD_HA_STATE_SECONDARY_RELAY
)

func (r Role) String() string {
	switch r {
	case RoleNone:
		return "none"
	case RoleSecondary:
		return "secondary"
	case RolePrimary:
		return "primary"
	case RoleRelay:
		return "relay"
	}
	return fmt.Sprintf("role(%d)", int(r))
}

// Mode is the replication mode, config key [ha] replication.
type Mode int

// Replication modes.
const (
	// Sync acknowledges a commit only after every in-sync secondary (and,
	// through relays, every in-sync sub-secondary) has persisted it.
	Sync Mode = iota
	// Async acknowledges a commit as soon as it is committed locally.
	Async
)

// ParseMode maps "sync" / "async" (config file) to a Mode.
func ParseMode(s string) (Mode, error) {
	switch s {
	case "sync", "":
		return Sync, nil
	case "async":
		return Async, nil
	}
	return Sync, fmt.Errorf("ha: replication must be \"sync\" or \"async\", not %q", s)
}

func (m Mode) String() string {
	if m == Async {
		return "async"
	}
	return "sync"
}

// Config configures a Node.
type Config struct {
	// Name is this node's HA node id (its config name).
	Name string
	// Key is the HA cluster key, ClusterKey(authkey, cluster name), at
	// least MinKeyLen bytes. Every handshake value depends on it.
	Key []byte
	// Token is the shared HA token; it is only ever mixed into Key (an
	// HMAC key). Empty means none: Key alone authenticates.
	Token []byte
	// SchemaID identifies the data model (ConfD's fxs set); peers with a
	// different one are refused with CONFD_ERR_HA_BADFXS.
	SchemaID string
	// Mode is the replication mode.
	Mode Mode
	// DeadTicks is how many tick intervals a peer may stay silent before it
	// is declared dead (3 if 0; negative disables detection, like PT0S).
	DeadTicks int
	// Txid and Digest are the local store's state at start.
	Txid   uint64
	Digest []byte
	// Entropy supplies the challenge nonces (crypto/rand in the daemon, a
	// seeded source in the simulator).
	Entropy io.Reader
	// Version overrides ProtocolVersion in our hellos (tests of version
	// negotiation only; 0 means ProtocolVersion).
	Version uint32
	// Logf, if set, receives one line per role transition and per refused peer.
	Logf func(format string, args ...any)
	// Abuse, if set, receives instead the lines about connections that
	// have not authenticated (anyone who reaches the HA port can cause
	// them), with a kind per sort of line, so that the runtime can
	// rate-limit them.
	Abuse func(kind, format string, args ...any)
	// Auto selects auto mode (see "Auto mode" in the package doc): roles
	// come from core/node/engine, a commit waits for the named required
	// secondaries (SetRequired), and streams carry the epoch.
	Auto bool
	// Epoch and History are the local store's epoch and epoch history
	// (pairs epoch, start txid), as persisted by the daemon (auto mode).
	Epoch   uint64
	History []uint64
}

// MsgType is the kind of a Message.
type MsgType uint8

// Message types. The first group travels between nodes; the second is
// stepped by the runtime to report what happened to connections and disk.
const (
	MsgHello     MsgType = 1  // S->P: Vsn, From (S), To (expected P), Nonce
	MsgChallenge MsgType = 2  // P->S: Vsn, From (P), Nonce, MAC (P proves the token)
	MsgAuth      MsgType = 3  // S->P: MAC (S proves the token), Schema, Txid, Digest
	MsgReject    MsgType = 4  // either way: Code, Reason; the sender then closes
	MsgSyncSkip  MsgType = 5  // P->S: same Txid and Digest, no copy needed
	MsgSnapshot  MsgType = 6  // P->S: a full copy follows (data carried by the runtime)
	MsgSyncDone  MsgType = 7  // S->P: copy installed at Txid
	MsgCommit    MsgType = 8  // P->S: Txid, Digest after it, Data (encoded store.Commit)
	MsgAck       MsgType = 9  // S->P: everything up to Txid is persisted (and, in sync mode on a relay, on its in-sync sub-secondaries)
	MsgTick      MsgType = 10 // either way, every tick

	MsgConnected   MsgType = 32 // runtime: the dial for Conn succeeded
	MsgAccepted    MsgType = 33 // runtime: incoming connection Conn from Addr
	MsgClosed      MsgType = 34 // runtime: Conn failed or closed (Reason; Code, if set, is the failure to report)
	MsgApplyFailed MsgType = 35 // runtime: an Apply failed; Txid/Digest = the store's state now
	MsgAlive       MsgType = 36 // runtime: bytes of a long transfer (a full copy) are arriving on Conn
)

var msgNames = map[MsgType]string{
	MsgHello: "hello", MsgChallenge: "challenge", MsgAuth: "auth", MsgReject: "reject",
	MsgSyncSkip: "sync-skip", MsgSnapshot: "snapshot", MsgSyncDone: "sync-done", MsgCommit: "commit",
	MsgAck: "ack", MsgTick: "tick", MsgConnected: "connected",
	MsgAccepted: "accepted", MsgClosed: "closed", MsgApplyFailed: "apply-failed", MsgAlive: "alive",
}

func (t MsgType) String() string {
	if s, ok := msgNames[t]; ok {
		return s
	}
	return fmt.Sprintf("msg(%d)", int(t))
}

// IsLocal reports whether t is reported by the runtime rather than sent by a peer.
func (t MsgType) IsLocal() bool { return t >= MsgConnected }

// Message is a protocol message. Conn is the local connection id: the
// destination on send, the source on receive; it never travels. Seq numbers
// the messages of one direction of one connection from 1, so that a
// duplicate is ignored and a gap (loss, reordering) closes the connection.
type Message struct {
	Type   MsgType `msgpack:"t"`
	Conn   uint64  `msgpack:"-"`
	Seq    uint64  `msgpack:"q,omitempty"`
	Vsn    uint32  `msgpack:"v,omitempty"`
	From   string  `msgpack:"f,omitempty"`
	To     string  `msgpack:"o,omitempty"`
	Schema string  `msgpack:"s,omitempty"`
	Nonce  []byte  `msgpack:"n,omitempty"`
	MAC    []byte  `msgpack:"m,omitempty"`
	Code   Code    `msgpack:"c,omitempty"`
	Reason string  `msgpack:"r,omitempty"`
	Txid   uint64  `msgpack:"x,omitempty"`
	Digest []byte  `msgpack:"d,omitempty"`
	Data   []byte  `msgpack:"a,omitempty"`
	// Epoch (auto mode): the primary's epoch, on sync-skip, snapshot and
	// commit; History its epoch history (sync-skip, snapshot).
	Epoch   uint64   `msgpack:"e,omitempty"`
	History []uint64 `msgpack:"h,omitempty"`
	Addr    string   `msgpack:"-"` // MsgAccepted: the peer's address
}

// Dial asks the runtime to open a TCP connection to Addr for Conn, then to
// step MsgConnected or MsgClosed for it.
type Dial struct {
	Conn uint64
	Name string // the node expected at Addr
	Addr string
}

// ApplyKind says what an Apply persists.
type ApplyKind int

// Apply kinds.
const (
	ApplyCommit   ApplyKind = 1 // apply the encoded commit in Data (store.ApplyEncoded)
	ApplySnapshot ApplyKind = 2 // activate the snapshot staged from connection Conn
)

// ConnKeys are session keys to install on connection Conn (see Ready). A
// nil Send or Recv leaves that direction as it is.
type ConnKeys struct {
	Conn uint64
	SessionKeys
}

// Apply is one thing to persist, in order, before sending Ready.Messages.
type Apply struct {
	Kind   ApplyKind
	Conn   uint64
	Txid   uint64
	Digest []byte
	Data   []byte
	// Discarded (ApplySnapshot, auto mode): the local txids [from, to]
	// the copy discards (never acknowledged, not in the primary's
	// history), zero if none; for the store's change feed.
	Discarded [2]uint64
}

// EventType is the HA notification type; numbers are confd_ha_info_type.
type EventType int

// HA notifications (CONFD_HA_INFO_*).
const (
	EventNoPrimary            EventType = 1
	EventSecondaryDied        EventType = 2
	EventSecondaryArrived     EventType = 3
	EventSecondaryInitialized EventType = 4
	EventIsPrimary            EventType = 5
	EventIsNone               EventType = 6
	EventBeSecondaryResult    EventType = 7
)

var eventNames = map[EventType]string{
	EventNoPrimary: "NOPRIMARY", EventSecondaryDied: "SECONDARY_DIED", EventSecondaryArrived: "SECONDARY_ARRIVED",
	EventSecondaryInitialized: "SECONDARY_INITIALIZED", EventIsPrimary: "IS_PRIMARY", EventIsNone: "IS_NONE",
	EventBeSecondaryResult: "BESECONDARY_RESULT",
}

func (t EventType) String() string {
	if s, ok := eventNames[t]; ok {
		return s
	}
	return fmt.Sprintf("event(%d)", int(t))
}

// NodeInfo names an HA node: its config name and the address it was
// reached at (host:port).
type NodeInfo struct {
	Name string
	Addr string
}

// Event is an HA notification with exactly the data of
// struct confd_ha_notification.
type Event struct {
	Type EventType
	// Code: NOPRIMARY's reason (CodeHAClosed or CodeHANoTick);
	// BESECONDARY_RESULT's result (0 or the failure's code).
	Code Code
	// Node: SECONDARY_DIED and SECONDARY_ARRIVED.
	Node NodeInfo
	// ByCopy: SECONDARY_INITIALIZED's cdb_initialized_by_copy.
	ByCopy bool
}

func (e Event) String() string {
	switch e.Type {
	case EventNoPrimary, EventBeSecondaryResult:
		return fmt.Sprintf("%s code=%d", e.Type, e.Code)
	case EventSecondaryDied, EventSecondaryArrived:
		return fmt.Sprintf("%s %s", e.Type, e.Node.Name)
	case EventSecondaryInitialized:
		return fmt.Sprintf("%s by_copy=%v", e.Type, e.ByCopy)
	}
	return e.Type.String()
}

// Result is the outcome of a BeSecondary command (Seq as returned by
// BeSecondary): Code 0 once the secondary is initialized, else the error code.
type Result struct {
	Seq  uint64
	Code Code
}

// PeerStatus is a detail of Status for tools and tests.
type PeerStatus struct {
	NodeInfo
	InSync bool   // initial sync done and caught up: holds every acknowledged commit
	Acked  uint64 // highest txid it acknowledged
	// Lagging (auto mode): it lacks more commits than the allowed lag, so
	// commits wait for it.
	Lagging bool
}

// Status is what confd_ha_get_status reports, plus details.
type Status struct {
	// Name is the node's HA id (SetName; the config name until then).
	Name string
	Role Role
	// Nodes: primary: its secondaries; secondary: [its primary]; relay: its
	// primary, then its sub-secondaries; none: empty.
	Nodes []NodeInfo
	// Peers: the secondaries (or a relay's sub-secondaries) with details.
	Peers []PeerStatus
	// Initialized: a secondary or relay has finished its initial sync.
	Initialized bool
	Txid        uint64
	// Auto mode: the store's epoch and history, the required secondaries
	// and the last discard (local commits a copy from a primary of a newer
	// epoch replaced: Discarded = [from, to] txids, 0 0 when none).
	Epoch     uint64
	History   []uint64
	Required  []string
	Discarded [2]uint64
}

// Ready is a batch of work for the runtime, taken with Node.Ready and
// returned with Node.Advance once handled (the contract of core/membership's
// Ready, see DESIGN.md: the state machine does not forget output until the
// runtime says it carried it out). Handle the fields in this order:
//
//  0. Role: make the store read-only if it is RoleSecondary or RoleRelay,
//     writable otherwise.
//  1. Dials: start connecting; report MsgConnected or MsgClosed later.
//     Keys: install them on their connections. From then on every frame
//     sent on it is sealed with Send (this batch's Messages included), and
//     every frame received must be sealed with Recv: a plain frame is
//     accepted only if it is a MsgReject and no sealed frame came before
//     it; anything else, or a frame whose seal does not verify, closes the
//     connection.
//  2. Apply: persist each, in order. If one fails, stop: do not send this
//     batch's Messages, do the rest, then step MsgApplyFailed with the
//     store's actual Txid and Digest.
//  3. Messages: send, in order. Sending a MsgSnapshot means: stream a full
//     copy of the store, as it is at this moment, in place of the message,
//     and set its real Txid and Digest.
//  4. Close: close these connections after flushing their messages.
//  5. Acked, Aborted, Events, Results: publish.
type Ready struct {
	Role     Role
	Dials    []Dial
	Keys     []ConnKeys
	Apply    []Apply
	Messages []Message
	Close    []uint64
	// Acked: local commits (txids) now acknowledged to clients.
	Acked []uint64
	// Aborted: local commits that will never be acknowledged because the
	// role changed (CONFD_ERR_HA_ABORT); they are committed locally.
	Aborted []uint64
	Events  []Event
	Results []Result
}

// Empty reports whether the batch holds no work.
func (rd *Ready) Empty() bool {
	return len(rd.Dials) == 0 && len(rd.Keys) == 0 && len(rd.Apply) == 0 && len(rd.Messages) == 0 && len(rd.Close) == 0 &&
		len(rd.Acked) == 0 && len(rd.Aborted) == 0 && len(rd.Events) == 0 && len(rd.Results) == 0
}
