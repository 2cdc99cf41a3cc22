// Package itest runs real gohad processes on loopback: cluster formation,
// failover, pauses, wrong keys, restarts and garbage input. The binaries
// are built once in TestMain; every test stops its processes in Cleanup.
package itest

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/wire"
)

var gohad, gohactl string

func TestMain(m *testing.M) {
	if mode := os.Getenv("GOHA_ITEST_ATTACK"); mode != "" { // an attacker process (security_test.go)
		os.Exit(attackMain(mode))
	}
	nodetest.MainWith(m, "goha-itest-bin", &gohad, &gohactl)
}

// Short timings keep the suite fast; converge deadlines are generous for a
// loaded 2-core machine.
const (
	hb       = "30ms"
	ft       = "300ms"
	converge = 20 * time.Second
)

func startCluster(t *testing.T, n int, spec nodetest.Spec) *nodetest.Cluster {
	t.Helper()
	spec.Nodes = n
	if spec.Heartbeat == "" {
		spec.Heartbeat, spec.FailureTimeout = hb, ft
	}
	c, err := nodetest.New(t.TempDir(), gohad, spec)
	if err != nil {
		t.Fatal(err)
	}
	c.StopOnCleanup(t, 40)
	return c
}

func startAll(t *testing.T, c *nodetest.Cluster, ids ...int) {
	t.Helper()
	for _, i := range ids {
		if err := c.Start(i); err != nil {
			t.Fatal(err)
		}
	}
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

func without(ids []int, x int) []int {
	return slices.DeleteFunc(slices.Clone(ids), func(i int) bool { return i == x })
}

func TestFormAndFailover(t *testing.T) {
	for _, n := range []int{3, 5} {
		t.Run(fmt.Sprintf("%d-nodes", n), func(t *testing.T) {
			c := startCluster(t, n, nodetest.Spec{})
			all := seq(n)
			startAll(t, c, all...)
			master, ring, err := c.WaitConverged(all, converge)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d nodes formed ring %x.%x with master %d", n, ring.Rep, ring.Seq, master)
			survivors := without(all, int(master))
			// CMM notifications on every survivor, through the control protocol.
			subs := map[int]*client.Client{}
			for _, i := range survivors {
				cl, err := c.Dial(i)
				if err != nil {
					t.Fatal(err)
				}
				defer cl.Close()
				if _, err := cl.Subscribe(wire.TopicCMM, 0); err != nil {
					t.Fatal(err)
				}
				subs[i] = cl
			}
			if err := c.Kill(int(master)); err != nil {
				t.Fatal(err)
			}
			newMaster, newRing, err := c.WaitConverged(survivors, converge)
			if err != nil {
				t.Fatal(err)
			}
			if newMaster == master || newRing.Seq <= ring.Seq {
				t.Fatalf("after killing master %d: master %d ring %x.%x (was %x.%x)", master, newMaster, newRing.Rep, newRing.Seq, ring.Rep, ring.Seq)
			}
			for i, cl := range subs {
				var got []wire.CMMEvent
				timeout := time.After(converge)
			collect:
				for {
					select {
					case ev := <-cl.Events():
						if ev.CMM == nil {
							continue
						}
						got = append(got, *ev.CMM)
						if ev.CMM.Change == wire.CMMMasterElected && ev.CMM.Node == newMaster {
							break collect
						}
					case <-timeout:
						t.Fatalf("n%d: no MASTER_ELECTED(%d) among %v", i, newMaster, got)
					}
				}
				idx := func(change, node uint32) int {
					return slices.Index(got, wire.CMMEvent{Change: change, Node: node})
				}
				demoted, left := idx(wire.CMMMasterDemoted, master), idx(wire.CMMMemberLeft, master)
				if demoted < 0 || left < 0 || demoted > left {
					t.Fatalf("n%d: want MASTER_DEMOTED(%d) then MEMBER_LEFT(%d) before MASTER_ELECTED(%d), got %v", i, master, master, newMaster, got)
				}
			}
		})
	}
}

// viewLog records the EvView events of one node.
type viewLog struct {
	mu     sync.Mutex
	node   uint32
	events []wire.ViewEvent
	err    error
}

func record(t *testing.T, c *nodetest.Cluster, i int) *viewLog {
	t.Helper()
	cl, err := c.Dial(i)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	if _, err := cl.Subscribe(wire.TopicView, wire.TopicView); err != nil {
		t.Fatal(err)
	}
	l := &viewLog{node: uint32(i)}
	go func() {
		for ev := range cl.Events() {
			if ev.View != nil {
				l.mu.Lock()
				l.events = append(l.events, *ev.View)
				l.mu.Unlock()
			}
		}
		l.mu.Lock()
		l.err = cl.Err()
		l.mu.Unlock()
	}()
	return l
}

func (l *viewLog) snapshot() []wire.ViewEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events)
}

// claim is an interval during which a node published itself as master.
type claim struct {
	node       uint32
	start, end int64
}

// claims turns a node's view events into self-mastership intervals; the
// last one is open until `until`. A node frozen by SIGSTOP cannot act, so
// its claims are clipped at frozenAt (0: never frozen).
func claims(l *viewLog, until, frozenAt int64) []claim {
	var out []claim
	evs := l.snapshot()
	for k, ev := range evs {
		if ev.Master != l.node {
			continue
		}
		end := until
		if k+1 < len(evs) {
			end = evs[k+1].UnixNano
		}
		if frozenAt != 0 && ev.UnixNano < frozenAt && end > frozenAt {
			end = frozenAt
		}
		out = append(out, claim{l.node, ev.UnixNano, end})
	}
	return out
}

func TestStopContNoTwoMasters(t *testing.T) {
	c := startCluster(t, 3, nodetest.Spec{})
	all := seq(3)
	startAll(t, c, all...)
	master, ring, err := c.WaitConverged(all, converge)
	if err != nil {
		t.Fatal(err)
	}
	logs := map[int]*viewLog{}
	for _, i := range all {
		logs[i] = record(t, c, i)
	}
	m := int(master)
	stopAt := time.Now().UnixNano()
	if err := c.Signal(m, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	survivors := without(all, m)
	newMaster, ring2, err := c.WaitConverged(survivors, converge)
	if err != nil {
		t.Fatal(err)
	}
	if newMaster == master || ring2.Seq <= ring.Seq {
		t.Fatalf("paused master %d still master (%d) or ring not new (%x.%x)", master, newMaster, ring2.Rep, ring2.Seq)
	}
	// The pause lasted longer than failure_timeout: the survivors removed it.
	if time.Duration(time.Now().UnixNano()-stopAt) < 300*time.Millisecond {
		t.Fatalf("node removed before failure_timeout passed")
	}
	contAt := time.Now().UnixNano()
	if err := c.Signal(m, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	_, ring3, err := c.WaitConverged(all, converge)
	if err != nil {
		t.Fatal(err)
	}
	if ring3.Seq <= ring2.Seq {
		t.Fatalf("resumed node came back without a new view: %x.%x after %x.%x", ring3.Rep, ring3.Seq, ring2.Rep, ring2.Seq)
	}
	until := time.Now().UnixNano()

	// After SIGCONT the paused node must never publish itself as master of
	// a stale view: its lease ran out while it was stopped.
	for _, ev := range logs[m].snapshot() {
		if ev.UnixNano >= contAt && ev.Master == uint32(m) && ev.Ring.Seq <= ring2.Seq {
			t.Fatalf("resumed node %d published itself master of ring %x.%x", m, ev.Ring.Rep, ev.Ring.Seq)
		}
	}
	var cl []claim
	for _, i := range all {
		frozen := int64(0)
		if i == m {
			frozen = stopAt
		}
		cl = append(cl, claims(logs[i], until, frozen)...)
	}
	for a := range cl {
		for b := range cl {
			x, y := cl[a], cl[b]
			if x.node != y.node && x.start < y.end && y.start < x.end {
				t.Fatalf("two masters at once: node %d [%d,%d) and node %d [%d,%d)", x.node, x.start, x.end, y.node, y.start, y.end)
			}
		}
	}
	if len(cl) < 2 {
		t.Fatalf("expected mastership claims by the old and the new master, got %v", cl)
	}
	for _, i := range all {
		logs[i].mu.Lock()
		err := logs[i].err
		logs[i].mu.Unlock()
		if err != nil {
			t.Fatalf("event stream of n%d broke: %v", i, err)
		}
	}
}

func TestWrongAuthkeyNeverJoins(t *testing.T) {
	c := startCluster(t, 3, nodetest.Spec{})
	bad := filepath.Join(c.Dir, "wrongkey.toml")
	if err := os.WriteFile(bad, []byte(c.ConfigText("not-the-cluster-key")), 0o600); err != nil {
		t.Fatal(err)
	}
	startAll(t, c, 1, 2)
	if err := c.StartWith(3, bad); err != nil {
		t.Fatal(err)
	}
	// Nodes 1 and 2 form a quorate view. They elect no master: their data
	// directories are new, and node 3's (never heard) might hold data, so
	// the cluster cannot be known to be new (nobody is synchronised).
	for _, i := range []int{1, 2} {
		if _, err := c.WaitFor(i, converge, "a quorate view of 1 and 2 without a master", func(s *wire.Status) bool {
			return s.Quorum.Quorate && slices.Equal(s.Members, []uint32{1, 2}) && s.Master == 0
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, i := range []int{1, 2} {
		if _, err := c.WaitFor(i, converge, "rejected datagrams counted", func(s *wire.Status) bool {
			return s.Counters.RejectedAuth > 0
		}); err != nil {
			t.Fatal(err)
		}
	}
	// Observe for many failure timeouts: node 3 is never a member anywhere
	// and sees nobody.
	end := time.Now().Add(2 * time.Second)
	for time.Now().Before(end) {
		for _, i := range []int{1, 2} {
			st, err := c.Status(i)
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(st.Members, 3) {
				t.Fatalf("node with the wrong key joined: n%d members %v", i, st.Members)
			}
		}
		st, err := c.Status(3)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(st.Members, 1) || slices.Contains(st.Members, 2) {
			t.Fatalf("wrong-key node sees members %v", st.Members)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, i := range []int{1, 2} {
		b, err := os.ReadFile(c.LogPath(i))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte("dropped unauthenticated datagram")) {
			t.Fatalf("n%d did not log the rejected datagrams", i)
		}
	}
}

func TestRestartRejoinsWithNewIncarnation(t *testing.T) {
	// A longer failure_timeout shows that a clean shutdown is seen at once.
	c := startCluster(t, 3, nodetest.Spec{Heartbeat: "50ms", FailureTimeout: "3s"})
	all := seq(3)
	startAll(t, c, all...)
	if _, _, err := c.WaitConverged(all, converge); err != nil {
		t.Fatal(err)
	}
	incOf := func(i int) uint64 {
		st, err := c.Status(i)
		if err != nil {
			t.Fatal(err)
		}
		return st.Incarnation
	}
	inc3 := incOf(3)

	// SIGTERM: exit 0, and the others drop it well before failure_timeout.
	t0 := time.Now()
	if err := c.Signal(3, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code, err := c.WaitExit(3, 10*time.Second); err != nil || code != 0 {
		t.Fatalf("gohad exit after SIGTERM: code %d, %v", code, err)
	}
	if _, _, err := c.WaitConverged([]int{1, 2}, converge); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d >= 3*time.Second {
		t.Fatalf("clean leave took %v, not faster than failure_timeout", d)
	}
	startAll(t, c, 3)
	if _, _, err := c.WaitConverged(all, converge); err != nil {
		t.Fatal(err)
	}
	if got := incOf(3); got <= inc3 {
		t.Fatalf("restarted node incarnation %d, was %d", got, inc3)
	}

	// SIGKILL and restart: also a higher incarnation, seen by the peers.
	inc2 := incOf(2)
	if err := c.Kill(2); err != nil {
		t.Fatal(err)
	}
	startAll(t, c, 2)
	if _, _, err := c.WaitConverged(all, converge); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitFor(1, converge, "peer sees the new incarnation of n2", func(s *wire.Status) bool {
		for _, n := range s.Nodes {
			if n.ID == 2 {
				return n.Incarnation > inc2
			}
		}
		return false
	}); err != nil {
		t.Fatal(err)
	}
}

func TestGarbageDoesNotDisturb(t *testing.T) {
	// Slower timing: the test asserts that the view never changes, which a
	// CPU-starved machine could otherwise break with a false suspicion.
	c := startCluster(t, 3, nodetest.Spec{Heartbeat: "100ms", FailureTimeout: "2s"})
	all := seq(3)
	startAll(t, c, all...)
	master, ring, err := c.WaitConverged(all, converge)
	if err != nil {
		t.Fatal(err)
	}

	// Control socket: oversized length, random bytes, garbage after a valid
	// hello, a non-hello first frame.
	junk := make([]byte, 4096)
	rand.Read(junk)
	junk[0] = 0xff // as a frame header: over the size limit, so no wait for a body
	hello, _ := wire.EncodeBody(&wire.Hello{Proto: wire.ProtocolVersion})
	helloMsg, _ := wire.EncodeMsg(&wire.Msg{Type: wire.TypeHello, Body: hello})
	reqMsg, _ := wire.EncodeMsg(&wire.Msg{Type: wire.TypeReq, ID: 1, Op: wire.OpPing})
	payloads := [][]byte{
		binary.BigEndian.AppendUint32(nil, 0xffffffff),
		junk,
		append(wire.AppendFrame(nil, helloMsg), binary.BigEndian.AppendUint32(nil, wire.MaxFrame+1)...),
		append(wire.AppendFrame(nil, helloMsg), wire.AppendFrame(nil, junk[:100])...),
		wire.AppendFrame(nil, reqMsg),
	}
	for k, p := range payloads {
		conn, err := net.Dial("unix", c.Socket(1))
		if err != nil {
			t.Fatal(err)
		}
		conn.Write(p)
		// The daemon must close the connection (read returns EOF), not
		// wait for more.
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 1024)
		for {
			if _, err := conn.Read(buf); err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					t.Fatalf("payload %d: daemon kept a bad connection open", k)
				}
				break
			}
		}
		conn.Close()
	}

	// Membership port: junk, an oversized datagram, a forged one (wrong
	// key), and one with the right key claiming to be node 2 from a session
	// that is not node 2's (a replay of an old process would look the
	// same): challenged, never accepted.
	udp, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", c.Ports[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	udp.Write(junk)
	udp.Write(make([]byte, 65000))
	guess, _ := wire.NewPeerCodec([]byte("guess"), "nodetest", wire.CipherNone)
	forged, _ := guess.Seal(nil, wire.PeerHeader{Domain: 5, Sender: 2, Session: 99, Seq: 1}, []byte{0x90})
	udp.Write(forged)
	right, _ := wire.NewPeerCodec([]byte(nodetest.DefaultAuthKey), "nodetest", wire.CipherNone)
	stranger, _ := right.Seal(nil, wire.PeerHeader{Domain: 5, Sender: 2, Session: 99, Seq: 1}, []byte{0x90})
	udp.Write(stranger)

	st, err := c.WaitFor(1, converge, "rejections counted", func(s *wire.Status) bool {
		k := s.Counters
		return k.RejectedAuth >= 1 && k.RejectedMalformed >= 1 && k.Challenges >= 1
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("counters after garbage: %+v", st.Counters)
	m2, ring2, ok := c.Converged(all)
	if !ok || m2 != master || ring2 != ring {
		t.Fatalf("cluster disturbed: master %d ring %x.%x, was %d %x.%x", m2, ring2.Rep, ring2.Seq, master, ring.Rep, ring.Seq)
	}
	cl, err := client.Dial(c.IPC(1), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Ping(); err != nil {
		t.Fatal(err)
	}
}

// A client that subscribes and then stops reading is disconnected after a
// bounded backlog, while other clients are served without delay.
func TestStalledSubscriberIsDropped(t *testing.T) {
	c := startCluster(t, 3, nodetest.Spec{Heartbeat: "100ms", FailureTimeout: "2s"})
	all := seq(3)
	startAll(t, c, all...)
	if _, _, err := c.WaitConverged(all, converge); err != nil {
		t.Fatal(err)
	}
	// The stalled subscriber: hello and subscribe by hand, then never read.
	raw, err := net.Dial("unix", c.Socket(1))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	hello, _ := wire.EncodeBody(&wire.Hello{Proto: wire.ProtocolVersion})
	hm, _ := wire.EncodeMsg(&wire.Msg{Type: wire.TypeHello, Body: hello})
	sub, _ := wire.EncodeBody(&wire.Subscribe{Topics: wire.TopicQuorum})
	sm, _ := wire.EncodeMsg(&wire.Msg{Type: wire.TypeReq, ID: 1, Op: wire.OpSubscribe, Body: sub})
	raw.Write(append(wire.AppendFrame(nil, hm), wire.AppendFrame(nil, sm)...))

	cl, err := c.Dial(1)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	info, err := cl.QuorumInfo(0)
	if err != nil {
		t.Fatal(err)
	}
	// Every accepted setexpected produces an EXPECTED event for the
	// subscriber; keep going until the daemon drops it.
	var worst time.Duration
	for k := 0; ; k++ {
		t0 := time.Now()
		if err := cl.SetExpected(info.NodeExpected); err != nil {
			t.Fatalf("setexpected %d: %v", k, err)
		}
		worst = max(worst, time.Since(t0))
		if k%256 == 0 {
			st, err := cl.Status()
			if err != nil {
				t.Fatal(err)
			}
			if st.Counters.ClientsDropped > 0 {
				t.Logf("stalled subscriber dropped after %d events; slowest call %v", k, worst)
				break
			}
		}
		if k > 200000 {
			t.Fatal("stalled subscriber never dropped")
		}
	}
	if worst > 2*time.Second {
		t.Fatalf("a call took %v while a client was stalled", worst)
	}
}
