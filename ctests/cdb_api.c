// goha-test: nodes=1 config ha.token="ctest-ha-token"
/*
 * cdb_api.c -- goha_cdb_* and the daemon-backed ConfD HA calls with NULL
 * and bad arguments against a real gohad: calls before confd_init, every
 * value type stored and read back as text, bad paths and types, missing
 * entries, short buffers, goha_cdb_dump (prefixes, early stop, a callback
 * that writes on the same socket), sockets of the wrong kind, CONFD_EOF
 * once the daemon is gone, and what confd_init does to SIGPIPE (goha.h,
 * process model 4).
 */
#include "harness.h"
#include "ha_util.h"

#include <math.h>
#include <signal.h>

static void check_roundtrip(int c, confd_value_t *v, const char *want)
{
	char buf[128] = "";

	CHECK_CONFD(goha_cdb_set(c, "/types/v", v), CONFD_OK, 0);
	CHECK(goha_cdb_get(c, "/types/v", buf, sizeof buf) == CONFD_OK && strcmp(buf, want) == 0,
	      "type %d reads back as \"%s\", want \"%s\" (%s)", (int)v->type, buf, want, confd_lasterr());
	/* confd_pp_value of the value given prints the same text */
	confd_pp_value(buf, sizeof buf, v);
	CHECK(strcmp(buf, want) == 0, "confd_pp_value of type %d prints \"%s\", want \"%s\"", (int)v->type, buf, want);
	/* The typed read gives the same type, and confd_pp_value prints it
	 * as goha_cdb_get does (one formatter). */
	confd_value_t got;
	memset(&got, 0xa5, sizeof got);
	CHECK_CONFD(goha_cdb_get_value(c, "/types/v", &got), CONFD_OK, 0);
	CHECK(got.type == v->type, "goha_cdb_get_value type %d, want %d", (int)got.type, (int)v->type);
	confd_pp_value(buf, sizeof buf, &got);
	CHECK(strcmp(buf, want) == 0, "goha_cdb_get_value of type %d prints \"%s\", want \"%s\"", (int)v->type, buf, want);
	if (got.type == C_BUF || got.type == C_BINARY)
		free(got.val.buf.ptr);
	else if (got.type == C_STR)
		free(got.val.s);
}

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

/* The current SIGPIPE handler (SIG_DFL, SIG_IGN or a function). */
static void (*sigpipe_handler(void))(int)
{
	struct sigaction sa;

	sigaction(SIGPIPE, NULL, &sa);
	return sa.sa_handler;
}

/* What goha_cdb_dump handed to dump_collect, copied. */
struct dump_seen {
	int n, stop_after;	/* stop_after: return non-zero at this entry (1-based) */
	int delete_sock;	/* >= 0: goha_cdb_delete each entry on this socket */
	int delete_rc[8];
	char path[8][64], text[8][64];
	int type[8], ival[8];
	unsigned bsize[8];
	char bytes[8][16];
};

static int dump_collect(const char *path, const struct confd_value *value, const char *text, void *opaque)
{
	struct dump_seen *d = opaque;
	int i = d->n++;

	if (i >= 8)
		return 1;
	snprintf(d->path[i], sizeof d->path[i], "%s", path);
	snprintf(d->text[i], sizeof d->text[i], "%s", text);
	d->type[i] = value->type;
	if (value->type == C_INT32)
		d->ival[i] = CONFD_GET_INT32(value);
	if (value->type == C_BUF || value->type == C_BINARY) {
		d->bsize[i] = value->val.buf.size;
		if (d->bsize[i] < sizeof d->bytes[i])
			memcpy(d->bytes[i], value->val.buf.ptr, d->bsize[i] + 1); /* with its NUL */
	}
	if (d->delete_sock >= 0)
		d->delete_rc[i] = goha_cdb_delete(d->delete_sock, path);
	return d->stop_after == d->n;
}

static int dump_never(const char *path, const struct confd_value *value, const char *text, void *opaque)
{
	(void)path, (void)value, (void)text;
	++*(int *)opaque;
	return 0;
}

static void test_dump(int c, int ha)
{
	struct dump_seen d;
	confd_value_t v;
	char longprefix[1100];
	int calls = 0, i, all;

	CONFD_SET_INT32(&v, 42);
	CHECK_CONFD(goha_cdb_set(c, "/dump/a", &v), CONFD_OK, 0);
	CONFD_SET_STR(&v, "x y");
	CHECK_CONFD(goha_cdb_set(c, "/dump/b/c", &v), CONFD_OK, 0);
	CONFD_SET_BINARY(&v, (unsigned char *)"\x00\x01", 2);
	CHECK_CONFD(goha_cdb_set(c, "/dump/bb", &v), CONFD_OK, 0);
	CONFD_SET_BOOL(&v, 0);
	CHECK_CONFD(goha_cdb_set(c, "/dumpx", &v), CONFD_OK, 0);

	/* a subtree, in path order, every field */
	memset(&d, 0, sizeof d);
	d.delete_sock = -1;
	CHECK_EQ(goha_cdb_dump(c, "/dump/", dump_collect, &d), 3, "entries under /dump/");
	CHECK_EQ(d.n, 3, "callbacks under /dump/");
	CHECK(strcmp(d.path[0], "/dump/a") == 0 && d.type[0] == C_INT32 && d.ival[0] == 42 &&
	      strcmp(d.text[0], "42") == 0, "entry 0: %s %d %d %s", d.path[0], d.type[0], d.ival[0], d.text[0]);
	CHECK(strcmp(d.path[1], "/dump/b/c") == 0 && d.type[1] == C_STR && strcmp(d.text[1], "x y") == 0,
	      "entry 1: %s %d %s", d.path[1], d.type[1], d.text[1]);
	CHECK(strcmp(d.path[2], "/dump/bb") == 0 && d.type[2] == C_BINARY && d.bsize[2] == 2 &&
	      memcmp(d.bytes[2], "\x00\x01\x00", 3) == 0 && strcmp(d.text[2], "AAE=") == 0,
	      "entry 2: %s %d size %u %s", d.path[2], d.type[2], d.bsize[2], d.text[2]);

	/* a byte prefix: "/dump" also matches "/dumpx" */
	memset(&d, 0, sizeof d);
	d.delete_sock = -1;
	CHECK_EQ(goha_cdb_dump(c, "/dump", dump_collect, &d), 4, "entries under /dump");
	CHECK(strcmp(d.path[3], "/dumpx") == 0 && d.type[3] == C_BOOL && strcmp(d.text[3], "false") == 0,
	      "entry 3: %s %d %s", d.path[3], d.type[3], d.text[3]);

	/* the empty prefix: everything, which includes the above */
	all = goha_cdb_dump(c, "", dump_never, &calls);
	CHECK(all >= 4 && all == calls, "dump of everything: %d entries, %d calls (%s)", all, calls, confd_lasterr());

	/* a prefix with nothing under it: 0, cb never called */
	calls = 0;
	CHECK_EQ(goha_cdb_dump(c, "/nothing/here", dump_never, &calls), 0, "entries under /nothing/here");
	CHECK_EQ(calls, 0, "callbacks under /nothing/here");

	/* cb stops the walk */
	memset(&d, 0, sizeof d);
	d.delete_sock = -1;
	d.stop_after = 2;
	CHECK_EQ(goha_cdb_dump(c, "/dump/", dump_collect, &d), 2, "entries until the stop");
	CHECK_EQ(d.n, 2, "callbacks until the stop");

	/* bad arguments */
	calls = 0;
	CHECK_CONFD(goha_cdb_dump(c, NULL, dump_never, &calls), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(goha_cdb_dump(c, "/dump/", NULL, &calls), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(goha_cdb_dump(c, "dump", dump_never, &calls), CONFD_ERR, CONFD_ERR_BADPATH);
	memset(longprefix, 'p', sizeof longprefix - 1);
	longprefix[0] = '/';
	longprefix[sizeof longprefix - 1] = '\0';
	CHECK_CONFD(goha_cdb_dump(c, longprefix, dump_never, &calls), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_CONFD(goha_cdb_dump(ha, "/dump/", dump_never, &calls), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	errno = 0;
	CHECK_CONFD(goha_cdb_dump(-1, "/dump/", dump_never, &calls), CONFD_ERR, CONFD_ERR_OS);
	CHECK_EQ(errno, EBADF, "errno of a dump on fd -1");
	CHECK_EQ(calls, 0, "no callback for a failed dump");

	/* cb may use the same socket: delete every entry it is shown */
	memset(&d, 0, sizeof d);
	d.delete_sock = c;
	CHECK_EQ(goha_cdb_dump(c, "/dump", dump_collect, &d), 4, "entries deleted from the callback");
	for (i = 0; i < 4; i++)
		CHECK_EQ(d.delete_rc[i], CONFD_OK, d.path[i]);
	calls = 0;
	CHECK_EQ(goha_cdb_dump(c, "/dump", dump_never, &calls), 0, "nothing left under /dump");
	CHECK_EQ(goha_cdb_dump(c, "", dump_never, &calls), all - 4, "the rest is untouched");
}

int main(int argc, char **argv)
{
	struct sockaddr_un a;
	socklen_t al;
	int c, h, nfd, fd;
	char buf[64], longpath[1100];
	confd_value_t v, me = nodeid("n1");
	struct confd_ha_status st;
	struct confd_notification n;

	h_init(argv[0]);
	(void)argc;
	al = ha_node_addr(1, &a);

	/* before confd_init */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_CONFD(goha_cdb_connect(fd, (struct sockaddr *)&a, al), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(goha_cdb_get(fd, "/a", buf, sizeof buf), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(goha_cdb_set(fd, "/a", &v), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(goha_cdb_delete(fd, "/a"), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(goha_cdb_dump(fd, "", dump_never, NULL), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(confd_ha_connect(fd, (struct sockaddr *)&a, al, HA_TOKEN), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);

	/* SIGPIPE: only a successful confd_init sets it to SIG_IGN */
	signal(SIGPIPE, SIG_DFL);
	confd_init_vsn_sz("cdb_api", stderr, CONFD_SILENT, CONFD_LIB_API_VSN + 1, MAXDEPTH, MAXKEYLEN);
	CHECK(sigpipe_handler() == SIG_DFL, "a failed confd_init leaves SIGPIPE alone");
	confd_init("cdb_api", stderr, CONFD_SILENT);
	CHECK(sigpipe_handler() == SIG_IGN, "confd_init ignores SIGPIPE");
	/* The program's own handler stays, and libgoha's writes to a dead
	 * daemon (below) raise no SIGPIPE. */
	signal(SIGPIPE, on_sigpipe);

	/* connect */
	CHECK_CONFD(goha_cdb_connect(fd, NULL, al), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(goha_cdb_connect(-1, (struct sockaddr *)&a, al), CONFD_ERR, CONFD_ERR_OS);
	CHECK_CONFD(goha_cdb_connect(fd, (struct sockaddr *)&a, al), CONFD_OK, 0);
	CHECK_CONFD(goha_cdb_connect(fd, (struct sockaddr *)&a, al), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	c = fd;

	/* every stored type, read back as text */
	CONFD_SET_STR(&v, "text");
	check_roundtrip(c, &v, "text");
	CONFD_SET_BUF(&v, (unsigned char *)"buf", 3);
	check_roundtrip(c, &v, "buf");
	CONFD_SET_BINARY(&v, (unsigned char *)"\x01\xff", 2);
	check_roundtrip(c, &v, "Af8="); /* base64, as confd_pp_value */
	CONFD_SET_INT8(&v, -5);
	check_roundtrip(c, &v, "-5");
	CONFD_SET_INT16(&v, -300);
	check_roundtrip(c, &v, "-300");
	CONFD_SET_INT32(&v, 70000);
	check_roundtrip(c, &v, "70000");
	CONFD_SET_INT64(&v, -9000000000LL);
	check_roundtrip(c, &v, "-9000000000");
	CONFD_SET_UINT8(&v, 255);
	check_roundtrip(c, &v, "255");
	CONFD_SET_UINT16(&v, 7);
	check_roundtrip(c, &v, "7");
	CONFD_SET_UINT32(&v, 4000000000U);
	check_roundtrip(c, &v, "4000000000");
	CONFD_SET_UINT64(&v, 18446744073709551615ULL);
	check_roundtrip(c, &v, "18446744073709551615");
	CONFD_SET_DOUBLE(&v, 2.5);
	check_roundtrip(c, &v, "2.5");
	CONFD_SET_BOOL(&v, 1);
	check_roundtrip(c, &v, "true");
	{
		struct in_addr ip4;
		struct in6_addr ip6;
		inet_pton(AF_INET, "10.0.0.1", &ip4);
		CONFD_SET_IPV4(&v, ip4);
		check_roundtrip(c, &v, "10.0.0.1");
		inet_pton(AF_INET6, "2001:db8::1", &ip6);
		CONFD_SET_IPV6(&v, ip6);
		check_roundtrip(c, &v, "2001:db8::1");
		inet_pton(AF_INET6, "::ffff:192.0.2.1", &ip6);
		CONFD_SET_IPV6(&v, ip6);
		check_roundtrip(c, &v, "::ffff:192.0.2.1");
	}
	/* edge values: one text for goha_cdb_get and confd_pp_value */
	CONFD_SET_STR(&v, "");
	check_roundtrip(c, &v, "");
	CONFD_SET_BINARY(&v, (unsigned char *)"", 0);
	check_roundtrip(c, &v, "");
	CONFD_SET_INT8(&v, -128);
	check_roundtrip(c, &v, "-128");
	CONFD_SET_INT64(&v, INT64_MIN);
	check_roundtrip(c, &v, "-9223372036854775808");
	CONFD_SET_INT64(&v, INT64_MAX);
	check_roundtrip(c, &v, "9223372036854775807");
	CONFD_SET_UINT64(&v, 0);
	check_roundtrip(c, &v, "0");
	CONFD_SET_DOUBLE(&v, 1e6);
	check_roundtrip(c, &v, "1000000");
	CONFD_SET_DOUBLE(&v, 0.1);
	check_roundtrip(c, &v, "0.1");
	CONFD_SET_DOUBLE(&v, -0.0);
	check_roundtrip(c, &v, "-0");
	CONFD_SET_DOUBLE(&v, 1e17);
	check_roundtrip(c, &v, "1e+17");
	CONFD_SET_DOUBLE(&v, NAN);
	check_roundtrip(c, &v, "NaN");
	CONFD_SET_DOUBLE(&v, -INFINITY);
	check_roundtrip(c, &v, "-INF");
	CONFD_SET_BOOL(&v, 0);
	check_roundtrip(c, &v, "false");

	/* bad arguments */
	CONFD_SET_STR(&v, "x");
	CHECK_CONFD(goha_cdb_set(c, NULL, &v), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(goha_cdb_set(c, "/a", NULL), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(goha_cdb_set(c, "", &v), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_CONFD(goha_cdb_set(c, "no-slash", &v), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_CONFD(goha_cdb_set(c, "/a/", &v), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_CONFD(goha_cdb_set(c, "/a//b", &v), CONFD_ERR, CONFD_ERR_BADPATH);
	memset(longpath, 'p', sizeof longpath - 1);
	longpath[0] = '/';
	longpath[sizeof longpath - 1] = '\0';
	CHECK_CONFD(goha_cdb_set(c, longpath, &v), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_CONFD(goha_cdb_get(c, longpath, buf, sizeof buf), CONFD_ERR, CONFD_ERR_BADPATH);
	CONFD_SET_XMLTAG(&v, 1, 2);
	CHECK_CONFD(goha_cdb_set(c, "/a", &v), CONFD_ERR, CONFD_ERR_BADTYPE);
	v.type = (enum confd_vtype)9999;
	CHECK_CONFD(goha_cdb_set(c, "/a", &v), CONFD_ERR, CONFD_ERR_BADTYPE);
	CONFD_SET_STR(&v, NULL);
	CHECK_CONFD(goha_cdb_set(c, "/a", &v), CONFD_ERR, CONFD_ERR_BADTYPE);
	CONFD_SET_BUF(&v, NULL, 4);
	CHECK_CONFD(goha_cdb_set(c, "/a", &v), CONFD_ERR, CONFD_ERR_BADTYPE);
	CHECK_CONFD(goha_cdb_get(c, "/missing", buf, sizeof buf), CONFD_ERR, CONFD_ERR_NOEXISTS);
	CHECK_CONFD(goha_cdb_get_value(c, "/missing", &v), CONFD_ERR, CONFD_ERR_NOEXISTS);
	CHECK_CONFD(goha_cdb_get_value(c, "/types/v", NULL), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(goha_cdb_delete(c, "/missing"), CONFD_ERR, CONFD_ERR_NOEXISTS);
	CHECK_CONFD(goha_cdb_delete(c, NULL), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(goha_cdb_get(c, "/types/v", NULL, 10), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(goha_cdb_get(c, "/types/v", buf, 0), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(goha_cdb_get(c, "/types/v", buf, -1), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(goha_cdb_get(c, NULL, buf, sizeof buf), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	/* a short buffer: truncated, NUL-terminated, an error */
	CONFD_SET_STR(&v, "0123456789");
	CHECK_CONFD(goha_cdb_set(c, "/long", &v), CONFD_OK, 0);
	memset(buf, 'Z', sizeof buf);
	CHECK_CONFD(goha_cdb_get(c, "/long", buf, 5), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK(strcmp(buf, "0123") == 0 && buf[5] == 'Z', "truncated to len-1 bytes: \"%s\"", buf);
	CHECK_CONFD(goha_cdb_delete(c, "/long"), CONFD_OK, 0);
	CHECK_CONFD(goha_cdb_get(c, "/long", buf, sizeof buf), CONFD_ERR, CONFD_ERR_NOEXISTS);

	/* sockets of the wrong kind */
	CHECK_CONFD(confd_ha_get_status(c, &st), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_read_notification(c, &n), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	h = ha_open(1, HA_TOKEN);
	CHECK(h >= 0, "HA socket");
	CHECK_CONFD(goha_cdb_get(h, "/types/v", buf, sizeof buf), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK(strstr(confd_lasterr(), "config store socket") != NULL, "lasterr names the kind: %s", confd_lasterr());
	test_dump(c, h);
	CHECK_CONFD(confd_ha_connect(h, (struct sockaddr *)&a, al, HA_TOKEN), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_ha_get_status(h, &st), CONFD_OK, 0);
	CHECK_EQ(st.state, CONFD_HA_STATE_NONE, "state none");
	CHECK_CONFD(confd_ha_secondary_dead(h, &me), CONFD_OK, 0); /* not a secondary of ours: nothing to drop */
	nfd = notif_open(1, CONFD_NOTIF_HA_INFO);
	CHECK(nfd >= 0, "notification socket");
	CHECK_CONFD(confd_ha_benone(nfd), CONFD_ERR, CONFD_ERR_PROTOUSAGE);

	/* the daemon goes away: CONFD_EOF everywhere */
	CHECK_EQ(h_cluster("stop-node", H_NODE(1), NULL), 0, "stop n1");
	CHECK_CONFD(goha_cdb_get(c, "/types/v", buf, sizeof buf), CONFD_EOF, CONFD_ERR_EOF);
	CHECK_CONFD(goha_cdb_get(c, "/types/v", buf, sizeof buf), CONFD_EOF, CONFD_ERR_EOF);
	CHECK_CONFD(goha_cdb_dump(c, "", dump_never, NULL), CONFD_EOF, CONFD_ERR_EOF);
	CHECK_CONFD(confd_ha_get_status(h, &st), CONFD_EOF, CONFD_ERR_EOF);
	CHECK_CONFD(confd_ha_beprimary(h, &me), CONFD_EOF, CONFD_ERR_EOF);
	CHECK(h_wait_readable(nfd, 5000), "the notification socket sees the close");
	CHECK_CONFD(confd_read_notification(nfd, &n), CONFD_EOF, CONFD_ERR_EOF);
	CHECK(sigpipe_handler() == on_sigpipe, "no libgoha call replaced the program's SIGPIPE handler");
	CHECK_EQ(sigpipes, 0, "SIGPIPEs raised by libgoha's writes");
	confd_init("cdb_api", stderr, CONFD_SILENT);
	CHECK(sigpipe_handler() == SIG_IGN, "confd_init again: SIGPIPE ignored again");
	close(c);
	close(h);
	close(nfd);
	return h_done();
}
