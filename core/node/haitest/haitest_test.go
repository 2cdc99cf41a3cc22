// Package haitest runs real gohad processes doing HA replication of the
// config store: a primary with two secondaries ending with identical
// stores, and the daemon-level crash test (SIGKILL of a primary in the
// middle of a sync write load loses no acknowledged commit).
package haitest

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/wire"
)

var gohad string

func TestMain(m *testing.M) { nodetest.Main(m, "goha-haitest-bin", &gohad) }

const (
	token    = "haitest-token"
	deadline = 20 * time.Second
)

func startCluster(t *testing.T, n int) *nodetest.Cluster {
	t.Helper()
	return startClusterWith(t, n, "200ms", "")
}

// startClusterWith starts n nodes with the HA tick_timeout tick and extra
// lines in the [ha] table.
func startClusterWith(t *testing.T, n int, tick, ha string) *nodetest.Cluster {
	t.Helper()
	c, err := nodetest.New(t.TempDir(), gohad, nodetest.Spec{
		Nodes: n, Heartbeat: "50ms", FailureTimeout: "1s",
		HA: fmt.Sprintf("token = %q\ntick_timeout = %q\nreplication = \"sync\"\n%s", token, tick, ha),
	})
	if err != nil {
		t.Fatal(err)
	}
	c.StopOnCleanup(t, 30)
	for i := 1; i <= n; i++ {
		if err := c.Start(i); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= n; i++ {
		waitDial(t, c, i)
	}
	return c
}

// waitDial waits until node i answers and returns a connection to it.
func waitDial(t *testing.T, c *nodetest.Cluster, i int) *client.Client {
	t.Helper()
	end := time.Now().Add(deadline)
	for {
		cl, err := c.Dial(i)
		if err == nil {
			cl.SetTimeout(deadline)
			t.Cleanup(func() { cl.Close() })
			return cl
		}
		if time.Now().After(end) {
			t.Fatalf("n%d does not answer: %v", i, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// haConn returns node i's HA control connection.
func haConn(t *testing.T, c *nodetest.Cluster, i int) *client.Client {
	t.Helper()
	cl := waitDial(t, c, i)
	if err := cl.HAConnect(token); err != nil {
		t.Fatalf("n%d: HAConnect: %v", i, err)
	}
	return cl
}

func waitHA(t *testing.T, cl *client.Client, what string, pred func(*wire.HAStatus) bool) *wire.HAStatus {
	t.Helper()
	end := time.Now().Add(deadline)
	for {
		st, err := cl.HAStatus()
		if err == nil && pred(st) {
			return st
		}
		if time.Now().After(end) {
			t.Fatalf("%s not reached: status %+v err %v", what, st, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func dump(t *testing.T, cl *client.Client) (uint64, []client.CDBEntry) {
	t.Helper()
	txid, es, err := cl.CDBDump("")
	if err != nil {
		t.Fatal(err)
	}
	return txid, es
}

// TestReplicationRound: n1 primary, n2 and n3 secondaries; commits on the
// primary reach both (sync mode: as soon as the commit returns), writes on
// a secondary are refused with CONFD_ERR_NOT_WRITABLE, and every store ends
// byte-identical (same entries, encodings and txid).
func TestReplicationRound(t *testing.T) {
	c := startCluster(t, 3)
	h1, h2, h3 := haConn(t, c, 1), haConn(t, c, 2), haConn(t, c, 3)
	// Some data before the secondaries join: they get it by a full copy.
	for i := range 50 {
		if _, err := h1.CDBSet(fmt.Sprintf("/pre/%03d", i), store.Uint32(uint32(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := h1.BePrimary("n1"); err != nil {
		t.Fatal(err)
	}
	for i, h := range []*client.Client{h2, h3} {
		if err := h.BeSecondary(fmt.Sprintf("n%d", i+2), "n1", "", true); err != nil {
			t.Fatalf("n%d besecondary: %v", i+2, err)
		}
	}
	st := waitHA(t, h1, "two in-sync secondaries", func(s *wire.HAStatus) bool {
		return len(s.Peers) == 2 && s.Peers[0].InSync && s.Peers[1].InSync
	})
	if st.State != 3 {
		t.Fatalf("n1 state %d, want primary (3)", st.State)
	}
	var last uint64
	for i := range 100 {
		txid, err := h1.CDBSet(fmt.Sprintf("/run/%03d", i), store.String(fmt.Sprintf("value-%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		// Sync mode: acknowledged means on every in-sync secondary.
		if i%10 == 0 {
			for k, h := range []*client.Client{h2, h3} {
				v, err := h.CDBGet(fmt.Sprintf("/run/%03d", i))
				if err != nil || v.Str() != fmt.Sprintf("value-%d", i) {
					t.Fatalf("n%d lacks acknowledged commit %d: %v %v", k+2, txid, v, err)
				}
			}
		}
		last = txid
	}
	if _, err := h1.CDBDelete("/pre/000"); err != nil {
		t.Fatal(err)
	}
	last++
	_, err := h2.CDBSet("/x", store.String("no"))
	if got := client.CodeOf(err); got != wire.CodeNotWritable {
		t.Fatalf("write on a secondary: %v (code %v), want %v", err, got, wire.CodeNotWritable)
	}
	t1, d1 := dump(t, h1)
	if t1 != last {
		t.Fatalf("primary txid %d, want %d", t1, last)
	}
	for k, h := range []*client.Client{h2, h3} {
		tk, dk := dump(t, h)
		if tk != t1 || !reflect.DeepEqual(dk, d1) {
			t.Fatalf("n%d store differs from the primary's: txid %d vs %d, %d vs %d entries", k+2, tk, t1, len(dk), len(d1))
		}
	}
	if len(d1) != 149 {
		t.Fatalf("%d entries, want 149", len(d1))
	}
}

// TestPrimaryCrashKeepsAcknowledgedCommits SIGKILLs a primary while eight
// clients write in sync mode, restarts it, and checks that every commit
// acknowledged before the kill is in its store and on the secondary.
func TestPrimaryCrashKeepsAcknowledgedCommits(t *testing.T) {
	c := startCluster(t, 2)
	h1, h2 := haConn(t, c, 1), haConn(t, c, 2)
	if err := h1.BePrimary("n1"); err != nil {
		t.Fatal(err)
	}
	if err := h2.BeSecondary("n2", "n1", "", true); err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		acked = map[string]string{}
		wg    sync.WaitGroup
	)
	enough := make(chan struct{})
	var once sync.Once
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := c.Dial(1)
			if err != nil {
				return
			}
			defer cl.Close()
			cl.SetTimeout(5 * time.Second)
			for i := 0; ; i++ {
				p, v := fmt.Sprintf("/load/w%d/%05d", w, i), fmt.Sprintf("%d-%d", w, i)
				if _, err := cl.CDBSet(p, store.String(v)); err != nil {
					return // the primary died
				}
				mu.Lock()
				acked[p] = v
				if len(acked) >= 400 {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-enough:
	case <-time.After(deadline):
		t.Fatal("the write load made no progress")
	}
	if err := c.Kill(1); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d commits acknowledged before the kill", len(acked))

	check := func(name string, cl *client.Client) {
		_, es, err := cl.CDBDump("/load/")
		if err != nil {
			t.Fatalf("%s: dump: %v", name, err)
		}
		have := map[string]string{}
		for _, e := range es {
			have[e.Path] = e.Value.Str()
		}
		for p, v := range acked {
			if have[p] != v {
				t.Fatalf("%s lost acknowledged commit %s=%s (has %q)", name, p, v, have[p])
			}
		}
	}
	// The secondary had every acknowledged commit durably.
	check("n2", h2)
	if err := c.Start(1); err != nil {
		t.Fatal(err)
	}
	r1 := waitDial(t, c, 1)
	check("restarted n1", r1)
	// The restarted node is in role none and writable again.
	if st, err := r1.HAStatus(); err != nil || st.State != 1 {
		t.Fatalf("restarted n1: %+v %v, want state none", st, err)
	}
	if _, err := r1.CDBSet("/after", store.Bool(true)); err != nil {
		t.Fatal(err)
	}
	var ce *client.Error
	if _, err := r1.CDBGet("/missing"); !errors.As(err, &ce) || client.CodeOf(err) != wire.CodeNoValue {
		t.Fatalf("get of a missing path: %v", err)
	}
}
