package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/goha/goha/core/wire"
)

func TestCDBAndHAStatus(t *testing.T) {
	for _, args := range [][]string{{"cdb"}, {"cdb", "get"}, {"cdb", "set", "/a"}, {"cdb", "set", "/a", "x", "nosuchtype"},
		{"cdb", "set", "/a", "300", "uint8"}, {"cdb", "frob"}, {"ha"}, {"ha", "status", "x"}, {"cdb", "dump", "/a", "/b"}} {
		if code, _, _ := ctl(append([]string{"--ipc", "unix:/nonexistent"}, args...)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	ipc := startNode(t, 1)

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
