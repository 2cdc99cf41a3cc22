package node

import (
	"net"

	"golang.org/x/sys/unix"
)

// peerCred returns the credentials (pid, uid, gid) of the process at the
// other end of a unix socket, as the kernel recorded them at connect
// (SO_PEERCRED): for the access check and for log lines.
func peerCred(c *net.UnixConn) (*unix.Ucred, bool) {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil, false
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil || cerr != nil {
		return nil, false
	}
	return cred, true
}
