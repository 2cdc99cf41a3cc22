package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/goha/goha/core/wire"
)

// DefaultIPC is the control address used when GOHA_IPC is unset.
const DefaultIPC = "unix:/var/run/goha/gohad.sock"

// EnvIPC names the environment variable holding the control address.
const EnvIPC = "GOHA_IPC"

// MaxQueuedEvents bounds the events buffered for a slow consumer.
const MaxQueuedEvents = 1 << 16

// Connection-level errors.
var (
	// ErrDaemonGone: the daemon is not reachable, or the connection to it
	// broke (the C layers report CS_ERR_LIBRARY / CMM_ECONN).
	ErrDaemonGone = errors.New("goha daemon not reachable or connection lost")
	// ErrTimeout: no reply within the call timeout.
	ErrTimeout = errors.New("goha daemon did not answer in time")
	// ErrClosed: the Client was closed by its owner.
	ErrClosed = errors.New("goha client closed")
	// ErrEventOverflow: the consumer fell more than MaxQueuedEvents behind.
	ErrEventOverflow = errors.New("goha client: event queue overflow, connection dropped")
	// ErrProtocol: the daemon sent something this client cannot understand.
	ErrProtocol = errors.New("goha client: protocol error")
)

// Error is a request refused by the daemon.
type Error struct {
	Op   string
	Code wire.Code
	Msg  string // the daemon's explanation, may be empty
}

func (e *Error) Error() string {
	if e.Msg != "" {
		return fmt.Sprintf("%s: %s: %s", e.Op, e.Code, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Op, e.Code)
}

// CodeOf returns the daemon's code for err: CodeOK for nil, the *Error's
// code, and CodeInternal for anything else (use errors.Is with the
// sentinels above for connection-level errors).
func CodeOf(err error) wire.Code {
	if err == nil {
		return wire.CodeOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return wire.CodeInternal
}

// Event is one pushed notification. Exactly one of the pointers matching
// Kind is set (Kind is a wire.Ev* name); unknown kinds keep only Raw.
type Event struct {
	Seq      uint64
	Kind     string
	NodeList *wire.NodeListEvent
	Quorum   *wire.QuorumEvent
	Expected *wire.ExpectedEvent
	CMM      *wire.CMMEvent
	View     *wire.ViewEvent
	Raw      []byte
}

// DefaultAddr returns $GOHA_IPC, or DefaultIPC when it is unset or empty.
func DefaultAddr() string {
	if a := os.Getenv(EnvIPC); a != "" {
		return a
	}
	return DefaultIPC
}

// SplitAddr turns an ipc address into a net.Dial network and address.
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

type reply struct {
	m   *wire.Msg
	err error
}

// Client is a connection to one gohad. Safe for concurrent use.
type Client struct {
	conn  net.Conn
	hello wire.Hello

	wmu sync.Mutex // serialises frame writes

	mu      sync.Mutex
	timeout time.Duration
	nextID  uint64
	pending map[uint64]chan reply
	queue   []Event
	err     error // terminal error, set once
	lastSeq uint64

	wake   chan struct{} // pump wake-up (cap 1)
	events chan Event
	done   chan struct{} // closed when the connection is finished

	closeOnce sync.Once
	closeCh   chan struct{} // closed by Close: stop delivering events
}

// Dial connects to the daemon at addr and exchanges hellos, all within
// timeout (0 means no limit). The returned client uses timeout as its
// per-call timeout too. Failure to connect wraps ErrDaemonGone.
func Dial(addr string, timeout time.Duration) (*Client, error) {
	network, address, err := SplitAddr(addr)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.Dial(network, address)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDaemonGone, err)
	}
	c := &Client{
		conn:    conn,
		timeout: timeout,
		pending: make(map[uint64]chan reply),
		wake:    make(chan struct{}, 1),
		events:  make(chan Event),
		done:    make(chan struct{}),
		closeCh: make(chan struct{}),
	}
	if err := c.handshake(timeout); err != nil {
		conn.Close()
		return nil, err
	}
	go c.readLoop()
	go c.pump()
	return c, nil
}

func (c *Client) handshake(timeout time.Duration) error {
	if timeout > 0 {
		c.conn.SetDeadline(time.Now().Add(timeout))
		defer c.conn.SetDeadline(time.Time{})
	}
	body, err := wire.EncodeBody(&wire.Hello{Proto: wire.ProtocolVersion, Software: software()})
	if err != nil {
		return err
	}
	if err := c.writeMsg(&wire.Msg{Type: wire.TypeHello, Body: body}); err != nil {
		return fmt.Errorf("%w: hello: %v", ErrDaemonGone, err)
	}
	b, err := wire.ReadFrame(c.conn, wire.MaxFrame)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return fmt.Errorf("%w: hello", ErrTimeout)
		}
		return fmt.Errorf("%w: hello: %v", ErrDaemonGone, err)
	}
	m, err := wire.DecodeMsg(b)
	if err != nil || m.Type != wire.TypeHello {
		return fmt.Errorf("%w: bad hello from daemon", ErrProtocol)
	}
	if m.Code != wire.CodeOK {
		return &Error{Op: "hello", Code: m.Code, Msg: m.Err}
	}
	if err := wire.DecodeBody(m.Body, &c.hello); err != nil {
		return fmt.Errorf("%w: %v", ErrProtocol, err)
	}
	if c.hello.Proto != wire.ProtocolVersion {
		return &Error{Op: "hello", Code: wire.CodeVersion, Msg: fmt.Sprintf("daemon speaks protocol %d, client %d", c.hello.Proto, wire.ProtocolVersion)}
	}
	return nil
}

func software() string {
	if len(os.Args) > 0 && os.Args[0] != "" {
		return os.Args[0]
	}
	return "goha-client"
}

// Server returns the daemon's hello: its node id, node name and cluster.
func (c *Client) Server() wire.Hello { return c.hello }

// SetTimeout changes the per-call timeout (0 waits forever).
func (c *Client) SetTimeout(d time.Duration) {
	c.mu.Lock()
	c.timeout = d
	c.mu.Unlock()
}

// Events returns the channel of pushed events. It is closed when the
// connection ends; Err then reports why.
func (c *Client) Events() <-chan Event { return c.events }

// Done is closed when the connection has ended.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err returns the error that ended the connection, or nil while it is up.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close ends the connection. Pending and later calls fail with ErrClosed.
// Close is idempotent.
func (c *Client) Close() error {
	c.fail(ErrClosed)
	c.closeOnce.Do(func() { close(c.closeCh) })
	return nil
}

// fail records the terminal error (first one wins), closes the socket and
// fails every pending call.
func (c *Client) fail(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	pending := c.pending
	c.pending = map[uint64]chan reply{}
	c.mu.Unlock()
	c.conn.Close()
	for _, ch := range pending {
		ch <- reply{err: err}
	}
	close(c.done)
	c.kick()
}

func (c *Client) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *Client) writeMsg(m *wire.Msg) error {
	b, err := wire.EncodeMsg(m)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return wire.WriteFrame(c.conn, b)
}

func (c *Client) readLoop() {
	r := bufio.NewReaderSize(c.conn, 64<<10)
	for {
		b, err := wire.ReadFrame(r, wire.MaxFrame)
		if err != nil {
			c.fail(fmt.Errorf("%w: %v", ErrDaemonGone, err))
			return
		}
		m, err := wire.DecodeMsg(b)
		if err != nil {
			c.fail(fmt.Errorf("%w: %v", ErrProtocol, err))
			return
		}
		switch m.Type {
		case wire.TypeReply:
			c.mu.Lock()
			ch := c.pending[m.ID]
			delete(c.pending, m.ID)
			c.mu.Unlock()
			if ch != nil { // nil: the caller timed out and left
				ch <- reply{m: m}
			}
		case wire.TypeEvent:
			ev, err := decodeEvent(m)
			if err != nil {
				c.fail(err)
				return
			}
			c.mu.Lock()
			if ev.Seq != c.lastSeq+1 {
				c.mu.Unlock()
				c.fail(fmt.Errorf("%w: event sequence jumped from %d to %d", ErrProtocol, c.lastSeq, ev.Seq))
				return
			}
			c.lastSeq = ev.Seq
			if len(c.queue) >= MaxQueuedEvents {
				c.mu.Unlock()
				c.fail(ErrEventOverflow)
				return
			}
			c.queue = append(c.queue, ev)
			c.mu.Unlock()
			c.kick()
		default:
			c.fail(fmt.Errorf("%w: unexpected message type %d", ErrProtocol, m.Type))
			return
		}
	}
}

// pump moves queued events to the unbuffered Events channel, so the read
// loop never blocks on a slow consumer. Queued events are still delivered
// after the connection ends; then the channel is closed.
func (c *Client) pump() {
	defer close(c.events)
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			finished := c.err != nil
			c.mu.Unlock()
			if finished {
				return
			}
			<-c.wake
			continue
		}
		ev := c.queue[0]
		c.queue[0] = Event{}
		c.queue = c.queue[1:]
		c.mu.Unlock()
		select {
		case c.events <- ev:
		case <-c.closeCh:
			return // the owner closed us: nobody is listening
		}
	}
}

func decodeEvent(m *wire.Msg) (Event, error) {
	ev := Event{Seq: m.Seq, Kind: m.Op, Raw: m.Body}
	var v any
	switch m.Op {
	case wire.EvNodeList:
		ev.NodeList = new(wire.NodeListEvent)
		v = ev.NodeList
	case wire.EvQuorum:
		ev.Quorum = new(wire.QuorumEvent)
		v = ev.Quorum
	case wire.EvExpected:
		ev.Expected = new(wire.ExpectedEvent)
		v = ev.Expected
	case wire.EvCMM:
		ev.CMM = new(wire.CMMEvent)
		v = ev.CMM
	case wire.EvView:
		ev.View = new(wire.ViewEvent)
		v = ev.View
	default:
		return ev, nil
	}
	if err := wire.DecodeBody(m.Body, v); err != nil {
		return ev, fmt.Errorf("%w: event %s: %v", ErrProtocol, m.Op, err)
	}
	return ev, nil
}

// Call performs one request with the client's timeout. arg may be nil; res
// may be nil to ignore the result.
func (c *Client) Call(op string, arg, res any) error {
	c.mu.Lock()
	t := c.timeout
	c.mu.Unlock()
	ctx := context.Background()
	if t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	return c.CallContext(ctx, op, arg, res)
}

// CallContext is Call with a caller-controlled deadline or cancellation.
func (c *Client) CallContext(ctx context.Context, op string, arg, res any) error {
	body, err := wire.EncodeBody(arg)
	if err != nil {
		return err
	}
	ch := make(chan reply, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return err
	}
	c.nextID++
	id := c.nextID
	c.pending[id] = ch
	c.mu.Unlock()

	if err := c.writeMsg(&wire.Msg{Type: wire.TypeReq, ID: id, Op: op, Body: body}); err != nil {
		if errors.Is(err, wire.ErrTooLarge) {
			c.forget(id)
			return &Error{Op: op, Code: wire.CodeBadRequest, Msg: err.Error()}
		}
		c.fail(fmt.Errorf("%w: %v", ErrDaemonGone, err))
	}
	select {
	case r := <-ch:
		if r.err != nil {
			return r.err
		}
		if r.m.Code != wire.CodeOK {
			return &Error{Op: op, Code: r.m.Code, Msg: r.m.Err}
		}
		if res != nil {
			if err := wire.DecodeBody(r.m.Body, res); err != nil {
				return fmt.Errorf("%w: reply to %s: %v", ErrProtocol, op, err)
			}
		}
		return nil
	case <-ctx.Done():
		c.forget(id)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%w: %s", ErrTimeout, op)
		}
		return ctx.Err()
	}
}

func (c *Client) forget(id uint64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}
