/*
 * corosync/cfg.h -- libgoha's source-compatible corosync configuration and
 * administration API (libcfg): the local node id, node addresses and link
 * status, node kill and the negotiated shutdown of the local node.
 *
 * libgoha.so implements these calls on top of the local gohad (GOHA_IPC;
 * see votequorum.h for the connection rules and goha.h for the process
 * model).  Types, constants, layouts and status codes equal corosync 3.1.7,
 * so programs written for corosync's libcfg recompile unchanged with
 * -lgoha, and binaries linked against Debian's libcfg.so.7 run on
 * build/lib/corosync/libcfg.so.7 (symbol version COROSYNC_CFG_0.82).
 *
 * Links.  A goha node has one network endpoint, its config `addr` (UDP);
 * it is reported as link 0 and is "connected" while the local node hears
 * the peer.  gohad does not discover path MTUs.
 *
 * Shutdown.  corosync_cfg_try_shutdown asks every handle that called
 * corosync_cfg_trackstart (except the caller's) through its shutdown
 * callback, and each answers with corosync_cfg_replyto_shutdown; a
 * handle that stops tracking, finalizes or disconnects counts as a yes.
 * A shutdown decided to go ahead is gohad's clean leave, exactly as on
 * SIGTERM: peers drop the node at once and gohad exits 0.
 *
 * Status codes common to every call that takes a handle:
 *   CS_ERR_BAD_HANDLE   never returned by corosync_cfg_initialize, or finalized
 *   CS_ERR_LIBRARY      no gohad answers on GOHA_IPC, or it went away
 *
 * Deliberate differences from corosync (none visible to a conforming
 * program):
 *  1. Only the first answer of each handle asked counts towards a shutdown
 *     decision; corosync also counts repeated answers and answers from
 *     handles it never asked, and may shut down before every tracker agreed.
 *  2. try_shutdown flags other than the three COROSYNC_CFG_SHUTDOWN_FLAG_*
 *     give CS_ERR_INVALID_PARAM; NULL pointers corosync would dereference
 *     give CS_ERR_INVALID_PARAM.
 *  3. corosync_cfg_kill_node's reason is logged by the node that asks; the
 *     killed node logs who killed it.
 *  4. corosync_cfg_reload_config is the local gohad's reload (as on
 *     SIGHUP): what can change at run time (expected votes, node votes, the
 *     log level) is applied; a change that needs a restart gives
 *     CS_ERR_NOT_SUPPORTED, where corosync ignores it.
 *  5. Links: see above; node_status_get reports mtu 0 for other nodes and
 *     no onwire versions.
 *
 * Conformance: `make conformance` runs corosync 3.1.7's corosync-cfgtool
 * (-s, -n, -a, -R, -L, -H) and test/testcfg.c, built against these headers
 * and Debian's own binaries, against a one-node gohad and a one-node
 * corosync: the transcripts are identical.
 */
#ifndef COROSYNC_CFG_H_DEFINED
#define COROSYNC_CFG_H_DEFINED

#include <netinet/in.h>
#include <corosync/corotypes.h>

/* An opaque handle from a table inside libgoha (never a pointer or fd). */
typedef uint64_t corosync_cfg_handle_t;

/* How corosync_cfg_try_shutdown decides. */
typedef enum {
	/* Ask the trackers: shut down only if all say yes in time. */
	COROSYNC_CFG_SHUTDOWN_FLAG_REQUEST = 0,
	/* Ask the trackers, then shut down whatever they say. */
	COROSYNC_CFG_SHUTDOWN_FLAG_REGARDLESS = 1,
	/* Shut down without asking. */
	COROSYNC_CFG_SHUTDOWN_FLAG_IMMEDIATE = 2,
} corosync_cfg_shutdown_flags_t;

/* A tracker's answer to a shutdown request. */
typedef enum {
	COROSYNC_CFG_SHUTDOWN_FLAG_NO = 0,
	COROSYNC_CFG_SHUTDOWN_FLAG_YES = 1,
} corosync_cfg_shutdown_reply_flags_t;

/* Called (from corosync_cfg_dispatch) when another handle asks whether the
 * node may shut down; flags are the requester's.  Answer with
 * corosync_cfg_replyto_shutdown. */
typedef void (*corosync_cfg_shutdown_callback_t) (
	corosync_cfg_handle_t cfg_handle,
	corosync_cfg_shutdown_flags_t flags);

/* Callbacks of corosync_cfg_initialize; sizeof == 8. */
typedef struct {
	corosync_cfg_shutdown_callback_t corosync_cfg_shutdown_callback;
} corosync_cfg_callbacks_t;

/*
 * One address of a node: a struct sockaddr_in (address_length 16) or
 * sockaddr_in6 (28) in address, of which only the family and the address
 * are set.  sizeof == 32.
 */
typedef struct
{
	int address_length;
	char address[sizeof(struct sockaddr_in6)];
} corosync_cfg_node_address_t;

#ifdef __cplusplus
extern "C" {
#endif

/*
 * corosync_cfg_initialize - connect to the local gohad
 *
 * The callbacks are copied; cfg_callbacks may be NULL.
 *
 * Returns: CS_OK; CS_ERR_INVALID_PARAM (cfg_handle is NULL);
 * CS_ERR_LIBRARY (no gohad); CS_ERR_NO_MEMORY (too many handles).
 */
cs_error_t
corosync_cfg_initialize (
	corosync_cfg_handle_t *cfg_handle,
	const corosync_cfg_callbacks_t *cfg_callbacks);

/*
 * corosync_cfg_fd_get - the descriptor to poll for pending callbacks
 * (an eventfd, readable while a callback is queued or the daemon is gone)
 *
 * Returns: CS_OK; CS_ERR_INVALID_PARAM (NULL); CS_ERR_BAD_HANDLE.
 */
cs_error_t
corosync_cfg_fd_get (
	corosync_cfg_handle_t cfg_handle,
	int32_t *selection_fd);

/*
 * corosync_cfg_dispatch - run pending shutdown callbacks
 *
 * dispatch_flags is not checked, as in corosync (see cmap_dispatch(3)).
 *
 * Returns: CS_OK; CS_ERR_TRY_AGAIN (ONE_NONBLOCKING, nothing queued);
 * CS_ERR_BAD_HANDLE; CS_ERR_LIBRARY (the daemon went away, e.g. after the
 * shutdown it agreed to).
 */
cs_error_t
corosync_cfg_dispatch (
	corosync_cfg_handle_t cfg_handle,
	cs_dispatch_flags_t dispatch_flags);

/*
 * corosync_cfg_finalize - close a handle (a pending shutdown question to it
 * counts as answered yes)
 *
 * Returns: CS_OK; CS_ERR_BAD_HANDLE (also for a second finalize).
 */
cs_error_t
corosync_cfg_finalize (
	corosync_cfg_handle_t cfg_handle);

/*
 * corosync_cfg_ring_status_get - the state of each link
 *
 * *interface_count is 1 (goha has one link); (*interface_names)[0] is
 * "0 <local IP>" and (*status)[0] has one character per configured node in
 * id order: 'n' for the local node, '3' for a node it hears (enabled and
 * connected), '1' for one it does not.  The arrays and their strings are
 * malloc'ed; free each string and both arrays.
 *
 * Returns: CS_OK; CS_ERR_INVALID_PARAM (a NULL pointer); CS_ERR_NO_MEMORY.
 */
cs_error_t
corosync_cfg_ring_status_get (
	corosync_cfg_handle_t cfg_handle,
	char ***interface_names,
	char ***status,
	unsigned int *interface_count);

typedef enum {
	CFG_NODE_STATUS_V1 = 1,
} corosync_cfg_node_status_version_t;

#define CFG_MAX_HOST_LEN 256
#define CFG_MAX_LINKS 8

/* One link of a node; sizeof == 520. */
struct corosync_knet_link_status_v1 {
	uint8_t enabled;	/* the link is configured */
	uint8_t connected;	/* the local node hears the peer on it */
	uint8_t dynconnected;	/* always 0 in goha (no dynamic addresses) */
	unsigned int mtu;	/* 65535 for the local node, 0 for others */
	char src_ipaddr[CFG_MAX_HOST_LEN];
	char dst_ipaddr[CFG_MAX_HOST_LEN];
};

/* A node's status; sizeof == 4176. */
struct corosync_cfg_node_status_v1 {
	corosync_cfg_node_status_version_t version;
	unsigned int nodeid;
	uint8_t reachable;	/* the local node, or a node it hears */
	uint8_t remote;		/* always 0 in goha */
	uint8_t external;	/* always 0 in goha */
	uint8_t onwire_min;	/* knet's wire protocol versions: 0 in goha */
	uint8_t onwire_max;
	uint8_t onwire_ver;
	struct corosync_knet_link_status_v1 link_status[CFG_MAX_LINKS];	/* link 0 only */
};

/*
 * corosync_cfg_node_status_get - the status of one configured node into a
 * struct corosync_cfg_node_status_v1 (nodeid 0 is no node, as in corosync)
 *
 * Returns: CS_OK; CS_ERR_INVALID_PARAM (node_status NULL or version not
 * CFG_NODE_STATUS_V1); CS_ERR_FAILED_OPERATION (no such node, as corosync).
 */
cs_error_t
corosync_cfg_node_status_get (
	corosync_cfg_handle_t cfg_handle,
	unsigned int nodeid,
	corosync_cfg_node_status_version_t version,
	void *node_status);

/*
 * corosync_cfg_kill_node - make a member node stop at once
 *
 * The target (the local node included) exits with a failure status, without
 * the clean leave of a shutdown, so its peers see it fail.  reason is logged
 * by the calling node.
 *
 * Returns:
 *   CS_OK                 the request was sent (the target acts on it)
 *   CS_ERR_NOT_EXIST      nodeid is not a member of the current membership
 *   CS_ERR_NAME_TOO_LONG  reason has 256 bytes or more
 *   CS_ERR_INVALID_PARAM  reason is NULL
 */
cs_error_t
corosync_cfg_kill_node (
	corosync_cfg_handle_t cfg_handle,
	unsigned int nodeid,
	const char *reason);

/*
 * corosync_cfg_trackstart - ask for shutdown callbacks (track_flags are
 * ignored, as in corosync); while a request is pending the handle is asked
 * at once.
 *
 * Returns: CS_OK (also when already tracking).
 */
cs_error_t
corosync_cfg_trackstart (
        corosync_cfg_handle_t cfg_handle,
        uint8_t track_flags);

/*
 * corosync_cfg_trackstop - stop shutdown callbacks; a pending question to
 * this handle counts as answered yes.
 *
 * Returns: CS_OK (also when not tracking).
 */
cs_error_t
corosync_cfg_trackstop (
        corosync_cfg_handle_t cfg_handle);

/*
 * corosync_cfg_try_shutdown - ask to shut the local node down
 *
 * REQUEST: every tracker but this handle is asked; the call returns when all
 * answered or cfg.shutdown_timeout (cmap, u32 ms, default 5000) passed.
 * REGARDLESS: the same, but the node shuts down whatever the answers.
 * IMMEDIATE: nobody is asked.  When the node shuts down the call returns
 * CS_OK first.
 *
 * Returns:
 *   CS_OK                 the node is shutting down (its clean leave)
 *   CS_ERR_BUSY           REQUEST: a tracker said no or did not answer in time
 *   CS_ERR_EXIST          another try_shutdown is pending
 *   CS_ERR_INVALID_PARAM  flags is not one of the three
 */
cs_error_t
corosync_cfg_try_shutdown (
	corosync_cfg_handle_t cfg_handle,
	corosync_cfg_shutdown_flags_t flags);

/*
 * corosync_cfg_replyto_shutdown - answer the shutdown callback
 *
 * Returns: CS_OK, also when no shutdown is pending (as corosync's library,
 * which does not pass its daemon's refusal on); CS_ERR_INVALID_PARAM (flags
 * not YES or NO).
 */
cs_error_t
corosync_cfg_replyto_shutdown (
	corosync_cfg_handle_t cfg_handle,
	corosync_cfg_shutdown_reply_flags_t flags);

/*
 * corosync_cfg_get_node_addrs - the addresses of a configured node (nodeid
 * 0: the local node): one per link, so one, its config addr's IP
 *
 * *num_addrs is set to the node's number of addresses even when max_addrs
 * is smaller; min(max_addrs, *num_addrs) entries of addrs are filled
 * (family and address only: zero the array first).
 *
 * Returns: CS_OK; CS_ERR_NOT_EXIST (not a configured node);
 * CS_ERR_INVALID_PARAM (num_addrs NULL, or addrs NULL with max_addrs > 0).
 */
cs_error_t
corosync_cfg_get_node_addrs (
	corosync_cfg_handle_t cfg_handle,
	unsigned int nodeid,
	size_t max_addrs,
	int *num_addrs,
	corosync_cfg_node_address_t *addrs);

/*
 * corosync_cfg_local_get - the local node's id (its config `id`)
 *
 * Returns: CS_OK; CS_ERR_INVALID_PARAM (local_nodeid is NULL).
 */
cs_error_t
corosync_cfg_local_get (
	corosync_cfg_handle_t handle,
	unsigned int *local_nodeid);

/*
 * corosync_cfg_reload_config - re-read the local gohad's config file and
 * apply what can change at run time
 *
 * Returns: CS_OK; CS_ERR_INVALID_PARAM (the file is invalid, or the quorum
 * rules refuse a change); CS_ERR_NOT_SUPPORTED (a change needs a restart:
 * see difference 4).
 */
cs_error_t corosync_cfg_reload_config (
	corosync_cfg_handle_t handle);

/*
 * corosync_cfg_reopen_log_files - reopen log files
 *
 * gohad writes its log to stderr and has no files to reopen; the call
 * checks that the daemon answers.
 *
 * Returns: CS_OK.
 */
cs_error_t corosync_cfg_reopen_log_files (
	corosync_cfg_handle_t handle);

#ifdef __cplusplus
}
#endif

#endif /* COROSYNC_CFG_H_DEFINED */
