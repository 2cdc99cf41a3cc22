package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFile writes data with mode and returns its path.
func writeFile(t *testing.T, dir, name string, data []byte, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // not masked by the umask
		t.Fatal(err)
	}
	return p
}

// TestAuthKeyFile: authkey_file (relative to the config's directory) is
// read verbatim; a key file or a config holding a secret that group or
// others may read is refused with one line naming the file and the fix;
// short keys are refused; authkey and authkey_file are exclusive.
func TestAuthKeyFile(t *testing.T) {
	key := append(bytes.Repeat([]byte{0xa5}, 31), '\n')
	withFile := edit(t, `authkey = "0123456789abcdef0123456789abcdef"`, `authkey_file = "k.bin"`, "token = \"tok\"\n", "")

	t.Run("read", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "k.bin", key, 0o600)
		c, err := Load(writeFile(t, dir, "c.toml", []byte(withFile), 0o644)) // holds no secret: may be world-readable
		if err != nil {
			t.Fatal(err)
		}
		if c.AuthKey != string(key) || c.AuthKeyFile != filepath.Join(dir, "k.bin") {
			t.Fatalf("key %q from %q", c.AuthKey, c.AuthKeyFile)
		}
		if c.HA.Token != "" {
			t.Fatalf("token %q: none was configured", c.HA.Token)
		}
	})
	for _, tc := range []struct {
		name        string
		cfg         string
		cfgMode     os.FileMode
		key         []byte
		keyMode     os.FileMode
		errContains []string
	}{
		{"key file readable by others", withFile, 0o644, key, 0o644, []string{"authkey_file", "k.bin: mode 0644", "chmod 600", "k.bin"}},
		{"key file writable by group", withFile, 0o644, key, 0o620, []string{"mode 0620", "chmod 600"}},
		{"short key file", withFile, 0o644, key[:15], 0o600, []string{"15 bytes", "gohactl keygen"}},
		{"missing key file", withFile, 0o644, nil, 0, []string{"authkey_file", "no such file"}},
		{"config with inline key readable by group", base, 0o640, nil, 0, []string{"config", "mode 0640", "authkey", "chmod 600"}},
		{"config with token readable by others", strings.Replace(withFile, "[ha]\n", "[ha]\ntoken = \"t\"\n", 1), 0o604, key, 0o600, []string{"mode 0604", "ha.token", "chmod 600"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.key != nil {
				writeFile(t, dir, "k.bin", tc.key, tc.keyMode)
			}
			path := writeFile(t, dir, "c.toml", []byte(tc.cfg), tc.cfgMode)
			_, err := Load(path)
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || strings.Contains(msg, string(key[:8])) || strings.Contains(msg, "0123456789abcdef") {
				t.Fatalf("not one line, or shows the key: %q", msg)
			}
			for _, want := range tc.errContains {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
		})
	}
	for name, doc := range map[string]string{
		"both":          strings.Replace(base, "domain_id", "authkey_file = \"/k\"\ndomain_id", 1),
		"short inline":  edit(t, `"0123456789abcdef0123456789abcdef"`, `"0123456789abcde"`),
		"neither":       edit(t, `authkey = "0123456789abcdef0123456789abcdef"`, ""),
		"empty token":   edit(t, `token = "tok"`, `token = ""`),
		"partial TLS":   edit(t, "[ha]\n", "[ha]\ntls_cert = \"c\"\ntls_ca = \"a\"\n"),
		"tcp ipc group": edit(t, `ipc = "127.0.0.1:7203"`, "ipc = \"127.0.0.1:7203\"\nipc_group = \"g\""),
		"bad uid":       strings.Replace(base, "domain_id", "ipc_allow_uids = [-1]\ndomain_id", 1),
		"bad name":      strings.Replace(base, "domain_id", "ipc_allow_gids = [\"a b\"]\ndomain_id", 1),
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "0123456789abcde") {
			t.Errorf("%s: error shows the key: %v", name, err)
		}
	}
}

// TestIPCAccess: the top-level access settings apply to every node, a
// node's own override them, and TLS paths resolve like the key file.
func TestIPCAccess(t *testing.T) {
	doc := strings.Replace(base, "domain_id", `ipc_group = "goha"
ipc_allow_uids = [1001, "hafw"]
ipc_access_file = "ipc.secret"
domain_id`, 1)
	doc = strings.Replace(doc, `ipc = "unix:/tmp/b.sock"`, `ipc = "unix:/tmp/b.sock"
ipc_group = 4321
ipc_allow_gids = [7]
ipc_access_file = "/abs/b.secret"`, 1)
	doc = strings.Replace(doc, "[ha]\n", "[ha]\ntls_cert = \"n.crt\"\ntls_key = \"n.key\"\ntls_ca = \"/ca.crt\"\n", 1)
	dir := t.TempDir()
	writeFile(t, dir, "n.key", []byte("k"), 0o600)
	writeFile(t, dir, "ipc.secret", bytes.Repeat([]byte{1}, 16), 0o640)
	// node b's access file is absolute and missing: Load refuses it.
	path := writeFile(t, dir, "c.toml", []byte(doc), 0o600)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "/abs/b.secret") {
		t.Fatalf("missing access file: %v", err)
	}
	c, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ReadKeyFiles(dir); err == nil {
		t.Fatal("missing /abs/b.secret accepted")
	}
	a, b := c.Nodes[0].IPCAccess, c.Nodes[1].IPCAccess
	if a.Group != "goha" || strings.Join(a.AllowUIDs, ",") != "1001,hafw" || a.AllowGIDs != nil || a.AccessFile != filepath.Join(dir, "ipc.secret") {
		t.Fatalf("node a: %+v", a)
	}
	if b.Group != "4321" || strings.Join(b.AllowUIDs, ",") != "1001,hafw" || strings.Join(b.AllowGIDs, ",") != "7" || b.AccessFile != "/abs/b.secret" {
		t.Fatalf("node b: %+v", b)
	}
	if c.HA.TLSCert != filepath.Join(dir, "n.crt") || c.HA.TLSCA != "/ca.crt" {
		t.Fatalf("tls paths %+v", c.HA)
	}
	// An access file that others may read is refused.
	writeFile(t, dir, "ipc.secret", bytes.Repeat([]byte{1}, 16), 0o644)
	c, _ = Parse([]byte(strings.Replace(doc, `ipc_access_file = "/abs/b.secret"`, "", 1)))
	if err := c.ReadKeyFiles(dir); err == nil || !strings.Contains(err.Error(), "chmod 640") {
		t.Fatalf("world-readable access file: %v", err)
	}
}
