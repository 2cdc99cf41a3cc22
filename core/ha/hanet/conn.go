package hanet

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/wire"
)

// Framing: every frame is wire's 4-byte big-endian length plus body, with
// a hard limit of MaxFrame. A protocol frame's body is 'M' + msgpack
// ha.Message. A full copy follows its MsgSnapshot frame as 'D' + chunk
// frames (at most snapChunk bytes of the store.WriteSnapshot stream each)
// and one 'E' frame.
const (
	// MaxFrame bounds one frame; it also bounds one replicated commit.
	MaxFrame  = 16 << 20
	snapChunk = 1 << 20

	frameMsg  = 'M'
	frameData = 'D'
	frameEnd  = 'E'

	// maxQueued bounds what the runtime buffers for one peer that does
	// not read; beyond it the connection is dropped (as ConfD drops a
	// secondary that stops reading).
	maxQueued = 256 << 20
)

var errQueueFull = errors.New("send queue overflow: peer not reading")

type outItem struct {
	frame    []byte
	snapshot bool // stream a full copy of the store here
	close    bool
}

// conn is one HA TCP connection with a writer goroutine draining its queue
// and a reader goroutine feeding the runtime loop.
type conn struct {
	id  uint64
	nc  net.Conn
	rt  *Runtime
	mu  sync.Mutex
	cnd *sync.Cond
	q   []outItem
	qb  int
	end bool // no more items accepted
}

func newConn(rt *Runtime, id uint64, nc net.Conn) *conn {
	c := &conn{id: id, nc: nc, rt: rt}
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
	if c.qb+len(it.frame) > maxQueued {
		c.end = true
		c.q = append(c.q, outItem{close: true})
		c.cnd.Signal()
		return false
	}
	if it.close {
		c.end = true
	}
	c.q = append(c.q, it)
	c.qb += len(it.frame)
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
	bw := bufio.NewWriterSize(c.nc, 256<<10)
	for {
		c.mu.Lock()
		for len(c.q) == 0 {
			c.mu.Unlock()
			if err := bw.Flush(); err != nil {
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
		c.qb -= len(it.frame)
		c.mu.Unlock()
		c.progress()
		switch {
		case it.close:
			bw.Flush()
			return
		case it.snapshot:
			if err := c.writeSnapshot(bw); err != nil {
				c.rt.logf("hanet: sending full copy on connection %d: %v", c.id, err)
				return
			}
		default:
			if _, err := bw.Write(it.frame); err != nil {
				c.rt.logf("hanet: connection %d: write: %v", c.id, err)
				return
			}
		}
	}
}

// chunkWriter cuts the snapshot stream into 'D' frames, each written with
// its header in one gathered write straight to the connection (after
// whatever bw still holds), so the copy's bytes are not copied again. As a
// store.VectorWriter it takes the store's batches (small pieces copied
// together, large values straight from the store's memory map) as one
// frame each.
type chunkWriter struct {
	bw       *bufio.Writer
	nc       net.Conn
	hdr      []byte
	bufs     net.Buffers
	progress func()
}

// WriteVector sends p as one 'D' frame (split if it exceeds the frame limit).
func (cw *chunkWriter) WriteVector(p [][]byte) error {
	n := 0
	for _, b := range p {
		n += len(b)
	}
	if n+1 > MaxFrame { // not what WriteSnapshot hands out; be safe anyway
		for _, b := range p {
			if _, err := cw.Write(b); err != nil {
				return err
			}
		}
		return nil
	}
	if cw.bw.Buffered() > 0 {
		if err := cw.bw.Flush(); err != nil {
			return err
		}
	}
	cw.progress()
	cw.hdr = binaryFrameHeader(cw.hdr[:0], n+1)
	cw.hdr = append(cw.hdr, frameData)
	cw.bufs = append(append(cw.bufs[:0], cw.hdr), p...)
	bufs := cw.bufs // WriteTo consumes its receiver
	_, err := bufs.WriteTo(cw.nc)
	clear(cw.bufs) // keep no reference to the store's memory
	return err
}

func (cw *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	if cw.bw.Buffered() > 0 {
		if err := cw.bw.Flush(); err != nil {
			return 0, err
		}
	}
	for len(p) > 0 {
		cw.progress()
		k := min(len(p), snapChunk)
		cw.hdr = binaryFrameHeader(cw.hdr[:0], k+1)
		cw.hdr = append(cw.hdr, frameData)
		bufs := net.Buffers{cw.hdr, p[:k]}
		if _, err := bufs.WriteTo(cw.nc); err != nil {
			return 0, err
		}
		p = p[k:]
	}
	return n, nil
}

func binaryFrameHeader(dst []byte, n int) []byte {
	return append(dst, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

func (c *conn) writeSnapshot(bw *bufio.Writer) error {
	// WriteSnapshot hands chunkWriter 1 MiB at a time.
	info, err := c.rt.cfg.Store.WriteSnapshot(&chunkWriter{bw: bw, nc: c.nc, progress: c.progress})
	if err != nil {
		return err
	}
	_, err = bw.Write(wire.AppendFrame(nil, []byte{frameEnd}))
	c.rt.logf("hanet: sent full copy: txid %d, %d entries, %d bytes", info.Txid, info.Entries, info.Bytes)
	return err
}

// chunkReader reassembles the snapshot stream from 'D' frames up to 'E',
// reading each frame's payload straight into the caller's buffer (a
// full copy is the one large transfer; no per-frame allocation or copy).
// Whenever r holds nothing buffered it reads from nc directly, frame
// headers included, so that the payload never goes through r's buffer.
type chunkReader struct {
	r     *bufio.Reader
	nc    io.Reader // what r reads from
	left  int       // payload bytes of the current 'D' frame not yet read
	eof   bool
	alive func() // called at most every aliveEvery while data arrives
	last  time.Time
}

const aliveEvery = 50 * time.Millisecond

func (cr *chunkReader) Read(p []byte) (int, error) {
	for cr.left == 0 {
		if cr.eof {
			return 0, io.EOF
		}
		var hdr [5]byte // length, frame type
		if _, err := io.ReadFull(cr.source(), hdr[:]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		n := int(binary.BigEndian.Uint32(hdr[:]))
		if n == 0 || n > MaxFrame {
			return 0, fmt.Errorf("hanet: bad frame length %d inside a full copy", n)
		}
		switch hdr[4] {
		case frameData:
			cr.left = n - 1
			if now := time.Now(); cr.alive != nil && now.Sub(cr.last) >= aliveEvery {
				cr.last = now
				cr.alive()
			}
		case frameEnd:
			if n != 1 {
				return 0, fmt.Errorf("hanet: end-of-copy frame with %d bytes", n-1)
			}
			cr.eof = true
		default:
			return 0, fmt.Errorf("hanet: frame %q inside a full copy", hdr[4])
		}
	}
	n, err := cr.source().Read(p[:min(len(p), cr.left)])
	cr.left -= n
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// source is r while it has buffered bytes, then the connection itself.
func (cr *chunkReader) source() io.Reader {
	if cr.nc == nil || cr.r.Buffered() > 0 {
		return cr.r
	}
	return cr.nc
}

func (c *conn) reader() {
	defer c.rt.wg.Done()
	br := bufio.NewReaderSize(c.nc, 256<<10)
	reason := "closed"
	defer func() { c.rt.post(func() { c.rt.connClosed(c, reason) }) }()
	for {
		f, err := wire.ReadFrame(br, MaxFrame)
		if err != nil {
			reason = err.Error()
			return
		}
		if f[0] != frameMsg {
			reason = fmt.Sprintf("unexpected frame %q", f[0])
			return
		}
		if err := wire.CheckMsgpack(f[1:]); err != nil {
			reason = err.Error()
			return
		}
		var m ha.Message
		if err := msgpack.Unmarshal(f[1:], &m); err != nil {
			reason = "malformed message: " + err.Error()
			return
		}
		if m.Type.IsLocal() {
			reason = "peer sent a local message type"
			return
		}
		m.Conn = c.id
		if m.Type == ha.MsgSnapshot {
			// Only our primary, during the initial sync, may send a copy.
			expected := make(chan bool, 1)
			c.rt.post(func() { expected <- c.rt.node.ExpectsSnapshot(c.id) })
			select {
			case ok := <-expected:
				if !ok {
					reason = "unexpected full copy"
					return
				}
			case <-c.rt.stop:
				return
			}
			cr := &chunkReader{r: br, nc: c.nc, alive: func() {
				select { // never block the copy on a busy loop
				case c.rt.in <- func() { c.rt.step(ha.Message{Type: ha.MsgAlive, Conn: c.id}) }:
				default:
				}
			}}
			st, err := c.rt.cfg.Store.Stage(cr)
			if err == nil {
				_, err = io.Copy(io.Discard, cr) // must end exactly at 'E'
				if err == nil && cr.eof == false {
					err = errors.New("full copy not terminated")
				}
			}
			if err != nil { // corrupt or truncated: refused, never installed
				reason = "full copy refused: " + err.Error()
				if errors.Is(err, store.ErrCorrupt) {
					c.rt.logf("hanet: %s", reason)
				}
				return
			}
			m.Txid, m.Digest = st.Info.Txid, st.Info.Digest[:]
			c.rt.post(func() { c.rt.staged[c.id] = st; c.rt.step(m) })
			continue
		}
		c.rt.post(func() { c.rt.step(m) })
	}
}

func encodeMsg(m ha.Message) ([]byte, error) {
	b, err := msgpack.Marshal(&m)
	if err != nil {
		return nil, err
	}
	if len(b)+1 > MaxFrame {
		return nil, fmt.Errorf("hanet: %v message of %d bytes exceeds the frame limit", m.Type, len(b))
	}
	return wire.AppendFrame(nil, append([]byte{frameMsg}, b...)), nil
}
