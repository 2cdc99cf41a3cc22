/*
 * vqprobe -- one votequorum conformance probe, built twice: against
 * corosync's <corosync/votequorum.h> and -lvotequorum, and against goha's
 * headers and -lgoha.  It runs the same sequence of calls against a
 * single-node cluster (node id 1) and prints every status code, every
 * getinfo field and every callback with its arguments; ctests/conformance/
 * run.sh diffs the two transcripts.  Ring id sequence numbers differ by
 * design and are printed as "<seq>".
 *
 * Waits: after a call that should produce callbacks, the probe polls the
 * votequorum fd with a deadline for the first event, then drains until the
 * fd stays quiet for QUIET_MS (corosync delivers the events of one change
 * as separate IPC messages).
 */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <corosync/corotypes.h>
#include <corosync/votequorum.h>

#define FIRST_EVENT_MS 5000
#define QUIET_MS 300

static votequorum_handle_t h;
static votequorum_ring_id_t last_ring;
static int finalize_in_callback;
static cs_error_t finalize_rc;

static const char *rc(cs_error_t e)
{
	return cs_strerror(e);
}

#define SHOW(expr) printf("%-60s -> %s\n", #expr, rc(expr))

static void quorum_cb(votequorum_handle_t handle, uint64_t context, uint32_t quorate,
		      uint32_t n, votequorum_node_t nodes[])
{
	uint32_t i;

	printf("  cb QUORUM ctx=%#" PRIx64 " quorate=%u nodes=[", context, quorate);
	for (i = 0; i < n; i++)
		printf("%s%u/%u", i ? " " : "", nodes[i].nodeid, nodes[i].state);
	printf("] handle-match=%d\n", handle == h);
	if (finalize_in_callback) {
		finalize_in_callback = 0;
		finalize_rc = votequorum_finalize(handle);
		printf("  (finalize from callback -> %s)\n", rc(finalize_rc));
	}
}

static void nodelist_cb(votequorum_handle_t handle, uint64_t context,
			votequorum_ring_id_t ring, uint32_t n, uint32_t nodes[])
{
	uint32_t i;

	last_ring = ring;
	printf("  cb NODELIST ctx=%#" PRIx64 " ring=%u.<seq> nodes=[", context, ring.nodeid);
	for (i = 0; i < n; i++)
		printf("%s%u", i ? " " : "", nodes[i]);
	printf("] handle-match=%d\n", handle == h);
}

static void expected_cb(votequorum_handle_t handle, uint64_t context, uint32_t ev)
{
	printf("  cb EXPECTED ctx=%#" PRIx64 " expected=%u handle-match=%d\n", context, ev, handle == h);
}

static int fd;

static int readable(int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* drain: wait for the first event (if expect), then dispatch until quiet. */
static void drain(int expect)
{
	if (expect && !readable(FIRST_EVENT_MS)) {
		printf("  (no event within %d ms)\n", FIRST_EVENT_MS);
		return;
	}
	while (readable(QUIET_MS)) {
		cs_error_t e = votequorum_dispatch(h, CS_DISPATCH_ALL);
		if (e != CS_OK) {
			printf("  dispatch(ALL) -> %s\n", rc(e));
			return;
		}
	}
}

static void info(unsigned int nodeid)
{
	struct votequorum_info vi;
	cs_error_t e;

	memset(&vi, 0, sizeof vi);
	e = votequorum_getinfo(h, nodeid, &vi);
	printf("%-60s -> %s", "votequorum_getinfo", rc(e));
	if (e == CS_OK)
		printf(" id=%u state=%u votes=%u expected=%u highest=%u total=%u quorum=%u flags=%#x qdev_votes=%u qdev_name=\"%s\"",
		       vi.node_id, vi.node_state, vi.node_votes, vi.node_expected_votes,
		       vi.highest_expected, vi.total_votes, vi.quorum, vi.flags, vi.qdevice_votes,
		       vi.qdevice_name);
	printf("   (nodeid %u)\n", nodeid);
}

/* settle_name: corosync applies qdevice renames and unregistrations after a
 * totem round trip, so poll getinfo (deadline 3 s) until the cluster-wide
 * name is want before printing the state. */
static void settle_name(const char *want)
{
	struct votequorum_info vi;
	int i;

	for (i = 0; i < 300; i++) {
		if (votequorum_getinfo(h, 0, &vi) == CS_OK && strcmp(vi.qdevice_name, want) == 0)
			return;
		poll(NULL, 0, 10);
	}
}

int main(void)
{
	votequorum_callbacks_t cbs = {
		.votequorum_quorum_notify_fn = quorum_cb,
		.votequorum_expectedvotes_notify_fn = expected_cb,
		.votequorum_nodelist_notify_fn = nodelist_cb,
	};
	votequorum_ring_id_t bad_ring;
	char longname[300];
	void *ctx = (void *)0x1;
	int marker;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("== initialize, context, fd\n");
	SHOW(votequorum_initialize(&h, &cbs));
	SHOW(votequorum_context_get(h, &ctx));
	printf("  context=%p\n", ctx);
	SHOW(votequorum_context_set(h, &marker));
	SHOW(votequorum_context_get(h, &ctx));
	printf("  context-is-marker=%d\n", ctx == &marker);
	SHOW(votequorum_fd_get(h, &fd));
	printf("  fd-valid=%d readable=%d\n", fd >= 0, readable(0));

	printf("== getinfo\n");
	info(0);
	info(1);
	info(999);

	printf("== dispatch on an empty queue\n");
	SHOW(votequorum_dispatch(h, CS_DISPATCH_ALL));
	SHOW(votequorum_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING));
	SHOW(votequorum_dispatch(h, 0));
	SHOW(votequorum_dispatch(h, 5));
	SHOW(votequorum_trackstop(h));

	printf("== trackstart CURRENT (one-shot)\n");
	SHOW(votequorum_trackstart(h, 0x1, CS_TRACK_CURRENT));
	drain(1);
	SHOW(votequorum_trackstop(h));

	printf("== trackstart CHANGES, dispatch ONE_NONBLOCKING one at a time\n");
	SHOW(votequorum_trackstart(h, 0x2, CS_TRACK_CHANGES));
	printf("  readable=%d\n", readable(FIRST_EVENT_MS));
	SHOW(votequorum_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING));
	printf("  readable=%d\n", readable(FIRST_EVENT_MS));
	SHOW(votequorum_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING));
	printf("  readable=%d\n", readable(QUIET_MS));
	SHOW(votequorum_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING));

	printf("== trackstart again while tracking\n");
	SHOW(votequorum_trackstart(h, 0x3, CS_TRACK_CHANGES));
	drain(1);
	SHOW(votequorum_trackstop(h));
	SHOW(votequorum_trackstop(h));

	printf("== trackstart CHANGES_ONLY\n");
	SHOW(votequorum_trackstart(h, 0x4, CS_TRACK_CHANGES_ONLY));
	printf("  readable=%d\n", readable(QUIET_MS));
	SHOW(votequorum_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING));

	printf("== setexpected\n");
	SHOW(votequorum_setexpected(h, 1));
	drain(1);
	SHOW(votequorum_setexpected(h, 0));
	SHOW(votequorum_setexpected(h, 2));
	drain(0);
	info(0);

	printf("== setvotes, bad values\n");
	SHOW(votequorum_setvotes(h, 1, 0));
	SHOW(votequorum_setvotes(h, 999, 1));
	drain(0);
	info(0);

	printf("== qdevice without registration\n");
	memset(longname, 'q', sizeof longname);
	longname[255] = 0;
	SHOW(votequorum_qdevice_register(h, ""));
	SHOW(votequorum_qdevice_register(h, longname));
	longname[254] = 0;
	SHOW(votequorum_qdevice_unregister(h, longname));
	SHOW(votequorum_qdevice_poll(h, "probe", 1, last_ring));
	SHOW(votequorum_qdevice_master_wins(h, "probe", 1));
	SHOW(votequorum_qdevice_update(h, "probe", "probe2"));
	SHOW(votequorum_qdevice_unregister(h, "probe"));

	printf("== qdevice lifecycle\n");
	SHOW(votequorum_qdevice_register(h, "probe"));
	info(0);
	SHOW(votequorum_qdevice_register(h, "probe"));
	SHOW(votequorum_qdevice_register(h, "other"));
	SHOW(votequorum_qdevice_poll(h, "wrong", 1, last_ring));
	bad_ring = last_ring;
	bad_ring.seq += 1000;
	SHOW(votequorum_qdevice_poll(h, "probe", 1, bad_ring));
	SHOW(votequorum_qdevice_poll(h, "probe", 1, last_ring));
	info(0);
	SHOW(votequorum_qdevice_master_wins(h, "probe", 1));
	SHOW(votequorum_qdevice_master_wins(h, "wrong", 1));
	info(0);
	SHOW(votequorum_qdevice_update(h, "wrong", "x"));
	SHOW(votequorum_qdevice_update(h, "probe", ""));
	SHOW(votequorum_qdevice_update(h, "probe", "probe2"));
	settle_name("probe2");
	info(0);
	SHOW(votequorum_qdevice_poll(h, "probe2", 0, last_ring));
	info(0);
	SHOW(votequorum_qdevice_master_wins(h, "probe2", 0));
	SHOW(votequorum_qdevice_unregister(h, "probe"));
	SHOW(votequorum_qdevice_unregister(h, "probe2"));
	settle_name("");
	info(0);
	drain(0);

	printf("== setvotes, accepted\n");
	SHOW(votequorum_setvotes(h, 1, 2));
	drain(1);
	info(0);
	SHOW(votequorum_setvotes(h, 1, 1));
	SHOW(votequorum_setexpected(h, 1));
	drain(0);

	printf("== dispatch ONE with a queued event\n");
	SHOW(votequorum_trackstart(h, 0x5, CS_TRACK_CURRENT));
	printf("  readable=%d\n", readable(FIRST_EVENT_MS));
	SHOW(votequorum_dispatch(h, CS_DISPATCH_ONE));
	printf("  readable=%d\n", readable(FIRST_EVENT_MS));
	SHOW(votequorum_dispatch(h, CS_DISPATCH_ONE));

	printf("== dispatch BLOCKING, finalize from the callback\n");
	SHOW(votequorum_trackstart(h, 0x6, CS_TRACK_CURRENT));
	finalize_in_callback = 1;
	SHOW(votequorum_dispatch(h, CS_DISPATCH_BLOCKING));

	printf("== after finalize\n");
	SHOW(votequorum_finalize(h));
	info(0);
	SHOW(votequorum_fd_get(h, &fd));
	SHOW(votequorum_trackstart(h, 0, CS_TRACK_CURRENT));
	SHOW(votequorum_dispatch(h, CS_DISPATCH_ALL));
	SHOW(votequorum_finalize(12345));
	SHOW(votequorum_qdevice_register(12345, "probe"));

	printf("== a second handle sees the state\n");
	SHOW(votequorum_initialize(&h, NULL));
	info(0);
	SHOW(votequorum_finalize(h));
	return 0;
}
