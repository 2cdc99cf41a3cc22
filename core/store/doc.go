// Package store is goha's config database: a tree of string paths
// ("/a/b/c") to typed values, kept in a bbolt file and changed only by
// transactions.
//
// # Data model
//
// Values (Value) are typed like ConfD's confd_value_t, and Type uses the
// confd_vtype numbers: C_STR, C_BUF, C_INT8..C_INT64, C_UINT8..C_UINT64,
// C_DOUBLE, C_IPV4, C_IPV6, C_BOOL and C_BINARY. Each value has one canonical
// byte encoding (a type byte, then a fixed-width big-endian number or the raw
// bytes), which is what bbolt stores, after the entry's hash and CRC (see
// Checksums).
//
// # Transactions
//
// Set, Delete and Batch commit one transaction each (BatchGroup several,
// with one fsync for all, each with its own txid; ApplyGroup likewise for
// replicated ones), in one bbolt write transaction that also persists the
// new transaction id and content digest, so data, txid and digest never
// disagree, whatever moment the process dies
// (bbolt's copy-on-write pages and meta-page switch make each commit atomic
// and, with fsync, durable when the call returns). Transaction ids start at
// 1 and increase by one per commit. A secondary applies its primary's
// commits with Apply, keeping the primary's ids; installing a full copy
// (Activate) takes the copy's id, which may be lower than the local one if
// the local store had diverged (the copy wins, as in ConfD).
//
// # Checksums
//
// Each entry's hash is SHA-256(path, value encoding) and its CRC the
// CRC-32C of path then encoding. Both are computed once, when the entry is
// committed, and stored in front of the value (store format 2; see
// storedHdr). The content digest (Digest) is the XOR of the entry hashes,
// updated incrementally by each commit (the hash of a replaced or deleted
// entry is read back, not recomputed). What each check covers:
//   - Open recomputes every entry's hash and CRC from its path and value
//     (Verify), compares them with the stored ones, and the hashes' XOR
//     with the recorded digest: a damaged file (a value, a stored hash or
//     CRC, a key, the digest) is reported with ErrCorrupt, not used. This
//     is the one check that SHA-256-hashes every byte. bbolt's own
//     meta-page checks and the panics it raises on some damaged pages are
//     reported as ErrCorrupt too; no store call panics.
//   - HA peers compare (txid, digest) to decide whether a full copy can be
//     skipped.
//   - Every replicated Commit carries the primary's digest after it, and
//     Apply refuses (ErrCorrupt, nothing written) a commit that does not
//     reproduce it, so a diverged replica is detected at the first commit.
//     An encoded Commit ends with a CRC-32C.
//   - A full copy (snapshot stream) carries each entry's stored hash and
//     CRC with its value, the digest in its header, and ends with a
//     CRC-32C of the whole stream. Before it installs anything the
//     receiver checks the stream CRC, each entry's CRC against the path
//     and value it received, that the carried hashes XOR to the header's
//     digest, and order, count, paths and value encodings. It does not
//     rehash the values: at about 1.3 GB/s per core, SHA-256 of a large
//     copy took longer than sending and writing it.
//
// Why that is enough: the stream CRC covers every byte of the copy in
// transit (all error bursts up to 32 bits; other damage but for a 2^-32
// chance). The entry CRCs go further: computed at the commit from the
// value the client gave, carried with the value ever since (copies
// included), they make the receiver detect a value or path damaged at
// any point after its commit (in the sender's file or memory, in
// transit, in the receiver's buffers), with the same strength. The
// carried hashes XOR to the digest, so no entry was lost, added or given
// a wrong hash. What SHA-256 would add is strength against deliberate
// forgery, which a CRC does not give; the HA peers authenticate each
// other (HMAC handshake), and the receiver's own Verify rehashes
// everything at its next start.
//
// A large value's share of the stream CRC is folded in on the sender
// from its stored CRC (crcCombine) instead of computed, so the sender
// never reads the value itself: the kernel copies it from bbolt's memory
// map into the socket. The receiver computes the CRC of each value once,
// as it arrives, and derives the stream CRC from it the same way.
//
// # Snapshots
//
// WriteSnapshot streams the store from one bbolt read transaction: writers
// are not blocked (OpenFile reserves a large mmap so that file growth does
// not need the remap that would wait for readers). The stream (format in
// snapshot.go, version 2) is each entry's path and stored bytes (hash,
// CRC and encoding). To a VectorWriter (hanet's connection) it hands
// batches of about 1 MiB in which small pieces are copied together and
// large values are slices of bbolt's memory map, sent with one gathered
// write: a large value is neither read nor copied in user space (see
// Checksums). Stage reads a stream, verifying it as it arrives (see
// Checksums), and writes it as a complete new bbolt file, PATH.stage,
// laid out directly from the sorted stream: leaves packed full, a large
// value read from the network straight into its place in the file's
// pages, and large sequential writes by a disk writer goroutine, so that
// receiving, laying out and writing overlap; meta pages last, one fsync.
// On Linux the writes use O_DIRECT (the pages skip the page cache) from
// huge-page buffers (they reach the device in few large requests), which
// are prepared in the background: the copy waits at most a few ms for the
// first. Small entries are received into a few reused 4 MiB slabs. That
// is several times faster than inserting through bbolt transactions. The image is the file
// bbolt itself would write (bbolt file format 2; the tests run bbolt's
// Tx.Check on it), so bbolt keeps committing to it as usual. Activate
// renames it over PATH, syncs the directory and reopens; the old file is
// closed when its last reader is done. A crash leaves either file complete
// and synced; OpenFile deletes a leftover PATH.stage.
//
// # Files
//
// The store's meta bucket records its format ("format" = 2). OpenFile
// upgrades a file of format 1 (no format key, values stored without their
// hash) once, the way a full copy is installed: the content is verified,
// streamed with the hashes added into a complete, synced PATH.stage, and
// renamed over PATH; content, txid and digest are unchanged. A crash
// leaves either the old file (upgraded again at the next open; the
// partial stage file is deleted) or the new one. A file of an unknown
// format is refused with ErrCorrupt.
//
// OpenFile(PATH) keeps the store in PATH. Open(db), for the daemon, keeps
// it in its own file beside the daemon's bbolt file (BesidePath:
// DATA/goha.db -> DATA/goha.cdb), because a copy is installed by renaming
// a whole file; the daemon's file is left to the daemon. A store that an
// earlier version kept inside the daemon's file (buckets goha.cdb.meta,
// goha.cdb.data.0/1) is moved to its own file by Open, crash-safely.
//
// # Change feed
//
// After EnableFeed (the daemon calls it; tests and tools need not), every
// durable commit, local or replicated, publishes a ChangeSet: its txid and
// the net change per path (old and new value; several ops on one path
// collapse, a set back to the old value vanishes), sorted by path, plus
// the interior nodes (prefixes ending before a '/') that appeared or
// vanished, which is what ConfD reports as list entries and containers
// created or deleted. Publication happens under the commit lock after
// bbolt's fsync, so the feed is in txid order and never shows a commit a
// crash could lose. Installing a full copy publishes a Reset: the
// difference between the old and the new content, found by one merge
// walk that compares stored entry hashes (values are decoded only where
// they differ), or an incomplete Reset that tells subscribers to re-read.
// The walk runs while the copy streams in, against the live store, and
// never reads the copy back (copydiff.go says why: that once cost twenty
// times the copy itself); the Reset is incomplete when the difference
// passes MaxResetChanges or the feed's memory budget (a larger entry
// would push all history out of it), or when the store committed during
// the copy (the walk no longer describes it). When the HA layer knows that the copy discards
// local transactions (auto mode: commits never acknowledged that the new
// primary's epoch history does not hold; Staged.Discarded), the Reset
// names them, so that a subscriber that saw them knows they are withdrawn.
//
// The feed keeps recent ChangeSets within a memory budget
// (DefaultFeedBytes). Changes(after) returns what followed a position (a
// txid); a position older than the history, unknown, or ambiguous (a copy
// moved the txid back onto one the history already has) is ErrResync.
// The history lives in memory: after a restart, a subscriber at the
// current txid is up to date and any other position is ErrResync. One
// case is not detected: a subscriber that last saw txid T, while the node
// installed a diverging copy that also ends at T and then restarted
// before the subscriber came back, is told it is up to date. The cost to
// commits with the feed enabled is reading each changed path's previous
// value (read anyway for the digest) and, for paths created or deleted,
// one B+tree seek per new ancestor.
//
// # Read-only mode and errors
//
// SetReadOnly(true) (an HA secondary or relay) makes local writes fail with
// ErrReadOnly; replication (Apply, Stage, Activate) still works. Failures
// are the sentinel errors of errors.go (wrapped with detail); core/node
// turns them into control-protocol codes, and libgoha those into the C
// API's confd_errno.
package store
