//go:build !linux

package node

import "net"

// ucred mirrors unix.Ucred where SO_PEERCRED does not exist.
type ucred struct {
	Pid      int32
	Uid, Gid uint32
}

func peerCred(c *net.UnixConn) (*ucred, bool) { return nil, false }
