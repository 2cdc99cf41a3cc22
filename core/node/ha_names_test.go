package node

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/wire"
)

// freePortOn returns a TCP port free on ip.
func freePortOn(t *testing.T, ip string) int {
	t.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Skipf("cannot listen on %s (%v): this test needs the whole 127/8 on lo", ip, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// HA node ids as ConfD takes them: any id, reported back in status; a
// besecondary to a primary id that is no config name reaches the address
// the caller gave, with the HA port of the config node at that address.
func TestHANodeIDsAsConfD(t *testing.T) {
	dir := t.TempDir()
	ports, err := nodetest.FreePorts(2)
	if err != nil {
		t.Fatal(err)
	}
	// Node a's HA listener has an address of its own, so that the
	// address tells which node's port to use.
	haA := freePortOn(t, "127.0.0.3")
	cfg := fmt.Sprintf(`cluster_name = "ids"
authkey = "ids-secret-0123456789abcdef"
[timing]
heartbeat = "20ms"
failure_timeout = "400ms"
[ha]
token = "tok"
tick_timeout = "200ms"
[[node]]
id = 1
name = "a"
addr = "127.0.0.1:%d"
ha_addr = "127.0.0.3:%d"
ipc = "unix:%s/a.sock"
[[node]]
id = 2
name = "b"
addr = "127.0.0.1:%d"
ha_addr = "127.0.0.1:%d"
ipc = "unix:%s/b.sock"
`, ports[0], haA, dir, ports[1], freePortOn(t, "127.0.0.1"), dir)
	path := filepath.Join(dir, "cluster.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		n, err := Start(Options{ConfigPath: path, NodeName: name, DataDir: filepath.Join(dir, name), Logger: quietLog()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- n.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
	}
	ha, hb := dialT(t, "unix:"+dir+"/a.sock"), dialT(t, "unix:"+dir+"/b.sock")
	for _, c := range []*client.Client{ha, hb} {
		if err := c.HAConnect("tok"); err != nil {
			t.Fatal(err)
		}
	}
	if err := ha.BePrimary("alpha.example.com"); err != nil {
		t.Fatalf("beprimary with a host name: %v", err)
	}
	// A primary id unknown to the config, at an address no node has: the
	// local HA port there, where nothing listens.
	if err := hb.BeSecondary("beta", "alpha.example.com", "127.0.0.9", true); client.CodeOf(err) != wire.CodeHAConnect {
		t.Fatalf("besecondary to an address without a node: %v", err)
	}
	// At the primary's address: its configured HA port, and the handshake
	// checks the id the secondary expects.
	if err := hb.BeSecondary("beta", "someone-else", "127.0.0.3", true); client.CodeOf(err) != wire.CodeHABadName {
		t.Fatalf("besecondary to the wrong primary id: %v", err)
	}
	if err := hb.BeSecondary("beta", "alpha.example.com", "127.0.0.3", true); err != nil {
		t.Fatalf("besecondary to a primary id that is no config name: %v", err)
	}
	sa, err := ha.HAStatus()
	if err != nil || sa.Name != "alpha.example.com" || len(sa.Nodes) != 1 || sa.Nodes[0].Name != "beta" {
		t.Fatalf("primary's status: %+v %v", sa, err)
	}
	sb, err := hb.HAStatus()
	if err != nil || sb.Name != "beta" || len(sb.Nodes) != 1 || sb.Nodes[0].Name != "alpha.example.com" ||
		sb.Nodes[0].Addr != fmt.Sprintf("127.0.0.3:%d", haA) {
		t.Fatalf("secondary's status: %+v %v", sb, err)
	}
}
