// goha-test: nodes=3
/*
 * Every votequorum_* function against a 3-node cluster (node 1 is local):
 * bad input on every entry point, getinfo, setexpected/setvotes validation,
 * trackstart/trackstop with each flag and their contexts, the four dispatch
 * modes and the event fd, context get/set, the qdevice calls (including the
 * loss of ALIVE when polls stop), callbacks on the dispatching thread,
 * finalize from a callback and from another thread, use after finalize.
 */
#include <inttypes.h>
#include <limits.h>
#include <corosync/corotypes.h>
#include <corosync/votequorum.h>
#include <goha.h>
#include "harness.h"
#include "vqlog.h"

static votequorum_handle_t h;
static int fd;

/* pump: dispatch ALL whenever the fd becomes readable, until cond holds or
 * the deadline passes. */
#define PUMP_UNTIL(cond, ms) ({ \
	int64_t p_dl_ = h_now_ms() + (ms); int p_ok_; \
	while (!(p_ok_ = !!(cond)) && h_now_ms() < p_dl_) \
		if (h_wait_readable(fd, 50)) votequorum_dispatch(h, CS_DISPATCH_ALL); \
	p_ok_; })

/* The qdevice bits of votequorum_info.flags (QUORATE is cluster state that
 * the qdevice checks do not depend on). */
#define QD_BITS (VOTEQUORUM_INFO_QDEVICE_REGISTERED | VOTEQUORUM_INFO_QDEVICE_ALIVE | \
		 VOTEQUORUM_INFO_QDEVICE_CAST_VOTE | VOTEQUORUM_INFO_QDEVICE_MASTER_WINS)

static struct votequorum_info getinfo_raw(unsigned int node);

static struct votequorum_info getinfo_ok(unsigned int node)
{
	struct votequorum_info vi;

	memset(&vi, 0, sizeof vi);
	CHECK_CS(votequorum_getinfo(h, node, &vi), CS_OK);
	return vi;
}

/* getinfo_raw: for wait conditions (not an assertion); zeroes on failure. */
static struct votequorum_info getinfo_raw(unsigned int node)
{
	struct votequorum_info vi;

	if (votequorum_getinfo(h, node, &vi) != CS_OK)
		memset(&vi, 0, sizeof vi);
	return vi;
}

static void test_bad_input(void)
{
	votequorum_handle_t bad = 12345, h2;
	struct votequorum_info vi;
	votequorum_ring_id_t ring = {1, 1};
	char longname[300];
	void *ctx;
	int f;

	CHECK_CS(votequorum_initialize(NULL, &vqlog_callbacks), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_finalize(bad), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_finalize(0), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_dispatch(bad, CS_DISPATCH_ALL), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_dispatch(bad, 0), CS_ERR_INVALID_PARAM);      /* flags checked first */
	CHECK_CS(votequorum_dispatch(h, 0), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_dispatch(h, 5), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_dispatch(h, (cs_dispatch_flags_t)-1), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_fd_get(bad, &f), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_fd_get(h, NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_getinfo(bad, 0, &vi), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_getinfo(h, 0, NULL), CS_ERR_INVALID_PARAM);
	memset(&vi, 0x5a, sizeof vi);
	CHECK_CS(votequorum_getinfo(h, 999, &vi), CS_ERR_NOT_EXIST);
	CHECK(vi.node_id == 0x5a5a5a5a && vi.total_votes == 0x5a5a5a5a, "getinfo(unknown) leaves *info untouched");
	CHECK_CS(votequorum_setexpected(bad, 3), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_setexpected(h, 0), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_setexpected(h, 2), CS_ERR_INVALID_PARAM); /* below total votes 3 */
	CHECK_CS(votequorum_setexpected(h, 100), CS_ERR_INVALID_PARAM); /* would make us inquorate */
	/* corosync 3.1.7 wraps (UINT_MAX+2)/2 to 0 and says CS_OK; goha's quorum
	 * for it is 2^31: a quorate cluster would lose quorum */
	CHECK_CS(votequorum_setexpected(h, UINT_MAX), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_setvotes(h, 1, UINT_MAX), CS_ERR_INVALID_PARAM); /* 2^32+1 votes in all */
	CHECK_CS(votequorum_setvotes(bad, 1, 1), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_setvotes(h, 999, 1), CS_ERR_NAME_NOT_FOUND);
	CHECK_CS(votequorum_trackstart(bad, 1, CS_TRACK_CURRENT), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_trackstart(h, 1, 0x8), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_trackstart(h, 1, CS_TRACK_CHANGES | 0x100), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_trackstop(bad), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_trackstop(h), CS_ERR_NOT_EXIST);
	CHECK_CS(votequorum_context_get(bad, &ctx), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_context_get(h, NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_context_set(bad, NULL), CS_ERR_BAD_HANDLE);
	memset(longname, 'x', sizeof longname);
	longname[255] = 0;
	CHECK_CS(votequorum_qdevice_register(bad, "q"), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_qdevice_register(h, NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_qdevice_register(h, ""), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_qdevice_register(h, longname), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_qdevice_unregister(bad, "q"), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_qdevice_unregister(h, NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_qdevice_unregister(h, longname), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_qdevice_update(bad, "a", "b"), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_qdevice_update(h, NULL, "b"), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_qdevice_update(h, "a", NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_qdevice_update(h, "a", longname), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_qdevice_poll(bad, "q", 1, ring), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_qdevice_poll(h, NULL, 1, ring), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_qdevice_poll(h, "", 1, ring), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_qdevice_master_wins(bad, "q", 1), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_qdevice_master_wins(h, NULL, 1), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_qdevice_master_wins(h, longname, 1), CS_ERR_INVALID_PARAM);
	/* not registered */
	CHECK_CS(votequorum_qdevice_unregister(h, "q"), CS_ERR_NOT_EXIST);
	CHECK_CS(votequorum_qdevice_poll(h, "q", 1, ring), CS_ERR_NOT_EXIST);
	CHECK_CS(votequorum_qdevice_master_wins(h, "q", 1), CS_ERR_NOT_EXIST);
	CHECK_CS(votequorum_qdevice_update(h, "q", "r"), CS_ERR_NOT_EXIST);

	/* goha_errmsg of a handle names the failed call */
	{
		char msg[256];

		CHECK_CS(votequorum_getinfo(h, 999, &vi), CS_ERR_NOT_EXIST);
		CHECK_EQ(goha_errmsg(h, msg, sizeof msg), GOHA_OK, "goha_errmsg(h)");
		CHECK(strstr(msg, "votequorum_getinfo") && strstr(msg, "999"), "errmsg: %s", msg);
	}

	/* use after finalize, on a second handle */
	CHECK_CS(votequorum_initialize(&h2, NULL), CS_OK);
	CHECK(h2 != h, "handles differ");
	CHECK_CS(votequorum_finalize(h2), CS_OK);
	CHECK_CS(votequorum_finalize(h2), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_getinfo(h2, 0, &vi), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_dispatch(h2, CS_DISPATCH_ALL), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_fd_get(h2, &f), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_setexpected(h2, 3), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_setvotes(h2, 1, 1), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_trackstart(h2, 0, CS_TRACK_CURRENT), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_trackstop(h2), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_context_get(h2, &ctx), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_context_set(h2, &ctx), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_qdevice_register(h2, "q"), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_qdevice_unregister(h2, "q"), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_qdevice_update(h2, "q", "r"), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_qdevice_poll(h2, "q", 1, ring), CS_ERR_BAD_HANDLE);
	CHECK_CS(votequorum_qdevice_master_wins(h2, "q", 1), CS_ERR_BAD_HANDLE);
	CHECK_EQ(goha_errmsg(h2, longname, sizeof longname), GOHA_EBADF, "goha_errmsg(finalized handle)");
}

static void test_getinfo(void)
{
	struct votequorum_info vi = getinfo_ok(0), v1, v3;

	CHECK_EQ(vi.node_id, 1, "getinfo(0).node_id is the local node");
	CHECK_EQ(vi.node_state, VOTEQUORUM_NODESTATE_MEMBER, "node_state");
	CHECK_EQ(vi.node_votes, 1, "node_votes");
	CHECK_EQ(vi.node_expected_votes, 3, "node_expected_votes");
	CHECK_EQ(vi.highest_expected, 3, "highest_expected");
	CHECK_EQ(vi.total_votes, 3, "total_votes");
	CHECK_EQ(vi.quorum, 2, "quorum");
	CHECK_EQ(vi.flags, VOTEQUORUM_INFO_QUORATE, "flags");
	CHECK_EQ(vi.qdevice_votes, 0, "qdevice_votes");
	CHECK_EQ(vi.qdevice_name[0], 0, "qdevice_name empty");
	v1 = getinfo_ok(1);
	CHECK(memcmp(&v1, &vi, sizeof vi) == 0, "getinfo(1) == getinfo(0) on node 1");
	v3 = getinfo_ok(3);
	CHECK_EQ(v3.node_id, 3, "getinfo(3).node_id");
	CHECK_EQ(v3.node_state, VOTEQUORUM_NODESTATE_MEMBER, "getinfo(3).node_state");
	CHECK_EQ(v3.total_votes, 3, "getinfo(3).total_votes");
}

static void test_context(void)
{
	void *ctx = (void *)1;
	int marker;

	CHECK_CS(votequorum_context_get(h, &ctx), CS_OK);
	CHECK(ctx == NULL, "context is NULL before set");
	CHECK_CS(votequorum_context_set(h, &marker), CS_OK);
	CHECK_CS(votequorum_context_get(h, &ctx), CS_OK);
	CHECK(ctx == &marker, "context_get returns what context_set stored");
	CHECK_CS(votequorum_context_set(h, NULL), CS_OK);
	CHECK_CS(votequorum_context_get(h, &ctx), CS_OK);
	CHECK(ctx == NULL, "context reset to NULL");
}

static void test_tracking_and_dispatch(void)
{
	static const uint32_t all[] = {1, 2, 3};

	CHECK_CS(votequorum_fd_get(h, &fd), CS_OK);
	CHECK(fd >= 0, "fd_get gives an fd");
	CHECK(!h_readable_now(fd), "fd not readable with nothing pending");
	CHECK_CS(votequorum_dispatch(h, CS_DISPATCH_ALL), CS_OK);
	CHECK_CS(votequorum_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING), CS_ERR_TRY_AGAIN);

	/* CURRENT: one-shot NODELIST then QUORUM with the call's context */
	vqlog_reset();
	CHECK_CS(votequorum_trackstart(h, 0x11, CS_TRACK_CURRENT), CS_OK);
	CHECK(h_wait_readable(fd, 5000), "fd readable after trackstart(CURRENT)");
	CHECK_CS(votequorum_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING), CS_OK);
	CHECK_EQ(vqlog_count(), 1, "ONE_NONBLOCKING runs exactly one callback");
	CHECK(h_readable_now(fd), "fd still readable with one event left");
	CHECK_CS(votequorum_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING), CS_OK);
	CHECK_EQ(vqlog_count(), 2, "second ONE_NONBLOCKING runs the second callback");
	CHECK(!h_readable_now(fd), "fd drained once the queue is empty");
	CHECK_CS(votequorum_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING), CS_ERR_TRY_AGAIN);
	CHECK(vqlog[0].kind == EV_NODELIST && vqlog[0].ctx == 0x11 && vq_ids_are(&vqlog[0], all, 3),
	      "first callback: NODELIST ctx 0x11 [1 2 3]");
	CHECK(vqlog[0].ring.nodeid == 1 && vqlog[0].ring.seq > 0, "ring id %u.%" PRIu64, vqlog[0].ring.nodeid, vqlog[0].ring.seq);
	CHECK(vqlog[0].handle == h && pthread_equal(vqlog[0].thread, pthread_self()),
	      "callback gets the handle, on the dispatching thread");
	CHECK(vqlog[1].kind == EV_QUORUM && vqlog[1].ctx == 0x11 && vqlog[1].quorate == 1 && vqlog[1].n == 3,
	      "second callback: QUORUM ctx 0x11 quorate");
	CHECK(vq_state_of(&vqlog[1], 1) == 1 && vq_state_of(&vqlog[1], 2) == 1 && vq_state_of(&vqlog[1], 3) == 1,
	      "QUORUM node states all MEMBER");
	CHECK_CS(votequorum_trackstop(h), CS_ERR_NOT_EXIST); /* CURRENT alone registers nothing */

	/* CHANGES: snapshot too, then registered; ALL drains both */
	vqlog_reset();
	CHECK_CS(votequorum_trackstart(h, 0x22, CS_TRACK_CHANGES), CS_OK);
	CHECK(PUMP_UNTIL(vqlog_count() >= 2, 5000), "CHANGES delivers the current state");
	CHECK(vqlog[0].kind == EV_NODELIST && vqlog[0].ctx == 0x22 && vqlog[1].kind == EV_QUORUM && vqlog[1].ctx == 0x22,
	      "NODELIST, QUORUM with ctx 0x22");
	/* a repeated trackstart: snapshot with the new context, then EXIST */
	vqlog_reset();
	CHECK_CS(votequorum_trackstart(h, 0x33, CS_TRACK_CHANGES), CS_ERR_EXIST);
	CHECK(PUMP_UNTIL(vqlog_count() >= 2, 5000), "repeated trackstart still delivers the snapshot");
	CHECK(vqlog[0].ctx == 0x33 && vqlog[1].ctx == 0x33, "snapshot carries the new context");
	CHECK_CS(votequorum_trackstart(h, 0x44, CS_TRACK_CHANGES_ONLY), CS_ERR_EXIST);
	/* changes keep the registered context 0x22 */
	vqlog_reset();
	CHECK_CS(votequorum_setexpected(h, 3), CS_OK);
	CHECK(PUMP_UNTIL(vqlog_count() >= 1, 5000), "setexpected produces EXPECTED");
	CHECK(vqlog[0].kind == EV_EXPECTED && vqlog[0].expected == 3 && vqlog[0].ctx == 0x22,
	      "EXPECTED 3 with the registered context 0x22");
	CHECK_CS(votequorum_trackstop(h), CS_OK);
	CHECK_CS(votequorum_trackstop(h), CS_ERR_NOT_EXIST);
	/* not tracking: no events */
	CHECK_CS(votequorum_setexpected(h, 3), CS_OK);
	CHECK(!h_wait_readable(fd, 300), "no events after trackstop"); /* absence: bounded wait */

	/* CHANGES_ONLY: nothing at first, changes later */
	vqlog_reset();
	CHECK_CS(votequorum_trackstart(h, 0x55, CS_TRACK_CHANGES_ONLY), CS_OK);
	CHECK_CS(votequorum_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING), CS_ERR_TRY_AGAIN);
	CHECK_CS(votequorum_setexpected(h, 4), CS_OK);
	CHECK(PUMP_UNTIL(vqlog_count() >= 1, 5000), "CHANGES_ONLY delivers later changes");
	CHECK(vqlog[0].kind == EV_EXPECTED && vqlog[0].expected == 4 && vqlog[0].ctx == 0x55, "EXPECTED 4 ctx 0x55");
	{
		struct votequorum_info vi = getinfo_ok(0);
		CHECK(vi.node_expected_votes == 4 && vi.quorum == 3 && (vi.flags & VOTEQUORUM_INFO_QUORATE),
		      "setexpected(4): expected 4, quorum 3, still quorate (got %u %u %#x)", vi.node_expected_votes, vi.quorum, vi.flags);
		vi = getinfo_ok(2);
		CHECK_EQ(vi.node_expected_votes, 4, "setexpected applies to every member");
	}
	CHECK_CS(votequorum_setexpected(h, 6), CS_ERR_INVALID_PARAM); /* quorum 4 > 3 votes */
	CHECK_CS(votequorum_setexpected(h, 3), CS_OK);
	CHECK(PUMP_UNTIL(vqlog_count() >= 2, 5000), "EXPECTED 3");
	/* highest_expected spans all members: it falls once the peers have
	 * applied the change too */
	CHECK(PUMP_UNTIL(getinfo_raw(0).quorum == 2, 5000), "quorum back to 2");

	/* setvotes: raise node 3 to 2 votes -> expected follows total (EXPECTED 4) */
	vqlog_reset();
	CHECK_CS(votequorum_setvotes(h, 3, 2), CS_OK);
	CHECK(PUMP_UNTIL(vqlog_count() >= 1, 5000), "setvotes raising total produces EXPECTED");
	CHECK(vqlog[0].kind == EV_EXPECTED && vqlog[0].expected == 4, "EXPECTED 4 after setvotes(3, 2)");
	{
		struct votequorum_info vi = getinfo_ok(3);
		CHECK(vi.node_votes == 2 && vi.total_votes == 4 && vi.quorum == 3,
		      "node 3 votes 2, total 4, quorum 3 (got %u %u %u)", vi.node_votes, vi.total_votes, vi.quorum);
	}
	CHECK_CS(votequorum_setvotes(h, 3, 1), CS_OK);
	CHECK_CS(votequorum_setexpected(h, 3), CS_OK);
	CHECK(PUMP_UNTIL(getinfo_raw(0).quorum == 2, 5000), "votes and expected restored");
	CHECK_CS(votequorum_trackstop(h), CS_OK);
	PUMP_UNTIL(0, 200);
	vqlog_reset();
}

static void test_two_handles(void)
{
	votequorum_handle_t h2;
	int fd2;

	CHECK_CS(votequorum_initialize(&h2, &vqlog_callbacks), CS_OK);
	CHECK_CS(votequorum_fd_get(h2, &fd2), CS_OK);
	CHECK(fd2 != fd, "each handle has its own fd");
	CHECK_CS(votequorum_trackstart(h, 0xa, CS_TRACK_CHANGES_ONLY), CS_OK);
	CHECK_CS(votequorum_trackstart(h2, 0xb, CS_TRACK_CHANGES_ONLY), CS_OK);
	vqlog_reset();
	CHECK_CS(votequorum_setexpected(h2, 3), CS_OK);
	CHECK(h_wait_readable(fd, 5000) && h_wait_readable(fd2, 5000), "both handles get the event");
	CHECK_CS(votequorum_dispatch(h2, CS_DISPATCH_ALL), CS_OK);
	CHECK_CS(votequorum_dispatch(h, CS_DISPATCH_ALL), CS_OK);
	CHECK(vqlog_count() == 2 && vqlog[0].handle == h2 && vqlog[0].ctx == 0xb &&
	      vqlog[1].handle == h && vqlog[1].ctx == 0xa, "each tracker gets its own context");
	CHECK_CS(votequorum_finalize(h2), CS_OK);
	CHECK_CS(votequorum_trackstop(h), CS_OK);
}

/* ---- blocking dispatch in another thread ---- */

struct blocker {
	votequorum_handle_t h;
	cs_dispatch_flags_t mode;
	volatile int done;
	cs_error_t rc;
};

static void *blocker_main(void *arg)
{
	struct blocker *b = arg;

	b->rc = votequorum_dispatch(b->h, b->mode);
	__atomic_store_n(&b->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void test_blocking(void)
{
	struct blocker b = {0};
	pthread_t t;
	votequorum_handle_t h2;
	int i;

	/* ONE waits for an event */
	CHECK_CS(votequorum_initialize(&h2, &vqlog_callbacks), CS_OK);
	CHECK_CS(votequorum_trackstart(h2, 0xc, CS_TRACK_CHANGES_ONLY), CS_OK);
	b.h = h2;
	b.mode = CS_DISPATCH_ONE;
	vqlog_reset();
	pthread_create(&t, NULL, blocker_main, &b);
	CHECK(!WAIT_UNTIL(b.done, 200), "dispatch(ONE) waits while nothing is pending");
	CHECK_CS(votequorum_setexpected(h, 3), CS_OK);
	CHECK(WAIT_UNTIL(b.done, 5000), "dispatch(ONE) returns after an event");
	pthread_join(t, NULL);
	CHECK_CS(b.rc, CS_OK);
	CHECK(vqlog_count() == 1 && pthread_equal(vqlog[0].thread, t), "the callback ran on the dispatching thread");

	/* BLOCKING runs callbacks until the handle is finalized elsewhere */
	memset(&b, 0, sizeof b);
	b.h = h2;
	b.mode = CS_DISPATCH_BLOCKING;
	vqlog_reset();
	pthread_create(&t, NULL, blocker_main, &b);
	for (i = 0; i < 3; i++)
		CHECK_CS(votequorum_setexpected(h, 3), CS_OK);
	CHECK(WAIT_UNTIL(vqlog_count() == 3, 5000), "BLOCKING dispatched 3 events");
	CHECK(!b.done, "BLOCKING keeps running");
	CHECK_CS(votequorum_finalize(h2), CS_OK);
	CHECK(WAIT_UNTIL(b.done, 5000), "BLOCKING returns when the handle is finalized");
	pthread_join(t, NULL);
	CHECK_CS(b.rc, CS_ERR_BAD_HANDLE);
}

static int finalize_from_cb;
static cs_error_t finalize_cb_rc;

static void quorum_finalizer(votequorum_handle_t hh, uint64_t ctx, uint32_t q, uint32_t n, votequorum_node_t nodes[])
{
	vqlog_quorum(hh, ctx, q, n, nodes);
	if (finalize_from_cb)
		finalize_cb_rc = votequorum_finalize(hh);
}

static void test_finalize_in_callback(void)
{
	votequorum_callbacks_t cbs = vqlog_callbacks;
	votequorum_handle_t h2;
	struct votequorum_info vi;

	cbs.votequorum_quorum_notify_fn = quorum_finalizer;
	CHECK_CS(votequorum_initialize(&h2, &cbs), CS_OK);
	CHECK_CS(votequorum_trackstart(h2, 1, CS_TRACK_CURRENT), CS_OK);
	finalize_from_cb = 1;
	vqlog_reset();
	CHECK_CS(votequorum_dispatch(h2, CS_DISPATCH_BLOCKING), CS_ERR_BAD_HANDLE);
	finalize_from_cb = 0;
	CHECK_CS(finalize_cb_rc, CS_OK);
	CHECK_EQ(vqlog_count(), 2, "NODELIST and QUORUM ran before the finalize");
	CHECK_CS(votequorum_getinfo(h2, 0, &vi), CS_ERR_BAD_HANDLE);

	/* NULL callbacks: events are consumed silently */
	CHECK_CS(votequorum_initialize(&h2, NULL), CS_OK);
	CHECK_CS(votequorum_trackstart(h2, 1, CS_TRACK_CURRENT), CS_OK);
	{
		int f2;

		CHECK_CS(votequorum_fd_get(h2, &f2), CS_OK);
		CHECK(h_wait_readable(f2, 5000), "events queued without callbacks");
		CHECK_CS(votequorum_dispatch(h2, CS_DISPATCH_ALL), CS_OK);
		CHECK(!h_readable_now(f2), "drained without callbacks");
	}
	/* a NULL slot is skipped */
	CHECK_CS(votequorum_finalize(h2), CS_OK);
	cbs = vqlog_callbacks;
	cbs.votequorum_nodelist_notify_fn = NULL;
	CHECK_CS(votequorum_initialize(&h2, &cbs), CS_OK);
	vqlog_reset();
	CHECK_CS(votequorum_trackstart(h2, 1, CS_TRACK_CURRENT), CS_OK);
	CHECK_CS(votequorum_dispatch(h2, CS_DISPATCH_ONE), CS_OK);
	CHECK_CS(votequorum_dispatch(h2, CS_DISPATCH_ONE), CS_OK);
	CHECK(vqlog_count() == 1 && vqlog[0].kind == EV_QUORUM, "NULL nodelist slot skipped, QUORUM delivered");
	CHECK_CS(votequorum_finalize(h2), CS_OK);
}

static void test_qdevice(void)
{
	struct votequorum_info vi;
	votequorum_ring_id_t ring, bad;
	int64_t t0;

	/* the current ring id comes from a NODELIST */
	vqlog_reset();
	CHECK_CS(votequorum_trackstart(h, 7, CS_TRACK_CURRENT), CS_OK);
	CHECK(PUMP_UNTIL(vqlog_count() >= 2, 5000), "snapshot for the ring id");
	ring = vqlog[0].ring;
	bad = ring;
	bad.seq += 1000;

	CHECK_CS(votequorum_qdevice_register(h, "qd1"), CS_OK);
	vi = getinfo_ok(0);
	CHECK_EQ(vi.flags & QD_BITS, VOTEQUORUM_INFO_QDEVICE_REGISTERED, "registered, not alive");
	CHECK(strcmp(vi.qdevice_name, "qd1") == 0, "qdevice_name %s", vi.qdevice_name);
	CHECK_EQ(getinfo_ok(2).flags & VOTEQUORUM_INFO_QDEVICE_REGISTERED, 0, "qdevice flags are per node");
	CHECK_CS(votequorum_qdevice_register(h, "qd1"), CS_OK);
	CHECK_CS(votequorum_qdevice_register(h, "qd2"), CS_ERR_EXIST);
	CHECK_CS(votequorum_qdevice_poll(h, "wrong", 1, ring), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_qdevice_poll(h, "qd1", 1, bad), CS_ERR_MESSAGE_ERROR);
	/* nodeid 0 of setvotes is the quorum device: give it one vote */
	CHECK_CS(votequorum_setvotes(h, VOTEQUORUM_QDEVICE_NODEID, 1), CS_OK);
	vi = getinfo_ok(0);
	CHECK(vi.qdevice_votes == 1 && vi.total_votes == 3, "a device that is not polled yet has its vote but does not cast it (%u, %u)",
	      vi.qdevice_votes, vi.total_votes);
	CHECK_CS(votequorum_qdevice_poll(h, "qd1", 1, ring), CS_OK);
	t0 = h_now_ms();
	vi = getinfo_ok(0);
	CHECK_EQ(vi.flags & QD_BITS, 0x1c0, "alive and casting a vote");
	CHECK_EQ(vi.total_votes, 4, "the polled device's vote counts");
	CHECK_CS(votequorum_qdevice_master_wins(h, "qd1", 1), CS_OK);
	CHECK_EQ(getinfo_ok(0).flags & QD_BITS, 0x3c0, "master_wins set");
	CHECK_CS(votequorum_qdevice_master_wins(h, "wrong", 1), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_qdevice_update(h, "wrong", "x"), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_qdevice_update(h, "qd1", "qd9"), CS_OK);
	CHECK(strcmp(getinfo_ok(0).qdevice_name, "qd9") == 0, "renamed");
	CHECK(strcmp(getinfo_ok(3).qdevice_name, "qd9") == 0, "qdevice_name is cluster-wide");
	CHECK_CS(votequorum_qdevice_master_wins(h, "qd9", 0), CS_OK);
	/* polls stop: ALIVE and CAST_VOTE go after the timeout, REGISTERED stays */
	CHECK(WAIT_UNTIL(!(getinfo_raw(0).flags & VOTEQUORUM_INFO_QDEVICE_ALIVE), VOTEQUORUM_QDEVICE_DEFAULT_TIMEOUT + 5000),
	      "qdevice loses ALIVE when polls stop");
	CHECK(h_now_ms() - t0 >= VOTEQUORUM_QDEVICE_DEFAULT_TIMEOUT - 1000, "not before its timeout (%lld ms)",
	      (long long)(h_now_ms() - t0));
	vi = getinfo_ok(0);
	CHECK_EQ(vi.flags & QD_BITS, VOTEQUORUM_INFO_QDEVICE_REGISTERED, "back to registered only");
	CHECK_EQ(vi.total_votes, 3, "the device lost its vote with its polls");
	CHECK_CS(votequorum_qdevice_unregister(h, "qd1"), CS_ERR_INVALID_PARAM);
	CHECK_CS(votequorum_qdevice_unregister(h, "qd9"), CS_OK);
	CHECK_CS(votequorum_qdevice_unregister(h, "qd9"), CS_ERR_NOT_EXIST);
	vi = getinfo_ok(0);
	CHECK((vi.flags & QD_BITS) == 0 && vi.qdevice_name[0] == 0, "unregistered (flags %#x)", vi.flags);
	CHECK_CS(votequorum_setvotes(h, VOTEQUORUM_QDEVICE_NODEID, 0), CS_OK);
	CHECK_CS(votequorum_setexpected(h, 3), CS_OK);
	CHECK(WAIT_UNTIL(getinfo_raw(0).quorum == 2, 5000), "expected votes restored");
	PUMP_UNTIL(0, 100);
}

/* GOHA_IPC set with setenv() after the library was loaded is honoured. */
static void test_setenv_ipc(void)
{
	votequorum_handle_t h2;
	struct votequorum_info vi;

	h_use_node(2);
	CHECK_CS(votequorum_initialize(&h2, NULL), CS_OK);
	CHECK_CS(votequorum_getinfo(h2, 0, &vi), CS_OK);
	CHECK_EQ(vi.node_id, 2, "a handle made after setenv(GOHA_IPC) talks to node 2");
	CHECK_CS(votequorum_finalize(h2), CS_OK);
	h_use_node(1);
}

int main(int argc, char **argv)
{
	(void)argc;
	h_init(argv[0]);
	if (!CHECK(votequorum_initialize(&h, &vqlog_callbacks) == CS_OK, "initialize"))
		return h_done();
	CHECK_CS(votequorum_fd_get(h, &fd), CS_OK);
	test_bad_input();
	test_getinfo();
	test_context();
	test_tracking_and_dispatch();
	test_two_handles();
	test_blocking();
	test_finalize_in_callback();
	test_qdevice();
	test_setenv_ipc();
	CHECK_CS(votequorum_finalize(h), CS_OK);
	CHECK_EQ(goha_handles_open(), 0, "every handle finalized");
	if (h_failed)
		vqlog_print();
	return h_done();
}
