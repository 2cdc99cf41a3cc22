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

#endif
