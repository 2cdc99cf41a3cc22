/*
 * The library-state half of the ConfD family: confd_init, debug output,
 * confd_errno, confd_lasterr and confd_strerror.
 *
 * These are plain C because their state is per thread (confd_errno and the
 * last-error text live in thread-local storage, which Go cannot declare) or
 * is read by the C debug output, and they contact no daemon.  The Go entry
 * points (confd_ha.go, confd_events.go) record their errors through
 * gh_confd_set_error on the caller's thread: a cgo callback runs on the
 * thread of its C caller, so the thread-local slots are the caller's.
 */
#include "confd_internal.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#define LASTERR_SIZE 1024

/* Globals of confd_lib.h. */
int confd_lib_use_syslog = 0;
void (*confd_user_log_hook)(int syslogprio, const char *fmt, va_list ap) = NULL;
int confd_maxdepth = MAXDEPTH;
int confd_maxkeylen = MAXKEYLEN;

static __thread int tls_errno;
static __thread char tls_lasterr[LASTERR_SIZE];
static __thread char tls_unknown[64];

/* Library state set by confd_init_vsn_sz, guarded by state_mu. */
static pthread_mutex_t state_mu = PTHREAD_MUTEX_INITIALIZER;
static int initialized;
static char prog_name[MAX_DAEMON_NAME_LEN + 1] = "libgoha";
static FILE *debug_stream;
static enum confd_debug_level debug_level = CONFD_SILENT;
static char init_failure[LASTERR_SIZE]; /* why the last confd_init failed */

int *confd_errno_location(void)
{
    return &tls_errno;
}

char *confd_lasterr(void)
{
    return tls_lasterr;
}

static void call_user_hook(int prio, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    confd_user_log_hook(prio, fmt, ap);
    va_end(ap);
}

/* emit writes one debug line of the given minimum level.  The state is
 * read under state_mu but written outside it, so that a confd_user_log_hook
 * may call back into the library; each fprintf is atomic (stdio locks the
 * stream), so lines of several threads do not interleave. */
static void emit(enum confd_debug_level min, int prio, const char *kind,
                 const char *msg)
{
    char name[MAX_DAEMON_NAME_LEN + 1];
    FILE *stream;
    enum confd_debug_level level;

    pthread_mutex_lock(&state_mu);
    level = debug_level;
    stream = debug_stream;
    memcpy(name, prog_name, sizeof name);
    pthread_mutex_unlock(&state_mu);
    if (level < min)
        return;
    if (stream != NULL) {
        fprintf(stream, "%s: %s %s\n", name, kind, msg);
        fflush(stream);
    }
    if (confd_lib_use_syslog)
        syslog(prio, "%s: %s %s", name, kind, msg);
    if (confd_user_log_hook != NULL)
        call_user_hook(prio, "%s", msg);
}

void gh_confd_set_error(int code, const char *msg)
{
    char line[LASTERR_SIZE + 128];

    if (msg == NULL)
        msg = "";
    tls_errno = code;
    if (msg != tls_lasterr) /* re-recording confd_lasterr() keeps it as is */
        snprintf(tls_lasterr, sizeof tls_lasterr, "%s", msg);
    snprintf(line, sizeof line, "%s (%d): %s", confd_strerror(code), code,
             tls_lasterr);
    emit(CONFD_DEBUG, code == CONFD_ERR_INTERNAL ? LOG_CRIT : LOG_ERR, "DEBUG",
         line);
}

void gh_confd_set_errorf(int code, const char *fmt, ...)
{
    char msg[LASTERR_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    gh_confd_set_error(code, msg);
}

void gh_confd_trace(const char *msg)
{
    emit(CONFD_TRACE, LOG_DEBUG, "TRACE", msg == NULL ? "" : msg);
}

int gh_confd_check_init(void)
{
    char reason[LASTERR_SIZE];
    int ok;

    pthread_mutex_lock(&state_mu);
    ok = initialized;
    if (!ok)
        snprintf(reason, sizeof reason, "%s", init_failure);
    pthread_mutex_unlock(&state_mu);
    if (ok)
        return 1;
    if (reason[0] != '\0')
        gh_confd_set_errorf(CONFD_ERR_LIB_NOT_INITIALIZED,
                            "confd_init() failed: %s", reason);
    else
        gh_confd_set_error(CONFD_ERR_LIB_NOT_INITIALIZED,
                           "confd_init() must be called first");
    return 0;
}

static int valid_level(int debug)
{
    return debug >= CONFD_SILENT && debug <= CONFD_PROTO_TRACE;
}

/* init_fail records why confd_init failed for the calling thread and for
 * later CONFD_ERR_LIB_NOT_INITIALIZED errors, and prints it to estream. */
static void init_fail(FILE *estream, int debug, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void init_fail(FILE *estream, int debug, const char *fmt, ...)
{
    char msg[LASTERR_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    tls_errno = CONFD_ERR_PROTOUSAGE;
    snprintf(tls_lasterr, sizeof tls_lasterr, "%s", msg);
    pthread_mutex_lock(&state_mu);
    if (!initialized)
        snprintf(init_failure, sizeof init_failure, "%s", msg);
    pthread_mutex_unlock(&state_mu);
    /* A bad level cannot say "silent", so the failure is printed then too. */
    if (estream != NULL && (!valid_level(debug) || debug >= CONFD_DEBUG)) {
        fprintf(estream, "confd_init: %s\n", msg);
        fflush(estream);
    }
}

void confd_init_vsn_sz(const char *name, FILE *estream,
                       const enum confd_debug_level debug, int vsn,
                       int maxdepth, int maxkeylen)
{
    size_t namelen;

    if (name == NULL)
        name = "libgoha";
    namelen = strnlen(name, MAX_DAEMON_NAME_LEN + 1);
    if (!valid_level((int)debug)) {
        init_fail(estream, (int)debug, "debug level %d is not a confd_debug_level (0..3)",
                  (int)debug);
        return;
    }
    if (vsn > CONFD_LIB_API_VSN) {
        init_fail(estream, (int)debug,
                  "program built for API version 0x%08x, newer than this "
                  "library's 0x%08x", (unsigned)vsn, (unsigned)CONFD_LIB_API_VSN);
        return;
    }
    if (vsn < CONFD_LIB_MIN_API_VSN) {
        init_fail(estream, (int)debug,
                  "program built for API version 0x%08x, older than the "
                  "oldest this library supports (0x%08x)", (unsigned)vsn,
                  (unsigned)CONFD_LIB_MIN_API_VSN);
        return;
    }
    if (maxdepth < 1 || maxdepth > 255 || maxkeylen < 1 || maxkeylen > 255) {
        init_fail(estream, (int)debug,
                  "MAXDEPTH %d / MAXKEYLEN %d out of range (1..255)", maxdepth,
                  maxkeylen);
        return;
    }
    if (namelen > MAX_DAEMON_NAME_LEN) {
        init_fail(estream, (int)debug, "name longer than %d bytes",
                  MAX_DAEMON_NAME_LEN);
        return;
    }

    /* As ConfD's library does: a write to a socket whose peer is gone must
     * give EPIPE, not kill the process.  (The Go runtime's own handler
     * would forward a SIGPIPE raised in C code to the default action.) */
    signal(SIGPIPE, SIG_IGN);

    pthread_mutex_lock(&state_mu);
    memcpy(prog_name, name, namelen);
    prog_name[namelen] = '\0';
    debug_stream = estream;
    debug_level = debug;
    confd_maxdepth = maxdepth;
    confd_maxkeylen = maxkeylen;
    init_failure[0] = '\0';
    initialized = 1;
    pthread_mutex_unlock(&state_mu);
}

int confd_set_debug(enum confd_debug_level debug, FILE *estream)
{
    if (!gh_confd_check_init())
        return CONFD_ERR;
    if (!valid_level((int)debug)) {
        gh_confd_set_errorf(CONFD_ERR_PROTOUSAGE,
                            "confd_set_debug: debug level %d is not a "
                            "confd_debug_level (0..3)", (int)debug);
        return CONFD_ERR;
    }
    pthread_mutex_lock(&state_mu);
    debug_level = debug;
    debug_stream = estream;
    pthread_mutex_unlock(&state_mu);
    return CONFD_OK;
}

char *confd_strerror(int code)
{
    /* Our own wording of the meaning of each code (spec/confd-ha.md 1.3). */
    switch (code) {
    case CONFD_OK: return "no error";
    case CONFD_ERR_NOEXISTS: return "item does not exist";
    case CONFD_ERR_ALREADY_EXISTS: return "item already exists";
    case CONFD_ERR_ACCESS_DENIED: return "access denied";
    case CONFD_ERR_NOT_WRITABLE: return "item is not writable";
    case CONFD_ERR_BADTYPE: return "value has the wrong type";
    case CONFD_ERR_NOTCREATABLE: return "item cannot be created";
    case CONFD_ERR_NOTDELETABLE: return "item cannot be deleted";
    case CONFD_ERR_BADPATH: return "bad path";
    case CONFD_ERR_NOSTACK: return "no saved position to pop";
    case CONFD_ERR_LOCKED: return "locked";
    case CONFD_ERR_INUSE: return "in use";
    case CONFD_ERR_NOTSET: return "mandatory item not set";
    case CONFD_ERR_NON_UNIQUE: return "unique constraint violated";
    case CONFD_ERR_BAD_KEYREF: return "reference to a non-existing item";
    case CONFD_ERR_TOO_FEW_ELEMS: return "too few elements";
    case CONFD_ERR_TOO_MANY_ELEMS: return "too many elements";
    case CONFD_ERR_BADSTATE: return "operation not allowed in the current state";
    case CONFD_ERR_INTERNAL: return "internal error";
    case CONFD_ERR_EXTERNAL: return "error in an external component";
    case CONFD_ERR_MALLOC: return "out of memory";
    case CONFD_ERR_PROTOUSAGE: return "API used in the wrong way";
    case CONFD_ERR_NOSESSION: return "no session";
    case CONFD_ERR_TOOMANYTRANS: return "too many transactions";
    case CONFD_ERR_OS: return "operating system call failed";
    case CONFD_ERR_HA_CONNECT: return "could not connect to the remote HA node";
    case CONFD_ERR_HA_CLOSED: return "the remote HA node closed the connection";
    case CONFD_ERR_HA_BADFXS: return "the remote HA node has another schema";
    case CONFD_ERR_HA_BADTOKEN: return "the remote HA node has another token";
    case CONFD_ERR_HA_BADNAME: return "the remote HA node has another name";
    case CONFD_ERR_HA_BIND: return "could not bind the HA listen socket";
    case CONFD_ERR_HA_NOTICK: return "the remote HA node stopped sending ticks";
    case CONFD_ERR_VALIDATION_WARNING: return "validation warning";
    case CONFD_ERR_SUBAGENT_DOWN: return "subagent down";
    case CONFD_ERR_LIB_NOT_INITIALIZED: return "library not initialized (confd_init)";
    case CONFD_ERR_TOO_MANY_SESSIONS: return "too many sessions";
    case CONFD_ERR_BAD_CONFIG: return "bad configuration";
    case CONFD_ERR_RESOURCE_DENIED: return "resource denied";
    case CONFD_ERR_INCONSISTENT_VALUE: return "inconsistent value";
    case CONFD_ERR_APPLICATION_INTERNAL: return "application internal error";
    case CONFD_ERR_UNSET_CHOICE: return "mandatory choice not set";
    case CONFD_ERR_MUST_FAILED: return "must expression failed";
    case CONFD_ERR_MISSING_INSTANCE: return "missing instance";
    case CONFD_ERR_INVALID_INSTANCE: return "invalid instance";
    case CONFD_ERR_UNAVAILABLE: return "unavailable";
    case CONFD_ERR_EOF: return "the daemon closed the connection";
    case CONFD_ERR_NOTMOVABLE: return "item cannot be moved";
    case CONFD_ERR_HA_WITH_UPGRADE: return "HA change not allowed during an upgrade";
    case CONFD_ERR_TIMEOUT: return "timeout";
    case CONFD_ERR_ABORTED: return "aborted";
    case CONFD_ERR_XPATH: return "XPath error";
    case CONFD_ERR_NOT_IMPLEMENTED: return "not implemented";
    case CONFD_ERR_HA_BADVSN: return "the remote HA node speaks an incompatible version";
    case CONFD_ERR_POLICY_FAILED: return "policy failed";
    case CONFD_ERR_POLICY_COMPILATION_FAILED: return "policy compilation failed";
    case CONFD_ERR_POLICY_EVALUATION_FAILED: return "policy evaluation failed";
    case NCS_ERR_CONNECTION_REFUSED: return "connection refused";
    case CONFD_ERR_START_FAILED: return "start failed";
    case CONFD_ERR_DATA_MISSING: return "data missing";
    case CONFD_ERR_CLI_CMD: return "CLI command error";
    case CONFD_ERR_UPGRADE_IN_PROGRESS: return "upgrade in progress";
    case CONFD_ERR_NOTRANS: return "no such transaction";
    case NCS_ERR_SERVICE_CONFLICT: return "service conflict";
    case NCS_ERR_CONNECTION_TIMEOUT: return "connection timeout";
    case NCS_ERR_CONNECTION_CLOSED: return "connection closed";
    case NCS_ERR_DEVICE: return "device error";
    case NCS_ERR_TEMPLATE: return "template error";
    case CONFD_ERR_NO_MOUNT_ID: return "no mount id";
    case CONFD_ERR_STALE_INSTANCE: return "stale instance";
    case CONFD_ERR_HA_BADCONFIG: return "the remote HA node has an incompatible configuration";
    case CONFD_ERR_TRANSACTION_CONFLICT: return "transaction conflict";
    case CONFD_ERR_HA_ABORT: return "transaction aborted by an HA change";
    }
    snprintf(tls_unknown, sizeof tls_unknown, "unknown confd error %d", code);
    return tls_unknown;
}
