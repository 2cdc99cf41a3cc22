package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// checkBolt runs bbolt's own consistency check (page reachability, no
// double use, key order, page types) on the store's file.
func checkBolt(t *testing.T, s *Store) {
	t.Helper()
	err := s.DB().View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("bbolt check: %v", err)
	}
}

func snapshotOf(t *testing.T, s *Store) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := s.WriteSnapshot(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestImageFile: a full copy received into a store of its own file is
// written as a bbolt file laid out directly. For stores of every shape
// (empty, one entry, several branch levels, values spanning many pages,
// long paths) the file passes bbolt's check, holds exactly the primary's
// content, takes further commits, and reopens (Verify) after them.
func TestImageFile(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := map[string]func(s *Store){
		"empty": func(s *Store) {},
		"one":   func(s *Store) { s.Set("/a", Int8(1)) },
		"levels": func(s *Store) { // ~40k small entries: 3 tree levels
			for i := 0; i < 40; i++ {
				ops := make([]Op, 1000)
				for j := range ops {
					ops[j] = SetOp(fmt.Sprintf("/l/%03d/%04d", i, j), Uint32(uint32(i*j)))
				}
				if _, err := s.Batch(ops); err != nil {
					t.Fatal(err)
				}
			}
		},
		"large": func(s *Store) { // overflow pages, mixed with small entries
			for i := 0; i < 30; i++ {
				n := rng.IntN(3 * os.Getpagesize())
				if i%10 == 0 {
					n = MaxValueLen
				}
				s.Set(fmt.Sprintf("/big/%02d", i), Binary(bytes.Repeat([]byte{byte(i)}, n+1)))
				s.Set(fmt.Sprintf("/big/%02d/s", i), String("x"))
			}
		},
		"longpaths": func(s *Store) { // big branch keys
			ops := make([]Op, 3000)
			for i := range ops {
				ops[i] = SetOp(fmt.Sprintf("/%s/%05d", bytes.Repeat([]byte("p"), MaxPathLen-8), i), Bool(i%2 == 0))
			}
			if _, err := s.Batch(ops); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, fill := range shapes {
		t.Run(name, func(t *testing.T) {
			p, err := OpenFile(filepath.Join(t.TempDir(), "p.db"), &Options{NoSync: true, InitialMmapSize: 1 << 24})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			fill(p)
			dir := t.TempDir()
			path := filepath.Join(dir, "s.db")
			s, err := OpenFile(path, &Options{InitialMmapSize: 1 << 24})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { s.Close() }()
			s.Set("/local", String("diverged")) // replaced by the copy
			snap := snapshotOf(t, p)
			info, err := s.RestoreSnapshot(bytes.NewReader(snap))
			if err != nil {
				t.Fatal(err)
			}
			if tx, d := p.State(); info.Txid != tx || info.Digest != d || s.Txid() != tx {
				t.Fatalf("restored %+v, primary at %d", info, tx)
			}
			if _, err := os.Stat(stagePath(path)); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("stage file left behind: %v", err)
			}
			checkBolt(t, s)
			if err := s.Verify(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(snap, snapshotOf(t, s)) {
				t.Fatal("copy differs from the primary")
			}
			// Replication goes on in the new file, also splitting and
			// merging its packed pages.
			for i := 0; i < 50; i++ {
				ops := []Op{SetOp(fmt.Sprintf("/n/%02d", i), Binary(make([]byte, rng.IntN(5000)+1)))}
				var victim string
				p.Walk("/", func(path string, v Value) error {
					if rng.IntN(20) == 0 && victim == "" {
						victim = path
					}
					return nil
				})
				if victim != "" {
					ops = append(ops, DeleteOp(victim))
				}
				c, err := p.Batch(ops)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Apply(c); err != nil {
					t.Fatal(err)
				}
			}
			checkBolt(t, s)
			s.Close()
			if s, err = OpenFile(path, &Options{InitialMmapSize: 1 << 24}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(snapshotOf(t, p), snapshotOf(t, s)) {
				t.Fatal("replica differs after commits and a reopen")
			}
		})
	}
}

// TestImageFileCrash: a copy that was being received or was received but
// not activated when the process died leaves a stage file; the old store
// is what opens, and the leftover is removed. A damaged copy leaves
// nothing behind.
func TestImageFileCrash(t *testing.T) {
	p := openTemp(t)
	ops := make([]Op, 500)
	for i := range ops {
		ops[i] = SetOp(fmt.Sprintf("/p/%03d", i), Binary(make([]byte, 300)))
	}
	if _, err := p.Batch(ops); err != nil {
		t.Fatal(err)
	}
	snap := snapshotOf(t, p)
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := OpenFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Set("/mine", Int8(5))
	// Damaged in the middle: refused, no stage file, old data intact.
	bad := append([]byte{}, snap...)
	bad[len(bad)/2] ^= 1
	if _, err := s.RestoreSnapshot(bytes.NewReader(bad)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("damaged copy: %v", err)
	}
	if _, err := os.Stat(stagePath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("damaged copy left a stage file: %v", err)
	}
	// Staged but never activated ("crash" before the rename), plus a
	// half-written stage file on top of it.
	if _, err := s.Stage(bytes.NewReader(snap)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	f, err := os.OpenFile(stagePath(path), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(3 * int64(os.Getpagesize()))
	f.Close()
	s, err = OpenFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.Get("/mine"); err != nil || v.Int() != 5 || s.Txid() != 1 {
		t.Fatalf("old store not intact: %v %v txid %d", v, err, s.Txid())
	}
	if _, err := os.Stat(stagePath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("leftover stage file not removed: %v", err)
	}
	// An unfinished image has no meta pages yet: never usable as a store.
	half := filepath.Join(t.TempDir(), "half.db")
	f, err = os.Create(half)
	if err != nil {
		t.Fatal(err)
	}
	b := newImageBuilder(f, false)
	for i := 0; i < 5000; i++ {
		b.add([]byte(fmt.Sprintf("/h/%05d", i)), make([]byte, 100))
	}
	b.flushLeaf()
	b.flushOut()
	if err := b.close(); err != nil { // wait for the disk writer
		t.Fatal(err)
	}
	f.Close()
	if _, err := OpenFile(half, &Options{InitialMmapSize: 1 << 22}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("unfinished image opened: %v", err)
	}
}

// TestActivateWhileReading: installing a copy waits for nothing and does
// not disturb a read in progress on the old file; reads that start after
// it see the copy, even nested in an older read.
func TestActivateWhileReading(t *testing.T) {
	p := openTemp(t)
	p.Set("/new", String("copy"))
	snap := snapshotOf(t, p)
	s := openTemp(t)
	s.Set("/old", String("local"))
	err := s.Walk("/", func(path string, v Value) error {
		if _, err := s.RestoreSnapshot(bytes.NewReader(snap)); err != nil {
			return err
		}
		if v, err := s.Get("/new"); err != nil || v.String() != "copy" {
			return fmt.Errorf("nested read after activation: %v %v", v, err)
		}
		if path != "/old" || v.String() != "local" {
			return fmt.Errorf("old read disturbed: %s %v", path, v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("/old"); !errors.Is(err, ErrNotFound) {
		t.Fatal("old data visible after activation")
	}
}

// TestImageFileDirect: where the file system takes O_DIRECT, every write
// of an image keeps to its alignment rules (a refused write would silently
// fall back to the page cache), and the result is a sound bbolt file.
func TestImageFileDirect(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	f, direct, err := createDirect(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("O_DIRECT: %v", direct)
	b := newImageBuilder(f, direct)
	const n = 20000
	for i := 0; i < n; i++ {
		v := make([]byte, 200)
		if i%5000 == 0 {
			v = make([]byte, MaxValueLen)
		}
		if err := b.add([]byte(fmt.Sprintf("/d/%06d", i)), v); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.finish(7, Digest{}, false); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if direct && !b.direct {
		t.Fatal("O_DIRECT writes were refused (misaligned buffer, offset or length)")
	}
	db, err := openBolt(path, Options{InitialMmapSize: 1 << 26})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			t.Fatal(err)
		}
		if got := tx.Bucket(dataBuckets[0]).Stats().KeyN; got != n {
			t.Fatalf("%d keys, want %d", got, n)
		}
		return nil
	})
}

// TestImageFileFewHugeBuffers: a copy whose huge-page buffers come late
// or not at all (the kernel short of huge pages: here hugeWait is so short
// that at most one is prepared) completes with ordinary buffers, never
// waiting for buffers that will not come.
func TestImageFileFewHugeBuffers(t *testing.T) {
	defer func(w time.Duration) { hugeWait = w }(hugeWait)
	hugeWait = time.Nanosecond
	p := openTemp(t)
	v := make([]byte, MaxValueLen)
	for i := range 24 {
		v[0] = byte(i)
		if _, err := p.Set(fmt.Sprintf("/h/%02d", i), Binary(v)); err != nil {
			t.Fatal(err)
		}
	}
	snap := snapshotOf(t, p)
	for round := range 3 {
		s, err := OpenFile(filepath.Join(t.TempDir(), "s.db"), nil) // O_DIRECT where possible
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := s.RestoreSnapshot(bytes.NewReader(snap)); done <- err }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(time.Minute):
			t.Fatalf("round %d: the copy hangs", round)
		}
		if !bytes.Equal(snapshotOf(t, s), snap) {
			t.Fatal("copy differs")
		}
		checkBolt(t, s)
		s.Close()
	}
}
