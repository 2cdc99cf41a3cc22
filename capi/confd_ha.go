package main

// The confd_ha_* exports (include/confd_ha.h). Each validates its arguments
// and its socket locally, then does one request and reply with gohad on
// the caller's socket (confd_fdconn.go); gohad's confd_errno comes back in
// the reply code. The old names (confd_ha_bemaster, ...) are C functions in
// confd_compat.c.

/*
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <confd_ha.h>
#include "confd_internal.h"

// Const-qualified spellings Go cannot write; they make the generated
// prototypes identical to those of confd_ha.h.
typedef const char gh_confd_cchar;
typedef const struct sockaddr gh_confd_csockaddr;
*/
import "C"

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"github.com/goha/goha/core/wire"
)

// hostOf returns the host of a "host:port" address as gohad reports it
// (confd_ha_node carries an address without a port).
func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// maxTokenLen bounds the HA token given to confd_ha_connect.
const maxTokenLen = 4096

// maxAddrStrLen bounds confd_ha_node.addr.str (it must fit addr_buf).
const maxAddrStrLen = 127

//export confd_ha_connect
func confd_ha_connect(sock C.int, srv *C.gh_confd_csockaddr, srvSz C.int, token *C.gh_confd_cchar) C.int {
	return confdCall("confd_ha_connect", fmt.Sprintf("sock=%d", int(sock)), func() error {
		if token == nil {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "token is NULL")
		}
		if C.strnlen((*C.char)(unsafe.Pointer(token)), maxTokenLen+1) > maxTokenLen {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "token is longer than %d bytes", maxTokenLen)
		}
		tok := C.GoString((*C.char)(unsafe.Pointer(token)))
		if tok == "" {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "token is empty")
		}
		id, err := connectSock(int(sock), srv, srvSz)
		if err != nil {
			return err
		}
		s, err := confdHello(int(sock), sockHA, id, 0)
		if err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if err := s.call(wire.OpHAConnect, &wire.HAConnectArg{Token: tok}, nil); err != nil {
			return err
		}
		confdSocks.add(s)
		return nil
	})
}

// haCall does one request on HA socket sock.
func haCall(sock C.int, op string, arg, res any) error {
	s, err := confdSocks.lookup(int(sock), sockHA)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.call(op, arg, res)
}

// connectSock checks fd and srv, connect(2)s fd to srv and returns the
// socket's identity for the socket table.
func connectSock(fd int, srv *C.gh_confd_csockaddr, srvSz C.int) (fdIdentity, error) {
	if C.gh_confd_check_sockaddr((*C.struct_sockaddr)(unsafe.Pointer(srv)), srvSz) != 0 {
		return fdIdentity{}, errRecorded
	}
	id, err := confdSocks.checkFree(fd)
	if err != nil {
		return id, err
	}
	if r, err := C.gh_confd_connect(C.int(fd), (*C.struct_sockaddr)(unsafe.Pointer(srv)), srvSz); r != 0 {
		errno, ok := err.(syscall.Errno)
		if !ok {
			errno = syscall.EIO
		}
		return id, &osError{what: "connect to " + sockaddrString(srv, srvSz), errno: errno}
	}
	return id, nil
}

// sockaddrString formats a checked sockaddr for messages.
func sockaddrString(srv *C.gh_confd_csockaddr, srvSz C.int) string {
	// Read only what the family defines: srvSz may exceed it.
	family := int(*(*C.sa_family_t)(unsafe.Pointer(srv)))
	switch family {
	case syscall.AF_INET:
		var a syscall.RawSockaddrInet4
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&a)), unsafe.Sizeof(a)), C.GoBytes(unsafe.Pointer(srv), C.int(unsafe.Sizeof(a))))
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), netPort(&a.Port)).String()
	case syscall.AF_INET6:
		var a syscall.RawSockaddrInet6
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&a)), unsafe.Sizeof(a)), C.GoBytes(unsafe.Pointer(srv), C.int(unsafe.Sizeof(a))))
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr), netPort(&a.Port)).String()
	case syscall.AF_UNIX:
		// gh_confd_check_sockaddr bounded srvSz by sizeof(sockaddr_un).
		path := C.GoBytes(unsafe.Pointer(srv), srvSz)[2:]
		if len(path) > 0 && path[0] == 0 {
			return "unix:@" + string(trimNUL(path[1:]))
		}
		return "unix:" + string(trimNUL(path))
	}
	return fmt.Sprintf("address family %d", family)
}

// netPort reads a port stored in network byte order.
func netPort(p *uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(p))
	return uint16(b[0])<<8 | uint16(b[1])
}

func trimNUL(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}

//export confd_ha_beprimary
func confd_ha_beprimary(sock C.int, mynodeid *C.confd_value_t) C.int {
	return confdCall("confd_ha_beprimary", fmt.Sprintf("sock=%d", int(sock)), func() error {
		name, err := nodeIDOf("mynodeid", mynodeid)
		if err != nil {
			return err
		}
		return haCall(sock, wire.OpHABePrimary, &wire.HANameArg{Name: name}, nil)
	})
}

//export confd_ha_besecondary
func confd_ha_besecondary(sock C.int, mynodeid *C.confd_value_t, primary *C.struct_confd_ha_node, waitreply C.int) C.int {
	return confdCall("confd_ha_besecondary", fmt.Sprintf("sock=%d, waitreply=%d", int(sock), int(waitreply)), func() error {
		name, err := nodeIDOf("mynodeid", mynodeid)
		if err != nil {
			return err
		}
		if primary == nil {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "primary is NULL")
		}
		pname, err := nodeIDOf("primary->nodeid", &primary.nodeid)
		if err != nil {
			return err
		}
		host, err := primaryAddr(primary)
		if err != nil {
			return err
		}
		return haCall(sock, wire.OpHABeSecondary, &wire.HABeSecondaryArg{Name: name, Primary: pname, Host: host, Wait: waitreply != 0}, nil)
	})
}

// primaryAddr returns the address given in a confd_ha_node: an IP address,
// a host text (AF_UNSPEC with addr.str), or "" (AF_UNSPEC, addr.str NULL:
// the cluster config says).
func primaryAddr(n *C.struct_confd_ha_node) (string, error) {
	switch n.af {
	case C.AF_INET:
		var a [4]byte
		copy(a[:], C.GoBytes(unsafe.Pointer(&n.addr), 4))
		return netip.AddrFrom4(a).String(), nil
	case C.AF_INET6:
		var a [16]byte
		copy(a[:], C.GoBytes(unsafe.Pointer(&n.addr), 16))
		return netip.AddrFrom16(a).String(), nil
	case C.AF_UNSPEC:
		s := *(**C.char)(unsafe.Pointer(&n.addr))
		if s == nil {
			return "", nil
		}
		l := C.strnlen(s, maxAddrStrLen+1)
		if l > maxAddrStrLen {
			return "", confdErrf(C.CONFD_ERR_PROTOUSAGE, "primary->addr.str is longer than %d bytes", maxAddrStrLen)
		}
		return C.GoStringN(s, C.int(l)), nil
	}
	return "", confdErrf(C.CONFD_ERR_PROTOUSAGE, "primary->af %d is not AF_INET, AF_INET6 or AF_UNSPEC", int(n.af))
}

//export confd_ha_berelay
func confd_ha_berelay(sock C.int) C.int {
	return confdCall("confd_ha_berelay", fmt.Sprintf("sock=%d", int(sock)), func() error {
		return haCall(sock, wire.OpHABeRelay, nil, nil)
	})
}

//export confd_ha_benone
func confd_ha_benone(sock C.int) C.int {
	return confdCall("confd_ha_benone", fmt.Sprintf("sock=%d", int(sock)), func() error {
		return haCall(sock, wire.OpHABeNone, nil, nil)
	})
}

//export confd_ha_secondary_dead
func confd_ha_secondary_dead(sock C.int, nodeid *C.confd_value_t) C.int {
	return confdCall("confd_ha_secondary_dead", fmt.Sprintf("sock=%d", int(sock)), func() error {
		name, err := nodeIDOf("nodeid", nodeid)
		if err != nil {
			return err
		}
		return haCall(sock, wire.OpHASecondaryDead, &wire.HANameArg{Name: name}, nil)
	})
}

//export confd_ha_get_status
func confd_ha_get_status(sock C.int, stat *C.struct_confd_ha_status) C.int {
	return confdCall("confd_ha_get_status", fmt.Sprintf("sock=%d", int(sock)), func() error {
		if stat == nil {
			return confdErrf(C.CONFD_ERR_PROTOUSAGE, "stat is NULL")
		}
		var st wire.HAStatus
		if err := haCall(sock, wire.OpHAStatus, nil, &st); err != nil {
			return err
		}
		nodes := make([]haNode, len(st.Nodes))
		for i, n := range st.Nodes {
			nodes[i] = haNode{ID: n.Name, Addr: hostOf(n.Addr)}
		}
		return fillHAStatus(stat, st.State, nodes)
	})
}
