// goha-test: nodes=0
/*
 * confd_headers.c -- compile-time checks that libgoha's ConfD headers have
 * ConfD's x86_64 ABI: sizes and offsets measured on the original headers
 * (spec/confd-ha.md 1.4-1.6), and the constants' values.  The program also
 * checks at run time that the macros and both old and new names work.
 */
#include "harness.h"

#include <confd_lib.h>
#include <confd_ha.h>
#include <confd_events.h>
#include <confd.h>
#include <goha.h>

#include <stddef.h>

#if defined(__x86_64__) && defined(__LP64__)
/* confd_value_t */
_Static_assert(sizeof(enum confd_vtype) == 4, "confd_vtype is 4 bytes");
_Static_assert(sizeof(confd_value_t) == 40, "sizeof(confd_value_t)");
_Static_assert(_Alignof(confd_value_t) == 8, "alignof(confd_value_t)");
_Static_assert(offsetof(confd_value_t, val) == 8, "confd_value_t.val");
_Static_assert(sizeof(((confd_value_t *)0)->val) == 32, "sizeof(val)");
_Static_assert(offsetof(confd_value_t, val.buf.size) == 8, "val.buf.size");
_Static_assert(offsetof(confd_value_t, val.buf.ptr) == 16, "val.buf.ptr");
_Static_assert(sizeof(confd_buf_t) == 16, "sizeof(confd_buf_t)");
_Static_assert(sizeof(confd_buf_const_t) == 16, "sizeof(confd_buf_const_t)");
_Static_assert(sizeof(struct confd_qname) == 32, "qname is the largest member");
_Static_assert(offsetof(confd_value_t, val.c_buf.ptr) == 16, "val.c_buf.ptr");
_Static_assert(offsetof(confd_value_t, val.qname.name.ptr) == 32, "qname.name");
_Static_assert(offsetof(confd_value_t, val.i64) == 8, "val.i64");
_Static_assert(offsetof(confd_value_t, val.list.ptr) == 16, "val.list.ptr");
_Static_assert(offsetof(confd_value_t, val.ptr.valp) == 16, "val.ptr.valp");
_Static_assert(offsetof(confd_value_t, val.d64.fraction_digits) == 16, "d64");
_Static_assert(offsetof(struct confd_datetime, micro) == 8, "datetime.micro");
_Static_assert(sizeof(struct confd_datetime) == 16, "sizeof(confd_datetime)");
_Static_assert(sizeof(struct confd_duration) == 28, "sizeof(confd_duration)");

/* struct confd_ha_node */
_Static_assert(sizeof(struct confd_ha_node) == 320, "sizeof(confd_ha_node)");
_Static_assert(offsetof(struct confd_ha_node, nodeid) == 0, "ha_node.nodeid");
_Static_assert(offsetof(struct confd_ha_node, af) == 40, "ha_node.af");
_Static_assert(offsetof(struct confd_ha_node, addr) == 48, "ha_node.addr");
_Static_assert(sizeof(((struct confd_ha_node *)0)->addr) == 16, "ha_node.addr size");
_Static_assert(offsetof(struct confd_ha_node, buf) == 64, "ha_node.buf");
_Static_assert(offsetof(struct confd_ha_node, addr_buf) == 192, "ha_node.addr_buf");

/* struct confd_ha_status: num_nodes after the array */
_Static_assert(sizeof(struct confd_ha_status) == 81616, "sizeof(confd_ha_status)");
_Static_assert(offsetof(struct confd_ha_status, state) == 0, "status.state");
_Static_assert(offsetof(struct confd_ha_status, nodes) == 8, "status.nodes");
_Static_assert(offsetof(struct confd_ha_status, num_nodes) == 81608, "status.num_nodes");

/* notifications */
_Static_assert(sizeof(struct confd_ha_notification) == 328, "sizeof(confd_ha_notification)");
_Static_assert(offsetof(struct confd_ha_notification, data) == 8, "hnot.data");
_Static_assert(sizeof(struct confd_notification) == 8464, "sizeof(confd_notification)");
_Static_assert(offsetof(struct confd_notification, n) == 8, "notification.n");
_Static_assert(offsetof(struct confd_notification, n.hnot.data.secondary_died.af) == 56, "died.af");
_Static_assert(sizeof(confd_notification_type) == 8, "notification type is int64");

/* confd_cdb.h, confd_events.h 2 (spec/confd-cdb.md 1.1, 1.2, 4.3) */
_Static_assert(sizeof(struct cdb_txid) == 280, "sizeof(cdb_txid)");
_Static_assert(offsetof(struct cdb_txid, primary) == 12, "cdb_txid.primary");
_Static_assert(offsetof(struct cdb_txid, master) == 272, "cdb_txid.master");
_Static_assert(sizeof(confd_hkeypath_t) == 43208, "sizeof(confd_hkeypath_t) at 60x18");
_Static_assert(offsetof(confd_hkeypath_t, v) == 8, "hkeypath.v");
_Static_assert(sizeof(struct confd_notifications_data) == 112, "sizeof(confd_notifications_data)");
_Static_assert(offsetof(struct confd_notifications_data, health_check_interval) == 4, "nd.health_check_interval");
_Static_assert(offsetof(struct confd_notifications_data, stream_name) == 8, "nd.stream_name");
_Static_assert(offsetof(struct confd_notifications_data, start_time) == 16, "nd.start_time");
_Static_assert(offsetof(struct confd_notifications_data, stop_time) == 56, "nd.stop_time");
_Static_assert(offsetof(struct confd_notifications_data, xpath_filter) == 96, "nd.xpath_filter");
_Static_assert(offsetof(struct confd_notifications_data, usid) == 104, "nd.usid");
_Static_assert(offsetof(struct confd_notifications_data, verbosity) == 108, "nd.verbosity");
#else
#warning "ABI figures are for x86_64 LP64; only constants are checked here"
#endif

/* constants (every platform) */
_Static_assert(CONFD_OK == 0 && CONFD_ERR == -1 && CONFD_EOF == -2, "return codes");
_Static_assert(CONFD_DELAYED_RESPONSE == 2 && CONFD_ACCUMULATE == 1, "return codes");
_Static_assert(CONFD_VALIDATION_WARN == -3 && CONFD_ALREADY_LOCKED == -4 && CONFD_IN_USE == -5, "rc");
_Static_assert(CONFD_PORT == 4565 && NCS_PORT == 4569, "ports");
_Static_assert(MAXDEPTH == 60 && MAXKEYLEN == 18 && MAX_DAEMON_NAME_LEN == 255, "limits");
_Static_assert(CONFD_SILENT == 0 && CONFD_DEBUG == 1 && CONFD_TRACE == 2 && CONFD_PROTO_TRACE == 3, "debug");
_Static_assert(CONFD_ERR_NOEXISTS == 1 && CONFD_ERR_BADTYPE == 5 && CONFD_ERR_BADSTATE == 17, "errno");
_Static_assert(CONFD_ERR_INTERNAL == 18 && CONFD_ERR_PROTOUSAGE == 21 && CONFD_ERR_OS == 24, "errno");
_Static_assert(CONFD_ERR_HA_CONNECT == 25 && CONFD_ERR_HA_CLOSED == 26 && CONFD_ERR_HA_BADFXS == 27, "HA errno");
_Static_assert(CONFD_ERR_HA_BADTOKEN == 28 && CONFD_ERR_HA_BADNAME == 29 && CONFD_ERR_HA_BIND == 30, "HA errno");
_Static_assert(CONFD_ERR_HA_NOTICK == 31 && CONFD_ERR_LIB_NOT_INITIALIZED == 34, "errno");
_Static_assert(CONFD_ERR_EOF == 45 && CONFD_ERR_HA_WITH_UPGRADE == 47 && CONFD_ERR_NOT_IMPLEMENTED == 51, "errno");
_Static_assert(CONFD_ERR_HA_BADVSN == 52 && NCS_ERR_CONNECTION_REFUSED == 56 && NCS_ERR_TEMPLATE == 66, "errno");
_Static_assert(CONFD_ERR_HA_BADCONFIG == 69 && CONFD_ERR_TRANSACTION_CONFLICT == 70 && CONFD_ERR_HA_ABORT == 71, "errno");
_Static_assert(C_NOEXISTS == 1 && C_BUF == 5 && C_DOUBLE == 14 && C_QNAME == 18, "vtype");
_Static_assert(C_TIME == 23 && C_DURATION == 27 && C_ENUM_VALUE == 28 && C_ENUM_HASH == 28, "vtype");
_Static_assert(C_LIST == 31 && C_OBJECTREF == 34 && C_PTR == 36 && C_OID == 38 && C_BINARY == 39, "vtype");
_Static_assert(C_DECIMAL64 == 43 && C_IDENTITYREF == 44 && C_DQUAD == 46 && C_HEXSTR == 47, "vtype");
_Static_assert(C_IPV4_AND_PLEN == 48 && C_BITBIG == 50 && C_XMLMOVEAFTER == 52 && C_MAXTYPE == 53, "vtype");
_Static_assert(CONFD_TIMEZONE_UNDEF == -111, "tz");
_Static_assert(CONFD_HA_STATE_NONE == 1 && CONFD_HA_STATE_SECONDARY == 2, "state");
_Static_assert(CONFD_HA_STATE_PRIMARY == 3 && CONFD_HA_STATE_SECONDARY_RELAY == 4, "state");
_Static_assert(CONFD_HA_STATE_SLAVE == 2 && CONFD_HA_STATE_MASTER == 3 && CONFD_HA_STATE_SLAVE_RELAY == 4, "old state");
_Static_assert(CONFD_NOTIF_HA_INFO == 64 && CONFD_NOTIF_HA_INFO_SYNC == 1048576, "notif bits");
_Static_assert(CONFD_NOTIF_AUDIT == 1 && CONFD_NOTIF_COMPACTION == (1LL << 30), "notif bits");
_Static_assert(CONFD_HA_INFO_NOPRIMARY == 1 && CONFD_HA_INFO_SECONDARY_DIED == 2, "ha info");
_Static_assert(CONFD_HA_INFO_SECONDARY_ARRIVED == 3 && CONFD_HA_INFO_SECONDARY_INITIALIZED == 4, "ha info");
_Static_assert(CONFD_HA_INFO_IS_PRIMARY == 5 && CONFD_HA_INFO_IS_NONE == 6, "ha info");
_Static_assert(CONFD_HA_INFO_BESECONDARY_RESULT == 7, "ha info");
_Static_assert(CONFD_HA_INFO_NOMASTER == 1 && CONFD_HA_INFO_SLAVE_DIED == 2 && CONFD_HA_INFO_SLAVE_ARRIVED == 3, "old");
_Static_assert(CONFD_HA_INFO_SLAVE_INITIALIZED == 4 && CONFD_HA_INFO_IS_MASTER == 5 && CONFD_HA_INFO_BESLAVE_RESULT == 7, "old");

/* The exported functions have the documented types (old names included). */
static int (*const fn_connect)(int, const struct sockaddr *, int, const char *) = confd_ha_connect;
static int (*const fn_beprimary)(int, confd_value_t *) = confd_ha_beprimary;
static int (*const fn_bemaster)(int, confd_value_t *) = confd_ha_bemaster;
static int (*const fn_besecondary)(int, confd_value_t *, struct confd_ha_node *, int) = confd_ha_besecondary;
static int (*const fn_beslave)(int, confd_value_t *, struct confd_ha_node *, int) = confd_ha_beslave;
static int (*const fn_berelay)(int) = confd_ha_berelay;
static int (*const fn_benone)(int) = confd_ha_benone;
static int (*const fn_dead)(int, confd_value_t *) = confd_ha_secondary_dead;
static int (*const fn_slave_dead)(int, confd_value_t *) = confd_ha_slave_dead;
static int (*const fn_status)(int, struct confd_ha_status *) = confd_ha_get_status;
static int (*const fn_old_status)(int, struct confd_ha_status *) = confd_ha_status;
static int (*const fn_nconnect)(int, const struct sockaddr *, int, confd_notification_type) = confd_notifications_connect;
static int (*const fn_read)(int, struct confd_notification *) = confd_read_notification;
static void (*const fn_free)(struct confd_notification *) = confd_free_notification;
static int (*const fn_sync)(int) = confd_sync_ha_notification;

/* Every function confd_cdb.h, the new confd_lib.h/confd_events.h calls and
 * goha.h's change subscriptions declare: each must link (none is declared
 * without an implementation). */
static const void *const cdb_fns[] = {
    (const void *)cdb_connect, (const void *)cdb_connect_name, (const void *)cdb_close,
    (const void *)cdb_wait_start, (const void *)cdb_start_session, (const void *)cdb_start_session2,
    (const void *)cdb_end_session, (const void *)cdb_set_namespace, (const void *)cdb_get,
    (const void *)cdb_vget, (const void *)cdb_get_int8, (const void *)cdb_get_int16,
    (const void *)cdb_get_int32, (const void *)cdb_get_int64, (const void *)cdb_get_u_int8,
    (const void *)cdb_get_u_int16, (const void *)cdb_get_u_int32, (const void *)cdb_get_u_int64,
    (const void *)cdb_get_bool, (const void *)cdb_get_double, (const void *)cdb_vget_int8,
    (const void *)cdb_vget_int16, (const void *)cdb_vget_int32, (const void *)cdb_vget_int64,
    (const void *)cdb_vget_u_int8, (const void *)cdb_vget_u_int16, (const void *)cdb_vget_u_int32,
    (const void *)cdb_vget_u_int64, (const void *)cdb_vget_bool, (const void *)cdb_vget_double,
    (const void *)cdb_get_str, (const void *)cdb_vget_str, (const void *)cdb_exists,
    (const void *)cdb_vexists, (const void *)cdb_set_elem, (const void *)cdb_vset_elem,
    (const void *)cdb_set_elem2, (const void *)cdb_vset_elem2, (const void *)cdb_get_txid,
    (const void *)cdb_subscribe, (const void *)cdb_vsubscribe, (const void *)cdb_subscribe2,
    (const void *)cdb_vsubscribe2, (const void *)cdb_subscribe_done,
    (const void *)cdb_read_subscription_socket, (const void *)cdb_read_subscription_socket2,
    (const void *)cdb_diff_iterate, (const void *)cdb_sync_subscription_socket,
    (const void *)confd_free_value, (const void *)confd_pp_kpath, (const void *)confd_hash2str,
    (const void *)confd_notifications_connect2, (const void *)goha_cdb_subscribe,
    (const void *)goha_cdb_read_change, (const void *)goha_cdb_read_change2, (const void *)&cdb_active_subscriptions,
};

static void check(int ok, const char *what)
{
    CHECK(ok, "%s", what);
}

/* The values of confd_cdb.h's and the new confd_lib.h's constants
 * (spec/confd-cdb.md 1.2 and 4.2). */
_Static_assert(CDB_RUNNING == 1 && CDB_STARTUP == 2 && CDB_OPERATIONAL == 3 && CDB_PRE_COMMIT_RUNNING == 4, "cdb_db_type");
_Static_assert(CDB_READ_SOCKET == 0 && CDB_SUBSCRIPTION_SOCKET == 1 && CDB_DATA_SOCKET == 2, "cdb_sock_type");
_Static_assert(CDB_SUB_RUNNING == 1 && CDB_SUB_RUNNING_TWOPHASE == 2 && CDB_SUB_OPERATIONAL == 3, "cdb_sub_type");
_Static_assert(CDB_SUB_PREPARE == 1 && CDB_SUB_COMMIT == 2 && CDB_SUB_ABORT == 3 && CDB_SUB_OPER == 4, "cdb_sub_notification");
_Static_assert(CDB_DONE_PRIORITY == 1 && CDB_DONE_SOCKET == 2 && CDB_DONE_TRANSACTION == 3 && CDB_DONE_OPERATIONAL == 4, "sync types");
_Static_assert(CDB_LOCK_WAIT == 1 && CDB_LOCK_SESSION == 2 && CDB_LOCK_REQUEST == 4 && CDB_LOCK_PARTIAL == 8 && CDB_READ_COMMITTED == 16, "lock flags");
_Static_assert(CDB_SUB_FLAG_IS_LAST == 1 && CDB_SUB_FLAG_TRIGGER == 2 && CDB_SUB_FLAG_REVERT == 4 && CDB_SUB_FLAG_HA_SYNC == 8 &&
	       CDB_SUB_FLAG_HA_IS_SECONDARY == 16 && CDB_SUB_FLAG_HA_IS_SLAVE == 16, "notification flags");
_Static_assert(MOP_CREATED == 1 && MOP_DELETED == 2 && MOP_MODIFIED == 3 && MOP_VALUE_SET == 4 && MOP_MOVED_AFTER == 5 && MOP_ATTR_SET == 6, "confd_iter_op");
_Static_assert(ITER_STOP == 1 && ITER_RECURSE == 2 && ITER_CONTINUE == 3 && ITER_SUSPEND == 4 && ITER_UP == 5, "confd_iter_ret");
_Static_assert(ITER_WANT_PREV == 1 && ITER_WANT_ANCESTOR_DELETE == 2 && ITER_WANT_SCHEMA_ORDER == 16 && ITER_WANT_REVERSE == 128 &&
	       ITER_WANT_CLI_ORDER == 1024 && ITER_WANT_SUPPRESS_OPER_DEFAULTS == 2048, "confd_iter_flags");
_Static_assert(CONFD_ERRCODE_IN_USE == 0 && CONFD_ERRCODE_INTERRUPT == 9, "confd_errcode");
_Static_assert(CONFD_VERBOSITY_NORMAL == 0 && CONFD_VERBOSITY_DEBUG == 3, "confd_progress_verbosity");
_Static_assert(NCS_NOTIF_PACKAGE_RELOAD == (1LL << 21) && NCS_NOTIF_CQ_PROGRESS == (1LL << 22) &&
	       NCS_NOTIF_CALL_HOME_INFO == (1LL << 25) && NCS_NOTIF_AUDIT_NETWORK == (1LL << 28) &&
	       NCS_NOTIF_AUDIT_NETWORK_SYNC == (1LL << 29) && CONFD_NOTIF_SYSTEM_GOING_DOWN == (1LL << 31) &&
	       CONFD_NOTIF_SYSLOG == 2 && CONFD_NOTIF_SYSLOG_TAKEOVER == 6, "notification bits");

int main(int argc, char **argv)
{
    confd_value_t v;
    unsigned char bytes[3] = {'a', 'b', 'c'};
    const void *fns[] = {(const void *)fn_connect, (const void *)fn_beprimary,
        (const void *)fn_bemaster, (const void *)fn_besecondary,
        (const void *)fn_beslave, (const void *)fn_berelay,
        (const void *)fn_benone, (const void *)fn_dead,
        (const void *)fn_slave_dead, (const void *)fn_status,
        (const void *)fn_old_status, (const void *)fn_nconnect,
        (const void *)fn_read, (const void *)fn_free, (const void *)fn_sync};
    size_t i;
    int all = 1;

    (void)argc;
    h_init(argv[0]);

    for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
        all = all && fns[i] != NULL;
    check(all, "every HA and notification function resolves, old names too");
    for (i = 0, all = 1; i < sizeof(cdb_fns) / sizeof(cdb_fns[0]); i++)
        all = all && cdb_fns[i] != NULL;
    check(all, "every function confd_cdb.h declares resolves");
    /* the old names are distinct symbols, not macros for the new ones */
    check((const void *)fn_bemaster != (const void *)fn_beprimary &&
          (const void *)fn_old_status != (const void *)fn_status,
          "old names are real functions");

    CONFD_SET_BUF(&v, bytes, 3);
    check(v.type == C_BUF && CONFD_GET_BUFSIZE(&v) == 3 &&
          CONFD_GET_BUFPTR(&v) == bytes && CONFD_GET_CBUFPTR(&v)[2] == 'c',
          "CONFD_SET_BUF / CONFD_GET_BUF*");
    CONFD_SET_STR(&v, "node1");
    check(v.type == C_STR && strcmp(CONFD_GET_STR(&v), "node1") == 0, "CONFD_SET_STR");
    CONFD_SET_INT64(&v, -5);
    check(v.type == C_INT64 && CONFD_GET_INT64(&v) == -5, "CONFD_SET_INT64");
    CONFD_SET_UINT16(&v, 65535);
    check(v.type == C_UINT16 && CONFD_GET_UINT16(&v) == 65535, "CONFD_SET_UINT16");
    CONFD_SET_XMLTAG(&v, 7, 9);
    check(v.type == C_XMLTAG && CONFD_GET_XMLTAG(&v) == 7 && CONFD_GET_XMLTAG_NS(&v) == 9,
          "CONFD_SET_XMLTAG");
    CONFD_SET_ENUM_HASH(&v, 3);
    check(v.type == C_ENUM_VALUE && CONFD_GET_ENUM_VALUE(&v) == 3, "enum hash alias");
    {
        confd_value_t *p = &v;
        int evaluations = 0;
        CONFD_SET_BOOL((evaluations++, p), 1);
        check(evaluations == 1 && CONFD_GET_BOOL(&v) == 1, "setters evaluate v once");
    }
    {
        struct confd_ha_status st; /* the struct tag and the function coexist */
        st.num_nodes = 0;
        st.state = CONFD_HA_STATE_MASTER;
        check(st.state == CONFD_HA_STATE_PRIMARY && st.num_nodes == 0,
              "struct confd_ha_status next to function confd_ha_status");
    }
    return h_done();
}
