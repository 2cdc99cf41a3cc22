/*
 * goha.h -- libgoha's own extensions: version, error messages, and the
 * config store access of the ConfD-style API.
 *
 * libgoha.so (SONAME libgoha.so.1, link with -lgoha) is the client library
 * of gohad, the goha node daemon.  It implements three classic cluster APIs
 * behind hand-written headers that are the ABI of record:
 *
 *   <corosync/votequorum.h>, <corosync/corotypes.h>   corosync 3.x votequorum
 *   <cmm.h>                                           NHAS Cluster Membership Monitor
 *   <confd_lib.h>, <confd_ha.h>, <confd_events.h>     ConfD HA control
 *   <goha.h>                                          this file
 *
 * Calls without an address argument (votequorum_*, cmm_*, goha_*) talk to
 * the gohad whose control endpoint is in the environment variable GOHA_IPC
 * ("unix:/path" or "host:port"), default unix:/var/run/goha/gohad.sock.
 *
 * PROCESS MODEL (read this before linking libgoha into a program)
 *
 *   libgoha.so contains a Go runtime.  Therefore:
 *
 *   1. Load it once per process.  Link it normally or dlopen() it once, and
 *      never dlclose() it: a Go runtime cannot be unloaded, and a second
 *      load of a copy would start a second runtime.
 *   2. Do not fork() without exec() after the library is loaded: the child
 *      has only the forking thread and the runtime's other threads (and the
 *      daemon connections, event fds and locks they own) are gone.  After
 *      fork(), the child may only call async-signal-safe functions and
 *      exec().  fork()+exec() (and posix_spawn) are fine.
 *   3. Do not load two Go shared libraries (c-shared or c-archive built) into
 *      one process: each would bring its own runtime and signal handlers.
 *   4. libgoha installs no signal handlers of its own for the application's
 *      signals (it never calls signal.Notify); the Go runtime does install
 *      handlers for synchronous signals (SIGSEGV, SIGBUS, SIGFPE) and SIGPROF
 *      and forwards signals it does not own to the handlers that were there
 *      before.  Install your own handlers with SA_ONSTACK.
 *   5. Callbacks (votequorum and cmm) run only inside the caller's
 *      votequorum_dispatch() / cmm_notify_dispatch() call, on the calling
 *      thread, as in corosync and NHAS.  A callback may call any libgoha
 *      function, including votequorum_finalize() on its own handle.
 *   6. Every call may be made from any thread.  A handle may be used from
 *      several threads at once: requests on one handle take turns, and a
 *      dispatch waiting in one thread does not hold up requests in another.
 *      A votequorum request blocks the calling thread in the kernel until
 *      the daemon answers (no timeout, as corosync); cmm_* requests are
 *      bounded by the cmm_connect() timeout.
 *   7. No Go panic crosses into C: each entry point recovers and returns the
 *      API family's internal error (CS_ERR_LIBRARY, CMM_ENOTSUP,
 *      GOHA_EINTERNAL), and goha_errmsg() tells what happened.  (Tests can
 *      provoke this: GOHA_INJECT_PANIC=name,name... in the environment at
 *      the first call makes those exports panic; ctests/panic_recovery.c.)
 *   8. GOHA_IPC is read from the C environment when a connection is made
 *      (votequorum_initialize, the first cmm_* call after a disconnect), so
 *      setenv() in the program before that point is honoured.
 */
#ifndef GOHA_GOHA_H_DEFINED
#define GOHA_GOHA_H_DEFINED

#include <stddef.h>
#include <stdint.h>
#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this header; goha_version() tells the library's. */
#define GOHA_VERSION_MAJOR 1
#define GOHA_VERSION_MINOR 0
#define GOHA_VERSION_PATCH 0

/* Status codes of the goha_* functions: 0 or a positive errno value. */
#define GOHA_OK 0
#define GOHA_EBADF EBADF         /* unknown or finalized handle */
#define GOHA_EINVAL EINVAL       /* NULL pointer or bad argument */
#define GOHA_ERANGE ERANGE       /* buffer too small; output truncated */
#define GOHA_EINTERNAL EPROTO    /* internal error (recovered fault) */

/* The pseudo handle of goha_errmsg() for calls that take no handle. */
#define GOHA_PROCESS_HANDLE 0

/*
 * goha_version - version of the loaded library
 *
 * Returns a static NUL-terminated string "MAJOR.MINOR.PATCH"; if major,
 * minor and patch are not NULL they receive the numbers.  Never fails.
 */
const char *goha_version(int *major, int *minor, int *patch);

/*
 * goha_errmsg - message of the last failed call
 *
 * handle is a votequorum_handle_t: the message of the last call on that handle
 * that did not return CS_OK.  GOHA_PROCESS_HANDLE (0): the message of the last
 * failed call of this process that has no handle (cmm_*, and a failed
 * votequorum_initialize).  The message names the call and the cause, such as
 * "votequorum_getinfo: node 999 not found".  It is "" when there was no
 * failure.  buf is always NUL-terminated when len > 0.
 *
 * Returns:
 *   GOHA_OK      the whole message fit in buf
 *   GOHA_ERANGE  the message was truncated to len-1 bytes
 *   GOHA_EINVAL  buf is NULL or len is 0
 *   GOHA_EBADF   handle is neither 0 nor a live votequorum handle
 */
int goha_errmsg(uint64_t handle, char *buf, size_t len);

/*
 * goha_handles_open - number of live votequorum handles of this process
 *
 * For leak checks in tests.  Never fails.
 */
int goha_handles_open(void);

/* ===================================================================== *
 * Config store access (goha_cdb_*)                                       *
 *                                                                        *
 * Reserved for the ConfD-style config store functions                    *
 * (goha_cdb_connect, goha_cdb_set, goha_cdb_get, goha_cdb_delete), which *
 * return CONFD_OK/CONFD_ERR with confd_errno set as <confd_lib.h>        *
 * describes.  Their declarations go here.                                *
 * ===================================================================== */

/* ---- BEGIN goha_cdb_* ---- */

/* ---- END goha_cdb_* ---- */

#ifdef __cplusplus
}
#endif

#endif /* GOHA_GOHA_H_DEFINED */
