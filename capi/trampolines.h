/* C trampolines: Go cannot call a C function pointer directly. */
#ifndef GOHA_CAPI_TRAMPOLINES_H
#define GOHA_CAPI_TRAMPOLINES_H

#include <corosync/votequorum.h>
#include <corosync/quorum.h>
#include <corosync/cmap.h>
#include <corosync/cfg.h>
#include <cmm.h>

void capi_vq_call_quorum(votequorum_quorum_notification_fn_t fn,
			 votequorum_handle_t handle, uint64_t context,
			 uint32_t quorate, uint32_t entries,
			 votequorum_node_t *nodes);
void capi_vq_call_nodelist(votequorum_nodelist_notification_fn_t fn,
			   votequorum_handle_t handle, uint64_t context,
			   uint32_t ring_nodeid, uint64_t ring_seq,
			   uint32_t entries, uint32_t *nodes);
void capi_vq_call_expected(votequorum_expectedvotes_notification_fn_t fn,
			   votequorum_handle_t handle, uint64_t context,
			   uint32_t expected_votes);
void capi_quorum_call_v0(quorum_notification_fn_t fn, quorum_handle_t handle,
			 uint32_t quorate, uint64_t ring_seq, uint32_t entries,
			 uint32_t *list);
void capi_quorum_call_v1(quorum_v1_quorum_notification_fn_t fn,
			 quorum_handle_t handle, uint32_t quorate,
			 uint32_t ring_nodeid, uint64_t ring_seq,
			 uint32_t entries, const uint32_t *list);
void capi_quorum_call_nodelist(quorum_v1_nodelist_notification_fn_t fn,
			       quorum_handle_t handle, uint32_t ring_nodeid,
			       uint64_t ring_seq, uint32_t members_n,
			       const uint32_t *members, uint32_t joined_n,
			       const uint32_t *joined, uint32_t left_n,
			       const uint32_t *left);
void capi_cmap_call_notify(cmap_notify_fn_t fn, cmap_handle_t handle,
			   cmap_track_handle_t track, int32_t event,
			   const char *key, int new_type, size_t new_len,
			   const void *new_data, int old_type, size_t old_len,
			   const void *old_data, void *user_data);
void capi_cfg_call_shutdown(corosync_cfg_shutdown_callback_t fn,
			    corosync_cfg_handle_t handle, int flags);
void capi_cmm_call_notify(cmm_notify_t fn, cmm_cmchanges_t change,
			  cmm_nodeid_t nodeid, void *client_data);

#endif
