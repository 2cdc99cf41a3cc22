/*
 * confd_cdb.h -- libgoha's subset of ConfD/NSO's CDB API: reading and
 * writing goha's replicated config store with ConfD's keypaths, and
 * subscribing to its changes with ConfD's subscription sockets.
 *
 * Include <confd_lib.h> first (or <confd.h>, which includes both), as with
 * ConfD.  Constant values, type layouts and signatures equal ConfD/NSO 6.2's,
 * so a program that uses only the functions below recompiles unchanged and
 * links with -lgoha.  Every function follows the conventions of
 * <confd_lib.h>: CONFD_OK, CONFD_ERR with confd_errno and confd_lasterr(),
 * or CONFD_EOF when gohad closed the socket; confd_init() first; bad
 * arguments give CONFD_ERR_PROTOUSAGE (or the code named), never a crash.
 *
 * ======================================================================
 * SPEC: what goha's CDB is, and the facts this subset relies on
 * ======================================================================
 *
 * The store.  goha's config store (core/store) maps paths to typed values;
 * it has no YANG schema.  A ConfD keypath is stored as its canonical text:
 * "/hosts/host{www}/ip" is the path of that leaf.  ConfD's CDB knows from the
 * schema what is a leaf, a container or a list; goha knows only what is
 * stored, so:
 *   - a leaf is a stored path; a container or list entry (an "interior
 *     node") exists while some stored path lies below it: there are no empty
 *     containers, no presence containers of their own, no defaults;
 *   - a keypath element "name{k1 k2}" is a list entry with keys k1, k2;
 *     keys are separated by blanks and written in double quotes (with \"
 *     and \\ escapes) when they hold blanks, braces, quotes or are empty;
 *     the canonical form has one blank between keys and quotes only where
 *     needed, and every path below is first brought to it, so "/a{ x  y}"
 *     and "/a{x "y"}" name the same entry.  A key cannot hold '/'.
 *   - "prefix:name" is an ordinary name (no namespaces: every nspace
 *     argument is accepted and ignored; cdb_set_namespace() does nothing).
 *   - positional indexes ("list[3]") and relative paths (cdb_cd()) are not
 *     supported: CONFD_ERR_BADPATH.
 *   - values are those of goha_cdb_set() (goha.h): C_BUF, C_BINARY, the
 *     integers, C_DOUBLE, C_BOOL, C_IPV4, C_IPV6.  A C_STR is stored as a
 *     C_BUF, as ConfD's CDB never returns C_STR.  cdb_get_*() require the
 *     exact stored type (nothing is widened), as ConfD's do.
 *
 * Keypath formats.  Every `fmt, ...' is a printf-like keypath format as in
 * ConfD: %d and %i (int), %u (unsigned), %s (char *), %x (confd_value_t *,
 * printed with confd_pp_value()), %ip4 (struct in_addr *), %ip6 (struct
 * in6_addr *), %h (confd_hkeypath_t *, only at the start), and %% for a %.
 * A %s, %x, %ip4 or %ip6 inside braces is one key however it is spelled
 * (quoted if needed).  Any other conversion, a NULL argument or a path that
 * does not parse is CONFD_ERR_BADPATH; the expanded path must fit 1024
 * bytes.
 *
 * Sockets.  The caller creates a stream socket and cdb_connect() connects
 * it to a node's control endpoint (its config key ipc), as a DATA socket
 * (CDB_DATA_SOCKET, or the old CDB_READ_SOCKET) or a SUBSCRIPTION socket.
 * A data socket also serves the goha_cdb_*() calls of goha.h.  Use one
 * socket per thread; calls on one socket are serialised.
 *
 * Sessions and locks.  Reads and writes need a session
 * (cdb_start_session*(); else CONFD_ERR_NOSESSION).  ConfD locks CDB for a
 * session (a writer then waits, a session started during a commit gets
 * CONFD_ERR_LOCKED); goha takes no locks: a session never gets
 * CONFD_ERR_LOCKED, never delays a commit, and each read sees the latest
 * durable commit (two reads of one session may see different commits).
 * The lock flags of cdb_start_session2() are checked and have no effect.
 * CDB_RUNNING and CDB_STARTUP read the one store.  CDB_PRE_COMMIT_RUNNING is
 * not kept: CONFD_ERR_NOEXISTS.  CDB_OPERATIONAL reads the same store and is
 * the only session in which cdb_set_elem() and cdb_set_elem2() write (each
 * call one commit, replicated as any other); in another session they fail
 * with CONFD_ERR_NOT_WRITABLE, as on an HA secondary.  Unlike ConfD's
 * operational data, those writes fire subscriptions.
 *
 * Subscriptions.  A subscription socket registers points with
 * cdb_subscribe() (a keypath pattern: a list element may leave out its keys
 * or use "*" for a key, and then matches every entry; the path need not
 * exist), calls cdb_subscribe_done(), then polls the socket.  Facts
 * (ConfD's, and goha keeps them):
 *   1. A point fires for a transaction that changed something at or below
 *      it, or deleted one of its ancestors.  A socket receives the
 *      transactions committed after its cdb_subscribe_done().
 *   2. Priorities: for each transaction, points are notified in lock-step
 *      priority order, lowest first, across all sockets and processes: all
 *      sockets with points at one priority are notified in parallel, and
 *      the next priority starts only when each of them has synced.
 *   3. One notification per socket and priority, listing every point of the
 *      socket that fired at that priority: a transaction is reported once
 *      per subscription point.  CDB_SUB_FLAG_IS_LAST marks a socket's last
 *      notification for the transaction.
 *   4. The commit waits for the subscribers: the writer's call (goha_cdb_set,
 *      cdb_set_elem, gohactl cdb set, ...) returns only when every
 *      notification of its transaction, at every priority, has been synced.
 *      A subscriber that does not sync within 15 s has its socket closed
 *      and delivery goes on (ConfD's clientTimeout, infinite by default,
 *      bounded in goha so that a hung subscriber cannot hold commits for
 *      ever).  Commits that fire no point do not wait.  Unlike ConfD, goha
 *      does not lock the store meanwhile: later commits go on and are
 *      delivered after; a subscriber that reads the store may see them.
 *   5. Between reading a notification and syncing it, the subscriber may
 *      call cdb_diff_iterate() and read the store on a data socket.  It
 *      must not commit and wait for its own commit there: that commit waits
 *      for this subscriber's sync (fact 4) -- ConfD deadlocks the same way.
 *   6. cdb_sync_subscription_socket(): CDB_DONE_PRIORITY goes on;
 *      CDB_DONE_SOCKET sends this socket nothing more for the transaction;
 *      CDB_DONE_TRANSACTION sends nobody anything more for it.
 *   7. On an HA secondary, the primary's commits are delivered as they are
 *      persisted, with CDB_SUB_FLAG_HA_IS_SECONDARY; a full copy from the
 *      primary is delivered with CDB_SUB_FLAG_HA_SYNC and its difference.
 *      The primary does not wait for the secondaries' subscribers.
 *   8. When the difference is not known (a copy too different to compare:
 *      over 20000 changes or about 16 MiB of old and new values; a copy
 *      installed while the store committed; a secondary's subscribers fell
 *      more than the node's change history behind), every point fires with
 *      CDB_SUB_FLAG_HA_SYNC and cdb_diff_iterate() shows every stored entry
 *      below the point as created (as ConfD's cdb_trigger_subscriptions()
 *      would); deletions are then not shown: re-read what you depend on.
 *   9. Two-phase (CDB_SUB_RUNNING_TWOPHASE) and operational
 *      (CDB_SUB_OPERATIONAL) subscriptions are not supported.
 *
 * The diff walk (cdb_diff_iterate).  From the nodes at the point's level
 * down, in pre-order, siblings in byte order of their paths (so "10"
 * before "9"):
 *   - a leaf that got a value: MOP_VALUE_SET, newv the value, oldv its
 *     previous value with ITER_WANT_PREV (NULL if it had none);
 *   - a leaf removed: MOP_DELETED (oldv with ITER_WANT_PREV);
 *   - an interior node that appeared: MOP_CREATED; ITER_RECURSE shows
 *     what is below it (leaves as MOP_VALUE_SET);
 *   - an interior node that vanished: MOP_DELETED, nothing below it;
 *   - a list entry ("name{keys}") that existed before and after, with
 *     changes below: MOP_MODIFIED, the changes below it;
 *   - a container (no keys) that existed before and after is not shown
 *     (ConfD does not show non-presence containers): its changes are shown
 *     at its level.
 *   - With ITER_WANT_ANCESTOR_DELETE, a point whose ancestor was deleted
 *     sees that ancestor's MOP_DELETED alone.
 *   The keys of a created entry are not shown as leaves (goha does not
 *   store keys as leaves unless the program does).  Order flags are
 *   accepted; moves (MOP_MOVED_AFTER) never happen.
 *
 * Hashed keypaths.  kp is confd_hkeypath_t with the dimensions the program
 * gave confd_init() (confd_maxdepth, confd_maxkeylen), innermost element
 * first: a plain element is one row holding a C_XMLTAG; a list entry is a
 * row of its keys (each a C_BUF of the key's text, ended by C_NOEXISTS when
 * the row has room) followed by the row of its tag.  Tags are the 31-bit
 * FNV-1a hash of the name, namespace 0; confd_hash2str() and
 * confd_pp_kpath() print names for them.  A path deeper than the
 * dimensions allow is skipped by the walk (with a debug line).
 *
 * Transaction ids.  struct cdb_txid holds goha's 64-bit transaction id:
 * s1 the high 32 bits, s2 the low 32, s3 0; primary is the HA primary's
 * node id ("" when the node is not in HA), and master points at it.
 * ======================================================================
 */
#ifndef GOHA_CONFD_CDB_H
#define GOHA_CONFD_CDB_H

#include <stdarg.h>
#include <confd_lib.h>

#ifdef __cplusplus
extern "C" {
#endif

#define cdb_iter_op confd_iter_op
#define cdb_iter_ret confd_iter_ret

enum cdb_db_type {
    CDB_RUNNING = 1,
    CDB_STARTUP = 2,          /* the same store as CDB_RUNNING */
    CDB_OPERATIONAL = 3,
    CDB_PRE_COMMIT_RUNNING = 4 /* not kept: CONFD_ERR_NOEXISTS */
};

enum cdb_sock_type {
    CDB_READ_SOCKET = 0, /* old name of CDB_DATA_SOCKET */
    CDB_SUBSCRIPTION_SOCKET = 1,
    CDB_DATA_SOCKET = 2
};

enum cdb_sub_type {
    CDB_SUB_RUNNING = 1,
    CDB_SUB_RUNNING_TWOPHASE = 2, /* not supported */
    CDB_SUB_OPERATIONAL = 3       /* not supported */
};

enum cdb_sub_notification {
    CDB_SUB_PREPARE = 1,
    CDB_SUB_COMMIT = 2, /* the only kind goha delivers */
    CDB_SUB_ABORT = 3,
    CDB_SUB_OPER = 4
};

enum cdb_subscription_sync_type {
    CDB_DONE_PRIORITY = 1,
    CDB_DONE_SOCKET = 2,
    CDB_DONE_TRANSACTION = 3,
    CDB_DONE_OPERATIONAL = 4 /* only answers CDB_SUB_OPER: CONFD_ERR_PROTOUSAGE */
};

/* cdb_start_session2() flags (no effect in goha, which takes no locks). */
#define CDB_LOCK_WAIT (1 << 0)
#define CDB_LOCK_SESSION (1 << 1)
#define CDB_LOCK_REQUEST (1 << 2)
#define CDB_LOCK_PARTIAL (1 << 3)
#define CDB_READ_COMMITTED (1 << 4)

/* cdb_subscribe2() flags. */
#define CDB_SUB_WANT_ABORT_ON_ABORT (1 << 0)

/* Notification flags (cdb_read_subscription_socket2()). */
#define CDB_SUB_FLAG_IS_LAST (1 << 0)
#define CDB_SUB_FLAG_TRIGGER (1 << 1) /* never set by goha */
#define CDB_SUB_FLAG_REVERT (1 << 2)  /* never set by goha */
#define CDB_SUB_FLAG_HA_SYNC (1 << 3)
#define CDB_SUB_FLAG_HA_IS_SECONDARY (1 << 4)
#define CDB_SUB_FLAG_HA_IS_SLAVE CDB_SUB_FLAG_HA_IS_SECONDARY

#define MAXHOSTLEN 256

/* A transaction id (see "Transaction ids" above). */
struct cdb_txid {
    uint32_t s1;
    uint32_t s2;
    uint32_t s3;
    char primary[MAXHOSTLEN];
    char *master; /* points at primary */
};

/*
 * cdb_active_subscriptions -- the number of subscription points this
 * process has registered (cdb_subscribe*() on sockets not yet closed):
 * the size an array for cdb_read_subscription_socket() needs.
 */
extern int cdb_active_subscriptions;

/* ---------------------------------------------------------------------- */
/* Connecting                                                              */

/*
 * cdb_connect -- connect sock to a node's control endpoint as a CDB socket
 * cdb_connect_name -- the same; name labels the connection (1..255 bytes)
 *
 * srv/srv_sz: a sockaddr_un path, or a sockaddr_in/sockaddr_in6 (the
 * node's ipc).  After a failure close sock and use a new socket.
 *
 * Returns: CONFD_OK, or CONFD_ERR with confd_errno:
 *   CONFD_ERR_PROTOUSAGE  type is not a cdb_sock_type; srv NULL or of an
 *                         unsupported family; sock not a stream socket or
 *                         already connected by libgoha; name NULL, empty
 *                         or too long; gohad refused the hello
 *   CONFD_ERR_OS          connect(2) failed (errno says why; EBADF: sock
 *                         is not an open fd)
 *   CONFD_ERR_LIB_NOT_INITIALIZED
 */
int cdb_connect(int sock, enum cdb_sock_type type, const struct sockaddr *srv, int srv_sz);
int cdb_connect_name(int sock, enum cdb_sock_type type, const struct sockaddr *srv, int srv_sz,
                     const char *name);

/*
 * cdb_close -- close a CDB socket: forget it and close(2) sock, even when
 * it returns an error (as ConfD).  A subscription socket's points go away
 * and a notification it owed a sync for counts as synced.
 *
 * Returns: CONFD_OK, or CONFD_ERR with CONFD_ERR_PROTOUSAGE when sock was
 * not a CDB socket (it is closed all the same), CONFD_ERR_OS when close(2)
 * failed.
 */
int cdb_close(int sock);

/*
 * cdb_wait_start -- wait until the store is available.  goha's is as soon
 * as gohad answers, so this returns at once.
 *
 * Returns: CONFD_OK, or CONFD_ERR with CONFD_ERR_PROTOUSAGE (not a CDB
 * socket), or CONFD_EOF.
 */
int cdb_wait_start(int sock);

/* ---------------------------------------------------------------------- */
/* Data sockets                                                            */

/*
 * cdb_start_session -- start a session on data socket sock (see SPEC,
 * "Sessions and locks")
 * cdb_start_session2 -- the same with lock flags (checked, no effect)
 *
 * Returns: CONFD_OK, or CONFD_ERR with confd_errno:
 *   CONFD_ERR_NOEXISTS    db is CDB_PRE_COMMIT_RUNNING
 *   CONFD_ERR_BADSTATE    a session is already active on sock
 *   CONFD_ERR_PROTOUSAGE  sock is not a data socket; db is not a
 *                         cdb_db_type; flags has unknown bits, or
 *                         CDB_LOCK_PARTIAL without CDB_OPERATIONAL, or
 *                         CDB_LOCK_SESSION with CDB_OPERATIONAL
 */
int cdb_start_session(int sock, enum cdb_db_type db);
int cdb_start_session2(int sock, enum cdb_db_type db, int flags);

/*
 * cdb_end_session -- end the session of sock.
 *
 * Returns: CONFD_OK, or CONFD_ERR with CONFD_ERR_NOEXISTS (no session) or
 * CONFD_ERR_PROTOUSAGE (not a data socket).
 */
int cdb_end_session(int sock);

/*
 * cdb_set_namespace -- accepted and ignored (goha has no namespaces).
 *
 * Returns: CONFD_OK, or CONFD_ERR with CONFD_ERR_PROTOUSAGE (not a data
 * socket) or CONFD_ERR_NOSESSION.
 */
int cdb_set_namespace(int sock, int hashed_ns);

/*
 * cdb_get -- read the leaf at the keypath into *v.
 *
 * A C_BUF or C_BINARY value's bytes are malloc'ed, with a NUL after them
 * that size does not count: free them with confd_free_value().
 *
 * Returns: CONFD_OK, or CONFD_ERR with confd_errno:
 *   CONFD_ERR_NOEXISTS    nothing is stored there
 *   CONFD_ERR_BADPATH     a bad keypath or format, or the path names a
 *                         container or list entry, not a leaf
 *   CONFD_ERR_NOSESSION   no session is active on sock
 *   CONFD_ERR_PROTOUSAGE  v or fmt NULL; not a data socket
 *   CONFD_ERR_MALLOC
 * or CONFD_EOF.
 */
int cdb_get(int sock, confd_value_t *v, const char *fmt, ...);
int cdb_vget(int sock, confd_value_t *v, const char *fmt, va_list args);

/*
 * cdb_get_int8 ... cdb_get_double -- read a leaf of exactly that type.
 *
 * Returns: as cdb_get(), and CONFD_ERR_BADTYPE when the stored value has
 * another type (C_INT8 for int8, C_UINT8 for u_int8, ..., C_BOOL for bool,
 * C_DOUBLE for double; nothing is converted); rval NULL is
 * CONFD_ERR_PROTOUSAGE.
 */
int cdb_get_int8(int sock, int8_t *rval, const char *fmt, ...);
int cdb_get_int16(int sock, int16_t *rval, const char *fmt, ...);
int cdb_get_int32(int sock, int32_t *rval, const char *fmt, ...);
int cdb_get_int64(int sock, int64_t *rval, const char *fmt, ...);
int cdb_get_u_int8(int sock, uint8_t *rval, const char *fmt, ...);
int cdb_get_u_int16(int sock, uint16_t *rval, const char *fmt, ...);
int cdb_get_u_int32(int sock, uint32_t *rval, const char *fmt, ...);
int cdb_get_u_int64(int sock, uint64_t *rval, const char *fmt, ...);
int cdb_get_bool(int sock, int *rval, const char *fmt, ...);
int cdb_get_double(int sock, double *rval, const char *fmt, ...);
int cdb_vget_int8(int sock, int8_t *rval, const char *fmt, va_list args);
int cdb_vget_int16(int sock, int16_t *rval, const char *fmt, va_list args);
int cdb_vget_int32(int sock, int32_t *rval, const char *fmt, va_list args);
int cdb_vget_int64(int sock, int64_t *rval, const char *fmt, va_list args);
int cdb_vget_u_int8(int sock, uint8_t *rval, const char *fmt, va_list args);
int cdb_vget_u_int16(int sock, uint16_t *rval, const char *fmt, va_list args);
int cdb_vget_u_int32(int sock, uint32_t *rval, const char *fmt, va_list args);
int cdb_vget_u_int64(int sock, uint64_t *rval, const char *fmt, va_list args);
int cdb_vget_bool(int sock, int *rval, const char *fmt, va_list args);
int cdb_vget_double(int sock, double *rval, const char *fmt, va_list args);

/*
 * cdb_get_str -- read a C_BUF leaf as a NUL-terminated string into
 * rval[0..n-1].
 *
 * Returns: as cdb_get(); CONFD_ERR_BADTYPE if the leaf is not a C_BUF;
 * CONFD_ERR_PROTOUSAGE if rval is NULL, n < 1, or the bytes and their NUL
 * do not fit (nothing is written then, as ConfD).
 */
int cdb_get_str(int sock, char *rval, int n, const char *fmt, ...);
int cdb_vget_str(int sock, char *rval, int n, const char *fmt, va_list args);

/*
 * cdb_exists -- whether the keypath names a leaf or an interior node
 * (something is stored at or below it).
 *
 * Returns: 1 or 0, or CONFD_ERR as cdb_get() (but never NOEXISTS).
 */
int cdb_exists(int sock, const char *fmt, ...);
int cdb_vexists(int sock, const char *fmt, va_list args);

/*
 * cdb_set_elem -- write the leaf at the keypath, in one commit
 * cdb_set_elem2 -- the same from text, parsed as the type the leaf has
 *                  (a new leaf becomes a C_BUF)
 *
 * Only in a CDB_OPERATIONAL session (see SPEC).  On an HA primary in sync
 * mode the call returns once every in-sync secondary has the commit, and
 * (SPEC, subscriptions, fact 4) once the subscribers synced.
 *
 * Returns: CONFD_OK, or CONFD_ERR with confd_errno:
 *   CONFD_ERR_NOT_WRITABLE  not an operational session, or the node is an
 *                           HA secondary or relay
 *   CONFD_ERR_BADTYPE     a value of a type the store does not keep;
 *                         text that does not parse as the leaf's type
 *   CONFD_ERR_BADPATH, CONFD_ERR_NOSESSION, CONFD_ERR_PROTOUSAGE as cdb_get()
 *   CONFD_ERR_HA_ABORT    the node stopped being primary before the
 *                         secondaries had the commit
 * or CONFD_EOF.
 */
int cdb_set_elem(int sock, confd_value_t *val, const char *fmt, ...);
int cdb_vset_elem(int sock, confd_value_t *val, const char *fmt, va_list args);
int cdb_set_elem2(int sock, const char *strval, const char *fmt, ...);
int cdb_vset_elem2(int sock, const char *strval, const char *fmt, va_list args);

/*
 * cdb_get_txid -- the store's last transaction id (see SPEC).  A program
 * that saved it and finds the same value after a reconnect need not
 * re-read.
 *
 * Returns: CONFD_OK, or CONFD_ERR with CONFD_ERR_PROTOUSAGE (txid NULL,
 * not a data socket), or CONFD_EOF.
 */
int cdb_get_txid(int sock, struct cdb_txid *txid);

/* ---------------------------------------------------------------------- */
/* Subscription sockets                                                    */

/*
 * cdb_subscribe -- add a subscription point (see SPEC) of the given
 * priority on subscription socket sock, before cdb_subscribe_done(); its
 * id (> 0, unique in gohad) is stored in *spoint.  nspace is ignored.
 * cdb_subscribe2 -- the same with a type (only CDB_SUB_RUNNING) and flags
 * (none); note the argument order: priority, spoint, nspace.
 *
 * Returns: CONFD_OK, or CONFD_ERR with confd_errno:
 *   CONFD_ERR_BADPATH     a bad keypath pattern or format, or deeper than
 *                         confd_maxdepth / more keys than confd_maxkeylen-1
 *   CONFD_ERR_BADSTATE    cdb_subscribe_done() was called already
 *   CONFD_ERR_NOT_IMPLEMENTED  type CDB_SUB_RUNNING_TWOPHASE or
 *                         CDB_SUB_OPERATIONAL
 *   CONFD_ERR_PROTOUSAGE  spoint or fmt NULL; not a subscription socket;
 *                         another type or flags
 * or CONFD_EOF.
 */
int cdb_subscribe(int sock, int priority, int nspace, int *spoint, const char *fmt, ...);
int cdb_vsubscribe(int sock, int priority, int nspace, int *spoint, const char *fmt, va_list args);
int cdb_subscribe2(int sock, enum cdb_sub_type type, int flags, int priority, int *spoint, int nspace,
                   const char *fmt, ...);
int cdb_vsubscribe2(int sock, enum cdb_sub_type type, int flags, int priority, int *spoint,
                    int nspace, const char *fmt, va_list args);

/*
 * cdb_subscribe_done -- start delivery to the points of sock: it is told
 * of the transactions committed from now on.
 *
 * Returns: CONFD_OK, or CONFD_ERR with CONFD_ERR_BADSTATE (called twice)
 * or CONFD_ERR_PROTOUSAGE (not a subscription socket), or CONFD_EOF.
 */
int cdb_subscribe_done(int sock);

/*
 * cdb_read_subscription_socket -- read the next notification from sock
 * (poll sock for readability first, or the call blocks until one comes):
 * the ids of the points that fired go to sub_points[0..*resultlen-1];
 * sub_points must hold cdb_active_subscriptions entries.
 * cdb_read_subscription_socket2 -- the same, also the kind (always
 * CDB_SUB_COMMIT) and the CDB_SUB_FLAG_* flags (type and flags may be
 * NULL); the ids go to a malloc'ed array in *subpoints (NULL when
 * *resultlen is 0) that the caller frees.
 *
 * Returns: CONFD_OK, or CONFD_ERR with confd_errno:
 *   CONFD_ERR_PROTOUSAGE  sub_points/subpoints or resultlen NULL; not a
 *                         subscription socket; cdb_subscribe_done() not
 *                         called; the previous notification is not synced
 *   CONFD_ERR_INTERNAL    gohad sent something else than a notification
 *   CONFD_ERR_MALLOC
 * or CONFD_EOF (the daemon closed the socket, or closed it because a sync
 * did not come in time).
 */
int cdb_read_subscription_socket(int sock, int sub_points[], int *resultlen);
int cdb_read_subscription_socket2(int sock, enum cdb_sub_notification *type, int *flags,
                                  int *subpoints[], int *resultlen);

/*
 * cdb_diff_iterate -- walk what the notification just read changed below
 * point subid of this socket (SPEC, "The diff walk"), calling iter once
 * per node on the calling thread: kp is the node's hashed keypath, op its
 * confd_iter_op, newv a leaf's new value (MOP_VALUE_SET), oldv a leaf's
 * previous value (with ITER_WANT_PREV; else NULL), state is initstate.
 * kp, oldv and newv belong to the library and are valid until iter
 * returns.  iter's return value steers the walk (enum confd_iter_ret);
 * iter may call libgoha functions on other sockets, not on sock.
 *
 * Returns: CONFD_OK (also after ITER_STOP), or CONFD_ERR with confd_errno:
 *   CONFD_ERR_NOEXISTS    subid is not a point of this socket
 *   CONFD_ERR_BADSTATE    no notification was read, or it is synced
 *   CONFD_ERR_PROTOUSAGE  iter NULL; not a subscription socket; unknown
 *                         flags; iter returned ITER_SUSPEND (goha has no
 *                         cdb_diff_iterate_resume) or a value that is no
 *                         confd_iter_ret (the walk stops there)
 * or CONFD_EOF.
 */
int cdb_diff_iterate(int sock, int subid,
                     enum cdb_iter_ret (*iter)(confd_hkeypath_t *kp, enum cdb_iter_op op,
                                               confd_value_t *oldv, confd_value_t *newv,
                                               void *state),
                     int flags, void *initstate);

/*
 * cdb_sync_subscription_socket -- tell gohad the notification is handled
 * (SPEC, fact 6); the next notification may follow.
 *
 * Returns: CONFD_OK, or CONFD_ERR with confd_errno:
 *   CONFD_ERR_BADSTATE    no notification awaits a sync
 *   CONFD_ERR_PROTOUSAGE  st is not CDB_DONE_PRIORITY, _SOCKET or
 *                         _TRANSACTION; not a subscription socket
 * or CONFD_EOF.
 */
int cdb_sync_subscription_socket(int sock, enum cdb_subscription_sync_type st);

#ifdef __cplusplus
}
#endif

#endif /* GOHA_CONFD_CDB_H */
