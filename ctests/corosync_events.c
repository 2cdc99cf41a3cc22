// goha-test: nodes=3
/*
 * quorum, cmap and cfg event sequences on a live 3-node cluster, seen from
 * node 1: the libquorum snapshot; corosync_cfg_kill_node of node 3 from
 * node 1 (node 3 exits at once, without leaving: NODELIST [1 2] with 3 in
 * the left list, then QUORUM; runtime.members.3.status goes to "left"; its
 * link goes down); node 3's return (joined list, join_count 2); and
 * corosync_cfg_try_shutdown(IMMEDIATE) on node 2 (node 2 leaves cleanly and
 * exits 0; node 1 sees it leave).
 */
#include <inttypes.h>
#include <signal.h>
#include <corosync/corotypes.h>
#include <corosync/quorum.h>
#include <corosync/cmap.h>
#include <corosync/cfg.h>
#include "harness.h"

#define MAXEV 128

/* One libquorum notification (V1). */
struct qev {
	int nodelist; /* 1: NODELIST, 0: QUORUM */
	uint32_t quorate;
	uint64_t seq;
	uint32_t n, m[8], nj, j[8], nl, l[8];
};
static struct qev qev[MAXEV];
static int nq;

static void copy_ids(uint32_t *dst, uint32_t *n, uint32_t count, const uint32_t *src)
{
	*n = count;
	for (uint32_t i = 0; i < count && i < 8; i++)
		dst[i] = src[i];
}

static void on_quorum(quorum_handle_t h, uint32_t quorate, struct quorum_ring_id ring, uint32_t n, const uint32_t *m)
{
	(void)h;
	if (nq >= MAXEV)
		return;
	qev[nq] = (struct qev){ .quorate = quorate, .seq = ring.seq };
	copy_ids(qev[nq].m, &qev[nq].n, n, m);
	nq++;
}

static void on_nodes(quorum_handle_t h, struct quorum_ring_id ring, uint32_t n, const uint32_t *m,
		     uint32_t nj, const uint32_t *j, uint32_t nl, const uint32_t *l)
{
	(void)h;
	if (nq >= MAXEV)
		return;
	qev[nq] = (struct qev){ .nodelist = 1, .seq = ring.seq };
	copy_ids(qev[nq].m, &qev[nq].n, n, m);
	copy_ids(qev[nq].j, &qev[nq].nj, nj, j);
	copy_ids(qev[nq].l, &qev[nq].nl, nl, l);
	nq++;
}

/* One cmap notification of runtime.members.* */
struct cev {
	int32_t event;
	char key[64], val[32];
	uint32_t u32;
};
static struct cev cev[MAXEV];
static int nc;

static void on_cmap(cmap_handle_t h, cmap_track_handle_t th, int32_t event, const char *key,
		    struct cmap_notify_value nv, struct cmap_notify_value ov, void *ud)
{
	(void)h; (void)th; (void)ov; (void)ud;
	if (nc >= MAXEV)
		return;
	cev[nc] = (struct cev){ .event = event };
	snprintf(cev[nc].key, sizeof cev[nc].key, "%s", key);
	if (nv.type == CMAP_VALUETYPE_STRING && nv.data)
		snprintf(cev[nc].val, sizeof cev[nc].val, "%s", (const char *)nv.data);
	if (nv.type == CMAP_VALUETYPE_UINT32 && nv.data)
		cev[nc].u32 = *(const uint32_t *)nv.data;
	nc++;
}

static quorum_handle_t qh;
static cmap_handle_t ch;
static corosync_cfg_handle_t cfg;
static int qfd, cfd;

static void pump(void)
{
	struct pollfd p[2] = { { .fd = qfd, .events = POLLIN }, { .fd = cfd, .events = POLLIN } };

	if (poll(p, 2, 50) > 0) {
		if (p[0].revents & POLLIN)
			quorum_dispatch(qh, CS_DISPATCH_ALL);
		if (p[1].revents & POLLIN)
			cmap_dispatch(ch, CS_DISPATCH_ALL);
	}
}

#define PUMP_UNTIL(cond, ms) ({ \
	int64_t p_dl_ = h_now_ms() + (ms); int p_ok_; \
	while (!(p_ok_ = !!(cond)) && h_now_ms() < p_dl_) pump(); \
	p_ok_; })

static int ids_are(const uint32_t *ids, uint32_t n, const uint32_t *want, uint32_t wn)
{
	if (n != wn)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		if (ids[i] != want[i])
			return 0;
	return 1;
}

/* final_pair: the index of the last NODELIST with members want that is
 * directly followed by its QUORUM (quorate, same members and ring); -1. */
static int final_pair(const uint32_t *want, uint32_t wn)
{
	for (int i = nq - 2; i >= 0; i--)
		if (qev[i].nodelist && ids_are(qev[i].m, qev[i].n, want, wn) && !qev[i + 1].nodelist &&
		    qev[i + 1].quorate && qev[i + 1].seq == qev[i].seq && ids_are(qev[i + 1].m, qev[i + 1].n, want, wn))
			return i;
	return -1;
}

/* cmap_seen: a notification of key with that string value has come. */
static int cmap_seen(const char *key, const char *val)
{
	for (int i = 0; i < nc; i++)
		if (strcmp(cev[i].key, key) == 0 && strcmp(cev[i].val, val) == 0)
			return 1;
	return 0;
}

static int cmap_u32_seen(const char *key, uint32_t v)
{
	for (int i = 0; i < nc; i++)
		if (strcmp(cev[i].key, key) == 0 && cev[i].u32 == v && cev[i].event == CMAP_TRACK_MODIFY)
			return 1;
	return 0;
}

static pid_t node_pid(int i)
{
	char path[512];
	FILE *f;
	long pid = 0;

	snprintf(path, sizeof path, "%s/node%d.pid", getenv("GOHA_TEST_DIR"), i);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return (pid_t)pid;
}

/* exited: the process is gone (a zombie counts: it is not our child). */
static int exited(pid_t pid)
{
	char path[64], st = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	if (fscanf(f, "%*d (%*[^)]) %c", &st) != 1)
		st = 0;
	fclose(f);
	return st == 'Z' || st == 'X';
}

static int log_has(int i, const char *what)
{
	char path[512], line[4096];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof path, "%s/node%d.log", getenv("GOHA_TEST_DIR"), i);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof line, f))
		found = strstr(line, what) != NULL;
	fclose(f);
	return found;
}

static int reachable(unsigned int node)
{
	struct corosync_cfg_node_status_v1 ns;

	return corosync_cfg_node_status_get(cfg, node, CFG_NODE_STATUS_V1, &ns) == CS_OK && ns.reachable;
}

int main(int argc, char **argv)
{
	static const uint32_t all[] = {1, 2, 3}, one_two[] = {1, 2}, one_three[] = {1, 3};
	quorum_model_v1_data_t md = { .quorum_notify_fn = on_quorum, .nodelist_notify_fn = on_nodes };
	cmap_track_handle_t th;
	uint32_t type, u32 = 0;
	corosync_cfg_handle_t cfg2;
	pid_t pid3, pid2;
	char *s = NULL;
	int i;

	(void)argc;
	h_init(argv[0]);
	CHECK_CS(quorum_model_initialize(&qh, QUORUM_MODEL_V1, (quorum_model_data_t *)&md, &type, NULL), CS_OK);
	CHECK_CS(quorum_fd_get(qh, &qfd), CS_OK);
	CHECK_CS(cmap_initialize(&ch), CS_OK);
	CHECK_CS(cmap_fd_get(ch, &cfd), CS_OK);
	CHECK_CS(cmap_track_add(ch, "runtime.members.", CMAP_TRACK_ADD | CMAP_TRACK_MODIFY | CMAP_TRACK_DELETE | CMAP_TRACK_PREFIX,
				on_cmap, NULL, &th), CS_OK);
	CHECK_CS(corosync_cfg_initialize(&cfg, NULL), CS_OK);

	/* The snapshot: every node a member, nothing joined or left. */
	CHECK_CS(quorum_trackstart(qh, CS_TRACK_CHANGES), CS_OK);
	CHECK(PUMP_UNTIL(nq >= 2, 5000), "snapshot");
	CHECK(qev[0].nodelist && ids_are(qev[0].m, qev[0].n, all, 3) && qev[0].nj == 0 && qev[0].nl == 0, "snapshot NODELIST [1 2 3]");
	CHECK(!qev[1].nodelist && qev[1].quorate && ids_are(qev[1].m, qev[1].n, all, 3), "snapshot QUORUM quorate [1 2 3]");
	CHECK_CS(cmap_get_string(ch, "runtime.members.3.status", &s), CS_OK);
	CHECK(s && strcmp(s, "joined") == 0, "runtime.members.3.status joined");
	free(s);
	CHECK(reachable(3), "node 3 reachable");

	/* Kill node 3 from node 1: it exits at once, without leaving. */
	pid3 = node_pid(3);
	nq = nc = 0;
	CHECK_CS(corosync_cfg_kill_node(cfg, 3, "corosync_events test"), CS_OK);
	CHECK(pid3 > 0 && WAIT_UNTIL(exited(pid3), 10000), "node 3 exited");
	CHECK(log_has(3, "killed by node 1"), "node 3 logs who killed it");
	CHECK(PUMP_UNTIL((i = final_pair(one_two, 2)) >= 0, 15000), "NODELIST [1 2] then QUORUM quorate [1 2]");
	if (i >= 0)
		CHECK(qev[i].nl == 1 && qev[i].l[0] == 3 && qev[i].nj == 0, "node 3 in the left list");
	CHECK(PUMP_UNTIL(cmap_seen("runtime.members.3.status", "left"), 5000), "runtime.members.3.status -> left");
	CHECK(WAIT_UNTIL(!reachable(3), 5000), "node 3 unreachable");
	CHECK_CS(corosync_cfg_kill_node(cfg, 3, "again"), CS_ERR_NOT_EXIST);

	/* Node 3 returns. */
	nq = nc = 0;
	CHECK_EQ(h_cluster("start-node", "3", NULL), 0, "restart node 3");
	CHECK(PUMP_UNTIL((i = final_pair(all, 3)) >= 0, 15000), "NODELIST [1 2 3] then QUORUM quorate");
	if (i >= 0)
		CHECK(qev[i].nj == 1 && qev[i].j[0] == 3 && qev[i].nl == 0, "node 3 in the joined list");
	CHECK(PUMP_UNTIL(cmap_u32_seen("runtime.members.3.join_count", 2) && cmap_seen("runtime.members.3.status", "joined"), 5000),
	      "join_count 2, status joined");
	CHECK_CS(cmap_get_uint32(ch, "runtime.members.3.join_count", &u32), CS_OK);
	CHECK_EQ(u32, 2, "runtime.members.3.join_count");

	/* Node 2 shuts down through cfg: a clean leave, exit status 0. */
	pid2 = node_pid(2);
	nq = nc = 0;
	h_use_node(2);
	CHECK_CS(corosync_cfg_initialize(&cfg2, NULL), CS_OK);
	CHECK_CS(corosync_cfg_try_shutdown(cfg2, COROSYNC_CFG_SHUTDOWN_FLAG_IMMEDIATE), CS_OK);
	CHECK(pid2 > 0 && WAIT_UNTIL(exited(pid2), 10000), "node 2 exited");
	CHECK(log_has(2, "gohad stopped") && log_has(2, "corosync_cfg_try_shutdown"), "node 2 stopped cleanly");
	CHECK(PUMP_UNTIL((i = final_pair(one_three, 2)) >= 0, 15000), "NODELIST [1 3] then QUORUM quorate");
	if (i >= 0)
		CHECK(qev[i].nl == 1 && qev[i].l[0] == 2, "node 2 in the left list");
	CHECK_CS(corosync_cfg_finalize(cfg2), CS_OK);

	CHECK_CS(quorum_finalize(qh), CS_OK);
	CHECK_CS(cmap_finalize(ch), CS_OK);
	CHECK_CS(corosync_cfg_finalize(cfg), CS_OK);
	return h_done();
}
