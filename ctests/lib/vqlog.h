/*
 * vqlog.h -- record votequorum callbacks in order, for the C tests.
 * Include after harness.h and <corosync/votequorum.h>.
 */
#ifndef GOHA_CTESTS_VQLOG_H
#define GOHA_CTESTS_VQLOG_H

#include <pthread.h>

enum { EV_NODELIST = 1, EV_QUORUM, EV_EXPECTED };

struct vq_ev {
	int kind;
	votequorum_handle_t handle;
	uint64_t ctx;
	votequorum_ring_id_t ring;  /* NODELIST */
	uint32_t quorate;           /* QUORUM */
	uint32_t expected;          /* EXPECTED */
	uint32_t n;
	uint32_t ids[16];
	uint32_t states[16];        /* QUORUM */
	pthread_t thread;
};

#define VQLOG_MAX 512
static struct vq_ev vqlog[VQLOG_MAX];
static int vqlog_n;
static pthread_mutex_t vqlog_mu = PTHREAD_MUTEX_INITIALIZER;

static struct vq_ev *vqlog_add(int kind, votequorum_handle_t h, uint64_t ctx)
{
	struct vq_ev *e;

	pthread_mutex_lock(&vqlog_mu);
	if (vqlog_n == VQLOG_MAX)
		vqlog_n = 0; /* a runaway test: keep going, assertions will fail */
	e = &vqlog[vqlog_n];
	memset(e, 0, sizeof *e);
	e->kind = kind;
	e->handle = h;
	e->ctx = ctx;
	e->thread = pthread_self();
	vqlog_n++;
	pthread_mutex_unlock(&vqlog_mu);
	return e;
}

static void vqlog_quorum(votequorum_handle_t h, uint64_t ctx, uint32_t quorate,
			 uint32_t n, votequorum_node_t nodes[])
{
	struct vq_ev *e = vqlog_add(EV_QUORUM, h, ctx);
	uint32_t i;

	e->quorate = quorate;
	e->n = n;
	for (i = 0; i < n && i < 16; i++) {
		e->ids[i] = nodes[i].nodeid;
		e->states[i] = nodes[i].state;
	}
}

static void vqlog_nodelist(votequorum_handle_t h, uint64_t ctx, votequorum_ring_id_t ring,
			   uint32_t n, uint32_t nodes[])
{
	struct vq_ev *e = vqlog_add(EV_NODELIST, h, ctx);
	uint32_t i;

	e->ring = ring;
	e->n = n;
	for (i = 0; i < n && i < 16; i++)
		e->ids[i] = nodes[i];
}

static void vqlog_expected(votequorum_handle_t h, uint64_t ctx, uint32_t ev)
{
	struct vq_ev *e = vqlog_add(EV_EXPECTED, h, ctx);

	e->expected = ev;
}

static votequorum_callbacks_t vqlog_callbacks = {
	.votequorum_quorum_notify_fn = vqlog_quorum,
	.votequorum_expectedvotes_notify_fn = vqlog_expected,
	.votequorum_nodelist_notify_fn = vqlog_nodelist,
};

static void vqlog_reset(void)
{
	pthread_mutex_lock(&vqlog_mu);
	vqlog_n = 0;
	pthread_mutex_unlock(&vqlog_mu);
}

static int vqlog_count(void)
{
	int n;

	pthread_mutex_lock(&vqlog_mu);
	n = vqlog_n;
	pthread_mutex_unlock(&vqlog_mu);
	return n;
}

/* ids_are: the event's node ids equal the list (in order). */
static int vq_ids_are(const struct vq_ev *e, const uint32_t *want, uint32_t n)
{
	uint32_t i;

	if (e->n != n)
		return 0;
	for (i = 0; i < n; i++)
		if (e->ids[i] != want[i])
			return 0;
	return 1;
}

/* state_of: the QUORUM event's state of node id (0 if absent). */
static uint32_t vq_state_of(const struct vq_ev *e, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < e->n && i < 16; i++)
		if (e->ids[i] == id)
			return e->states[i];
	return 0;
}

static void vqlog_print(void)
{
	int i;
	uint32_t j;

	for (i = 0; i < vqlog_count(); i++) {
		struct vq_ev *e = &vqlog[i];
		printf("    #%d %s ctx=%#llx", i,
		       e->kind == EV_NODELIST ? "NODELIST" : e->kind == EV_QUORUM ? "QUORUM" : "EXPECTED",
		       (unsigned long long)e->ctx);
		if (e->kind == EV_NODELIST)
			printf(" ring=%u.%llu", e->ring.nodeid, (unsigned long long)e->ring.seq);
		if (e->kind == EV_QUORUM)
			printf(" quorate=%u", e->quorate);
		if (e->kind == EV_EXPECTED)
			printf(" expected=%u", e->expected);
		if (e->kind != EV_EXPECTED) {
			printf(" [");
			for (j = 0; j < e->n && j < 16; j++)
				printf(e->kind == EV_QUORUM ? "%s%u/%u" : "%s%u", j ? " " : "", e->ids[j], e->states[j]);
			printf("]");
		}
		printf("\n");
	}
}

#endif
