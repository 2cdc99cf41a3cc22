package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goha/goha/core/node"
	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/wire"
)

func TestCDBAndHAStatus(t *testing.T) {
	for _, args := range [][]string{{"cdb"}, {"cdb", "get"}, {"cdb", "set", "/a"}, {"cdb", "set", "/a", "x", "nosuchtype"},
		{"cdb", "set", "/a", "300", "uint8"}, {"cdb", "frob"}, {"ha"}, {"ha", "status", "x"}, {"cdb", "dump", "/a", "/b"}} {
		if code, _, _ := ctl(append([]string{"--ipc", "unix:/nonexistent"}, args...)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	dir := t.TempDir()
	ports, err := nodetest.FreePorts(2)
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "g.sock")
	cfg := filepath.Join(dir, "c.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`cluster_name = "ctl"
authkey = "k"
[timing]
heartbeat = "20ms"
failure_timeout = "200ms"
[[node]]
id = 1
name = "alpha"
addr = "127.0.0.1:%d"
ha_addr = "127.0.0.1:%d"
ipc = "unix:%s"
`, ports[0], ports[1], sock)), 0o600)
	n, err := node.Start(node.Options{ConfigPath: cfg, NodeName: "alpha", DataDir: filepath.Join(dir, "d"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	defer func() { cancel(); <-done }()
	ipc := "--ipc=unix:" + sock

	mustRun := func(want string, args ...string) string {
		t.Helper()
		code, out, errs := ctl(append([]string{ipc}, args...)...)
		if code != exitOK || !strings.Contains(out, want) {
			t.Fatalf("%v: exit %d, out %q, err %q; want %q", args, code, out, errs, want)
		}
		return out
	}
	mustRun("", "cdb", "set", "/a/x", "hello")
	mustRun("", "cdb", "set", "/a/n", "42", "uint16")
	mustRun("", "cdb", "set", "/b", "true", "bool")
	mustRun("hello\n", "cdb", "get", "/a/x")
	mustRun(`"type": "uint16"`, "--json", "cdb", "get", "/a/n")
	if out := mustRun("/a/n uint16 42\n/a/x string hello\n", "cdb", "dump", "/a/"); strings.Contains(out, "/b") {
		t.Fatalf("dump /a/ lists /b:\n%s", out)
	}
	var d struct {
		Txid    uint64
		Entries []map[string]string
	}
	if err := json.Unmarshal([]byte(mustRun("", "--json", "cdb", "dump")), &d); err != nil || d.Txid != 3 || len(d.Entries) != 3 {
		t.Fatalf("dump --json: %+v %v", d, err)
	}
	mustRun(`"txid": 4`, "--json", "cdb", "delete", "/a/x")
	if code, _, errs := ctl(ipc, "cdb", "get", "/a/x"); code != exitRefused || !strings.Contains(errs, "confd_errno 1") {
		t.Fatalf("get of a deleted path: %d %q", code, errs)
	}
	if code, _, errs := ctl(ipc, "cdb", "set", "bad//path", "x"); code != exitRefused || !strings.Contains(errs, "confd_errno 8") {
		t.Fatalf("bad path: %d %q", code, errs)
	}
	mustRun("HA state:     none", "ha", "status")
	var st wire.HAStatus
	if err := json.Unmarshal([]byte(mustRun("", "--json", "ha", "status")), &st); err != nil || st.State != 1 || st.Name != "alpha" || st.Txid != 4 {
		t.Fatalf("ha status --json: %+v %v", st, err)
	}
}
