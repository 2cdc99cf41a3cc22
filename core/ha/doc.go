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
//	S -> P  hello      {vsn, from=S, to=P as S expects, nonceS}   plain
//	P -> S  challenge  {vsn, from=P, nonceP, macP}                plain, or reject BADVSN
//	S -> P  auth       {macS, schema, txid, digest}               sealed (S checks vsn -> BADVSN,
//	                                                                from -> BADNAME, macP -> BADTOKEN)
//	P -> S  sync-skip  {txid, digest}                             sealed, or reject BADTOKEN / BADFXS
//	   or   snapshot   {txid, digest} + the store stream, sealed
//	S -> P  sync-done  {txid}                                     (after installing a copy)
//	P -> S  commit     {txid, digest after it, data}              for every later commit
//	S -> P  ack        {txid}                                     cumulative, after persisting
//	both    tick                                                  every tick, once authenticated
//	both    reject     {code, reason}                             then close
//
// # Authentication
//
// Three secrets are involved. The cluster key is derived from the
// cluster's authkey (ClusterKey: HKDF-SHA256 with the cluster name): the
// authkey is a random key of at least 16 bytes that every node holds
// (core/config refuses shorter ones). The token is the [ha] token or
// confd_ha_connect's, possibly a weak, human-chosen word. The token key
// mixes them, tokenKey = HMAC-SHA256(cluster key, label, token), and is
// the only key the handshake uses:
//
//	macP = HMAC-SHA256(tokenKey, "P", nonceS, nonceP, S, P)
//	macS = HMAC-SHA256(tokenKey, "S", nonceS, nonceP, S, P)
//	(sToP, pToS) = HKDF-SHA256(tokenKey, salt nonceS|nonceP, label S P)
//
// Each side proves it knows the token key without sending it; a fresh
// random nonce from each side prevents replay. Why there is nothing to
// guess offline: the only values an unauthenticated party can obtain,
// whether it dials a primary (it receives macP) or listens where a
// secondary dials (it receives a hello, then a reject: a secondary
// answers nothing keyed before the primary has proved itself with macP),
// are functions of tokenKey, which depends on the cluster key. To test a
// token guess against a captured macP one must also know the authkey, and
// a 16-byte random authkey cannot be guessed. (Protocol version 2 keyed
// macP with the token alone: one reply let a dictionary token fall
// offline in seconds.) Holders of the authkey are trusted cluster members
// (SECURITY.md): they could test token guesses, which a PAKE would
// prevent, but they could equally join membership. With no token
// configured the token key is keyed by the cluster key alone; a token
// only ever adds to it. TestTranscriptGivesNoTokenOracle checks this on a
// captured transcript.
//
// A token mismatch is detected by the secondary from macP
// (CONFD_ERR_HA_BADTOKEN, reported back in a plain reject so the primary
// logs "connected with a bad auth token"); a secondary that fails macS is
// refused by the primary the same way. Differing authkeys look the same:
// bad credentials. The schema id comparison (CONFD_ERR_HA_BADFXS) happens
// only after authentication.
//
// Sealed frames. Once a side has verified the other's MAC (the
// secondary, macP) or is about to require it (the primary, sending the
// challenge), Ready.Keys gives the runtime the connection's session keys:
// the secondary seals from its auth on, the primary from its answer to it;
// both then accept only sealed frames (a plain reject still ends a
// handshake). The runtime seals each frame (core/wire: GMAC under the
// direction's key, over a frame counter), so after the handshake an
// injected, altered, replayed or dropped frame closes the connection.
// That is also what makes the store digest unforgeable: it is a checksum
// (core/store), not a MAC, but every digest a node acts on arrives in a
// sealed frame (auth, sync-skip, snapshot, commit), as does every byte of
// a full copy, so nobody without the session keys can make a node accept
// a commit or a copy. Ticks go only over authenticated connections, and a
// connection still in its handshake is dropped after DeadTicks like a
// silent peer (the runtime also bounds it in time).
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
