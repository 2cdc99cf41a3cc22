// Package corosync holds the logic behind goha's corosync libcmap, libquorum
// and libcfg drop-ins (spec/corosync-quorum-cmap-cfg.md): the cmap key
// space, its access rules and change tracking, the keys derived from the
// cluster config and from live membership state, the membership history
// the quorum service reports, and cfg's shutdown negotiation. Like
// core/quorum it is pure: no goroutines, clocks or I/O; gohad's node loop
// owns one Service and one Shutdown and feeds them, and capi only converts
// C types.
//
// # The key space (Map)
//
// Map is corosync's icmap: named values of the twelve cmap types, kept in
// byte order of their names (iteration order, as libqb's trie gives), with
// corosync's rules: a key is created only with a name of 3 to 255
// characters from [a-zA-Z0-9._/:-] (ErrNameTooLong), any name of 256 bytes
// or more is refused by every call; numbers have exactly their size;
// strings are stored with one NUL (so a value's length is strlen+1) and may
// not hold a NUL before their end; values are at most 16 KiB; setting the
// value a key already has notifies nobody; inc and dec wrap. Numbers are
// little-endian here (capi converts from the host's order).
//
// Trackers (cmap_track_add) name a key, or a prefix with TrackPrefix, and
// the events they want. A change produces Notifications in libqb's order:
// exact trackers of the key, newest first; then prefix trackers, longest
// prefix first and oldest first within one prefix. The owner of a tracker
// is the node's id of a client connection; DropOwner forgets a closed
// connection's trackers.
//
// # Access (CheckWrite)
//
// Client writes follow corosync 3.1.7: its read-only prefixes and keys give
// ErrAccess, and so do runtime.votequorum.* and runtime.members.*, which
// corosync leaves writable but gohad derives from its own state (tools
// trust this_node_id). A write to a key corosync acts on gets that effect:
// quorum.expected_votes (u32) is votequorum_setexpected and
// quorum.device.votes (u32) is votequorum_setvotes(0, n) and
// quorum.two_node (u8; deleting it: off) switches two_node as a config
// reload does, each stored only if the quorum rules accept it;
// cfg.shutdown_timeout (u32 ms) times Shutdown. Keys corosync acts on that
// gohad cannot apply while running (totem.*, logging.*, quorum.votes and
// the like) give ErrNotSupported rather than being stored to no effect.
// Any other key is stored.
//
// # Served keys (Service)
//
// From the cluster config, with corosync's types:
//
//	totem.cluster_name           str   cluster_name
//	totem.version                u32   2
//	runtime.config.totem.token   u32   [timing] failure_timeout in ms (the
//	                                   time after which a silent node is lost)
//	quorum.provider              str   corosync_votequorum
//	quorum.expected_votes        u32   when set in [quorum]
//	quorum.<option>              u8    1 for each enabled option (two_node,
//	                                   wait_for_all, last_man_standing,
//	                                   auto_tie_breaker, allow_downscale)
//	quorum.last_man_standing_window u32, quorum.auto_tie_breaker_node str
//	nodelist.node.<i>.nodeid     u32   one entry per [[node]], in file order
//	nodelist.node.<i>.name       str
//	nodelist.node.<i>.ring0_addr str   the IP of addr
//	nodelist.node.<i>.quorum_votes u32 when votes is not 1
//	nodelist.local_node_pos      u32   the local node's <i>
//
// and live, as corosync's daemon maintains them:
//
//	runtime.votequorum.this_node_id, lowest_node_id, highest_node_id,
//	ev_barrier (u32), two_node (u8), wait_for_all_status (u8, with
//	wait_for_all);
//	runtime.members.<id>.ip ("r(0) ip(<IP>) "), join_count (u32), status
//	("joined"/"left"), config_version (u64 0), from the first view that
//	held the node on.
//
// # Shutdown
//
// Shutdown reproduces corosync_cfg_try_shutdown: trackers
// (corosync_cfg_trackstart) other than the requester are asked; REQUEST
// shuts down only if every one says yes within cfg.shutdown_timeout,
// REGARDLESS once all answered or the time is up, IMMEDIATE at once; a
// tracker that stops tracking or disconnects counts as yes, a requester
// that disconnects cancels. The node carries a stop out as its clean leave
// (the same path as SIGTERM).
package corosync
