package node

// The daemon side of core/node/engine: the engine's seams over gohad's
// bbolt file, UDP transport, control server and HA runtime, and the HA
// runtime's reports handed to the node loop.

import (
	"fmt"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/goha/goha/core/config"
	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/ha/hanet"
	"github.com/goha/goha/core/membership"
	"github.com/goha/goha/core/node/engine"
	"github.com/goha/goha/core/wire"
)

// historyKey is the bbolt key of the config store's epoch history (auto
// mode), a msgpack list of (epoch, start txid) pairs.
const historyKey = "history"

// nodeDisk persists the engine's state in the node's bbolt file.
type nodeDisk Node

func (d *nodeDisk) SaveState(ps membership.PersistentState) error {
	n := (*Node)(d)
	b, err := msgpack.Marshal(&ps)
	if err == nil {
		err = saveKey(n.db, persistKey, b)
	}
	return err
}

func (d *nodeDisk) SaveHistory(h []uint64) error {
	b, err := msgpack.Marshal(h)
	if err != nil {
		return err
	}
	return saveKey((*Node)(d).db, historyKey, b)
}

// nodeNet sends membership messages as authenticated datagrams.
type nodeNet Node

func (t *nodeNet) Send(m *membership.Message) {
	n := (*Node)(t)
	n.encBuf = wire.AppendMember(n.encBuf[:0], m)
	if err := n.tr.send(uint32(m.To), n.encBuf); err != nil {
		n.bad.Log("membership send failed", "to", m.To, "err", err)
	}
}

// loadHistory reads the epoch history (nil if none).
func loadHistory(n *Node) ([]uint64, error) {
	b, err := loadKey(n.db, historyKey)
	if err != nil || b == nil {
		return nil, err
	}
	var h []uint64
	if err := wire.CheckMsgpack(b); err != nil {
		return nil, err
	}
	return h, msgpack.Unmarshal(b, &h)
}

// EngineConfig builds the engine's config for node self from the cluster
// config.
func EngineConfig(cfg *config.Config, self *config.Node, tick time.Duration) engine.Config {
	mc := MembershipConfig(cfg, self.ID, tick)
	if cfg.Fencing.Watchdog != "" {
		mc.FenceExtraTicks = engine.FenceExtra(tick)
	}
	ec := engine.Config{Mem: mc, Tick: tick, Auto: cfg.Auto(), Witness: self.Witness,
		Names: map[membership.NodeID]string{}, HAAddrs: map[membership.NodeID]string{}, MinSync: cfg.EffectiveMinSync()}
	if cfg.HA.Replication == config.ReplicationAsync {
		ec.Lag = cfg.HA.MaxLag
	}
	for _, nd := range cfg.Nodes {
		ec.Names[membership.NodeID(nd.ID)] = nd.Name
		ec.HAAddrs[membership.NodeID(nd.ID)] = nd.HAAddr
	}
	return ec
}

// startEngine builds the engine from the restored state, with the HA
// runtime attached later (startHA) in auto mode.
func startEngine(n *Node, restored membership.PersistentState) error {
	ec := EngineConfig(n.cfg, n.self, n.tick)
	n.mcfg = ec.Mem
	env := engine.Env{Clock: engine.BootClock{}, Disk: (*nodeDisk)(n), Net: (*nodeNet)(n), Events: n.publishEvent, Log: n.log}
	if n.cfg.Auto() && !n.self.Witness {
		env.Gate = hanet.NewGate(env.Clock)
	}
	if path := n.cfg.Fencing.Watchdog; path != "" {
		dev, err := engine.OpenWatchdog(path)
		if err != nil {
			return fmt.Errorf("%w (fencing.watchdog)", err)
		}
		env.Watchdog = engine.NewWatchdog(dev, env.Clock, n.log.With("sub", "watchdog"))
	}
	eng, err := engine.New(ec, restored, env)
	if err != nil {
		if env.Watchdog != nil {
			env.Watchdog.Stop()
		}
		return fmt.Errorf("config %s: %w", n.opts.ConfigPath, err)
	}
	n.eng, n.mem, n.gate, n.wd = eng, eng.Mem(), env.Gate, env.Watchdog
	return nil
}

// haReport hands the HA runtime's report to the node loop; only the latest
// one matters (the controller is level-triggered), so an older one still
// queued is replaced.
func (n *Node) haReport(r hanet.Report) {
	for {
		select {
		case n.haReports <- r:
			return
		default:
		}
		select {
		case <-n.haReports:
		default:
		}
	}
}

// autoModeErr is the error of a confd_ha_* role command in auto mode.
func autoModeErr(what string) error {
	return codeErr(wire.CodeBadState, fmt.Errorf("%s: this node is in auto mode ([ha] mode = \"auto\"): the cluster chooses the HA roles", what))
}

// onLoop runs f on the node loop and waits for it; false if the node
// stopped first.
func (n *Node) onLoop(f func()) bool {
	done := make(chan struct{})
	select {
	case n.loopFns <- func() { f(); close(done) }:
	case <-n.done:
		return false
	}
	select {
	case <-done:
		return true
	case <-n.done:
		return false
	}
}

// opHAStatus serves OpHAStatus: the HA runtime's status, or on a witness
// (which runs none) role none with the auto-mode part.
func (n *Node) opHAStatus(c *ctlConn, body []byte, reply func(any, error)) {
	if n.ha != nil {
		n.ha.opStatus(c, body, reply)
		return
	}
	go func() {
		ws := &wire.HAStatus{Name: n.self.Name, State: int(ha.RoleNone), Mode: n.cfg.HA.Replication, Nodes: []wire.HANode{}}
		if n.cfg.Auto() {
			ws.Auto = n.autoStatus(&ha.Status{Role: ha.RoleNone})
		}
		reply(ws, nil)
	}()
}

// autoStatus is the auto-mode part of OpHAStatus (see wire.HAAuto).
func (n *Node) autoStatus(hs *ha.Status) *wire.HAAuto {
	a := &wire.HAAuto{MinSync: n.cfg.EffectiveMinSync(), Witness: n.self.Witness, Discarded: hs.Discarded}
	n.onLoop(func() {
		rec := n.mem.Record()
		a.Epoch, a.Primary = rec.Epoch, n.nameOf(uint32(rec.Primary))
		a.Sync = []string{}
		for _, id := range rec.Sync {
			a.Sync = append(a.Sync, n.nameOf(uint32(id)))
		}
	})
	switch {
	case n.self.Witness:
		a.Why = "a witness keeps no store"
	case n.ha == nil:
		a.Why = "no HA runtime"
	default:
		if err := n.ha.rt.Writable(); err != nil {
			a.Why = err.Error()
		} else {
			a.Writable = true
		}
	}
	return a
}

// idByName returns the id of node name (0 for "").
func (n *Node) idByName(name string) (membership.NodeID, error) {
	if name == "" {
		return 0, nil
	}
	c, ok := n.cfg.NodeByName(name)
	if !ok {
		return 0, fail(wire.CodeNotExist, "%s", config.UnknownNode(n.cfg, name))
	}
	return membership.NodeID(c.ID), nil
}

// opSwitchover hands the primary role (the mastership) to node a.Node, an
// in-sync secondary in auto mode, or to the best candidate: a two-phase
// handover (see membership's ReleaseMastership).
func (n *Node) opSwitchover(a *wire.SwitchoverArg) (any, error) {
	id, err := n.idByName(a.Node)
	if err != nil {
		return nil, err
	}
	if err := n.mem.Switchover(id); err != nil {
		return nil, err
	}
	n.log.Info("switchover requested", "to", a.Node)
	return nil, nil
}

// opForcePrimary is the operator's override (auto mode): node a.Node
// becomes the next primary although no node known to hold every
// acknowledged commit is there; what only the missing nodes held is lost.
func (n *Node) opForcePrimary(a *wire.ForcePrimaryArg) (any, error) {
	switch {
	case !n.cfg.Auto():
		return nil, fail(wire.CodeNotSupported, "force-primary is for auto mode ([ha] mode = \"auto\")")
	case !a.AllowDataLoss:
		return nil, fail(wire.CodeInvalid, "refused: forcing a primary can lose acknowledged commits; say --allow-data-loss")
	}
	id, err := n.idByName(a.Node)
	if err != nil {
		return nil, err
	}
	if id == 0 {
		return nil, fail(wire.CodeInvalid, "name the node to force")
	}
	if err := n.mem.ForcePrimaryOf(id); err != nil {
		return nil, err
	}
	n.log.Error("FORCED PRIMARY by the operator (--allow-data-loss): acknowledged commits that only missing nodes hold are lost",
		"node", a.Node, "record", n.mem.Record().String())
	return nil, nil
}
