package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goha/goha/core/node"
	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/wire"
)

func ctl(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// startNode runs a one-node cluster in-process, node id as "alpha", on
// free loopback ports in a temporary directory; the test's cleanup stops
// it. It returns the --ipc flag that reaches it.
func startNode(t *testing.T, id int) string {
	t.Helper()
	dir := t.TempDir()
	ports, err := nodetest.FreePorts(2)
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "g.sock")
	cfg := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`cluster_name = "ctl"
authkey = "k"
[timing]
heartbeat = "20ms"
failure_timeout = "200ms"
[[node]]
id = %d
name = "alpha"
addr = "127.0.0.1:%d"
ha_addr = "127.0.0.1:%d"
ipc = "unix:%s"
`, id, ports[0], ports[1], sock)), 0o600); err != nil {
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
	return "--ipc=unix:" + sock
}

func TestUsageAndUnreachable(t *testing.T) {
	for _, args := range [][]string{{}, {"bogus"}, {"set-expected"}, {"set-expected", "x", "--ipc", "unix:/nonexistent"}, {"--timeout", "soon", "status"}, {"--nope", "status"}} {
		if code, _, _ := ctl(args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
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

func TestAgainstSingleNode(t *testing.T) {
	ipc := startNode(t, 4)

	// Wait (with a deadline) for the node to elect itself.
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, out, _ := ctl(ipc, "master")
		if code == exitOK && strings.HasPrefix(out, "4 alpha") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no master: %d %q", code, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	code, out, _ := ctl(ipc, "status")
	for _, want := range []string{"Node ID:          4 (alpha)", "Quorate:          Yes", "Master:           4 (alpha)", "alpha (local)", "master"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("status lacks %q (exit %d):\n%s", want, code, out)
		}
	}
	for _, cmd := range []string{"status", "members", "quorum", "master"} {
		code, out, _ := ctl(ipc, "--json", cmd)
		var v any
		if code != 0 || json.Unmarshal([]byte(out), &v) != nil {
			t.Fatalf("%s --json: exit %d, not JSON: %q", cmd, code, out)
		}
	}
	var st wire.Status
	_, out, _ = ctl(ipc, "status", "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.NodeID != 4 || len(st.Nodes) != 1 {
		t.Fatalf("status json %+v %v", st, err)
	}
	// Refusals exit 1 with the daemon's reason; success exits 0.
	if code, _, errs := ctl(ipc, "set-expected", "0"); code != exitRefused || !strings.Contains(errs, "invalid") {
		t.Fatalf("set-expected 0: %d %q", code, errs)
	}
	if code, _, errs := ctl(ipc, "set-votes", "nosuch", "1"); code != exitUsage {
		t.Fatalf("set-votes unknown name: %d %q", code, errs)
	}
	if code, _, errs := ctl(ipc, "set-expected", "1"); code != exitOK {
		t.Fatalf("set-expected 1: %d %q", code, errs)
	}
	if code, _, errs := ctl(ipc, "release-mastership"); code != exitRefused {
		t.Fatalf("release with nobody to take over: %d %q", code, errs)
	}
	if code, _, errs := ctl(ipc, "qualify", "alpha", "maybe"); code != exitUsage {
		t.Fatalf("bad level: %d %q", code, errs)
	}
}
