//go:build !linux

package main

// noCoreDumps: no prctl here; nothing to do (see dumpable_linux.go).
func noCoreDumps() error { return nil }
