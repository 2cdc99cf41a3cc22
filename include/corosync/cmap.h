/*
 * corosync/cmap.h -- libgoha's source-compatible corosync configuration map
 * API (libcmap): typed key/value pairs describing the cluster, read, set and
 * tracked by name.
 *
 * libgoha.so implements these calls on top of the local gohad (GOHA_IPC;
 * see votequorum.h for the connection rules and goha.h for the process
 * model).  Types, constants, layouts and status codes equal corosync 3.1.7,
 * so programs written for corosync's libcmap recompile unchanged with
 * -lgoha, and binaries linked against Debian's libcmap.so.4 run on
 * build/lib/corosync/libcmap.so.4 (symbol version COROSYNC_CMAP_1.0).
 *
 * The map.  Keys are names of 3 to 255 characters from [a-zA-Z0-9._/:-];
 * values have one of the CMAP_VALUETYPE_* types, numbers exactly their
 * size, strings stored with their NUL (so a string's length is strlen+1),
 * at most 16384 bytes.  Keys are kept in byte order of their names, which
 * is the order of iteration.  gohad serves, with corosync's value types:
 *
 *   from the cluster config (the file's values; read-only where corosync's
 *   are, see below):
 *     totem.cluster_name (str), totem.version (u32 2),
 *     runtime.config.totem.token (u32, [timing] failure_timeout in ms);
 *     quorum.provider (str "corosync_votequorum"), quorum.expected_votes
 *     (u32, when set), quorum.two_node, wait_for_all, last_man_standing,
 *     auto_tie_breaker, allow_downscale (u8 1, when on),
 *     last_man_standing_window (u32), auto_tie_breaker_node (str);
 *     nodelist.node.<i>.nodeid (u32), .name (str), .ring0_addr (str, the IP
 *     of addr), .quorum_votes (u32, when votes is not 1), one <i> per
 *     [[node]] in file order, and nodelist.local_node_pos (u32);
 *   live:
 *     runtime.votequorum.this_node_id, lowest_node_id, highest_node_id,
 *     ev_barrier (u32), two_node (u8), wait_for_all_status (u8, only with
 *     wait_for_all); runtime.members.<id>.ip (str "r(0) ip(<IP>) "),
 *     .join_count (u32), .status (str "joined" or "left"), .config_version
 *     (u64 0), from the first membership that held node <id>;
 *   and whatever clients set.
 *
 * Writes.  Read-only keys give CS_ERR_ACCESS (checked first): everything
 * under internal_configuration., runtime.services., runtime.config.,
 * runtime.totem., uidgid.config., system. and nodelist., corosync's
 * read-only totem.* and quorum.* keys, config.reload_in_progress and
 * config.totemconfig_reload_in_progress.  Writes corosync acts on act here
 * too: quorum.expected_votes (u32) is votequorum_setexpected(3),
 * quorum.device.votes (u32) votequorum_setvotes(3) of the quorum device,
 * and quorum.two_node (u8; deleting it means off) switches two_node on
 * this node as a config reload does, each stored only when the quorum
 * rules accept the value; cfg.shutdown_timeout (u32 ms) times
 * corosync_cfg_try_shutdown(3).  Keys corosync applies live that gohad
 * cannot change while running (totem.*, logging.*, runtime.blackbox.*,
 * uidgid.*, resources.*, quorum.votes,
 * quorum.device.timeout, sync_timeout, master_wins, quorum.provider,
 * quorum.cancel_wait_for_all, runtime.force_gather) give
 * CS_ERR_NOT_SUPPORTED.  Every other key is stored.
 *
 * Status codes common to every call that takes a handle:
 *   CS_ERR_BAD_HANDLE     never returned by an initialize call, or finalized
 *   CS_ERR_LIBRARY        no gohad answers on GOHA_IPC, or it went away
 *   CS_ERR_NAME_TOO_LONG  a key_name or prefix of 256 bytes or more
 *
 * Deliberate differences from corosync (none visible to a conforming
 * program):
 *  1. runtime.votequorum.* and runtime.members.* are read-only
 *     (CS_ERR_ACCESS): gohad derives them from its state, and quorumtool and
 *     qdevice trust this_node_id; corosync lets any client overwrite them.
 *  2. A write that corosync would accept and act on later may be refused:
 *     quorum.expected_votes, quorum.device.votes and quorum.two_node values
 *     that the quorum rules reject, or of another type, give
 *     CS_ERR_INVALID_PARAM and are not stored (corosync stores them and
 *     applies them unchecked), the keys listed above give
 *     CS_ERR_NOT_SUPPORTED, and deleting quorum.expected_votes or
 *     quorum.device.votes gives CS_ERR_NOT_SUPPORTED.
 *  3. NULL pointers corosync would dereference give CS_ERR_INVALID_PARAM;
 *     an unknown map gives CS_ERR_NOT_EXIST, as corosync, but leaves no
 *     handle behind (corosync's stays allocated and unusable).
 *  4. The stats map (CMAP_MAP_STATS) holds gohad's own counters under
 *     stats.goha. (datagrams, rejected datagrams by cause, dropped clients)
 *     instead of corosync's knet, srp and ipc statistics; it cannot be
 *     tracked (cmap_track_add gives CS_ERR_NOT_SUPPORTED).
 *  5. Iteration pages through the map as it is at each cmap_iter_next: keys
 *     added or removed meanwhile behind the iterator's position show up or
 *     vanish, as with corosync's live trie iterator, but are fetched in
 *     batches.
 *  6. A map holds at most 65536 keys and 16384 trackers (CS_ERR_NO_SPACE
 *     beyond); corosync has no limit.
 *  7. Keys corosync has that gohad does not serve: internal_configuration.*,
 *     logging.*, resources.*, runtime.services.*, runtime.config.* (but
 *     runtime.config.totem.token), runtime.blackbox.*, runtime.force_gather,
 *     system.*, totem.transport, totem.crypto_*, totem.interface.*; gohad's
 *     transport is its own authenticated UDP, not knet.
 *
 * Conformance: `make conformance` runs corosync 3.1.7's corosync-cmapctl
 * (reads of the keys both serve, by name and by prefix; set, type change,
 * delete and prefix delete of new keys; refused writes) and corosync-qdevice
 * 3.0.3 (which reads its configuration through cmap), built against these
 * headers and Debian's own binaries, against a one-node gohad and a
 * one-node corosync: the transcripts are identical.
 */
#ifndef COROSYNC_CMAP_H_DEFINED
#define COROSYNC_CMAP_H_DEFINED

#include <corosync/corotypes.h>
#include <corosync/hdb.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque handles from tables inside libgoha (never pointers or fds). */
typedef uint64_t cmap_handle_t;
typedef uint64_t cmap_iter_handle_t;
typedef uint64_t cmap_track_handle_t;

/* Key names are CMAP_KEYNAME_MINLEN..CMAP_KEYNAME_MAXLEN bytes. */
#define CMAP_KEYNAME_MAXLEN            255
#define CMAP_KEYNAME_MINLEN            3

/* Events of cmap_track_add (the callback gets exactly one of the first three). */
#define CMAP_TRACK_ADD		4
#define CMAP_TRACK_DELETE	1
#define CMAP_TRACK_MODIFY	2

/* Track every key that starts with key_name, not only key_name itself. */
#define CMAP_TRACK_PREFIX	8

/* The type of a value; sizeof == 4. */
typedef enum {
    CMAP_VALUETYPE_INT8 	=  1,
    CMAP_VALUETYPE_UINT8	=  2,
    CMAP_VALUETYPE_INT16	=  3,
    CMAP_VALUETYPE_UINT16	=  4,
    CMAP_VALUETYPE_INT32	=  5,
    CMAP_VALUETYPE_UINT32	=  6,
    CMAP_VALUETYPE_INT64	=  7,
    CMAP_VALUETYPE_UINT64	=  8,
    CMAP_VALUETYPE_FLOAT	=  9,
    CMAP_VALUETYPE_DOUBLE	= 10,
    CMAP_VALUETYPE_STRING	= 11,
    CMAP_VALUETYPE_BINARY	= 12,
} cmap_value_types_t;

/* Which map a handle reads (cmap_initialize_map). */
typedef enum {
	CMAP_MAP_DEFAULT        = 0,
	CMAP_MAP_ICMAP          = 0,
	CMAP_MAP_STATS          = 1,
} cmap_map_t;

/*
 * A value as a tracking callback sees it; all zero when unset (the new
 * value of a DELETE, the old value of an ADD).  data is valid only during
 * the callback.  sizeof == 24.
 */
struct cmap_notify_value {
	cmap_value_types_t type;
	size_t len;
	const void *data;
};

/*
 * Tracking callback: event is CMAP_TRACK_ADD, _MODIFY or _DELETE (never
 * _PREFIX); key_name the changed key; user_data as given to cmap_track_add.
 * For one change the trackers of a handle are called in corosync's order:
 * those registered on the key itself (newest first), then prefix trackers,
 * longest prefix first.
 */
typedef void (*cmap_notify_fn_t) (
	cmap_handle_t cmap_handle,
	cmap_track_handle_t cmap_track_handle,
	int32_t event,
	const char *key_name,
	struct cmap_notify_value new_value,
	struct cmap_notify_value old_value,
	void *user_data);

/*
 * cmap_initialize - connect to the configuration map of the local gohad
 *
 * Returns:
 *   CS_OK                 *handle is set
 *   CS_ERR_INVALID_PARAM  handle is NULL
 *   CS_ERR_LIBRARY        no gohad answers on GOHA_IPC
 *   CS_ERR_NO_MEMORY      too many handles are open in this process
 */
extern cs_error_t cmap_initialize (
	cmap_handle_t *handle);

/*
 * cmap_initialize_map - connect to the given map (CMAP_MAP_ICMAP or
 * CMAP_MAP_STATS; see difference 4 above)
 *
 * Returns: as cmap_initialize; CS_ERR_NOT_EXIST for another map.
 */
extern cs_error_t cmap_initialize_map (
	cmap_handle_t *handle,
	cmap_map_t map);

/*
 * cmap_finalize - close a handle, its iterators and its trackers
 *
 * Returns: CS_OK; CS_ERR_BAD_HANDLE (also for a second finalize).
 */
extern cs_error_t cmap_finalize (
	cmap_handle_t handle);

/*
 * cmap_fd_get - the descriptor to poll for pending tracking callbacks
 *
 * Readable (an eventfd) while a notification is queued or the daemon went
 * away; call cmap_dispatch then.  Do not read or close it.
 *
 * Returns: CS_OK; CS_ERR_INVALID_PARAM (fd is NULL); CS_ERR_BAD_HANDLE.
 */
extern cs_error_t cmap_fd_get (
	cmap_handle_t handle,
	int *fd);

/*
 * cmap_dispatch - run the tracking callbacks of pending notifications
 *
 * As corosync, dispatch_types is not checked: CS_DISPATCH_ALL and
 * CS_DISPATCH_ONE_NONBLOCKING never wait, CS_DISPATCH_ONE and
 * CS_DISPATCH_ONE_NONBLOCKING stop after one callback, and any other value
 * behaves as CS_DISPATCH_BLOCKING (runs callbacks until the handle is
 * finalized or the daemon goes away).  Notifications of a tracker deleted
 * meanwhile are dropped.
 *
 * Returns: CS_OK; CS_ERR_TRY_AGAIN (ONE_NONBLOCKING, nothing queued);
 * CS_ERR_BAD_HANDLE (also finalized while waiting); CS_ERR_LIBRARY.
 */
extern cs_error_t cmap_dispatch (
	cmap_handle_t handle,
	cs_dispatch_flags_t dispatch_types);

/*
 * cmap_context_get / cmap_context_set - a pointer kept with the handle
 * (client-side only; NULL until set).
 *
 * Returns: CS_OK; CS_ERR_INVALID_PARAM (context_get with NULL context);
 * CS_ERR_BAD_HANDLE.
 */
extern cs_error_t cmap_context_get (
	cmap_handle_t handle,
	const void **context);

extern cs_error_t cmap_context_set (
	cmap_handle_t handle,
	const void *context);

/*
 * cmap_set - create or replace a key
 *
 * value_len bytes of value are stored with the given type; a string is
 * stored up to its first NUL (or value_len bytes) plus a NUL.  The type of
 * an existing key may change.  Setting the value and type a key already has
 * changes nothing and notifies nobody.
 *
 * Returns:
 *   CS_OK
 *   CS_ERR_ACCESS         the key is read-only (see above)
 *   CS_ERR_NOT_SUPPORTED  corosync would apply the key live and gohad cannot
 *   CS_ERR_INVALID_PARAM  NULL key_name or value; unknown type; a number
 *                         whose value_len is not its size; a string with a
 *                         NUL before its last byte; value_len > 16384; a
 *                         value the quorum rules refuse (quorum.expected_votes,
 *                         quorum.device.votes)
 *   CS_ERR_NAME_TOO_LONG  a new key's name is not 3..255 characters of
 *                         [a-zA-Z0-9._/:-]
 *   CS_ERR_NO_SPACE       the map holds 65536 keys
 */
extern cs_error_t cmap_set(
	cmap_handle_t handle,
	const char *key_name,
	const void *value,
	size_t value_len,
	cmap_value_types_t type);

/* Typed shortcuts of cmap_set; cmap_set_string passes strlen(value) (NULL
 * value: CS_ERR_INVALID_PARAM). */
extern cs_error_t cmap_set_int8(cmap_handle_t handle, const char *key_name, int8_t value);
extern cs_error_t cmap_set_uint8(cmap_handle_t handle, const char *key_name, uint8_t value);
extern cs_error_t cmap_set_int16(cmap_handle_t handle, const char *key_name, int16_t value);
extern cs_error_t cmap_set_uint16(cmap_handle_t handle, const char *key_name, uint16_t value);
extern cs_error_t cmap_set_int32(cmap_handle_t handle, const char *key_name, int32_t value);
extern cs_error_t cmap_set_uint32(cmap_handle_t handle, const char *key_name, uint32_t value);
extern cs_error_t cmap_set_int64(cmap_handle_t handle, const char *key_name, int64_t value);
extern cs_error_t cmap_set_uint64(cmap_handle_t handle, const char *key_name, uint64_t value);
extern cs_error_t cmap_set_float(cmap_handle_t handle, const char *key_name, float value);
extern cs_error_t cmap_set_double(cmap_handle_t handle, const char *key_name, double value);
extern cs_error_t cmap_set_string(cmap_handle_t handle, const char *key_name, const char *value);

/*
 * cmap_delete - remove a key
 *
 * Returns: CS_OK; CS_ERR_NOT_EXIST; CS_ERR_ACCESS (read-only);
 * CS_ERR_NOT_SUPPORTED (see above); CS_ERR_INVALID_PARAM (NULL key_name).
 */
extern cs_error_t cmap_delete(cmap_handle_t handle, const char *key_name);

/*
 * cmap_get - read a key
 *
 * With value NULL only *value_len and *type are set (each may be NULL;
 * all three NULL tests for existence).  With a buffer, *value_len is its
 * size on entry and the value's length on return.
 *
 * Returns:
 *   CS_OK
 *   CS_ERR_NOT_EXIST      no such key (names are not validated on reads)
 *   CS_ERR_INVALID_PARAM  NULL key_name; value without value_len; the
 *                         buffer is smaller than the value
 */
extern cs_error_t cmap_get(
	cmap_handle_t handle,
	const char *key_name,
	void *value,
	size_t *value_len,
	cmap_value_types_t *type);

/*
 * Typed shortcuts of cmap_get.  No conversion: a key of another type gives
 * CS_ERR_INVALID_PARAM, as does a NULL output pointer.
 */
extern cs_error_t cmap_get_int8(cmap_handle_t handle, const char *key_name, int8_t *i8);
extern cs_error_t cmap_get_uint8(cmap_handle_t handle, const char *key_name, uint8_t *u8);
extern cs_error_t cmap_get_int16(cmap_handle_t handle, const char *key_name, int16_t *i16);
extern cs_error_t cmap_get_uint16(cmap_handle_t handle, const char *key_name, uint16_t *u16);
extern cs_error_t cmap_get_int32(cmap_handle_t handle, const char *key_name, int32_t *i32);
extern cs_error_t cmap_get_uint32(cmap_handle_t handle, const char *key_name, uint32_t *u32);
extern cs_error_t cmap_get_int64(cmap_handle_t handle, const char *key_name, int64_t *i64);
extern cs_error_t cmap_get_uint64(cmap_handle_t handle, const char *key_name, uint64_t *u64);
extern cs_error_t cmap_get_float(cmap_handle_t handle, const char *key_name, float *flt);
extern cs_error_t cmap_get_double(cmap_handle_t handle, const char *key_name, double *dbl);

/*
 * cmap_get_string - read a string key into a new malloc'ed copy (*str);
 * the caller frees it.  A key of another type gives CS_ERR_INVALID_PARAM.
 */
extern cs_error_t cmap_get_string(cmap_handle_t handle, const char *key_name, char **str);

/*
 * cmap_inc / cmap_dec - add 1 to or subtract 1 from an integer key,
 * wrapping at its width (an int8 of -128 decremented is 127)
 *
 * Returns: CS_OK; CS_ERR_NOT_EXIST; CS_ERR_INVALID_PARAM (float, double,
 * string or binary key); CS_ERR_ACCESS; CS_ERR_NOT_SUPPORTED.
 */
extern cs_error_t cmap_inc(cmap_handle_t handle, const char *key_name);

extern cs_error_t cmap_dec(cmap_handle_t handle, const char *key_name);

/*
 * cmap_iter_init - start listing the keys that begin with prefix (NULL or
 * "" lists all)
 *
 * Returns: CS_OK, also when no key matches (cmap_iter_next then gives
 * CS_ERR_NO_SECTIONS, as with corosync); CS_ERR_INVALID_PARAM
 * (cmap_iter_handle is NULL); CS_ERR_NO_MEMORY (too many iterators).
 */
extern cs_error_t cmap_iter_init(cmap_handle_t handle, const char *prefix, cmap_iter_handle_t *cmap_iter_handle);

/*
 * cmap_iter_next - the next key, in byte order of names
 *
 * key_name must hold CMAP_KEYNAME_MAXLEN + 1 bytes; value_len and type may
 * be NULL.
 *
 * Returns: CS_OK; CS_ERR_NO_SECTIONS at the end (and after it);
 * CS_ERR_INVALID_PARAM (key_name is NULL); CS_ERR_BAD_HANDLE (a bad or
 * finalized iterator).
 */
extern cs_error_t cmap_iter_next(
		cmap_handle_t handle,
		cmap_iter_handle_t iter_handle,
		char key_name[],
		size_t *value_len,
		cmap_value_types_t *type);

/* cmap_iter_finalize - end an iteration.  Returns: CS_OK; CS_ERR_BAD_HANDLE. */
extern cs_error_t cmap_iter_finalize(cmap_handle_t handle, cmap_iter_handle_t iter_handle);

/*
 * cmap_track_add - call notify_fn, from cmap_dispatch, when key_name (or,
 * with CMAP_TRACK_PREFIX, any key starting with key_name) is added,
 * modified or deleted, as track_type selects
 *
 * The key need not exist.  A handle may track a key any number of times.
 * key_name may be NULL (with CMAP_TRACK_PREFIX: every key).
 *
 * Returns:
 *   CS_OK                 *cmap_track_handle is set
 *   CS_ERR_INVALID_PARAM  NULL notify_fn or cmap_track_handle; track_type
 *                         with bits other than the four CMAP_TRACK_*
 *   CS_ERR_NO_SPACE       the map has 16384 trackers
 *   CS_ERR_NOT_SUPPORTED  a stats-map handle (difference 4)
 */
extern cs_error_t cmap_track_add(
	cmap_handle_t handle,
	const char *key_name,
        int32_t track_type,
	cmap_notify_fn_t notify_fn,
        void *user_data,
        cmap_track_handle_t *cmap_track_handle);

/*
 * cmap_track_delete - stop a tracker; its queued notifications are dropped
 *
 * Returns: CS_OK; CS_ERR_BAD_HANDLE (unknown or deleted tracker).
 */
extern cs_error_t cmap_track_delete(cmap_handle_t handle, cmap_track_handle_t track_handle);

#ifdef __cplusplus
}
#endif

#endif /* COROSYNC_CMAP_H_DEFINED */
