package hanet

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/wire"
)

// Framing is core/wire's (HAReader, HAWriter): plain frames for the
// handshake, sealed frames after it, a full copy as sealed data frames
// after its MsgSnapshot.
const (
	// MaxFrame bounds one frame after the handshake; it also bounds one
	// replicated commit.
	MaxFrame = wire.HAMaxFrame

	// maxQueued bounds what the runtime buffers for one peer that does
	// not read; beyond it the connection is dropped (as ConfD drops a
	// secondary that stops reading).
	maxQueued = 256 << 20
)

var errQueueFull = errors.New("send queue overflow: peer not reading")

type outItem struct {
	body     []byte // an encoded ha.Message
	key      []byte // seal every later frame with this key
	snapshot bool   // stream a full copy of the store here
	close    bool
}

// conn is one HA TCP connection with a writer goroutine draining its queue
// and a reader goroutine feeding the runtime loop.
type conn struct {
	id       uint64
	nc       net.Conn
	rt       *Runtime
	hr       *wire.HAReader
	accepted time.Time // zero for a connection we dialed
	authed   bool      // owned by the loop: a sealed frame arrived
	mu       sync.Mutex
	cnd      *sync.Cond
	q        []outItem
	qb       int
	end      bool // no more items accepted
}

func newConn(rt *Runtime, id uint64, nc net.Conn, accepted time.Time) *conn {
	c := &conn{id: id, nc: nc, rt: rt, hr: wire.NewHAReader(nc), accepted: accepted}
	c.cnd = sync.NewCond(&c.mu)
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	rt.wg.Add(2)
	go c.writer()
	go c.reader()
	return c
}

// enqueue adds an item; it reports false if the connection is closing or
// its queue overflowed.
func (c *conn) enqueue(it outItem) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.end {
		return false
	}
	if c.qb+len(it.body) > maxQueued {
		c.end = true
		c.q = append(c.q, outItem{close: true})
		c.cnd.Signal()
		return false
	}
	if it.close {
		c.end = true
	}
	c.q = append(c.q, it)
	c.qb += len(it.body)
	c.cnd.Signal()
	return true
}

// shutdown closes after the queued frames are flushed, but at most grace
// later, so a peer that stopped reading cannot hold the connection.
func (c *conn) shutdown(grace time.Duration) {
	c.enqueue(outItem{close: true})
	time.AfterFunc(grace, func() { c.nc.Close() })
}

// progress pushes the write deadline: a peer that reads nothing for
// 3 tick intervals is dropped, as ConfD drops a secondary that stops
// reading (its buffered data is held at most 3 x tick_timeout).
func (c *conn) progress() {
	if d := c.rt.writeStall(); d > 0 {
		c.nc.SetWriteDeadline(time.Now().Add(d))
	}
}

func (c *conn) writer() {
	defer c.rt.wg.Done()
	defer c.nc.Close()
	w := wire.NewHAWriter(c.nc)
	w.Progress = c.progress
	for {
		c.mu.Lock()
		for len(c.q) == 0 {
			c.mu.Unlock()
			if err := w.Flush(); err != nil {
				c.rt.logf("hanet: connection %d: write: %v", c.id, err)
				return
			}
			c.mu.Lock()
			for len(c.q) == 0 {
				c.cnd.Wait()
			}
		}
		it := c.q[0]
		c.q[0] = outItem{}
		c.q = c.q[1:]
		c.qb -= len(it.body)
		c.mu.Unlock()
		c.progress()
		var err error
		switch {
		case it.close:
			w.Flush()
			return
		case it.key != nil:
			err = w.SetKey(it.key)
		case it.snapshot:
			err = c.writeSnapshot(w)
			if err != nil {
				err = fmt.Errorf("sending full copy: %w", err)
			}
		default:
			err = w.WriteMsg(it.body)
		}
		if err != nil {
			c.rt.logf("hanet: connection %d: write: %v", c.id, err)
			return
		}
	}
}

func (c *conn) writeSnapshot(w *wire.HAWriter) error {
	// WriteSnapshot hands w about 1 MiB at a time (large values as
	// slices of the store's memory map).
	info, err := c.rt.cfg.Store.WriteSnapshot(w)
	if err != nil {
		return err
	}
	err = w.EndCopy()
	c.rt.logf("hanet: sent full copy: txid %d, %d entries, %d bytes", info.Txid, info.Entries, info.Bytes)
	return err
}

// handshakeDeadline bounds the TLS handshake (of an accepted connection)
// and the HA handshake up to the first sealed frame: from the accept, or
// for a connection we dialed, from now (a primary that accepts and says
// nothing cannot hold a waiting besecondary, even without ticks).
func (c *conn) handshakeDeadline() {
	start := c.accepted
	if start.IsZero() {
		start = time.Now()
	}
	c.nc.SetReadDeadline(start.Add(c.rt.handshakeTimeout()))
}

func (c *conn) reader() {
	defer c.rt.wg.Done()
	reason, code := "closed", ha.Code(0)
	defer func() { c.rt.post(func() { c.rt.connClosed(c, code, reason) }) }()
	c.handshakeDeadline()
	inHandshake := true
	if tc, ok := c.nc.(*tls.Conn); ok && !c.accepted.IsZero() {
		if err := tc.Handshake(); err != nil {
			reason = "TLS handshake: " + err.Error()
			c.rt.abuse("tls", "hanet: refused a TLS connection from %s: %v", c.nc.RemoteAddr(), err)
			return
		}
	}
	for {
		m, err := c.hr.ReadMsg()
		if err != nil {
			code, reason = c.readFailed(err)
			return
		}
		if inHandshake && c.hr.Authenticated() {
			inHandshake = false
			c.nc.SetReadDeadline(time.Time{})
			if !c.accepted.IsZero() {
				c.rt.post(func() { c.authed = true })
			}
		}
		m.Conn = c.id
		if m.Type == ha.MsgSnapshot {
			if reason = c.receiveCopy(m); reason != "" {
				return
			}
			continue
		}
		c.rt.post(func() { c.rt.step(m) })
	}
}

// readFailed logs what deserves it and returns the HA code (0: the
// node's choice) and reason for the node.
func (c *conn) readFailed(err error) (ha.Code, string) {
	switch {
	case badCertificate(err): // TLS 1.3: the primary refuses our certificate after our handshake ended
		c.rt.logf("hanet: connection %d to %s: the peer refused our certificate: %v", c.id, c.nc.RemoteAddr(), err)
		return ha.CodeHABadToken, "TLS: " + err.Error()
	case errors.Is(err, wire.ErrAuth), errors.Is(err, wire.ErrUnsealed), errors.Is(err, wire.ErrNoKey):
		c.rt.abuse("auth", "hanet: connection %d from %s: %v: closing it", c.id, c.nc.RemoteAddr(), err)
	case errors.Is(err, wire.ErrTooLarge), errors.Is(err, wire.ErrMalformed):
		c.rt.abuse("frame", "hanet: connection %d from %s: %v: closing it", c.id, c.nc.RemoteAddr(), err)
	case isTimeout(err) && !c.hr.Authenticated() && !c.accepted.IsZero():
		c.rt.abuse("handshake", "hanet: connection %d from %s did not finish its handshake in %v: closing it",
			c.id, c.nc.RemoteAddr(), c.rt.handshakeTimeout())
		return 0, "handshake timed out"
	case isTimeout(err) && !c.hr.Authenticated():
		c.rt.logf("hanet: the primary at %s did not finish the handshake in %v", c.nc.RemoteAddr(), c.rt.handshakeTimeout())
		return 0, "handshake timed out"
	}
	return 0, err.Error()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// receiveCopy stages the full copy that follows m, then steps m with the
// staged copy's txid and digest. It returns "" or why the connection must
// close.
func (c *conn) receiveCopy(m ha.Message) string {
	// Only our primary, during the initial sync, may send a copy.
	expected := make(chan bool, 1)
	c.rt.post(func() { expected <- c.rt.node.ExpectsSnapshot(c.id) })
	select {
	case ok := <-expected:
		if !ok {
			return "unexpected full copy"
		}
	case <-c.rt.stop:
		return "runtime stopped"
	}
	cr := c.hr.Copy(func() {
		select { // never block the copy on a busy loop
		case c.rt.in <- func() { c.rt.step(ha.Message{Type: ha.MsgAlive, Conn: c.id}) }:
		default:
		}
	})
	st, err := c.rt.cfg.Store.Stage(cr)
	if err == nil {
		var rest [1]byte // the copy must end exactly at its end frame
		if n, _ := cr.Read(rest[:]); n != 0 || !cr.Done() {
			err = errors.New("full copy not terminated")
		}
	}
	if err != nil { // corrupt, forged or truncated: refused, never installed
		reason := "full copy refused: " + err.Error()
		if errors.Is(err, store.ErrCorrupt) || errors.Is(err, wire.ErrAuth) {
			c.rt.logf("hanet: %s", reason)
		}
		return reason
	}
	m.Txid, m.Digest = st.Info.Txid, st.Info.Digest[:]
	c.rt.post(func() { c.rt.staged[c.id] = st; c.rt.step(m) })
	return ""
}
