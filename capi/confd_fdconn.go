package main

// The control protocol on a caller's socket (confd_ha_*, confd_*notification*,
// goha_cdb_*). ConfD identifies a connection by the caller's fd, and the
// caller may poll that fd for notifications, so the library does its I/O
// synchronously on the fd itself, on the calling thread: no net.FileConn
// (it would make the fd non-blocking) and no reader goroutine (it would
// consume what the caller polls for). A non-blocking fd is waited on with
// poll(2). Frames, messages and codes are core/wire's.

/*
#include <confd_lib.h>
*/
import "C"

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/goha/goha/core/wire"
)

// errEOF is the error of a socket the daemon closed: CONFD_EOF.
func errEOF(what string) error {
	return confdErrf(C.CONFD_ERR_EOF, "%s: the daemon closed the connection", what)
}

// fdWrite writes all of b to fd.
func fdWrite(fd int, b []byte) error {
	for len(b) > 0 {
		// MSG_NOSIGNAL: a dead daemon gives EPIPE, never SIGPIPE.
		n, err := unix.SendmsgN(fd, b, nil, nil, unix.MSG_NOSIGNAL)
		switch err {
		case nil:
			b = b[n:]
		case unix.EINTR:
		case unix.EAGAIN:
			if err := fdPoll(fd, unix.POLLOUT); err != nil {
				return err
			}
		case unix.EPIPE, unix.ECONNRESET, unix.ENOTCONN:
			return errEOF("write")
		default:
			return &osError{what: "write to the daemon", errno: err.(unix.Errno)}
		}
	}
	return nil
}

// fdPoll waits until fd is ready for events.
func fdPoll(fd int, events int16) error {
	for {
		p := []unix.PollFd{{Fd: int32(fd), Events: events}}
		_, err := unix.Poll(p, -1)
		if err == nil || err == unix.EINTR {
			if err == nil {
				return nil
			}
			continue
		}
		return &osError{what: "poll", errno: err.(unix.Errno)}
	}
}

// fdReadFull reads len(p) bytes from fd.
func fdReadFull(fd int, p []byte) error {
	for got := 0; got < len(p); {
		n, err := unix.Read(fd, p[got:])
		switch err {
		case nil:
			if n == 0 {
				return errEOF("read")
			}
			got += n
		case unix.EINTR:
		case unix.EAGAIN:
			if err := fdPoll(fd, unix.POLLIN); err != nil {
				return err
			}
		case unix.ECONNRESET:
			return errEOF("read")
		default:
			return &osError{what: "read from the daemon", errno: err.(unix.Errno)}
		}
	}
	return nil
}

// fdReadMsg reads and decodes one frame.
func fdReadMsg(fd int) (*wire.Msg, error) {
	var hdr [4]byte
	if err := fdReadFull(fd, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 || n > wire.MaxFrame {
		return nil, confdErrf(C.CONFD_ERR_INTERNAL, "daemon sent a frame of %d bytes", n)
	}
	body := make([]byte, n)
	if err := fdReadFull(fd, body); err != nil {
		return nil, err
	}
	m, err := wire.DecodeMsg(body)
	if err != nil {
		return nil, confdErrf(C.CONFD_ERR_INTERNAL, "daemon sent a bad message: %v", err)
	}
	return m, nil
}

// fdWriteMsg encodes and writes one frame.
func fdWriteMsg(fd int, m *wire.Msg) error {
	b, err := wire.EncodeMsg(m)
	if err != nil {
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "%v", err)
	}
	return fdWrite(fd, wire.AppendFrame(make([]byte, 0, 4+len(b)), b))
}

// fdHello exchanges hellos on a freshly connected fd.
func fdHello(fd int) error {
	body, err := wire.EncodeBody(&wire.Hello{Proto: wire.ProtocolVersion, Software: software()})
	if err != nil {
		return err
	}
	if err := fdWriteMsg(fd, &wire.Msg{Type: wire.TypeHello, Body: body}); err != nil {
		return err
	}
	m, err := fdReadMsg(fd)
	if err != nil {
		return err
	}
	if m.Type != wire.TypeHello {
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "the peer is not a gohad control endpoint (message type %d)", m.Type)
	}
	if m.Code != wire.CodeOK {
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "gohad refused the connection: %s", m.Err)
	}
	return nil
}

// fdCall sends request op on s and reads its reply. s.mu must be held.
func fdCall(s *confdSock, op string, arg, res any) error {
	if s.eof {
		return errEOF(op)
	}
	body, err := wire.EncodeBody(arg)
	if err != nil {
		return confdErrf(C.CONFD_ERR_PROTOUSAGE, "%v", err)
	}
	s.nextID++
	id := s.nextID
	err = fdWriteMsg(s.fd, &wire.Msg{Type: wire.TypeReq, ID: id, Op: op, Body: body})
	var m *wire.Msg
	if err == nil {
		m, err = fdReadMsg(s.fd)
	}
	if err != nil {
		if ce, ok := err.(*confdError); ok && ce.code == C.CONFD_ERR_EOF {
			s.eof = true
		}
		return err
	}
	if m.Type != wire.TypeReply || m.ID != id {
		return confdErrf(C.CONFD_ERR_INTERNAL, "%s: daemon sent message type %d id %d, want the reply to %d", op, m.Type, m.ID, id)
	}
	if m.Code != wire.CodeOK {
		return replyError(op, m.Code, m.Err)
	}
	if res != nil {
		if err := wire.DecodeBody(m.Body, res); err != nil {
			return confdErrf(C.CONFD_ERR_INTERNAL, "%s: bad reply: %v", op, err)
		}
	}
	return nil
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
