package haitest

// netlab: real network faults for the partition tests. Every node runs in
// a network namespace of its own with one address (10.77.0.i on its
// loopback device), joined to every other node by a veth pair of its own
// (a full mesh, one route per peer), so a link between two nodes can be
// cut alone: cutting all of a node's links isolates it, cutting one link
// between two nodes that both still reach a third makes that third a
// bridge. A cut takes both ends of the pair down (the kernel drops the
// routes through them: sends fail or vanish as on a pulled cable); a heal
// brings them up and routes again. The control sockets are unix sockets
// in the test's directory, so the test process (in the initial
// namespace) still talks to every node, an isolated one included.
//
// It needs root and iproute2 (ip netns, veth); without them the test says
// so and is skipped.

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

type netlab struct {
	tb   testing.TB
	n    int
	pref string
}

// newNetlab builds the namespaces and the mesh of n nodes, removed at the
// end of the test (register it before the cluster, so that the cluster's
// processes are stopped first).
func newNetlab(tb testing.TB, n int) *netlab {
	tb.Helper()
	if os.Getuid() != 0 {
		tb.Skip("SKIP: the network partition test needs root for network namespaces (ip netns): not run")
	}
	ip, err := exec.LookPath("ip")
	if err != nil {
		tb.Skip("SKIP: no ip command (iproute2): cannot make network namespaces; the network partition test is not run")
	}
	l := &netlab{tb: tb, n: n, pref: fmt.Sprintf("gh%d", os.Getpid()%1000000)}
	probe := l.pref + "probe"
	if out, err := exec.Command(ip, "netns", "add", probe).CombinedOutput(); err != nil {
		tb.Skipf("SKIP: this machine does not allow network namespaces (ip netns add: %v %s): the network partition test is not run", err, strings.TrimSpace(string(out)))
	}
	exec.Command(ip, "netns", "del", probe).Run()
	tb.Cleanup(l.remove)
	for i := 1; i <= n; i++ {
		l.ip("netns", "add", l.ns(i))
		l.ip("-n", l.ns(i), "link", "set", "lo", "up")
		l.ip("-n", l.ns(i), "addr", "add", l.addr(i)+"/32", "dev", "lo")
	}
	for i := 1; i <= n; i++ {
		for j := i + 1; j <= n; j++ {
			l.ip("link", "add", l.dev(i, j), "netns", l.ns(i), "type", "veth", "peer", "name", l.dev(j, i), "netns", l.ns(j))
			l.link(i, j)
		}
	}
	return l
}

func (l *netlab) ns(i int) string     { return fmt.Sprintf("%s-%d", l.pref, i) }
func (l *netlab) addr(i int) string   { return fmt.Sprintf("10.77.0.%d", i) }
func (l *netlab) dev(i, j int) string { return fmt.Sprintf("v%d-%d", i, j) }

func (l *netlab) ip(args ...string) {
	l.tb.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		l.tb.Fatalf("ip %s: %v %s", strings.Join(args, " "), err, out)
	}
}

// hosts and execs are the nodetest.Spec fields that put node i at its
// address in its namespace.
func (l *netlab) hosts() map[int]string {
	m := map[int]string{}
	for i := 1; i <= l.n; i++ {
		m[i] = l.addr(i)
	}
	return m
}

func (l *netlab) execs() map[int][]string {
	m := map[int][]string{}
	for i := 1; i <= l.n; i++ {
		m[i] = []string{"ip", "netns", "exec", l.ns(i)}
	}
	return m
}

// link brings the link between i and j up, with a route each way.
func (l *netlab) link(i, j int) {
	l.tb.Helper()
	for _, e := range [][2]int{{i, j}, {j, i}} {
		a, b := e[0], e[1]
		l.ip("-n", l.ns(a), "link", "set", l.dev(a, b), "up")
		l.ip("-n", l.ns(a), "route", "replace", l.addr(b)+"/32", "dev", l.dev(a, b))
	}
}

// cut takes the link between i and j down at both ends.
func (l *netlab) cut(i, j int) {
	l.tb.Helper()
	l.ip("-n", l.ns(i), "link", "set", l.dev(i, j), "down")
	l.ip("-n", l.ns(j), "link", "set", l.dev(j, i), "down")
}

// isolate cuts every link of node i.
func (l *netlab) isolate(i int) {
	l.tb.Helper()
	for j := 1; j <= l.n; j++ {
		if j != i {
			l.cut(i, j)
		}
	}
}

// split cuts every link between a node of side and one outside it.
func (l *netlab) split(side ...int) {
	l.tb.Helper()
	in := map[int]bool{}
	for _, i := range side {
		in[i] = true
	}
	for i := 1; i <= l.n; i++ {
		for j := i + 1; j <= l.n; j++ {
			if in[i] != in[j] {
				l.cut(i, j)
			}
		}
	}
}

// heal brings every link up.
func (l *netlab) heal() {
	l.tb.Helper()
	for i := 1; i <= l.n; i++ {
		for j := i + 1; j <= l.n; j++ {
			l.link(i, j)
		}
	}
}

func (l *netlab) remove() {
	for i := 1; i <= l.n; i++ {
		exec.Command("ip", "netns", "del", l.ns(i)).Run() // its veth ends go with it
	}
}
