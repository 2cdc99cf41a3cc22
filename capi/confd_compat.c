/*
 * The old master/slave names of the HA calls, as real functions so that
 * binaries built against old ConfD headers (where they are functions) link,
 * and confd_free_notification, which has nothing to free for HA events.
 */
#include <confd_ha.h>
#include <confd_events.h>

int confd_ha_bemaster(int sock, confd_value_t *mynodeid)
{
    return confd_ha_beprimary(sock, mynodeid);
}

int confd_ha_beslave(int sock, confd_value_t *mynodeid,
                     struct confd_ha_node *master, int waitreply)
{
    return confd_ha_besecondary(sock, mynodeid, master, waitreply);
}

int confd_ha_slave_dead(int sock, confd_value_t *nodeid)
{
    return confd_ha_secondary_dead(sock, nodeid);
}

int confd_ha_status(int sock, struct confd_ha_status *stat)
{
    return confd_ha_get_status(sock, stat);
}

void confd_free_notification(struct confd_notification *n)
{
    /* HA notifications point only into their own struct (node ids into
     * buf[]), so there is nothing to release.  NULL is accepted. */
    (void)n;
}
