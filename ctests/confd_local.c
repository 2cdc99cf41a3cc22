// goha-test: nodes=0
/*
 * confd_local.c -- the ConfD-family functions of libgoha that need no
 * daemon: confd_init/confd_set_debug, per-thread confd_errno and
 * confd_lasterr, confd_strerror, confd_pp_value of every value type with
 * truncation, and the local checks (arguments, sockets, init order) of the
 * HA and notification calls.
 */
#include "harness.h"

#include <confd_lib.h>
#include <confd_ha.h>
#include <confd_events.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <syslog.h>
#include <sys/socket.h>
#include <sys/un.h>

/* CHECK_CONFD: expr returns want, and confd_errno is werr when want < 0. */
#define CHECK_CONFD(expr, want, werr) do { \
	int c_r_ = (expr); int c_e_ = confd_errno; \
	if ((want) >= 0) \
		CHECK(c_r_ == (want), "%s: got %d (errno %d %s), want %d", #expr, \
		      c_r_, c_e_, confd_lasterr(), (want)); \
	else \
		CHECK(c_r_ == (want) && c_e_ == (werr), \
		      "%s: got %d errno %d (%s), want %d errno %d", #expr, c_r_, \
		      c_e_, confd_lasterr(), (want), (werr)); \
} while (0)

#define LASTERR_HAS(s) CHECK(strstr(confd_lasterr(), (s)) != NULL, \
	"confd_lasterr() \"%s\" contains \"%s\"", confd_lasterr(), (s))

static confd_value_t strval(const char *s)
{
	confd_value_t v;
	CONFD_SET_STR(&v, s);
	return v;
}

/* ------------------------------------------------------------------ */

static void test_before_init(void)
{
	confd_value_t id = strval("n1");
	struct confd_ha_node primary;
	struct confd_ha_status st;
	struct confd_notification n;
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&primary, 0, sizeof primary);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	primary.nodeid = strval("n2");
	primary.af = AF_INET;

	CHECK(strcmp(confd_lasterr(), "") == 0, "lasterr is empty before any error");
	CHECK_CONFD(confd_set_debug(CONFD_DEBUG, stderr), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	LASTERR_HAS("confd_init");
	CHECK_CONFD(confd_ha_connect(fd, (struct sockaddr *)&sin, sizeof sin, "t"), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(confd_ha_beprimary(fd, &id), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(confd_ha_bemaster(fd, &id), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(confd_ha_besecondary(fd, &id, &primary, 1), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(confd_ha_beslave(fd, &id, &primary, 1), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(confd_ha_berelay(fd), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(confd_ha_benone(fd), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(confd_ha_secondary_dead(fd, &id), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(confd_ha_slave_dead(fd, &id), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(confd_ha_get_status(fd, &st), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(confd_ha_status(fd, &st), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(confd_notifications_connect(fd, (struct sockaddr *)&sin, sizeof sin, CONFD_NOTIF_HA_INFO), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(confd_read_notification(fd, &n), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	CHECK_CONFD(confd_sync_ha_notification(fd), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	LASTERR_HAS("confd_init");
	/* the local helpers work without confd_init */
	confd_free_notification(NULL);
	CHECK(confd_strerror(CONFD_ERR_HA_BIND) != NULL, "confd_strerror works before confd_init");
	{
		char buf[8];
		confd_value_t v;
		CONFD_SET_INT32(&v, 42);
		CHECK_CONFD(confd_pp_value(buf, sizeof buf, &v), 2, 0);
	}
	close(fd);
}

/* A failing confd_init leaves the library uninitialised and says why. */
static void test_init_failures(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	char longname[MAX_DAEMON_NAME_LEN + 2];
	confd_value_t id = strval("n1");

	confd_errno = 0;
	confd_init_vsn_sz("t", mem, CONFD_DEBUG, CONFD_LIB_API_VSN + 1, MAXDEPTH, MAXKEYLEN);
	CHECK_EQ(confd_errno, CONFD_ERR_PROTOUSAGE, "errno after init with a newer API version");
	LASTERR_HAS("newer");
	fflush(mem);
	CHECK(len > 0 && strstr(text, "confd_init") != NULL, "failure printed to estream: \"%s\"", text ? text : "");
	CHECK_CONFD(confd_ha_benone(0), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	LASTERR_HAS("newer"); /* the reason is repeated later */

	confd_errno = 0;
	confd_init_vsn_sz("t", NULL, CONFD_DEBUG, 0x05000000, MAXDEPTH, MAXKEYLEN);
	CHECK_EQ(confd_errno, CONFD_ERR_PROTOUSAGE, "errno after init with an ancient API version");
	LASTERR_HAS("older");
	confd_errno = 0;
	confd_init_vsn_sz("t", NULL, CONFD_DEBUG, CONFD_LIB_API_VSN, 0, MAXKEYLEN);
	CHECK_EQ(confd_errno, CONFD_ERR_PROTOUSAGE, "errno after init with MAXDEPTH 0");
	confd_errno = 0;
	confd_init_vsn_sz("t", NULL, CONFD_DEBUG, CONFD_LIB_API_VSN, MAXDEPTH, 256);
	CHECK_EQ(confd_errno, CONFD_ERR_PROTOUSAGE, "errno after init with MAXKEYLEN 256");
	confd_errno = 0;
	confd_init_vsn_sz("t", NULL, (enum confd_debug_level)7, CONFD_LIB_API_VSN, MAXDEPTH, MAXKEYLEN);
	CHECK_EQ(confd_errno, CONFD_ERR_PROTOUSAGE, "errno after init with debug level 7");
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	confd_errno = 0;
	confd_init(longname, NULL, CONFD_SILENT);
	CHECK_EQ(confd_errno, CONFD_ERR_PROTOUSAGE, "errno after init with a 256-byte name");
	CHECK_CONFD(confd_ha_beprimary(0, &id), CONFD_ERR, CONFD_ERR_LIB_NOT_INITIALIZED);
	LASTERR_HAS("name longer");
	fclose(mem);
	free(text);
}

/* ------------------------------------------------------------------ */
/* per-thread confd_errno and confd_lasterr */

static pthread_barrier_t barrier;

struct thread_result {
	int want_errno;
	int got_errno;
	char got_lasterr[256];
	char initial_lasterr[256];
};

static void *errno_thread(void *arg)
{
	struct thread_result *r = arg;
	char buf[16];
	confd_value_t bad;

	snprintf(r->initial_lasterr, sizeof r->initial_lasterr, "%s", confd_lasterr());
	if (r->want_errno == CONFD_ERR_PROTOUSAGE) {
		confd_pp_value(buf, sizeof buf, NULL);
	} else {
		memset(&bad, 0, sizeof bad);
		bad.type = (enum confd_vtype)99;
		confd_pp_value(buf, sizeof buf, &bad);
	}
	/* both threads have failed before either reads its errno */
	pthread_barrier_wait(&barrier);
	r->got_errno = confd_errno;
	snprintf(r->got_lasterr, sizeof r->got_lasterr, "%s", confd_lasterr());
	return NULL;
}

static void test_errno_per_thread(void)
{
	pthread_t a, b;
	struct thread_result ra = {.want_errno = CONFD_ERR_PROTOUSAGE};
	struct thread_result rb = {.want_errno = CONFD_ERR_BADTYPE};

	confd_errno = 12345;
	pthread_barrier_init(&barrier, NULL, 2);
	pthread_create(&a, NULL, errno_thread, &ra);
	pthread_create(&b, NULL, errno_thread, &rb);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_barrier_destroy(&barrier);
	CHECK_EQ(ra.got_errno, CONFD_ERR_PROTOUSAGE, "thread A sees its own confd_errno");
	CHECK_EQ(rb.got_errno, CONFD_ERR_BADTYPE, "thread B sees its own confd_errno");
	CHECK(strstr(ra.got_lasterr, "NULL") != NULL, "thread A lasterr \"%s\"", ra.got_lasterr);
	CHECK(strstr(rb.got_lasterr, "unknown value type 99") != NULL, "thread B lasterr \"%s\"", rb.got_lasterr);
	CHECK(ra.initial_lasterr[0] == '\0' && rb.initial_lasterr[0] == '\0',
	      "a new thread starts with an empty lasterr");
	CHECK_EQ(confd_errno, 12345, "the main thread's confd_errno is untouched");
	CHECK(&confd_errno == confd_errno_location(), "confd_errno is the location's int");
}

/* ------------------------------------------------------------------ */

static void test_strerror(void)
{
	int code, distinct = 1;
	char first[64];

	for (code = 1; code <= CONFD_ERR_HA_ABORT; code++) {
		const char *s = confd_strerror(code);
		if (s == NULL || s[0] == '\0' || strncmp(s, "unknown", 7) == 0) {
			CHECK(0, "confd_strerror(%d) = \"%s\"", code, s ? s : "(null)");
			distinct = 0;
		}
	}
	CHECK(distinct, "every code 1..71 has its own text");
	CHECK(strstr(confd_strerror(CONFD_ERR_HA_CONNECT), "connect") != NULL, "HA_CONNECT text");
	CHECK(strstr(confd_strerror(CONFD_ERR_HA_BADTOKEN), "token") != NULL, "HA_BADTOKEN text");
	CHECK(strstr(confd_strerror(CONFD_ERR_HA_NOTICK), "tick") != NULL, "HA_NOTICK text");
	CHECK(strstr(confd_strerror(CONFD_ERR_HA_BIND), "bind") != NULL, "HA_BIND text");
	CHECK(strcmp(confd_strerror(CONFD_ERR_HA_BADNAME), confd_strerror(CONFD_ERR_HA_BADFXS)) != 0,
	      "HA codes have different texts");
	snprintf(first, sizeof first, "%s", confd_strerror(72));
	CHECK(strcmp(first, "unknown confd error 72") == 0, "confd_strerror(72) = \"%s\"", first);
	CHECK(strcmp(confd_strerror(-7), "unknown confd error -7") == 0, "confd_strerror(-7)");
	CHECK(strcmp(confd_strerror(0), "no error") == 0, "confd_strerror(0)");
}

/* ------------------------------------------------------------------ */
/* confd_pp_value */

/* pp checks the full text of v and the snprintf-like truncation contract
 * at every buffer size up to the length + 1. */
static void pp_expect(const confd_value_t *v, const char *want, const char *what)
{
	char buf[512];
	int n = confd_pp_value(buf, sizeof buf, v);
	int len = (int)strlen(want), size, trunc_ok = 1;

	if (!CHECK(n == len && strcmp(buf, want) == 0, "pp %s: got %d \"%s\", want %d \"%s\" (%s)",
		   what, n, n >= 0 ? buf : "", len, want, n < 0 ? confd_lasterr() : ""))
		return;
	CHECK_EQ(confd_pp_value(NULL, 0, v), len, "pp with NULL, 0 measures");
	for (size = 1; size <= len + 1 && size < (int)sizeof buf; size++) {
		char small[512];
		memset(small, '#', sizeof small);
		n = confd_pp_value(small, size, v);
		if (n != len || strncmp(small, want, size - 1) != 0 || small[size - 1] != '\0' ||
		    small[size] != '#')
			trunc_ok = 0;
	}
	CHECK(trunc_ok, "pp %s: truncated output correct at every bufsiz", what);
}

static void pp_fail(const confd_value_t *v, int werr, const char *what)
{
	char buf[64] = "garbage";
	int n = confd_pp_value(buf, sizeof buf, v);
	CHECK(n == CONFD_ERR && confd_errno == werr && buf[0] == '\0',
	      "pp %s fails: got %d errno %d buf \"%s\" (%s)", what, n, confd_errno, buf, confd_lasterr());
}

static void test_pp_value(void)
{
	confd_value_t v, list[3], inner[2];
	unsigned char bytes[] = {'a', 'b', 'c'};
	unsigned char bin[] = {0x00, 0xff, 0x10, 0x80};
	unsigned char bits[] = {0x01, 0x00, 0x0a, 0x00};
	struct confd_datetime dt;
	struct confd_date date;
	struct confd_time tm;
	struct confd_duration du;
	struct confd_decimal64 d64;
	struct confd_identityref idref;
	struct confd_dotted_quad dq = {{10, 0, 0, 1}};
	struct confd_ipv4_prefix p4;
	struct confd_ipv6_prefix p6;
	struct in_addr a4;
	struct in6_addr a6;
	struct confd_snmp_oid oid;
	int32_t i32 = -17;
	confd_buf_t pbuf = {3, bytes};
	static confd_hkeypath_t hkp;
	char buf[64];

	CONFD_SET_NOEXISTS(&v); pp_expect(&v, "<noexists>", "C_NOEXISTS");
	CONFD_SET_DEFAULT(&v); pp_expect(&v, "<default>", "C_DEFAULT");
	v.type = C_UNION; pp_expect(&v, "<union>", "C_UNION");
	CONFD_SET_XMLTAG(&v, 12, 34); pp_expect(&v, "34:12", "C_XMLTAG");
	CONFD_SET_XMLTAG(&v, 12, 0); pp_expect(&v, "12", "C_XMLTAG without ns");
	CONFD_SET_XMLBEGIN(&v, 1, 2); pp_expect(&v, "<xmlbegin 2:1>", "C_XMLBEGIN");
	CONFD_SET_XMLEND(&v, 1, 2); pp_expect(&v, "<xmlend 2:1>", "C_XMLEND");
	CONFD_SET_XMLBEGINDEL(&v, 1, 2); pp_expect(&v, "<xmlbegindel 2:1>", "C_XMLBEGINDEL");
	CONFD_SET_XMLMOVEFIRST(&v, 1, 2); pp_expect(&v, "<xmlmovefirst 2:1>", "C_XMLMOVEFIRST");
	CONFD_SET_XMLMOVEAFTER(&v, 1, 2); pp_expect(&v, "<xmlmoveafter 2:1>", "C_XMLMOVEAFTER");
	CONFD_SET_CDBBEGIN(&v, 1, 2); pp_expect(&v, "<cdbbegin 2:1>", "C_CDBBEGIN");
	CONFD_SET_SYMBOL(&v, 77); pp_expect(&v, "77", "C_SYMBOL");
	CONFD_SET_STR(&v, "hello world"); pp_expect(&v, "hello world", "C_STR");
	CONFD_SET_STR(&v, ""); pp_expect(&v, "", "empty C_STR");
	CONFD_SET_BUF(&v, bytes, 3); pp_expect(&v, "abc", "C_BUF");
	CONFD_SET_BUF(&v, NULL, 0); pp_expect(&v, "", "empty C_BUF");
	CONFD_SET_BINARY(&v, bin, 4); pp_expect(&v, "AP8QgA==", "C_BINARY (4 bytes)");
	CONFD_SET_BINARY(&v, bytes, 3); pp_expect(&v, "YWJj", "C_BINARY (3 bytes)");
	CONFD_SET_BINARY(&v, bytes, 2); pp_expect(&v, "YWI=", "C_BINARY (2 bytes)");
	CONFD_SET_HEXSTR(&v, bin, 4); pp_expect(&v, "00:ff:10:80", "C_HEXSTR");
	CONFD_SET_BITBIG(&v, bits, 4); pp_expect(&v, "0xa0001", "C_BITBIG");
	CONFD_SET_BITBIG(&v, bits + 1, 1); pp_expect(&v, "0x0", "C_BITBIG zero");
	CONFD_SET_INT8(&v, -128); pp_expect(&v, "-128", "C_INT8");
	CONFD_SET_INT16(&v, -32768); pp_expect(&v, "-32768", "C_INT16");
	CONFD_SET_INT32(&v, INT32_MIN); pp_expect(&v, "-2147483648", "C_INT32");
	CONFD_SET_INT64(&v, INT64_MIN); pp_expect(&v, "-9223372036854775808", "C_INT64");
	CONFD_SET_UINT8(&v, 255); pp_expect(&v, "255", "C_UINT8");
	CONFD_SET_UINT16(&v, 65535); pp_expect(&v, "65535", "C_UINT16");
	CONFD_SET_UINT32(&v, UINT32_MAX); pp_expect(&v, "4294967295", "C_UINT32");
	CONFD_SET_UINT64(&v, UINT64_MAX); pp_expect(&v, "18446744073709551615", "C_UINT64");
	CONFD_SET_DOUBLE(&v, 0.1); pp_expect(&v, "0.1", "C_DOUBLE 0.1");
	CONFD_SET_DOUBLE(&v, -2.5e-300); pp_expect(&v, "-2.5e-300", "C_DOUBLE tiny");
	CONFD_SET_DOUBLE(&v, 1.0 / 3); pp_expect(&v, "0.3333333333333333", "C_DOUBLE 1/3");
	CONFD_SET_DOUBLE(&v, 100); pp_expect(&v, "100", "C_DOUBLE 100");
	CONFD_SET_DOUBLE(&v, 1e20); pp_expect(&v, "1e+20", "C_DOUBLE 1e20");
	CONFD_SET_DOUBLE(&v, 123456.5); pp_expect(&v, "123456.5", "C_DOUBLE 123456.5");
	CONFD_SET_DOUBLE(&v, 0.0001); pp_expect(&v, "0.0001", "C_DOUBLE 1e-4");
	CONFD_SET_DOUBLE(&v, 0.00001); pp_expect(&v, "1e-05", "C_DOUBLE 1e-5");
	CONFD_SET_DOUBLE(&v, 0); pp_expect(&v, "0", "C_DOUBLE 0");
	CONFD_SET_DOUBLE(&v, 1.7976931348623157e308); pp_expect(&v, "1.7976931348623157e+308", "C_DOUBLE max");
	CONFD_SET_DOUBLE(&v, INFINITY); pp_expect(&v, "INF", "C_DOUBLE inf");
	CONFD_SET_DOUBLE(&v, -INFINITY); pp_expect(&v, "-INF", "C_DOUBLE -inf");
	CONFD_SET_DOUBLE(&v, NAN); pp_expect(&v, "NaN", "C_DOUBLE nan");
	CONFD_SET_BOOL(&v, 1); pp_expect(&v, "true", "C_BOOL true");
	CONFD_SET_BOOL(&v, 0); pp_expect(&v, "false", "C_BOOL false");
	inet_pton(AF_INET, "192.168.1.20", &a4);
	CONFD_SET_IPV4(&v, a4); pp_expect(&v, "192.168.1.20", "C_IPV4");
	inet_pton(AF_INET6, "2001:db8::1", &a6);
	CONFD_SET_IPV6(&v, a6); pp_expect(&v, "2001:db8::1", "C_IPV6");
	CONFD_SET_DQUAD(&v, dq); pp_expect(&v, "10.0.0.1", "C_DQUAD");
	p4.ip = a4; p4.len = 24;
	CONFD_SET_IPV4PREFIX(&v, p4); pp_expect(&v, "192.168.1.20/24", "C_IPV4PREFIX");
	CONFD_SET_IPV4_AND_PLEN(&v, p4); pp_expect(&v, "192.168.1.20/24", "C_IPV4_AND_PLEN");
	p6.ip6 = a6; p6.len = 64;
	CONFD_SET_IPV6PREFIX(&v, p6); pp_expect(&v, "2001:db8::1/64", "C_IPV6PREFIX");
	CONFD_SET_IPV6_AND_PLEN(&v, p6); pp_expect(&v, "2001:db8::1/64", "C_IPV6_AND_PLEN");
	CONFD_SET_QNAME(&v, (unsigned char *)"ex", 2, (unsigned char *)"name", 4);
	pp_expect(&v, "ex:name", "C_QNAME");
	CONFD_SET_QNAME(&v, NULL, 0, (unsigned char *)"name", 4);
	pp_expect(&v, "name", "C_QNAME without prefix");

	memset(&dt, 0, sizeof dt);
	dt.year = 2026; dt.month = 11; dt.day = 23; dt.hour = 4; dt.min = 5; dt.sec = 6;
	dt.micro = 0; dt.timezone = 0; dt.timezone_minutes = 0;
	CONFD_SET_DATETIME(&v, dt); pp_expect(&v, "2026-11-23T04:05:06Z", "C_DATETIME UTC");
	dt.micro = 120000; dt.timezone = -5; dt.timezone_minutes = 30;
	CONFD_SET_DATETIME(&v, dt); pp_expect(&v, "2026-11-23T04:05:06.12-05:30", "C_DATETIME -05:30");
	dt.timezone = CONFD_TIMEZONE_UNDEF;
	CONFD_SET_DATETIME(&v, dt); pp_expect(&v, "2026-11-23T04:05:06.12", "C_DATETIME no zone");
	memset(&date, 0, sizeof date);
	date.year = 1999; date.month = 1; date.day = 2; date.timezone = 2; date.timezone_minutes = 0;
	CONFD_SET_DATE(&v, date); pp_expect(&v, "1999-01-02+02:00", "C_DATE");
	memset(&tm, 0, sizeof tm);
	tm.hour = 23; tm.min = 59; tm.sec = 58; tm.micro = 1; tm.timezone = CONFD_TIMEZONE_UNDEF;
	CONFD_SET_TIME(&v, tm); pp_expect(&v, "23:59:58.000001", "C_TIME");
	memset(&du, 0, sizeof du);
	CONFD_SET_DURATION(&v, du); pp_expect(&v, "PT0S", "C_DURATION zero");
	du.years = 1; du.months = 2; du.days = 3; du.hours = 4; du.mins = 5; du.secs = 6; du.micros = 500000;
	CONFD_SET_DURATION(&v, du); pp_expect(&v, "P1Y2M3DT4H5M6.5S", "C_DURATION full");
	memset(&du, 0, sizeof du);
	du.days = 7;
	CONFD_SET_DURATION(&v, du); pp_expect(&v, "P7D", "C_DURATION days");
	memset(&du, 0, sizeof du);
	du.secs = 1; du.micros = 2500000;
	CONFD_SET_DURATION(&v, du); pp_expect(&v, "PT3.5S", "C_DURATION micros carry");

	CONFD_SET_ENUM_VALUE(&v, -3); pp_expect(&v, "-3", "C_ENUM_VALUE");
	CONFD_SET_BIT32(&v, 0x80000001u); pp_expect(&v, "0x80000001", "C_BIT32");
	CONFD_SET_BIT64(&v, 0x10ull << 32); pp_expect(&v, "0x1000000000", "C_BIT64");
	d64.value = 150; d64.fraction_digits = 2;
	CONFD_SET_DECIMAL64(&v, d64); pp_expect(&v, "1.5", "C_DECIMAL64 1.5");
	d64.value = -25; d64.fraction_digits = 2;
	CONFD_SET_DECIMAL64(&v, d64); pp_expect(&v, "-0.25", "C_DECIMAL64 -0.25");
	d64.value = 3000; d64.fraction_digits = 3;
	CONFD_SET_DECIMAL64(&v, d64); pp_expect(&v, "3.0", "C_DECIMAL64 3.0");
	d64.value = INT64_MIN; d64.fraction_digits = 18;
	CONFD_SET_DECIMAL64(&v, d64); pp_expect(&v, "-9.223372036854775808", "C_DECIMAL64 min");
	idref.ns = 5; idref.id = 6;
	CONFD_SET_IDENTITYREF(&v, idref); pp_expect(&v, "5:6", "C_IDENTITYREF");

	CONFD_SET_INT32(&list[0], 1);
	CONFD_SET_STR(&list[1], "two");
	CONFD_SET_INT32(&inner[0], 3);
	CONFD_SET_INT32(&inner[1], 4);
	CONFD_SET_LIST(&list[2], inner, 2);
	CONFD_SET_LIST(&v, list, 3); pp_expect(&v, "[1 two [3 4]]", "C_LIST nested");
	CONFD_SET_LIST(&v, NULL, 0); pp_expect(&v, "[]", "empty C_LIST");
	CONFD_SET_PTR(&v, C_INT32, &i32); pp_expect(&v, "-17", "C_PTR to C_INT32");
	CONFD_SET_PTR(&v, C_BUF, &pbuf); pp_expect(&v, "abc", "C_PTR to C_BUF");
	memset(&oid, 0, sizeof oid);
	oid.oid[0] = 1; oid.oid[1] = 3; oid.oid[2] = 6; oid.oid[3] = 4294967295u; oid.len = 4;
	CONFD_SET_OID(&v, &oid); pp_expect(&v, "1.3.6.4294967295", "C_OID");

	/* /7:1/7:2{www 80}/3 : innermost element first */
	memset(&hkp, 0, sizeof hkp);
	hkp.len = 3;
	CONFD_SET_XMLTAG(&hkp.v[0][0], 3, 0);
	CONFD_SET_STR(&hkp.v[1][0], "www");
	CONFD_SET_UINT16(&hkp.v[1][1], 80);
	CONFD_SET_NOEXISTS(&hkp.v[1][2]);
	CONFD_SET_XMLTAG(&hkp.v[2][0], 2, 7);
	CONFD_SET_OBJECTREF(&v, &hkp);
	pp_expect(&v, "/7:2{www 80}/3", "C_OBJECTREF");

	/* errors */
	CHECK_CONFD(confd_pp_value(buf, sizeof buf, NULL), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CONFD_SET_INT32(&v, 1);
	CHECK_CONFD(confd_pp_value(NULL, 5, &v), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_pp_value(buf, -1, &v), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	v.type = (enum confd_vtype)0; pp_fail(&v, CONFD_ERR_BADTYPE, "type 0");
	v.type = (enum confd_vtype)21; pp_fail(&v, CONFD_ERR_BADTYPE, "unused type 21");
	v.type = C_MAXTYPE; pp_fail(&v, CONFD_ERR_BADTYPE, "C_MAXTYPE");
	CONFD_SET_STR(&v, NULL); pp_fail(&v, CONFD_ERR_BADTYPE, "C_STR NULL");
	CONFD_SET_BUF(&v, NULL, 4); pp_fail(&v, CONFD_ERR_BADTYPE, "C_BUF NULL with size");
	CONFD_SET_BINARY(&v, NULL, 4); pp_fail(&v, CONFD_ERR_BADTYPE, "C_BINARY NULL with size");
	CONFD_SET_LIST(&v, NULL, 2); pp_fail(&v, CONFD_ERR_BADTYPE, "C_LIST NULL with size");
	CONFD_SET_PTR(&v, C_INT32, NULL); pp_fail(&v, CONFD_ERR_BADTYPE, "C_PTR NULL");
	CONFD_SET_PTR(&v, (enum confd_vtype)99, &i32); pp_fail(&v, CONFD_ERR_BADTYPE, "C_PTR bad type");
	CONFD_SET_OBJECTREF(&v, NULL); pp_fail(&v, CONFD_ERR_BADTYPE, "C_OBJECTREF NULL");
	hkp.len = MAXDEPTH + 1;
	CONFD_SET_OBJECTREF(&v, &hkp); pp_fail(&v, CONFD_ERR_BADTYPE, "C_OBJECTREF len too big");
	CONFD_SET_OID(&v, NULL); pp_fail(&v, CONFD_ERR_BADTYPE, "C_OID NULL");
	oid.len = 129;
	CONFD_SET_OID(&v, &oid); pp_fail(&v, CONFD_ERR_BADTYPE, "C_OID len 129");
	d64.fraction_digits = 0;
	CONFD_SET_DECIMAL64(&v, d64); pp_fail(&v, CONFD_ERR_BADTYPE, "C_DECIMAL64 0 digits");
	d64.fraction_digits = 19;
	CONFD_SET_DECIMAL64(&v, d64); pp_fail(&v, CONFD_ERR_BADTYPE, "C_DECIMAL64 19 digits");
	dt.micro = 1000000;
	CONFD_SET_DATETIME(&v, dt); pp_fail(&v, CONFD_ERR_BADTYPE, "C_DATETIME micro 1e6");
	/* a list element that fails fails the whole list */
	CONFD_SET_STR(&list[1], NULL);
	CONFD_SET_LIST(&v, list, 3); pp_fail(&v, CONFD_ERR_BADTYPE, "C_LIST with a bad element");
	{
		/* a list that contains itself: bounded nesting, no stack overflow */
		confd_value_t self;
		CONFD_SET_LIST(&self, &self, 1);
		pp_fail(&self, CONFD_ERR_BADTYPE, "self-containing C_LIST");
		LASTERR_HAS("nested");
	}
}

/* ------------------------------------------------------------------ */

static int hook_calls, hook_prio;
static char hook_text[256];

static void log_hook(int prio, const char *fmt, va_list ap)
{
	hook_calls++;
	hook_prio = prio;
	vsnprintf(hook_text, sizeof hook_text, fmt, ap);
}

static void test_init_and_debug(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	struct sigaction sa;
	confd_value_t id = strval("n1");
	size_t before;

	confd_errno = 0;
	confd_init("confd_local", mem, CONFD_TRACE);
	CHECK_EQ(confd_errno, 0, "confd_init succeeds");
	CHECK(sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN,
	      "confd_init ignores SIGPIPE");
	CHECK_EQ(confd_maxdepth, MAXDEPTH, "confd_maxdepth");
	CHECK_EQ(confd_maxkeylen, MAXKEYLEN, "confd_maxkeylen");
	CHECK_CONFD(confd_ha_benone(-1), CONFD_ERR, CONFD_ERR_OS);
	fflush(mem);
	CHECK(text && strstr(text, "confd_local: TRACE confd_ha_benone(sock=-1)") != NULL,
	      "trace line written: \"%s\"", text ? text : "");
	CHECK(text && strstr(text, "confd_local: DEBUG") != NULL && strstr(text, "(24)") != NULL,
	      "error line written: \"%s\"", text ? text : "");

	CHECK_CONFD(confd_set_debug((enum confd_debug_level)4, mem), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_set_debug((enum confd_debug_level)-1, mem), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_set_debug(CONFD_SILENT, mem), CONFD_OK, 0);
	fflush(mem);
	before = len;
	CHECK_CONFD(confd_ha_beprimary(-1, &id), CONFD_ERR, CONFD_ERR_OS);
	fflush(mem);
	CHECK_EQ(len, before, "CONFD_SILENT writes nothing");
	CHECK_CONFD(confd_set_debug(CONFD_DEBUG, NULL), CONFD_OK, 0);
	CHECK_CONFD(confd_ha_beprimary(-1, &id), CONFD_ERR, CONFD_ERR_OS); /* no stream: no crash */
	/* The program's confd_user_log_hook is the library's: a program built
	 * the usual way (PIE) has its own copy of the variable (a copy
	 * relocation), which the library must read. */
	confd_user_log_hook = log_hook;
	hook_calls = 0;
	CHECK_CONFD(confd_ha_beprimary(-1, &id), CONFD_ERR, CONFD_ERR_OS);
	confd_user_log_hook = NULL;
	CHECK(hook_calls == 1 && hook_prio == LOG_ERR && strstr(hook_text, "socket -1") != NULL,
	      "confd_user_log_hook called %d times (prio %d): \"%s\"", hook_calls, hook_prio, hook_text);
	/* re-init changes name and level; the library stays usable */
	confd_init("confd_local", NULL, CONFD_SILENT);
	CHECK_EQ(confd_errno, CONFD_ERR_OS, "a successful confd_init leaves confd_errno alone");
	fclose(mem);
	free(text);
}

/* Errors recorded by the Go half of the library land in the calling
 * thread's confd_errno/confd_lasterr too, under concurrency. */
struct go_thread {
	int mode; /* 0: bad fd (CONFD_ERR_OS), 1: NULL id (PROTOUSAGE) */
	int wrong;
};

static void *go_errno_thread(void *arg)
{
	struct go_thread *g = arg;
	confd_value_t id = strval("n1");
	int i, fd = socket(AF_INET, SOCK_STREAM, 0);

	pthread_barrier_wait(&barrier);
	for (i = 0; i < 300; i++) {
		if (g->mode == 0) {
			if (confd_ha_beprimary(-1, &id) != CONFD_ERR || confd_errno != CONFD_ERR_OS ||
			    strstr(confd_lasterr(), "socket -1") == NULL)
				g->wrong++;
		} else {
			if (confd_ha_beprimary(fd, NULL) != CONFD_ERR || confd_errno != CONFD_ERR_PROTOUSAGE ||
			    strstr(confd_lasterr(), "mynodeid is NULL") == NULL)
				g->wrong++;
		}
	}
	close(fd);
	return NULL;
}

static void test_go_errno_threads(void)
{
	pthread_t t[4];
	struct go_thread g[4];
	int i, wrong = 0;

	pthread_barrier_init(&barrier, NULL, 4);
	for (i = 0; i < 4; i++) {
		g[i].mode = i % 2;
		g[i].wrong = 0;
		pthread_create(&t[i], NULL, go_errno_thread, &g[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		wrong += g[i].wrong;
	}
	pthread_barrier_destroy(&barrier);
	CHECK_EQ(wrong, 0, "calls whose errno/lasterr was not their own thread's (4 threads x 300)");
}

/* ------------------------------------------------------------------ */
/* local checks of the HA calls */

static int listener(int family, struct sockaddr_storage *addr, socklen_t *alen, const char *path)
{
	int l = socket(family, SOCK_STREAM, 0);

	memset(addr, 0, sizeof *addr);
	if (family == AF_UNIX) {
		struct sockaddr_un *u = (struct sockaddr_un *)addr;
		u->sun_family = AF_UNIX;
		snprintf(u->sun_path, sizeof u->sun_path, "%s", path);
		unlink(path);
		*alen = sizeof *u;
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)addr;
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		in->sin_port = 0;
		*alen = sizeof *in;
	}
	if (bind(l, (struct sockaddr *)addr, *alen) != 0 || listen(l, 4) != 0 ||
	    getsockname(l, (struct sockaddr *)addr, alen) != 0) {
		perror("listener");
		exit(2);
	}
	return l;
}

/* A thread that accepts n connections on a listener and closes each at
 * once: a peer that is not gohad. */
static pthread_t closer_tid;
static int closer_fd, closer_n;

static void *closer_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < closer_n; i++) {
		int c = accept(closer_fd, NULL, NULL);
		if (c >= 0)
			close(c);
	}
	return NULL;
}

static void closer_start(int l, int n)
{
	closer_fd = l;
	closer_n = n;
	if (pthread_create(&closer_tid, NULL, closer_main, NULL) != 0)
		exit(2);
}

static void closer_join(void)
{
	pthread_join(closer_tid, NULL);
}

static void test_ha_checks(void)
{
	struct sockaddr_storage ss, ssu;
	socklen_t slen, sulen;
	struct sockaddr_in refused;
	char path[128];
	int l = listener(AF_INET, &ss, &slen, NULL);
	int fd, lu, pipefd[2], udp, closed;
	confd_value_t id = strval("n1"), badid;
	char longid[200];
	unsigned char nulid[] = {'a', 0, 'b'};
	struct confd_ha_node primary;
	struct confd_ha_status st;
	char *longtoken;

	snprintf(path, sizeof path, "%s/confd_local.sock",
		 getenv("GOHA_TEST_DIR") ? getenv("GOHA_TEST_DIR") : "/tmp");
	lu = listener(AF_UNIX, &ssu, &sulen, path);
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		exit(2);

	/* confd_ha_connect arguments */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_CONFD(confd_ha_connect(fd, (struct sockaddr *)&ss, slen, NULL), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	LASTERR_HAS("token");
	longtoken = malloc(5000);
	memset(longtoken, 'k', 4999);
	longtoken[4999] = '\0';
	CHECK_CONFD(confd_ha_connect(fd, (struct sockaddr *)&ss, slen, longtoken), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	LASTERR_HAS("longer than 4096");
	free(longtoken);
	CHECK_CONFD(confd_ha_connect(fd, NULL, slen, "tok"), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_ha_connect(fd, (struct sockaddr *)&ss, 4, "tok"), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_ha_connect(fd, (struct sockaddr *)&ss, -1, "tok"), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_ha_connect(fd, (struct sockaddr *)&ss, sizeof ss + 1, "tok"), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	{
		struct sockaddr_un u;
		memset(&u, 0, sizeof u);
		u.sun_family = AF_UNIX;
		CHECK_CONFD(confd_ha_connect(fd, (struct sockaddr *)&u, 2, "tok"), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
		LASTERR_HAS("does not fit family");
	}
	{
		struct sockaddr_storage odd = ss;
		odd.ss_family = AF_APPLETALK;
		CHECK_CONFD(confd_ha_connect(fd, (struct sockaddr *)&odd, slen, "tok"), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
		LASTERR_HAS("family");
	}
	/* bad sockets */
	errno = 0;
	CHECK_CONFD(confd_ha_connect(-1, (struct sockaddr *)&ss, slen, "tok"), CONFD_ERR, CONFD_ERR_OS);
	CHECK_EQ(errno, EBADF, "errno after connect on fd -1");
	/* an fd number that is not open */
	for (closed = 1000; fcntl(closed, F_GETFD) != -1; closed++)
		;
	errno = 0;
	CHECK_CONFD(confd_ha_connect(closed, (struct sockaddr *)&ss, slen, "tok"), CONFD_ERR, CONFD_ERR_OS);
	CHECK_EQ(errno, EBADF, "errno after connect on a closed fd");
	if (pipe(pipefd) != 0)
		exit(2);
	CHECK_CONFD(confd_ha_connect(pipefd[0], (struct sockaddr *)&ss, slen, "tok"), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	LASTERR_HAS("not a socket");
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_CONFD(confd_ha_connect(udp, (struct sockaddr *)&ss, slen, "tok"), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	LASTERR_HAS("SOCK_STREAM");

	/* connect(2) failure: CONFD_ERR_OS with errno */
	memset(&refused, 0, sizeof refused);
	{
		int tmp = socket(AF_INET, SOCK_STREAM, 0);
		socklen_t rl = sizeof refused;
		refused.sin_family = AF_INET;
		refused.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		bind(tmp, (struct sockaddr *)&refused, sizeof refused);
		getsockname(tmp, (struct sockaddr *)&refused, &rl);
		close(tmp); /* bound, never listened, closed: the port refuses */
	}
	errno = 0;
	CHECK_CONFD(confd_ha_connect(fd, (struct sockaddr *)&refused, sizeof refused, "tok"), CONFD_ERR, CONFD_ERR_OS);
	CHECK_EQ(errno, ECONNREFUSED, "errno after a refused connect");
	LASTERR_HAS("127.0.0.1:");
	close(fd);

	/* connect(2) works but the peer is no gohad: it closes the connection
	 * without a hello, which is CONFD_EOF; a 4096-byte token is the longest
	 * accepted, and srv_sz may be that of a sockaddr_storage */
	closer_start(l, 2);
	longtoken = malloc(4097);
	memset(longtoken, 'k', 4096);
	longtoken[4096] = '\0';
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_CONFD(confd_ha_connect(fd, (struct sockaddr *)&ss, sizeof ss, longtoken), CONFD_EOF, CONFD_ERR_EOF);
	free(longtoken);
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_CONFD(confd_ha_connect(fd, (struct sockaddr *)&ss, slen, "tok"), CONFD_EOF, CONFD_ERR_EOF);
	LASTERR_HAS("closed the connection");
	close(fd);
	closer_join();
	closer_start(lu, 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_CONFD(confd_ha_connect(fd, (struct sockaddr *)&ssu, sulen, "tok"), CONFD_EOF, CONFD_ERR_EOF);
	close(fd);
	closer_join();
	closer_start(l, 1);
	{
		/* a non-blocking socket connects too (EINPROGRESS is waited out) */
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		CHECK_CONFD(confd_ha_connect(fd, (struct sockaddr *)&ss, slen, "tok"), CONFD_EOF, CONFD_ERR_EOF);
		close(fd);
	}
	/* an empty token is refused before connecting */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_CONFD(confd_ha_connect(fd, (struct sockaddr *)&ss, slen, ""), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	close(fd);
	closer_join();

	/* node ids */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_CONFD(confd_ha_beprimary(fd, NULL), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_ha_bemaster(fd, NULL), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CONFD_SET_NOEXISTS(&badid);
	CHECK_CONFD(confd_ha_beprimary(fd, &badid), CONFD_ERR, CONFD_ERR_BADTYPE);
	CONFD_SET_PTR(&badid, C_INT32, NULL); /* cannot be printed */
	CHECK_CONFD(confd_ha_beprimary(fd, &badid), CONFD_ERR, CONFD_ERR_BADTYPE);
	/* an id of any other type is its text (ConfD takes any id): the
	 * socket check comes next */
	CONFD_SET_INT32(&badid, 1);
	CHECK_CONFD(confd_ha_beprimary(fd, &badid), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	LASTERR_HAS("is not an HA socket");
	CONFD_SET_STR(&badid, "");
	CHECK_CONFD(confd_ha_beprimary(fd, &badid), CONFD_ERR, CONFD_ERR_BADTYPE);
	CONFD_SET_STR(&badid, NULL);
	CHECK_CONFD(confd_ha_beprimary(fd, &badid), CONFD_ERR, CONFD_ERR_BADTYPE);
	memset(longid, 'n', sizeof longid - 1);
	longid[sizeof longid - 1] = '\0';
	CONFD_SET_STR(&badid, longid);
	CHECK_CONFD(confd_ha_beprimary(fd, &badid), CONFD_ERR, CONFD_ERR_BADTYPE);
	CONFD_SET_BUF(&badid, (unsigned char *)longid, 128);
	CHECK_CONFD(confd_ha_beprimary(fd, &badid), CONFD_ERR, CONFD_ERR_BADTYPE);
	CONFD_SET_BUF(&badid, nulid, 3);
	CHECK_CONFD(confd_ha_beprimary(fd, &badid), CONFD_ERR, CONFD_ERR_BADTYPE);
	LASTERR_HAS("NUL");
	CONFD_SET_BUF(&badid, NULL, 3);
	CHECK_CONFD(confd_ha_beprimary(fd, &badid), CONFD_ERR, CONFD_ERR_BADTYPE);
	CHECK_CONFD(confd_ha_secondary_dead(fd, NULL), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CONFD_SET_NOEXISTS(&badid);
	CHECK_CONFD(confd_ha_slave_dead(fd, &badid), CONFD_ERR, CONFD_ERR_BADTYPE);
	/* a valid id (127 bytes is the longest) on a socket that is not an HA socket */
	CONFD_SET_BUF(&badid, (unsigned char *)longid, 127);
	CHECK_CONFD(confd_ha_beprimary(fd, &badid), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	LASTERR_HAS("is not an HA socket (confd_ha_connect was not called on it)");
	CHECK_CONFD(confd_ha_beprimary(fd, &id), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_ha_berelay(fd), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_ha_benone(fd), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_ha_secondary_dead(fd, &id), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_ha_get_status(fd, NULL), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	LASTERR_HAS("stat is NULL");
	CHECK_CONFD(confd_ha_get_status(fd, &st), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_ha_status(fd, &st), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_ha_benone(pipefd[1]), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	errno = 0;
	CHECK_CONFD(confd_ha_benone(closed), CONFD_ERR, CONFD_ERR_OS);
	CHECK_EQ(errno, EBADF, "errno of benone on a closed fd");
	CHECK_CONFD(confd_ha_berelay(-5), CONFD_ERR, CONFD_ERR_OS);

	/* besecondary: the primary */
	memset(&primary, 0, sizeof primary);
	CHECK_CONFD(confd_ha_besecondary(fd, &id, NULL, 1), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_ha_beslave(fd, &id, NULL, 1), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	primary.nodeid = strval("n2");
	primary.af = AF_APPLETALK;
	CHECK_CONFD(confd_ha_besecondary(fd, &id, &primary, 1), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	LASTERR_HAS("primary->af");
	primary.af = AF_UNSPEC;
	primary.addr.str = longid; /* 199 bytes */
	CHECK_CONFD(confd_ha_besecondary(fd, &id, &primary, 1), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	LASTERR_HAS("addr.str");
	primary.addr.str = NULL;
	CONFD_SET_NOEXISTS(&primary.nodeid);
	CHECK_CONFD(confd_ha_besecondary(fd, &id, &primary, 0), CONFD_ERR, CONFD_ERR_BADTYPE);
	LASTERR_HAS("primary->nodeid");
	CHECK_CONFD(confd_ha_besecondary(fd, NULL, &primary, 0), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	/* valid arguments in every address form: the socket check remains */
	primary.nodeid = strval("n2");
	CHECK_CONFD(confd_ha_besecondary(fd, &id, &primary, 0), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	LASTERR_HAS("not an HA socket");
	primary.addr.str = "node2.example";
	CHECK_CONFD(confd_ha_besecondary(fd, &id, &primary, 1), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	primary.af = AF_INET;
	inet_pton(AF_INET, "10.1.2.3", &primary.addr.ip4);
	CHECK_CONFD(confd_ha_beslave(fd, &id, &primary, 1), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	primary.af = AF_INET6;
	inet_pton(AF_INET6, "fe80::1", &primary.addr.ip6);
	CHECK_CONFD(confd_ha_besecondary(fd, &id, &primary, 1), CONFD_ERR, CONFD_ERR_PROTOUSAGE);

	close(fd);
	close(pipefd[0]);
	close(pipefd[1]);
	close(udp);
	close(l);
	close(lu);
	unlink(path);
}

static void test_notification_checks(void)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	int l = listener(AF_INET, &ss, &slen, NULL);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct confd_notification n;

	CHECK_CONFD(confd_notifications_connect(fd, (struct sockaddr *)&ss, slen, 0), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_notifications_connect(fd, (struct sockaddr *)&ss, slen, CONFD_NOTIF_HA_INFO | (1LL << 40)), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	LASTERR_HAS("no CONFD_NOTIF_* kind");
	/* every ConfD/NSO kind is accepted (confd_cdb.c connects with some to
	 * a real daemon); bit 32 is none */
	CHECK_CONFD(confd_notifications_connect(fd, (struct sockaddr *)&ss, slen, CONFD_NOTIF_HA_INFO | (1LL << 32)), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	LASTERR_HAS("no CONFD_NOTIF_* kind");
	CHECK_CONFD(confd_notifications_connect(fd, (struct sockaddr *)&ss, slen, CONFD_NOTIF_HA_INFO_SYNC), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_notifications_connect(fd, NULL, slen, CONFD_NOTIF_HA_INFO), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_notifications_connect(-1, (struct sockaddr *)&ss, slen, CONFD_NOTIF_HA_INFO), CONFD_ERR, CONFD_ERR_OS);
	closer_start(l, 1);
	CHECK_CONFD(confd_notifications_connect(fd, (struct sockaddr *)&ss, slen, CONFD_NOTIF_HA_INFO | CONFD_NOTIF_HA_INFO_SYNC), CONFD_EOF, CONFD_ERR_EOF);
	closer_join();
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_CONFD(confd_read_notification(fd, NULL), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_read_notification(fd, &n), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	LASTERR_HAS("not a notification socket");
	CHECK_CONFD(confd_sync_ha_notification(fd), CONFD_ERR, CONFD_ERR_PROTOUSAGE);
	CHECK_CONFD(confd_read_notification(-1, &n), CONFD_ERR, CONFD_ERR_OS);
	memset(&n, 0, sizeof n);
	n.type = CONFD_NOTIF_HA_INFO;
	n.n.hnot.type = CONFD_HA_INFO_IS_PRIMARY;
	confd_free_notification(&n);
	confd_free_notification(NULL);
	CHECK(n.type == CONFD_NOTIF_HA_INFO, "confd_free_notification of an HA event");
	close(fd);
	close(l);
}

int main(int argc, char **argv)
{
	(void)argc;
	h_init(argv[0]);
	test_before_init();
	test_init_failures();
	test_errno_per_thread();
	test_strerror();
	test_pp_value();
	test_init_and_debug();
	test_go_errno_threads();
	test_ha_checks();
	test_notification_checks();
	return h_done();
}
