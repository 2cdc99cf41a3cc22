package haitest

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/wire"
)

// watcher follows one node's change feed (client.CDBWatch) and keeps what
// it saw, reconnecting with its last txid when the node comes back.
type watcher struct {
	t    *testing.T
	name string

	mu     sync.Mutex
	events []client.ChangeEvent
	last   uint64
	model  map[string]string // the data under the prefix, as the events say
	reread func() map[string]string
}

const watchPrefix = "/fo/"

// follow reads events from cl until the connection ends. On a resync
// notice it re-reads the data, as a subscriber must.
func (w *watcher) follow(cl *client.Client, done chan<- struct{}) {
	defer close(done)
	for ev := range cl.Events() {
		e, err := client.ChangeEventOf(ev)
		if err != nil {
			w.t.Errorf("%s: %v", w.name, err)
			return
		}
		w.mu.Lock()
		w.events = append(w.events, e)
		w.last = e.Txid
		if e.Resync {
			w.model = w.reread()
		}
		for _, ch := range e.Changes {
			if ch.New.Type() == 0 {
				delete(w.model, ch.Path)
			} else {
				w.model[ch.Path] = ch.New.String()
			}
		}
		w.mu.Unlock()
	}
}

// start subscribes on node i, from now or resuming after w.last.
func (w *watcher) start(t *testing.T, c *nodetest.Cluster, i int, resume bool) (*client.Client, chan struct{}) {
	cl := waitDial(t, c, i)
	cl.SetTimeout(deadline)
	reader := waitDial(t, c, i)
	w.mu.Lock()
	after := w.last
	w.reread = func() map[string]string {
		_, es, err := reader.CDBDump(watchPrefix)
		if err != nil {
			t.Errorf("%s: re-read: %v", w.name, err)
		}
		m := map[string]string{}
		for _, e := range es {
			m[e.Path] = e.Value.String()
		}
		return m
	}
	w.mu.Unlock()
	at, err := cl.CDBWatch(watchPrefix, resume, after)
	if err != nil {
		t.Fatalf("%s: watch on n%d: %v", w.name, i, err)
	}
	if !resume {
		w.mu.Lock()
		w.last = at
		w.mu.Unlock()
	}
	done := make(chan struct{})
	go w.follow(cl, done)
	return cl, done
}

func (w *watcher) lastTxid() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// acks records the commits the writer saw acknowledged, by txid (a txid
// the old primary used for a commit it never acknowledged may be reused
// by the new one: the later write wins, as in the surviving stores).
type acks struct {
	mu       sync.Mutex
	byTx     map[uint64][2]string
	attempts int
}

// write commits n values on cl from key number from on, and returns where
// it stopped. Every attempt writes a value never written before, so every
// commit changes something (the feed sends nothing for a transaction that
// changes nothing under the prefix, such as rewriting a value that a
// commit the writer never saw acknowledged had already stored).
func (a *acks) write(cl *client.Client, n, from int) int {
	for k := from; k < from+n; k++ {
		a.mu.Lock()
		a.attempts++
		key, val := fmt.Sprintf("%s%03d", watchPrefix, k%40), strconv.Itoa(k)+"/"+strconv.Itoa(a.attempts)
		a.mu.Unlock()
		tx, err := cl.CDBSet(key, store.String(val))
		if err != nil {
			return k
		}
		a.mu.Lock()
		a.byTx[tx] = [2]string{key, val}
		a.mu.Unlock()
	}
	return from + n
}

func (a *acks) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.byTx)
}

func (a *acks) maxTxid() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	var m uint64
	for tx := range a.byTx {
		m = max(m, tx)
	}
	return m
}

// TestFailoverWatchersSeeEveryCommitOnce: n1 primary with secondaries n2
// and n3 (sync mode), a watcher on each node, one writer committing in
// sequence; n1 is SIGKILLed mid-load, the most advanced secondary is
// promoted and the other follows it, the writer goes on there, n1 comes
// back as a secondary and its watcher resumes with its last txid.
//
// The watchers on the surviving nodes have then seen every acknowledged
// commit exactly once, in txid order, with the value the writer wrote: as
// its own event, or inside the difference of a full copy (a Reset event,
// when a lagging secondary had to copy its new primary). The old primary's
// watcher has seen an ordered stream with the acknowledged commits' values,
// and after its node restarted either the continuation or a notice to
// re-read (the feed's history does not survive a restart); a commit its
// node made but never got acknowledged may be among what it saw before the
// kill, and is then undone by the full copy its node receives. Every
// watcher's picture of the data equals the store's.
func TestFailoverWatchersSeeEveryCommitOnce(t *testing.T) {
	c := startCluster(t, 3)
	h := []*client.Client{nil, haConn(t, c, 1), haConn(t, c, 2), haConn(t, c, 3)}
	if err := h[1].BePrimary("n1"); err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 3; i++ {
		if err := h[i].BeSecondary(fmt.Sprintf("n%d", i), "n1", "", true); err != nil {
			t.Fatal(err)
		}
	}
	waitHA(t, h[1], "two in-sync secondaries", func(s *wire.HAStatus) bool {
		return len(s.Peers) == 2 && s.Peers[0].InSync && s.Peers[1].InSync
	})
	ws := []*watcher{nil, {t: t, name: "w1", model: map[string]string{}},
		{t: t, name: "w2", model: map[string]string{}}, {t: t, name: "w3", model: map[string]string{}}}
	conns := make([]*client.Client, 4)
	dones := make([]chan struct{}, 4)
	for i := 1; i <= 3; i++ {
		conns[i], dones[i] = ws[i].start(t, c, i, false)
	}
	a := &acks{byTx: map[uint64][2]string{}}
	w1 := waitDial(t, c, 1)
	next := a.write(w1, 60, 0)

	// Kill the primary in the middle of further commits.
	killed := make(chan int)
	go func() { killed <- a.write(w1, 100000, next) }()
	waitFor(t, "20 more commits on n1", func() bool { return a.count() >= 80 })
	if err := c.Kill(1); err != nil {
		t.Fatal(err)
	}
	next = <-killed
	killAck := a.maxTxid()
	<-dones[1]

	// The framework promotes the most advanced secondary once both noticed.
	var st [4]*wire.HAStatus
	for i := 2; i <= 3; i++ {
		st[i] = waitHA(t, h[i], "NOPRIMARY", func(s *wire.HAStatus) bool { return s.State == 1 })
	}
	p, s := 2, 3
	if st[3].Txid > st[2].Txid {
		p, s = 3, 2
	}
	pn, sn := fmt.Sprintf("n%d", p), fmt.Sprintf("n%d", s)
	t.Logf("last acknowledged txid %d; n2 at %d, n3 at %d; promoting %s", killAck, st[2].Txid, st[3].Txid, pn)
	if err := h[p].BePrimary(pn); err != nil {
		t.Fatal(err)
	}
	if err := h[s].BeSecondary(sn, pn, "", true); err != nil {
		t.Fatal(err)
	}
	wp := waitDial(t, c, p)
	next = a.write(wp, 60, next)

	// n1 comes back as a secondary of the new primary; its watcher resumes.
	if err := c.Start(1); err != nil {
		t.Fatal(err)
	}
	conns[1], dones[1] = ws[1].start(t, c, 1, true)
	h[1] = haConn(t, c, 1)
	if err := h[1].BeSecondary("n1", pn, "", true); err != nil {
		t.Fatal(err)
	}
	a.write(wp, 30, next)

	final, es, err := wp.CDBDump(watchPrefix)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, e := range es {
		want[e.Path] = e.Value.String()
	}
	for i := 1; i <= 3; i++ {
		w := ws[i]
		waitFor(t, w.name+" caught up", func() bool { return w.lastTxid() == final })
		conns[i].Close()
		<-dones[i]
		checkWatcher(t, w, a, want, i == 1, killAck)
	}
}

// checkWatcher checks one watcher (see TestFailoverWatchersSeeEveryCommitOnce).
// oldPrimary: w watched the primary that was killed, whose commits after
// killAck were never acknowledged.
func checkWatcher(t *testing.T, w *watcher, a *acks, want map[string]string, oldPrimary bool, killAck uint64) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	seen := map[uint64]int{}
	first := w.events[0].Prev
	last, resets, resyncs := first, 0, 0
	for n, e := range w.events {
		if e.Prev != last {
			t.Fatalf("%s: event %d (txid %d) follows %d, the last seen was %d", w.name, n, e.Txid, e.Prev, last)
		}
		switch {
		case e.Resync:
			if !oldPrimary {
				t.Fatalf("%s: event %d is a re-read notice", w.name, n)
			}
			resyncs++
		case e.Reset:
			resets++
			for tx := e.Prev + 1; tx <= e.Txid; tx++ {
				seen[tx]++
			}
		default:
			if e.Txid != e.Prev+1 {
				t.Fatalf("%s: event %d: commit %d after %d", w.name, n, e.Txid, e.Prev)
			}
			seen[e.Txid]++
			kv, ok := a.byTx[e.Txid]
			unacked := oldPrimary && e.Txid > killAck && resets+resyncs == 0 // made by n1 before the kill
			if ok && !unacked && (len(e.Changes) != 1 || e.Changes[0].Path != kv[0] || e.Changes[0].New.String() != kv[1]) {
				t.Fatalf("%s: txid %d shows %+v, the writer committed %s=%s", w.name, e.Txid, e.Changes, kv[0], kv[1])
			}
		}
		last = e.Txid
	}
	if !oldPrimary {
		for tx := range a.byTx {
			if tx > first && seen[tx] != 1 {
				t.Fatalf("%s: acknowledged txid %d seen %d times", w.name, tx, seen[tx])
			}
		}
	}
	if len(w.model) != len(want) {
		t.Fatalf("%s: %d paths, the store has %d", w.name, len(w.model), len(want))
	}
	for p, v := range want {
		if w.model[p] != v {
			t.Fatalf("%s: %s = %q, the store has %q", w.name, p, w.model[p], v)
		}
	}
	t.Logf("%s: %d events, txids %d..%d, %d full-copy resets, %d re-read notices", w.name, len(w.events), first+1, last, resets, resyncs)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("%s: not reached within %v", what, deadline)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
