// Package cdb gives goha's config store (core/store) the semantics of
// ConfD's CDB that its C and Python APIs need: keypaths, subscription
// points and their matching, the walk of cdb_diff_iterate, and the
// dispatcher that delivers each commit to subscribers in priority order
// and waits for their syncs. It has no sockets: core/node serves it over
// the control endpoint, and capi and python translate.
//
// # Keypaths
//
// A keypath is "/a/b{k1 k2}/c": names separated by '/', a list entry's
// keys in braces separated by blanks, a key double-quoted (with \" and \\
// escapes) when it holds blanks, braces, quotes or nothing. goha has no
// schema, so a keypath is stored as its canonical text (Path.String: one
// blank between keys, quotes only where needed), which is also its store
// path; "ns:name" is a plain name. Not supported: positional indexes
// ("list[3]", BADPATH), relative paths (no cdb_cd), keys containing '/'
// (store paths split at every '/'). Paths written through goha_cdb_set
// need not be keypaths: Split reads them leniently.
//
// # Subscription points and what fires them
//
// A point is a keypath pattern whose list elements may omit their keys
// or use "*" for any key. It fires for a change set (a store.ChangeSet)
// when a changed path is at or below it (Covers), or a node above it
// vanished (Above): deleting an ancestor deletes the subscribed data.
// Namespaces (the nspace argument) are ignored.
//
// # The diff walk
//
// Diff turns a change set into the pre-order walk cdb_diff_iterate shows
// for one point, from the nodes at the point's level down:
//
//   - a changed leaf is MOP_VALUE_SET (new value, old value kept for
//     ITER_WANT_PREV), a removed one MOP_DELETED;
//   - an interior node that appeared is MOP_CREATED, its subtree reported
//     below it (leaves as VALUE_SET); one that vanished is MOP_DELETED
//     without children;
//   - a list entry ("name{keys}") that existed before and after, with
//     changes below, is MOP_MODIFIED with the changes below it;
//   - a container (no keys) that existed before and after is not
//     reported: its changes are reported at its level, as ConfD does
//     not report non-presence containers. Without a schema goha cannot
//     tell presence containers from others: one that appears or vanishes
//     is reported.
//
// Siblings come in byte order of their store paths (so "10" sorts before
// "9"); moves are never reported. With WantAncestorDelete a point whose
// ancestor vanished sees that ancestor's MOP_DELETED alone. Tags in
// hashed keypaths are Tag(name) (FNV-1a, 31 bits), namespace 0; keys are
// C_BUF text.
//
// # Delivery (Dispatcher)
//
// The dispatcher follows the store's change feed in order. For each
// entry it collects, per priority, the activated sockets with points that
// fire, and delivers in lock-step priority order (lowest first): every
// socket of a priority gets one Notification listing all its ids there
// (FlagIsLast on its last one for the entry), in parallel, and the next
// priority starts when each of them synced (DonePriority), went away or
// missed the timeout (DefaultTimeout, 15 s: the socket is closed, as
// ConfD does when a subscriber misses clientTimeout). DoneSocket sends
// that socket nothing more for the entry, DoneTransaction nobody. A
// socket receives the entries committed after its subscribe_done.
//
// Wait(txid) returns when the entry of txid has been delivered that way:
// the daemon makes a commit's writer wait for it, so a commit completes
// only after its subscribers synced, as in ConfD. Unlike ConfD, goha does
// not hold the store locked meanwhile: later commits proceed and are
// delivered after it, and a subscriber reading the store may see them.
// Commits that fire no point, and every commit while no socket has
// points, do not wait.
//
// On an HA secondary the replicated commits are delivered with
// FlagHAIsSecondary; a full copy from the primary (a Reset) with
// FlagHASync, its difference as the walk. When the difference was too
// large to keep (an incomplete Reset), or the dispatcher fell behind the
// feed's history, every point fires with FlagHASync and the walk shows
// every stored entry under the point as created, read when
// diff_iterate runs, as cdb_trigger_subscriptions would: a subscriber
// that must see deletions re-reads its data then.
package cdb
