/*
 * corosync/quorum.h -- libgoha's source-compatible corosync quorum API
 * (libquorum): is the cluster quorate, and which nodes are in the current
 * membership.
 *
 * libgoha.so implements these calls on top of the local gohad, like the
 * votequorum calls (see votequorum.h for the connection rules, GOHA_IPC and
 * the process model).  Types, constants, layouts and status codes equal
 * corosync 3.1.7, so programs written for corosync's libquorum recompile
 * unchanged with -lgoha, and binaries linked against Debian's libquorum.so.5
 * run on build/lib/corosync/libquorum.so.5 (symbol version
 * COROSYNC_QUORUM_1.0).
 *
 * gohad always runs votequorum, so the quorum provider is always set
 * (*quorum_type is QUORUM_SET) and "quorate" is votequorum's quorate state.
 *
 * Status codes common to every call that takes a handle:
 *   CS_ERR_BAD_HANDLE   never returned by an initialize call, or finalized
 *   CS_ERR_LIBRARY      no gohad answers on GOHA_IPC, or it went away
 *
 * Notifications.  A tracking handle gets, for every membership change the
 * local node installs, a NODELIST notification (V1 handles only) followed
 * by a QUORUM notification; outside a membership change a QUORUM
 * notification is sent only when the quorate state flips.  The member list
 * of both holds the nodes of the current membership only, in ascending node
 * id order: that is corosync's order too, since its totem ring sorts members
 * by id (votequorum's QUORUM callback uses another order, see votequorum.h).
 * NODELIST's joined and left lists are relative to the previous membership
 * and are empty in the snapshot that quorum_trackstart delivers.  A V0
 * callback gets only the ring sequence number; V1 callbacks get the ring id
 * {representative node id, sequence}.
 *
 * Deliberate differences from corosync (none visible to a conforming
 * program):
 *  1. NULL handle, fd, quorate or context pointers give CS_ERR_INVALID_PARAM
 *     instead of a crash.
 *  2. A model_initialize refused by the daemon frees the handle; corosync
 *     leaves it allocated (and unusable).
 *  3. Ring ids are gohad's (representative, view sequence); see
 *     votequorum.h difference 4.
 *  4. trackstart flags with bits other than the three CS_TRACK_* give
 *     CS_ERR_INVALID_PARAM (corosync ignores them).
 *
 * Conformance: `make conformance` runs corosync 3.1.7's test/testquorum.c
 * (V0), test/testquorummodel.c (V1) and corosync-quorumtool (-s, -l, -m,
 * ...), built against these headers and Debian's own binaries, against a
 * one-node gohad and a one-node corosync: the transcripts are identical
 * (ring sequence numbers masked).
 */
#ifndef COROSYNC_QUORUM_H_DEFINED
#define COROSYNC_QUORUM_H_DEFINED

#include <corosync/corotypes.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Which notifications a handle gets (quorum_model_initialize). */
typedef enum {
	QUORUM_MODEL_V0 = 0,      /* QUORUM only, ring sequence number only */
	QUORUM_MODEL_V1 = 1,      /* NODELIST and QUORUM, full ring ids */
} quorum_model_t;

/* An opaque handle from a table inside libgoha (never a pointer or fd). */
typedef uint64_t quorum_handle_t;

/* A membership ring id; sizeof == 16 (4 bytes of padding after nodeid). */
struct quorum_ring_id {
	uint32_t nodeid;
	uint64_t seq;
};

/*
 * V0 QUORUM notification: quorate is 1 or 0, ring_seq the sequence number of
 * the current ring, view_list its members.  The array is valid only during
 * the callback.
 */
typedef void (*quorum_notification_fn_t) (
	quorum_handle_t handle,
	uint32_t quorate,
	uint64_t ring_seq,
	uint32_t view_list_entries,
	uint32_t *view_list
	);

/* V1 QUORUM notification: as V0, with the whole ring id. */
typedef void (*quorum_v1_quorum_notification_fn_t) (
	quorum_handle_t handle,
	uint32_t quorate,
	struct quorum_ring_id ring_id,
	uint32_t member_list_entries, const uint32_t *member_list
);

/*
 * V1 NODELIST notification: the members of a newly installed membership,
 * the nodes that joined and those that left since the previous one.
 */
typedef void (*quorum_v1_nodelist_notification_fn_t) (
	quorum_handle_t handle,
	struct quorum_ring_id ring_id,
	uint32_t member_list_entries, const uint32_t *member_list,
	uint32_t joined_list_entries, const uint32_t *joined_list,
	uint32_t left_list_entries, const uint32_t *left_list
);

/* Callbacks of quorum_initialize (V0); sizeof == 8. */
typedef struct {
	quorum_notification_fn_t quorum_notify_fn;
} quorum_callbacks_t;

/* The common head of the model structs below. */
typedef struct {
	quorum_model_t model;
} quorum_model_data_t;

/* QUORUM_MODEL_V0 data; sizeof == 16. */
typedef struct {
	quorum_model_t model;
	quorum_notification_fn_t quorum_notify_fn;
} quorum_model_v0_data_t;

/* QUORUM_MODEL_V1 data; sizeof == 24. */
typedef struct {
	quorum_model_t model;
	quorum_v1_quorum_notification_fn_t quorum_notify_fn;
	quorum_v1_nodelist_notification_fn_t nodelist_notify_fn;
} quorum_model_v1_data_t;

/* Values of *quorum_type: no quorum provider, or one (always, in goha). */
#define QUORUM_FREE	0
#define QUORUM_SET	1

/*
 * quorum_initialize - connect a V0 handle to the local gohad
 *
 * Same as quorum_model_initialize(handle, QUORUM_MODEL_V0, {callbacks'
 * function}, quorum_type, NULL).  callbacks and quorum_type may be NULL; the
 * callbacks are copied.
 *
 * Returns:
 *   CS_OK                 *handle is set; *quorum_type (if given) is QUORUM_SET
 *   CS_ERR_INVALID_PARAM  handle is NULL
 *   CS_ERR_LIBRARY        no gohad answers on GOHA_IPC
 *   CS_ERR_NO_MEMORY      too many handles are open in this process
 */
cs_error_t quorum_initialize (
	quorum_handle_t *handle,
	quorum_callbacks_t *callbacks,
	uint32_t *quorum_type);

/*
 * quorum_model_initialize - connect a handle of the given model
 *
 * model_data points to a quorum_model_v0_data_t or quorum_model_v1_data_t
 * (its model field need not be set) and is copied; it may be NULL (no
 * callbacks).  context is the handle's initial quorum_context_get value.
 * Only V1 handles receive NODELIST notifications.
 *
 * Returns:
 *   CS_OK                 *handle is set; *quorum_type (if given) is QUORUM_SET
 *   CS_ERR_INVALID_PARAM  handle is NULL, or model is not V0 or V1 (checked
 *                         before connecting)
 *   CS_ERR_LIBRARY        no gohad answers on GOHA_IPC
 *   CS_ERR_NO_MEMORY      too many handles are open in this process
 */
cs_error_t quorum_model_initialize (
	quorum_handle_t *handle,
	quorum_model_t model,
	quorum_model_data_t *model_data,
	uint32_t *quorum_type,
	void *context);

/*
 * quorum_finalize - close a handle
 *
 * Pending notifications are dropped.  A dispatch blocked in another thread
 * returns CS_ERR_BAD_HANDLE.
 *
 * Returns: CS_OK; CS_ERR_BAD_HANDLE (also for a second finalize).
 */
cs_error_t quorum_finalize (
	quorum_handle_t handle);

/*
 * quorum_fd_get - the descriptor to poll for pending notifications
 *
 * The fd (an eventfd) is readable while a notification is queued or the
 * daemon went away; call quorum_dispatch then.  Do not read or close it.
 *
 * Returns: CS_OK; CS_ERR_INVALID_PARAM (fd is NULL); CS_ERR_BAD_HANDLE.
 */
cs_error_t quorum_fd_get (
	quorum_handle_t handle,
	int *fd);

/*
 * quorum_dispatch - run the callbacks of pending notifications
 *
 * Same dispatch modes and codes as votequorum_dispatch(3): flags outside
 * 1..4 give CS_ERR_INVALID_PARAM before the handle is looked at;
 * ONE_NONBLOCKING with nothing queued gives CS_ERR_TRY_AGAIN; ALL with
 * nothing queued gives CS_OK.  A NULL callback slot skips its notifications.
 *
 * Returns: CS_OK; CS_ERR_INVALID_PARAM; CS_ERR_TRY_AGAIN; CS_ERR_BAD_HANDLE;
 * CS_ERR_LIBRARY (the daemon went away; queued notifications run first).
 */
cs_error_t quorum_dispatch (
	quorum_handle_t handle,
	cs_dispatch_flags_t dispatch_types);

/*
 * quorum_getquorate - is the cluster quorate now
 *
 * Returns: CS_OK and *quorate = 1 or 0; CS_ERR_INVALID_PARAM (quorate is
 * NULL); CS_ERR_BAD_HANDLE; CS_ERR_LIBRARY.
 */
cs_error_t quorum_getquorate (
	quorum_handle_t handle,
	int *quorate);

/*
 * quorum_trackstart - start notifications
 *
 * flags (CS_TRACK_*):
 *   CS_TRACK_CURRENT       queue the current state now (V1: NODELIST then
 *                          QUORUM; V0: QUORUM), nothing later
 *   CS_TRACK_CHANGES       queue the current state now, and every change
 *   CS_TRACK_CHANGES_ONLY  every change, nothing now
 * On a handle that already tracks changes, the current state is still
 * queued when CURRENT or CHANGES is set, and the call returns CS_ERR_EXIST.
 *
 * Returns:
 *   CS_OK                 as above
 *   CS_ERR_EXIST          the handle already tracks changes
 *   CS_ERR_INVALID_PARAM  flags has bits other than the three CS_TRACK_*
 *   CS_ERR_BAD_HANDLE, CS_ERR_LIBRARY
 */
cs_error_t quorum_trackstart (
	quorum_handle_t handle,
	unsigned int flags );

/*
 * quorum_trackstop - stop change notifications
 *
 * Notifications already queued stay queued.
 *
 * Returns: CS_OK, also when the handle was not tracking (as corosync);
 * CS_ERR_BAD_HANDLE; CS_ERR_LIBRARY.
 */
cs_error_t quorum_trackstop (
	quorum_handle_t handle);

/*
 * quorum_context_set / quorum_context_get - a pointer kept with the handle
 *
 * Purely client-side; NULL (or model_initialize's context) until set.
 *
 * Returns: CS_OK; CS_ERR_INVALID_PARAM (context_get with a NULL context);
 * CS_ERR_BAD_HANDLE.
 */
cs_error_t quorum_context_set (
	quorum_handle_t handle,
	const void *context);

cs_error_t quorum_context_get (
	quorum_handle_t handle,
	const void **context);

#ifdef __cplusplus
}
#endif

#endif /* COROSYNC_QUORUM_H_DEFINED */
