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
// Commands (each returns an error whose confd_errno is ha.CodeOf(err)):
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
// fail with store.ErrReadOnly, whose store.Errno is CONFD_ERR_NOT_WRITABLE
// (4); an HA transition before the acknowledgement gives ha.ErrHAAbort
// (CONFD_ERR_HA_ABORT, 71); other store errors map with store.Errno.
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
// non-reading secondary at most 3 ticks) or its queue exceeds 256 MiB. Frames are core/wire's length prefix with a hard limit
// (MaxFrame, 16 MiB, which also bounds one transaction): 'M' + msgpack
// ha.Message (checked with wire.CheckMsgpack before decoding), and for a
// full copy 'D' + chunk frames of the store.WriteSnapshot stream ended by
// 'E'. The sender's connection is a store.VectorWriter: each batch of
// about 1 MiB the store hands it (large values as slices of the store's
// memory map) goes out as one 'D' frame in one gathered write, so a value
// is not copied in user space on the way out. The receiver reads each
// frame's header and payload straight from the socket into the store's
// buffers whenever its bufio buffer is empty, so the payload is not
// copied either. The protocol version travels in the hello (see core/ha):
// version 2 carries snapshot streams of version 2, and peers of another
// version refuse each other with HA_BADVSN before any data is sent. The
// receiver stages the copy (store.Stage checks framing, the CRC and the
// carried entry hashes against the digest, and writes it as a new bbolt
// file) while it arrives,
// reporting progress so a long copy is not mistaken for a dead primary, and
// the node then activates it atomically; a damaged copy
// closes the connection and is never installed.
package hanet
