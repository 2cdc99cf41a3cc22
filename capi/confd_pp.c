/*
 * confd_pp_value: the text form of a confd_value_t (formats listed in
 * confd_lib.h).
 *
 * C for the C unions and pointers, needing no daemon; the types the config
 * store holds are printed by the store's Go formatter (put_store_value).
 * The printer counts the whole text while copying only what fits, which
 * gives snprintf's return contract for free.  Everything that follows a
 * pointer in the value (strings, buffers, lists, C_PTR, hkeypaths, OIDs)
 * refuses NULL where data is expected, and nesting is bounded, so a value
 * built by mistake gives CONFD_ERR_BADTYPE rather than a crash (a pointer
 * to freed or foreign memory cannot be detected, as in any C API).
 */
#include "confd_internal.h"
#include "_cgo_export.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Deepest nesting of C_LIST and C_PTR values that is printed. */
#define PP_MAX_NESTING 32

struct pp {
    char *buf;
    size_t cap;  /* bytes of buf that may be written */
    size_t len;  /* length of the whole text so far */
    int failed;  /* an error has been recorded */
};

static void put(struct pp *w, const void *s, size_t n)
{
    if (w->len < w->cap) {
        size_t room = w->cap - w->len;
        memcpy(w->buf + w->len, s, n < room ? n : room);
    }
    w->len += n;
}

static void puts_(struct pp *w, const char *s)
{
    put(w, s, strlen(s));
}

static void putf(struct pp *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void putf(struct pp *w, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(w, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void fail(struct pp *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void fail(struct pp *w, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    if (w->failed)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    w->failed = 1;
    gh_confd_set_errorf(CONFD_ERR_BADTYPE, "confd_pp_value: %s", msg);
}

/* The types the config store holds are printed by the store's formatter,
 * goha's one formatter for them (core/store format.go), through Go: so
 * confd_pp_value, goha_cdb_get and goha_cdb_dump always print the same
 * text.  gh_pp_store_value (confd_pp.go) returns it malloc'ed. */
static void put_store_value(struct pp *w, const confd_value_t *v)
{
    char *s = NULL;
    size_t n = 0;

    if (gh_pp_store_value((confd_value_t *)v, &s, &n) != 0) {
        fail(w, "%s", s != NULL ? s : "value cannot be printed");
        free(s);
        return;
    }
    put(w, s, n);
    free(s);
}

static void put_bytes(struct pp *w, const unsigned char *p, unsigned int n,
                      const char *what)
{
    if (p == NULL && n > 0) {
        fail(w, "%s with NULL data and size %u", what, n);
        return;
    }
    put(w, p, n);
}

static void put_hexlist(struct pp *w, const unsigned char *p, unsigned int n)
{
    unsigned int i;

    if (p == NULL && n > 0) {
        fail(w, "C_HEXSTR with NULL data and size %u", n);
        return;
    }
    for (i = 0; i < n; i++)
        putf(w, i ? ":%02x" : "%02x", p[i]);
}

static void put_bitbig(struct pp *w, const unsigned char *p, unsigned int n)
{
    unsigned int i = n;

    if (p == NULL && n > 0) {
        fail(w, "C_BITBIG with NULL data and size %u", n);
        return;
    }
    while (i > 0 && p[i - 1] == 0)
        i--;
    puts_(w, "0x");
    if (i == 0) {
        puts_(w, "0");
        return;
    }
    putf(w, "%x", p[--i]); /* no leading zero in the top byte */
    while (i > 0)
        putf(w, "%02x", p[--i]);
}

static void put_tag(struct pp *w, uint32_t ns, uint32_t tag)
{
    const char *name = ns == 0 ? gh_tag_name(tag) : NULL;

    if (name != NULL) /* a tag libgoha made (confd_cdb.h, hashed keypaths) */
        puts_(w, name);
    else if (ns != 0)
        putf(w, "%" PRIu32 ":%" PRIu32, ns, tag);
    else
        putf(w, "%" PRIu32, tag);
}

static void put_marker(struct pp *w, const char *name, const confd_value_t *v)
{
    putf(w, "<%s ", name);
    put_tag(w, v->val.xmltag.ns, v->val.xmltag.tag);
    puts_(w, ">");
}

static void put_addr(struct pp *w, int af, const void *addr)
{
    char tmp[INET6_ADDRSTRLEN];

    if (inet_ntop(af, addr, tmp, sizeof tmp) == NULL) {
        fail(w, "address cannot be printed");
        return;
    }
    puts_(w, tmp);
}

/* ".ffffff" without trailing zeros, nothing when micro is 0. */
static void put_fraction(struct pp *w, uint32_t micro)
{
    char tmp[8];
    int n;

    if (micro == 0)
        return;
    n = snprintf(tmp, sizeof tmp, ".%06" PRIu32, micro);
    while (n > 1 && tmp[n - 1] == '0')
        n--;
    put(w, tmp, (size_t)n);
}

static void put_tz(struct pp *w, int8_t tz, int8_t tzmin)
{
    if (tz == CONFD_TIMEZONE_UNDEF)
        return;
    if (tz == 0 && tzmin == 0) {
        puts_(w, "Z");
        return;
    }
    putf(w, "%c%02d:%02d", (tz < 0 || (tz == 0 && tzmin < 0)) ? '-' : '+',
         abs(tz), abs(tzmin));
}

static void put_year(struct pp *w, int16_t year)
{
    if (year < 0)
        putf(w, "-%04d", -(int)year);
    else
        putf(w, "%04d", (int)year);
}

static int check_micro(struct pp *w, uint32_t micro, const char *what)
{
    if (micro > 999999) {
        fail(w, "%s with micro %" PRIu32 " > 999999", what, micro);
        return 0;
    }
    return 1;
}

static void put_duration(struct pp *w, const struct confd_duration *d)
{
    uint64_t secs = (uint64_t)d->secs + d->micros / 1000000;
    uint32_t micro = d->micros % 1000000;

    puts_(w, "P");
    if (d->years)
        putf(w, "%" PRIu32 "Y", d->years);
    if (d->months)
        putf(w, "%" PRIu32 "M", d->months);
    if (d->days)
        putf(w, "%" PRIu32 "D", d->days);
    if (d->hours || d->mins || secs || micro) {
        puts_(w, "T");
        if (d->hours)
            putf(w, "%" PRIu32 "H", d->hours);
        if (d->mins)
            putf(w, "%" PRIu32 "M", d->mins);
        if (secs || micro) {
            putf(w, "%" PRIu64, secs);
            put_fraction(w, micro);
            puts_(w, "S");
        }
    } else if (!d->years && !d->months && !d->days) {
        puts_(w, "T0S");
    }
}

static void put_decimal64(struct pp *w, const struct confd_decimal64 *d)
{
    uint64_t mag, scale = 1, frac;
    char digits[24];
    int i, n;

    if (d->fraction_digits < 1 || d->fraction_digits > 18) {
        fail(w, "C_DECIMAL64 with fraction_digits %u (must be 1..18)",
             d->fraction_digits);
        return;
    }
    for (i = 0; i < d->fraction_digits; i++)
        scale *= 10;
    mag = d->value < 0 ? (uint64_t)0 - (uint64_t)d->value : (uint64_t)d->value;
    frac = mag % scale;
    putf(w, "%s%" PRIu64 ".", d->value < 0 ? "-" : "", mag / scale);
    n = snprintf(digits, sizeof digits, "%0*" PRIu64, d->fraction_digits, frac);
    while (n > 1 && digits[n - 1] == '0')
        n--;
    put(w, digits, (size_t)n);
}

static void pp_value(struct pp *w, const confd_value_t *v, int depth);

/* put_key prints a C_BUF key of a keypath, in double quotes (with \" and
 * \\ escapes) when it is empty or holds a blank, brace, quote or backslash,
 * so that the text reads back as the same key (goha's keypath syntax). */
static void put_key(struct pp *w, const unsigned char *p, unsigned int n)
{
    unsigned int i;
    int quote = n == 0;

    if (p == NULL && n > 0) {
        fail(w, "C_BUF key with NULL data and size %u", n);
        return;
    }
    for (i = 0; i < n && !quote; i++)
        quote = p[i] == ' ' || p[i] == '{' || p[i] == '}' || p[i] == '"' || p[i] == '\\';
    if (!quote) {
        put(w, p, n);
        return;
    }
    puts_(w, "\"");
    for (i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\')
            puts_(w, "\\");
        put(w, p + i, 1);
    }
    puts_(w, "\"");
}

static void put_hkeypath(struct pp *w, const struct confd_hkeypath *hkp)
{
    /* Rows are confd_maxkeylen values long, as the program was compiled
     * (confd_init tells us); the array starts at the same offset whatever
     * the dimensions. */
    const confd_value_t *base =
        (const confd_value_t *)((const char *)hkp + offsetof(confd_hkeypath_t, v));
    int maxdepth = confd_maxdepth, maxkeylen = confd_maxkeylen;
    int i, j;

    if (hkp->len < 0 || hkp->len > maxdepth) {
        fail(w, "C_OBJECTREF with len %d (must be 0..%d)", hkp->len, maxdepth);
        return;
    }
    if (hkp->len == 0)
        puts_(w, "/");
    for (i = hkp->len - 1; i >= 0 && !w->failed; i--) {
        const confd_value_t *row = base + (size_t)i * (size_t)maxkeylen;
        if (row[0].type == C_XMLTAG) {
            puts_(w, "/");
            put_tag(w, row[0].val.xmltag.ns, row[0].val.xmltag.tag);
            continue;
        }
        puts_(w, "{");
        for (j = 0; j < maxkeylen && row[j].type != C_NOEXISTS && !w->failed; j++) {
            if (j)
                puts_(w, " ");
            if (row[j].type == C_BUF)
                put_key(w, row[j].val.buf.ptr, row[j].val.buf.size);
            else
                pp_value(w, &row[j], 1);
        }
        puts_(w, "}");
    }
}

/* The size of the union member of each type, for C_PTR; 0 for types
 * without data, -1 for unknown types. */
static long member_size(int type)
{
    const confd_value_t *z = NULL;

    switch (type) {
    case C_NOEXISTS: case C_UNION: case C_DEFAULT:
        return 0;
    case C_XMLTAG: case C_XMLBEGIN: case C_XMLEND: case C_XMLBEGINDEL:
    case C_XMLMOVEFIRST: case C_XMLMOVEAFTER: case C_CDBBEGIN:
        return sizeof z->val.xmltag;
    case C_SYMBOL: return sizeof z->val.symbol;
    case C_STR: return sizeof z->val.s;
    case C_BUF: case C_BINARY: case C_HEXSTR: case C_BITBIG:
        return sizeof z->val.buf;
    case C_INT8: return sizeof z->val.i8;
    case C_INT16: return sizeof z->val.i16;
    case C_INT32: return sizeof z->val.i32;
    case C_INT64: return sizeof z->val.i64;
    case C_UINT8: return sizeof z->val.u8;
    case C_UINT16: return sizeof z->val.u16;
    case C_UINT32: return sizeof z->val.u32;
    case C_UINT64: return sizeof z->val.u64;
    case C_DOUBLE: return sizeof z->val.d;
    case C_IPV4: return sizeof z->val.ip;
    case C_IPV6: return sizeof z->val.ip6;
    case C_BOOL: return sizeof z->val.boolean;
    case C_QNAME: return sizeof z->val.qname;
    case C_DATETIME: return sizeof z->val.datetime;
    case C_DATE: return sizeof z->val.date;
    case C_TIME: return sizeof z->val.time;
    case C_DURATION: return sizeof z->val.duration;
    case C_ENUM_VALUE: return sizeof z->val.enumvalue;
    case C_BIT32: return sizeof z->val.b32;
    case C_BIT64: return sizeof z->val.b64;
    case C_LIST: return sizeof z->val.list;
    case C_OBJECTREF: return sizeof z->val.hkp;
    case C_PTR: return sizeof z->val.ptr;
    case C_OID: return sizeof z->val.oidp;
    case C_IPV4PREFIX: case C_IPV4_AND_PLEN: return sizeof z->val.ipv4prefix;
    case C_IPV6PREFIX: case C_IPV6_AND_PLEN: return sizeof z->val.ipv6prefix;
    case C_DECIMAL64: return sizeof z->val.d64;
    case C_IDENTITYREF: return sizeof z->val.idref;
    case C_DQUAD: return sizeof z->val.dquad;
    }
    return -1;
}

static void pp_value(struct pp *w, const confd_value_t *v, int depth)
{
    unsigned int i;

    if (depth > PP_MAX_NESTING) {
        fail(w, "values nested deeper than %d levels", PP_MAX_NESTING);
        return;
    }
    switch ((int)v->type) {
    case C_NOEXISTS: puts_(w, "<noexists>"); return;
    case C_DEFAULT: puts_(w, "<default>"); return;
    case C_UNION: puts_(w, "<union>"); return;
    case C_XMLBEGIN: put_marker(w, "xmlbegin", v); return;
    case C_XMLEND: put_marker(w, "xmlend", v); return;
    case C_XMLBEGINDEL: put_marker(w, "xmlbegindel", v); return;
    case C_XMLMOVEFIRST: put_marker(w, "xmlmovefirst", v); return;
    case C_XMLMOVEAFTER: put_marker(w, "xmlmoveafter", v); return;
    case C_CDBBEGIN: put_marker(w, "cdbbegin", v); return;
    case C_XMLTAG: put_tag(w, v->val.xmltag.ns, v->val.xmltag.tag); return;
    case C_IDENTITYREF: put_tag(w, v->val.idref.ns, v->val.idref.id); return;
    case C_SYMBOL: putf(w, "%" PRIu32, v->val.symbol); return;
    case C_STR: case C_BUF: case C_BINARY:
    case C_INT8: case C_INT16: case C_INT32: case C_INT64:
    case C_UINT8: case C_UINT16: case C_UINT32: case C_UINT64:
    case C_DOUBLE: case C_BOOL: case C_IPV4: case C_IPV6:
        put_store_value(w, v);
        return;
    case C_HEXSTR: put_hexlist(w, v->val.c_buf.ptr, v->val.c_buf.size); return;
    case C_BITBIG: put_bitbig(w, v->val.c_buf.ptr, v->val.c_buf.size); return;
    case C_ENUM_VALUE: putf(w, "%" PRId32, v->val.enumvalue); return;
    case C_BIT32: putf(w, "0x%" PRIx32, v->val.b32); return;
    case C_BIT64: putf(w, "0x%" PRIx64, v->val.b64); return;
    case C_DQUAD:
        putf(w, "%u.%u.%u.%u", v->val.dquad.quad[0], v->val.dquad.quad[1],
             v->val.dquad.quad[2], v->val.dquad.quad[3]);
        return;
    case C_IPV4PREFIX: case C_IPV4_AND_PLEN:
        put_addr(w, AF_INET, &v->val.ipv4prefix.ip);
        putf(w, "/%u", v->val.ipv4prefix.len);
        return;
    case C_IPV6PREFIX: case C_IPV6_AND_PLEN:
        put_addr(w, AF_INET6, &v->val.ipv6prefix.ip6);
        putf(w, "/%u", v->val.ipv6prefix.len);
        return;
    case C_QNAME:
        if (v->val.qname.prefix.size > 0) {
            put_bytes(w, v->val.qname.prefix.ptr, v->val.qname.prefix.size,
                      "C_QNAME prefix");
            puts_(w, ":");
        }
        put_bytes(w, v->val.qname.name.ptr, v->val.qname.name.size, "C_QNAME name");
        return;
    case C_DATETIME: {
        const struct confd_datetime *t = &v->val.datetime;
        if (!check_micro(w, t->micro, "C_DATETIME"))
            return;
        put_year(w, t->year);
        putf(w, "-%02u-%02uT%02u:%02u:%02u", t->month, t->day, t->hour, t->min,
             t->sec);
        put_fraction(w, t->micro);
        put_tz(w, t->timezone, t->timezone_minutes);
        return;
    }
    case C_DATE:
        put_year(w, v->val.date.year);
        putf(w, "-%02u-%02u", v->val.date.month, v->val.date.day);
        put_tz(w, v->val.date.timezone, v->val.date.timezone_minutes);
        return;
    case C_TIME: {
        const struct confd_time *t = &v->val.time;
        if (!check_micro(w, t->micro, "C_TIME"))
            return;
        putf(w, "%02u:%02u:%02u", t->hour, t->min, t->sec);
        put_fraction(w, t->micro);
        put_tz(w, t->timezone, t->timezone_minutes);
        return;
    }
    case C_DURATION: put_duration(w, &v->val.duration); return;
    case C_DECIMAL64: put_decimal64(w, &v->val.d64); return;
    case C_LIST:
        if (v->val.list.ptr == NULL && v->val.list.size > 0) {
            fail(w, "C_LIST with NULL elements and size %u", v->val.list.size);
            return;
        }
        puts_(w, "[");
        for (i = 0; i < v->val.list.size && !w->failed; i++) {
            if (i)
                puts_(w, " ");
            pp_value(w, &v->val.list.ptr[i], depth + 1);
        }
        puts_(w, "]");
        return;
    case C_PTR: {
        confd_value_t tmp;
        long n = member_size((int)v->val.ptr.type);
        if (n < 0) {
            fail(w, "C_PTR to unknown type %d", (int)v->val.ptr.type);
            return;
        }
        if (v->val.ptr.valp == NULL && n > 0) {
            fail(w, "C_PTR with a NULL valp");
            return;
        }
        memset(&tmp, 0, sizeof tmp);
        tmp.type = v->val.ptr.type;
        if (n > 0)
            memcpy(&tmp.val, v->val.ptr.valp, (size_t)n);
        pp_value(w, &tmp, depth + 1);
        return;
    }
    case C_OBJECTREF:
        if (v->val.hkp == NULL)
            fail(w, "C_OBJECTREF with a NULL keypath");
        else
            put_hkeypath(w, v->val.hkp);
        return;
    case C_OID:
        if (v->val.oidp == NULL) {
            fail(w, "C_OID with a NULL oid");
            return;
        }
        if (v->val.oidp->len < 0 || v->val.oidp->len > 128) {
            fail(w, "C_OID with len %d (must be 0..128)", v->val.oidp->len);
            return;
        }
        for (i = 0; i < (unsigned int)v->val.oidp->len; i++)
            putf(w, i ? ".%" PRIu32 : "%" PRIu32, v->val.oidp->oid[i]);
        return;
    }
    fail(w, "unknown value type %d", (int)v->type);
}

int confd_pp_kpath(char *buf, int bufsiz, const struct confd_hkeypath *hkp)
{
    struct pp w;

    if (bufsiz < 0 || (buf == NULL && bufsiz > 0) || hkp == NULL) {
        if (bufsiz > 0 && buf != NULL)
            buf[0] = '\0';
        gh_confd_set_errorf(CONFD_ERR_PROTOUSAGE, "confd_pp_kpath: buf %s with bufsiz %d, hkp %s",
                            buf == NULL ? "NULL" : "set", bufsiz, hkp == NULL ? "NULL" : "set");
        return CONFD_ERR;
    }
    if (hkp->len < 0 || hkp->len > confd_maxdepth) {
        if (bufsiz > 0)
            buf[0] = '\0';
        gh_confd_set_errorf(CONFD_ERR_PROTOUSAGE, "confd_pp_kpath: len %d is not 0..%d", hkp->len,
                            confd_maxdepth);
        return CONFD_ERR;
    }
    w.buf = buf;
    w.cap = (size_t)bufsiz;
    w.len = 0;
    w.failed = 0;
    put_hkeypath(&w, hkp);
    if (!w.failed && w.len > INT_MAX)
        fail(&w, "text longer than INT_MAX bytes");
    if (w.failed) {
        if (bufsiz > 0)
            buf[0] = '\0';
        return CONFD_ERR;
    }
    if (bufsiz > 0)
        buf[w.len < w.cap ? w.len : w.cap - 1] = '\0';
    return (int)w.len;
}

int confd_pp_value(char *buf, int bufsiz, const confd_value_t *v)
{
    struct pp w;

    if (bufsiz < 0 || (buf == NULL && bufsiz > 0)) {
        gh_confd_set_errorf(CONFD_ERR_PROTOUSAGE,
                            "confd_pp_value: buf %s with bufsiz %d",
                            buf == NULL ? "NULL" : "set", bufsiz);
        return CONFD_ERR;
    }
    if (v == NULL) {
        if (bufsiz > 0)
            buf[0] = '\0';
        gh_confd_set_error(CONFD_ERR_PROTOUSAGE, "confd_pp_value: value is NULL");
        return CONFD_ERR;
    }
    w.buf = buf;
    w.cap = (size_t)bufsiz;
    w.len = 0;
    w.failed = 0;
    pp_value(&w, v, 0);
    if (!w.failed && w.len > INT_MAX)
        fail(&w, "text longer than INT_MAX bytes");
    if (w.failed) {
        if (bufsiz > 0)
            buf[0] = '\0';
        return CONFD_ERR;
    }
    if (bufsiz > 0)
        buf[w.len < w.cap ? w.len : w.cap - 1] = '\0';
    return (int)w.len;
}
