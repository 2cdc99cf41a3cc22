package itest

// The attacks of issue 10 against a real gohad, each at the counts
// and with bounded time, each asserting its bounds: gohad's peak resident
// memory (VmHWM) under 64 MiB, a normal client's request p99 under 10 ms
// during the attack, the abuse logged at most once per kind per 5 s, and
// what must be refused is refused. Attacks on the control endpoint come
// from another local user in the socket's group when the suite runs as
// root (the threat: a local user who may use the endpoint), otherwise
// from the test's own user; either way the normal client, connected
// before the attack, must be served throughout.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/wire"
)

// Bounds of issue 10.
const (
	rssLimit = 64 << 20
	p99Limit = 10 * time.Millisecond
)

// procMem returns a process's resident set now and at its peak.
func procMem(t *testing.T, pid int) (rss, peak int64) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	field := func(name string) int64 {
		m := regexp.MustCompile(name + `:\s+(\d+) kB`).FindSubmatch(b)
		if m == nil {
			t.Fatalf("/proc/%d/status has no %s", pid, name)
		}
		v, _ := strconv.ParseInt(string(m[1]), 10, 64)
		return v << 10
	}
	return field("VmRSS"), field("VmHWM")
}

// prober is a normal client: one connection made before the attack,
// asking the daemon for its status every few ms.
type prober struct {
	mu    sync.Mutex
	lat   []time.Duration
	fails int
	stop  chan struct{}
	done  chan struct{}
}

func startProber(t *testing.T, ipc string) *prober {
	t.Helper()
	c, err := client.Dial(ipc, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	p := &prober{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		defer c.Close()
		for {
			select {
			case <-p.stop:
				return
			case <-time.After(time.Millisecond): // enough requests for a p99 that is not just the worst one
			}
			start := time.Now()
			_, err := c.Status()
			d := time.Since(start)
			p.mu.Lock()
			if err != nil {
				p.fails++
			} else {
				p.lat = append(p.lat, d)
			}
			p.mu.Unlock()
		}
	}()
	return p
}

// take returns the latencies so far (and forgets them) and the failures.
func (p *prober) take() ([]time.Duration, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l, f := p.lat, p.fails
	p.lat, p.fails = nil, 0
	return l, f
}

func (p *prober) close() { close(p.stop); <-p.done }

// count is how many requests were served since the last take.
func (p *prober) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.lat)
}

// minSamples: requests a p99 is computed over at least (when the machine
// lets the prober make them within 5 s more).
const minSamples = 500

func p99(l []time.Duration) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	return s[min(len(s)-1, int(math.Ceil(0.99*float64(len(s))))-1)]
}

// secNode is a cluster for an attack on node 1: its process, the normal
// client's prober, a control prober on node 2 (not attacked, same
// machine) and the log to check.
type secNode struct {
	c       *nodetest.Cluster
	pid     int
	pr      *prober
	control *prober
}

func startSecNode(t *testing.T, spec nodetest.Spec) *secNode {
	t.Helper()
	if spec.HA == "" {
		spec.HA = "tick_timeout = \"1s\""
	}
	spec.Nodes = max(2, spec.Nodes)
	c := startCluster(t, spec.Nodes, spec)
	startAll(t, c, seq(spec.Nodes)...)
	for i := 1; i <= 2; i++ {
		if _, err := c.WaitFor(i, converge, "quorate", func(s *wire.Status) bool { return s.Quorum.Flags&wire.VQQuorate != 0 }); err != nil {
			t.Fatal(err)
		}
	}
	n := &secNode{c: c, pid: c.Pid(1), pr: startProber(t, c.IPC(1)), control: startProber(t, c.IPC(2))}
	t.Cleanup(func() { n.pr.close(); n.control.close() })
	return n
}

// attack runs fn (the attack, which returns once it is under way) while
// the normal client keeps asking, then holds it for hold; then checks the
// bounds and that the daemon logged logLine at least once but at most
// once per 5 s (plus one). It returns the peak memory seen.
func (n *secNode) attack(t *testing.T, name, logLine string, hold time.Duration, fn func()) int64 {
	t.Helper()
	time.Sleep(300 * time.Millisecond) // a baseline for the normal client
	base, _ := n.pr.take()
	n.control.take()
	rss0, _ := procMem(t, n.pid)
	logBefore := n.logCount(t, logLine)
	start := time.Now()
	fn()
	time.Sleep(hold)
	// At least minSamples requests, so that the p99 is not one hiccup.
	for wait := time.Now().Add(5 * time.Second); n.pr.count() < minSamples && time.Now().Before(wait); {
		time.Sleep(50 * time.Millisecond)
	}
	dur := time.Since(start)
	during, fails := n.pr.take()
	control, _ := n.control.take()
	rss, peak := procMem(t, n.pid)
	lines := n.logCount(t, logLine) - logBefore
	t.Logf("%s: gohad RSS %.1f MiB before, %.1f MiB after, peak %.1f MiB; normal client p99 %v during (%d requests, %d failed), %v before, %v on the node not attacked; %d log lines in %v",
		name, mib(rss0), mib(rss), mib(peak), p99(during), len(during), fails, p99(base), p99(control), lines, dur.Round(time.Millisecond))
	if peak >= rssLimit {
		t.Errorf("%s: gohad's peak RSS %.1f MiB, limit %d MiB", name, mib(peak), rssLimit>>20)
	}
	if fails > 0 || len(during) == 0 {
		t.Errorf("%s: the normal client failed %d requests (%d served)", name, fails, len(during))
	}
	// On a shared machine (the suite runs packages side by side) a
	// scheduling hiccup alone can pass 10 ms: a p99 over the limit counts
	// as the attack's doing when it is also well over that of the same
	// requests to the node not attacked, measured at the same time.
	if d, c := p99(during), p99(control); d > p99Limit && d > 3*c+2*time.Millisecond {
		t.Errorf("%s: normal client p99 %v during the attack (limit %v; %v on the node not attacked)", name, d, p99Limit, c)
	}
	if logLine != "" {
		if maxLines := int(dur/(5*time.Second)) + 2; lines < 1 || lines > maxLines {
			t.Errorf("%s: %d log lines %q in %v: want 1 to %d (rate-limited)", name, lines, logLine, dur, maxLines)
		}
	}
	return peak
}

func (n *secNode) logCount(t *testing.T, s string) int {
	b, _ := os.ReadFile(n.c.LogPath(1))
	return bytes.Count(b, []byte(s))
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// attacker runs attacks on the control endpoint as another local user
// when the suite runs as root (see attackMain), else in this process.
type attacker struct {
	uid, gid uint32
	bin      string // a copy of this test binary the user can run
	asUser   bool
}

func newAttacker(t *testing.T) *attacker {
	if os.Getuid() != 0 {
		t.Log("not root: the control endpoint attacks run as the test's own user (no second user to tell apart)")
		return &attacker{}
	}
	_, uid, gid := nodetest.UnprivilegedUser(t)
	dir := filepath.Dir(gohactl) // mode 0755
	bin := filepath.Join(dir, fmt.Sprintf("attack-%d", os.Getpid()))
	self, err := os.ReadFile("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(bin) })
	return &attacker{uid: uid, gid: gid, bin: bin, asUser: true}
}

// run starts attack mode with count connections against ipc and returns
// once the attack is under way; stop ends it and returns how many of the
// attacker's connections the daemon had not closed. The process prints
// "ready N" once it has made its N connections (fewer than count fail the
// test: the attack would not be the issue's) and "open N" at the end.
func (a *attacker) run(t *testing.T, mode, ipc string, count int) (stop func() int) {
	t.Helper()
	opened := func(n int) {
		if n < count {
			t.Errorf("%s: the attacker made %d of %d connections", mode, n, count)
		}
	}
	if !a.asUser {
		s := make(chan struct{})
		ready, open := make(chan int, 1), make(chan int, 1)
		go func() { open <- runAttack(mode, ipc, count, func(n int) { ready <- n }, s) }()
		opened(<-ready)
		return func() int { close(s); return <-open }
	}
	cmd := exec.Command(a.bin, "-test.run=^$")
	cmd.Env = []string{"GOHA_ITEST_ATTACK=" + mode, "GOHA_ITEST_TARGET=" + ipc, "GOHA_ITEST_COUNT=" + strconv.Itoa(count)}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: a.uid, Gid: a.gid}, Setpgid: true}
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(out)
	line, err := br.ReadString('\n')
	var n int
	if _, serr := fmt.Sscanf(line, "ready %d", &n); err != nil || serr != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("attacker: %q %v", line, err)
	}
	opened(n)
	return func() int {
		stdin.Close()
		open := -1
		last, _ := br.ReadString('\n')
		fmt.Sscanf(last, "open %d", &open)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if open < 0 {
			t.Errorf("%s: the attacker did not report its connections", mode)
		}
		return open
	}
}

// attackMain is the attacker process (TestMain calls it in attack mode).
func attackMain(mode string) int {
	n, _ := strconv.Atoi(os.Getenv("GOHA_ITEST_COUNT"))
	stop := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(stop) }()
	open := runAttack(mode, os.Getenv("GOHA_ITEST_TARGET"), n, func(k int) { fmt.Println("ready", k) }, stop)
	fmt.Println("open", open)
	return 0
}

// runAttack opens count connections to the control endpoint at ipc and
// misbehaves on each as mode says, calls ready with the number it could
// open, and keeps them (feeding the slow ones) until stop closes; it
// returns how many the daemon still had open then.
func runAttack(mode, ipc string, count int, ready func(int), stop <-chan struct{}) int {
	network, address, _ := client.SplitAddr(ipc)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	hello := func() []byte {
		b, _ := wire.EncodeBody(&wire.Hello{Proto: wire.ProtocolVersion, Software: "attacker"})
		m, _ := wire.EncodeMsg(&wire.Msg{Type: wire.TypeHello, Body: b})
		return wire.AppendFrame(nil, m)
	}()
	big := make([]byte, 4<<20)
	for i := 0; i < count; i++ {
		c, err := net.Dial(network, address)
		if err != nil {
			fmt.Fprintln(os.Stderr, "attacker:", err)
			continue
		}
		conns = append(conns, c)
		switch mode {
		case "prehello-4MiB": // a 4 MiB frame instead of a hello
			c.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
			c.Write(binary.BigEndian.AppendUint32(nil, uint32(len(big))))
			c.Write(big)
		case "held", "slow", "unfinished-4MiB":
			c.Write(hello)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			wire.ReadFrame(c, wire.MaxFrame)
			switch mode {
			case "slow": // a frame's first byte; one more per second below
				c.Write([]byte{0})
			case "unfinished-4MiB": // all of a 4 MiB request but its last byte
				c.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
				c.Write(binary.BigEndian.AppendUint32(nil, uint32(len(big))))
				c.Write(big[:len(big)-1])
			}
		}
	}
	ready(len(conns))
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			if mode == "held" { // these may stay
				return countOpen(conns)
			}
			return openAfter(conns, 5*time.Second)
		case <-tick.C:
			if mode == "slow" {
				for _, c := range conns {
					c.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
					c.Write([]byte{0})
				}
			}
		}
	}
}

// openAfter waits up to grace for the daemon to close conns and returns
// how many it has not: a connection the kernel queued while the daemon
// was busy is accepted late, and its time only starts then.
func openAfter(conns []net.Conn, grace time.Duration) int {
	deadline := time.Now().Add(grace)
	for {
		n := countOpen(conns)
		if n == 0 || time.Now().After(deadline) {
			return n
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// countOpen counts the connections the other end has not closed: a read
// that times out rather than meeting EOF or a reset.
func countOpen(conns []net.Conn) int {
	n := 0
	buf := make([]byte, 64<<10)
	for _, c := range conns {
		for {
			c.SetReadDeadline(time.Now().Add(time.Millisecond))
			_, err := c.Read(buf)
			if err == nil {
				continue // drain what the daemon said before closing
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				n++
			}
			break
		}
	}
	return n
}

// TestControlEndpointAttacks: issue 10's attacks on the control socket.
// Before (main as landed): 200 connections each sending a 4 MiB frame
// before the hello took RSS from 22 to 852 MB; 300 frames arriving one
// byte per second were all still open after 14 s; 1,100 held connections
// made 40 of 67 new clients fail; 100 unfinished 4 MiB frames took RSS to
// 442 MB.
func TestControlEndpointAttacks(t *testing.T) {
	at := newAttacker(t)
	spec := nodetest.Spec{}
	if at.asUser {
		spec.NodeExtra = map[int]string{1: fmt.Sprintf("ipc_group = %d", at.gid)}
	}
	n := startSecNode(t, spec)
	for d := n.c.Dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755) // the attacking user must reach the socket
	}
	ipc := n.c.IPC(1)

	var stop func() int
	n.attack(t, "200 x 4 MiB frames before the hello", "control client dropped before hello", 2*time.Second, func() {
		stop = at.run(t, "prehello-4MiB", ipc, 200)
	})
	if open := stop(); open > 0 {
		t.Errorf("%d connections that sent a 4 MiB frame for a hello are still open", open)
	}

	n.attack(t, "300 frames at one byte per second", "control client dropped: bad or slow frame", 12*time.Second, func() {
		stop = at.run(t, "slow", ipc, 300)
	})
	if open := stop(); open > 0 {
		t.Errorf("%d slow clients still open after %v (FrameTimeout)", open, 12*time.Second)
	}

	var probes, probeFails atomic.Int32
	n.attack(t, "1,100 held connections", "control clients: closing the oldest connection to make room", 3*time.Second, func() {
		stop = at.run(t, "held", ipc, 1100)
		for i := 0; i < 67; i++ { // new clients while they are held
			probes.Add(1)
			c, err := client.Dial(ipc, 2*time.Second)
			if err == nil {
				_, err = c.Status()
				c.Close()
			}
			if err != nil {
				probeFails.Add(1)
			}
		}
	})
	stop()
	if f := probeFails.Load(); f > 0 {
		t.Errorf("%d of %d new clients failed while 1,100 connections were held", f, probes.Load())
	}

	n.attack(t, "100 unfinished 4 MiB frames after the hello", "control client dropped: bad or slow frame", 12*time.Second, func() {
		stop = at.run(t, "unfinished-4MiB", ipc, 100)
	})
	if open := stop(); open > 0 {
		t.Errorf("%d unfinished frames still open after %v (FrameTimeout)", open, 12*time.Second)
	}
}

// TestHAPortAttacks: issue 10's attacks on the HA port of a primary, from
// anyone who can reach it. Before: 300 connections kept alive with
// pre-auth ticks took RSS from 21 to 138 MB; 30 connections each
// announcing a 16 MiB frame took it from 150 to 541 MB in 1.1 s. A real
// secondary attaches during each attack.
func TestHAPortAttacks(t *testing.T) {
	const token = "ha-attack-token"
	n := startSecNode(t, nodetest.Spec{Nodes: 3, HA: fmt.Sprintf("token = %q\ntick_timeout = \"1s\"", token)})
	p, err := n.c.Dial(1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.HAConnect(token); err != nil {
		t.Fatal(err)
	}
	if err := p.BePrimary("n1"); err != nil {
		t.Fatal(err)
	}
	s, err := n.c.Dial(3) // node 2 is the control
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.HAConnect(token); err != nil {
		t.Fatal(err)
	}
	haAddr := fmt.Sprintf("127.0.0.1:%d", n.c.Ports[n.c.Spec.Nodes]) // node 1's ha_addr
	secondary := func() {
		t.Helper()
		if err := s.BeNone(); err != nil {
			t.Fatal(err)
		}
		if err := s.BeSecondary("n3", "n1", "", true); err != nil {
			t.Errorf("a real secondary could not attach during the attack: %v", err)
		}
	}

	var conns []net.Conn
	closeAll := func() {
		for _, c := range conns {
			c.Close()
		}
		conns = nil
	}
	hello := func(i int) []byte {
		b, _ := wire.EncodeHAMsg(&ha.Message{Type: ha.MsgHello, Seq: 1, Vsn: ha.ProtocolVersion, From: fmt.Sprint("x", i), To: "n1",
			Nonce: bytes.Repeat([]byte{byte(i)}, 16)})
		return wire.AppendHAFrame(nil, nil, b)
	}
	tick := func(seq uint64) []byte {
		b, _ := wire.EncodeHAMsg(&ha.Message{Type: ha.MsgTick, Seq: seq})
		return wire.AppendHAFrame(nil, nil, b)
	}
	n.attack(t, "300 HA connections kept alive with ticks", "in their handshake; closing the oldest", 7*time.Second, func() {
		for i := 0; i < 300; i++ {
			c, err := net.Dial("tcp", haAddr)
			if err != nil {
				continue
			}
			conns = append(conns, c)
			c.Write(hello(i))
		}
		go func() { // keep them ticking, as the attacker did
			for seq := uint64(2); seq < 40; seq++ {
				time.Sleep(200 * time.Millisecond)
				for _, c := range conns {
					c.SetWriteDeadline(time.Now().Add(5 * time.Millisecond))
					c.Write(tick(seq))
				}
			}
		}()
		secondary()
	})
	if open := openAfter(conns, 5*time.Second); open > 0 {
		t.Errorf("%d connections still open after the handshake timeout", open)
	}
	closeAll()

	chunk := make([]byte, 1<<20)
	n.attack(t, "30 HA connections announcing 16 MiB frames", "(limit 4096)", 2*time.Second, func() {
		for i := 0; i < 30; i++ {
			c, err := net.Dial("tcp", haAddr)
			if err != nil {
				continue
			}
			conns = append(conns, c)
			c.Write(binary.BigEndian.AppendUint32(nil, 16<<20))
			c.Write([]byte{wire.HAFramePlain})
			c.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
			c.Write(chunk)
		}
		secondary()
	})
	if open := openAfter(conns, 5*time.Second); open > 0 {
		t.Errorf("%d connections announcing 16 MiB frames still open", open)
	}
	closeAll()
}

// TestAccessControlRealUser (root only: it creates an unprivileged user):
// issue 10's attack was a freshly created user running gohactl cdb set on
// a TCP control endpoint and taking over HA control. Now: on a TCP
// endpoint with ipc_access_file the user, who cannot read the file, is
// refused; on a unix socket (mode 0660) the user cannot connect unless in
// ipc_group, and even then only if ipc_allow_uids lists it.
func TestAccessControlRealUser(t *testing.T) {
	_, uid, gid := nodetest.UnprivilegedUser(t)
	dir, err := os.MkdirTemp("", "goha-acl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755) // so the user can reach the sockets
	secret := filepath.Join(dir, "ipc.secret")
	if err := os.WriteFile(secret, bytes.Repeat([]byte{1}, 32), 0o640); err != nil { // root's group, not the user's
		t.Fatal(err)
	}
	ports, err := nodetest.FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	tcp := fmt.Sprintf("127.0.0.1:%d", ports[0])
	c, err := nodetest.New(dir, gohad, nodetest.Spec{Nodes: 4, Heartbeat: hb, FailureTimeout: ft,
		NodeIPC: map[int]string{4: tcp},
		NodeExtra: map[int]string{
			1: "", // mode 0660, gohad's group: not the user's
			2: fmt.Sprintf("ipc_group = %d\nipc_allow_uids = [4242]", gid),
			3: fmt.Sprintf("ipc_group = %d\nipc_allow_uids = [%d]", gid, uid),
			4: fmt.Sprintf("ipc_access_file = %q", secret),
		}})
	if err != nil {
		t.Fatal(err)
	}
	c.StopOnCleanup(t, 20)
	t.Setenv(client.EnvIPCAccessFile, secret) // for this test's own (root's) clients
	startAll(t, c, 1, 2, 3, 4)
	for i := 1; i <= 4; i++ {
		if _, err := c.WaitFor(i, converge, "up", func(*wire.Status) bool { return true }); err != nil {
			t.Fatal(err)
		}
	}
	asUser := func(ipc string, args ...string) (string, error) {
		cmd := exec.Command(gohactl, append([]string{"--ipc", ipc, "--timeout", "3s"}, args...)...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}}
		cmd.Env = []string{"PATH=/usr/bin:/bin", "GOHA_IPC_ACCESS_FILE=" + secret}
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	for _, tc := range []struct {
		node int
		want string // "" = served
	}{{1, "permission denied"}, {2, "may not use this control endpoint"}, {3, ""}, {4, "access"}} {
		out, err := asUser(c.IPC(tc.node), "cdb", "set", "/taken", "over")
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("node %d: the allowed user was refused: %v %s", tc.node, err, out)
		case tc.want != "" && (err == nil || !strings.Contains(out, tc.want)):
			t.Errorf("node %d: want a refusal mentioning %q, got %v: %s", tc.node, tc.want, err, out)
		default:
			t.Logf("node %d (%s): %s", tc.node, c.IPC(tc.node), out)
		}
	}
	// The daemon logged the refusal of node 2's client.
	if b, _ := os.ReadFile(c.LogPath(2)); !bytes.Contains(b, []byte("not in ipc_allow_uids")) {
		t.Error("node 2 did not log the refused user")
	}
}
