package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/goha/goha/core/wire"
)

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
	// The corosync services' events.
	QuorumSvc   *wire.QuorumSvcEvent
	QuorumNodes *wire.QuorumNodesEvent
	CMap        *wire.CMapEvent
	CfgShutdown *wire.CfgShutdownEvent
	Raw         []byte
}

type reply struct {
	m   *wire.Msg
	err error
}

// Client is a connection to one gohad. Safe for concurrent use.
type Client struct {
	Ops
	conn  net.Conn
	hello wire.Hello

	wmu sync.Mutex // serialises frame writes

	mu      sync.Mutex
	timeout time.Duration
	nextID  uint64
	pending map[uint64]chan reply
	queue   []Event
	err     error // terminal error, set once
	evs     eventStream

	wake   chan struct{} // pump wake-up (cap 1)
	events chan Event
	done   chan struct{} // closed when the connection is finished

	closeOnce sync.Once
	closeCh   chan struct{} // closed by Close: stop delivering events
}

// Dial connects to the daemon at addr (any form SplitAddr accepts) and
// exchanges hellos, all within timeout (0 means no limit). The returned
// client uses timeout as its per-call timeout too. Failure to connect wraps
// ErrDaemonGone. Dialing and the handshake are Conn's; the connection is
// then handed to the runtime's poller for the reader goroutine.
func Dial(addr string, timeout time.Duration) (*Client, error) {
	return DialWith(addr, timeout, Options{})
}

// DialWith is Dial with the client's Options.
func DialWith(addr string, timeout time.Duration, o Options) (*Client, error) {
	cn, err := dialConn(addr, timeout, o, true)
	if err != nil {
		return nil, err
	}
	hello := cn.Server()
	fd, err := cn.detach()
	if err != nil {
		cn.Close()
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "goha-control")
	conn, err := net.FileConn(f) // a duplicate, in non-blocking mode
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDaemonGone, err)
	}
	c := &Client{
		conn:    conn,
		hello:   hello,
		timeout: timeout,
		pending: make(map[uint64]chan reply),
		wake:    make(chan struct{}, 1),
		events:  make(chan Event),
		done:    make(chan struct{}),
		closeCh: make(chan struct{}),
	}
	c.Ops = Ops{c}
	go c.readLoop()
	go c.pump()
	return c, nil
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

func (c *Client) writeFrame(frame []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.conn.Write(frame)
	return err
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
			ev, err := c.evs.decode(m) // only this goroutine uses evs
			if err != nil {
				c.fail(err)
				return
			}
			c.mu.Lock()
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

	frame, err := appendRequest(nil, id, op, arg)
	if err != nil {
		c.forget(id)
		return err
	}
	if err := c.writeFrame(frame); err != nil {
		c.fail(fmt.Errorf("%w: %v", ErrDaemonGone, err))
	}
	select {
	case r := <-ch:
		if r.err != nil {
			return r.err
		}
		return result(op, r.m, res)
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
