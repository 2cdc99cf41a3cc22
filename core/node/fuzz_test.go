package node

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/goha/goha/core/membership"
)

// FuzzDecodeMessage feeds arbitrary payloads (as they would arrive inside
// an authenticated envelope) to the membership message decoder.
func FuzzDecodeMessage(f *testing.F) {
	for _, m := range []membership.Message{
		{Type: membership.MsgHeartbeat, From: 1, To: 2, Incarnation: 3, Ring: membership.RingID{Rep: 1, Seq: 4}, Hears: []uint64{7}},
		{Type: membership.MsgCommit, From: 1, To: 3, Members: []membership.NodeID{1, 2, 3}, Incarnations: []uint32{1, 1, 2}},
	} {
		b, err := msgpack.Marshal(&m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMessage(b)
		if err != nil {
			return
		}
		if _, err := msgpack.Marshal(&m); err != nil {
			t.Fatalf("decoded message does not re-encode: %v", err)
		}
	})
}

// TestSeedCorpus checks (or, with GOHA_WRITE_CORPUS=1, writes) the
// checked-in seed corpus of FuzzDecodeMessage.
func TestSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecodeMessage")
	if os.Getenv("GOHA_WRITE_CORPUS") == "1" {
		m := membership.Message{Type: membership.MsgPropose, From: 1, To: 2, Incarnation: 1, Ring: membership.RingID{Rep: 1, Seq: 9},
			Members: []membership.NodeID{1, 2}, Incarnations: []uint32{1, 1}, Master: 1, Vice: 2}
		b, err := msgpack.Marshal(&m)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, "propose"), []byte(fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if ents, err := os.ReadDir(dir); err != nil || len(ents) == 0 {
		t.Fatalf("seed corpus %s missing", dir)
	}
}
