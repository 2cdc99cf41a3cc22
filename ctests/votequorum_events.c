// goha-test: nodes=3
/*
 * votequorum event sequences on a live 3-node cluster, seen from node 1:
 * start (the trackstart snapshot), node loss, the node's return, a split
 * (nodes 2 and 3 frozen with SIGSTOP: node 1 is alone and inquorate) and
 * its heal, the qdevice ring-id rule across a membership change, CMM's view
 * of the minority (no master), and the loss of the local daemon.
 *
 * For every membership change corosync sends NODELIST (new ring id, the
 * members) and then QUORUM (quorate, every known node with its state),
 * possibly with EXPECTED in between; transient views may come first, so
 * each check waits (with a deadline) for the final pair and checks the
 * pairing and the ring ids of everything received on the way.
 */
#include <inttypes.h>
#include <corosync/corotypes.h>
#include <corosync/votequorum.h>
#include <cmm.h>
#include <goha.h>
#include "harness.h"
#include "vqlog.h"

static votequorum_handle_t h;
static int fd;
static uint64_t last_seq;

#define PUMP_UNTIL(cond, ms) ({ \
	int64_t p_dl_ = h_now_ms() + (ms); int p_ok_; \
	while (!(p_ok_ = !!(cond)) && h_now_ms() < p_dl_) \
		if (h_wait_readable(fd, 50)) votequorum_dispatch(h, CS_DISPATCH_ALL); \
	p_ok_; })

/* final_pair: index of the last NODELIST whose members are want and that is
 * followed by a QUORUM (with only EXPECTED in between) with that quorate
 * value; -1 if none yet. */
static int final_pair(const uint32_t *want, uint32_t n, uint32_t quorate)
{
	int i, j;

	for (i = vqlog_count() - 1; i >= 0; i--) {
		if (vqlog[i].kind != EV_NODELIST || !vq_ids_are(&vqlog[i], want, n))
			continue;
		for (j = i + 1; j < vqlog_count() && vqlog[j].kind == EV_EXPECTED; j++)
			;
		if (j < vqlog_count() && vqlog[j].kind == EV_QUORUM && vqlog[j].quorate == quorate)
			return i;
	}
	return -1;
}

/* check_order: every NODELIST is followed by its QUORUM before the next
 * NODELIST, and ring sequence numbers only grow. */
static void check_order(const char *what)
{
	int i, pending = 0, ok = 1, grows = 1;

	for (i = 0; i < vqlog_count(); i++) {
		if (vqlog[i].kind == EV_NODELIST) {
			if (pending)
				ok = 0;
			pending = 1;
			if (vqlog[i].ring.seq < last_seq)
				grows = 0;
			last_seq = vqlog[i].ring.seq;
		} else if (vqlog[i].kind == EV_QUORUM) {
			pending = 0;
		}
	}
	CHECK(ok, "%s: each NODELIST is followed by its QUORUM", what);
	CHECK(grows, "%s: ring sequence numbers never go back", what);
	if (!ok || !grows)
		vqlog_print();
}

static void test_start(void)
{
	static const uint32_t all[] = {1, 2, 3};
	int i;

	vqlog_reset();
	CHECK_CS(votequorum_trackstart(h, 0x5eed, CS_TRACK_CHANGES), CS_OK);
	CHECK(PUMP_UNTIL(vqlog_count() >= 2, 5000), "start: snapshot delivered");
	CHECK(vqlog[0].kind == EV_NODELIST && vq_ids_are(&vqlog[0], all, 3), "start: NODELIST [1 2 3]");
	CHECK(vqlog[1].kind == EV_QUORUM && vqlog[1].quorate == 1 && vqlog[1].n == 3, "start: QUORUM quorate, 3 nodes");
	/* votequorum's node list order (node_add_ordered): node 1 meets 2 and 3,
	 * in either order, and lists them 2, 3, 1, as corosync 3.1.7 does. */
	CHECK(vq_ids_are(&vqlog[1], (const uint32_t[]){2, 3, 1}, 3), "start: QUORUM lists 2 3 1 on node 1");
	for (i = 1; i <= 3; i++)
		CHECK_EQ(vq_state_of(&vqlog[1], (uint32_t)i), VOTEQUORUM_NODESTATE_MEMBER, "start: node state MEMBER");
	CHECK(vqlog[0].ctx == 0x5eed && vqlog[1].ctx == 0x5eed, "start: context");
	last_seq = vqlog[0].ring.seq;
}

static void test_node_loss_and_return(void)
{
	static const uint32_t two[] = {1, 2}, all[] = {1, 2, 3};
	struct votequorum_info vi;
	int i;

	vqlog_reset();
	CHECK_EQ(h_cluster("kill-node", "3", NULL), 0, "kill node 3");
	CHECK(PUMP_UNTIL((i = final_pair(two, 2, 1)) >= 0, 10000), "loss: NODELIST [1 2] then QUORUM quorate");
	if (i >= 0) {
		int q = i + 1;
		while (vqlog[q].kind != EV_QUORUM)
			q++;
		CHECK(vqlog[i].ring.seq > 0, "loss: new ring id");
		CHECK_EQ(vq_state_of(&vqlog[q], 3), VOTEQUORUM_NODESTATE_DEAD, "loss: node 3 DEAD in QUORUM");
		CHECK_EQ(vq_state_of(&vqlog[q], 1), VOTEQUORUM_NODESTATE_MEMBER, "loss: node 1 MEMBER");
		CHECK(vqlog[i].ctx == 0x5eed && vqlog[q].ctx == 0x5eed, "loss: registered context");
	}
	check_order("loss");
	CHECK_CS(votequorum_getinfo(h, 3, &vi), CS_OK);
	CHECK_EQ(vi.node_state, VOTEQUORUM_NODESTATE_DEAD, "getinfo(3) DEAD");
	CHECK_CS(votequorum_getinfo(h, 0, &vi), CS_OK);
	CHECK(vi.total_votes == 2 && vi.quorum == 2 && (vi.flags & VOTEQUORUM_INFO_QUORATE), "2 of 3 votes: quorate");

	vqlog_reset();
	CHECK_EQ(h_cluster("start-node", "3", NULL), 0, "restart node 3");
	CHECK(PUMP_UNTIL(final_pair(all, 3, 1) >= 0, 10000), "return: NODELIST [1 2 3] then QUORUM quorate");
	check_order("return");
	CHECK_CS(votequorum_getinfo(h, 3, &vi), CS_OK);
	CHECK_EQ(vi.node_state, VOTEQUORUM_NODESTATE_MEMBER, "getinfo(3) MEMBER again");
}

static void test_split_and_heal(void)
{
	static const uint32_t alone[] = {1}, all[] = {1, 2, 3};
	struct votequorum_info vi;
	votequorum_ring_id_t before;
	cmm_member_t m;
	int i;

	/* a registered qdevice polled with the current ring */
	vqlog_reset();
	CHECK_CS(votequorum_trackstart(h, 0x77, CS_TRACK_CURRENT), CS_ERR_EXIST);
	CHECK(PUMP_UNTIL(vqlog_count() >= 2, 5000), "current ring id");
	before = vqlog[0].ring;
	CHECK_CS(votequorum_qdevice_register(h, "splitq"), CS_OK);
	CHECK_CS(votequorum_qdevice_poll(h, "splitq", 1, before), CS_OK);

	vqlog_reset();
	CHECK_EQ(h_cluster("pause-node", "2", NULL), 0, "SIGSTOP node 2");
	CHECK_EQ(h_cluster("pause-node", "3", NULL), 0, "SIGSTOP node 3");
	CHECK(PUMP_UNTIL((i = final_pair(alone, 1, 0)) >= 0, 10000), "split: NODELIST [1] then QUORUM inquorate");
	if (i >= 0) {
		int q = i + 1;
		while (vqlog[q].kind != EV_QUORUM)
			q++;
		CHECK(vq_state_of(&vqlog[q], 2) == VOTEQUORUM_NODESTATE_DEAD &&
		      vq_state_of(&vqlog[q], 3) == VOTEQUORUM_NODESTATE_DEAD, "split: nodes 2 and 3 DEAD");
		CHECK(vq_state_of(&vqlog[q], 0) == 0 && vqlog[q].n == 4,
		      "split: the local qdevice is listed as {0, 0} (%u entries)", vqlog[q].n);
		/* the old ring id is refused, the new one accepted */
		CHECK_CS(votequorum_qdevice_poll(h, "splitq", 1, before), CS_ERR_MESSAGE_ERROR);
		CHECK_CS(votequorum_qdevice_poll(h, "splitq", 1, vqlog[i].ring), CS_OK);
	}
	check_order("split");
	CHECK_CS(votequorum_getinfo(h, 0, &vi), CS_OK);
	CHECK(!(vi.flags & VOTEQUORUM_INFO_QUORATE) && vi.total_votes == 1, "split: inquorate, 1 vote (flags %#x)", vi.flags);
	/* CMM: a partition without quorum has no master */
	CHECK_CMM(cmm_master_getinfo(&m), CMM_ENOCLUSTER);
	CHECK_CMM(cmm_member_getinfo(1, &m), CMM_ENOCLUSTER);
	CHECK_CMM(cmm_potential_getinfo(1, &m), CMM_OK);
	/* no master: the local eligible node may seize its qualification */
	CHECK_CMM(cmm_member_seizequalif(), CMM_OK);

	/* lowering expected votes makes the lone node quorate: EXPECTED comes
	 * before QUORUM, and the partition gets a master */
	vqlog_reset();
	CHECK_CS(votequorum_setexpected(h, 1), CS_OK);
	CHECK(PUMP_UNTIL(vqlog_count() >= 2, 5000), "setexpected(1) in the minority: two callbacks");
	CHECK(vqlog[0].kind == EV_EXPECTED && vqlog[0].expected == 1 && vqlog[0].ctx == 0x5eed,
	      "first EXPECTED 1");
	CHECK(vqlog[1].kind == EV_QUORUM && vqlog[1].quorate == 1 && vqlog[1].ctx == 0x5eed,
	      "then QUORUM quorate");
	CHECK(WAIT_UNTIL(cmm_master_getinfo(&m) == CMM_OK && m.nodeid == 1, 5000), "the quorate minority elects node 1");

	vqlog_reset();
	CHECK_EQ(h_cluster("resume-node", "2", NULL), 0, "SIGCONT node 2");
	CHECK_EQ(h_cluster("resume-node", "3", NULL), 0, "SIGCONT node 3");
	CHECK(PUMP_UNTIL(final_pair(all, 3, 1) >= 0, 15000), "heal: NODELIST [1 2 3] then QUORUM quorate");
	check_order("heal");
	CHECK(WAIT_UNTIL(cmm_master_getinfo(&m) == CMM_OK, 5000), "heal: a master again");
	CHECK_CS(votequorum_qdevice_unregister(h, "splitq"), CS_OK);
}

struct blocker {
	votequorum_handle_t h;
	volatile int done;
	cs_error_t rc;
};

static void *blocking_main(void *arg)
{
	struct blocker *b = arg;

	b->rc = votequorum_dispatch(b->h, CS_DISPATCH_BLOCKING);
	__atomic_store_n(&b->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *getinfo_main(void *arg)
{
	struct blocker *b = arg;
	struct votequorum_info vi;

	b->rc = votequorum_getinfo(b->h, 0, &vi);
	__atomic_store_n(&b->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Several threads on one handle at once: requests take turns on the
 * handle's connection while another thread waits in dispatch. */
struct hammer {
	votequorum_handle_t h;
	int ok;
};

static void *hammer_main(void *arg)
{
	struct hammer *hm = arg;
	struct votequorum_info vi;
	int i;

	for (i = 0; i < 300; i++)
		if (votequorum_getinfo(hm->h, 0, &vi) == CS_OK && vi.node_id == 1)
			hm->ok++;
	return NULL;
}

static void *blocking_main(void *arg);

static void test_concurrent_requests(void)
{
	struct hammer hm[4];
	pthread_t t[4], d;
	struct blocker b = {0};
	votequorum_handle_t h2;
	int i;

	CHECK_CS(votequorum_initialize(&h2, NULL), CS_OK);
	CHECK_CS(votequorum_trackstart(h2, 1, CS_TRACK_CHANGES_ONLY), CS_OK);
	b.h = h2;
	pthread_create(&d, NULL, blocking_main, &b);
	for (i = 0; i < 4; i++) {
		hm[i] = (struct hammer){h2, 0};
		pthread_create(&t[i], NULL, hammer_main, &hm[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK_EQ(hm[i].ok, 300, "concurrent getinfo calls on one handle all succeed");
	}
	CHECK(!b.done, "dispatch(BLOCKING) still waiting meanwhile");
	CHECK_CS(votequorum_finalize(h2), CS_OK);
	CHECK(WAIT_UNTIL(b.done, 5000), "dispatch(BLOCKING) returns on finalize");
	pthread_join(d, NULL);
	CHECK_CS(b.rc, CS_ERR_BAD_HANDLE);
}

/* A stalled daemon: votequorum requests wait for it (no timeout, as in
 * corosync) and complete when it continues; finalize from another thread
 * releases a request stuck on it. */
static void test_stalled_daemon(void)
{
	struct blocker b = {0}, b2 = {0};
	votequorum_handle_t h2;
	pthread_t t, t2;

	CHECK_CS(votequorum_initialize(&h2, NULL), CS_OK);
	b.h = h;
	b2.h = h2;
	CHECK_EQ(h_cluster("pause-node", "1", NULL), 0, "SIGSTOP the local daemon");
	pthread_create(&t, NULL, getinfo_main, &b);
	pthread_create(&t2, NULL, getinfo_main, &b2);
	CHECK(!WAIT_UNTIL(b.done || b2.done, 300), "getinfo waits for a stalled daemon");
	CHECK_CS(votequorum_finalize(h2), CS_OK);
	CHECK(WAIT_UNTIL(b2.done, 5000), "finalize releases a request stuck on the stalled daemon");
	pthread_join(t2, NULL);
	CHECK(b2.rc == CS_ERR_BAD_HANDLE || b2.rc == CS_ERR_LIBRARY, "the released request fails (%s)", cs_strerror(b2.rc));
	CHECK(!b.done, "the other handle's request still waits");
	CHECK_EQ(h_cluster("resume-node", "1", NULL), 0, "SIGCONT the local daemon");
	CHECK(WAIT_UNTIL(b.done, 5000), "getinfo completes when the daemon continues");
	pthread_join(t, NULL);
	CHECK_CS(b.rc, CS_OK);
}

static void test_daemon_gone(void)
{
	struct blocker b = {0};
	struct votequorum_info vi;
	votequorum_handle_t h2;
	pthread_t t;

	PUMP_UNTIL(0, 100);
	b.h = h;
	pthread_create(&t, NULL, blocking_main, &b);
	CHECK_EQ(h_cluster("kill-node", "1", NULL), 0, "kill the local daemon");
	CHECK(WAIT_UNTIL(b.done, 5000), "a blocked dispatch(BLOCKING) returns");
	pthread_join(t, NULL);
	CHECK_CS(b.rc, CS_ERR_LIBRARY);
	CHECK(h_readable_now(fd), "the fd stays readable once the daemon is gone");
	CHECK_CS(votequorum_getinfo(h, 0, &vi), CS_ERR_LIBRARY);
	CHECK_CS(votequorum_dispatch(h, CS_DISPATCH_ALL), CS_ERR_LIBRARY);
	CHECK_CS(votequorum_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING), CS_ERR_LIBRARY);
	CHECK_CS(votequorum_trackstop(h), CS_ERR_LIBRARY);
	CHECK_CS(votequorum_qdevice_register(h, "q"), CS_ERR_LIBRARY);
	CHECK_CS(votequorum_initialize(&h2, NULL), CS_ERR_LIBRARY);
	CHECK_CS(votequorum_finalize(h), CS_OK);
	/* it comes back: a new handle works */
	CHECK_EQ(h_cluster("start-node", "1", NULL), 0, "restart node 1");
	CHECK_CS(votequorum_initialize(&h2, NULL), CS_OK);
	CHECK_CS(votequorum_getinfo(h2, 0, &vi), CS_OK);
	CHECK_EQ(vi.node_id, 1, "new handle after restart");
	CHECK_CS(votequorum_finalize(h2), CS_OK);
}

int main(int argc, char **argv)
{
	(void)argc;
	h_init(argv[0]);
	if (!CHECK(votequorum_initialize(&h, &vqlog_callbacks) == CS_OK, "initialize"))
		return h_done();
	CHECK_CS(votequorum_fd_get(h, &fd), CS_OK);
	test_start();
	test_node_loss_and_return();
	test_split_and_heal();
	test_concurrent_requests();
	test_stalled_daemon();
	test_daemon_gone();
	CHECK_EQ(goha_handles_open(), 0, "every handle finalized");
	return h_done();
}
