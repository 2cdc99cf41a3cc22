package main

import "golang.org/x/sys/unix"

// noCoreDumps marks the process non-dumpable (prctl PR_SET_DUMPABLE 0)
// before it reads any secret: no core file is written if it crashes (a
// dump held several plaintext copies of the authkey and the HA token), and
// other processes of the same user can no longer ptrace it or read its
// memory through /proc.
func noCoreDumps() error { return unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0) }
