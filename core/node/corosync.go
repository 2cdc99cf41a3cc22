package node

// The corosync services of gohad: cmap (the key space of core/corosync,
// its tracking and the writes that act), the quorum service (libquorum's
// notifications) and cfg (node addresses and link status, node kill, the
// shutdown negotiation). Everything runs on the node loop.
//
// Owners. cmap trackers and cfg shutdown trackers belong to a control
// connection, named by its id. A connection that registers one is marked
// (ctlConn.coro) so that its closing is handed to the loop (ctlServer.gone),
// which drops its trackers and counts it as a yes to a pending shutdown.
//
// Stopping. A shutdown decided to go ahead (try_shutdown) or a kill of the
// local node makes the loop return after this pass: the clean leave for a
// shutdown (as on SIGTERM), a failure without leave for a kill. The
// requester's reply is written out first.

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/goha/goha/core/corosync"
	"github.com/goha/goha/core/membership"
	"github.com/goha/goha/core/wire"
)

// coroState is the node's corosync service state.
type coroState struct {
	svc   *corosync.Service
	shut  corosync.Shutdown
	conns map[uint64]*ctlConn // owners of trackers, by connection id
	// waiting is the reply of the pending try_shutdown, by requester.
	waiting map[uint64]func(any, error)
	// dirty: membership state changed since runtime.votequorum.* was
	// last republished.
	dirty bool
	// stop, once set, ends the loop: stopClean after an agreed shutdown,
	// otherwise (a kill) with killErr. drain is the connection whose
	// reply must reach it first.
	stop      bool
	stopClean bool
	killErr   error
	drain     *ctlConn
}

// ErrKilled is returned by Run when a member (or a local client) killed the
// node with corosync_cfg_kill_node.
var ErrKilled = errors.New("killed by corosync_cfg_kill_node")

// maxIterKeys bounds the keys of one cmap.iter reply.
const maxIterKeys = 512

func newCoroState(n *Node) *coroState {
	return &coroState{
		svc:     corosync.NewService(n.cfg, n.self.ID),
		conns:   map[uint64]*ctlConn{},
		waiting: map[uint64]func(any, error){},
		dirty:   true,
	}
}

// own marks c as the owner of trackers.
func (n *Node) own(c *ctlConn) {
	n.coro.conns[c.id] = c
	c.coro.Store(true)
}

// coroGone forgets a closed connection's trackers.
func (n *Node) coroGone(c *ctlConn) {
	delete(n.coro.conns, c.id)
	n.coro.svc.Map().DropOwner(c.id)
	delete(n.coro.waiting, c.id)
	n.applyShutdown(n.coro.shut.Gone(c.id))
}

// route sends cmap notifications to their trackers' connections.
func (n *Node) route(notes []corosync.Notification) {
	for _, nt := range notes {
		c := n.coro.conns[nt.Owner]
		if c == nil {
			continue
		}
		b, err := wire.EncodeBody(&wire.CMapEvent{Track: nt.Track, Event: nt.Event, Key: nt.Key,
			New: wireValue(nt.New), Old: wireValue(nt.Old)})
		if err == nil {
			c.event(wire.EvCMap, b)
		}
	}
}

func wireValue(v corosync.Value) wire.CMapValue {
	return wire.CMapValue{Type: uint8(v.Type), Data: v.Data}
}

// coroEvent feeds a membership event to the corosync services; called by
// publishEvent before the votequorum events go out.
func (n *Node) coroEvent(ev membership.Event) {
	n.coro.dirty = true
	switch ev.Kind {
	case membership.EventViewInstalled:
		members := ids(ev.Members)
		joined, left, notes := n.coro.svc.ViewInstalled(members)
		n.route(notes)
		n.publishBody(wire.TopicQuorumSvc, wire.EvQuorumNodes, &wire.QuorumNodesEvent{Ring: ringOf(ev.Ring), Members: members,
			Joined: orEmpty(joined), Left: orEmpty(left)})
	case membership.EventQuorum:
		n.publishBody(wire.TopicQuorumSvc, wire.EvQuorumSvc, &wire.QuorumSvcEvent{Quorate: ev.Quorate, Ring: ringOf(ev.Ring),
			Members: orEmpty(n.coro.svc.Members())})
	case membership.EventKilled:
		who := "this node"
		if uint32(ev.Node) != n.self.ID {
			who = fmt.Sprintf("node %d (%s)", ev.Node, n.nameOf(uint32(ev.Node)))
		}
		n.log.Error("killed by " + who + " with corosync_cfg_kill_node: stopping at once, without leaving")
		n.coro.stop, n.coro.killErr = true, fmt.Errorf("%w of %s", ErrKilled, who)
	}
}

func orEmpty(s []uint32) []uint32 {
	if s == nil {
		return []uint32{}
	}
	return s
}

func (n *Node) publishBody(topic uint32, kind string, body any) {
	b, err := wire.EncodeBody(body)
	if err != nil {
		n.log.Error("cannot encode event", "kind", kind, "err", err)
		return
	}
	n.ctl.publish(topic, kind, b)
}

// coroFlush ends a loop pass: republishes runtime.votequorum.* after a
// change, decides a shutdown whose time is up, and reports whether the
// loop must stop now (and how).
func (n *Node) coroFlush() (stop bool, err error) {
	if n.coro.dirty {
		n.coro.dirty = false
		st := n.mem.Status()
		rt := corosync.Runtime{Self: n.self.ID, TwoNode: st.Quorum.Flags&wire.VQTwoNode != 0,
			WaitForAll: st.Quorum.Flags&wire.VQWaitForAll != 0, WaitForAllStatus: st.WaitForAllStatus, EVBarrier: st.EVBarrier}
		for _, q := range st.QuorumNodes {
			if uint32(q.State) == wire.NodeStateMember && q.ID != 0 {
				rt.Members = append(rt.Members, uint32(q.ID))
			}
		}
		n.route(n.coro.svc.Update(rt))
	}
	if _, pending := n.coro.shut.Deadline(); pending {
		n.applyShutdown(n.coro.shut.Expire(time.Since(n.start)))
	}
	if !n.coro.stop {
		return false, nil
	}
	if c := n.coro.drain; c != nil {
		c.drainOut(time.Second)
	}
	if n.coro.killErr != nil {
		return true, n.coro.killErr
	}
	return true, nil
}

// --- quorum service ---

func (n *Node) opQuorumGetQuorate() (any, error) {
	return &wire.QuorateResult{Quorate: n.mem.Quorate()}, nil
}

// quorumSvcSnapshot queues TopicQuorumSvc's snapshot: NODELIST of the
// current members (nothing joined or left), then QUORUM.
func (n *Node) quorumSvcSnapshot(c *ctlConn, st *membership.Status) {
	members := orEmpty(ids(st.Members))
	nb, _ := wire.EncodeBody(&wire.QuorumNodesEvent{Ring: ringOf(st.Ring), Members: members, Joined: []uint32{}, Left: []uint32{}})
	c.event(wire.EvQuorumNodes, nb)
	qb, _ := wire.EncodeBody(&wire.QuorumSvcEvent{Quorate: n.mem.Quorate(), Ring: ringOf(st.Ring), Members: members})
	c.event(wire.EvQuorumSvc, qb)
}

// --- cmap ---

// cmapOf returns the map a request names: the key space, or a fresh copy
// of the statistics (read-only).
func (n *Node) cmapOf(m uint8) (*corosync.Map, bool, error) {
	switch m {
	case wire.CMapMain:
		return n.coro.svc.Map(), false, nil
	case wire.CMapStats:
		return n.statsMap(), true, nil
	}
	return nil, false, fmt.Errorf("%w: map %d", corosync.ErrNotExist, m)
}

// statsMap is CMAP_MAP_STATS: gohad's counters under stats.goha.
func (n *Node) statsMap() *corosync.Map {
	m := corosync.NewMap()
	cw := n.cnt.wire()
	for k, v := range map[string]uint64{
		"dgram_sent": cw.DatagramsSent, "dgram_recv": cw.DatagramsReceived, "rej_auth": cw.RejectedAuth,
		"rej_replay": cw.RejectedReplay, "rej_malformed": cw.RejectedMalformed, "rej_unknown": cw.RejectedUnknown,
		"clients_dropped": cw.ClientsDropped,
	} {
		m.Set("stats.goha."+k, corosync.Uint64(v))
	}
	return m
}

func (n *Node) opCMapGet(a *wire.CMapKeyArg) (any, error) {
	m, _, err := n.cmapOf(a.Map)
	if err != nil {
		return nil, err
	}
	v, err := m.Get(a.Key)
	if err != nil {
		return nil, err
	}
	return &wire.CMapValue{Type: uint8(v.Type), Data: v.Data}, nil
}

// cmapWrite checks a client write and applies its effect; the caller then
// changes the map.
func (n *Node) cmapWrite(mapID uint8, key string, v corosync.Value, del bool) (*corosync.Map, error) {
	m, stats, err := n.cmapOf(mapID)
	if err != nil {
		return nil, err
	}
	if err := corosync.CheckKeyLen(key); err != nil {
		return nil, err
	}
	if stats {
		return nil, fmt.Errorf("%w: the stats map is read-only", corosync.ErrAccess)
	}
	eff, err := corosync.CheckWrite(key, v, del)
	if err != nil {
		return nil, err
	}
	switch eff.Kind {
	case corosync.EffectSetExpected:
		err = n.mem.SetExpected(eff.N)
	case corosync.EffectQDeviceVote:
		err = n.mem.SetVotes(0, eff.N)
	case corosync.EffectTwoNode:
		err = n.mem.SetTwoNode(eff.N == 1)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return m, nil
}

func (n *Node) opCMapSet(a *wire.CMapSetArg) (any, error) {
	v := corosync.Value{Type: corosync.ValueType(a.Value.Type), Data: a.Value.Data}
	m, err := n.cmapWrite(a.Map, a.Key, v, false)
	if err != nil {
		return nil, err
	}
	notes, err := m.Set(a.Key, v)
	n.route(notes)
	return nil, err
}

func (n *Node) opCMapDelete(a *wire.CMapKeyArg) (any, error) {
	m, err := n.cmapWrite(a.Map, a.Key, corosync.Value{}, true)
	if err != nil {
		return nil, err
	}
	notes, err := m.Delete(a.Key)
	n.route(notes)
	return nil, err
}

func (n *Node) opCMapAdjust(a *wire.CMapAdjustArg) (any, error) {
	m, _, err := n.cmapOf(a.Map)
	if err != nil {
		return nil, err
	}
	old, err := m.Get(a.Key)
	if err != nil {
		return nil, err
	}
	if _, err := n.cmapWrite(a.Map, a.Key, old, false); err != nil {
		return nil, err
	}
	notes, err := m.Adjust(a.Key, int64(a.Step))
	n.route(notes)
	return nil, err
}

func (n *Node) opCMapIter(a *wire.CMapIterArg) (any, error) {
	m, _, err := n.cmapOf(a.Map)
	if err != nil {
		return nil, err
	}
	if err := corosync.CheckKeyLen(a.Prefix); err != nil {
		return nil, err
	}
	keys, more := m.Iter(a.Prefix, a.After, min(max(a.Max, 1), maxIterKeys))
	r := &wire.CMapIterResult{Keys: make([]wire.CMapKey, len(keys)), More: more}
	for i, k := range keys {
		r.Keys[i] = wire.CMapKey{Name: k.Name, Len: k.Len, Type: uint8(k.Type)}
	}
	return r, nil
}

func (n *Node) opCMapTrack(c *ctlConn, a *wire.CMapTrackArg) (any, error) {
	if a.Map != wire.CMapMain {
		if _, _, err := n.cmapOf(a.Map); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: the stats map cannot be tracked", corosync.ErrNotSupported)
	}
	err := n.coro.svc.Map().Track(corosync.Tracker{Owner: c.id, ID: a.ID, Key: a.Key, Flags: a.Flags})
	if err != nil {
		return nil, err
	}
	n.own(c)
	return nil, nil
}

func (n *Node) opCMapUntrack(c *ctlConn, a *wire.CMapUntrackArg) (any, error) {
	return nil, n.coro.svc.Map().Untrack(c.id, a.ID)
}

// --- cfg ---

func (n *Node) opCfgNodeAddrs(a *wire.NodeArg) (any, error) {
	id := a.Node
	if id == 0 {
		id = n.self.ID
	}
	ip, ok := n.coro.svc.Addr(id)
	if !ok {
		return nil, &OpError{Code: wire.CodeNotExist, Msg: fmt.Sprintf("node %d is not in the cluster config", id)}
	}
	return &wire.CfgAddrs{Addrs: []string{ip}}, nil
}

// cfgStatus is the link status of every configured node, by id.
func (n *Node) cfgStatus() []wire.CfgNodeStatus {
	st := n.mem.Status()
	src, _ := n.coro.svc.Addr(n.self.ID)
	var out []wire.CfgNodeStatus
	for _, ms := range st.Nodes {
		dst, _ := n.coro.svc.Addr(uint32(ms.ID))
		local := uint32(ms.ID) == n.self.ID
		out = append(out, wire.CfgNodeStatus{NodeID: uint32(ms.ID), Local: local, Reachable: local || ms.Heard, SrcAddr: src, DstAddr: dst})
	}
	slices.SortFunc(out, func(a, b wire.CfgNodeStatus) int { return int(a.NodeID) - int(b.NodeID) })
	return out
}

func (n *Node) opCfgNodeStatus(a *wire.NodeArg) (any, error) {
	for _, s := range n.cfgStatus() {
		if s.NodeID == a.Node {
			return &s, nil
		}
	}
	return nil, &OpError{Code: wire.CodeNotExist, Msg: fmt.Sprintf("node %d is not in the cluster config", a.Node)}
}

func (n *Node) opCfgLinks() (any, error) { return &wire.CfgLinks{Nodes: n.cfgStatus()}, nil }

func (n *Node) opCfgTrack(c *ctlConn, a *wire.CfgTrackArg) (any, error) {
	if a.On {
		n.own(c)
		n.applyShutdown(n.coro.shut.Track(c.id))
	} else {
		n.applyShutdown(n.coro.shut.Untrack(c.id))
	}
	return nil, nil
}

// opCfgShutdown is asynchronous: the reply waits for the decision.
func (n *Node) opCfgShutdown(c *ctlConn, body []byte, reply func(any, error)) {
	var a wire.CfgShutdownArg
	if err := wire.DecodeBody(body, &a); err != nil {
		reply(nil, &OpError{Code: wire.CodeBadRequest, Msg: "bad arguments: " + err.Error()})
		return
	}
	timeout := corosync.DefaultShutdownTimeout
	if v, err := n.coro.svc.Map().Get(corosync.KeyShutdownTimeout); err == nil {
		if ms, ok := v.Uint(); ok && v.Type == corosync.TypeUint32 {
			timeout = time.Duration(ms) * time.Millisecond
		}
	}
	d, err := n.coro.shut.Request(c.id, a.Flags, time.Since(n.start), timeout)
	if err != nil {
		reply(nil, err)
		return
	}
	n.own(c)
	n.coro.waiting[c.id] = reply
	n.log.Info("shutdown requested with corosync_cfg_try_shutdown", "flags", a.Flags, "asking", len(d.Ask))
	n.applyShutdown(d)
}

func (n *Node) opCfgReply(c *ctlConn, a *wire.CfgReplyArg) (any, error) {
	d, err := n.coro.shut.Reply(c.id, a.Yes)
	if err != nil {
		return nil, err
	}
	n.applyShutdown(d)
	return nil, nil
}

// applyShutdown carries out a decision of the shutdown negotiation.
func (n *Node) applyShutdown(d corosync.Decision) {
	if len(d.Ask) > 0 {
		b, _ := wire.EncodeBody(&wire.CfgShutdownEvent{Flags: d.Flags})
		for _, o := range d.Ask {
			if c := n.coro.conns[o]; c != nil {
				c.event(wire.EvCfgShutdown, b)
			}
		}
	}
	if !d.Decided {
		return
	}
	reply := n.coro.waiting[d.Requester]
	delete(n.coro.waiting, d.Requester)
	if !d.Stop {
		n.log.Info("shutdown refused by a cfg tracker, or not answered in time")
		if reply != nil {
			reply(nil, &OpError{Code: wire.CodeBusy, Msg: "a tracker refused the shutdown or did not answer in time"})
		}
		return
	}
	n.log.Info("shutdown agreed (corosync_cfg_try_shutdown): leaving the cluster")
	if reply != nil {
		reply(nil, nil)
	}
	n.coro.stop, n.coro.stopClean = true, true
	n.coro.drain = n.coro.conns[d.Requester]
}

func (n *Node) opCfgKill(c *ctlConn, a *wire.CfgKillArg) (any, error) {
	if err := n.mem.KillNode(membership.NodeID(a.Node)); err != nil {
		if errors.Is(err, membership.ErrUnknownNode) {
			return nil, &OpError{Code: wire.CodeNotExist, Msg: err.Error()}
		}
		return nil, err
	}
	n.log.Warn("corosync_cfg_kill_node", "target_id", a.Node, "target", n.nameOf(a.Node), "reason", a.Reason)
	if a.Node == n.self.ID {
		n.coro.drain = c
	}
	return nil, nil
}

func (n *Node) opCfgReload() (any, error) {
	rep, err := n.reload("corosync_cfg_reload_config")
	if err != nil {
		return nil, fail(wire.CodeInvalid, "%v", err)
	}
	if len(rep.Refused) > 0 {
		return nil, fail(wire.CodeInvalid, "refused: %s", strings.Join(rep.Refused, "; "))
	}
	if len(rep.Restart) > 0 {
		return nil, fail(wire.CodeNotSupported, "these changes need a restart of every node: %s", strings.Join(rep.Restart, ", "))
	}
	return nil, nil
}
