package main

import (
	"crypto/rand"
	"fmt"
	"io"
	"os"
)

// keygenUsage is keygen's line of the usage text.
const keygenUsage = "  keygen FILE  write a new random 32-byte key, mode 0600, for authkey_file or ipc_access_file (no daemon needed)\n"

// runKeygen runs gohactl [--json] keygen FILE.
func runKeygen(o *options, stdout, stderr io.Writer) int {
	if o.help {
		fmt.Fprint(stdout, "usage: gohactl keygen FILE\n"+keygenUsage)
		return exitOK
	}
	if len(o.args) != 2 {
		return fail(stderr, stdout, o.json, "keygen", usageError{"keygen takes one argument: the key file to create"})
	}
	if err := keygen(o.args[1]); err != nil {
		return fail(stderr, stdout, o.json, "keygen", err)
	}
	if o.json {
		printJSON(stdout, map[string]any{"file": o.args[1], "bytes": KeyLen})
	}
	return exitOK
}

// KeyLen is the length of a key made by gohactl keygen: 256 random bits.
const KeyLen = 32

// keygen writes a new random key to path, created with mode 0600 (only
// its owner may read it, as gohad demands of key files). An existing file
// is never overwritten: replacing a cluster key is a deliberate act.
func keygen(path string) error {
	key := make([]byte, KeyLen)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("keygen: %w", err)
	}
	_, err = f.Write(key)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("keygen: %w", err)
	}
	return nil
}
