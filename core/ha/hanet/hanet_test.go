package hanet

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/goha/goha/core/config"
	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/wire"
)

// testKey is the HA cluster key of the test nodes.
var testKey = ha.ClusterKey([]byte("hanet-test-authkey"), "hanet")

type tnode struct {
	name string
	rt   *Runtime
	st   *store.Store
	mu   sync.Mutex
	evs  []ha.Event
	logs []string
}

type opt struct {
	tls        *tls.Config
	handshake  time.Duration // HandshakeTimeout
	handshakes int           // MaxHandshakes
	stall      time.Duration
	token      string
	tick       time.Duration
	mode       ha.Mode
	dir        string
	feed       bool // the store's change feed on, as in gohad
}

func startNode(t testing.TB, name string, o opt) *tnode {
	t.Helper()
	if o.token == "" {
		o.token = "secret"
	}
	if o.tick == 0 {
		// Long enough that a loaded machine never trips dead-peer detection
		// in tests that are not about it.
		o.tick = time.Second
	}
	if o.dir == "" {
		o.dir = t.TempDir()
	}
	st, err := store.OpenFile(filepath.Join(o.dir, name+".db"), &store.Options{InitialMmapSize: 1 << 28})
	if err != nil {
		t.Fatal(err)
	}
	if o.feed {
		st.EnableFeed(0)
	}
	n := &tnode{name: name, st: st}
	_, bench := t.(*testing.B)
	logf := func(f string, a ...any) {
		n.mu.Lock()
		n.logs = append(n.logs, fmt.Sprintf(f, a...))
		n.mu.Unlock()
		if !bench { // keep benchmark output to the figures
			t.Logf(name+": "+f, a...)
		}
	}
	rt, err := Start(Config{Name: name, ListenAddr: "127.0.0.1:0", Key: testKey, Token: o.token, TickTimeout: o.tick,
		Mode: o.mode, SchemaID: "s1", Store: st, Logf: logf, WriteStall: o.stall, TLS: o.tls,
		HandshakeTimeout: o.handshake, MaxHandshakes: o.handshakes})
	if err != nil {
		t.Fatal(err)
	}
	n.rt = rt
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case e := <-rt.Events():
				n.mu.Lock()
				n.evs = append(n.evs, e)
				n.mu.Unlock()
			case <-stop:
				return
			}
		}
	}()
	t.Cleanup(func() { rt.Close(); close(stop); wg.Wait(); st.Close() })
	return n
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (n *tnode) hasEvent(e ha.Event) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, x := range n.evs {
		if x.Type == e.Type && x.Code == e.Code && x.ByCopy == e.ByCopy && x.Node.Name == e.Node.Name {
			return true
		}
	}
	return false
}

func (n *tnode) waitEvent(t testing.TB, e ha.Event) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%s: %v", n.name, e), func() bool { return n.hasEvent(e) })
}

func snapshotBytes(t testing.TB, s *store.Store) []byte {
	var b bytes.Buffer
	if _, err := s.WriteSnapshot(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPrimaryTwoSecondaries(t *testing.T) {
	p, s1, s2 := startNode(t, "p", opt{}), startNode(t, "s1", opt{}), startNode(t, "s2", opt{})
	if err := p.rt.BePrimary("p"); err != nil {
		t.Fatal(err)
	}
	// ConfD takes any node id: the node is then known by it, and back.
	if err := p.rt.BePrimary("x"); err != nil || p.rt.Status().Name != "x" {
		t.Fatalf("beprimary with another id: %v, status name %q", err, p.rt.Status().Name)
	}
	if err := p.rt.BePrimary(""); !errors.Is(err, ha.ErrHABadName) {
		t.Fatalf("beprimary with an empty id: %v", err)
	}
	if err := p.rt.BePrimary("p"); err != nil || p.rt.Status().Name != "p" {
		t.Fatalf("beprimary back as p: %v", err)
	}
	if err := s1.rt.BeSecondary("s1", "p", p.rt.Addr(), true); err != nil {
		t.Fatal(err)
	}
	s1.waitEvent(t, ha.Event{Type: ha.EventSecondaryInitialized, ByCopy: false})
	if _, err := p.rt.Set("/a", store.String("before s2")); err != nil {
		t.Fatal(err)
	}
	if err := s2.rt.BeSecondary("s2", "p", p.rt.Addr(), false); err != nil {
		t.Fatal(err)
	}
	s2.waitEvent(t, ha.Event{Type: ha.EventBeSecondaryResult, Code: 0})
	s2.waitEvent(t, ha.Event{Type: ha.EventSecondaryInitialized, ByCopy: true})
	p.waitEvent(t, ha.Event{Type: ha.EventSecondaryArrived, Node: ha.NodeInfo{Name: "s2"}})
	waitFor(t, "both secondaries in sync", func() bool {
		st := p.rt.Status()
		return len(st.Peers) == 2 && st.Peers[0].InSync && st.Peers[1].InSync
	})
	// Sync mode: once Set returns, every in-sync secondary has the commit.
	for i := 0; i < 30; i++ {
		path := fmt.Sprintf("/k/%d", i)
		if _, err := p.rt.Set(path, store.Uint32(uint32(i))); err != nil {
			t.Fatal(err)
		}
		for _, s := range []*tnode{s1, s2} {
			if v, err := s.rt.Get(path); err != nil || v.Uint() != uint64(i) {
				t.Fatalf("%s: acknowledged %s missing: %v %v", s.name, path, v, err)
			}
		}
	}
	if _, err := s1.rt.Set("/x", store.Bool(true)); !errors.Is(err, store.ErrReadOnly) {
		t.Fatalf("write on a secondary: %v", err)
	}
	if err := p.rt.BeRelay(); !errors.Is(err, ha.ErrBadState) {
		t.Fatalf("berelay on a primary: %v", err)
	}
	if !bytes.Equal(snapshotBytes(t, p.st), snapshotBytes(t, s1.st)) || !bytes.Equal(snapshotBytes(t, p.st), snapshotBytes(t, s2.st)) {
		t.Fatal("stores differ after acknowledged commits")
	}
	st := s2.rt.Status()
	if st.Role != ha.RoleSecondary || len(st.Nodes) != 1 || st.Nodes[0].Name != "p" {
		t.Fatalf("secondary status %+v", st)
	}
	// secondary_dead drops s2 at once; it sees the connection close.
	if err := p.rt.SecondaryDead("s2"); err != nil {
		t.Fatal(err)
	}
	p.waitEvent(t, ha.Event{Type: ha.EventSecondaryDied, Node: ha.NodeInfo{Name: "s2"}})
	s2.waitEvent(t, ha.Event{Type: ha.EventNoPrimary, Code: ha.CodeHAClosed})
	if _, err := s2.rt.Set("/x", store.Bool(true)); err != nil {
		t.Fatalf("write in none: %v", err)
	}
	// Deletes replicate too; reads and dumps work on a secondary.
	if _, err := p.rt.Delete("/k/0"); err != nil {
		t.Fatal(err)
	}
	if _, err := s1.rt.Get("/k/0"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("acknowledged delete not replicated: %v", err)
	}
	if _, err := p.rt.Delete("/k/0"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete of a missing path: %v", err)
	}
	var dump bytes.Buffer
	if err := s1.rt.Dump(&dump); err != nil || !bytes.Contains(dump.Bytes(), []byte("/k/1 uint32 1\n")) {
		t.Fatalf("dump: %v\n%s", err, dump.String())
	}
	n := 0
	s1.rt.Walk("/k/", func(string, store.Value) error { n++; return nil })
	if n != 29 {
		t.Fatalf("walk saw %d entries", n)
	}
	// benone on the primary: IS_PRIMARY -> IS_NONE, the secondary loses it.
	if err := p.rt.BeNone(); err != nil {
		t.Fatal(err)
	}
	p.waitEvent(t, ha.Event{Type: ha.EventIsNone})
	s1.waitEvent(t, ha.Event{Type: ha.EventNoPrimary, Code: ha.CodeHAClosed})
	if p.rt.Addr() != "" {
		t.Fatal("a node in none still listens")
	}
}

func TestRelayChain(t *testing.T) {
	p, s1, s2 := startNode(t, "p", opt{}), startNode(t, "s1", opt{}), startNode(t, "s2", opt{})
	if err := p.rt.BePrimary("p"); err != nil {
		t.Fatal(err)
	}
	if err := s1.rt.BeRelay(); !errors.Is(err, ha.ErrBadState) {
		t.Fatalf("berelay in none: %v", err)
	}
	if err := s1.rt.BeSecondary("s1", "p", p.rt.Addr(), true); err != nil {
		t.Fatal(err)
	}
	if err := s1.rt.BeRelay(); err != nil {
		t.Fatal(err)
	}
	if err := s2.rt.BeSecondary("s2", "s1", s1.rt.Addr(), true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "s2 in sync with the relay", func() bool {
		st := s1.rt.Status()
		return st.Role == ha.RoleRelay && len(st.Peers) == 1 && st.Peers[0].InSync
	})
	for i := 0; i < 20; i++ {
		path := fmt.Sprintf("/r/%d", i)
		if _, err := p.rt.Set(path, store.Int64(int64(-i))); err != nil {
			t.Fatal(err)
		}
		if v, err := s2.rt.Get(path); err != nil || v.Int() != int64(-i) {
			t.Fatalf("sub-secondary lacks acknowledged %s: %v", path, err)
		}
	}
	st := s1.rt.Status()
	if len(st.Nodes) != 2 || st.Nodes[0].Name != "p" || st.Nodes[1].Name != "s2" {
		t.Fatalf("relay status %+v", st)
	}
	if p.hasEvent(ha.Event{Type: ha.EventSecondaryArrived, Node: ha.NodeInfo{Name: "s2"}}) {
		t.Fatal("the primary reported the relay's sub-secondary")
	}
	// The primary goes away: the relay and its sub-secondary go to none.
	p.rt.Close()
	s1.waitEvent(t, ha.Event{Type: ha.EventNoPrimary, Code: ha.CodeHAClosed})
	s2.waitEvent(t, ha.Event{Type: ha.EventNoPrimary, Code: ha.CodeHAClosed})
	if !bytes.Equal(snapshotBytes(t, p.st), snapshotBytes(t, s2.st)) {
		t.Fatal("sub-secondary differs from the primary")
	}
}

func TestRefusals(t *testing.T) {
	p := startNode(t, "p", opt{})
	bad := startNode(t, "bad", opt{token: "wrong"})
	s := startNode(t, "s", opt{})
	if err := p.rt.BePrimary("p"); err != nil {
		t.Fatal(err)
	}
	if err := bad.rt.BeSecondary("bad", "p", p.rt.Addr(), true); !errors.Is(err, ha.ErrHABadToken) {
		t.Fatalf("bad token: %v", err)
	}
	if err := s.rt.BeSecondary("s", "q", p.rt.Addr(), true); !errors.Is(err, ha.ErrHABadName) {
		t.Fatalf("wrong primary name: %v", err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	if err := s.rt.BeSecondary("s", "p", dead, true); !errors.Is(err, ha.ErrHAConnect) {
		t.Fatalf("nobody listening: %v", err)
	}
	// A second node on the same HA address cannot bind.
	q := startNode(t, "q", opt{})
	q.rt.cfg.ListenAddr = p.rt.Addr()
	if err := q.rt.BePrimary("q"); !errors.Is(err, ha.ErrHABind) {
		t.Fatalf("busy HA port: %v", err)
	}
	if st := p.rt.Status(); len(st.Nodes) != 0 {
		t.Fatalf("refused nodes listed: %+v", st)
	}
	if err := s.rt.BeSecondary("s", "p", p.rt.Addr(), true); err != nil {
		t.Fatal(err)
	}
	// A new control connection brings the right token.
	if err := bad.rt.SetToken("secret"); err != nil {
		t.Fatal(err)
	}
	if err := bad.rt.BeSecondary("bad", "p", p.rt.Addr(), true); err != nil {
		t.Fatalf("after SetToken: %v", err)
	}
}

// proxy forwards TCP between a secondary and its primary and can silently
// stop forwarding (a partition that leaves the connection open).
type proxy struct {
	ln        net.Listener
	blackhole atomic.Bool
	// stallDown stops reading from the primary's side (a secondary that
	// no longer reads) until the test ends; the other direction still flows.
	stallDown atomic.Bool
	// flipSnap, if k+1 > 0, flips one bit of the byte k bytes after the
	// start of the first full copy (its "GOHASNAP" magic) going down.
	flipSnap atomic.Int64
	// flipMarker, if set, flips one bit of the first occurrence of these
	// bytes going down (within one read), once.
	flipMarker atomic.Pointer[[]byte]
	// inject, if set, is written down once, before the next bytes read.
	inject atomic.Pointer[[]byte]
	end    chan struct{}
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, end: make(chan struct{})}
	var conns []net.Conn
	var mu sync.Mutex
	t.Cleanup(func() {
		close(p.end)
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	go func() {
		for {
			a, err := ln.Accept()
			if err != nil {
				return
			}
			b, err := net.Dial("tcp", target)
			if err != nil {
				a.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, a, b)
			mu.Unlock()
			pipe := func(dst, src net.Conn) {
				buf := make([]byte, 64<<10)
				var off, magic int64 = 0, -1 // bytes forwarded; where the copy starts
				var tail []byte              // the last bytes forwarded, for a magic split by reads
				for {
					if src == b && p.stallDown.Load() {
						<-p.end
						return
					}
					n, err := src.Read(buf)
					if err != nil {
						if !p.blackhole.Load() { // a partition does not carry FIN either
							dst.Close()
						}
						return
					}
					if k := p.flipSnap.Load() - 1; src == b && k >= 0 {
						if magic < 0 {
							if i := bytes.Index(append(tail, buf[:n]...), []byte("GOHASNAP")); i >= 0 {
								magic = off - int64(len(tail)) + int64(i)
							}
							tail = append(tail[:0], buf[max(0, n-7):n]...)
						}
						if at := magic + k; magic >= 0 && at >= off && at < off+int64(n) {
							buf[at-off] ^= 0x04
							p.flipSnap.Store(0)
						}
					}
					if m := p.flipMarker.Load(); src == b && m != nil {
						if i := bytes.Index(buf[:n], *m); i >= 0 {
							buf[i+len(*m)/2] ^= 0x01
							p.flipMarker.Store(nil)
						}
					}
					if in := p.inject.Load(); src == b && in != nil && p.inject.CompareAndSwap(in, nil) {
						dst.Write(*in)
					}
					off += int64(n)
					if !p.blackhole.Load() {
						dst.Write(buf[:n])
					}
				}
			}
			go pipe(a, b)
			go pipe(b, a)
		}
	}()
	return p
}

func TestTickLossAndPrimaryClose(t *testing.T) {
	o := opt{tick: 200 * time.Millisecond}
	p, s, s2 := startNode(t, "p", o), startNode(t, "s", o), startNode(t, "s2", o)
	if err := p.rt.BePrimary("p"); err != nil {
		t.Fatal(err)
	}
	px := newProxy(t, p.rt.Addr())
	if err := s.rt.BeSecondary("s", "p", px.ln.Addr().String(), true); err != nil {
		t.Fatal(err)
	}
	if err := s2.rt.BeSecondary("s2", "p", p.rt.Addr(), true); err != nil {
		t.Fatal(err)
	}
	if _, err := p.rt.Set("/t", store.Bool(true)); err != nil {
		t.Fatal(err)
	}
	px.blackhole.Store(true)
	start := time.Now()
	s.waitEvent(t, ha.Event{Type: ha.EventNoPrimary, Code: ha.CodeHANoTick})
	p.waitEvent(t, ha.Event{Type: ha.EventSecondaryDied, Node: ha.NodeInfo{Name: "s"}})
	if el := time.Since(start); el < 3*o.tick {
		t.Fatalf("declared dead after %v, before 3 ticks", el)
	}
	if s.rt.Status().Role != ha.RoleNone || s.st.ReadOnly() {
		t.Fatal("secondary without primary is not none/writable")
	}
	if p.hasEvent(ha.Event{Type: ha.EventSecondaryDied, Node: ha.NodeInfo{Name: "s2"}}) {
		t.Fatal("the healthy secondary was declared dead")
	}
	// Writes continue with the remaining secondary, then the primary closes.
	if _, err := p.rt.Set("/u", store.Bool(true)); err != nil {
		t.Fatal(err)
	}
	p.rt.Close()
	s2.waitEvent(t, ha.Event{Type: ha.EventNoPrimary, Code: ha.CodeHAClosed})
}

// TestBatchContext: with dead-peer detection off (tick_timeout 0) a hung
// secondary holds sync acknowledgements; the caller's deadline bounds the wait.
func TestBatchContext(t *testing.T) {
	o := opt{tick: -1}
	p, s := startNode(t, "p", o), startNode(t, "s", o)
	if err := p.rt.BePrimary("p"); err != nil {
		t.Fatal(err)
	}
	px := newProxy(t, p.rt.Addr())
	if err := s.rt.BeSecondary("s", "p", px.ln.Addr().String(), true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "s in sync", func() bool { st := p.rt.Status(); return len(st.Peers) == 1 && st.Peers[0].InSync })
	px.blackhole.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	txid, err := p.rt.BatchContext(ctx, []store.Op{store.SetOp("/h", store.Bool(true))})
	if !errors.Is(err, context.DeadlineExceeded) || txid == 0 {
		t.Fatalf("hung secondary: txid %d, %v", txid, err)
	}
	if v, err := p.rt.Get("/h"); err != nil || !v.Bool() {
		t.Fatal("the commit is not in the primary's store")
	}
}

// TestNonReadingSecondary: a secondary that stops reading is dropped once
// writes to it make no progress for WriteStall (3 ticks by default; short
// here so that tick-based detection, on either side, cannot come first).
func TestNonReadingSecondary(t *testing.T) {
	o := opt{tick: 2 * time.Second, mode: ha.Async}
	p := startNode(t, "p", opt{tick: o.tick, mode: o.mode, stall: 100 * time.Millisecond})
	s := startNode(t, "s", o)
	if err := p.rt.BePrimary("p"); err != nil {
		t.Fatal(err)
	}
	px := newProxy(t, p.rt.Addr())
	if err := s.rt.BeSecondary("s", "p", px.ln.Addr().String(), true); err != nil {
		t.Fatal(err)
	}
	px.stallDown.Store(true)
	big := store.Binary(bytes.Repeat([]byte{9}, 1<<20))
	for i := 0; !p.hasEvent(ha.Event{Type: ha.EventSecondaryDied, Node: ha.NodeInfo{Name: "s"}}); i++ {
		if i == 200 {
			t.Fatal("a secondary that does not read was never dropped")
		}
		if _, err := p.rt.Set(fmt.Sprintf("/big/%d", i%4), big); err != nil {
			t.Fatal(err)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.logs {
		if strings.Contains(l, "write: ") && strings.Contains(l, "i/o timeout") {
			return
		}
	}
	t.Fatalf("dropped, but not for a stalled write: %q", p.logs)
}

func TestRestartSkipAndLargeCopy(t *testing.T) {
	dir := t.TempDir()
	p := startNode(t, "p", opt{})
	if err := p.rt.BePrimary("p"); err != nil {
		t.Fatal(err)
	}
	val := bytes.Repeat([]byte("x"), 4096)
	for i := 0; i < 8; i++ { // 8 MiB in 8 transactions
		ops := make([]store.Op, 256)
		for j := range ops {
			ops[j] = store.SetOp(fmt.Sprintf("/big/%d/%04d", i, j), store.Binary(val))
		}
		if _, err := p.rt.Batch(ops); err != nil {
			t.Fatal(err)
		}
	}
	s := startNode(t, "s", opt{dir: dir})
	if err := s.rt.BeSecondary("s", "p", p.rt.Addr(), true); err != nil {
		t.Fatal(err)
	}
	s.waitEvent(t, ha.Event{Type: ha.EventSecondaryInitialized, ByCopy: true})
	if !bytes.Equal(snapshotBytes(t, p.st), snapshotBytes(t, s.st)) {
		t.Fatal("copy differs")
	}
	// Restart the secondary on the same file: same txid and digest, no copy.
	s.rt.Close()
	s.st.Close()
	p.waitEvent(t, ha.Event{Type: ha.EventSecondaryDied, Node: ha.NodeInfo{Name: "s"}})
	s = startNode(t, "s", opt{dir: dir})
	if err := s.rt.BeSecondary("s", "p", p.rt.Addr(), true); err != nil {
		t.Fatal(err)
	}
	s.waitEvent(t, ha.Event{Type: ha.EventSecondaryInitialized, ByCopy: false})
}

func TestResolvePrimaryAddr(t *testing.T) {
	m := map[string]string{"a": "10.0.0.1:4570"}
	if a, _ := ResolvePrimaryAddr(m, "a", "10.9.9.9", "127.0.0.1:4999"); a != "10.0.0.1:4570" {
		t.Fatal(a)
	}
	if a, _ := ResolvePrimaryAddr(m, "b", "10.9.9.9", "127.0.0.1:4999"); a != "10.9.9.9:4999" {
		t.Fatal(a)
	}
	if _, err := ResolvePrimaryAddr(m, "b", "", "127.0.0.1:4999"); err == nil {
		t.Fatal("resolved without an address")
	}
}

// BenchmarkInitialSync measures a durable full copy of a 100 MiB store to
// a new secondary over loopback TCP against raw loopback TCP throughput in
// the same run. The machine may be shared, so it interleaves rounds of
// both (at least syncRounds) and reports the medians, the spread, and the
// process CPU time each costs per MiB (less sensitive to other load than
// wall time).
//
// Both stores have the change feed on, as in gohad (core/node starts it
// for change subscriptions): installing the copy then publishes a Reset,
// whose cost is part of the copy. Each round also copies to a secondary
// without the feed, and feed-cost-% is how much slower the copy is with
// it (a regression there once cut the copy to a twentieth of its speed in
// gohad while this benchmark, without the feed, did not show it).
//
// Two shapes: values of 1000 bytes (several entries per bbolt page, like
// real config: per-entry costs dominate) and of 1 MiB (the shape of
// examples/bench/ha_sync.sh: per-byte costs dominate).
func BenchmarkInitialSync(b *testing.B) {
	b.Run("1000B", func(b *testing.B) { benchInitialSync(b, 1000, 1024) })
	b.Run("1MiB", func(b *testing.B) { benchInitialSync(b, store.MaxValueLen, 8) })
}

// benchInitialSync fills a primary with about 100 MiB of valSize values,
// perBatch values a commit, and measures full copies of it.
func benchInitialSync(b *testing.B, valSize, perBatch int) {
	const total = 100 << 20
	const syncRounds = 3
	p := startNode(b, "p", opt{feed: true})
	if err := p.rt.BePrimary("p"); err != nil {
		b.Fatal(err)
	}
	val := bytes.Repeat([]byte("v"), valSize)
	for i := 0; i < (total/valSize+perBatch-1)/perBatch; i++ {
		ops := make([]store.Op, perBatch)
		for j := range ops {
			val[0] = byte(j)
			ops[j] = store.SetOp(fmt.Sprintf("/bulk/%05d/%04d", i, j), store.Binary(val))
		}
		if _, err := p.rt.Batch(ops); err != nil {
			b.Fatal(err)
		}
	}
	disk := rawDisk(b, total)
	// copy makes a full copy to a new secondary and returns its rate and
	// CPU time per MiB.
	copy := func(name string, feed bool) (float64, float64) {
		s := startNode(b, name, opt{feed: feed})
		cpu0 := cpuTime()
		start := time.Now()
		if err := s.rt.BeSecondary(s.name, "p", p.rt.Addr(), true); err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		cpu := (cpuTime() - cpu0).Seconds() * 1000 / (total >> 20)
		if s.st.Txid() != p.st.Txid() {
			b.Fatal("copy incomplete")
		}
		if feed {
			sets, _, err := s.st.ChangesSince(0)
			if err != nil || len(sets) != 1 || !sets[0].Reset {
				b.Fatalf("feed after the copy: %d entries (want one Reset), %v", len(sets), err)
			}
		}
		s.rt.Close()
		s.st.Close()
		return float64(total) / 1e6 / el.Seconds(), cpu
	}
	b.ResetTimer()
	var syncMBs, plainMBs, rawMBs, syncCPU, rawCPU []float64
	for i := 0; i < max(b.N, syncRounds); i++ {
		cpu0 := cpuTime()
		raw := rawLoopback(b, total)
		rawCPU = append(rawCPU, (cpuTime()-cpu0).Seconds()*1000/(total>>20))
		rawMBs = append(rawMBs, raw)
		rate, cpu := copy(fmt.Sprintf("s%d", i), true)
		syncMBs, syncCPU = append(syncMBs, rate), append(syncCPU, cpu)
		rate, _ = copy(fmt.Sprintf("n%d", i), false)
		plainMBs = append(plainMBs, rate)
	}
	b.StopTimer()
	med := func(x []float64) float64 {
		y := append([]float64(nil), x...)
		sort.Float64s(y)
		return y[len(y)/2]
	}
	b.ReportMetric(med(syncMBs), "sync-MB/s")
	b.ReportMetric(med(rawMBs), "raw-tcp-MB/s")
	b.ReportMetric(disk, "raw-disk-MB/s")
	b.ReportMetric(100*med(syncMBs)/med(rawMBs), "%-of-raw-tcp")
	b.ReportMetric(100*(1-med(syncMBs)/med(plainMBs)), "feed-cost-%")
	b.ReportMetric(med(syncCPU), "sync-cpu-ms/MiB")
	b.ReportMetric(med(rawCPU), "raw-tcp-cpu-ms/MiB")
	b.Logf("durable initial sync of %d MiB: %.0f MB/s (%.0f MB/s without the change feed); raw loopback TCP %.0f MB/s (%.1f%%); raw disk write+fsync %.0f MB/s",
		total>>20, med(syncMBs), med(plainMBs), med(rawMBs), 100*med(syncMBs)/med(rawMBs), disk)
	b.Logf("rounds: sync MB/s %.0f (no feed %.0f), raw TCP MB/s %.0f; CPU ms/MiB: sync %.2f, raw TCP %.2f",
		syncMBs, plainMBs, rawMBs, syncCPU, rawCPU)
}

// rawDisk measures writing total bytes to a file and fsyncing it.
func rawDisk(b *testing.B, total int) float64 {
	f, err := os.Create(filepath.Join(b.TempDir(), "raw"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	start := time.Now()
	for n := 0; n < total; n += len(buf) {
		if _, err := f.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	return float64(total) / time.Since(start).Seconds() / 1e6
}

func rawLoopback(b *testing.B, total int) float64 {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		_, err = io.Copy(io.Discard, c)
		done <- err
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 256<<10)
	start := time.Now()
	for sent := 0; sent < total; sent += len(buf) {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	c.Close()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	return float64(total) / time.Since(start).Seconds() / 1e6
}

// TestBadInputFromNetwork: an oversized frame, a malformed message, or a
// full copy pushed at a primary each get that connection closed; the
// primary keeps serving real secondaries.
func TestBadInputFromNetwork(t *testing.T) {
	p, s := startNode(t, "p", opt{}), startNode(t, "s", opt{})
	if err := p.rt.BePrimary("p"); err != nil {
		t.Fatal(err)
	}
	snapMsg := mustEncode(t, ha.Message{Type: ha.MsgSnapshot, Seq: 1, Txid: 99})
	inputs := map[string][]byte{
		"oversized frame": {0xff, 0xff, 0xff, 0xff, 'M'},
		"malformed":       wire.AppendFrame(nil, []byte{'M', 0xdc, 0xff, 0xff}),
		"unknown frame":   wire.AppendFrame(nil, []byte{'Z', 1}),
		"local type":      mustEncode(t, ha.Message{Type: ha.MsgClosed, Seq: 1}),
		"pushed copy":     append(snapMsg, wire.AppendFrame(nil, append([]byte{'D'}, bytes.Repeat([]byte{7}, 1000)...))...),
	}
	for name, in := range inputs {
		c, err := net.Dial("tcp", p.rt.Addr())
		if err != nil {
			t.Fatal(err)
		}
		c.Write(in)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		// Closed: EOF, or a reset if the primary left bytes unread.
		if _, err := io.Copy(io.Discard, c); err != nil && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("%s: connection not closed by the primary: %v", name, err)
		}
		c.Close()
	}
	if err := s.rt.BeSecondary("s", "p", p.rt.Addr(), true); err != nil {
		t.Fatal(err)
	}
	if p.st.Txid() != 0 {
		t.Fatal("pushed data reached the primary's store")
	}
}

// mustEncode returns m as a plain (handshake) frame.
func mustEncode(t *testing.T, m ha.Message) []byte {
	b, err := wire.EncodeHAMsg(&m)
	if err != nil {
		t.Fatal(err)
	}
	return wire.AppendHAFrame(nil, nil, b)
}

func TestFromConfig(t *testing.T) {
	c, err := config.Parse([]byte(`
cluster_name = "t"
authkey = "0123456789abcdef0123456789abcdef"
[ha]
token = "tok"
tick_timeout = "3s"
replication = "async"
[[node]]
id = 1
name = "a"
addr = "127.0.0.1:5405"
ha_addr = "127.0.0.1:4570"
ipc = "unix:/tmp/a.sock"
[[node]]
id = 2
name = "b"
addr = "127.0.0.1:5406"
ha_addr = "127.0.0.1:4571"
ipc = "unix:/tmp/b.sock"
`))
	if err != nil {
		t.Fatal(err)
	}
	hc, err := FromConfig(c, "b", nil, "s")
	if err != nil {
		t.Fatal(err)
	}
	if hc.ListenAddr != "127.0.0.1:4571" || hc.Token != "tok" || hc.TickTimeout != 3*time.Second || hc.Mode != ha.Async {
		t.Fatalf("%+v", hc)
	}
	if _, err := FromConfig(c, "zz", nil, "s"); err == nil {
		t.Fatal("unknown node accepted")
	}
	if a, _ := ResolvePrimaryAddr(HAAddrs(c), "a", "10.1.1.1", hc.ListenAddr); a != "127.0.0.1:4570" {
		t.Fatal(a)
	}
}

// TestBeSecondaryTimesOut: a primary that accepts but never answers makes a
// waiting besecondary fail with CONFD_ERR_HA_CLOSED after the dead-peer
// interval (ConfD: "the wait for the primary's sync reply timed out").
func TestBeSecondaryTimesOut(t *testing.T) {
	o := opt{tick: 50 * time.Millisecond}
	p, s := startNode(t, "p", o), startNode(t, "s", o)
	if err := p.rt.BePrimary("p"); err != nil {
		t.Fatal(err)
	}
	px := newProxy(t, p.rt.Addr())
	px.blackhole.Store(true)
	start := time.Now()
	err := s.rt.BeSecondary("s", "p", px.ln.Addr().String(), true)
	if !errors.Is(err, ha.ErrHAClosed) {
		t.Fatalf("silent primary: %v", err)
	}
	if el := time.Since(start); el < 3*o.tick {
		t.Fatalf("gave up after %v", el)
	}
	if st := s.rt.Status(); st.Role != ha.RoleNone {
		t.Fatalf("role after a failed besecondary: %v", st.Role)
	}
}

// BenchmarkReplicatedCommit measures the latency of a commit acknowledged in
// each mode with two secondaries over loopback TCP (every store fsyncs).
func BenchmarkReplicatedCommit(b *testing.B) {
	for _, mode := range []ha.Mode{ha.Sync, ha.Async} {
		b.Run(mode.String(), func(b *testing.B) {
			o := opt{mode: mode}
			p, s1, s2 := startNode(b, "p", o), startNode(b, "s1", o), startNode(b, "s2", o)
			if err := p.rt.BePrimary("p"); err != nil {
				b.Fatal(err)
			}
			for _, s := range []*tnode{s1, s2} {
				if err := s.rt.BeSecondary(s.name, "p", p.rt.Addr(), true); err != nil {
					b.Fatal(err)
				}
			}
			n := max(b.N, 200)
			v := store.Binary(bytes.Repeat([]byte{1}, 100))
			b.ResetTimer()
			for i := 0; i < n; i++ {
				if _, err := p.rt.Set(fmt.Sprintf("/bench/%d", i%1000), v); err != nil {
					b.Fatal(err)
				}
			}
			el := b.Elapsed()
			b.ReportMetric(float64(el.Microseconds())/float64(n), "us/commit")
		})
	}
}
