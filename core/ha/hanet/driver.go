package hanet

import (
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/store"
)

// Transport is what a Driver needs from the network: HA connections
// identified by the ha.Node's connection ids. Runtime implements it over
// TCP; core/sim and core/ha/hamem over in-memory pipes. Every method is
// called on the driver's goroutine; what happens later (a dial connects, a
// connection closes, a message or a staged copy arrives) is reported by
// calling the driver's Step methods on that same goroutine.
type Transport interface {
	// Dial starts connecting to d.Addr for connection d.Conn and later
	// steps MsgConnected or MsgClosed for it.
	Dial(d ha.Dial)
	// Send queues m on connection m.Conn. A MsgSnapshot is followed by a
	// full copy of the store as it is at this moment (m's Txid and Digest
	// are then those of the copy). An error drops the connection (the
	// driver steps MsgClosed).
	Send(m ha.Message) error
	// Close closes a connection after flushing what was queued on it.
	Close(conn uint64)
	// InstallKeys makes connection k.Conn seal what it sends from now on
	// and require sealed frames (the session keys of its handshake).
	InstallKeys(k ha.ConnKeys)
	// Listen starts accepting connections on the node's HA address (an
	// accepted one is stepped as MsgAccepted); StopListening stops.
	Listen() error
	StopListening()
}

// Clock is a monotonic clock that keeps counting while the machine is
// suspended (CLOCK_BOOTTIME in gohad, see core/node/engine), as a duration
// since an arbitrary origin; the simulator's is virtual.
type Clock interface {
	Now() time.Duration
}

// Gate is auto mode's write gate (see "Auto mode" in core/ha's doc): the
// primary accepts a commit, and acknowledges it, only while the gate is
// open, which the daemon's controller keeps up to date from the mastership
// lease: open until a deadline on the clock. It is checked when the commit
// is accepted and again when it would be acknowledged, so a primary that
// was stopped acknowledges nothing once its lease ran out, even before the
// controller runs again. Safe for concurrent use.
type Gate struct {
	clock  Clock
	mu     sync.Mutex
	open   bool
	until  time.Duration
	reason string
}

// NewGate returns a closed gate on clock.
func NewGate(clock Clock) *Gate { return &Gate{clock: clock, reason: "not primary yet"} }

// Open opens the gate until the clock reads until.
func (g *Gate) Open(until time.Duration) {
	g.mu.Lock()
	g.open, g.until = true, until
	g.mu.Unlock()
}

// Close closes the gate; reason tells writers why.
func (g *Gate) Close(reason string) {
	g.mu.Lock()
	g.open, g.reason = false, reason
	g.mu.Unlock()
}

// Check returns nil while the gate is open, else *ha.Error
// CONFD_ERR_NOT_WRITABLE saying why.
func (g *Gate) Check() error {
	if g == nil {
		return nil
	}
	now := g.clock.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case !g.open:
		return ha.Errf(ha.CodeNotWritable, "auto mode: %s", g.reason)
	case now >= g.until:
		return ha.Errf(ha.CodeNotWritable, "auto mode: the primary's lease ran out %v ago", now-g.until)
	}
	return nil
}

// Desired is what auto mode's controller wants the HA side to be
// (level-triggered: the driver converges to it, retrying a failed
// connection to the primary).
type Desired struct {
	Role    ha.Role // RolePrimary, RoleSecondary or RoleNone
	Primary string  // RoleSecondary: the primary's name and HA address
	Addr    string
	// Epoch (RolePrimary): the epoch the primary's store starts.
	Epoch uint64
	// Required, MinSync, Lag: see ha.Node.SetRequired.
	Required []string
	MinSync  int
	Lag      uint64
	// Published (RolePrimary) is how many of the Required secondaries the
	// cluster's record lists in sync, in a record a quorum confirmed (so
	// that one of them can be elected in the primary's place): new commits
	// are taken, and acknowledged, only while it reaches MinSync.
	Published int
}

func (d Desired) equal(o Desired) bool {
	return d.Role == o.Role && d.Primary == o.Primary && d.Addr == o.Addr && d.Epoch == o.Epoch &&
		slices.Equal(d.Required, o.Required) && d.MinSync == o.MinSync && d.Lag == o.Lag && d.Published == o.Published
}

// Report is the HA side's state as the controller needs it.
type Report struct {
	ha.Status
	// Upstream is the primary a secondary follows ("" otherwise).
	Upstream string
}

// DriverConfig configures a Driver.
type DriverConfig struct {
	Node  ha.Config
	Store *store.Store
	// Gate (auto mode) is checked at every acceptance and acknowledgement.
	Gate *Gate
	// Clock times reconnection attempts (auto mode).
	Clock Clock
	// Retry is the least time between two connection attempts to the same
	// primary (auto mode).
	Retry time.Duration
	// Report, if set, receives the HA state after every change (auto mode).
	Report func(Report)
	// Events, if set, receives the HA notifications of each Ready, in order.
	Events func([]ha.Event)
	Logf   func(format string, args ...any)
}

// Driver is the Ready handling of one ha.Node over a Transport and a
// store: the code the daemon (through Runtime) and core/sim both run. It is
// not safe for concurrent use; its owner calls it from one goroutine.
type Driver struct {
	cfg  DriverConfig
	node *ha.Node
	tr   Transport

	// staged holds full copies received and verified, by connection.
	staged  map[uint64]*store.Staged
	ackWait map[uint64]func(error)
	resWait map[uint64]func(ha.Code)

	desired   Desired
	lastDial  time.Duration
	dialed    bool
	lastRep   Report
	reportSet bool
}

// NewDriver builds the ha.Node of cfg.Node (its Txid and Digest taken from
// the store) in role none.
func NewDriver(cfg DriverConfig, tr Transport) (*Driver, error) {
	if cfg.Store == nil {
		return nil, errors.New("hanet: DriverConfig.Store is nil")
	}
	txid, dg := cfg.Store.State()
	cfg.Node.Txid, cfg.Node.Digest = txid, dg[:]
	n, err := ha.New(cfg.Node)
	if err != nil {
		return nil, err
	}
	cfg.Store.SetReadOnly(cfg.Node.Auto)
	return &Driver{cfg: cfg, node: n, tr: tr, staged: map[uint64]*store.Staged{},
		ackWait: map[uint64]func(error){}, resWait: map[uint64]func(ha.Code){}}, nil
}

// Node returns the state machine (for the HA control commands).
func (d *Driver) Node() *ha.Node { return d.node }

func (d *Driver) logf(format string, args ...any) {
	if d.cfg.Logf != nil {
		d.cfg.Logf(format, args...)
	}
}

// Step feeds a message (from the transport or a local event) to the node.
func (d *Driver) Step(m ha.Message) {
	if err := d.node.Step(m); err != nil {
		d.logf("hanet: %v", err)
	}
}

// ExpectsSnapshot reports whether a full copy may arrive on conn now
// (only from our primary, during its initial sync).
func (d *Driver) ExpectsSnapshot(conn uint64) bool { return d.node.ExpectsSnapshot(conn) }

// StepStaged steps a MsgSnapshot whose copy the transport received and
// store.Stage verified; the node then activates it.
func (d *Driver) StepStaged(m ha.Message, st *store.Staged) {
	d.staged[m.Conn] = st
	m.Txid, m.Digest = st.Info.Txid, st.Info.Digest[:]
	d.Step(m)
}

// Tick is one HA tick (tick_timeout).
func (d *Driver) Tick() {
	d.node.Tick()
	d.converge()
}

// Forget drops what the driver holds for a connection the transport closed
// on its own (a staged copy).
func (d *Driver) Forget(conn uint64) { delete(d.staged, conn) }

// Close fails every waiting call (the runtime is stopping).
func (d *Driver) Close(err error) {
	for t, f := range d.ackWait {
		f(err)
		delete(d.ackWait, t)
	}
	for s, f := range d.resWait {
		f(-1)
		delete(d.resWait, s)
	}
}

// HandleReady carries out the node's Ready batches (see ha.Ready), then
// reports the state if it changed.
func (d *Driver) HandleReady() {
	for d.node.HasReady() {
		rd := d.node.Ready()
		d.cfg.Store.SetReadOnly(rd.Role == ha.RoleSecondary || rd.Role == ha.RoleRelay || (d.cfg.Node.Auto && rd.Role != ha.RolePrimary))
		for _, dl := range rd.Dials {
			d.tr.Dial(dl)
		}
		for _, k := range rd.Keys {
			d.tr.InstallKeys(k)
		}
		applyErr := d.apply(rd.Apply)
		var failed []ha.Message // connections the transport dropped
		if applyErr == nil {
			for _, m := range rd.Messages {
				if slices.ContainsFunc(failed, func(f ha.Message) bool { return f.Conn == m.Conn }) {
					continue
				}
				if err := d.tr.Send(m); err != nil {
					d.logf("hanet: %v", err)
					failed = append(failed, ha.Message{Type: ha.MsgClosed, Conn: m.Conn, Reason: err.Error()})
				}
			}
		}
		for _, id := range rd.Close {
			delete(d.staged, id)
			d.tr.Close(id)
		}
		d.publish(rd)
		if rd.Role != ha.RolePrimary && rd.Role != ha.RoleRelay {
			d.tr.StopListening()
		}
		d.node.Advance(rd)
		for _, f := range failed {
			delete(d.staged, f.Conn)
			d.Step(f)
		}
		if applyErr != nil {
			t, dg := d.cfg.Store.State()
			d.Step(ha.Message{Type: ha.MsgApplyFailed, Txid: t, Digest: dg[:], Reason: applyErr.Error()})
		}
	}
	d.report()
}

// publish answers the clients of rd.Acked, Aborted and Results.
func (d *Driver) publish(rd ha.Ready) {
	if len(rd.Events) > 0 && d.cfg.Events != nil {
		d.cfg.Events(rd.Events)
	}
	for _, t := range rd.Acked {
		if f := d.ackWait[t]; f != nil {
			delete(d.ackWait, t)
			// Auto mode: acknowledged only while the lease holds, checked
			// now, at the acknowledgement (the case (a)).
			if err := d.cfg.Gate.Check(); err != nil {
				f(ha.Errf(ha.CodeHAAbort, "txid %d committed locally and replicated, but not acknowledged: %v", t, err))
				continue
			}
			f(nil)
		}
	}
	for _, t := range rd.Aborted {
		if f := d.ackWait[t]; f != nil {
			delete(d.ackWait, t)
			f(ha.Errf(ha.CodeHAAbort, "txid %d committed locally but not confirmed by the secondaries", t))
		}
	}
	for _, res := range rd.Results {
		if f := d.resWait[res.Seq]; f != nil {
			delete(d.resWait, res.Seq)
			f(res.Code)
		}
	}
}

// apply persists a batch's Apply entries in order; commits received
// together go into one store transaction (one fsync) if there are several,
// and if that fails (nothing is then written) one by one, so that every
// commit before a bad one is kept and the error names the bad one.
func (d *Driver) apply(as []ha.Apply) error {
	for i := 0; i < len(as); i++ {
		switch a := as[i]; a.Kind {
		case ha.ApplyCommit:
			j := i + 1
			for j < len(as) && as[j].Kind == ha.ApplyCommit {
				j++
			}
			if err := d.applyCommits(as[i:j]); err != nil {
				return err
			}
			i = j - 1
		case ha.ApplySnapshot:
			st := d.staged[a.Conn]
			delete(d.staged, a.Conn)
			if st != nil {
				st.Discarded = a.Discarded
			}
			if err := d.cfg.Store.Activate(st); err != nil {
				d.logf("hanet: persisting txid %d from the primary failed: %v", a.Txid, err)
				return err
			}
		}
	}
	return nil
}

func (d *Driver) applyCommits(as []ha.Apply) error {
	if len(as) > 1 {
		cs := make([]store.Commit, 0, len(as))
		for _, a := range as {
			c, err := store.DecodeCommit(a.Data)
			if err != nil {
				break
			}
			cs = append(cs, c)
		}
		if len(cs) == len(as) && d.cfg.Store.ApplyGroup(cs) == nil {
			return nil
		}
	}
	for _, a := range as {
		if _, err := d.cfg.Store.ApplyEncoded(a.Data); err != nil {
			d.logf("hanet: persisting txid %d from the primary failed: %v", a.Txid, err)
			return err
		}
	}
	return nil
}

// CommitReq is a client transaction: Ops in, then Txid and Err once
// Commit returned, and Ack called once (acknowledged: nil) unless Err.
type CommitReq struct {
	Ops  []store.Op
	Txid uint64
	Err  error
	Ack  func(error)
}

// Commit commits client transactions together (group commit: one store
// transaction, one fsync, each its own txid) and proposes each to the
// node, in txid order. In auto mode they are refused without committing
// anything unless the gate is open and enough secondaries are required
// (ha.ErrFewInSync).
func (d *Driver) Commit(reqs []*CommitReq) {
	if err := d.admit(); err != nil {
		for _, req := range reqs {
			req.Err = err
		}
		return
	}
	ops := make([][]store.Op, len(reqs))
	for i, req := range reqs {
		ops[i] = req.Ops
	}
	cs, errs := d.cfg.Store.BatchGroup(ops)
	for i, req := range reqs {
		if req.Err = errs[i]; req.Err != nil {
			continue
		}
		req.Txid = cs[i].Txid
		d.ackWait[req.Txid] = req.Ack
		if err := d.node.Propose(cs[i].Txid, cs[i].Digest[:], cs[i].Encode()); err != nil {
			delete(d.ackWait, req.Txid)
			req.Err = err
		}
	}
}

// Writable returns nil if a commit would be taken now, else why not (the
// error a writer would get).
func (d *Driver) Writable() error { return d.admit() }

// admit says whether new commits may be taken.
func (d *Driver) admit() error {
	if d.node.ReadOnly() {
		if d.cfg.Node.Auto {
			return ha.Errf(ha.CodeNotWritable, "auto mode: this node is %s, not the primary", d.node.Role())
		}
		return store.ErrReadOnly
	}
	if !d.cfg.Node.Auto {
		return nil
	}
	if err := d.cfg.Gate.Check(); err != nil {
		return err
	}
	if have, want := d.desired.Published, d.desired.MinSync; have < want {
		return ha.Errf(ha.CodeUnavailable, "auto mode: %d secondaries in sync, min_sync is %d", have, want)
	}
	return nil
}

// WaitResult registers f for the Result of BeSecondary command seq.
func (d *Driver) WaitResult(seq uint64, f func(code ha.Code)) { d.resWait[seq] = f }

// Apply makes the node converge to what auto mode's controller wants.
func (d *Driver) Apply(want Desired) {
	if !want.equal(d.desired) {
		d.desired = want
		d.dialed = false
	}
	d.converge()
	d.HandleReady()
}

// converge issues the role commands that move the node towards desired;
// a secondary whose primary refused or dropped it dials again after Retry.
func (d *Driver) converge() {
	if !d.cfg.Node.Auto {
		return
	}
	w, n := d.desired, d.node
	switch w.Role {
	case ha.RolePrimary:
		n.SetEpoch(w.Epoch)
		if n.Role() != ha.RolePrimary {
			if err := d.tr.Listen(); err != nil {
				d.logf("hanet: cannot be primary: %v", err)
				return
			}
			n.BePrimary()
		}
		n.SetRequired(w.Required, w.Published, w.MinSync, w.Lag)
	case ha.RoleSecondary:
		st := n.Status()
		following := n.Role() == ha.RoleSecondary && len(st.Nodes) > 0 && st.Nodes[0].Name == w.Primary
		if following {
			return
		}
		now := d.now()
		if d.dialed && now-d.lastDial < d.cfg.Retry {
			return
		}
		d.dialed, d.lastDial = true, now
		// wait=true: the outcome is a Result nobody waits for, not a
		// BESECONDARY_RESULT event per attempt (SECONDARY_INITIALIZED and
		// NOPRIMARY still report what happened).
		if _, err := n.BeSecondary(w.Primary, w.Addr, true); err != nil {
			d.logf("hanet: besecondary %s: %v", w.Primary, err)
		}
	default:
		if n.Role() != ha.RoleNone {
			n.BeNone()
		}
	}
}

func (d *Driver) now() time.Duration {
	if d.cfg.Clock == nil {
		return 0
	}
	return d.cfg.Clock.Now()
}

// report hands the state to the controller when it changed (a change of
// role, primary, epoch, required set or secondaries in sync; acknowledged
// txids alone are not reported).
func (d *Driver) report() {
	if d.cfg.Report == nil {
		return
	}
	r := Report{Status: d.node.Status()}
	if r.Role == ha.RoleSecondary && len(r.Nodes) > 0 {
		r.Upstream = r.Nodes[0].Name
	}
	if d.reportSet && sameReport(r, d.lastRep) {
		return
	}
	d.lastRep, d.reportSet = r, true
	d.cfg.Report(r)
}

func sameReport(a, b Report) bool {
	if a.Role != b.Role || a.Upstream != b.Upstream || a.Initialized != b.Initialized || a.Epoch != b.Epoch ||
		!slices.Equal(a.History, b.History) || !slices.Equal(a.Required, b.Required) || a.Discarded != b.Discarded ||
		len(a.Peers) != len(b.Peers) {
		return false
	}
	for i := range a.Peers {
		if a.Peers[i].Name != b.Peers[i].Name || a.Peers[i].InSync != b.Peers[i].InSync || a.Peers[i].Lagging != b.Peers[i].Lagging {
			return false
		}
	}
	return true
}
