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

	discards int // Reset events that withdrew commits (checkWatcher)
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
func (a *acks) write(cl *client.Client, n, from int) (int, error) {
	for k := from; k < from+n; k++ {
		a.mu.Lock()
		a.attempts++
		key, val := fmt.Sprintf("%s%03d", watchPrefix, k%40), strconv.Itoa(k)+"/"+strconv.Itoa(a.attempts)
		a.mu.Unlock()
		tx, err := cl.CDBSet(key, store.String(val))
		if err != nil {
			return k, err
		}
		a.mu.Lock()
		a.byTx[tx] = [2]string{key, val}
		a.mu.Unlock()
	}
	return from + n, nil
}

// mustWrite writes like write; every commit must succeed.
func (a *acks) mustWrite(t *testing.T, cl *client.Client, n, from int) int {
	t.Helper()
	k, err := a.write(cl, n, from)
	if err != nil {
		t.Fatalf("commit %d of %d: %v", k-from+1, n, err)
	}
	return k
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

// roles is how a failover test's cluster gets its HA roles: from the test
// acting as the HA framework (external mode) or from the cluster itself
// (auto mode).
type roles interface {
	// initial returns the primary, once it has two in-sync secondaries.
	initial(t *testing.T) int
	// kill SIGKILLs primary k while a commits there with cl from key
	// number next on, and returns where the writer stopped.
	kill(t *testing.T, k int, a *acks, cl *client.Client, next int) int
	// promote returns the new primary after primary k was killed, once it
	// accepts writes.
	promote(t *testing.T, k int) int
	// rejoin makes the restarted node k a secondary of primary p and
	// returns once p has two in-sync secondaries again.
	rejoin(t *testing.T, k, p int)
}

// TestFailoverWatchersSeeEveryCommitOnce: external mode (the test is the
// HA framework): n1 primary with secondaries n2 and n3 (sync mode); the
// most advanced secondary is promoted once both noticed the primary's
// death and the other follows it; n1 comes back as a secondary.
func TestFailoverWatchersSeeEveryCommitOnce(t *testing.T) {
	c := startCluster(t, 3)
	failoverWatch(t, c, &externalRoles{c: c, h: make([]*client.Client, 4)})
}

// TestFailoverWatchersSeeEveryCommitOnceAuto: the same in auto mode: the
// CMM master is the primary, a survivor holding every acknowledged commit
// takes over (the vice-master, or the one holding more), the restarted
// node rejoins as a secondary by itself. When the new primary lacks a
// commit the other survivor received (never acknowledged: the primary
// died between its sends), that survivor's copy discards it and its
// watcher sees it withdrawn (a Reset with Discarded); so does the old
// primary's, for its own last commits.
func TestFailoverWatchersSeeEveryCommitOnceAuto(t *testing.T) {
	c := startClusterWith(t, 3, "200ms", `mode = "auto"`)
	failoverWatch(t, c, &autoRoles{externalRoles{c: c}})
}

// failoverWatch: a watcher on each of the three nodes, one writer
// committing in sequence on the primary; the primary is SIGKILLed
// mid-load, another node takes over (r), the writer goes on there, the
// killed node comes back as a secondary and its watcher resumes with its
// last txid.
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
func failoverWatch(t *testing.T, c *nodetest.Cluster, r roles) {
	k := r.initial(t)
	ws := []*watcher{nil, {t: t, name: "w1", model: map[string]string{}},
		{t: t, name: "w2", model: map[string]string{}}, {t: t, name: "w3", model: map[string]string{}}}
	conns := make([]*client.Client, 4)
	dones := make([]chan struct{}, 4)
	for i := 1; i <= 3; i++ {
		conns[i], dones[i] = ws[i].start(t, c, i, false)
	}
	a := &acks{byTx: map[uint64][2]string{}}
	next := a.mustWrite(t, waitDial(t, c, k), 60, 0)

	// Kill the primary in the middle of further commits.
	next = r.kill(t, k, a, waitDial(t, c, k), next)
	killAck := a.maxTxid()
	<-dones[k]

	p := r.promote(t, k)
	t.Logf("n%d killed after acknowledged txid %d; n%d took over", k, killAck, p)
	wp := waitDial(t, c, p)
	next = a.mustWrite(t, wp, 60, next)

	// The killed node comes back as a secondary; its watcher resumes.
	if err := c.Start(k); err != nil {
		t.Fatal(err)
	}
	conns[k], dones[k] = ws[k].start(t, c, k, true)
	r.rejoin(t, k, p)
	a.mustWrite(t, wp, 30, next)

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
		checkWatcher(t, w, a, want, i == k, killAck)
	}
}

// externalRoles: the test is the HA framework (confd_ha_* role commands).
type externalRoles struct {
	c *nodetest.Cluster
	h []*client.Client // HA control connections by node
}

func (r *externalRoles) initial(t *testing.T) int {
	for i := 1; i <= 3; i++ {
		r.h[i] = haConn(t, r.c, i)
	}
	if err := r.h[1].BePrimary("n1"); err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 3; i++ {
		if err := r.h[i].BeSecondary(fmt.Sprintf("n%d", i), "n1", "", true); err != nil {
			t.Fatal(err)
		}
	}
	waitHA(t, r.h[1], "two in-sync secondaries", func(s *wire.HAStatus) bool {
		return len(s.Peers) == 2 && s.Peers[0].InSync && s.Peers[1].InSync
	})
	return 1
}

// kill: after 20 more commits, whichever commit is under way.
func (r *externalRoles) kill(t *testing.T, k int, a *acks, cl *client.Client, next int) int {
	killed := make(chan int)
	go func() {
		n, _ := a.write(cl, 100000, next) // fails once k is dead
		killed <- n
	}()
	want := a.count() + 20
	waitFor(t, "20 more commits on the primary", func() bool { return a.count() >= want })
	if err := r.c.Kill(k); err != nil {
		t.Fatal(err)
	}
	return <-killed
}

// promote promotes the most advanced survivor once both noticed, the
// other follows it.
func (r *externalRoles) promote(t *testing.T, k int) int {
	var st [4]*wire.HAStatus
	var alive []int
	for i := 1; i <= 3; i++ {
		if i != k {
			st[i] = waitHA(t, r.h[i], "NOPRIMARY", func(s *wire.HAStatus) bool { return s.State == 1 })
			alive = append(alive, i)
		}
	}
	p, s := alive[0], alive[1]
	if st[s].Txid > st[p].Txid {
		p, s = s, p
	}
	t.Logf("n%d at txid %d, n%d at %d", p, st[p].Txid, s, st[s].Txid)
	if err := r.h[p].BePrimary(fmt.Sprintf("n%d", p)); err != nil {
		t.Fatal(err)
	}
	if err := r.h[s].BeSecondary(fmt.Sprintf("n%d", s), fmt.Sprintf("n%d", p), "", true); err != nil {
		t.Fatal(err)
	}
	return p
}

func (r *externalRoles) rejoin(t *testing.T, k, p int) {
	r.h[k] = haConn(t, r.c, k)
	if err := r.h[k].BeSecondary(fmt.Sprintf("n%d", k), fmt.Sprintf("n%d", p), "", true); err != nil {
		t.Fatal(err)
	}
	waitHA(t, r.h[p], "two in-sync secondaries", func(s *wire.HAStatus) bool {
		return len(s.Peers) == 2 && s.Peers[0].InSync && s.Peers[1].InSync
	})
}

// autoRoles: the cluster chooses (ha mode "auto"); the test only watches
// the HA status. The primary is killed as in external mode.
type autoRoles struct{ externalRoles }

// writable waits for a node other than not that accepts writes with two
// in-sync secondaries (need) or at least one.
func (r *autoRoles) writable(t *testing.T, not, need int, what string) int {
	t.Helper()
	var p int
	waitFor(t, what, func() bool {
		for i := 1; i <= 3; i++ {
			if i == not {
				continue
			}
			cl, err := r.c.Dial(i)
			if err != nil {
				continue
			}
			cl.SetTimeout(deadline)
			s, err := cl.HAStatus()
			cl.Close()
			if err != nil || s.Auto == nil || !s.Auto.Writable || s.Auto.Primary != fmt.Sprintf("n%d", i) {
				continue
			}
			in := 0
			for _, q := range s.Peers {
				if q.InSync {
					in++
				}
			}
			if in >= need {
				p = i
				return true
			}
		}
		return false
	})
	return p
}

func (r *autoRoles) initial(t *testing.T) int {
	return r.writable(t, 0, 2, "a writable primary with two in-sync secondaries")
}

func (r *autoRoles) promote(t *testing.T, k int) int {
	return r.writable(t, k, 1, "a writable primary among the survivors")
}

func (r *autoRoles) rejoin(t *testing.T, k, p int) {
	if q := r.writable(t, 0, 2, fmt.Sprintf("n%d back in sync", k)); q != p {
		t.Fatalf("n%d is primary after n%d rejoined, n%d was", q, k, p)
	}
}

// checkWatcher checks one watcher (see failoverWatch). oldPrimary: w
// watched the primary that was killed, whose commits after killAck were
// never acknowledged.
//
// A Reset with Discarded [from, to] withdraws the commit events with those
// txids seen before it, and stands for the commits of the new line from
// txid from on (or Prev+1 when nothing was discarded) up to its Txid.
// Every other commit event must show what the writer committed with that
// txid, if the writer saw it acknowledged. The old primary's watcher is
// spared that check for its commits after killAck, when nothing withdraws
// them (external mode: the node cannot tell which of its commits the
// copy from the new primary discards); its Reset undoes them all the same.
func checkWatcher(t *testing.T, w *watcher, a *acks, want map[string]string, oldPrimary bool, killAck uint64) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	// Which commit events a later Reset withdrew.
	withdrawn := map[int]bool{}
	for n, e := range w.events {
		if !e.Reset || e.Discarded == [2]uint64{} {
			continue
		}
		w.discards++
		if e.Discarded[1] != e.Prev || e.Discarded[0] > e.Discarded[1] {
			t.Fatalf("%s: event %d: reset %d->%d discards %v", w.name, n, e.Prev, e.Txid, e.Discarded)
		}
		for m := range n {
			if tx := w.events[m].Txid; !w.events[m].Reset && !w.events[m].Resync && tx >= e.Discarded[0] && tx <= e.Discarded[1] {
				withdrawn[m] = true
			}
		}
	}
	seen := map[uint64]int{}
	first := w.events[0].Prev
	last, resets, resyncs := first, 0, 0
	for n, e := range w.events {
		if e.Prev != last {
			t.Fatalf("%s: event %d (txid %d) follows %d, the last seen was %d", w.name, n, e.Txid, e.Prev, last)
		}
		last = e.Txid
		switch {
		case e.Resync:
			if !oldPrimary {
				t.Fatalf("%s: event %d is a re-read notice", w.name, n)
			}
			resyncs++
		case e.Reset:
			resets++
			from := e.Prev + 1
			if e.Discarded != [2]uint64{} {
				from = e.Discarded[0]
			}
			for tx := from; tx <= e.Txid; tx++ {
				seen[tx]++
			}
		case e.Txid != e.Prev+1:
			t.Fatalf("%s: event %d: commit %d after %d", w.name, n, e.Txid, e.Prev)
		case withdrawn[n]:
		default:
			seen[e.Txid]++
			kv, ok := a.byTx[e.Txid]
			spared := oldPrimary && e.Txid > killAck && resets+resyncs == 0
			if ok && !spared && (len(e.Changes) != 1 || e.Changes[0].Path != kv[0] || e.Changes[0].New.String() != kv[1]) {
				t.Fatalf("%s: txid %d shows %+v, the writer committed %s=%s", w.name, e.Txid, e.Changes, kv[0], kv[1])
			}
		}
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
	t.Logf("%s: %d events, txids %d..%d, %d full-copy resets (%d withdrawing %d commits), %d re-read notices",
		w.name, len(w.events), first+1, last, resets, w.discards, len(withdrawn), resyncs)
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
