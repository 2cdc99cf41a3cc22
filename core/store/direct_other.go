//go:build !linux

package store

import "os"

// createDirect creates (truncating) a file for writing a full copy; only
// Linux uses O_DIRECT (see direct_linux.go).
func createDirect(path string) (*os.File, bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	return f, false, err
}

func isDirectRefusal(error) bool { return false }

func dropDirect(*os.File) error { return nil }

// hugeBuf: only Linux maps huge pages (see direct_linux.go).
func hugeBuf(int) ([]byte, func()) { return nil, nil }
