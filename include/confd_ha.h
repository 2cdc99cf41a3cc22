/*
 * confd_ha.h -- libgoha's source-compatible ConfD/NSO HA control API.
 *
 * An external HA framework tells each gohad node what to be: primary,
 * secondary of a named primary, relay (a secondary that serves secondaries
 * of its own) or none.  gohad then replicates its config store from the
 * primary to the secondaries (see DESIGN.md, "HA and the config store").
 * Every node starts as NONE.
 *
 * Usage: create a stream socket, confd_ha_connect() it to the node's control
 * endpoint (the `ipc` key of the node's config entry) with the cluster's HA
 * token, then give orders on it.  Each order is synchronous: it returns when
 * the node has carried it out (confd_ha_besecondary() with waitreply 0
 * returns at once; the outcome arrives as CONFD_HA_INFO_BESECONDARY_RESULT,
 * see confd_events.h).  Only one HA socket per node is served: a new
 * confd_ha_connect() makes gohad close the previous HA socket.
 *
 * Node ids, as ConfD takes them: any value.  A C_BUF or C_STR is the id as
 * it is (1..127 bytes, no NUL); a value of another type is the text
 * confd_pp_value() prints for it (so C_INT32 5 is "5"); ids come back (in
 * confd_ha_get_status() and notifications) as C_BUF of that text.  A node
 * is known by the id its latest confd_ha_beprimary() or
 * confd_ha_besecondary() gave, which need not be its config name
 * (frameworks use host names); the config name until then.  A secondary
 * states its own id and the id it expects of its primary in the HA
 * handshake; a primary known by another id refuses it with
 * CONFD_ERR_HA_BADNAME.
 *
 * Where a secondary connects (confd_ha_besecondary()): to the ha_addr of
 * the config entry whose name is primary->nodeid; for a primary id that
 * is no config name, to the address the caller gave (primary->af and
 * addr) with the HA port of the config entry whose ha_addr has that same
 * host, if exactly one has, else with the local node's HA port.
 *
 * Errors common to every function below (not repeated per function):
 *   CONFD_ERR_LIB_NOT_INITIALIZED  confd_init() was not called (or failed)
 *   CONFD_ERR_OS                   sock is not an open fd (errno EBADF), or
 *                                  a socket call failed (see errno)
 *   CONFD_ERR_PROTOUSAGE           a NULL pointer argument, or sock is not a
 *                                  socket that confd_ha_connect() connected
 *                                  (a notification socket, a closed and
 *                                  reused fd number, any other socket)
 *   CONFD_EOF                      gohad closed the socket (confd_errno
 *                                  CONFD_ERR_EOF); close it, make a new one
 *
 * Each call is one request and one reply on sock, made on the calling
 * thread; calls on one socket are serialised.  gohad's own confd_errno
 * comes back unchanged.  A socket replaced by a newer confd_ha_connect()
 * answers CONFD_EOF.
 *
 * Deliberate differences from ConfD:
 *   - The old master/slave names confd_ha_bemaster, confd_ha_beslave,
 *     confd_ha_slave_dead and confd_ha_status are real exported functions,
 *     not macros, so that binaries built against the old headers link.
 *   - confd_ha_besecondary() takes the primary's HA address from the
 *     cluster config entry named by primary->nodeid when there is one, and
 *     otherwise a port from the config (see "Node ids" above): ConfD's HA
 *     port is one setting for all nodes, goha's is per node.
 *   - There is no start phase 0 in gohad, so CONFD_ERR_BADSTATE comes only
 *     from calls made in the wrong HA state (berelay on a non-secondary)
 *     and, in auto mode, from the role commands (below).
 *
 * Auto mode ([ha] mode = "auto" in the cluster config): gohad chooses the
 * primary and its secondaries itself (the CMM master is the HA primary,
 * only a node holding every acknowledged commit is elected), so
 * confd_ha_beprimary(), confd_ha_besecondary(), confd_ha_berelay(),
 * confd_ha_benone() and confd_ha_secondary_dead() (and their old names)
 * fail with CONFD_ERR_BADSTATE and a confd_lasterr() that says the node is
 * in auto mode.  confd_ha_connect(), confd_ha_get_status() and the HA and
 * CMM notifications work as in external mode and report what the
 * automation chose.  Commits (goha_cdb_set(), the CDB write calls) in auto
 * mode may also fail with:
 *   CONFD_ERR_NOT_WRITABLE  the node is not the primary ("auto mode: this
 *                           node is secondary, not the primary")
 *   CONFD_ERR_UNAVAILABLE   the primary has fewer in-sync secondaries than
 *                           min_sync ("auto mode: 0 secondaries in sync,
 *                           min_sync is 1"); nothing was committed
 *   CONFD_ERR_NOT_WRITABLE  the node does not hold the write lease: it
 *                           lost its quorum ("auto mode: the primary's
 *                           lease ran out 12ms ago"), is still waiting out
 *                           the old primary's lease or for its secondaries
 *                           ("auto mode: becoming primary"), or its
 *                           watchdog cannot be armed
 *   CONFD_ERR_HA_ABORT      the lease ran out between the commit and its
 *                           acknowledgement ("txid N committed locally and
 *                           replicated, but not acknowledged: ... lease ran
 *                           out ... ago"): the next primary may keep or
 *                           discard it, as any unacknowledged commit
 * `gohactl ha status` shows which applies (Writable, and why not).
 */
#ifndef GOHA_CONFD_HA_H
#define GOHA_CONFD_HA_H

#include <confd_lib.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The HA state of a node; the old names have the same values. */
enum confd_ha_status_state {
    CONFD_HA_STATE_NONE = 1,
    CONFD_HA_STATE_SECONDARY = 2,
    CONFD_HA_STATE_PRIMARY = 3,
    CONFD_HA_STATE_SECONDARY_RELAY = 4,
    /* old names */
    CONFD_HA_STATE_SLAVE = 2,
    CONFD_HA_STATE_MASTER = 3,
    CONFD_HA_STATE_SLAVE_RELAY = 4
};

/*
 * What confd_ha_get_status() reports.  nodes[] holds num_nodes entries:
 *   NONE             none
 *   SECONDARY        nodes[0] is the primary
 *   PRIMARY          the connected secondaries
 *   SECONDARY_RELAY  nodes[0] is the primary, then the relay's own secondaries
 * Note that num_nodes comes after the array (sizeof == 81616 on x86_64).
 */
struct confd_ha_status {
    enum confd_ha_status_state state;
    struct confd_ha_node nodes[255];
    int num_nodes;
};

/*
 * confd_ha_connect(sock, srv, srv_sz, token) -- make sock the HA control
 * socket of the node whose control endpoint is srv.
 *
 * sock is a fresh SOCK_STREAM socket of srv's family (AF_INET, AF_INET6 or
 * AF_UNIX); srv_sz is the size of *srv.  token is the cluster's HA token
 * (the [ha] token of the cluster config; at most 4096 bytes), which the
 * node then uses to authenticate its HA peers, in place of the token it had
 * (as in ConfD, the latest HA socket's token wins); it is sent only to the
 * local node, never over the network, and the node mixes it with the
 * cluster key (authkey) for every handshake, so a weak token cannot be
 * guessed from a captured handshake by anyone without the cluster key.  The new token applies to HA
 * handshakes from then on; HA connections already up are not
 * re-authenticated.  The node cannot know its peers' token, so
 * confd_ha_connect() accepts any non-empty token and never fails with
 * CONFD_ERR_HA_BADTOKEN: a token that differs from the primary's shows
 * only when the two meet, as confd_ha_besecondary()'s CONFD_ERR_HA_BADTOKEN
 * on the secondary (or the BESECONDARY_RESULT notification's, with
 * waitreply 0), as in ConfD.  The primary's caller sees no error (its node
 * only logs the failed handshake).
 * If this fails, close sock and use a new socket to retry.
 *
 * Returns:
 *   CONFD_OK
 *   CONFD_ERR  CONFD_ERR_PROTOUSAGE  srv or token NULL, srv_sz too small for
 *                                    srv's family or larger than a
 *                                    sockaddr_storage, family unsupported,
 *                                    sock not a stream socket, sock already
 *                                    an HA or notification socket, token too
 *                                    long
 *              CONFD_ERR_PROTOUSAGE  token empty, or the peer is not gohad
 *              CONFD_ERR_OS          connect(2) failed (errno tells why,
 *                                    e.g. ECONNREFUSED: no gohad there)
 *   CONFD_EOF  the peer closed the connection during the hello
 */
extern int confd_ha_connect(int sock, const struct sockaddr *srv, int srv_sz,
                            const char *token);

/*
 * confd_ha_beprimary(sock, mynodeid) -- make the node primary, known by
 * mynodeid (any id, see "Node ids").  The node listens on its ha_addr for
 * secondaries; its config store stays writable.
 *
 * Returns:
 *   CONFD_OK
 *   CONFD_ERR  CONFD_ERR_BADTYPE     mynodeid empty, C_NOEXISTS, longer than
 *                                    127 bytes (as text) or containing NUL
 *              CONFD_ERR_HA_BIND     the HA listener could not bind
 */
extern int confd_ha_beprimary(int sock, confd_value_t *mynodeid);

/*
 * confd_ha_besecondary(sock, mynodeid, primary, waitreply) -- make the node a
 * secondary of primary.  The node connects to the primary's HA listener,
 * both authenticate with the token, the store is copied unless both already
 * hold the same transaction id, and the node becomes read-only.  With
 * waitreply non-zero the call returns when this is done; with 0 it returns
 * after the order is accepted, and the result arrives as
 * CONFD_HA_INFO_BESECONDARY_RESULT.  Calling it again with the same
 * arguments on a relay stops the relaying; on a secondary it does nothing.
 *
 * mynodeid is the id this node is known by from now on; primary->nodeid
 * is the primary's id; primary->af and addr give its address (AF_INET,
 * AF_INET6, or AF_UNSPEC with addr.str, see confd_lib.h); where the node
 * connects: "Node ids" above.
 *
 * Returns:
 *   CONFD_OK
 *   CONFD_ERR  CONFD_ERR_BADTYPE     a node id that is not valid (see
 *                                    confd_ha_beprimary)
 *              CONFD_ERR_PROTOUSAGE  primary NULL, primary->af not one of
 *                                    the above, addr.str longer than 127
 *              CONFD_ERR_HA_CONNECT  the primary could not be reached
 *              CONFD_ERR_HA_BADNAME  the primary is known by another id
 *              CONFD_ERR_HA_BADTOKEN this node's token (the one its latest
 *                                    confd_ha_connect() gave) or cluster key
 *                                    differs from the primary's; checked at
 *                                    each handshake, never by
 *                                    confd_ha_connect(); with [ha] tls_*,
 *                                    also a certificate refused by either
 *                                    side (one another CA issued)
 *              CONFD_ERR_HA_BADFXS   the primary has another schema
 *              CONFD_ERR_HA_BADVSN   incompatible HA protocol version
 *              CONFD_ERR_HA_CLOSED   the initial sync failed (the primary
 *                                    closed the connection or timed out)
 * The HA errors come only with waitreply non-zero; with 0 they are the
 * BESECONDARY_RESULT notification's data.  A primary id that is no
 * config name, with no address given (AF_UNSPEC, addr.str NULL), is
 * CONFD_ERR_HA_CONNECT.
 */
extern int confd_ha_besecondary(int sock, confd_value_t *mynodeid,
                                struct confd_ha_node *primary, int waitreply);

/*
 * confd_ha_berelay(sock) -- make a secondary also serve secondaries: it
 * listens on its ha_addr and forwards the replication stream it receives.
 *
 * Returns:
 *   CONFD_OK
 *   CONFD_ERR  CONFD_ERR_BADSTATE  the node is not a secondary
 *              CONFD_ERR_HA_BIND   the HA listener could not bind
 */
extern int confd_ha_berelay(int sock);

/*
 * confd_ha_benone(sock) -- leave primary/secondary/relay state: drop every
 * HA connection and make the store writable again.
 *
 * Returns: CONFD_OK, or CONFD_ERR with a common error.
 */
extern int confd_ha_benone(int sock);

/*
 * confd_ha_secondary_dead(sock, nodeid) -- tell a primary (or relay) that
 * the secondary nodeid is dead even if its connection is open (e.g. a hung
 * node filling our send buffer); the node drops it and emits
 * CONFD_HA_INFO_SECONDARY_DIED.  gohad also does this by itself after three
 * tick timeouts.
 *
 * A name that is not one of the node's secondaries is ignored.
 *
 * Returns:
 *   CONFD_OK
 *   CONFD_ERR  CONFD_ERR_BADTYPE  nodeid not a valid id
 */
extern int confd_ha_secondary_dead(int sock, confd_value_t *nodeid);

/*
 * confd_ha_get_status(sock, stat) -- fill *stat with the node's HA state and
 * nodes (see struct confd_ha_status).  Node ids are C_BUF pointing into
 * each node's buf[]; nothing needs freeing.
 *
 * Returns: CONFD_OK, or CONFD_ERR with a common error (stat NULL:
 * CONFD_ERR_PROTOUSAGE).
 */
extern int confd_ha_get_status(int sock, struct confd_ha_status *stat);

/* Old names: real functions with the same behaviour as the new ones. */
extern int confd_ha_bemaster(int sock, confd_value_t *mynodeid);
extern int confd_ha_beslave(int sock, confd_value_t *mynodeid,
                            struct confd_ha_node *master, int waitreply);
extern int confd_ha_slave_dead(int sock, confd_value_t *nodeid);
/* confd_ha_status is both a function and a struct tag (as in C they live in
 * different name spaces, `struct confd_ha_status s; confd_ha_status(fd, &s);`
 * works). */
extern int confd_ha_status(int sock, struct confd_ha_status *stat);

#ifdef __cplusplus
}
#endif

#endif /* GOHA_CONFD_HA_H */
