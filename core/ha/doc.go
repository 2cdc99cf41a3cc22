// Package ha is goha's ConfD-style HA replication core: the role state
// machine and the replication protocol of one node, as a pure state machine
// in the manner of etcd's raft RawNode. It owns no goroutines, clocks,
// sockets, disks or randomness: the runtime (core/ha/hanet over TCP,
// core/ha/hamem in memory, the daemon core/node through hanet) feeds it
// commands, ticks and messages, and carries out the Ready batches it
// produces.
//
// # Roles
//
// As in ConfD an external framework (HAFW) decides roles; ha never elects.
// Every node starts in RoleNone (writable, no replication). BePrimary makes
// it accept secondaries; BeSecondary(primary, addr, wait) makes it dial the
// named primary and sync from it (read-only from then on); BeRelay makes a
// secondary also serve sub-secondaries; BeNone leaves HA; SecondaryDead
// drops a secondary. Role numbers are confd_ha_status_state values.
//
// # The daemon loop
//
//  1. Wait for input: a command from the HA control connection, an
//     accepted or dialed connection, a message read from a connection, the
//     tick timer (every tick_timeout), or a local commit by a client.
//  2. Feed it in: the command method; Step(MsgAccepted / MsgConnected /
//     MsgClosed / a peer message); Tick(); or, after committing the
//     client's transaction to the store, Propose(txid, digest, encoding).
//  3. While HasReady: take Ready() and handle it in the documented order:
//     set the store read-only per Role; start Dials; persist Apply entries
//     (commits, snapshot activation) in order; then send Messages (a
//     MsgSnapshot is replaced by a snapshot stream of the store as it is at
//     that moment); close Close; publish Events and Results; answer clients
//     whose txids are in Acked, fail those in Aborted with
//     CONFD_ERR_HA_ABORT.
//
// Receiving a full copy is the runtime's job too: when a MsgSnapshot
// arrives on a connection for which ExpectsSnapshot is true, it stages the
// stream that follows (store.Stage verifies it), steps MsgAlive while a
// long copy is arriving, then steps the MsgSnapshot with the staged copy's
// Txid and Digest; the node answers with an ApplySnapshot naming that
// connection. A copy that fails verification is never stepped: the runtime
// closes the connection instead.
//
// Persisting before sending is what makes an acknowledgement mean
// "durable": a secondary's MsgAck for a commit is in the same Ready as the
// Apply of that commit.
//
// # Protocol (version ProtocolVersion)
//
// Messages travel on one TCP connection per secondary, dialed by the
// secondary. Each carries a per-direction sequence number: a duplicate is
// ignored and a gap (loss, reordering) closes the connection, so the
// protocol may assume an ordered, lossless stream.
//
//	S -> P  hello      {vsn, from=S, to=P as S expects, nonceS}
//	P -> S  challenge  {vsn, from=P, nonceP, macP}         or reject BADVSN
//	S -> P  auth       {macS, schema, txid, digest}        (S checks vsn -> BADVSN,
//	                                                         from -> BADNAME, macP -> BADTOKEN)
//	P -> S  sync-skip  {txid, digest}                       or reject BADTOKEN / BADFXS
//	   or   snapshot   {txid, digest} + the store stream
//	S -> P  sync-done  {txid}                               (after installing a copy)
//	P -> S  commit     {txid, digest after it, data}        for every later commit
//	S -> P  ack        {txid}                               cumulative, after persisting
//	both    tick                                            every tick
//	both    reject     {code, reason}                       then close
//
// macP = HMAC-SHA256(token, "P", nonceS, nonceP, S, P) and macS likewise with
// "S": each side proves it knows the token without sending it, and a fresh
// nonce from each side prevents replay. A token mismatch is detected by the
// secondary from macP (CONFD_ERR_HA_BADTOKEN, reported back in a reject so
// the primary logs "connected with a bad auth token"); a secondary that
// fails macS is refused by the primary the same way. The schema id
// comparison (CONFD_ERR_HA_BADFXS) happens only after authentication.
//
// Initial sync: if the secondary's (txid, digest) equals the primary's, the
// copy is skipped (SECONDARY_INITIALIZED with by_copy 0); otherwise the
// primary streams a consistent snapshot (by_copy 1). The digest
// (core/store) makes "same txid, other content" (a node written to while
// in none) a copy, not a skip. The secondary ignores commits its copy
// already contains and treats any other gap as an error.
//
// Replication: in Sync mode the primary acknowledges a commit (Ready.Acked)
// only when every secondary that was in sync when it was proposed, or
// finished its copy before it was acknowledged, has acknowledged it, or was
// dropped. A secondary whose copy (at txid T) is installed is reported in
// sync (Status) only once it has acknowledged everything up to the txid the
// primary had at that moment, so every node reported in sync holds every
// acknowledged commit. A relay forwards each commit to its sub-secondaries and, in Sync
// mode, acknowledges it upstream only when its in-sync sub-secondaries
// have; so an acknowledged commit is durable on every in-sync node of the
// tree (invariant 7). In Async mode commits are acknowledged at once.
//
// # Failure detection and notifications
//
// Both sides tick every tick interval; a peer silent for more than
// DeadTicks (3) intervals is dead. The primary drops a dead or closed
// secondary (SECONDARY_DIED; SECONDARY_ARRIVED when one authenticated). A
// secondary that loses its primary goes to none with NOPRIMARY carrying
// CONFD_ERR_HA_CLOSED (connection closed) or CONFD_ERR_HA_NOTICK (no
// ticks); a relay in that case closes its sub-secondaries, which go to none
// too. Only the real primary emits SECONDARY_ARRIVED/DIED. A BeSecondary
// that fails before initialization reports its code instead: HA_CONNECT,
// HA_CLOSED (closed or timed out during the sync), BADNAME, BADTOKEN,
// BADFXS or BADVSN; as a Result if wait was set, else as
// BESECONDARY_RESULT. BePrimary and BeNone emit IS_PRIMARY and IS_NONE.
//
// A commit that cannot be persisted on a secondary (corrupt, diverged)
// makes it drop its primary (NOPRIMARY, HA_CLOSED); its next BeSecondary
// finds a digest mismatch and receives a full copy.
//
// One HA control connection per daemon, whose token replaces the previous
// one, is the daemon's business: it builds a new Node (or runtime) with the
// new token.
package ha
