/*
 * corosync/hdb.h -- the part of corosync's handle-database header that
 * clients of cmap.h see.
 *
 * corosync's cmap.h includes its hdb.h, a thin layer over libqb's handle
 * database (qb/qbhdb.h).  Clients rely on it indirectly for _GNU_SOURCE and
 * the system headers it pulls in (<inttypes.h>, <pthread.h>, <unistd.h>,
 * ...; corosync-cmapctl does), so this header includes the same ones and
 * defines the handle type and format macros, with the same include guard.  It does not provide the hdb_* functions: they are
 * libqb's, not part of any corosync client API, and libgoha does not need
 * libqb.  A program that manages its own handle databases with them should
 * include <qb/qbhdb.h> and link -lqb.
 */
#ifndef HDB_H_DEFINED
#define HDB_H_DEFINED

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdint.h>
#include <inttypes.h>
#include <unistd.h>	/* corosync's pulls it in through libqb's headers */

/* A handle of libqb's handle database (qb_handle_t). */
typedef uint64_t hdb_handle_t;

/* printf formats of an hdb_handle_t. */
#define HDB_D_FORMAT "%" PRIu64
#define HDB_X_FORMAT "%" PRIx64

#endif /* HDB_H_DEFINED */
