// goha-test: nodes=3
/*
 * Every cmm_* function against a 3-node cluster (all nodes eligible; the
 * test process talks to node 1): connection and timeouts, node and member
 * tables (CMM_ERANGE leaves the table untouched), roles and predicates on
 * live data, bad input on every entry point, notifications (register,
 * filter, getfd, dispatch, a second register), switchover, master-only
 * calls from a non-master, setqualif, master loss (failover), a node
 * rejoining, cmm_membership_remove, and the loss of the local daemon.
 *
 * Calls that must run on another node are made by a child process (this
 * program re-executed with "--op ..." and GOHA_IPC of that node), because
 * the CMM API has one implicit connection per process.
 */
#include <inttypes.h>
#include <cmm.h>
#include <goha.h>
#include "harness.h"

/* ---- child mode: one call on the node named by GOHA_IPC ---- */
static int child(int argc, char **argv)
{
	cmm_nodeid_t id;

	if (argc >= 3 && strcmp(argv[2], "release") == 0)
		return -cmm_mastership_release();
	if (argc >= 3 && strcmp(argv[2], "remove") == 0)
		return -cmm_membership_remove();
	if (argc >= 3 && strcmp(argv[2], "reload") == 0)
		return -cmm_config_reload();
	if (argc >= 3 && strcmp(argv[2], "seize") == 0)
		return -cmm_member_seizequalif();
	if (argc >= 3 && strcmp(argv[2], "getid") == 0) {
		cmm_error_t e = cmm_node_getid(&id);
		return e == CMM_OK ? (int)id : 200;
	}
	if (argc >= 5 && strcmp(argv[2], "setqualif") == 0)
		return -cmm_member_setqualif((cmm_nodeid_t)atoi(argv[3]), (cmm_qualif_t)atoi(argv[4]));
	return 255;
}

static const char *self_path;

/* on_node: run a child call on node i; returns its cmm_error_t (or id). */
static int on_node(int i, const char *op, const char *a1, const char *a2)
{
	const char *argv[] = {self_path, "--op", op, a1, a2, NULL};
	char env_ipc[512];
	char *envp[8];
	int n = 0, status;
	pid_t pid;

	snprintf(env_ipc, sizeof env_ipc, "GOHA_IPC=%s", h_node_ipc(i));
	envp[n++] = env_ipc;
	if (getenv("LD_LIBRARY_PATH")) {
		static char ld[1024];
		snprintf(ld, sizeof ld, "LD_LIBRARY_PATH=%s", getenv("LD_LIBRARY_PATH"));
		envp[n++] = ld;
	}
	envp[n] = NULL;
	if (posix_spawn(&pid, self_path, NULL, NULL, (char *const *)argv, envp) != 0)
		return 999;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 999;
	if (!WIFEXITED(status))
		return 998;
	if (strcmp(op, "getid") == 0)
		return WEXITSTATUS(status);
	return -WEXITSTATUS(status);
}

/* ---- notification log ---- */
struct note { cmm_cmchanges_t change; cmm_nodeid_t node; };
static struct note notes[256];
static int nnotes;
static int tag;
static int bad_client_data;
static cmm_nodeid_t id_in_callback;

static void notify(const cmm_cmc_notification_t *n, void *client_data)
{
	if (client_data != &tag)
		bad_client_data++;
	if (nnotes < 256)
		notes[nnotes++] = (struct note){n->cmchange, n->nodeid};
	/* the API may be used from inside the callback */
	cmm_node_getid(&id_in_callback);
}

static int notify_fd = -1;

/* pump: dispatch whenever the notification fd is readable, until cond or
 * the deadline. */
#define PUMP_UNTIL(cond, ms) ({ \
	int64_t p_dl_ = h_now_ms() + (ms); int p_ok_; \
	while (!(p_ok_ = !!(cond)) && h_now_ms() < p_dl_) \
		if (h_wait_readable(notify_fd, 50)) cmm_notify_dispatch(); \
	p_ok_; })

static int seen_at(cmm_cmchanges_t c, cmm_nodeid_t node)
{
	int i;

	for (i = 0; i < nnotes; i++)
		if (notes[i].change == c && notes[i].node == node)
			return i;
	return -1;
}

static const char *change_name(cmm_cmchanges_t c)
{
	static const char *names[] = {"MASTER_ELECTED", "MASTER_DEMOTED", "VICEMASTER_ELECTED",
		"VICEMASTER_DEMOTED", "MEMBER_JOINED", "MEMBER_LEFT", "STALE_CLUSTER",
		"INVALID_CLUSTER", "VALID_CLUSTER", "NODE_ELIGIBLE", "NODE_INELIGIBLE"};

	return c >= 250 && c <= 260 ? names[c - 250] : "?";
}

static void print_notes(const char *what)
{
	int i;

	printf("    notifications (%s):", what);
	for (i = 0; i < nnotes; i++)
		printf(" %s(%u)", change_name(notes[i].change), notes[i].node);
	printf("\n");
}

static cmm_nodeid_t master_id(void)
{
	cmm_member_t m;

	return cmm_master_getinfo(&m) == CMM_OK ? m.nodeid : 0;
}

static uint32_t sflag_of(cmm_nodeid_t id)
{
	cmm_member_t m;

	return cmm_potential_getinfo(id, &m) == CMM_OK ? m.sflag : 0xffffffffu;
}

static void test_connection_and_info(void)
{
	timespec_t t;
	cmm_nodeid_t me = 0;
	cmm_member_t m, m2;
	uint32_t n = 0;

	t.tv_sec = 0; t.tv_nsec = 0; /* the default timeout, as Honeycomb's tools use it */
	CHECK_CMM(cmm_connect(t), CMM_OK);
	t.tv_sec = -1; t.tv_nsec = 0;
	CHECK_CMM(cmm_connect(t), CMM_EINVAL);
	t.tv_sec = 1; t.tv_nsec = -1;
	CHECK_CMM(cmm_connect(t), CMM_EINVAL);
	t.tv_sec = 0; t.tv_nsec = 1000000000L;
	CHECK_CMM(cmm_connect(t), CMM_EINVAL);
	t.tv_sec = 0; t.tv_nsec = 500000000L;
	CHECK_CMM(cmm_connect(t), CMM_OK);
	t.tv_sec = 5; t.tv_nsec = 0;
	CHECK_CMM(cmm_connect(t), CMM_OK);

	CHECK_CMM(cmm_node_getid(NULL), CMM_EINVAL);
	CHECK_CMM(cmm_node_getid(&me), CMM_OK);
	CHECK_EQ(me, 1, "cmm_node_getid");

	CHECK_CMM(cmm_member_getinfo(1, NULL), CMM_EINVAL);
	CHECK_CMM(cmm_member_getinfo(999, &m), CMM_ESRCH);
	CHECK_CMM(cmm_potential_getinfo(999, &m), CMM_ESRCH);
	CHECK_CMM(cmm_potential_getinfo(1, NULL), CMM_EINVAL);
	memset(&m, 0, sizeof m);
	CHECK_CMM(cmm_member_getinfo(1, &m), CMM_OK);
	CHECK_EQ(m.nodeid, 1, "member 1 nodeid");
	CHECK(strcmp(m.name, "n1") == 0, "member 1 name %s", m.name);
	CHECK(strcmp(m.addr, "127.0.0.1") == 0, "member 1 addr %s is the IP address, no port", m.addr);
	CHECK_EQ(m.domainid, 7, "domainid is the config's domain_id");
	CHECK(cmm_member_iseligible(&m) && cmm_member_isqualified(&m) && !cmm_member_isoutofcluster(&m),
	      "member 1 eligible, qualified, in (sflag %#x)", m.sflag);
	CHECK(m.incarnation_number > 0, "incarnation_number %u", m.incarnation_number);
	CHECK(m.software_load_id[0] != 0 && memchr(m.software_load_id, 0, sizeof m.software_load_id),
	      "software_load_id \"%s\"", m.software_load_id);
	CHECK_CMM(cmm_potential_getinfo(1, &m2), CMM_OK);
	CHECK(memcmp(&m, &m2, sizeof m) == 0, "potential_getinfo == member_getinfo for a member");

	CHECK_CMM(cmm_master_getinfo(NULL), CMM_EINVAL);
	CHECK_CMM(cmm_vicemaster_getinfo(NULL), CMM_EINVAL);
	CHECK_CMM(cmm_master_getinfo(&m), CMM_OK);
	CHECK(m.nodeid == 1 && cmm_member_ismaster(&m) && CMM_IS_MASTER(m) && !cmm_member_isvicemaster(&m),
	      "master is node 1 (lowest eligible id), sflag %#x", m.sflag);
	CHECK_CMM(cmm_vicemaster_getinfo(&m), CMM_OK);
	CHECK(m.nodeid == 2 && cmm_member_isvicemaster(&m) && !cmm_member_ismaster(&m),
	      "vice-master is node 2, sflag %#x", m.sflag);

	CHECK_CMM(cmm_member_getcount(NULL), CMM_EINVAL);
	CHECK_CMM(cmm_member_getcount(&n), CMM_OK);
	CHECK_EQ(n, 3, "member count");
}

static void test_getall(void)
{
	cmm_member_t t[4], before[4];
	uint32_t n = 0;

	CHECK_CMM(cmm_member_getall(4, t, NULL), CMM_EINVAL);
	CHECK_CMM(cmm_member_getall(0, NULL, &n), CMM_OK);
	CHECK_EQ(n, 3, "getall(NULL table) counts");
	memset(t, 0xab, sizeof t);
	memcpy(before, t, sizeof t);
	n = 0;
	CHECK_CMM(cmm_member_getall(2, t, &n), CMM_ERANGE);
	CHECK_EQ(n, 3, "ERANGE reports the size needed");
	CHECK(memcmp(t, before, sizeof t) == 0, "ERANGE leaves the table untouched");
	CHECK_CMM(cmm_member_getall(0, t, &n), CMM_ERANGE);
	n = 0;
	CHECK_CMM(cmm_member_getall(4, t, &n), CMM_OK);
	CHECK_EQ(n, 3, "getall count");
	CHECK(t[0].nodeid == 1 && t[1].nodeid == 2 && t[2].nodeid == 3, "ordered by id");
	CHECK(cmm_member_ismaster(&t[0]) && cmm_member_isvicemaster(&t[1]) &&
	      !cmm_member_ismaster(&t[2]) && !cmm_member_isvicemaster(&t[2]), "roles in the table");
	CHECK(memcmp(&t[3], &before[3], sizeof t[3]) == 0, "entries past the count untouched");
	CHECK(strcmp(t[2].name, "n3") == 0, "names");
}

static void test_bad_input(void)
{
	cmm_cmchanges_t bad_list[2] = {CMM_MEMBER_JOINED, (cmm_cmchanges_t)5};
	int fd;

	/* nothing registered */
	CHECK_CMM(cmm_cmc_unregister(), CMM_ENOENT);
	CHECK_CMM(cmm_notify_getfd(&fd), CMM_ENOENT);
	CHECK_CMM(cmm_notify_dispatch(), CMM_ENOENT);
	CHECK_CMM(cmm_cmc_filter(CMM_CMC_NOTIFY_ALL, NULL, 0), CMM_ENOENT);
	/* bad arguments */
	CHECK_CMM(cmm_cmc_register(NULL, NULL), CMM_EINVAL);
	CHECK_CMM(cmm_notify_getfd(NULL), CMM_EINVAL);
	CHECK_CMM(cmm_cmc_filter((cmm_cmcfilter_t)19, NULL, 0), CMM_EINVAL);
	CHECK_CMM(cmm_cmc_filter((cmm_cmcfilter_t)25, NULL, 0), CMM_EINVAL);
	CHECK_CMM(cmm_cmc_filter(CMM_CMC_NOTIFY_ADD, NULL, 1), CMM_EINVAL);
	CHECK_CMM(cmm_cmc_filter(CMM_CMC_NOTIFY_SET, bad_list, 2), CMM_EINVAL);
	CHECK_CMM(cmm_member_setqualif(2, (cmm_qualif_t)-1), CMM_EINVAL);
	CHECK_CMM(cmm_member_setqualif(2, (cmm_qualif_t)0), CMM_EINVAL);
	CHECK_CMM(cmm_member_setqualif(999, CMM_QUALIFIED_MEMBER), CMM_ESRCH);
	CHECK_CMM(cmm_member_setqualif(2, CMM_SYNCHRO_NEEDED), CMM_EINVAL); /* only for the node itself */
	CHECK_CMM(cmm_member_seizequalif(), CMM_EPERM);                    /* a master exists */
	CHECK_CMM(cmm_config_reload(), CMM_OK);                            /* master, file unchanged */
	{
		char msg[256];
		CHECK_CMM(cmm_member_getinfo(999, NULL), CMM_EINVAL);
		goha_errmsg(GOHA_PROCESS_HANDLE, msg, sizeof msg);
		CHECK(strstr(msg, "cmm_member_getinfo") != NULL, "errmsg names the cmm call: %s", msg);
	}
}

static void test_register(void)
{
	cmm_cmchanges_t joined = CMM_MEMBER_JOINED;

	CHECK_CMM(cmm_cmc_register(notify, &tag), CMM_OK);
	CHECK_CMM(cmm_cmc_register(notify, NULL), CMM_EEXIST);
	CHECK_CMM(cmm_notify_getfd(&notify_fd), CMM_OK);
	CHECK(notify_fd >= 0 && !h_readable_now(notify_fd), "notification fd idle");
	CHECK_CMM(cmm_notify_dispatch(), CMM_ENOMSG);
	/* ADD/REM/SET/ALL/NONE accept valid lists; the filter is left at ALL */
	CHECK_CMM(cmm_cmc_filter(CMM_CMC_NOTIFY_SET, &joined, 1), CMM_OK);
	CHECK_CMM(cmm_cmc_filter(CMM_CMC_NOTIFY_REM, &joined, 1), CMM_OK);
	CHECK_CMM(cmm_cmc_filter(CMM_CMC_NOTIFY_ADD, &joined, 1), CMM_OK);
	CHECK_CMM(cmm_cmc_filter(CMM_CMC_NOTIFY_NONE, NULL, 0), CMM_OK);
	CHECK_CMM(cmm_cmc_filter(CMM_CMC_NOTIFY_ADD, NULL, 0), CMM_OK);
	CHECK_CMM(cmm_cmc_filter(CMM_CMC_NOTIFY_ALL, NULL, 0), CMM_OK);
}

static void test_switchover(void)
{
	int dem, ele;

	/* master-only calls from a non-master */
	CHECK_EQ(on_node(3, "release", NULL, NULL), CMM_EPERM, "release on a non-master");
	CHECK_EQ(on_node(3, "reload", NULL, NULL), CMM_EPERM, "config_reload on a non-master");
	CHECK_EQ(on_node(3, "setqualif", "2", "-148"), CMM_EPERM, "setqualif on a non-master");
	CHECK_EQ(on_node(3, "seize", NULL, NULL), CMM_EPERM, "seizequalif while a master exists");
	CHECK_EQ(on_node(3, "getid", NULL, NULL), 3, "node_getid on node 3");

	nnotes = 0;
	CHECK_CMM(cmm_mastership_release(), CMM_OK);
	CHECK(PUMP_UNTIL(seen_at(CMM_MASTER_ELECTED, 2) >= 0 && seen_at(CMM_VICEMASTER_ELECTED, 1) >= 0, 10000),
	      "switchover: node 2 elected master, node 1 vice-master");
	dem = seen_at(CMM_MASTER_DEMOTED, 1);
	ele = seen_at(CMM_MASTER_ELECTED, 2);
	CHECK(dem >= 0 && dem < ele, "MASTER_DEMOTED(1) before MASTER_ELECTED(2)");
	CHECK(seen_at(CMM_VICEMASTER_DEMOTED, 2) >= 0 && seen_at(CMM_VICEMASTER_DEMOTED, 2) < ele,
	      "VICEMASTER_DEMOTED(2) before MASTER_ELECTED(2)");
	CHECK_EQ(bad_client_data, 0, "client_data passed through");
	CHECK_EQ(id_in_callback, 1, "the API works inside the callback");
	print_notes("switchover");
	CHECK(WAIT_UNTIL(master_id() == 2, 5000), "master_getinfo reports node 2");
	CHECK_CMM(cmm_mastership_release(), CMM_EPERM);
	CHECK_CMM(cmm_config_reload(), CMM_EPERM);
	CHECK_CMM(cmm_member_setqualif(3, CMM_DISQUALIFIED_MEMBER), CMM_EPERM);
}

static void test_qualification(void)
{
	/* from the master (node 2): disqualify node 3, then requalify it */
	nnotes = 0;
	CHECK_EQ(on_node(2, "setqualif", "3", "-148"), CMM_OK, "setqualif(3, DISQUALIFIED) on the master");
	CHECK(WAIT_UNTIL(sflag_of(3) != 0xffffffffu && (sflag_of(3) & CMM_FLAG_DISQUALIFIED), 5000),
	      "node 3 disqualified");
	{
		cmm_member_t m;
		CHECK_CMM(cmm_member_getinfo(3, &m), CMM_OK);
		CHECK(cmm_member_isdisqualified(&m) && !cmm_member_isqualified(&m) && cmm_member_iseligible(&m),
		      "predicates on a disqualified node (sflag %#x)", m.sflag);
	}
	CHECK_EQ(on_node(2, "setqualif", "3", "-150"), CMM_OK, "setqualif(3, QUALIFIED) on the master");
	CHECK(WAIT_UNTIL(!(sflag_of(3) & CMM_FLAG_DISQUALIFIED), 5000), "node 3 qualified again");
	CHECK_EQ(on_node(2, "reload", NULL, NULL), CMM_OK, "config_reload on the master");
	CHECK_EQ(on_node(2, "setqualif", "999", "-150"), CMM_ESRCH, "setqualif of an unknown node");
}

static void test_master_loss(void)
{
	uint32_t n = 0;
	cmm_member_t m;
	int left, ele;

	nnotes = 0;
	CHECK_EQ(h_cluster("kill-node", "2", NULL), 0, "kill the master (node 2)");
	CHECK(PUMP_UNTIL(seen_at(CMM_MASTER_ELECTED, 1) >= 0 && seen_at(CMM_MEMBER_LEFT, 2) >= 0 &&
			 seen_at(CMM_VICEMASTER_ELECTED, 3) >= 0, 10000),
	      "failover: node 1 master, node 3 vice-master, node 2 left");
	left = seen_at(CMM_MEMBER_LEFT, 2);
	ele = seen_at(CMM_MASTER_ELECTED, 1);
	CHECK(seen_at(CMM_MASTER_DEMOTED, 2) >= 0 && seen_at(CMM_MASTER_DEMOTED, 2) < left,
	      "MASTER_DEMOTED(2) before MEMBER_LEFT(2)");
	CHECK(left < ele, "MEMBER_LEFT(2) before MASTER_ELECTED(1)");
	print_notes("master loss");
	CHECK(WAIT_UNTIL(master_id() == 1, 5000), "master_getinfo reports node 1");
	CHECK_CMM(cmm_member_getinfo(2, &m), CMM_ESRCH);
	CHECK_CMM(cmm_potential_getinfo(2, &m), CMM_OK);
	CHECK(cmm_member_isoutofcluster(&m) && !cmm_member_ismaster(&m), "node 2 out of cluster (sflag %#x)", m.sflag);
	CHECK_CMM(cmm_member_getcount(&n), CMM_OK);
	CHECK_EQ(n, 2, "2 members left");

	/* node 2 comes back; with a filter that keeps only MEMBER_JOINED */
	{
		cmm_cmchanges_t joined = CMM_MEMBER_JOINED;
		CHECK_CMM(cmm_cmc_filter(CMM_CMC_NOTIFY_SET, &joined, 1), CMM_OK);
	}
	nnotes = 0;
	CHECK_EQ(h_cluster("start-node", "2", NULL), 0, "restart node 2");
	CHECK(PUMP_UNTIL(seen_at(CMM_MEMBER_JOINED, 2) >= 0, 10000), "MEMBER_JOINED(2)");
	PUMP_UNTIL(0, 300);
	{
		int i, others = 0;
		for (i = 0; i < nnotes; i++)
			others += notes[i].change != CMM_MEMBER_JOINED;
		CHECK_EQ(others, 0, "the filter let only MEMBER_JOINED through");
	}
	CHECK_CMM(cmm_cmc_filter(CMM_CMC_NOTIFY_ALL, NULL, 0), CMM_OK);
	CHECK(WAIT_UNTIL(cmm_member_getcount(&n) == CMM_OK && n == 3, 5000), "3 members again");
	CHECK_CMM(cmm_potential_getinfo(2, &m), CMM_OK);
	CHECK(!cmm_member_isoutofcluster(&m), "node 2 back in the cluster");
	CHECK(WAIT_UNTIL(master_id() == 1, 5000), "the master stays node 1 when node 2 rejoins");
}

static void test_remove(void)
{
	cmm_member_t m;

	nnotes = 0;
	CHECK_EQ(on_node(3, "remove", NULL, NULL), CMM_OK, "membership_remove on node 3");
	CHECK(PUMP_UNTIL(seen_at(CMM_MEMBER_LEFT, 3) >= 0, 10000), "MEMBER_LEFT(3)");
	print_notes("remove");
	CHECK(WAIT_UNTIL(cmm_member_getinfo(3, &m) == CMM_ESRCH, 5000), "node 3 no longer a member");
	CHECK_CMM(cmm_potential_getinfo(3, &m), CMM_OK);
	CHECK(cmm_member_isoutofcluster(&m), "node 3 out of cluster (sflag %#x)", m.sflag);
	CHECK_EQ(on_node(3, "getid", NULL, NULL), 3, "the API keeps working on a removed node");
	CHECK_EQ(on_node(3, "remove", NULL, NULL), CMM_EPERM, "a second remove");
}

static void test_timeout(void)
{
	timespec_t t = {0, 200000000L};
	cmm_nodeid_t me = 0;
	int64_t t0, took;

	CHECK_CMM(cmm_connect(t), CMM_OK);
	CHECK_EQ(h_cluster("pause-node", "1", NULL), 0, "SIGSTOP the local daemon");
	t0 = h_now_ms();
	CHECK_CMM(cmm_node_getid(&me), CMM_ETIMEDOUT);
	took = h_now_ms() - t0;
	CHECK(took >= 150 && took < 3000, "a call times out after the cmm_connect timeout (%lld ms)", (long long)took);
	CHECK_EQ(me, CMM_INVALID_NODE_ID, "getid sets CMM_INVALID_NODE_ID on timeout");
	CHECK_CMM(cmm_connect(t), CMM_ETIMEDOUT);
	CHECK_EQ(h_cluster("resume-node", "1", NULL), 0, "SIGCONT the local daemon");
	CHECK(WAIT_UNTIL(cmm_node_getid(&me) == CMM_OK, 5000), "the same connection answers again");
	CHECK_EQ(me, 1, "node id after the stall");
	t.tv_sec = 5;
	t.tv_nsec = 0;
	CHECK_CMM(cmm_connect(t), CMM_OK);
}

static void test_daemon_gone(void)
{
	cmm_nodeid_t me;
	int fd;

	CHECK_EQ(h_cluster("kill-node", "1", NULL), 0, "kill the local daemon (node 1)");
	CHECK(h_wait_readable(notify_fd, 5000), "the notification fd wakes up");
	CHECK(PUMP_UNTIL(cmm_notify_dispatch() == CMM_EBADF, 5000), "dispatch reports CMM_EBADF");
	CHECK_CMM(cmm_node_getid(&me), CMM_ECONN);
	CHECK_EQ(me, CMM_INVALID_NODE_ID, "getid sets CMM_INVALID_NODE_ID");
	CHECK_CMM(cmm_cmc_unregister(), CMM_OK);
	CHECK_CMM(cmm_cmc_unregister(), CMM_ENOENT);
	CHECK_CMM(cmm_notify_getfd(&fd), CMM_ENOENT);
	CHECK_CMM(cmm_cmc_register(notify, &tag), CMM_ECONN);
	CHECK_CMM(cmm_disconnect(), CMM_OK);
	/* the daemon comes back: the implicit connection is re-opened */
	CHECK_EQ(h_cluster("start-node", "1", NULL), 0, "restart node 1");
	CHECK(WAIT_UNTIL(cmm_node_getid(&me) == CMM_OK, 5000), "reconnected after the restart");
	CHECK_EQ(me, 1, "node id after reconnect");
	CHECK_CMM(cmm_cmc_register(notify, &tag), CMM_OK);
	CHECK_CMM(cmm_disconnect(), CMM_OK);
	CHECK_CMM(cmm_notify_getfd(&fd), CMM_ENOENT); /* disconnect drops the registration */
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "--op") == 0)
		return child(argc, argv);
	self_path = argv[0];
	h_init(argv[0]);
	test_connection_and_info();
	test_getall();
	test_bad_input();
	test_register();
	test_switchover();
	test_qualification();
	test_master_loss();
	test_remove();
	test_timeout();
	test_daemon_gone();
	return h_done();
}
