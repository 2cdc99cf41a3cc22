/*
 * confd_events.h -- libgoha's source-compatible ConfD/NSO event notification
 * API, limited to the HA notifications (CONFD_NOTIF_HA_INFO).
 *
 * Usage: create a stream socket, confd_notifications_connect() it to the
 * node's control endpoint with a mask, poll(2) it for readability, and call
 * confd_read_notification() each time it is readable.  A subscriber that
 * does not read is disconnected by gohad once its backlog is full, or when
 * one write stalls for 10 s.  With CONFD_NOTIF_HA_INFO_SYNC in the mask,
 * gohad delivers no further HA event (to any subscriber of that node) until
 * the subscriber called confd_sync_ha_notification() for the current one;
 * a subscriber that does not within 15 s is disconnected.  HA orders
 * (confd_ha_*) are carried out meanwhile: their events wait.
 *
 * The errors common to every function are those listed at the top of
 * confd_ha.h, with "notification socket" in place of "HA socket".
 *
 * Deliberate differences from ConfD: only the HA notifications exist.  The
 * other CONFD_NOTIF_* kinds (NCS_NOTIF_* included) are accepted in a mask,
 * so that programs that ask for them along with HA_INFO run, but never
 * delivered; the other notification types' structs are not provided.
 * struct confd_notification keeps ConfD's size (8464 on x86_64) so that
 * callers' stack allocations match.
 */
#ifndef GOHA_CONFD_EVENTS_H
#define GOHA_CONFD_EVENTS_H

#include <confd_lib.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A bit mask of notification kinds. */
typedef int64_t confd_notification_type;

#define CONFD_NOTIF_AUDIT (1LL << 0)
#define CONFD_NOTIF_DAEMON (1LL << 1)
#define CONFD_NOTIF_TAKEOVER_SYSLOG (1LL << 2)
#define CONFD_NOTIF_COMMIT_SIMPLE (1LL << 3)
#define CONFD_NOTIF_COMMIT_DIFF (1LL << 4)
#define CONFD_NOTIF_USER_SESSION (1LL << 5)
#define CONFD_NOTIF_HA_INFO (1LL << 6)           /* supported by goha */
#define CONFD_NOTIF_SUBAGENT_INFO (1LL << 7)
#define CONFD_NOTIF_COMMIT_FAILED (1LL << 8)
#define CONFD_NOTIF_SNMPA (1LL << 9)
#define CONFD_NOTIF_FORWARD_INFO (1LL << 10)
#define CONFD_NOTIF_NETCONF (1LL << 11)
#define CONFD_NOTIF_DEVEL (1LL << 12)
#define CONFD_NOTIF_HEARTBEAT (1LL << 13)
#define CONFD_NOTIF_CONFIRMED_COMMIT (1LL << 14)
#define CONFD_NOTIF_UPGRADE_EVENT (1LL << 15)
#define CONFD_NOTIF_COMMIT_PROGRESS (1LL << 16)
#define CONFD_NOTIF_AUDIT_SYNC (1LL << 17)
#define CONFD_NOTIF_HEALTH_CHECK (1LL << 18)
#define CONFD_NOTIF_STREAM_EVENT (1LL << 19)
#define CONFD_NOTIF_HA_INFO_SYNC (1LL << 20)     /* supported by goha */
#define NCS_NOTIF_PACKAGE_RELOAD (1LL << 21)
#define NCS_NOTIF_CQ_PROGRESS (1LL << 22)
#define CONFD_NOTIF_REOPEN_LOGS (1LL << 23)
#define CONFD_NOTIF_PROGRESS (1LL << 24)
#define NCS_NOTIF_CALL_HOME_INFO (1LL << 25)
#define CONFD_NOTIF_JSONRPC (1LL << 26)
#define CONFD_NOTIF_WEBUI (1LL << 27)
#define NCS_NOTIF_AUDIT_NETWORK (1LL << 28)
#define NCS_NOTIF_AUDIT_NETWORK_SYNC (1LL << 29)
#define CONFD_NOTIF_COMPACTION (1LL << 30)
#define CONFD_NOTIF_SYSTEM_GOING_DOWN (1LL << 31)
/* Old names. */
#define CONFD_NOTIF_SYSLOG CONFD_NOTIF_DAEMON
#define CONFD_NOTIF_SYSLOG_TAKEOVER (CONFD_NOTIF_DAEMON | CONFD_NOTIF_TAKEOVER_SYSLOG)

/* What happened (struct confd_ha_notification.type); old names alike. */
enum confd_ha_info_type {
    CONFD_HA_INFO_NOPRIMARY = 1,             /* we lost our primary: now NONE */
    CONFD_HA_INFO_SECONDARY_DIED = 2,        /* a secondary went away */
    CONFD_HA_INFO_SECONDARY_ARRIVED = 3,     /* a secondary connected to us */
    CONFD_HA_INFO_SECONDARY_INITIALIZED = 4, /* our store is in sync */
    CONFD_HA_INFO_IS_PRIMARY = 5,            /* we are now primary */
    CONFD_HA_INFO_IS_NONE = 6,               /* we are now none */
    CONFD_HA_INFO_BESECONDARY_RESULT = 7,    /* outcome of besecondary(wait 0) */
    /* old names */
    CONFD_HA_INFO_NOMASTER = 1,
    CONFD_HA_INFO_SLAVE_DIED = 2,
    CONFD_HA_INFO_SLAVE_ARRIVED = 3,
    CONFD_HA_INFO_SLAVE_INITIALIZED = 4,
    CONFD_HA_INFO_IS_MASTER = 5,
    CONFD_HA_INFO_BESLAVE_RESULT = 7
};

/*
 * One HA event.  data by type:
 *   NOPRIMARY             noprimary: why, CONFD_ERR_HA_CLOSED (the primary
 *                         closed the connection) or CONFD_ERR_HA_NOTICK (no
 *                         tick for three tick timeouts)
 *   SECONDARY_DIED        secondary_died: the node (only from the primary)
 *   SECONDARY_ARRIVED     secondary_arrived: the node (only from the primary)
 *   SECONDARY_INITIALIZED cdb_initialized_by_copy: 1 if the whole store was
 *                         copied, 0 if the transaction ids already matched
 *   IS_PRIMARY, IS_NONE   no data
 *   BESECONDARY_RESULT    besecondary_result: 0 or a CONFD_ERR_HA_* code
 * Node ids point into the node's buf[] (see struct confd_ha_node).
 */
struct confd_ha_notification {
    enum confd_ha_info_type type;
    union {
        int noprimary;
        struct confd_ha_node secondary_died;
        struct confd_ha_node secondary_arrived;
        int cdb_initialized_by_copy;
        int besecondary_result;
        /* old names */
        int nomaster;
        struct confd_ha_node slave_died;
        struct confd_ha_node slave_arrived;
        int beslave_result;
    } data;
};

/* A notification: type is the single CONFD_NOTIF_* bit that says which
 * member of n is filled (in goha always CONFD_NOTIF_HA_INFO: n.hnot). */
struct confd_notification {
    confd_notification_type type;
    union {
        struct confd_ha_notification hnot;
        /* ConfD's other members are not provided; this keeps the size. */
        int64_t goha_reserved_[8456 / 8];
    } n;
};

/*
 * confd_notifications_connect(sock, srv, srv_sz, mask) -- make sock a
 * notification socket of the node whose control endpoint is srv, for the
 * kinds in mask.  sock, srv and srv_sz as for confd_ha_connect().  Only
 * CONFD_NOTIF_HA_INFO (with CONFD_NOTIF_HA_INFO_SYNC) is ever delivered;
 * the other kinds are accepted and never come.
 *
 * Returns:
 *   CONFD_OK
 *   CONFD_ERR  CONFD_ERR_PROTOUSAGE  srv NULL or srv_sz wrong (as for
 *                                    confd_ha_connect), mask 0, with bits
 *                                    that are no CONFD_NOTIF_* kind, or with
 *                                    HA_INFO_SYNC but not HA_INFO; sock not
 *                                    a stream socket or already connected
 *              CONFD_ERR_OS          connect(2) failed (see errno)
 */
extern int confd_notifications_connect(int sock, const struct sockaddr *srv,
                                       int srv_sz,
                                       confd_notification_type mask);

/*
 * confd_read_notification(sock, n) -- read the next notification into *n.
 * Blocks until one arrives unless poll(2) said sock is readable.
 *
 * Returns:
 *   CONFD_OK   *n is filled
 *   CONFD_EOF  gohad closed the socket
 *   CONFD_ERR  CONFD_ERR_PROTOUSAGE  n NULL, sock not a notification socket,
 *                                    or a CONFD_NOTIF_HA_INFO_SYNC socket
 *                                    whose last event is not acknowledged
 *                                    (gohad sends nothing before that)
 */
extern int confd_read_notification(int sock, struct confd_notification *n);

/*
 * The parameters of confd_notifications_connect2() (ConfD's layout).  goha
 * produces no heartbeat, health check, stream or progress notifications,
 * so it only checks them: intervals are milliseconds (>= 0; ConfD raises
 * one below 1000 to 1000), start_time and stop_time are C_NOEXISTS or
 * C_DATETIME, verbosity a confd_progress_verbosity.
 */
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

/*
 * confd_notifications_connect2 -- confd_notifications_connect() with the
 * parameters ConfD needs for CONFD_NOTIF_HEARTBEAT, _HEALTH_CHECK,
 * _STREAM_EVENT and the progress kinds.  data may be NULL when mask asks
 * for none of them.
 *
 * Returns: as confd_notifications_connect(), and CONFD_ERR_PROTOUSAGE when
 * data is NULL although mask asks for one of those kinds, or a field of it
 * is out of range (a negative interval, a time that is neither C_NOEXISTS
 * nor C_DATETIME, an unknown verbosity).
 */
extern int confd_notifications_connect2(int sock, const struct sockaddr *srv, int srv_sz,
                                        confd_notification_type mask,
                                        struct confd_notifications_data *data);

/*
 * confd_free_notification(n) -- release what confd_read_notification() put
 * into *n.  HA notifications own no memory, so this only checks its
 * argument; calling it is still right for portable code.  n may be NULL.
 * Needs no confd_init().
 *
 * Returns: nothing.
 */
extern void confd_free_notification(struct confd_notification *n);

/*
 * confd_sync_ha_notification(sock) -- let gohad go on after an HA event,
 * on a socket connected with CONFD_NOTIF_HA_INFO_SYNC.  gohad holds all HA
 * processing until every such subscriber has called this for the event.
 *
 * Returns:
 *   CONFD_OK
 *   CONFD_ERR  CONFD_ERR_PROTOUSAGE  sock not a notification socket, one
 *                                    connected without CONFD_NOTIF_HA_INFO_SYNC,
 *                                    or no event read from it awaits an
 *                                    acknowledgement
 *   CONFD_EOF  gohad closed the socket
 */
extern int confd_sync_ha_notification(int sock);

#ifdef __cplusplus
}
#endif

#endif /* GOHA_CONFD_EVENTS_H */
