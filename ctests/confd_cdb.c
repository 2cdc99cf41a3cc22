// goha-test: nodes=2 config ha.token="ctest-ha-token" ha.tick_timeout="200ms"
/*
 * confd_cdb.c -- the confd_cdb.h subset and goha.h's change subscriptions
 * against real gohad nodes: data sockets (sessions, keypath formats and
 * quoting, every getter, exact types, set_elem/set_elem2, exists,
 * get_txid), subscription sockets (priorities, one notification per socket
 * and priority, the commit waiting for the syncs, the diff walk with its
 * iterator returns, hashed keypaths and their names), a secondary's
 * subscriber (HA_IS_SECONDARY, the primary does not wait), native change
 * sockets (order, resume, resync), confd_notifications_connect2, and bad
 * input everywhere: NULL, wrong socket kinds, bad paths and formats,
 * calls out of order, sockets on a dead daemon.
 */
#include "harness.h"
#include "ha_util.h"

#include <confd.h>
#include <fcntl.h>
#include <pthread.h>

/* data_open / sub_open: a CDB socket of that type to node i (-1 on failure). */
static int cdbc_open(int i, enum cdb_sock_type type)
{
	struct sockaddr_un a;
	socklen_t l = ha_node_addr(i, &a);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (cdb_connect(fd, type, (struct sockaddr *)&a, l) != CONFD_OK) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- a writer thread, to see that a commit waits for its subscribers ---- */

struct writer {
	pthread_t t;
	int sock;
	const char *path;
	int value;
	volatile int done, rc;
};

static void *write_one(void *arg)
{
	struct writer *w = arg;
	confd_value_t v;

	CONFD_SET_INT32(&v, w->value);
	w->rc = goha_cdb_set(w->sock, w->path, &v);
	__atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void start_write(struct writer *w, int sock, const char *path, int value)
{
	memset(w, 0, sizeof *w);
	w->sock = sock;
	w->path = path;
	w->value = value;
	pthread_create(&w->t, NULL, write_one, w);
}

static int write_done(struct writer *w)
{
	return __atomic_load_n(&w->done, __ATOMIC_SEQ_CST);
}

/* ---- diff_iterate recording -------------------------------------------- */

struct walk {
	int n;
	char line[32][400];
	enum cdb_iter_ret reply_at[32]; /* what to return at each call (0: RECURSE) */
	uint32_t first_tag;
};

static enum cdb_iter_ret record(confd_hkeypath_t *kp, enum cdb_iter_op op, confd_value_t *oldv,
				confd_value_t *newv, void *state)
{
	struct walk *w = state;
	char path[256], ov[64] = "-", nv[64] = "-";
	int i = w->n++;

	if (i >= 32)
		return ITER_STOP;
	if (i == 0)
		w->first_tag = kp->v[kp->len - 1][0].val.xmltag.tag;
	confd_pp_kpath(path, sizeof path, kp);
	if (oldv)
		confd_pp_value(ov, sizeof ov, oldv);
	if (newv)
		confd_pp_value(nv, sizeof nv, newv);
	snprintf(w->line[i], sizeof w->line[i], "%d %s %s %s", (int)op, path, ov, nv);
	return w->reply_at[i] ? w->reply_at[i] : ITER_RECURSE;
}

static enum cdb_iter_ret never(confd_hkeypath_t *kp, enum cdb_iter_op op, confd_value_t *oldv,
			       confd_value_t *newv, void *state)
{
	(void)kp, (void)op, (void)oldv, (void)newv;
	++*(int *)state;
	return ITER_STOP;
}

static int walk_has(const struct walk *w, int at, const char *want)
{
	return at < w->n && strcmp(w->line[at], want) == 0;
}

#define CHECK_LINE(w, at, want) \
	CHECK(walk_has(w, at, want), "walk line %d: \"%s\", want \"%s\"", at, (at) < (w)->n ? (w)->line[at] : "(none)", want)

/* read_one: wait for and read one notification of s; the ids go to pts. */
static int read_one(int s, int *pts, int *n)
{
	if (!h_wait_readable(s, 10000))
		return -99;
	return cdb_read_subscription_socket(s, pts, n);
}

/* ---- native change sockets --------------------------------------------- */

struct seen {
	int n;
	char line[16][512];
};

static int on_change(const char *path, const struct confd_value *oldv, const struct confd_value *newv, void *opaque)
{
	struct seen *s = opaque;
	char o[64] = "-", nv[64] = "-";

	if (s->n >= 16)
		return 1;
	if (oldv)
		confd_pp_value(o, sizeof o, oldv);
	if (newv)
		confd_pp_value(nv, sizeof nv, newv);
	snprintf(s->line[s->n++], sizeof s->line[0], "%s %s %s", path, o, nv);
	return 0;
}

static void test_data(int d, int sub)
{
	confd_value_t v;
	int8_t i8;
	int16_t i16;
	int32_t i32;
	int64_t i64;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	int b;
	double dbl;
	char str[16], tiny[4];
	struct in_addr ip;
	struct cdb_txid tx;
	unsigned char raw[3] = {1, 2, 3};

	/* sessions */
	CHECK_CONFD(cdb_get(d, &v, "/a"), CONFD_ERR, CONFD_ERR_NOSESSION);
	CHECK_CONFD(cdb_end_session(d), CONFD_ERR, CONFD_ERR_NOEXISTS);
	CHECK_CONFD(cdb_start_session(d, CDB_PRE_COMMIT_RUNNING), CONFD_ERR, CONFD_ERR_NOEXISTS);
	CHECK_CONFD(cdb_start_session(d, 9), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_start_session2(d, CDB_RUNNING, 1 << 9), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_start_session2(d, CDB_RUNNING, CDB_LOCK_PARTIAL), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_start_session2(d, CDB_OPERATIONAL, CDB_LOCK_SESSION), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_start_session(sub, CDB_RUNNING), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_start_session2(d, CDB_RUNNING, CDB_LOCK_SESSION | CDB_LOCK_WAIT), CONFD_OK, 0);
	CHECK_CONFD(cdb_start_session(d, CDB_RUNNING), CONFD_ERR, CONFD_ERR_BADSTATE);
	CHECK_CONFD(cdb_set_namespace(d, 12345), CONFD_OK, 0);
	CONFD_SET_INT32(&v, 1);
	CHECK_CONFD(cdb_set_elem(d, &v, "/x"), CONFD_ERR, CONFD_ERR_NOT_WRITABLE);
	CHECK_CONFD(cdb_set_elem2(d, "1", "/x"), CONFD_ERR, CONFD_ERR_NOT_WRITABLE);
	CHECK_CONFD(cdb_end_session(d), CONFD_OK, 0);
	CHECK_CONFD(cdb_start_session2(d, CDB_OPERATIONAL, CDB_LOCK_REQUEST | CDB_LOCK_PARTIAL), CONFD_OK, 0);

	/* writes with formats, one of each stored type */
	CONFD_SET_STR(&v, "10.0.0.1");
	CHECK_CONFD(cdb_set_elem(d, &v, "/hosts/host{%s}/name", "www"), CONFD_OK, 0);
	CONFD_SET_UINT16(&v, 22);
	CHECK_CONFD(cdb_set_elem(d, &v, "/hosts/host{%s}/port", "www"), CONFD_OK, 0);
	CONFD_SET_INT8(&v, -8);
	CHECK_CONFD(cdb_set_elem(d, &v, "/t/i8"), CONFD_OK, 0);
	CONFD_SET_INT16(&v, -16);
	CHECK_CONFD(cdb_set_elem(d, &v, "/t/i16"), CONFD_OK, 0);
	CONFD_SET_INT32(&v, -32);
	CHECK_CONFD(cdb_set_elem(d, &v, "/t/%s", "i32"), CONFD_OK, 0);
	CONFD_SET_INT64(&v, -64);
	CHECK_CONFD(cdb_set_elem(d, &v, "/t/i64"), CONFD_OK, 0);
	CONFD_SET_UINT8(&v, 8);
	CHECK_CONFD(cdb_set_elem(d, &v, "/t/u8"), CONFD_OK, 0);
	CONFD_SET_UINT32(&v, 32);
	CHECK_CONFD(cdb_set_elem(d, &v, "/t/u32"), CONFD_OK, 0);
	CONFD_SET_UINT64(&v, 64);
	CHECK_CONFD(cdb_set_elem(d, &v, "/t/u64"), CONFD_OK, 0);
	CONFD_SET_BOOL(&v, 1);
	CHECK_CONFD(cdb_set_elem(d, &v, "/t/b"), CONFD_OK, 0);
	CONFD_SET_DOUBLE(&v, 2.5);
	CHECK_CONFD(cdb_set_elem(d, &v, "/t/d"), CONFD_OK, 0);
	inet_pton(AF_INET, "192.0.2.7", &ip);
	CONFD_SET_IPV4(&v, ip);
	CHECK_CONFD(cdb_set_elem(d, &v, "/t/ip"), CONFD_OK, 0);
	CONFD_SET_BINARY(&v, raw, sizeof raw);
	CHECK_CONFD(cdb_set_elem(d, &v, "/t/bin"), CONFD_OK, 0);
	/* keys: %d, %u, two keys, a key that needs quotes, %x and %ip4 keys, %% */
	CONFD_SET_INT32(&v, 7);
	CHECK_CONFD(cdb_set_elem(d, &v, "/k/e{%d %u}/v", -3, 4u), CONFD_OK, 0);
	CHECK_CONFD(cdb_set_elem(d, &v, "/k/e{%s}/v", "a b"), CONFD_OK, 0);
	CHECK_CONFD(cdb_set_elem(d, &v, "/k/e{%x}/v", &v), CONFD_OK, 0);
	CHECK_CONFD(cdb_set_elem(d, &v, "/k/e{%ip4}/v", &ip), CONFD_OK, 0);
	CHECK_CONFD(cdb_set_elem(d, &v, "/k/p%%c"), CONFD_OK, 0);
	CHECK_CONFD(cdb_set_elem2(d, "hello", "/k/text"), CONFD_OK, 0);

	/* the stored paths are the canonical keypaths */
	CHECK_EQ(goha_cdb_get(d, "/k/e{-3 4}/v", str, sizeof str), CONFD_OK, "two keys");
	CHECK_EQ(goha_cdb_get(d, "/k/e{\"a b\"}/v", str, sizeof str), CONFD_OK, "a quoted key");
	CHECK_EQ(goha_cdb_get(d, "/k/e{7}/v", str, sizeof str), CONFD_OK, "a %x key");
	CHECK_EQ(goha_cdb_get(d, "/k/e{192.0.2.7}/v", str, sizeof str), CONFD_OK, "an %ip4 key");
	CHECK_EQ(goha_cdb_get(d, "/k/p%c", str, sizeof str), CONFD_OK, "%%%%");
	CHECK_EQ(cdb_get_int32(d, &i32, "/k/e{ -3   \"4\" }/v"), CONFD_OK, "a keypath is canonicalised");

	/* reads of every type; exact types only */
	CHECK(cdb_get_int8(d, &i8, "/t/i8") == CONFD_OK && i8 == -8, "int8 %d", i8);
	CHECK(cdb_get_int16(d, &i16, "/t/i16") == CONFD_OK && i16 == -16, "int16 %d", i16);
	CHECK(cdb_get_int32(d, &i32, "/t/i32") == CONFD_OK && i32 == -32, "int32 %d", i32);
	CHECK(cdb_get_int64(d, &i64, "/t/i64") == CONFD_OK && i64 == -64, "int64");
	CHECK(cdb_get_u_int8(d, &u8, "/t/u8") == CONFD_OK && u8 == 8, "u_int8 %u", u8);
	CHECK(cdb_get_u_int16(d, &u16, "/hosts/host{www}/port") == CONFD_OK && u16 == 22, "u_int16 %u", u16);
	CHECK(cdb_get_u_int32(d, &u32, "/t/u32") == CONFD_OK && u32 == 32, "u_int32 %u", u32);
	CHECK(cdb_get_u_int64(d, &u64, "/t/u64") == CONFD_OK && u64 == 64, "u_int64");
	CHECK(cdb_get_bool(d, &b, "/t/b") == CONFD_OK && b == 1, "bool %d", b);
	CHECK(cdb_get_double(d, &dbl, "/t/d") == CONFD_OK && dbl == 2.5, "double %g", dbl);
	CHECK_CONFD(cdb_get_int64(d, &i64, "/t/i32"), CONFD_ERR, CONFD_ERR_BADTYPE);
	CHECK_CONFD(cdb_get_u_int32(d, &u32, "/t/i32"), CONFD_ERR, CONFD_ERR_BADTYPE);
	CHECK_CONFD(cdb_get_bool(d, &b, "/t/u8"), CONFD_ERR, CONFD_ERR_BADTYPE);
	CHECK_CONFD(cdb_get_double(d, &dbl, "/t/b"), CONFD_ERR, CONFD_ERR_BADTYPE);
	CHECK_CONFD(cdb_get_int32(d, NULL, "/t/i32"), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	/* strings: a C_STR comes back as C_BUF (malloc'ed: confd_free_value) */
	CHECK_CONFD(cdb_get(d, &v, "/hosts/host{www}/name"), CONFD_OK, 0);
	CHECK(v.type == C_BUF && v.val.buf.size == 8 && memcmp(v.val.buf.ptr, "10.0.0.1", 9) == 0,
	      "cdb_get of a string: type %d size %u", (int)v.type, v.val.buf.size);
	confd_free_value(&v);
	CHECK_EQ((int)v.type, C_NOEXISTS, "confd_free_value leaves C_NOEXISTS");
	confd_free_value(NULL);
	CHECK_CONFD(cdb_get(d, &v, "/t/bin"), CONFD_OK, 0);
	CHECK(v.type == C_BINARY && v.val.buf.size == 3 && memcmp(v.val.buf.ptr, raw, 3) == 0, "binary");
	confd_free_value(&v);
	CHECK(cdb_get_str(d, str, sizeof str, "/k/text") == CONFD_OK && strcmp(str, "hello") == 0, "get_str %s", str);
	CHECK_CONFD(cdb_get_str(d, tiny, sizeof tiny, "/k/text"), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK(strstr(confd_lasterr(), "buffer too small") != NULL, "lasterr: %s", confd_lasterr());
	CHECK_CONFD(cdb_get_str(d, str, 0, "/k/text"), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_get_str(d, str, sizeof str, "/t/i32"), CONFD_ERR, CONFD_ERR_BADTYPE);
	/* set_elem2 parses as the leaf's type */
	CHECK_CONFD(cdb_set_elem2(d, "8080", "/hosts/host{www}/port"), CONFD_OK, 0);
	CHECK(cdb_get_u_int16(d, &u16, "/hosts/host{www}/port") == CONFD_OK && u16 == 8080, "set_elem2 kept uint16: %u", u16);
	CHECK_CONFD(cdb_set_elem2(d, "eighty", "/hosts/host{www}/port"), CONFD_ERR, CONFD_ERR_BADTYPE);
	CHECK_CONFD(cdb_set_elem2(d, NULL, "/hosts/host{www}/port"), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_set_elem(d, NULL, "/t/x"), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	v.type = C_DATETIME;
	CHECK_CONFD(cdb_set_elem(d, &v, "/t/x"), CONFD_ERR, CONFD_ERR_BADTYPE);

	/* missing, interior, exists */
	CHECK_CONFD(cdb_get(d, &v, "/t/none"), CONFD_ERR, CONFD_ERR_NOEXISTS);
	CHECK_CONFD(cdb_get(d, &v, "/hosts/host{www}"), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_EQ(cdb_exists(d, "/hosts/host{%s}", "www"), 1, "an entry exists");
	CHECK_EQ(cdb_exists(d, "/hosts"), 1, "a container exists");
	CHECK_EQ(cdb_exists(d, "/t/i8"), 1, "a leaf exists");
	CHECK_EQ(cdb_exists(d, "/hosts/host{ftp}"), 0, "no such entry");
	CHECK_EQ(cdb_exists(d, "/hosts/hos"), 0, "a prefix of a name is nothing");

	/* bad paths and formats */
	CHECK_CONFD(cdb_get(d, &v, NULL), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_get(d, NULL, "/t/i8"), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_get(d, &v, "t/i8"), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_CONFD(cdb_get(d, &v, "/t//i8"), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_CONFD(cdb_get(d, &v, "/t/i8{"), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_CONFD(cdb_get(d, &v, "/hosts/host[0]/port"), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_CONFD(cdb_get(d, &v, "/t/%q"), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_CONFD(cdb_get(d, &v, "/t/%ld", 5L), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_CONFD(cdb_get(d, &v, "/t/%s", (char *)NULL), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_CONFD(cdb_get(d, &v, "/k/e{%s}/v", "a/b"), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_CONFD(cdb_get(d, &v, "/t/%x", (confd_value_t *)NULL), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_CONFD(cdb_get(d, &v, "/t/%ip4", (struct in_addr *)NULL), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_CONFD(cdb_get(d, &v, "/x/%h", (confd_hkeypath_t *)NULL), CONFD_ERR, CONFD_ERR_BADPATH);
	{
		char longfmt[1100];
		memset(longfmt, 'p', sizeof longfmt - 1);
		longfmt[0] = '/';
		longfmt[sizeof longfmt - 1] = '\0';
		CHECK_CONFD(cdb_exists(d, longfmt), CONFD_ERR, CONFD_ERR_BADPATH);
	}
	CHECK_CONFD(cdb_exists(sub, "/t"), CONFD_ERR, CONFD_ERR_PROTOUSAGE);

	/* txid: s1 high, s2 low, no primary outside HA */
	memset(&tx, 0xff, sizeof tx);
	CHECK_CONFD(cdb_get_txid(d, &tx), CONFD_OK, 0);
	CHECK(tx.s1 == 0 && tx.s2 > 10 && tx.s3 == 0 && tx.primary[0] == '\0' && tx.master == tx.primary,
	      "txid %u.%u.%u primary \"%s\"", tx.s1, tx.s2, tx.s3, tx.primary);
	CHECK_CONFD(cdb_get_txid(d, NULL), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_get_txid(sub, &tx), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_wait_start(d), CONFD_OK, 0);
	CHECK_CONFD(cdb_end_session(d), CONFD_OK, 0);
}

/* Two subscription sockets: a (points at 10 and 20, and one that never
 * fires) and b (at 5).  A commit waits until both synced, in priority
 * order, one notification per socket and priority. */
static void test_subscriptions(int d, int w)
{
	int a = cdbc_open(1, CDB_SUBSCRIPTION_SOCKET), b = cdbc_open(1, CDB_SUBSCRIPTION_SOCKET);
	int pa1, pa2, pa3, pb, p, pts[8], n = -1, flags = -1, *arr = NULL, calls = 0, active0;
	enum cdb_sub_notification type = 0;
	struct writer wr;
	struct walk walk;
	char name[64];

	CHECK(a >= 0 && b >= 0, "subscription sockets (%s)", confd_lasterr());
	active0 = cdb_active_subscriptions;
	CHECK_CONFD(cdb_subscribe(d, 1, 0, &p, "/hosts"), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_subscribe(a, 1, 0, NULL, "/hosts"), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_subscribe(a, 1, 0, &p, "/hosts/host{"), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_CONFD(cdb_subscribe(a, 1, 0, &p, "/hosts/%q"), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_CONFD(cdb_subscribe2(a, CDB_SUB_RUNNING_TWOPHASE, 0, 1, &p, 0, "/hosts"), CONFD_ERR, CONFD_ERR_NOT_IMPLEMENTED);
	CHECK_CONFD(cdb_subscribe2(a, CDB_SUB_OPERATIONAL, 0, 1, &p, 0, "/hosts"), CONFD_ERR, CONFD_ERR_NOT_IMPLEMENTED);
	CHECK_CONFD(cdb_subscribe2(a, CDB_SUB_RUNNING, CDB_SUB_WANT_ABORT_ON_ABORT, 1, &p, 0, "/hosts"), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_subscribe(a, 10, 0, &pa1, "/sys"), CONFD_OK, 0);
	CHECK_CONFD(cdb_subscribe2(a, CDB_SUB_RUNNING, 0, 20, &pa2, 0, "/sys/hosts/host{%s}", "www"), CONFD_OK, 0);
	CHECK_CONFD(cdb_subscribe(a, 20, 0, &pa3, "/elsewhere"), CONFD_OK, 0);
	CHECK_CONFD(cdb_subscribe(b, 5, 0, &pb, "/sys/hosts/host"), CONFD_OK, 0);
	CHECK(pa1 > 0 && pa2 > 0 && pa3 > 0 && pb > 0 && pa1 != pa2 && pb != pa1, "point ids %d %d %d %d", pa1, pa2, pa3, pb);
	CHECK_EQ(cdb_active_subscriptions, active0 + 4, "cdb_active_subscriptions counts the points");
	CHECK_CONFD(cdb_read_subscription_socket(a, pts, &n), CONFD_ERR, CONFD_ERR_PROTOUSAGE); /* before done */
	CHECK_CONFD(cdb_diff_iterate(a, pa1, record, 0, &walk), CONFD_ERR, CONFD_ERR_BADSTATE);
	CHECK_CONFD(cdb_sync_subscription_socket(a, CDB_DONE_PRIORITY), CONFD_ERR, CONFD_ERR_BADSTATE);
	CHECK_CONFD(cdb_subscribe_done(a), CONFD_OK, 0);
	CHECK_CONFD(cdb_subscribe_done(a), CONFD_ERR, CONFD_ERR_BADSTATE);
	CHECK_CONFD(cdb_subscribe(a, 1, 0, &p, "/more"), CONFD_ERR, CONFD_ERR_BADSTATE);
	CHECK_CONFD(cdb_subscribe_done(b), CONFD_OK, 0);
	CHECK(!h_readable_now(a) && !h_readable_now(b), "nothing delivered before a commit");

	/* a commit under /sys/hosts/host{www}: b at 5 first, then a at 10, then a at 20 */
	start_write(&wr, w, "/sys/hosts/host{www}/port", 80);
	CHECK_CONFD(read_one(b, pts, &n), CONFD_OK, 0);
	CHECK(n == 1 && pts[0] == pb, "b: %d ids, first %d", n, pts[0]);
	CHECK(!h_readable_now(a), "a waits for priority 5");
	CHECK(!write_done(&wr), "the commit waits for its subscribers");
	memset(&walk, 0, sizeof walk);
	CHECK_CONFD(cdb_diff_iterate(b, pb, record, ITER_WANT_PREV, &walk), CONFD_OK, 0);
	CHECK_EQ(walk.n, 2, "b's walk");
	CHECK_LINE(&walk, 0, "1 /sys/hosts/host{www} - -");
	CHECK_LINE(&walk, 1, "4 /sys/hosts/host{www}/port - 80");
	snprintf(name, sizeof name, "%s", confd_hash2str(walk.first_tag) ? confd_hash2str(walk.first_tag) : "(null)");
	CHECK(strcmp(name, "sys") == 0, "confd_hash2str of the first tag: %s", name);
	CHECK(confd_hash2str(12345) == NULL, "an unknown tag has no name");
	CHECK_CONFD(cdb_diff_iterate(b, pa1, record, 0, &walk), CONFD_ERR, CONFD_ERR_NOEXISTS);
	CHECK_CONFD(cdb_diff_iterate(b, pb, NULL, 0, &walk), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_diff_iterate(b, pb, record, 1 << 9, &walk), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_read_subscription_socket(b, pts, &n), CONFD_ERR, CONFD_ERR_PROTOUSAGE); /* not synced */
	CHECK_CONFD(cdb_sync_subscription_socket(b, CDB_DONE_OPERATIONAL), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_sync_subscription_socket(b, 9), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_sync_subscription_socket(b, CDB_DONE_PRIORITY), CONFD_OK, 0);
	CHECK_CONFD(cdb_sync_subscription_socket(b, CDB_DONE_PRIORITY), CONFD_ERR, CONFD_ERR_BADSTATE);

	CHECK_CONFD(read_one(a, pts, &n), CONFD_OK, 0);
	CHECK(n == 1 && pts[0] == pa1, "a at 10: %d ids, first %d", n, pts[0]);
	/* /sys appeared: the point's own node is created */
	memset(&walk, 0, sizeof walk);
	CHECK_CONFD(cdb_diff_iterate(a, pa1, record, 0, &walk), CONFD_OK, 0);
	CHECK_EQ(walk.n, 4, "a's walk of /sys");
	CHECK_LINE(&walk, 0, "1 /sys - -");
	CHECK_LINE(&walk, 3, "4 /sys/hosts/host{www}/port - 80");
	/* ITER_CONTINUE skips the children, ITER_STOP ends the walk */
	memset(&walk, 0, sizeof walk);
	walk.reply_at[1] = ITER_CONTINUE;
	CHECK_CONFD(cdb_diff_iterate(a, pa1, record, 0, &walk), CONFD_OK, 0);
	CHECK_EQ(walk.n, 2, "a walk with ITER_CONTINUE at /sys/hosts");
	memset(&walk, 0, sizeof walk);
	walk.reply_at[0] = ITER_SUSPEND;
	CHECK_CONFD(cdb_diff_iterate(a, pa1, record, 0, &walk), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	calls = 0;
	CHECK_CONFD(cdb_diff_iterate(a, pa1, never, 0, &calls), CONFD_OK, 0);
	CHECK_EQ(calls, 1, "ITER_STOP after the first node");
	CHECK(!write_done(&wr), "the commit still waits (priority 20 to come)");
	CHECK_CONFD(cdb_sync_subscription_socket(a, CDB_DONE_PRIORITY), CONFD_OK, 0);

	/* priority 20: one notification with the ids that fired there (not
	 * /elsewhere), the last for this transaction */
	CHECK(h_wait_readable(a, 10000), "a's priority 20 notification");
	CHECK_CONFD(cdb_read_subscription_socket2(a, &type, &flags, &arr, &n), CONFD_OK, 0);
	CHECK(n == 1 && arr != NULL && arr[0] == pa2 && type == CDB_SUB_COMMIT && flags == CDB_SUB_FLAG_IS_LAST,
	      "a at 20: %d ids, type %d, flags %#x", n, (int)type, flags);
	free(arr);
	CHECK_CONFD(cdb_sync_subscription_socket(a, CDB_DONE_PRIORITY), CONFD_OK, 0);
	CHECK(WAIT_UNTIL(write_done(&wr), 10000), "the commit completes once every subscriber synced");
	pthread_join(wr.t, NULL);
	CHECK_EQ(wr.rc, CONFD_OK, "the waiting goha_cdb_set");

	/* DONE_SOCKET: a gets nothing more for this transaction; b's
	 * DONE_TRANSACTION ends it for everybody */
	start_write(&wr, w, "/sys/hosts/host{www}/port", 81);
	CHECK_CONFD(read_one(b, pts, &n), CONFD_OK, 0);
	CHECK_CONFD(cdb_sync_subscription_socket(b, CDB_DONE_TRANSACTION), CONFD_OK, 0);
	CHECK(WAIT_UNTIL(write_done(&wr), 10000), "DONE_TRANSACTION completes the commit");
	pthread_join(wr.t, NULL);
	CHECK(!h_readable_now(a), "a was told nothing");
	start_write(&wr, w, "/sys/hosts/host{www}/port", 82);
	CHECK_CONFD(read_one(b, pts, &n), CONFD_OK, 0);
	CHECK_CONFD(cdb_sync_subscription_socket(b, CDB_DONE_PRIORITY), CONFD_OK, 0);
	CHECK_CONFD(read_one(a, pts, &n), CONFD_OK, 0);
	CHECK_CONFD(cdb_sync_subscription_socket(a, CDB_DONE_SOCKET), CONFD_OK, 0);
	CHECK(WAIT_UNTIL(write_done(&wr), 10000), "DONE_SOCKET completes a's share");
	pthread_join(wr.t, NULL);
	CHECK(!h_readable_now(a), "a had nothing more for that transaction");

	/* a closed subscriber does not hold commits; cdb_close closes the fd */
	start_write(&wr, w, "/sys/hosts/host{www}/port", 83);
	CHECK_CONFD(read_one(b, pts, &n), CONFD_OK, 0);
	CHECK_CONFD(cdb_close(b), CONFD_OK, 0);
	CHECK(fcntl(b, F_GETFD) == -1 && errno == EBADF, "cdb_close closed the fd");
	CHECK_CONFD(read_one(a, pts, &n), CONFD_OK, 0);
	CHECK_CONFD(cdb_close(a), CONFD_OK, 0);
	CHECK(WAIT_UNTIL(write_done(&wr), 10000), "closed subscribers count as synced");
	pthread_join(wr.t, NULL);
	CHECK_EQ(cdb_active_subscriptions, active0, "cdb_close forgets the points");
	/* sockets that are gone or were never CDB sockets */
	CHECK_CONFD(cdb_read_subscription_socket(a, pts, &n), CONFD_ERR, CONFD_ERR_OS);
	CHECK_CONFD(cdb_sync_subscription_socket(a, CDB_DONE_PRIORITY), CONFD_ERR, CONFD_ERR_OS);
	CHECK_CONFD(cdb_read_subscription_socket(-1, pts, &n), CONFD_ERR, CONFD_ERR_OS);
	CHECK_CONFD(cdb_read_subscription_socket(d, pts, &n), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_read_subscription_socket(d, NULL, &n), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	{
		int other = socket(AF_UNIX, SOCK_STREAM, 0);
		CHECK_CONFD(cdb_close(other), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
		CHECK(fcntl(other, F_GETFD) == -1, "cdb_close closes a non-CDB fd all the same");
	}
}

/* goha_cdb_subscribe: every transaction under the prefix once, in order,
 * with old and new values; resume; resync. */
static void test_changes(int w)
{
	int c = cdb_open(1), r = cdb_open(1), x = cdb_open(1), flags = -1;
	uint64_t start = 0, tx = 0, tx1, tx2;
	struct goha_cdb_change_info info;
	struct seen s;
	confd_value_t v;
	char buf[8];

	CHECK_CONFD(goha_cdb_subscribe(c, NULL, 0, 0, &start), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(goha_cdb_subscribe(c, "nope", 0, 0, &start), CONFD_ERR, CONFD_ERR_BADPATH);
	CHECK_CONFD(goha_cdb_subscribe(c, "/ch/", 2, 0, &start), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(goha_cdb_read_change(c, &tx, &flags, on_change, &s), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(goha_cdb_read_change2(c, &info, on_change, &s), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(goha_cdb_read_change2(-1, NULL, NULL, NULL), CONFD_ERR, CONFD_ERR_OS);
	CHECK_CONFD(goha_cdb_subscribe(c, "/ch/", 0, 0, &start), CONFD_OK, 0);
	CHECK_CONFD(goha_cdb_subscribe(c, "/ch/", 0, 0, &start), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(goha_cdb_get(c, "/ch/a", buf, sizeof buf), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CONFD_SET_INT32(&v, 1);
	CHECK_CONFD(goha_cdb_set(w, "/ch/a", &v), CONFD_OK, 0);
	CHECK_CONFD(goha_cdb_set(w, "/other", &v), CONFD_OK, 0); /* not under /ch/ */
	CONFD_SET_INT32(&v, 2);
	CHECK_CONFD(goha_cdb_set(w, "/ch/a", &v), CONFD_OK, 0);
	CHECK_CONFD(goha_cdb_delete(w, "/ch/a"), CONFD_OK, 0);

	memset(&s, 0, sizeof s);
	CHECK(h_wait_readable(c, 10000), "a change arrives");
	CHECK_EQ(goha_cdb_read_change(c, &tx1, &flags, on_change, &s), 1, "one change");
	CHECK(tx1 == start + 1 && flags == 0 && strcmp(s.line[0], "/ch/a - 1") == 0, "txid %llu after %llu: %s",
	      (unsigned long long)tx1, (unsigned long long)start, s.line[0]);
	CHECK_EQ(goha_cdb_read_change(c, &tx2, &flags, on_change, &s), 1, "the next one under the prefix");
	CHECK(tx2 == tx1 + 2 && strcmp(s.line[1], "/ch/a 1 2") == 0, "txid %llu: %s", (unsigned long long)tx2, s.line[1]);
	CHECK_EQ(goha_cdb_read_change(c, &tx, NULL, NULL, NULL), 1, "the delete, counted only");
	CHECK_EQ(tx, tx2 + 1, "the delete's txid");

	/* resume after tx1: what followed it, again */
	memset(&s, 0, sizeof s);
	CHECK_CONFD(goha_cdb_subscribe(r, "/ch/", 1, tx1, &start), CONFD_OK, 0);
	CHECK_EQ(start, tx1, "resumed after tx1");
	CHECK_EQ(goha_cdb_read_change(r, &tx, &flags, on_change, &s), 1, "replayed");
	CHECK(tx == tx2 && strcmp(s.line[0], "/ch/a 1 2") == 0, "replayed %s", s.line[0]);
	memset(&info, 0xff, sizeof info);
	CHECK_EQ(goha_cdb_read_change2(r, &info, on_change, &s), 1, "replayed delete");
	CHECK(strcmp(s.line[1], "/ch/a 2 -") == 0, "replayed %s", s.line[1]);
	CHECK(info.txid == tx2 + 1 && info.prev == tx2 && info.flags == 0 && info.discarded_from == 0 &&
	      info.discarded_to == 0, "info: txid %llu prev %llu flags %d discarded %llu..%llu",
	      (unsigned long long)info.txid, (unsigned long long)info.prev, info.flags,
	      (unsigned long long)info.discarded_from, (unsigned long long)info.discarded_to);

	/* a position the node never had: re-read */
	CHECK_CONFD(goha_cdb_subscribe(x, "", 1, 999999, NULL), CONFD_OK, 0);
	CHECK_EQ(goha_cdb_read_change2(x, &info, on_change, &s), 0, "a resync notice has no changes");
	CHECK_EQ(info.flags, GOHA_CDB_RESYNC, "GOHA_CDB_RESYNC");
	close(c);
	close(r);
	close(x);
}

/* Node 2 becomes a secondary of node 1: its subscriber is told of the
 * primary's commits with HA_IS_SECONDARY, and the primary does not wait
 * for it. */
static void test_secondary(int w)
{
	int h1 = ha_open(1, HA_TOKEN), h2 = ha_open(2, HA_TOKEN), s2, pts[4], n = 0, flags = 0, *arr = NULL;
	confd_value_t me1 = nodeid("n1"), me2 = nodeid("n2");
	struct confd_ha_node p = primary_node("n1");
	struct cdb_txid tx;
	struct walk walk;
	int d2, p2;

	CHECK(h1 >= 0 && h2 >= 0, "HA sockets");
	CHECK_CONFD(confd_ha_beprimary(h1, &me1), CONFD_OK, 0);
	CHECK_CONFD(confd_ha_besecondary(h2, &me2, &p, 1), CONFD_OK, 0);
	s2 = cdbc_open(2, CDB_SUBSCRIPTION_SOCKET);
	CHECK_CONFD(cdb_subscribe(s2, 1, 0, &p2, "/rep"), CONFD_OK, 0);
	CHECK_CONFD(cdb_subscribe_done(s2), CONFD_OK, 0);
	(void)pts;
	CONFD_SET_INT32(&me1, 5); /* reuse as a value */
	CHECK_CONFD(goha_cdb_set(w, "/rep/x", &me1), CONFD_OK, 0); /* returns: no local subscriber */
	CHECK(h_wait_readable(s2, 10000), "the secondary's subscriber is told");
	CHECK_CONFD(cdb_read_subscription_socket2(s2, NULL, &flags, &arr, &n), CONFD_OK, 0);
	CHECK(n == 1 && arr[0] == p2 && flags == (CDB_SUB_FLAG_HA_IS_SECONDARY | CDB_SUB_FLAG_IS_LAST),
	      "secondary notification: %d ids, flags %#x", n, flags);
	free(arr);
	memset(&walk, 0, sizeof walk);
	CHECK_CONFD(cdb_diff_iterate(s2, p2, record, 0, &walk), CONFD_OK, 0);
	CHECK_LINE(&walk, 0, "1 /rep - -");
	CHECK_LINE(&walk, 1, "4 /rep/x - 5");
	CHECK_CONFD(cdb_sync_subscription_socket(s2, CDB_DONE_PRIORITY), CONFD_OK, 0);
	d2 = cdbc_open(2, CDB_DATA_SOCKET);
	CHECK_CONFD(cdb_get_txid(d2, &tx), CONFD_OK, 0);
	CHECK(strcmp(tx.primary, "n1") == 0, "a secondary's cdb_txid names its primary: \"%s\"", tx.primary);
	CHECK_CONFD(cdb_start_session(d2, CDB_OPERATIONAL), CONFD_OK, 0);
	CHECK_CONFD(cdb_set_elem2(d2, "6", "/rep/x"), CONFD_ERR, CONFD_ERR_NOT_WRITABLE);
	cdb_close(d2);

	/* the daemon goes away: EOF on the sockets it served */
	CHECK_EQ(h_cluster("stop-node", "2", NULL), 0, "stop node 2");
	CHECK(h_wait_readable(s2, 10000), "the stopped daemon closes the socket");
	CHECK_CONFD(cdb_read_subscription_socket(s2, pts, &n), CONFD_EOF, CONFD_ERR_EOF);
	CHECK_CONFD(cdb_sync_subscription_socket(s2, CDB_DONE_PRIORITY), CONFD_ERR, CONFD_ERR_BADSTATE);
	cdb_close(s2);
	close(h1);
	close(h2);
}

static void test_notifications2(void)
{
	struct sockaddr_un a;
	socklen_t l = ha_node_addr(1, &a);
	struct confd_notifications_data nd;
	int fd;

	memset(&nd, 0, sizeof nd);
	nd.heartbeat_interval = 1000;
	CONFD_SET_NOEXISTS(&nd.start_time);
	CONFD_SET_NOEXISTS(&nd.stop_time);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_CONFD(confd_notifications_connect2(fd, (struct sockaddr *)&a, l,
						 CONFD_NOTIF_HA_INFO | CONFD_NOTIF_HEARTBEAT | NCS_NOTIF_CQ_PROGRESS, &nd),
		    CONFD_OK, 0);
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_CONFD(confd_notifications_connect2(fd, (struct sockaddr *)&a, l, CONFD_NOTIF_HEARTBEAT, NULL),
		    CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	nd.start_time.type = C_INT32;
	CHECK_CONFD(confd_notifications_connect2(fd, (struct sockaddr *)&a, l, CONFD_NOTIF_HEARTBEAT, &nd),
		    CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CONFD_SET_NOEXISTS(&nd.start_time);
	nd.verbosity = 9;
	CHECK_CONFD(confd_notifications_connect2(fd, (struct sockaddr *)&a, l, CONFD_NOTIF_HEARTBEAT, &nd),
		    CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	nd.verbosity = CONFD_VERBOSITY_NORMAL;
	nd.health_check_interval = -1;
	CHECK_CONFD(confd_notifications_connect2(fd, (struct sockaddr *)&a, l, CONFD_NOTIF_HEARTBEAT, &nd),
		    CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	/* a kind goha does not produce, alone: accepted, nothing delivered */
	CHECK_CONFD(confd_notifications_connect(fd, (struct sockaddr *)&a, l, CONFD_NOTIF_COMMIT_SIMPLE), CONFD_OK, 0);
	CHECK(!h_wait_readable(fd, 200), "nothing is delivered for COMMIT_SIMPLE");
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_CONFD(confd_notifications_connect(fd, (struct sockaddr *)&a, l, 1LL << 62), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	close(fd);
}

int main(int argc, char **argv)
{
	struct sockaddr_un a;
	socklen_t al;
	int fd, d, sub, w;
	confd_value_t v;
	char buf[256];
	confd_hkeypath_t kp;

	h_init(argv[0]);
	(void)argc;
	al = ha_node_addr(1, &a);

	/* before confd_init */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_CONFD(cdb_connect(fd, CDB_DATA_SOCKET, (struct sockaddr *)&a, al), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(cdb_get(fd, &v, "/a"), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(cdb_get_int32(fd, NULL, "/a"), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(cdb_subscribe(fd, 1, 0, NULL, "/a"), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(goha_cdb_subscribe(fd, "", 0, 0, NULL), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	confd_init("confd_cdb", stderr, CONFD_SILENT);

	/* connect */
	CHECK_CONFD(cdb_connect(fd, 7, (struct sockaddr *)&a, al), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_connect(fd, CDB_DATA_SOCKET, NULL, al), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_connect(-1, CDB_DATA_SOCKET, (struct sockaddr *)&a, al), CONFD_ERR, CONFD_ERR_OS);
	CHECK_CONFD(cdb_connect_name(fd, CDB_DATA_SOCKET, (struct sockaddr *)&a, al, NULL), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_connect_name(fd, CDB_DATA_SOCKET, (struct sockaddr *)&a, al, ""), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(cdb_connect_name(fd, CDB_READ_SOCKET, (struct sockaddr *)&a, al, "reader"), CONFD_OK, 0);
	CHECK_CONFD(cdb_connect(fd, CDB_DATA_SOCKET, (struct sockaddr *)&a, al), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	d = fd;
	sub = cdbc_open(1, CDB_SUBSCRIPTION_SOCKET);
	w = cdb_open(1);
	CHECK(sub >= 0 && w >= 0, "sockets (%s)", confd_lasterr());

	test_data(d, sub);
	test_subscriptions(d, w);
	test_changes(w);
	test_notifications2();

	/* confd_pp_kpath: names of tags libgoha made, quoted keys */
	memset(&kp, 0, sizeof kp);
	CHECK_CONFD(confd_pp_kpath(buf, sizeof buf, NULL), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	kp.len = MAXDEPTH + 1;
	CHECK_CONFD(confd_pp_kpath(buf, sizeof buf, &kp), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	kp.len = 0;
	CHECK(confd_pp_kpath(buf, sizeof buf, &kp) == 1 && strcmp(buf, "/") == 0, "the empty keypath: %s", buf);

	test_secondary(w);

	/* a socket whose daemon went away */
	CHECK_EQ(h_cluster("stop-node", "1", NULL), 0, "stop node 1");
	CHECK_CONFD(cdb_start_session(d, CDB_RUNNING), CONFD_OK, 0); /* no daemon round trip */
	CHECK_CONFD(cdb_get(d, &v, "/t/i8"), CONFD_EOF, CONFD_ERR_EOF);
	CHECK_CONFD(cdb_subscribe(sub, 1, 0, &fd, "/x"), CONFD_EOF, CONFD_ERR_EOF);
	CHECK_CONFD(cdb_close(d), CONFD_OK, 0);
	CHECK_CONFD(cdb_close(sub), CONFD_OK, 0);
	close(w);
	return h_done();
}
