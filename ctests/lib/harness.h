/*
 * harness.h -- the shared harness of the goha C tests (header only).
 *
 * A test program includes it, calls h_check()/CHECK* for each assertion and
 * ends with `return h_done();`, which prints the program's tally as
 *
 *     RESULT <program> <passed> passed, <failed> failed
 *
 * for ctests/run.sh to add up; the exit status is non-zero on any failure.
 *
 * A program declares what it needs from the runner on a line of its own:
 *
 *     // goha-test: nodes=3 [config KEY=VALUE ...]
 *
 * (nodes=0: no daemon).  The runner starts that many gohad nodes for the
 * program (see lib/cluster.sh) and exports GOHA_TEST_DIR, GOHA_TEST_NODES,
 * GOHA_IPC_<i> for node i, GOHA_IPC (node 1) and GOHA_CLUSTER_SH.
 * h_cluster() runs cluster.sh commands (stop/kill/pause/resume/start a node,
 * wait for a view) so that a test can inject faults.  Waits are conditions
 * with deadlines: WAIT_UNTIL polls, h_wait_readable polls an fd.
 */
#ifndef GOHA_CTESTS_HARNESS_H
#define GOHA_CTESTS_HARNESS_H

#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int h_passed, h_failed;
static const char *h_prog = "test";

static void h_init(const char *prog)
{
	const char *s = strrchr(prog, '/');

	h_prog = s ? s + 1 : prog;
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* h_check records one assertion; the message says what was checked. */
static int h_check(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		h_passed++;
		if (getenv("GOHA_TEST_VERBOSE")) {
			printf("ok   %s:%d ", file, line);
			va_start(ap, fmt);
			vprintf(fmt, ap);
			va_end(ap);
			printf("\n");
		}
		return 1;
	}
	h_failed++;
	printf("FAIL %s:%d ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return 0;
}

#define CHECK(cond, ...) h_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* CHECK_EQ: integer equality, printing both values. */
#define CHECK_EQ(got, want, what) do { \
	long long h_g_ = (long long)(got), h_w_ = (long long)(want); \
	h_check(h_g_ == h_w_, __FILE__, __LINE__, "%s: got %lld, want %lld", \
		(what), h_g_, h_w_); \
} while (0)
/* CHECK_CS / CHECK_CMM: status codes printed by name. */
#define CHECK_CS(expr, want) do { \
	cs_error_t h_r_ = (expr); \
	h_check(h_r_ == (want), __FILE__, __LINE__, "%s: got %s, want %s", \
		#expr, cs_strerror(h_r_), cs_strerror(want)); \
} while (0)
#define CHECK_CMM(expr, want) do { \
	cmm_error_t h_r_ = (expr); \
	h_check(h_r_ == (want), __FILE__, __LINE__, "%s: got %s, want %s", \
		#expr, cmm_strerror(h_r_), cmm_strerror(want)); \
} while (0)

static int h_done(void)
{
	printf("RESULT %s %d passed, %d failed\n", h_prog, h_passed, h_failed);
	return h_failed ? 1 : 0;
}

static int64_t h_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void h_nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* WAIT_UNTIL(cond, ms): poll cond every 5 ms until true or the deadline;
 * evaluates to the final value of cond. */
#define WAIT_UNTIL(cond, ms) ({ \
	int64_t h_dl_ = h_now_ms() + (ms); int h_ok_; \
	while (!(h_ok_ = !!(cond)) && h_now_ms() < h_dl_) h_nap_ms(5); \
	h_ok_; })

/* h_wait_readable: 1 when fd becomes readable within ms, else 0. */
static int h_wait_readable(int fd, int ms)
{
	int64_t deadline = h_now_ms() + ms;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)(deadline - h_now_ms());
		int n;

		if (left < 0)
			left = 0;
		n = poll(&p, 1, left);
		if (n > 0)
			return (p.revents & POLLIN) != 0;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return 0;
	}
}

/* h_readable_now: the fd is readable without waiting. */
static int h_readable_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static int h_nodes(void)
{
	const char *s = getenv("GOHA_TEST_NODES");

	return s ? atoi(s) : 0;
}

/* h_node_ipc: control address of node i (1-based). */
static const char *h_node_ipc(int i)
{
	char name[32];
	const char *s;

	snprintf(name, sizeof name, "GOHA_IPC_%d", i);
	s = getenv(name);
	if (!s) {
		fprintf(stderr, "%s: %s not set (run me through ctests/run.sh)\n", h_prog, name);
		exit(2);
	}
	return s;
}

/* h_use_node: make node i the local daemon for later connections. */
static void h_use_node(int i)
{
	setenv("GOHA_IPC", h_node_ipc(i), 1);
}

/* h_cluster: run `cluster.sh CMD $GOHA_TEST_DIR ARGS...` (fork+exec via
 * posix_spawn, safe with libgoha loaded); returns its exit status. */
static int h_cluster(const char *cmd, ...)
{
	const char *argv[16];
	const char *sh = getenv("GOHA_CLUSTER_SH");
	const char *dir = getenv("GOHA_TEST_DIR");
	va_list ap;
	int argc = 0, status;
	pid_t pid;

	if (!sh || !dir) {
		fprintf(stderr, "%s: GOHA_CLUSTER_SH/GOHA_TEST_DIR not set\n", h_prog);
		exit(2);
	}
	argv[argc++] = "bash";
	argv[argc++] = sh;
	argv[argc++] = cmd;
	argv[argc++] = dir;
	va_start(ap, cmd);
	while (argc < 15) {
		const char *a = va_arg(ap, const char *);
		if (!a)
			break;
		argv[argc++] = a;
	}
	va_end(ap);
	argv[argc] = NULL;
	if (posix_spawn(&pid, "/bin/bash", NULL, NULL, (char *const *)argv, environ) != 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define H_NODE(i) ({ static char h_b_[4][12]; static int h_n_; \
	char *h_p_ = h_b_[h_n_++ & 3]; snprintf(h_p_, 12, "%d", (i)); h_p_; })

#endif
