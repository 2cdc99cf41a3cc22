package node

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/wire"
)

// twoNodes runs nodes "a" and "b" of one config in this process and
// returns their control addresses.
func twoNodes(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	ports, err := nodetest.FreePorts(4)
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`cluster_name = "unit"
authkey = "unit-secret-0123456789"
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
ha_addr = "127.0.0.1:%d"
ipc = "unix:%s/a.sock"
[[node]]
id = 2
name = "b"
addr = "127.0.0.1:%d"
ha_addr = "127.0.0.1:%d"
ipc = "unix:%s/b.sock"
`, ports[0], ports[1], dir, ports[2], ports[3], dir)
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
	return "unix:" + filepath.Join(dir, "a.sock"), "unix:" + filepath.Join(dir, "b.sock")
}

func dialT(t *testing.T, addr string) *client.Client {
	t.Helper()
	c, err := client.Dial(addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetTimeout(10 * time.Second)
	t.Cleanup(func() { c.Close() })
	return c
}

// nextHA waits for the next HA event on c.
func nextHA(t *testing.T, c *client.Client, within time.Duration) (wire.HAEvent, bool) {
	t.Helper()
	select {
	case ev := <-c.Events():
		e, err := client.HAEventOf(ev)
		if err != nil {
			t.Fatal(err)
		}
		return e, true
	case <-time.After(within):
		return wire.HAEvent{}, false
	}
}

func TestHAControlConnectionsAndSyncNotifications(t *testing.T) {
	a, b := twoNodes(t)
	plain := dialT(t, a)
	if err := plain.BePrimary("a"); client.CodeOf(err) != wire.CodeUsage {
		t.Fatalf("beprimary without confd_ha_connect: %v", err)
	}
	old := dialT(t, a)
	if err := old.HAConnect("tok"); err != nil {
		t.Fatal(err)
	}
	ha1 := dialT(t, a)
	if err := ha1.HAConnect("tok"); err != nil {
		t.Fatal(err)
	}
	select { // the previous HA control connection is closed
	case <-old.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the replaced HA control connection stays open")
	}
	ha2 := dialT(t, b)
	if err := ha2.HAConnect("tok"); err != nil {
		t.Fatal(err)
	}
	syncSub, plainSub, quitter := dialT(t, b), dialT(t, b), dialT(t, b)
	for c, sync := range map[*client.Client]bool{syncSub: true, plainSub: false, quitter: true} {
		if err := c.HANotify(sync); err != nil {
			t.Fatal(err)
		}
	}
	if err := syncSub.HASyncAck(); client.CodeOf(err) != wire.CodeUsage {
		t.Fatalf("ack with nothing pending: %v", err)
	}
	if err := plainSub.HASyncAck(); client.CodeOf(err) != wire.CodeUsage {
		t.Fatalf("ack on a plain subscription: %v", err)
	}
	if err := ha1.BePrimary("a"); err != nil {
		t.Fatal(err)
	}
	if err := ha2.BeSecondary("b", "a", "", true); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client.Client{syncSub, plainSub, quitter} {
		if e, ok := nextHA(t, c, 10*time.Second); !ok || e.Type != 4 || e.Value != 0 {
			t.Fatalf("want SECONDARY_INITIALIZED without copy, got %+v %v", e, ok)
		}
	}
	// The quitter goes away without acknowledging: it owes nothing then.
	quitter.Close()
	if err := ha2.BeNone(); err != nil {
		t.Fatal(err)
	}
	if e, ok := nextHA(t, plainSub, 300*time.Millisecond); ok {
		t.Fatalf("%+v delivered before the sync subscriber acknowledged", e)
	}
	if err := syncSub.HASyncAck(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client.Client{plainSub, syncSub} {
		if e, ok := nextHA(t, c, 10*time.Second); !ok || e.Type != 6 {
			t.Fatalf("want IS_NONE, got %+v %v", e, ok)
		}
	}
	st, err := ha2.HAStatus()
	if err != nil || st.State != 1 || st.Name != "b" {
		t.Fatalf("status %+v %v", st, err)
	}
}
