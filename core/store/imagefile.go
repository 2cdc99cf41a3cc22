package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"sync"
	"time"
	"unsafe"
)

// imageBuilder writes a complete bbolt file (format version 2) holding one
// store image -- bucket goha.cdb.meta and bucket goha.cdb.data.0 -- from
// entries added in strictly increasing key order. It lays the B+tree out
// itself, leaves packed full and written front to back in large sequential
// writes, instead of inserting through bbolt's transactions (one pwrite per
// page and a freshly split tree): that is what makes receiving a full copy
// run near disk and network speed.
//
// The file is the one bbolt would produce (the same page, element, bucket
// and meta layouts bbolt writes, in the machine's byte order as bbolt
// uses), so bbolt opens it and goes on committing to it as usual. The meta
// pages are written last: an unfinished file has no valid meta page and
// bbolt refuses to open it; callers also only ever rename a finished,
// synced image into place.
//
// Page layout: 0 and 1 meta, 2 an empty freelist, then the data bucket's
// leaves and branch levels, the meta bucket's leaf, and the root bucket's
// leaf last.
type imageBuilder struct {
	f        *os.File
	direct   bool // f is open with O_DIRECT: write from page-aligned memory
	pageSize int
	next     uint64 // next page id to allocate
	out      []byte // pages not yet written, starting at page outFirst
	outFirst uint64

	leaf     []kvEntry // entries of the leaf being filled
	leafSize int       // its page bytes: header + elements + keys + values
	refs     []pageRef // first key and page of every data leaf, in order
	keys     []byte    // arena of the refs' keys

	// Filled buffers go to a disk writer goroutine, so that laying out the
	// next pages overlaps the write of the previous ones (with O_DIRECT a
	// write returns only when the device has the data).
	writes   chan diskWrite // nil until the first flush
	free     chan []byte    // buffers the disk writer is done with
	inFlight int            // buffers handed over and not yet taken back
	written  chan error     // the disk writer's result, once writes is closed
	closed   bool
	hugeOK   bool     // the file was opened with O_DIRECT (direct may change later, on the disk writer)
	unmap    []func() // releases the huge buffers adopted, at close
	huge     chan hugeBuffer
	hugeWG   sync.WaitGroup
	hugeBase []*byte // the huge buffers in use
	wmu      sync.Mutex
	werr     error // the disk writer's first error (guarded by wmu)
}

type diskWrite struct {
	p   []byte
	off int64
}

type kvEntry struct{ k, v []byte }

type pageRef struct {
	key []byte
	id  uint64
}

// bbolt's on-disk constants (go.etcd.io/bbolt/internal/common).
const (
	boltMagic         = 0xED0CDAED
	boltVersion       = 2
	boltPageHeader    = 16 // id u64, flags u16, count u16, overflow u32
	boltElem          = 16 // leaf: flags, pos, ksize, vsize (u32); branch: pos, ksize (u32), pgid (u64)
	boltBranchFlag    = 0x01
	boltLeafFlag      = 0x02
	boltMetaFlag      = 0x04
	boltFreelistFlag  = 0x10
	boltBucketLeaf    = 0x01 // leaf element flag: the value is a bucket header
	boltBucketHdrSize = 16   // root pgid u64, sequence u64
	boltMaxElems      = 0xFFFF - 1

	imageFlushBytes = 4 << 20 // write the file in pieces of about this size
	// imageBufBytes holds a flush's worth plus the largest node (one entry
	// of the longest path and value, with its page overhead).
	imageBufBytes = imageFlushBytes + 2<<20
	// imageBuffers bounds the buffers being written or waiting for it.
	imageBuffers = 3
)

var ne = binary.NativeEndian // bbolt stores its structures in native order

func newImageBuilder(f *os.File, direct bool) *imageBuilder {
	ps := os.Getpagesize() // bbolt's default page size for a new file
	return &imageBuilder{f: f, direct: direct, hugeOK: direct, pageSize: ps, next: 3, outFirst: 3}
}

// newBuf returns an empty page-aligned buffer of capacity at least n.
// Once a copy written with O_DIRECT needs buffers of a MiB or more, full
// size ones backed by huge pages are prepared in the background (see
// hugeBuf: an O_DIRECT write from physically contiguous memory goes to
// the device in far fewer, larger requests), and used as they become
// ready: getting huge pages may mean the kernel compacting memory for
// tens of milliseconds, which must not stall the copy.
func (b *imageBuilder) newBuf(n int) []byte {
	if n >= 1<<20 && b.hugeOK {
		if b.huge == nil {
			b.prepareHuge()
		}
		var h hugeBuffer
		if len(b.hugeBase) == 0 { // the first one is worth a short wait
			t := time.NewTimer(hugeWait)
			select {
			case h = <-b.huge:
			case <-t.C:
			}
			t.Stop()
		} else { // never wait for more: there may be none
			select {
			case h = <-b.huge:
			default:
			}
		}
		if h.p != nil {
			if p := b.adopt(h); cap(p) >= n {
				return p[:0]
			}
		}
		n = max(n, imageBufBytes)
	}
	return alignedBuf(n, b.pageSize)[:0]
}

// hugeWait is how long the copy waits for its first huge-page buffer
// before it goes on with an ordinary one: usually the kernel has huge
// pages at hand, but compacting memory for one can take tens of ms. (A
// variable for the tests.)
var hugeWait = 3 * time.Millisecond

type hugeBuffer struct {
	p    []byte
	free func()
}

// prepareHuge maps and faults in up to imageBuffers huge-page buffers on
// a goroutine of its own, handing them over on b.huge. It stops early if
// one takes longer than hugeWait: the kernel is then short of huge pages
// and compacting memory for them costs CPU the copy needs.
func (b *imageBuilder) prepareHuge() {
	b.huge = make(chan hugeBuffer, imageBuffers)
	b.hugeWG.Add(1)
	go func() {
		defer b.hugeWG.Done()
		for range imageBuffers {
			start := time.Now()
			p, free := hugeBuf(imageBufBytes)
			if p == nil {
				return
			}
			for i := 0; i < len(p); i += os.Getpagesize() {
				p[i] = 0 // fault it in here, not in the copy's path
			}
			b.huge <- hugeBuffer{p, free}
			if time.Since(start) > hugeWait {
				return
			}
		}
	}()
}

// adopt takes a prepared huge buffer into use (and into b.unmap).
func (b *imageBuilder) adopt(h hugeBuffer) []byte {
	b.unmap = append(b.unmap, h.free)
	b.hugeBase = append(b.hugeBase, unsafe.SliceData(h.p))
	return h.p
}

// swapForHuge returns a prepared huge buffer instead of p if p is an
// ordinary one and a huge one is ready (p is then dropped).
func (b *imageBuilder) swapForHuge(p []byte) []byte {
	if b.huge == nil || cap(p) < imageBufBytes || slices.Contains(b.hugeBase, unsafe.SliceData(p[:1])) {
		return p
	}
	select {
	case h := <-b.huge:
		return b.adopt(h)
	default:
		return p
	}
}

// alignedBuf returns n zero bytes starting at a multiple of align (a power
// of two), as O_DIRECT requires.
func alignedBuf(n, align int) []byte {
	b := make([]byte, n+align)
	off := int(uintptr(unsafe.Pointer(&b[0]))) & (align - 1)
	if off != 0 {
		off = align - off
	}
	return b[off : off+n : off+n]
}

// add appends an entry; keys must arrive strictly increasing. k and v are
// referenced, not copied, until their leaf is written (by a later add or
// finish), so they must not change until then.
func (b *imageBuilder) add(k, v []byte) error {
	sz := boltElem + len(k) + len(v)
	if len(b.leaf) > 0 && (b.leafSize+sz > b.pageSize || len(b.leaf) == boltMaxElems) {
		if err := b.flushLeaf(); err != nil {
			return err
		}
	}
	if len(b.leaf) == 0 {
		b.leafSize = boltPageHeader
	}
	b.leaf = append(b.leaf, kvEntry{k, v})
	b.leafSize += sz
	return nil
}

func (b *imageBuilder) flushLeaf() error {
	id, err := b.writeNode(boltLeafFlag, b.leaf, nil, 0)
	if err != nil {
		return err
	}
	// A copy of the key: the entries' memory can then be freed as soon as
	// their leaf is written, so a copy never has to fit in memory.
	b.refs = append(b.refs, pageRef{b.keyCopy(b.leaf[0].k), id})
	clear(b.leaf)
	b.leaf = b.leaf[:0]
	return nil
}

// writeNode lays out one leaf (entries, with element flags) or branch
// (refs) page, with overflow pages if it is bigger than a page, and
// returns its page id.
func (b *imageBuilder) writeNode(flags uint16, entries []kvEntry, refs []pageRef, elemFlags uint32) (uint64, error) {
	n := len(entries) + len(refs)
	size := boltPageHeader + n*boltElem
	for _, e := range entries {
		size += len(e.k) + len(e.v)
	}
	for _, r := range refs {
		size += len(r.key)
	}
	id, p, err := b.allocNode(size, flags, n)
	if err != nil {
		return 0, err
	}
	data := boltPageHeader + n*boltElem
	for i, e := range entries {
		el := boltPageHeader + i*boltElem
		ne.PutUint32(p[el:], elemFlags)
		ne.PutUint32(p[el+4:], uint32(data-el)) // pos is relative to the element
		ne.PutUint32(p[el+8:], uint32(len(e.k)))
		ne.PutUint32(p[el+12:], uint32(len(e.v)))
		data += copy(p[data:], e.k)
		data += copy(p[data:], e.v)
	}
	for i, r := range refs {
		el := boltPageHeader + i*boltElem
		ne.PutUint32(p[el:], uint32(data-el))
		ne.PutUint32(p[el+4:], uint32(len(r.key)))
		ne.PutUint64(p[el+8:], r.id)
		data += copy(p[data:], r.key)
	}
	// The buffer is reused: zero what the node leaves of its pages (the
	// header and elements above are written in full).
	clear(p[data:])
	if len(b.out) >= imageFlushBytes {
		return id, b.flushOut()
	}
	return id, nil
}

// allocNode allocates the pages of a node of size bytes in the output
// buffer (flushing it first if they do not fit) and writes the page
// header; it returns the node's page id and its pages.
func (b *imageBuilder) allocNode(size int, flags uint16, count int) (uint64, []byte, error) {
	pages := (size + b.pageSize - 1) / b.pageSize
	if len(b.out)+pages*b.pageSize > cap(b.out) { // never append: b.out must stay aligned
		last := cap(b.out)
		if err := b.flushOut(); err != nil {
			return 0, nil, err
		}
		// Small copies (the usual case) stay cheap: the buffer starts
		// small and doubles up to imageBufBytes, or what one node needs.
		if n := max(min(2*last, imageBufBytes), pages*b.pageSize, 16*b.pageSize); n > cap(b.out) {
			b.out = b.newBuf(n)
		}
	}
	id := b.next
	b.next += uint64(pages)
	start := len(b.out)
	b.out = b.out[:start+pages*b.pageSize]
	p := b.out[start:]
	ne.PutUint64(p[0:], id)
	ne.PutUint16(p[8:], flags)
	ne.PutUint16(p[10:], uint16(count))
	ne.PutUint32(p[12:], uint32(pages-1))
	return id, p, nil
}

// reserve lays out, after everything added so far, a leaf holding only
// the entry k (a large one: with its value it exceeds a page) and returns
// the place of its value, vlen bytes, for the caller to fill in (the
// snapshot reader reads it there straight from the network). filled must
// follow before anything else.
func (b *imageBuilder) reserve(k []byte, vlen int) ([]byte, error) {
	if boltPageHeader+boltElem+len(k)+vlen <= b.pageSize {
		return nil, fmt.Errorf("store: image: entry of %d bytes reserved", vlen)
	}
	if len(b.leaf) > 0 {
		if err := b.flushLeaf(); err != nil {
			return nil, err
		}
	}
	id, p, err := b.allocNode(boltPageHeader+boltElem+len(k)+vlen, boltLeafFlag, 1)
	if err != nil {
		return nil, err
	}
	el := boltPageHeader
	ne.PutUint32(p[el:], 0)
	ne.PutUint32(p[el+4:], boltElem) // the key follows its element
	ne.PutUint32(p[el+8:], uint32(len(k)))
	ne.PutUint32(p[el+12:], uint32(vlen))
	data := el + boltElem + copy(p[el+boltElem:], k)
	clear(p[data+vlen:])
	b.refs = append(b.refs, pageRef{b.keyCopy(k), id})
	return p[data : data+vlen : data+vlen], nil
}

// filled says the value of the last reserve is in place.
func (b *imageBuilder) filled() error {
	if len(b.out) >= imageFlushBytes {
		return b.flushOut()
	}
	return nil
}

// flushOut hands the filled buffer to the disk writer and takes back a
// written one if there is one (waiting when imageBuffers are out). It
// reports the disk writer's first error.
func (b *imageBuilder) flushOut() error {
	if len(b.out) == 0 {
		return b.diskErr()
	}
	if b.closed {
		return fmt.Errorf("store: image builder closed")
	}
	if b.writes == nil {
		b.writes = make(chan diskWrite, imageBuffers)
		b.free = make(chan []byte, imageBuffers)
		b.written = make(chan error, 1)
		go b.diskWriter()
	}
	b.writes <- diskWrite{b.out, int64(b.outFirst) * int64(b.pageSize)}
	b.inFlight++
	b.outFirst += uint64(len(b.out) / b.pageSize)
	b.out = nil
	if b.inFlight >= imageBuffers {
		b.out = <-b.free
		b.inFlight--
	} else {
		select {
		case b.out = <-b.free:
			b.inFlight--
		default:
		}
	}
	if b.out != nil {
		b.out = b.swapForHuge(b.out)
	}
	b.out = b.out[:0]
	return b.diskErr()
}

// diskWriter writes the buffers it is handed, in order, and hands them
// back. After an error it only hands them back.
func (b *imageBuilder) diskWriter() {
	var err error
	for w := range b.writes {
		if err == nil {
			if err = b.writeAt(w.p, w.off); err != nil {
				b.wmu.Lock()
				b.werr = err
				b.wmu.Unlock()
			}
		}
		b.free <- w.p
	}
	b.written <- err
}

func (b *imageBuilder) diskErr() error {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	return b.werr
}

// close stops the disk writer once it has written what it was handed and
// returns its error. Idempotent; the builder writes nothing after it.
func (b *imageBuilder) close() error {
	if b.closed {
		return b.diskErr()
	}
	b.closed = true
	var err error
	if b.writes != nil {
		close(b.writes)
		err = <-b.written
	}
	b.out = nil
	if b.huge != nil { // release what was prepared and not used too
		b.hugeWG.Wait()
		close(b.huge)
		for h := range b.huge {
			h.free()
		}
	}
	for _, free := range b.unmap {
		free()
	}
	b.unmap, b.hugeBase = nil, nil
	return err
}

// branchLevels builds branch pages over refs until one page remains and
// returns the root's page id.
func (b *imageBuilder) branchLevels(refs []pageRef) (uint64, error) {
	for len(refs) > 1 {
		var up []pageRef
		for i := 0; i < len(refs); {
			j, size := i, boltPageHeader
			for j < len(refs) && (j == i || j-i < 2 || size+boltElem+len(refs[j].key) <= b.pageSize) && j-i < boltMaxElems {
				size += boltElem + len(refs[j].key)
				j++
			}
			id, err := b.writeNode(boltBranchFlag, nil, refs[i:j], 0)
			if err != nil {
				return 0, err
			}
			up = append(up, pageRef{refs[i].key, id})
			i = j
		}
		refs = up
	}
	return refs[0].id, nil
}

// finish writes the rest of the tree, the store's meta bucket (txid,
// digest, active bucket 0, format), the root bucket and the meta pages, and
// syncs the file unless noSync.
func (b *imageBuilder) finish(txid uint64, d Digest, noSync bool) error {
	if len(b.leaf) > 0 || len(b.refs) == 0 { // an empty store has one empty leaf
		if err := b.flushLeaf0(); err != nil {
			return err
		}
	}
	dataRoot, err := b.branchLevels(b.refs)
	if err != nil {
		return err
	}
	var t [8]byte
	binary.BigEndian.PutUint64(t[:], txid)
	metaLeaf, err := b.writeNode(boltLeafFlag, []kvEntry{
		{keyActive, []byte{0}}, {keyDigest, d[:]}, {keyFormat, []byte{formatHashed}}, {keyTxid, t[:]}, // sorted
	}, nil, 0)
	if err != nil {
		return err
	}
	bucketHdr := func(root uint64) []byte {
		h := make([]byte, boltBucketHdrSize)
		ne.PutUint64(h, root) // sequence 0
		return h
	}
	rootLeaf, err := b.writeNode(boltLeafFlag, []kvEntry{
		{dataBuckets[0], bucketHdr(dataRoot)}, {metaBucket, bucketHdr(metaLeaf)}, // sorted
	}, nil, boltBucketLeaf)
	if err != nil {
		return err
	}
	if err := b.flushOut(); err != nil {
		return err
	}
	if err := b.close(); err != nil { // every page is written before the meta pages
		return err
	}
	head := alignedBuf(3*b.pageSize, b.pageSize)
	for i := range 2 {
		p := head[i*b.pageSize:]
		ne.PutUint64(p[0:], uint64(i))
		ne.PutUint16(p[8:], boltMetaFlag)
		m := p[boltPageHeader:]
		ne.PutUint32(m[0:], boltMagic)
		ne.PutUint32(m[4:], boltVersion)
		ne.PutUint32(m[8:], uint32(b.pageSize))
		ne.PutUint32(m[12:], 0)         // flags
		ne.PutUint64(m[16:], rootLeaf)  // root bucket: root page
		ne.PutUint64(m[24:], 0)         // root bucket: sequence
		ne.PutUint64(m[32:], 2)         // freelist page
		ne.PutUint64(m[40:], b.next)    // high water mark
		ne.PutUint64(m[48:], uint64(i)) // txid; page id = txid % 2
		h := fnv.New64a()
		h.Write(m[:56])
		ne.PutUint64(m[56:], h.Sum64())
	}
	fl := head[2*b.pageSize:]
	ne.PutUint64(fl[0:], 2)
	ne.PutUint16(fl[8:], boltFreelistFlag) // count 0: nothing free
	if err := b.writeAt(head, 0); err != nil {
		return err
	}
	if noSync {
		return nil
	}
	if err := b.f.Sync(); err != nil {
		return fmt.Errorf("store: sync %s: %w", b.f.Name(), err)
	}
	return nil
}

// writeAt writes p at off, turning O_DIRECT off for good if the file
// system refuses it. Only the disk writer calls it until close.
func (b *imageBuilder) writeAt(p []byte, off int64) error {
	_, err := b.f.WriteAt(p, off)
	if err != nil && b.direct && isDirectRefusal(err) {
		b.direct = false
		if err := dropDirect(b.f); err != nil {
			return err
		}
		_, err = b.f.WriteAt(p, off)
	}
	return err
}

// addBatch adds entries (stageSink) and keeps no reference to them.
func (b *imageBuilder) addBatch(batch []kvEntry) error {
	for _, e := range batch {
		if err := b.add(e.k, e.v); err != nil {
			return err
		}
	}
	return b.detach()
}

// keyCopy copies a leaf's first key into an arena of 64 KiB chunks (one
// allocation per thousands of leaves, not one each).
func (b *imageBuilder) keyCopy(k []byte) []byte {
	if len(b.keys)+len(k) > cap(b.keys) {
		b.keys = make([]byte, 0, max(64<<10, len(k)))
	}
	b.keys = append(b.keys, k...)
	return b.keys[len(b.keys)-len(k) : len(b.keys) : len(b.keys)]
}

// detach makes the builder keep no reference to the entries added so far:
// a pending leaf bigger than a page (one large entry: the next add would
// write it anyway) is laid out now, a smaller one is copied. The layout is
// the same as without it.
func (b *imageBuilder) detach() error {
	if b.leafSize > b.pageSize {
		return b.flushLeaf()
	}
	for i, e := range b.leaf {
		b.leaf[i] = kvEntry{bytes.Clone(e.k), bytes.Clone(e.v)}
	}
	return nil
}

// flushLeaf0 writes the pending leaf, or an empty one for an empty store.
func (b *imageBuilder) flushLeaf0() error {
	if len(b.leaf) > 0 {
		return b.flushLeaf()
	}
	id, err := b.writeNode(boltLeafFlag, nil, nil, 0)
	if err != nil {
		return err
	}
	b.refs = append(b.refs, pageRef{nil, id})
	return nil
}
