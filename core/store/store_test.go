package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := OpenFile(filepath.Join(t.TempDir(), "goha.db"), &Options{InitialMmapSize: 1 << 24})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestValueRoundTrip(t *testing.T) {
	vals := []Value{
		String("hello"), Buf([]byte{0, 1, 2}), Binary([]byte("x")),
		Int8(-128), Int16(-2), Int32(math.MinInt32), Int64(math.MaxInt64),
		Uint8(255), Uint16(65535), Uint32(7), Uint64(math.MaxUint64),
		Double(-1.5), Bool(true), Bool(false), IPv4([4]byte{10, 0, 0, 1}),
		IPv6([16]byte{0x20, 0x01, 15: 1}),
	}
	for _, v := range vals {
		got, err := DecodeValue(v.Encode())
		if err != nil {
			t.Fatalf("%v: %v", v, err)
		}
		if !got.Equal(v) {
			t.Fatalf("round trip %v (%s) -> %v", v, v.Type(), got)
		}
		back, err := ParseValue(v.Type(), v.String())
		if err != nil || !back.Equal(v) {
			t.Fatalf("parse %q as %s -> %v", v.String(), v.Type(), back)
		}
	}
	if Int8(-5).Int() != -5 || Int16(-300).Int() != -300 {
		t.Fatal("sign extension")
	}
	for _, bad := range [][]byte{nil, {99}, {byte(TypeInt32), 1}, {byte(TypeBool), 2}, {byte(TypeIPv4), 1, 2}, {byte(TypeString), 'a', 0}} {
		if _, err := DecodeValue(bad); !errors.Is(err, ErrBadValue) {
			t.Fatalf("DecodeValue(%v) = %v, want ErrBadValue", bad, err)
		}
	}
	if _, err := ParseValue(TypeUint8, "256"); !errors.Is(err, ErrBadValue) {
		t.Fatalf("uint8 overflow accepted: %v", err)
	}
}

func TestTransactionsAndErrors(t *testing.T) {
	s := openTemp(t)
	c, err := s.Set("/a/b", String("x"))
	if err != nil || c.Txid != 1 {
		t.Fatalf("set: %v txid %d", err, c.Txid)
	}
	c, err = s.Batch([]Op{SetOp("/a/c", Uint16(7)), SetOp("/z", Bool(true)), DeleteOp("/a/b")})
	if err != nil || c.Txid != 2 {
		t.Fatalf("batch: %v %d", err, c.Txid)
	}
	if _, err := s.Get("/a/b"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
	if v, err := s.Get("/a/c"); err != nil || v.Uint() != 7 || v.Type() != TypeUint16 {
		t.Fatalf("get: %v %v", v, err)
	}
	// A failing op aborts the whole batch and does not consume a txid.
	if _, err := s.Batch([]Op{SetOp("/q", Int8(1)), DeleteOp("/missing")}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("batch with missing delete: %v", err)
	}
	if _, err := s.Get("/q"); !errors.Is(err, ErrNotFound) {
		t.Fatal("aborted batch left data behind")
	}
	for _, p := range []string{"", "a", "/", "/a/", "//a", "/a\x00b", "/" + strings.Repeat("x", MaxPathLen)} {
		if _, err := s.Set(p, Int8(1)); !errors.Is(err, ErrBadPath) {
			t.Fatalf("path %q: %v", p, err)
		}
	}
	if _, err := s.Set("/s", String("a\x00")); !errors.Is(err, ErrBadValue) {
		t.Fatalf("NUL string: %v", err)
	}
	s.SetReadOnly(true)
	if _, err := s.Set("/a/c", Uint16(8)); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("read-only set: %v", err)
	}
	s.SetReadOnly(false)
	if s.Txid() != 2 {
		t.Fatalf("txid %d after failed writes", s.Txid())
	}
	var buf bytes.Buffer
	if err := s.DumpText(&buf); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "/a/c uint16 7\n/z bool true\n"; got != want {
		t.Fatalf("dump:\n%s\nwant\n%s", got, want)
	}
}

// TestReplicationAndDigest applies a primary's commits on a replica, checks
// the digests agree, and that a tampered or diverged commit is refused.
func TestReplicationAndDigest(t *testing.T) {
	p, r := openTemp(t), openTemp(t)
	var commits [][]byte
	for i := 0; i < 20; i++ {
		ops := []Op{SetOp(fmt.Sprintf("/k/%d", i%7), Int32(int32(i)))}
		if i%5 == 4 {
			ops = append(ops, DeleteOp(fmt.Sprintf("/k/%d", (i-1)%7)))
		}
		c, err := p.Batch(ops)
		if err != nil {
			t.Fatal(err)
		}
		commits = append(commits, c.Encode())
	}
	r.SetReadOnly(true) // replication ignores read-only
	for i, enc := range commits {
		if i == 3 {
			bad := append([]byte{}, enc...)
			bad[len(bad)/2] ^= 1
			if _, err := r.ApplyEncoded(bad); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("flipped bit accepted: %v", err)
			}
		}
		if _, err := r.ApplyEncoded(enc); err != nil {
			t.Fatalf("apply %d: %v", i, err)
		}
	}
	pt, pd := p.State()
	rt, rd := r.State()
	if pt != rt || pd != rd {
		t.Fatalf("replica %d/%s, primary %d/%s", rt, rd, pt, pd)
	}
	if _, err := r.ApplyEncoded(commits[0]); !errors.Is(err, ErrOutOfOrder) {
		t.Fatalf("replayed commit: %v", err)
	}
	// Diverge the replica behind HA's back: the next commit is refused.
	r.SetReadOnly(false)
	if _, err := r.Set("/k/0", String("local")); err != nil {
		t.Fatal(err)
	}
	c, _ := p.Set("/k/99", Bool(true))
	c.Txid = r.Txid() + 1
	if err := r.Apply(c); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("diverged apply: %v", err)
	}
	if _, err := r.Get("/k/99"); !errors.Is(err, ErrNotFound) {
		t.Fatal("refused commit left data behind")
	}
}

func TestSnapshotRoundTripAndCorruption(t *testing.T) {
	p := openTemp(t)
	for i := 0; i < 300; i++ {
		if _, err := p.Set(fmt.Sprintf("/n/%03d", i), String(strings.Repeat("v", i))); err != nil {
			t.Fatal(err)
		}
	}
	var snap bytes.Buffer
	info, err := p.WriteSnapshot(&snap)
	if err != nil || info.Entries != 300 || info.Txid != 300 || info.Bytes != int64(snap.Len()) {
		t.Fatalf("snapshot %+v %v", info, err)
	}
	r := openTemp(t)
	if _, err := r.Set("/old", Int8(1)); err != nil {
		t.Fatal(err)
	}
	// Every kind of damage is detected and leaves the live data alone.
	damages := map[string][]byte{
		"truncated": snap.Bytes()[:snap.Len()/2],
		"empty":     nil,
	}
	for _, off := range []int{3, 20, 60, snap.Len() / 2, snap.Len() - 2} {
		b := append([]byte{}, snap.Bytes()...)
		b[off] ^= 0x40
		damages[fmt.Sprintf("flip@%d", off)] = b
	}
	for name, b := range damages {
		if _, err := r.RestoreSnapshot(bytes.NewReader(b)); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%s: %v", name, err)
		}
		if v, err := r.Get("/old"); err != nil || v.Int() != 1 || r.Txid() != 1 {
			t.Fatalf("%s: live data damaged", name)
		}
	}
	got, err := r.RestoreSnapshot(bytes.NewReader(snap.Bytes()))
	if err != nil || got.Txid != 300 || got.Digest != info.Digest {
		t.Fatalf("restore %+v %v", got, err)
	}
	if _, err := r.Get("/old"); !errors.Is(err, ErrNotFound) {
		t.Fatal("old data survived a full copy")
	}
	var a, b bytes.Buffer
	p.WriteSnapshot(&a)
	r.WriteSnapshot(&b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("restored store is not byte-identical")
	}
	// A staged snapshot is used once and only if nothing was staged since.
	st, err := r.Stage(bytes.NewReader(snap.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Activate(st); err != nil {
		t.Fatal(err)
	}
	if err := r.Activate(st); err == nil {
		t.Fatal("staged snapshot activated twice")
	}
	// Commits continue on top of the copy.
	c, err := p.Set("/n/new", Bool(true))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Apply(c); err != nil {
		t.Fatal(err)
	}
}

// TestBesideDaemonDBAndCorruptFile: Open(db) keeps the store in its own
// file beside the daemon's, leaving the daemon's buckets alone, and a
// value changed behind its back is detected when the file is reopened.
func TestBesideDaemonDBAndCorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "goha.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucketIfNotExists([]byte("node"))
		return b.Put([]byte("incarnation"), []byte{7})
	})
	s, err := Open(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set("/x", String("good")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got := BesidePath(path); got != strings.TrimSuffix(path, "goha.db")+"goha.cdb" {
		t.Fatalf("store file %s", got)
	}
	sf, err := bolt.Open(BesidePath(path), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	sf.Update(func(tx *bolt.Tx) error { // tamper with the stored value
		return tx.Bucket(dataBuckets[0]).Put([]byte("/x"), String("evil").Encode())
	})
	sf.Close()
	if _, err := Open(db); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("tampered file opened: %v", err)
	}
	db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("node")).Get([]byte("incarnation")); !bytes.Equal(v, []byte{7}) {
			t.Error("store touched the node bucket")
		}
		if tx.Bucket(metaBucket) != nil {
			t.Error("store buckets in the daemon's file")
		}
		return nil
	})
}

// TestMigrateFromDaemonDB: a store that an earlier version kept inside the
// daemon's file moves to its own file on Open, with the same content, txid
// and digest, whatever step a crash interrupted; a damaged one is refused
// and left where it is.
func TestMigrateFromDaemonDB(t *testing.T) {
	legacy := func(t *testing.T) (*bolt.DB, string, []byte) {
		path := filepath.Join(t.TempDir(), "goha.db")
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		db.Update(func(tx *bolt.Tx) error {
			b, _ := tx.CreateBucketIfNotExists([]byte("node"))
			return b.Put([]byte("incarnation"), []byte{7})
		})
		old, err := openDB(db) // the old layout
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 50; i++ {
			if _, err := old.Set(fmt.Sprintf("/m/%02d", i), Uint32(uint32(i))); err != nil {
				t.Fatal(err)
			}
		}
		old.Delete("/m/07")
		return db, path, snapshotOf(t, old)
	}
	check := func(t *testing.T, db *bolt.DB, want []byte) {
		t.Helper()
		s, err := Open(db)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if !bytes.Equal(snapshotOf(t, s), want) || s.Txid() != 51 {
			t.Fatalf("moved store differs (txid %d)", s.Txid())
		}
		db.View(func(tx *bolt.Tx) error {
			if tx.Bucket(metaBucket) != nil || tx.Bucket(dataBuckets[0]) != nil {
				t.Error("old buckets left in the daemon's file")
			}
			if v := tx.Bucket([]byte("node")).Get([]byte("incarnation")); !bytes.Equal(v, []byte{7}) {
				t.Error("daemon's bucket touched")
			}
			return nil
		})
	}
	t.Run("clean", func(t *testing.T) {
		db, _, want := legacy(t)
		check(t, db, want)
		check(t, db, want) // and again, from the store's file
	})
	t.Run("crash before the rename", func(t *testing.T) {
		db, path, want := legacy(t)
		os.WriteFile(stagePath(BesidePath(path)), []byte("half a file"), 0o600)
		check(t, db, want)
	})
	t.Run("crash before dropping the buckets", func(t *testing.T) {
		db, path, want := legacy(t)
		if err := migrateFrom(db, BesidePath(path)); err != nil {
			t.Fatal(err)
		}
		// Put the old buckets back as if the drop never happened: they
		// must not win over the moved store.
		old, _ := openDB(db)
		old.Set("/stale", Int8(1))
		check(t, db, want)
	})
	t.Run("damaged", func(t *testing.T) {
		db, path, _ := legacy(t)
		db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(dataBuckets[0]).Put([]byte("/m/01"), String("evil").Encode())
		})
		if _, err := Open(db); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("damaged store moved: %v", err)
		}
		if _, err := os.Stat(BesidePath(path)); !errors.Is(err, os.ErrNotExist) {
			t.Fatal("store file created from a damaged store")
		}
		db.View(func(tx *bolt.Tx) error {
			if tx.Bucket(metaBucket) == nil {
				t.Error("damaged store dropped")
			}
			return nil
		})
	})
}

func BenchmarkCommitLatency(b *testing.B) {
	for _, tc := range []struct{ nosync, feed bool }{{false, false}, {true, false}, {true, true}} {
		b.Run(fmt.Sprintf("fsync=%v/feed=%v", !tc.nosync, tc.feed), func(b *testing.B) {
			s, err := OpenFile(filepath.Join(b.TempDir(), "goha.db"), &Options{NoSync: tc.nosync, InitialMmapSize: 1 << 26})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if tc.feed { // what gohad pays for the change feed, fsync aside
				s.EnableFeed(0)
			}
			v := Binary(bytes.Repeat([]byte{1}, 100))
			n := max(b.N, 200) // meaningful at -benchtime 1x
			b.ResetTimer()
			for i := 0; i < n; i++ {
				if _, err := s.Set(fmt.Sprintf("/bench/%d", i%1000), v); err != nil {
					b.Fatal(err)
				}
			}
			el := b.Elapsed()
			b.ReportMetric(float64(el.Microseconds())/float64(n), "us/commit")
			b.ReportMetric(float64(n)/el.Seconds(), "commits/s")
		})
	}
}

// BenchmarkSnapshot measures streaming a 32 MiB store out and restoring it
// into another (both without fsync, to see the CPU cost of the pipeline).
func BenchmarkSnapshot(b *testing.B) {
	src, err := OpenFile(filepath.Join(b.TempDir(), "s.db"), &Options{NoSync: true, InitialMmapSize: 1 << 27})
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	val := Binary(bytes.Repeat([]byte("v"), 1000))
	for i := 0; i < 32; i++ {
		ops := make([]Op, 1024)
		for j := range ops {
			ops[j] = SetOp(fmt.Sprintf("/bulk/%05d/%04d", i, j), val)
		}
		if _, err := src.Batch(ops); err != nil {
			b.Fatal(err)
		}
	}
	var buf bytes.Buffer
	var out, in time.Duration
	for i := 0; i < b.N; i++ {
		buf.Reset()
		start := time.Now()
		if _, err := src.WriteSnapshot(&buf); err != nil {
			b.Fatal(err)
		}
		out += time.Since(start)
		dst, err := OpenFile(filepath.Join(b.TempDir(), fmt.Sprintf("d%d.db", i)), &Options{NoSync: true, InitialMmapSize: 1 << 27})
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		if _, err := dst.RestoreSnapshot(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
		in += time.Since(start)
		dst.Close()
	}
	mb := float64(buf.Len()) * float64(b.N) / 1e6
	b.ReportMetric(mb/out.Seconds(), "write-MB/s")
	b.ReportMetric(mb/in.Seconds(), "restore-MB/s")
}

// TestSnapshotDoesNotBlockWriters holds a snapshot stream half-read while
// committing: the commits complete, and the snapshot is the state at its start.
func TestSnapshotDoesNotBlockWriters(t *testing.T) {
	s := openTemp(t)
	for i := 0; i < 200; i++ {
		if _, err := s.Set(fmt.Sprintf("/pre/%03d", i), Binary(make([]byte, 500))); err != nil {
			t.Fatal(err)
		}
	}
	startTxid := s.Txid()
	pr, pw := io.Pipe()
	done := make(chan SnapshotInfo, 1)
	go func() {
		info, err := s.WriteSnapshot(pw)
		pw.CloseWithError(err)
		done <- info
	}()
	head := make([]byte, 1024)
	if _, err := io.ReadFull(pr, head); err != nil { // the read transaction is open now
		t.Fatal(err)
	}
	commits := make(chan error, 1)
	go func() {
		for i := 0; i < 50; i++ {
			if _, err := s.Set(fmt.Sprintf("/during/%d", i), Int64(int64(i))); err != nil {
				commits <- err
				return
			}
		}
		commits <- nil
	}()
	select {
	case err := <-commits:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("commits blocked by an open snapshot")
	}
	rest, err := io.ReadAll(pr)
	if err != nil {
		t.Fatal(err)
	}
	info := <-done
	if info.Txid != startTxid {
		t.Fatalf("snapshot txid %d, want %d (its start)", info.Txid, startTxid)
	}
	r := openTemp(t)
	if _, err := r.RestoreSnapshot(bytes.NewReader(append(head, rest...))); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get("/during/0"); !errors.Is(err, ErrNotFound) {
		t.Fatal("snapshot contains a later commit")
	}
}

// TestCorruptFileNeverPanics damages a store file at many offsets: opening
// it (which verifies the content) and reading it either work or fail with
// ErrCorrupt, and never panic (bbolt itself panics on some bad pages).
func TestCorruptFileNeverPanics(t *testing.T) {
	junk := make([]byte, 64)
	for i := range junk {
		junk[i] = byte(i*7 + 3)
	}
	refused := 0
	for off := int64(2 * 4096); off < 48*4096; off += 3 * 4096 {
		path := filepath.Join(t.TempDir(), "c.db")
		s, err := OpenFile(path, &Options{NoSync: true, InitialMmapSize: 1 << 22})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 300; i++ {
			s.Set(fmt.Sprintf("/k/%04d", i), Binary(make([]byte, 300)))
		}
		s.Close()
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteAt(junk, off+100)
		f.Close()
		s2, err := OpenFile(path, &Options{InitialMmapSize: 1 << 22})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("offset %d: %v", off, err)
			}
			refused++
			continue
		}
		for i := 0; i < 300; i++ {
			if _, err := s2.Get(fmt.Sprintf("/k/%04d", i)); err != nil && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("offset %d: get: %v", off, err)
			}
		}
		s2.Close()
	}
	if refused == 0 {
		t.Fatal("no damaged file was refused")
	}
}
