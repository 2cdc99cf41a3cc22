package hanet

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/goha/goha/core/store"
)

// TestConcurrentCommitsGrouped: many clients committing at once (which the
// runtime commits in groups, one fsync each, and secondaries persist in
// groups too) each get their own txid, acknowledged in sync mode by both
// secondaries; refused transactions in the same groups fail alone; every
// store ends byte-identical.
func TestConcurrentCommitsGrouped(t *testing.T) {
	p, s1, s2 := startNode(t, "p", opt{}), startNode(t, "s1", opt{}), startNode(t, "s2", opt{})
	if err := p.rt.BePrimary("p"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*tnode{s1, s2} {
		if err := s.rt.BeSecondary(s.name, "p", p.rt.Addr(), true); err != nil {
			t.Fatal(err)
		}
	}
	const clients, each = 12, 15
	var (
		mu    sync.Mutex
		txids []uint64
		wg    sync.WaitGroup
		errs  = make(chan error, clients*each)
	)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if i%5 == 4 { // refused: nothing to delete
					if _, err := p.rt.Delete(fmt.Sprintf("/none/%d/%d", c, i)); !errors.Is(err, store.ErrNotFound) {
						errs <- fmt.Errorf("delete of a missing path: %v", err)
					}
					continue
				}
				txid, err := p.rt.Set(fmt.Sprintf("/c/%02d/%02d", c, i), store.Int32(int32(c*100+i)))
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				txids = append(txids, txid)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sort.Slice(txids, func(i, j int) bool { return txids[i] < txids[j] })
	for i, x := range txids {
		if x != uint64(i+1) {
			t.Fatalf("txids %v: not 1..%d, each once", txids, len(txids))
		}
	}
	want := snapshotBytes(t, p.st)
	for _, s := range []*tnode{s1, s2} {
		// Sync mode: every acknowledged commit is on both secondaries.
		if s.st.Txid() != uint64(len(txids)) {
			t.Fatalf("%s at txid %d after %d acknowledged commits", s.name, s.st.Txid(), len(txids))
		}
		if !bytes.Equal(snapshotBytes(t, s.st), want) {
			t.Fatalf("%s differs from the primary", s.name)
		}
	}
	if v, err := s2.st.Get("/c/03/07"); err != nil || v.Int() != 307 {
		t.Fatalf("value on a secondary: %v %v", v, err)
	}
}
