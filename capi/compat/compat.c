/*
 * compat.c -- the body of each corosync compatibility library in
 * build/lib/corosync/ (libvotequorum.so.8, libquorum.so.5, libcmap.so.4,
 * libcfg.so.7, libcorosync_common.so.4; see the Makefile target compat).
 *
 * A binary linked against Debian's corosync libraries records, for each
 * versioned symbol it imports, the library and the version node it came
 * from (for example cmap_initialize@COROSYNC_CMAP_1.0 from libcmap.so.4).
 * At start the dynamic linker checks that each such library defines that
 * node, then binds every symbol by name and node anywhere in the process.
 * So each compat library is empty but for one anchor object that gives it
 * its node, and it needs libgoha.so.1, whose version script puts the
 * implementation of every corosync function in the same nodes: one
 * implementation, found through corosync's library names.
 * libcorosync_common.so.4 has no version node, as corosync's has none.
 *
 * GOHA_COMPAT_ANCHOR names the anchor (one per library).
 */
#ifndef GOHA_COMPAT_ANCHOR
#error "build with -DGOHA_COMPAT_ANCHOR=name"
#endif

const int GOHA_COMPAT_ANCHOR = 1;
