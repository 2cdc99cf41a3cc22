/*
 * cmm.h -- libgoha's source-compatible Cluster Membership Monitor (CMM) API
 * of the Netra HA Suite Foundation Services (link with -lgoha instead of
 * -lcgha_cmm).
 *
 * Every call except the cmm_member_is* predicates and cmm_strerror is a
 * request to the local gohad named by the environment variable GOHA_IPC
 * (default unix:/var/run/goha/gohad.sock).  The connection is opened
 * implicitly by the first call and re-opened after a failure; at most one
 * call is in flight per process at a time (calls are MT-safe and mutually
 * exclusive).  Each request is bounded by the timeout set with
 * cmm_connect() (default 5 s).
 *
 * Node ids are the `id`s of the [[node]] entries of the cluster config; the
 * cluster's domain id is its `domain_id`.  Roles: gohad elects at most one
 * master and one vice-master per quorate partition among eligible, qualified
 * and synchronised nodes; a partition without quorum has no master.
 *
 * Threading and process model: see goha.h.  The notification callback runs
 * only inside cmm_notify_dispatch(), on the thread that called it.
 *
 * Status codes common to every daemon call (listed once here):
 *   CMM_ECONN      no gohad answers on GOHA_IPC (or it went away)
 *   CMM_ETIMEDOUT  the daemon did not answer within the cmm_connect timeout
 *   CMM_ENOTSUP    unexpected error inside libgoha or the daemon (also a
 *                  recovered internal fault); the message is available
 *                  through goha_errmsg()
 *
 * The 29 functions of the NHAS CMM API are provided.  Not provided: the
 * "temporary" cmm_node_eligible()/cmm_node_ineligible() of Sun's Honeycomb
 * reimplementation (eligibility is the config key `eligible`); their event
 * codes CMM_NODE_ELIGIBLE/INELIGIBLE are defined but never sent.
 *
 * Notification sequences gohad produces (tested in ctests/cmm_api.c):
 *   switchover (cmm_mastership_release on master A, vice-master B):
 *     MASTER_DEMOTED(A) VICEMASTER_DEMOTED(B) MASTER_ELECTED(B)
 *     VICEMASTER_ELECTED(A)
 *   master A fails, vice-master B, another eligible node C:
 *     MASTER_DEMOTED(A) MEMBER_LEFT(A) VICEMASTER_DEMOTED(B)
 *     MASTER_ELECTED(B) VICEMASTER_ELECTED(C)
 *   a node joins: MEMBER_JOINED(n) (then VICEMASTER_ELECTED(n) if it is
 *   eligible and there was no vice-master); a plain member leaves:
 *   MEMBER_LEFT(n).
 */
#ifndef GOHA_CMM_H_DEFINED
#define GOHA_CMM_H_DEFINED

#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Solaris has timespec_t; Linux does not. */
#ifndef _TIMESPEC_T_DEFINED
#define _TIMESPEC_T_DEFINED
#if !defined(__sun)
typedef struct timespec timespec_t;
#endif
#endif

#define CMM_MAX_NAME_SIZE 256
#define CMM_MAX_ADDR_SIZE 64
#define CMM_MAX_SWLOADID_SIZE 32

typedef uint32_t cmm_nodeid_t;
typedef uint32_t cmm_incarn_t;
typedef uint32_t cmm_domainid_t;
typedef char cmm_membername_t[CMM_MAX_NAME_SIZE];
typedef char cmm_memberaddr_t[CMM_MAX_ADDR_SIZE];
typedef char cmm_swload_t[CMM_MAX_SWLOADID_SIZE];

#define CMM_NO_NODE 0
#define CMM_NO_DOMAIN 0
#define CMM_INVALID_NODE_ID ((cmm_nodeid_t)-1)
/* Most entries cmm_member_getall ever returns. */
#define CMM_MAX_MEMBERS 1024

/* sflag bits: role (exactly one of the first three, or none for "in") */
#define CMM_MASTER 0x0001
#define CMM_VICEMASTER 0x0002
#define CMM_OUT_OF_CLUSTER 0x0004
#define CMM_ROLE_MASK 0x0007
/* sflag bits: administrative attributes */
#define CMM_FROZEN_MEMBER 0x0100
#define CMM_EXCLUDED_MEMBER 0x0200
#define CMM_ELIGIBLE_MEMBER 0x0400    /* may be master or vice-master */
/* sflag bits: qualification (meaningful for eligible, in-cluster nodes) */
#define CMM_FLAG_DISQUALIFIED 0x0800
#define CMM_FLAG_SYNCHRO_NEEDED 0x1000

/*
 * One configured node.  sizeof == 368 on LP64, no padding.
 *   nodeid              config `id`
 *   name                config `name`, NUL-terminated
 *   addr                the IP address of the config `addr` (membership
 *                       address) without its port, NUL-terminated: dotted
 *                       decimal ("127.0.0.1"), or IPv6 text ("::1") for an
 *                       IPv6 node; a host name in the config is the address
 *                       it resolved to when gohad started (the Netra guide:
 *                       the node's address; clients copy it as an IP string)
 *   domainid            config `domain_id`
 *   sflag               CMM_* bits above
 *   incarnation_number  bumped (and persisted) every time the node's gohad
 *                       starts, so a restarted node differs from one that
 *                       never left; 0 for a node never seen
 *   software_load_id    "gohad MAJOR.MINOR.PATCH": the version of the gohad
 *                       that answered (the VERSION file goha was built from)
 */
typedef struct cmm_member_t {
	cmm_nodeid_t nodeid;
	cmm_membername_t name;
	cmm_memberaddr_t addr;
	cmm_domainid_t domainid;
	uint32_t sflag;
	cmm_incarn_t incarnation_number;
	cmm_swload_t software_load_id;
} cmm_member_t;

/* Qualification levels of cmm_member_setqualif(). */
typedef enum {
	CMM_QUALIFIED_MEMBER = -150,
	CMM_SYNCHRO_READY = -149,       /* reserved for the replication service */
	CMM_DISQUALIFIED_MEMBER = -148,
	CMM_SYNCHRO_NEEDED = -147       /* reserved for the replication service */
} cmm_qualif_t;

/* Status codes; cmm_strerror() names each of them. */
typedef enum {
	CMM_OK = 0,
	CMM_EBADF = -100,       /* notification fd bad: unregister and register again */
	CMM_EBUSY = -99,        /* daemon temporarily out of resources: retry */
	CMM_ECANCELED = -98,    /* cannot be done (e.g. nobody can take mastership) */
	CMM_EEXIST = -97,       /* a callback is already registered */
	CMM_EINVAL = -96,       /* invalid parameter */
	CMM_ENOENT = -95,       /* no such entry (e.g. no callback registered) */
	CMM_ENOMSG = -94,       /* no pending notification */
	CMM_ENOTSUP = -93,      /* unexpected service error */
	CMM_EPERM = -92,        /* not allowed from this node */
	CMM_ERANGE = -91,       /* table too small; *member_count says how big */
	CMM_ESRCH = -90,        /* no such member / no such role holder */
	CMM_ENOCLUSTER = -89,   /* not in a cluster, or no master elected */
	CMM_ECONN = -88,        /* no daemon reachable */
	CMM_ETIMEDOUT = -87,    /* the call's timeout expired */
	CMM_EAGAIN = -86,       /* data may be stale */
	CMM_ENOMEM = -85,       /* out of memory (extension) */
	CMM_EOTHER = -84        /* other internal error (extension) */
} cmm_error_t;

/* Membership change notifications (cmm_cmc_notification_t.cmchange). */
typedef enum {
	CMM_MASTER_ELECTED = 250,
	CMM_MASTER_DEMOTED = 251,
	CMM_VICEMASTER_ELECTED = 252,
	CMM_VICEMASTER_DEMOTED = 253,
	CMM_MEMBER_JOINED = 254,
	CMM_MEMBER_LEFT = 255,
	CMM_STALE_CLUSTER = 256,   /* nodeid 0 */
	CMM_INVALID_CLUSTER = 257, /* nodeid 0 */
	CMM_VALID_CLUSTER = 258,   /* nodeid 0 */
	CMM_NODE_ELIGIBLE = 259,   /* reserved; never sent by libgoha */
	CMM_NODE_INELIGIBLE = 260  /* reserved; never sent by libgoha */
} cmm_cmchanges_t;

/* sizeof == 8. */
typedef struct {
	cmm_cmchanges_t cmchange;
	cmm_nodeid_t nodeid;
} cmm_cmc_notification_t;

/* The notification callback; the notification is valid only during the call. */
typedef void (*cmm_notify_t)(const cmm_cmc_notification_t *change_notification,
			     void *client_data);

/* Actions of cmm_cmc_filter(). */
typedef enum {
	CMM_CMC_NOTIFY_ADD = 20,
	CMM_CMC_NOTIFY_REM = 21,
	CMM_CMC_NOTIFY_SET = 22,
	CMM_CMC_NOTIFY_ALL = 23,
	CMM_CMC_NOTIFY_NONE = 24
} cmm_cmcfilter_t;

/* ---- Connection -------------------------------------------------------- */

/*
 * cmm_connect - check that the daemon answers and set the call timeout
 *
 * The timeout applies to every later call of this process.  A zero
 * timeout ({0, 0}) means the default, 5 s, as in the Honeycomb CMM library
 * and its tools, which pass {0, 0}.
 *
 * Returns:
 *   CMM_OK
 *   CMM_EINVAL     a negative timeout, or tv_nsec outside [0, 1e9)
 *   CMM_ECONN, CMM_ETIMEDOUT, CMM_ENOTSUP   (never CMM_ENOCLUSTER)
 */
cmm_error_t cmm_connect(timespec_t const timeout);

/*
 * cmm_disconnect - close the connection
 *
 * The callback registration and filter are dropped (a later call reconnects
 * but does not re-register); a cmm_notify_dispatch in another thread returns.
 *
 * Returns:
 *   CMM_OK  (also when not connected)
 */
cmm_error_t cmm_disconnect(void);

/* ---- Node information -------------------------------------------------- */

/*
 * cmm_node_getid - id of the local node
 *
 * Works when no master exists and when the node is out of the cluster.
 *
 * Returns:
 *   CMM_OK
 *   CMM_EINVAL  me is NULL
 *   on any error other than CMM_EINVAL, *me is CMM_INVALID_NODE_ID
 */
cmm_error_t cmm_node_getid(cmm_nodeid_t * const me);

/*
 * cmm_member_getinfo - entry of a node that is in the local node's cluster
 *
 * Returns:
 *   CMM_OK
 *   CMM_EINVAL      member is NULL
 *   CMM_ESRCH       nodeid is not configured or is out of the cluster
 *   CMM_ENOCLUSTER  the local node is not in a cluster
 */
cmm_error_t cmm_member_getinfo(cmm_nodeid_t const nodeid, cmm_member_t * const member);

/*
 * cmm_potential_getinfo - entry of any configured node, also out of cluster
 *
 * Returns:
 *   CMM_OK
 *   CMM_EINVAL  member is NULL
 *   CMM_ESRCH   nodeid is not configured
 */
cmm_error_t cmm_potential_getinfo(cmm_nodeid_t const nodeid, cmm_member_t * const member);

/*
 * cmm_master_getinfo - entry of the current master
 *
 * Returns:
 *   CMM_OK
 *   CMM_EINVAL      member is NULL
 *   CMM_ENOCLUSTER  no master is elected (startup, failover, no quorum)
 */
cmm_error_t cmm_master_getinfo(cmm_member_t * const member);

/*
 * cmm_vicemaster_getinfo - entry of the current vice-master
 *
 * Returns:
 *   CMM_OK
 *   CMM_EINVAL      member is NULL
 *   CMM_ESRCH       there is no vice-master
 *   CMM_ENOCLUSTER  the local node is not in a cluster
 */
cmm_error_t cmm_vicemaster_getinfo(cmm_member_t * const member);

/*
 * cmm_member_getcount - number of nodes in the cluster, the caller included
 *
 * Returns:
 *   CMM_OK
 *   CMM_EINVAL      member_count is NULL
 *   CMM_ENOCLUSTER  the local node is not in a cluster
 */
cmm_error_t cmm_member_getcount(uint32_t * const member_count);

/*
 * cmm_member_getall - entries of all nodes in the cluster, by node id
 *
 * With member_table NULL it behaves like cmm_member_getcount.  *member_count
 * is set to the number of members (at most CMM_MAX_MEMBERS).
 *
 * Returns:
 *   CMM_OK          member_table[0 .. *member_count-1] filled
 *   CMM_EINVAL      member_count is NULL
 *   CMM_ERANGE      table_size < members: the table is left unchanged and
 *                   *member_count is the size needed
 *   CMM_ENOCLUSTER  the local node is not in a cluster
 */
cmm_error_t cmm_member_getall(uint32_t const table_size,
			      cmm_member_t * const member_table,
			      uint32_t * const member_count);

/* ---- Predicates: pure, never contact the daemon; NULL gives 0 ------------ */

int cmm_member_ismaster(cmm_member_t const *member);        /* CMM_MASTER */
int cmm_member_isvicemaster(cmm_member_t const *member);    /* CMM_VICEMASTER */
int cmm_member_isoutofcluster(cmm_member_t const *member);  /* CMM_OUT_OF_CLUSTER */
int cmm_member_iseligible(cmm_member_t const *member);      /* CMM_ELIGIBLE_MEMBER */
int cmm_member_isfrozen(cmm_member_t const *member);        /* CMM_FROZEN_MEMBER */
int cmm_member_isexcluded(cmm_member_t const *member);      /* CMM_EXCLUDED_MEMBER */
int cmm_member_isdisqualified(cmm_member_t const *member);  /* CMM_FLAG_DISQUALIFIED */
/* Eligible and not disqualified (qualification only applies to eligible nodes). */
int cmm_member_isqualified(cmm_member_t const *member);
int cmm_member_isdesynchronized(cmm_member_t const *member); /* CMM_FLAG_SYNCHRO_NEEDED */

/* Deprecated: take a cmm_member_t value, not a pointer. */
#define CMM_IS_FROZEN(m) cmm_member_isfrozen(&(m))
#define CMM_IS_EXCLUDED(m) cmm_member_isexcluded(&(m))
#define CMM_IS_ELIGIBLE(m) cmm_member_iseligible(&(m))
#define CMM_IS_MASTER(m) cmm_member_ismaster(&(m))
#define CMM_IS_VICEMASTER(m) cmm_member_isvicemaster(&(m))
#define CMM_IS_QUALIFIED(m) cmm_member_isqualified(&(m))
#define CMM_IS_DISQUALIFIED(m) cmm_member_isdisqualified(&(m))
#define CMM_IS_SEMI_QUALIFIED(m) cmm_member_isdesynchronized(&(m))
#define CMM_IS_OUT_OF_CLUSTER(m) cmm_member_isoutofcluster(&(m))

/* ---- Administrative actions ------------------------------------------ */

/*
 * cmm_mastership_release - planned switchover (call on the master)
 *
 * The vice-master takes over before the caller steps down; notifications
 * MASTER_DEMOTED(old), VICEMASTER_DEMOTED(new), MASTER_ELECTED(new) and,
 * if the old master stays qualified, VICEMASTER_ELECTED(old) follow.
 *
 * Returns:
 *   CMM_OK
 *   CMM_EPERM       the local node is not the master
 *   CMM_ECANCELED   no qualified vice-master can take over
 */
cmm_error_t cmm_mastership_release(void);

/*
 * cmm_membership_remove - take the local node out of the cluster
 *
 * The node stays configured, is reported CMM_OUT_OF_CLUSTER and keeps
 * answering API calls; it rejoins only when its gohad restarts.  On the master
 * this is a failover.
 *
 * Returns:
 *   CMM_OK
 *   CMM_ECANCELED   the local node is the master and nobody can take over
 *   CMM_EPERM       the local node was already removed
 */
cmm_error_t cmm_membership_remove(void);

/*
 * cmm_member_setqualif - set an eligible node's qualification (master only)
 *
 * new_qualif is CMM_QUALIFIED_MEMBER or CMM_DISQUALIFIED_MEMBER (persisted;
 * disqualifying the master causes a failover).  CMM_SYNCHRO_READY and
 * CMM_SYNCHRO_NEEDED set the synchronisation flag; they are meant for the
 * replication service and only for the local node (nodeid = own id or 0).
 * The call returns once the daemon accepted the change; the notifications
 * follow.
 *
 * Returns:
 *   CMM_OK
 *   CMM_EPERM       the local node is not the master
 *   CMM_EINVAL      new_qualif is not a cmm_qualif_t, the node is in the
 *                   cluster and not eligible, or a SYNCHRO level for another node
 *   CMM_ESRCH       nodeid is not configured
 */
cmm_error_t cmm_member_setqualif(cmm_nodeid_t const nodeid, cmm_qualif_t const new_qualif);

/*
 * cmm_member_seizequalif - qualify the local eligible node when no master exists
 *
 * Returns:
 *   CMM_OK
 *   CMM_EPERM  a master exists, or the local node is not eligible
 */
cmm_error_t cmm_member_seizequalif(void);

/*
 * cmm_config_reload - make gohad re-read the cluster config (master only)
 *
 * The file is read and validated.  gohad cannot yet apply node-table,
 * timing or quorum changes at run time: those need a restart of every
 * node and are refused with CMM_ENOTSUP (the old config stays in force).
 *
 * Returns:
 *   CMM_OK       the file is valid and unchanged
 *   CMM_EPERM    the local node is not the master
 *   CMM_EINVAL   the config file is not valid (the old one stays in force)
 *   CMM_ENOTSUP  the file changes what only a restart can change
 */
cmm_error_t cmm_config_reload(void);

/* ---- Notifications ---------------------------------------------------- */

/*
 * cmm_cmc_register - register the process's notification callback
 *
 * One callback per process.  The filter starts as "all notifications".
 *
 * Returns:
 *   CMM_OK
 *   CMM_EINVAL  callback is NULL
 *   CMM_EEXIST  a callback is already registered (the first one stays)
 */
cmm_error_t cmm_cmc_register(cmm_notify_t const callback, void *client_data);

/*
 * cmm_cmc_unregister - stop notifications; closes the notification fd
 *
 * Returns:
 *   CMM_OK
 *   CMM_ENOENT  no callback is registered
 */
cmm_error_t cmm_cmc_unregister(void);

/*
 * cmm_cmc_filter - choose which notifications are delivered
 *
 * ADD and REM edit the set, SET replaces it with the list, ALL and NONE
 * ignore the list (NONE does not unregister).  Notifications already queued
 * are filtered too.
 *
 * Returns:
 *   CMM_OK
 *   CMM_EINVAL  unknown action; list NULL with count > 0 for ADD/REM/SET;
 *               count > 1024; a list entry outside
 *               CMM_MASTER_ELECTED..CMM_NODE_INELIGIBLE
 *   CMM_ENOENT  no callback is registered
 */
cmm_error_t cmm_cmc_filter(cmm_cmcfilter_t const action,
			   cmm_cmchanges_t const * const notifications_list,
			   uint32_t const notifications_count);

/*
 * cmm_notify_getfd - fd to poll for pending notifications
 *
 * Readable exactly while notifications are pending (and after the daemon
 * went away, so that dispatch reports CMM_EBADF).  Do not read or close it.
 *
 * Returns:
 *   CMM_OK
 *   CMM_EINVAL  fd is NULL
 *   CMM_ENOENT  no callback is registered
 */
cmm_error_t cmm_notify_getfd(int *fd);

/*
 * cmm_notify_dispatch - run the callback once per pending notification
 *
 * In CMM order, on the calling thread, without waiting.
 *
 * Returns:
 *   CMM_OK      at least one notification was delivered (or filtered out)
 *   CMM_ENOMSG  none was pending
 *   CMM_ENOENT  no callback is registered
 *   CMM_EBADF   the daemon connection failed: unregister, then register,
 *               filter and getfd again
 */
cmm_error_t cmm_notify_dispatch(void);

/*
 * cmm_strerror - symbolic name of a status code ("CMM_ESRCH")
 *
 * Static storage, never NULL; "CMM_EUNKNOWN" for values that are not
 * cmm_error_t codes.  Do not free or modify it.
 */
char *cmm_strerror(cmm_error_t errnum);

#ifdef __cplusplus
}
#endif

#endif /* GOHA_CMM_H_DEFINED */
