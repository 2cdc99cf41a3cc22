package store

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// Snapshot stream format (all integers big-endian):
//
//	header:  "GOHASNAP" version(4)=1 txid(8) digest(32)
//	entry:   pathlen(4) path vallen(4) value        -- in strictly increasing path order
//	trailer: 0xFFFFFFFF count(8) crc32c(4)           -- CRC of every byte before it
//
// The receiver recomputes the content digest and checks it against the
// header, and checks order, count and CRC; any mismatch is ErrCorrupt.
var snapMagic = []byte("GOHASNAP")

const (
	snapVersion = 1
	snapEnd     = 0xFFFFFFFF
	// maxHashers bounds the goroutines verifying a received copy.
	maxHashers = 4
	// snapWriteBuf is how much WriteSnapshot hands its writer at a time.
	snapWriteBuf = 1 << 20
)

// SnapshotInfo describes a snapshot.
type SnapshotInfo struct {
	Txid    uint64
	Digest  Digest
	Entries uint64
	Bytes   int64 // stream length
}

type countingWriter struct {
	w   io.Writer
	crc hash.Hash32
	n   int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.crc.Write(p)
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// WriteSnapshot streams a consistent copy of the store to w from one bbolt
// read transaction: concurrent commits proceed and are not included.
func (s *Store) WriteSnapshot(w io.Writer) (_ SnapshotInfo, err error) {
	defer guard(&err)
	var info SnapshotInfo
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return info, ErrClosed
	}
	db, release := s.acquire()
	defer release()
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(metaBucket)
		a := meta.Get(keyActive)
		info.Txid = binary.BigEndian.Uint64(meta.Get(keyTxid))
		copy(info.Digest[:], meta.Get(keyDigest))
		// The CRC runs below the buffer, over whole 1 MiB flushes.
		cw := &countingWriter{w: w, crc: crc32.New(castagnoli)}
		bw := bufio.NewWriterSize(cw, snapWriteBuf)
		hdr := append([]byte{}, snapMagic...)
		hdr = binary.BigEndian.AppendUint32(hdr, snapVersion)
		hdr = binary.BigEndian.AppendUint64(hdr, info.Txid)
		hdr = append(hdr, info.Digest[:]...)
		bw.Write(hdr)
		var lb [4]byte
		c := tx.Bucket(dataBuckets[a[0]]).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			binary.BigEndian.PutUint32(lb[:], uint32(len(k)))
			bw.Write(lb[:])
			bw.Write(k)
			binary.BigEndian.PutUint32(lb[:], uint32(len(v)))
			bw.Write(lb[:])
			if _, err := bw.Write(v); err != nil { // errors are sticky in bw
				return err
			}
			info.Entries++
		}
		tr := binary.BigEndian.AppendUint32(nil, snapEnd)
		tr = binary.BigEndian.AppendUint64(tr, info.Entries)
		bw.Write(tr)
		if err := bw.Flush(); err != nil {
			return err
		}
		bw.Write(binary.BigEndian.AppendUint32(nil, cw.crc.Sum32()))
		if err := bw.Flush(); err != nil {
			return err
		}
		info.Bytes = cw.n
		return nil
	})
	return info, err
}

// Staged is a verified snapshot written into the store's inactive bucket,
// waiting for Activate. The live data is untouched until then.
type Staged struct {
	Info   SnapshotInfo
	bucket int    // the inactive bucket it was written to (shared file)
	file   string // or the complete bbolt file it was written to (own file)
	gen    uint64
}

// slabReader hands out the stream in contiguous pieces carved from large
// slabs that are filled straight from the underlying reader (no bufio
// copy) and never reused, so the pieces stay valid for the writer and
// hasher goroutines. It keeps a CRC-32C of what has been consumed,
// computed over large runs.
type slabReader struct {
	r              io.Reader
	slab           []byte
	pos, end, crcd int // consumed, filled, and covered by crc
	crc            uint32
	n              int64 // bytes consumed before slab
}

// next returns the next n bytes of the stream.
func (r *slabReader) next(n int) ([]byte, error) {
	for r.end-r.pos < n {
		if r.pos+n > len(r.slab) { // continue in a new slab
			r.sumUpTo()
			ns := make([]byte, max(slabSize, n))
			k := copy(ns, r.slab[r.pos:r.end])
			r.n += int64(r.pos)
			r.slab, r.pos, r.end, r.crcd = ns, 0, k, 0
		}
		k, err := r.r.Read(r.slab[r.end:])
		r.end += k
		if err != nil && r.end-r.pos < n {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	b := r.slab[r.pos : r.pos+n : r.pos+n]
	r.pos += n
	return b, nil
}

func (r *slabReader) sumUpTo() {
	r.crc = crc32.Update(r.crc, castagnoli, r.slab[r.crcd:r.pos])
	r.crcd = r.pos
}

// sum returns the CRC of everything consumed so far.
func (r *slabReader) sum() uint32 { r.sumUpTo(); return r.crc }

// consumed returns how many bytes have been consumed.
func (r *slabReader) consumed() int64 { return r.n + int64(r.pos) }

// stageBatchBytes bounds the size of one bbolt write transaction while
// staging, so a large snapshot does not hold everything dirty in memory.
const stageBatchBytes = 8 << 20

// slabSize is the allocation unit for staged keys and values.
const slabSize = 1 << 20

// Stage reads a snapshot stream from r, verifying it as it goes, into a new
// file next to the store's (OpenFile) or the inactive data bucket (a store
// in a shared file, Open). On any error (I/O, malformed, wrong digest, wrong
// CRC) the partial copy is discarded and the error wraps ErrCorrupt (or is
// the I/O error). It may run concurrently with commits to the live data.
func (s *Store) Stage(r io.Reader) (_ *Staged, err error) {
	defer guard(&err)
	s.stageMu.Lock()
	defer s.stageMu.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	target := 1 - s.active
	s.mu.Unlock()
	st := &Staged{bucket: target}
	if s.path != "" {
		st.bucket, st.file = -1, stagePath(s.path)
		st.Info, err = s.stageFile(r, st.file)
	} else {
		st.Info, err = s.stageBucket(r, dataBuckets[target])
	}
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.stageGen++
	st.gen = s.stageGen
	s.mu.Unlock()
	return st, nil
}

// stageFile receives a snapshot into a new bbolt file of its own, laid out
// directly (imageBuilder) and synced once; Activate renames it over the
// store's file. The live file is not touched, and a crash leaves at most
// a stage file that OpenFile deletes.
func (s *Store) stageFile(r io.Reader, path string) (SnapshotInfo, error) {
	f, direct, err := createDirect(path)
	if err != nil {
		return SnapshotInfo{}, fmt.Errorf("store: stage: %w", err)
	}
	b := newImageBuilder(f, direct)
	info, err := s.parseSnapshot(r, nil, func(batch []kvEntry) error {
		for _, e := range batch {
			if err := b.add(e.k, e.v); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = b.finish(info.Txid, info.Digest, s.opts.NoSync)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return SnapshotInfo{}, err
	}
	return info, nil
}

// stageBucket receives a snapshot into the inactive data bucket of a
// shared bbolt file, in bounded bbolt write transactions.
func (s *Store) stageBucket(r io.Reader, name []byte) (SnapshotInfo, error) {
	// In a shared file the db is never replaced, but reading s.db needs mu
	// or dbMu; Activate (which would replace it) waits for stageMu anyway.
	db, release := s.acquire()
	defer release()
	info, err := s.parseSnapshot(r, func() error {
		return db.Update(func(tx *bolt.Tx) error {
			if tx.Bucket(name) != nil {
				if err := tx.DeleteBucket(name); err != nil {
					return err
				}
			}
			_, err := tx.CreateBucket(name)
			return err
		})
	}, func(b []kvEntry) error {
		return db.Update(func(tx *bolt.Tx) error {
			bk := tx.Bucket(name)
			bk.FillPercent = 1.0 // keys arrive sorted: pack pages full
			for _, e := range b {
				if err := bk.Put(e.k, e.v); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		db.Update(func(tx *bolt.Tx) error {
			if tx.Bucket(name) != nil {
				return tx.DeleteBucket(name)
			}
			return nil
		})
	}
	return info, err
}

// parseSnapshot reads and verifies a snapshot stream. After the header it
// calls prepare (if not nil), then hands the entries, in order, in batches
// to write. Three goroutines share the work so that the network, the CPU
// and the disk are busy at once: this one reads the stream and checks
// framing, order, count and CRC; a hasher validates paths and values and
// computes the content digest (an XOR, so batch by batch); a writer calls
// write. Batches reference memory that is never reused, so write may keep
// them. Any error, or a panic in write (bbolt on a damaged file), fails the
// parse.
func (s *Store) parseSnapshot(r io.Reader, prepare func() error, write func([]kvEntry) error) (SnapshotInfo, error) {
	var info SnapshotInfo
	corrupt := func(what string, a ...any) (SnapshotInfo, error) {
		return info, fmt.Errorf("%w: snapshot: %s", ErrCorrupt, fmt.Sprintf(what, a...))
	}
	sr := &slabReader{r: r}
	hdr, err := sr.next(len(snapMagic) + 4 + 8 + 32)
	if err != nil {
		return corrupt("header: %v", err)
	}
	if !bytes.Equal(hdr[:8], snapMagic) || binary.BigEndian.Uint32(hdr[8:]) != snapVersion {
		return corrupt("bad magic or version")
	}
	info.Txid = binary.BigEndian.Uint64(hdr[12:])
	copy(info.Digest[:], hdr[20:])
	if prepare != nil {
		if err := prepare(); err != nil {
			return info, err
		}
	}
	// The digest is an XOR, so batches can be hashed in any order by
	// several hashers: hashing is the largest CPU cost of a copy.
	nh := min(runtime.GOMAXPROCS(0), maxHashers)
	writes, hashes := make(chan []kvEntry, 2), make(chan []kvEntry, nh)
	writeErr, hashErr := make(chan error, 1), make(chan error, nh)
	digests := make([]Digest, nh)
	go func() {
		var err error
		defer func() { // report a bbolt panic as an error, after draining
			if r := recover(); r != nil {
				for range writes {
				}
				writeErr <- fmt.Errorf("%w: database file: %v", ErrCorrupt, r)
			}
		}()
		for b := range writes {
			if err == nil {
				err = write(b)
			}
		}
		writeErr <- err
	}()
	for i := range nh {
		go func(d *Digest) {
			var err error
			var h entryHasher
			for b := range hashes {
				for _, e := range b {
					if err != nil {
						break
					}
					if verr := ValidatePath(string(e.k)); verr != nil {
						err = fmt.Errorf("%w: snapshot: %v", ErrCorrupt, verr)
					} else if verr := CheckEncoding(e.v); verr != nil {
						err = fmt.Errorf("%w: snapshot: %s: %v", ErrCorrupt, e.k, verr)
					} else {
						d.xor(h.sum(string(e.k), e.v))
					}
				}
			}
			hashErr <- err
		}(&digests[i])
	}
	done := false
	wait := func() error { // waits for both goroutines; idempotent
		if done {
			return nil
		}
		done = true
		close(writes)
		close(hashes)
		errs := []error{<-writeErr}
		for range nh {
			errs = append(errs, <-hashErr)
		}
		return errors.Join(errs...)
	}
	defer wait()
	var (
		batch     []kvEntry
		batchSize int
		last      []byte
	)
	flush := func() {
		if len(batch) > 0 {
			hashes <- batch
			writes <- batch
			batch, batchSize = nil, 0
		}
	}
	for {
		lb, err := sr.next(4)
		if err != nil {
			return corrupt("truncated: %v", err)
		}
		kl := binary.BigEndian.Uint32(lb)
		if kl == snapEnd {
			break
		}
		if kl == 0 || kl > MaxPathLen {
			return corrupt("path length %d", kl)
		}
		kv4, err := sr.next(int(kl) + 4)
		if err != nil {
			return corrupt("truncated: %v", err)
		}
		k := kv4[:kl]
		vl := binary.BigEndian.Uint32(kv4[kl:])
		if vl == 0 || vl > MaxValueLen+1 {
			return corrupt("value length %d", vl)
		}
		v, err := sr.next(int(vl))
		if err != nil {
			return corrupt("truncated: %v", err)
		}
		if last != nil && bytes.Compare(k, last) <= 0 {
			return corrupt("paths out of order at %q", k)
		}
		last = k
		info.Entries++
		batch = append(batch, kvEntry{k, v})
		batchSize += len(k) + len(v)
		if batchSize >= stageBatchBytes {
			flush()
		}
	}
	tr, err := sr.next(8)
	if err != nil {
		return corrupt("truncated trailer: %v", err)
	}
	if n := binary.BigEndian.Uint64(tr); n != info.Entries {
		return corrupt("trailer says %d entries, got %d", n, info.Entries)
	}
	want := sr.sum()
	sum, err := sr.next(4)
	if err != nil {
		return corrupt("truncated checksum: %v", err)
	}
	if binary.BigEndian.Uint32(sum) != want {
		return corrupt("stream checksum mismatch")
	}
	info.Bytes = sr.consumed()
	flush()
	if err := wait(); err != nil {
		return info, err
	}
	var digest Digest
	for _, d := range digests {
		digest.xor(d)
	}
	if digest != info.Digest {
		return corrupt("content digest %s, header says %s", digest, info.Digest)
	}
	return info, nil
}

// Activate atomically (one bbolt transaction) makes a staged snapshot the
// live data, with its transaction id and digest, and drops the old data.
func (s *Store) Activate(st *Staged) (err error) {
	defer guard(&err)
	s.stageMu.Lock()
	defer s.stageMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if st == nil || st.gen != s.stageGen || st.bucket == s.active || (st.file != "") != (s.path != "") {
		return fmt.Errorf("store: activate: staged snapshot is stale")
	}
	if st.file != "" {
		return s.activateFile(st)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(dataBuckets[st.bucket]) == nil {
			return fmt.Errorf("store: activate: staged data missing")
		}
		meta := tx.Bucket(metaBucket)
		var t [8]byte
		binary.BigEndian.PutUint64(t[:], st.Info.Txid)
		if err := meta.Put(keyTxid, t[:]); err != nil {
			return err
		}
		if err := meta.Put(keyDigest, st.Info.Digest[:]); err != nil {
			return err
		}
		if err := meta.Put(keyActive, []byte{byte(st.bucket)}); err != nil {
			return err
		}
		return tx.DeleteBucket(dataBuckets[s.active])
	})
	if err != nil {
		return err
	}
	s.active = st.bucket
	s.txid = st.Info.Txid
	s.digest = st.Info.Digest
	s.stageGen++ // a staged snapshot is used once
	return nil
}

// activateFile renames a staged file over the store's file (atomic: a
// crash leaves one or the other, both complete and synced), makes the
// rename durable, and switches to the new file; the old one is closed once
// its last reader is done. Called with stageMu and mu held.
func (s *Store) activateFile(st *Staged) error {
	if err := os.Rename(st.file, s.path); err != nil {
		return fmt.Errorf("store: activate: %w", err)
	}
	s.stageGen++ // a staged snapshot is used once
	var syncErr error
	if !s.opts.NoSync {
		// Without this the rename may not survive a power loss. On
		// failure the new file is still the one in place, so switch to it
		// but report the error: the copy must not be acknowledged.
		syncErr = syncDir(filepath.Dir(s.path))
	}
	db, err := openBolt(s.path, s.opts)
	if err != nil {
		// The file in place is the verified copy and is used from the
		// next start; this process keeps serving what it had.
		return fmt.Errorf("store: activate: %w", err)
	}
	s.dbMu.Lock()
	old, users := s.db, s.users
	s.db, s.users = db, new(sync.WaitGroup)
	s.active = 0
	s.txid = st.Info.Txid
	s.digest = st.Info.Digest
	s.dbMu.Unlock()
	go func() { // readers of the old file may still be streaming it
		users.Wait()
		old.Close()
	}()
	if syncErr != nil {
		return fmt.Errorf("store: activate: %w", syncErr)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// RestoreSnapshot stages and activates a snapshot stream: the store then
// holds exactly the snapshot's content, transaction id and digest.
func (s *Store) RestoreSnapshot(r io.Reader) (SnapshotInfo, error) {
	st, err := s.Stage(r)
	if err != nil {
		return SnapshotInfo{}, err
	}
	return st.Info, s.Activate(st)
}
