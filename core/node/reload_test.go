package node

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goha/goha/core/node/nodetest"
)

// TestReloadTwoNode: a node alone of two is not quorate; reloading a file
// with two_node = true makes it quorate (as corosync's reload does), a
// heartbeat change is reported as needing a restart, a broken file changes
// nothing, and switching two_node off again makes it inquorate.
func TestReloadTwoNode(t *testing.T) {
	dir := t.TempDir()
	ports, err := nodetest.FreePorts(4)
	if err != nil {
		t.Fatal(err)
	}
	write := func(quorum, heartbeat string) {
		t.Helper()
		cfg := fmt.Sprintf(`cluster_name = "rl"
authkey = "reload-secret-0123456789"
[timing]
heartbeat = %q
failure_timeout = "2s"
[quorum]
%s
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
`, heartbeat, quorum, ports[0], ports[1], dir, ports[2], ports[3], dir)
		if err := os.WriteFile(filepath.Join(dir, "c.toml"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("wait_for_all = false", "50ms")
	n, err := Start(Options{ConfigPath: filepath.Join(dir, "c.toml"), NodeName: "a", DataDir: filepath.Join(dir, "a"), Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	defer func() { cancel(); <-done }()
	c := dialT(t, "unix:"+dir+"/a.sock")
	quorate := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			st, err := c.Status()
			if err == nil && st.Quorum.Quorate == want && len(st.Members) == 1 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("quorate %v not reached: %+v %v", want, st, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	quorate(false)

	write("two_node = true\nwait_for_all = false", "60ms")
	rep, err := n.Reload("test")
	if err != nil || !slices.Contains(rep.Applied, "quorum.two_node: false -> true") || !slices.Contains(rep.Restart, "timing.heartbeat") {
		t.Fatalf("reload: %+v %v", rep, err)
	}
	quorate(true)
	if info, err := c.QuorumInfo(0); err != nil || info.Quorum != 1 {
		t.Fatalf("two_node quorum: %+v %v", info, err)
	}

	os.WriteFile(filepath.Join(dir, "c.toml"), []byte("cluster_name = \n"), 0o600)
	if _, err := n.Reload("test"); err == nil {
		t.Fatal("a broken file reloaded")
	}
	quorate(true)

	write("wait_for_all = false", "50ms")
	rep, err = n.Reload("test")
	if err != nil || !slices.Contains(rep.Applied, "quorum.two_node: true -> false") || len(rep.Restart) != 0 {
		t.Fatalf("reload back: %+v %v", rep, err)
	}
	quorate(false)
	if !strings.Contains(fmt.Sprint(rep), "two_node") {
		t.Fatalf("report %+v", rep)
	}
}
