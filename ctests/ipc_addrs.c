// goha-test: nodes=2 config ha.token="ctest-ha-token" node.1.ipc=localhost node.2.ipc=tcp6
/*
 * ipc_addrs.c -- every control address form in every API family.  Node 1's
 * control endpoint is TCP on localhost:P1, node 2's on [::1]:P2.  With
 * GOHA_IPC set to 127.0.0.1:P1, localhost:P1 (a host name, resolved) and
 * [::1]:P2 in turn, votequorum (requests, and events through trackstart
 * and dispatch) and cmm reach the right node; confd_ha_*, the HA
 * notifications and goha_cdb_* work on AF_INET and AF_INET6 sockets.
 * (Unix sockets are what every other C test uses.)
 */
#include "harness.h"
#include "ha_util.h"

#include <cmm.h>
#include <corosync/votequorum.h>
#include <netinet/in.h>

static int port1, port2;	/* node 1's and node 2's TCP control ports */

/* port_of: the port at the end of a "host:port" address. */
static int port_of(const char *addr)
{
	const char *c = strrchr(addr, ':');

	return c ? atoi(c + 1) : 0;
}

static int vq_seen;

static void on_nodelist(votequorum_handle_t h, uint64_t ctx, votequorum_ring_id_t ring,
			uint32_t n, uint32_t *ids)
{
	(void)h, (void)ctx, (void)ring, (void)ids;
	vq_seen = (int)n;
}

/* via_env: votequorum and cmm with GOHA_IPC=addr reach node want. */
static void via_env(const char *addr, uint32_t want)
{
	votequorum_callbacks_t cbs = { .votequorum_nodelist_notify_fn = on_nodelist };
	votequorum_handle_t h;
	struct votequorum_info vi;
	cmm_nodeid_t me = 0;
	cmm_member_t m;
	timespec_t tmo = { 5, 0 };
	int fd = -1;

	setenv("GOHA_IPC", addr, 1);
	if (!CHECK(votequorum_initialize(&h, &cbs) == CS_OK, "%s: votequorum_initialize", addr))
		return;
	memset(&vi, 0, sizeof vi);
	CHECK_CS(votequorum_getinfo(h, 0, &vi), CS_OK);
	CHECK_EQ(vi.node_id, want, "votequorum_getinfo node id");
	CHECK(vi.flags & VOTEQUORUM_INFO_QUORATE, "%s: quorate", addr);
	CHECK_CS(votequorum_setexpected(h, 2), CS_OK);
	vq_seen = 0;
	CHECK_CS(votequorum_trackstart(h, 1, CS_TRACK_CURRENT), CS_OK);
	CHECK_CS(votequorum_fd_get(h, &fd), CS_OK);
	CHECK(WAIT_UNTIL((h_wait_readable(fd, 50) && votequorum_dispatch(h, CS_DISPATCH_ALL) == CS_OK &&
			  vq_seen > 0) || vq_seen > 0, 5000) && vq_seen == 2,
	      "%s: trackstart's nodelist of 2 nodes dispatched (got %d)", addr, vq_seen);
	CHECK_CS(votequorum_finalize(h), CS_OK);

	CHECK_CMM(cmm_connect(tmo), CMM_OK);
	CHECK_CMM(cmm_node_getid(&me), CMM_OK);
	CHECK_EQ(me, want, "cmm_node_getid");
	CHECK_CMM(cmm_member_getinfo(want, &m), CMM_OK);
	CHECK_EQ(m.nodeid, want, "cmm_member_getinfo node id");
	CHECK_CMM(cmm_disconnect(), CMM_OK);
}

/* sockaddr_for: node 1 over IPv4 or node 2 over IPv6. */
static socklen_t sockaddr_for(int v6, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port2);
		a->sin6_addr = in6addr_loopback;
		return sizeof *a;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port1);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof *a;
}

/* confd_family: the ConfD family and goha_cdb_* over AF_INET or AF_INET6. */
static void confd_family(int v6)
{
	const char *fam = v6 ? "AF_INET6" : "AF_INET";
	const char *name = v6 ? "n2" : "n1";
	struct sockaddr_storage ss;
	socklen_t l = sockaddr_for(v6, &ss);
	struct confd_ha_status st;
	confd_value_t v;
	char buf[64] = "";
	int fd, nfd, cfd;

	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	CHECK_CONFD(confd_ha_connect(fd, (struct sockaddr *)&ss, l, HA_TOKEN), CONFD_OK, 0);
	nfd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	CHECK_CONFD(confd_notifications_connect(nfd, (struct sockaddr *)&ss, l, CONFD_NOTIF_HA_INFO), CONFD_OK, 0);
	v = nodeid(name);
	CHECK_CONFD(confd_ha_beprimary(fd, &v), CONFD_OK, 0);
	CHECK(h_wait_readable(nfd, 5000), "%s: HA notification readable", fam);
	memset(&st, 0, sizeof st);
	CHECK_CONFD(confd_ha_get_status(fd, &st), CONFD_OK, 0);
	CHECK_EQ(st.state, CONFD_HA_STATE_PRIMARY, "confd_ha_get_status state");

	cfd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	CHECK_CONFD(goha_cdb_connect(cfd, (struct sockaddr *)&ss, l), CONFD_OK, 0);
	CONFD_SET_INT32(&v, v6 ? 6 : 4);
	CHECK_CONFD(goha_cdb_set(cfd, "/ipc/family", &v), CONFD_OK, 0);
	CHECK(goha_cdb_get(cfd, "/ipc/family", buf, sizeof buf) == CONFD_OK && strcmp(buf, v6 ? "6" : "4") == 0,
	      "%s: goha_cdb_get reads back \"%s\" (%s)", fam, buf, confd_lasterr());
	CHECK_CONFD(confd_ha_benone(fd), CONFD_OK, 0);
	close(cfd);
	close(nfd);
	close(fd);
}

int main(int argc, char **argv)
{
	char a[96];

	(void)argc;
	h_init(argv[0]);
	port1 = port_of(h_node_ipc(1));
	port2 = port_of(h_node_ipc(2));
	CHECK(strncmp(h_node_ipc(1), "localhost:", 10) == 0 && port1 > 0, "node 1 ipc is localhost:P (%s)", h_node_ipc(1));
	CHECK(strncmp(h_node_ipc(2), "[::1]:", 6) == 0 && port2 > 0, "node 2 ipc is [::1]:P (%s)", h_node_ipc(2));
	confd_init("ipc_addrs", stderr, CONFD_SILENT);

	snprintf(a, sizeof a, "127.0.0.1:%d", port1);
	via_env(a, 1);
	snprintf(a, sizeof a, "localhost:%d", port1);
	via_env(a, 1);
	snprintf(a, sizeof a, "[::1]:%d", port2);
	via_env(a, 2);
	/* A name that does not resolve, and a refused port: clear errors. */
	{
		votequorum_handle_t h;

		setenv("GOHA_IPC", "no-such-host.invalid:1", 1);
		CHECK_CS(votequorum_initialize(&h, NULL), CS_ERR_LIBRARY);
		CHECK_CMM(cmm_connect((timespec_t){ 1, 0 }), CMM_ECONN);
	}
	confd_family(0);
	confd_family(1);
	return h_done();
}
