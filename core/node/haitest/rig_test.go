package haitest

// rig: the harness of the auto-mode tests on real processes
// (autoreal_test.go). It runs a cluster in auto mode, writers that write
// without pause to whichever data node accepts writes and record every
// acknowledged commit, and the faults (SIGKILL, SIGSTOP/SIGCONT, a wiped
// data directory, switchovers, network partitions through netlab). After
// each scenario, verify checks that:
//
//   - every acknowledged commit is on the current primary and on every
//     secondary in sync with it, and these stores are identical;
//   - no two nodes accepted writes at overlapping times, as the daemons'
//     own logs tell: each logs its write gate's transitions with
//     CLOCK_BOOTTIME stamps (core/node/engine), one clock for every process
//     of the machine, so the intervals of different nodes compare
//     directly; a node killed while its gate was open accepted nothing
//     after the test saw it exit;
//   - every acknowledged write falls in an interval in which the node that
//     acknowledged it says it accepted writes (so the logs are complete and
//     the previous check is not vacuous).

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/wire"
)

// bootNow reads CLOCK_BOOTTIME, the clock of the daemons' gate logs.
func bootNow() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		panic(err)
	}
	return time.Duration(ts.Nano())
}

// topology is a cluster shape of the auto-mode tests.
type topology struct {
	name    string
	nodes   int
	witness int // the witness's index, 0 if none
}

var (
	threeData       = topology{"3data", 3, 0}
	twoDataWitness  = topology{"2data+witness", 3, 3}
	bothTopologies  = []topology{threeData, twoDataWitness}
	autoHeartbeat   = "30ms"
	autoFailure     = "300ms"
	autoFailureTime = 300 * time.Millisecond
)

// ack is a write acknowledged to a writer: its key (also its value), the
// node that acknowledged it, and when it was sent and acknowledged (boot
// clock).
type ack struct {
	key      string
	node     int
	txid     uint64
	sent, at time.Duration
}

// rig is a running auto-mode cluster with its writers' records.
type rig struct {
	tb   testing.TB
	topo topology
	c    *nodetest.Cluster
	cls  map[int]*client.Client // status connections of running nodes

	mu    sync.Mutex
	acked []ack
	errs  map[wire.Code]int
	ends  map[int][]time.Duration // when node i's process was seen gone
	hint  atomic.Int32            // the node that acknowledged last
	seq   atomic.Int64
}

// newRig starts topo in auto mode with extra [ha] keys; net, if not nil,
// puts every node in its own network namespace.
func newRig(tb testing.TB, topo topology, ha string, net *netlab) *rig {
	tb.Helper()
	spec := nodetest.Spec{
		Nodes: topo.nodes, Heartbeat: autoHeartbeat, FailureTimeout: autoFailure,
		HA: "mode = \"auto\"\ntick_timeout = \"1s\"\n" + ha, NodeExtra: map[int]string{},
	}
	if topo.witness != 0 {
		spec.NodeExtra[topo.witness] = "witness = true"
	}
	if net != nil {
		spec.NodeHost, spec.NodeExec = net.hosts(), net.execs()
	}
	c, err := nodetest.New(tb.TempDir(), gohad, spec)
	if err != nil {
		tb.Fatal(err)
	}
	c.StopOnCleanup(tb, 60)
	r := &rig{tb: tb, topo: topo, c: c, cls: map[int]*client.Client{}, errs: map[wire.Code]int{}, ends: map[int][]time.Duration{}}
	for i := 1; i <= topo.nodes; i++ {
		r.start(i)
	}
	return r
}

func (r *rig) name(i int) string { return fmt.Sprintf("n%d", i) }

// data returns the data nodes' indexes.
func (r *rig) data() []int {
	var out []int
	for i := 1; i <= r.topo.nodes; i++ {
		if i != r.topo.witness {
			out = append(out, i)
		}
	}
	return out
}

// running reports whether node i's process was started and not killed.
func (r *rig) running(i int) bool { return r.cls[i] != nil }

// start runs node i and connects to it.
func (r *rig) start(i int) {
	r.tb.Helper()
	if err := r.c.Start(i); err != nil {
		r.tb.Fatal(err)
	}
	end := time.Now().Add(deadline)
	for {
		cl, err := r.c.Dial(i)
		if err == nil {
			cl.SetTimeout(time.Second)
			r.cls[i] = cl
			return
		}
		if time.Now().After(end) {
			r.tb.Fatalf("n%d does not answer: %v", i, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// kill SIGKILLs node i and records when it was gone.
func (r *rig) kill(i int) {
	r.tb.Helper()
	if cl := r.cls[i]; cl != nil {
		cl.Close()
	}
	delete(r.cls, i)
	if err := r.c.Kill(i); err != nil {
		r.tb.Fatal(err)
	}
	r.mu.Lock()
	r.ends[i] = append(r.ends[i], bootNow())
	r.mu.Unlock()
}

// signal sends sig (SIGSTOP, SIGCONT) to node i.
func (r *rig) signal(i int, sig syscall.Signal) {
	r.tb.Helper()
	if err := r.c.Signal(i, sig); err != nil {
		r.tb.Fatal(err)
	}
}

// wipe removes node i's data directory (the node must not run).
func (r *rig) wipe(i int) {
	r.tb.Helper()
	if err := os.RemoveAll(r.c.DataDir(i)); err != nil {
		r.tb.Fatal(err)
	}
}

// status asks node i for its HA status.
func (r *rig) status(i int) (*wire.HAStatus, error) {
	cl := r.cls[i]
	if cl == nil {
		return nil, fmt.Errorf("n%d is not running", i)
	}
	st, err := cl.HAStatus()
	if err == nil && st.Auto == nil {
		err = fmt.Errorf("n%d: no auto-mode status", i)
	}
	return st, err
}

// waitFor polls until cond holds, failing the test at the deadline with
// what and the nodes' HA states.
func (r *rig) waitFor(what string, cond func() bool) {
	r.tb.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			r.tb.Fatalf("%s: not reached within %v; %s", what, deadline, r.describe())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// describe summarizes every running node's HA status.
func (r *rig) describe() string {
	var out []string
	for i := 1; i <= r.topo.nodes; i++ {
		st, err := r.status(i)
		switch {
		case err != nil:
			out = append(out, fmt.Sprintf("n%d: %v", i, err))
		default:
			out = append(out, fmt.Sprintf("n%d: state %d txid %d epoch %d primary %q sync %v writable %t (%s)",
				i, st.State, st.Txid, st.Auto.Epoch, st.Auto.Primary, st.Auto.Sync, st.Auto.Writable, st.Auto.Why))
		}
	}
	return strings.Join(out, "; ")
}

// isPrimary reports whether node i says it is the primary of its record
// (writable or not, e.g. short of min_sync).
func (r *rig) isPrimary(i int) bool {
	st, err := r.status(i)
	return err == nil && st.State == 3 && st.Auto.Primary == r.name(i)
}

// writable waits until a data node accepts writes and returns it.
func (r *rig) writable() int {
	r.tb.Helper()
	p := 0
	r.waitFor("a writable primary", func() bool {
		for _, i := range r.data() {
			if st, err := r.status(i); err == nil && st.Auto.Writable {
				p = i
				return true
			}
		}
		return false
	})
	return p
}

// ---- writers ----

// writers runs nw writers until the returned function is called (which
// waits for them). Each writes unique keys to the node that acknowledged
// last, and on a refusal or a timeout tries the next data node.
func (r *rig) writers(nw int) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range nw {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.writer(done)
		}()
	}
	return func() { close(done); wg.Wait() }
}

func (r *rig) writer(done <-chan struct{}) {
	conns := map[int]*client.Client{}
	defer func() {
		for _, cl := range conns {
			cl.Close()
		}
	}()
	data := r.data()
	target := int(r.hint.Load())
	if target == 0 {
		target = data[0]
	}
	for {
		select {
		case <-done:
			return
		default:
		}
		cl := conns[target]
		if cl == nil {
			var err error
			if cl, err = r.c.Dial(target); err != nil {
				target = next(data, target)
				time.Sleep(5 * time.Millisecond)
				continue
			}
			cl.SetTimeout(time.Second)
			conns[target] = cl
		}
		key := fmt.Sprintf("/rec/%06d", r.seq.Add(1))
		sent := bootNow()
		txid, err := cl.CDBSetText(key, key)
		at := bootNow()
		if err == nil {
			r.record(ack{key: key, node: target, txid: txid, sent: sent, at: at})
			r.hint.Store(int32(target))
			continue
		}
		r.mu.Lock()
		r.errs[client.CodeOf(err)]++
		r.mu.Unlock()
		if errors.Is(err, client.ErrDaemonGone) || errors.Is(err, client.ErrClosed) || cl.Err() != nil {
			cl.Close()
			delete(conns, target)
		}
		target = next(data, target)
		time.Sleep(3 * time.Millisecond)
	}
}

func next(data []int, i int) int {
	k := slices.Index(data, i)
	return data[(k+1)%len(data)]
}

func (r *rig) record(a ack) {
	r.mu.Lock()
	r.acked = append(r.acked, a)
	r.mu.Unlock()
}

// mark returns how many writes were acknowledged so far.
func (r *rig) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.acked)
}

// waitAcks waits until n writes acknowledged after mark satisfy ok, and
// returns the first of them.
func (r *rig) waitAcks(mark, n int, what string, ok func(ack) bool) ack {
	r.tb.Helper()
	var first ack
	r.waitFor(what, func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		k := 0
		for _, a := range r.acked[mark:] {
			if ok(a) {
				if k == 0 {
					first = a
				}
				if k++; k == n {
					return true
				}
			}
		}
		return false
	})
	return first
}

func by(i int) func(ack) bool    { return func(a ack) bool { return a.node == i } }
func notBy(i int) func(ack) bool { return func(a ack) bool { return a.node != i } }

// ---- checks ----

// verify waits until the cluster settled (one writable primary, every
// running data node in sync with it, equal txids) with the writers
// stopped, then checks the acknowledged writes and the gate logs (see the
// file comment). It returns the primary.
func (r *rig) verify(label string) int {
	r.tb.Helper()
	p := r.settled()
	st, _ := r.status(p)
	holders := []int{p}
	for _, i := range r.data() {
		if i != p && r.running(i) {
			holders = append(holders, i)
		}
	}
	ref := r.dump(p)
	r.mu.Lock()
	acked := slices.Clone(r.acked)
	r.mu.Unlock()
	for _, i := range holders {
		have := ref
		if i != p {
			have = r.dump(i)
			if !slices.Equal(have.entries, ref.entries) || have.txid != ref.txid {
				r.tb.Fatalf("%s: n%d's store differs from the primary n%d's: txid %d vs %d, %d vs %d entries",
					label, i, p, have.txid, ref.txid, len(have.entries), len(ref.entries))
			}
		}
		for _, a := range acked {
			if have.vals[a.key] != a.key {
				r.tb.Fatalf("%s: acknowledged write %s (txid %d by n%d) missing on n%d (primary n%d, epoch %d)",
					label, a.key, a.txid, a.node, i, p, st.Auto.Epoch)
			}
		}
	}
	iv := r.checkGates(label, acked)
	per := map[int]int{}
	for _, a := range acked {
		per[a.node]++
	}
	r.mu.Lock()
	errs := fmt.Sprint(r.errs)
	r.mu.Unlock()
	r.tb.Logf("%s: primary n%d epoch %d txid %d; %d acknowledged writes (by node %v) all on %v; refusals by code %s; %d write-gate intervals, none overlapping",
		label, p, st.Auto.Epoch, st.Txid, len(acked), per, holders, errs, iv)
	return p
}

// settled waits until one data node accepts writes and every other
// running data node is published in sync with it at the same txid.
func (r *rig) settled() int {
	r.tb.Helper()
	p := 0
	r.waitFor("a settled cluster (a writable primary, every running data node in sync at its txid)", func() bool {
		p = 0
		for _, i := range r.data() {
			st, err := r.status(i)
			if err == nil && st.Auto.Writable {
				if p != 0 {
					return false // asked at different instants: a handover in between
				}
				p = i
			}
		}
		if p == 0 {
			return false
		}
		ps, err := r.status(p)
		if err != nil {
			return false
		}
		for _, i := range r.data() {
			if i == p || !r.running(i) {
				continue
			}
			st, err := r.status(i)
			if err != nil || !slices.Contains(ps.Auto.Sync, r.name(i)) || st.Txid != ps.Txid || st.State != 2 {
				return false
			}
		}
		return true
	})
	return p
}

type storeDump struct {
	txid    uint64
	entries []string
	vals    map[string]string
}

func (r *rig) dump(i int) storeDump {
	r.tb.Helper()
	txid, es, err := r.cls[i].CDBDump("")
	if err != nil {
		r.tb.Fatalf("dump of n%d: %v", i, err)
	}
	d := storeDump{txid: txid, vals: map[string]string{}}
	for _, e := range es {
		d.entries = append(d.entries, e.Path+"="+e.Value.String())
		d.vals[e.Path] = e.Value.String()
	}
	return d
}

// interval is a time (boot clock) during which a node may have accepted
// writes, as its log tells.
type interval struct {
	node        int
	from, to    time.Duration
	epoch       string
	line, line2 string
}

var (
	gateLine = regexp.MustCompile(`msg="write gate (opened|closed|lapsed)`)
	bootNs   = regexp.MustCompile(` boot_ns=(\d+)`)
	untilNs  = regexp.MustCompile(` until_ns=(\d+)`)
	epochF   = regexp.MustCompile(` epoch=(\d+)`)
)

// gates reads node i's write-gate intervals from its log (all its runs).
func (r *rig) gates(i int) []interval {
	r.tb.Helper()
	b, err := os.ReadFile(r.c.LogPath(i))
	if err != nil {
		r.tb.Fatal(err)
	}
	type ev struct {
		kind  string
		at    time.Duration
		until time.Duration
		epoch string
		line  string
	}
	var evs []ev
	num := func(re *regexp.Regexp, s string) time.Duration {
		m := re.FindStringSubmatch(s)
		if m == nil {
			r.tb.Fatalf("n%d: gate line without %s: %s", i, re, s)
		}
		v, _ := strconv.ParseInt(m[1], 10, 64)
		return time.Duration(v)
	}
	for _, l := range strings.Split(string(b), "\n") {
		m := gateLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		e := ev{kind: m[1], at: num(bootNs, l), until: num(untilNs, l), line: l}
		if em := epochF.FindStringSubmatch(l); em != nil {
			e.epoch = em[1]
		}
		evs = append(evs, e)
	}
	r.mu.Lock()
	for _, t := range r.ends[i] {
		evs = append(evs, ev{kind: "exit", at: t, line: fmt.Sprintf("(process seen gone at boot_ns=%d)", t)})
	}
	r.mu.Unlock()
	sort.SliceStable(evs, func(a, b int) bool { return evs[a].at < evs[b].at })
	var out []interval
	var cur *interval
	for _, e := range evs {
		switch e.kind {
		case "opened":
			if cur != nil {
				r.tb.Fatalf("n%d: gate opened twice without closing: %s / %s", i, cur.line, e.line)
			}
			cur = &interval{node: i, from: e.at, epoch: e.epoch, line: e.line}
		case "closed", "lapsed":
			if cur == nil {
				r.tb.Fatalf("n%d: gate %s while not open: %s", i, e.kind, e.line)
			}
			cur.to, cur.line2 = min(e.at, e.until), e.line
			out = append(out, *cur)
			cur = nil
		case "exit":
			if cur != nil {
				cur.to, cur.line2 = e.at, e.line
				out = append(out, *cur)
				cur = nil
			}
		}
	}
	if cur != nil {
		cur.to, cur.line2 = 1<<62, "(still open)"
		out = append(out, *cur)
	}
	return out
}

// checkGates checks that no two nodes' write-gate intervals overlap and
// that every acknowledged write lies in one of its node's; it returns the
// number of intervals.
func (r *rig) checkGates(label string, acked []ack) int {
	r.tb.Helper()
	var all []interval
	byNode := map[int][]interval{}
	for _, i := range r.data() {
		byNode[i] = r.gates(i)
		all = append(all, byNode[i]...)
	}
	for x := range all {
		for y := x + 1; y < len(all); y++ {
			a, b := all[x], all[y]
			if a.node != b.node && a.from < b.to && b.from < a.to {
				r.tb.Fatalf("%s: n%d and n%d accepted writes at overlapping times:\n  n%d %v..%v: %s\n    .. %s\n  n%d %v..%v: %s\n    .. %s",
					label, a.node, b.node, a.node, a.from, a.to, a.line, a.line2, b.node, b.from, b.to, b.line, b.line2)
			}
		}
	}
	for _, w := range acked {
		if !slices.ContainsFunc(byNode[w.node], func(v interval) bool { return v.from <= w.at && v.to >= w.sent }) {
			r.tb.Fatalf("%s: n%d acknowledged %s (sent %v, acknowledged %v) outside every interval its log shows it accepting writes: %+v",
				label, w.node, w.key, w.sent, w.at, byNode[w.node])
		}
	}
	return len(all)
}

// gateOpenedSince reports the nodes whose logs show the gate opening after
// boot time t.
func (r *rig) gateOpenedSince(t time.Duration) []interval {
	var out []interval
	for _, i := range r.data() {
		for _, v := range r.gates(i) {
			if v.from > t {
				out = append(out, v)
			}
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].from < out[b].from })
	return out
}
