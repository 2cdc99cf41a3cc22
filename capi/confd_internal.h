/*
 * confd_internal.h -- private helpers of the ConfD family inside libgoha.
 *
 * Shared by the C files (confd_lib.c, confd_pp.c, confd_sock.c) and the Go
 * files (through their cgo preambles) of the ConfD API.  None of these names
 * matches the version script's export patterns, so they stay local to the
 * library.  Every function may be called from any thread.
 */
#ifndef GOHA_CAPI_CONFD_INTERNAL_H
#define GOHA_CAPI_CONFD_INTERNAL_H

#include <confd_lib.h>

/* Record an error for the calling thread: sets confd_errno to code and the
 * confd_lasterr() text to msg (truncated to 1023 bytes), and writes the
 * debug line if the debug level asks for it. */
void gh_confd_set_error(int code, const char *msg);
/* The same with a printf format, for C callers. */
void gh_confd_set_errorf(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* 1 if confd_init() succeeded; otherwise 0, after recording
 * CONFD_ERR_LIB_NOT_INITIALIZED for the calling thread. */
int gh_confd_check_init(void);

/* Write one trace line ("<name>: TRACE <msg>") when the debug level is
 * CONFD_TRACE or higher. */
void gh_confd_trace(const char *msg);

/* Identity of an open fd: 0 and *dev/*ino/*sotype set (sotype is the
 * socket type, or -1 if fd is no socket); -1 with errno set if fd is not
 * open. */
int gh_confd_fd_identity(int fd, unsigned long long *dev,
                         unsigned long long *ino, int *sotype);

/* Check that srv/srv_sz describe an address of a family libgoha can connect
 * to; 0 if so, else -1 after recording CONFD_ERR_PROTOUSAGE. */
int gh_confd_check_sockaddr(const struct sockaddr *srv, int srv_sz);

/* connect(2) fd to srv, finishing the connection if it is interrupted by a
 * signal or fd is non-blocking.  0 on success; -1 with errno set. */
int gh_confd_connect(int fd, const struct sockaddr *srv, int srv_sz);

/* ---- confd_cdb.h (confd_cdb.c, confd_cdb.go) ---- */

/* The longest keypath after expansion (the store's path limit). */
#define GH_CDB_PATH_MAX 1024

/* Expand a keypath format into out (GH_CDB_PATH_MAX+1 bytes): 0, or -1
 * after recording the error (also when confd_init() was not called). */
int gh_cdb_expand(char *out, const char *fmt, va_list args);

/* Change cdb_active_subscriptions by delta. */
void gh_cdb_count_points(int delta);

/* The names of tags libgoha made (confd_hash2str, confd_pp_kpath): the
 * first name registered for a tag is kept for the life of the process. */
void gh_tag_register(uint32_t tag, const char *name, int len);
const char *gh_tag_name(uint32_t tag);

/* A zeroed confd_hkeypath_t of the program's dimensions (confd_maxdepth x
 * confd_maxkeylen; free() it), and the address of one of its values. */
confd_hkeypath_t *gh_hkp_alloc(void);
confd_value_t *gh_hkp_cell(confd_hkeypath_t *h, int row, int col);

/* The Go halves of the keypath calls (confd_cdb.go): path is expanded. */
int gh_cdb_get(int sock, confd_value_t *v, char *path);
int gh_cdb_exists(int sock, char *path);
int gh_cdb_set_elem(int sock, confd_value_t *v, char *path);
int gh_cdb_set_elem2(int sock, char *strval, char *path);
int gh_cdb_subscribe(int sock, int type, int flags, int prio, int *spoint, char *path);

#endif
