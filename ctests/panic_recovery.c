// goha-test: nodes=1
/*
 * No Go panic crosses into C.  GOHA_INJECT_PANIC (read at the first call)
 * makes the listed exports panic inside their wrapper; each must return its
 * family's internal error (CS_ERR_LIBRARY, CMM_ENOTSUP, GOHA_EINTERNAL), say
 * so through goha_errmsg, and leave the library usable: the handle stays
 * valid, other calls keep working, locks are released.
 */
#include <corosync/corotypes.h>
#include <corosync/votequorum.h>
#include <corosync/quorum.h>
#include <corosync/cmap.h>
#include <corosync/cfg.h>
#include <cmm.h>
#include <goha.h>
#include "harness.h"

static void expect_panic_msg(uint64_t handle, const char *fn)
{
	char msg[256];

	goha_errmsg(handle, msg, sizeof msg);
	CHECK(strstr(msg, fn) && strstr(msg, "recovered panic"), "errmsg after a panic in %s: %s", fn, msg);
}

int main(int argc, char **argv)
{
	votequorum_handle_t h;
	struct votequorum_info vi;
	votequorum_ring_id_t ring = {1, 1};
	cmm_member_t m;
	cmm_nodeid_t id;
	uint32_t n;
	int fd;
	char buf[64];
	void *ctx;

	(void)argc;
	h_init(argv[0]);
	setenv("GOHA_INJECT_PANIC",
	       "votequorum_setexpected,votequorum_setvotes,votequorum_trackstart,votequorum_trackstop,"
	       "votequorum_context_get,votequorum_context_set,votequorum_fd_get,votequorum_dispatch,"
	       "votequorum_qdevice_register,votequorum_qdevice_unregister,votequorum_qdevice_update,"
	       "votequorum_qdevice_poll,votequorum_qdevice_master_wins,"
	       "cmm_member_getinfo,cmm_potential_getinfo,cmm_master_getinfo,cmm_vicemaster_getinfo,"
	       "cmm_member_getcount,cmm_member_getall,cmm_mastership_release,cmm_membership_remove,"
	       "cmm_member_setqualif,cmm_member_seizequalif,cmm_config_reload,cmm_cmc_register,"
	       "cmm_cmc_unregister,cmm_cmc_filter,cmm_notify_getfd,cmm_notify_dispatch,cmm_connect,"
	       "cmm_disconnect,goha_handles_open,"
	       "quorum_getquorate,quorum_trackstart,quorum_dispatch,cmap_get,cmap_set,cmap_iter_init,"
	       "cmap_track_add,cmap_dispatch,"
	       "corosync_cfg_initialize", 1);

	CHECK_CS(votequorum_initialize(&h, NULL), CS_OK);
	CHECK_CS(votequorum_setexpected(h, 1), CS_ERR_LIBRARY);
	expect_panic_msg(h, "votequorum_setexpected");
	CHECK_CS(votequorum_setvotes(h, 1, 1), CS_ERR_LIBRARY);
	CHECK_CS(votequorum_trackstart(h, 1, CS_TRACK_CURRENT), CS_ERR_LIBRARY);
	CHECK_CS(votequorum_trackstop(h), CS_ERR_LIBRARY);
	CHECK_CS(votequorum_context_get(h, &ctx), CS_ERR_LIBRARY);
	CHECK_CS(votequorum_context_set(h, &ctx), CS_ERR_LIBRARY);
	CHECK_CS(votequorum_fd_get(h, &fd), CS_ERR_LIBRARY);
	CHECK_CS(votequorum_dispatch(h, CS_DISPATCH_ALL), CS_ERR_LIBRARY);
	CHECK_CS(votequorum_qdevice_register(h, "q"), CS_ERR_LIBRARY);
	CHECK_CS(votequorum_qdevice_unregister(h, "q"), CS_ERR_LIBRARY);
	CHECK_CS(votequorum_qdevice_update(h, "q", "r"), CS_ERR_LIBRARY);
	CHECK_CS(votequorum_qdevice_poll(h, "q", 1, ring), CS_ERR_LIBRARY);
	CHECK_CS(votequorum_qdevice_master_wins(h, "q", 1), CS_ERR_LIBRARY);
	expect_panic_msg(h, "votequorum_qdevice_master_wins");
	/* the handle survived: an unlisted call works */
	CHECK_CS(votequorum_getinfo(h, 0, &vi), CS_OK);
	CHECK_EQ(vi.node_id, 1, "getinfo after panics");
	CHECK_CS(votequorum_finalize(h), CS_OK);

	{
		quorum_handle_t qh;
		cmap_handle_t ch;
		cmap_iter_handle_t it;
		cmap_track_handle_t th;
		corosync_cfg_handle_t fh;
		uint32_t u32 = 0;
		int q;

		CHECK_CS(quorum_initialize(&qh, NULL, NULL), CS_OK);
		CHECK_CS(quorum_getquorate(qh, &q), CS_ERR_LIBRARY);
		expect_panic_msg(qh, "quorum_getquorate");
		CHECK_CS(quorum_trackstart(qh, CS_TRACK_CURRENT), CS_ERR_LIBRARY);
		CHECK_CS(quorum_dispatch(qh, CS_DISPATCH_ALL), CS_ERR_LIBRARY);
		CHECK_CS(quorum_finalize(qh), CS_OK);
		CHECK_CS(cmap_initialize(&ch), CS_OK);
		CHECK_CS(cmap_get_uint32(ch, "runtime.votequorum.this_node_id", &u32), CS_ERR_LIBRARY);
		CHECK_CS(cmap_set_uint32(ch, "panic.key", 1), CS_ERR_LIBRARY);
		CHECK_CS(cmap_iter_init(ch, NULL, &it), CS_ERR_LIBRARY);
		CHECK_CS(cmap_track_add(ch, "x.y", CMAP_TRACK_ADD, (cmap_notify_fn_t)1, NULL, &th), CS_ERR_LIBRARY);
		CHECK_CS(cmap_dispatch(ch, CS_DISPATCH_ALL), CS_ERR_LIBRARY);
		expect_panic_msg(ch, "cmap_dispatch");
		CHECK_CS(cmap_delete(ch, "no.such.key"), CS_ERR_NOT_EXIST); /* unlisted: works */
		CHECK_CS(cmap_finalize(ch), CS_OK);
		CHECK_CS(corosync_cfg_initialize(&fh, NULL), CS_ERR_LIBRARY);
		expect_panic_msg(GOHA_PROCESS_HANDLE, "corosync_cfg_initialize");
	}

	CHECK_CMM(cmm_member_getinfo(1, &m), CMM_ENOTSUP);
	expect_panic_msg(GOHA_PROCESS_HANDLE, "cmm_member_getinfo");
	CHECK_CMM(cmm_potential_getinfo(1, &m), CMM_ENOTSUP);
	CHECK_CMM(cmm_master_getinfo(&m), CMM_ENOTSUP);
	CHECK_CMM(cmm_vicemaster_getinfo(&m), CMM_ENOTSUP);
	CHECK_CMM(cmm_member_getcount(&n), CMM_ENOTSUP);
	CHECK_CMM(cmm_member_getall(1, &m, &n), CMM_ENOTSUP);
	CHECK_CMM(cmm_mastership_release(), CMM_ENOTSUP);
	CHECK_CMM(cmm_membership_remove(), CMM_ENOTSUP);
	CHECK_CMM(cmm_member_setqualif(1, CMM_QUALIFIED_MEMBER), CMM_ENOTSUP);
	CHECK_CMM(cmm_member_seizequalif(), CMM_ENOTSUP);
	CHECK_CMM(cmm_config_reload(), CMM_ENOTSUP);
	CHECK_CMM(cmm_cmc_unregister(), CMM_ENOTSUP);
	CHECK_CMM(cmm_cmc_filter(CMM_CMC_NOTIFY_ALL, NULL, 0), CMM_ENOTSUP);
	CHECK_CMM(cmm_notify_getfd(&fd), CMM_ENOTSUP);
	CHECK_CMM(cmm_notify_dispatch(), CMM_ENOTSUP);
	CHECK_CMM(cmm_connect((timespec_t){1, 0}), CMM_ENOTSUP);
	CHECK_CMM(cmm_disconnect(), CMM_ENOTSUP);
	expect_panic_msg(GOHA_PROCESS_HANDLE, "cmm_disconnect");
	/* the session lock was released: an unlisted call works */
	CHECK_CMM(cmm_node_getid(&id), CMM_OK);
	CHECK_EQ(id, 1, "cmm_node_getid after panics");
	CHECK_EQ(goha_handles_open(), GOHA_EINTERNAL, "goha_handles_open panics into GOHA_EINTERNAL");
	CHECK_EQ(goha_errmsg(GOHA_PROCESS_HANDLE, buf, sizeof buf), GOHA_ERANGE, "goha_errmsg still works");
	return h_done();
}
