// Command capi is libgoha.so: the C ABI of goha, built with
// `go build -buildmode=c-shared` (see the Makefile target lib).
//
// It is a thin translation layer over core/client and holds no cluster
// logic. Each exported function
//
//  1. validates its C arguments (NULL pointers, lengths, flags) and returns
//     the API family's documented code for bad input;
//  2. resolves its handle in a typed handle table (tables.go): handles are
//     counters that are never reused, so a finalized or forged handle is
//     reported as CS_ERR_BAD_HANDLE instead of being dereferenced;
//  3. performs one request through core/client;
//  4. maps the outcome to the family's status code with one table per
//     family (errors.go), and records a message for goha_errmsg.
//
// Steps 2-4 live in one wrapper per family, each of which defers recover so
// that a Go panic never crosses into C: csCall (with csInit and csFinalize,
// session.go) for the four corosync families, cmmCall and gohaCall; a
// panic becomes CS_ERR_LIBRARY, CMM_ENOTSUP or GOHA_EINTERNAL. Handles of
// every family come from one counter, so no two coincide.
//
// # Headers
//
// The hand-written headers in include/ are the ABI of record. Every file
// with //export directives includes them in its cgo preamble, so gcc
// compiles the generated prototypes next to the hand-written ones and
// rejects any mismatch. Go cannot spell "const T *"; the preamble therefore
// defines goha_c* typedefs of the const-qualified types, which make the
// generated prototypes identical to the declared ones. The cgo-generated
// header is deleted by the build and never shipped.
//
// # The ConfD CDB calls
//
// confd_cdb.h's varargs functions are C (confd_cdb.c), because Go cannot
// export variadic functions: each expands its keypath format there and
// calls its Go half (gh_cdb_*, kept local by the version script), which
// checks the socket and its session or subscription state
// (cdbSockState), canonicalises the keypath with core/cdb and makes one
// request on the caller's socket. cdb_diff_iterate takes the walk from
// gohad (core/cdb.Diff) and only builds hashed keypaths and calls the
// program's iterator, honouring its return values.
//
// # Connections
//
// Every connection is core/client's: one client core dials (every address
// form: unix:/path, IPv4, [IPv6], host names), sends the hello and frames,
// numbers and decodes requests, replies and events, for all the ways
// libgoha uses it. Every handle of the corosync families (votequorum,
// quorum, cmap, cfg) is built on one session (session.go): a
// client.Client for events, a pump goroutine, the queue and its eventfd,
// dispatch with corosync's rules, the context pointer and the error slot.
// The quorum, cmap and cfg handles send their requests on that connection
// too, so a reply never overtakes an event it follows from (a tracked
// cmap_set). A votequorum handle owns a second daemon connection for its
// requests (getinfo, setexpected, ...): a syncConn (syncconn.go), a
// client.Conn used with blocking system calls on the caller's thread,
// because a cgo callback's goroutine is locked to the C thread and every
// wait on a Go channel there costs two extra thread switches to hand the P
// back (measured: getinfo p50 39 us through client.Client, 24 us through
// syncConn, on one CPU shared with gohad). The CMM API makes its
// requests for the same reason on one process-wide client.Conn (its calls
// are serialised anyway; the cmm_connect timeout bounds each, and a call
// that times out leaves the connection usable), and has a client.Client
// for the notification registration. The ConfD family
// (confd_ha_*, notifications, goha_cdb_*, cdb_*) drives the caller's own
// socket with client.NewConn (confd_fdconn.go).
//
// # Handles and user pointers
//
// No Go value ever travels through C: every object C holds on to is named
// by a counter from a typed handle table (tables.go), or for the ConfD
// family by the caller's own fd (confd_socks.go), and every void * in the
// APIs (cmm_cmc_register's client data, cmap and quorum contexts and
// user data, goha_cdb_dump's and the change readers' opaque) is the C
// caller's pointer, which the library stores as an unsafe.Pointer and
// hands back unchanged to the caller's callback without dereferencing
// it. So there is no Go value that must survive a round trip through a C
// void * (what cgo.Handle or github.com/mattn/go-pointer are for), and the
// module does not depend on go-pointer: a handle table also reports a
// stale or forged handle as the family's bad-handle error, where a
// pointer registry would have to trust the number C gives back.
//
// # Events and callbacks
//
// A votequorum handle's event connection is subscribed to the quorum topic,
// a libquorum handle's to the quorum service topic, and the CMM
// registration's to the CMM topic; cmap trackers and cfg shutdown trackers
// get their events on their own connection without a topic. A
// pump goroutine moves each event into a per-handle queue (queue.go) that
// owns an eventfd: the fd is readable exactly while the queue is non-empty
// (or the connection is gone, so a poll loop wakes up to see the error), and
// dispatch drains it as it consumes events. Callbacks are C function
// pointers called through C trampolines (trampolines.c) from inside the
// dispatch call, i.e. on the caller's thread and never with a lock held, so
// a callback may call back into the library, finalize included.
//
// The trackstart context that corosync's daemon stamps into each
// notification is reproduced client-side from event sequence numbers: the
// two snapshot events that follow a subscribe reply carry the call's
// context, later changes carry the registered context (contexts.go).
//
// # Corosync's symbol versions
//
// The version script (libgoha.map) puts the corosync families in
// corosync's own version nodes (COROSYNC_VOTEQUORUM_1.0, COROSYNC_QUORUM_1.0,
// COROSYNC_CMAP_1.0, COROSYNC_CFG_0.82) and everything else in LIBGOHA_1.
// The compat libraries of build/lib/corosync (compat/compat.c) are empty
// libraries with corosync's names that define the same nodes and need
// libgoha: a binary linked against Debian's libraries finds its libraries
// by name, and the dynamic linker then binds each versioned symbol to the
// definition with that node name, libgoha's. One implementation serves
// both -lgoha programs and Debian-linked binaries.
package main
