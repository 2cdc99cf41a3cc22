package main

// The ConfD family's socket table. ConfD's API identifies a connection by
// the caller's own socket fd (the caller creates the socket, the library
// connects it, and the caller may poll it), so this table is keyed by fd
// rather than by a generated handle as the other families' tables are.
//
// An fd number is reused by the kernel after close(), which the library
// does not see. Each entry therefore records the identity (device and inode
// from fstat) of the socket it was made for, and a lookup whose fd now
// names another file drops the stale entry: a closed-and-reused fd is
// reported as "not an HA socket" instead of being mistaken for the old one.

/*
#include <sys/socket.h>
#include "confd_internal.h"
*/
import "C"

import (
	"fmt"
	"sync"
	"syscall"

	"github.com/goha/goha/core/client"
)

// sockKind says what confd_*_connect made of a socket.
type sockKind int

const (
	sockHA     sockKind = iota + 1 // confd_ha_connect
	sockNotif                      // confd_notifications_connect
	sockCDB                        // goha_cdb_connect, cdb_connect(CDB_DATA_SOCKET)
	sockCDBSub                     // cdb_connect(CDB_SUBSCRIPTION_SOCKET)
)

func (k sockKind) String() string {
	switch k {
	case sockHA:
		return "HA socket"
	case sockNotif:
		return "notification socket"
	case sockCDB:
		return "config store socket"
	case sockCDBSub:
		return "CDB subscription socket"
	}
	return fmt.Sprintf("socket kind %d", int(k))
}

// article returns the kind with its indefinite article, for messages.
func (k sockKind) article() string {
	if k == sockHA {
		return "an " + k.String()
	}
	return "a " + k.String()
}

// connectFn names the call that makes a socket of each kind, for messages.
func (k sockKind) connectFn() string {
	switch k {
	case sockNotif:
		return "confd_notifications_connect"
	case sockCDB:
		return "goha_cdb_connect or cdb_connect"
	case sockCDBSub:
		return "cdb_connect with CDB_SUBSCRIPTION_SOCKET"
	}
	return "confd_ha_connect"
}

// fdIdentity names the open file behind an fd.
type fdIdentity struct {
	dev, ino uint64
}

// confdSock is one connected socket of the ConfD family.
type confdSock struct {
	fd   int
	kind sockKind
	id   fdIdentity
	mask int64 // sockNotif: the subscribed CONFD_NOTIF_* bits

	// mu serialises requests on the socket: the ConfD protocol is one
	// request, one reply, in order. It guards the fields below.
	mu   sync.Mutex
	conn *client.Conn // on fd; a closed connection fails every call
	// needAck: a sync notification socket returned an HA event that
	// confd_sync_ha_notification has not acknowledged yet.
	needAck bool
	// cdb: the state of a CDB data, change or subscription socket.
	cdb cdbSockState
}

// sockTable maps fds to their confdSock.
type sockTable struct {
	mu    sync.Mutex
	socks map[int]*confdSock
}

var confdSocks = newSockTable()

func newSockTable() *sockTable {
	return &sockTable{socks: make(map[int]*confdSock)}
}

// identify returns the identity of fd and its socket type (-1 if fd is no
// socket), or an osError (EBADF) if fd is not open.
func identify(fd int) (fdIdentity, int, error) {
	var dev, ino C.ulonglong
	var sotype C.int
	if fd < 0 {
		return fdIdentity{}, -1, &osError{what: fmt.Sprintf("socket %d", fd), errno: syscall.EBADF}
	}
	if r, err := C.gh_confd_fd_identity(C.int(fd), &dev, &ino, &sotype); r != 0 {
		errno, ok := err.(syscall.Errno)
		if !ok {
			errno = syscall.EBADF
		}
		return fdIdentity{}, -1, &osError{what: fmt.Sprintf("socket %d", fd), errno: errno}
	}
	return fdIdentity{dev: uint64(dev), ino: uint64(ino)}, int(sotype), nil
}

// checkFree checks that fd is an open stream socket that is not already
// connected by this library, and returns its identity for register.
func (t *sockTable) checkFree(fd int) (fdIdentity, error) {
	id, sotype, err := identify(fd)
	if err != nil {
		return id, err
	}
	if sotype != C.SOCK_STREAM {
		if sotype < 0 {
			return id, confdErrf(C.CONFD_ERR_PROTOUSAGE, "fd %d is not a socket", fd)
		}
		return id, confdErrf(C.CONFD_ERR_PROTOUSAGE, "socket %d is not a SOCK_STREAM socket", fd)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.socks[fd]; ok {
		if s.id == id {
			return id, confdErrf(C.CONFD_ERR_PROTOUSAGE, "socket %d is already connected as %s; use a new socket", fd, s.kind.article())
		}
		delete(t.socks, fd) // stale: the fd was closed and reused
	}
	return id, nil
}

// register records a socket that connect made of fd, replacing any stale
// entry of the same number.
func (t *sockTable) register(fd int, kind sockKind, id fdIdentity, mask int64) *confdSock {
	s := &confdSock{fd: fd, kind: kind, id: id, mask: mask}
	t.mu.Lock()
	t.socks[fd] = s
	t.mu.Unlock()
	return s
}

// add records s (made by a connect call), replacing any stale entry of the
// same fd.
func (t *sockTable) add(s *confdSock) {
	t.mu.Lock()
	t.socks[s.fd] = s
	t.mu.Unlock()
}

// lookup returns the socket of fd if connect made it of the given kind and
// fd still names the same socket.
func (t *sockTable) lookup(fd int, kind sockKind) (*confdSock, error) {
	id, _, err := identify(fd)
	if err != nil {
		t.forgetFd(fd) // closed: whatever was there is gone
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.socks[fd]
	if ok && s.id != id {
		delete(t.socks, fd)
		ok = false
	}
	if !ok {
		return nil, confdErrf(C.CONFD_ERR_PROTOUSAGE, "socket %d is not %s (%s was not called on it)", fd, kind.article(), kind.connectFn())
	}
	if s.kind != kind {
		return nil, confdErrf(C.CONFD_ERR_PROTOUSAGE, "socket %d is %s, not %s", fd, s.kind.article(), kind.article())
	}
	return s, nil
}

// forget removes s (after the daemon closed it), unless fd was already
// registered anew.
func (t *sockTable) forget(s *confdSock) {
	t.mu.Lock()
	if t.socks[s.fd] == s {
		delete(t.socks, s.fd)
	}
	t.mu.Unlock()
}

func (t *sockTable) forgetFd(fd int) {
	t.mu.Lock()
	delete(t.socks, fd)
	t.mu.Unlock()
}

// len returns the number of registered sockets.
func (t *sockTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.socks)
}
