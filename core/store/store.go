package store

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Bucket names. The store keeps to its own buckets so that it can share a
// bbolt file with the daemon's other state.
var (
	metaBucket  = []byte("goha.cdb.meta")
	dataBuckets = [2][]byte{[]byte("goha.cdb.data.0"), []byte("goha.cdb.data.1")}
	keyActive   = []byte("active")
	keyTxid     = []byte("txid")
	keyDigest   = []byte("digest")
	keyFormat   = []byte("format")
)

// Store file formats (meta key "format"; absent means 1).
const (
	// formatPlain (1): the data bucket maps each path to its value's
	// encoding.
	formatPlain = 1
	// formatHashed (2): the data bucket maps each path to the entry's
	// hash (its digest contribution, 32 bytes) and CRC, then the encoding
	// (storedHdr, storedValue), so that a full copy carries them and
	// commits need not rehash the values they replace.
	formatHashed = 2
)

// Store is the config database. All methods are safe for concurrent use.
// Writers are serialised; readers (Get, Walk, WriteSnapshot) run in bbolt read
// transactions and do not block writers.
type Store struct {
	// db is replaced when a full copy is installed into a store of its own
	// file (Activate): it is written with both mu and dbMu held, so holding
	// either makes it safe to read. Readers take it with acquire, which
	// counts them in users; the swap closes the old db once they are done.
	// (A counter, not a read lock held throughout: readers may nest.)
	db    *bolt.DB
	dbMu  sync.RWMutex
	users *sync.WaitGroup // read transactions open on db
	own   bool            // db was opened by OpenFile and is closed by Close
	path  string          // the store's file ("" only while moving an old store, see Open)
	opts  Options         // how path was opened, to reopen it after a swap

	mu     sync.Mutex // serialises commits and activation; guards the fields below
	txid   uint64
	digest Digest
	active int // index into dataBuckets
	closed bool
	// plain: the data is in formatPlain. Only an old store being read to
	// move or upgrade it is; such a store refuses commits.
	plain bool

	readOnly atomic.Bool

	stageMu  sync.Mutex // one staging at a time
	stageGen uint64     // generation of the last successful staging (guarded by mu)

	feed feed // recent ChangeSets (EnableFeed)
}

// RecommendedMmapSize is the bbolt InitialMmapSize for the store's file
// (OpenFile's default; see Options.InitialMmapSize): address space only,
// not memory. The daemon's own file no longer needs it (Open keeps the
// store beside it), but it does no harm.
const RecommendedMmapSize = 1 << 30

// Options for OpenFile.
type Options struct {
	// NoSync skips fsync on commit. Only for simulations and benchmarks
	// that model a process crash, not a power loss.
	NoSync bool
	// InitialMmapSize reserves address space so that growing the file does
	// not need a remap, which in bbolt waits for open read transactions (a
	// long snapshot would then block writers). Default 1 GiB.
	InitialMmapSize int
}

// OpenFile opens (creating if needed) a bbolt file holding only the store.
func OpenFile(path string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.InitialMmapSize == 0 {
		o.InitialMmapSize = RecommendedMmapSize
	}
	db, err := openBolt(path, o)
	if err != nil {
		return nil, err
	}
	// A full copy that was being received when the process died: never
	// renamed into place, so it is garbage.
	if err := os.Remove(stagePath(path)); err != nil && !errors.Is(err, os.ErrNotExist) {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s, err := openDB(db)
	if err != nil {
		db.Close()
		return nil, err
	}
	s.own, s.path, s.opts = true, path, o
	if s.plain {
		return upgradeFile(s)
	}
	return s, nil
}

// upgradeFile rewrites a store file of format 1 (formatPlain) in the
// current format, the way a received full copy is installed: the verified
// content is streamed, entry hashes added, into a complete new file
// (PATH.stage, synced), which is renamed over PATH, and the directory is
// synced. A crash before the rename leaves the old file, upgraded again at
// the next open (the partial stage file is deleted); after it, the new
// file, complete. Content, transaction id and digest are unchanged (the
// digest is made of the same entry hashes). s is closed in every case.
func upgradeFile(s *Store) (*Store, error) {
	path, o := s.path, s.opts
	err := copyStore(s, stagePath(path), o)
	s.Close()
	if err != nil {
		os.Remove(stagePath(path))
		return nil, fmt.Errorf("store: upgrading %s to format %d: %w", path, formatHashed, err)
	}
	if err := os.Rename(stagePath(path), path); err != nil {
		return nil, fmt.Errorf("store: upgrading %s to format %d: %w", path, formatHashed, err)
	}
	if !o.NoSync {
		if err := syncDir(filepath.Dir(path)); err != nil {
			return nil, fmt.Errorf("store: upgrading %s to format %d: %w", path, formatHashed, err)
		}
	}
	return OpenFile(path, &o)
}

// copyStore writes src's content as a complete, synced (unless o.NoSync)
// store file at file, through the snapshot stream.
func copyStore(src *Store, file string, o Options) error {
	pr, pw := io.Pipe()
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		_, err := src.WriteSnapshot(pw)
		pw.CloseWithError(err)
	}()
	_, err := (&Store{opts: o}).stageFile(pr, file, nil)
	pr.CloseWithError(io.ErrClosedPipe) // unblock the writer on failure
	<-sent
	return err
}

func openBolt(path string, o Options) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: 2 * time.Second, NoSync: o.NoSync, InitialMmapSize: o.InitialMmapSize,
		FreelistType: bolt.FreelistMapType,
	})
	if errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrChecksum) || errors.Is(err, berrors.ErrVersionMismatch) {
		return nil, fmt.Errorf("store: open %s: %w: %w", path, ErrCorrupt, err)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return db, nil
}

// stagePath is where a full copy for the store file path is received.
func stagePath(path string) string { return path + ".stage" }

// Open opens the config store of a daemon whose bbolt database is db. The
// store keeps its data in a bbolt file of its own beside db's file
// (BesidePath: DATA/goha.db -> DATA/goha.cdb), created if missing, so that
// a full copy from an HA primary is installed by renaming one file; Close
// closes that file, never db. db is only read to move a store that an
// earlier version kept inside it (buckets goha.cdb.*) into the store's
// file, once: the file is built completely and synced before it appears,
// and the buckets are dropped from db after that, so a crash at any point
// loses nothing. It fails with ErrCorrupt, touching nothing, if that old
// store does not verify.
func Open(db *bolt.DB) (*Store, error) {
	path := BesidePath(db.Path())
	if err := migrateFrom(db, path); err != nil {
		return nil, err
	}
	return OpenFile(path, &Options{NoSync: db.NoSync})
}

// BesidePath is the store's file for a daemon bbolt file at dbPath: the
// same name with extension .cdb instead of .db (or .cdb appended).
func BesidePath(dbPath string) string {
	return strings.TrimSuffix(dbPath, ".db") + ".cdb"
}

// migrateFrom moves a store kept in db's buckets into its own file at path.
func migrateFrom(db *bolt.DB, path string) (err error) {
	defer guard(&err)
	var legacy bool
	if err := db.View(func(tx *bolt.Tx) error { legacy = tx.Bucket(metaBucket) != nil; return nil }); err != nil {
		return fmt.Errorf("store: open: %w", err)
	}
	if !legacy {
		return nil
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		old, err := openDB(db) // verifies it
		if err != nil {
			return err
		}
		if err := copyStore(old, stagePath(path), Options{NoSync: db.NoSync}); err != nil {
			return fmt.Errorf("store: moving the store out of %s: %w", db.Path(), err)
		}
		if err := os.Rename(stagePath(path), path); err != nil {
			return fmt.Errorf("store: moving the store out of %s: %w", db.Path(), err)
		}
		if !db.NoSync {
			if err := syncDir(filepath.Dir(path)); err != nil {
				return fmt.Errorf("store: moving the store out of %s: %w", db.Path(), err)
			}
		}
	} else if err != nil {
		return fmt.Errorf("store: open: %w", err)
	}
	return db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{metaBucket, dataBuckets[0], dataBuckets[1]} {
			if tx.Bucket(name) != nil {
				if err := tx.DeleteBucket(name); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// openDB sets up the store's buckets in db, creating them if missing. It
// recomputes the content digest and fails with ErrCorrupt if it disagrees
// with the persisted one, so a damaged file is never silently used.
// Leftovers of a bucket staging (older versions) are removed. A new store
// is created in the current format; an existing one of format 1 is opened
// with plain set (readable, for WriteSnapshot, but refusing commits).
func openDB(db *bolt.DB) (_ *Store, err error) {
	defer guard(&err)
	s := &Store{db: db, users: new(sync.WaitGroup)}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		a := meta.Get(keyActive)
		if a == nil {
			if _, err := tx.CreateBucketIfNotExists(dataBuckets[0]); err != nil {
				return err
			}
			if err := meta.Put(keyActive, []byte{0}); err != nil {
				return err
			}
			if err := meta.Put(keyTxid, make([]byte, 8)); err != nil {
				return err
			}
			a = []byte{0}
			if err := meta.Put(keyDigest, make([]byte, 32)); err != nil {
				return err
			}
			if err := meta.Put(keyFormat, []byte{formatHashed}); err != nil {
				return err
			}
		}
		switch f := meta.Get(keyFormat); {
		case f == nil:
			s.plain = true
		case len(f) != 1 || f[0] != formatHashed:
			return fmt.Errorf("%w: unknown store format %v (written by a newer version?)", ErrCorrupt, f)
		}
		t, d := meta.Get(keyTxid), meta.Get(keyDigest)
		if len(a) != 1 || a[0] > 1 || len(t) != 8 || len(d) != 32 || tx.Bucket(dataBuckets[a[0]]) == nil {
			return fmt.Errorf("%w: bad store metadata", ErrCorrupt)
		}
		s.active = int(a[0])
		s.txid = binary.BigEndian.Uint64(t)
		copy(s.digest[:], d)
		if tx.Bucket(dataBuckets[1-s.active]) != nil {
			return tx.DeleteBucket(dataBuckets[1-s.active])
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if err := s.Verify(); err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the store, and the bbolt file if OpenFile opened it.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.own {
		return s.db.Close() // waits for open read transactions
	}
	return nil
}

// acquire returns the current bbolt database for a read; call release
// when the read transaction is over.
func (s *Store) acquire() (*bolt.DB, func()) {
	s.dbMu.RLock()
	db, users := s.db, s.users
	users.Add(1)
	s.dbMu.RUnlock()
	return db, users.Done
}

// DB returns the underlying bbolt database. For a store opened with
// OpenFile it is replaced (and the old one closed) when a full copy is
// activated, so do not keep it across HA transitions.
func (s *Store) DB() *bolt.DB {
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	return s.db
}

// SetReadOnly makes Set, Delete and Batch fail with ErrReadOnly (HA
// secondary or relay). Apply and snapshot installation still work.
func (s *Store) SetReadOnly(ro bool) { s.readOnly.Store(ro) }

// ReadOnly reports whether local writes are refused.
func (s *Store) ReadOnly() bool { return s.readOnly.Load() }

// State returns the last transaction id and the content digest.
func (s *Store) State() (uint64, Digest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.txid, s.digest
}

// Txid returns the last committed transaction id (0 for an empty new store).
func (s *Store) Txid() uint64 { t, _ := s.State(); return t }

// Set stores v at path in a transaction of its own.
func (s *Store) Set(path string, v Value) (Commit, error) { return s.Batch([]Op{SetOp(path, v)}) }

// Delete removes path in a transaction of its own (ErrNotFound if absent).
func (s *Store) Delete(path string) (Commit, error) { return s.Batch([]Op{DeleteOp(path)}) }

// Batch applies ops atomically as one transaction with the next transaction
// id, durably (fsync) unless the file was opened with NoSync. A delete of a
// missing path fails the whole batch with ErrNotFound. It returns the commit
// to replicate.
func (s *Store) Batch(ops []Op) (Commit, error) {
	cs, errs := s.BatchGroup([][]Op{ops})
	return cs[0], errs[0]
}

// validateOps checks a transaction's ops before anything is written.
func validateOps(ops []Op) error {
	if len(ops) == 0 {
		return fmt.Errorf("%w: empty transaction", ErrBadPath)
	}
	for _, op := range ops {
		if err := ValidatePath(op.Path); err != nil {
			return err
		}
		switch op.Kind {
		case OpSet:
			if err := op.Value.Validate(); err != nil {
				return err
			}
		case OpDelete:
		default:
			return fmt.Errorf("%w: unknown op kind %d", ErrBadValue, op.Kind)
		}
	}
	return nil
}

// BatchGroup commits several transactions together (group commit): in one
// bbolt write transaction, so with one fsync, each gets the next
// transaction id in order and its own Commit, exactly as if Batch had been
// called for each in turn. One that Batch would refuse (bad path or value,
// a delete of a missing path, given the transactions before it) gets its
// error in errs and takes no txid; the others are committed. An I/O error
// fails all of them and commits none.
func (s *Store) BatchGroup(reqs [][]Op) (cs []Commit, errs []error) {
	cs, errs = make([]Commit, len(reqs)), make([]error, len(reqs))
	defer func() { // a panic in bbolt fails every transaction
		var err error
		guard(&err)
		if err != nil {
			for i := range errs {
				cs[i], errs[i] = Commit{}, err
			}
		}
	}()
	for i, ops := range reqs {
		errs[i] = validateOps(ops)
		cs[i].Ops = ops
	}
	if s.readOnly.Load() {
		for i := range errs {
			errs[i] = ErrReadOnly
		}
		return cs, errs
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.commitLocked(cs, true, errs); err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	for i := range cs {
		if errs[i] != nil {
			cs[i] = Commit{}
		}
	}
	return cs, errs
}

// Apply applies a commit replicated from the primary. It must be the next
// transaction (ErrOutOfOrder otherwise) and must produce exactly the digest
// the primary computed (ErrCorrupt otherwise, with nothing changed). It
// ignores the read-only flag.
func (s *Store) Apply(c Commit) (err error) {
	defer guard(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.Txid != s.txid+1 {
		return fmt.Errorf("%w: have %d, got %d", ErrOutOfOrder, s.txid, c.Txid)
	}
	return s.commitLocked([]Commit{c}, false, nil)
}

// ApplyGroup applies several replicated commits, in order, in one bbolt
// write transaction (one fsync): all of them, or, if one is out of order
// or does not reproduce its digest, none (then Apply them one by one to
// find which).
func (s *Store) ApplyGroup(cs []Commit) (err error) {
	defer guard(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, c := range cs {
		if c.Txid != s.txid+1+uint64(i) {
			return fmt.Errorf("%w: have %d, got %d", ErrOutOfOrder, s.txid+uint64(i), c.Txid)
		}
	}
	return s.commitLocked(cs, false, nil)
}

// ApplyEncoded decodes (checking the CRC) and applies a replicated commit.
func (s *Store) ApplyEncoded(b []byte) (Commit, error) {
	c, err := DecodeCommit(b)
	if err != nil {
		return Commit{}, err
	}
	return c, s.Apply(c)
}

var errDigestMismatch = errors.New("digest mismatch")

// commitLocked writes cs, in order, in one bbolt transaction. Local
// commits (errs has one entry each; those already set are skipped) get
// the next txids and their digests; one whose delete finds nothing gets
// ErrNotFound in errs and is left out. Replicated commits keep their txids
// and must reproduce their digests, or nothing is written.
func (s *Store) commitLocked(cs []Commit, local bool, errs []error) error {
	if s.closed {
		return ErrClosed
	}
	if s.plain {
		return fmt.Errorf("store: a format %d store must be upgraded before commits", formatPlain)
	}
	d, txid := s.digest, s.txid
	var mismatch uint64
	rec := s.feed.enabled()
	var sets []ChangeSet
	err := s.db.Update(func(tx *bolt.Tx) error {
		d, txid, sets = s.digest, s.txid, sets[:0] // again, if bbolt retried
		b := tx.Bucket(dataBuckets[s.active])
		meta := tx.Bucket(metaBucket)
		if b == nil || meta == nil {
			return fmt.Errorf("%w: store buckets missing", ErrCorrupt)
		}
		for i := range cs {
			c := &cs[i]
			if local {
				if errs[i] != nil {
					continue
				}
				if errs[i] = missingDelete(b, c.Ops); errs[i] != nil {
					continue
				}
			}
			var tc *txChanges
			var pre map[string]bool
			if rec {
				tc, pre = &txChanges{}, preExistence(b, c.Ops)
			}
			if err := applyOps(b, c.Ops, &d, tc); err != nil {
				return err
			}
			txid++
			if local {
				c.Txid, c.Digest = txid, d
			} else if d != c.Digest {
				mismatch = c.Txid
				return errDigestMismatch
			}
			if tc != nil {
				set := tc.finish(b, func(a string) bool { return pre[a] })
				set.Txid, set.Prev = txid, txid-1
				sets = append(sets, set)
			}
		}
		var t [8]byte
		binary.BigEndian.PutUint64(t[:], txid)
		if err := meta.Put(keyTxid, t[:]); err != nil {
			return err
		}
		return meta.Put(keyDigest, d[:])
	})
	if errors.Is(err, errDigestMismatch) {
		return fmt.Errorf("%w: commit %d does not reproduce the primary's digest (replica diverged)", ErrCorrupt, mismatch)
	}
	if err != nil {
		return err
	}
	s.txid, s.digest = txid, d
	if len(sets) > 0 {
		s.feed.publish(sets...) // durable now, and still in txid order (s.mu)
	}
	return nil
}

// applyOps writes one transaction's ops into b, updating the digest d,
// and records the net changes in tc if it is not nil.
func applyOps(b *bolt.Bucket, ops []Op, d *Digest, tc *txChanges) error {
	for _, op := range ops {
		key := []byte(op.Path)
		old := b.Get(key)
		if tc != nil {
			if err := tc.before(op.Path, old); err != nil {
				return err
			}
		}
		if old != nil {
			h, _, _, err := splitStored(old)
			if err != nil {
				return fmt.Errorf("%w: %s", err, op.Path)
			}
			d.xor(h) // the stored hash: no need to rehash the old value
		} else if op.Kind == OpDelete {
			continue // replicated: the digest check decides whether this was right
		}
		switch op.Kind {
		case OpSet:
			sv, h := storedValue(op.Path, op.Value)
			if err := b.Put(key, sv); err != nil {
				return err
			}
			d.xor(h)
			if tc != nil {
				tc.after(op.Path, op.Value)
			}
		case OpDelete:
			if err := b.Delete(key); err != nil {
				return err
			}
			if tc != nil {
				tc.after(op.Path, Value{})
			}
		}
	}
	return nil
}

// preExistence tells, for every interior ancestor of the ops' paths,
// whether it had a descendant before the ops (read from b before they are
// applied). An ancestor of a path that has a value needs no lookup.
func preExistence(b *bolt.Bucket, ops []Op) map[string]bool {
	m := map[string]bool{}
	for _, op := range ops {
		if b.Get([]byte(op.Path)) == nil {
			continue
		}
		for i := len(op.Path) - 1; i > 0; i-- {
			if op.Path[i] == '/' {
				m[op.Path[:i]] = true
			}
		}
	}
	for _, op := range ops {
		for i := len(op.Path) - 1; i > 0; i-- {
			if op.Path[i] != '/' {
				continue
			}
			if a := op.Path[:i]; !m[a] {
				if _, done := m[a]; !done {
					m[a] = hasUnder(b, a)
				}
			}
		}
	}
	return m
}

// missingDelete returns ErrNotFound if one of ops deletes a path that is
// not there, given the ops before it; b is not changed.
func missingDelete(b *bolt.Bucket, ops []Op) error {
	if !slices.ContainsFunc(ops, func(op Op) bool { return op.Kind == OpDelete }) {
		return nil
	}
	var after map[string]bool // path -> present, for paths ops changed
	for _, op := range ops {
		present, changed := after[op.Path]
		if !changed {
			present = b.Get([]byte(op.Path)) != nil
		}
		if op.Kind == OpDelete && !present {
			return fmt.Errorf("%w: %s", ErrNotFound, op.Path)
		}
		if after == nil {
			after = map[string]bool{}
		}
		after[op.Path] = op.Kind == OpSet
	}
	return nil
}

// Get returns the value at path.
func (s *Store) Get(path string) (_ Value, err error) {
	defer guard(&err)
	if err := ValidatePath(path); err != nil {
		return Value{}, err
	}
	var v Value
	err = s.view(func(b *bolt.Bucket) error {
		raw := b.Get([]byte(path))
		if raw == nil {
			return fmt.Errorf("%w: %s", ErrNotFound, path)
		}
		enc, err := s.encoding(raw)
		if err != nil {
			return fmt.Errorf("%w: %s", err, path)
		}
		v, err = DecodeValue(enc)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
		}
		return nil
	})
	return v, err
}

// encoding returns the value encoding of a data bucket entry.
func (s *Store) encoding(raw []byte) ([]byte, error) {
	if s.plain {
		return raw, nil
	}
	_, _, enc, err := splitStored(raw)
	return enc, err
}

// view runs fn on the active data bucket in a read transaction.
func (s *Store) view(fn func(b *bolt.Bucket) error) error {
	s.mu.Lock()
	closed, active := s.closed, s.active
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	db, release := s.acquire()
	defer release()
	return db.View(func(tx *bolt.Tx) error {
		a := tx.Bucket(metaBucket).Get(keyActive) // the bucket may have flipped since
		if len(a) == 1 && int(a[0]) != active {
			active = int(a[0])
		}
		b := tx.Bucket(dataBuckets[active])
		if b == nil {
			return fmt.Errorf("%w: data bucket missing", ErrCorrupt)
		}
		return fn(b)
	})
}

// Walk calls fn for every entry whose path starts with prefix, in path
// order, from one consistent read transaction.
func (s *Store) Walk(prefix string, fn func(path string, v Value) error) (err error) {
	defer guard(&err)
	return s.view(func(b *bolt.Bucket) error {
		c := b.Cursor()
		for k, raw := c.Seek([]byte(prefix)); k != nil && string(k[:min(len(k), len(prefix))]) == prefix; k, raw = c.Next() {
			enc, err := s.encoding(raw)
			if err != nil {
				return fmt.Errorf("%w: %s", err, k)
			}
			v, err := DecodeValue(enc)
			if err != nil {
				return fmt.Errorf("%w: %s: %v", ErrCorrupt, k, err)
			}
			if err := fn(string(k), v); err != nil {
				return err
			}
		}
		return nil
	})
}

// DumpText writes "path type value" lines for every entry, in path order
// (what `gohactl cdb dump` prints).
func (s *Store) DumpText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	err := s.Walk("", func(p string, v Value) error {
		_, err := fmt.Fprintf(bw, "%s %s %s\n", p, v.Type(), v)
		return err
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// Verify recomputes the hash and CRC of every entry from its path and
// value, checks every value decodes and every stored hash and CRC
// matches, and compares
// their XOR with the persisted digest (ErrCorrupt on any mismatch): it
// reads and hashes every byte of the content.
func (s *Store) Verify() (err error) {
	defer guard(&err)
	var d, want Digest
	var txid uint64
	var h entryHasher
	db, release := s.acquire()
	defer release()
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(metaBucket)
		a := meta.Get(keyActive)
		copy(want[:], meta.Get(keyDigest))
		txid = binary.BigEndian.Uint64(meta.Get(keyTxid))
		return tx.Bucket(dataBuckets[a[0]]).ForEach(func(k, v []byte) error {
			if !pathOK(k) {
				return fmt.Errorf("%w: %v", ErrCorrupt, ValidatePath(string(k)))
			}
			enc := v
			var stored Digest
			var crc uint32
			if !s.plain {
				var err error
				if stored, crc, enc, err = splitStored(v); err != nil {
					return fmt.Errorf("%w: %s", err, k)
				}
			}
			if err := CheckEncoding(enc); err != nil {
				return fmt.Errorf("%w: %s: %v", ErrCorrupt, k, err)
			}
			sum := h.sum(string(k), enc)
			if !s.plain && (sum != stored || crc != entryCRC(k, enc)) {
				return fmt.Errorf("%w: %s: value does not match its stored hash or CRC", ErrCorrupt, k)
			}
			d.xor(sum)
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("store: verify: %w", err)
	}
	if d != want {
		return fmt.Errorf("store: verify: %w: content digest %s, recorded %s at txid %d", ErrCorrupt, d, want, txid)
	}
	return nil
}
