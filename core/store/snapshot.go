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

// Staged is a verified snapshot written into a complete bbolt file beside
// the store's, waiting for Activate. The live data is untouched until then.
type Staged struct {
	Info SnapshotInfo
	file string
	gen  uint64
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
			// The first slabs are small, for small copies.
			ns := make([]byte, max(min(slabSize, 2*len(r.slab)), n, 64<<10))
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

// stageBatchBytes is the size of the batches handed from the reader to the
// hashers and the writer: large enough to amortise the hand-over, small
// enough to keep a few in flight (memory stays a few batches, not the copy).
const stageBatchBytes = 4 << 20

// slabSize is the largest allocation unit for received keys and values. An
// entry that does not fit the rest of a slab moves, with what was read
// after it, to the next slab: slabs several times the largest value
// (MaxValueLen) keep that copying small.
const slabSize = 4 << 20

// Stage reads a snapshot stream from r, verifying it as it goes, into a new
// bbolt file beside the store's (PATH.stage). On any error (I/O, malformed,
// wrong digest, wrong CRC) the partial copy is discarded and the error
// wraps ErrCorrupt (or is the I/O error). It may run concurrently with
// commits to the live data. Staging again makes an earlier Staged stale.
func (s *Store) Stage(r io.Reader) (_ *Staged, err error) {
	defer guard(&err)
	s.stageMu.Lock()
	defer s.stageMu.Unlock()
	s.mu.Lock()
	closed := s.closed
	s.stageGen++ // whatever happens, an earlier staging is overwritten
	s.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if s.path == "" {
		return nil, fmt.Errorf("store: stage: store has no file of its own")
	}
	st := &Staged{file: stagePath(s.path)}
	if st.Info, err = s.stageFile(r, st.file); err != nil {
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
	var f *os.File
	var direct bool
	var err error
	if s.opts.NoSync { // nothing reaches the disk on purpose: the page cache is cheaper
		f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	} else {
		f, direct, err = createDirect(path)
	}
	if err != nil {
		return SnapshotInfo{}, fmt.Errorf("store: stage: %w", err)
	}
	b := newImageBuilder(f, direct)
	info, err := s.parseSnapshot(r, func(batch []kvEntry) error {
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

// parseSnapshot reads and verifies a snapshot stream, handing the entries,
// in order, in batches to write. The work is shared so that the network,
// the CPU and the disk are busy at once: this goroutine reads the stream
// and checks framing, order, count and CRC; hashers validate paths and
// values and compute the content digest (an XOR, so batch by batch, in any
// order); a writer calls write. Batches reference memory that is never
// reused, so write may keep them. Any error, or a panic in write, fails
// the parse.
func (s *Store) parseSnapshot(r io.Reader, write func([]kvEntry) error) (SnapshotInfo, error) {
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
				writeErr <- fmt.Errorf("%w: writing the copy: %v", ErrCorrupt, r)
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

// Activate atomically makes a staged snapshot the live data, with its
// transaction id and digest: see activateFile.
func (s *Store) Activate(st *Staged) (err error) {
	defer guard(&err)
	s.stageMu.Lock()
	defer s.stageMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if st == nil || st.gen != s.stageGen || s.path == "" {
		return fmt.Errorf("store: activate: staged snapshot is stale")
	}
	return s.activateFile(st)
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
		// The file in place is the verified copy and is what the next
		// start uses. Going on with the old, now unlinked, file would
		// lose every later commit at that start: stop instead.
		s.closed = true
		s.dbMu.Lock()
		old, users := s.db, s.users
		s.dbMu.Unlock()
		go func() { users.Wait(); old.Close() }()
		return fmt.Errorf("store: activate: %w (store closed)", err)
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
