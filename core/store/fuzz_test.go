package store

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecodeCommit: arbitrary bytes never panic; what decodes re-encodes
// to the same bytes.
func FuzzDecodeCommit(f *testing.F) {
	c := Commit{Txid: 7, Ops: []Op{SetOp("/a", String("x")), DeleteOp("/b"), SetOp("/c", Int16(-3))}}
	f.Add(c.Encode())
	f.Add([]byte{commitMagic})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeCommit(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error not ErrCorrupt: %v", err)
			}
			return
		}
		if !bytes.Equal(c.Encode(), b) {
			t.Fatal("decoded commit does not re-encode to its input")
		}
	})
}

// FuzzStage: an arbitrary stream is either refused with ErrCorrupt, leaving
// the live data alone, or is a valid snapshot.
func FuzzStage(f *testing.F) {
	dir := f.TempDir()
	src, err := OpenFile(filepath.Join(dir, "src.db"), &Options{NoSync: true, InitialMmapSize: 1 << 22})
	if err != nil {
		f.Fatal(err)
	}
	defer src.Close()
	src.Set("/a", String("x"))
	src.Set("/b/c", Uint64(9))
	var snap bytes.Buffer
	src.WriteSnapshot(&snap)
	f.Add(snap.Bytes())
	dst, err := OpenFile(filepath.Join(dir, "dst.db"), &Options{NoSync: true, InitialMmapSize: 1 << 22})
	if err != nil {
		f.Fatal(err)
	}
	defer dst.Close()
	dst.Set("/live", Bool(true))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := dst.Stage(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error not ErrCorrupt: %v", err)
			}
			if v, err := dst.Get("/live"); err != nil || !v.Bool() {
				t.Fatal("a refused stream touched the live data")
			}
			return
		}
		if st.Info.Bytes > int64(len(b)) {
			t.Fatalf("staged %d bytes of a %d-byte stream", st.Info.Bytes, len(b))
		}
	})
}

// FuzzDecodeValue: never panics; valid values round-trip.
func FuzzDecodeValue(f *testing.F) {
	f.Add(Int32(-5).Encode())
	f.Add(String("abc").Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := DecodeValue(b)
		if (err == nil) != (CheckEncoding(b) == nil) {
			t.Fatalf("DecodeValue says %v, CheckEncoding says %v", err, CheckEncoding(b))
		}
		if err != nil {
			return
		}
		if !bytes.Equal(v.Encode(), b) {
			t.Fatalf("%v does not re-encode to its input", v)
		}
	})
}

// FuzzPathOK: the allocation-free check of received paths agrees with
// ValidatePath.
func FuzzPathOK(f *testing.F) {
	for _, p := range []string{"/a", "/a/b", "", "/", "a", "//a", "/a/", "/a//b", "/a\x00b", "/" + strings.Repeat("x", MaxPathLen)} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if pathOK([]byte(p)) != (ValidatePath(p) == nil) {
			t.Fatalf("%q: pathOK %v, ValidatePath %v", p, pathOK([]byte(p)), ValidatePath(p))
		}
	})
}
