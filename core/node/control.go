package node

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

// Limits of the control server.
const (
	// MaxBacklogFrames and MaxBacklogBytes bound what is queued for one
	// client; a client that stops reading is disconnected beyond them.
	MaxBacklogFrames = 8192
	MaxBacklogBytes  = 16 << 20
	// ControlIOTimeout bounds one hello exchange and one frame write.
	ControlIOTimeout = 10 * time.Second
	// MaxClients bounds simultaneous control connections.
	MaxClients = 1024
)

// request is one client request handed to the node loop.
type request struct {
	conn *ctlConn
	msg  *wire.Msg
}

// ctlServer accepts control connections. Reading and writing happen on
// per-connection goroutines; everything that touches cluster state is
// handed to the node loop through reqs, so the loop is the only writer of
// replies and events and their order on each connection is the loop's.
type ctlServer struct {
	ln       net.Listener
	unixPath string
	log      *slog.Logger
	hello    wire.Hello
	reqs     chan request
	done     chan struct{}
	dropped  *atomic.Uint64
	badLog   *rateLog
	// fast, if set, may answer a request on the connection's reader
	// goroutine (Node.answerFast); false hands it to the loop.
	fast func(*ctlConn, *wire.Msg) bool

	mu     sync.Mutex
	conns  map[*ctlConn]struct{}
	closed bool
	wg     sync.WaitGroup

	// nextID numbers connections (ctlConn.id); gone hands the loop the
	// connections that owned corosync trackers when they close.
	nextID atomic.Uint64
	gone   chan *ctlConn
}

// clients returns the number of open control connections.
func (s *ctlServer) clients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// listenControl opens the ipc endpoint: "unix:/path" (mode 0660; a stale
// socket file left by a dead daemon is replaced, a live one is an error) or
// a loopback "host:port".
func listenControl(addr string) (net.Listener, string, error) {
	network, address, err := client.SplitAddr(addr)
	if err != nil {
		return nil, "", err
	}
	if network == "tcp" {
		host, _, _ := net.SplitHostPort(address)
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return nil, "", fmt.Errorf("ipc %s: a TCP control endpoint must be on loopback (the protocol has no authentication)", addr)
		}
		ln, err := net.Listen("tcp", address)
		if err != nil {
			return nil, "", fmt.Errorf("ipc %s: %w", addr, err)
		}
		return ln, "", nil
	}
	if err := os.MkdirAll(filepath.Dir(address), 0o755); err != nil {
		return nil, "", fmt.Errorf("ipc %s: %w", addr, err)
	}
	if _, err := os.Lstat(address); err == nil {
		c, derr := net.DialTimeout("unix", address, time.Second)
		if derr == nil {
			c.Close()
			return nil, "", fmt.Errorf("ipc %s: %w (another gohad is serving it)", addr, syscall.EADDRINUSE)
		}
		if err := os.Remove(address); err != nil {
			return nil, "", fmt.Errorf("ipc %s: remove stale socket: %w", addr, err)
		}
	}
	ln, err := net.Listen("unix", address)
	if err != nil {
		return nil, "", fmt.Errorf("ipc %s: %w", addr, err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(true)
	if err := os.Chmod(address, 0o660); err != nil {
		ln.Close()
		return nil, "", fmt.Errorf("ipc %s: %w", addr, err)
	}
	return ln, address, nil
}

func newCtlServer(ln net.Listener, unixPath string, hello wire.Hello, log *slog.Logger, dropped *atomic.Uint64) *ctlServer {
	return &ctlServer{
		ln:       ln,
		unixPath: unixPath,
		log:      log,
		hello:    hello,
		reqs:     make(chan request, 256),
		done:     make(chan struct{}),
		dropped:  dropped,
		badLog:   newRateLog(log, 5*time.Second),
		conns:    make(map[*ctlConn]struct{}),
		gone:     make(chan *ctlConn, 64),
	}
}

func (s *ctlServer) serve() {
	s.wg.Add(1)
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			s.log.Warn("control accept failed", "err", err)
			select {
			case <-s.done:
				return
			case <-time.After(50 * time.Millisecond): // e.g. EMFILE: do not spin
			}
			continue
		}
		s.wg.Add(1)
		go s.handleConn(c)
	}
}

// close stops accepting, closes every connection and waits for their
// goroutines.
func (s *ctlServer) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	conns := make([]*ctlConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	s.ln.Close()
	for _, c := range conns {
		c.shutdown("daemon stopping")
	}
	s.wg.Wait()
}

func (s *ctlServer) handleConn(nc net.Conn) {
	defer s.wg.Done()
	c := &ctlConn{srv: s, nc: nc, peer: peerName(nc), id: s.nextID.Add(1)}
	c.cond = sync.NewCond(&c.mu)
	defer nc.Close()

	r := bufio.NewReaderSize(nc, 64<<10)
	nc.SetDeadline(time.Now().Add(ControlIOTimeout))
	b, err := wire.ReadFrame(r, wire.MaxFrame)
	if err != nil {
		s.badLog.Log("control client dropped before hello", "peer", c.peer, "err", err)
		return
	}
	m, err := wire.DecodeMsg(b)
	var h wire.Hello
	if err == nil && m.Type == wire.TypeHello {
		err = wire.DecodeBody(m.Body, &h)
	} else if err == nil {
		err = fmt.Errorf("first frame is type %d, not hello", m.Type)
	}
	if err != nil {
		s.badLog.Log("control client sent a bad hello", "peer", c.peer, "err", err)
		return
	}
	reply := s.hello
	reply.Proto = wire.ProtocolVersion
	body, _ := wire.EncodeBody(&reply)
	hm := &wire.Msg{Type: wire.TypeHello, Body: body}
	if h.Proto != wire.ProtocolVersion {
		hm.Code, hm.Err = wire.CodeVersion, fmt.Sprintf("daemon speaks control protocol %d, client %d", wire.ProtocolVersion, h.Proto)
	}
	if enc, err := wire.EncodeMsg(hm); err == nil {
		wire.WriteFrame(nc, enc)
	}
	if hm.Code != wire.CodeOK {
		s.badLog.Log("control client refused", "peer", c.peer, "reason", hm.Err)
		return
	}
	nc.SetDeadline(time.Time{})

	s.mu.Lock()
	if s.closed || len(s.conns) >= MaxClients {
		full := !s.closed
		s.mu.Unlock()
		if full {
			s.badLog.Log("control client refused: too many clients", "peer", c.peer)
		}
		return
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		if c.coro.Load() {
			select {
			case s.gone <- c:
			case <-s.done:
			}
		}
	}()

	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop()
	}()
	defer func() {
		c.shutdown("")
		<-writerDone
	}()

	for {
		b, err := wire.ReadFrame(r, wire.MaxFrame)
		if err != nil {
			if !c.isClosed() && !isEOF(err) {
				s.badLog.Log("control client dropped: bad frame", "peer", c.peer, "err", err)
			}
			return
		}
		m, err := wire.DecodeMsg(b)
		if err == nil && m.Type != wire.TypeReq {
			err = fmt.Errorf("unexpected message type %d", m.Type)
		}
		if err != nil {
			s.badLog.Log("control client dropped: bad message", "peer", c.peer, "err", err)
			return
		}
		if s.fast != nil && s.fast(c, m) {
			continue
		}
		c.pending.Add(1) // until reply
		select {
		case s.reqs <- request{conn: c, msg: m}:
		case <-s.done:
			return
		case <-c.closedCh():
			return
		}
	}
}

func isEOF(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

// eachConn calls fn for every connection (from the node loop).
func (s *ctlServer) eachConn(fn func(*ctlConn)) {
	s.mu.Lock()
	conns := make([]*ctlConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		fn(c)
	}
}

// publish queues an event for every connection tracking topic.
func (s *ctlServer) publish(topic uint32, kind string, body []byte) {
	s.eachConn(func(c *ctlConn) {
		if c.topics.Load()&topic != 0 {
			c.event(kind, body)
		}
	})
}

func peerName(nc net.Conn) string {
	if uc, ok := nc.(*net.UnixConn); ok {
		if pid, uid, ok := peerCred(uc); ok {
			return fmt.Sprintf("pid %d uid %d", pid, uid)
		}
		return "unix"
	}
	return nc.RemoteAddr().String()
}

// ctlConn is one control client. Frames to send are queued (bounded) and
// written by writeLoop, so the node loop never blocks on a client.
type ctlConn struct {
	srv  *ctlServer
	nc   net.Conn
	peer string

	// id names the connection as the owner of corosync trackers; coro is
	// set (by the loop) once it owns one.
	id   uint64
	coro atomic.Bool

	topics atomic.Uint32 // set by the loop only
	// pending counts requests handed to the loop and not yet replied to;
	// while any is, requests are not answered on the reader goroutine, so
	// replies keep the order of their requests.
	pending atomic.Int32

	mu       sync.Mutex
	cond     *sync.Cond
	out      []outFrame
	outBytes int
	writing  bool   // a goroutine is writing to nc (writeLoop or sendDirect)
	seq      uint64 // last event sequence number queued
	closed   bool
	closeC   chan struct{}
}

// outFrame is one queued frame; fd >= 0 is a descriptor to pass with it
// (SCM_RIGHTS, unix sockets only), owned by someone who keeps it open
// until the connection's writer has finished.
type outFrame struct {
	b  []byte
	fd int
}

func (c *ctlConn) closedCh() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeC == nil {
		c.closeC = make(chan struct{})
		if c.closed {
			close(c.closeC)
		}
	}
	return c.closeC
}

func (c *ctlConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// shutdown closes the connection; reason, if set, is logged.
func (c *ctlConn) shutdown(reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.out = nil
	if c.closeC != nil {
		close(c.closeC)
	}
	c.cond.Broadcast()
	c.mu.Unlock()
	c.nc.Close()
	if reason != "" {
		c.srv.log.Info("control client disconnected", "peer", c.peer, "reason", reason)
	}
}

// enqueue adds one encoded frame; over the backlog limit the client is
// disconnected (it learns that from the closed connection, never from a
// silently missing event).
func (c *ctlConn) enqueue(frame []byte) { c.enqueueFD(frame, -1) }

func (c *ctlConn) enqueueFD(frame []byte, fd int) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if len(c.out)+1 > MaxBacklogFrames || c.outBytes+len(frame) > MaxBacklogBytes {
		c.mu.Unlock()
		c.srv.dropped.Add(1)
		c.shutdown(fmt.Sprintf("client is not reading: backlog over %d frames or %d bytes", MaxBacklogFrames, MaxBacklogBytes))
		return
	}
	c.out = append(c.out, outFrame{b: frame, fd: fd})
	c.outBytes += len(frame)
	c.cond.Signal()
	c.mu.Unlock()
}

func (c *ctlConn) sendMsg(m *wire.Msg) { c.sendMsgFD(m, -1) }

func (c *ctlConn) sendMsgFD(m *wire.Msg, fd int) {
	b, err := wire.EncodeMsg(m)
	if err != nil {
		// A reply too large for a frame: answer with an error instead.
		b, _ = wire.EncodeMsg(&wire.Msg{Type: wire.TypeReply, ID: m.ID, Code: wire.CodeInternal, Err: err.Error()})
		fd = -1
	}
	c.enqueueFD(wire.AppendFrame(make([]byte, 0, 4+len(b)), b), fd)
}

// reply answers request id (exactly once per request).
func (c *ctlConn) reply(id uint64, code wire.Code, errText string, body []byte) {
	c.replyFD(&wire.Msg{Type: wire.TypeReply, ID: id, Code: code, Err: errText, Body: body}, -1)
}

// replyFD queues a reply, with a descriptor if fd >= 0, then counts the
// request as answered.
func (c *ctlConn) replyFD(m *wire.Msg, fd int) {
	c.sendMsgFD(m, fd)
	c.pending.Add(-1)
}

// event queues one event with the connection's next sequence number.
func (c *ctlConn) event(kind string, body []byte) {
	c.mu.Lock()
	c.seq++
	seq := c.seq
	c.mu.Unlock()
	c.sendMsg(&wire.Msg{Type: wire.TypeEvent, Seq: seq, Op: kind, Body: body})
}

func (c *ctlConn) lastSeq() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seq
}

func (c *ctlConn) writeLoop() {
	for {
		c.mu.Lock()
		for (len(c.out) == 0 || c.writing) && !c.closed {
			c.cond.Wait()
		}
		if c.closed {
			c.mu.Unlock()
			return
		}
		batch := c.out
		c.out = nil
		c.outBytes = 0
		c.writing = true
		c.mu.Unlock()
		err := c.writeBatch(batch)
		c.mu.Lock()
		c.writing = false
		c.mu.Unlock()
		if err != nil {
			c.srv.dropped.Add(1)
			c.shutdown(fmt.Sprintf("write failed: %v", err))
			return
		}
	}
}

// sendDirect writes one reply frame on the calling goroutine when nothing
// is queued or being written (so it cannot overtake anything), saving the
// hand-off to writeLoop; otherwise it queues the frame behind the others.
func (c *ctlConn) sendDirect(m *wire.Msg) {
	b, err := wire.EncodeMsg(m)
	if err != nil {
		c.sendMsg(m)
		return
	}
	frame := wire.AppendFrame(make([]byte, 0, 4+len(b)), b)
	c.mu.Lock()
	if c.closed || len(c.out) != 0 || c.writing {
		c.mu.Unlock()
		c.enqueue(frame)
		return
	}
	c.writing = true
	c.mu.Unlock()
	c.nc.SetWriteDeadline(time.Now().Add(ControlIOTimeout))
	_, err = c.nc.Write(frame)
	c.mu.Lock()
	c.writing = false
	if len(c.out) != 0 {
		c.cond.Signal() // frames queued meanwhile
	}
	c.mu.Unlock()
	if err != nil {
		c.srv.dropped.Add(1)
		c.shutdown(fmt.Sprintf("write failed: %v", err))
	}
}

// writeBatch writes frames in order: runs without a descriptor in one
// Write, a frame with one alone (the descriptor rides on its first byte).
func (c *ctlConn) writeBatch(batch []outFrame) error {
	c.nc.SetWriteDeadline(time.Now().Add(ControlIOTimeout))
	var buf []byte
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		_, err := c.nc.Write(buf)
		buf = buf[:0]
		return err
	}
	for _, f := range batch {
		if f.fd < 0 {
			buf = append(buf, f.b...)
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		uc, ok := c.nc.(*net.UnixConn)
		if !ok {
			return fmt.Errorf("descriptor for a %T", c.nc)
		}
		n, _, err := uc.WriteMsgUnix(f.b, unix.UnixRights(f.fd), nil)
		if err != nil {
			return err
		}
		if n < len(f.b) {
			if _, err := c.nc.Write(f.b[n:]); err != nil {
				return err
			}
		}
	}
	return flush()
}

// drainOut waits (at most timeout) until everything queued for the client
// is written: a reply that must reach it before the daemon stops.
func (c *ctlConn) drainOut(timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		done := c.closed || (len(c.out) == 0 && !c.writing)
		c.mu.Unlock()
		if done {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
