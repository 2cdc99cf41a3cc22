// goha-test: nodes=3 config ha.token="ctest-ha-token" ha.tick_timeout="200ms"
/*
 * confd_ha_cluster.c -- ConfD HA control against three real gohad nodes:
 * one primary and two secondaries (one joining with waitreply=0 and asking
 * for its status at once), replication of goha_cdb_* writes, read-only
 * secondaries, wrong names, a bad token on the secondary, a replaced HA
 * socket, HA_INFO_SYNC holding back the next event, a secondary SIGKILLed
 * (SECONDARY_DIED) and restarted (SECONDARY_INITIALIZED with and without a
 * copy), then the primary SIGKILLed (NOPRIMARY, none), a secondary promoted
 * and the other re-pointed to it without a copy.
 */
#include "harness.h"
#include "ha_util.h"

static struct confd_ha_status st;

static void check_value(int cdb, const char *path, const char *want, const char *what)
{
	char buf[256] = "";
	int r = goha_cdb_get(cdb, path, buf, sizeof buf);

	CHECK(r == CONFD_OK && strcmp(buf, want) == 0, "%s: %s = \"%s\" (rc %d, errno %d %s), want \"%s\"",
	      what, path, buf, r, confd_errno, confd_lasterr(), want);
}

/* HA_INFO_SYNC: a sync subscriber that has not acknowledged holds back the
 * next event from every subscriber of that node. */
static void test_sync_gate(void)
{
	int h = ha_open(2, HA_TOKEN);
	int s = notif_open(2, CONFD_NOTIF_HA_INFO | CONFD_NOTIF_HA_INFO_SYNC);
	int p = notif_open(2, CONFD_NOTIF_HA_INFO);
	confd_value_t me = nodeid("n2");
	struct confd_notification n;

	CHECK(h >= 0 && s >= 0 && p >= 0, "sockets to n2");
	CHECK_CONFD(confd_sync_ha_notification(s), CONFD_ERR, CONFD_ERR_PROTOUSAGE); /* nothing to ack */
	CHECK_CONFD(confd_sync_ha_notification(p), CONFD_ERR, CONFD_ERR_PROTOUSAGE); /* not a sync socket */
	CHECK_CONFD(confd_ha_beprimary(h, &me), CONFD_OK, 0);
	CHECK(wait_ha_info(s, CONFD_HA_INFO_IS_PRIMARY, 10000, &n, 0), "IS_PRIMARY on the sync socket");
	CHECK(wait_ha_info(p, CONFD_HA_INFO_IS_PRIMARY, 10000, &n, 0), "IS_PRIMARY on the plain socket");
	/* reading again before acknowledging is a usage error, not a hang */
	CHECK_CONFD(confd_read_notification(s, &n), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_ha_benone(h), CONFD_OK, 0);
	/* IS_NONE is held back while IS_PRIMARY is unacknowledged */
	CHECK(!h_wait_readable(p, 300), "IS_NONE held back from the plain subscriber");
	CHECK(!h_readable_now(s), "IS_NONE held back from the sync subscriber");
	CHECK_CONFD(confd_sync_ha_notification(s), CONFD_OK, 0);
	CHECK(wait_ha_info(p, CONFD_HA_INFO_IS_NONE, 10000, &n, 0), "IS_NONE after the acknowledgement");
	CHECK(wait_ha_info(s, CONFD_HA_INFO_IS_NONE, 10000, &n, 1), "IS_NONE on the sync socket");
	close(p);
	close(s);
	close(h);
}

int main(int argc, char **argv)
{
	int h1, h2, h3, old3, n1, n2, n3, c1, c2, c3;
	confd_value_t id1 = nodeid("n1"), id2 = nodeid("n2"), id3 = nodeid("n3"), bogus = nodeid("n9");
	struct confd_ha_node p1 = primary_node("n1"), p2 = primary_node("n2"), p9 = primary_node("n9");
	struct confd_notification n;
	char key[64];

	h_init(argv[0]);
	(void)argc;
	confd_init("confd_ha_cluster", stderr, CONFD_SILENT);

	test_sync_gate();

	h1 = ha_open(1, HA_TOKEN);
	h2 = ha_open(2, HA_TOKEN);
	h3 = ha_open(3, HA_TOKEN);
	n1 = notif_open(1, CONFD_NOTIF_HA_INFO);
	n2 = notif_open(2, CONFD_NOTIF_HA_INFO | CONFD_NOTIF_HA_INFO_SYNC);
	n3 = notif_open(3, CONFD_NOTIF_HA_INFO);
	c1 = cdb_open(1);
	c2 = cdb_open(2);
	c3 = cdb_open(3);
	CHECK(h1 >= 0 && h2 >= 0 && h3 >= 0 && n1 >= 0 && n2 >= 0 && n3 >= 0 && c1 >= 0 && c2 >= 0 && c3 >= 0,
	      "all sockets connected (errno %d %s)", confd_errno, confd_lasterr());
	CHECK_EQ(ha_state(h1, &st), CONFD_HA_STATE_NONE, "n1 starts in none");
	CHECK_EQ(st.num_nodes, 0, "none has no nodes");

	/* data written in role none is copied to the secondaries */
	for (int i = 0; i < 20; i++) {
		confd_value_t v;
		snprintf(key, sizeof key, "/pre/%02d", i);
		CONFD_SET_UINT32(&v, (uint32_t)i);
		CHECK_CONFD(goha_cdb_set(c1, key, &v), CONFD_OK, 0);
	}

	/* (any node id is taken, as ConfD does: core/node/ha_names_test.go) */
	/* n1 is not primary yet: nothing listens */
	CHECK_CONFD(confd_ha_besecondary(h2, &id2, &p1, 1), CONFD_ERR, CONFD_ERR_HA_CONNECT);
	CHECK_CONFD(confd_ha_berelay(h2), CONFD_ERR, CONFD_ERR_BADSTATE);

	CHECK_CONFD(confd_ha_beprimary(h1, &id1), CONFD_OK, 0);
	CHECK(wait_ha_info(n1, CONFD_HA_INFO_IS_PRIMARY, 10000, NULL, 0), "IS_PRIMARY on n1");
	CHECK_EQ(ha_state(h1, &st), CONFD_HA_STATE_PRIMARY, "n1 primary");
	/* an unknown primary name falls back to the given address with n2's
	 * own HA port, where nothing listens */
	CHECK_CONFD(confd_ha_besecondary(h2, &id2, &p9, 1), CONFD_ERR, CONFD_ERR_HA_CONNECT);
	(void)bogus;

	/* n2 joins and waits: initialized by a copy */
	CHECK_CONFD(confd_ha_besecondary(h2, &id2, &p1, 1), CONFD_OK, 0);
	CHECK(wait_ha_info(n2, CONFD_HA_INFO_SECONDARY_INITIALIZED, 10000, &n, 1), "SECONDARY_INITIALIZED on n2");
	CHECK_EQ(n.n.hnot.data.cdb_initialized_by_copy, 1, "n2 initialized by a copy");
	CHECK(wait_ha_info(n1, CONFD_HA_INFO_SECONDARY_ARRIVED, 10000, &n, 0), "SECONDARY_ARRIVED n2 on n1");
	CHECK(node_is(&n.n.hnot.data.secondary_arrived, "n2"), "the arrived secondary is n2");
	check_value(c2, "/pre/07", "7", "copied to n2");

	/* n3 joins without waiting and asks for its status on the same socket */
	CHECK_CONFD(confd_ha_besecondary(h3, &id3, &p1, 0), CONFD_OK, 0);
	CHECK(ha_state(h3, &st) == CONFD_HA_STATE_SECONDARY || st.state == CONFD_HA_STATE_NONE,
	      "status right after an async besecondary answers (state %d)", (int)st.state);
	CHECK(wait_ha_info(n3, CONFD_HA_INFO_BESECONDARY_RESULT, 10000, &n, 0), "BESECONDARY_RESULT on n3");
	CHECK_EQ(n.n.hnot.data.besecondary_result, 0, "async besecondary result");
	CHECK_EQ(ha_state(h3, &st), CONFD_HA_STATE_SECONDARY, "n3 secondary");
	CHECK(st.num_nodes == 1 && node_is(&st.nodes[0], "n1") && st.nodes[0].af == AF_INET,
	      "n3's nodes[0] is its primary n1 (AF_INET)");
	CHECK(WAIT_UNTIL(ha_state(h1, &st) == CONFD_HA_STATE_PRIMARY && st.num_nodes == 2, 10000),
	      "n1 lists two secondaries (has %d)", st.num_nodes);
	CHECK((node_is(&st.nodes[0], "n2") && node_is(&st.nodes[1], "n3")) ||
	      (node_is(&st.nodes[0], "n3") && node_is(&st.nodes[1], "n2")), "n1's secondaries are n2 and n3");
	/* the same besecondary again on a secondary changes nothing */
	CHECK_CONFD(confd_ha_besecondary(h2, &id2, &p1, 1), CONFD_OK, 0);
	CHECK_EQ(ha_state(h2, &st), CONFD_HA_STATE_SECONDARY, "n2 still secondary");

	/* replication (sync mode: on every secondary when set returns) and
	 * read-only secondaries */
	{
		confd_value_t v;
		CONFD_SET_STR(&v, "hello");
		CHECK_CONFD(goha_cdb_set(c1, "/run/a", &v), CONFD_OK, 0);
		check_value(c2, "/run/a", "hello", "replicated to n2");
		check_value(c3, "/run/a", "hello", "replicated to n3");
		CHECK_CONFD(goha_cdb_set(c2, "/run/b", &v), CONFD_ERR, CONFD_ERR_NOT_WRITABLE);
		CHECK_CONFD(goha_cdb_delete(c3, "/run/a"), CONFD_ERR, CONFD_ERR_NOT_WRITABLE);
	}

	/* a new HA socket replaces the old one, and its token: a bad token
	 * makes besecondary fail on the secondary */
	old3 = h3;
	h3 = ha_open(3, "not-the-token");
	CHECK(h3 >= 0, "a second HA socket to n3");
	CHECK_CONFD(confd_ha_get_status(old3, &st), CONFD_EOF, CONFD_ERR_EOF);
	close(old3);
	CHECK_CONFD(confd_ha_benone(h3), CONFD_OK, 0);
	CHECK_CONFD(confd_ha_besecondary(h3, &id3, &p1, 1), CONFD_ERR, CONFD_ERR_HA_BADTOKEN);
	CHECK_EQ(ha_state(h3, &st), CONFD_HA_STATE_NONE, "n3 none after a bad token");
	close(h3);
	h3 = ha_open(3, HA_TOKEN);
	CHECK_CONFD(confd_ha_besecondary(h3, &id3, &p1, 1), CONFD_OK, 0);

	/* a secondary dies */
	CHECK_EQ(h_cluster("kill-node", H_NODE(3), NULL), 0, "kill n3");
	close(h3);
	close(n3);
	close(c3);
	CHECK(wait_ha_info(n1, CONFD_HA_INFO_SECONDARY_DIED, 10000, &n, 0), "SECONDARY_DIED on n1");
	CHECK(node_is(&n.n.hnot.data.secondary_died, "n3"), "the dead secondary is n3");
	/* restarted with the same data: no copy */
	CHECK_EQ(h_cluster("start-node", H_NODE(3), NULL), 0, "restart n3");
	h3 = ha_open(3, HA_TOKEN);
	n3 = notif_open(3, CONFD_NOTIF_HA_INFO);
	CHECK_CONFD(confd_ha_besecondary(h3, &id3, &p1, 1), CONFD_OK, 0);
	CHECK(wait_ha_info(n3, CONFD_HA_INFO_SECONDARY_INITIALIZED, 10000, &n, 0), "SECONDARY_INITIALIZED on n3");
	CHECK_EQ(n.n.hnot.data.cdb_initialized_by_copy, 0, "same txid: no copy");
	/* killed again, a commit while it is down: a copy */
	CHECK_EQ(h_cluster("kill-node", H_NODE(3), NULL), 0, "kill n3 again");
	close(h3);
	close(n3);
	CHECK(wait_ha_info(n1, CONFD_HA_INFO_SECONDARY_DIED, 10000, &n, 0), "SECONDARY_DIED again");
	{
		confd_value_t v;
		CONFD_SET_BOOL(&v, 1);
		CHECK_CONFD(goha_cdb_set(c1, "/run/while-down", &v), CONFD_OK, 0);
	}
	CHECK_EQ(h_cluster("start-node", H_NODE(3), NULL), 0, "restart n3 again");
	h3 = ha_open(3, HA_TOKEN);
	n3 = notif_open(3, CONFD_NOTIF_HA_INFO);
	c3 = cdb_open(3);
	CHECK_CONFD(confd_ha_besecondary(h3, &id3, &p1, 1), CONFD_OK, 0);
	CHECK(wait_ha_info(n3, CONFD_HA_INFO_SECONDARY_INITIALIZED, 10000, &n, 0), "SECONDARY_INITIALIZED on n3");
	CHECK_EQ(n.n.hnot.data.cdb_initialized_by_copy, 1, "behind: a copy");
	check_value(c3, "/run/while-down", "true", "caught up");

	/* the primary dies: both secondaries go to none with NOPRIMARY */
	CHECK_EQ(h_cluster("kill-node", H_NODE(1), NULL), 0, "kill n1");
	close(h1);
	close(n1);
	close(c1);
	CHECK(wait_ha_info(n2, CONFD_HA_INFO_NOPRIMARY, 10000, &n, 1), "NOPRIMARY on n2");
	CHECK(n.n.hnot.data.noprimary == CONFD_ERR_HA_CLOSED || n.n.hnot.data.noprimary == CONFD_ERR_HA_NOTICK,
	      "NOPRIMARY reason %d is HA_CLOSED or HA_NOTICK", n.n.hnot.data.noprimary);
	CHECK(wait_ha_info(n3, CONFD_HA_INFO_NOPRIMARY, 10000, &n, 0), "NOPRIMARY on n3");
	CHECK(WAIT_UNTIL(ha_state(h2, &st) == CONFD_HA_STATE_NONE, 10000), "n2 in none");
	CHECK(WAIT_UNTIL(ha_state(h3, &st) == CONFD_HA_STATE_NONE, 10000), "n3 in none");
	/* promote n2; n3 re-points to it and needs no copy */
	CHECK_CONFD(confd_ha_bemaster(h2, &id2), CONFD_OK, 0);
	CHECK(wait_ha_info(n2, CONFD_HA_INFO_IS_PRIMARY, 10000, NULL, 1), "IS_PRIMARY on n2");
	CHECK_CONFD(confd_ha_beslave(h3, &id3, &p2, 1), CONFD_OK, 0);
	CHECK(wait_ha_info(n3, CONFD_HA_INFO_SECONDARY_INITIALIZED, 10000, &n, 0), "SECONDARY_INITIALIZED on n3");
	CHECK_EQ(n.n.hnot.data.cdb_initialized_by_copy, 0, "same txid: no copy after the failover");
	{
		confd_value_t v;
		CONFD_SET_INT64(&v, -5);
		CHECK_CONFD(goha_cdb_set(c2, "/run/after", &v), CONFD_OK, 0);
		check_value(c3, "/run/after", "-5", "the new primary replicates");
	}
	CHECK(wait_ha_info(n2, CONFD_HA_INFO_SECONDARY_ARRIVED, 10000, &n, 1), "SECONDARY_ARRIVED n3 on n2");
	/* the new primary drops a secondary it is told is dead */
	CHECK_CONFD(confd_ha_slave_dead(h2, &id3), CONFD_OK, 0);
	CHECK(wait_ha_info(n2, CONFD_HA_INFO_SECONDARY_DIED, 10000, &n, 1), "SECONDARY_DIED after secondary_dead");
	CHECK(wait_ha_info(n3, CONFD_HA_INFO_NOPRIMARY, 10000, &n, 0), "n3 lost its primary");

	close(h2);
	close(h3);
	close(n2);
	close(n3);
	close(c2);
	close(c3);
	return h_done();
}
