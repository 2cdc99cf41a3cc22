#include "trampolines.h"

void capi_vq_call_quorum(votequorum_quorum_notification_fn_t fn,
			 votequorum_handle_t handle, uint64_t context,
			 uint32_t quorate, uint32_t entries,
			 votequorum_node_t *nodes)
{
	fn(handle, context, quorate, entries, nodes);
}

void capi_vq_call_nodelist(votequorum_nodelist_notification_fn_t fn,
			   votequorum_handle_t handle, uint64_t context,
			   uint32_t ring_nodeid, uint64_t ring_seq,
			   uint32_t entries, uint32_t *nodes)
{
	votequorum_ring_id_t ring = { .nodeid = ring_nodeid, .seq = ring_seq };

	fn(handle, context, ring, entries, nodes);
}

void capi_vq_call_expected(votequorum_expectedvotes_notification_fn_t fn,
			   votequorum_handle_t handle, uint64_t context,
			   uint32_t expected_votes)
{
	fn(handle, context, expected_votes);
}

void capi_cmm_call_notify(cmm_notify_t fn, cmm_cmchanges_t change,
			  cmm_nodeid_t nodeid, void *client_data)
{
	cmm_cmc_notification_t n = { .cmchange = change, .nodeid = nodeid };

	fn(&n, client_data);
}
