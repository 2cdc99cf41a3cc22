// Package node is the gohad runtime: it drives the pure membership state
// machine (package membership) with a real clock, UDP sockets, a bbolt
// file and the control server. It decides nothing itself; all membership,
// quorum and CMM decisions are made in package membership.
//
// # The loop
//
// One goroutine (Node.loop) owns the state machine. Other goroutines only
// read sockets and hand the loop what they read:
//
//  1. Wait for the next input: the ticker, a membership message other
//     than a heartbeat, a control request, or shutdown; then take every
//     message waiting. While membership is steady (no view change under
//     way) the loop reads the socket itself at each pass; otherwise the
//     reader goroutine reads each datagram as it comes and leaves it in
//     the inbox, where heartbeats wait for the loop's next pass (a newer
//     one replaces a waiting one) and other messages wake the loop. So an
//     idle node wakes once a tick, not once per datagram, and a view
//     change takes at most one tick more (its first message) than before
//     (transport.go, "Reading the socket").
//  2. Call membership's StepBatch with the clock (tick periods since the
//     loop started; after a stall such as SIGSTOP, all of them elapsed)
//     and the datagrams, each stamped with the tick at which the reader
//     goroutine took it off the socket. The reader (transport.go) has
//     already opened each datagram (wire.PeerCodec: MAC or AES-GCM tag,
//     keys derived from authkey and cluster name, crypto_cipher), checked
//     the domain id, the sender id and its freshness (wire.PeerSessions: a
//     session it has not verified is challenged, and only its owner can
//     answer; the reader also answers the challenges of its peers), and
//     decoded the membership.Message (its sender must match the
//     datagram's).
//     StepBatch handles them in order of arrival, after the ticks that
//     fell due before each, so timeouts and the master lease expire in
//     real time while peers are judged by when they were heard; a late
//     pass handles a backlog in one go, newest heartbeat per peer only.
//  3. Control request: answer it from the state machine, now current
//     (queries), or call its admin operation (setexpected, setvotes,
//     qdevice, mastership release, remove, qualification); queue the reply
//     on the client.
//  4. Flush every Ready (after step 2, and again after step 3), in the
//     order its contract demands: write Persist to bbolt (fsync) before
//     anything else; send Messages, each in its own authenticated
//     datagram with the next sequence number of this process's session;
//     publish Events to the subscribed clients in order; Advance.
//  5. If the view, its roles or quorum changed, publish an EvView.
//  6. On shutdown: Leave, flush (peers drop the node at once), close the
//     control server, the socket and the database.
//
// # Time
//
// The tick is heartbeat/10, at least MinTick (5ms). Durations from the
// config become tick counts: heartbeat and failure_timeout, the
// last_man_standing window, and votequorum's 10 s quorum-device timeout.
//
// # Persistence
//
// StateFile (goha.db in the data directory) is a bbolt database; bucket
// BucketNode key "membership" holds membership.PersistentState as msgpack
// (incarnation, ring sequence, qualification, synchronisation flag). The
// config store (core/store) keeps its data in its own bbolt file beside it,
// goha.cdb, so that an HA initial sync can install a received copy by an
// atomic rename; store.Open(Node.DB()) finds that file and moves a store an
// older version kept in goha.db's buckets. A second gohad on the same
// directory fails at start.
//
// # Control server
//
// The ipc endpoint is a unix socket (mode 0660 and ipc_group from the
// moment it exists, a stale file replaced) or a loopback TCP address; who
// may connect (ipc_allow_uids/gids checked with SO_PEERCRED, the
// ipc_access_file challenge) is described in access.go. Each client has a
// reader goroutine, which hands requests to the loop, and a writer
// goroutine, which drains a bounded queue (MaxBacklogFrames,
// MaxBacklogBytes). The loop only ever appends to that queue, so a slow or
// stopped client cannot block the daemon or other clients; a client over
// the limit, or one whose writes time out (ControlIOTimeout), is
// disconnected: it sees a closed connection, never a gap in its event
// sequence. Both goroutines read and write the socket with raw system
// calls and wait in the network poller only when it is not ready
// (rawio.go says why: request latency). A malformed or oversized frame
// drops that connection with one (rate-limited) log line. What an unauthenticated or greedy client may
// cost (connections before the hello, per-user quotas, frame deadlines, a
// shared budget for large frames) is in limits.go; the budget is a
// golang.org/x/sync/semaphore.Weighted, the well-kept weighted semaphore
// with a context-bounded Acquire that this needs, rather than a
// hand-written one.
//
// # The votequorum info page
//
// A same-CPU round trip over a unix socket costs about as much as
// corosync's whole votequorum_getinfo, so the node also publishes every
// node's votequorum info in a sealed memfd (wire.VQShm) that clients map
// read-only after asking for it with vq.shm (SCM_RIGHTS). Ordering rule:
// the loop rewrites the page after every state change before it queues
// any reply or event that follows from the change (publishVQ at the start
// of flush, and in handle before the reply), so neither a client's own
// write nor an event it has seen can be newer than what it then reads.
// The page carries a validity deadline renewed at every loop pass (1.5
// ticks), so a stalled loop is not answered for beyond that; libgoha
// adds its own bound (a read must follow a completed round trip by at
// most 0.5 ms) so that a stopped or killed daemon is noticed at once.
//
// The same publication, and the CMM answers the loop rebuilds when the
// view, a member's CMM flags or an incarnation changed (publishCMM, at the
// same points), let reader goroutines answer vq.getinfo, ping,
// cmm.nodeid, cmm.member, cmm.members, cmm.master and cmm.vicemaster
// themselves, writing the reply directly when nothing is queued
// (fast.go): only successful answers (errors come from the loop), only
// while the loop is within its validity window, only when no earlier
// request of the connection is still with the loop (replies keep request
// order) and only on connections without event topics (a reply never
// overtakes an event it follows from). The control envelope and these
// requests' bodies are encoded and decoded without reflection
// (wire/msgcodec.go).
//
// # Operations and their codes
//
// The op table (ops.go) is the one list of control operations: the loop
// dispatches every request through it, and an op missing from it is
// CodeUnknownOp. An entry says how the op is served: call (answered at
// once on the loop; the info page is republished before the reply),
// async (the handler replies exactly once, possibly later from another
// goroutine: HA role orders and config store commits), or raw (the handler
// queues its own reply: vq.shm passes a descriptor). Adding an op is one
// entry there plus its handler, its name and types in core/wire, and a
// line in this table:
//
//	op                      codes besides CodeOK
//	vq.getinfo              NotExist (unknown node)
//	vq.shm                  NotSupported (TCP endpoint, no page)
//	vq.setexpected          Invalid
//	vq.setvotes             NameNotFound (unknown node), Invalid
//	vq.qdevice.register     Invalid (name), Exist (other name), Access, TryAgain
//	vq.qdevice.unregister   Invalid (name), NotExist (none registered)
//	vq.qdevice.update       Invalid, NotExist
//	vq.qdevice.poll         Invalid, NotExist, RingMismatch, Access
//	vq.qdevice.masterwins   Invalid, NotExist, Access
//	cmm.member              NotExist (not configured), NotMember (out), NoCluster
//	cmm.members             NoCluster (unless all)
//	cmm.master              NoCluster (no master)
//	cmm.vicemaster          NoCluster, NotExist (no vice-master)
//	cmm.release             Perm (not master), Canceled (no candidate)
//	cmm.remove              Canceled (master without successor), Perm (already removed)
//	cmm.setqualif           Perm (not master), Invalid (not eligible, bad level), NotExist
//	cmm.seizequalif         Perm (a master exists, not eligible)
//	config.reload           Perm (not master), Invalid (bad file), NotSupported (changed node table)
//	ha.switchover           NoCluster (no master), Canceled (no candidate), NotExist (unknown node)
//	ha.forceprimary         NotSupported (external mode), Invalid (no --allow-data-loss), Perm (a master exists), NoCluster
//	ha.*, cdb.*             NoValue, NotWritable, BadValue, BadPath, BadState, Usage,
//	                        Unavailable (auto mode: too few in-sync secondaries),
//	                        HA* (see "HA and the config store")
//	quorum.getquorate       -
//	cmap.get                NotExist (key, map), NameTooLong (>= 256 bytes)
//	cmap.set, cmap.delete,  Access (read-only, stats map), NotSupported (corosync
//	cmap.adjust               applies it live, goha cannot), Invalid (type, length,
//	                          value, quorum rules), NameTooLong, NotExist, NoSpace
//	cmap.iter               NotExist (map), NameTooLong
//	cmap.track, untrack     Invalid (flags), NotSupported (stats map), NotExist, NoSpace
//	cfg.nodeaddrs, cfg.nodestatus  NotExist (not configured)
//	cfg.track, cfg.links    -
//	cfg.shutdown            Busy (refused or unanswered), Exist (one pending), Invalid
//	cfg.reply               Access (no shutdown pending)
//	cfg.kill                NotExist (not a member of the view)
//	cfg.reload              Invalid (bad file, refused), NotSupported (needs a restart)
//	any                     UnknownOp, BadRequest (undecodable arguments)
//
// # Events
//
// Membership events map one to one: EventViewInstalled -> EvNodeList,
// EventExpectedVotes -> EvExpected, EventQuorum -> EvQuorum (TopicQuorum),
// EventCMM -> EvCMM (TopicCMM). EvView (TopicView) is derived from Status
// after each flush. A subscription's snapshot of TopicQuorum is EvNodeList
// then EvQuorum, as votequorum_trackstart delivers them.
//
// The corosync services (corosync.go, on core/corosync) derive theirs:
// EventViewInstalled -> EvQuorumNodes (members, joined, left) and
// EventQuorum -> EvQuorumSvc on TopicQuorumSvc (snapshot: both); cmap
// changes -> EvCMap to each tracker's connection; a try_shutdown ->
// EvCfgShutdown to each cfg tracker's connection. An agreed shutdown ends
// Run with the clean leave (nil), EventKilled (corosync_cfg_kill_node) ends
// it at once with ErrKilled.
//
// # Auto mode ([ha] mode = "auto")
//
// The decisions and the Ready handling live in core/node/engine (the node
// loop's CatchUp and Flush are the engine's), which core/sim runs too. To
// drive a cluster in auto mode, set [ha] mode = "auto" (and optionally
// min_sync, max_lag, a witness node, [fencing] watchdog) in every node's
// config and start the nodes: the CMM master of the quorate view becomes
// the HA primary, the other data nodes its secondaries. Write with gohactl
// cdb set (or goha_cdb_set) on the primary; "gohactl ha status" shows the
// mode, epoch, primary, and each secondary with its in-sync state and lag;
// "gohactl switchover [NODE]" hands the primary role to an in-sync
// secondary; "gohactl ha force-primary NODE --allow-data-loss" is the
// operator's override when no node holding every acknowledged commit can
// come back. The confd_ha_be* calls and secondary_dead fail with
// CONFD_ERR_BADSTATE there (the roles are not the application's to set);
// confd_ha_get_status and the HA notifications report what the automation
// chose. A witness node (witness = true) runs membership only: it opens no
// config store and no HA runtime.
//
// # HA and the config store
//
// Start opens the config store (core/store) in the same bbolt file and
// starts an HA runtime (core/ha/hanet) on it in role none; it listens on
// the node's ha_addr only while primary or relay. ha.go serves it over the
// control endpoint: OpHAConnect makes a connection the node's one HA
// control connection (a newer one closes the older, and its token replaces
// the runtime's), role orders (OpHABePrimary, OpHABeSecondary, OpHABeRelay,
// OpHABeNone, OpHASecondaryDead) are taken only from that connection,
// OpHAStatus and the store ops (OpCDBGet/Set/Delete/Dump) from any. Every
// such op runs on its own goroutine and replies when done (a waiting
// besecondary, a sync-mode commit), so the loop never waits. Failures map to
// reply codes by the tables of codes.go: the runtime's *ha.Error codes to
// wire.CodeHA*, the store's and core/cdb's sentinel errors to CodeNoValue,
// CodeNotWritable, CodeBadValue, CodeBadPath, CodeBadState, CodeUsage (and
// libgoha maps those to confd_errno).
//
// Change subscriptions (cdbsub.go) serve the store's change feed
// (core/store, EnableFeed at start): OpCDBWatch makes a connection a
// watch, which one goroutine per watch feeds with EvCDBChange events from
// the feed, on the connection's bounded queue (a watcher that stops
// reading is disconnected and resumes by txid; it never holds a commit).
// A watch reports a commit once it is durable on its node, before it is
// acknowledged (on a secondary it cannot know more), so it may report one
// that is never acknowledged: the primary died before every secondary had
// it. In auto mode, the copy that later replaces it is a Reset naming
// those txids (Discarded), which withdraws them; in external mode the
// node cannot tell (ConfD's frameworks promote the most advanced
// secondary, which leaves the others nothing to discard, but the old
// primary's last commits are undone by its Reset without being named).
// The ConfD subscription ops (OpCDBSubscribe, OpCDBSubDone, OpCDBDiff,
// OpCDBSync) are core/cdb's Dispatcher over the same feed; the replies to
// subscribe_done and sync are queued before the next EvCDBSub, and the
// store ops that commit (set, delete, set_text) reply only once the
// dispatcher delivered the commit (cdbService.wait), so a commit's writer
// waits for its ConfD subscribers' syncs, each bounded by
// cdb.DefaultTimeout. OpCDBExists and OpCDBSetText serve confd_cdb.h.
//
// HA events go, as EvHA, to the connections that asked with OpHANotify
// (not through topics: the C API reads them from its own socket). With
// Sync (CONFD_NOTIF_HA_INFO_SYNC) the next event is held back from everyone
// until each sync subscriber acknowledged (OpHASyncAck) or closed; one that
// stays silent for SyncAckTimeout is disconnected. The reply to OpHANotify
// and to OpHASyncAck is queued under the same lock as events, so it always
// precedes the event it releases.
package node
