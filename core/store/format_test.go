package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// writeFormat1 lays out a store of format 1 (what versions before the
// entry hashes wrote: no "format" key, each value stored as its bare
// encoding) in db with the given entries, and returns its digest.
func writeFormat1(t *testing.T, db *bolt.DB, txid uint64, entries map[string]Value) Digest {
	t.Helper()
	var d Digest
	err := db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucket(metaBucket)
		if err != nil {
			return err
		}
		data, err := tx.CreateBucket(dataBuckets[0])
		if err != nil {
			return err
		}
		for p, v := range entries {
			enc := v.Encode()
			if err := data.Put([]byte(p), enc); err != nil {
				return err
			}
			d.xor(entryHash(p, enc))
		}
		var tb [8]byte
		binary.BigEndian.PutUint64(tb[:], txid)
		meta.Put(keyActive, []byte{0})
		meta.Put(keyTxid, tb[:])
		return meta.Put(keyDigest, d[:])
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func format1Entries() map[string]Value {
	m := map[string]Value{"/big": Binary(bytes.Repeat([]byte{9}, 3*MaxValueLen/4))}
	for i := 0; i < 300; i++ {
		m[fmt.Sprintf("/f1/%03d", i)] = String(fmt.Sprintf("value %d", i))
	}
	return m
}

// checkUpgraded checks that s holds exactly entries, txid and digest, in
// format 2, passes bbolt's check, and takes commits.
func checkUpgraded(t *testing.T, s *Store, entries map[string]Value, txid uint64, d Digest) {
	t.Helper()
	gotTxid, gotD := s.State()
	if gotTxid != txid || gotD != d {
		t.Fatalf("upgraded store at txid %d digest %s, want %d %s", gotTxid, gotD, txid, d)
	}
	n := 0
	err := s.Walk("", func(p string, v Value) error {
		n++
		if want, ok := entries[p]; !ok || !want.Equal(v) {
			return fmt.Errorf("%s = %v, want %v", p, v, want)
		}
		return nil
	})
	if err != nil || n != len(entries) {
		t.Fatalf("upgraded content (%d entries): %v", n, err)
	}
	s.DB().View(func(tx *bolt.Tx) error {
		if f := tx.Bucket(metaBucket).Get(keyFormat); !bytes.Equal(f, []byte{formatHashed}) {
			t.Errorf("format key %v", f)
		}
		raw := tx.Bucket(dataBuckets[0]).Get([]byte("/f1/007"))
		enc := String("value 7").Encode()
		if h := entryHash("/f1/007", enc); !bytes.Equal(raw[:hashLen], h[:]) ||
			binary.BigEndian.Uint32(raw[hashLen:]) != entryCRC("/f1/007", enc) || !bytes.Equal(raw[storedHdr:], enc) {
			t.Error("entry hash and CRC not stored in front of the value")
		}
		return nil
	})
	checkBolt(t, s)
	if err := s.Verify(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set("/f1/000", Int8(1)); err != nil {
		t.Fatalf("commit after the upgrade: %v", err)
	}
}

// TestUpgradeFormat1File: OpenFile rewrites a format 1 store file in the
// current format with the same content, txid and digest; a crash in the
// middle (a partial stage file) loses nothing; a damaged format 1 file is
// refused and left exactly as it was.
func TestUpgradeFormat1File(t *testing.T) {
	entries := format1Entries()
	old := func(t *testing.T) (string, Digest) {
		path := filepath.Join(t.TempDir(), "goha.cdb")
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		d := writeFormat1(t, db, 41, entries)
		db.Close()
		return path, d
	}
	t.Run("clean", func(t *testing.T) {
		path, d := old(t)
		s, err := OpenFile(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkUpgraded(t, s, entries, 41, d)
		s.Close()
		s, err = OpenFile(path, nil) // reopens as format 2, with the later commit
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if v, err := s.Get("/f1/000"); err != nil || v.Int() != 1 || s.Txid() != 42 {
			t.Fatalf("after reopening: %v %v txid %d", v, err, s.Txid())
		}
		if _, err := os.Stat(stagePath(path)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("upgrade left its stage file: %v", err)
		}
	})
	t.Run("crash during the upgrade", func(t *testing.T) {
		path, d := old(t)
		// What a crash before the rename leaves: the old file and part
		// of the new one (here the start of a real upgraded image).
		full, _ := old(t)
		s, err := OpenFile(full, nil)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		img, err := os.ReadFile(full)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(stagePath(path), img[:len(img)/2], 0o600)
		s, err = OpenFile(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		checkUpgraded(t, s, entries, 41, d)
	})
	t.Run("damaged", func(t *testing.T) {
		path, _ := old(t)
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(dataBuckets[0]).Put([]byte("/f1/005"), String("evil").Encode())
		})
		db.Close()
		if _, err := OpenFile(path, nil); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("damaged format 1 store opened: %v", err)
		}
		db, err = bolt.Open(path, 0o600, nil) // still the old store, as it was
		if err != nil {
			t.Fatal(err)
		}
		db.View(func(tx *bolt.Tx) error {
			if tx.Bucket(metaBucket).Get(keyFormat) != nil {
				t.Error("a refused store was upgraded")
			}
			data := tx.Bucket(dataBuckets[0])
			if !bytes.Equal(data.Get([]byte("/f1/005")), String("evil").Encode()) || data.Stats().KeyN != len(entries) {
				t.Error("a refused store's content changed")
			}
			return nil
		})
		db.Close()
		if _, err := os.Stat(stagePath(path)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("refused upgrade left a stage file: %v", err)
		}
	})
	t.Run("unknown format", func(t *testing.T) {
		path, _ := old(t)
		db, _ := bolt.Open(path, 0o600, nil)
		db.Update(func(tx *bolt.Tx) error { return tx.Bucket(metaBucket).Put(keyFormat, []byte{9}) })
		db.Close()
		if _, err := OpenFile(path, nil); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("store of an unknown format opened: %v", err)
		}
	})
}

// TestMoveFormat1FromDaemonDB: a format 1 store kept inside the daemon's
// file (the oldest layout) is moved to its own file and upgraded at once.
func TestMoveFormat1FromDaemonDB(t *testing.T) {
	entries := format1Entries()
	path := filepath.Join(t.TempDir(), "goha.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d := writeFormat1(t, db, 9, entries)
	s, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkUpgraded(t, s, entries, 9, d)
	db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(metaBucket) != nil {
			t.Error("old buckets left in the daemon's file")
		}
		return nil
	})
}

// TestVerifyChecksStoredHashes: Verify (run by every open) rehashes every
// value: a value changed behind the store's back, with or without its
// stored hash and CRC, or a stored hash or CRC changed alone, is
// ErrCorrupt.
func TestVerifyChecksStoredHashes(t *testing.T) {
	for _, damage := range []string{"value", "hash", "crc", "value and hash"} {
		t.Run(damage, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.cdb")
			s, err := OpenFile(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			s.Set("/a", String("good"))
			s.Set("/b", String("other"))
			s.Close()
			db, _ := bolt.Open(path, 0o600, nil)
			db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket(dataBuckets[0])
				raw := bytes.Clone(b.Get([]byte("/a")))
				switch damage {
				case "value":
					raw[len(raw)-1] ^= 1
				case "hash":
					raw[3] ^= 1
				case "crc":
					raw[hashLen+2] ^= 1
				case "value and hash": // consistent entry, but not the recorded digest
					raw, _ = storedValue("/a", String("evil"))
				}
				return b.Put([]byte("/a"), raw)
			})
			db.Close()
			if _, err := OpenFile(path, nil); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("store with a damaged %s opened: %v", damage, err)
			}
		})
	}
}

// reCRC recomputes a snapshot stream's trailing CRC after a change, as a
// sender whose own data was damaged would send it.
func reCRC(b []byte) []byte {
	b = bytes.Clone(b)
	binary.BigEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], castagnoli))
	return b
}

// TestStageChecks pins down what a receiver checks in a version 2 stream
// (see the package doc): a bit flipped in transit anywhere (a value, a
// carried hash or entry CRC, a header) fails the stream CRC; with the
// stream CRC recomputed, as a sender whose own data was damaged would
// send it, a value or path that does not match its entry CRC is refused,
// a carried hash that does not add up to the header's digest is refused,
// and so is a value that does not decode. Large values, read straight
// into the new file, are checked the same way.
func TestStageChecks(t *testing.T) {
	p := openTemp(t)
	for i := 0; i < 20; i++ {
		p.Set(fmt.Sprintf("/s/%02d", i), Binary(bytes.Repeat([]byte{byte(i)}, 5000)))
	}
	p.Set("/t/large", Binary(bytes.Repeat([]byte{7}, 3*directMin)))
	p.Set("/u/after", Int8(1))
	snap := snapshotOf(t, p)
	hdr := len(snapMagic) + 4 + 8 + 32
	kl := int(binary.BigEndian.Uint32(snap[hdr:]))
	pathAt := hdr + 4         // the first entry's path
	hashAt := pathAt + kl + 4 // its carried hash, then entry CRC, then value
	crcAt, valueAt := hashAt+hashLen, hashAt+storedHdr
	large := bytes.Index(snap, []byte("/t/large")) + len("/t/large") + 4 // its stored value
	flip := func(off int) []byte { b := bytes.Clone(snap); b[off] ^= 0x08; return b }
	badType := func(off int) []byte { b := bytes.Clone(snap); b[off] = 0xEE; return b }
	refused := map[string][]byte{
		"value flipped in transit":      flip(valueAt + 100),
		"hash flipped in transit":       flip(hashAt),
		"entry CRC flipped in transit":  flip(crcAt),
		"value, stream CRC recomputed":  reCRC(flip(valueAt + 100)),
		"path, stream CRC recomputed":   reCRC(flip(pathAt + kl - 1)),
		"hash, stream CRC recomputed":   reCRC(flip(hashAt)),
		"CRC, stream CRC recomputed":    reCRC(flip(crcAt)),
		"header digest, CRC recomputed": reCRC(flip(hdr - 1)),
		"value type, CRC recomputed":    reCRC(badType(valueAt)),
		// a large value: damage in its first bytes (read ahead with its
		// path) or further on (read directly), or a stream cut inside it
		"large value, early byte":                 flip(large + storedHdr + 10),
		"large value, late byte":                  flip(large + 2*directMin),
		"large value, stream CRC recomputed":      reCRC(flip(large + 2*directMin)),
		"large value hash, stream CRC recomputed": reCRC(flip(large + 1)),
		"large entry CRC, stream CRC recomputed":  reCRC(flip(large + hashLen)),
		"large value type, CRC recomputed":        reCRC(badType(large + storedHdr)),
		"cut in a large value":                    snap[:large+directMin],
	}
	for name, b := range refused {
		r := openTemp(t)
		r.Set("/live", Int8(1))
		if _, err := r.RestoreSnapshot(bytes.NewReader(b)); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%s: %v", name, err)
		}
		if v, err := r.Get("/live"); err != nil || v.Int() != 1 {
			t.Fatalf("%s: live data touched", name)
		}
	}
	r := openTemp(t)
	if _, err := r.RestoreSnapshot(bytes.NewReader(snap)); err != nil {
		t.Fatalf("undamaged copy: %v", err)
	}
}

// TestSourceDamageRefused: a value damaged in the sender's own file while
// it runs (its stored hash and CRC intact) is sent as it is, and the
// receiver refuses it: the entry CRC, computed when the value was
// committed, no longer matches. For a large value the sender's stream CRC
// (folded from the stored CRC, the value unread) does not match either.
func TestSourceDamageRefused(t *testing.T) {
	for _, size := range []int{100, 4 * directMin} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			p := openTemp(t)
			p.Set("/a", Binary(bytes.Repeat([]byte{1}, size)))
			p.Set("/b", Int8(2))
			p.DB().Update(func(tx *bolt.Tx) error { // damage under the running store
				b := tx.Bucket(dataBuckets[0])
				raw := bytes.Clone(b.Get([]byte("/a")))
				raw[len(raw)-3] ^= 0x10
				return b.Put([]byte("/a"), raw)
			})
			var snap bytes.Buffer
			if _, err := p.WriteSnapshot(&snap); err != nil {
				t.Fatal(err)
			}
			r := openTemp(t)
			if _, err := r.RestoreSnapshot(&snap); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("copy of a damaged value: %v", err)
			}
		})
	}
}
