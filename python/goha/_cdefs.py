"""The C declarations of libgoha that the Python package uses: the ONE place.

Everything here is copied by hand from the headers in include/ (the ABI of
record) in the dialect cffi's ``cdef`` understands.  cffi's ABI mode does not
compile anything, so a wrong layout here would silently corrupt memory; the
test python/tests/test_abi.py therefore compiles a C program against
include/ that prints ``sizeof``/``offsetof`` of every struct field declared
below, the value of every constant, and checks every function prototype with
``__builtin_types_compatible_p``, and compares them with what cffi computed.

Unions are declared with only the members Python reads or writes, plus the
largest member, so that their size and alignment equal the C ones (the test
checks that too).

``CDB_CDEF`` holds the config store functions (goha_cdb_*), kept apart
because they are optional: a library built before they existed still loads,
and goha.cdb reports their absence as an error when called.
"""

from __future__ import annotations

CDEF = r"""
/* ---- libc / kernel types (glibc x86_64 / aarch64 layout) ---- */
struct in_addr { uint32_t s_addr; };
struct in6_addr { union { uint8_t __u6_addr8[16]; uint16_t __u6_addr16[8]; uint32_t __u6_addr32[4]; } __in6_u; };
struct sockaddr { unsigned short sa_family; char sa_data[14]; };
struct timespec { long tv_sec; long tv_nsec; };
typedef struct timespec timespec_t;

/* ---- confd_lib.h ---- */
#define CONFD_DELAYED_RESPONSE 2
#define CONFD_ACCUMULATE 1
#define CONFD_OK 0
#define CONFD_ERR -1
#define CONFD_EOF -2
#define CONFD_VALIDATION_WARN -3
#define CONFD_ALREADY_LOCKED -4
#define CONFD_IN_USE -5
#define CONFD_PORT 4565
#define NCS_PORT 4569
#define CONFD_LIB_VSN 0x08020500
#define CONFD_LIB_API_VSN 0x08020300
#define CONFD_LIB_PROTO_VSN 82
#define MAXDEPTH 60
#define MAXKEYLEN 18
#define MAX_DAEMON_NAME_LEN 255

#define CONFD_ERR_NOEXISTS 1
#define CONFD_ERR_ALREADY_EXISTS 2
#define CONFD_ERR_ACCESS_DENIED 3
#define CONFD_ERR_NOT_WRITABLE 4
#define CONFD_ERR_BADTYPE 5
#define CONFD_ERR_NOTCREATABLE 6
#define CONFD_ERR_NOTDELETABLE 7
#define CONFD_ERR_BADPATH 8
#define CONFD_ERR_NOSTACK 9
#define CONFD_ERR_LOCKED 10
#define CONFD_ERR_INUSE 11
#define CONFD_ERR_NOTSET 12
#define CONFD_ERR_NON_UNIQUE 13
#define CONFD_ERR_BAD_KEYREF 14
#define CONFD_ERR_TOO_FEW_ELEMS 15
#define CONFD_ERR_TOO_MANY_ELEMS 16
#define CONFD_ERR_BADSTATE 17
#define CONFD_ERR_INTERNAL 18
#define CONFD_ERR_EXTERNAL 19
#define CONFD_ERR_MALLOC 20
#define CONFD_ERR_PROTOUSAGE 21
#define CONFD_ERR_NOSESSION 22
#define CONFD_ERR_TOOMANYTRANS 23
#define CONFD_ERR_OS 24
#define CONFD_ERR_HA_CONNECT 25
#define CONFD_ERR_HA_CLOSED 26
#define CONFD_ERR_HA_BADFXS 27
#define CONFD_ERR_HA_BADTOKEN 28
#define CONFD_ERR_HA_BADNAME 29
#define CONFD_ERR_HA_BIND 30
#define CONFD_ERR_HA_NOTICK 31
#define CONFD_ERR_VALIDATION_WARNING 32
#define CONFD_ERR_SUBAGENT_DOWN 33
#define CONFD_ERR_LIB_NOT_INITIALIZED 34
#define CONFD_ERR_TOO_MANY_SESSIONS 35
#define CONFD_ERR_BAD_CONFIG 36
#define CONFD_ERR_RESOURCE_DENIED 37
#define CONFD_ERR_INCONSISTENT_VALUE 38
#define CONFD_ERR_APPLICATION_INTERNAL 39
#define CONFD_ERR_UNSET_CHOICE 40
#define CONFD_ERR_MUST_FAILED 41
#define CONFD_ERR_MISSING_INSTANCE 42
#define CONFD_ERR_INVALID_INSTANCE 43
#define CONFD_ERR_UNAVAILABLE 44
#define CONFD_ERR_EOF 45
#define CONFD_ERR_NOTMOVABLE 46
#define CONFD_ERR_HA_WITH_UPGRADE 47
#define CONFD_ERR_TIMEOUT 48
#define CONFD_ERR_ABORTED 49
#define CONFD_ERR_XPATH 50
#define CONFD_ERR_NOT_IMPLEMENTED 51
#define CONFD_ERR_HA_BADVSN 52
#define CONFD_ERR_POLICY_FAILED 53
#define CONFD_ERR_POLICY_COMPILATION_FAILED 54
#define CONFD_ERR_POLICY_EVALUATION_FAILED 55
#define NCS_ERR_CONNECTION_REFUSED 56
#define CONFD_ERR_START_FAILED 57
#define CONFD_ERR_DATA_MISSING 58
#define CONFD_ERR_CLI_CMD 59
#define CONFD_ERR_UPGRADE_IN_PROGRESS 60
#define CONFD_ERR_NOTRANS 61
#define NCS_ERR_SERVICE_CONFLICT 62
#define NCS_ERR_CONNECTION_TIMEOUT 63
#define NCS_ERR_CONNECTION_CLOSED 64
#define NCS_ERR_DEVICE 65
#define NCS_ERR_TEMPLATE 66
#define CONFD_ERR_NO_MOUNT_ID 67
#define CONFD_ERR_STALE_INSTANCE 68
#define CONFD_ERR_HA_BADCONFIG 69
#define CONFD_ERR_TRANSACTION_CONFLICT 70
#define CONFD_ERR_HA_ABORT 71

enum confd_debug_level { CONFD_SILENT = 0, CONFD_DEBUG = 1, CONFD_TRACE = 2, CONFD_PROTO_TRACE = 3 };

enum confd_vtype {
    C_NOEXISTS = 1, C_XMLTAG = 2, C_SYMBOL = 3, C_STR = 4, C_BUF = 5,
    C_INT8 = 6, C_INT16 = 7, C_INT32 = 8, C_INT64 = 9,
    C_UINT8 = 10, C_UINT16 = 11, C_UINT32 = 12, C_UINT64 = 13,
    C_DOUBLE = 14, C_IPV4 = 15, C_IPV6 = 16, C_BOOL = 17, C_QNAME = 18,
    C_DATETIME = 19, C_DATE = 20, C_TIME = 23, C_DURATION = 27,
    C_ENUM_VALUE = 28, C_BIT32 = 29, C_BIT64 = 30, C_LIST = 31,
    C_XMLBEGIN = 32, C_XMLEND = 33, C_OBJECTREF = 34, C_UNION = 35,
    C_PTR = 36, C_CDBBEGIN = 37, C_OID = 38, C_BINARY = 39,
    C_IPV4PREFIX = 40, C_IPV6PREFIX = 41, C_DEFAULT = 42, C_DECIMAL64 = 43,
    C_IDENTITYREF = 44, C_XMLBEGINDEL = 45, C_DQUAD = 46, C_HEXSTR = 47,
    C_IPV4_AND_PLEN = 48, C_IPV6_AND_PLEN = 49, C_BITBIG = 50,
    C_XMLMOVEFIRST = 51, C_XMLMOVEAFTER = 52, C_MAXTYPE = 53
};

typedef struct confd_buf { unsigned int size; unsigned char *ptr; } confd_buf_t;
struct confd_qname { confd_buf_t prefix; confd_buf_t name; };
struct confd_decimal64 { int64_t value; uint8_t fraction_digits; };
struct confd_dotted_quad { unsigned char quad[4]; };

struct xml_tag { uint32_t tag; uint32_t ns; };

typedef struct confd_value {
    enum confd_vtype type;
    union {
        struct xml_tag xmltag;
        confd_buf_t buf;
        char *s;
        int8_t i8; int16_t i16; int32_t i32; int64_t i64;
        uint8_t u8; uint16_t u16; uint32_t u32; uint64_t u64;
        double d;
        struct in_addr ip;
        struct in6_addr ip6;
        int boolean;
        struct confd_qname qname;
        int32_t enumvalue;
        uint32_t b32;
        uint64_t b64;
        struct confd_decimal64 d64;
        struct confd_dotted_quad dquad;
    } val;
} confd_value_t;

struct confd_ha_node {
    confd_value_t nodeid;
    int af;
    union { struct in_addr ip4; struct in6_addr ip6; char *str; } addr;
    char buf[128];
    char addr_buf[128];
};

void confd_init_vsn_sz(const char *name, FILE *estream, const enum confd_debug_level debug, int vsn, int maxdepth, int maxkeylen);
int confd_set_debug(enum confd_debug_level debug, FILE *estream);
int *confd_errno_location(void);
char *confd_lasterr(void);
char *confd_strerror(int code);
int confd_pp_value(char *buf, int bufsiz, const confd_value_t *v);

typedef struct confd_hkeypath { int len; confd_value_t v[60][18]; } confd_hkeypath_t;
void confd_free_value(confd_value_t *v);
int confd_pp_kpath(char *buf, int bufsiz, const struct confd_hkeypath *hkp);
char *confd_hash2str(uint32_t hash);
enum confd_iter_op { MOP_CREATED = 1, MOP_DELETED = 2, MOP_MODIFIED = 3, MOP_VALUE_SET = 4, MOP_MOVED_AFTER = 5, MOP_ATTR_SET = 6 };
enum confd_iter_ret { ITER_STOP = 1, ITER_RECURSE = 2, ITER_CONTINUE = 3, ITER_SUSPEND = 4, ITER_UP = 5 };
enum confd_iter_flags {
    ITER_WANT_PREV = 1, ITER_WANT_ANCESTOR_DELETE = 2, ITER_WANT_ATTR = 4, ITER_WANT_CLI_STR = 8,
    ITER_WANT_SCHEMA_ORDER = 16, ITER_WANT_LEAF_FIRST_ORDER = 32, ITER_WANT_LEAF_LAST_ORDER = 64,
    ITER_WANT_REVERSE = 128, ITER_WANT_P_CONTAINER = 256, ITER_WANT_CLI_ORDER = 1024,
    ITER_WANT_SUPPRESS_OPER_DEFAULTS = 2048
};
enum confd_errcode {
    CONFD_ERRCODE_IN_USE = 0, CONFD_ERRCODE_RESOURCE_DENIED = 1, CONFD_ERRCODE_INCONSISTENT_VALUE = 2,
    CONFD_ERRCODE_ACCESS_DENIED = 3, CONFD_ERRCODE_APPLICATION = 4, CONFD_ERRCODE_APPLICATION_INTERNAL = 5,
    CONFD_ERRCODE_PROTO_USAGE = 6, CONFD_ERRCODE_INTERNAL = 7, CONFD_ERRCODE_DATA_MISSING = 8,
    CONFD_ERRCODE_INTERRUPT = 9
};
enum confd_progress_verbosity {
    CONFD_VERBOSITY_NORMAL = 0, CONFD_VERBOSITY_VERBOSE = 1, CONFD_VERBOSITY_VERY_VERBOSE = 2,
    CONFD_VERBOSITY_DEBUG = 3
};

/* ---- confd_ha.h ---- */
enum confd_ha_status_state {
    CONFD_HA_STATE_NONE = 1, CONFD_HA_STATE_SECONDARY = 2,
    CONFD_HA_STATE_PRIMARY = 3, CONFD_HA_STATE_SECONDARY_RELAY = 4,
    CONFD_HA_STATE_SLAVE = 2, CONFD_HA_STATE_MASTER = 3, CONFD_HA_STATE_SLAVE_RELAY = 4
};

struct confd_ha_status {
    enum confd_ha_status_state state;
    struct confd_ha_node nodes[255];
    int num_nodes;
};

int confd_ha_connect(int sock, const struct sockaddr *srv, int srv_sz, const char *token);
int confd_ha_beprimary(int sock, confd_value_t *mynodeid);
int confd_ha_besecondary(int sock, confd_value_t *mynodeid, struct confd_ha_node *primary, int waitreply);
int confd_ha_berelay(int sock);
int confd_ha_benone(int sock);
int confd_ha_secondary_dead(int sock, confd_value_t *nodeid);
int confd_ha_get_status(int sock, struct confd_ha_status *stat);

/* ---- confd_events.h ---- */
typedef int64_t confd_notification_type;
#define CONFD_NOTIF_HA_INFO 64
#define CONFD_NOTIF_HA_INFO_SYNC 1048576
#define CONFD_NOTIF_AUDIT 1
#define CONFD_NOTIF_DAEMON 2
#define CONFD_NOTIF_TAKEOVER_SYSLOG 4
#define CONFD_NOTIF_COMMIT_SIMPLE 8
#define CONFD_NOTIF_COMMIT_DIFF 16
#define CONFD_NOTIF_USER_SESSION 32
#define CONFD_NOTIF_SUBAGENT_INFO 128
#define CONFD_NOTIF_COMMIT_FAILED 256
#define CONFD_NOTIF_SNMPA 512
#define CONFD_NOTIF_FORWARD_INFO 1024
#define CONFD_NOTIF_NETCONF 2048
#define CONFD_NOTIF_DEVEL 4096
#define CONFD_NOTIF_HEARTBEAT 8192
#define CONFD_NOTIF_CONFIRMED_COMMIT 16384
#define CONFD_NOTIF_UPGRADE_EVENT 32768
#define CONFD_NOTIF_COMMIT_PROGRESS 65536
#define CONFD_NOTIF_AUDIT_SYNC 131072
#define CONFD_NOTIF_HEALTH_CHECK 262144
#define CONFD_NOTIF_STREAM_EVENT 524288
#define NCS_NOTIF_PACKAGE_RELOAD 2097152
#define NCS_NOTIF_CQ_PROGRESS 4194304
#define CONFD_NOTIF_REOPEN_LOGS 8388608
#define CONFD_NOTIF_PROGRESS 16777216
#define NCS_NOTIF_CALL_HOME_INFO 33554432
#define CONFD_NOTIF_JSONRPC 67108864
#define CONFD_NOTIF_WEBUI 134217728
#define NCS_NOTIF_AUDIT_NETWORK 268435456
#define NCS_NOTIF_AUDIT_NETWORK_SYNC 536870912
#define CONFD_NOTIF_COMPACTION 1073741824
#define CONFD_NOTIF_SYSTEM_GOING_DOWN 2147483648
#define CONFD_NOTIF_SYSLOG 2
#define CONFD_NOTIF_SYSLOG_TAKEOVER 6

enum confd_ha_info_type {
    CONFD_HA_INFO_NOPRIMARY = 1, CONFD_HA_INFO_SECONDARY_DIED = 2,
    CONFD_HA_INFO_SECONDARY_ARRIVED = 3, CONFD_HA_INFO_SECONDARY_INITIALIZED = 4,
    CONFD_HA_INFO_IS_PRIMARY = 5, CONFD_HA_INFO_IS_NONE = 6,
    CONFD_HA_INFO_BESECONDARY_RESULT = 7,
    CONFD_HA_INFO_NOMASTER = 1, CONFD_HA_INFO_SLAVE_DIED = 2,
    CONFD_HA_INFO_SLAVE_ARRIVED = 3, CONFD_HA_INFO_SLAVE_INITIALIZED = 4,
    CONFD_HA_INFO_IS_MASTER = 5, CONFD_HA_INFO_BESLAVE_RESULT = 7
};

struct confd_ha_notification {
    enum confd_ha_info_type type;
    union {
        int noprimary;
        struct confd_ha_node secondary_died;
        struct confd_ha_node secondary_arrived;
        int cdb_initialized_by_copy;
        int besecondary_result;
    } data;
};

struct confd_notification {
    confd_notification_type type;
    union {
        struct confd_ha_notification hnot;
        int64_t goha_reserved_[1057];
    } n;
};

int confd_notifications_connect(int sock, const struct sockaddr *srv, int srv_sz, confd_notification_type mask);
int confd_read_notification(int sock, struct confd_notification *n);
void confd_free_notification(struct confd_notification *n);
int confd_sync_ha_notification(int sock);
struct confd_notifications_data {
    int heartbeat_interval;
    int health_check_interval;
    char *stream_name;
    confd_value_t start_time;
    confd_value_t stop_time;
    char *xpath_filter;
    int usid;
    enum confd_progress_verbosity verbosity;
};
int confd_notifications_connect2(int sock, const struct sockaddr *srv, int srv_sz, confd_notification_type mask, struct confd_notifications_data *data);

/* ---- confd_cdb.h ---- */
enum cdb_db_type { CDB_RUNNING = 1, CDB_STARTUP = 2, CDB_OPERATIONAL = 3, CDB_PRE_COMMIT_RUNNING = 4 };
enum cdb_sock_type { CDB_READ_SOCKET = 0, CDB_SUBSCRIPTION_SOCKET = 1, CDB_DATA_SOCKET = 2 };
enum cdb_sub_type { CDB_SUB_RUNNING = 1, CDB_SUB_RUNNING_TWOPHASE = 2, CDB_SUB_OPERATIONAL = 3 };
enum cdb_sub_notification { CDB_SUB_PREPARE = 1, CDB_SUB_COMMIT = 2, CDB_SUB_ABORT = 3, CDB_SUB_OPER = 4 };
enum cdb_subscription_sync_type { CDB_DONE_PRIORITY = 1, CDB_DONE_SOCKET = 2, CDB_DONE_TRANSACTION = 3, CDB_DONE_OPERATIONAL = 4 };
#define CDB_LOCK_WAIT 1
#define CDB_LOCK_SESSION 2
#define CDB_LOCK_REQUEST 4
#define CDB_LOCK_PARTIAL 8
#define CDB_READ_COMMITTED 16
#define CDB_SUB_WANT_ABORT_ON_ABORT 1
#define CDB_SUB_FLAG_IS_LAST 1
#define CDB_SUB_FLAG_TRIGGER 2
#define CDB_SUB_FLAG_REVERT 4
#define CDB_SUB_FLAG_HA_SYNC 8
#define CDB_SUB_FLAG_HA_IS_SECONDARY 16
#define CDB_SUB_FLAG_HA_IS_SLAVE 16
#define MAXHOSTLEN 256
struct cdb_txid { uint32_t s1; uint32_t s2; uint32_t s3; char primary[256]; char *master; };
extern int cdb_active_subscriptions;
int cdb_connect(int sock, enum cdb_sock_type type, const struct sockaddr *srv, int srv_sz);
int cdb_connect_name(int sock, enum cdb_sock_type type, const struct sockaddr *srv, int srv_sz, const char *name);
int cdb_close(int sock);
int cdb_wait_start(int sock);
int cdb_start_session(int sock, enum cdb_db_type db);
int cdb_start_session2(int sock, enum cdb_db_type db, int flags);
int cdb_end_session(int sock);
int cdb_set_namespace(int sock, int hashed_ns);
int cdb_get(int sock, confd_value_t *v, const char *fmt, ...);
int cdb_exists(int sock, const char *fmt, ...);
int cdb_set_elem(int sock, confd_value_t *val, const char *fmt, ...);
int cdb_set_elem2(int sock, const char *strval, const char *fmt, ...);
int cdb_get_txid(int sock, struct cdb_txid *txid);
int cdb_subscribe2(int sock, enum cdb_sub_type type, int flags, int priority, int *spoint, int nspace, const char *fmt, ...);
int cdb_subscribe_done(int sock);
int cdb_read_subscription_socket2(int sock, enum cdb_sub_notification *type, int *flags, int *subpoints[], int *resultlen);
typedef enum confd_iter_ret (*goha_py_iter_fn)(confd_hkeypath_t *kp, enum confd_iter_op op, confd_value_t *oldv, confd_value_t *newv, void *state);
int cdb_diff_iterate(int sock, int subid, enum confd_iter_ret (*iter)(confd_hkeypath_t *kp, enum confd_iter_op op, confd_value_t *oldv, confd_value_t *newv, void *state), int flags, void *initstate);
int cdb_sync_subscription_socket(int sock, enum cdb_subscription_sync_type st);
void free(void *ptr);

/* ---- goha.h ---- */
#define GOHA_VERSION_MAJOR 1
#define GOHA_OK 0
#define GOHA_PROCESS_HANDLE 0
const char *goha_version(int *major, int *minor, int *patch);
int goha_errmsg(uint64_t handle, char *buf, size_t len);
int goha_handles_open(void);

/* ---- corosync/corotypes.h ---- */
typedef enum {
    CS_DISPATCH_ONE = 1, CS_DISPATCH_ALL = 2, CS_DISPATCH_BLOCKING = 3,
    CS_DISPATCH_ONE_NONBLOCKING = 4
} cs_dispatch_flags_t;
#define CS_TRACK_CURRENT 1
#define CS_TRACK_CHANGES 2
#define CS_TRACK_CHANGES_ONLY 4
typedef enum {
    CS_OK = 1, CS_ERR_LIBRARY = 2, CS_ERR_VERSION = 3, CS_ERR_INIT = 4,
    CS_ERR_TIMEOUT = 5, CS_ERR_TRY_AGAIN = 6, CS_ERR_INVALID_PARAM = 7,
    CS_ERR_NO_MEMORY = 8, CS_ERR_BAD_HANDLE = 9, CS_ERR_BUSY = 10,
    CS_ERR_ACCESS = 11, CS_ERR_NOT_EXIST = 12, CS_ERR_NAME_TOO_LONG = 13,
    CS_ERR_EXIST = 14, CS_ERR_NO_SPACE = 15, CS_ERR_INTERRUPT = 16,
    CS_ERR_NAME_NOT_FOUND = 17, CS_ERR_NO_RESOURCES = 18,
    CS_ERR_NOT_SUPPORTED = 19, CS_ERR_BAD_OPERATION = 20,
    CS_ERR_FAILED_OPERATION = 21, CS_ERR_MESSAGE_ERROR = 22,
    CS_ERR_QUEUE_FULL = 23, CS_ERR_QUEUE_NOT_AVAILABLE = 24,
    CS_ERR_BAD_FLAGS = 25, CS_ERR_TOO_BIG = 26, CS_ERR_NO_SECTIONS = 27,
    CS_ERR_CONTEXT_NOT_FOUND = 28, CS_ERR_TOO_MANY_GROUPS = 30,
    CS_ERR_SECURITY = 100
} cs_error_t;
const char *cs_strerror(cs_error_t err);

/* ---- corosync/votequorum.h ---- */
typedef uint64_t votequorum_handle_t;
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
#define VOTEQUORUM_QDEVICE_NODEID 0
#define VOTEQUORUM_QDEVICE_MAX_NAME_LEN 255
#define VOTEQUORUM_NODESTATE_MEMBER 1
#define VOTEQUORUM_NODESTATE_DEAD 2
#define VOTEQUORUM_NODESTATE_LEAVING 3

struct votequorum_info {
    unsigned int node_id;
    unsigned int node_state;
    unsigned int node_votes;
    unsigned int node_expected_votes;
    unsigned int highest_expected;
    unsigned int total_votes;
    unsigned int quorum;
    unsigned int flags;
    unsigned int qdevice_votes;
    char qdevice_name[255];
};
typedef struct { uint32_t nodeid; uint32_t state; } votequorum_node_t;
typedef struct { uint32_t nodeid; uint64_t seq; } votequorum_ring_id_t;
typedef void (*votequorum_quorum_notification_fn_t)(votequorum_handle_t handle, uint64_t context, uint32_t quorate, uint32_t node_list_entries, votequorum_node_t node_list[]);
typedef void (*votequorum_nodelist_notification_fn_t)(votequorum_handle_t handle, uint64_t context, votequorum_ring_id_t ring_id, uint32_t node_list_entries, uint32_t node_list[]);
typedef void (*votequorum_expectedvotes_notification_fn_t)(votequorum_handle_t handle, uint64_t context, uint32_t expected_votes);
typedef struct {
    votequorum_quorum_notification_fn_t votequorum_quorum_notify_fn;
    votequorum_expectedvotes_notification_fn_t votequorum_expectedvotes_notify_fn;
    votequorum_nodelist_notification_fn_t votequorum_nodelist_notify_fn;
} votequorum_callbacks_t;

cs_error_t votequorum_initialize(votequorum_handle_t *handle, votequorum_callbacks_t *callbacks);
cs_error_t votequorum_finalize(votequorum_handle_t handle);
cs_error_t votequorum_dispatch(votequorum_handle_t handle, cs_dispatch_flags_t dispatch_types);
cs_error_t votequorum_fd_get(votequorum_handle_t handle, int *fd);
cs_error_t votequorum_getinfo(votequorum_handle_t handle, unsigned int nodeid, struct votequorum_info *info);
cs_error_t votequorum_setexpected(votequorum_handle_t handle, unsigned int expected_votes);
cs_error_t votequorum_setvotes(votequorum_handle_t handle, unsigned int nodeid, unsigned int votes);
cs_error_t votequorum_trackstart(votequorum_handle_t handle, uint64_t context, unsigned int flags);
cs_error_t votequorum_trackstop(votequorum_handle_t handle);
cs_error_t votequorum_context_get(votequorum_handle_t handle, void **context);
cs_error_t votequorum_context_set(votequorum_handle_t handle, void *context);
cs_error_t votequorum_qdevice_register(votequorum_handle_t handle, const char *name);
cs_error_t votequorum_qdevice_unregister(votequorum_handle_t handle, const char *name);
cs_error_t votequorum_qdevice_update(votequorum_handle_t handle, const char *oldname, const char *newname);
cs_error_t votequorum_qdevice_poll(votequorum_handle_t handle, const char *name, unsigned int cast_vote, votequorum_ring_id_t ring_id);
cs_error_t votequorum_qdevice_master_wins(votequorum_handle_t handle, const char *name, unsigned int allow);

/* ---- cmm.h ---- */
#define CMM_MAX_NAME_SIZE 256
#define CMM_MAX_ADDR_SIZE 64
#define CMM_MAX_SWLOADID_SIZE 32
#define CMM_NO_NODE 0
#define CMM_MAX_MEMBERS 1024
#define CMM_MASTER 1
#define CMM_VICEMASTER 2
#define CMM_OUT_OF_CLUSTER 4
#define CMM_ROLE_MASK 7
#define CMM_FROZEN_MEMBER 256
#define CMM_EXCLUDED_MEMBER 512
#define CMM_ELIGIBLE_MEMBER 1024
#define CMM_FLAG_DISQUALIFIED 2048
#define CMM_FLAG_SYNCHRO_NEEDED 4096
typedef uint32_t cmm_nodeid_t;
typedef struct cmm_member_t {
    cmm_nodeid_t nodeid;
    char name[256];
    char addr[64];
    uint32_t domainid;
    uint32_t sflag;
    uint32_t incarnation_number;
    char software_load_id[32];
} cmm_member_t;
typedef enum {
    CMM_QUALIFIED_MEMBER = -150, CMM_SYNCHRO_READY = -149,
    CMM_DISQUALIFIED_MEMBER = -148, CMM_SYNCHRO_NEEDED = -147
} cmm_qualif_t;
typedef enum {
    CMM_OK = 0, CMM_EBADF = -100, CMM_EBUSY = -99, CMM_ECANCELED = -98,
    CMM_EEXIST = -97, CMM_EINVAL = -96, CMM_ENOENT = -95, CMM_ENOMSG = -94,
    CMM_ENOTSUP = -93, CMM_EPERM = -92, CMM_ERANGE = -91, CMM_ESRCH = -90,
    CMM_ENOCLUSTER = -89, CMM_ECONN = -88, CMM_ETIMEDOUT = -87,
    CMM_EAGAIN = -86, CMM_ENOMEM = -85, CMM_EOTHER = -84
} cmm_error_t;
typedef enum {
    CMM_MASTER_ELECTED = 250, CMM_MASTER_DEMOTED = 251,
    CMM_VICEMASTER_ELECTED = 252, CMM_VICEMASTER_DEMOTED = 253,
    CMM_MEMBER_JOINED = 254, CMM_MEMBER_LEFT = 255, CMM_STALE_CLUSTER = 256,
    CMM_INVALID_CLUSTER = 257, CMM_VALID_CLUSTER = 258,
    CMM_NODE_ELIGIBLE = 259, CMM_NODE_INELIGIBLE = 260
} cmm_cmchanges_t;
typedef struct { cmm_cmchanges_t cmchange; cmm_nodeid_t nodeid; } cmm_cmc_notification_t;
typedef void (*cmm_notify_t)(const cmm_cmc_notification_t *change_notification, void *client_data);
typedef enum {
    CMM_CMC_NOTIFY_ADD = 20, CMM_CMC_NOTIFY_REM = 21, CMM_CMC_NOTIFY_SET = 22,
    CMM_CMC_NOTIFY_ALL = 23, CMM_CMC_NOTIFY_NONE = 24
} cmm_cmcfilter_t;

cmm_error_t cmm_connect(timespec_t const timeout);
cmm_error_t cmm_disconnect(void);
cmm_error_t cmm_node_getid(cmm_nodeid_t * const me);
cmm_error_t cmm_member_getinfo(cmm_nodeid_t const nodeid, cmm_member_t * const member);
cmm_error_t cmm_potential_getinfo(cmm_nodeid_t const nodeid, cmm_member_t * const member);
cmm_error_t cmm_master_getinfo(cmm_member_t * const member);
cmm_error_t cmm_vicemaster_getinfo(cmm_member_t * const member);
cmm_error_t cmm_member_getcount(uint32_t * const member_count);
cmm_error_t cmm_member_getall(uint32_t const table_size, cmm_member_t * const member_table, uint32_t * const member_count);
int cmm_member_ismaster(cmm_member_t const *member);
int cmm_member_isvicemaster(cmm_member_t const *member);
int cmm_member_isoutofcluster(cmm_member_t const *member);
int cmm_member_iseligible(cmm_member_t const *member);
int cmm_member_isfrozen(cmm_member_t const *member);
int cmm_member_isexcluded(cmm_member_t const *member);
int cmm_member_isdisqualified(cmm_member_t const *member);
int cmm_member_isqualified(cmm_member_t const *member);
int cmm_member_isdesynchronized(cmm_member_t const *member);
cmm_error_t cmm_mastership_release(void);
cmm_error_t cmm_membership_remove(void);
cmm_error_t cmm_member_setqualif(cmm_nodeid_t const nodeid, cmm_qualif_t const new_qualif);
cmm_error_t cmm_member_seizequalif(void);
cmm_error_t cmm_config_reload(void);
cmm_error_t cmm_cmc_register(cmm_notify_t const callback, void *client_data);
cmm_error_t cmm_cmc_unregister(void);
cmm_error_t cmm_cmc_filter(cmm_cmcfilter_t const action, cmm_cmchanges_t const * const notifications_list, uint32_t const notifications_count);
cmm_error_t cmm_notify_getfd(int *fd);
cmm_error_t cmm_notify_dispatch(void);
char *cmm_strerror(cmm_error_t errnum);
"""

# goha_cdb_*: see the module docstring.  Declared as DESIGN.md states them.
CDB_CDEF = r"""
#define GOHA_CDB_RESET 1
#define GOHA_CDB_RESYNC 2
#define GOHA_CDB_DISCARDED 4
typedef int (*goha_cdb_change_cb)(const char *path, const confd_value_t *oldv, const confd_value_t *newv, void *opaque);
int goha_cdb_subscribe(int sock, const char *prefix, int resume, uint64_t after_txid, uint64_t *start_txid);
int goha_cdb_read_change(int sock, uint64_t *txid, int *flags, goha_cdb_change_cb cb, void *opaque);
struct goha_cdb_change_info {
    uint64_t txid;
    uint64_t prev;
    uint64_t discarded_from;
    uint64_t discarded_to;
    int flags;
};
int goha_cdb_read_change2(int sock, struct goha_cdb_change_info *info, goha_cdb_change_cb cb, void *opaque);
int goha_cdb_connect(int sock, const struct sockaddr *srv, int srv_sz);
int goha_cdb_set(int sock, const char *path, const confd_value_t *value);
int goha_cdb_get(int sock, const char *path, char *buf, int len);
int goha_cdb_get_value(int sock, const char *path, confd_value_t *v);
int goha_cdb_delete(int sock, const char *path);
typedef int (*goha_cdb_dump_cb)(const char *path, const confd_value_t *value,
                                const char *text, void *opaque);
int goha_cdb_dump(int sock, const char *prefix, goha_cdb_dump_cb cb, void *opaque);
"""

# Headers the ABI test includes, in this order.
HEADERS = (
    "confd_lib.h",
    "confd_ha.h",
    "confd_events.h",
    "confd_cdb.h",
    "goha.h",
    "corosync/corotypes.h",
    "corosync/votequorum.h",
    "cmm.h",
)
