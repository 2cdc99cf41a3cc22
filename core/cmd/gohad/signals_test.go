package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/version"
)

var (
	buildOnce sync.Once
	gohadBin  string
	buildErr  error
)

// gohadBinary builds gohad once per test binary (into a directory removed
// when the package's tests end, by TestMain).
func gohadBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gohad-test-bin")
		if err != nil {
			buildErr = err
			return
		}
		binDir = dir
		gohadBin, _, buildErr = nodetest.Build(dir)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return gohadBin
}

var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func TestVersionHelpCheckConfig(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--version"}, &out, &errb); code != 0 || out.String() != "gohad "+version.String()+"\n" {
		t.Errorf("--version: exit %d, %q", code, out.String())
	}
	for _, h := range []string{"-h", "--help"} {
		out.Reset()
		if code := run([]string{h}, &out, &errb); code != 0 || !strings.Contains(out.String(), "usage: gohad") || !strings.Contains(out.String(), "-check-config") {
			t.Errorf("%s: exit %d, %q", h, code, out.String())
		}
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	os.WriteFile(good, []byte(oneNodeConfig(dir, 1, "", "")), 0o600)
	out.Reset()
	if code := run([]string{"--check-config", good}, &out, &errb); code != 0 || !strings.Contains(out.String(), "OK") {
		t.Errorf("--check-config good: exit %d, %q", code, out.String())
	}
	errb.Reset()
	if code := run([]string{"--check-config", good, "--node", "zz"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), `the nodes are "a"`) {
		t.Errorf("--check-config unknown node: exit %d, %q", code, errb.String())
	}
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("cluster_name = \"x\"\n[timing]\nheartbeat = 300\n"), 0o600)
	errb.Reset()
	if code := run([]string{"--check-config", bad}, &out, &errb); code != 1 || strings.Count(errb.String(), "\n") != 1 || !strings.Contains(errb.String(), "heartbeat") {
		t.Errorf("--check-config bad: exit %d, %q", code, errb.String())
	}
}

// oneNodeConfig is a one-node cluster on free ports in dir; extraQuorum
// and extra go into [quorum] and the top of the file.
func oneNodeConfig(dir string, votes int, extraQuorum, extra string) string {
	ports, err := nodetest.FreePorts(2)
	if err != nil {
		panic(err)
	}
	return oneNodeConfigPorts(dir, ports, votes, extraQuorum, extra)
}

func oneNodeConfigPorts(dir string, ports []int, votes int, extraQuorum, extra string) string {
	return fmt.Sprintf(`cluster_name = "sig"
authkey = "0123456789abcdef"
%s
[timing]
heartbeat = "20ms"
failure_timeout = "200ms"
[quorum]
%s
[[node]]
id = 1
name = "a"
votes = %d
addr = "127.0.0.1:%d"
ha_addr = "127.0.0.1:%d"
ipc = "unix:%s"
`, extra, extraQuorum, votes, ports[0], ports[1], filepath.Join(dir, "a.sock"))
}

// waitFor polls cond every 10ms until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSIGHUPAndSystemd runs a real gohad under a fake systemd: it must say
// READY=1 once joined, feed the watchdog, reload its config on SIGHUP
// (applying votes and expected votes, naming what needs a restart, keeping
// the running config when the file is broken) without ever exiting, and
// say STOPPING=1 and exit 0 on SIGTERM.
func TestSIGHUPAndSystemd(t *testing.T) {
	bin := gohadBinary(t)
	dir := t.TempDir()
	notify := filepath.Join(dir, "notify.sock")
	sock, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: notify, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	var mu sync.Mutex
	var got []string
	go func() {
		buf := make([]byte, 4096)
		for {
			k, err := sock.Read(buf)
			if err != nil {
				return
			}
			mu.Lock()
			got = append(got, string(buf[:k]))
			mu.Unlock()
		}
	}()
	received := func(s string) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, g := range got {
				if strings.Contains(g, s) {
					return true
				}
			}
			return false
		}
	}

	ports, err := nodetest.FreePorts(2)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "c.toml")
	os.WriteFile(cfg, []byte(oneNodeConfigPorts(dir, ports, 1, "", "")), 0o600)
	logPath := filepath.Join(dir, "log")
	lf, _ := os.Create(logPath)
	defer lf.Close()
	cmd := exec.Command(bin, "--config", cfg, "--node", "a", "--data", filepath.Join(dir, "data"), "--log-format", "json")
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+notify, "WATCHDOG_USEC=100000")
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("gohad log:\n%s", b)
		}
	}()
	logHas := func(s string) func() bool {
		return func() bool { b, _ := os.ReadFile(logPath); return bytes.Contains(b, []byte(s)) }
	}
	alive := func() {
		t.Helper()
		select {
		case err := <-exited:
			t.Fatalf("gohad exited: %v", err)
		default:
		}
	}
	waitFor(t, "READY=1", 10*time.Second, received("READY=1"))
	waitFor(t, "WATCHDOG=1", 5*time.Second, received("WATCHDOG=1"))

	// Votes 1 -> 3, expected votes -> 3, the log level to debug, and a
	// heartbeat change that needs a restart.
	os.WriteFile(cfg, []byte(strings.Replace(oneNodeConfigPorts(dir, ports, 3, "expected_votes = 3", "[logging]\nlevel = \"debug\"\n"),
		`heartbeat = "20ms"`, `heartbeat = "25ms"`, 1)), 0o600)
	cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "reload logged", 5*time.Second, logHas("config reloaded"))
	alive()
	b, _ := os.ReadFile(logPath)
	for _, want := range []string{"votes: 1 -> 3", "quorum.expected_votes: 0 -> 3", "logging.level: info -> debug", `"needs_restart":"timing.heartbeat"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("reload log lacks %q", want)
		}
	}
	c, err := client.Dial("unix:"+filepath.Join(dir, "a.sock"), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.QuorumInfo(0)
	c.Close()
	if err != nil || info.NodeVotes != 3 || info.NodeExpected != 3 {
		t.Errorf("after reload: %+v %v", info, err)
	}

	// A broken file changes nothing and the daemon stays.
	os.WriteFile(cfg, []byte("cluster_name = \n"), 0o600)
	cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "failed reload logged", 5*time.Second, logHas("config reload failed"))
	alive()

	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		exited <- err
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	waitFor(t, "STOPPING=1", 2*time.Second, received("STOPPING=1"))

	// Every JSON log line is one object without duplicate keys.
	b, _ = os.ReadFile(logPath)
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if err := noDuplicateKeys(line); err != nil {
			t.Errorf("log line %s: %v", line, err)
		}
	}
}

// noDuplicateKeys checks that a JSON object has each key once.
func noDuplicateKeys(line string) error {
	dec := json.NewDecoder(strings.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("not a JSON object: %v", err)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		k := tok.(string)
		if seen[k] {
			return fmt.Errorf("key %q twice", k)
		}
		seen[k] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
	}
	return nil
}
