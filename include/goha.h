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
 *   <confd_cdb.h> (all of them: <confd.h>)             ConfD CDB subset
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
 *      signals (it never calls signal.Notify), with one exception, as in
 *      ConfD's library: each successful confd_init() sets SIGPIPE to
 *      SIG_IGN for the whole process (replacing any handler or default), so
 *      that a write to a socket whose peer has gone gives EPIPE instead of
 *      killing the program.  A failed confd_init() and every other function
 *      (votequorum_*, cmm_*, goha_*, the rest of confd_*) leave SIGPIPE
 *      alone; libgoha's own sockets are written with MSG_NOSIGNAL and do not
 *      depend on it.  So a program may install its own SIGPIPE handler after
 *      confd_init() (a later confd_init() call sets SIG_IGN again).  An
 *      ignored signal stays ignored across exec(): reset SIGPIPE to SIG_DFL
 *      in a child that expects the default (posix_spawnattr_setsigdefault).
 *      The Go runtime does install handlers for synchronous signals
 *      (SIGSEGV, SIGBUS, SIGFPE) and SIGPROF and forwards signals it does
 *      not own to the handlers that were there before.  Install your own
 *      handlers with SA_ONSTACK.
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
 * handle is a votequorum_handle_t, quorum_handle_t, cmap_handle_t or
 * corosync_cfg_handle_t: the message of the last call on that handle, made
 * by the calling thread, that did not return CS_OK.  GOHA_PROCESS_HANDLE
 * (0): the message of the calling thread's last failed call that has no
 * handle (cmm_*, a failed initialize or finalize of any of those families,
 * and a call on a handle that is not live).  Like errno, messages are per
 * thread: read right after a failed call, the message is that call's,
 * whatever other threads did meanwhile; a successful call leaves it.  The message names the call and the cause, such as
 * "votequorum_getinfo: node 999 not found".  It is "" when there was no
 * failure.  buf is always NUL-terminated when len > 0.
 *
 * Returns:
 *   GOHA_OK      the whole message fit in buf
 *   GOHA_ERANGE  the message was truncated to len-1 bytes
 *   GOHA_EINVAL  buf is NULL or len is 0
 *   GOHA_EBADF   handle is neither 0 nor a live handle of those families
 */
int goha_errmsg(uint64_t handle, char *buf, size_t len);

/*
 * goha_handles_open - number of live votequorum, quorum, cmap and cfg
 * handles of this process
 *
 * For leak checks in tests.  Never fails.
 */
int goha_handles_open(void);

/* ===================================================================== *
 * Config store access (goha_cdb_*)                                       *
 *                                                                        *
 * The ConfD-style config store functions (goha_cdb_connect,            *
 * goha_cdb_set, goha_cdb_get, goha_cdb_delete, goha_cdb_dump), which     *
 * return CONFD_OK (or a count)/CONFD_ERR/CONFD_EOF with confd_errno set  *
 * as <confd_lib.h> describes.                                            *
 * ===================================================================== */

/* ---- BEGIN goha_cdb_* ---- */

/*
 * The config store is a tree of string paths ("/a/b/c": a leading '/', no
 * empty component, no trailing '/', at most 1024 bytes) to typed values,
 * replicated by HA from the primary to its secondaries.  These functions
 * follow the ConfD conventions: the caller creates a stream socket,
 * goha_cdb_connect() connects it to a node's control endpoint (its config
 * key ipc: a sockaddr_un path, or a loopback sockaddr_in/sockaddr_in6), and
 * each call is one request and reply on it.  confd_init() must have been
 * called.  Every function returns CONFD_OK, or CONFD_ERR with confd_errno
 * (and confd_lasterr()) set, or CONFD_EOF when the daemon closed the
 * socket.  Calls on one socket are serialised; use one socket per thread
 * for parallel requests.
 *
 * The types struct sockaddr and confd_value_t (struct confd_value, from
 * <confd_lib.h>) are declared incompletely here so that this header does not
 * pull in the ConfD namespace; include <confd_lib.h> to build values.
 */
struct sockaddr;
struct confd_value;

/*
 * goha_cdb_connect - connect sock to a node for config store access
 *
 * Returns: CONFD_OK, or CONFD_ERR with confd_errno:
 *   CONFD_ERR_PROTOUSAGE  srv is NULL or of an unsupported family, sock is
 *                         not a stream socket or is already connected by
 *                         libgoha, the daemon refused the hello
 *   CONFD_ERR_OS          connect(2) failed (errno says why)
 *   CONFD_ERR_LIB_NOT_INITIALIZED  confd_init() was not called
 */
int goha_cdb_connect(int sock, const struct sockaddr *srv, int srv_sz);

/*
 * goha_cdb_set - store value at path, in one transaction
 *
 * value types: C_STR, C_BUF, C_BINARY, C_INT8..C_INT64, C_UINT8..C_UINT64,
 * C_DOUBLE, C_BOOL, C_IPV4, C_IPV6.  On an HA primary in sync replication
 * mode it returns only after every in-sync secondary has the commit on
 * disk.
 *
 * Returns: CONFD_OK, or CONFD_ERR with confd_errno:
 *   CONFD_ERR_PROTOUSAGE  path or value is NULL; sock is not a
 *                         goha_cdb_connect() socket
 *   CONFD_ERR_BADPATH     malformed path
 *   CONFD_ERR_BADTYPE     value of an unsupported type (or a C_STR/C_BUF
 *                         with a NULL pointer, or over 1 MiB)
 *   CONFD_ERR_NOT_WRITABLE  the node is an HA secondary or relay; in auto
 *                         mode also a primary without its write lease
 *   CONFD_ERR_UNAVAILABLE (auto mode) fewer in-sync secondaries than
 *                         min_sync: nothing was committed
 *   CONFD_ERR_HA_ABORT    the node stopped being primary (in auto mode: its
 *                         lease ran out) before every secondary had the
 *                         commit (it is committed locally)
 *   (auto mode: see "Auto mode" in confd_ha.h for the messages)
 *   CONFD_ERR_INTERNAL    the store failed
 * or CONFD_EOF (confd_errno CONFD_ERR_EOF) if the daemon closed the socket.
 */
int goha_cdb_set(int sock, const char *path, const struct confd_value *value);

/*
 * goha_cdb_get - read the value at path as text into buf (len bytes)
 *
 * The text is exactly what confd_pp_value() prints for the value (one
 * formatter serves both): "42", "true", "2.5", "1000000", "0.1", "NaN",
 * "10.0.0.1", a C_BUF's bytes as they are, a C_BINARY in base64.  buf is
 * always NUL-terminated when len > 0.
 *
 * Returns: CONFD_OK, or CONFD_ERR with confd_errno:
 *   CONFD_ERR_NOEXISTS    nothing is stored at path
 *   CONFD_ERR_BADPATH     malformed path
 *   CONFD_ERR_PROTOUSAGE  path or buf is NULL, len <= 0, or the text does
 *                         not fit (buf then holds it truncated)
 * or CONFD_EOF, as for goha_cdb_set.
 */
int goha_cdb_get(int sock, const char *path, char *buf, int len);

/*
 * goha_cdb_get_value - read the typed value at path into *v
 *
 * *v gets the value's type and contents, as goha_cdb_set() stored them.
 * A C_STR value's v->val.s and a C_BUF or C_BINARY value's v->val.buf.ptr
 * (NUL-terminated beyond size) are allocated with malloc(): the caller
 * frees them with free().  Other types own no memory.
 *
 * Returns: as goha_cdb_get (CONFD_ERR_PROTOUSAGE for a NULL v).
 */
int goha_cdb_get_value(int sock, const char *path, struct confd_value *v);

/*
 * goha_cdb_delete - remove the value at path, in one transaction
 *
 * Returns: as goha_cdb_set, and CONFD_ERR_NOEXISTS if nothing is stored at
 * path.
 */
int goha_cdb_delete(int sock, const char *path);

/*
 * goha_cdb_dump_cb - called by goha_cdb_dump() once per entry
 *
 * path is the entry's path, value its typed value (a C_STR, C_BUF or
 * C_BINARY points into library memory, and a C_BUF/C_BINARY ptr is followed
 * by a NUL byte not counted in size), text the value as goha_cdb_get() would
 * give it, NUL-terminated (a C_BUF holding NUL bytes: use value).  All three
 * are valid only until the callback returns: copy what you keep.  opaque is
 * goha_cdb_dump()'s argument.  Return 0 to go on, anything else to stop
 * after this entry.
 */
typedef int (*goha_cdb_dump_cb)(const char *path, const struct confd_value *value,
				const char *text, void *opaque);

/*
 * goha_cdb_dump - call cb for every entry whose path starts with prefix
 *
 * prefix "" means every entry.  Otherwise it starts with '/' and is matched
 * byte by byte: "/a" also matches "/ab/c"; pass "/a/" for the subtree below
 * "/a" (a prefix may end in '/', unlike a path).  The entries come from one
 * consistent read of the store, in byte order of their paths, all in one
 * reply of at most about 4 MiB of paths and values.  cb runs on the calling
 * thread, after that reply has arrived and before goha_cdb_dump() returns,
 * once per entry in order; it may call any libgoha function, also on sock
 * (for example goha_cdb_delete() of the entry it is shown), but must not
 * leave by longjmp().  If the daemon fails, cb is not called at all.
 *
 * Returns: the number of entries passed to cb (>= 0; 0 when nothing is
 * stored under prefix, and counting the entry at which cb asked to stop),
 * or CONFD_ERR with confd_errno:
 *   CONFD_ERR_PROTOUSAGE  prefix or cb is NULL; sock is not a
 *                         goha_cdb_connect() socket
 *   CONFD_ERR_BADPATH     prefix is neither "" nor starts with '/', or is
 *                         longer than 1024 bytes
 *   CONFD_ERR_INTERNAL    the store failed, the entries under prefix do
 *                         not fit one reply (dump a narrower prefix), or
 *                         gohad sent a malformed entry
 *   CONFD_ERR_OS          sock is not an open fd (errno EBADF)
 *   CONFD_ERR_LIB_NOT_INITIALIZED  confd_init() was not called
 * or CONFD_EOF (confd_errno CONFD_ERR_EOF) if the daemon closed the socket.
 */
int goha_cdb_dump(int sock, const char *prefix, goha_cdb_dump_cb cb, void *opaque);

/*
 * Change subscriptions
 *
 * goha_cdb_subscribe() makes a goha_cdb_connect() (or cdb_connect() data)
 * socket a change socket: gohad then sends it one message per committed
 * transaction that changed something under prefix, in txid order, each
 * once the commit is durable on that node (on the primary and on every
 * secondary alike).  The socket is the caller's, so it can be poll(2)ed:
 * when it is readable, goha_cdb_read_change() reads one transaction.  A
 * subscriber that stops reading is disconnected by gohad when its backlog
 * is full (8192 messages or 16 MiB) and never holds up a commit; it comes
 * back with the last txid it saw (resume) and misses nothing, or is told
 * to re-read (GOHA_CDB_RESYNC).  gohad keeps about 16 MiB of recent
 * changes, in memory: after a restart of gohad only a subscriber that saw
 * the current txid resumes without re-reading.
 */

/* Flags of goha_cdb_read_change(). */
#define GOHA_CDB_RESET 1  /* the node installed a full copy from its HA
                           * primary; the changes are its difference */
#define GOHA_CDB_RESYNC 2 /* what changed is not known (the resume position
                           * is too old, or the copy's difference too large):
                           * re-read what you depend on (goha_cdb_dump) */
#define GOHA_CDB_DISCARDED 4 /* with GOHA_CDB_RESET: the copy withdrew
                              * transactions delivered before it (see
                              * struct goha_cdb_change_info) */

/*
 * goha_cdb_change_cb -- called by goha_cdb_read_change() once per changed
 * path, in byte order of the paths.  oldv is the value before (NULL if the
 * path was created), newv the value after (NULL if it was deleted), both
 * valid until the callback returns (a C_BUF/C_BINARY ptr is followed by a
 * NUL not counted in size).  Return 0 to go on, anything else to skip the
 * rest of this transaction's changes.
 */
typedef int (*goha_cdb_change_cb)(const char *path, const struct confd_value *oldv,
				  const struct confd_value *newv, void *opaque);

/*
 * goha_cdb_subscribe -- make sock a change socket for paths starting with
 * prefix ("" for all; else it starts with '/', matched byte by byte as in
 * goha_cdb_dump).  With resume 0, changes start with the next commit; with
 * resume 1, right after transaction after_txid (what the subscriber saw
 * last): what followed it is delivered first, or a GOHA_CDB_RESYNC notice
 * if that is no longer known.  *start_txid (if not NULL) receives the txid
 * the subscription starts after.  No other goha_cdb_* call may be made on
 * sock afterwards.
 *
 * Returns: CONFD_OK, or CONFD_ERR with confd_errno:
 *   CONFD_ERR_PROTOUSAGE  prefix NULL, resume not 0 or 1, sock not a
 *                         goha_cdb_connect()/data socket, or already a
 *                         change socket
 *   CONFD_ERR_BADPATH     prefix neither "" nor starting with '/', or
 *                         longer than 1024 bytes
 *   CONFD_ERR_OS          sock is not an open fd (errno EBADF)
 * or CONFD_EOF.
 */
int goha_cdb_subscribe(int sock, const char *prefix, int resume, uint64_t after_txid,
		       uint64_t *start_txid);

/*
 * goha_cdb_read_change -- read the next transaction from change socket
 * sock (blocks until one arrives unless sock is readable): its txid into
 * *txid, GOHA_CDB_* bits into *flags (either may be NULL), and one cb call
 * per change (cb may be NULL to count only).  cb runs on the calling
 * thread and may call libgoha functions on other sockets.
 *
 * Returns: the number of changes (0 for a GOHA_CDB_RESYNC notice), or
 * CONFD_ERR with confd_errno:
 *   CONFD_ERR_PROTOUSAGE  sock is not a change socket
 *   CONFD_ERR_INTERNAL    gohad sent something malformed
 *   CONFD_ERR_OS          sock is not an open fd (errno EBADF)
 * or CONFD_EOF (confd_errno CONFD_ERR_EOF) when the daemon closed the
 * socket (it stopped, or the subscriber fell behind): connect a new socket
 * and resume after the last txid seen.
 */
int goha_cdb_read_change(int sock, uint64_t *txid, int *flags, goha_cdb_change_cb cb,
			 void *opaque);

/*
 * struct goha_cdb_change_info -- what goha_cdb_read_change2() reports
 * besides the changes.  prev is the txid before the transaction (txid - 1
 * for a commit; for a GOHA_CDB_RESET, the node's txid before the copy,
 * which may be higher than txid).  A transaction without changes under
 * the prefix is not delivered, so prev may be past the last txid read.
 * With GOHA_CDB_DISCARDED, the transactions discarded_from..discarded_to
 * (discarded_to = prev) that were delivered before are withdrawn: the
 * node had them, but they were never acknowledged and the history of the
 * primary it copied (auto mode) does not hold them; the changes of this
 * reset undo them.  Otherwise both are 0.
 */
struct goha_cdb_change_info {
	uint64_t txid;
	uint64_t prev;
	uint64_t discarded_from;
	uint64_t discarded_to;
	int flags; /* GOHA_CDB_* bits */
};

/*
 * goha_cdb_read_change2 -- goha_cdb_read_change() reporting into *info
 * (may be NULL).  Same returns and errors.
 */
int goha_cdb_read_change2(int sock, struct goha_cdb_change_info *info, goha_cdb_change_cb cb,
			  void *opaque);

/* ---- END goha_cdb_* ---- */

#ifdef __cplusplus
}
#endif

#endif /* GOHA_GOHA_H_DEFINED */
