package client

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goha/goha/core/wire"
)

// errNotSent is wrapped (with ErrDaemonGone) by the error of a request
// of which nothing reached the daemon, because it had closed the
// connection: on a unix socket the write then fails at once (EPIPE).
// NotSent tests for it.
var errNotSent = errors.New("request not sent")

// NotSent reports whether err is the failure of a request that never
// reached the daemon (it had closed the connection before): retrying it
// on a new connection cannot perform it twice.
func NotSent(err error) bool { return errors.Is(err, errNotSent) }

// errClosedByPeer is wrapped (under ErrDaemonGone) by the errors of a
// connection the daemon closed or reset; IsEOF tests for it.
var errClosedByPeer = errors.New("connection closed by the daemon")

// Conn is one control connection on a socket descriptor, driven with
// blocking system calls on the calling thread: no goroutine, no netpoller.
// It is the transport half of the client core; Client dials and
// handshakes through it before handing the socket to its reader
// goroutine, libgoha's votequorum handles make their requests through it
// (a cgo call's goroutine is locked to the C thread, and waiting there on
// a Go channel costs two extra thread switches per round trip), and the
// ConfD family drives the caller's own socket with it (NewConn), which
// the caller may also poll.
//
// A Conn is not safe for concurrent use, except Shutdown, which may be
// called from any thread to make a call blocked in another fail. Once an
// I/O, timeout or protocol error happened, every later call returns it
// (Err); a refusal by the daemon (*Error) leaves the connection usable.
type Conn struct {
	Ops
	fd    int
	owned bool // Close closes fd (DialConn); the caller owns NewConn's fd
	// exact: read no byte past the frame being read, so that what the
	// daemon sends next stays in the socket for the caller's poll(2)
	// (NewConn); otherwise one read takes whatever is there (a request
	// connection has only ever one reply coming).
	exact    bool
	buf      []byte // received bytes buf[r:w] not yet consumed
	r, w     int
	wbuf     []byte
	deadline time.Time     // zero: wait forever
	timeout  time.Duration // per call (SetTimeout); 0: none
	// sockTimeout: the kernel bounds each read and write by timeout
	// (SO_RCVTIMEO, SO_SNDTIMEO on a blocking socket), saving a poll(2)
	// per call; EAGAIN then means the time is up.
	sockTimeout bool
	// local: a unix socket, where a request on a connection the daemon
	// closed fails unsent (NotSent) rather than vanishing (Local).
	local  bool
	nextID uint64
	events eventStream
	server wire.Hello
	err    error
}

// DialConn connects to the daemon at addr (any form SplitAddr accepts),
// exchanges hellos and returns the connection. timeout bounds the name
// resolution, the connect and the hello exchange (0: no bound); requests
// then wait as long as the daemon takes. Failure to connect wraps
// ErrDaemonGone, or is ErrTimeout.
func DialConn(addr string, timeout time.Duration, o Options) (*Conn, error) {
	return dialConn(addr, timeout, o, false)
}

func dialConn(addr string, timeout time.Duration, o Options, exact bool) (*Conn, error) {
	fd, err := dialFD(addr, timeout)
	if err != nil {
		return nil, err
	}
	c := &Conn{fd: fd, owned: true, exact: exact}
	c.Ops = Ops{c}
	if d, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN); err == nil && d == unix.AF_UNIX {
		c.local = true
	}
	if err := c.Handshake(timeout, o); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// NewConn wraps fd, a stream socket the caller has connected to a gohad
// control endpoint and keeps owning (Close leaves it open). fd may be
// non-blocking: the Conn then waits with poll(2). Reads take exactly one
// frame at a time. Call Handshake before anything else.
func NewConn(fd int) *Conn {
	c := &Conn{fd: fd, exact: true}
	c.Ops = Ops{c}
	return c
}

// Handshake exchanges hellos within timeout (0: no bound). This is the
// only place where a client sends its hello (helloFor).
func (c *Conn) Handshake(timeout time.Duration, o Options) error {
	if timeout > 0 {
		c.deadline = time.Now().Add(timeout)
		defer func() { c.deadline = time.Time{} }()
	}
	hello := helloFor(o)
	body, err := wire.EncodeBody(hello)
	if err != nil {
		return err
	}
	b, err := wire.EncodeMsg(&wire.Msg{Type: wire.TypeHello, Body: body})
	if err != nil {
		return err
	}
	if err := c.send(wire.AppendFrame(nil, b)); err != nil {
		// A daemon that refuses this client at once (ipc_allow_uids)
		// says why before closing: read that rather than the bare error.
		if m, rerr := c.readMsg(nil); rerr == nil {
			if _, herr := checkServerHello(m); herr != nil {
				return c.fail(herr)
			}
		}
		return c.fail(err)
	}
	m, err := c.readMsg(nil)
	if err != nil {
		return err
	}
	if m.Type == wire.TypeHello && m.Code == wire.CodeAuth {
		frame, check, err := accessProof(o, hello, m)
		if err != nil {
			return c.fail(err)
		}
		if err := c.write(frame); err != nil {
			return err
		}
		if m, err = c.readMsg(nil); err != nil {
			return err
		}
		h, err := check(m)
		if err != nil {
			return c.fail(err)
		}
		c.server = h
		return nil
	}
	h, err := checkServerHello(m)
	if err != nil {
		return c.fail(err)
	}
	c.server = h
	return nil
}

// Server returns the daemon's hello: its node id, node name and cluster.
func (c *Conn) Server() wire.Hello { return c.server }

// Fd returns the socket descriptor.
func (c *Conn) Fd() int { return c.fd }

// Err returns the error that broke the connection, or nil.
func (c *Conn) Err() error { return c.err }

// Closed reports, without waiting, whether the connection is broken or the
// daemon closed or reset it since the last call: a Conn has no reader
// between calls to notice that, and a caller that keeps one across calls
// (libgoha's CMM session) dials anew instead of failing its next request.
func (c *Conn) Closed() bool {
	if c.err != nil {
		return true
	}
	p := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLRDHUP}}
	n, err := unix.Poll(p, 0)
	return err == nil && n > 0 && p[0].Revents&(unix.POLLRDHUP|unix.POLLHUP|unix.POLLERR) != 0
}

// Local reports whether the connection is a unix socket (DialConn). On
// one, a request made after the daemon closed the connection fails at
// once with an error NotSent reports (EPIPE), so a caller that keeps the
// connection across calls may redial on that error instead of asking
// Closed before each call; on TCP the write succeeds and the request is
// lost with the connection.
func (c *Conn) Local() bool { return c.local }

// SetTimeout bounds each later call (0: wait as long as the daemon takes):
// on a socket DialConn made, each read and write of the call (a reply
// normally comes in one read). A call that times out waiting for its reply
// returns ErrTimeout and leaves the connection usable: the late reply is
// recognised by its id and dropped.
func (c *Conn) SetTimeout(d time.Duration) {
	c.timeout = d
	if !c.owned || c.fd < 0 {
		return // the caller's socket: bounded with poll(2) instead
	}
	tv := unix.NsecToTimeval(d.Nanoseconds())
	c.sockTimeout = unix.SetsockoptTimeval(c.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv) == nil &&
		unix.SetsockoptTimeval(c.fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv) == nil && d > 0
}

// Call performs one request: op with argument arg (nil: none); the result
// is decoded into res (nil: ignored). A refusal is an *Error.
func (c *Conn) Call(op string, arg, res any) error {
	_, err := c.call(op, arg, res, false)
	return err
}

// CallFD is Call for an op whose reply may carry a descriptor
// (SCM_RIGHTS, unix sockets only): it returns the descriptor, or -1. The
// caller closes it. A refusal returns -1 and the *Error.
func (c *Conn) CallFD(op string, arg, res any) (int, error) {
	return c.call(op, arg, res, true)
}

func (c *Conn) call(op string, arg, res any, wantFD bool) (int, error) {
	if c.err != nil {
		return -1, c.err
	}
	c.nextID++
	id := c.nextID
	frame, err := appendRequest(c.wbuf[:0], id, op, arg)
	if err != nil {
		return -1, err
	}
	if cap(frame) <= 64<<10 {
		c.wbuf = frame[:0] // reused by the next request
	}
	if c.timeout > 0 && !c.sockTimeout {
		c.deadline = time.Now().Add(c.timeout)
		defer func() { c.deadline = time.Time{} }()
	}
	if err := c.write(frame); err != nil {
		return -1, err
	}
	fd := -1
	var fdp *int
	if wantFD {
		fdp = &fd
	}
	m, err := c.readReply(op, id, fdp)
	if err == nil {
		err = result(op, m, res)
	}
	if err != nil {
		if fd >= 0 {
			unix.Close(fd)
		}
		return -1, err
	}
	return fd, nil
}

// readReply reads the reply to request id, dropping the replies to earlier
// requests that timed out.
func (c *Conn) readReply(op string, id uint64, fdp *int) (*wire.Msg, error) {
	for {
		m, err := c.readMsg(fdp)
		if err != nil {
			return nil, err
		}
		if m.Type == wire.TypeReply && m.ID < id {
			if fdp != nil && *fdp >= 0 {
				unix.Close(*fdp)
				*fdp = -1
			}
			continue // a late reply to a call that timed out
		}
		if m.Type != wire.TypeReply || m.ID != id {
			return nil, c.fail(fmt.Errorf("%w: %s: daemon sent message type %d id %d, want the reply to %d", ErrProtocol, op, m.Type, m.ID, id))
		}
		return m, nil
	}
}

// ReadEvent reads the next frame, which must be an event, and checks that
// its sequence number follows the previous one. It blocks until an event
// arrives (poll the descriptor first not to).
func (c *Conn) ReadEvent() (Event, error) {
	if c.err != nil {
		return Event{}, c.err
	}
	m, err := c.readMsg(nil)
	if err != nil {
		return Event{}, err
	}
	m.Body = append([]byte(nil), m.Body...) // it aliases c.buf
	ev, err := c.events.decode(m)
	if err != nil {
		return Event{}, c.fail(err)
	}
	return ev, nil
}

// detach hands the descriptor over to the caller (Client's reader) and
// closes the Conn. Nothing may be buffered: Client dials in exact mode.
func (c *Conn) detach() (int, error) {
	if c.w != c.r {
		return -1, fmt.Errorf("%w: daemon sent data before any request", ErrProtocol)
	}
	fd := c.fd
	c.fd, c.owned, c.err = -1, false, ErrClosed
	return fd, nil
}

// Shutdown shuts the socket down, so that a call blocked in another thread
// returns (with ErrDaemonGone) and so does every later one. The
// descriptor itself stays open until Close: its number cannot be reused
// under a thread still using it.
func (c *Conn) Shutdown() { _ = unix.Shutdown(c.fd, unix.SHUT_RDWR) }

// Close ends the connection: later calls return ErrClosed. The descriptor
// is closed only if DialConn made it.
func (c *Conn) Close() error {
	if !errors.Is(c.err, ErrClosed) {
		c.err = ErrClosed
	}
	if c.owned && c.fd >= 0 {
		unix.Close(c.fd)
		c.fd = -1
	}
	return nil
}

// fail records the terminal error (the first wins) and returns it. An owned
// socket is shut down.
func (c *Conn) fail(err error) error {
	if c.err == nil {
		c.err = err
		if c.owned {
			c.Shutdown()
		}
	}
	return c.err
}

// readMsg reads one frame and decodes it; the message's Body aliases c.buf
// until the next read. With fdp, a descriptor passed with the frame's
// first bytes is stored there.
// Nothing is consumed until the whole frame is there, so a read that times
// out leaves what it got for the next call.
func (c *Conn) readMsg(fdp *int) (*wire.Msg, error) {
	if err := c.fill(4, fdp); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(c.buf[c.r:])
	if n == 0 || n > wire.MaxFrame {
		return nil, c.fail(fmt.Errorf("%w: frame of %d bytes", ErrProtocol, n))
	}
	if err := c.fill(4+int(n), nil); err != nil {
		return nil, err
	}
	b := c.buf[c.r+4 : c.r+4+int(n)]
	c.r += 4 + int(n)
	m, err := wire.DecodeMsg(b)
	if err != nil {
		return nil, c.fail(fmt.Errorf("%w: %v", ErrProtocol, err))
	}
	return m, nil
}

// fill reads until at least n unconsumed bytes are buffered, at c.buf[c.r:].
func (c *Conn) fill(n int, fdp *int) error {
	if c.w-c.r >= n {
		return nil
	}
	if c.r > 0 {
		c.w = copy(c.buf, c.buf[c.r:c.w])
		c.r = 0
	}
	if len(c.buf) < n {
		nb := make([]byte, max(n, 4<<10))
		copy(nb, c.buf[:c.w])
		c.buf = nb
	}
	for c.w < n {
		end := len(c.buf)
		if c.exact {
			end = n
		}
		k, err := c.read(c.buf[c.w:end], fdp)
		if err != nil {
			return err
		}
		c.w += k
	}
	return nil
}

// read reads at least one byte into p. With fdp and no descriptor received
// yet, it uses recvmsg and stores a passed descriptor in *fdp.
//
// On its own socket (DialConn) it waits in poll(2) for POLLIN and only
// then reads, rather than sleeping in read(2): a reader asleep in read(2)
// on a unix socket is also woken when the daemon's read of the request
// frees the socket's send space, finds nothing and sleeps again, a wasted
// pair of context switches; poll's sleep is woken only for what it asked.
// Measured on one CPU shared with gohad (getinfo without the info page):
// 2.1 context switches per request in the client and 1.75 in gohad when
// sleeping in read(2), 1.65 and 1.3 with poll first. Reading first with
// MSG_DONTWAIT and polling only when nothing was there found the reply
// waiting in one call of five, so it made 2.6 system calls per reply
// instead of poll first's 2.
func (c *Conn) read(p []byte, fdp *int) (int, error) {
	for {
		switch {
		case !c.deadline.IsZero():
			if err := c.wait(unix.POLLIN); err != nil {
				return 0, err
			}
		case c.owned:
			if err := c.readable(); err != nil {
				return 0, err
			}
		}
		var n int
		var err error
		if fdp != nil && *fdp < 0 {
			n, err = c.recvFD(p, fdp)
		} else {
			n, err = unix.Read(c.fd, p)
		}
		switch {
		case err == nil && n > 0:
			return n, nil
		case err == nil:
			return 0, c.fail(fmt.Errorf("%w: %w", ErrDaemonGone, errClosedByPeer))
		case err == unix.EINTR:
		case err == unix.EAGAIN && c.sockTimeout:
			// Not fatal: nothing was consumed (readMsg).
			return 0, fmt.Errorf("%w: no answer from the daemon", ErrTimeout)
		case err == unix.EAGAIN:
			if err := c.wait(unix.POLLIN); err != nil {
				return 0, err
			}
		default:
			return 0, c.fail(ioError("read", err))
		}
	}
}

// recvFD is one recvmsg(2) that keeps the first descriptor passed with the
// bytes (any others are closed).
func (c *Conn) recvFD(p []byte, fdp *int) (int, error) {
	oob := make([]byte, unix.CmsgSpace(4*4))
	n, oobn, _, _, err := unix.Recvmsg(c.fd, p, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil || oobn == 0 {
		return n, err
	}
	cmsgs, perr := unix.ParseSocketControlMessage(oob[:oobn])
	if perr != nil {
		return n, nil
	}
	for i := range cmsgs {
		fds, err := unix.ParseUnixRights(&cmsgs[i])
		if err != nil {
			continue
		}
		for _, f := range fds {
			if *fdp < 0 {
				*fdp = f
			} else {
				unix.Close(f)
			}
		}
	}
	return n, nil
}

// write writes all of b. MSG_NOSIGNAL: a dead daemon gives EPIPE, never
// SIGPIPE, which would kill a C host program.
func (c *Conn) write(b []byte) error {
	if err := c.send(b); err != nil {
		return c.fail(err)
	}
	return nil
}

// send writes b; unlike write it leaves the connection usable for reading
// after an error (the daemon's refusal may be waiting). EPIPE before any
// byte of b went out is errNotSent too.
func (c *Conn) send(b []byte) error {
	all := len(b)
	for len(b) > 0 {
		if !c.deadline.IsZero() {
			if err := c.wait(unix.POLLOUT); err != nil {
				return err
			}
		}
		n, err := unix.SendmsgN(c.fd, b, nil, nil, unix.MSG_NOSIGNAL)
		switch err {
		case nil:
			b = b[n:]
		case unix.EINTR:
		case unix.EAGAIN:
			if c.sockTimeout {
				return fmt.Errorf("%w: the daemon does not read", ErrTimeout)
			}
			if err := c.wait(unix.POLLOUT); err != nil {
				return err
			}
		default:
			if err == unix.EPIPE && len(b) == all {
				return fmt.Errorf("%w: %w", errNotSent, ioError("write", err))
			}
			return ioError("write", err)
		}
	}
	return nil
}

// readable waits until the socket has something to read (or an error or
// hangup to report), for at most the per-call timeout when the kernel
// bounds the reads (sockTimeout), else for ever.
func (c *Conn) readable() error {
	ms := -1
	if c.sockTimeout {
		ms = int((c.timeout + time.Millisecond - 1) / time.Millisecond)
	}
	p := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(p, ms)
		switch {
		case err == unix.EINTR:
		case err != nil:
			return c.fail(ioError("poll", err))
		case n == 0:
			// Not fatal: nothing was consumed (readMsg).
			return fmt.Errorf("%w: no answer from the daemon", ErrTimeout)
		default:
			return nil
		}
	}
}

// wait polls the socket for events until the deadline (or for ever).
func (c *Conn) wait(events int16) error {
	for {
		ms := -1
		if !c.deadline.IsZero() {
			d := time.Until(c.deadline)
			if d <= 0 {
				// Not fatal for reads: nothing was consumed (readMsg).
				return fmt.Errorf("%w: no answer from the daemon", ErrTimeout)
			}
			ms = int((d + time.Millisecond - 1) / time.Millisecond)
		}
		p := []unix.PollFd{{Fd: int32(c.fd), Events: events}}
		n, err := unix.Poll(p, ms)
		switch {
		case err == unix.EINTR:
		case err != nil:
			return c.fail(ioError("poll", err))
		case n > 0:
			return nil
		}
	}
}

// ioError wraps a failed system call: ErrDaemonGone, with errClosedByPeer
// for the errnos of a connection the daemon closed, and the errno.
func ioError(what string, err error) error {
	switch err {
	case unix.EPIPE, unix.ECONNRESET, unix.ENOTCONN:
		return fmt.Errorf("%w: %s: %w (%w)", ErrDaemonGone, what, errClosedByPeer, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrDaemonGone, what, err)
}
