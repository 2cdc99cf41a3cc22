package node

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sync/semaphore"
	"golang.org/x/sys/unix"

	"github.com/goha/goha/core/wire"
)

// Limits of the control server.
const (
	// MaxBacklogFrames and MaxBacklogBytes bound what is queued for one
	// client; a client that stops reading is disconnected beyond them.
	MaxBacklogFrames = 8192
	MaxBacklogBytes  = 16 << 20
	// ControlIOTimeout bounds one frame write.
	ControlIOTimeout = 10 * time.Second
	// MaxClients bounds simultaneous control connections past their
	// hello (see limits.go for how room is made).
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
	sockIno  uint64 // the socket file we created (removed at close if still ours)
	// acc is who may connect; a reload may replace it (access.go).
	acc     atomic.Pointer[ctlAccess]
	budget  *semaphore.Weighted // for large frames (limits.go)
	log     *slog.Logger
	hello   wire.Hello
	reqs    chan request
	done    chan struct{}
	dropped *atomic.Uint64
	badLog  *rateLog
	// fast, if set, may answer a request on the connection's reader
	// goroutine (Node.answerFast); false hands it to the loop.
	fast func(*ctlConn, *wire.Msg) bool

	mu     sync.Mutex
	conns  map[*ctlConn]struct{} // past their hello
	byUID  map[uint32][]*ctlConn // the same, per user, oldest first
	pre    []*ctlConn            // before or in their hello, oldest first
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

// newCtlServer serves ln; acc (nil: no restriction) says who may.
func newCtlServer(ln net.Listener, unixPath string, acc *ctlAccess, hello wire.Hello, log *slog.Logger, dropped *atomic.Uint64) *ctlServer {
	s := &ctlServer{
		ln:       ln,
		unixPath: unixPath,
		sockIno:  socketIno(unixPath),
		budget:   newBudget(),
		byUID:    map[uint32][]*ctlConn{},
		log:      log,
		hello:    hello,
		reqs:     make(chan request, 256),
		done:     make(chan struct{}),
		dropped:  dropped,
		badLog:   newRateLog(log, 5*time.Second),
		conns:    make(map[*ctlConn]struct{}),
		gone:     make(chan *ctlConn, 64),
	}
	s.acc.Store(acc)
	return s
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
		s.accept(c)
	}
}

// accept checks a new connection's credentials and counts it, before
// anything is read from it, then serves it on its own goroutine.
func (s *ctlServer) accept(nc net.Conn) {
	c := &ctlConn{srv: s, nc: nc, raw: newRawIO(nc, ControlIOTimeout), uid: tcpUID, id: s.nextID.Add(1)}
	c.cond = sync.NewCond(&c.mu)
	c.peer = peerName(nc)
	if uc, ok := nc.(*net.UnixConn); ok {
		if cred, ok := peerCred(uc); ok {
			c.uid = cred.Uid
			if !s.acc.Load().allows(cred.Uid, cred.Gid) {
				s.badLog.Log("control client refused: its user and group are not in ipc_allow_uids or ipc_allow_gids",
					"peer", c.peer, "gid", cred.Gid)
				// Say why in place of a hello (a unix socket keeps it
				// readable after the close), then close.
				nc.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
				c.writeHandshake(&wire.Msg{Type: wire.TypeHello, Code: wire.CodeAccess,
					Err: fmt.Sprintf("user %d (group %d) may not use this control endpoint (ipc_allow_uids, ipc_allow_gids)", cred.Uid, cred.Gid)})
				nc.Close()
				return
			}
		} else if a := s.acc.Load(); a != nil && a.restrict {
			s.badLog.Log("control client refused: no peer credentials to check", "peer", c.peer)
			nc.Close()
			return
		}
	}
	if !s.admit(c) {
		nc.Close()
		return
	}
	s.wg.Add(1)
	go s.handleConn(c)
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
	pre := append([]*ctlConn(nil), s.pre...)
	s.mu.Unlock()
	s.ln.Close()
	if s.unixPath != "" {
		removeSocket(s.unixPath, s.sockIno)
	}
	for _, c := range pre {
		c.nc.Close()
	}
	for _, c := range conns {
		c.shutdown("daemon stopping")
	}
	s.wg.Wait()
}

func (s *ctlServer) handleConn(c *ctlConn) {
	defer s.wg.Done()
	defer c.nc.Close()
	defer c.releaseBudget()
	r := bufio.NewReaderSize(c.raw, readBufSize)
	ok := s.handshake(c, r)
	s.helloDone(c)
	if !ok || !s.register(c) {
		return
	}
	defer func() {
		s.unregister(c)
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
		b, reserved, err := c.readFrame(r, wire.MaxFrame, time.Time{})
		if err != nil {
			s.budget.Release(reserved)
			if !c.isClosed() && !isEOF(err) || abusive(err) {
				s.badLog.Log("control client dropped: bad or slow frame", "peer", c.peer, "err", err)
			}
			return
		}
		m, err := wire.DecodeMsg(b)
		if err == nil && m.Type != wire.TypeReq {
			err = fmt.Errorf("unexpected message type %d", m.Type)
		}
		c.asked.Store(true)
		if err != nil {
			s.budget.Release(reserved)
			s.badLog.Log("control client dropped: bad message", "peer", c.peer, "err", err)
			return
		}
		if s.fast != nil && s.fast(c, m) {
			s.budget.Release(reserved)
			continue
		}
		c.pending.Add(1) // until reply
		c.held.Add(reserved)
		select {
		case s.reqs <- request{conn: c, msg: m}:
		case <-s.done:
			return
		case <-c.closedCh():
			return
		}
	}
}

// handshake exchanges hellos (and, with an access secret, proofs) within
// HelloTimeout, in frames of at most MaxHelloFrame. It reports whether
// the client may go on.
func (s *ctlServer) handshake(c *ctlConn, r *bufio.Reader) bool {
	deadline := time.Now().Add(HelloTimeout)
	c.nc.SetDeadline(deadline)
	read := func() (*wire.Msg, error) {
		b, _, err := c.readFrame(r, MaxHelloFrame, deadline)
		if err != nil {
			return nil, err
		}
		return wire.DecodeMsg(b)
	}
	m, err := read()
	if err != nil {
		if !isEOF(err) || abusive(err) {
			s.badLog.Log("control client dropped before hello", "peer", c.peer, "err", err)
		}
		return false
	}
	var h wire.Hello
	if m.Type == wire.TypeHello {
		err = wire.DecodeBody(m.Body, &h)
	} else {
		err = fmt.Errorf("first frame is type %d, not hello", m.Type)
	}
	if err != nil {
		s.badLog.Log("control client sent a bad hello", "peer", c.peer, "err", err)
		return false
	}
	if h.Proto != wire.ProtocolVersion {
		body, _ := wire.EncodeBody(&wire.Hello{Proto: wire.ProtocolVersion})
		c.writeHandshake(&wire.Msg{Type: wire.TypeHello, Body: body, Code: wire.CodeVersion,
			Err: fmt.Sprintf("daemon speaks control protocol %d, client %d", wire.ProtocolVersion, h.Proto)})
		s.badLog.Log("control client refused: protocol version", "peer", c.peer, "proto", h.Proto)
		return false
	}
	if a := s.acc.Load(); a != nil && a.secret != nil {
		if err := s.proveAccess(c, a.secret, &h, read); err != nil {
			s.badLog.Log("control client refused: access secret not proved", "peer", c.peer, "err", err)
			return false
		}
	} else {
		reply := s.hello
		reply.Proto = wire.ProtocolVersion
		body, _ := wire.EncodeBody(&reply)
		if c.writeHandshake(&wire.Msg{Type: wire.TypeHello, Body: body}) != nil {
			return false
		}
	}
	c.nc.SetDeadline(time.Time{})
	return true
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
		if cred, ok := peerCred(uc); ok {
			return fmt.Sprintf("pid %d uid %d", cred.Pid, cred.Uid)
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
	raw  rawIO // nc's reads and writes after the hello (rawio.go)
	peer string
	uid  uint32 // SO_PEERCRED's, tcpUID for TCP
	// held is what the requests handed to the loop reserved from the
	// large-frame budget; returned when none is pending (limits.go).
	held atomic.Int64
	// asked: the client sent a request (limits.go's eviction order).
	asked atomic.Bool

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
	frame, err := frameOf(m)
	if err != nil {
		// A reply too large for a frame: answer with an error instead.
		frame, _ = frameOf(&wire.Msg{Type: wire.TypeReply, ID: m.ID, Code: wire.CodeInternal, Err: err.Error()})
		fd = -1
	}
	c.enqueueFD(frame, fd)
}

// frameOf encodes m as one frame in a buffer of its own.
func frameOf(m *wire.Msg) ([]byte, error) {
	return wire.AppendMsgFrame(make([]byte, 0, 48+len(m.Op)+len(m.Err)+len(m.Body)), m)
}

// reply answers request id (exactly once per request).
func (c *ctlConn) reply(id uint64, code wire.Code, errText string, body []byte) {
	c.replyFD(&wire.Msg{Type: wire.TypeReply, ID: id, Code: code, Err: errText, Body: body}, -1)
}

// replyFD queues a reply, with a descriptor if fd >= 0, then counts the
// request as answered.
func (c *ctlConn) replyFD(m *wire.Msg, fd int) {
	c.sendMsgFD(m, fd)
	if c.pending.Add(-1) == 0 {
		c.releaseBudget()
	}
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
	frame, err := frameOf(m)
	if err != nil {
		c.sendMsg(m)
		return
	}
	c.mu.Lock()
	if c.closed || len(c.out) != 0 || c.writing {
		c.mu.Unlock()
		c.enqueue(frame)
		return
	}
	c.writing = true
	c.mu.Unlock()
	_, err = c.raw.Write(frame)
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
	var buf []byte
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		_, err := c.raw.Write(buf)
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
		c.nc.SetWriteDeadline(time.Now().Add(ControlIOTimeout))
		n, _, err := uc.WriteMsgUnix(f.b, unix.UnixRights(f.fd), nil)
		c.nc.SetWriteDeadline(time.Time{}) // raw.Write's rule
		if err != nil {
			return err
		}
		if n < len(f.b) {
			if _, err := c.raw.Write(f.b[n:]); err != nil {
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
