// Package hanet is the network runtime of core/ha: it runs one node's HA
// state machine over TCP with a real clock, on the node's core/store store.
// The daemon (core/node) embeds one Runtime per node; the C API's
// confd_ha_* calls and goha_cdb_* calls map onto its methods.
//
// # Embedding
//
//	st, _ := store.Open(db)                       // beside the daemon's bbolt file
//	rt, _ := hanet.Start(hanet.Config{Name: "n1", ListenAddr: haAddr,
//	        Token: token, TickTimeout: tick, Mode: mode, SchemaID: id, Store: st})
//	defer rt.Close()
//	go func() { for e := range rt.Events() { publish(e) } }()
//
// Commands (each failure is an *ha.Error; ha.CodeOf(err) classifies it):
//
//	confd_ha_beprimary(myid)          rt.BePrimary(myName)      HA_BIND, HA_BADNAME
//	confd_ha_besecondary(myid, p, w)  addr := hanet.ResolvePrimaryAddr(haAddrs, p, pIP, localHAAddr)
//	                                  rt.BeSecondary(myName, p, addr, w != 0)
//	                                      HA_CONNECT, HA_CLOSED, HA_BADNAME, HA_BADTOKEN,
//	                                      HA_BADFXS, HA_BADVSN (only when waiting)
//	confd_ha_berelay()                rt.BeRelay()              BADSTATE, HA_BIND
//	confd_ha_benone()                 rt.BeNone()
//	confd_ha_secondary_dead(id)       rt.SecondaryDead(name)
//	confd_ha_get_status()             rt.Status(): Role is confd_ha_status_state, Nodes
//	                                  the confd_ha_node list (name, "host:port")
//	confd_ha_connect(token)           rt.SetToken(token): a new control connection's token
//
// Events() carries every HA notification, in order and unbounded:
// ha.Event.Type is confd_ha_info_type, Code is NOPRIMARY's reason and
// BESECONDARY_RESULT's result, Node is SECONDARY_DIED/ARRIVED's node, ByCopy
// is SECONDARY_INITIALIZED's cdb_initialized_by_copy.
//
// Config store: Get and Walk read the local store in any role. Set, Delete,
// Batch (and BatchContext) commit and return the txid once acknowledged
// (Sync: every in-sync secondary persisted it). On a secondary or relay they
// fail with store.ErrReadOnly; an HA transition before the acknowledgement
// gives ha.ErrHAAbort; other failures are the store's errors.
//
// # Inside
//
// One loop goroutine owns the ha.Node: commands, accepted and dialed
// connections, received messages and the ticker (every TickTimeout; 0
// disables ticks and dead-peer detection, like ConfD's PT0S) all become
// closures run on it, followed by the Ready handling of core/ha. Client
// commits go through the loop too, so a full copy, which is streamed from a
// bbolt read transaction opened when its MsgSnapshot is handled, is always
// consistent with the commit stream that follows it.
//
// Group commit: client transactions queue on a channel of their own; the
// loop takes all that are waiting (up to 64) and commits them with
// store.BatchGroup, one bbolt transaction and one fsync for all, each
// with its own txid, proposed to the node in order (a refused one fails
// alone). Transactions arriving during an fsync thus make the next
// group. Likewise the loop steps every message already waiting before it
// handles Ready, so commits a secondary received together are persisted
// with one store.ApplyGroup (one fsync; if that fails, one by one, so
// the commits before a bad one are kept) before their acknowledgements
// go out.
//
// Each connection has a reader goroutine and a writer goroutine with a
// queue. A peer that stops reading is dropped when a write makes no
// progress for WriteStall (3 x tick_timeout, as ConfD holds data for a
// non-reading secondary at most 3 ticks) or its queue exceeds 256 MiB.
//
// # Frames
//
// Frames are core/wire's (HAReader, HAWriter): the handshake's plain
// frames, then, from the point ha's Ready.Keys says, sealed frames (a
// GMAC tag under the direction's session key and frame counter). The
// runtime installs the receive key at once and queues the send key behind
// the frames already queued, so each frame is sealed or not as the
// protocol says. A full copy follows its MsgSnapshot as sealed data frames
// (at most 256 KiB each) and an end frame. The sender's connection is a
// store.VectorWriter: each batch of about 1 MiB the store hands it (large
// values as slices of the store's memory map) goes out in one gathered
// write of headers, slices and tags, so a value is not copied in user
// space on the way out (only read once, for its tag). The receiver reads
// a frame's payload straight into the store's buffer when it fits, checks
// its tag there, and only then hands it on; a frame that straddles the
// store's reads goes through one scratch buffer. Every byte of a copy is
// thus authenticated before store.Stage sees it. The protocol version
// travels in the plain hello (see core/ha): peers of another version
// refuse each other with HA_BADVSN before any data is sent. The receiver
// stages the copy (store.Stage checks framing, the CRC and the carried
// entry hashes against the digest, and writes it as a new bbolt file)
// while it arrives, reporting progress so a long copy is not mistaken for
// a dead primary, and the node then activates it atomically; a damaged or
// forged copy closes the connection and is never installed.
//
// # Before authentication
//
// Anyone who can reach the HA port can open connections, so until a
// connection's first sealed frame has been verified it costs little and
// not for long: the reader reads exactly the bytes of each frame (no read
// buffer), frames are refused from their header above 4 KiB
// (wire.HAMaxHandshakeFrame), the writer's buffer is 4 KiB, and the TLS
// and HA handshakes must finish within HandshakeTimeout (5 s, ConfD's
// limit) of the accept (of the connect, for a secondary's connection: a
// primary that never answers cannot hold a besecondary). At most MaxHandshakes (32) accepted connections
// may be in their handshake: the check is made at the accept, before
// anything is read, and closes the oldest one, so a flood of connections
// displaces itself instead of locking a real secondary out. Unauthenticated
// peers get no ticks and cannot keep themselves alive with theirs. Each
// kind of abuse (too many handshakes, handshake timeout, oversized or
// malformed frame, failed tag, refused TLS) is logged at most once per
// 5 s, with a count of the lines left out.
//
// # TLS
//
// With Config.TLS (from [ha] tls_cert, tls_key, tls_ca: TLSConfig),
// connections are mutual TLS 1.3 (crypto/tls) under the same protocol:
// the listener requires a client certificate the CA issued; the dialer
// checks that the primary's chains to the CA and names the host of its HA
// address or its node name. A certificate refused by either side makes a
// besecondary fail with CONFD_ERR_HA_BADTOKEN (the remote node has bad
// credentials), logged on both sides; other TLS failures give
// CONFD_ERR_HA_CONNECT. The handshake and sealing run inside TLS as well
// (one protocol, and the authkey still gates it); TLS adds encryption
// and certificate identity.
package hanet
