package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goha/goha/core/node/nodetest"
)

// Start-up failures exit 1 with exactly one line naming the problem.
func TestStartupErrorsAreOneLine(t *testing.T) {
	dir := t.TempDir()
	ports, err := nodetest.FreePorts(2)
	if err != nil {
		t.Fatal(err)
	}
	good := fmt.Sprintf(`cluster_name = "x"
authkey = "0123456789abcdef"
[[node]]
id = 1
name = "a"
addr = "127.0.0.1:%d"
ha_addr = "127.0.0.1:%d"
ipc = "unix:%s"
`, ports[0], ports[1], filepath.Join(dir, "a.sock"))
	cfg := filepath.Join(dir, "good.toml")
	os.WriteFile(cfg, []byte(good), 0o600)
	badCfg := filepath.Join(dir, "bad.toml")
	os.WriteFile(badCfg, []byte("cluster_name = \"x\"\n[timing]\nheartbeat = \"fast\"\n"), 0o600)
	file := filepath.Join(dir, "afile")
	os.WriteFile(file, nil, 0o600)
	corrupt := filepath.Join(dir, "corrupt")
	os.MkdirAll(corrupt, 0o700)
	os.WriteFile(filepath.Join(corrupt, "goha.db"), bytes.Repeat([]byte("not a bbolt file "), 1000), 0o600)

	busy, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: ports[0]})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"bad config", []string{"--config", badCfg, "--node", "a"}, "heartbeat"},
		{"missing config", []string{"--config", filepath.Join(dir, "none.toml"), "--node", "a"}, "none.toml"},
		{"unknown node", []string{"--config", cfg, "--node", "zz"}, "zz"},
		{"data dir is a file", []string{"--config", cfg, "--node", "a", "--data", file}, "data directory"},
		{"corrupt state file", []string{"--config", cfg, "--node", "a", "--data", corrupt}, "invalid database"},
		{"port in use", []string{"--config", cfg, "--node", "a", "--data", filepath.Join(dir, "d")}, "port in use"},
	}
	for _, c := range cases {
		var errb bytes.Buffer
		code := run(c.args, io.Discard, &errb)
		lines := strings.Split(strings.TrimRight(errb.String(), "\n"), "\n")
		if code != 1 || len(lines) != 1 || !strings.Contains(lines[0], c.want) {
			t.Errorf("%s: exit %d, stderr %q (want one line with %q)", c.name, code, errb.String(), c.want)
		}
	}
	busy.Close()
	var errb bytes.Buffer
	if code := run([]string{"--node", "a"}, io.Discard, &errb); code != 2 {
		t.Errorf("missing --config: exit %d", code)
	}
	if code := run([]string{"--config", cfg, "--node", "a", "--log-format", "xml"}, io.Discard, &errb); code != 2 {
		t.Errorf("bad log format: exit %d", code)
	}
}
