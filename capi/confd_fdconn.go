package main

// The control protocol on a caller's socket (confd_ha_*, confd_*notification*,
// goha_cdb_*). ConfD identifies a connection by the caller's fd, and the
// caller may poll that fd for notifications, so the library does its I/O
// synchronously on the fd itself, on the calling thread: no net.FileConn
// (it would make the fd non-blocking) and no reader goroutine (it would
// consume what the caller polls for). That is core/client's Conn over the
// caller's fd (client.NewConn): it reads exactly one frame at a time and
// waits on a non-blocking fd with poll(2). This file maps its errors to
// confd_errno.

/*
#include <confd_lib.h>
*/
import "C"

import (
	"errors"
	"fmt"

	"github.com/goha/goha/core/client"
)

// errEOF is the error of a socket the daemon closed: CONFD_EOF.
func errEOF(what string) error {
	return confdErrf(C.CONFD_ERR_EOF, "%s: the daemon closed the connection", what)
}

// confdHello exchanges hellos on fd, which connectSock connected, and
// returns the socket for the table (not yet added).
func confdHello(fd int, kind sockKind, id fdIdentity, mask int64) (*confdSock, error) {
	c := client.NewConn(fd)
	if err := c.Handshake(0, clientOptions()); err != nil {
		var ce *client.Error
		switch {
		case errors.As(err, &ce) && confdErrno(ce.Code) == C.CONFD_ERR_ACCESS_DENIED: // access file, allow lists
			return nil, confdErrf(C.CONFD_ERR_ACCESS_DENIED, "gohad refused the connection: %s", ce.Msg)
		case errors.As(err, &ce):
			return nil, confdErrf(C.CONFD_ERR_PROTOUSAGE, "gohad refused the connection: %s", ce.Msg)
		case errors.Is(err, client.ErrProtocol):
			return nil, confdErrf(C.CONFD_ERR_PROTOUSAGE, "%v", err)
		}
		return nil, confdErrOf("hello", err)
	}
	return &confdSock{fd: fd, kind: kind, id: id, mask: mask, conn: c}, nil
}

// call sends request op on s and reads its reply. s.mu must be held.
func (s *confdSock) call(op string, arg, res any) error {
	return confdErrOf(op, s.conn.Call(op, arg, res))
}

// fmtFd names a socket in trace lines.
func fmtFd(sock C.int) string { return fmt.Sprintf("sock=%d", int(sock)) }
