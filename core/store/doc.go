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
// bytes), which is what bbolt stores.
//
// # Transactions
//
// Set, Delete and Batch commit one transaction each, in one bbolt write
// transaction that also persists the new transaction id and content digest,
// so data, txid and digest never disagree, whatever moment the process dies
// (bbolt's copy-on-write pages and meta-page switch make each commit atomic
// and, with fsync, durable when the call returns). Transaction ids start at
// 1 and increase by one per commit. A secondary applies its primary's
// commits with Apply, keeping the primary's ids; installing a full copy
// (Activate) takes the copy's id, which may be lower than the local one if
// the local store had diverged (the copy wins, as in ConfD).
//
// # Checksums
//
// Each entry's hash is SHA-256(path, value encoding). It is computed once,
// when the entry is committed, and stored with the entry (store format 2:
// the data bucket holds hash, then encoding). The content digest (Digest)
// is the XOR of the entry hashes, updated incrementally by each commit
// (the hash of a replaced or deleted entry is read back, not recomputed).
// What each check covers:
//   - Open recomputes every entry's hash from its path and value (Verify),
//     compares it with the stored hash, and their XOR with the recorded
//     digest: a damaged file (a value, a stored hash, a key, the digest) is
//     reported with ErrCorrupt, not used. This is the one check that reads
//     and hashes every byte. bbolt's own meta-page checks and the panics it
//     raises on some damaged pages are reported as ErrCorrupt too; no store
//     call panics.
//   - HA peers compare (txid, digest) to decide whether a full copy can be
//     skipped.
//   - Every replicated Commit carries the primary's digest after it, and
//     Apply refuses (ErrCorrupt, nothing written) a commit that does not
//     reproduce it, so a diverged replica is detected at the first commit.
//     An encoded Commit ends with a CRC-32C.
//   - A snapshot stream (a full copy) carries each entry's stored hash and,
//     in its header, the digest; it ends with a CRC-32C of every byte
//     before it, computed by the sender over the very bytes it sends (from
//     bbolt's memory map) and checked by the receiver before it installs
//     anything. The receiver also checks order, count, paths and value
//     encodings, and that the XOR of the carried hashes is the header's
//     digest. It does not rehash the values: at about 1.3 GB/s per core,
//     SHA-256 of a large copy took longer than sending and writing it.
//
// Why the copy's checks are enough: the CRC-32C detects any damage in
// transit (every error burst up to 32 bits, other errors but for a
// 2^-32 chance), end to end from the sender's buffers to the receiver's,
// so the receiver installs exactly the bytes the sender read from its
// store; the carried hashes XOR to the digest, so no entry was lost,
// added or given a wrong hash on the way; and the sender's bytes are its
// store's, each hash computed from its value at the commit and since
// carried with it byte for byte (copies included), and checked against it
// whenever a store holding it was opened. What the
// copy does not detect is a value damaged in the sender's file after the
// sender opened it (bad RAM or disk under a running process): the copy
// then faithfully carries the damage, and the receiver's own Verify
// reports it at its next start. Before format 2 the receiver rehashed
// every value and would have refused such a copy; that is the trade-off
// for a copy several times faster.
//
// # Snapshots
//
// WriteSnapshot streams the store from one bbolt read transaction: writers
// are not blocked (OpenFile reserves a large mmap so that file growth does
// not need the remap that would wait for readers). The stream (format in
// snapshot.go, version 2) is each entry's path and stored bytes (hash and
// encoding). To a VectorWriter (hanet's connection) it hands batches of
// about 1 MiB in which small pieces are copied together and large values
// are slices of bbolt's memory map, sent with one gathered write: a large
// value is read once, by the CRC, before the kernel copies it to the
// socket. Stage reads a stream, verifying it as it arrives (see
// Checksums), and writes it as a complete new bbolt file, PATH.stage, laid
// out directly from the sorted stream: leaves packed full, large
// sequential writes (on Linux with O_DIRECT from huge-page buffers, so the
// pages skip the page cache and reach the device in few large requests)
// by a disk writer goroutine, so that receiving, laying out and writing
// overlap; meta pages last, one fsync. Received data lives in a few
// reused 4 MiB slabs, not in fresh memory per copy. That is several times
// faster than inserting through bbolt transactions. The image is the file
// bbolt itself would write (format version 2; the tests run bbolt's
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
// # Read-only mode and errors
//
// SetReadOnly(true) (an HA secondary or relay) makes local writes fail with
// ErrReadOnly; replication (Apply, Stage, Activate) still works. Errno maps
// every error to the confd_errno the C API sets: ErrNotFound
// CONFD_ERR_NOEXISTS (1), ErrReadOnly CONFD_ERR_NOT_WRITABLE (4), ErrBadValue
// CONFD_ERR_BADTYPE (5), ErrBadPath CONFD_ERR_BADPATH (8), everything else
// (ErrCorrupt, ErrOutOfOrder, I/O) CONFD_ERR_INTERNAL (18).
package store
