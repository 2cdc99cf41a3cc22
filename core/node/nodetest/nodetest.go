// Package nodetest runs real gohad processes on loopback for integration
// tests and benchmarks: it builds the binaries, writes a cluster config on
// free ports, starts and signals the processes (each in its own process
// group, so a test can always kill everything it started) and waits for
// conditions by polling the control protocol with deadlines, never by
// sleeping a fixed time.
package nodetest

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
	"strconv"
)

// Build compiles gohad and gohactl from the module containing this package
// into dir and returns their paths. They carry the repository's VERSION, as
// the Makefile's builds do.
func Build(dir string) (gohad, gohactl string, err error) {
	root, err := moduleRoot()
	if err != nil {
		return "", "", err
	}
	v, err := os.ReadFile(filepath.Join(root, "VERSION"))
	if err != nil {
		return "", "", err
	}
	ldflags := "-X github.com/goha/goha/core/version.version=" + strings.TrimSpace(string(v))
	gohad = filepath.Join(dir, "gohad")
	gohactl = filepath.Join(dir, "gohactl")
	for bin, pkg := range map[string]string{gohad: "./core/cmd/gohad", gohactl: "./core/cmd/gohactl"} {
		cmd := exec.Command("go", "build", "-ldflags", ldflags, "-o", bin, pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", "", fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return gohad, gohactl, nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the goha module")
	}
	return filepath.Dir(mod), nil
}

// FreePorts returns n distinct loopback ports free for both UDP and TCP at
// the time of the call.
func FreePorts(n int) ([]int, error) {
	var ports []int
	var hold []func()
	defer func() {
		for _, h := range hold {
			h()
		}
	}()
	for len(ports) < n {
		u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return nil, err
		}
		p := u.LocalAddr().(*net.UDPAddr).Port
		t, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			u.Close()
			continue
		}
		hold = append(hold, func() { u.Close(); t.Close() })
		ports = append(ports, p)
	}
	return ports, nil
}

// Spec describes a test cluster.
type Spec struct {
	Nodes          int
	Heartbeat      string // e.g. "30ms"
	FailureTimeout string // e.g. "300ms"
	AuthKey        string // default "nodetest-secret"
	// Extra is appended to the [quorum] table (e.g. "wait_for_all = true").
	Extra string
	// HA is the body of the [ha] table (e.g. "tick_timeout = \"200ms\"").
	HA string
	// Top is appended to the top-level keys (e.g. "ipc_access_file = ...").
	Top string
	// NodeIPC overrides node i's ipc (e.g. a loopback TCP address).
	NodeIPC map[int]string
	// NodeExtra is appended to node i's table (e.g. "ipc_group = 1001").
	NodeExtra map[int]string
	// NodeHost is node i's IP for addr and ha_addr (default 127.0.0.1),
	// e.g. its address in a network namespace of its own.
	NodeHost map[int]string
	// NodeExec is the command that runs node i's gohad, as a prefix of
	// its arguments (e.g. ip netns exec NS); it must exec gohad in the
	// same process, so that signals reach it.
	NodeExec map[int][]string
}

// Cluster is a set of gohad processes of one config.
type Cluster struct {
	Dir    string
	Gohad  string
	Config string
	Spec   Spec
	Ports  []int // membership (UDP) ports of nodes 1..n, then their HA (TCP) ports

	mu    sync.Mutex
	procs map[int]*exec.Cmd // by node index (1-based)
	logs  map[int]*os.File
}

// DefaultAuthKey is the authkey of a Spec that sets none.
const DefaultAuthKey = "nodetest-secret-0123456789"

// New writes the config of spec under dir (which must exist) and returns
// the cluster, with no process started. The file has mode 0600: it holds
// the authkey.
func New(dir, gohad string, spec Spec) (*Cluster, error) {
	if spec.AuthKey == "" {
		spec.AuthKey = DefaultAuthKey
	}
	ports, err := FreePorts(2 * spec.Nodes)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, Gohad: gohad, Spec: spec, Ports: ports, procs: map[int]*exec.Cmd{}, logs: map[int]*os.File{}}
	c.Config = filepath.Join(dir, "cluster.toml")
	if err := os.WriteFile(c.Config, []byte(c.ConfigText(spec.AuthKey)), 0o600); err != nil {
		return nil, err
	}
	return c, nil
}

// ConfigText renders the cluster config with the given authkey.
func (c *Cluster) ConfigText(authkey string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "cluster_name = \"nodetest\"\ndomain_id = 5\nauthkey = %q\n%s\n\n", authkey, c.Spec.Top)
	fmt.Fprintf(&b, "[timing]\nheartbeat = %q\nfailure_timeout = %q\n\n", c.Spec.Heartbeat, c.Spec.FailureTimeout)
	fmt.Fprintf(&b, "[quorum]\n%s\n\n", c.Spec.Extra)
	if c.Spec.HA != "" {
		fmt.Fprintf(&b, "[ha]\n%s\n\n", c.Spec.HA)
	}
	for i := 1; i <= c.Spec.Nodes; i++ {
		host := c.Spec.NodeHost[i]
		if host == "" {
			host = "127.0.0.1"
		}
		fmt.Fprintf(&b, "[[node]]\nid = %d\nname = \"n%d\"\naddr = \"%s:%d\"\nha_addr = \"%s:%d\"\nipc = %q\n%s\n\n",
			i, i, host, c.Ports[i-1], host, c.Ports[c.Spec.Nodes+i-1], c.IPC(i), c.Spec.NodeExtra[i])
	}
	return b.String()
}

// Socket is node i's control socket path.
func (c *Cluster) Socket(i int) string { return filepath.Join(c.Dir, fmt.Sprintf("n%d.sock", i)) }

// IPC is node i's control address.
func (c *Cluster) IPC(i int) string {
	if a, ok := c.Spec.NodeIPC[i]; ok {
		return a
	}
	return "unix:" + c.Socket(i)
}

// LogPath is node i's log file (stderr of every run, appended).
func (c *Cluster) LogPath(i int) string { return filepath.Join(c.Dir, fmt.Sprintf("n%d.log", i)) }

// DataDir is node i's data directory.
func (c *Cluster) DataDir(i int) string { return filepath.Join(c.Dir, fmt.Sprintf("data%d", i)) }

// Start runs node i with the cluster config.
func (c *Cluster) Start(i int) error { return c.StartWith(i, c.Config) }

// StartWith runs node i with another config file (e.g. a wrong authkey).
func (c *Cluster) StartWith(i int, config string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.procs[i]; p != nil && p.ProcessState == nil {
		return fmt.Errorf("node %d already running", i)
	}
	lf, err := os.OpenFile(c.LogPath(i), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	args := append(slices.Clone(c.Spec.NodeExec[i]), c.Gohad, "--config", config, "--node", fmt.Sprintf("n%d", i), "--data", c.DataDir(i))
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return err
	}
	c.procs[i] = cmd
	c.logs[i] = lf
	go func() { cmd.Wait() }()
	return nil
}

// Pid returns node i's process id (0 if never started).
func (c *Cluster) Pid(i int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.procs[i]; p != nil {
		return p.Process.Pid
	}
	return 0
}

// Signal sends sig to node i's process group.
func (c *Cluster) Signal(i int, sig syscall.Signal) error {
	pid := c.Pid(i)
	if pid == 0 {
		return fmt.Errorf("node %d not started", i)
	}
	return syscall.Kill(-pid, sig)
}

// WaitExit waits up to timeout for node i's process to exit and returns its
// exit code.
func (c *Cluster) WaitExit(i int, timeout time.Duration) (int, error) {
	pid := c.Pid(i)
	if pid == 0 {
		return 0, fmt.Errorf("node %d not started", i)
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		st := c.procs[i].ProcessState
		c.mu.Unlock()
		if st != nil {
			return st.ExitCode(), nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0, fmt.Errorf("node %d did not exit within %v", i, timeout)
}

// Kill SIGKILLs node i and waits for it to be gone.
func (c *Cluster) Kill(i int) error {
	if err := c.Signal(i, syscall.SIGKILL); err != nil {
		return err
	}
	_, err := c.WaitExit(i, 10*time.Second)
	return err
}

// StopAll kills every process still running (SIGCONT first, in case one
// is stopped) and closes the log files. Safe to call more than once.
func (c *Cluster) StopAll() {
	c.mu.Lock()
	var pids []int
	for _, p := range c.procs {
		if p.ProcessState == nil {
			pids = append(pids, p.Process.Pid)
		}
	}
	c.mu.Unlock()
	for _, pid := range pids {
		syscall.Kill(-pid, syscall.SIGCONT)
		syscall.Kill(-pid, syscall.SIGKILL)
	}
	for i := range c.procs {
		c.WaitExit(i, 5*time.Second)
	}
	c.mu.Lock()
	for _, f := range c.logs {
		f.Close()
	}
	c.logs = map[int]*os.File{}
	c.mu.Unlock()
}

// Dial connects to node i's control endpoint.
func (c *Cluster) Dial(i int) (*client.Client, error) {
	return client.Dial(c.IPC(i), 2*time.Second)
}

// Status asks node i for its status over a fresh connection.
func (c *Cluster) Status(i int) (*wire.Status, error) {
	cl, err := c.Dial(i)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	return cl.Status()
}

// WaitFor polls node i's status until pred holds or timeout passes; it
// returns the last status seen and an error describing it on timeout.
func (c *Cluster) WaitFor(i int, timeout time.Duration, what string, pred func(*wire.Status) bool) (*wire.Status, error) {
	deadline := time.Now().Add(timeout)
	var last *wire.Status
	var lastErr error
	for {
		st, err := c.Status(i)
		if err == nil {
			last = st
			if pred(st) {
				return st, nil
			}
		} else {
			lastErr = err
		}
		if time.Now().After(deadline) {
			if last != nil {
				return last, fmt.Errorf("node %d: %s not reached within %v: ring %x.%x members %v master %d quorate %v",
					i, what, timeout, last.Ring.Rep, last.Ring.Seq, last.Members, last.Master, last.Quorum.Quorate)
			}
			return nil, fmt.Errorf("node %d: %s not reached within %v: %v", i, what, timeout, lastErr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Converged reports whether every node in alive reports the same ring,
// exactly alive as members, quorum, and the same master (non-zero). It
// returns that master.
func (c *Cluster) Converged(alive []int) (master uint32, ring wire.RingID, ok bool) {
	want := make([]uint32, len(alive))
	for k, i := range alive {
		want[k] = uint32(i)
	}
	for k, i := range alive {
		st, err := c.Status(i)
		if err != nil || !st.Quorum.Quorate || st.Master == 0 || !sameIDs(st.Members, want) {
			return 0, wire.RingID{}, false
		}
		if k == 0 {
			master, ring = st.Master, st.Ring
		} else if st.Master != master || st.Ring != ring {
			return 0, wire.RingID{}, false
		}
	}
	return master, ring, true
}

// WaitConverged polls Converged until it holds or timeout passes.
func (c *Cluster) WaitConverged(alive []int, timeout time.Duration) (uint32, wire.RingID, error) {
	deadline := time.Now().Add(timeout)
	for {
		if m, r, ok := c.Converged(alive); ok {
			return m, r, nil
		}
		if time.Now().After(deadline) {
			var desc []string
			for _, i := range alive {
				st, err := c.Status(i)
				if err != nil {
					desc = append(desc, fmt.Sprintf("n%d: %v", i, err))
					continue
				}
				desc = append(desc, fmt.Sprintf("n%d: ring %x.%x members %v master %d quorate %v", i, st.Ring.Rep, st.Ring.Seq, st.Members, st.Master, st.Quorum.Quorate))
			}
			return 0, wire.RingID{}, fmt.Errorf("nodes %v did not converge within %v: %s", alive, timeout, strings.Join(desc, "; "))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func sameIDs(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Main is the TestMain of a package of integration tests: it builds the
// binaries into a fresh temporary directory named after pattern, sets
// *gohad to the daemon's path, runs m and exits with its code, removing
// the binaries. Listing the tests (-test.list, as make test-fuzz does)
// needs no binaries, so it skips the build.
func Main(m *testing.M, pattern string, gohad *string) { MainWith(m, pattern, gohad, nil) }

// MainWith is Main that also returns gohactl's path. The binaries are in a
// directory of mode 0755, so that a test may run them as another user.
func MainWith(m *testing.M, pattern string, gohad, gohactl *string) {
	flag.Parse()
	if f := flag.Lookup("test.list"); f != nil && f.Value.String() != "" {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Chmod(dir, 0o755)
	var ctl string
	*gohad, ctl, err = Build(dir)
	if gohactl != nil {
		*gohactl = ctl
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// StopOnCleanup makes t stop every process of c when it ends, even on
// failure, and, if t failed, log the last lines of each node's log.
func (c *Cluster) StopOnCleanup(t testing.TB, lines int) {
	t.Cleanup(func() {
		c.StopAll()
		if t.Failed() {
			for i := 1; i <= c.Spec.Nodes; i++ {
				if b, err := os.ReadFile(c.LogPath(i)); err == nil {
					t.Logf("log of n%d:\n%s", i, tail(b, lines))
				}
			}
		}
	})
}

// tail returns the last n lines of b.
func tail(b []byte, n int) string {
	ls := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}

// UnprivilegedUser creates a fresh user with its own group, no home and no
// login shell, for a test of what an unprivileged local user can do, and
// deletes it at cleanup. It needs root and useradd: otherwise the test is
// skipped with a line saying so.
func UnprivilegedUser(t testing.TB) (name string, uid, gid uint32) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("SKIP: creating a test user needs root (run the suite as root to test access control with a real unprivileged user)")
	}
	useradd, err := exec.LookPath("useradd")
	if err != nil {
		t.Skip("SKIP: no useradd on this machine: cannot create an unprivileged test user")
	}
	name = fmt.Sprintf("gohat%d", os.Getpid()%100000)
	if out, err := exec.Command(useradd, "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", name).CombinedOutput(); err != nil {
		t.Fatalf("useradd %s: %v %s", name, err, out)
	}
	t.Cleanup(func() { exec.Command("userdel", name).Run() })
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	u64, _ := strconv.ParseUint(u.Uid, 10, 32)
	g64, _ := strconv.ParseUint(u.Gid, 10, 32)
	return name, uint32(u64), uint32(g64)
}
