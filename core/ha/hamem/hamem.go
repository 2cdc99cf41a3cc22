// Package hamem runs several HA nodes (core/ha state machines over real
// core/store stores) in one process over an in-memory network whose every
// delivery is chosen by the caller. It is the runtime the datadriven
// transcripts of core/ha and the simulator in core/sim use; it follows the
// Ready contract of core/ha exactly as the TCP runtime (core/ha/hanet) does.
//
// Connections are FIFO pipes of Packets. The caller delivers packets one at
// a time (Deliver, in any order it likes: the protocol's sequence numbers
// turn reordering and loss into a closed connection and drop duplicates), or
// all in order (Stabilize). A full copy (MsgSnapshot) carries the sender's
// snapshot stream, taken when the message is sent, and is staged and
// verified by the receiver on delivery, as hanet does.
package hamem

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"sort"

	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/store"
)

// Packet is a message in flight on a connection.
type Packet struct {
	ID       uint64
	From, To string // node names
	Conn     uint64 // the receiver's connection id
	Msg      ha.Message
	Snapshot []byte // MsgSnapshot: the stream
	// Gen is the receiver's incarnation when the packet was sent; packets
	// to an earlier incarnation are dropped at delivery.
	Gen int
}

func (p *Packet) String() string {
	s := fmt.Sprintf("%s->%s %s", p.From, p.To, p.Msg.Type)
	switch p.Msg.Type {
	case ha.MsgCommit, ha.MsgAck, ha.MsgSyncDone, ha.MsgSnapshot, ha.MsgSyncSkip:
		s += fmt.Sprintf(" txid=%d", p.Msg.Txid)
	case ha.MsgReject:
		s += fmt.Sprintf(" code=%d", p.Msg.Code)
	case ha.MsgClosed:
		s += " (" + p.Msg.Reason + ")"
	}
	return s
}

type endpoint struct {
	node string
	conn uint64
}

// Member is one node: its store, its HA machine and what it published.
type Member struct {
	Name   string
	Addr   string
	Cfg    ha.Config // template for restarts (Txid/Digest come from the store)
	Store  *store.Store
	HA     *ha.Node // nil while crashed
	Gen    int      // incarnation, bumped by Restart
	path   string
	staged map[uint64]*store.Staged

	// Published output, appended by the runtime; the caller may reset them.
	Events  []ha.Event
	Acked   []uint64
	Aborted []uint64
	Results []ha.Result
	Logs    []string
}

// maxLogs bounds Member.Logs in long simulations.
const maxLogs = 4096

// Up reports whether the member is running.
func (m *Member) Up() bool { return m.HA != nil }

// Cluster is the in-memory network and its members.
type Cluster struct {
	Dir     string
	Members map[string]*Member
	Names   []string // sorted
	Packets []*Packet
	// Trace, if set, receives one line per delivery, event and ack.
	Trace func(string)
	// OnApply, if set, is called after a member persisted an Apply.
	OnApply func(m *Member, a ha.Apply)
	// Drop, if set, decides at send time whether a message is lost.
	Drop func(from, to string, msg ha.Message) bool
	// Reachable, if set, decides whether a dial from one node to another
	// gets through; a dial that does not just hangs (no answer at all).
	Reachable func(from, to string) bool

	peer     map[endpoint]endpoint
	nextConn uint64
	nextPkt  uint64
	entropy  io.Reader
}

// New returns an empty cluster whose stores live in dir. entropy feeds
// every node's nonces (pass a seeded source for reproducible runs).
func New(dir string, entropy io.Reader) *Cluster {
	return &Cluster{Dir: dir, Members: map[string]*Member{}, peer: map[endpoint]endpoint{}, entropy: entropy}
}

func (c *Cluster) trace(format string, args ...any) {
	if c.Trace != nil {
		c.Trace(fmt.Sprintf(format, args...))
	}
}

// Add creates a member with a fresh store. cfg.Name must be set; Entropy and
// the store state are filled in.
func (c *Cluster) Add(cfg ha.Config) (*Member, error) {
	if _, ok := c.Members[cfg.Name]; ok {
		return nil, fmt.Errorf("hamem: %s exists", cfg.Name)
	}
	m := &Member{Name: cfg.Name, Addr: cfg.Name + ":4570", Cfg: cfg, path: filepath.Join(c.Dir, cfg.Name+".db")}
	c.Members[cfg.Name] = m
	c.Names = append(c.Names, cfg.Name)
	sort.Strings(c.Names)
	return m, c.start(m)
}

func (c *Cluster) start(m *Member) error {
	s, err := store.OpenFile(m.path, &store.Options{NoSync: true, InitialMmapSize: 1 << 22})
	if err != nil {
		return err
	}
	cfg := m.Cfg
	txid, d := s.State()
	cfg.Txid, cfg.Digest, cfg.Entropy = txid, d[:], c.entropy
	cfg.Logf = func(format string, args ...any) {
		if len(m.Logs) >= maxLogs {
			m.Logs = m.Logs[len(m.Logs)-maxLogs/2:]
		}
		m.Logs = append(m.Logs, fmt.Sprintf(format, args...))
	}
	n, err := ha.New(cfg)
	if err != nil {
		s.Close()
		return err
	}
	m.Store, m.HA, m.staged = s, n, map[uint64]*store.Staged{}
	return nil
}

// Crash stops a member as a process crash would: its store file stays, its
// connections die. If notify, the peers see the connections close (a
// kernel sends RST/FIN); otherwise they only notice by missing ticks.
func (c *Cluster) Crash(name string, notify bool) {
	m := c.Members[name]
	if !m.Up() {
		return
	}
	m.HA = nil
	m.Store.Close()
	m.Store = nil
	for _, ep := range c.sortedEndpoints() {
		if ep.node == name {
			c.closeEndpoint(ep, notify, "peer crashed")
		}
	}
	// Packets addressed to it are lost with the process.
	kept := c.Packets[:0]
	for _, p := range c.Packets {
		if p.To != name {
			kept = append(kept, p)
		}
	}
	c.Packets = kept
	c.trace("%s: crashed", name)
}

// Restart starts a crashed member again from its store, in role none.
func (c *Cluster) Restart(name string) error {
	m := c.Members[name]
	if m.Up() {
		return nil
	}
	m.Gen++
	if err := c.start(m); err != nil {
		return err
	}
	c.trace("%s: restarted at txid %d", name, m.Store.Txid())
	return nil
}

func (c *Cluster) sortedEndpoints() []endpoint {
	eps := make([]endpoint, 0, len(c.peer))
	for ep := range c.peer {
		eps = append(eps, ep)
	}
	sort.Slice(eps, func(i, j int) bool {
		if eps[i].node != eps[j].node {
			return eps[i].node < eps[j].node
		}
		return eps[i].conn < eps[j].conn
	})
	return eps
}

// closeEndpoint tears down a connection from ep's side; the other side
// learns of it (a MsgClosed packet after what is already in flight) if notify.
func (c *Cluster) closeEndpoint(ep endpoint, notify bool, reason string) {
	other, ok := c.peer[ep]
	if !ok {
		return
	}
	delete(c.peer, ep)
	delete(c.peer, other)
	if notify {
		c.enqueue(&Packet{From: ep.node, To: other.node, Conn: other.conn, Msg: ha.Message{Type: ha.MsgClosed, Conn: other.conn, Reason: reason}})
	}
}

// Cut closes every connection between a and b (both ways) without telling
// either side: what a network partition does to idle TCP connections.
// Messages in flight between them are lost.
func (c *Cluster) Cut(a, b string) {
	for _, ep := range c.sortedEndpoints() {
		if o, ok := c.peer[ep]; ok && ep.node == a && o.node == b {
			c.closeEndpoint(ep, false, "")
		}
	}
	kept := c.Packets[:0]
	for _, p := range c.Packets {
		if !(p.From == a && p.To == b || p.From == b && p.To == a) {
			kept = append(kept, p)
		}
	}
	c.Packets = kept
}

// Reset closes every connection between a and b, telling both sides.
func (c *Cluster) Reset(a, b string) {
	for _, ep := range c.sortedEndpoints() {
		if o, ok := c.peer[ep]; ok && ep.node == a && o.node == b {
			c.closeEndpoint(ep, true, "connection reset")
			c.enqueue(&Packet{From: b, To: a, Conn: ep.conn, Msg: ha.Message{Type: ha.MsgClosed, Conn: ep.conn, Reason: "connection reset"}})
		}
	}
}

func (c *Cluster) enqueue(p *Packet) {
	c.nextPkt++
	p.ID = c.nextPkt
	if m := c.Members[p.To]; m != nil {
		p.Gen = m.Gen
	}
	c.Packets = append(c.Packets, p)
}

// Deliver delivers the i-th packet in flight and handles the receiver's
// Ready. Packets to a crashed receiver or a closed connection vanish.
func (c *Cluster) Deliver(i int) {
	p := c.Packets[i]
	c.Packets = append(c.Packets[:i:i], c.Packets[i+1:]...)
	c.deliver(p)
}

// TakePackets removes and returns every packet in flight, for a caller
// that runs its own network (delays, loss) and hands them back one by one
// with DeliverPacket.
func (c *Cluster) TakePackets() []*Packet {
	ps := c.Packets
	c.Packets = nil
	return ps
}

// DeliverPacket delivers p (taken with TakePackets) now.
func (c *Cluster) DeliverPacket(p *Packet) { c.deliver(p) }

// Duplicate delivers a copy of the i-th packet, leaving it in flight.
func (c *Cluster) Duplicate(i int) {
	cp := *c.Packets[i]
	c.deliver(&cp)
}

func (c *Cluster) deliver(p *Packet) {
	m := c.Members[p.To]
	if m == nil || !m.Up() || p.Gen != m.Gen {
		return
	}
	// Packets sent before a close are still delivered (TCP flushes them);
	// the receiver ignores connections it has dropped itself.
	c.trace("deliver %s", p)
	msg := p.Msg
	msg.Conn = p.Conn
	if msg.Type == ha.MsgSnapshot {
		st, err := m.Store.Stage(bytes.NewReader(p.Snapshot))
		if err != nil { // a corrupted copy is refused, never installed
			c.trace("%s: refusing snapshot: %v", m.Name, err)
			c.closeEndpoint(endpoint{p.To, p.Conn}, true, "corrupt snapshot")
			c.step(m, ha.Message{Type: ha.MsgClosed, Conn: p.Conn, Reason: err.Error()})
			return
		}
		m.staged[p.Conn] = st
		msg.Txid, msg.Digest = st.Info.Txid, st.Info.Digest[:]
	}
	c.step(m, msg)
}

func (c *Cluster) step(m *Member, msg ha.Message) {
	if err := m.HA.Step(msg); err != nil {
		c.trace("%s: step %v: %v", m.Name, msg.Type, err)
	}
	c.HandleReady(m)
}

// Stabilize delivers packets in FIFO order until none is left (bounded).
func (c *Cluster) Stabilize() {
	for i := 0; len(c.Packets) > 0 && i < 100000; i++ {
		c.Deliver(0)
	}
}

// Tick ticks one member.
func (c *Cluster) Tick(name string) {
	m := c.Members[name]
	if m.Up() {
		m.HA.Tick()
		c.HandleReady(m)
	}
}

// Write commits ops on a member and proposes the commit to its HA machine.
// The commit is acknowledged when its txid shows up in m.Acked.
func (c *Cluster) Write(name string, ops []store.Op) (store.Commit, error) {
	m := c.Members[name]
	if !m.Up() {
		return store.Commit{}, fmt.Errorf("hamem: %s is down", name)
	}
	if m.HA.ReadOnly() {
		return store.Commit{}, ha.Errf(ha.CodeNotWritable, "%s is %s", name, m.HA.Role())
	}
	cm, err := m.Store.Batch(ops)
	if err != nil {
		return cm, err
	}
	if err := m.HA.Propose(cm.Txid, cm.Digest[:], cm.Encode()); err != nil {
		return cm, err
	}
	c.HandleReady(m)
	return cm, nil
}

// Command runs fn against a member's HA machine and handles its Ready.
func (c *Cluster) Command(name string, fn func(n *ha.Node) error) error {
	m := c.Members[name]
	if !m.Up() {
		return fmt.Errorf("hamem: %s is down", name)
	}
	err := fn(m.HA)
	c.HandleReady(m)
	return err
}

// HandleReady processes a member's Ready batches per the core/ha contract.
func (c *Cluster) HandleReady(m *Member) {
	for m.Up() && m.HA.HasReady() {
		rd := m.HA.Ready()
		m.Store.SetReadOnly(rd.Role == ha.RoleSecondary || rd.Role == ha.RoleRelay)
		for _, d := range rd.Dials {
			c.dial(m, d)
		}
		applied := true
		for _, a := range rd.Apply {
			var err error
			switch a.Kind {
			case ha.ApplyCommit:
				_, err = m.Store.ApplyEncoded(a.Data)
			case ha.ApplySnapshot:
				st := m.staged[a.Conn]
				delete(m.staged, a.Conn)
				err = m.Store.Activate(st)
			}
			if err != nil {
				c.trace("%s: apply txid %d failed: %v", m.Name, a.Txid, err)
				applied = false
				t, d := m.Store.State()
				defer func() { c.step(m, ha.Message{Type: ha.MsgApplyFailed, Txid: t, Digest: d[:], Reason: err.Error()}) }()
				break
			}
			if c.OnApply != nil {
				c.OnApply(m, a)
			}
		}
		if applied {
			for _, msg := range rd.Messages {
				c.send(m, msg)
			}
		}
		for _, conn := range rd.Close {
			c.closeEndpoint(endpoint{m.Name, conn}, true, "closed by "+m.Name)
		}
		for _, e := range rd.Events {
			c.trace("%s: event %s", m.Name, e)
		}
		for _, t := range rd.Acked {
			c.trace("%s: acked txid %d", m.Name, t)
		}
		for _, t := range rd.Aborted {
			c.trace("%s: aborted txid %d", m.Name, t)
		}
		for _, r := range rd.Results {
			c.trace("%s: besecondary result code=%d", m.Name, r.Code)
		}
		m.Events = append(m.Events, rd.Events...)
		m.Acked = append(m.Acked, rd.Acked...)
		m.Aborted = append(m.Aborted, rd.Aborted...)
		m.Results = append(m.Results, rd.Results...)
		m.HA.Advance(rd)
		if !applied {
			return // the deferred MsgApplyFailed step handles the rest
		}
	}
}

func (c *Cluster) dial(m *Member, d ha.Dial) {
	var target *Member
	for _, name := range c.Names {
		if o := c.Members[name]; o.Addr == d.Addr {
			target = o
		}
	}
	if target != nil && c.Reachable != nil && !c.Reachable(m.Name, target.Name) {
		c.trace("%s: dial to %s hangs (unreachable)", m.Name, target.Name)
		return
	}
	if target == nil || !target.Up() || target == m ||
		(target.HA.Role() != ha.RolePrimary && target.HA.Role() != ha.RoleRelay) {
		c.enqueue(&Packet{From: m.Name, To: m.Name, Conn: d.Conn, Msg: ha.Message{Type: ha.MsgClosed, Conn: d.Conn, Reason: "connection refused"}})
		return
	}
	c.nextConn++
	a, b := endpoint{m.Name, d.Conn}, endpoint{target.Name, c.nextConn}
	c.peer[a], c.peer[b] = b, a
	if err := target.HA.Step(ha.Message{Type: ha.MsgAccepted, Conn: b.conn, Addr: m.Addr}); err != nil {
		c.trace("%s: accept: %v", target.Name, err)
	}
	c.HandleReady(target)
	c.enqueue(&Packet{From: target.Name, To: m.Name, Conn: d.Conn, Msg: ha.Message{Type: ha.MsgConnected, Conn: d.Conn}})
}

func (c *Cluster) send(m *Member, msg ha.Message) {
	other, ok := c.peer[endpoint{m.Name, msg.Conn}]
	if !ok {
		return // closed meanwhile
	}
	p := &Packet{From: m.Name, To: other.node, Conn: other.conn, Msg: msg}
	if msg.Type == ha.MsgSnapshot {
		var buf bytes.Buffer
		info, err := m.Store.WriteSnapshot(&buf)
		if err != nil {
			c.trace("%s: snapshot: %v", m.Name, err)
			c.closeEndpoint(endpoint{m.Name, msg.Conn}, true, "snapshot failed")
			return
		}
		p.Snapshot = buf.Bytes()
		p.Msg.Txid, p.Msg.Digest = info.Txid, info.Digest[:]
	}
	if c.Drop != nil && c.Drop(m.Name, other.node, msg) {
		c.trace("lost %s", p)
		return
	}
	c.enqueue(p)
}
