package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// Snapshot stream format (all integers big-endian):
//
//	header:  "GOHASNAP" version(4)=2 txid(8) digest(32)
//	entry:   pathlen(4) path len(4) hash(32) crc(4) value  -- in strictly increasing path order
//	trailer: 0xFFFFFFFF count(8) crc32c(4)                  -- CRC of every byte before it
//
// An entry's hash is its digest contribution, entryHash(path, value), and
// its crc the CRC-32C of path then value (entryCRC), both computed once
// when it was committed; hash, crc and value are together exactly what
// the data bucket stores (storedHdr), and len counts all three. The
// receiver checks framing, order, count, paths and value encodings, the
// stream CRC, each entry's CRC against its path and value, and that the
// XOR of the carried hashes is the header's digest; it does not rehash
// the values (see the package doc, Checksums). Version 1 streams (no
// hashes) are refused.
var snapMagic = []byte("GOHASNAP")

const (
	snapVersion = 2
	snapEnd     = 0xFFFFFFFF
	// snapWriteBuf is about how much WriteSnapshot hands its writer at a time.
	snapWriteBuf = 1 << 20
	// snapDirectMin: values at least this long are written straight from
	// bbolt's memory map (a large value is contiguous there) instead of
	// being copied into the write buffer, their CRC folded in from the
	// stored one.
	snapDirectMin = 64 << 10
)

// VectorWriter is an io.Writer that can also send several byte slices in
// one gathered write (hanet's connection). WriteSnapshot then hands it
// large values where they lie in the store's memory map, without copying
// them; the slices are only valid during the call.
type VectorWriter interface {
	io.Writer
	WriteVector(bufs [][]byte) error
}

// SnapshotInfo describes a snapshot.
type SnapshotInfo struct {
	Txid    uint64
	Digest  Digest
	Entries uint64
	Bytes   int64 // stream length
}

// snapEmitter batches a snapshot stream for its writer, about
// snapWriteBuf at a time: small pieces are copied into buf, large values
// are referenced where they are. It keeps the CRC-32C and length of what
// it wrote; a large stored value's CRC is folded in from the CRC stored
// with it (crcCombine), so the value itself is read only by the writer
// (for a VectorWriter: by the kernel, from the memory map, into the
// socket). Errors are sticky.
type snapEmitter struct {
	w    io.Writer
	vw   VectorWriter // nil: w gets one Write per piece
	crc  uint32
	n    int64
	buf  []byte  // copied pieces; vec holds slices of it
	mark int     // buf[:mark] is in vec already
	vec  []piece // the batch, in stream order
	bufs [][]byte
	size int // bytes in vec plus buf[mark:]
	err  error
}

// piece is part of the stream; if known, its CRC is that of
// b[:head] followed by bytes whose CRC is rest, not to be computed.
type piece struct {
	b     []byte
	head  int
	rest  uint32
	known bool
}

func newSnapEmitter(w io.Writer) *snapEmitter {
	e := &snapEmitter{w: w, buf: make([]byte, 0, snapWriteBuf+snapDirectMin)}
	e.vw, _ = w.(VectorWriter)
	return e
}

// put adds p to the stream. A large p must stay unchanged until the next
// flush (it is bbolt's memory, valid for the whole read transaction).
func (e *snapEmitter) put(p []byte) {
	if len(p) >= snapDirectMin {
		e.putLarge(piece{b: p})
		return
	}
	if len(e.buf)+len(p) > cap(e.buf) {
		e.flush()
	}
	e.buf = append(e.buf, p...) // never reallocates: cap is checked
	e.add(len(p))
}

// putLarge adds a piece by reference, not copied.
func (e *snapEmitter) putLarge(p piece) {
	e.cut()
	e.vec = append(e.vec, p)
	e.add(len(p.b))
}

// putStored adds the stored value v of path k (storedHdr, then the
// encoding): a large one with its CRC taken from the stored entry CRC
// (for a small one computing the CRC is cheaper).
func (e *snapEmitter) putStored(k, v []byte) {
	if len(v) < snapDirectMin {
		e.put(v)
		return
	}
	// The stored CRC covers the path then the encoding; take the path's
	// share out (crcCombine is linear) to get the encoding's.
	enc := int64(len(v) - storedHdr)
	rest := binary.BigEndian.Uint32(v[hashLen:]) ^ crcMulMod(crcShift(enc), crc32.Checksum(k, castagnoli))
	e.putLarge(piece{b: v, head: storedHdr, rest: rest, known: true})
}

func (e *snapEmitter) add(n int) {
	e.size += n
	if e.size >= snapWriteBuf {
		e.flush()
	}
}

// cut closes the run of copied pieces so that a referenced one can follow.
func (e *snapEmitter) cut() {
	if len(e.buf) > e.mark {
		e.vec = append(e.vec, piece{b: e.buf[e.mark:]})
		e.mark = len(e.buf)
	}
}

func (e *snapEmitter) flush() error {
	e.cut()
	if e.err == nil && len(e.vec) > 0 {
		for _, p := range e.vec {
			if p.known {
				e.crc = crc32.Update(e.crc, castagnoli, p.b[:p.head])
				e.crc = crcCombine(e.crc, p.rest, int64(len(p.b)-p.head))
			} else {
				e.crc = crc32.Update(e.crc, castagnoli, p.b)
			}
		}
		if e.vw != nil {
			for _, p := range e.vec {
				e.bufs = append(e.bufs, p.b)
			}
			e.err = e.vw.WriteVector(e.bufs)
			clear(e.bufs)
			e.bufs = e.bufs[:0]
		} else {
			for _, p := range e.vec {
				if _, e.err = e.w.Write(p.b); e.err != nil {
					break
				}
			}
		}
		if e.err == nil {
			e.n += int64(e.size)
		}
	}
	clear(e.vec) // drop the references into the memory map
	e.vec, e.buf, e.mark, e.size = e.vec[:0], e.buf[:0], 0, 0
	return e.err
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
		e := newSnapEmitter(w)
		hdr := append([]byte{}, snapMagic...)
		hdr = binary.BigEndian.AppendUint32(hdr, snapVersion)
		hdr = binary.BigEndian.AppendUint64(hdr, info.Txid)
		hdr = append(hdr, info.Digest[:]...)
		e.put(hdr)
		var lb [4]byte
		var h entryHasher
		c := tx.Bucket(dataBuckets[a[0]]).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if e.err != nil {
				return e.err
			}
			binary.BigEndian.PutUint32(lb[:], uint32(len(k)))
			e.put(lb[:])
			e.put(k)
			if s.plain { // a format 1 store being moved or upgraded
				sum := h.sum(string(k), v)
				binary.BigEndian.PutUint32(lb[:], uint32(storedHdr+len(v)))
				e.put(lb[:])
				e.put(sum[:])
				binary.BigEndian.PutUint32(lb[:], entryCRC(k, v))
				e.put(lb[:])
				e.put(v)
			} else {
				binary.BigEndian.PutUint32(lb[:], uint32(len(v)))
				e.put(lb[:])
				e.putStored(k, v)
			}
			info.Entries++
		}
		tr := binary.BigEndian.AppendUint32(nil, snapEnd)
		tr = binary.BigEndian.AppendUint64(tr, info.Entries)
		e.put(tr)
		if err := e.flush(); err != nil {
			return err
		}
		e.put(binary.BigEndian.AppendUint32(nil, e.crc))
		if err := e.flush(); err != nil {
			return err
		}
		info.Bytes = e.n
		return nil
	})
	return info, err
}

// Staged is a verified snapshot written into a complete bbolt file beside
// the store's, waiting for Activate. The live data is untouched until then.
type Staged struct {
	Info SnapshotInfo
	// Discarded is what the HA layer knows the copy discards: the local
	// transactions [from, to] not in the copy's history (zero if none
	// or unknown), reported in the change feed's Reset entry.
	Discarded [2]uint64
	file      string
	gen       uint64
	diff      *copyDiff // the change feed's Reset, if the feed was on
}

// slabReader hands out the stream in contiguous pieces carved from large
// slabs that are filled straight from the underlying reader (no bufio
// copy), so the pieces stay valid while the writer goroutine uses them.
// A full-size slab the reader has left is reused once the writer is done
// with every batch that may reference it: sent counts the batches handed
// to the writer, done those it finished. It keeps a CRC-32C of what has
// been consumed, computed in runs of crcRun while the data is still in
// the cache.
type slabReader struct {
	r              io.Reader
	slab           []byte
	pos, end, crcd int // consumed, filled, and covered by crc
	crc            uint32
	n              int64 // bytes consumed before slab

	sent    int64         // batches handed to the writer (owned by the parser)
	done    *atomic.Int64 // batches the writer finished with; nil: no reuse
	retired []retiredSlab
	// short limits read-ahead to shortReadAhead, so that little of a
	// large value that follows lands in the slab (see readInto).
	short bool
}

// shortReadAhead is how far the reader reads beyond what it needs while
// large values come: enough for the next entry's path and lengths.
const shortReadAhead = 4 << 10

type retiredSlab struct {
	b []byte
	// sent when the reader left it: its pieces are in batches up to that
	// number, so it is free once that many plus one are done.
	sent int64
}

// crcRun is how much consumed data the CRC waits for: small enough to be
// still in the cache, large enough for the CRC's fast path.
const crcRun = 128 << 10

// newSlab returns a slab for at least n bytes, reusing a free one if any.
func (r *slabReader) newSlab(n int) []byte {
	if len(r.slab) == slabSize && r.done != nil {
		r.retired = append(r.retired, retiredSlab{r.slab, r.sent})
	}
	size := max(min(slabSize, 2*len(r.slab)), n, 64<<10) // the first slabs are small, for small copies
	if size == slabSize && r.done != nil && len(r.retired) > 0 && r.retired[0].sent < r.done.Load() {
		b := r.retired[0].b
		r.retired[0] = retiredSlab{}
		r.retired = r.retired[1:]
		return b
	}
	return make([]byte, size)
}

// next returns the next n bytes of the stream.
func (r *slabReader) next(n int) ([]byte, error) {
	for r.end-r.pos < n {
		if r.pos+n > len(r.slab) { // continue in a new slab
			r.sumUpTo()
			ns := r.newSlab(n)
			k := copy(ns, r.slab[r.pos:r.end])
			r.n += int64(r.pos)
			r.slab, r.pos, r.end, r.crcd = ns, 0, k, 0
		}
		lim := len(r.slab)
		if r.short {
			lim = min(lim, r.pos+n+shortReadAhead)
		}
		k, err := r.r.Read(r.slab[r.end:lim])
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
	if r.pos-r.crcd >= crcRun {
		r.sumUpTo()
	}
	return b, nil
}

func (r *slabReader) sumUpTo() {
	r.crc = crc32.Update(r.crc, castagnoli, r.slab[r.crcd:r.pos])
	r.crcd = r.pos
}

// readValue consumes the next len(dst) bytes of the stream into dst: what
// was read ahead into the slab is copied, the rest is read straight into
// dst. It checksums dst as it arrives, while it is in the cache, and
// returns the CRC-32C of dst[skip:], which it also folds into the
// stream's CRC (one pass for both).
func (r *slabReader) readValue(dst []byte, skip int) (uint32, error) {
	r.sumUpTo()
	var tail uint32
	summed := 0
	sumTo := func(end int) {
		if h := min(end, skip); h > summed {
			r.crc = crc32.Update(r.crc, castagnoli, dst[summed:h])
			summed = h
		}
		if end > summed {
			tail = crc32.Update(tail, castagnoli, dst[summed:end])
			summed = end
		}
	}
	k := copy(dst, r.slab[r.pos:r.end])
	r.pos += k
	r.crcd = r.pos // summed through dst
	sumTo(k)
	for k < len(dst) {
		n, err := r.r.Read(dst[k:])
		r.n += int64(n)
		k += n
		sumTo(k)
		if err != nil && k < len(dst) {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
	}
	r.crc = crcCombine(r.crc, tail, int64(len(dst)-skip))
	return tail, nil
}

// sum returns the CRC of everything consumed so far.
func (r *slabReader) sum() uint32 { r.sumUpTo(); return r.crc }

// consumed returns how many bytes have been consumed.
func (r *slabReader) consumed() int64 { return r.n + int64(r.pos) }

// stageBatchBytes is the size of the batches handed from the reader to the
// writer: large enough to amortise the hand-over, small
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
	closed, plain := s.closed, s.plain
	s.stageGen++ // whatever happens, an earlier staging is overwritten
	s.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	if s.path == "" {
		return nil, fmt.Errorf("store: stage: store has no file of its own")
	}
	st := &Staged{file: stagePath(s.path)}
	if budget, on := s.feed.budget(); on && !plain {
		st.diff = newCopyDiff(s, budget)
	}
	if st.Info, err = s.stageFile(r, st.file, st.diff); err != nil {
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
// a stage file that OpenFile deletes. With diff, the difference from the
// live store is found on the way (copydiff.go).
func (s *Store) stageFile(r io.Reader, path string, diff *copyDiff) (SnapshotInfo, error) {
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
	defer b.close() // if parseSnapshot panicked
	var sink stageSink = b
	if diff != nil {
		sink = &diffSink{stageSink: b, d: diff}
	}
	info, err := s.parseSnapshot(r, sink)
	if err == nil {
		err = b.finish(info.Txid, info.Digest, s.opts.NoSync)
	}
	if err == nil && diff != nil {
		diff.finish()
	}
	if cerr := b.close(); err == nil { // nothing writes to f after this
		err = cerr
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

// stageSink receives a parsed snapshot in order, on one goroutine (the
// imageBuilder).
type stageSink interface {
	// addBatch takes entries; it keeps no reference to their memory
	// once it returns (the memory is then reused).
	addBatch(batch []kvEntry) error
	// reserve returns where the stored value (vlen bytes) of the large
	// entry k, following everything added so far, is to be read to;
	// filled follows once it is there.
	reserve(k []byte, vlen int) ([]byte, error)
	filled() error
}

// directMin: a value of at least this many bytes is read straight into
// its place in the image (stageSink.reserve) instead of into a slab and
// then copied.
const directMin = 64 << 10

// stageItem is a batch of entries, or a large entry whose value the
// reader reads into the place the writer reserves for it.
type stageItem struct {
	batch []kvEntry
	large *largeEntry
}

type largeEntry struct {
	k    []byte
	vlen int
	dst  chan []byte // from the writer: where to read the value (nil: it failed)
	read chan error  // from the reader: the value is there (nil) or not
}

var (
	errReadFailed = errors.New("store: snapshot: value not received")
	errEntryCRC   = errors.New("value does not match the CRC it was committed with")
)

// parseSnapshot reads and verifies a snapshot stream, handing the entries,
// in order, to sink. The work is shared so that the network, the CPU and
// the disk are busy at once: this goroutine reads the stream and checks
// framing, order, count, paths, value encodings, the CRC and the XOR of
// the carried entry hashes against the header's digest; a writer
// goroutine lays the entries out (sink), and the sink has its own disk
// writer. Large values go from the network straight into the sink's
// buffers. Any error, or a panic in sink, fails the parse.
func (s *Store) parseSnapshot(r io.Reader, sink stageSink) (SnapshotInfo, error) {
	p := &snapParser{sr: &slabReader{r: r, done: new(atomic.Int64)}}
	if err := p.readHeader(); err != nil {
		return p.info, err
	}
	p.items, p.writeErr = make(chan stageItem, 2), make(chan error, 1)
	go p.write(sink)
	defer p.wait()
	for {
		end, err := p.readEntry()
		if err != nil {
			return p.info, err
		}
		if end {
			break
		}
	}
	if err := p.readTrailer(); err != nil {
		return p.info, err
	}
	p.flush()
	if err := p.wait(); err != nil {
		return p.info, err
	}
	if p.digest != p.info.Digest {
		return p.info, p.corrupt("entry hashes make digest %s, header says %s", p.digest, p.info.Digest)
	}
	return p.info, nil
}

// snapParser is the reading side of parseSnapshot.
type snapParser struct {
	sr       *slabReader
	info     SnapshotInfo
	items    chan stageItem // to the writer goroutine
	writeErr chan error     // its outcome
	waited   bool
	batch    []kvEntry // small entries not yet handed over
	size     int       // their bytes
	last     []byte    // the previous path (a copy: slabs are reused)
	digest   Digest    // XOR of the entry hashes so far
}

func (p *snapParser) corrupt(what string, a ...any) error {
	return fmt.Errorf("%w: snapshot: %s", ErrCorrupt, fmt.Sprintf(what, a...))
}

// readHeader checks magic and version and takes txid and digest.
func (p *snapParser) readHeader() error {
	hdr, err := p.sr.next(len(snapMagic) + 4 + 8 + 32)
	if err != nil {
		return p.corrupt("header: %v", err)
	}
	if !bytes.Equal(hdr[:8], snapMagic) || binary.BigEndian.Uint32(hdr[8:]) != snapVersion {
		return p.corrupt("bad magic or version")
	}
	p.info.Txid = binary.BigEndian.Uint64(hdr[12:])
	copy(p.info.Digest[:], hdr[20:])
	return nil
}

// write is the writer goroutine: it hands batches to sink and reserves
// sink buffers for large values, until items is closed. A panic in sink
// is reported as an error, after the remaining items are answered.
func (p *snapParser) write(sink stageSink) {
	var err error
	var pending *largeEntry // reserved for, no answer sent yet
	defer func() {
		if r := recover(); r != nil {
			if pending != nil {
				pending.dst <- nil
			}
			for it := range p.items {
				if it.large != nil {
					it.large.dst <- nil
				}
			}
			p.writeErr <- fmt.Errorf("%w: writing the copy: %v", ErrCorrupt, r)
		}
	}()
	for it := range p.items {
		switch {
		case it.large == nil:
			if err == nil {
				err = sink.addBatch(it.batch)
			}
		default:
			pending = it.large
			var dst []byte
			if err == nil {
				dst, err = sink.reserve(it.large.k, it.large.vlen)
			}
			pending = nil
			it.large.dst <- dst
			if dst != nil {
				if rerr := <-it.large.read; rerr != nil {
					err = rerr
				} else {
					err = sink.filled()
				}
			}
		}
		p.sr.done.Add(1)
	}
	p.writeErr <- err
}

// wait waits for the writer and returns its outcome; idempotent.
func (p *snapParser) wait() error {
	if p.waited {
		return nil
	}
	p.waited = true
	close(p.items)
	return <-p.writeErr
}

// flush hands the pending small entries to the writer.
func (p *snapParser) flush() {
	if len(p.batch) > 0 {
		p.items <- stageItem{batch: p.batch}
		p.sr.sent++
		p.batch, p.size = make([]kvEntry, 0, len(p.batch)), 0
	}
}

// readEntry reads and checks one entry; end is true at the end marker.
func (p *snapParser) readEntry() (end bool, err error) {
	k, vl, end, err := p.readKey()
	if err != nil || end {
		return end, err
	}
	var v []byte
	p.sr.short = vl >= directMin
	if p.sr.short {
		v, err = p.readLarge(k, vl)
	} else {
		v, err = p.readSmall(k, vl)
	}
	if err != nil {
		return false, err
	}
	p.digest.xor(Digest(v[:hashLen]))
	p.info.Entries++
	return false, nil
}

// readKey reads an entry's path and value length and checks them.
func (p *snapParser) readKey() (k []byte, vl uint32, end bool, err error) {
	lb, err := p.sr.next(4)
	if err != nil {
		return nil, 0, false, p.corrupt("truncated: %v", err)
	}
	kl := binary.BigEndian.Uint32(lb)
	if kl == snapEnd {
		return nil, 0, true, nil
	}
	if kl == 0 || kl > MaxPathLen {
		return nil, 0, false, p.corrupt("path length %d", kl)
	}
	kv4, err := p.sr.next(int(kl) + 4)
	if err != nil {
		return nil, 0, false, p.corrupt("truncated: %v", err)
	}
	k = kv4[:kl]
	vl = binary.BigEndian.Uint32(kv4[kl:])
	if vl <= storedHdr || vl > storedHdr+MaxValueLen+1 {
		return nil, 0, false, p.corrupt("value length %d", vl)
	}
	if p.last != nil && bytes.Compare(k, p.last) <= 0 {
		return nil, 0, false, p.corrupt("paths out of order at %q", k)
	}
	p.last = append(p.last[:0], k...)
	if !pathOK(k) {
		return nil, 0, false, p.corrupt("%v", ValidatePath(string(k)))
	}
	return k, vl, false, nil
}

// readLarge reads a large value straight into a buffer the writer
// reserved in the sink, and checks it there.
func (p *snapParser) readLarge(k []byte, vl uint32) ([]byte, error) {
	p.flush()
	le := &largeEntry{k: k, vlen: int(vl), dst: make(chan []byte, 1), read: make(chan error, 1)}
	p.items <- stageItem{large: le}
	p.sr.sent++
	v := <-le.dst
	if v == nil {
		if err := p.wait(); err != nil {
			return nil, err
		}
		return nil, errReadFailed // not reached: the writer failed
	}
	encCRC, err := p.sr.readValue(v, storedHdr)
	if err == nil {
		err = CheckEncoding(v[storedHdr:])
	}
	if err == nil && crcCombine(crc32.Checksum(k, castagnoli), encCRC, int64(len(v)-storedHdr)) != binary.BigEndian.Uint32(v[hashLen:]) {
		err = errEntryCRC
	}
	if err != nil {
		le.read <- errReadFailed
		return nil, p.corrupt("%s: %v", k, err)
	}
	le.read <- nil
	return v, nil
}

// readSmall reads a value from the stream's slabs, checks it and batches
// it for the writer.
func (p *snapParser) readSmall(k []byte, vl uint32) ([]byte, error) {
	v, err := p.sr.next(int(vl))
	if err != nil {
		return nil, p.corrupt("truncated: %v", err)
	}
	if err := CheckEncoding(v[storedHdr:]); err != nil {
		return nil, p.corrupt("%s: %v", k, err)
	}
	if entryCRC(k, v[storedHdr:]) != binary.BigEndian.Uint32(v[hashLen:]) {
		return nil, p.corrupt("%s: %v", k, errEntryCRC)
	}
	p.batch = append(p.batch, kvEntry{k, v})
	p.size += len(k) + len(v)
	if p.size >= stageBatchBytes {
		p.flush()
	}
	return v, nil
}

// readTrailer checks the entry count and the stream checksum.
func (p *snapParser) readTrailer() error {
	tr, err := p.sr.next(8)
	if err != nil {
		return p.corrupt("truncated trailer: %v", err)
	}
	if n := binary.BigEndian.Uint64(tr); n != p.info.Entries {
		return p.corrupt("trailer says %d entries, got %d", n, p.info.Entries)
	}
	want := p.sr.sum()
	sum, err := p.sr.next(4)
	if err != nil {
		return p.corrupt("truncated checksum: %v", err)
	}
	if binary.BigEndian.Uint32(sum) != want {
		return p.corrupt("stream checksum mismatch")
	}
	p.info.Bytes = p.sr.consumed()
	return nil
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
	var reset *ChangeSet
	if s.feed.enabled() {
		// Found while the copy was received, against the state the store
		// is still in (s.mu is held), or incomplete.
		cs := st.diff.reset(s.txid, st.Info.Txid, s.digest)
		cs.Discarded = st.Discarded
		reset = &cs
	}
	s.dbMu.Lock()
	old, users := s.db, s.users
	s.db, s.users = db, new(sync.WaitGroup)
	s.active = 0
	s.txid = st.Info.Txid
	s.digest = st.Info.Digest
	s.dbMu.Unlock()
	if reset != nil {
		s.feed.publish(*reset)
	}
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
