package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goha/goha/core/node"
	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/version"
)

func ctl(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// testCluster runs n nodes (alpha, beta, ...) of one config in-process,
// on free loopback ports in a temporary directory; the test's cleanup stops
// them. It returns each node's --ipc flag and the config path.
func testCluster(t *testing.T, n int, firstID int) ([]string, string) {
	t.Helper()
	dir := t.TempDir()
	ports, err := nodetest.FreePorts(2 * n)
	if err != nil {
		t.Fatal(err)
	}
	nodeNames := []string{"alpha", "beta", "gamma"}
	var b strings.Builder
	fmt.Fprintf(&b, "cluster_name = \"ctl\"\nauthkey = \"ctl-test-key-0123456789\"\n[timing]\nheartbeat = \"50ms\"\nfailure_timeout = \"2s\"\n[ha]\ntick_timeout = \"2s\"\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "[[node]]\nid = %d\nname = %q\naddr = \"127.0.0.1:%d\"\nha_addr = \"127.0.0.1:%d\"\nipc = \"unix:%s\"\n",
			firstID+i, nodeNames[i], ports[2*i], ports[2*i+1], filepath.Join(dir, nodeNames[i]+".sock"))
	}
	cfg := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var ipcs []string
	for i := 0; i < n; i++ {
		nd, err := node.Start(node.Options{ConfigPath: cfg, NodeName: nodeNames[i], DataDir: filepath.Join(dir, nodeNames[i]),
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- nd.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		ipcs = append(ipcs, "--ipc=unix:"+filepath.Join(dir, nodeNames[i]+".sock"))
	}
	return ipcs, cfg
}

// waitCtl runs a command until its output contains want (exit 0).
func waitCtl(t *testing.T, want string, args ...string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, out, errs := ctl(args...)
		if code == exitOK && strings.Contains(out, want) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v: no %q: exit %d %q %q", args, want, code, out, errs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestUsageVersionHelp(t *testing.T) {
	for _, args := range [][]string{{}, {"bogus"}, {"set-expected"}, {"set-expected", "x", "--ipc", "unix:/nonexistent"},
		{"--timeout", "soon", "status"}, {"status", "--nope"}, {"cdb"}, {"cdb", "get"}, {"cdb", "set", "/a"},
		{"cdb", "set", "/a", "x", "nosuchtype"}, {"cdb", "set", "/a", "300", "uint8"}, {"cdb", "frob"}, {"ha"},
		{"ha", "status", "x"}, {"cdb", "dump", "/a", "/b"}, {"ha", "be-secondary"}, {"qualify", "a", "maybe"}} {
		if code, _, _ := ctl(append([]string{"--ipc", "unix:/nonexistent"}, args...)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	// One line of reason, then a pointer to --help: no usage dump.
	_, _, errs := ctl("cdb", "set", "/sys/bad", "300", "uint8")
	if lines := strings.Split(strings.TrimSpace(errs), "\n"); len(lines) != 2 || !strings.Contains(lines[0], `"300" is not a valid uint8: write a whole number from 0 to 255`) {
		t.Errorf("cdb set 300 uint8: %q", errs)
	}
	if code, out, _ := ctl("--version"); code != exitOK || out != "gohactl "+version.String()+"\n" {
		t.Errorf("--version: %d %q", code, out)
	}
	for _, h := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		code, out, _ := ctl(h...)
		if code != exitOK || !strings.Contains(out, "ha be-secondary PRIMARY [--addr A] [--async]") {
			t.Errorf("%v: %d %q", h, code, out)
		}
	}
	if code, out, _ := ctl("--help", "qualify"); code != exitOK || !strings.Contains(out, "qualify NODE qualified|disqualified") {
		t.Errorf("--help qualify: %d %q", code, out)
	}
	code, _, errs := ctl("--ipc", "unix:"+filepath.Join(t.TempDir(), "none.sock"), "status")
	if code != exitGone || !strings.Contains(errs, "not reachable") {
		t.Errorf("no daemon: exit %d %q", code, errs)
	}
	t.Setenv("GOHA_IPC", "unix:"+filepath.Join(t.TempDir(), "env.sock"))
	if code, _, errs := ctl("quorum"); code != exitGone || !strings.Contains(errs, "env.sock") {
		t.Errorf("GOHA_IPC not used: exit %d %q", code, errs)
	}
}

// TestTextOutput checks the text forms and the exit codes against a
// one-node and a two-node cluster.
func TestTextOutput(t *testing.T) {
	ipcs, _ := testCluster(t, 1, 4)
	ipc := ipcs[0]
	waitCtl(t, "4 alpha", ipc, "master")
	code, out, _ := ctl(ipc, "status")
	for _, want := range []string{"Node ID:          4 (alpha)", "Quorate:          Yes", "Master:           alpha (4)", "alpha (local)", "master"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Fatalf("status lacks %q (exit %d):\n%s", want, code, out)
		}
	}
	for _, cmd := range [][]string{{"status"}, {"list"}, {"-l"}, {"members"}, {"quorum"}, {"ha", "status"}} {
		_, out, _ := ctl(append([]string{ipc}, cmd...)...)
		for i, l := range strings.Split(out, "\n") {
			if strings.TrimRight(l, " ") != l {
				t.Errorf("%v: line %d has trailing spaces: %q", cmd, i+1, l)
			}
		}
	}
	// status and list share one node table.
	_, st, _ := ctl(ipc, "status")
	_, ls, _ := ctl(ipc, "list")
	tbl := func(s string) string { return s[strings.Index(s, "Nodeid"):] }
	if tbl(st) != tbl(ls) {
		t.Errorf("status and list tables differ:\n%s\n%s", tbl(st), tbl(ls))
	}
	// Refusals exit 1 with the daemon's reason.
	if code, _, errs := ctl(ipc, "set-expected", "0"); code != exitRefused || !strings.Contains(errs, "invalid") {
		t.Fatalf("set-expected 0: %d %q", code, errs)
	}
	if code, _, errs := ctl(ipc, "set-votes", "nosuch", "1"); code != exitUsage || !strings.Contains(errs, "the nodes are alpha (4)") {
		t.Fatalf("set-votes unknown name: %d %q", code, errs)
	}
	if code, out, errs := ctl(ipc, "set-expected", "1"); code != exitOK || !strings.Contains(out, "expected votes set to 1") {
		t.Fatalf("set-expected 1: %d %q %q", code, out, errs)
	}
	if code, _, errs := ctl(ipc, "release-mastership"); code != exitRefused || !strings.Contains(errs, "canceled") {
		t.Fatalf("release with nobody to take over: %d %q", code, errs)
	}
	if code, _, errs := ctl(ipc, "cdb", "get", "/nothing"); code != exitRefused || !strings.Contains(errs, "CONFD_ERR_NOEXISTS") {
		t.Fatalf("cdb get of a missing path: %d %q", code, errs)
	}
}

// TestNotQuorateExit2: status exits 2 (and still prints) when not quorate.
func TestNotQuorateExit2(t *testing.T) {
	// Two nodes configured, one running: not quorate (1 of 2 votes).
	dir := t.TempDir()
	ports, _ := nodetest.FreePorts(4)
	cfg := filepath.Join(dir, "c.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`cluster_name = "nq"
authkey = "k-nq-0123456789abcdef"
[timing]
heartbeat = "20ms"
failure_timeout = "200ms"
[[node]]
id = 1
name = "a"
addr = "127.0.0.1:%d"
ha_addr = "127.0.0.1:%d"
ipc = "unix:%s/a.sock"
[[node]]
id = 2
name = "b"
addr = "127.0.0.1:%d"
ha_addr = "127.0.0.1:%d"
ipc = "unix:%s/b.sock"
`, ports[0], ports[1], dir, ports[2], ports[3], dir)), 0o600)
	nd, err := node.Start(node.Options{ConfigPath: cfg, NodeName: "a", DataDir: filepath.Join(dir, "a"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- nd.Run(ctx) }()
	defer func() { cancel(); <-done }()
	ipc := "--ipc=unix:" + dir + "/a.sock"
	waitCtl(t, "", ipc, "quorum")
	for _, args := range [][]string{{"status"}, {"--json", "status"}, {"-s"}} {
		code, out, _ := ctl(append([]string{ipc}, args...)...)
		if code != exitNotQuorate || !strings.Contains(out, "Quorate:          No") && !strings.Contains(out, `"quorate": false`) {
			t.Errorf("%v: exit %d, want 2:\n%s", args, code, out)
		}
	}
	if code, _, _ := ctl(ipc, "list"); code != exitOK {
		t.Errorf("list while not quorate: exit %d", code)
	}
}

// syncBuf is a goroutine-safe buffer for watch output.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
