package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goha/goha/core/config"
)

// TestKeygen: gohactl keygen writes 32 random bytes with mode 0600, which
// config accepts as an authkey_file; it never overwrites a file.
func TestKeygen(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.key"), filepath.Join(dir, "b.key")
	var out, errb bytes.Buffer
	for _, p := range []string{a, b} {
		if code := run([]string{"keygen", p}, &out, &errb); code != exitOK {
			t.Fatalf("keygen: exit %d: %s", code, errb.String())
		}
	}
	ka, _ := os.ReadFile(a)
	kb, _ := os.ReadFile(b)
	if len(ka) != KeyLen || bytes.Equal(ka, kb) {
		t.Fatalf("keys of %d bytes, equal: %v", len(ka), bytes.Equal(ka, kb))
	}
	if fi, _ := os.Stat(a); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	if _, err := config.ReadSecret(a, "authkey_file", "the key", false); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	if code := run([]string{"keygen", a}, &out, &errb); code == exitOK || !strings.Contains(errb.String(), "exists") {
		t.Fatalf("overwrote a key: exit %d %q", code, errb.String())
	}
	if k, _ := os.ReadFile(a); !bytes.Equal(k, ka) {
		t.Fatal("key changed")
	}
	if code := run([]string{"keygen"}, &out, &errb); code != exitUsage || !strings.Contains(usageText(), "keygen FILE") {
		t.Fatalf("keygen without a file: exit %d", code)
	}
}
