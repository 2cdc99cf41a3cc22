package wire

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/goha/goha/core/ha"
)

// HA replication frames (core/ha/hanet's connections; see "HA frames" in
// the package doc).
const (
	// HAMaxFrame bounds one frame after the handshake; it also bounds one
	// replicated commit.
	HAMaxFrame = 16 << 20
	// HAMaxHandshakeFrame bounds every frame until the first sealed frame
	// has been verified: an unauthenticated peer cannot make the receiver
	// allocate more.
	HAMaxHandshakeFrame = 4 << 10
	// HADataChunk bounds the payload of one full-copy data frame.
	HADataChunk = 256 << 10
	// HATagSize is the length of a sealed frame's tag.
	HATagSize = 16

	// Frame kinds (the byte after the length).
	HAFramePlain  = 'M' // msgpack ha.Message, unsealed: the handshake only
	HAFrameSealed = 'S' // msgpack ha.Message, then its tag
	HAFrameData   = 'D' // a piece of a full copy, then its tag
	HAFrameEnd    = 'E' // the end of a full copy: only a tag

	haHeader  = 5                     // length(4) kind(1)
	haBigBuf  = 256 << 10             // buffers once authenticated
	haSmallWr = HAMaxHandshakeFrame + // buffer before: holds any handshake frame
		haHeader
)

// Errors of HA frames. Each closes the connection.
var (
	// ErrUnsealed: a plain frame where only sealed frames are allowed.
	ErrUnsealed = errors.New("wire: HA frame not sealed after the handshake")
	// ErrNoKey: a sealed frame before the handshake gave its key.
	ErrNoKey = errors.New("wire: sealed HA frame before the handshake")
)

// HASeal seals or opens the frames of one direction of one connection:
// the tag is AES-256-GCM's over no plaintext and the frame body as
// additional data (that is, GMAC), with a 96-bit nonce made of the frame
// kind and a per-direction frame counter. The receiver counts as the
// sender does, so a frame that is dropped, replayed, reordered, moved to
// another connection or direction, or altered in any bit (kind, length or
// body; GCM authenticates the body's length) fails its tag. Keys are
// fresh per connection (ha's session keys), so nonces never repeat under
// one key. Not safe for concurrent use.
type HASeal struct {
	aead  cipher.AEAD
	ctr   uint64
	nonce [12]byte
}

// NewHASeal returns a sealer for a 32-byte session key.
func NewHASeal(key []byte) (*HASeal, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("wire: HA session key of %d bytes, want 32", len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &HASeal{aead: g}, nil
}

func (s *HASeal) next(kind byte) []byte {
	s.ctr++
	binary.BigEndian.PutUint64(s.nonce[:8], s.ctr)
	s.nonce[8] = kind
	return s.nonce[:]
}

// Tag appends the tag of the next frame (kind, body) to dst.
func (s *HASeal) Tag(dst []byte, kind byte, body []byte) []byte {
	return s.aead.Seal(dst, s.next(kind), nil, body)
}

// Check verifies the tag of the next frame received (ErrAuth if wrong).
func (s *HASeal) Check(kind byte, body, tag []byte) error {
	var none [0]byte
	if _, err := s.aead.Open(none[:0], s.next(kind), tag, body); err != nil {
		return ErrAuth
	}
	return nil
}

// EncodeHAMsg returns the msgpack body of m, refusing what would not fit a
// frame.
func EncodeHAMsg(m *ha.Message) ([]byte, error) {
	b, err := msgpack.Marshal(m)
	if err != nil {
		return nil, err
	}
	if len(b)+1+HATagSize > HAMaxFrame {
		return nil, fmt.Errorf("wire: HA %v message of %d bytes exceeds the frame limit", m.Type, len(b))
	}
	return b, nil
}

// DecodeHAMsg decodes a message body received from a peer: checked by
// CheckMsgpack first, and never a runtime-local type.
func DecodeHAMsg(b []byte) (ha.Message, error) {
	var m ha.Message
	if err := CheckMsgpack(b); err != nil {
		return m, err
	}
	if err := msgpack.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if m.Type.IsLocal() {
		return m, fmt.Errorf("%w: peer sent a local message type", ErrMalformed)
	}
	return m, nil
}

// AppendHAFrame appends one message frame: sealed if s is set, else plain.
func AppendHAFrame(dst []byte, s *HASeal, body []byte) []byte {
	if s == nil {
		dst = binary.BigEndian.AppendUint32(dst, uint32(1+len(body)))
		dst = append(dst, HAFramePlain)
		return append(dst, body...)
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(1+len(body)+HATagSize))
	dst = append(dst, HAFrameSealed)
	dst = append(dst, body...)
	return s.Tag(dst, HAFrameSealed, body)
}

// HAWriter writes one connection's frames, in order: plain until SetKey,
// sealed after. It is an io.Writer and store.VectorWriter for full copies
// (data frames) and never blocks the caller on anything but the
// connection. Used by one goroutine.
type HAWriter struct {
	nc   io.Writer
	bw   *bufio.Writer
	seal *HASeal
	// gather: nc takes gathered writes (a plain TCP connection), so a
	// copy's large pieces go straight from the caller's memory to the
	// kernel; otherwise (TLS) they go through bw, which coalesces them
	// into full records.
	gather bool
	bufs   net.Buffers
	// Progress, if set, is called before each write of a full copy (to
	// push a write deadline).
	Progress func()
}

// NewHAWriter returns a writer on nc with a buffer for handshake frames;
// SetKey enlarges it.
func NewHAWriter(nc io.Writer) *HAWriter {
	_, tcp := nc.(*net.TCPConn)
	return &HAWriter{nc: nc, bw: bufio.NewWriterSize(nc, haSmallWr), gather: tcp}
}

// SetKey seals every later frame with the session key.
func (w *HAWriter) SetKey(key []byte) error {
	s, err := NewHASeal(key)
	if err != nil {
		return err
	}
	if err := w.bw.Flush(); err != nil {
		return err
	}
	w.seal = s
	w.bw = bufio.NewWriterSize(w.nc, haBigBuf)
	return nil
}

// Sealed reports whether SetKey was called.
func (w *HAWriter) Sealed() bool { return w.seal != nil }

// WriteMsg buffers one message frame (body from EncodeHAMsg).
func (w *HAWriter) WriteMsg(body []byte) error {
	if w.seal == nil && 1+len(body) > HAMaxHandshakeFrame {
		return fmt.Errorf("wire: plain HA frame of %d bytes", len(body))
	}
	var hdr [haHeader]byte
	n := 1 + len(body)
	if w.seal == nil {
		hdr[4] = HAFramePlain
	} else {
		n += HATagSize
		hdr[4] = HAFrameSealed
	}
	binary.BigEndian.PutUint32(hdr[:4], uint32(n))
	w.bw.Write(hdr[:])
	w.bw.Write(body)
	if w.seal != nil {
		var tag [HATagSize]byte
		w.bw.Write(w.seal.Tag(tag[:0], HAFrameSealed, body))
	}
	return nil
}

// Flush writes what is buffered.
func (w *HAWriter) Flush() error { return w.bw.Flush() }

// Buffered reports how many bytes wait in the buffer.
func (w *HAWriter) Buffered() int { return w.bw.Buffered() }

// WriteVector sends the pieces as data frames of a full copy (each piece
// cut at HADataChunk), with one gathered write when the connection takes
// them, so that the pieces are neither copied nor retained.
func (w *HAWriter) WriteVector(p [][]byte) error {
	if w.seal == nil {
		return ErrNoKey
	}
	if !w.gather {
		for _, b := range p {
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		return nil
	}
	if w.bw.Buffered() > 0 {
		if err := w.bw.Flush(); err != nil {
			return err
		}
	}
	if w.Progress != nil {
		w.Progress()
	}
	var frames [][]byte
	for _, b := range p {
		if len(b) == 0 {
			continue
		}
		for len(b) > 0 {
			k := min(len(b), HADataChunk)
			frames = append(frames, b[:k])
			b = b[k:]
		}
	}
	// The tags are computed on another goroutine while the frames go out,
	// each frame's tag with the next frame's gathered write: the kernel
	// copies one frame while the next is being authenticated. The
	// goroutine is done with p before this returns.
	tags := make([][HATagSize]byte, len(frames))
	ready := make(chan struct{}, len(frames))
	go func(s *HASeal) {
		for i, f := range frames {
			s.Tag(tags[i][:0], HAFrameData, f)
			ready <- struct{}{}
		}
	}(w.seal)
	var err error
	hdrs := make([][haHeader]byte, len(frames))
	bufs := w.bufs[:0]
	for i, f := range frames {
		binary.BigEndian.PutUint32(hdrs[i][:4], uint32(1+len(f)+HATagSize))
		hdrs[i][4] = HAFrameData
		bufs = bufs[:0]
		if i > 0 {
			<-ready
			bufs = append(bufs, tags[i-1][:])
		}
		bufs = append(bufs, hdrs[i][:], f)
		if err == nil {
			w.bufs = bufs
			all := bufs // WriteTo consumes its receiver
			_, err = all.WriteTo(w.nc)
		}
	}
	if len(frames) == 0 {
		return nil
	}
	<-ready
	if err == nil {
		_, err = w.nc.Write(tags[len(frames)-1][:])
	}
	clear(w.bufs) // keep no reference to the caller's memory
	return err
}

// Write sends p as data frames of a full copy.
func (w *HAWriter) Write(p []byte) (int, error) {
	if w.seal == nil {
		return 0, ErrNoKey
	}
	n := len(p)
	if w.gather {
		return n, w.WriteVector([][]byte{p})
	}
	for len(p) > 0 {
		if w.Progress != nil {
			w.Progress()
		}
		k := min(len(p), HADataChunk)
		var hdr [haHeader]byte
		binary.BigEndian.PutUint32(hdr[:4], uint32(1+k+HATagSize))
		hdr[4] = HAFrameData
		var tag [HATagSize]byte
		w.bw.Write(hdr[:])
		w.bw.Write(p[:k])
		if _, err := w.bw.Write(w.seal.Tag(tag[:0], HAFrameData, p[:k])); err != nil {
			return 0, err
		}
		p = p[k:]
	}
	return n, nil
}

// EndCopy ends a full copy.
func (w *HAWriter) EndCopy() error {
	if w.seal == nil {
		return ErrNoKey
	}
	var f [haHeader + HATagSize]byte
	binary.BigEndian.PutUint32(f[:4], 1+HATagSize)
	f[4] = HAFrameEnd
	w.seal.Tag(f[:haHeader], HAFrameEnd, nil)
	_, err := w.bw.Write(f[:])
	return err
}

// HAReader reads one connection's frames. Until a sealed frame has been
// verified it reads exactly what each frame needs straight from the
// connection (no read-ahead buffer: an unauthenticated peer costs a few
// hundred bytes) and bounds frames at HAMaxHandshakeFrame; after, it
// reads through a large buffer and allows HAMaxFrame. Used by one
// goroutine; the key arrives from another (SetKey).
type HAReader struct {
	nc      io.Reader
	br      *bufio.Reader // nil until a sealed frame was verified
	key     atomic.Pointer[[]byte]
	open    *HASeal
	sealed  bool // a sealed frame was verified
	scratch []byte
}

// NewHAReader returns a reader on nc.
func NewHAReader(nc io.Reader) *HAReader { return &HAReader{nc: nc} }

// SetKey installs the key that opens the frames received from now on.
// It may be called from another goroutine than the reading one.
func (r *HAReader) SetKey(key []byte) {
	k := append([]byte{}, key...)
	r.key.Store(&k)
}

// Authenticated reports whether a sealed frame has been verified.
func (r *HAReader) Authenticated() bool { return r.sealed }

func (r *HAReader) opener() (*HASeal, error) {
	if r.open == nil {
		k := r.key.Load()
		if k == nil {
			return nil, nil
		}
		s, err := NewHASeal(*k)
		if err != nil {
			return nil, err
		}
		r.open = s
	}
	return r.open, nil
}

// source is the buffer while it holds bytes, else the connection itself,
// so that large reads skip the buffer.
func (r *HAReader) source() io.Reader {
	if r.br == nil || r.br.Buffered() == 0 {
		return r.nc
	}
	return r.br
}

// readFull fills p, switching from the buffer to the connection as the
// buffer empties.
func (r *HAReader) readFull(p []byte) error {
	for len(p) > 0 {
		n, err := r.source().Read(p)
		p = p[n:]
		if err != nil {
			if len(p) == 0 {
				return nil
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// header reads a frame header; n counts the bytes after the kind. With
// direct (a full copy's frames), an empty buffer is not refilled: the
// header comes straight from the connection, so that the payload after it
// can too; otherwise (messages, mostly small) the buffer is refilled.
func (r *HAReader) header(direct bool) (kind byte, n int, err error) {
	var h [haHeader]byte
	switch {
	case r.br == nil:
		_, err = io.ReadFull(r.nc, h[:])
	case direct:
		err = r.readFull(h[:])
	default:
		_, err = io.ReadFull(r.br, h[:])
	}
	if err != nil {
		return 0, 0, err
	}
	return r.parseHeader(h)
}

func (r *HAReader) parseHeader(h [haHeader]byte) (kind byte, n int, err error) {
	size := binary.BigEndian.Uint32(h[:4])
	limit := uint32(HAMaxFrame)
	if !r.sealed {
		limit = HAMaxHandshakeFrame
	}
	if size == 0 || size > limit {
		return 0, 0, fmt.Errorf("%w: HA frame of %d bytes (limit %d)", ErrTooLarge, size, limit)
	}
	return h[4], int(size) - 1, nil
}

// ReadMsg reads the next message frame. A plain frame is refused once a
// key is installed, unless it is a reject before any sealed frame (the
// peer refusing the handshake); a sealed frame needs the key and a good
// tag. A data frame here is an error.
func (r *HAReader) ReadMsg() (ha.Message, error) {
	kind, n, err := r.header(false)
	if err != nil {
		return ha.Message{}, err
	}
	switch kind {
	case HAFramePlain:
		body := make([]byte, n)
		if err := r.readFull(body); err != nil {
			return ha.Message{}, err
		}
		m, err := DecodeHAMsg(body)
		if err != nil {
			return m, err
		}
		if s, err := r.opener(); err != nil || (s != nil && (r.sealed || m.Type != ha.MsgReject)) {
			return m, ErrUnsealed
		}
		return m, nil
	case HAFrameSealed:
		s, err := r.opener()
		if err != nil {
			return ha.Message{}, err
		}
		if s == nil {
			return ha.Message{}, ErrNoKey
		}
		if n < HATagSize {
			return ha.Message{}, fmt.Errorf("%w: sealed HA frame of %d bytes", ErrMalformed, n)
		}
		body := make([]byte, n)
		if err := r.readFull(body); err != nil {
			return ha.Message{}, err
		}
		if err := s.Check(HAFrameSealed, body[:n-HATagSize], body[n-HATagSize:]); err != nil {
			return ha.Message{}, err
		}
		if !r.sealed {
			r.sealed = true
			r.br = bufio.NewReaderSize(r.nc, haBigBuf)
		}
		return DecodeHAMsg(body[:n-HATagSize])
	case HAFrameData, HAFrameEnd:
		return ha.Message{}, fmt.Errorf("%w: HA data frame outside a full copy", ErrMalformed)
	}
	return ha.Message{}, fmt.Errorf("%w: HA frame kind %q", ErrMalformed, kind)
}

// aliveEvery bounds how often a copy in progress is reported.
const aliveEvery = 50 * time.Millisecond

// Copy returns the stream of the full copy that follows a snapshot
// message: the data frames' payloads up to the end frame, each verified
// before any of its bytes is returned. A payload that fits the caller's
// buffer is read straight into it (no copy); alive, if set, is called at
// most every 50 ms while data arrives. The stream ends with io.EOF only
// at a verified end frame; anything else inside a copy is an error.
func (r *HAReader) Copy(alive func()) *HACopyReader {
	return &HACopyReader{r: r, alive: alive}
}

// HACopyReader is the stream of one full copy (see HAReader.Copy).
type HACopyReader struct {
	r     *HAReader
	pend  []byte // verified bytes not yet returned
	eof   bool
	alive func()
	last  time.Time
	// A data frame's tag and the next frame's header are read together
	// (one system call instead of two): next holds that header.
	next    [haHeader]byte
	hasNext bool
}

// Done reports whether the end frame has been read and verified.
func (c *HACopyReader) Done() bool { return c.eof }

func (c *HACopyReader) Read(p []byte) (int, error) {
	if len(c.pend) > 0 {
		k := copy(p, c.pend)
		c.pend = c.pend[k:]
		return k, nil
	}
	if c.eof {
		return 0, io.EOF
	}
	r := c.r
	if !r.sealed || r.open == nil {
		return 0, ErrNoKey
	}
	var kind byte
	var n int
	var err error
	if c.hasNext {
		c.hasNext = false
		kind, n, err = r.parseHeader(c.next)
	} else {
		kind, n, err = r.header(true)
	}
	if err != nil {
		return 0, noEOF(err)
	}
	switch {
	case kind == HAFrameEnd && n == HATagSize:
		var tag [HATagSize]byte
		if err := r.readFull(tag[:]); err != nil {
			return 0, err
		}
		if err := r.open.Check(HAFrameEnd, nil, tag[:]); err != nil {
			return 0, err
		}
		c.eof = true
		return 0, io.EOF
	case kind != HAFrameData || n <= HATagSize || n-HATagSize > HADataChunk:
		return 0, fmt.Errorf("%w: HA frame %q of %d bytes inside a full copy", ErrMalformed, kind, n)
	}
	size := n - HATagSize
	var tail [HATagSize + haHeader]byte // its tag, the next frame's header
	dst := p
	if len(p) < size {
		if cap(c.r.scratch) < size {
			c.r.scratch = make([]byte, HADataChunk)
		}
		dst = c.r.scratch
	}
	dst = dst[:size]
	if err := r.readFull(dst); err != nil {
		return 0, err
	}
	if err := r.readFull(tail[:]); err != nil { // a copy always ends with an end frame
		return 0, err
	}
	if err := r.open.Check(HAFrameData, dst, tail[:HATagSize]); err != nil {
		return 0, err
	}
	copy(c.next[:], tail[HATagSize:])
	c.hasNext = true
	if now := time.Now(); c.alive != nil && now.Sub(c.last) >= aliveEvery {
		c.last = now
		c.alive()
	}
	if len(p) >= size {
		return size, nil
	}
	k := copy(p, dst)
	c.pend = dst[k:]
	return k, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
