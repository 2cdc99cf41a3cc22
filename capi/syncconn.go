package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

// syncConn is the request half of a votequorum handle: a control connection
// that never subscribes, used with blocking system calls on the calling
// thread. It exists for latency. A cgo callback runs on a goroutine locked
// to the C thread; when such a goroutine waits on a Go channel (as
// client.Client's callers wait for the reply its read loop receives), every
// round trip costs two extra thread switches to hand the P back to the
// locked thread (perf stat: 3.4 context switches per getinfo in the client
// process, 1.9 with syncConn; corosync's client: 1.0). Measured on one CPU
// shared with gohad, getinfo p50 went from 39 us to 24 us. Doing the
// blocking I/O in C instead, outside the runtime, measured the same, so
// this stays in Go; what remains over a C client that sends a pre-encoded
// frame (17 us) is mostly msgpack encoding and decoding by reflection
// (about 4 us) and the cgo transition (about 1 us). A C echo server over
// the same socket needs 8 us, corosync's getinfo as much, so getinfo
// normally reads the daemon's info page instead (mapVQ, vqInfo: 0.5 us)
// and uses a round trip only when the page cannot answer.
// Framing, messages and errors are core/wire's and core/client's, so the
// status mapping is the same as for client.Client.
type syncConn struct {
	mu     sync.Mutex
	fd     int // blocking socket; -1 once closed (only close closes it)
	nextID uint64
	err    error // terminal error, set once
	rbuf   []byte
	// vq is the daemon's votequorum info page (wire.VQShm), mapped
	// read-only by mapVQ, or nil: then getinfo asks the daemon.
	vq    *wire.VQShm
	vqMem []byte
	// heard is CLOCK_MONOTONIC (wire.MonotonicNow) when the last round
	// trip completed; see vqTrust.
	heard int64
}

// vqTrust is how long after a completed round trip the info page may
// answer for the daemon. The page alone is valid for 1.5 ticks, but a
// stopped (SIGSTOP) or killed daemon must be noticed sooner, as with
// corosync, where a request after the stop waits or fails; so every
// vqTrust at least one getinfo goes to the daemon (about one call in a
// thousand under a tight loop).
const vqTrust = 500 * time.Microsecond

// dialSync connects to the daemon at addr and exchanges hellos. Only unix
// sockets and TCP are supported, as in client.SplitAddr.
func dialSync(addr string) (*syncConn, error) {
	network, address, err := client.SplitAddr(addr)
	if err != nil {
		return nil, err
	}
	var fd int
	var sa unix.Sockaddr
	switch network {
	case "unix":
		fd, err = unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		sa = &unix.SockaddrUnix{Name: address}
	default:
		var ip [4]byte
		var port int
		ip, port, err = parseTCP4(address)
		if err == nil {
			fd, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			sa = &unix.SockaddrInet4{Addr: ip, Port: port}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", client.ErrDaemonGone, err)
	}
	if err := connect(fd, sa); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%w: connect %s: %v", client.ErrDaemonGone, addr, err)
	}
	if network == "tcp" {
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	// The hello must not hang forever on a daemon that accepts and stalls.
	tv := unix.NsecToTimeval(dialTimeout.Nanoseconds())
	_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	c := &syncConn{fd: fd}
	body, err := wire.EncodeBody(&wire.Hello{Proto: wire.ProtocolVersion, Software: software()})
	if err != nil {
		c.close()
		return nil, err
	}
	m, err := c.roundTrip(&wire.Msg{Type: wire.TypeHello, Body: body}, wire.TypeHello)
	if err != nil {
		c.close()
		return nil, err
	}
	if m.Code != wire.CodeOK {
		c.close()
		return nil, &client.Error{Op: "hello", Code: m.Code, Msg: m.Err}
	}
	var hello wire.Hello
	if err := wire.DecodeBody(m.Body, &hello); err != nil || hello.Proto != wire.ProtocolVersion {
		c.close()
		return nil, &client.Error{Op: "hello", Code: wire.CodeVersion, Msg: "daemon speaks another protocol version"}
	}
	tv = unix.Timeval{} // requests wait as long as the daemon takes, as corosync's do
	_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	return c, nil
}

// connect retries on EINTR (a signal handler of the host program).
func connect(fd int, sa unix.Sockaddr) error {
	for {
		if err := unix.Connect(fd, sa); err != unix.EINTR {
			return err
		}
	}
}

func software() string {
	if len(os.Args) > 0 && os.Args[0] != "" {
		return os.Args[0] + " (libgoha)"
	}
	return "libgoha"
}

func parseTCP4(hostport string) (ip [4]byte, port int, err error) {
	var a, b, c, d int
	if _, err = fmt.Sscanf(hostport, "%d.%d.%d.%d:%d", &a, &b, &c, &d, &port); err != nil {
		return ip, 0, fmt.Errorf("ipc address %q: want an IPv4 host:port", hostport)
	}
	return [4]byte{byte(a), byte(b), byte(c), byte(d)}, port, nil
}

// call performs one request; arg and res as in client.Client.Call.
func (c *syncConn) call(op string, arg, res any) error {
	body, err := wire.EncodeBody(arg)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.mu.Unlock()
	m, err := c.roundTrip(&wire.Msg{Type: wire.TypeReq, ID: id, Op: op, Body: body}, wire.TypeReply)
	if err != nil {
		return err
	}
	if m.ID != id {
		return c.fail(fmt.Errorf("%w: reply %d to request %d", client.ErrProtocol, m.ID, id))
	}
	if m.Code != wire.CodeOK {
		return &client.Error{Op: op, Code: m.Code, Msg: m.Err}
	}
	if res != nil {
		if err := wire.DecodeBody(m.Body, res); err != nil {
			return fmt.Errorf("%w: reply to %s: %v", client.ErrProtocol, op, err)
		}
	}
	return nil
}

// vqInfo answers votequorum_getinfo(node) from the info page when it is
// mapped, valid now and lists node; false: ask the daemon (which also
// reports a lost connection and unknown nodes).
func (c *syncConn) vqInfo(node uint32, out *wire.VQInfo) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.vq == nil || c.err != nil {
		return false
	}
	now := wire.MonotonicNow()
	return now-c.heard < int64(vqTrust) && c.vq.Read(node, now, out)
}

// mapVQ asks the daemon for its votequorum info page and maps it
// read-only. Failure is not an error of the handle: getinfo then asks the
// daemon each time. Only a broken connection is returned.
func (c *syncConn) mapVQ() error {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.mu.Unlock()
	m, fd, err := c.roundTripFD(&wire.Msg{Type: wire.TypeReq, ID: id, Op: wire.OpVQShm}, wire.TypeReply, true)
	if err != nil {
		return err
	}
	if fd < 0 {
		return nil // refused (TCP, a daemon without a page): m says why
	}
	defer unix.Close(fd)
	var info wire.VQShmInfo
	var st unix.Stat_t
	if m.ID != id || m.Code != wire.CodeOK || wire.DecodeBody(m.Body, &info) != nil || info.Magic != wire.VQShmMagic ||
		unix.Fstat(fd, &st) != nil || st.Size < wire.VQShmSize {
		return nil
	}
	mem, err := unix.Mmap(fd, 0, wire.VQShmSize, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil
	}
	shm, err := wire.NewVQShm(mem)
	if err != nil {
		unix.Munmap(mem)
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil || c.vq != nil {
		unix.Munmap(mem)
		return nil
	}
	c.vq, c.vqMem = shm, mem
	return nil
}

// roundTrip writes one frame and reads the next, holding the lock so that
// concurrent callers on one handle take turns.
func (c *syncConn) roundTrip(m *wire.Msg, want wire.MsgType) (*wire.Msg, error) {
	r, _, err := c.roundTripFD(m, want, false)
	return r, err
}

// roundTripFD is roundTrip that, with wantFD, also returns a descriptor
// passed with the reply (-1 if none; the caller closes it).
func (c *syncConn) roundTripFD(m *wire.Msg, want wire.MsgType, wantFD bool) (_ *wire.Msg, fd int, _ error) {
	fd = -1
	b, err := wire.EncodeMsg(m)
	if err != nil {
		return nil, fd, &client.Error{Op: m.Op, Code: wire.CodeBadRequest, Msg: err.Error()}
	}
	frame := wire.AppendFrame(make([]byte, 0, 4+len(b)), b)
	c.mu.Lock()
	defer c.mu.Unlock()
	defer func() {
		if fd >= 0 && c.err != nil {
			unix.Close(fd)
			fd = -1
		}
	}()
	if c.err != nil {
		return nil, fd, c.err
	}
	for len(frame) > 0 {
		// MSG_NOSIGNAL: a dead daemon must give EPIPE, not kill the
		// process with SIGPIPE (this may be a C thread).
		n, err := unix.SendmsgN(c.fd, frame, nil, nil, unix.MSG_NOSIGNAL)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, fd, c.failLocked(fmt.Errorf("%w: %v", client.ErrDaemonGone, err))
		}
		frame = frame[n:]
	}
	var hdr [4]byte
	if wantFD {
		// The descriptor comes with the reply's first byte: receive it
		// with recvmsg, then read the rest of the header as usual.
		got, rfd, err := c.recvFD(hdr[:])
		if err != nil {
			return nil, fd, err
		}
		fd = rfd
		if err := c.readFull(hdr[got:]); err != nil {
			return nil, fd, err
		}
	} else if err := c.readFull(hdr[:]); err != nil {
		return nil, fd, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 || n > wire.MaxFrame {
		return nil, fd, c.failLocked(fmt.Errorf("%w: frame of %d bytes", client.ErrProtocol, n))
	}
	if cap(c.rbuf) < int(n) {
		c.rbuf = make([]byte, n)
	}
	body := c.rbuf[:n]
	if err := c.readFull(body); err != nil {
		return nil, fd, err
	}
	r, err := wire.DecodeMsg(body)
	if err != nil {
		return nil, fd, c.failLocked(fmt.Errorf("%w: %v", client.ErrProtocol, err))
	}
	if r.Type != want {
		return nil, fd, c.failLocked(fmt.Errorf("%w: unexpected message type %d", client.ErrProtocol, r.Type))
	}
	// r.Body aliases rbuf: copy it, the next call reuses the buffer.
	r.Body = append([]byte(nil), r.Body...)
	if c.vq != nil {
		c.heard = wire.MonotonicNow()
	}
	return r, fd, nil
}

// recvFD reads at least one byte into p with recvmsg and returns the byte
// count and the first descriptor passed with them (-1 if none; any
// others are closed). mu held.
func (c *syncConn) recvFD(p []byte) (int, int, error) {
	oob := make([]byte, unix.CmsgSpace(4*4))
	for {
		n, oobn, _, _, err := unix.Recvmsg(c.fd, p, oob, unix.MSG_CMSG_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, -1, c.failLocked(fmt.Errorf("%w: %v", client.ErrDaemonGone, err))
		}
		fd := -1
		if cmsgs, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil {
			for _, cm := range cmsgs {
				fds, err := unix.ParseUnixRights(&cm)
				if err != nil {
					continue
				}
				for _, f := range fds {
					if fd < 0 {
						fd = f
					} else {
						unix.Close(f)
					}
				}
			}
		}
		if n == 0 {
			if fd >= 0 {
				unix.Close(fd)
			}
			return 0, -1, c.failLocked(fmt.Errorf("%w: connection closed by the daemon", client.ErrDaemonGone))
		}
		return n, fd, nil
	}
}

// readFull reads len(p) bytes. mu held.
func (c *syncConn) readFull(p []byte) error {
	for got := 0; got < len(p); {
		n, err := unix.Read(c.fd, p[got:])
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN || err == unix.EWOULDBLOCK {
			return c.failLocked(fmt.Errorf("%w: no hello from the daemon", client.ErrTimeout))
		}
		if err != nil {
			return c.failLocked(fmt.Errorf("%w: %v", client.ErrDaemonGone, err))
		}
		if n == 0 {
			return c.failLocked(fmt.Errorf("%w: connection closed by the daemon", client.ErrDaemonGone))
		}
		got += n
	}
	return nil
}

func (c *syncConn) fail(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failLocked(err)
}

// failLocked records the terminal error (the first wins) and shuts the
// socket down; every later call returns the error. The descriptor itself is
// released only by close, so its number cannot be reused while another
// thread may still use it. mu held.
func (c *syncConn) failLocked(err error) error {
	if c.err == nil {
		c.err = err
		_ = unix.Shutdown(c.fd, unix.SHUT_RDWR)
	}
	return c.err
}

// close ends the connection (once, from finalize); a call blocked in
// another thread returns client.ErrClosed, and so do later calls.
func (c *syncConn) close() {
	// Wake a reader blocked in read(2) first: it holds mu.
	_ = unix.Shutdown(c.fd, unix.SHUT_RDWR)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil || !errors.Is(c.err, client.ErrClosed) {
		c.err = client.ErrClosed
	}
	if c.fd >= 0 {
		unix.Close(c.fd)
		c.fd = -1
	}
	if c.vqMem != nil {
		unix.Munmap(c.vqMem)
		c.vq, c.vqMem = nil, nil
	}
}
