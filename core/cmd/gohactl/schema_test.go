package main

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaFor maps every command to its schema in doc/json.md ("-": a local
// command without JSON output, which the test does not run).
var schemaFor = map[string]string{
	"status": "status", "list": "list", "members": "members", "quorum": "quorum", "master": "master",
	"set-expected": "ok", "set-votes": "ok", "qualify": "ok", "release-mastership": "ok", "switchover": "ok", "watch": "event",
	"cdb get": "cdb-get", "cdb set": "cdb-write", "cdb delete": "cdb-write", "cdb dump": "cdb-dump", "cdb watch": "cdb-change",
	"ha status": "ha-status", "ha be-primary": "ha-status", "ha be-secondary": "ha-status", "ha be-relay": "ha-status",
	"ha be-none": "ha-status", "ha secondary-dead": "ha-status", "ha force-primary": "ok",
}

// loadSchemas compiles the `json schema:NAME` blocks of doc/json.md.
func loadSchemas(t *testing.T) (map[string]*jsonschema.Schema, string) {
	t.Helper()
	doc, err := os.ReadFile("../../../doc/json.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)```json schema:([a-z-]+)\n(.*?)```")
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	var names []string
	for _, m := range re.FindAllStringSubmatch(string(doc), -1) {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(m[2]))
		if err != nil {
			t.Fatalf("doc/json.md schema %s: %v", m[1], err)
		}
		if err := c.AddResource(m[1], v); err != nil {
			t.Fatal(err)
		}
		names = append(names, m[1])
	}
	out := map[string]*jsonschema.Schema{}
	for _, n := range names {
		s, err := c.Compile(n)
		if err != nil {
			t.Fatalf("doc/json.md schema %s: %v", n, err)
		}
		out[n] = s
	}
	return out, string(doc)
}

func validate(t *testing.T, schemas map[string]*jsonschema.Schema, name, what, out string) {
	t.Helper()
	s := schemas[name]
	if s == nil {
		t.Fatalf("doc/json.md has no schema %q", name)
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", what, err, out)
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("%s: does not follow doc/json.md schema %s: %v\n%s", what, name, err, out)
	}
}

// TestJSONFollowsTheDocument runs every gohactl command with --json against
// a two-node cluster and validates the output against doc/json.md; watch
// --json runs meanwhile and each of its lines is validated too.
func TestJSONFollowsTheDocument(t *testing.T) {
	schemas, doc := loadSchemas(t)
	for _, c := range commands {
		if schemaFor[c.name] == "" {
			t.Errorf("command %q has no schema in schemaFor", c.name)
		}
		if schemaFor[c.name] != "-" && !strings.Contains(doc, "`"+c.name+"`") {
			t.Errorf("doc/json.md does not mention `%s`", c.name)
		}
	}
	ipcs, cfg := testCluster(t, 2, 1)
	a, b := ipcs[0], ipcs[1]
	waitCtl(t, `"name": "alpha"`, a, "--json", "master")
	waitCtl(t, `"members": [`+"\n    1,\n    2", b, "--json", "status")

	var watchOut syncBuf
	watchDone := make(chan int, 1)
	go func() { watchDone <- run([]string{a, "--json", "watch"}, &watchOut, &bytes.Buffer{}) }()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(watchOut.String(), `"event":"view"`) {
		if time.Now().After(deadline) {
			t.Fatalf("watch printed no view: %q", watchOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}

	seen := map[string]bool{}
	check := func(ipc string, wantExit int, args ...string) string {
		t.Helper()
		code, out, errs := ctl(append([]string{ipc, "--json", "--config", cfg}, args...)...)
		if code != wantExit {
			t.Fatalf("%v: exit %d, want %d: %s %s", args, code, wantExit, out, errs)
		}
		name := "error"
		if wantExit == exitOK || wantExit == exitNotQuorate {
			words := args
			if s, ok := shortCommands[args[0]]; ok {
				words = s
			}
			cmd, _, err := lookup(words)
			if err != nil {
				t.Fatal(err)
			}
			name = schemaFor[cmd.name]
			seen[cmd.name] = true
		}
		validate(t, schemas, name, strings.Join(args, " "), out)
		return out
	}
	for _, args := range [][]string{{"status"}, {"list"}, {"-l"}, {"members"}, {"quorum"}, {"master"},
		{"set-expected", "2"}, {"set-votes", "beta", "1"}, {"qualify", "beta", "disqualified"}, {"qualify", "2", "qualified"},
		{"cdb", "set", "/a/n", "42", "uint16"}, {"cdb", "set", "/a/s", "hi"}, {"cdb", "get", "/a/n"}, {"cdb", "dump"},
		{"cdb", "dump", "/none/"}, {"cdb", "delete", "/a/s"}, {"cdb", "watch", "/a/", "--after", "0", "--count", "1"},
		{"ha", "status"}, {"ha", "be-primary"}} {
		check(a, exitOK, args...)
	}
	check(b, exitOK, "ha", "be-secondary", "alpha")
	var hs struct {
		Secondaries []struct{ Name string }
	}
	out := waitCtl(t, `"in_sync": true`, a, "--json", "ha", "status")
	if json.Unmarshal([]byte(out), &hs); len(hs.Secondaries) != 1 || hs.Secondaries[0].Name != "beta" {
		t.Errorf("ha status of the primary: %s", out)
	}
	check(a, exitOK, "ha", "status")
	check(b, exitOK, "ha", "status")
	check(b, exitOK, "ha", "be-relay")
	check(a, exitOK, "ha", "secondary-dead", "beta")
	check(b, exitOK, "ha", "be-none")
	check(a, exitOK, "release-mastership")
	check(a, exitOK, "switchover", "alpha") // asked on the non-master: beta hands back to alpha
	// force-primary is for auto mode: in external mode it is refused (its
	// output on success is the "ok" object, as switchover's).
	check(a, exitRefused, "ha", "force-primary", "alpha", "--allow-data-loss")
	seen["ha force-primary"] = true
	// Failures print an error object.
	check(a, exitRefused, "cdb", "get", "/a/s")
	check(a, exitUsage, "set-votes", "nobody", "1")
	check(b, exitRefused, "--timeout", "5s", "ha", "be-secondary", "nosuch", "--addr", "127.0.0.1")
	if _, out, _ := ctl(a, "--json", "cdb", "get", "/a/s"); !strings.Contains(out, `"name": "CONFD_ERR_NOEXISTS"`) {
		t.Errorf("error name: %s", out)
	}

	// Stop watch (SIGINT) and check its lines.
	waitFor := time.Now().Add(5 * time.Second)
	for !strings.Contains(watchOut.String(), `"event":"member"`) || !strings.Contains(watchOut.String(), `"event":"ha"`) {
		if time.Now().After(waitFor) {
			t.Fatalf("watch lacks member or ha events:\n%s", watchOut.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	select {
	case code := <-watchDone:
		if code != exitOK {
			t.Errorf("watch exit %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("watch did not stop on SIGINT")
	}
	seen["watch"] = true
	kinds := map[string]bool{}
	for i, line := range strings.Split(strings.TrimSpace(watchOut.String()), "\n") {
		validate(t, schemas, "event", "watch line "+string(rune('0'+i%10)), line)
		var e struct{ Event string }
		json.Unmarshal([]byte(line), &e)
		kinds[e.Event] = true
	}
	for _, k := range []string{"view", "roles", "expected", "cmm", "member", "ha"} {
		if !kinds[k] {
			t.Errorf("watch showed no %q event:\n%s", k, watchOut.String())
		}
	}
	for _, c := range commands {
		if !seen[c.name] && schemaFor[c.name] != "-" {
			t.Errorf("command %q was not run with --json", c.name)
		}
	}
}

// TestEveryCommandDocumented: gohactl(8) and the bash completion name every
// command of the table.
func TestEveryCommandDocumented(t *testing.T) {
	man, err := os.ReadFile("../../../doc/man/gohactl.8")
	if err != nil {
		t.Fatal(err)
	}
	comp, err := os.ReadFile("../../../dist/bash-completion/gohactl")
	if err != nil {
		t.Fatal(err)
	}
	words := func(varName string) []string {
		m := regexp.MustCompile(`local ` + varName + `="([^"]*)"`).FindSubmatch(comp)
		if m == nil {
			t.Fatalf("completion has no %s", varName)
		}
		return strings.Fields(string(m[1]))
	}
	has := func(list []string, w string) bool {
		for _, x := range list {
			if x == w {
				return true
			}
		}
		return false
	}
	roffMan := strings.ReplaceAll(string(man), `\-`, "-")
	for _, c := range commands {
		if !strings.Contains(roffMan, c.name) {
			t.Errorf("gohactl(8) does not describe %q", c.name)
		}
		first, sub, two := strings.Cut(c.name, " ")
		if !has(words("commands"), first) {
			t.Errorf("bash completion lacks %q", first)
		}
		if two && !has(words(first+"_sub"), sub) {
			t.Errorf("bash completion lacks %q", c.name)
		}
	}
}
