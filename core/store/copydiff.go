package store

import (
	"bytes"
	"encoding/binary"
	"errors"

	bolt "go.etcd.io/bbolt"
)

// The change feed's Reset for a full copy, found while the copy is
// received (see the package doc, Change feed).
//
// The difference is a merge walk of the live store against the copy's
// entries in path order, comparing the stored entry hashes. It runs as the
// entries pass from the snapshot parser to the image writer, while they
// are in memory: the copy's file is written with O_DIRECT, so its pages
// are not in the page cache, and walking it after the copy (as an earlier
// version did at Activate) read the whole new file back from disk through
// page faults, a per-byte cost that cut initial syncs to a twentieth of
// their speed. The live file is read in short read transactions, one per
// batch, each checking that the store is still at the state the walk
// started from; Activate then uses the result only if the store is still
// there. Whatever it cannot vouch for (the store moved, the bounds were
// passed) becomes an incomplete Reset, which tells subscribers to re-read:
// always correct, only less precise.

// copyDiff accumulates the difference between the live store and a copy
// being staged. It is used by one goroutine at a time (the image writer,
// then Stage's).
type copyDiff struct {
	s *Store
	// budget bounds the Reset's size (as ChangeSet.size counts it): the
	// feed's own budget, which a larger entry would empty of everything
	// else. MaxResetChanges bounds the count.
	budget int
	size   int
	// over: incomplete (past the bounds, or the live store changed, or it
	// could not be read). The changes are then dropped.
	over bool
	// started once the first read transaction recorded the live state
	// (txid, digest) that every later one must find again; done once the
	// live entries after the copy's last path were walked.
	started, done bool
	txid          uint64
	digest        Digest
	changes       []Change
	// anc, per change: how far its path's ancestors are known to exist
	// before [0] and after [1] (see ancestorsOf).
	anc [][2]int
	// The walk's position: the copy's previous path, the live path passed
	// last, and the live path to resume from (oldEnd: none left).
	lastNew, lastOld, nextOld []byte
	oldEnd                    bool
}

func newCopyDiff(s *Store, budget int) *copyDiff { return &copyDiff{s: s, budget: budget} }

// giveUp makes the Reset incomplete and frees what was collected.
func (d *copyDiff) giveUp() { d.over, d.changes, d.anc = true, nil, nil }

// liveCursor is the walk's position in the live data bucket inside one
// read transaction.
type liveCursor struct {
	c    *bolt.Cursor
	k, v []byte
}

func (lc *liveCursor) next() { lc.k, lc.v = lc.c.Next() }

// walkLive runs fn with the live store's cursor at the walk's position, in
// one read transaction, and saves the position fn leaves it at. It gives
// up if the live store is not at the state the walk started from.
func (d *copyDiff) walkLive(fn func(lc *liveCursor)) {
	if d.over {
		return
	}
	db, release := d.s.acquire()
	defer release()
	err := db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(metaBucket)
		if meta == nil {
			return ErrCorrupt
		}
		t, dg, a := meta.Get(keyTxid), meta.Get(keyDigest), meta.Get(keyActive)
		if len(t) != 8 || len(dg) != len(Digest{}) || len(a) != 1 || a[0] > 1 {
			return ErrCorrupt
		}
		txid, digest := binary.BigEndian.Uint64(t), Digest(dg)
		b := tx.Bucket(dataBuckets[a[0]])
		if b == nil {
			return ErrCorrupt
		}
		lc := &liveCursor{c: b.Cursor()}
		switch {
		case !d.started:
			d.started, d.txid, d.digest = true, txid, digest
			lc.k, lc.v = lc.c.First()
		case txid != d.txid || digest != d.digest:
			return errLiveMoved
		case !d.oldEnd:
			if lc.k, lc.v = lc.c.Seek(d.nextOld); !bytes.Equal(lc.k, d.nextOld) {
				return errLiveMoved
			}
		}
		fn(lc)
		d.oldEnd = lc.k == nil
		d.nextOld = append(d.nextOld[:0], lc.k...)
		return nil
	})
	if err != nil {
		d.giveUp()
	}
}

var errLiveMoved = errors.New("store: the live store changed during the copy")

// add takes the copy's next entries (in path order; stored values: hash,
// CRC, encoding). It keeps no reference to their memory.
func (d *copyDiff) add(batch []kvEntry) {
	d.walkLive(func(lc *liveCursor) {
		for _, e := range batch {
			if d.over {
				return
			}
			d.step(lc, e.k, e.v)
		}
	})
}

// step advances the walk to the copy's entry k: live paths before it are
// deletions, then k is a modification (same path, other hash) or a
// creation.
func (d *copyDiff) step(lc *liveCursor, k, v []byte) {
	for lc.k != nil && bytes.Compare(lc.k, k) < 0 && !d.over {
		d.record(lc.k, lc.v, nil, [2]int{len(lc.k), ancestorsOf(lc.k, d.lastNew, k)})
		d.lastOld = append(d.lastOld[:0], lc.k...)
		lc.next()
	}
	switch {
	case d.over:
	case lc.k != nil && bytes.Equal(lc.k, k):
		if len(lc.v) < hashLen || !bytes.Equal(lc.v[:hashLen], v[:hashLen]) {
			d.record(k, lc.v, v, [2]int{len(k), len(k)})
		}
		d.lastOld = append(d.lastOld[:0], lc.k...)
		lc.next()
	default:
		d.record(k, nil, v, [2]int{ancestorsOf(k, d.lastOld, lc.k), len(k)})
	}
	d.lastNew = append(d.lastNew[:0], k...)
}

// finish walks the live paths after the copy's last one (deletions).
func (d *copyDiff) finish() {
	d.walkLive(func(lc *liveCursor) {
		for lc.k != nil && !d.over {
			d.record(lc.k, lc.v, nil, [2]int{len(lc.k), ancestorsOf(lc.k, d.lastNew, nil)})
			lc.next()
		}
	})
	d.done = !d.over
}

// record adds the change of path from the stored value old to new (nil:
// absent), unless that passes the bounds.
func (d *copyDiff) record(path, old, new []byte, anc [2]int) {
	encLen := func(raw []byte) int { return max(len(raw)-storedHdr, 0) }
	d.size += 48 + len(path) + encLen(old) + encLen(new) // as ChangeSet.size counts it
	if len(d.changes) >= MaxResetChanges || d.size > d.budget {
		d.giveUp()
		return
	}
	c := Change{Path: string(path)}
	var err error
	decode := func(raw []byte) (Value, error) {
		_, _, enc, err := splitStored(raw)
		if err != nil {
			return Value{}, err
		}
		return DecodeValue(enc)
	}
	if old != nil {
		c.Old, err = decode(old)
	}
	if new != nil && err == nil {
		c.New, err = decode(new)
	}
	if err != nil {
		d.giveUp()
		return
	}
	d.changes = append(d.changes, c)
	d.anc = append(d.anc, anc)
}

// ancestorsOf tells how many of path's ancestors exist on the side of the
// walk where path is absent, from its neighbours there (the paths just
// before and after it, nil for none): it returns the length of the
// longest ancestor (a proper prefix of path ending before a '/') that
// one of them is under, 0 if none. That is exact: the paths under an
// ancestor form one contiguous range in path order, which holds path's
// place, so if any path on that side is under it, a neighbour is.
func ancestorsOf(path, before, after []byte) int {
	return max(sharedAncestor(path, before), sharedAncestor(path, after))
}

func sharedAncestor(path, other []byte) int {
	n := 0
	for n < len(path) && n < len(other) && path[n] == other[n] {
		n++
	}
	for i := n - 1; i > 0; i-- {
		if path[i] == '/' {
			return i // path[:i+1] == other[:i+1]: other is under path[:i]
		}
	}
	return 0
}

// reset returns the Reset of installing the copy (at txid) over the live
// store (at prev), complete if the walk finished within its bounds against
// the state the store is still in. Called by Activate with s.mu held.
func (d *copyDiff) reset(prev, txid uint64, digest Digest) ChangeSet {
	cs := ChangeSet{Txid: txid, Prev: prev, Reset: true}
	if d == nil || !d.done || d.txid != prev || d.digest != digest {
		return cs
	}
	// The ancestors known to exist before and after: an ancestor of a
	// path present on a side exists there; for an absent one,
	// ancestorsOf said how far its neighbours vouch.
	before, after := map[string]bool{}, map[string]bool{}
	for i, c := range d.changes {
		for j := len(c.Path) - 1; j > 0; j-- {
			if c.Path[j] != '/' {
				continue
			}
			if j <= d.anc[i][0] {
				before[c.Path[:j]] = true
			}
			if j <= d.anc[i][1] {
				after[c.Path[:j]] = true
			}
		}
	}
	cs.Changes, cs.Complete = d.changes, true
	cs.Appeared, cs.Vanished = interiorDiff(d.changes,
		func(p string) bool { return before[p] }, func(p string) bool { return after[p] })
	return cs
}

// diffSink passes a parsed copy on to the image writer, feeding the
// difference on the way.
type diffSink struct {
	stageSink
	d      *copyDiff
	k, dst []byte // the large entry reserved last
}

func (w *diffSink) addBatch(batch []kvEntry) error {
	w.d.add(batch)
	return w.stageSink.addBatch(batch)
}

func (w *diffSink) reserve(k []byte, vlen int) ([]byte, error) {
	dst, err := w.stageSink.reserve(k, vlen)
	w.k, w.dst = append(w.k[:0], k...), dst
	return dst, err
}

// filled: the large value is in place (checked) and still in the writer's
// buffer, which the inner filled may hand to the disk.
func (w *diffSink) filled() error {
	w.d.add([]kvEntry{{w.k, w.dst}})
	return w.stageSink.filled()
}
