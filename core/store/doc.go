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
// The content digest (Digest) is the XOR of SHA-256(path, value) over all
// entries, updated incrementally by each commit. It serves three purposes:
//   - HA peers compare (txid, digest) to decide whether a full copy can be
//     skipped;
//   - every replicated Commit carries the primary's digest after it, and
//     Apply refuses (ErrCorrupt, nothing written) a commit that does not
//     reproduce it, so a diverged replica is detected at the first commit;
//   - Open recomputes it over the whole file (Verify) and refuses a store
//     whose content does not match, so a damaged file is reported, not used.
//     bbolt's own meta-page checks and the panics it raises on some damaged
//     pages are reported as ErrCorrupt too; no store call panics.
//
// An encoded Commit ends with a CRC-32C; a snapshot stream ends with a
// CRC-32C of the whole stream and carries the digest in its header, which the
// receiver recomputes.
//
// # Snapshots
//
// WriteSnapshot streams the store from one bbolt read transaction: writers
// are not blocked (OpenFile reserves a large mmap so that file growth does
// not need the remap that would wait for readers). Stage reads a stream,
// verifying order, CRC and digest as it arrives (the SHA-256 work spread
// over several goroutines), and writes it as a complete new bbolt file,
// PATH.stage, laid out directly from the sorted stream: leaves packed
// full, large sequential writes (on Linux with O_DIRECT, so the pages skip
// the page cache), meta pages last, one fsync. That is several times
// faster than inserting through bbolt transactions. The image is the file
// bbolt itself would write (format version 2; the tests run bbolt's
// Tx.Check on it), so bbolt keeps committing to it as usual. Activate
// renames it over PATH, syncs the directory and reopens; the old file is
// closed when its last reader is done. A crash leaves either file complete
// and synced; OpenFile deletes a leftover PATH.stage.
//
// # Files
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
