// goha-test: nodes=1
/*
 * Every quorum_*, cmap_* and corosync_cfg_* function against a one-node
 * gohad: normal use, the rules of each call (corosync 3.1.7's, see
 * spec/corosync-quorum-cmap-cfg.md), bad input on every entry point (NULL
 * pointers, bad and finalized handles, unknown keys, wrong types, over-long
 * names, bad flags), callbacks through fd_get/dispatch, finalize from a
 * callback, and at the end the cfg shutdown negotiation: a tracker that says
 * no keeps the daemon up, REGARDLESS stops it (its clean leave), after which
 * every call reports CS_ERR_LIBRARY.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <pthread.h>
#include <corosync/corotypes.h>
#include <corosync/quorum.h>
#include <corosync/cmap.h>
#include <corosync/cfg.h>
#include <goha.h>
#include "harness.h"

#define BAD_HANDLE 12345

/* ---- quorum ---- */

static struct {
	int quorum, nodelist, v0;
	uint32_t quorate, members, joined, left, first;
	uint64_t seq;
	quorum_handle_t finalize_me;
} qlog;

static void q_v0(quorum_handle_t h, uint32_t quorate, uint64_t ring_seq, uint32_t n, uint32_t *list)
{
	(void)h;
	qlog.v0++;
	qlog.quorate = quorate;
	qlog.seq = ring_seq;
	qlog.members = n;
	qlog.first = n ? list[0] : 0;
}

static void q_v1(quorum_handle_t h, uint32_t quorate, struct quorum_ring_id ring, uint32_t n, const uint32_t *list)
{
	qlog.quorum++;
	qlog.quorate = quorate;
	qlog.seq = ring.seq;
	qlog.members = n;
	qlog.first = n ? list[0] : 0;
	if (qlog.finalize_me == h) {
		qlog.finalize_me = 0;
		CHECK_CS(quorum_finalize(h), CS_OK);
	}
}

static void q_nodes(quorum_handle_t h, struct quorum_ring_id ring, uint32_t n, const uint32_t *m,
		    uint32_t nj, const uint32_t *j, uint32_t nl, const uint32_t *l)
{
	(void)h; (void)ring; (void)m; (void)j; (void)l;
	CHECK(qlog.nodelist == qlog.quorum, "each NODELIST comes before its QUORUM");
	qlog.nodelist++;
	qlog.members = n;
	qlog.joined = nj;
	qlog.left = nl;
}

static void test_quorum(void)
{
	quorum_handle_t h, v0, bad = BAD_HANDLE;
	quorum_callbacks_t cb0 = { .quorum_notify_fn = q_v0 };
	quorum_model_v1_data_t md = { .quorum_notify_fn = q_v1, .nodelist_notify_fn = q_nodes };
	uint32_t type = 99;
	int quorate = -1, fd = -1;
	const void *ctx = NULL;

	/* Bad input. */
	CHECK_CS(quorum_initialize(NULL, &cb0, &type), CS_ERR_INVALID_PARAM);
	CHECK_CS(quorum_model_initialize(&h, 7, NULL, &type, NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(quorum_getquorate(bad, &quorate), CS_ERR_BAD_HANDLE);
	CHECK_CS(quorum_trackstart(bad, CS_TRACK_CURRENT), CS_ERR_BAD_HANDLE);
	CHECK_CS(quorum_trackstop(bad), CS_ERR_BAD_HANDLE);
	CHECK_CS(quorum_fd_get(bad, &fd), CS_ERR_BAD_HANDLE);
	CHECK_CS(quorum_context_set(bad, NULL), CS_ERR_BAD_HANDLE);
	CHECK_CS(quorum_context_get(bad, &ctx), CS_ERR_BAD_HANDLE);
	CHECK_CS(quorum_finalize(bad), CS_ERR_BAD_HANDLE);
	CHECK_CS(quorum_dispatch(bad, 0), CS_ERR_INVALID_PARAM); /* flags before the handle */
	CHECK_CS(quorum_dispatch(bad, CS_DISPATCH_ALL), CS_ERR_BAD_HANDLE);

	/* V1 with a context; NULL callbacks and type are fine for V0. */
	CHECK_CS(quorum_initialize(&v0, NULL, NULL), CS_OK);
	CHECK_CS(quorum_finalize(v0), CS_OK);
	CHECK_CS(quorum_model_initialize(&h, QUORUM_MODEL_V1, (quorum_model_data_t *)&md, &type, (void *)0x1234), CS_OK);
	CHECK_EQ(type, QUORUM_SET, "quorum_type");
	CHECK_CS(quorum_context_get(h, &ctx), CS_OK);
	CHECK(ctx == (void *)0x1234, "initial context from model_initialize");
	CHECK_CS(quorum_context_get(h, NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(quorum_context_set(h, &type), CS_OK);
	CHECK_CS(quorum_context_get(h, &ctx), CS_OK);
	CHECK(ctx == &type, "context_set");
	CHECK_CS(quorum_getquorate(h, NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(quorum_getquorate(h, &quorate), CS_OK);
	CHECK_EQ(quorate, 1, "quorate");
	CHECK_CS(quorum_fd_get(h, NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(quorum_fd_get(h, &fd), CS_OK);
	CHECK_CS(quorum_trackstart(h, 0x10), CS_ERR_INVALID_PARAM);
	CHECK_CS(quorum_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING), CS_ERR_TRY_AGAIN);
	CHECK_CS(quorum_dispatch(h, CS_DISPATCH_ALL), CS_OK);
	CHECK_CS(quorum_trackstop(h), CS_OK); /* not tracking: still CS_OK */

	/* CURRENT: NODELIST then QUORUM, once. */
	CHECK_CS(quorum_trackstart(h, CS_TRACK_CURRENT), CS_OK);
	CHECK(h_wait_readable(fd, 5000), "fd readable after trackstart");
	CHECK(WAIT_UNTIL(quorum_dispatch(h, CS_DISPATCH_ALL) == CS_OK && qlog.quorum == 1, 5000), "snapshot delivered");
	CHECK(qlog.nodelist == 1 && qlog.quorum == 1 && qlog.quorate == 1, "NODELIST and QUORUM, quorate");
	CHECK(qlog.members == 1 && qlog.first == 1 && qlog.joined == 0 && qlog.left == 0, "members [1], nothing joined or left");
	CHECK(!h_readable_now(fd), "fd quiet once drained");
	/* CHANGES: snapshot and registration; again: snapshot and EXIST. */
	CHECK_CS(quorum_trackstart(h, CS_TRACK_CHANGES), CS_OK);
	CHECK_CS(quorum_trackstart(h, CS_TRACK_CHANGES), CS_ERR_EXIST);
	CHECK(WAIT_UNTIL(quorum_dispatch(h, CS_DISPATCH_ALL) == CS_OK && qlog.quorum == 3, 5000), "two more snapshots");
	CHECK_CS(quorum_trackstop(h), CS_OK);
	CHECK_CS(quorum_trackstop(h), CS_OK);
	/* Finalize from a callback: dispatch returns CS_ERR_BAD_HANDLE. */
	CHECK_CS(quorum_trackstart(h, CS_TRACK_CURRENT), CS_OK);
	qlog.finalize_me = h;
	CHECK(h_wait_readable(fd, 5000), "snapshot queued");
	CHECK_CS(quorum_dispatch(h, CS_DISPATCH_BLOCKING), CS_ERR_BAD_HANDLE);
	CHECK_CS(quorum_finalize(h), CS_ERR_BAD_HANDLE);
	CHECK_CS(quorum_getquorate(h, &quorate), CS_ERR_BAD_HANDLE);

	/* V0: QUORUM only (no NODELIST), with the ring sequence number. */
	memset(&qlog, 0, sizeof qlog);
	CHECK_CS(quorum_initialize(&v0, &cb0, &type), CS_OK);
	CHECK_CS(quorum_trackstart(v0, CS_TRACK_CHANGES_ONLY), CS_OK);
	CHECK_CS(quorum_dispatch(v0, CS_DISPATCH_ONE_NONBLOCKING), CS_ERR_TRY_AGAIN);
	CHECK_CS(quorum_trackstart(v0, CS_TRACK_CURRENT), CS_ERR_EXIST);
	CHECK_CS(quorum_dispatch(v0, CS_DISPATCH_ONE), CS_OK);
	CHECK(qlog.v0 == 1 && qlog.nodelist == 0 && qlog.quorate == 1 && qlog.members == 1 && qlog.seq > 0,
	      "V0: one QUORUM with the ring sequence");
	CHECK_CS(quorum_finalize(v0), CS_OK);
}

/* ---- cmap ---- */

static struct {
	int n;
	cmap_track_handle_t th[16];
	int32_t ev[16];
	char key[16][64];
	cmap_value_types_t ntype[16], otype[16];
	size_t nlen[16], olen[16];
	uint32_t nval[16], oval[16];
	void *ud[16];
} clog;

static void c_notify(cmap_handle_t h, cmap_track_handle_t th, int32_t event, const char *key,
		     struct cmap_notify_value nv, struct cmap_notify_value ov, void *ud)
{
	int i = clog.n++;

	(void)h;
	if (i >= 16)
		return;
	clog.th[i] = th;
	clog.ev[i] = event;
	snprintf(clog.key[i], sizeof clog.key[i], "%s", key);
	clog.ntype[i] = nv.type;
	clog.otype[i] = ov.type;
	clog.nlen[i] = nv.len;
	clog.olen[i] = ov.len;
	clog.nval[i] = (nv.type == CMAP_VALUETYPE_UINT32 && nv.data) ? *(const uint32_t *)nv.data : 0;
	clog.oval[i] = (ov.type == CMAP_VALUETYPE_UINT32 && ov.data) ? *(const uint32_t *)ov.data : 0;
	clog.ud[i] = ud;
}

static void test_cmap_values(cmap_handle_t h)
{
	int8_t i8; uint8_t u8; int16_t i16; uint16_t u16; int32_t i32; uint32_t u32;
	int64_t i64; uint64_t u64; float f; double d;
	char *s = NULL, buf[8], big[300];
	size_t len;
	cmap_value_types_t t;

	CHECK_CS(cmap_get_uint32(h, "runtime.votequorum.this_node_id", &u32), CS_OK);
	CHECK_EQ(u32, 1, "this_node_id");
	CHECK_CS(cmap_get_string(h, "quorum.provider", &s), CS_OK);
	CHECK(s && strcmp(s, "corosync_votequorum") == 0, "quorum.provider");
	free(s);
	CHECK_CS(cmap_get_string(h, "nodelist.node.0.name", &s), CS_OK);
	CHECK(s && strcmp(s, "n1") == 0, "nodelist name");
	free(s);
	CHECK_CS(cmap_get_uint8(h, "runtime.votequorum.this_node_id", &u8), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_get_string(h, "runtime.votequorum.this_node_id", &s), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_get_uint32(h, "quorum.provider", &u32), CS_ERR_INVALID_PARAM); /* a string */
	CHECK_CS(cmap_get_uint32(h, "no.such.key", &u32), CS_ERR_NOT_EXIST);
	CHECK_CS(cmap_get(h, "ab", NULL, NULL, NULL), CS_ERR_NOT_EXIST); /* reads do not check names */

	/* Every type round-trips through its typed calls. */
	CHECK_CS(cmap_set_int8(h, "ct.i8", -128), CS_OK);
	CHECK_CS(cmap_set_uint8(h, "ct.u8", 255), CS_OK);
	CHECK_CS(cmap_set_int16(h, "ct.i16", -300), CS_OK);
	CHECK_CS(cmap_set_uint16(h, "ct.u16", 65535), CS_OK);
	CHECK_CS(cmap_set_int32(h, "ct.i32", -70000), CS_OK);
	CHECK_CS(cmap_set_uint32(h, "ct.u32", 4000000000u), CS_OK);
	CHECK_CS(cmap_set_int64(h, "ct.i64", INT64_MIN), CS_OK);
	CHECK_CS(cmap_set_uint64(h, "ct.u64", UINT64_MAX), CS_OK);
	CHECK_CS(cmap_set_float(h, "ct.flt", 1.5f), CS_OK);
	CHECK_CS(cmap_set_double(h, "ct.dbl", -2.25), CS_OK);
	CHECK_CS(cmap_set_string(h, "ct.str", "hello"), CS_OK);
	CHECK_CS(cmap_set(h, "ct.bin", "\0\1\2", 3, CMAP_VALUETYPE_BINARY), CS_OK);
	CHECK(cmap_get_int8(h, "ct.i8", &i8) == CS_OK && i8 == -128, "int8");
	CHECK(cmap_get_uint8(h, "ct.u8", &u8) == CS_OK && u8 == 255, "uint8");
	CHECK(cmap_get_int16(h, "ct.i16", &i16) == CS_OK && i16 == -300, "int16");
	CHECK(cmap_get_uint16(h, "ct.u16", &u16) == CS_OK && u16 == 65535, "uint16");
	CHECK(cmap_get_int32(h, "ct.i32", &i32) == CS_OK && i32 == -70000, "int32");
	CHECK(cmap_get_uint32(h, "ct.u32", &u32) == CS_OK && u32 == 4000000000u, "uint32");
	CHECK(cmap_get_int64(h, "ct.i64", &i64) == CS_OK && i64 == INT64_MIN, "int64");
	CHECK(cmap_get_uint64(h, "ct.u64", &u64) == CS_OK && u64 == UINT64_MAX, "uint64");
	CHECK(cmap_get_float(h, "ct.flt", &f) == CS_OK && f == 1.5f, "float");
	CHECK(cmap_get_double(h, "ct.dbl", &d) == CS_OK && d == -2.25, "double");
	CHECK(cmap_get_string(h, "ct.str", &s) == CS_OK && strcmp(s, "hello") == 0, "string");
	free(s);
	len = sizeof buf;
	CHECK(cmap_get(h, "ct.bin", buf, &len, &t) == CS_OK && len == 3 && t == CMAP_VALUETYPE_BINARY &&
	      memcmp(buf, "\0\1\2", 3) == 0, "binary");
	/* A string is stored with its NUL; a small buffer is refused. */
	CHECK(cmap_get(h, "ct.str", NULL, &len, &t) == CS_OK && len == 6 && t == CMAP_VALUETYPE_STRING, "string len = strlen+1");
	len = 3;
	CHECK_CS(cmap_get(h, "ct.str", buf, &len, &t), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_get(h, "ct.str", buf, NULL, &t), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_get(h, "ct.str", NULL, NULL, NULL), CS_OK);
	/* inc/dec wrap; not for floats and strings. */
	CHECK_CS(cmap_dec(h, "ct.i8"), CS_OK);
	CHECK(cmap_get_int8(h, "ct.i8", &i8) == CS_OK && i8 == 127, "int8 -128 - 1 = 127");
	CHECK_CS(cmap_inc(h, "ct.u64"), CS_OK);
	CHECK(cmap_get_uint64(h, "ct.u64", &u64) == CS_OK && u64 == 0, "uint64 max + 1 = 0");
	CHECK_CS(cmap_inc(h, "ct.flt"), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_dec(h, "ct.str"), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_inc(h, "no.such.key"), CS_ERR_NOT_EXIST);

	/* Bad values and names. */
	CHECK_CS(cmap_set(h, "ct.x", NULL, 4, CMAP_VALUETYPE_UINT32), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_set(h, NULL, &u32, 4, CMAP_VALUETYPE_UINT32), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_set(h, "ct.x", &u32, 2, CMAP_VALUETYPE_UINT32), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_set(h, "ct.x", &u32, 4, 99), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_set(h, "ct.x", "a\0b", 3, CMAP_VALUETYPE_STRING), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_set_string(h, "ct.x", NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_set_uint8(h, "ab", 1), CS_ERR_NAME_TOO_LONG);
	CHECK_CS(cmap_set_uint8(h, "bad key!", 1), CS_ERR_NAME_TOO_LONG);
	memset(big, 'k', 256);
	big[256] = 0;
	CHECK_CS(cmap_set_uint8(h, big, 1), CS_ERR_NAME_TOO_LONG);
	CHECK_CS(cmap_get(h, big, NULL, NULL, NULL), CS_ERR_NAME_TOO_LONG);
	CHECK_CS(cmap_delete(h, big), CS_ERR_NAME_TOO_LONG);
	big[255] = 0;
	CHECK_CS(cmap_set_uint8(h, big, 1), CS_OK); /* 255 is the longest name */
	CHECK_CS(cmap_delete(h, big), CS_OK);
	CHECK_CS(cmap_get_uint8(h, NULL, &u8), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_get_uint8(h, "ct.u8", NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_get_string(h, "ct.str", NULL), CS_ERR_INVALID_PARAM);

	/* Access rules and effects. */
	CHECK_CS(cmap_set_uint32(h, "totem.version", 3), CS_ERR_ACCESS);
	CHECK_CS(cmap_delete(h, "totem.cluster_name"), CS_ERR_ACCESS);
	CHECK_CS(cmap_set_uint32(h, "nodelist.node.0.nodeid", 9), CS_ERR_ACCESS);
	CHECK_CS(cmap_set_uint32(h, "runtime.votequorum.this_node_id", 5), CS_ERR_ACCESS);
	CHECK_CS(cmap_inc(h, "runtime.votequorum.this_node_id"), CS_ERR_ACCESS);
	CHECK_CS(cmap_set_uint32(h, "totem.token", 5000), CS_ERR_NOT_SUPPORTED);
	CHECK_CS(cmap_set_uint32(h, "quorum.votes", 2), CS_ERR_NOT_SUPPORTED);
	CHECK_CS(cmap_set_uint32(h, "quorum.two_node", 1), CS_ERR_INVALID_PARAM); /* a u8 */
	/* two_node switches at run time, as on a config reload. */
	CHECK_CS(cmap_set_uint8(h, "quorum.two_node", 1), CS_OK);
	CHECK(cmap_get_uint8(h, "runtime.votequorum.two_node", &u8) == CS_OK && u8 == 1, "two_node on");
	CHECK_CS(cmap_delete(h, "quorum.two_node"), CS_OK);
	CHECK(cmap_get_uint8(h, "runtime.votequorum.two_node", &u8) == CS_OK && u8 == 0, "two_node off again");
	CHECK_CS(cmap_set_uint32(h, "quorum.expected_votes", 0), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_set_uint8(h, "quorum.expected_votes", 1), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_set_uint32(h, "quorum.expected_votes", 1), CS_OK);
	CHECK_CS(cmap_delete(h, "no.such.key"), CS_ERR_NOT_EXIST);
	CHECK_CS(cmap_delete(h, "ct.bin"), CS_OK);
	CHECK_CS(cmap_get(h, "ct.bin", NULL, NULL, NULL), CS_ERR_NOT_EXIST);
}

static void test_cmap_iter(cmap_handle_t h)
{
	cmap_iter_handle_t it, it2;
	char key[CMAP_KEYNAME_MAXLEN + 1], prev[CMAP_KEYNAME_MAXLEN + 1] = "";
	size_t len;
	cmap_value_types_t t;
	int n = 0, sorted = 1;

	CHECK_CS(cmap_iter_init(h, "ct.", NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_iter_init(h, "ct.", &it), CS_OK);
	while (cmap_iter_next(h, it, key, &len, &t) == CS_OK) {
		if (strcmp(prev, key) >= 0)
			sorted = 0;
		snprintf(prev, sizeof prev, "%s", key);
		if (strcmp(key, "ct.u16") == 0)
			CHECK(len == 2 && t == CMAP_VALUETYPE_UINT16, "iter: ct.u16 length and type");
		n++;
	}
	CHECK_EQ(n, 11, "keys under ct.");
	CHECK(sorted, "iteration in byte order");
	CHECK_CS(cmap_iter_next(h, it, key, NULL, NULL), CS_ERR_NO_SECTIONS); /* again at the end */
	CHECK_CS(cmap_iter_next(h, it, NULL, NULL, NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_iter_finalize(h, it), CS_OK);
	CHECK_CS(cmap_iter_finalize(h, it), CS_ERR_BAD_HANDLE);
	CHECK_CS(cmap_iter_next(h, it, key, NULL, NULL), CS_ERR_BAD_HANDLE);
	CHECK_CS(cmap_iter_next(h, BAD_HANDLE, key, NULL, NULL), CS_ERR_BAD_HANDLE);
	/* A prefix that matches nothing: init succeeds, next ends. */
	CHECK_CS(cmap_iter_init(h, "zz.none.", &it2), CS_OK);
	CHECK_CS(cmap_iter_next(h, it2, key, NULL, NULL), CS_ERR_NO_SECTIONS);
	CHECK_CS(cmap_iter_finalize(h, it2), CS_OK);
	/* NULL prefix: every key. */
	CHECK_CS(cmap_iter_init(h, NULL, &it2), CS_OK);
	n = 0;
	while (cmap_iter_next(h, it2, key, NULL, NULL) == CS_OK)
		n++;
	CHECK(n > 20, "NULL prefix lists every key (%d)", n);
	CHECK_CS(cmap_iter_finalize(h, it2), CS_OK);
}

static void test_cmap_track(cmap_handle_t h)
{
	cmap_track_handle_t exact, prefix, th;
	int fd;
	int marker;
	const void *ctx = NULL;

	CHECK_CS(cmap_fd_get(h, NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_fd_get(h, &fd), CS_OK);
	CHECK_CS(cmap_track_add(h, "tr.a", CMAP_TRACK_ADD, NULL, NULL, &th), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_track_add(h, "tr.a", CMAP_TRACK_ADD, c_notify, NULL, NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_track_add(h, "tr.a", 16, c_notify, NULL, &th), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_track_add(h, "tr.a", CMAP_TRACK_ADD | CMAP_TRACK_MODIFY | CMAP_TRACK_DELETE, c_notify, &marker, &exact), CS_OK);
	CHECK_CS(cmap_track_add(h, "tr.", CMAP_TRACK_ADD | CMAP_TRACK_MODIFY | CMAP_TRACK_DELETE | CMAP_TRACK_PREFIX,
				c_notify, NULL, &prefix), CS_OK);
	CHECK(exact != prefix, "distinct track handles");
	CHECK_CS(cmap_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING), CS_ERR_TRY_AGAIN);

	CHECK_CS(cmap_set_uint32(h, "tr.a", 1), CS_OK);
	CHECK_CS(cmap_set_uint32(h, "tr.a", 1), CS_OK); /* unchanged: no event */
	CHECK_CS(cmap_set_uint32(h, "tr.a", 2), CS_OK);
	CHECK_CS(cmap_delete(h, "tr.a"), CS_OK);
	CHECK(WAIT_UNTIL((h_wait_readable(fd, 50) ? (void)cmap_dispatch(h, CS_DISPATCH_ALL) : (void)0, clog.n >= 6), 5000),
	      "six notifications");
	CHECK_EQ(clog.n, 6, "notifications (an unchanged set notifies nobody)");
	CHECK(clog.th[0] == exact && clog.ev[0] == CMAP_TRACK_ADD && clog.th[1] == prefix && clog.ev[1] == CMAP_TRACK_ADD,
	      "ADD: the exact tracker first, then the prefix tracker");
	CHECK(clog.otype[0] == 0 && clog.olen[0] == 0 && clog.ntype[0] == CMAP_VALUETYPE_UINT32 && clog.nval[0] == 1,
	      "ADD: old value unset, new value 1");
	CHECK(clog.ud[0] == &marker && clog.ud[1] == NULL, "user_data per tracker");
	CHECK(clog.ev[2] == CMAP_TRACK_MODIFY && clog.oval[2] == 1 && clog.nval[2] == 2, "MODIFY: old 1, new 2");
	CHECK(clog.ev[4] == CMAP_TRACK_DELETE && clog.ntype[4] == 0 && clog.nlen[4] == 0 && clog.oval[4] == 2,
	      "DELETE: new value unset, old 2");
	CHECK(strcmp(clog.key[5], "tr.a") == 0, "key name in the callback");

	/* Deleting a tracker drops its queued notifications. */
	clog.n = 0;
	CHECK_CS(cmap_set_uint32(h, "tr.b", 7), CS_OK); /* prefix tracker only */
	CHECK(h_wait_readable(fd, 5000), "notification queued");
	CHECK_CS(cmap_track_delete(h, prefix), CS_OK);
	CHECK_CS(cmap_dispatch(h, CS_DISPATCH_ALL), CS_OK);
	CHECK_EQ(clog.n, 0, "no callback of a deleted tracker");
	CHECK_CS(cmap_track_delete(h, prefix), CS_ERR_BAD_HANDLE);
	CHECK_CS(cmap_track_delete(h, BAD_HANDLE), CS_ERR_BAD_HANDLE);
	CHECK_CS(cmap_track_delete(h, exact), CS_OK);

	CHECK_CS(cmap_context_get(h, &ctx), CS_OK);
	CHECK(ctx == NULL, "context starts NULL");
	CHECK_CS(cmap_context_set(h, &marker), CS_OK);
	CHECK_CS(cmap_context_get(h, &ctx), CS_OK);
	CHECK(ctx == &marker, "context_set");
	CHECK_CS(cmap_context_get(h, NULL), CS_ERR_INVALID_PARAM);
}

static void test_cmap(void)
{
	cmap_handle_t h, stats, bad = BAD_HANDLE;
	uint64_t u64;
	uint32_t u32;
	cmap_track_handle_t th;

	CHECK_CS(cmap_initialize(NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(cmap_initialize_map(&h, 5), CS_ERR_NOT_EXIST);
	CHECK_CS(cmap_get_uint32(bad, "totem.version", &u32), CS_ERR_BAD_HANDLE);
	CHECK_CS(cmap_set_uint32(bad, "ct.x", 1), CS_ERR_BAD_HANDLE);
	CHECK_CS(cmap_finalize(bad), CS_ERR_BAD_HANDLE);
	CHECK_CS(cmap_dispatch(bad, CS_DISPATCH_ALL), CS_ERR_BAD_HANDLE);

	CHECK_CS(cmap_initialize(&h), CS_OK);
	test_cmap_values(h);
	test_cmap_iter(h);
	test_cmap_track(h);
	CHECK_CS(cmap_finalize(h), CS_OK);
	CHECK_CS(cmap_finalize(h), CS_ERR_BAD_HANDLE);
	CHECK_CS(cmap_get_uint32(h, "totem.version", &u32), CS_ERR_BAD_HANDLE);

	/* The stats map: gohad's counters, read-only, not trackable. */
	CHECK_CS(cmap_initialize_map(&stats, CMAP_MAP_STATS), CS_OK);
	CHECK_CS(cmap_get_uint64(stats, "stats.goha.dgram_sent", &u64), CS_OK);
	CHECK_CS(cmap_set_uint64(stats, "stats.goha.dgram_sent", 0), CS_ERR_ACCESS);
	CHECK_CS(cmap_track_add(stats, "stats.", CMAP_TRACK_PREFIX | CMAP_TRACK_MODIFY, c_notify, NULL, &th), CS_ERR_NOT_SUPPORTED);
	CHECK_CS(cmap_get_uint32(stats, "runtime.votequorum.this_node_id", &u32), CS_ERR_NOT_EXIST);
	CHECK_CS(cmap_finalize(stats), CS_OK);
}

/* ---- cfg ---- */

static volatile int asked, asked_flags, answer_yes;

static void cfg_cb(corosync_cfg_handle_t h, corosync_cfg_shutdown_flags_t flags)
{
	asked++;
	asked_flags = flags;
	CHECK_CS(corosync_cfg_replyto_shutdown(h, answer_yes ? COROSYNC_CFG_SHUTDOWN_FLAG_YES : COROSYNC_CFG_SHUTDOWN_FLAG_NO), CS_OK);
}

struct shutdown_req {
	corosync_cfg_handle_t h;
	corosync_cfg_shutdown_flags_t flags;
	cs_error_t rc;
};

static void *shutdown_thread(void *arg)
{
	struct shutdown_req *r = arg;

	r->rc = corosync_cfg_try_shutdown(r->h, r->flags);
	return NULL;
}

/* ask runs try_shutdown(flags) on a thread while the tracker dispatches;
 * returns its status. */
static cs_error_t ask(corosync_cfg_handle_t req, corosync_cfg_handle_t tracker, int fd, corosync_cfg_shutdown_flags_t flags)
{
	struct shutdown_req r = { .h = req, .flags = flags, .rc = -1 };
	pthread_t t;
	int before = asked;

	pthread_create(&t, NULL, shutdown_thread, &r);
	CHECK(h_wait_readable(fd, 10000), "the tracker is asked");
	CHECK_CS(corosync_cfg_dispatch(tracker, CS_DISPATCH_ONE), CS_OK);
	CHECK(asked == before + 1 && asked_flags == (int)flags, "shutdown callback with the requester's flags");
	pthread_join(t, NULL);
	return r.rc;
}

static void test_cfg(void)
{
	corosync_cfg_handle_t h, tracker, bad = BAD_HANDLE;
	corosync_cfg_callbacks_t cb = { .corosync_cfg_shutdown_callback = cfg_cb };
	corosync_cfg_node_address_t addrs[8];
	struct corosync_cfg_node_status_v1 ns;
	struct sockaddr_in *sin = (struct sockaddr_in *)addrs[0].address;
	char **names = NULL, **status = NULL, reason[300];
	unsigned int count = 0, id = 0;
	int num = -1, fd = -1;

	CHECK_CS(corosync_cfg_initialize(NULL, &cb), CS_ERR_INVALID_PARAM);
	CHECK_CS(corosync_cfg_local_get(bad, &id), CS_ERR_BAD_HANDLE);
	CHECK_CS(corosync_cfg_get_node_addrs(bad, 0, 8, &num, addrs), CS_ERR_BAD_HANDLE);
	CHECK_CS(corosync_cfg_trackstart(bad, 0), CS_ERR_BAD_HANDLE);
	CHECK_CS(corosync_cfg_try_shutdown(bad, COROSYNC_CFG_SHUTDOWN_FLAG_REQUEST), CS_ERR_BAD_HANDLE);
	CHECK_CS(corosync_cfg_finalize(bad), CS_ERR_BAD_HANDLE);

	CHECK_CS(corosync_cfg_initialize(&h, NULL), CS_OK);
	CHECK_CS(corosync_cfg_local_get(h, NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(corosync_cfg_local_get(h, &id), CS_OK);
	CHECK_EQ(id, 1, "local node id");

	memset(addrs, 0, sizeof addrs);
	CHECK_CS(corosync_cfg_get_node_addrs(h, 0, 8, &num, addrs), CS_OK);
	CHECK(num == 1 && addrs[0].address_length == (int)sizeof(struct sockaddr_in) && sin->sin_family == AF_INET &&
	      sin->sin_addr.s_addr == htonl(INADDR_LOOPBACK), "addresses of the local node: 127.0.0.1");
	num = -1;
	CHECK_CS(corosync_cfg_get_node_addrs(h, 1, 0, &num, NULL), CS_OK);
	CHECK_EQ(num, 1, "num_addrs with max 0");
	CHECK_CS(corosync_cfg_get_node_addrs(h, 99, 8, &num, addrs), CS_ERR_NOT_EXIST);
	CHECK_CS(corosync_cfg_get_node_addrs(h, 1, 8, NULL, addrs), CS_ERR_INVALID_PARAM);
	CHECK_CS(corosync_cfg_get_node_addrs(h, 1, 8, &num, NULL), CS_ERR_INVALID_PARAM);

	CHECK_CS(corosync_cfg_ring_status_get(h, NULL, &status, &count), CS_ERR_INVALID_PARAM);
	CHECK_CS(corosync_cfg_ring_status_get(h, &names, &status, &count), CS_OK);
	CHECK(count == 1 && strcmp(names[0], "0 127.0.0.1") == 0 && strcmp(status[0], "n") == 0, "ring status");
	free(names[0]);
	free(status[0]);
	free(names);
	free(status);

	CHECK_CS(corosync_cfg_node_status_get(h, 1, CFG_NODE_STATUS_V1, &ns), CS_OK);
	CHECK(ns.version == CFG_NODE_STATUS_V1 && ns.nodeid == 1 && ns.reachable == 1 && ns.remote == 0, "node status");
	CHECK(ns.link_status[0].enabled == 1 && ns.link_status[0].connected == 1 && ns.link_status[0].mtu == 65535 &&
	      strcmp(ns.link_status[0].src_ipaddr, "127.0.0.1") == 0 && ns.link_status[1].enabled == 0, "link 0 of the local node");
	CHECK_CS(corosync_cfg_node_status_get(h, 1, 2, &ns), CS_ERR_INVALID_PARAM);
	CHECK_CS(corosync_cfg_node_status_get(h, 1, CFG_NODE_STATUS_V1, NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(corosync_cfg_node_status_get(h, 99, CFG_NODE_STATUS_V1, &ns), CS_ERR_FAILED_OPERATION);

	CHECK_CS(corosync_cfg_kill_node(h, 99, "test"), CS_ERR_NOT_EXIST);
	CHECK_CS(corosync_cfg_kill_node(h, 1, NULL), CS_ERR_INVALID_PARAM);
	memset(reason, 'r', 256);
	reason[256] = 0;
	CHECK_CS(corosync_cfg_kill_node(h, 1, reason), CS_ERR_NAME_TOO_LONG);
	CHECK_CS(corosync_cfg_replyto_shutdown(h, COROSYNC_CFG_SHUTDOWN_FLAG_YES), CS_OK); /* nothing pending */
	CHECK_CS(corosync_cfg_replyto_shutdown(h, 5), CS_ERR_INVALID_PARAM);
	CHECK_CS(corosync_cfg_try_shutdown(h, 7), CS_ERR_INVALID_PARAM);
	CHECK_CS(corosync_cfg_reopen_log_files(h), CS_OK);
	CHECK_CS(corosync_cfg_reload_config(h), CS_OK);
	CHECK_CS(corosync_cfg_fd_get(h, NULL), CS_ERR_INVALID_PARAM);
	CHECK_CS(corosync_cfg_dispatch(h, CS_DISPATCH_ONE_NONBLOCKING), CS_ERR_TRY_AGAIN);

	/* The negotiation: a tracker that says no keeps the node up. */
	CHECK_CS(corosync_cfg_initialize(&tracker, &cb), CS_OK);
	CHECK_CS(corosync_cfg_trackstart(tracker, 0), CS_OK);
	CHECK_CS(corosync_cfg_trackstart(tracker, 0), CS_OK);
	CHECK_CS(corosync_cfg_fd_get(tracker, &fd), CS_OK);
	answer_yes = 0;
	CHECK_CS(ask(h, tracker, fd, COROSYNC_CFG_SHUTDOWN_FLAG_REQUEST), CS_ERR_BUSY);
	CHECK_CS(corosync_cfg_local_get(h, &id), CS_OK);
	/* REGARDLESS: the node goes, whatever the tracker says; every call
	 * afterwards reports the lost daemon. */
	CHECK_CS(ask(h, tracker, fd, COROSYNC_CFG_SHUTDOWN_FLAG_REGARDLESS), CS_OK);
	CHECK(WAIT_UNTIL(corosync_cfg_local_get(h, &id) == CS_ERR_LIBRARY, 10000), "daemon gone after the agreed shutdown");
	CHECK_CS(corosync_cfg_dispatch(tracker, CS_DISPATCH_ONE), CS_ERR_LIBRARY);
	CHECK_CS(corosync_cfg_finalize(tracker), CS_OK);
	CHECK_CS(corosync_cfg_finalize(h), CS_OK);
	CHECK_CS(corosync_cfg_finalize(h), CS_ERR_BAD_HANDLE);
}

int main(int argc, char **argv)
{
	(void)argc;
	h_init(argv[0]);
	test_quorum();
	test_cmap();
	test_cfg(); /* last: it stops the daemon */
	return h_done();
}
