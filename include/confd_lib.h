/*
 * confd_lib.h -- libgoha's source-compatible subset of the ConfD/NSO C
 * library basics: initialisation, debug output, confd_errno and error texts,
 * the confd_value_t value type, and struct confd_ha_node.
 *
 * Programs written for ConfD's libconfd HA API (confd_ha.h, confd_events.h)
 * recompile unchanged against these headers and link with -lgoha.  Constant
 * values, type layouts and function signatures equal those of ConfD/NSO
 * 6.2 (x86_64 sizes are asserted by ctests/confd_headers.c), so binaries
 * built against the original headers also link and run, as far as they use
 * only the functions declared here.
 *
 * Conventions shared by every function of the ConfD family in libgoha:
 *
 *   - A function returns CONFD_OK (0) on success, CONFD_ERR (-1) on failure,
 *     or CONFD_EOF (-2) when the daemon closed its end of the socket.  On
 *     CONFD_ERR and CONFD_EOF the calling thread's confd_errno holds one of
 *     the CONFD_ERR_* codes below and confd_lasterr() a one-line explanation.
 *     confd_errno and confd_lasterr() are per thread; a successful call
 *     leaves both unchanged (as libc errno).
 *   - confd_init() must be called first.  Every other function except
 *     confd_errno, confd_lasterr(), confd_strerror(), confd_pp_value() and
 *     confd_free_notification() fails with CONFD_ERR_LIB_NOT_INITIALIZED
 *     until it has been.
 *   - Bad arguments (NULL pointers, negative sizes, a socket that is not of
 *     the expected kind, a value of the wrong type, an over-long name) give
 *     CONFD_ERR with CONFD_ERR_PROTOUSAGE or CONFD_ERR_BADTYPE, never a crash.
 *     An fd that is not open gives CONFD_ERR_OS with errno EBADF.
 *
 * Process model (libgoha is a Go shared library): load it once per process,
 * never dlclose() it, do not fork() without exec() after loading it, and do
 * not load a second Go shared library into the same process.  See goha.h.
 *
 * Deliberate differences from ConfD (goha has no YANG schema, no MAAPI and
 * no external IPC; its CDB subset is in confd_cdb.h):
 *   - confd_pp_value() prints enums and identityrefs as numbers, and XML
 *     tags by name only when libgoha made the tag itself (the hashed
 *     keypaths of cdb_diff_iterate), because there are no loaded schemas.
 *   - struct confd_snmp_oid is defined only so that C_OID values can be
 *     printed; no goha function returns one.
 *   - Only the value helpers listed below exist (no confd_val_eq,
 *     confd_value_dup*).
 *   - HA node ids are carried as text: a C_BUF or C_STR as it is (1..127
 *     bytes, no NUL), any other type as confd_pp_value() prints it, and an
 *     id is handed back as a C_BUF of that text (it must fit
 *     struct confd_ha_node.buf).  See confd_ha.h, "Node ids".
 *   - confd_init() also refuses API versions older than
 *     CONFD_LIB_MIN_API_VSN and hkeypath dimensions above 255.
 */
#ifndef GOHA_CONFD_LIB_H
#define GOHA_CONFD_LIB_H

#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Return codes                                                              */

#define CONFD_DELAYED_RESPONSE 2
#define CONFD_ACCUMULATE 1
#define CONFD_OK 0
#define CONFD_ERR -1
#define CONFD_EOF -2
#define CONFD_VALIDATION_WARN -3
#define CONFD_ALREADY_LOCKED -4
#define CONFD_IN_USE -5

/* Default IPC ports of ConfD and NSO.  goha's daemon listens where the
 * `ipc` key of its node's config entry says; these are kept for source
 * compatibility only. */
#define CONFD_PORT 4565
#define NCS_PORT 4569

/* Library version numbers.  libgoha speaks the API of this ConfD/NSO
 * version.  confd_init() passes CONFD_LIB_API_VSN to the library, which
 * refuses programs built against a newer API than it provides (and older
 * than CONFD_LIB_MIN_API_VSN, a goha addition). */
#define CONFD_LIB_VSN 0x08020500
#define CONFD_LIB_API_VSN 0x08020300
#define CONFD_LIB_PROTO_VSN 82
#define CONFD_LIB_MIN_API_VSN 0x06000000

/* Dimensions of struct confd_hkeypath.  A program may define its own before
 * including this header; confd_init() tells the library the values used. */
#ifndef MAXDEPTH
#define MAXDEPTH 60
#endif
#ifndef MAXKEYLEN
#define MAXKEYLEN 18
#endif
#define MAX_DAEMON_NAME_LEN 255

/* The type checks of the CONFD_GET_* macros.  Define NDEBUG, or your own
 * CONFD_ASSERT (an expression), before including this header to change them. */
#ifndef CONFD_ASSERT
#define CONFD_ASSERT(E) assert(E)
#endif

/* ------------------------------------------------------------------------ */
/* confd_errno values                                                        */

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

/* ------------------------------------------------------------------------ */
/* Initialisation and debug output                                          */

enum confd_debug_level {
    CONFD_SILENT = 0,     /* print nothing */
    CONFD_DEBUG = 1,      /* one line per failing call (errors) */
    CONFD_TRACE = 2,      /* also one line per API call */
    CONFD_PROTO_TRACE = 3 /* also the daemon protocol; needs an estream */
};

/*
 * confd_init(name, estream, debug) -- initialise the library.
 *
 * Must be called before any other function of the ConfD family (see the
 * conventions above).  It may be called again to change name, stream and
 * level.  `name` (at most MAX_DAEMON_NAME_LEN bytes; NULL means "libgoha")
 * prefixes every debug line; debug lines go to `estream` when it is not
 * NULL, and to syslog when confd_lib_use_syslog is non-zero, and to
 * confd_user_log_hook when it is set.  Like ConfD's library, a successful
 * call sets SIGPIPE to SIG_IGN (replacing any handler), so that writes to a
 * socket whose peer has gone give EPIPE instead of killing the process.
 *
 * confd_init is a macro: the exported function is confd_init_vsn_sz(), which
 * also receives the API version and the hkeypath dimensions the program was
 * compiled with.
 *
 * Returns: nothing.  On failure nothing changes (a library initialised by an
 * earlier call stays so), the calling thread's confd_errno/confd_lasterr()
 * tell why, a line goes to estream (unless debug is CONFD_SILENT), and in an
 * uninitialised library later calls fail with CONFD_ERR_LIB_NOT_INITIALIZED,
 * whose confd_lasterr() text repeats the reason:
 *   CONFD_ERR_PROTOUSAGE  vsn newer than CONFD_LIB_API_VSN or older than
 *                         CONFD_LIB_MIN_API_VSN; maxdepth or maxkeylen
 *                         outside 1..255; debug not a confd_debug_level;
 *                         name longer than MAX_DAEMON_NAME_LEN
 */
extern void confd_init_vsn_sz(const char *name, FILE *estream,
                              const enum confd_debug_level debug, int vsn,
                              int maxdepth, int maxkeylen);
#define confd_init(name, estream, debug)                                     \
    confd_init_vsn_sz((name), (estream), (debug), CONFD_LIB_API_VSN,         \
                      MAXDEPTH, MAXKEYLEN)

/*
 * confd_set_debug(debug, estream) -- change the debug level and stream set by
 * confd_init().  estream may be NULL (nothing is printed to a stream).
 *
 * Returns:
 *   CONFD_OK
 *   CONFD_ERR  confd_errno CONFD_ERR_LIB_NOT_INITIALIZED  before confd_init()
 *              confd_errno CONFD_ERR_PROTOUSAGE  debug is not a level
 */
extern int confd_set_debug(enum confd_debug_level debug, FILE *estream);

/*
 * confd_errno -- the error code of the last failing call on this thread.
 * It is an lvalue (programs may reset it); the storage is per thread.
 */
extern int *confd_errno_location(void);
#define confd_errno (*confd_errno_location())

/*
 * confd_lasterr() -- extra text about the last failing call on this thread.
 *
 * Returns: a NUL-terminated string owned by the library, valid until the
 * next failing call on the same thread; "" if no call has failed yet.
 */
extern char *confd_lasterr(void);

/*
 * confd_strerror(code) -- the generic text of a confd_errno code.
 *
 * Returns: a NUL-terminated string owned by the library, never NULL.  For a
 * code that is not defined above the text is "unknown confd error <code>"
 * (valid until the next such call on the same thread).
 */
extern char *confd_strerror(int code);

/* Globals that ConfD programs may set.  When confd_lib_use_syslog is
 * non-zero, debug lines also go to syslog(3) (LOG_ERR for errors, LOG_CRIT
 * for CONFD_ERR_INTERNAL, LOG_DEBUG for traces); when confd_user_log_hook is
 * set, it receives every debug line too.  confd_maxdepth/confd_maxkeylen
 * hold the hkeypath dimensions given to confd_init(). */
extern int confd_lib_use_syslog;
extern void (*confd_user_log_hook)(int syslogprio, const char *fmt,
                                   va_list ap);
extern int confd_maxdepth;
extern int confd_maxkeylen;

/* ------------------------------------------------------------------------ */
/* Values                                                                    */

enum confd_vtype {
    C_NOEXISTS = 1,      /* end marker, no data */
    C_XMLTAG = 2,        /* .xmltag */
    C_SYMBOL = 3,        /* .symbol (unused) */
    C_STR = 4,           /* .s: NUL-terminated */
    C_BUF = 5,           /* .buf */
    C_INT8 = 6,          /* .i8 */
    C_INT16 = 7,         /* .i16 */
    C_INT32 = 8,         /* .i32 */
    C_INT64 = 9,         /* .i64 */
    C_UINT8 = 10,        /* .u8 */
    C_UINT16 = 11,       /* .u16 */
    C_UINT32 = 12,       /* .u32 */
    C_UINT64 = 13,       /* .u64 */
    C_DOUBLE = 14,       /* .d */
    C_IPV4 = 15,         /* .ip, network byte order */
    C_IPV6 = 16,         /* .ip6 */
    C_BOOL = 17,         /* .boolean */
    C_QNAME = 18,        /* .qname */
    C_DATETIME = 19,     /* .datetime */
    C_DATE = 20,         /* .date */
    C_TIME = 23,         /* .time */
    C_DURATION = 27,     /* .duration */
    C_ENUM_VALUE = 28,   /* .enumvalue */
    C_BIT32 = 29,        /* .b32 */
    C_BIT64 = 30,        /* .b64 */
    C_LIST = 31,         /* .list */
    C_XMLBEGIN = 32,     /* .xmltag */
    C_XMLEND = 33,       /* .xmltag */
    C_OBJECTREF = 34,    /* .hkp */
    C_UNION = 35,        /* schema marker, no data */
    C_PTR = 36,          /* .ptr */
    C_CDBBEGIN = 37,     /* marker, .xmltag */
    C_OID = 38,          /* .oidp */
    C_BINARY = 39,       /* .buf */
    C_IPV4PREFIX = 40,   /* .ipv4prefix */
    C_IPV6PREFIX = 41,   /* .ipv6prefix */
    C_DEFAULT = 42,      /* marker: the default value, no data */
    C_DECIMAL64 = 43,    /* .d64 */
    C_IDENTITYREF = 44,  /* .idref */
    C_XMLBEGINDEL = 45,  /* .xmltag */
    C_DQUAD = 46,        /* .dquad */
    C_HEXSTR = 47,       /* .buf */
    C_IPV4_AND_PLEN = 48, /* .ipv4prefix */
    C_IPV6_AND_PLEN = 49, /* .ipv6prefix */
    C_BITBIG = 50,       /* .buf, bit 0 is the low bit of byte 0 */
    C_XMLMOVEFIRST = 51, /* .xmltag */
    C_XMLMOVEAFTER = 52, /* .xmltag */
    C_MAXTYPE = 53       /* end marker */
};
#define C_ENUM_HASH C_ENUM_VALUE

struct xml_tag {
    uint32_t tag;
    uint32_t ns;
};

typedef struct confd_buf {
    unsigned int size;
    unsigned char *ptr;
} confd_buf_t;

typedef struct confd_buf_const {
    unsigned int size;
    const unsigned char *ptr;
} confd_buf_const_t;

struct confd_qname {
    confd_buf_t prefix; /* size 0: no prefix */
    confd_buf_t name;
};

/* timezone/timezone_minutes: offset from UTC (both with the sign of the
 * offset), or timezone == CONFD_TIMEZONE_UNDEF for none. */
#define CONFD_TIMEZONE_UNDEF -111

struct confd_datetime {
    int16_t year;
    uint8_t month;
    uint8_t day;
    uint8_t hour;
    uint8_t min;
    uint8_t sec;
    uint32_t micro;
    int8_t timezone;
    int8_t timezone_minutes;
};

struct confd_date {
    int16_t year;
    uint8_t month;
    uint8_t day;
    int8_t timezone;
    int8_t timezone_minutes;
};

struct confd_time {
    uint8_t hour;
    uint8_t min;
    uint8_t sec;
    uint32_t micro;
    int8_t timezone;
    int8_t timezone_minutes;
};

struct confd_duration {
    uint32_t years;
    uint32_t months;
    uint32_t days;
    uint32_t hours;
    uint32_t mins;
    uint32_t secs;
    uint32_t micros;
};

struct confd_value;

struct confd_list {
    unsigned int size;
    struct confd_value *ptr;
};

/* C_PTR: valp points at data laid out as the union member of `type`
 * (an int32_t for C_INT32, a confd_buf_t for C_BUF, a char * for C_STR). */
struct confd_vptr {
    enum confd_vtype type;
    void *valp;
};

struct confd_ipv4_prefix {
    struct in_addr ip;
    uint8_t len;
};

struct confd_ipv6_prefix {
    struct in6_addr ip6;
    uint8_t len;
};

struct confd_decimal64 {
    int64_t value;           /* the number times 10^fraction_digits */
    uint8_t fraction_digits; /* 1..18 */
};

struct confd_identityref {
    uint32_t ns;
    uint32_t id;
};

struct confd_dotted_quad {
    unsigned char quad[4];
};

struct confd_hkeypath;
struct confd_snmp_oid;

typedef struct confd_value {
    enum confd_vtype type;
    union {
        struct xml_tag xmltag;
        uint32_t symbol;
        confd_buf_t buf;
        confd_buf_const_t c_buf;
        char *s;
        const char *c_s;
        int8_t i8;
        int16_t i16;
        int32_t i32;
        int64_t i64;
        uint8_t u8;
        uint16_t u16;
        uint32_t u32;
        uint64_t u64;
        double d;
        struct in_addr ip;
        struct in6_addr ip6;
        int boolean;
        struct confd_qname qname;
        struct confd_datetime datetime;
        struct confd_date date;
        struct confd_time time;
        struct confd_duration duration;
        int32_t enumvalue;
        uint32_t b32;
        uint64_t b64;
        struct confd_list list;
        struct confd_hkeypath *hkp;
        struct confd_vptr ptr;
        struct confd_snmp_oid *oidp;
        struct confd_ipv4_prefix ipv4prefix;
        struct confd_ipv6_prefix ipv6prefix;
        struct confd_decimal64 d64;
        struct confd_identityref idref;
        struct confd_dotted_quad dquad;
        uint32_t enumhash; /* old name of enumvalue */
    } val;
} confd_value_t;

/* A keypath, innermost element first: v[0] is the last path element.  Each
 * v[i] is either one C_XMLTAG or the keys of a list entry, ended by
 * C_NOEXISTS when fewer than the row length.  Rows are confd_maxkeylen
 * values long (the MAXKEYLEN given to confd_init()). */
typedef struct confd_hkeypath {
    int len;
    confd_value_t v[MAXDEPTH][MAXKEYLEN];
} confd_hkeypath_t;

/* An SNMP object identifier of len sub-identifiers (len <= 128). */
struct confd_snmp_oid {
    uint32_t oid[128];
    int len;
};

/* Setters: each evaluates v once and sets the type and the member. */
#define CONFD_SET_NOEXISTS(v) do { confd_value_t *__vp = (v); __vp->type = C_NOEXISTS; } while (0)
#define CONFD_SET_XMLTAG(v, t, n) do { confd_value_t *__vp = (v); __vp->type = C_XMLTAG; __vp->val.xmltag.tag = (t); __vp->val.xmltag.ns = (n); } while (0)
#define CONFD_SET_XMLBEGIN(v, t, n) do { confd_value_t *__vp = (v); __vp->type = C_XMLBEGIN; __vp->val.xmltag.tag = (t); __vp->val.xmltag.ns = (n); } while (0)
#define CONFD_SET_XMLBEGINDEL(v, t, n) do { confd_value_t *__vp = (v); __vp->type = C_XMLBEGINDEL; __vp->val.xmltag.tag = (t); __vp->val.xmltag.ns = (n); } while (0)
#define CONFD_SET_XMLEND(v, t, n) do { confd_value_t *__vp = (v); __vp->type = C_XMLEND; __vp->val.xmltag.tag = (t); __vp->val.xmltag.ns = (n); } while (0)
#define CONFD_SET_XMLMOVEFIRST(v, t, n) do { confd_value_t *__vp = (v); __vp->type = C_XMLMOVEFIRST; __vp->val.xmltag.tag = (t); __vp->val.xmltag.ns = (n); } while (0)
#define CONFD_SET_XMLMOVEAFTER(v, t, n) do { confd_value_t *__vp = (v); __vp->type = C_XMLMOVEAFTER; __vp->val.xmltag.tag = (t); __vp->val.xmltag.ns = (n); } while (0)
#define CONFD_SET_SYMBOL(v, s) do { confd_value_t *__vp = (v); __vp->type = C_SYMBOL; __vp->val.symbol = (s); } while (0)
#define CONFD_SET_STR(v, str) do { confd_value_t *__vp = (v); __vp->type = C_STR; __vp->val.c_s = (str); } while (0)
#define CONFD_SET_BUF(v, bufp, len) do { confd_value_t *__vp = (v); __vp->type = C_BUF; __vp->val.c_buf.ptr = (bufp); __vp->val.c_buf.size = (len); } while (0)
#define CONFD_SET_CBUF(v, bufp, len) do { confd_value_t *__vp = (v); __vp->type = C_BUF; __vp->val.c_buf.ptr = (const unsigned char *)(bufp); __vp->val.c_buf.size = (len); } while (0)
#define CONFD_SET_BINARY(v, bufp, len) do { confd_value_t *__vp = (v); __vp->type = C_BINARY; __vp->val.c_buf.ptr = (bufp); __vp->val.c_buf.size = (len); } while (0)
#define CONFD_SET_HEXSTR(v, bufp, len) do { confd_value_t *__vp = (v); __vp->type = C_HEXSTR; __vp->val.c_buf.ptr = (bufp); __vp->val.c_buf.size = (len); } while (0)
#define CONFD_SET_BITBIG(v, bufp, len) do { confd_value_t *__vp = (v); __vp->type = C_BITBIG; __vp->val.c_buf.ptr = (bufp); __vp->val.c_buf.size = (len); } while (0)
#define CONFD_SET_INT8(v, x) do { confd_value_t *__vp = (v); __vp->type = C_INT8; __vp->val.i8 = (x); } while (0)
#define CONFD_SET_INT16(v, x) do { confd_value_t *__vp = (v); __vp->type = C_INT16; __vp->val.i16 = (x); } while (0)
#define CONFD_SET_INT32(v, x) do { confd_value_t *__vp = (v); __vp->type = C_INT32; __vp->val.i32 = (x); } while (0)
#define CONFD_SET_INT64(v, x) do { confd_value_t *__vp = (v); __vp->type = C_INT64; __vp->val.i64 = (x); } while (0)
#define CONFD_SET_UINT8(v, x) do { confd_value_t *__vp = (v); __vp->type = C_UINT8; __vp->val.u8 = (x); } while (0)
#define CONFD_SET_UINT16(v, x) do { confd_value_t *__vp = (v); __vp->type = C_UINT16; __vp->val.u16 = (x); } while (0)
#define CONFD_SET_UINT32(v, x) do { confd_value_t *__vp = (v); __vp->type = C_UINT32; __vp->val.u32 = (x); } while (0)
#define CONFD_SET_UINT64(v, x) do { confd_value_t *__vp = (v); __vp->type = C_UINT64; __vp->val.u64 = (x); } while (0)
#define CONFD_SET_DOUBLE(v, x) do { confd_value_t *__vp = (v); __vp->type = C_DOUBLE; __vp->val.d = (x); } while (0)
#define CONFD_SET_IPV4(v, x) do { confd_value_t *__vp = (v); __vp->type = C_IPV4; __vp->val.ip = (x); } while (0)
#define CONFD_SET_IPV6(v, x) do { confd_value_t *__vp = (v); __vp->type = C_IPV6; __vp->val.ip6 = (x); } while (0)
#define CONFD_SET_BOOL(v, x) do { confd_value_t *__vp = (v); __vp->type = C_BOOL; __vp->val.boolean = (x); } while (0)
#define CONFD_SET_QNAME(v, prefixp, prefixlen, namep, namelen) do { confd_value_t *__vp = (v); __vp->type = C_QNAME; __vp->val.qname.prefix.ptr = (prefixp); __vp->val.qname.prefix.size = (prefixlen); __vp->val.qname.name.ptr = (namep); __vp->val.qname.name.size = (namelen); } while (0)
#define CONFD_SET_DATETIME(v, x) do { confd_value_t *__vp = (v); __vp->type = C_DATETIME; __vp->val.datetime = (x); } while (0)
#define CONFD_SET_DATE(v, x) do { confd_value_t *__vp = (v); __vp->type = C_DATE; __vp->val.date = (x); } while (0)
#define CONFD_SET_TIME(v, x) do { confd_value_t *__vp = (v); __vp->type = C_TIME; __vp->val.time = (x); } while (0)
#define CONFD_SET_DURATION(v, x) do { confd_value_t *__vp = (v); __vp->type = C_DURATION; __vp->val.duration = (x); } while (0)
#define CONFD_SET_ENUM_VALUE(v, x) do { confd_value_t *__vp = (v); __vp->type = C_ENUM_VALUE; __vp->val.enumvalue = (x); } while (0)
#define CONFD_SET_ENUM_HASH(v, x) CONFD_SET_ENUM_VALUE(v, x)
#define CONFD_SET_BIT32(v, x) do { confd_value_t *__vp = (v); __vp->type = C_BIT32; __vp->val.b32 = (x); } while (0)
#define CONFD_SET_BIT64(v, x) do { confd_value_t *__vp = (v); __vp->type = C_BIT64; __vp->val.b64 = (x); } while (0)
#define CONFD_SET_LIST(v, vp, n) do { confd_value_t *__vp = (v); __vp->type = C_LIST; __vp->val.list.ptr = (vp); __vp->val.list.size = (n); } while (0)
#define CONFD_SET_OBJECTREF(v, hkpp) do { confd_value_t *__vp = (v); __vp->type = C_OBJECTREF; __vp->val.hkp = (hkpp); } while (0)
#define CONFD_SET_PTR(v, t, p) do { confd_value_t *__vp = (v); __vp->type = C_PTR; __vp->val.ptr.type = (t); __vp->val.ptr.valp = (p); } while (0)
#define CONFD_SET_CDBBEGIN(v, t, n) do { confd_value_t *__vp = (v); __vp->type = C_CDBBEGIN; __vp->val.xmltag.tag = (t); __vp->val.xmltag.ns = (n); } while (0)
#define CONFD_SET_OID(v, oidptr) do { confd_value_t *__vp = (v); __vp->type = C_OID; __vp->val.oidp = (oidptr); } while (0)
#define CONFD_SET_IPV4PREFIX(v, x) do { confd_value_t *__vp = (v); __vp->type = C_IPV4PREFIX; __vp->val.ipv4prefix = (x); } while (0)
#define CONFD_SET_IPV6PREFIX(v, x) do { confd_value_t *__vp = (v); __vp->type = C_IPV6PREFIX; __vp->val.ipv6prefix = (x); } while (0)
#define CONFD_SET_IPV4_AND_PLEN(v, x) do { confd_value_t *__vp = (v); __vp->type = C_IPV4_AND_PLEN; __vp->val.ipv4prefix = (x); } while (0)
#define CONFD_SET_IPV6_AND_PLEN(v, x) do { confd_value_t *__vp = (v); __vp->type = C_IPV6_AND_PLEN; __vp->val.ipv6prefix = (x); } while (0)
#define CONFD_SET_DEFAULT(v) do { confd_value_t *__vp = (v); __vp->type = C_DEFAULT; } while (0)
#define CONFD_SET_DECIMAL64(v, x) do { confd_value_t *__vp = (v); __vp->type = C_DECIMAL64; __vp->val.d64 = (x); } while (0)
#define CONFD_SET_IDENTITYREF(v, x) do { confd_value_t *__vp = (v); __vp->type = C_IDENTITYREF; __vp->val.idref = (x); } while (0)
#define CONFD_SET_DQUAD(v, x) do { confd_value_t *__vp = (v); __vp->type = C_DQUAD; __vp->val.dquad = (x); } while (0)

/* Getters: each checks the type with CONFD_ASSERT, then yields the member. */
#define CONFD_GET_XMLTAG(v) (CONFD_ASSERT((v)->type == C_XMLTAG), (v)->val.xmltag.tag)
#define CONFD_GET_XMLTAG_NS(v) (CONFD_ASSERT((v)->type == C_XMLTAG), (v)->val.xmltag.ns)
#define CONFD_GET_SYMBOL(v) (CONFD_ASSERT((v)->type == C_SYMBOL), (v)->val.symbol)
#define CONFD_GET_STR(v) (CONFD_ASSERT((v)->type == C_STR), (v)->val.s)
#define CONFD_GET_BUFPTR(v) (CONFD_ASSERT((v)->type == C_BUF), (v)->val.buf.ptr)
#define CONFD_GET_CBUFPTR(v) (CONFD_ASSERT((v)->type == C_BUF), (char *)(v)->val.buf.ptr)
#define CONFD_GET_BUFSIZE(v) (CONFD_ASSERT((v)->type == C_BUF), (v)->val.buf.size)
#define CONFD_GET_BINARY_PTR(v) (CONFD_ASSERT((v)->type == C_BINARY), (v)->val.buf.ptr)
#define CONFD_GET_BINARY_SIZE(v) (CONFD_ASSERT((v)->type == C_BINARY), (v)->val.buf.size)
#define CONFD_GET_HEXSTR_PTR(v) (CONFD_ASSERT((v)->type == C_HEXSTR), (v)->val.buf.ptr)
#define CONFD_GET_HEXSTR_SIZE(v) (CONFD_ASSERT((v)->type == C_HEXSTR), (v)->val.buf.size)
#define CONFD_GET_BITBIG_PTR(v) (CONFD_ASSERT((v)->type == C_BITBIG), (v)->val.buf.ptr)
#define CONFD_GET_BITBIG_SIZE(v) (CONFD_ASSERT((v)->type == C_BITBIG), (v)->val.buf.size)
#define CONFD_GET_INT8(v) (CONFD_ASSERT((v)->type == C_INT8), (v)->val.i8)
#define CONFD_GET_INT16(v) (CONFD_ASSERT((v)->type == C_INT16), (v)->val.i16)
#define CONFD_GET_INT32(v) (CONFD_ASSERT((v)->type == C_INT32), (v)->val.i32)
#define CONFD_GET_INT64(v) (CONFD_ASSERT((v)->type == C_INT64), (v)->val.i64)
#define CONFD_GET_UINT8(v) (CONFD_ASSERT((v)->type == C_UINT8), (v)->val.u8)
#define CONFD_GET_UINT16(v) (CONFD_ASSERT((v)->type == C_UINT16), (v)->val.u16)
#define CONFD_GET_UINT32(v) (CONFD_ASSERT((v)->type == C_UINT32), (v)->val.u32)
#define CONFD_GET_UINT64(v) (CONFD_ASSERT((v)->type == C_UINT64), (v)->val.u64)
#define CONFD_GET_DOUBLE(v) (CONFD_ASSERT((v)->type == C_DOUBLE), (v)->val.d)
#define CONFD_GET_IPV4(v) (CONFD_ASSERT((v)->type == C_IPV4), (v)->val.ip)
#define CONFD_GET_IPV6(v) (CONFD_ASSERT((v)->type == C_IPV6), (v)->val.ip6)
#define CONFD_GET_BOOL(v) (CONFD_ASSERT((v)->type == C_BOOL), (v)->val.boolean)
#define CONFD_GET_QNAME_PREFIX_PTR(v) (CONFD_ASSERT((v)->type == C_QNAME), (v)->val.qname.prefix.ptr)
#define CONFD_GET_QNAME_PREFIX_SIZE(v) (CONFD_ASSERT((v)->type == C_QNAME), (v)->val.qname.prefix.size)
#define CONFD_GET_QNAME_NAME_PTR(v) (CONFD_ASSERT((v)->type == C_QNAME), (v)->val.qname.name.ptr)
#define CONFD_GET_QNAME_NAME_SIZE(v) (CONFD_ASSERT((v)->type == C_QNAME), (v)->val.qname.name.size)
#define CONFD_GET_DATETIME(v) (CONFD_ASSERT((v)->type == C_DATETIME), (v)->val.datetime)
#define CONFD_GET_DATE(v) (CONFD_ASSERT((v)->type == C_DATE), (v)->val.date)
#define CONFD_GET_TIME(v) (CONFD_ASSERT((v)->type == C_TIME), (v)->val.time)
#define CONFD_GET_DURATION(v) (CONFD_ASSERT((v)->type == C_DURATION), (v)->val.duration)
#define CONFD_GET_ENUM_VALUE(v) (CONFD_ASSERT((v)->type == C_ENUM_VALUE), (v)->val.enumvalue)
#define CONFD_GET_ENUM_HASH(v) CONFD_GET_ENUM_VALUE(v)
#define CONFD_GET_BIT32(v) (CONFD_ASSERT((v)->type == C_BIT32), (v)->val.b32)
#define CONFD_GET_BIT64(v) (CONFD_ASSERT((v)->type == C_BIT64), (v)->val.b64)
#define CONFD_GET_LIST(v) (CONFD_ASSERT((v)->type == C_LIST), (v)->val.list.ptr)
#define CONFD_GET_LISTSIZE(v) (CONFD_ASSERT((v)->type == C_LIST), (v)->val.list.size)
#define CONFD_GET_OBJECTREF(v) (CONFD_ASSERT((v)->type == C_OBJECTREF), (v)->val.hkp)
#define CONFD_GET_OID(v) (CONFD_ASSERT((v)->type == C_OID), (v)->val.oidp)
#define CONFD_GET_IPV4PREFIX(v) (CONFD_ASSERT((v)->type == C_IPV4PREFIX), (v)->val.ipv4prefix)
#define CONFD_GET_IPV6PREFIX(v) (CONFD_ASSERT((v)->type == C_IPV6PREFIX), (v)->val.ipv6prefix)
#define CONFD_GET_IPV4_AND_PLEN(v) (CONFD_ASSERT((v)->type == C_IPV4_AND_PLEN), (v)->val.ipv4prefix)
#define CONFD_GET_IPV6_AND_PLEN(v) (CONFD_ASSERT((v)->type == C_IPV6_AND_PLEN), (v)->val.ipv6prefix)
#define CONFD_GET_DECIMAL64(v) (CONFD_ASSERT((v)->type == C_DECIMAL64), (v)->val.d64)
#define CONFD_GET_IDENTITYREF(v) (CONFD_ASSERT((v)->type == C_IDENTITYREF), (v)->val.idref)
#define CONFD_GET_DQUAD(v) (CONFD_ASSERT((v)->type == C_DQUAD), (v)->val.dquad)

/*
 * confd_pp_value(buf, bufsiz, v) -- print the value v as text into buf.
 *
 * Works like snprintf(): at most bufsiz bytes are written, always ending in
 * NUL when bufsiz > 0; buf may be NULL when bufsiz is 0 (to measure).  Does
 * not need confd_init().  The text of each type:
 *   C_STR, C_BUF        the bytes as they are
 *   C_INT*, C_UINT*     decimal;  C_ENUM_VALUE decimal (no schema)
 *   C_DOUBLE            %g style with the fewest digits that read back
 *                       exactly ("0.1", "100", "1e+20"); "NaN", "INF", "-INF"
 *   C_BOOL              "true" / "false"
 *   C_IPV4, C_IPV6      inet_ntop() text;  C_DQUAD "a.b.c.d"
 *   C_IPV4PREFIX, C_IPV6PREFIX, C_IPV4_AND_PLEN, C_IPV6_AND_PLEN "addr/len"
 *   C_DATETIME, C_DATE, C_TIME  RFC 3339 text, ".micro" digits only when
 *                       non-zero, "Z" for +00:00, no zone when UNDEF
 *   C_DURATION          xs:duration "P1Y2M3DT4H5M6.5S" ("PT0S" when zero)
 *   C_DECIMAL64         canonical YANG decimal: "1.5", "-0.25", "3.0"
 *   C_BINARY            base64;  C_HEXSTR "0a:ff";  C_BITBIG "0x" + hex,
 *                       most significant byte first
 *   C_BIT32, C_BIT64    "0x" + hex
 *   C_QNAME             "prefix:name" (or "name")
 *   C_XMLTAG, C_IDENTITYREF  "ns:tag" in decimal (or "tag" when ns is 0)
 *   C_SYMBOL            decimal
 *   C_LIST              "[e1 e2 ...]", each element printed by these rules
 *   C_PTR               the pointed-to value
 *   C_OBJECTREF         "/tag{key1 key2}/tag..." with numeric tags
 *   C_OID               "1.3.6.1"
 *   markers             C_NOEXISTS "<noexists>", C_DEFAULT "<default>",
 *                       C_UNION "<union>"; C_XMLBEGIN, C_XMLEND,
 *                       C_XMLBEGINDEL, C_XMLMOVEFIRST, C_XMLMOVEAFTER and
 *                       C_CDBBEGIN as "<xmlbegin ns:tag>" etc.
 *
 * Returns:
 *   n >= 0     the length of the whole text (excluding the NUL); the text
 *              was truncated iff n >= bufsiz
 *   CONFD_ERR  confd_errno CONFD_ERR_PROTOUSAGE  v NULL, bufsiz < 0, or buf
 *                          NULL with bufsiz > 0
 *              confd_errno CONFD_ERR_BADTYPE  unknown type, a NULL data
 *                          pointer, a bad length or fraction_digits, or
 *                          nesting (C_LIST/C_PTR) deeper than 32 levels;
 *                          buf then holds "" (when bufsiz > 0)
 */
extern int confd_pp_value(char *buf, int bufsiz, const confd_value_t *v);

/*
 * confd_free_value(v) -- free what a library call allocated inside *v.
 *
 * cdb_get() allocates the bytes of the C_BUF and C_BINARY values it
 * returns; this frees them (and the bytes of a C_STR) and leaves *v a
 * C_NOEXISTS.  For the other types it only does the latter.  v NULL is
 * ignored.  Does not need confd_init().  Never fails.
 */
extern void confd_free_value(confd_value_t *v);

/*
 * confd_pp_kpath(buf, bufsiz, hkp) -- print a hashed keypath as text,
 * "/hosts/host{www}/ip": each C_XMLTAG row by name when libgoha made the
 * tag (cdb_diff_iterate does, for every path it shows: see confd_cdb.h),
 * else as "ns:tag" in decimal; each key row as "{k1 k2}" by
 * confd_pp_value() of the keys.  Works like snprintf() and like
 * confd_pp_value(): at most bufsiz bytes, NUL-terminated when bufsiz > 0.
 *
 * Returns:
 *   n >= 0     the length of the whole text (truncated iff n >= bufsiz)
 *   CONFD_ERR  confd_errno CONFD_ERR_PROTOUSAGE  hkp NULL, bufsiz < 0, or buf
 *                          NULL with bufsiz > 0, or hkp->len outside
 *                          0..confd_maxdepth
 *              confd_errno CONFD_ERR_BADTYPE  a key that cannot be printed
 */
extern int confd_pp_kpath(char *buf, int bufsiz, const struct confd_hkeypath *hkp);

/*
 * confd_hash2str(hash) -- the name whose tag is hash, if libgoha made that
 * tag in this process (see confd_cdb.h, "Hashed keypaths"); else NULL.
 * The string is owned by the library and valid for the life of the
 * process.  Does not need confd_init().
 */
extern char *confd_hash2str(uint32_t hash);

/* ------------------------------------------------------------------------ */
/* Iteration and error codes (cdb_diff_iterate, confd_cdb.h)                 */

/* What happened to the node an iterator is shown. */
enum confd_iter_op {
    MOP_CREATED = 1,     /* a list entry or container appeared */
    MOP_DELETED = 2,     /* a node (and everything below it) vanished */
    MOP_MODIFIED = 3,    /* a list entry whose descendants changed */
    MOP_VALUE_SET = 4,   /* a leaf got a value */
    MOP_MOVED_AFTER = 5, /* not produced by goha (no user-ordered lists) */
    MOP_ATTR_SET = 6     /* not produced by goha (no attributes) */
};

/* What an iterator tells the walk to do next. */
enum confd_iter_ret {
    ITER_STOP = 1,     /* end the walk */
    ITER_RECURSE = 2,  /* go into the node's children */
    ITER_CONTINUE = 3, /* skip the node's children */
    ITER_SUSPEND = 4,  /* not supported by goha: ends the walk with an error */
    ITER_UP = 5        /* skip the rest of the node's siblings */
};

/* cdb_diff_iterate() flags (a bit mask). */
enum confd_iter_flags {
    ITER_WANT_PREV = (1 << 0),           /* oldv: a leaf's previous value */
    ITER_WANT_ANCESTOR_DELETE = (1 << 1),/* a deleted ancestor of the point */
    ITER_WANT_ATTR = (1 << 2),           /* accepted, no effect (no attributes) */
    ITER_WANT_CLI_STR = (1 << 3),        /* accepted, no effect */
    ITER_WANT_SCHEMA_ORDER = (1 << 4),   /* accepted: goha's order is the */
    ITER_WANT_LEAF_FIRST_ORDER = (1 << 5), /* store's byte order in any case */
    ITER_WANT_LEAF_LAST_ORDER = (1 << 6),
    ITER_WANT_REVERSE = (1 << 7),        /* accepted, no effect (no aborts) */
    ITER_WANT_P_CONTAINER = (1 << 8),    /* accepted, no effect */
    ITER_WANT_CLI_ORDER = (1 << 10),
    ITER_WANT_SUPPRESS_OPER_DEFAULTS = (1 << 11)
};

/* Error codes a subscriber gives when it aborts a transaction (ConfD's
 * cdb_sub_abort_trans(), which goha does not have; kept for programs that
 * name them). */
enum confd_errcode {
    CONFD_ERRCODE_IN_USE = 0,
    CONFD_ERRCODE_RESOURCE_DENIED = 1,
    CONFD_ERRCODE_INCONSISTENT_VALUE = 2,
    CONFD_ERRCODE_ACCESS_DENIED = 3,
    CONFD_ERRCODE_APPLICATION = 4,
    CONFD_ERRCODE_APPLICATION_INTERNAL = 5,
    CONFD_ERRCODE_PROTO_USAGE = 6,
    CONFD_ERRCODE_INTERNAL = 7,
    CONFD_ERRCODE_DATA_MISSING = 8,
    CONFD_ERRCODE_INTERRUPT = 9
};

/* Verbosity of progress notifications (struct confd_notifications_data). */
enum confd_progress_verbosity {
    CONFD_VERBOSITY_NORMAL = 0,
    CONFD_VERBOSITY_VERBOSE = 1,
    CONFD_VERBOSITY_VERY_VERBOSE = 2,
    CONFD_VERBOSITY_DEBUG = 3
};

/* ------------------------------------------------------------------------ */
/* HA nodes (used by confd_ha.h and confd_events.h)                          */

/*
 * One HA cluster node: its id and its address.  The node id is any value
 * (confd_ha.h, "Node ids"); goha keeps it as text of at most 127 bytes.
 *
 * When the library fills a confd_ha_node (confd_ha_get_status(),
 * confd_read_notification()), nodeid is a C_BUF whose ptr points into the
 * node's own buf[] and is NUL-terminated there; nothing is allocated and the
 * caller frees nothing.  addr_buf plays the same role for addr.str.
 *
 * af is AF_INET (addr.ip4) or AF_INET6 (addr.ip6).  goha also accepts
 * AF_UNSPEC as the primary of confd_ha_besecondary(): addr.str is then a
 * NUL-terminated host name or address (or NULL to take the address from the
 * cluster config).
 */
struct confd_ha_node {
    confd_value_t nodeid;
    int af;
    union {
        struct in_addr ip4;
        struct in6_addr ip6;
        char *str;
    } addr;
    char buf[128];
    char addr_buf[128];
};

#ifdef __cplusplus
}
#endif

#endif /* GOHA_CONFD_LIB_H */
