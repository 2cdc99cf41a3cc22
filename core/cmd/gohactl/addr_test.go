package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goha/goha/core/node"
	"github.com/goha/goha/core/node/nodetest"
)

// startTCPNode runs a one-node cluster in-process whose control endpoint
// is TCP on host ("127.0.0.1", "[::1]", "localhost") and a free port; the
// test's cleanup stops it. It returns the node's ipc address.
func startTCPNode(t *testing.T, id int, host string) string {
	t.Helper()
	dir := t.TempDir()
	ports, err := nodetest.FreePorts(3)
	if err != nil {
		t.Fatal(err)
	}
	ipc := fmt.Sprintf("%s:%d", host, ports[2])
	cfg := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`cluster_name = "ctl"
authkey = "ctl-test-key-0123456789"
[timing]
heartbeat = "20ms"
failure_timeout = "200ms"
[[node]]
id = %d
name = "alpha"
addr = "127.0.0.1:%d"
ha_addr = "127.0.0.1:%d"
ipc = "%s"
`, id, ports[0], ports[1], ipc)), 0o600); err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(node.Options{ConfigPath: cfg, NodeName: "alpha", DataDir: filepath.Join(dir, "d"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return ipc
}

// TestTCPAddressForms: gohactl reaches a daemon whose control endpoint is
// TCP by IPv4 literal, host name and IPv6 literal, with --ipc and with
// GOHA_IPC.
func TestTCPAddressForms(t *testing.T) {
	v4 := startTCPNode(t, 5, "localhost")
	_, port, _ := net.SplitHostPort(v4)
	addrs := []string{v4, "127.0.0.1:" + port}
	if ln, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Logf("no IPv6 loopback here (%v): [::1] not tested", err)
	} else {
		ln.Close()
		addrs = append(addrs, startTCPNode(t, 6, "[::1]"))
	}
	// nodeOf is the node id of a status --json output (0 if none).
	nodeOf := func(out string) int {
		var st struct{ Node struct{ ID int } }
		json.Unmarshal([]byte(out), &st)
		return st.Node.ID
	}
	for _, addr := range addrs {
		want := 5
		if strings.HasPrefix(addr, "[") {
			want = 6
		}
		if code, out, errs := ctl("--ipc", addr, "--json", "status"); code == exitGone || nodeOf(out) != want {
			t.Errorf("--ipc %s: exit %d %q %q", addr, code, out, errs)
		}
		t.Setenv("GOHA_IPC", addr)
		if code, out, errs := ctl("--json", "status"); code == exitGone || nodeOf(out) != want {
			t.Errorf("GOHA_IPC=%s: exit %d %q %q", addr, code, out, errs)
		}
	}
}
