//go:build linux

package main

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestNoCoreDumps: what gohad does before it reads its config leaves the
// process non-dumpable.
func TestNoCoreDumps(t *testing.T) {
	if err := noCoreDumps(); err != nil {
		t.Fatal(err)
	}
	if d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0); err != nil || d != 0 {
		t.Fatalf("PR_GET_DUMPABLE = %d, %v", d, err)
	}
}
