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
	"syscall"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
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

// confdErrOf maps an error of the client core to confd_errno: the
// daemon's refusal by its code, a closed connection to CONFD_EOF, a failed
// system call to CONFD_ERR_OS with its errno, anything else (undecodable
// traffic) to CONFD_ERR_INTERNAL.
func confdErrOf(op string, err error) error {
	var ce *client.Error
	var errno syscall.Errno
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce):
		return replyError(op, ce.Code, ce.Msg)
	case client.IsEOF(err), errors.Is(err, client.ErrClosed):
		return errEOF(op)
	case errors.Is(err, client.ErrProtocol):
		return confdErrf(C.CONFD_ERR_INTERNAL, "%s: %v", op, err)
	case errors.As(err, &errno):
		return &osError{what: op + ": " + err.Error(), errno: errno}
	}
	return confdErrf(C.CONFD_ERR_INTERNAL, "%s: %v", op, err)
}

// replyError maps a refused request to confd_errno: the daemon's own
// confd_errno when it sent one, else by protocol code.
func replyError(op string, code wire.Code, msg string) error {
	if errno, ok := wire.ConfdErrno(code); ok {
		return confdErrf(C.int(errno), "%s", msg)
	}
	switch code {
	case wire.CodeBadRequest:
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "%s: %s", op, msg)
	case wire.CodeUnknownOp:
		return confdErrf(C.CONFD_ERR_NOT_IMPLEMENTED, "%s: this gohad does not support it: %s", op, msg)
	case wire.CodeShutdown:
		return errEOF(op)
	}
	return confdErrf(C.CONFD_ERR_INTERNAL, "%s: %s: %s", op, code, msg)
}

// fmtFd names a socket in trace lines.
func fmtFd(sock C.int) string { return fmt.Sprintf("sock=%d", int(sock)) }
