/*
 * ha_failover.c -- a minimal HA framework (HAFW) over libgoha's ConfD API,
 * and the failover timer of examples/bench/ha_failover.sh.
 *
 *   ha_failover IPC1 IPC2 PID1 TOKEN
 *
 * IPC1/IPC2 are the control endpoints ("unix:/path") of two gohad nodes
 * named n1 and n2 in their cluster config, PID1 is n1's process id and
 * TOKEN the cluster's [ha] token.  The
 * program makes n1 primary and n2 its secondary, commits one value, then
 * SIGKILLs n1 and does what a framework does: it waits on n2's
 * notification socket for CONFD_HA_INFO_NOPRIMARY, promotes n2 with
 * confd_ha_beprimary, and retries a goha_cdb_set on n2 until it succeeds.
 * It prints, in milliseconds from the kill:
 *
 *   failover detect_ms=D promote_ms=P writable_ms=W reason=R
 *
 * Build, from the repository root after `make build` (the rpath lets it run
 * without LD_LIBRARY_PATH):
 *
 *   gcc -Iinclude -o ha_failover examples/c/ha_failover.c -Lbuild/lib -lgoha -Wl,-rpath,$PWD/build/lib
 *
 * or against an installed goha (`make install`):
 *
 *   gcc -o ha_failover examples/c/ha_failover.c $(pkg-config --cflags --libs goha)
 */
#define _GNU_SOURCE
#include <confd_lib.h>
#include <confd_ha.h>
#include <confd_events.h>
#include <goha.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what)
{
	fprintf(stderr, "ha_failover: %s: confd_errno %d: %s\n", what, confd_errno, confd_lasterr());
	exit(1);
}

static socklen_t addr_of(const char *ipc, struct sockaddr_un *a)
{
	if (strncmp(ipc, "unix:", 5) != 0) {
		fprintf(stderr, "ha_failover: %s: want unix:/path\n", ipc);
		exit(2);
	}
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof a->sun_path, "%s", ipc + 5);
	return sizeof *a;
}

static int ha_sock(const char *ipc, const char *token)
{
	struct sockaddr_un a;
	socklen_t l = addr_of(ipc, &a);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (confd_ha_connect(fd, (struct sockaddr *)&a, l, token) != CONFD_OK)
		die("confd_ha_connect");
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_un a;
	socklen_t l;
	int h1, h2, nfd, cdb, reason = 0;
	pid_t pid1;
	confd_value_t id1, id2, v;
	struct confd_ha_node primary;
	struct confd_notification n;
	double t0, detect, promote, writable;

	if (argc != 5) {
		fprintf(stderr, "usage: ha_failover IPC1 IPC2 PID1 TOKEN\n");
		return 2;
	}
	pid1 = (pid_t)atoi(argv[3]);
	confd_init("ha_failover", stderr, CONFD_SILENT);
	h1 = ha_sock(argv[1], argv[4]);
	h2 = ha_sock(argv[2], argv[4]);
	l = addr_of(argv[2], &a);
	nfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (confd_notifications_connect(nfd, (struct sockaddr *)&a, l, CONFD_NOTIF_HA_INFO) != CONFD_OK)
		die("confd_notifications_connect");
	cdb = socket(AF_UNIX, SOCK_STREAM, 0);
	if (goha_cdb_connect(cdb, (struct sockaddr *)&a, l) != CONFD_OK)
		die("goha_cdb_connect");

	CONFD_SET_BUF(&id1, (unsigned char *)"n1", 2);
	CONFD_SET_BUF(&id2, (unsigned char *)"n2", 2);
	memset(&primary, 0, sizeof primary);
	primary.nodeid = id1;
	primary.af = AF_UNSPEC; /* addr.str NULL: the cluster config has n1's ha_addr */
	if (confd_ha_beprimary(h1, &id1) != CONFD_OK)
		die("beprimary n1");
	if (confd_ha_besecondary(h2, &id2, &primary, 1) != CONFD_OK)
		die("besecondary n2");

	/* the primary dies */
	t0 = now_ms();
	if (kill(pid1, SIGKILL) != 0) {
		perror("kill");
		return 1;
	}
	close(h1);
	/* the framework reacts to NOPRIMARY */
	for (;;) {
		struct pollfd p = { .fd = nfd, .events = POLLIN };
		if (poll(&p, 1, 30000) != 1) {
			fprintf(stderr, "ha_failover: no NOPRIMARY within 30 s\n");
			return 1;
		}
		if (confd_read_notification(nfd, &n) != CONFD_OK)
			die("confd_read_notification");
		if (n.n.hnot.type == CONFD_HA_INFO_NOPRIMARY) {
			reason = n.n.hnot.data.noprimary;
			break;
		}
	}
	detect = now_ms() - t0;
	if (confd_ha_beprimary(h2, &id2) != CONFD_OK)
		die("beprimary n2");
	promote = now_ms() - t0;
	CONFD_SET_STR(&v, "after failover");
	while (goha_cdb_set(cdb, "/failover/probe", &v) != CONFD_OK) {
		if (confd_errno != CONFD_ERR_NOT_WRITABLE)
			die("goha_cdb_set");
	}
	writable = now_ms() - t0;
	printf("failover detect_ms=%.2f promote_ms=%.2f writable_ms=%.2f reason=%s\n", detect, promote, writable,
	       reason == CONFD_ERR_HA_CLOSED ? "HA_CLOSED" : reason == CONFD_ERR_HA_NOTICK ? "HA_NOTICK" : "other");
	close(h2);
	close(nfd);
	close(cdb);
	return 0;
}
