/*
 * corosync/corotypes.h -- libgoha's source-compatible rendition of the
 * common types of the corosync 3.x client libraries.
 *
 * This header is the ABI of record for cs_error_t, the dispatch and track
 * flags and cs_strerror(3) as implemented by libgoha.so (link with -lgoha).
 * Values and layouts equal corosync 3.1.7, so programs written against
 * corosync recompile unchanged.  See votequorum.h for the votequorum calls
 * and goha.h for the process-model rules that apply to every libgoha client.
 *
 * Like corosync's header, this one does not include <inttypes.h>: include it
 * yourself before using the CS_PRI_* format macros.
 */
#ifndef COROTYPES_H_DEFINED
#define COROTYPES_H_DEFINED

#include <stdint.h>
#include <errno.h>
#include <time.h>
#include <sys/time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Time in nanoseconds (corosync convention). */
typedef int64_t cs_time_t;

#define CS_FALSE 0
#define CS_TRUE !CS_FALSE
#define CS_MAX_NAME_LENGTH 256
#define CS_TIME_END ((cs_time_t)0x7FFFFFFFFFFFFFFFULL)
#define CS_MAX(x, y) (((x) > (y)) ? (x) : (y))

/* printf formats for node ids and ring ids; need <inttypes.h>. */
#define CS_PRI_NODE_ID "%" PRIu32
#define CS_PRI_NODE_ID_PADDED "%10" PRIu32
#define CS_PRI_RING_ID_SEQ "%" PRIx64
#define CS_PRI_RING_ID "%" PRIx32 ".%" PRIx64

/* A length-counted name (not NUL-terminated). sizeof == 258. */
typedef struct {
	uint16_t length;
	uint8_t value[CS_MAX_NAME_LENGTH];
} cs_name_t;

/* sizeof == 3. */
typedef struct {
	char releaseCode;
	unsigned char majorVersion;
	unsigned char minorVersion;
} cs_version_t;

/*
 * How much work one *_dispatch() call does (see votequorum_dispatch(3)):
 *   CS_DISPATCH_ONE              wait for one event, run its callback, return
 *   CS_DISPATCH_ALL              run every queued event, never wait
 *   CS_DISPATCH_BLOCKING         wait and run callbacks until finalize or error
 *   CS_DISPATCH_ONE_NONBLOCKING  run at most one queued event, never wait;
 *                                CS_ERR_TRY_AGAIN when none is queued
 */
typedef enum {
	CS_DISPATCH_ONE = 1,
	CS_DISPATCH_ALL = 2,
	CS_DISPATCH_BLOCKING = 3,
	CS_DISPATCH_ONE_NONBLOCKING = 4
} cs_dispatch_flags_t;

/* Flags of votequorum_trackstart(3). */
#define CS_TRACK_CURRENT 0x01
#define CS_TRACK_CHANGES 0x02
#define CS_TRACK_CHANGES_ONLY 0x04

/*
 * Status codes.  Every libgoha votequorum call returns one of these;
 * cs_strerror(3) turns any value (also unknown ones) into text.
 */
typedef enum {
	CS_OK = 1,
	CS_ERR_LIBRARY = 2,
	CS_ERR_VERSION = 3,
	CS_ERR_INIT = 4,
	CS_ERR_TIMEOUT = 5,
	CS_ERR_TRY_AGAIN = 6,
	CS_ERR_INVALID_PARAM = 7,
	CS_ERR_NO_MEMORY = 8,
	CS_ERR_BAD_HANDLE = 9,
	CS_ERR_BUSY = 10,
	CS_ERR_ACCESS = 11,
	CS_ERR_NOT_EXIST = 12,
	CS_ERR_NAME_TOO_LONG = 13,
	CS_ERR_EXIST = 14,
	CS_ERR_NO_SPACE = 15,
	CS_ERR_INTERRUPT = 16,
	CS_ERR_NAME_NOT_FOUND = 17,
	CS_ERR_NO_RESOURCES = 18,
	CS_ERR_NOT_SUPPORTED = 19,
	CS_ERR_BAD_OPERATION = 20,
	CS_ERR_FAILED_OPERATION = 21,
	CS_ERR_MESSAGE_ERROR = 22,
	CS_ERR_QUEUE_FULL = 23,
	CS_ERR_QUEUE_NOT_AVAILABLE = 24,
	CS_ERR_BAD_FLAGS = 25,
	CS_ERR_TOO_BIG = 26,
	CS_ERR_NO_SECTIONS = 27,
	CS_ERR_CONTEXT_NOT_FOUND = 28,
	CS_ERR_TOO_MANY_GROUPS = 30,
	CS_ERR_SECURITY = 100
} cs_error_t;

/* Unbounded IPC timeout, as corosync's libraries use for every request. */
#define CS_IPC_TIMEOUT_MS -1

#define CS_TIME_MS_IN_SEC 1000ULL
#define CS_TIME_US_IN_SEC 1000000ULL
#define CS_TIME_NS_IN_SEC 1000000000ULL
#define CS_TIME_US_IN_MSEC 1000ULL
#define CS_TIME_NS_IN_MSEC 1000000ULL
#define CS_TIME_NS_IN_USEC 1000ULL

/* Monotonic time in nanoseconds (CLOCK_MONOTONIC). */
static inline uint64_t cs_timestamp_get(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * CS_TIME_NS_IN_SEC) + (uint64_t)ts.tv_nsec;
}

/*
 * qb_to_cs_error - map a libqb result (0, a count, or -errno) to cs_error_t
 *
 * Returns: CS_OK for result >= 0; for -errno: ENOENT, ENODEV ->
 * CS_ERR_NOT_EXIST; EINTR -> CS_ERR_INTERRUPT; E2BIG, EMSGSIZE ->
 * CS_ERR_TOO_BIG; EBADF -> CS_ERR_BAD_HANDLE; EAGAIN, ENOMSG, ENOBUFS,
 * ETIMEDOUT -> CS_ERR_TRY_AGAIN; ENOMEM -> CS_ERR_NO_MEMORY; EACCES ->
 * CS_ERR_ACCESS; EBUSY -> CS_ERR_BUSY; EEXIST -> CS_ERR_EXIST; EINVAL ->
 * CS_ERR_INVALID_PARAM; ENOSPC -> CS_ERR_NO_SPACE; ENOSYS, EOPNOTSUPP ->
 * CS_ERR_NOT_SUPPORTED; EBADE -> CS_ERR_FAILED_OPERATION; ETIME ->
 * CS_ERR_TIMEOUT; EBADMSG -> CS_ERR_MESSAGE_ERROR; EOVERFLOW ->
 * CS_ERR_NAME_TOO_LONG; anything else -> CS_ERR_LIBRARY (as corosync 3.1.7).
 */
cs_error_t qb_to_cs_error(int result);

/*
 * cs_strerror - text of a status code
 *
 * Returns a pointer to static, NUL-terminated text, never NULL: "success"
 * for CS_OK, the symbolic name for the other codes (e.g.
 * "CS_ERR_BAD_HANDLE"), "unknown error" for any other value -- the same
 * strings as corosync's.  Do not free or modify it.
 */
const char *cs_strerror(cs_error_t err);

/*
 * hdb_error_to_cs - map a handle-database result (0 or -errno) to cs_error_t
 *
 * Returns: CS_OK for 0; CS_ERR_BAD_HANDLE for -EBADF; CS_ERR_NO_MEMORY for
 * -ENOMEM; CS_ERR_NO_RESOURCES for -EMFILE; CS_ERR_ACCESS for -EACCES;
 * CS_ERR_LIBRARY for anything else (as corosync 3.1.7).
 */
cs_error_t hdb_error_to_cs(int res);

#ifdef __cplusplus
}
#endif

#endif /* COROTYPES_H_DEFINED */
