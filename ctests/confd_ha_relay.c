// goha-test: nodes=4 config ha.token="ctest-ha-token" ha.tick_timeout="200ms"
/*
 * confd_ha_relay.c -- a relay chain on four real gohad nodes, in the order
 * ConfD recommends: n1 primary; n2 and n3 its secondaries; n3 berelay; n4
 * besecondary of the relay n3.  Checks every node's status (the relay
 * lists its primary, then its sub-secondaries), that commits on n1 reach
 * the sub-secondary, that SECONDARY_ARRIVED comes from the real primary
 * only, that besecondary again on the relay stops relaying, and that the
 * sub-secondary goes to none when its relay dies.
 */
#include "harness.h"
#include "ha_util.h"

static struct confd_ha_status st;

int main(int argc, char **argv)
{
	int h[5], nt[5], c1, c4;
	confd_value_t id[5];
	const char *names[5] = { "", "n1", "n2", "n3", "n4" };
	struct confd_ha_node p1 = primary_node("n1"), p3 = primary_node("n3");
	struct confd_notification n;
	char buf[64];

	h_init(argv[0]);
	(void)argc;
	confd_init("confd_ha_relay", stderr, CONFD_SILENT);
	for (int i = 1; i <= 4; i++) {
		id[i] = nodeid(names[i]);
		h[i] = ha_open(i, HA_TOKEN);
		nt[i] = notif_open(i, CONFD_NOTIF_HA_INFO);
		CHECK(h[i] >= 0 && nt[i] >= 0, "sockets to n%d", i);
	}
	c1 = cdb_open(1);
	c4 = cdb_open(4);

	/* berelay needs a secondary */
	CHECK_CONFD(confd_ha_berelay(h[3]), CONFD_ERR, CONFD_ERR_BADSTATE);
	CHECK_CONFD(confd_ha_beprimary(h[1], &id[1]), CONFD_OK, 0);
	CHECK_CONFD(confd_ha_berelay(h[1]), CONFD_ERR, CONFD_ERR_BADSTATE);
	CHECK_CONFD(confd_ha_besecondary(h[2], &id[2], &p1, 1), CONFD_OK, 0);
	CHECK_CONFD(confd_ha_besecondary(h[3], &id[3], &p1, 1), CONFD_OK, 0);
	CHECK_CONFD(confd_ha_berelay(h[3]), CONFD_OK, 0);
	CHECK_CONFD(confd_ha_besecondary(h[4], &id[4], &p3, 1), CONFD_OK, 0);

	CHECK(WAIT_UNTIL(ha_state(h[3], &st) == CONFD_HA_STATE_SECONDARY_RELAY && st.num_nodes == 2, 10000),
	      "n3 is a relay with its primary and one sub-secondary (state %d, %d nodes)", (int)st.state, st.num_nodes);
	CHECK(node_is(&st.nodes[0], "n1") && node_is(&st.nodes[1], "n4"), "relay nodes: n1 then n4");
	CHECK(WAIT_UNTIL(ha_state(h[1], &st) == CONFD_HA_STATE_PRIMARY && st.num_nodes == 2, 10000),
	      "n1 lists its two direct secondaries");
	CHECK_EQ(ha_state(h[4], &st), CONFD_HA_STATE_SECONDARY, "n4 secondary");
	CHECK(st.num_nodes == 1 && node_is(&st.nodes[0], "n3"), "n4's primary is the relay n3");

	/* arrived notifications: n1 reports n2 and n3; the relay reports none */
	CHECK(wait_ha_info(nt[1], CONFD_HA_INFO_SECONDARY_ARRIVED, 10000, &n, 0), "SECONDARY_ARRIVED on n1");
	CHECK(wait_ha_info(nt[1], CONFD_HA_INFO_SECONDARY_ARRIVED, 10000, &n, 0), "second SECONDARY_ARRIVED on n1");
	CHECK(wait_ha_info(nt[4], CONFD_HA_INFO_SECONDARY_INITIALIZED, 10000, &n, 0), "n4 initialized");

	/* a commit on n1 reaches the sub-secondary through the relay */
	{
		confd_value_t v;
		CONFD_SET_STR(&v, "through the relay");
		CHECK_CONFD(goha_cdb_set(c1, "/chain/x", &v), CONFD_OK, 0);
		CHECK(WAIT_UNTIL(goha_cdb_get(c4, "/chain/x", buf, sizeof buf) == CONFD_OK &&
				 strcmp(buf, "through the relay") == 0, 10000), "n4 has the commit");
	}
	/* nothing but relaying on the relay: no SECONDARY_ARRIVED there */
	while (h_readable_now(nt[3])) {
		CHECK_CONFD(confd_read_notification(nt[3], &n), CONFD_OK, 0);
		CHECK(n.n.hnot.type != CONFD_HA_INFO_SECONDARY_ARRIVED, "no SECONDARY_ARRIVED from a relay");
	}

	/* besecondary with the same arguments on the relay: it stops relaying
	 * and drops n4, which goes to none */
	CHECK_CONFD(confd_ha_besecondary(h[3], &id[3], &p1, 1), CONFD_OK, 0);
	CHECK(WAIT_UNTIL(ha_state(h[3], &st) == CONFD_HA_STATE_SECONDARY, 10000), "n3 back to secondary");
	CHECK(wait_ha_info(nt[4], CONFD_HA_INFO_NOPRIMARY, 10000, &n, 0), "n4 lost its relay");
	CHECK(WAIT_UNTIL(ha_state(h[4], &st) == CONFD_HA_STATE_NONE, 10000), "n4 in none");

	/* relay again, then kill it: the sub-secondary goes to none */
	CHECK_CONFD(confd_ha_berelay(h[3]), CONFD_OK, 0);
	CHECK_CONFD(confd_ha_besecondary(h[4], &id[4], &p3, 1), CONFD_OK, 0);
	CHECK_EQ(h_cluster("kill-node", H_NODE(3), NULL), 0, "kill the relay");
	CHECK(wait_ha_info(nt[4], CONFD_HA_INFO_NOPRIMARY, 10000, &n, 0), "n4 NOPRIMARY after the relay died");
	CHECK(WAIT_UNTIL(ha_state(h[4], &st) == CONFD_HA_STATE_NONE, 10000), "n4 in none");
	CHECK(wait_ha_info(nt[1], CONFD_HA_INFO_SECONDARY_DIED, 10000, &n, 0), "n1 saw the relay die");
	CHECK(node_is(&n.n.hnot.data.secondary_died, "n3"), "the dead secondary is n3");

	for (int i = 1; i <= 4; i++) {
		close(h[i]);
		close(nt[i]);
	}
	close(c1);
	close(c4);
	return h_done();
}
