/*
 * ha_util.h -- helpers of the HA and config store C tests (header only,
 * after harness.h): sockets to node i's control endpoint for confd_ha_*,
 * notifications and goha_cdb_*, node id values, and waiting for an HA
 * notification with a deadline.
 *
 * The cluster's [ha] token must be HA_TOKEN: put
 *     config ha.token="ctest-ha-token" ha.tick_timeout="200ms"
 * on the program's goha-test line.
 */
#ifndef GOHA_CTESTS_HA_UTIL_H
#define GOHA_CTESTS_HA_UTIL_H

#include <confd_lib.h>
#include <confd_ha.h>
#include <confd_events.h>
#include <goha.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>

#define HA_TOKEN "ctest-ha-token"

/* CHECK_CONFD: expr returns want, and confd_errno is werr when want < 0. */
#define CHECK_CONFD(expr, want, werr) do { \
	int c_r_ = (expr); int c_e_ = confd_errno; \
	if ((want) >= 0) \
		CHECK(c_r_ == (want), "%s: got %d (confd_errno %d: %s), want %d", #expr, \
		      c_r_, c_e_, confd_lasterr(), (want)); \
	else \
		CHECK(c_r_ == (want) && c_e_ == (werr), "%s: got %d errno %d (%s), want %d errno %d", \
		      #expr, c_r_, c_e_, confd_lasterr(), (want), (werr)); \
} while (0)

/* ha_node_addr: node i's control endpoint as a sockaddr_un. */
static socklen_t ha_node_addr(int i, struct sockaddr_un *a)
{
	const char *ipc = h_node_ipc(i);

	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	if (strncmp(ipc, "unix:", 5) != 0) {
		fprintf(stderr, "node %d ipc %s is not a unix socket\n", i, ipc);
		exit(2);
	}
	snprintf(a->sun_path, sizeof a->sun_path, "%s", ipc + 5);
	return sizeof *a;
}

/* ha_open: an HA control socket to node i with token (-1 on failure, the
 * socket closed; confd_errno says why). */
static int ha_open(int i, const char *token)
{
	struct sockaddr_un a;
	socklen_t l = ha_node_addr(i, &a);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (confd_ha_connect(fd, (struct sockaddr *)&a, l, token) != CONFD_OK) {
		int e = confd_errno;
		close(fd);
		confd_errno = e;
		return -1;
	}
	return fd;
}

/* notif_open: a notification socket to node i (-1 on failure). */
static int notif_open(int i, confd_notification_type mask)
{
	struct sockaddr_un a;
	socklen_t l = ha_node_addr(i, &a);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (confd_notifications_connect(fd, (struct sockaddr *)&a, l, mask) != CONFD_OK) {
		close(fd);
		return -1;
	}
	return fd;
}

/* cdb_open: a config store socket to node i (-1 on failure). */
static int cdb_open(int i)
{
	struct sockaddr_un a;
	socklen_t l = ha_node_addr(i, &a);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (goha_cdb_connect(fd, (struct sockaddr *)&a, l) != CONFD_OK) {
		close(fd);
		return -1;
	}
	return fd;
}

/* nodeid: node name as a C_BUF value (the string must outlive it). */
static confd_value_t nodeid(const char *name)
{
	confd_value_t v;

	CONFD_SET_BUF(&v, (unsigned char *)name, strlen(name));
	return v;
}

/* primary_node: a confd_ha_node for besecondary (name, 127.0.0.1). */
static struct confd_ha_node primary_node(const char *name)
{
	struct confd_ha_node n;

	memset(&n, 0, sizeof n);
	n.nodeid = nodeid(name);
	n.af = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &n.addr.ip4);
	return n;
}

/* node_is: a confd_ha_node holds node name as a C_BUF pointing into buf. */
static int node_is(const struct confd_ha_node *n, const char *name)
{
	size_t l = strlen(name);

	return n->nodeid.type == C_BUF && n->nodeid.val.buf.size == l &&
	       n->nodeid.val.buf.ptr == (unsigned char *)n->buf &&
	       memcmp(n->nodeid.val.buf.ptr, name, l) == 0;
}

static const char *ha_info_name(int t)
{
	static const char *names[] = { "?", "NOPRIMARY", "SECONDARY_DIED", "SECONDARY_ARRIVED",
		"SECONDARY_INITIALIZED", "IS_PRIMARY", "IS_NONE", "BESECONDARY_RESULT" };

	return t >= 1 && t <= 7 ? names[t] : "?";
}

/* wait_ha_info: read HA notifications from fd until one of type arrives
 * (copied to *out) or ms pass; sync: acknowledge each one read.  Returns 1
 * when found; the others read on the way are printed when verbose. */
static int wait_ha_info(int fd, int type, int ms, struct confd_notification *out, int sync)
{
	int64_t deadline = h_now_ms() + ms;
	struct confd_notification local;
	/* read straight into *out: a node id points into its own struct */
	struct confd_notification *np = out ? out : &local;

	for (;;) {
		int left = (int)(deadline - h_now_ms());

		if (left <= 0 || !h_wait_readable(fd, left)) {
			printf("  no %s notification within %d ms\n", ha_info_name(type), ms);
			return 0;
		}
		if (confd_read_notification(fd, np) != CONFD_OK) {
			printf("  confd_read_notification: %d %s\n", confd_errno, confd_lasterr());
			return 0;
		}
		if (sync && confd_sync_ha_notification(fd) != CONFD_OK) {
			printf("  confd_sync_ha_notification: %d %s\n", confd_errno, confd_lasterr());
			return 0;
		}
		if (getenv("GOHA_TEST_VERBOSE"))
			printf("  notification %s\n", ha_info_name(np->n.hnot.type));
		if (np->type == CONFD_NOTIF_HA_INFO && (int)np->n.hnot.type == type)
			return 1;
	}
}

/* ha_state: node's HA state through its HA socket (-1 on error). */
static int ha_state(int fd, struct confd_ha_status *st)
{
	if (confd_ha_get_status(fd, st) != CONFD_OK)
		return -1;
	return (int)st->state;
}

#endif
