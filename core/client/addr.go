package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultIPC is the control address used when GOHA_IPC is unset.
const DefaultIPC = "unix:/var/run/goha/gohad.sock"

// EnvIPC names the environment variable holding the control address.
const EnvIPC = "GOHA_IPC"

// DefaultAddr returns $GOHA_IPC, or DefaultIPC when it is unset or empty.
func DefaultAddr() string {
	if a := os.Getenv(EnvIPC); a != "" {
		return a
	}
	return DefaultIPC
}

// SplitAddr turns an ipc address into a net.Dial network and address:
// "unix:/path" gives ("unix", "/path"); "host:port" (an IPv4 literal, a
// bracketed IPv6 literal such as "[::1]:7000", or a host name) gives
// ("tcp", "host:port").
func SplitAddr(addr string) (network, address string, err error) {
	switch {
	case strings.HasPrefix(addr, "unix:"):
		p := strings.TrimPrefix(addr, "unix:")
		if p == "" {
			return "", "", fmt.Errorf("ipc address %q: empty socket path", addr)
		}
		return "unix", p, nil
	case addr == "":
		return "", "", errors.New("ipc address is empty")
	default:
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return "", "", fmt.Errorf("ipc address %q: want unix:/path or host:port", addr)
		}
		return "tcp", addr, nil
	}
}

// sockaddrs resolves a control address to the socket addresses to try, in
// order. Host names are resolved with the Go resolver within timeout (0:
// no bound); every address it returns is tried.
func sockaddrs(addr string, timeout time.Duration) ([]unix.Sockaddr, error) {
	network, address, err := SplitAddr(addr)
	if err != nil {
		return nil, err
	}
	if network == "unix" {
		if len(address) >= len(unix.RawSockaddrUnix{}.Path) {
			return nil, fmt.Errorf("ipc address %q: socket path too long", addr)
		}
		return []unix.Sockaddr{&unix.SockaddrUnix{Name: address}}, nil
	}
	host, portText, _ := net.SplitHostPort(address)
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		p, lerr := net.LookupPort("tcp", portText)
		if lerr != nil {
			return nil, fmt.Errorf("ipc address %q: bad port %q", addr, portText)
		}
		port = uint64(p)
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		ctx := context.Background()
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		if ips, err = net.DefaultResolver.LookupNetIP(ctx, "ip", host); err != nil {
			return nil, fmt.Errorf("%w: ipc address %q: %v", ErrDaemonGone, addr, err)
		}
	}
	out := make([]unix.Sockaddr, 0, len(ips))
	for _, ip := range ips {
		ip = ip.Unmap()
		if ip.Is4() {
			out = append(out, &unix.SockaddrInet4{Port: int(port), Addr: ip.As4()})
			continue
		}
		sa := &unix.SockaddrInet6{Port: int(port), Addr: ip.As16()}
		if z := ip.Zone(); z != "" {
			if ifi, err := net.InterfaceByName(z); err == nil {
				sa.ZoneId = uint32(ifi.Index)
			} else if n, err := strconv.ParseUint(z, 10, 32); err == nil {
				sa.ZoneId = uint32(n)
			}
		}
		out = append(out, sa)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: ipc address %q: no addresses", ErrDaemonGone, addr)
	}
	return out, nil
}

// dialFD connects a new blocking, close-on-exec stream socket to the
// control address addr, trying every address a host name resolves to, and
// returns the descriptor. timeout bounds the resolution and each connect
// (0: no bound). Failure wraps ErrDaemonGone (ErrTimeout when it was the
// bound).
func dialFD(addr string, timeout time.Duration) (int, error) {
	sas, err := sockaddrs(addr, timeout)
	if err != nil {
		return -1, err
	}
	var last error
	for _, sa := range sas {
		fd, err := connectFD(sa, timeout)
		if err == nil {
			return fd, nil
		}
		last = err
	}
	if errors.Is(last, unix.EINPROGRESS) || errors.Is(last, unix.EAGAIN) {
		return -1, fmt.Errorf("%w: connect %s", ErrTimeout, addr)
	}
	return -1, fmt.Errorf("%w: connect %s: %w", ErrDaemonGone, addr, last)
}

// connectFD makes one socket for sa and connects it. The socket stays
// blocking (callers do blocking I/O on it on their own thread); the connect
// is bounded by SO_SNDTIMEO, which Linux applies to connect(2) on both unix
// and TCP sockets (it then fails with EAGAIN or EINPROGRESS).
func connectFD(sa unix.Sockaddr, timeout time.Duration) (int, error) {
	domain := unix.AF_UNIX
	switch sa.(type) {
	case *unix.SockaddrInet4:
		domain = unix.AF_INET
	case *unix.SockaddrInet6:
		domain = unix.AF_INET6
	}
	fd, err := unix.Socket(domain, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if timeout > 0 {
		tv := unix.NsecToTimeval(timeout.Nanoseconds())
		_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
	}
	for {
		err = unix.Connect(fd, sa)
		// EINTR (a signal handler of a C host program): a blocking TCP
		// connect goes on in the kernel; calling again waits for it, and
		// EISCONN says it finished meanwhile.
		if err != unix.EINTR {
			break
		}
	}
	if err == unix.EISCONN {
		err = nil
	}
	if err != nil {
		unix.Close(fd)
		return -1, err
	}
	if timeout > 0 {
		_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &unix.Timeval{})
	}
	if domain != unix.AF_UNIX {
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	return fd, nil
}
