package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/store"
)

// cdb watch replays from a txid, follows live commits, and says resync
// for a position the node does not know.
func TestCDBWatch(t *testing.T) {
	for _, args := range [][]string{{"cdb", "watch", "/a", "/b"}, {"cdb", "watch", "--after"}, {"cdb", "watch", "--count", "0"},
		{"cdb", "watch", "--frob"}, {"cdb", "watch", "--after", "x"}} {
		if code, _, _ := ctl(append([]string{"--ipc", "unix:/nonexistent"}, args...)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	ipcs, _ := testCluster(t, 1, 1)
	ipc := ipcs[0]
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
	mustRun("", "cdb", "delete", "/a/x")
	mustRun("2 set /a/n uint16 42\n3 set /b bool true\n4 delete /a/x\n", "cdb", "watch", "--after", "1", "--count", "3")
	mustRun("3 set /b bool true\n", "cdb", "watch", "/b", "--after", "1", "--count", "1")
	mustRun("4 resync\n", "cdb", "watch", "--after", "99999", "--count", "1")
	out := make(chan string, 1)
	go func() {
		code, o, errs := ctl(ipc, "--json", "cdb", "watch", "/a/", "--count", "1")
		out <- fmt.Sprint(code, o, errs)
	}()
	// The watch starts at the current txid: keep committing until it
	// reports one (it may start after the first of these commits).
	for i := 0; ; i++ {
		select {
		case got := <-out:
			if !strings.HasPrefix(got, "0") || !strings.Contains(got, `"op":"set","type":"int32","value":`) {
				t.Fatalf("live watch: %s", got)
			}
			return
		case <-time.After(20 * time.Millisecond):
			mustRun("", "cdb", "set", "/a/live", strconv.Itoa(i), "int32")
		}
	}
}

// A reset that withdraws transactions names them, in text and JSON.
func TestPrintChangeDiscarded(t *testing.T) {
	schemas, _ := loadSchemas(t)
	e := client.ChangeEvent{Txid: 7, Prev: 9, Reset: true, Discarded: [2]uint64{8, 9},
		Changes: []client.Change{{Path: "/a", Old: store.Int32(2), New: store.Int32(1)}}}
	var b bytes.Buffer
	if err := printChange(&ctx{o: &options{}, w: &b}, e); err != nil {
		t.Fatal(err)
	}
	if want := "7 reset discarded 8 9\n7 set /a int32 1\n"; b.String() != want {
		t.Errorf("text %q, want %q", b.String(), want)
	}
	b.Reset()
	if err := printChange(&ctx{o: &options{json: true}, w: &b}, e); err != nil {
		t.Fatal(err)
	}
	validate(t, schemas, "cdb-change", "reset", b.String())
	if !strings.Contains(b.String(), `"discarded":[8,9]`) {
		t.Errorf("json %s", b.String())
	}
}
