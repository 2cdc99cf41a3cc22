package engine

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/ha/hanet"
	"github.com/goha/goha/core/membership"
)

// MaxCatchUpTicks caps the ticks CatchUp replays in one call.
const MaxCatchUpTicks = 1 << 20

// Disk persists what the engine must keep across restarts, durably (fsync)
// before the call returns.
type Disk interface {
	// SaveState writes the membership state (membership.Ready.Persist).
	SaveState(membership.PersistentState) error
	// SaveHistory writes the config store's epoch history (auto mode).
	SaveHistory([]uint64) error
}

// Net sends membership datagrams, best effort.
type Net interface {
	Send(m *membership.Message)
}

// HA is the engine's handle on the HA runtime in auto mode: hanet.Runtime
// in gohad (Apply is carried out on its goroutine), a hanet.Driver in the
// simulator. The runtime reports its state back with Engine.Report.
type HA interface {
	Apply(hanet.Desired)
}

// Env holds the engine's seams.
type Env struct {
	Clock hanet.Clock
	Disk  Disk
	Net   Net
	// Events receives membership's events, in order.
	Events func(membership.Event)
	// HA is nil in external mode and on a witness.
	HA HA
	// Gate is auto mode's write gate, shared with the HA runtime.
	Gate *hanet.Gate
	// StoreTxid (external mode) reads the config store's txid, which
	// membership advertises so that a new cluster can be told from one
	// with data (nil on a witness).
	StoreTxid func() uint64
	// Watchdog, if set, is fed while the node is healthy (see Watchdog).
	Watchdog *Watchdog
	Log      *slog.Logger
}

// Config configures an Engine.
type Config struct {
	Mem membership.Config
	// Tick is the membership tick period.
	Tick time.Duration
	// Names and HAAddrs give every node's config name and HA address.
	Names   map[membership.NodeID]string
	HAAddrs map[membership.NodeID]string
	// Auto selects auto mode (Mem.Auto must agree).
	Auto bool
	// Witness: the local node keeps no store.
	Witness bool
	// MinSync is [ha] min_sync (with its default applied); Lag is [ha]
	// max_lag for async replication, 0 for sync.
	MinSync int
	Lag     uint64
}

// Engine is one node's decision and Ready-handling code: the membership
// state machine, auto mode's controller, and the handling of membership's
// Ready through the seams of Env. gohad and core/sim both run it. It is not
// safe for concurrent use.
type Engine struct {
	cfg    Config
	env    Env
	mem    *membership.Node
	log    *slog.Logger
	origin time.Duration
	ticked uint64

	// Auto mode's controller state.
	rep       hanet.Report
	haveRep   bool
	repDirty  bool
	savedH    []uint64
	last      hanet.Desired
	applied   bool
	pubEpoch  uint64
	pubs      []published // records published this epoch, newest last
	adding    map[membership.NodeID]bool
	byName    map[string]membership.NodeID
	gateOpen  bool
	gateWhy   string
	gateUntil time.Duration // the deadline the gate was last opened with
}

// published is a sync set the primary published (membership.PublishSync).
type published struct {
	seq  uint64
	sync []membership.NodeID
}

// New builds the engine of cfg.Mem.Self from the state it persisted last
// (the zero value for a new data directory). Its clock origin is now: tick
// k of membership falls at origin + k*Tick.
func New(cfg Config, restored membership.PersistentState, env Env) (*Engine, error) {
	if env.Clock == nil || env.Disk == nil || env.Net == nil {
		return nil, errors.New("engine: Env needs Clock, Disk and Net")
	}
	if cfg.Tick <= 0 {
		return nil, errors.New("engine: Config.Tick must be positive")
	}
	cfg.Mem.Auto, cfg.Mem.MinSync = cfg.Auto, cfg.MinSync
	mem, err := membership.New(cfg.Mem, restored)
	if err != nil {
		return nil, err
	}
	log := env.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{cfg: cfg, env: env, mem: mem, log: log, origin: env.Clock.Now(),
		adding: map[membership.NodeID]bool{}, byName: map[string]membership.NodeID{}}
	for id, name := range cfg.Names {
		e.byName[name] = id
	}
	if env.Gate != nil {
		env.Gate.Close("not elected primary")
	}
	return e, nil
}

// Attach gives the engine the HA runtime (auto mode; nil otherwise) and the
// config store's txid (nil on a witness), which exist only once the engine
// restored the node's state.
func (e *Engine) Attach(h HA, storeTxid func() uint64) {
	e.env.HA, e.env.StoreTxid = h, storeTxid
}

// Mem returns the membership state machine, for queries and administrative
// calls; call Flush after changing it.
func (e *Engine) Mem() *membership.Node { return e.mem }

// Begin aligns the clock origin with now, so that CatchUp replays no time
// that passed before the node's loop started (starting up is not a stall).
func (e *Engine) Begin() {
	e.origin = e.env.Clock.Now() - time.Duration(e.ticked)*e.cfg.Tick
}

// Ticks returns the tick the clock says it is now (counted from the
// origin, so a stall or a suspend shows as ticks that are due).
func (e *Engine) Ticks() uint64 {
	return uint64(max(e.env.Clock.Now()-e.origin, 0) / e.cfg.Tick)
}

// StepBatch runs one pass of the loop (membership.StepBatch): every tick
// the clock says elapsed since the last pass (after a stall all of them,
// at most MaxCatchUpTicks, before anything else, so that leases and
// timeouts expire in time) and, in order of arrival, the messages in in
// (their At ticks in this engine's frame). report, if not nil, gets the
// messages membership refused.
func (e *Engine) StepBatch(in []membership.Inbound, report func(membership.Message, error)) {
	now := min(e.Ticks(), e.ticked+MaxCatchUpTicks)
	health := e.mem.HealthPenalty()
	e.mem.StepBatch(now, in, report)
	e.ticked = max(e.ticked, now)
	if h := e.mem.HealthPenalty(); h != health {
		// Why a dead peer took longer to be suspected (a starved loop).
		e.log.Debug("local health penalty", "from", health, "to", h, "suspect_after", time.Duration(e.cfg.Mem.FailureTicks*(2+h)/2)*e.cfg.Tick)
	}
}

// CatchUp is StepBatch without messages; it returns the ticks that ran.
func (e *Engine) CatchUp() int {
	before := e.ticked
	e.StepBatch(nil, nil)
	return int(e.ticked - before)
}

// Step feeds one membership message (already authenticated and decoded).
func (e *Engine) Step(m membership.Message) error { return e.mem.Step(m) }

// Report hands the engine the HA runtime's state (auto mode); the next
// Flush acts on it.
func (e *Engine) Report(r hanet.Report) {
	e.rep, e.haveRep, e.repDirty = r, true, true
}

// Flush handles membership's Ready in the order of its contract (persist,
// send, publish, Advance), then, in auto mode, lets the controller act on
// the state, and repeats until nothing is left. It fails only when the
// state cannot be persisted: the node must not go on.
func (e *Engine) Flush() error {
	for range 16 {
		if err := e.drain(); err != nil {
			return err
		}
		e.control()
		if !e.mem.HasReady() && !e.repDirty {
			break
		}
	}
	e.env.Watchdog.feed(e)
	return nil
}

func (e *Engine) drain() error {
	for e.mem.HasReady() {
		rd := e.mem.Ready()
		if rd.Persist != nil {
			if err := e.env.Disk.SaveState(*rd.Persist); err != nil {
				return fmt.Errorf("persist node state: %w", err)
			}
		}
		// A node that stopped acting as master (it accepted a view naming
		// another master, or lost its quorum) closes its gate before any
		// of these messages leaves: its acknowledgement of a planned
		// handover lets the new master act at once (no fence wait), so
		// the controller's turn after the sends would come too late if
		// the process were descheduled in between.
		if e.gateOpen && !e.mem.IsMaster() {
			e.closeGate("this node no longer acts as master")
		}
		for i := range rd.Messages {
			e.env.Net.Send(&rd.Messages[i])
		}
		if e.env.Events != nil {
			for _, ev := range rd.Events {
				e.env.Events(ev)
			}
		}
		e.mem.Advance(rd)
	}
	return nil
}

// SyncedFromPrimary is called in external mode when the node finished an
// initial sync from an HA primary: its CMM synchronisation flag is set.
func (e *Engine) SyncedFromPrimary() {
	if !e.cfg.Auto {
		_ = e.mem.SetSynchronized(true)
	}
}

// control is auto mode's controller (see the package doc): it works out
// what the HA runtime must be from membership, tells it, and keeps the
// write gate and the advertised data up to date.
func (e *Engine) control() {
	e.repDirty = false
	if !e.cfg.Auto || e.cfg.Witness || e.env.HA == nil {
		if e.env.StoreTxid != nil && !e.cfg.Auto {
			e.mem.SetData(0, e.env.StoreTxid())
		}
		return
	}
	e.advertise()
	self := e.cfg.Mem.Self
	rec := e.mem.Record()
	master, _ := e.mem.Roles()
	want := hanet.Desired{MinSync: e.cfg.MinSync, Lag: e.cfg.Lag}
	switch {
	case e.mem.IsMaster() && rec.Primary == self && rec.Epoch > 0:
		want.Role, want.Epoch = ha.RolePrimary, rec.Epoch
		want.Required, want.Published = e.manageSync(rec)
	case master != 0 && master != self:
		want.Role, want.Primary, want.Addr = ha.RoleSecondary, e.cfg.Names[master], e.cfg.HAAddrs[master]
	default:
		want.Role = ha.RoleNone
	}
	if want.Role != ha.RolePrimary {
		e.pubEpoch, e.pubs = 0, nil
		clear(e.adding)
	}
	if !e.applied || !equalDesired(want, e.last) || !e.converged(want) {
		e.applied, e.last = true, want
		e.env.HA.Apply(want)
	}
	e.updateGate(want, rec)
}

// advertise tells membership what the store holds, and persists the epoch
// history when it changed.
func (e *Engine) advertise() {
	if !e.haveRep {
		return
	}
	r := e.rep
	epoch := e.mem.DataEpoch()
	if r.Role == ha.RoleSecondary && r.Initialized && r.Epoch > epoch {
		epoch = r.Epoch // synced from a primary of epoch r.Epoch
	}
	e.mem.SetData(epoch, r.Txid)
	if !slices.Equal(r.History, e.savedH) {
		if err := e.env.Disk.SaveHistory(r.History); err != nil {
			e.log.Error("cannot persist the epoch history", "err", err)
			return
		}
		e.savedH = slices.Clone(r.History)
	}
}

// converged reports whether the HA runtime's last report shows it where
// want puts it (otherwise Apply is repeated; the runtime paces retries).
func (e *Engine) converged(want hanet.Desired) bool {
	if !e.haveRep {
		return false
	}
	r := e.rep
	switch want.Role {
	case ha.RolePrimary:
		return r.Role == ha.RolePrimary && r.Epoch == want.Epoch && slices.Equal(r.Required, want.Required)
	case ha.RoleSecondary:
		return r.Role == ha.RoleSecondary && r.Upstream == want.Primary
	}
	return r.Role == ha.RoleNone
}

func equalDesired(a, b hanet.Desired) bool {
	return a.Role == b.Role && a.Primary == b.Primary && a.Addr == b.Addr && a.Epoch == b.Epoch &&
		slices.Equal(a.Required, b.Required) && a.MinSync == b.MinSync && a.Lag == b.Lag && a.Published == b.Published
}

// manageSync keeps the primary's published sync set in step with the
// secondaries that are in sync, in the order that keeps every published
// node holding every acknowledged commit (see the package doc): a node
// joins the required set before it is published, and leaves it only once
// a quorum confirmed a record without it. It returns the required set,
// and how many of its nodes count towards min_sync: those that every
// record published since the newest one known to be confirmed lists in
// sync (whichever of them a quorum confirmed last, it lists them). Only
// a confirmed record makes a node a candidate in the primary's place, so
// a commit acknowledged on the strength of a node published a moment ago
// could otherwise leave, if the primary died before its next heartbeat,
// its only other copy on a node no election may choose.
func (e *Engine) manageSync(rec membership.Record) ([]string, int) {
	if e.pubEpoch != rec.Epoch || !e.pubsEnd(rec) {
		// A new epoch, or a record of ours that we did not publish (a
		// view carried one of the same epoch and a higher Seq, as a
		// witness that kept the record of a cluster whose data nodes were
		// all wiped since): start from what the record says.
		e.pubEpoch = rec.Epoch
		e.pubs = []published{{rec.Seq, slices.Clone(rec.Sync)}}
		clear(e.adding)
	}
	// Forget the records older than the newest one a quorum confirmed.
	for k := len(e.pubs) - 1; k > 0; k-- {
		if e.mem.Confirmed(e.pubs[k].seq) {
			e.pubs = e.pubs[k:]
			break
		}
	}
	good := e.inSyncSecondaries()
	cur := e.pubs[len(e.pubs)-1].sync
	next := slices.DeleteFunc(slices.Clone(cur), func(id membership.NodeID) bool { return !good[id] })
	for id := range good {
		if slices.Contains(cur, id) {
			continue
		}
		if e.adding[id] && slices.Contains(e.rep.Required, e.cfg.Names[id]) {
			next = append(next, id) // waited for from now on: publish it
			delete(e.adding, id)
		} else {
			e.adding[id] = true
		}
	}
	for id := range e.adding {
		if !good[id] {
			delete(e.adding, id)
		}
	}
	slices.Sort(next)
	if !slices.Equal(next, cur) {
		seq, err := e.mem.PublishSync(next)
		if err != nil {
			e.log.Warn("cannot publish the sync set", "err", err)
		} else {
			e.log.Info("in-sync secondaries published", "epoch", rec.Epoch, "seq", seq, "sync", next)
			e.pubs = append(e.pubs, published{seq, next})
		}
	}
	req := map[string]bool{}
	for _, p := range e.pubs {
		for _, id := range p.sync {
			req[e.cfg.Names[id]] = true
		}
	}
	for id := range e.adding {
		req[e.cfg.Names[id]] = true
	}
	out := make([]string, 0, len(req))
	for name := range req {
		out = append(out, name)
	}
	slices.Sort(out)
	// The newest record a quorum confirmed is one of pubs (the first is
	// known to be, a later one may be already): a node counts if each
	// lists it.
	counted := 0
	for _, id := range e.pubs[0].sync {
		if !slices.ContainsFunc(e.pubs, func(p published) bool { return !slices.Contains(p.sync, id) }) {
			counted++
		}
	}
	return out, counted
}

// pubsEnd reports whether rec is the last record the primary published.
func (e *Engine) pubsEnd(rec membership.Record) bool {
	if len(e.pubs) == 0 {
		return false
	}
	last := e.pubs[len(e.pubs)-1]
	return last.seq == rec.Seq && slices.Equal(last.sync, rec.Sync)
}

// inSyncSecondaries returns the data nodes the HA runtime reports in sync
// (and not lagging) that are members of the view.
func (e *Engine) inSyncSecondaries() map[membership.NodeID]bool {
	good := map[membership.NodeID]bool{}
	if !e.haveRep || e.rep.Role != ha.RolePrimary {
		return good
	}
	for _, p := range e.rep.Peers {
		id, ok := e.byName[p.Name]
		if ok && p.InSync && !p.Lagging && id != e.cfg.Mem.Self && e.mem.InView(id) {
			good[id] = true
		}
	}
	return good
}

// updateGate opens the write gate while the local node is the acting
// primary of the current epoch, until its lease runs out on the clock;
// otherwise it closes it.
func (e *Engine) updateGate(want hanet.Desired, rec membership.Record) {
	if e.env.Gate == nil {
		return
	}
	why := ""
	switch {
	case want.Role != ha.RolePrimary:
		master, _ := e.mem.Roles()
		if master != 0 {
			why = fmt.Sprintf("the primary is %s", e.cfg.Names[master])
		} else {
			why = "no primary is elected"
		}
	case !e.haveRep || e.rep.Role != ha.RolePrimary || e.rep.Epoch != rec.Epoch:
		why = "becoming primary"
	}
	if why != "" {
		e.closeGate(why)
		return
	}
	until := e.leaseDeadline()
	if !e.env.Watchdog.allow(until) {
		e.closeGate("the watchdog is not armed")
		return
	}
	e.openGate(until, rec.Epoch)
}

// The gate's transitions are logged with CLOCK_BOOTTIME readings (boot_ns,
// the engine's clock: one clock for every process of a machine), taken
// before it opens and after it closes, so that the logged intervals
// contain the times the node accepted writes: tests on real processes
// check from the logs that no two nodes' intervals overlap (invariant 8).
// The gate also closes by itself at its deadline (until_ns) without a
// call, e.g. while the process is stopped: a node accepted writes up to
// min(closed boot_ns, until_ns), and a deadline that passed while the gate
// looked open is logged as a lapse.

// openGate opens the write gate until the clock reads until.
func (e *Engine) openGate(until time.Duration, epoch uint64) {
	now := e.env.Clock.Now()
	switch {
	case !e.gateOpen:
		e.log.Info("write gate opened: accepting writes", "epoch", epoch, "boot_ns", int64(now), "until_ns", int64(until))
	case now >= e.gateUntil:
		e.log.Info("write gate lapsed: the lease ran out before it was renewed", "epoch", epoch,
			"until_ns", int64(e.gateUntil), "boot_ns", int64(now), "lapsed", now-e.gateUntil)
		e.log.Info("write gate opened: accepting writes", "epoch", epoch, "boot_ns", int64(now), "until_ns", int64(until))
	}
	e.env.Gate.Open(until)
	e.gateOpen, e.gateWhy, e.gateUntil = true, "", until
}

// closeGate closes the write gate (if it is open or had another reason).
func (e *Engine) closeGate(why string) {
	if !e.gateOpen && why == e.gateWhy {
		return
	}
	was := e.gateOpen
	e.env.Gate.Close(why)
	e.gateOpen, e.gateWhy = false, why
	if was {
		now := e.env.Clock.Now()
		e.log.Info("write gate closed: not accepting writes", "why", why, "boot_ns", int64(now), "until_ns", int64(e.gateUntil))
	}
}

// leaseDeadline is the clock time at which the local master's lease runs
// out (far in the future for a single-node cluster).
func (e *Engine) leaseDeadline() time.Duration {
	exp := e.mem.LeaseExpiry()
	if exp >= uint64((1<<62)/e.cfg.Tick) {
		return 1 << 62
	}
	return e.origin + time.Duration(exp)*e.cfg.Tick
}

// Accepting reports whether the node accepts writes now: the invariant 8
// of DESIGN.md is stated on it.
func (e *Engine) Accepting() bool {
	return e.cfg.Auto && e.env.Gate != nil && e.env.Gate.Check() == nil && e.haveRep && e.rep.Role == ha.RolePrimary
}

// LeaseDeadline returns the clock time until which the gate is open (0 if
// it is closed): the watchdog and the tests compare it with their own.
func (e *Engine) LeaseDeadline() time.Duration {
	if !e.gateOpen {
		return 0
	}
	return e.leaseDeadline()
}

// HAReport returns the last state the HA runtime reported.
func (e *Engine) HAReport() (hanet.Report, bool) { return e.rep, e.haveRep }
