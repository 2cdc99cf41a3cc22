package config

import (
	"fmt"
	"os"
	"path/filepath"
)

// Key lengths.
const (
	// MinKeyLen is the shortest authkey (inline or authkey_file) and
	// ipc_access_file secret accepted: 128 bits, if random.
	MinKeyLen = 16
	// MaxKeyLen bounds a key file (corosync's authkey limit).
	MaxKeyLen = 4096
)

// CheckSecretFile refuses a file that holds a secret if group or others
// may read or write it: what names the file ("authkey_file", "config"),
// secret what it holds ("the authkey"). groupRead lets the group read it
// (ipc_access_file: the ipc group's clients must). The error is one line
// naming the file and the fix.
func CheckSecretFile(path, what, secret string, groupRead bool) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	mode := fi.Mode().Perm()
	mask, fix, who := os.FileMode(0o077), "600", "group or others"
	if groupRead {
		mask, fix, who = 0o037, "640", "others, or its group,"
	}
	if mode&mask != 0 {
		return fmt.Errorf("%s %s: mode %04o lets %s read or change %s: run chmod %s %s",
			what, path, mode, who, secret, fix, path)
	}
	return nil
}

// ReadKeyFiles resolves the file names of the config against dir (the
// config file's directory; Load calls it), checks the mode of every file
// that holds a secret (CheckSecretFile) and reads authkey_file into
// AuthKey. A key shorter than MinKeyLen or longer than MaxKeyLen is
// refused. The TLS certificates and the access files' contents are read
// by the daemon when it starts.
func (c *Config) ReadKeyFiles(dir string) error {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	abs(&c.AuthKeyFile)
	abs(&c.HA.TLSCert)
	abs(&c.HA.TLSKey)
	abs(&c.HA.TLSCA)
	abs(&c.IPCAccess.AccessFile)
	for i := range c.Nodes {
		abs(&c.Nodes[i].IPCAccess.AccessFile)
	}
	if c.AuthKeyFile != "" {
		key, err := ReadSecret(c.AuthKeyFile, "authkey_file", "the cluster key", false)
		if err != nil {
			return err
		}
		c.AuthKey, c.keyRead = string(key), true
	}
	if c.HA.TLSKey != "" {
		if err := CheckSecretFile(c.HA.TLSKey, "ha.tls_key", "the TLS private key", false); err != nil {
			return err
		}
	}
	for i := range c.Nodes {
		if f := c.Nodes[i].IPCAccess.AccessFile; f != "" {
			if err := CheckSecretFile(f, "ipc_access_file", "the control endpoint's secret", true); err != nil {
				return err
			}
		}
	}
	return nil
}

// ReadSecret reads a key file after CheckSecretFile, and refuses one
// shorter than MinKeyLen or longer than MaxKeyLen. The key is used
// verbatim (binary; a trailing newline is part of it).
func ReadSecret(path, what, secret string, groupRead bool) ([]byte, error) {
	if err := CheckSecretFile(path, what, secret, groupRead); err != nil {
		return nil, err
	}
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(key) < MinKeyLen || len(key) > MaxKeyLen {
		return nil, fmt.Errorf("%s %s: %d bytes: a key must have %d to %d (make one with gohactl keygen FILE)",
			what, path, len(key), MinKeyLen, MaxKeyLen)
	}
	return key, nil
}
