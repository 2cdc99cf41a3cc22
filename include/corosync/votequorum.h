/*
 * corosync/votequorum.h -- libgoha's source-compatible votequorum API.
 *
 * libgoha.so implements the corosync 3.x votequorum client API on top of the
 * local gohad node daemon.  Every call is a request on the control socket
 * named by the environment variable GOHA_IPC (default
 * unix:/var/run/goha/gohad.sock), read once by votequorum_initialize().
 * Types, constants, struct layouts and status codes equal corosync 3.1.7,
 * so programs written for corosync recompile unchanged with -lgoha.
 *
 * Threading and process model: see goha.h.  In short, callbacks run only
 * inside votequorum_dispatch(), on the thread that called it; load
 * libgoha.so once, never dlclose() it, and do not fork() without exec().
 *
 * Node ids are the `id`s of the [[node]] entries of the cluster config.
 *
 * Status codes common to every call (listed once here, not repeated below):
 *   CS_ERR_BAD_HANDLE   the handle was never returned by votequorum_initialize
 *                       or was finalized
 *   CS_ERR_LIBRARY      no gohad answers on GOHA_IPC, or it went away; the
 *                       handle stays valid until finalized but every later
 *                       call gives CS_ERR_LIBRARY, as with corosync.  (A
 *                       gohad serves up to 1024 client connections and
 *                       each handle uses two; one over the limit is closed
 *                       after the hello, so its calls give CS_ERR_LIBRARY.)
 *
 * Conformance: `make conformance` runs one probe (ctests/conformance/
 * vqprobe.c: initialize, getinfo of the local and of an unknown node,
 * trackstart with each flag, setexpected and setvotes with good and bad
 * values, every qdevice call, dispatch with each flag, finalize from a
 * callback, use after finalize) against Debian's corosync 3.1.7 and against
 * a one-node gohad, and diffs the transcripts: they are identical (79 calls,
 * 12 callbacks; ring id sequence numbers masked).  It also runs corosync's
 * own test/testvotequorum1.c, test/testvotequorum2.c and corosync-quorumtool
 * (-s, -l, -e, -v, -m, -f), built unchanged against these headers, and
 * Debian's own binaries on build/lib/corosync/libvotequorum.so.8 (symbol
 * version COROSYNC_VOTEQUORUM_1.0), against both daemons: identical too.
 * Deliberate differences, none of which these programs observe:
 *
 *  1. Bad input that crashes or is ignored by corosync is refused here with
 *     CS_ERR_INVALID_PARAM: NULL handle/info/fd/context pointers, NULL
 *     qdevice names, and trackstart flags with bits other than the three
 *     CS_TRACK_* (corosync ignores unknown bits).
 *  2. votequorum_getinfo() of an unknown node leaves *info untouched;
 *     corosync copies an uninitialised reply into it.
 *  3. setexpected, setvotes and the qdevice calls are applied by the local
 *     gohad before it replies, so a getinfo() right after CS_OK shows the new
 *     state; corosync replies first and applies after a totem round trip
 *     (the probe waits for both).  In both, the EXPECTED/QUORUM callbacks
 *     arrive on the handle's fd shortly after the call returns.
 *  4. Ring ids are gohad's (representative node id, view sequence number):
 *     the values differ from corosync's, the meaning does not (a new ring id
 *     for every installed membership; the one qdevice_poll needs).
 *  5. gohad has no quorum.device configuration: a registered device has 0
 *     votes unless setvotes(0, n) (or cmap's quorum.device.votes, see
 *     cmap.h) gives it some, as corosync without quorum.device.  The poll
 *     timeout is VOTEQUORUM_QDEVICE_DEFAULT_TIMEOUT.
 *  6. Each handle holds two daemon connections (requests, and events); the
 *     fd of votequorum_fd_get is an eventfd, not a socket.  Its readiness
 *     follows the same rule as corosync's fd.
 *  7. Vote arithmetic never wraps.  corosync sums votes and computes
 *     (expected + 2) / 2 in 32 bits, so setexpected(UINT_MAX) returns CS_OK
 *     there with a quorum of 0 (2 of 3 votes quorate against 4294967295
 *     expected); here that quorum is 2^31, and a quorate cluster refuses it
 *     with CS_ERR_INVALID_PARAM.  setvotes refuses a value that would make
 *     the votes of all nodes exceed UINT_MAX (CS_ERR_INVALID_PARAM, as
 *     corosync's wrapped check happens to say for UINT_MAX itself).
 *
 * Not provided: the qdevice "extra info" and votequorum_model_initialize
 * additions of unreleased corosync (after 3.1.10); no 3.1.x release has them.
 */
#ifndef COROSYNC_VOTEQUORUM_H_DEFINED
#define COROSYNC_VOTEQUORUM_H_DEFINED

#include <corosync/corotypes.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An opaque handle from a table inside libgoha (never a pointer or fd). */
typedef uint64_t votequorum_handle_t;

/* votequorum_info.flags */
#define VOTEQUORUM_INFO_TWONODE 1
#define VOTEQUORUM_INFO_QUORATE 2
#define VOTEQUORUM_INFO_WAIT_FOR_ALL 4
#define VOTEQUORUM_INFO_LAST_MAN_STANDING 8
#define VOTEQUORUM_INFO_AUTO_TIE_BREAKER 16
#define VOTEQUORUM_INFO_ALLOW_DOWNSCALE 32
#define VOTEQUORUM_INFO_QDEVICE_REGISTERED 64
#define VOTEQUORUM_INFO_QDEVICE_ALIVE 128
#define VOTEQUORUM_INFO_QDEVICE_CAST_VOTE 256
#define VOTEQUORUM_INFO_QDEVICE_MASTER_WINS 512

/* The pseudo node id of the quorum device (and "local node" for getinfo). */
#define VOTEQUORUM_QDEVICE_NODEID 0
/* Size of votequorum_info.qdevice_name; names must be shorter (<= 254). */
#define VOTEQUORUM_QDEVICE_MAX_NAME_LEN 255
/* Milliseconds without a poll after which a qdevice loses its votes. */
#define VOTEQUORUM_QDEVICE_DEFAULT_TIMEOUT 10000
#define VOTEQUORUM_QDEVICE_DEFAULT_SYNC_TIMEOUT 30000

/* votequorum_info.node_state and votequorum_node_t.state */
#define VOTEQUORUM_NODESTATE_MEMBER 1
#define VOTEQUORUM_NODESTATE_DEAD 2
#define VOTEQUORUM_NODESTATE_LEAVING 3

/* sizeof == 292 on LP64: nine unsigned ints, then the name. */
struct votequorum_info {
	unsigned int node_id;
	unsigned int node_state;          /* VOTEQUORUM_NODESTATE_* */
	unsigned int node_votes;
	unsigned int node_expected_votes;
	unsigned int highest_expected;    /* max expected_votes over members */
	unsigned int total_votes;         /* votes of members (+ qdevice, see getinfo) */
	unsigned int quorum;
	unsigned int flags;               /* VOTEQUORUM_INFO_* */
	unsigned int qdevice_votes;
	char qdevice_name[VOTEQUORUM_QDEVICE_MAX_NAME_LEN];
};

/* One entry of a QUORUM notification; sizeof == 8. */
typedef struct {
	uint32_t nodeid;
	uint32_t state;                   /* VOTEQUORUM_NODESTATE_*; 0 for the qdevice */
} votequorum_node_t;

/* A membership ring id; sizeof == 16 (4 bytes of padding after nodeid). */
typedef struct {
	uint32_t nodeid;
	uint64_t seq;
} votequorum_ring_id_t;

/*
 * QUORUM notification: quorate is 1 or 0; node_list holds every node the
 * cluster knows (members, dead and leaving nodes) plus {0, 0} for a quorum
 * device registered on the local node.  The array is valid only during the
 * callback.
 *
 * The nodes are in corosync's order, which is not by id: the local node
 * comes first, and each node met later (in ascending id order within one
 * membership change) is inserted before the first node with a higher id or,
 * when there is none, before the last node.  So on a cluster of nodes 1, 2
 * and 3, node 1 lists 2, 3, 1; node 2 lists 1, 3, 2; node 3 lists 1, 2, 3
 * (corosync 3.1.7's node_add_ordered, quirk included).  Nodes keep their
 * place when they die or return.
 */
typedef void (*votequorum_quorum_notification_fn_t) (
	votequorum_handle_t handle,
	uint64_t context,
	uint32_t quorate,
	uint32_t node_list_entries,
	votequorum_node_t node_list[]);

/*
 * NODELIST notification: the members of a newly installed membership and its
 * ring id (the one qdevice_poll wants).  The array is valid only during the
 * callback.
 */
typedef void (*votequorum_nodelist_notification_fn_t) (
	votequorum_handle_t handle,
	uint64_t context,
	votequorum_ring_id_t ring_id,
	uint32_t node_list_entries,
	uint32_t node_list[]);

/* EXPECTED notification: the local node's new expected votes. */
typedef void (*votequorum_expectedvotes_notification_fn_t) (
	votequorum_handle_t handle,
	uint64_t context,
	uint32_t expected_votes);

/* Field order matters (quorum, expected, nodelist); sizeof == 24. */
typedef struct {
	votequorum_quorum_notification_fn_t votequorum_quorum_notify_fn;
	votequorum_expectedvotes_notification_fn_t votequorum_expectedvotes_notify_fn;
	votequorum_nodelist_notification_fn_t votequorum_nodelist_notify_fn;
} votequorum_callbacks_t;

/*
 * votequorum_initialize - connect to the local gohad and create a handle
 *
 * Copies *callbacks (it may be NULL: no callbacks; a NULL slot is skipped),
 * connects to GOHA_IPC and stores a new handle in *handle.
 *
 * Returns:
 *   CS_OK                 *handle is valid until votequorum_finalize
 *   CS_ERR_INVALID_PARAM  handle is NULL
 *   CS_ERR_LIBRARY        no daemon answers on GOHA_IPC
 *   CS_ERR_NO_MEMORY      the handle table is full (4096 handles)
 *   CS_ERR_NO_RESOURCES   no file descriptor for the event fd
 */
cs_error_t votequorum_initialize (
	votequorum_handle_t *handle,
	votequorum_callbacks_t *callbacks);

/*
 * votequorum_finalize - close the connection and destroy the handle
 *
 * Pending events are discarded and the fd of votequorum_fd_get is closed.
 * A dispatch(CS_DISPATCH_BLOCKING) running on the handle in another thread
 * (or the one that called this from a callback) returns CS_ERR_BAD_HANDLE.
 *
 * Returns:
 *   CS_OK              also when the daemon has gone away
 *   CS_ERR_BAD_HANDLE  unknown or already finalized handle
 */
cs_error_t votequorum_finalize (
	votequorum_handle_t handle);

/*
 * votequorum_dispatch - run the callbacks of pending events
 *
 * Callbacks run on the calling thread, in the order the daemon produced the
 * events: NODELIST, then EXPECTED (if any), then QUORUM for a membership
 * change; EXPECTED before QUORUM for a vote change.  dispatch_types is one of
 * CS_DISPATCH_ONE (wait for one event), CS_DISPATCH_ALL (all queued events,
 * no waiting), CS_DISPATCH_BLOCKING (loop until finalize or error) or
 * CS_DISPATCH_ONE_NONBLOCKING (at most one queued event, no waiting).
 *
 * Returns:
 *   CS_OK                 the events were dispatched (ALL: also when none were)
 *   CS_ERR_INVALID_PARAM  dispatch_types is not 1..4 (checked before the handle)
 *   CS_ERR_TRY_AGAIN      ONE_NONBLOCKING and no event was queued
 *   CS_ERR_BAD_HANDLE     bad handle, or finalized during BLOCKING/ONE
 *   CS_ERR_LIBRARY        the daemon went away (queued events are run first)
 */
cs_error_t votequorum_dispatch (
	votequorum_handle_t handle,
	cs_dispatch_flags_t dispatch_types);

/*
 * votequorum_fd_get - file descriptor to poll for pending events
 *
 * The fd is readable (POLLIN) exactly while events are queued for the handle
 * and not yet dispatched, and also once the daemon has gone away (so that a
 * poll loop calls dispatch and sees CS_ERR_LIBRARY).  Do not read or close it;
 * it belongs to the handle and is closed by votequorum_finalize.
 *
 * Returns:
 *   CS_OK                 *fd is set
 *   CS_ERR_INVALID_PARAM  fd is NULL
 *   CS_ERR_BAD_HANDLE     bad handle
 */
cs_error_t votequorum_fd_get (
	votequorum_handle_t handle,
	int *fd);

/*
 * votequorum_getinfo - quorum state as seen by node nodeid
 *
 * nodeid 0 (VOTEQUORUM_QDEVICE_NODEID) means the local node.  node_* fields
 * and the four QDEVICE flags describe the requested node; highest_expected,
 * quorum and the other flags are cluster-wide; total_votes includes the
 * qdevice votes when the requested node's qdevice casts its vote.
 *
 * Over a unix socket the answer normally comes from an info page the
 * daemon shares read-only with the library (no round trip); it falls back
 * to asking the daemon whenever the page cannot answer.  With the
 * environment variable GOHA_VQ_SHM=0 at votequorum_initialize() the handle
 * never maps the page and every call asks the daemon (for measurements).
 *
 * Returns:
 *   CS_OK                 *info is filled
 *   CS_ERR_INVALID_PARAM  info is NULL
 *   CS_ERR_NOT_EXIST      nodeid is not in the cluster config (*info untouched)
 */
cs_error_t votequorum_getinfo (
	votequorum_handle_t handle,
	unsigned int nodeid,
	struct votequorum_info *info);

/*
 * votequorum_setexpected - set the expected votes of every member
 *
 * Applied cluster-wide; trackers get EXPECTED(expected_votes), even when the
 * value does not change, and QUORUM if the quorate state flips.
 *
 * Returns:
 *   CS_OK
 *   CS_ERR_INVALID_PARAM  expected_votes < total votes, or the cluster is
 *                         quorate and would become inquorate
 */
cs_error_t votequorum_setexpected (
	votequorum_handle_t handle,
	unsigned int expected_votes);

/*
 * votequorum_setvotes - set the votes of a node (nodeid 0: the quorum device)
 *
 * Returns:
 *   CS_OK
 *   CS_ERR_NAME_NOT_FOUND  nodeid is not in the cluster config
 *   CS_ERR_INVALID_PARAM   the resulting quorum would fall outside
 *                          [total votes / 2, total votes]
 */
cs_error_t votequorum_setvotes (
	votequorum_handle_t handle,
	unsigned int nodeid,
	unsigned int votes);

/*
 * votequorum_trackstart - start receiving notifications
 *
 * CS_TRACK_CURRENT or CS_TRACK_CHANGES queue NODELIST then QUORUM for the
 * current state at once (also on a repeated call).  CS_TRACK_CHANGES or
 * CS_TRACK_CHANGES_ONLY register the handle for later changes; CURRENT alone
 * is a one-shot snapshot.  Every notification carries context.
 *
 * Returns:
 *   CS_OK                 (also for flags 0: nothing to do)
 *   CS_ERR_EXIST          already tracking (the snapshot is still queued and
 *                         the first context is kept)
 *   CS_ERR_INVALID_PARAM  flags contains bits other than the three CS_TRACK_*
 *                         (corosync ignores them; difference 1 above)
 */
cs_error_t votequorum_trackstart (
	votequorum_handle_t handle,
	uint64_t context,
	unsigned int flags);

/*
 * votequorum_trackstop - stop receiving change notifications
 *
 * Events already queued stay queued.
 *
 * Returns:
 *   CS_OK
 *   CS_ERR_NOT_EXIST  the handle was not tracking
 */
cs_error_t votequorum_trackstop (
	votequorum_handle_t handle);

/*
 * votequorum_context_get - the pointer last stored with votequorum_context_set
 *
 * NULL until set.  Purely client-side; unrelated to the trackstart context.
 *
 * Returns:
 *   CS_OK
 *   CS_ERR_INVALID_PARAM  context is NULL
 */
cs_error_t votequorum_context_get (
	votequorum_handle_t handle,
	void **context);

/*
 * votequorum_context_set - store a caller pointer in the handle
 *
 * Returns:
 *   CS_OK
 */
cs_error_t votequorum_context_set (
	votequorum_handle_t handle,
	void *context);

/*
 * votequorum_qdevice_register - register a quorum device on the local node
 *
 * name must be 1..254 bytes.  The device starts REGISTERED but not ALIVE; it
 * gets its configured votes only while votequorum_qdevice_poll is called with
 * cast_vote 1 at least every VOTEQUORUM_QDEVICE_DEFAULT_TIMEOUT ms.
 *
 * Returns:
 *   CS_OK                 registered (also when already registered, same name)
 *   CS_ERR_INVALID_PARAM  name NULL, empty or too long
 *   CS_ERR_EXIST          another name is registered
 *   CS_ERR_ACCESS         the quorum options forbid a device (two_node,
 *                         last_man_standing, auto_tie_breaker, allow_downscale)
 */
cs_error_t votequorum_qdevice_register (
	votequorum_handle_t handle,
	const char *name);

/*
 * votequorum_qdevice_unregister - remove the local node's quorum device
 *
 * Returns:
 *   CS_OK
 *   CS_ERR_INVALID_PARAM  name NULL, empty, too long, or not the registered one
 *   CS_ERR_NOT_EXIST      no device is registered
 */
cs_error_t votequorum_qdevice_unregister (
	votequorum_handle_t handle,
	const char *name);

/*
 * votequorum_qdevice_update - rename the registered quorum device
 *
 * Returns:
 *   CS_OK
 *   CS_ERR_INVALID_PARAM  a name NULL, empty, too long, or oldname wrong
 *   CS_ERR_NOT_EXIST      no device is registered
 */
cs_error_t votequorum_qdevice_update (
	votequorum_handle_t handle,
	const char *oldname,
	const char *newname);

/*
 * votequorum_qdevice_poll - tell the cluster the device is alive
 *
 * Marks the device ALIVE and sets CAST_VOTE to cast_vote != 0 until the next
 * poll or the timeout.  ring_id must be the one of the latest NODELIST.
 *
 * Returns:
 *   CS_OK
 *   CS_ERR_INVALID_PARAM  name NULL, empty, too long, or not the registered one
 *   CS_ERR_NOT_EXIST      no device is registered
 *   CS_ERR_MESSAGE_ERROR  ring_id is not the current ring id
 *   CS_ERR_ACCESS         the quorum options forbid a device
 */
cs_error_t votequorum_qdevice_poll (
	votequorum_handle_t handle,
	const char *name,
	unsigned int cast_vote,
	votequorum_ring_id_t ring_id);

/*
 * votequorum_qdevice_master_wins - set or clear the device's master_wins
 *
 * With allow != 0 and a voting device, the partition holding this node is
 * quorate even without a majority.
 *
 * Returns:
 *   CS_OK
 *   CS_ERR_INVALID_PARAM  name NULL, empty, too long, or not the registered one
 *   CS_ERR_NOT_EXIST      no device is registered
 *   CS_ERR_ACCESS         the quorum options forbid a device
 */
cs_error_t votequorum_qdevice_master_wins (
	votequorum_handle_t handle,
	const char *name,
	unsigned int allow);

#ifdef __cplusplus
}
#endif

#endif /* COROSYNC_VOTEQUORUM_H_DEFINED */
