/*
 * The C half of confd_cdb.h: the varargs entry points (Go cannot export
 * variadic functions), the expansion of ConfD keypath formats, the typed
 * getters over cdb_vget, confd_free_value, and the table of tag names that
 * confd_hash2str and confd_pp_kpath print.  The calls that talk to gohad
 * are Go (confd_cdb.go): each wrapper here expands its path and calls the
 * Go function of the same name with a gh_ prefix, which the version script
 * keeps local.
 */
#include "confd_internal.h"

#include <arpa/inet.h>
#include <confd_cdb.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Exported data symbol (confd_cdb.h); changed by Go through
 * gh_cdb_count_points, under count_mu.  Listed in libgoha.dynlist, so
 * this is the program's copy when it has one. */
int cdb_active_subscriptions = 0;
static pthread_mutex_t count_mu = PTHREAD_MUTEX_INITIALIZER;

void gh_cdb_count_points(int delta)
{
    pthread_mutex_lock(&count_mu);
    cdb_active_subscriptions += delta;
    if (cdb_active_subscriptions < 0)
        cdb_active_subscriptions = 0;
    pthread_mutex_unlock(&count_mu);
}

/* ---- tag names ---------------------------------------------------------- */

/* A chained hash table of the tags libgoha made, never shrunk: names live
 * for the process (confd_hash2str hands them out). */
struct tagname {
    uint32_t tag;
    struct tagname *next;
    char name[];
};

#define TAG_BUCKETS 1024
static struct tagname *tag_table[TAG_BUCKETS];
static pthread_mutex_t tag_mu = PTHREAD_MUTEX_INITIALIZER;

void gh_tag_register(uint32_t tag, const char *name, int len)
{
    struct tagname **b = &tag_table[tag % TAG_BUCKETS], *t;

    if (name == NULL || len < 0)
        return;
    pthread_mutex_lock(&tag_mu);
    for (t = *b; t != NULL; t = t->next) {
        if (t->tag == tag) { /* the first name of a tag wins */
            pthread_mutex_unlock(&tag_mu);
            return;
        }
    }
    t = malloc(sizeof *t + (size_t)len + 1);
    if (t != NULL) {
        t->tag = tag;
        memcpy(t->name, name, (size_t)len);
        t->name[len] = '\0';
        t->next = *b;
        *b = t;
    }
    pthread_mutex_unlock(&tag_mu);
}

const char *gh_tag_name(uint32_t tag)
{
    struct tagname *t;
    const char *name = NULL;

    pthread_mutex_lock(&tag_mu);
    for (t = tag_table[tag % TAG_BUCKETS]; t != NULL; t = t->next) {
        if (t->tag == tag) {
            name = t->name;
            break;
        }
    }
    pthread_mutex_unlock(&tag_mu);
    return name;
}

char *confd_hash2str(uint32_t hash)
{
    return (char *)gh_tag_name(hash);
}

void confd_free_value(confd_value_t *v)
{
    if (v == NULL)
        return;
    switch (v->type) {
    case C_BUF:
    case C_BINARY:
    case C_HEXSTR:
    case C_BITBIG:
        free(v->val.buf.ptr);
        break;
    case C_STR:
        free(v->val.s);
        break;
    default:
        break;
    }
    memset(v, 0, sizeof *v);
    v->type = C_NOEXISTS;
}

/* ---- keypath formats ---------------------------------------------------- */

/* An output path under construction. */
struct kp {
    char buf[GH_CDB_PATH_MAX + 1];
    size_t len;
    int over;
};

static void kp_put(struct kp *k, const char *s, size_t n)
{
    if (k->len + n > GH_CDB_PATH_MAX) {
        k->over = 1;
        return;
    }
    memcpy(k->buf + k->len, s, n);
    k->len += n;
}

/* A key needs quotes in a keypath when it is empty or holds a blank, a
 * brace, a quote or a backslash (core/cdb's rule). */
static int needs_quotes(const char *s, size_t n)
{
    size_t i;

    if (n == 0)
        return 1;
    for (i = 0; i < n; i++) {
        if (s[i] == ' ' || s[i] == '{' || s[i] == '}' || s[i] == '"' || s[i] == '\\')
            return 1;
    }
    return 0;
}

/* kp_subst inserts the text of one conversion: as is outside braces; as
 * one key inside them (quoted when needed; escaped inside the format's own
 * quotes).  0, or -1 after recording the error. */
static int kp_subst(struct kp *k, const char *s, size_t n, int inbraces, int inquotes)
{
    size_t i;
    int quote;

    if (!inbraces) {
        kp_put(k, s, n);
        return 0;
    }
    if (memchr(s, '/', n) != NULL) {
        gh_confd_set_errorf(CONFD_ERR_BADPATH, "key \"%.*s\" contains '/', which goha's keys cannot",
                            (int)(n > 200 ? 200 : n), s);
        return -1;
    }
    quote = !inquotes && needs_quotes(s, n);
    if (quote)
        kp_put(k, "\"", 1);
    for (i = 0; i < n; i++) {
        if ((inquotes || quote) && (s[i] == '"' || s[i] == '\\'))
            kp_put(k, "\\", 1);
        kp_put(k, s + i, 1);
    }
    if (quote)
        kp_put(k, "\"", 1);
    return 0;
}

/* Expand fmt with args into out (GH_CDB_PATH_MAX+1 bytes).  0, or -1 after
 * recording CONFD_ERR_BADPATH (CONFD_ERR_PROTOUSAGE for a NULL fmt). */
static int expand(char *out, const char *fmt, va_list args)
{
    struct kp k;
    const char *p;
    int inbraces = 0, inquotes = 0;
    char tmp[INET6_ADDRSTRLEN + 32];

    if (fmt == NULL) {
        gh_confd_set_error(CONFD_ERR_PROTOUSAGE, "the keypath format is NULL");
        return -1;
    }
    k.len = 0;
    k.over = 0;
    for (p = fmt; *p != '\0' && !k.over; p++) {
        if (*p != '%') {
            if (*p == '"' && inbraces && (p == fmt || p[-1] != '\\'))
                inquotes = !inquotes;
            else if (*p == '{' && !inquotes)
                inbraces = 1;
            else if (*p == '}' && !inquotes)
                inbraces = 0;
            kp_put(&k, p, 1);
            continue;
        }
        p++;
        if (*p == '%') {
            kp_put(&k, "%", 1);
        } else if (strncmp(p, "ip4", 3) == 0 || strncmp(p, "ip6", 3) == 0) {
            int af = p[2] == '4' ? AF_INET : AF_INET6;
            const void *a = va_arg(args, const void *);
            if (a == NULL || inet_ntop(af, a, tmp, sizeof tmp) == NULL) {
                gh_confd_set_errorf(CONFD_ERR_BADPATH, "%%ip%c in \"%s\": a NULL address", p[2], fmt);
                return -1;
            }
            if (kp_subst(&k, tmp, strlen(tmp), inbraces, inquotes) != 0)
                return -1;
            p += 2;
        } else if (*p == 'd' || *p == 'i') {
            int n = snprintf(tmp, sizeof tmp, "%d", va_arg(args, int));
            if (kp_subst(&k, tmp, (size_t)n, inbraces, inquotes) != 0)
                return -1;
        } else if (*p == 'u') {
            int n = snprintf(tmp, sizeof tmp, "%u", va_arg(args, unsigned int));
            if (kp_subst(&k, tmp, (size_t)n, inbraces, inquotes) != 0)
                return -1;
        } else if (*p == 's') {
            const char *s = va_arg(args, const char *);
            if (s == NULL) {
                gh_confd_set_errorf(CONFD_ERR_BADPATH, "a NULL string for %%s in \"%s\"", fmt);
                return -1;
            }
            if (kp_subst(&k, s, strnlen(s, GH_CDB_PATH_MAX + 1), inbraces, inquotes) != 0)
                return -1;
        } else if (*p == 'x') {
            const confd_value_t *v = va_arg(args, const confd_value_t *);
            char vbuf[GH_CDB_PATH_MAX + 1];
            int n = v == NULL ? -1 : confd_pp_value(vbuf, sizeof vbuf, v);
            if (n < 0 || n > GH_CDB_PATH_MAX) {
                gh_confd_set_errorf(CONFD_ERR_BADPATH, "%%x in \"%s\": %s", fmt,
                                    v == NULL ? "a NULL value" : "a value that cannot be printed in 1024 bytes");
                return -1;
            }
            if (kp_subst(&k, vbuf, (size_t)n, inbraces, inquotes) != 0)
                return -1;
        } else if (*p == 'h' && p == fmt + 1) {
            const confd_hkeypath_t *h = va_arg(args, const confd_hkeypath_t *);
            char hbuf[GH_CDB_PATH_MAX + 1];
            int n = h == NULL ? -1 : confd_pp_kpath(hbuf, sizeof hbuf, h);
            if (n < 0 || n > GH_CDB_PATH_MAX) {
                gh_confd_set_errorf(CONFD_ERR_BADPATH, "%%h in \"%s\": %s", fmt,
                                    h == NULL ? "a NULL keypath" : "a keypath that cannot be printed in 1024 bytes");
                return -1;
            }
            kp_put(&k, hbuf, (size_t)n);
        } else {
            gh_confd_set_errorf(CONFD_ERR_BADPATH,
                                "unsupported conversion %%%.3s in keypath format \"%s\" (goha has %%d %%i %%u %%s %%x %%ip4 %%ip6, %%h at the start, %%%%)",
                                p, fmt);
            return -1;
        }
    }
    if (k.over) {
        gh_confd_set_errorf(CONFD_ERR_BADPATH, "the path of \"%s\" is longer than %d bytes", fmt, GH_CDB_PATH_MAX);
        return -1;
    }
    k.buf[k.len] = '\0';
    memcpy(out, k.buf, k.len + 1);
    return 0;
}

int gh_cdb_expand(char *out, const char *fmt, va_list args)
{
    if (!gh_confd_check_init())
        return -1;
    return expand(out, fmt, args);
}

/* ---- entry points ------------------------------------------------------- */

/* Each v-function expands its path and calls its Go half (confd_cdb.go). */
#define WITH_PATH(call)                                  \
    do {                                                 \
        char path_[GH_CDB_PATH_MAX + 1];                 \
        if (gh_cdb_expand(path_, fmt, args) != 0)        \
            return CONFD_ERR;                            \
        return call;                                     \
    } while (0)

/* Each varargs function forwards to its v-function. */
#define VARARGS(vcall)                                   \
    do {                                                 \
        va_list args;                                    \
        int r_;                                          \
        va_start(args, fmt);                             \
        r_ = vcall;                                      \
        va_end(args);                                    \
        return r_;                                       \
    } while (0)

int cdb_vget(int sock, confd_value_t *v, const char *fmt, va_list args)
{
    WITH_PATH(gh_cdb_get(sock, v, path_));
}

int cdb_get(int sock, confd_value_t *v, const char *fmt, ...)
{
    VARARGS(cdb_vget(sock, v, fmt, args));
}

/* get_typed reads a leaf that must be of type t and copies n bytes of its
 * value member into out. */
static int get_typed(int sock, enum confd_vtype t, const char *tname, void *out, size_t n,
                     const char *fmt, va_list args)
{
    confd_value_t v;
    int r;

    if (out == NULL) {
        if (gh_confd_check_init())
            gh_confd_set_error(CONFD_ERR_PROTOUSAGE, "rval is NULL");
        return CONFD_ERR;
    }
    r = cdb_vget(sock, &v, fmt, args);
    if (r != CONFD_OK)
        return r;
    if (v.type != t) {
        int vt = (int)v.type;
        confd_free_value(&v);
        gh_confd_set_errorf(CONFD_ERR_BADTYPE, "the leaf holds a value of type %d, not %s", vt, tname);
        return CONFD_ERR;
    }
    memcpy(out, &v.val, n);
    return CONFD_OK;
}

#define TYPED(name, ctype, vtype)                                                        \
    int cdb_vget_##name(int sock, ctype *rval, const char *fmt, va_list args)            \
    {                                                                                    \
        return get_typed(sock, vtype, #vtype, rval, sizeof *rval, fmt, args);            \
    }                                                                                    \
    int cdb_get_##name(int sock, ctype *rval, const char *fmt, ...)                      \
    {                                                                                    \
        VARARGS(cdb_vget_##name(sock, rval, fmt, args));                                 \
    }

TYPED(int8, int8_t, C_INT8)
TYPED(int16, int16_t, C_INT16)
TYPED(int32, int32_t, C_INT32)
TYPED(int64, int64_t, C_INT64)
TYPED(u_int8, uint8_t, C_UINT8)
TYPED(u_int16, uint16_t, C_UINT16)
TYPED(u_int32, uint32_t, C_UINT32)
TYPED(u_int64, uint64_t, C_UINT64)
TYPED(bool, int, C_BOOL)
TYPED(double, double, C_DOUBLE)

int cdb_vget_str(int sock, char *rval, int n, const char *fmt, va_list args)
{
    confd_value_t v;
    int r;

    if (rval == NULL || n < 1) {
        if (gh_confd_check_init())
            gh_confd_set_errorf(CONFD_ERR_PROTOUSAGE, "rval is %s and n %d", rval == NULL ? "NULL" : "set", n);
        return CONFD_ERR;
    }
    r = cdb_vget(sock, &v, fmt, args);
    if (r != CONFD_OK)
        return r;
    if (v.type != C_BUF) {
        int vt = (int)v.type;
        confd_free_value(&v);
        gh_confd_set_errorf(CONFD_ERR_BADTYPE, "the leaf holds a value of type %d, not C_BUF", vt);
        return CONFD_ERR;
    }
    if ((size_t)v.val.buf.size + 1 > (size_t)n) {
        unsigned int size = v.val.buf.size;
        confd_free_value(&v);
        gh_confd_set_errorf(CONFD_ERR_PROTOUSAGE,
                            "buffer too small in cdb_get_str() (returned buffer is %u bytes)", size);
        return CONFD_ERR;
    }
    memcpy(rval, v.val.buf.ptr, v.val.buf.size);
    rval[v.val.buf.size] = '\0';
    confd_free_value(&v);
    return CONFD_OK;
}

int cdb_get_str(int sock, char *rval, int n, const char *fmt, ...)
{
    VARARGS(cdb_vget_str(sock, rval, n, fmt, args));
}

int cdb_vexists(int sock, const char *fmt, va_list args)
{
    WITH_PATH(gh_cdb_exists(sock, path_));
}

int cdb_exists(int sock, const char *fmt, ...)
{
    VARARGS(cdb_vexists(sock, fmt, args));
}

int cdb_vset_elem(int sock, confd_value_t *val, const char *fmt, va_list args)
{
    WITH_PATH(gh_cdb_set_elem(sock, val, path_));
}

int cdb_set_elem(int sock, confd_value_t *val, const char *fmt, ...)
{
    VARARGS(cdb_vset_elem(sock, val, fmt, args));
}

int cdb_vset_elem2(int sock, const char *strval, const char *fmt, va_list args)
{
    WITH_PATH(gh_cdb_set_elem2(sock, (char *)strval, path_));
}

int cdb_set_elem2(int sock, const char *strval, const char *fmt, ...)
{
    VARARGS(cdb_vset_elem2(sock, strval, fmt, args));
}

int cdb_vsubscribe2(int sock, enum cdb_sub_type type, int flags, int priority, int *spoint,
                    int nspace, const char *fmt, va_list args)
{
    (void)nspace; /* goha has no namespaces */
    WITH_PATH(gh_cdb_subscribe(sock, (int)type, flags, priority, spoint, path_));
}

int cdb_subscribe2(int sock, enum cdb_sub_type type, int flags, int priority, int *spoint,
                   int nspace, const char *fmt, ...)
{
    VARARGS(cdb_vsubscribe2(sock, type, flags, priority, spoint, nspace, fmt, args));
}

int cdb_vsubscribe(int sock, int priority, int nspace, int *spoint, const char *fmt, va_list args)
{
    return cdb_vsubscribe2(sock, CDB_SUB_RUNNING, 0, priority, spoint, nspace, fmt, args);
}

int cdb_subscribe(int sock, int priority, int nspace, int *spoint, const char *fmt, ...)
{
    VARARGS(cdb_vsubscribe(sock, priority, nspace, spoint, fmt, args));
}

/* ---- hashed keypaths for cdb_diff_iterate ------------------------------- */

confd_hkeypath_t *gh_hkp_alloc(void)
{
    /* The program's dimensions (confd_init), whatever MAXDEPTH/MAXKEYLEN
     * this file was compiled with; the array starts at the same offset. */
    size_t n = offsetof(confd_hkeypath_t, v) +
               (size_t)confd_maxdepth * (size_t)confd_maxkeylen * sizeof(confd_value_t);
    return calloc(1, n);
}

confd_value_t *gh_hkp_cell(confd_hkeypath_t *h, int row, int col)
{
    confd_value_t *base = (confd_value_t *)((char *)h + offsetof(confd_hkeypath_t, v));
    return base + (size_t)row * (size_t)confd_maxkeylen + (size_t)col;
}
