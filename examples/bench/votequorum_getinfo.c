/*
 * Request latency: N calls of votequorum_getinfo(h, 0, &info) (or, built
 * with -DBENCH_CMM against goha, of cmm_member_getinfo(own id, &m)), each
 * timed with CLOCK_MONOTONIC; prints p50, p99, mean and max in
 * microseconds on one line.  Built against goha (-lgoha) or corosync
 * (-lvotequorum) from the same source by votequorum_getinfo.sh.
 *
 * usage: votequorum_getinfo LABEL [N]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <corosync/corotypes.h>
#include <corosync/votequorum.h>
#ifdef BENCH_CMM
#include <cmm.h>
#endif

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	const char *label = argc > 1 ? argv[1] : "votequorum";
	long n = argc > 2 ? atol(argv[2]) : 200000;
	uint64_t *lat, sum = 0;
	long i;
#ifdef BENCH_CMM
	cmm_nodeid_t me;
	cmm_member_t m;
	cmm_error_t e;
#else
	votequorum_handle_t h;
	struct votequorum_info info;
	cs_error_t e;
#endif

	if (n < 100) {
		fprintf(stderr, "N must be >= 100\n");
		return 2;
	}
	lat = malloc(sizeof *lat * (size_t)n);
	if (!lat)
		return 2;
#ifdef BENCH_CMM
	e = cmm_connect((timespec_t){ 0, 0 });
	if (e == CMM_OK)
		e = cmm_node_getid(&me);
	if (e != CMM_OK) {
		fprintf(stderr, "%s: cmm: %s\n", label, cmm_strerror(e));
		return 1;
	}
#define CALL() cmm_member_getinfo(me, &m)
#define OK CMM_OK
#define STRERROR cmm_strerror
#else
	e = votequorum_initialize(&h, NULL);
	if (e != CS_OK) {
		fprintf(stderr, "%s: votequorum_initialize: %s\n", label, cs_strerror(e));
		return 1;
	}
#define CALL() votequorum_getinfo(h, 0, &info)
#define OK CS_OK
#define STRERROR cs_strerror
#endif
	for (i = 0; i < n / 20; i++) /* warm up: connections, caches, CPU clock */
		CALL();
	for (i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		e = CALL();
		lat[i] = now_ns() - t0;
		if (e != OK) {
			fprintf(stderr, "%s: call %ld: %s\n", label, i, STRERROR(e));
			return 1;
		}
		sum += lat[i];
	}
#ifdef BENCH_CMM
	cmm_disconnect();
#else
	votequorum_finalize(h);
#endif
	qsort(lat, (size_t)n, sizeof *lat, cmp_u64);
	printf("%-26s calls=%ld p50=%.1fus p99=%.1fus mean=%.1fus max=%.1fus\n", label, n,
	       lat[n / 2] / 1000.0, lat[(n * 99) / 100] / 1000.0, (double)sum / n / 1000.0,
	       lat[n - 1] / 1000.0);
	free(lat);
	return 0;
}
