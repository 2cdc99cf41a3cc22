package node

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// udpSocket is the membership socket: a plain non-blocking descriptor that
// Go's network poller does not know. The poller's epoll would wake the
// runtime for every arriving datagram even while nobody waits for one; an
// idle node of 64 receives about 200 a second and the loop reads them at
// its passes (see "Reading the socket" in transport.go), so those wake-ups
// were most of its cost. The reader goroutine waits in poll(2) instead, and
// a datagram of zero bytes to the socket itself (wake) ends that wait.
type udpSocket struct {
	fd     int
	local  unix.Sockaddr // the bound address (wake sends to it)
	closed atomic.Bool
}

// errAgain: nothing to read now.
var errAgain = errors.New("no datagram waiting")

// listenUDP binds the membership address. SO_REUSEADDR is deliberately not
// set: a second daemon on the same port must fail, not share it.
func listenUDP(addr string) (*udpSocket, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("membership addr %s: %w", addr, err)
	}
	ap := ua.AddrPort()
	family := unix.AF_INET6
	if ap.Addr().Unmap().Is4() {
		family = unix.AF_INET
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("membership addr %s: socket: %w", addr, err)
	}
	// Large buffers, so that a burst during a view change is not lost; the
	// kernel caps them at net.core.[rw]mem_max.
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, SocketBuffer)
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, SocketBuffer)
	if err := unix.Bind(fd, sockaddrOf(ap)); err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.EADDRINUSE) {
			return nil, fmt.Errorf("membership addr %s: port in use", addr)
		}
		return nil, fmt.Errorf("membership addr %s: %w", addr, err)
	}
	local, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("membership addr %s: %w", addr, err)
	}
	return &udpSocket{fd: fd, local: local}, nil
}

// sockaddrOf converts an address for the socket calls.
func sockaddrOf(ap netip.AddrPort) unix.Sockaddr {
	a := ap.Addr()
	if a.Unmap().Is4() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.Unmap().As4()}
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: a.As16()}
}

// read reads one datagram into buf (errAgain when none waits). A datagram
// of zero bytes is a wake-up (or garbage): the caller skips it.
func (s *udpSocket) read(buf []byte) (int, error) {
	for {
		n, err := unix.Read(s.fd, buf)
		switch {
		case err == nil:
			return n, nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			return 0, errAgain
		case s.closed.Load():
			return 0, net.ErrClosed
		}
		return 0, err
	}
}

// wait blocks (outside the Go poller) until a datagram may be read, the
// socket is woken, or timeoutMs pass.
func (s *udpSocket) wait(timeoutMs int) {
	fds := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLIN}}
	unix.Poll(fds, timeoutMs) // EINTR or a timeout: the caller looks again
}

// sendTo sends b to sa.
func (s *udpSocket) sendTo(b []byte, sa unix.Sockaddr) error {
	for {
		err := unix.Sendto(s.fd, b, 0, sa)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// wake ends a wait of the reader goroutine.
func (s *udpSocket) wake() { unix.Sendto(s.fd, nil, 0, s.local) }

// shut marks the socket closed and wakes the reader; closeFD closes it
// once nobody uses it any more (a descriptor number closed under a waiting
// reader could be reused by another file).
func (s *udpSocket) shut() {
	s.closed.Store(true)
	s.wake()
}

func (s *udpSocket) closeFD() { unix.Close(s.fd) }
