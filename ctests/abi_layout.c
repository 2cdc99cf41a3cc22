// goha-test: nodes=0
/*
 * ABI and pure functions: struct sizes and offsets (_Static_assert against
 * the figures of spec/votequorum.md and spec/cmm.md), enum and macro values,
 * cs_strerror / cmm_strerror for every code and out-of-range ones, the
 * corotypes mappings, the cmm_member_is* predicates and the deprecated
 * CMM_IS_* macros, goha_version / goha_errmsg, and the behaviour of every
 * daemon call when no daemon is running (GOHA_IPC points at nothing).
 */
#include <inttypes.h>
#include <stddef.h>
#include <corosync/corotypes.h>
#include <corosync/votequorum.h>
#include <corosync/quorum.h>
#include <corosync/cmap.h>
#include <corosync/cfg.h>
#include <corosync/corodefs.h>
#include <cmm.h>
#include <goha.h>
#include "harness.h"

/* ---- corotypes.h ---- */
_Static_assert(sizeof(cs_name_t) == 258, "cs_name_t");
_Static_assert(offsetof(cs_name_t, value) == 2, "cs_name_t.value");
_Static_assert(sizeof(cs_version_t) == 3, "cs_version_t");
_Static_assert(sizeof(cs_time_t) == 8, "cs_time_t");
_Static_assert(CS_OK == 1 && CS_ERR_LIBRARY == 2 && CS_ERR_VERSION == 3 && CS_ERR_INIT == 4, "cs_error_t 1-4");
_Static_assert(CS_ERR_TIMEOUT == 5 && CS_ERR_TRY_AGAIN == 6 && CS_ERR_INVALID_PARAM == 7 && CS_ERR_NO_MEMORY == 8, "cs_error_t 5-8");
_Static_assert(CS_ERR_BAD_HANDLE == 9 && CS_ERR_BUSY == 10 && CS_ERR_ACCESS == 11 && CS_ERR_NOT_EXIST == 12, "cs_error_t 9-12");
_Static_assert(CS_ERR_NAME_TOO_LONG == 13 && CS_ERR_EXIST == 14 && CS_ERR_NO_SPACE == 15 && CS_ERR_INTERRUPT == 16, "cs_error_t 13-16");
_Static_assert(CS_ERR_NAME_NOT_FOUND == 17 && CS_ERR_NO_RESOURCES == 18 && CS_ERR_NOT_SUPPORTED == 19, "cs_error_t 17-19");
_Static_assert(CS_ERR_BAD_OPERATION == 20 && CS_ERR_FAILED_OPERATION == 21 && CS_ERR_MESSAGE_ERROR == 22, "cs_error_t 20-22");
_Static_assert(CS_ERR_QUEUE_FULL == 23 && CS_ERR_QUEUE_NOT_AVAILABLE == 24 && CS_ERR_BAD_FLAGS == 25, "cs_error_t 23-25");
_Static_assert(CS_ERR_TOO_BIG == 26 && CS_ERR_NO_SECTIONS == 27 && CS_ERR_CONTEXT_NOT_FOUND == 28, "cs_error_t 26-28");
_Static_assert(CS_ERR_TOO_MANY_GROUPS == 30 && CS_ERR_SECURITY == 100, "cs_error_t 30, 100");
_Static_assert(CS_DISPATCH_ONE == 1 && CS_DISPATCH_ALL == 2 && CS_DISPATCH_BLOCKING == 3 && CS_DISPATCH_ONE_NONBLOCKING == 4, "dispatch");
_Static_assert(CS_TRACK_CURRENT == 1 && CS_TRACK_CHANGES == 2 && CS_TRACK_CHANGES_ONLY == 4, "track");
_Static_assert(CS_MAX_NAME_LENGTH == 256 && (CS_TRUE) == 1 && CS_FALSE == 0, "misc");
_Static_assert(CS_TIME_END == INT64_MAX && CS_MAX(3, 4) == 4, "CS_TIME_END, CS_MAX");
_Static_assert(CS_TIME_MS_IN_SEC == 1000ULL && CS_TIME_US_IN_SEC == 1000000ULL && CS_TIME_NS_IN_SEC == 1000000000ULL, "time");
_Static_assert(CS_TIME_US_IN_MSEC == 1000ULL && CS_TIME_NS_IN_MSEC == 1000000ULL && CS_TIME_NS_IN_USEC == 1000ULL, "time");
_Static_assert(CS_IPC_TIMEOUT_MS == -1, "ipc timeout");

/* ---- votequorum.h ---- */
_Static_assert(sizeof(votequorum_handle_t) == 8, "handle");
_Static_assert(sizeof(struct votequorum_info) == 292, "votequorum_info");
_Static_assert(offsetof(struct votequorum_info, node_id) == 0, "node_id");
_Static_assert(offsetof(struct votequorum_info, node_state) == 4, "node_state");
_Static_assert(offsetof(struct votequorum_info, node_votes) == 8, "node_votes");
_Static_assert(offsetof(struct votequorum_info, node_expected_votes) == 12, "node_expected_votes");
_Static_assert(offsetof(struct votequorum_info, highest_expected) == 16, "highest_expected");
_Static_assert(offsetof(struct votequorum_info, total_votes) == 20, "total_votes");
_Static_assert(offsetof(struct votequorum_info, quorum) == 24, "quorum");
_Static_assert(offsetof(struct votequorum_info, flags) == 28, "flags");
_Static_assert(offsetof(struct votequorum_info, qdevice_votes) == 32, "qdevice_votes");
_Static_assert(offsetof(struct votequorum_info, qdevice_name) == 36, "qdevice_name");
_Static_assert(sizeof(((struct votequorum_info *)0)->qdevice_name) == 255, "qdevice_name size");
_Static_assert(sizeof(votequorum_node_t) == 8 && offsetof(votequorum_node_t, state) == 4, "votequorum_node_t");
_Static_assert(sizeof(votequorum_ring_id_t) == 16 && offsetof(votequorum_ring_id_t, seq) == 8, "ring id");
_Static_assert(sizeof(votequorum_callbacks_t) == 24, "callbacks");
_Static_assert(offsetof(votequorum_callbacks_t, votequorum_quorum_notify_fn) == 0, "cb quorum");
_Static_assert(offsetof(votequorum_callbacks_t, votequorum_expectedvotes_notify_fn) == 8, "cb expected");
_Static_assert(offsetof(votequorum_callbacks_t, votequorum_nodelist_notify_fn) == 16, "cb nodelist");
_Static_assert(VOTEQUORUM_INFO_TWONODE == 1 && VOTEQUORUM_INFO_QUORATE == 2 && VOTEQUORUM_INFO_WAIT_FOR_ALL == 4, "info");
_Static_assert(VOTEQUORUM_INFO_LAST_MAN_STANDING == 8 && VOTEQUORUM_INFO_AUTO_TIE_BREAKER == 16, "info");
_Static_assert(VOTEQUORUM_INFO_ALLOW_DOWNSCALE == 32 && VOTEQUORUM_INFO_QDEVICE_REGISTERED == 64, "info");
_Static_assert(VOTEQUORUM_INFO_QDEVICE_ALIVE == 128 && VOTEQUORUM_INFO_QDEVICE_CAST_VOTE == 256, "info");
_Static_assert(VOTEQUORUM_INFO_QDEVICE_MASTER_WINS == 512, "info");
_Static_assert(VOTEQUORUM_QDEVICE_NODEID == 0 && VOTEQUORUM_QDEVICE_MAX_NAME_LEN == 255, "qdevice");
_Static_assert(VOTEQUORUM_QDEVICE_DEFAULT_TIMEOUT == 10000 && VOTEQUORUM_QDEVICE_DEFAULT_SYNC_TIMEOUT == 30000, "qdevice");
_Static_assert(VOTEQUORUM_NODESTATE_MEMBER == 1 && VOTEQUORUM_NODESTATE_DEAD == 2 && VOTEQUORUM_NODESTATE_LEAVING == 3, "state");

/* ---- quorum.h, cmap.h, cfg.h, corodefs.h (spec/corosync-quorum-cmap-cfg.md 1.1, 2.1, 3.1) ---- */
#if !defined(COROTYPES_H_DEFINED) || !defined(COROSYNC_QUORUM_H_DEFINED) || !defined(COROSYNC_CMAP_H_DEFINED) || \
	!defined(COROSYNC_CFG_H_DEFINED) || !defined(HDB_H_DEFINED) || !defined(CORODEFS_H_DEFINED)
#error "include guards differ from corosync's"
#endif
_Static_assert(sizeof(quorum_handle_t) == 8 && sizeof(quorum_model_t) == 4, "quorum handle, model");
_Static_assert(QUORUM_MODEL_V0 == 0 && QUORUM_MODEL_V1 == 1 && QUORUM_FREE == 0 && QUORUM_SET == 1, "quorum constants");
_Static_assert(sizeof(struct quorum_ring_id) == 16 && offsetof(struct quorum_ring_id, seq) == 8, "quorum_ring_id");
_Static_assert(sizeof(quorum_callbacks_t) == 8 && sizeof(quorum_model_data_t) == 4, "quorum callbacks");
_Static_assert(sizeof(quorum_model_v0_data_t) == 16 && offsetof(quorum_model_v0_data_t, quorum_notify_fn) == 8, "v0 data");
_Static_assert(sizeof(quorum_model_v1_data_t) == 24 && offsetof(quorum_model_v1_data_t, quorum_notify_fn) == 8 &&
	       offsetof(quorum_model_v1_data_t, nodelist_notify_fn) == 16, "v1 data");
_Static_assert(sizeof(cmap_handle_t) == 8 && sizeof(cmap_iter_handle_t) == 8 && sizeof(cmap_track_handle_t) == 8, "cmap handles");
_Static_assert(CMAP_KEYNAME_MAXLEN == 255 && CMAP_KEYNAME_MINLEN == 3, "key name limits");
_Static_assert(CMAP_TRACK_DELETE == 1 && CMAP_TRACK_MODIFY == 2 && CMAP_TRACK_ADD == 4 && CMAP_TRACK_PREFIX == 8, "track bits");
_Static_assert(CMAP_VALUETYPE_INT8 == 1 && CMAP_VALUETYPE_UINT32 == 6 && CMAP_VALUETYPE_DOUBLE == 10 &&
	       CMAP_VALUETYPE_STRING == 11 && CMAP_VALUETYPE_BINARY == 12 && sizeof(cmap_value_types_t) == 4, "value types");
_Static_assert(CMAP_MAP_DEFAULT == 0 && CMAP_MAP_ICMAP == 0 && CMAP_MAP_STATS == 1, "maps");
_Static_assert(sizeof(struct cmap_notify_value) == 24 && offsetof(struct cmap_notify_value, len) == 8 &&
	       offsetof(struct cmap_notify_value, data) == 16, "cmap_notify_value");
_Static_assert(sizeof(corosync_cfg_handle_t) == 8 && sizeof(corosync_cfg_shutdown_flags_t) == 4, "cfg handle");
_Static_assert(COROSYNC_CFG_SHUTDOWN_FLAG_REQUEST == 0 && COROSYNC_CFG_SHUTDOWN_FLAG_REGARDLESS == 1 &&
	       COROSYNC_CFG_SHUTDOWN_FLAG_IMMEDIATE == 2 && COROSYNC_CFG_SHUTDOWN_FLAG_NO == 0 &&
	       COROSYNC_CFG_SHUTDOWN_FLAG_YES == 1, "shutdown flags");
_Static_assert(sizeof(corosync_cfg_callbacks_t) == 8, "cfg callbacks");
_Static_assert(sizeof(corosync_cfg_node_address_t) == 32 && offsetof(corosync_cfg_node_address_t, address) == 4,
	       "corosync_cfg_node_address_t");
_Static_assert(CFG_NODE_STATUS_V1 == 1 && CFG_MAX_HOST_LEN == 256 && CFG_MAX_LINKS == 8, "cfg constants");
_Static_assert(sizeof(struct corosync_knet_link_status_v1) == 520 &&
	       offsetof(struct corosync_knet_link_status_v1, mtu) == 4 &&
	       offsetof(struct corosync_knet_link_status_v1, src_ipaddr) == 8 &&
	       offsetof(struct corosync_knet_link_status_v1, dst_ipaddr) == 264, "knet link status");
_Static_assert(sizeof(struct corosync_cfg_node_status_v1) == 4176 &&
	       offsetof(struct corosync_cfg_node_status_v1, nodeid) == 4 &&
	       offsetof(struct corosync_cfg_node_status_v1, reachable) == 8 &&
	       offsetof(struct corosync_cfg_node_status_v1, onwire_ver) == 13 &&
	       offsetof(struct corosync_cfg_node_status_v1, link_status) == 16, "node status");
_Static_assert(CMAP_SERVICE == 0 && QUORUM_SERVICE == 3 && VOTEQUORUM_SERVICE == 5 && WD_SERVICE == 7, "service ids");

/* ---- cmm.h ---- */
_Static_assert(sizeof(cmm_member_t) == 368, "cmm_member_t");
_Static_assert(offsetof(cmm_member_t, nodeid) == 0, "nodeid");
_Static_assert(offsetof(cmm_member_t, name) == 4, "name");
_Static_assert(offsetof(cmm_member_t, addr) == 260, "addr");
_Static_assert(offsetof(cmm_member_t, domainid) == 324, "domainid");
_Static_assert(offsetof(cmm_member_t, sflag) == 328, "sflag");
_Static_assert(offsetof(cmm_member_t, incarnation_number) == 332, "incarnation_number");
_Static_assert(offsetof(cmm_member_t, software_load_id) == 336, "software_load_id");
_Static_assert(sizeof(cmm_cmc_notification_t) == 8 && offsetof(cmm_cmc_notification_t, nodeid) == 4, "notification");
_Static_assert(sizeof(cmm_nodeid_t) == 4 && sizeof(cmm_incarn_t) == 4 && sizeof(cmm_domainid_t) == 4, "scalars");
_Static_assert(sizeof(cmm_membername_t) == 256 && sizeof(cmm_memberaddr_t) == 64 && sizeof(cmm_swload_t) == 32, "arrays");
_Static_assert(sizeof(timespec_t) == sizeof(struct timespec), "timespec_t");
_Static_assert(CMM_MAX_NAME_SIZE == 256 && CMM_MAX_ADDR_SIZE == 64 && CMM_MAX_SWLOADID_SIZE == 32, "sizes");
_Static_assert(CMM_NO_NODE == 0 && CMM_NO_DOMAIN == 0 && CMM_INVALID_NODE_ID == 0xFFFFFFFFu, "ids");
_Static_assert(CMM_MASTER == 1 && CMM_VICEMASTER == 2 && CMM_OUT_OF_CLUSTER == 4 && CMM_ROLE_MASK == 7, "roles");
_Static_assert(CMM_FROZEN_MEMBER == 0x100 && CMM_EXCLUDED_MEMBER == 0x200 && CMM_ELIGIBLE_MEMBER == 0x400, "attrs");
_Static_assert(CMM_FLAG_DISQUALIFIED == 0x800 && CMM_FLAG_SYNCHRO_NEEDED == 0x1000, "qualif bits");
_Static_assert(CMM_QUALIFIED_MEMBER == -150 && CMM_SYNCHRO_READY == -149 && CMM_DISQUALIFIED_MEMBER == -148 && CMM_SYNCHRO_NEEDED == -147, "qualif");
_Static_assert(CMM_OK == 0 && CMM_EBADF == -100 && CMM_EBUSY == -99 && CMM_ECANCELED == -98 && CMM_EEXIST == -97, "errors");
_Static_assert(CMM_EINVAL == -96 && CMM_ENOENT == -95 && CMM_ENOMSG == -94 && CMM_ENOTSUP == -93 && CMM_EPERM == -92, "errors");
_Static_assert(CMM_ERANGE == -91 && CMM_ESRCH == -90 && CMM_ENOCLUSTER == -89 && CMM_ECONN == -88, "errors");
_Static_assert(CMM_ETIMEDOUT == -87 && CMM_EAGAIN == -86 && CMM_ENOMEM == -85 && CMM_EOTHER == -84, "errors");
_Static_assert(CMM_MASTER_ELECTED == 250 && CMM_MASTER_DEMOTED == 251 && CMM_VICEMASTER_ELECTED == 252, "changes");
_Static_assert(CMM_VICEMASTER_DEMOTED == 253 && CMM_MEMBER_JOINED == 254 && CMM_MEMBER_LEFT == 255, "changes");
_Static_assert(CMM_STALE_CLUSTER == 256 && CMM_INVALID_CLUSTER == 257 && CMM_VALID_CLUSTER == 258, "changes");
_Static_assert(CMM_NODE_ELIGIBLE == 259 && CMM_NODE_INELIGIBLE == 260, "changes");
_Static_assert(CMM_CMC_NOTIFY_ADD == 20 && CMM_CMC_NOTIFY_REM == 21 && CMM_CMC_NOTIFY_SET == 22, "filter");
_Static_assert(CMM_CMC_NOTIFY_ALL == 23 && CMM_CMC_NOTIFY_NONE == 24, "filter");

static void test_strerror(void)
{
	static const struct { int code; const char *name; } cs[] = {
		{1, "success"}, {2, "CS_ERR_LIBRARY"}, {3, "CS_ERR_VERSION"}, {4, "CS_ERR_INIT"},
		{5, "CS_ERR_TIMEOUT"}, {6, "CS_ERR_TRY_AGAIN"}, {7, "CS_ERR_INVALID_PARAM"},
		{8, "CS_ERR_NO_MEMORY"}, {9, "CS_ERR_BAD_HANDLE"}, {10, "CS_ERR_BUSY"},
		{11, "CS_ERR_ACCESS"}, {12, "CS_ERR_NOT_EXIST"}, {13, "CS_ERR_NAME_TOO_LONG"},
		{14, "CS_ERR_EXIST"}, {15, "CS_ERR_NO_SPACE"}, {16, "CS_ERR_INTERRUPT"},
		{17, "CS_ERR_NAME_NOT_FOUND"}, {18, "CS_ERR_NO_RESOURCES"}, {19, "CS_ERR_NOT_SUPPORTED"},
		{20, "CS_ERR_BAD_OPERATION"}, {21, "CS_ERR_FAILED_OPERATION"}, {22, "CS_ERR_MESSAGE_ERROR"},
		{23, "CS_ERR_QUEUE_FULL"}, {24, "CS_ERR_QUEUE_NOT_AVAILABLE"}, {25, "CS_ERR_BAD_FLAGS"},
		{26, "CS_ERR_TOO_BIG"}, {27, "CS_ERR_NO_SECTIONS"}, {28, "CS_ERR_CONTEXT_NOT_FOUND"},
		{29, "unknown error"}, {30, "CS_ERR_TOO_MANY_GROUPS"}, {100, "CS_ERR_SECURITY"},
		{0, "unknown error"}, {-1, "unknown error"}, {31, "unknown error"}, {99, "unknown error"},
		{101, "unknown error"}, {0x7fffffff, "unknown error"},
	};
	static const struct { int code; const char *name; } cmm[] = {
		{0, "CMM_OK"}, {-100, "CMM_EBADF"}, {-99, "CMM_EBUSY"}, {-98, "CMM_ECANCELED"},
		{-97, "CMM_EEXIST"}, {-96, "CMM_EINVAL"}, {-95, "CMM_ENOENT"}, {-94, "CMM_ENOMSG"},
		{-93, "CMM_ENOTSUP"}, {-92, "CMM_EPERM"}, {-91, "CMM_ERANGE"}, {-90, "CMM_ESRCH"},
		{-89, "CMM_ENOCLUSTER"}, {-88, "CMM_ECONN"}, {-87, "CMM_ETIMEDOUT"}, {-86, "CMM_EAGAIN"},
		{-85, "CMM_ENOMEM"}, {-84, "CMM_EOTHER"},
		{-101, "CMM_EUNKNOWN"}, {-83, "CMM_EUNKNOWN"}, {1, "CMM_EUNKNOWN"}, {-1, "CMM_EUNKNOWN"},
		{250, "CMM_EUNKNOWN"}, {(int)0x80000000, "CMM_EUNKNOWN"}, {0x7fffffff, "CMM_EUNKNOWN"},
	};
	size_t i;

	for (i = 0; i < sizeof cs / sizeof cs[0]; i++) {
		const char *s = cs_strerror((cs_error_t)cs[i].code);
		CHECK(s && strcmp(s, cs[i].name) == 0, "cs_strerror(%d) = \"%s\", want \"%s\"",
		      cs[i].code, s ? s : "(null)", cs[i].name);
	}
	for (i = 0; i < sizeof cmm / sizeof cmm[0]; i++) {
		const char *s = cmm_strerror((cmm_error_t)cmm[i].code);
		CHECK(s && strcmp(s, cmm[i].name) == 0, "cmm_strerror(%d) = \"%s\", want \"%s\"",
		      cmm[i].code, s ? s : "(null)", cmm[i].name);
	}
	/* static storage: the same pointer every time */
	CHECK(cmm_strerror(CMM_ESRCH) == cmm_strerror(CMM_ESRCH), "cmm_strerror returns static text");
}

static void test_mappings(void)
{
	CHECK_EQ(qb_to_cs_error(0), CS_OK, "qb_to_cs_error(0)");
	CHECK_EQ(qb_to_cs_error(42), CS_OK, "qb_to_cs_error(42)");
	CHECK_EQ(qb_to_cs_error(-EAGAIN), CS_ERR_TRY_AGAIN, "qb_to_cs_error(-EAGAIN)");
	CHECK_EQ(qb_to_cs_error(-ENOMEM), CS_ERR_NO_MEMORY, "qb_to_cs_error(-ENOMEM)");
	CHECK_EQ(qb_to_cs_error(-EBADF), CS_ERR_BAD_HANDLE, "qb_to_cs_error(-EBADF)");
	CHECK_EQ(qb_to_cs_error(-EINVAL), CS_ERR_INVALID_PARAM, "qb_to_cs_error(-EINVAL)");
	CHECK_EQ(qb_to_cs_error(-EACCES), CS_ERR_ACCESS, "qb_to_cs_error(-EACCES)");
	CHECK_EQ(qb_to_cs_error(-ENOENT), CS_ERR_NOT_EXIST, "qb_to_cs_error(-ENOENT)");
	CHECK_EQ(qb_to_cs_error(-EEXIST), CS_ERR_EXIST, "qb_to_cs_error(-EEXIST)");
	CHECK_EQ(qb_to_cs_error(-ETIME), CS_ERR_TIMEOUT, "qb_to_cs_error(-ETIME)");
	CHECK_EQ(qb_to_cs_error(-EBADMSG), CS_ERR_MESSAGE_ERROR, "qb_to_cs_error(-EBADMSG)");
	CHECK_EQ(qb_to_cs_error(-ENOTCONN), CS_ERR_LIBRARY, "qb_to_cs_error(-ENOTCONN)");
	CHECK_EQ(hdb_error_to_cs(0), CS_OK, "hdb_error_to_cs(0)");
	CHECK_EQ(hdb_error_to_cs(-EBADF), CS_ERR_BAD_HANDLE, "hdb_error_to_cs(-EBADF)");
	CHECK_EQ(hdb_error_to_cs(-ENOMEM), CS_ERR_NO_MEMORY, "hdb_error_to_cs(-ENOMEM)");
	CHECK_EQ(hdb_error_to_cs(-EMFILE), CS_ERR_NO_RESOURCES, "hdb_error_to_cs(-EMFILE)");
	CHECK_EQ(hdb_error_to_cs(-EACCES), CS_ERR_ACCESS, "hdb_error_to_cs(-EACCES)");
	CHECK_EQ(hdb_error_to_cs(-EINVAL), CS_ERR_LIBRARY, "hdb_error_to_cs(-EINVAL)");
	CHECK_EQ(hdb_error_to_cs(3), CS_ERR_LIBRARY, "hdb_error_to_cs(3)");
	CHECK(cs_timestamp_get() > 0, "cs_timestamp_get is monotonic time");
}

static void test_predicates(void)
{
	static const struct {
		int (*fn)(cmm_member_t const *);
		uint32_t bit;
		const char *name;
	} preds[] = {
		{cmm_member_ismaster, CMM_MASTER, "ismaster"},
		{cmm_member_isvicemaster, CMM_VICEMASTER, "isvicemaster"},
		{cmm_member_isoutofcluster, CMM_OUT_OF_CLUSTER, "isoutofcluster"},
		{cmm_member_iseligible, CMM_ELIGIBLE_MEMBER, "iseligible"},
		{cmm_member_isfrozen, CMM_FROZEN_MEMBER, "isfrozen"},
		{cmm_member_isexcluded, CMM_EXCLUDED_MEMBER, "isexcluded"},
		{cmm_member_isdisqualified, CMM_FLAG_DISQUALIFIED, "isdisqualified"},
		{cmm_member_isdesynchronized, CMM_FLAG_SYNCHRO_NEEDED, "isdesynchronized"},
	};
	cmm_member_t m;
	size_t i, j;

	for (i = 0; i < sizeof preds / sizeof preds[0]; i++) {
		memset(&m, 0, sizeof m);
		CHECK(!preds[i].fn(&m), "%s(sflag 0) is false", preds[i].name);
		m.sflag = preds[i].bit;
		CHECK(preds[i].fn(&m), "%s(own bit) is true", preds[i].name);
		for (j = 0; j < sizeof preds / sizeof preds[0]; j++)
			if (j != i)
				CHECK(!preds[j].fn(&m), "%s(bit of %s) is false", preds[j].name, preds[i].name);
		m.sflag = 0xffffffffu & ~preds[i].bit;
		CHECK(!preds[i].fn(&m), "%s(all other bits) is false", preds[i].name);
		CHECK(!preds[i].fn(NULL), "%s(NULL) is false", preds[i].name);
	}
	/* qualified: eligible and not disqualified (see cmm.h) */
	memset(&m, 0, sizeof m);
	CHECK(!cmm_member_isqualified(&m), "isqualified(not eligible) is false");
	m.sflag = CMM_ELIGIBLE_MEMBER;
	CHECK(cmm_member_isqualified(&m), "isqualified(eligible) is true");
	m.sflag = CMM_ELIGIBLE_MEMBER | CMM_FLAG_DISQUALIFIED;
	CHECK(!cmm_member_isqualified(&m), "isqualified(eligible, disqualified) is false");
	CHECK(!cmm_member_isqualified(NULL), "isqualified(NULL) is false");

	/* deprecated macros take a value */
	m.sflag = CMM_MASTER | CMM_ELIGIBLE_MEMBER | CMM_FLAG_SYNCHRO_NEEDED | CMM_FROZEN_MEMBER;
	CHECK(CMM_IS_MASTER(m) && !CMM_IS_VICEMASTER(m) && !CMM_IS_OUT_OF_CLUSTER(m), "CMM_IS_ role macros");
	CHECK(CMM_IS_ELIGIBLE(m) && CMM_IS_QUALIFIED(m) && !CMM_IS_DISQUALIFIED(m), "CMM_IS_ qualification macros");
	CHECK(CMM_IS_SEMI_QUALIFIED(m) && CMM_IS_FROZEN(m) && !CMM_IS_EXCLUDED(m), "CMM_IS_ attribute macros");
	m.sflag = CMM_VICEMASTER | CMM_EXCLUDED_MEMBER | CMM_FLAG_DISQUALIFIED;
	CHECK(CMM_IS_VICEMASTER(m) && CMM_IS_EXCLUDED(m) && CMM_IS_DISQUALIFIED(m), "CMM_IS_ macros (2)");
	m.sflag = CMM_OUT_OF_CLUSTER;
	CHECK(CMM_IS_OUT_OF_CLUSTER(m), "CMM_IS_OUT_OF_CLUSTER");
}

static void test_goha(void)
{
	int ma = -1, mi = -1, pa = -1;
	char buf[8], big[256];
	const char *v = goha_version(&ma, &mi, &pa);
	char want[32];

	snprintf(want, sizeof want, "%d.%d.%d", GOHA_VERSION_MAJOR, GOHA_VERSION_MINOR, GOHA_VERSION_PATCH);
	CHECK(v && strcmp(v, want) == 0, "goha_version = %s, want %s", v ? v : "(null)", want);
	CHECK(ma == GOHA_VERSION_MAJOR && mi == GOHA_VERSION_MINOR && pa == GOHA_VERSION_PATCH, "goha_version numbers");
	CHECK(goha_version(NULL, NULL, NULL) == v, "goha_version(NULL...) is safe and static");

	CHECK_EQ(goha_errmsg(GOHA_PROCESS_HANDLE, NULL, 10), GOHA_EINVAL, "goha_errmsg(buf NULL)");
	CHECK_EQ(goha_errmsg(GOHA_PROCESS_HANDLE, buf, 0), GOHA_EINVAL, "goha_errmsg(len 0)");
	CHECK_EQ(goha_errmsg(12345, big, sizeof big), GOHA_EBADF, "goha_errmsg(bad handle)");
	CHECK_EQ(big[0], 0, "goha_errmsg(bad handle) leaves an empty string");
	/* make a failure with a long message, then read it truncated */
	CHECK_CS(votequorum_finalize(0xdeadbeef), CS_ERR_BAD_HANDLE);
	CHECK_EQ(goha_errmsg(GOHA_PROCESS_HANDLE, big, sizeof big), GOHA_OK, "goha_errmsg(process)");
	CHECK(strstr(big, "votequorum_finalize") && strstr(big, "bad handle"), "errmsg names call and cause: %s", big);
	memset(buf, 'x', sizeof buf);
	CHECK_EQ(goha_errmsg(GOHA_PROCESS_HANDLE, buf, sizeof buf), GOHA_ERANGE, "goha_errmsg truncation");
	CHECK(buf[sizeof buf - 1] == 0 && strlen(buf) == sizeof buf - 1 && strncmp(buf, big, sizeof buf - 1) == 0,
	      "truncated message is NUL-terminated: %s", buf);
	CHECK_EQ(goha_handles_open(), 0, "no handles open");
}

static void test_no_daemon(void)
{
	votequorum_handle_t h = 77;
	votequorum_callbacks_t cbs = {0};
	cmm_nodeid_t me = 5;
	cmm_member_t m;
	uint32_t n = 9;
	timespec_t t = {1, 0};
	char msg[256];

	CHECK_CS(votequorum_initialize(&h, &cbs), CS_ERR_LIBRARY);
	CHECK_EQ(h, 77, "handle untouched on failure");
	goha_errmsg(GOHA_PROCESS_HANDLE, msg, sizeof msg);
	CHECK(strstr(msg, "votequorum_initialize") != NULL, "initialize failure explained: %s", msg);
	CHECK_CS(votequorum_initialize(&h, NULL), CS_ERR_LIBRARY);
	CHECK_CS(votequorum_initialize(NULL, &cbs), CS_ERR_INVALID_PARAM);
	{
		quorum_handle_t qh = 77;
		cmap_handle_t ch = 77;
		corosync_cfg_handle_t fh = 77;
		uint32_t qt = 9;

		CHECK_CS(quorum_initialize(&qh, NULL, &qt), CS_ERR_LIBRARY);
		CHECK(qh == 77 && qt == 9, "quorum: handle and type untouched on failure");
		CHECK_CS(quorum_model_initialize(&qh, QUORUM_MODEL_V1, NULL, NULL, NULL), CS_ERR_LIBRARY);
		CHECK_CS(cmap_initialize(&ch), CS_ERR_LIBRARY);
		CHECK_CS(cmap_initialize_map(&ch, CMAP_MAP_STATS), CS_ERR_LIBRARY);
		CHECK_CS(corosync_cfg_initialize(&fh, NULL), CS_ERR_LIBRARY);
		CHECK(ch == 77 && fh == 77, "cmap, cfg: handles untouched on failure");
	}
	CHECK_CMM(cmm_connect(t), CMM_ECONN);
	CHECK_CMM(cmm_node_getid(&me), CMM_ECONN);
	CHECK_EQ(me, CMM_INVALID_NODE_ID, "cmm_node_getid sets CMM_INVALID_NODE_ID on error");
	CHECK_CMM(cmm_member_getinfo(1, &m), CMM_ECONN);
	CHECK_CMM(cmm_potential_getinfo(1, &m), CMM_ECONN);
	CHECK_CMM(cmm_master_getinfo(&m), CMM_ECONN);
	CHECK_CMM(cmm_vicemaster_getinfo(&m), CMM_ECONN);
	CHECK_CMM(cmm_member_getcount(&n), CMM_ECONN);
	CHECK_CMM(cmm_member_getall(4, &m, &n), CMM_ECONN);
	CHECK_CMM(cmm_mastership_release(), CMM_ECONN);
	CHECK_CMM(cmm_membership_remove(), CMM_ECONN);
	CHECK_CMM(cmm_member_setqualif(1, CMM_QUALIFIED_MEMBER), CMM_ECONN);
	CHECK_CMM(cmm_member_seizequalif(), CMM_ECONN);
	CHECK_CMM(cmm_config_reload(), CMM_ECONN);
	CHECK_CMM(cmm_disconnect(), CMM_OK);
	CHECK_EQ(goha_handles_open(), 0, "no handles open");
}

int main(int argc, char **argv)
{
	(void)argc;
	h_init(argv[0]);
	test_strerror();
	test_mappings();
	test_predicates();
	test_goha();
	test_no_daemon();
	return h_done();
}
