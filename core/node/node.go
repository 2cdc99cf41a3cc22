package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync/atomic"
	"time"

	"github.com/vmihailenco/msgpack/v5"
	"go.etcd.io/bbolt"

	"github.com/goha/goha/core/config"
	"github.com/goha/goha/core/ha/hanet"
	"github.com/goha/goha/core/membership"
	"github.com/goha/goha/core/node/engine"
	"github.com/goha/goha/core/version"
	"github.com/goha/goha/core/wire"
)

// Tick bounds: the tick is a tenth of the heartbeat, at least MinTick.
const (
	MinTick = 5 * time.Millisecond
	// QDeviceTimeout is votequorum's default quorum-device poll timeout.
	QDeviceTimeout = 10 * time.Second
	// MaxCatchUpTicks caps the ticks replayed after a stall in one go.
	MaxCatchUpTicks = engine.MaxCatchUpTicks
	// persistKey is the bbolt key of membership.PersistentState.
	persistKey = "membership"
)

// Software is reported in hellos, status and cmm_member_t.software_load_id:
// "gohad VERSION" (core/version).
var Software = version.Line("gohad")

// Options say which node to run and where.
type Options struct {
	ConfigPath string       // cluster config file (TOML)
	NodeName   string       // the [[node]] name to run as
	DataDir    string       // holds StateFile; created if missing
	Logger     *slog.Logger // nil: slog.Default()
	// LogLevel, if set, is the level of Logger's handler: Reload sets it
	// from the config's [logging] level unless LogLevelFixed (the operator
	// chose the level on the command line).
	LogLevel      *slog.LevelVar
	LogLevelFixed bool
}

// ErrStopped is returned by calls that need the node loop after it ended.
var ErrStopped = errors.New("gohad is stopping")

// Node is a running gohad: one membership state machine driven by a real
// clock, a UDP socket, a bbolt file and a control server.
type Node struct {
	opts  Options
	cfg   *config.Config
	self  *config.Node
	log   *slog.Logger
	tick  time.Duration
	mcfg  membership.Config
	start time.Time

	db  *bbolt.DB
	eng *engine.Engine
	mem *membership.Node // eng's
	tr  *transport
	ctl *ctlServer
	cnt counters
	vq  *vqPage // nil if the host cannot make one (clients then ask)
	vqs vqState

	inq           *inbox            // messages from the reader
	readerStarted bool              // the transport's reader goroutine runs
	encBuf        []byte            // the loop's membership message encoding buffer
	haReports     chan hanet.Report // auto mode: the HA runtime's state
	loopFns       chan func()       // run on the loop (then a flush)
	gate          *hanet.Gate       // auto mode's write gate (nil otherwise)
	wd            *engine.Watchdog  // [fencing] watchdog (nil if none)
	reloads       chan reloadReq
	reloaders     []Reloader
	statusReqs    chan statusReq
	metricsAddr   string
	stopMetrics   func()
	done          chan struct{}
	joined        chan struct{} // closed at the first view that includes this node
	loopAt        atomic.Int64  // UnixNano of the loop's latest pass (Healthy)

	ha       *haService
	coro     *coroState
	lastView wire.ViewEvent
	// publishMembers: the node ids in id order, their CMM flags now and
	// as last published (without the role bits).
	memberIDs         []uint32
	sflags, lastFlags []uint32
	viewSince         time.Time
	bad               *rateLog
}

// TickFor returns the tick period for a heartbeat interval.
func TickFor(heartbeat time.Duration) time.Duration {
	return max(heartbeat/10, MinTick)
}

func ticksOf(d, tick time.Duration) int {
	return max(1, int((d+tick-1)/tick))
}

// MembershipConfig converts the cluster config for node self into the
// state machine's tick-based config.
func MembershipConfig(cfg *config.Config, self uint32, tick time.Duration) membership.Config {
	qs, _ := cfg.QuorumSettings()
	mc := membership.Config{
		Self:                membership.NodeID(self),
		HeartbeatTicks:      ticksOf(cfg.Timing.Heartbeat, tick),
		FailureTicks:        int(cfg.Timing.FailureTimeout / tick),
		MaxDelayTicks:       ticksOf(max(tick, 10*time.Millisecond), tick),
		Quorum:              qs,
		LMSWindowTicks:      ticksOf(cfg.Quorum.LastManStandingWindow, tick),
		QDeviceTimeoutTicks: ticksOf(QDeviceTimeout, tick),
	}
	for _, n := range cfg.Nodes {
		mc.Nodes = append(mc.Nodes, membership.NodeConfig{ID: membership.NodeID(n.ID), Name: n.Name, Votes: n.Votes, Eligible: n.Eligible})
	}
	return mc
}

// Start loads the config, opens the data directory, binds the membership
// port and the control endpoint, and restores the membership state. Any
// failure is returned as one readable error and nothing is left open.
func Start(opts Options) (_ *Node, err error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	cfg, err := config.Load(opts.ConfigPath)
	if err != nil {
		return nil, err
	}
	self, ok := cfg.NodeByName(opts.NodeName)
	if !ok {
		return nil, fmt.Errorf("config %s: %s (--node)", opts.ConfigPath, config.UnknownNode(cfg, opts.NodeName))
	}
	if opts.LogLevel != nil && !opts.LogLevelFixed && cfg.Logging.Level != "" {
		var lvl slog.Level
		lvl.UnmarshalText([]byte(cfg.Logging.Level)) // validated by config
		opts.LogLevel.Set(lvl)
	}
	tick := TickFor(cfg.Timing.Heartbeat)
	n := &Node{
		opts: opts, cfg: cfg, self: self, tick: tick, start: time.Now(),
		log:        log.With("node", self.Name),
		inq:        newInbox(),
		haReports:  make(chan hanet.Report, 1),
		loopFns:    make(chan func(), 16),
		reloads:    make(chan reloadReq),
		statusReqs: make(chan statusReq),
		done:       make(chan struct{}),
		joined:     make(chan struct{}),
	}
	n.bad = newRateLog(n.log, 5*time.Second)
	n.mcfg = MembershipConfig(cfg, self.ID, tick)

	var closers []func()
	defer func() {
		if err != nil {
			for i := len(closers) - 1; i >= 0; i-- {
				closers[i]()
			}
		}
	}()

	if n.db, err = OpenState(opts.DataDir); err != nil {
		return nil, err
	}
	closers = append(closers, func() { n.db.Close() })

	restored, err := n.restoreState()
	if err != nil {
		return nil, err
	}
	for _, nc := range cfg.Nodes {
		n.memberIDs = append(n.memberIDs, nc.ID)
	}
	slices.Sort(n.memberIDs)
	if err := startEngine(n, restored); err != nil {
		return nil, err
	}
	closers = append(closers, func() { n.wd.Stop() })

	closeUDP, err := n.openMembership()
	if err != nil {
		return nil, err
	}
	closers = append(closers, closeUDP)

	n.coro = newCoroState(n)
	if self.Witness {
		// A witness votes and keeps no config store: no HA runtime, no
		// store ops (CONFD_ERR_NOT_SUPPORTED); OpHAStatus says what it is.
		n.eng.Attach(nil, nil)
	} else {
		if n.ha, err = startHA(n); err != nil {
			return nil, err
		}
		closers = append(closers, n.ha.close)
	}

	if err := n.openControl(); err != nil {
		return nil, err
	}
	closers = append(closers, n.ctl.close) // closes the listener, removes the socket file
	if n.vq, err = newVQPage(); err != nil {
		n.log.Warn("no votequorum info page; clients will ask the daemon", "err", err)
		n.vq, err = nil, nil
	}
	closers = append(closers, func() {
		if n.vq != nil {
			n.vq.close()
		}
	})

	if cfg.Metrics.Listen != "" {
		if n.stopMetrics, err = n.startMetrics(cfg.Metrics.Listen); err != nil {
			return nil, err
		}
		closers = append(closers, n.stopMetrics)
	}

	// The first Ready carries the bumped incarnation: persist it before
	// anything is sent (the transport stamps datagrams with it).
	if err := n.flush(); err != nil {
		return nil, err
	}
	return n, nil
}

// restoreState reads the membership state persisted in the data
// directory (a zero state when there is none: a new or wiped directory).
func (n *Node) restoreState() (membership.PersistentState, error) {
	var restored membership.PersistentState
	dir := n.opts.DataDir
	b, err := loadKey(n.db, persistKey)
	switch {
	case err != nil:
		return restored, fmt.Errorf("%w %s: read state: %v", ErrDataDir, dir, err)
	case b == nil:
		return restored, nil
	}
	if err := wire.CheckMsgpack(b); err != nil {
		return restored, fmt.Errorf("%w %s: corrupt node state: %v", ErrDataDir, dir, err)
	}
	if err := msgpack.Unmarshal(b, &restored); err != nil {
		return restored, fmt.Errorf("%w %s: corrupt node state: %v", ErrDataDir, dir, err)
	}
	return restored, nil
}

// openMembership binds the membership port and sets up the transport to
// every configured node; the returned function closes the socket.
func (n *Node) openMembership() (func(), error) {
	udp, err := listenUDP(n.self.Addr)
	if err != nil {
		return nil, err
	}
	closeUDP := func() { udp.shut(); udp.closeFD() }
	peers := map[uint32]*net.UDPAddr{}
	for _, p := range n.cfg.Nodes {
		ua, err := net.ResolveUDPAddr("udp", p.Addr)
		if err != nil {
			closeUDP()
			return nil, fmt.Errorf("config: node %s addr %s: %w", p.Name, p.Addr, err)
		}
		peers[p.ID] = ua
	}
	if n.tr, err = newTransport(udp, n.cfg, n.self.ID, peers, &n.cnt, n.bad, n.log); err != nil {
		closeUDP()
		return nil, err
	}
	return closeUDP, nil
}

// openControl opens the control endpoint with its access rules (see
// control.go); the caller closes n.ctl on a later failure.
func (n *Node) openControl() error {
	self := n.self
	acc, err := resolveAccess(self.IPCAccess)
	if err != nil {
		return fmt.Errorf("config %s: node %s: %w", n.opts.ConfigPath, self.Name, err)
	}
	ln, unixPath, err := listenControl(self.IPC, acc)
	if err != nil {
		return err
	}
	if unixPath == "" && acc.secret == nil {
		n.log.Warn("the control endpoint is on TCP without ipc_access_file: every local user can use it", "ipc", self.IPC)
	}
	hello := wire.Hello{Software: Software, NodeID: self.ID, NodeName: self.Name, Cluster: n.cfg.ClusterName}
	n.ctl = newCtlServer(ln, unixPath, acc, hello, n.log, &n.cnt.clientsDropped)
	n.AddReloader(n.reloadAccess)
	n.ctl.fast = n.answerFast
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// nameOf returns the config name of node id ("" for 0 or an unknown id).
func (n *Node) nameOf(id uint32) string {
	if c, ok := n.cfg.NodeByID(id); ok {
		return c.Name
	}
	return ""
}

// Joined is closed once the node has installed a view it is a member of
// (gohad then tells systemd READY=1).
func (n *Node) Joined() <-chan struct{} { return n.joined }

// Healthy reports whether the node loop made a pass within the last d: the
// loop passes at least once a tick, so a loop that stalls (a deadlock, a
// blocked disk) stops the systemd watchdog from being fed.
func (n *Node) Healthy(d time.Duration) bool {
	return time.Since(time.Unix(0, n.loopAt.Load())) <= d
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// DB returns the node's bbolt handle, shared with other subsystems.
func (n *Node) DB() *bbolt.DB { return n.db }

// Tick returns the tick period in use.
func (n *Node) Tick() time.Duration { return n.tick }

// Run serves until ctx is cancelled, then leaves the cluster cleanly
// (peers drop this node at once), closes everything and returns nil. It
// returns an error only when the node cannot go on (its state cannot be
// persisted).
func (n *Node) Run(ctx context.Context) error {
	st := n.mem.Status()
	n.log.Info("gohad started", "id", n.self.ID, "incarnation", st.Incarnation, "membership", n.self.Addr,
		"ipc", n.self.IPC, "data", n.opts.DataDir, "tick", n.tick.String(), "heartbeat_ticks", n.mcfg.HeartbeatTicks,
		"failure_ticks", n.mcfg.FailureTicks)
	n.readerStarted = true
	go n.tr.readLoop(n.inq)
	go n.ctl.serve()
	err := n.loop(ctx)
	n.shutdown(err == nil)
	return err
}

func (n *Node) loop(ctx context.Context) error {
	ticker := time.NewTicker(n.tick)
	defer ticker.Stop()
	n.eng.Begin()
	// A datagram's arrival tick is the engine's tick now less its age.
	var now uint64
	tickOf := func(t time.Time) uint64 { return now - min(now, uint64(max(time.Since(t), 0)/n.tick)) }
	var batch []inbound
	var ins []membership.Inbound
	for {
		n.loopAt.Store(time.Now().UnixNano())
		var req *request
		var rl *reloadReq
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		case <-n.inq.wake:
		case r := <-n.ctl.reqs:
			req = &r
		case r := <-n.reloads:
			rl = &r
		case r := <-n.statusReqs:
			r <- n.status()
			continue
		case c := <-n.ctl.gone:
			n.coroGone(c)
		case r := <-n.haReports:
			n.eng.Report(r)
		case f := <-n.loopFns:
			f()
		}
		// Take every message waiting: one pass handles them all, however
		// late the loop is.
		n.tr.poll(n.inq)
		batch = n.inq.take(batch[:0])
		// Every tick period that elapsed and every datagram, in order of
		// arrival (StepBatch), before anything is answered or sent: after
		// a stall (SIGSTOP, load) leases and timeouts have expired, and
		// the peers are judged by when their datagrams arrived.
		// (engine.StepBatch counts ticks on CLOCK_BOOTTIME: a suspend
		// counts too.)
		now = n.eng.Ticks()
		ins = stamp(batch, ins[:0], tickOf)
		n.eng.StepBatch(ins, n.refused)
		n.tr.setPolled(n.mem.Steady())
		clear(batch)
		if err := n.flush(); err != nil {
			return err
		}
		switch {
		case req != nil:
			n.handle(*req)
		case rl != nil:
			rep, err := n.reload(rl.trigger)
			rl.res <- reloadRes{rep, err}
		}
		if req != nil || rl != nil {
			if err := n.flush(); err != nil {
				return err
			}
		}
		if stop, err := n.coroFlush(); stop {
			return err
		}
	}
}

// stamp turns a batch of received messages into the state machine's
// input, each stamped with the tick at which it arrived.
func stamp(batch []inbound, out []membership.Inbound, tickOf func(time.Time) uint64) []membership.Inbound {
	for _, in := range batch {
		out = append(out, membership.Inbound{Msg: in.msg, At: tickOf(in.at)})
	}
	return out
}

// refused counts and logs a message the state machine rejected as
// malformed or foreign; stale ones (old incarnations, old rings) are
// routine and not logged.
func (n *Node) refused(m membership.Message, err error) {
	if errors.Is(err, membership.ErrMalformed) || errors.Is(err, membership.ErrForeign) {
		n.cnt.rejMalformed.Add(1)
		n.bad.Log("membership rejected a message", "peer_id", m.From, "type", m.Type, "err", err)
	}
}

// flush handles every pending Ready in the order its contract demands:
// persist, send, publish, advance.
func (n *Node) flush() error {
	// The info page first: a client that sees an event below must read
	// the state that the event announces (wire.VQShm).
	n.publishVQ()
	n.publishCMM()
	if err := n.eng.Flush(); err != nil {
		return err
	}
	n.publishView()
	return nil
}

func ringOf(r membership.RingID) wire.RingID { return wire.RingID{Rep: uint32(r.Rep), Seq: r.Seq} }

func ids(ms []membership.NodeID) []uint32 {
	out := make([]uint32, len(ms))
	for i, m := range ms {
		out[i] = uint32(m)
	}
	return out
}

func (n *Node) publishEvent(ev membership.Event) {
	n.coroEvent(ev)
	var kind string
	var body any
	switch ev.Kind {
	case membership.EventViewInstalled:
		kind, body = wire.EvNodeList, &wire.NodeListEvent{Ring: ringOf(ev.Ring), Nodes: ids(ev.Members)}
		n.cnt.views.Add(1)
		n.log.Info("view installed", "ring", ev.Ring.String(), "members", ids(ev.Members))
	case membership.EventExpectedVotes:
		kind, body = wire.EvExpected, &wire.ExpectedEvent{Expected: ev.Expected}
		n.log.Info("expected votes", "expected", ev.Expected)
	case membership.EventQuorum:
		qe := &wire.QuorumEvent{Quorate: ev.Quorate}
		for _, q := range ev.QuorumNodes {
			qe.Nodes = append(qe.Nodes, wire.NodeState{ID: uint32(q.ID), State: uint32(q.State)})
		}
		kind, body = wire.EvQuorum, qe
		if ev.Quorate {
			n.log.Info("quorum regained", "quorate", true)
		} else {
			n.log.Warn("quorum lost: activity blocked until enough votes are back", "quorate", false)
		}
	case membership.EventCMM:
		kind, body = wire.EvCMM, &wire.CMMEvent{Change: uint32(ev.Change), Node: uint32(ev.Node)}
		n.log.Info("cmm", "change", ev.Change.String(), "member", n.nameOf(uint32(ev.Node)), "member_id", uint32(ev.Node))
	default:
		return
	}
	topic := wire.TopicQuorum
	if kind == wire.EvCMM {
		topic = wire.TopicCMM
	}
	b, err := wire.EncodeBody(body)
	if err != nil {
		n.log.Error("cannot encode event", "kind", kind, "err", err)
		return
	}
	n.ctl.publish(topic, kind, b)
}

func (n *Node) currentView(st *membership.Status) wire.ViewEvent {
	return wire.ViewEvent{Ring: ringOf(st.Ring), Members: ids(st.Members), Quorate: st.Quorum.Flags&wire.VQQuorate != 0,
		Master: uint32(st.Master), ViceMaster: uint32(st.Vice)}
}

// sameView reports whether the published event e shows view v.
func sameView(e *wire.ViewEvent, v *membership.View) bool {
	if e.Ring != ringOf(v.Ring) || e.Quorate != v.Quorate || e.Master != uint32(v.Master) ||
		e.ViceMaster != uint32(v.Vice) || len(e.Members) != len(v.Members) {
		return false
	}
	for i, m := range v.Members {
		if e.Members[i] != uint32(m) {
			return false
		}
	}
	return true
}

// publishView sends EvView when the view or its roles changed. It runs
// after every pass of the loop, so it compares before it builds anything.
func (n *Node) publishView() {
	n.publishMembers()
	mv := n.mem.View()
	if sameView(&n.lastView, &mv) && n.lastView.UnixNano != 0 {
		return
	}
	v := wire.ViewEvent{Ring: ringOf(mv.Ring), Members: ids(mv.Members), Quorate: mv.Quorate,
		Master: uint32(mv.Master), ViceMaster: uint32(mv.Vice)}
	old := n.lastView
	if old.Ring != v.Ring {
		n.viewSince = time.Now()
		if slices.Contains(v.Members, n.self.ID) && !isClosed(n.joined) {
			close(n.joined)
		}
	}
	if old.Master != v.Master || old.ViceMaster != v.ViceMaster {
		n.log.Info("roles", "ring", mv.Ring.String(), "master", orNone(n.nameOf(v.Master)), "vice_master", orNone(n.nameOf(v.ViceMaster)), "quorate", v.Quorate)
	}
	v.UnixNano = time.Now().UnixNano()
	n.lastView = v
	if b, err := wire.EncodeBody(&v); err == nil {
		n.ctl.publish(wire.TopicView, wire.EvView, b)
	}
}

// publishMembers sends EvMember, and logs, when a node's CMM flags change
// other than its role (qualification, synchronisation, out of cluster).
func (n *Node) publishMembers() {
	const ignore = wire.CMMMaster | wire.CMMViceMaster
	n.sflags = n.mem.SFlags(n.sflags[:0])
	if n.lastFlags == nil {
		n.lastFlags = make([]uint32, len(n.sflags))
		for i, f := range n.sflags {
			n.lastFlags[i] = f &^ ignore
		}
		return
	}
	for i, sf := range n.sflags {
		f, old := sf&^ignore, n.lastFlags[i]
		if old == f {
			continue
		}
		n.lastFlags[i] = f
		if (old^f)&^wire.CMMOutOfCluster == 0 {
			continue // joining or leaving the cluster: the view events say it
		}
		id := n.memberIDs[i]
		n.log.Info("member flags changed", "member", n.nameOf(id), "member_id", id,
			"qualified", f&wire.CMMDisqualified == 0, "synchro_needed", f&wire.CMMSynchroNeeded != 0, "sflag", f)
		if b, err := wire.EncodeBody(&wire.MemberEvent{Node: id, SFlag: sf, Old: old}); err == nil {
			n.ctl.publish(wire.TopicView, wire.EvMember, b)
		}
	}
}

// shutdown leaves the cluster (if clean), then closes sockets and the DB.
func (n *Node) shutdown(clean bool) {
	if clean {
		n.mem.Leave()
		if err := n.flush(); err != nil {
			n.log.Error("flush at shutdown", "err", err)
		}
	}
	close(n.done)
	if n.stopMetrics != nil {
		n.stopMetrics()
	}
	n.ctl.close()
	if n.vq != nil {
		n.vq.close() // after ctl.close: writers may still be passing its descriptor
	}
	n.tr.close(n.readerStarted)
	if n.ha != nil {
		n.ha.close()
	}
	// Writes have stopped and clients are gone: disarm the watchdog (magic
	// close; with nowayout it keeps running and resets the machine).
	if err := n.wd.Stop(); err != nil {
		n.log.Warn("watchdog close", "err", err)
	}
	if err := n.db.Close(); err != nil {
		n.log.Error("close state", "err", err)
	}
	n.log.Info("gohad stopped")
}
