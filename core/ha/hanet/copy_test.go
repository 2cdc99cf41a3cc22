package hanet

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/goha/goha/core/store"
)

// TestDamagedCopyRefused: a bit flipped in flight in a full copy, in a
// large value (sent straight from the primary's memory map) or in an
// entry's carried hash, makes the secondary refuse the copy: besecondary
// fails, nothing is installed, no stage file is left, and the store keeps
// its own data. An undamaged copy then installs.
func TestDamagedCopyRefused(t *testing.T) {
	p := startNode(t, "p", opt{})
	if err := p.rt.BePrimary("p"); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("b"), store.MaxValueLen)
	for i := 0; i < 3; i++ {
		big[0] = byte(i)
		if _, err := p.rt.Set(fmt.Sprintf("/big/%d", i), store.Binary(big)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.rt.Set("/small", store.String("s")); err != nil {
		t.Fatal(err)
	}
	// Offsets on the wire from the copy's magic: the first 'D' frame
	// holds the stream header (52 bytes) and the first entry, pathlen(4)
	// "/big/0" len(4) hash(32) crc(4) value; later offsets also count the
	// headers of later frames (a flip there is refused just the same).
	const firstHash, entry = 52 + 4 + 6 + 4, 4 + 6 + 4 + 36
	for name, at := range map[string]int64{
		"carried hash":  firstHash + 5,
		"entry CRC":     firstHash + 33,
		"large value":   3 << 19,
		"small value":   int64(52 + 3*(entry+1+store.MaxValueLen) + entry + 1),
		"stream header": 30,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s := startNode(t, "s", opt{dir: dir})
			if _, err := s.st.Set("/mine", store.Int8(7)); err != nil {
				t.Fatal(err)
			}
			px := newProxy(t, p.rt.Addr())
			px.flipSnap.Store(at + 1)
			if err := s.rt.BeSecondary("s", "p", px.ln.Addr().String(), true); err == nil {
				t.Fatal("a damaged copy was accepted")
			}
			if px.flipSnap.Load() != 0 {
				t.Fatal("the proxy never flipped the bit")
			}
			if v, err := s.st.Get("/mine"); err != nil || v.Int() != 7 || s.st.Txid() != 1 {
				t.Fatalf("store changed by a refused copy: %v %v txid %d", v, err, s.st.Txid())
			}
			if _, err := os.Stat(filepath.Join(dir, "s.db.stage")); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("refused copy left a stage file: %v", err)
			}
			s.mu.Lock()
			refused := false
			for _, l := range s.logs {
				refused = refused || bytes.Contains([]byte(l), []byte("full copy refused"))
			}
			s.mu.Unlock()
			if !refused {
				t.Fatal("the refusal was not logged")
			}
			if err := s.rt.BeSecondary("s", "p", p.rt.Addr(), true); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(snapshotBytes(t, p.st), snapshotBytes(t, s.st)) {
				t.Fatal("copy differs")
			}
		})
	}
}
