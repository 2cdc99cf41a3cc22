package haitest

// Auto mode on real gohad processes under faults, with writers recording
// every acknowledged commit (rig_test.go), in a 3-data-node cluster and in
// 2 data nodes and a witness: SIGKILL of the primary; SIGSTOP of the
// primary past failure_timeout, then SIGCONT; a wiped data directory;
// switchovers under load; majority/minority network partitions (network
// namespaces, netlab_test.go); and the cases of the fault
// campaign: a stale master coming back through a bridge node, a
// whole-cluster restart with the lowest id holding older data, a wiped
// node, a stopped primary with a queued write, and writes with no
// secondary in sync. After each: every acknowledged write on the primary
// and every in-sync secondary, and no two nodes accepting writes at once
// by the daemons' own logs.

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

// other returns the data node of r other than i (2 data nodes), or the
// first one that is neither i nor in not.
func (r *rig) other(i int, not ...int) int {
	for _, j := range r.data() {
		if j != i && !contains(not, j) {
			return j
		}
	}
	r.tb.Fatalf("no data node other than n%d and %v", i, not)
	return 0
}

func contains(s []int, x int) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// TestAutoRealKill: SIGKILL of the primary under load. With 3 data nodes
// the in-sync secondary that takes over accepts writes at once; with 2
// and a witness it is elected but, min_sync being 1, accepts writes only
// once the old primary is back and in sync. The killed node comes back as
// a secondary.
func TestAutoRealKill(t *testing.T) {
	for _, topo := range bothTopologies {
		t.Run(topo.name, func(t *testing.T) {
			r := newRig(t, topo, "", nil)
			stop := r.writers(2)
			p := r.writable()
			r.waitAcks(0, 20, "writes on the primary", by(p))
			m := r.mark()
			r.kill(p)
			killed := bootNow()
			if topo.witness == 0 {
				a := r.waitAcks(m, 1, "a write acknowledged by a new primary", notBy(p))
				t.Logf("SIGKILL of n%d: first write acknowledged by n%d %v later", p, a.node, (a.at - killed).Round(time.Millisecond))
			} else {
				q := r.other(p)
				r.waitFor(fmt.Sprintf("n%d primary", q), func() bool { return r.isPrimary(q) })
			}
			r.start(p)
			r.waitAcks(r.mark(), 20, "writes after the old primary rejoined", notBy(p))
			stop()
			r.verify("kill " + topo.name)
		})
	}
}

// TestAutoRealStop: SIGSTOP of the primary until another node was
// elected, with a write queued on the stopped primary's control socket,
// then SIGCONT. The queued write is refused (the case (a): the
// lease is checked when a write would be acknowledged), the old primary
// refuses writes, rejoins as a secondary, and nothing acknowledged is
// lost.
func TestAutoRealStop(t *testing.T) {
	for _, topo := range bothTopologies {
		t.Run(topo.name, func(t *testing.T) {
			r := newRig(t, topo, "", nil)
			stop := r.writers(2)
			p := r.writable()
			r.waitAcks(0, 20, "writes on the primary", by(p))
			probe, err := r.c.Dial(p)
			if err != nil {
				t.Fatal(err)
			}
			defer probe.Close()
			probe.SetTimeout(2 * deadline)
			m := r.mark()
			r.signal(p, syscall.SIGSTOP)
			stopped := bootNow()
			type res struct {
				txid uint64
				err  error
				at   time.Duration
			}
			queued := make(chan res, 1)
			go func() {
				txid, err := probe.CDBSetText("/rec/queued", "/rec/queued")
				queued <- res{txid, err, bootNow()}
			}()
			q := 0
			if topo.witness == 0 {
				q = r.waitAcks(m, 5, "writes on a new primary while the old one is stopped", notBy(p)).node
			} else {
				q = r.other(p)
				r.waitFor(fmt.Sprintf("n%d primary", q), func() bool { return r.isPrimary(q) })
			}
			if since := bootNow() - stopped; since < autoFailureTime {
				t.Fatalf("n%d elected %v after the SIGSTOP, within failure_timeout", q, since)
			}
			r.signal(p, syscall.SIGCONT)
			qr := <-queued
			if qr.err == nil {
				// Judged like any acknowledged write: it must be kept, and
				// fall in an interval where n%d alone accepted writes.
				r.record(ack{key: "/rec/queued", node: p, txid: qr.txid, sent: stopped, at: qr.at})
				t.Errorf("the write queued on the stopped primary n%d was acknowledged after SIGCONT (txid %d)", p, qr.txid)
			} else {
				t.Logf("write queued on the stopped n%d: %v", p, qr.err)
			}
			// The old primary refuses writes and follows the new one.
			r.waitFor(fmt.Sprintf("n%d a secondary of n%d", p, q), func() bool {
				st, err := r.status(p)
				return err == nil && st.State == 2 && st.Auto.Primary == r.name(q) && !st.Auto.Writable
			})
			if _, err := r.cls[p].CDBSetText("/x", "1"); client.CodeOf(err) != wire.CodeNotWritable {
				t.Fatalf("write on the resumed old primary n%d: %v, want not writable", p, err)
			}
			r.waitAcks(r.mark(), 20, "writes after SIGCONT", by(q))
			stop()
			r.verify("stop " + topo.name)
		})
	}
}

// TestAutoRealWipe: a node restarted with a wiped data directory resyncs
// and holds every acknowledged write. With 3 data nodes a secondary is
// wiped under load. With 2 and a witness every node is stopped, the data
// node with the lowest id is wiped and started with the witness only: the
// two are quorate, yet the wiped node must not be elected (the issue's
// campaign: a wiped node was elected master with txid 0 and every key was
// lost); once the other data node is back, that one is primary and the
// wiped one syncs from it.
func TestAutoRealWipe(t *testing.T) {
	t.Run(threeData.name, func(t *testing.T) {
		r := newRig(t, threeData, "", nil)
		stop := r.writers(2)
		p := r.writable()
		r.waitAcks(0, 20, "writes on the primary", by(p))
		s := r.other(p)
		r.kill(s)
		r.wipe(s)
		r.waitAcks(r.mark(), 10, "writes without the wiped node", by(p))
		r.start(s)
		r.waitAcks(r.mark(), 20, "writes after the wiped node restarted", func(ack) bool { return true })
		stop()
		r.verify("wiped secondary")
	})
	t.Run(twoDataWitness.name, func(t *testing.T) {
		r := newRig(t, twoDataWitness, "", nil)
		stop := r.writers(2)
		p := r.writable()
		r.waitAcks(0, 30, "writes on the primary", by(p))
		stop()
		r.verify("before the wipe")
		for i := 1; i <= 3; i++ {
			r.kill(i)
		}
		r.wipe(1)
		restarted := bootNow()
		r.start(1)
		r.start(3)
		for _, i := range []int{1, 3} {
			if _, err := r.c.WaitFor(i, deadline, "a quorate view of n1 and the witness", func(st *wire.Status) bool {
				return st.Quorum.Quorate && len(st.Members) == 2
			}); err != nil {
				t.Fatal(err)
			}
		}
		// n1 and the witness agree on a quorate view: n1 is no candidate.
		// Watch a window of 5 failure timeouts (several elections' worth).
		end := time.Now().Add(5 * autoFailureTime)
		for time.Now().Before(end) {
			st, err := r.status(1)
			if err != nil || st.State == 3 || st.Auto.Writable {
				t.Fatalf("wiped n1 with the witness: %+v %v (it must not be elected)", st, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if g := r.gateOpenedSince(restarted); len(g) > 0 {
			t.Fatalf("a node accepted writes with only the wiped n1 and the witness up: %+v", g)
		}
		st, _ := r.status(1)
		t.Logf("wiped n1 with the witness, not elected: state %d, %s", st.State, st.Auto.Why)
		r.start(2)
		r.waitFor("n2 primary", func() bool { return r.isPrimary(2) })
		stop = r.writers(2)
		r.waitAcks(r.mark(), 20, "writes on n2 after n1 resynced", by(2))
		stop()
		r.verify("wiped n1 and the witness, then n2")
	})
}

// TestAutoRealSwitchover: planned switchovers (gohactl switchover NODE)
// while two writers write: each hands the primary role to the named
// in-sync secondary; no acknowledged write is lost and the old and new
// primary never accept writes at the same time.
func TestAutoRealSwitchover(t *testing.T) {
	for _, topo := range bothTopologies {
		t.Run(topo.name, func(t *testing.T) {
			r := newRig(t, topo, "", nil)
			stop := r.writers(2)
			for k := range 3 {
				p := r.writable()
				target := next(r.data(), p)
				r.waitFor("every data node in sync", func() bool {
					st, err := r.status(p)
					return err == nil && len(st.Auto.Sync) == len(r.data())-1
				})
				m := r.mark()
				r.waitAcks(m, 10, "writes on the primary", by(p))
				m = r.mark()
				asked := bootNow()
				if err := r.cls[p].Switchover(r.name(target)); err != nil {
					t.Fatalf("switchover %d from n%d to n%d: %v", k, p, target, err)
				}
				a := r.waitAcks(m, 1, fmt.Sprintf("a write on n%d", target), by(target))
				t.Logf("switchover n%d -> n%d: first write on n%d %v after the request", p, target, target, (a.at - asked).Round(time.Millisecond))
				r.waitAcks(r.mark(), 10, "writes on the new primary", by(target))
			}
			stop()
			r.verify("switchovers " + topo.name)
		})
	}
}

// TestAutoRealNoSecondaryInSync is the campaign's case (b): sync mode
// acknowledged writes with zero secondaries in sync, and killing the
// primary then lost them. 2 data nodes and a witness, min_sync 1: with the
// secondary dead the primary acknowledges nothing; once the secondary is
// back, the primary is SIGKILLed right after the first write it
// acknowledges, and the secondary, elected, holds it.
func TestAutoRealNoSecondaryInSync(t *testing.T) {
	r := newRig(t, twoDataWitness, "", nil)
	stop := r.writers(2)
	p := r.writable()
	s := r.other(p)
	r.waitAcks(0, 20, "writes on the primary", by(p))
	r.kill(s)
	dead := bootNow()
	r.waitFor("writes refused for want of an in-sync secondary", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.errs[wire.CodeUnavailable] > 0
	})
	r.mu.Lock()
	for _, a := range r.acked {
		// Requests sent before the secondary was seen gone may have had
		// its acknowledgement; none sent later may succeed.
		if a.sent > dead {
			r.mu.Unlock()
			t.Fatalf("n%d acknowledged %s (sent %v after its only secondary died at %v)", a.node, a.key, a.sent, dead)
		}
	}
	r.mu.Unlock()
	m := r.mark()
	r.start(s)
	a := r.waitAcks(m, 1, "the first write with the secondary back", by(p))
	r.kill(p)
	stop()
	t.Logf("n%d killed right after acknowledging %s (txid %d)", p, a.key, a.txid)
	r.waitFor(fmt.Sprintf("n%d primary", s), func() bool { return r.isPrimary(s) })
	if v, err := r.cls[s].CDBGet(a.key); err != nil || v.Str() != a.key {
		t.Fatalf("n%d, elected, lacks %s: %v %v", s, a.key, v, err)
	}
	r.start(p)
	r.verify("no secondary in sync")
}

// TestAutoRealWholeRestart is the campaign's whole-cluster restart: n1,
// the lowest id, is killed and misses writes, then n2 and n3 are killed
// too and all three start together. After a restart CMM's plain rule
// would make the lowest id master whatever it holds; the first node to
// accept writes must hold every acknowledged one, so it is not n1.
func TestAutoRealWholeRestart(t *testing.T) {
	r := newRig(t, threeData, "", nil)
	stop := r.writers(2)
	r.waitAcks(0, 20, "writes", func(ack) bool { return true })
	r.kill(1)
	r.waitAcks(r.mark(), 30, "writes without n1", notBy(1))
	stop()
	r.kill(2)
	r.kill(3)
	restarted := bootNow()
	for i := 1; i <= 3; i++ {
		r.start(i)
	}
	first := 0
	r.waitFor("a node accepting writes after the restart", func() bool {
		if g := r.gateOpenedSince(restarted); len(g) > 0 {
			first = g[0].node
			return true
		}
		return false
	})
	if first == 1 {
		t.Fatalf("n1, which missed acknowledged writes, accepted writes first after the whole-cluster restart")
	}
	t.Logf("after the whole-cluster restart n%d accepted writes first", first)
	stop = r.writers(2)
	r.waitAcks(r.mark(), 20, "writes after the restart", func(ack) bool { return true })
	stop()
	r.verify("whole-cluster restart")
}

// TestAutoRealPartition: a majority/minority network partition under load
// (network namespaces): the primary is cut off from every other node.
// The minority primary stops accepting writes before the majority elects
// a new one (with 3 data nodes it takes writes at once; with 2 and a
// witness once the old primary is back); after the heal the old primary
// rejoins as a secondary and nothing acknowledged is lost. In 5 data
// nodes, the primary and one secondary are cut off from the other three.
func TestAutoRealPartition(t *testing.T) {
	five := topology{"5data", 5, 0}
	for _, topo := range []topology{threeData, twoDataWitness, five} {
		t.Run(topo.name, func(t *testing.T) {
			lab := newNetlab(t, topo.nodes)
			r := newRig(t, topo, "", lab)
			stop := r.writers(2)
			p := r.writable()
			r.waitAcks(0, 20, "writes on the primary", by(p))
			m := r.mark()
			minority := []int{p}
			if topo.nodes == 5 {
				minority = append(minority, next(r.data(), p))
			}
			lab.split(minority...)
			cut := bootNow()
			if topo.witness == 0 {
				a := r.waitAcks(m, 10, "writes on the majority's new primary", notBy(p))
				t.Logf("partition %v | rest: first write on the majority's n%d %v after the cut", minority, a.node, (a.at - cut).Round(time.Millisecond))
			} else {
				q := r.other(p)
				r.waitFor(fmt.Sprintf("n%d primary", q), func() bool { return r.isPrimary(q) })
			}
			r.waitFor(fmt.Sprintf("n%d refusing writes", p), func() bool {
				st, err := r.status(p)
				return err == nil && !st.Auto.Writable
			})
			lab.heal()
			r.waitAcks(r.mark(), 20, "writes after the heal", notBy(p))
			stop()
			r.verify("partition " + topo.name)
		})
	}
}

// TestAutoRealBridge is the campaign's bridge node: the primary is cut off
// while the others elect a new primary and take writes; then only the
// link between the old primary and the third node comes back, so that
// node hears both sides while they do not hear each other. The stale
// former primary must not come back as master (in the campaign it did,
// through a view with no master, then one naming it again).
func TestAutoRealBridge(t *testing.T) {
	lab := newNetlab(t, 3)
	r := newRig(t, threeData, "", lab)
	stop := r.writers(2)
	p := r.writable()
	r.waitAcks(0, 20, "writes on the primary", by(p))
	m := r.mark()
	lab.isolate(p)
	q := r.waitAcks(m, 20, "writes on the majority's new primary", notBy(p)).node
	b := r.other(p, q)
	lab.link(p, b)
	bridged := bootNow()
	t.Logf("n%d isolated, n%d primary, n%d bridges them", p, q, b)
	end := time.Now().Add(10 * autoFailureTime)
	for time.Now().Before(end) {
		if r.isPrimary(p) {
			t.Fatalf("the stale n%d is primary again through the bridge n%d: %s", p, b, r.describe())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, v := range r.gateOpenedSince(bridged) {
		if v.node == p {
			t.Fatalf("the stale n%d accepted writes through the bridge n%d: %s", p, b, v.line)
		}
	}
	lab.heal()
	r.waitAcks(r.mark(), 20, "writes after the heal", notBy(p))
	stop()
	r.verify("bridge")
}
