/*
 * corosync/corodefs.h -- corosync's service numbers and address-size
 * constants, as corosync 3.1.7 installs them (some clients include it for
 * the service ids, which also name the runtime.services.<id> cmap keys).
 */
#ifndef CORODEFS_H_DEFINED
#define CORODEFS_H_DEFINED

#include <netinet/in.h>

/* Corosync's service engines, by id. */
enum corosync_service_types {
	CMAP_SERVICE = 0,
	CFG_SERVICE = 1,
	CPG_SERVICE = 2,
	QUORUM_SERVICE = 3,
	PLOAD_SERVICE = 4,
	VOTEQUORUM_SERVICE = 5,
	MON_SERVICE = 6,
	WD_SERVICE = 7,
};

/* The largest cluster corosync supports (16 on small-memory builds). */
#ifdef HAVE_SMALL_MEMORY_FOOTPRINT
#define PROCESSOR_COUNT_MAX 16
#else
#define PROCESSOR_COUNT_MAX 384
#endif

/* Bytes of a network address in corosync's messages (an IPv6 address). */
#define TOTEMIP_ADDRLEN (sizeof(struct in6_addr))

#endif /* CORODEFS_H_DEFINED */
