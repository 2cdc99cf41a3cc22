package node

// HA and the config store inside gohad: one hanet.Runtime on the config
// store kept in the node's bbolt file, served over the control endpoint
// (wire.OpHA*, wire.OpCDB*).
//
// Connections. A client (confd_ha_connect) makes its control connection the
// HA control connection with OpHAConnect and the token; a newer one closes
// the previous connection and replaces the token (ConfD keeps one HA socket
// per daemon). Role commands are accepted only on the current HA control
// connection; OpHAStatus and the config store ops on any connection.
//
// Threading. Handlers run on the node loop and must not block it, so every
// operation runs on its own goroutine and replies from there (a waiting
// besecondary or a sync-mode commit may take seconds). A client issues one
// request at a time per connection, so its requests keep their order.
//
// Notifications. A goroutine takes each ha.Event from the runtime and
// queues it, as wire.EvHA, on every subscribed connection. If some of them
// subscribed with Sync (CONFD_NOTIF_HA_INFO_SYNC), the next event is
// delivered to nobody until each of those acknowledged this one
// (OpHASyncAck) or went away; one that does not acknowledge within
// SyncAckTimeout is disconnected, so a hung subscriber cannot stop HA
// notifications for good. Role commands are not held back by a pending
// acknowledgement: a framework that issues a command before acknowledging
// would otherwise deadlock against itself.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/ha/hanet"
	"github.com/goha/goha/core/internal/lograte"
	"github.com/goha/goha/core/node/engine"
	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/wire"
)

// SchemaID identifies goha's config store data model to HA peers: nodes
// with different ids refuse each other (CONFD_ERR_HA_BADFXS).
const SchemaID = "goha.cdb/1"

// SyncAckTimeout bounds how long an HA_INFO_SYNC subscriber may take to
// acknowledge an HA notification before it is disconnected (ConfD closes a
// notification socket whose reader stalls for 15 s).
const SyncAckTimeout = 15 * time.Second

// haEventEchoes are the HA runtime's log lines that repeat a notification.
var haEventEchoes = []string{"arrived", "initialized from primary", "role %s -> %s"}

// haRetryLines are the HA runtime's lines about an attempt to reach a
// primary: auto mode retries every tick while the primary it follows is
// unreachable (until the next view), which would log two lines per tick.
var haRetryLines = []string{"connecting to primary", "besecondary %s failed"}

// haRetryLogPeriod: a retry line of the same text is logged at most once
// per period, with the number left out since.
const haRetryLogPeriod = 5 * time.Second

// haLogf is the HA runtime's Logf: its lines at info level, except that
// lines repeating a notification (logged by logEvent) are at debug level
// and repeated retry lines are rate-limited by lim.
func haLogf(log *slog.Logger, lim *lograte.Limiter) func(format string, args ...any) {
	return func(format string, args ...any) {
		level := slog.LevelInfo
		for _, p := range haEventEchoes {
			if strings.Contains(format, p) {
				level = slog.LevelDebug
			}
		}
		msg := fmt.Sprintf(format, args...)
		for _, p := range haRetryLines {
			if strings.Contains(format, p) {
				ok, n := lim.Allow(msg)
				if !ok {
					return
				}
				if n > 0 {
					log.Log(context.Background(), level, msg, "suppressed", n)
					return
				}
			}
		}
		log.Log(context.Background(), level, msg)
	}
}

// logEvent logs one HA notification as one line with its data as fields.
func (h *haService) logEvent(ev ha.Event) {
	args := []any{"event", ev.Type.String()}
	switch ev.Type {
	case ha.EventSecondaryDied, ha.EventSecondaryArrived:
		args = append(args, "secondary", ev.Node.Name, "addr", ev.Node.Addr)
	case ha.EventSecondaryInitialized:
		args = append(args, "by_copy", ev.ByCopy)
	case ha.EventNoPrimary, ha.EventBeSecondaryResult:
		args = append(args, "code", ev.Code)
	}
	if ev.Type == ha.EventNoPrimary || ev.Type == ha.EventSecondaryDied || (ev.Type == ha.EventBeSecondaryResult && ev.Code != 0) {
		h.n.log.Warn("HA event", args...)
		return
	}
	h.n.log.Info("HA event", args...)
}

// MaxDumpBytes bounds the entries one OpCDBDump reply carries.
const MaxDumpBytes = wire.MaxFrame - 64<<10

// haService is the HA subsystem of a node.
type haService struct {
	n       *Node
	st      *store.Store
	rt      *hanet.Runtime
	haAddrs map[string]string
	localHA string
	stop    chan struct{}
	wg      sync.WaitGroup
	once    sync.Once

	mu      sync.Mutex
	cdb     *cdbService       // change subscriptions
	ctl     *ctlConn          // current HA control connection
	subs    map[*ctlConn]bool // notification subscribers -> sync
	pending map[*ctlConn]bool // sync subscribers owing an ack for the current event
	acked   chan struct{}     // closed when pending empties
}

// startHA opens the config store in the node's bbolt file and starts the
// HA runtime in role none.
func startHA(n *Node) (*haService, error) {
	lostStore := false
	if _, err := os.Stat(store.BesidePath(n.db.Path())); errors.Is(err, fs.ErrNotExist) && n.cfg.Auto() && n.mem.DataEpoch() > 0 {
		// The node's state says its store belongs to an epoch, but the
		// store file is gone (removed on its own): it holds nothing and
		// must not be elected as if it did; it resyncs from the primary.
		n.log.Warn("the config store file is missing but the node state says it holds data: this node holds no data and resyncs from the primary",
			"file", store.BesidePath(n.db.Path()), "epoch", n.mem.DataEpoch())
		n.mem.SetData(0, 0)
		lostStore = true
	}
	st, err := store.Open(n.db)
	if err != nil {
		return nil, fmt.Errorf("%w %s: config store: %v", ErrDataDir, n.opts.DataDir, err)
	}
	cfg, err := hanet.FromConfig(n.cfg, n.self.Name, st, SchemaID)
	if err != nil {
		return nil, err
	}
	cfg.Logf = haLogf(n.log.With("sub", "ha"), lograte.New(haRetryLogPeriod))
	if n.cfg.Auto() {
		if lostStore {
			err = (*nodeDisk)(n).SaveHistory(nil)
		} else {
			cfg.History, err = loadHistory(n)
		}
		if err != nil {
			st.Close()
			return nil, fmt.Errorf("%w %s: epoch history: %v", ErrDataDir, n.opts.DataDir, err)
		}
		cfg.Auto, cfg.Epoch, cfg.Gate, cfg.Clock, cfg.Report = true, n.mem.DataEpoch(), n.gate, engine.BootClock{}, n.haReport
		// A secondary whose primary is not listening yet (both learn the
		// new roles at about the same time) dials again a tick later: a
		// refused dial costs little, and the new primary is writable only
		// once a secondary is in sync.
		cfg.Retry = n.tick
	}
	rt, err := hanet.Start(cfg)
	if err != nil {
		return nil, err
	}
	if n.cfg.Auto() {
		n.eng.Attach(rt, st.Txid)
	} else {
		n.eng.Attach(nil, st.Txid)
	}
	h := &haService{
		n: n, st: st, rt: rt, haAddrs: hanet.HAAddrs(n.cfg), localHA: n.self.HAAddr,
		stop: make(chan struct{}), subs: map[*ctlConn]bool{},
	}
	if h.cdb, err = startCDB(n, st); err != nil {
		rt.Close()
		return nil, err
	}
	h.wg.Add(1)
	go h.forward()
	return h, nil
}

// close stops the runtime (dropping HA peers) and the store; idempotent.
func (h *haService) close() {
	h.once.Do(func() {
		close(h.stop)
		h.cdb.close()
		h.rt.Close()
		h.wg.Wait()
		h.st.Close()
	})
}

// async decodes body into arg and runs fn on its own goroutine, replying
// with its result.
func async[A any](h *haService, body []byte, reply func(any, error), fn func(a *A) (any, error)) {
	a := new(A)
	if err := wire.DecodeBody(body, a); err != nil {
		reply(nil, &OpError{Code: wire.CodeBadRequest, Msg: "bad arguments: " + err.Error()})
		return
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		res, err := fn(a)
		reply(res, err)
	}()
}

// control runs a role command from the HA control connection c.
func (h *haService) control(c *ctlConn, body []byte, reply func(any, error), fn func() error) {
	if h.n.cfg.Auto() {
		reply(nil, autoModeErr("HA role command"))
		return
	}
	h.mu.Lock()
	ok := h.ctl == c
	h.mu.Unlock()
	if !ok {
		reply(nil, codeErr(wire.CodeUsage, errors.New("not the HA control connection (confd_ha_connect it first)")))
		return
	}
	async(h, body, reply, func(*struct{}) (any, error) { return nil, fn() })
}

func (h *haService) opConnect(c *ctlConn, body []byte, reply func(any, error)) {
	var a wire.HAConnectArg
	if err := wire.DecodeBody(body, &a); err != nil {
		reply(nil, &OpError{Code: wire.CodeBadRequest, Msg: "bad arguments: " + err.Error()})
		return
	}
	// An empty token is none, as with no [ha] token: the cluster key
	// alone keys the handshake (the C API still refuses "", as ConfD's).
	h.mu.Lock()
	old := h.ctl
	h.ctl = c
	h.mu.Unlock()
	if old != nil && old != c {
		old.shutdown("replaced by a new HA control connection")
	}
	async(h, nil, reply, func(*struct{}) (any, error) { return nil, h.rt.SetToken(a.Token) })
}

func (h *haService) opBePrimary(c *ctlConn, body []byte, reply func(any, error)) {
	var a wire.HANameArg
	if err := wire.DecodeBody(body, &a); err != nil {
		reply(nil, &OpError{Code: wire.CodeBadRequest, Msg: "bad arguments: " + err.Error()})
		return
	}
	h.control(c, nil, reply, func() error { return h.rt.BePrimary(a.Name) })
}

func (h *haService) opBeSecondary(c *ctlConn, body []byte, reply func(any, error)) {
	var a wire.HABeSecondaryArg
	if err := wire.DecodeBody(body, &a); err != nil {
		reply(nil, &OpError{Code: wire.CodeBadRequest, Msg: "bad arguments: " + err.Error()})
		return
	}
	h.control(c, nil, reply, func() error {
		addr, err := hanet.ResolvePrimaryAddr(h.haAddrs, a.Primary, a.Host, h.localHA)
		if err != nil {
			return ha.Errf(ha.CodeHAConnect, "%v", err)
		}
		return h.rt.BeSecondary(a.Name, a.Primary, addr, a.Wait)
	})
}

func (h *haService) opBeRelay(c *ctlConn, body []byte, reply func(any, error)) {
	h.control(c, body, reply, h.rt.BeRelay)
}

func (h *haService) opBeNone(c *ctlConn, body []byte, reply func(any, error)) {
	h.control(c, body, reply, h.rt.BeNone)
}

func (h *haService) opSecondaryDead(c *ctlConn, body []byte, reply func(any, error)) {
	var a wire.HANameArg
	if err := wire.DecodeBody(body, &a); err != nil {
		reply(nil, &OpError{Code: wire.CodeBadRequest, Msg: "bad arguments: " + err.Error()})
		return
	}
	h.control(c, nil, reply, func() error { return h.rt.SecondaryDead(a.Name) })
}

func (h *haService) opStatus(_ *ctlConn, body []byte, reply func(any, error)) {
	async(h, body, reply, func(*struct{}) (any, error) { return h.status(), nil })
}

// status reports the runtime's Status in wire form.
func (h *haService) status() *wire.HAStatus {
	st := h.rt.Status()
	ws := &wire.HAStatus{Name: st.Name, State: int(st.Role), Initialized: st.Initialized, Txid: st.Txid,
		Mode: h.n.cfg.HA.Replication, ListenAddr: h.rt.Addr(), Nodes: []wire.HANode{}}
	for _, nd := range st.Nodes {
		ws.Nodes = append(ws.Nodes, wire.HANode{Name: nd.Name, Addr: nd.Addr})
	}
	if h.n.cfg.Auto() {
		ws.Auto = h.n.autoStatus(&st)
	}
	for _, p := range st.Peers {
		wp := wire.HAPeer{Name: p.Name, Addr: p.Addr, InSync: p.InSync, Acked: p.Acked}
		if ws.Auto != nil {
			wp.Required = slices.Contains(st.Required, p.Name)
			wp.Published = slices.Contains(ws.Auto.Sync, p.Name)
		}
		ws.Peers = append(ws.Peers, wp)
	}
	return ws
}

// opNotify subscribes c to HA notifications.
func (h *haService) opNotify(c *ctlConn, body []byte, reply func(any, error)) {
	var a wire.HANotifyArg
	if err := wire.DecodeBody(body, &a); err != nil {
		reply(nil, &OpError{Code: wire.CodeBadRequest, Msg: "bad arguments: " + err.Error()})
		return
	}
	// The reply is queued under h.mu, as the forwarder queues events, so
	// that no event precedes it on the connection.
	h.mu.Lock()
	_, had := h.subs[c]
	h.subs[c] = a.Sync
	if !a.Sync {
		h.ackedLocked(c) // no longer owes acknowledgements
	}
	reply(nil, nil)
	h.mu.Unlock()
	if !had {
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			select {
			case <-c.closedCh():
				h.unsubscribe(c)
			case <-h.stop:
			}
		}()
	}
}

// unsubscribe forgets c (closed): it owes no acknowledgement any more.
func (h *haService) unsubscribe(c *ctlConn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, c)
	h.ackedLocked(c)
}

// ackedLocked removes c from the pending acknowledgements; h.mu held.
func (h *haService) ackedLocked(c *ctlConn) bool {
	if !h.pending[c] {
		return false
	}
	delete(h.pending, c)
	if len(h.pending) == 0 && h.acked != nil {
		close(h.acked)
		h.acked = nil
	}
	return true
}

func (h *haService) opSyncAck(c *ctlConn, _ []byte, reply func(any, error)) {
	// Reply under h.mu: the next event, which this ack may release, must
	// follow the reply on the connection.
	h.mu.Lock()
	defer h.mu.Unlock()
	sync, sub := h.subs[c]
	switch {
	case h.ackedLocked(c):
		reply(nil, nil)
	case !sub || !sync:
		reply(nil, codeErr(wire.CodeUsage, errors.New("not subscribed with CONFD_NOTIF_HA_INFO_SYNC")))
	default:
		reply(nil, codeErr(wire.CodeUsage, errors.New("no HA notification awaits acknowledgement")))
	}
}

// forward delivers the runtime's events to the subscribers, waiting for the
// sync subscribers' acknowledgements between events.
func (h *haService) forward() {
	defer h.wg.Done()
	for {
		select {
		case ev, ok := <-h.rt.Events():
			if !ok {
				return
			}
			h.deliver(ev)
		case <-h.stop:
			return
		}
	}
}

func (h *haService) deliver(ev ha.Event) {
	e := wire.HAEvent{Type: int(ev.Type)}
	switch ev.Type {
	case ha.EventNoPrimary, ha.EventBeSecondaryResult:
		if ev.Code != 0 {
			e.Value = int(codeOf(&ha.Error{Code: ev.Code}))
		}
	case ha.EventSecondaryDied, ha.EventSecondaryArrived:
		e.Node = wire.HANode{Name: ev.Node.Name, Addr: ev.Node.Addr}
	case ha.EventSecondaryInitialized:
		if ev.ByCopy {
			e.Value = 1
		}
	}
	h.logEvent(ev)
	if ev.Type == ha.EventSecondaryInitialized && !h.n.cfg.Auto() {
		// External mode: synced from a primary, so CMM-synchronised.
		select {
		case h.n.loopFns <- h.n.eng.SyncedFromPrimary:
		case <-h.stop:
		}
	}
	body, err := wire.EncodeBody(&e)
	if err != nil {
		h.n.log.Error("encode HA event", "err", err)
		return
	}
	h.mu.Lock()
	h.pending = map[*ctlConn]bool{}
	for c, sync := range h.subs {
		if c.isClosed() {
			delete(h.subs, c)
			continue
		}
		c.event(wire.EvHA, body)
		if sync {
			h.pending[c] = true
		}
	}
	if len(h.pending) == 0 {
		h.mu.Unlock()
		return
	}
	acked := make(chan struct{})
	h.acked = acked
	h.mu.Unlock()
	t := time.NewTimer(SyncAckTimeout)
	defer t.Stop()
	select {
	case <-acked:
	case <-h.stop:
	case <-t.C:
		h.mu.Lock()
		var late []*ctlConn
		for c := range h.pending {
			late = append(late, c)
		}
		h.pending, h.acked = nil, nil
		h.mu.Unlock()
		for _, c := range late {
			c.shutdown(fmt.Sprintf("no acknowledgement of an HA_INFO_SYNC notification within %v", SyncAckTimeout))
		}
	}
}

func (h *haService) opGet(_ *ctlConn, body []byte, reply func(any, error)) {
	async(h, body, reply, func(a *wire.CDBPathArg) (any, error) {
		v, err := h.rt.Get(a.Path)
		if err != nil {
			return nil, err
		}
		return &wire.CDBValue{Value: v.Encode(), Text: v.String()}, nil
	})
}

func (h *haService) opSet(_ *ctlConn, body []byte, reply func(any, error)) {
	async(h, body, reply, func(a *wire.CDBSetArg) (any, error) {
		v, err := store.DecodeValue(a.Value)
		if err != nil {
			return nil, err
		}
		txid, err := h.rt.Set(a.Path, v)
		if err != nil {
			return nil, err
		}
		h.cdb.wait(txid) // ConfD: a commit completes once its subscribers synced
		return &wire.CDBTxid{Txid: txid}, nil
	})
}

func (h *haService) opDelete(_ *ctlConn, body []byte, reply func(any, error)) {
	async(h, body, reply, func(a *wire.CDBPathArg) (any, error) {
		if err := store.ValidatePath(a.Path); err != nil {
			return nil, err
		}
		if _, err := h.rt.Get(a.Path); err != nil {
			return nil, err // ConfD: deleting what does not exist is CONFD_ERR_NOEXISTS
		}
		txid, err := h.rt.Delete(a.Path)
		if err != nil {
			return nil, err
		}
		h.cdb.wait(txid)
		return &wire.CDBTxid{Txid: txid}, nil
	})
}

// errDumpTooLarge stops a dump that would not fit one reply.
var errDumpTooLarge = errors.New("dump too large for one reply")

func (h *haService) opDump(_ *ctlConn, body []byte, reply func(any, error)) {
	async(h, body, reply, func(a *wire.CDBPathArg) (any, error) {
		if a.Path != "" && a.Path[0] != '/' {
			return nil, codeErr(wire.CodeBadPath, fmt.Errorf("prefix %q does not start with /", a.Path))
		}
		res := &wire.CDBEntries{Txid: h.st.Txid(), Entries: []wire.CDBEntry{}}
		size := 0
		err := h.rt.Walk(a.Path, func(p string, v store.Value) error {
			size += len(p) + v.Size() + 16
			if size > MaxDumpBytes {
				return errDumpTooLarge
			}
			res.Entries = append(res.Entries, wire.CDBEntry{Path: p, Value: v.Encode()})
			return nil
		})
		if errors.Is(err, errDumpTooLarge) {
			return nil, &OpError{Code: wire.CodeNotSupported, Msg: fmt.Sprintf("the entries under %q exceed %d bytes; dump a narrower prefix", a.Path, MaxDumpBytes)}
		}
		return res, err
	})
}
