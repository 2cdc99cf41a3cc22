package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goha/goha/core/store"
)

// TestAutoLostStoreFile: in auto mode, a node whose config store file was
// removed while its node state was kept (goha.cdb deleted, goha.db left)
// does not claim the data its state says it had: it comes back with no
// epoch, so it is no candidate and the single-node cluster stays without a
// primary (ha force-primary is the way out), instead of electing an empty
// store over acknowledged writes.
func TestAutoLostStoreFile(t *testing.T) {
	dir := t.TempDir()
	cfgPath := oneNode(t, dir)
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(b), "[[node]]", "[ha]\nmode = \"auto\"\n[[node]]", 1)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	n, cancel, done := runNode(t, cfgPath, data)
	waitEpoch := func(n *Node, want func(uint64) bool) uint64 {
		t.Helper()
		end := time.Now().Add(10 * time.Second)
		for {
			var e uint64
			n.onLoop(func() { e = n.mem.DataEpoch() })
			if want(e) {
				return e
			}
			if time.Now().After(end) {
				t.Fatalf("data epoch %d", e)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	e := waitEpoch(n, func(e uint64) bool { return e > 0 })
	cancel()
	done <- <-done // runNode's cleanup waits for it too
	if err := os.Remove(store.BesidePath(filepath.Join(data, StateFile))); err != nil {
		t.Fatal(err)
	}
	n2, _, _ := runNode(t, cfgPath, data)
	waitEpoch(n2, func(e uint64) bool { return e == 0 })
	time.Sleep(300 * time.Millisecond)
	var master uint32
	n2.onLoop(func() { m, _ := n2.mem.Roles(); master = uint32(m) })
	if master != 0 {
		t.Fatalf("a node that lost its store (epoch %d) was elected", e)
	}
}
