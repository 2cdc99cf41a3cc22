// goha-test: nodes=2 config node.2.eligible=false
/*
 * CMM return codes that need a node that may not be master: a 2-node
 * cluster where only node 1 is master-eligible.  No vice-master exists, so
 * a switchover or the master's removal cannot be done (CMM_ECANCELED), and
 * qualification calls on the ineligible node are refused.
 */
#include <cmm.h>
#include "harness.h"

static int on_node2(const char *op, const char *self)
{
	const char *argv[] = {self, "--op", op, NULL};
	char env_ipc[512];
	char *envp[] = {env_ipc, NULL};
	int status;
	pid_t pid;

	snprintf(env_ipc, sizeof env_ipc, "GOHA_IPC=%s", h_node_ipc(2));
	if (posix_spawn(&pid, self, NULL, NULL, (char *const *)argv, envp) != 0)
		return 999;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 999;
	return WIFEXITED(status) ? -WEXITSTATUS(status) : 998;
}

int main(int argc, char **argv)
{
	cmm_member_t m;
	uint32_t n;

	if (argc > 2 && strcmp(argv[1], "--op") == 0) {
		if (strcmp(argv[2], "seize") == 0)
			return -cmm_member_seizequalif();
		if (strcmp(argv[2], "release") == 0)
			return -cmm_mastership_release();
		return 255;
	}
	h_init(argv[0]);
	CHECK_CMM(cmm_master_getinfo(&m), CMM_OK);
	CHECK(m.nodeid == 1 && cmm_member_ismaster(&m) && cmm_member_iseligible(&m), "node 1 is master");
	CHECK_CMM(cmm_vicemaster_getinfo(&m), CMM_ESRCH);
	CHECK_CMM(cmm_member_getinfo(2, &m), CMM_OK);
	CHECK(!cmm_member_iseligible(&m) && !cmm_member_isqualified(&m) && !cmm_member_ismaster(&m) &&
	      !cmm_member_isvicemaster(&m) && !cmm_member_isoutofcluster(&m),
	      "node 2 is an ineligible plain member (sflag %#x)", m.sflag);
	CHECK_CMM(cmm_member_getcount(&n), CMM_OK);
	CHECK_EQ(n, 2, "2 members");
	CHECK_CMM(cmm_member_setqualif(2, CMM_QUALIFIED_MEMBER), CMM_EINVAL);
	CHECK_CMM(cmm_member_setqualif(2, CMM_DISQUALIFIED_MEMBER), CMM_EINVAL);
	CHECK_CMM(cmm_mastership_release(), CMM_ECANCELED);
	CHECK_CMM(cmm_membership_remove(), CMM_ECANCELED);
	CHECK_EQ(on_node2("seize", argv[0]), CMM_EPERM, "seizequalif on an ineligible node");
	CHECK_EQ(on_node2("release", argv[0]), CMM_EPERM, "release on a non-master");
	CHECK_CMM(cmm_master_getinfo(&m), CMM_OK);
	CHECK_EQ(m.nodeid, 1, "node 1 still master after the refused calls");
	return h_done();
}
