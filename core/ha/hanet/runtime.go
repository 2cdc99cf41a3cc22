package hanet

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/internal/lograte"
	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/wire"
)

// Config configures a Runtime.
type Config struct {
	// Name is this node's HA node id (its config name).
	Name string
	// ListenAddr is the node's ha_addr (host:port); it is listened on while
	// the node is primary or relay. Port 0 picks a free port (tests).
	ListenAddr string
	// Key is the HA cluster key, ha.ClusterKey(authkey, cluster name).
	Key []byte
	// Token is the [ha] token ("": none, the key alone authenticates).
	Token string
	// TLS, if set, carries replication over mutual TLS (see TLSConfig):
	// the listener requires and verifies a client certificate, the dialer
	// verifies the primary's.
	TLS *tls.Config
	// HandshakeTimeout bounds an accepted connection's TLS and HA
	// handshakes (default DefaultHandshakeTimeout).
	HandshakeTimeout time.Duration
	// MaxHandshakes bounds the accepted connections still in their
	// handshake (default DefaultMaxHandshakes); beyond it the oldest is
	// closed.
	MaxHandshakes int
	// TickTimeout is [ha] tick_timeout; 0 disables ticks and dead-peer
	// detection (ConfD's PT0S).
	TickTimeout time.Duration
	// Mode is [ha] replication.
	Mode ha.Mode
	// SchemaID identifies the data model; peers must agree.
	SchemaID string
	// Store is the node's config store; the runtime sets it read-only
	// while the node is a secondary or relay.
	Store *store.Store
	// DialTimeout bounds connecting to a primary (default 5s).
	DialTimeout time.Duration
	// WriteStall is how long a write to a peer may make no progress before
	// the peer is dropped (a secondary that stopped reading); default
	// 3 x TickTimeout, never if both are 0.
	WriteStall time.Duration
	// Logf receives log lines (default: none).
	Logf func(format string, args ...any)

	// Auto mode (core/node/engine drives the roles through Apply): Auto
	// set, the store's Epoch and History, the write Gate, the Clock it and
	// reconnections use, the least time between two connection attempts
	// (Retry), and Report, called on the runtime's goroutine with the HA
	// state after every change.
	Auto    bool
	Epoch   uint64
	History []uint64
	Gate    *Gate
	Clock   Clock
	Retry   time.Duration
	Report  func(Report)
}

// Limits on connections that have not authenticated yet.
const (
	// DefaultHandshakeTimeout is ConfD's: the HA socket must be
	// initialised within 5 seconds of the connect.
	DefaultHandshakeTimeout = 5 * time.Second
	// DefaultMaxHandshakes bounds accepted connections in their handshake.
	DefaultMaxHandshakes = 32
	// abusePeriod: one log line per kind of abuse and period.
	abusePeriod = 5 * time.Second
)

// Runtime drives one core/ha Node over TCP with a real clock. All methods
// are safe for concurrent use.
type Runtime struct {
	cfg     Config
	drv     *Driver
	node    *ha.Node // drv's
	in      chan func()
	commits chan *commitReq // client transactions, committed in groups
	stop    chan struct{}
	done    chan struct{}
	wg      sync.WaitGroup
	events  chan ha.Event
	evMu    sync.Mutex
	evQ     []ha.Event
	evCond  *sync.Cond

	// Owned by the loop goroutine:
	conns    map[uint64]*conn
	staged   map[uint64]*store.Staged // drv's
	ln       net.Listener
	nextConn uint64

	addrMu sync.Mutex
	addr   string // bound listen address while listening
	closed sync.Once
	abused *lograte.Limiter
}

// ErrClosed is returned by calls on a closed Runtime.
var ErrClosed = errors.New("hanet: runtime closed")

// Start validates cfg and starts the runtime in role none.
func Start(cfg Config) (*Runtime, error) {
	if cfg.Store == nil {
		return nil, errors.New("hanet: Config.Store is nil")
	}
	if cfg.ListenAddr == "" {
		return nil, errors.New("hanet: Config.ListenAddr is empty")
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if cfg.MaxHandshakes <= 0 {
		cfg.MaxHandshakes = DefaultMaxHandshakes
	}
	dead := 3
	if cfg.TickTimeout <= 0 {
		dead = -1
	}
	abused := lograte.New(abusePeriod)
	r := &Runtime{
		cfg: cfg, in: make(chan func(), 1024), commits: make(chan *commitReq, 1024),
		stop: make(chan struct{}), done: make(chan struct{}),
		events: make(chan ha.Event), conns: map[uint64]*conn{}, abused: abused,
	}
	drv, err := NewDriver(DriverConfig{
		Node: ha.Config{Name: cfg.Name, Key: cfg.Key, Token: []byte(cfg.Token), SchemaID: cfg.SchemaID, Mode: cfg.Mode,
			DeadTicks: dead, Entropy: rand.Reader, Logf: cfg.Logf, Auto: cfg.Auto, Epoch: cfg.Epoch, History: cfg.History,
			Abuse: func(kind, format string, args ...any) { abuseLog(abused, cfg.Logf, "ha "+kind, format, args...) }},
		Store: cfg.Store, Gate: cfg.Gate, Clock: cfg.Clock, Retry: cfg.Retry, Report: cfg.Report, Logf: cfg.Logf,
		Events: r.queueEvents,
	}, (*tcpTransport)(r))
	if err != nil {
		return nil, err
	}
	r.drv, r.node, r.staged = drv, drv.node, drv.staged
	r.evCond = sync.NewCond(&r.evMu)
	go r.loop()
	go r.forwardEvents()
	return r, nil
}

// forwardEvents hands queued events to the Events channel in order; the
// queue is unbounded so the loop never waits for the consumer and no event
// is ever dropped.
func (r *Runtime) forwardEvents() {
	for {
		r.evMu.Lock()
		for len(r.evQ) == 0 {
			select {
			case <-r.done:
				r.evMu.Unlock()
				return
			default:
			}
			r.evCond.Wait()
		}
		e := r.evQ[0]
		r.evQ = r.evQ[1:]
		r.evMu.Unlock()
		select {
		case r.events <- e:
		case <-r.done:
			return
		}
	}
}

// queueEvents appends events for forwardEvents.
func (r *Runtime) queueEvents(evs []ha.Event) {
	r.evMu.Lock()
	r.evQ = append(r.evQ, evs...)
	r.evCond.Signal()
	r.evMu.Unlock()
}

// writeStall is how long a write to a peer may make no progress (0: forever).
func (r *Runtime) writeStall() time.Duration {
	if r.cfg.WriteStall > 0 {
		return r.cfg.WriteStall
	}
	return 3 * max(r.cfg.TickTimeout, 0)
}

func (r *Runtime) logf(format string, args ...any) {
	if r.cfg.Logf != nil {
		r.cfg.Logf(format, args...)
	}
}

// abuse logs a line about bad input of some kind, at most one per kind
// every abusePeriod, so a flood cannot flood the log.
func (r *Runtime) abuse(kind, format string, args ...any) {
	abuseLog(r.abused, r.cfg.Logf, kind, format, args...)
}

func abuseLog(lim *lograte.Limiter, logf func(string, ...any), kind, format string, args ...any) {
	if ok, n := lim.Allow(kind); ok && logf != nil {
		if n > 0 {
			format += fmt.Sprintf(" (%d more like it suppressed)", n)
		}
		logf(format, args...)
	}
}

func (r *Runtime) handshakeTimeout() time.Duration { return r.cfg.HandshakeTimeout }

// Events delivers every HA notification, in order. Events are queued
// without bound until read, so the consumer should keep reading.
func (r *Runtime) Events() <-chan ha.Event { return r.events }

// Addr returns the address the HA listener is bound to ("" when not listening).
func (r *Runtime) Addr() string {
	r.addrMu.Lock()
	defer r.addrMu.Unlock()
	return r.addr
}

// Close stops the runtime: it closes the listener and every connection
// (peers see the connection close), fails waiting calls with ErrClosed, and
// returns when all its goroutines have ended. The store stays open.
func (r *Runtime) Close() error {
	r.closed.Do(func() {
		close(r.stop)
		<-r.done
		r.wg.Wait()
	})
	return nil
}

// post runs fn on the loop goroutine (dropped once the runtime stopped).
func (r *Runtime) post(fn func()) {
	select {
	case r.in <- fn:
	case <-r.stop:
	}
}

// call runs fn on the loop and waits for it.
func (r *Runtime) call(fn func()) error {
	ch := make(chan struct{})
	select {
	case r.in <- func() { fn(); close(ch) }:
	case <-r.stop:
		return ErrClosed
	}
	select {
	case <-ch:
		return nil
	case <-r.done:
		return ErrClosed
	}
}

func (r *Runtime) loop() {
	defer func() {
		close(r.done)
		r.evMu.Lock()
		r.evCond.Broadcast()
		r.evMu.Unlock()
	}()
	var tick <-chan time.Time
	if r.cfg.TickTimeout > 0 {
		t := time.NewTicker(r.cfg.TickTimeout)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case fn := <-r.in:
			fn()
			// Step what else is already waiting (received commits above
			// all) before handling Ready, so that they are persisted
			// together: one fsync for all (group commit on a secondary).
			for range maxGroup - 1 {
				select {
				case fn := <-r.in:
					fn()
					continue
				default:
				}
				break
			}
		case req := <-r.commits:
			reqs := []*commitReq{req}
			for len(reqs) < maxGroup {
				select {
				case req := <-r.commits:
					reqs = append(reqs, req)
					continue
				default:
				}
				break
			}
			r.commitGroup(reqs)
		case <-tick:
			r.drv.Tick()
		case <-r.stop:
			r.shutdown()
			return
		}
		r.handleReady()
	}
}

func (r *Runtime) shutdown() {
	r.stopListening()
	for _, c := range r.conns {
		c.nc.Close()
		c.enqueue(outItem{close: true})
	}
	r.drv.Close(ErrClosed)
}

func (r *Runtime) step(m ha.Message) { r.drv.Step(m) }

// handleReady carries out the node's Ready batches (Driver.HandleReady).
func (r *Runtime) handleReady() { r.drv.HandleReady() }

// commitReq is a client transaction waiting in Runtime.commits.
type commitReq struct {
	ops  []store.Op
	done chan struct{} // closed once txid and err are set
	txid uint64
	err  error
	ack  chan error // the acknowledgement (buffered)
}

// maxGroup bounds the transactions committed together and the messages
// stepped before one Ready is handled.
const maxGroup = 64

// commitGroup commits client transactions waiting together
// (Driver.Commit).
func (r *Runtime) commitGroup(reqs []*commitReq) {
	creqs := make([]*CommitReq, len(reqs))
	for i, req := range reqs {
		ack := req.ack
		creqs[i] = &CommitReq{Ops: req.ops, Ack: func(err error) { ack <- err }}
	}
	r.drv.Commit(creqs)
	for i, req := range reqs {
		req.txid, req.err = creqs[i].Txid, creqs[i].Err
		close(req.done)
	}
}

// installKeys makes connection k.Conn seal what it sends from now on
// (queued, so frames already queued stay plain) and require sealed frames
// from now on.
func (r *Runtime) installKeys(k ha.ConnKeys) {
	c := r.conns[k.Conn]
	if c == nil {
		return
	}
	if k.Recv != nil {
		c.hr.SetKey(k.Recv)
	}
	if k.Send != nil && !c.enqueue(outItem{key: append([]byte{}, k.Send...)}) {
		r.dropConn(c, errQueueFull.Error())
	}
}

// tcpTransport is the Runtime as the Driver's Transport.
type tcpTransport Runtime

func (t *tcpTransport) Dial(d ha.Dial) { (*Runtime)(t).dial(d) }

// InstallKeys seals connection k.Conn (Runtime.installKeys).
func (t *tcpTransport) InstallKeys(k ha.ConnKeys) { (*Runtime)(t).installKeys(k) }

func (t *tcpTransport) Send(m ha.Message) error {
	r := (*Runtime)(t)
	c := r.conns[m.Conn]
	if c == nil {
		return nil // closed meanwhile
	}
	body, err := wire.EncodeHAMsg(&m)
	if err == nil {
		ok := c.enqueue(outItem{body: body})
		if ok && m.Type == ha.MsgSnapshot {
			ok = c.enqueue(outItem{snapshot: true}) // the stream follows its header message
		}
		if !ok {
			err = errQueueFull
		}
	}
	if err != nil {
		delete(r.conns, c.id)
		c.shutdown(0)
	}
	return err
}

func (t *tcpTransport) Close(id uint64) {
	r := (*Runtime)(t)
	if c := r.conns[id]; c != nil {
		delete(r.conns, id)
		c.shutdown(2 * time.Second)
	}
}

func (t *tcpTransport) Listen() error  { return (*Runtime)(t).listen() }
func (t *tcpTransport) StopListening() { (*Runtime)(t).stopListening() }

// dropConn closes c and tells the node, as if the peer had closed it.
func (r *Runtime) dropConn(c *conn, reason string) { r.dropConnCode(c, 0, reason) }

// dropConnCode is dropConn with the HA code to report (0: the node's
// choice).
func (r *Runtime) dropConnCode(c *conn, code ha.Code, reason string) {
	if r.conns[c.id] == nil {
		return
	}
	delete(r.conns, c.id)
	delete(r.staged, c.id)
	c.shutdown(0)
	r.step(ha.Message{Type: ha.MsgClosed, Conn: c.id, Code: code, Reason: reason})
}

// connClosed runs on the loop when a connection's reader ends.
func (r *Runtime) connClosed(c *conn, code ha.Code, reason string) {
	if r.conns[c.id] != c {
		return // we closed it ourselves
	}
	r.dropConnCode(c, code, reason)
}

func (r *Runtime) dial(d ha.Dial) {
	timeout := r.cfg.DialTimeout
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		nc, code, err := r.connect(d, timeout)
		r.post(func() {
			if err != nil {
				r.step(ha.Message{Type: ha.MsgClosed, Conn: d.Conn, Code: code, Reason: err.Error()})
				return
			}
			select {
			case <-r.stop:
				nc.Close()
				return
			default:
			}
			r.conns[d.Conn] = newConn(r, d.Conn, nc, time.Time{})
			r.step(ha.Message{Type: ha.MsgConnected, Conn: d.Conn})
		})
		if err == nil {
			select {
			case <-r.stop:
				nc.Close() // the posted func may never run
			default:
			}
		}
	}()
}

// connect dials the primary, and with TLS does the handshake: a
// certificate that does not verify is CONFD_ERR_HA_BADTOKEN (the remote
// node has bad credentials), any other failure CONFD_ERR_HA_CONNECT.
func (r *Runtime) connect(d ha.Dial, timeout time.Duration) (net.Conn, ha.Code, error) {
	nc, err := net.DialTimeout("tcp", d.Addr, timeout)
	if err != nil || r.cfg.TLS == nil {
		return nc, ha.CodeHAConnect, err
	}
	tc := tls.Client(nc, clientTLS(r.cfg.TLS, d))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		nc.Close()
		code := ha.CodeHAConnect
		if badCertificate(err) {
			code = ha.CodeHABadToken
		}
		r.logf("hanet: TLS handshake with primary %s at %s failed: %v", d.Name, d.Addr, err)
		return nil, code, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, 0, nil
}

func (r *Runtime) listen() error {
	if r.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", r.cfg.ListenAddr)
	if err != nil {
		return ha.Errf(ha.CodeHABind, "listen on %s: %v", r.cfg.ListenAddr, err)
	}
	r.ln = ln
	r.addrMu.Lock()
	r.addr = ln.Addr().String()
	r.addrMu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			at := time.Now()
			r.post(func() { r.accept(ln, nc, at) })
		}
	}()
	return nil
}

// accept starts serving an accepted connection: before anything is read
// from it, the number of connections still in their handshake is checked,
// and the oldest is closed to make room (a peer that opens many cannot
// lock a real secondary out: each must finish within HandshakeTimeout,
// and new ones keep displacing the oldest).
func (r *Runtime) accept(ln net.Listener, nc net.Conn, at time.Time) {
	if r.ln != ln {
		nc.Close()
		return
	}
	var oldest *conn
	pending := 0
	for _, c := range r.conns {
		if !c.accepted.IsZero() && !c.authed {
			pending++
			if oldest == nil || c.accepted.Before(oldest.accepted) {
				oldest = c
			}
		}
	}
	if pending >= r.cfg.MaxHandshakes && oldest != nil {
		r.abuse("handshakes", "hanet: %d connections are in their handshake; closing the oldest, from %s",
			pending, oldest.nc.RemoteAddr())
		r.dropConn(oldest, "too many connections in their handshake")
	}
	if r.cfg.TLS != nil {
		nc = tls.Server(nc, r.cfg.TLS)
	}
	r.nextConn++
	c := newConn(r, r.nextConn, nc, at)
	r.conns[c.id] = c
	r.step(ha.Message{Type: ha.MsgAccepted, Conn: c.id, Addr: nc.RemoteAddr().String()})
}

func (r *Runtime) stopListening() {
	if r.ln != nil {
		r.ln.Close()
		r.ln = nil
		r.addrMu.Lock()
		r.addr = ""
		r.addrMu.Unlock()
	}
}

// BePrimary makes the node primary (confd_ha_beprimary) with HA id myName
// (any id, as ConfD takes: it need not be the config name); a listener
// that cannot bind gives CONFD_ERR_HA_BIND.
func (r *Runtime) BePrimary(myName string) error {
	var err error
	if e := r.call(func() {
		if err = r.node.SetName(myName); err != nil {
			return
		}
		if err = r.listen(); err == nil {
			err = r.node.BePrimary()
		}
	}); e != nil {
		return e
	}
	return err
}

// BeRelay makes a secondary serve sub-secondaries (confd_ha_berelay):
// CONFD_ERR_BADSTATE if not a secondary, CONFD_ERR_HA_BIND if the
// listener cannot bind.
func (r *Runtime) BeRelay() error {
	var err error
	if e := r.call(func() {
		if r.node.Role() != ha.RoleSecondary { // relay: no-op; others: BADSTATE
			err = r.node.BeRelay()
			return
		}
		if err = r.listen(); err == nil {
			err = r.node.BeRelay()
		}
	}); e != nil {
		return e
	}
	return err
}

// SetToken replaces the token for future handshakes (a new HA control
// connection with its token replaces the previous one).
func (r *Runtime) SetToken(token string) error {
	var err error
	if e := r.call(func() { err = r.node.SetToken([]byte(token)) }); e != nil {
		return e
	}
	return err
}

// BeNone leaves HA (confd_ha_benone).
func (r *Runtime) BeNone() error {
	var err error
	if e := r.call(func() { err = r.node.BeNone() }); e != nil {
		return e
	}
	return err
}

// SecondaryDead drops the named secondary (confd_ha_secondary_dead).
func (r *Runtime) SecondaryDead(name string) error {
	var err error
	if e := r.call(func() { err = r.node.SecondaryDead(name) }); e != nil {
		return e
	}
	return err
}

// BeSecondary makes the node, with HA id myName (any id), a secondary of
// primaryName at primaryAddr (host:port; see ResolvePrimaryAddr)
// (confd_ha_besecondary). With wait it
// returns when the initial sync is done, or the *ha.Error that stopped it
// (HA_CONNECT, HA_CLOSED, HA_BADNAME, HA_BADTOKEN, HA_BADFXS, HA_BADVSN);
// without, it returns at once and the outcome arrives as a
// BESECONDARY_RESULT event.
func (r *Runtime) BeSecondary(myName, primaryName, primaryAddr string, wait bool) error {
	var err error
	var ch chan ha.Code
	if e := r.call(func() {
		if err = r.node.SetName(myName); err != nil {
			return
		}
		var seq uint64
		seq, err = r.node.BeSecondary(primaryName, primaryAddr, wait)
		if err == nil && wait {
			ch = make(chan ha.Code, 1)
			r.drv.WaitResult(seq, func(code ha.Code) { ch <- code })
		}
	}); e != nil {
		return e
	}
	if err != nil || ch == nil {
		return err
	}
	switch code := <-ch; code {
	case 0:
		return nil
	case -1:
		return ErrClosed
	default:
		return ha.Errf(code, "besecondary %s at %s", primaryName, primaryAddr)
	}
}

// Writable reports whether a commit would be admitted now (nil), or the
// error it would fail with (auto mode's gate, role and min_sync checks).
func (r *Runtime) Writable() error {
	var err error
	if e := r.call(func() { err = r.drv.admit() }); e != nil {
		return e
	}
	return err
}

// Apply hands auto mode's desired state to the runtime's loop
// (Driver.Apply); it does not wait.
func (r *Runtime) Apply(d Desired) { r.post(func() { r.drv.Apply(d) }) }

// Status reports the HA state (confd_ha_get_status).
func (r *Runtime) Status() ha.Status {
	var st ha.Status
	if r.call(func() { st = r.node.Status() }) != nil {
		return ha.Status{Role: ha.RoleNone}
	}
	return st
}

// Get reads a value from the local store (works in every role).
func (r *Runtime) Get(path string) (store.Value, error) { return r.cfg.Store.Get(path) }

// Walk reads the entries under prefix from one consistent snapshot.
func (r *Runtime) Walk(prefix string, fn func(string, store.Value) error) error {
	return r.cfg.Store.Walk(prefix, fn)
}

// Dump writes "path type value" lines for every entry (gohactl cdb dump).
func (r *Runtime) Dump(w io.Writer) error { return r.cfg.Store.DumpText(w) }

// Set writes one value; see Batch.
func (r *Runtime) Set(path string, v store.Value) (uint64, error) {
	return r.Batch([]store.Op{store.SetOp(path, v)})
}

// Delete removes one path; see Batch.
func (r *Runtime) Delete(path string) (uint64, error) {
	return r.Batch([]store.Op{store.DeleteOp(path)})
}

// Batch commits ops as one transaction and returns its txid once it is
// acknowledged: at once in role none or async mode, after every in-sync
// secondary persisted it in sync mode. On a secondary or relay it fails
// with store.ErrReadOnly. If the node stops being primary first, the error
// is ha.ErrHAAbort (the commit stays in the local store).
func (r *Runtime) Batch(ops []store.Op) (uint64, error) {
	return r.BatchContext(context.Background(), ops)
}

// BatchContext is Batch with a bound on the wait for the acknowledgement:
// if ctx ends first it returns ctx.Err() together with the txid; the commit
// is then in the local store and may still be acknowledged or aborted.
func (r *Runtime) BatchContext(ctx context.Context, ops []store.Op) (uint64, error) {
	size := 0
	for _, op := range ops {
		size += len(op.Path) + op.Value.Size() + 16
	}
	if size > MaxFrame-1024 {
		return 0, fmt.Errorf("%w: transaction of %d bytes exceeds the replication limit", store.ErrBadValue, size)
	}
	// Transactions that arrive while the loop is busy (an fsync) are
	// committed together by the next loop iteration (commitGroup).
	req := &commitReq{ops: ops, done: make(chan struct{}), ack: make(chan error, 1)}
	select {
	case r.commits <- req:
	case <-r.stop:
		return 0, ErrClosed
	}
	select {
	case <-req.done:
	case <-r.done:
		return 0, ErrClosed
	}
	if req.err != nil {
		return req.txid, req.err
	}
	select {
	case err := <-req.ack:
		return req.txid, err
	case <-ctx.Done():
		return req.txid, ctx.Err()
	}
}

// ResolvePrimaryAddr implements the contract of confd_ha_besecondary: the
// primary's HA address is the ha_addr of the config entry named
// primaryName (haAddrs maps config names to ha_addr). A primary id that is
// no config name (ConfD takes any id) is reached at givenHost, the address
// the caller gave, with the HA port of the config entry whose ha_addr has
// that host if exactly one has, else with the local node's HA port (from
// localHAAddr).
func ResolvePrimaryAddr(haAddrs map[string]string, primaryName, givenHost, localHAAddr string) (string, error) {
	if a, ok := haAddrs[primaryName]; ok && a != "" {
		return a, nil
	}
	_, port, err := net.SplitHostPort(localHAAddr)
	if err != nil {
		return "", fmt.Errorf("hanet: local ha_addr %q: %w", localHAAddr, err)
	}
	if _, err := strconv.Atoi(port); err != nil || givenHost == "" {
		return "", fmt.Errorf("hanet: cannot resolve the HA address of %q (no config entry of that name, no address given)", primaryName)
	}
	match, n := "", 0
	for _, a := range haAddrs {
		if h, p, err := net.SplitHostPort(a); err == nil && sameHost(h, givenHost) {
			match, n = p, n+1
		}
	}
	if n == 1 { // several nodes at that address: their ports do not tell
		port = match
	}
	return net.JoinHostPort(givenHost, port), nil
}

// sameHost compares two hosts as IP addresses when both are, else as text.
func sameHost(a, b string) bool {
	ia, ea := netip.ParseAddr(a)
	ib, eb := netip.ParseAddr(b)
	if ea == nil && eb == nil {
		return ia.Unmap() == ib.Unmap()
	}
	return strings.EqualFold(a, b)
}
