package ha

import (
	"bytes"
	"crypto/hmac"
	"errors"
	"fmt"
	"io"
	"sort"
)

const nonceLen = 16

// dialConnBase: connection ids the Node allocates for its own dials have
// the top bit set; the runtime must number accepted connections below it.
const dialConnBase = 1 << 63

// link is the per-connection state shared by both directions.
type link struct {
	conn   uint64
	outSeq uint64 // last Seq sent
	inSeq  uint64 // last Seq received
	silent int    // ticks since we last heard from the peer
}

type upState int

const (
	upDialing upState = iota
	upHello           // hello sent, waiting for the challenge
	upSyncing         // authenticated, waiting for skip or snapshot
	upInSync          // receiving the commit stream
)

// upstream is a secondary's (or relay's) connection to its primary.
type upstream struct {
	link
	name, addr  string
	state       upState
	nonce       []byte // ours
	theirNonce  []byte
	seq         uint64 // BeSecondary command sequence
	wait        bool
	initialized bool
}

type peerState int

const (
	peerHello      peerState = iota // accepted, waiting for hello
	peerAuth                        // challenge sent, waiting for auth
	peerSyncing                     // copy sent or being sent
	peerCatchingUp                  // copy installed; acking the commits that followed it
	peerInSync                      // has acknowledged everything up to catchUpTo
)

// peer is a secondary (or a relay's sub-secondary) connected to us.
type peer struct {
	link
	addr       string
	name       string
	state      peerState
	nonce      []byte // ours
	theirNonce []byte
	sendKey    []byte // installed once it proved the token (MsgAuth)
	acked      uint64
	catchUpTo  uint64 // our txid when its copy was installed
	arrived    bool
}

// pendingCommit is a commit waiting for acknowledgements in sync mode.
type pendingCommit struct {
	txid    uint64
	waiting map[uint64]bool // connections of in-sync peers that still owe an ack
}

// Node is the HA state machine of one node. It is not safe for concurrent
// use: the runtime drives it from one goroutine.
type Node struct {
	cfg      Config
	tk       []byte // tokenKey(cfg.Key, cfg.Token)
	dead     int
	role     Role
	txid     uint64
	digest   []byte
	up       *upstream
	peers    map[uint64]*peer
	pend     []pendingCommit // sync mode: primary's client commits, or a relay's upstream acks
	nextDial uint64
	cmdSeq   uint64
	rd       Ready
	auto     autoState
}

// New returns a Node in role none.
func New(cfg Config) (*Node, error) {
	if cfg.Name == "" {
		return nil, errors.New("ha: Config.Name is empty")
	}
	if len(cfg.Key) < MinKeyLen {
		return nil, errShortKey
	}
	if cfg.Entropy == nil {
		return nil, errors.New("ha: Config.Entropy is nil")
	}
	dead := cfg.DeadTicks
	if dead == 0 {
		dead = 3
	}
	return &Node{
		cfg: cfg, tk: tokenKey(cfg.Key, cfg.Token), dead: dead, role: RoleNone, txid: cfg.Txid,
		digest: append([]byte{}, cfg.Digest...), peers: map[uint64]*peer{},
		nextDial: dialConnBase,
		auto:     autoState{epoch: cfg.Epoch, hist: append([]uint64{}, cfg.History...)},
	}, nil
}

func (n *Node) logf(format string, args ...any) {
	if n.cfg.Logf != nil {
		n.cfg.Logf("ha %s: "+format, append([]any{n.cfg.Name}, args...)...)
	}
}

// abuse logs a line about a connection that has not authenticated.
func (n *Node) abuse(kind, format string, args ...any) {
	if n.cfg.Abuse != nil {
		n.cfg.Abuse(kind, "ha %s: "+format, append([]any{n.cfg.Name}, args...)...)
		return
	}
	n.logf(format, args...)
}

func (n *Node) vsn() uint32 {
	if n.cfg.Version != 0 {
		return n.cfg.Version
	}
	return ProtocolVersion
}

// Role returns the current role.
func (n *Node) Role() Role { return n.role }

// Txid returns the transaction id the node believes its store is at.
func (n *Node) Txid() uint64 { return n.txid }

// ReadOnly reports whether local writes must be refused: on a secondary or
// relay, and in auto mode on every node but the primary.
func (n *Node) ReadOnly() bool {
	return n.role == RoleSecondary || n.role == RoleRelay || (n.cfg.Auto && n.role != RolePrimary)
}

// ExpectsSnapshot reports whether conn is our primary's connection and a
// full copy may arrive on it now. A runtime checks this before it stages a
// copy, so nobody else can make it write a copy to disk.
func (n *Node) ExpectsSnapshot(conn uint64) bool {
	return n.up != nil && n.up.conn == conn && n.up.state == upSyncing
}

// HasReady reports whether Ready has work.
func (n *Node) HasReady() bool { return !n.rd.Empty() }

// Ready returns the accumulated work. The runtime must handle it (see
// Ready) and call Advance before it steps the node again.
func (n *Node) Ready() Ready {
	rd := n.rd
	rd.Role = n.role
	return rd
}

// Advance acknowledges that rd, the last Ready, was handled.
func (n *Node) Advance(rd Ready) {
	n.rd.Dials = n.rd.Dials[len(rd.Dials):]
	n.rd.Keys = n.rd.Keys[len(rd.Keys):]
	n.rd.Apply = n.rd.Apply[len(rd.Apply):]
	n.rd.Messages = n.rd.Messages[len(rd.Messages):]
	n.rd.Close = n.rd.Close[len(rd.Close):]
	n.rd.Acked = n.rd.Acked[len(rd.Acked):]
	n.rd.Aborted = n.rd.Aborted[len(rd.Aborted):]
	n.rd.Events = n.rd.Events[len(rd.Events):]
	n.rd.Results = n.rd.Results[len(rd.Results):]
	if n.rd.Empty() {
		n.rd = Ready{}
	}
}

func (n *Node) event(e Event) { n.rd.Events = append(n.rd.Events, e) }

func (n *Node) nonce() []byte {
	b := make([]byte, nonceLen)
	if _, err := io.ReadFull(n.cfg.Entropy, b); err != nil {
		panic(fmt.Sprintf("ha: entropy source failed: %v", err)) // the runtime's bug, not input
	}
	return b
}

// mac proves knowledge of the token key (cluster key and token) without
// revealing it; see proof.
func (n *Node) mac(side string, nonceS, nonceP []byte, secondary, primary string) []byte {
	return proof(n.tk, side, nonceS, nonceP, secondary, primary)
}

func (n *Node) keys(conn uint64, send, recv []byte) {
	n.rd.Keys = append(n.rd.Keys, ConnKeys{Conn: conn, SessionKeys: SessionKeys{Send: send, Recv: recv}})
}

func (n *Node) send(l *link, m Message) {
	l.outSeq++
	m.Conn, m.Seq = l.conn, l.outSeq
	n.rd.Messages = append(n.rd.Messages, m)
}

func (n *Node) closeConn(conn uint64) { n.rd.Close = append(n.rd.Close, conn) }

func (n *Node) setRole(r Role) {
	if n.role != r {
		n.logf("role %s -> %s", n.role, r)
		n.role = r
	}
}

// ---- commands (the HA control API) ----

// SetToken replaces the shared token for handshakes from now on (a new HA
// control connection brings a new token, as confd_ha_connect does);
// connections already authenticated stay up.
func (n *Node) SetToken(token []byte) error {
	n.cfg.Token = append([]byte{}, token...)
	n.tk = tokenKey(n.cfg.Key, n.cfg.Token)
	return nil
}

// BePrimary makes the node primary (confd_ha_beprimary). The runtime must
// already listen on the HA address (CONFD_ERR_HA_BIND otherwise). A relay
// keeps its sub-secondaries, which become its secondaries.
// SetName sets the node's HA id, as confd_ha_beprimary and
// confd_ha_besecondary give it (ConfD takes any id, not only config
// names): it is the name this node states and expects in later
// handshakes, and what Status reports. Connections already authenticated
// are kept.
func (n *Node) SetName(name string) error {
	if name == "" {
		return Errf(CodeHABadName, "empty node id")
	}
	if name != n.cfg.Name {
		n.logf("HA node id is now %q (was %q)", name, n.cfg.Name)
		n.cfg.Name = name
	}
	return nil
}

func (n *Node) BePrimary() error {
	if n.role == RolePrimary {
		return nil
	}
	if n.up != nil {
		n.dropUpstream(CodeHAClosed, "became primary", false)
	}
	n.pend = nil // a relay's upstream acknowledgements are moot
	n.setRole(RolePrimary)
	for _, p := range n.sortedPeers() {
		if p.state >= peerSyncing && !p.arrived {
			p.arrived = true
			n.event(Event{Type: EventSecondaryArrived, Node: NodeInfo{p.name, p.addr}})
		}
	}
	n.event(Event{Type: EventIsPrimary})
	return nil
}

// BeNone makes the node leave HA (confd_ha_benone): every HA connection is
// closed and local writes are allowed again.
func (n *Node) BeNone() error {
	if n.role == RoleNone {
		return nil
	}
	n.dropUpstream(CodeHAClosed, "benone", false)
	n.dropAllPeers("benone")
	n.abortPending()
	n.setRole(RoleNone)
	n.event(Event{Type: EventIsNone})
	return nil
}

// BeSecondary makes the node a secondary of primary (its HA node id) at
// addr (confd_ha_besecondary). It returns a sequence number: the outcome
// arrives as a Result with that Seq when wait is set, and as a
// BESECONDARY_RESULT event otherwise. Repeating the call with the same
// primary on a relay stops relaying; on a secondary it does nothing.
func (n *Node) BeSecondary(primary, addr string, wait bool) (uint64, error) {
	if primary == "" {
		return 0, Errf(CodeHABadName, "empty primary name")
	}
	n.cmdSeq++
	seq := n.cmdSeq
	if up := n.up; up != nil && up.name == primary && up.addr == addr && (n.role == RoleSecondary || n.role == RoleRelay) {
		if n.role == RoleRelay {
			n.dropAllPeers("stopped relaying")
			n.pend = nil
			n.setRole(RoleSecondary)
		}
		if up.initialized {
			n.result(seq, wait, 0)
		} else {
			if up.seq != 0 { // superseded
				n.result(up.seq, up.wait, CodeHAClosed)
			}
			up.seq, up.wait = seq, wait
		}
		return seq, nil
	}
	n.dropUpstream(CodeHAClosed, "besecondary again", false)
	n.dropAllPeers("became secondary")
	n.abortPending()
	n.setRole(RoleSecondary)
	n.nextDial++
	n.up = &upstream{link: link{conn: n.nextDial}, name: primary, addr: addr, state: upDialing, seq: seq, wait: wait}
	n.rd.Dials = append(n.rd.Dials, Dial{Conn: n.up.conn, Name: primary, Addr: addr})
	n.logf("connecting to primary %s at %s", primary, addr)
	return seq, nil
}

// BeRelay makes a secondary also serve sub-secondaries (confd_ha_berelay);
// CONFD_ERR_BADSTATE on a node that is not a secondary. The runtime must
// already listen on the HA address.
func (n *Node) BeRelay() error {
	switch n.role {
	case RoleRelay:
		return nil
	case RoleSecondary:
		n.setRole(RoleRelay)
		return nil
	}
	return Errf(CodeBadState, "berelay needs a secondary, this node is %s", n.role)
}

// SecondaryDead drops the secondary named name, even if it is still
// connected (confd_ha_secondary_dead). Unknown names are ignored.
func (n *Node) SecondaryDead(name string) error {
	for _, p := range n.sortedPeers() {
		if p.name == name && p.state >= peerSyncing {
			n.dropPeer(p, "declared dead")
		}
	}
	return nil
}

// Propose tells the node about a transaction committed locally (txid, the
// store digest after it, and its encoding). On a primary it is streamed to
// the secondaries and acknowledged per the replication mode; in role none
// it is acknowledged at once. Secondaries and relays refuse it.
func (n *Node) Propose(txid uint64, digest, data []byte) error {
	if n.ReadOnly() {
		return Errf(CodeNotWritable, "node is %s", n.role)
	}
	if txid <= n.txid {
		return fmt.Errorf("ha: proposed txid %d not after %d", txid, n.txid)
	}
	n.txid, n.digest = txid, append([]byte{}, digest...)
	if n.role != RolePrimary {
		n.rd.Acked = append(n.rd.Acked, txid)
		return nil
	}
	if n.cfg.Auto {
		n.forward(Message{Type: MsgCommit, Txid: txid, Digest: digest, Data: data, Epoch: n.auto.epoch})
		n.pend = append(n.pend, pendingCommit{txid: txid})
		n.release()
		return nil
	}
	waiting := n.forward(Message{Type: MsgCommit, Txid: txid, Digest: digest, Data: data})
	if n.cfg.Mode == Async || len(waiting) == 0 {
		n.rd.Acked = append(n.rd.Acked, txid)
		return nil
	}
	n.pend = append(n.pend, pendingCommit{txid: txid, waiting: waiting})
	return nil
}

// forward sends a commit to every peer that is syncing or in sync, and
// returns the set of in-sync ones.
func (n *Node) forward(m Message) map[uint64]bool {
	waiting := map[uint64]bool{}
	for _, p := range n.sortedPeers() {
		if p.state >= peerSyncing {
			n.send(&p.link, m)
		}
		if p.state >= peerCatchingUp {
			waiting[p.conn] = true
		}
	}
	return waiting
}

// abortPending reports every commit still waiting for acknowledgements as
// aborted (the role changed before the secondaries confirmed it).
func (n *Node) abortPending() {
	if n.role == RolePrimary {
		for _, pc := range n.pend {
			n.rd.Aborted = append(n.rd.Aborted, pc.txid)
		}
	}
	n.pend = nil
}

func (n *Node) result(seq uint64, wait bool, code Code) {
	if seq == 0 {
		return
	}
	if wait {
		n.rd.Results = append(n.rd.Results, Result{Seq: seq, Code: code})
	} else {
		n.event(Event{Type: EventBeSecondaryResult, Code: code})
	}
}

// ---- time ----

// Tick advances time by one tick interval (the config's tick_timeout): it
// sends a tick on every connection and declares dead the peers that have
// been silent for more than DeadTicks intervals.
func (n *Node) Tick() {
	if up := n.up; up != nil {
		up.silent++
		if n.dead > 0 && up.silent > n.dead {
			n.dropUpstream(CodeHANoTick, fmt.Sprintf("no tick for %d ticks", up.silent-1), true)
		} else if up.state >= upSyncing { // authenticated: frames are sealed
			n.send(&up.link, Message{Type: MsgTick})
		}
	}
	for _, p := range n.sortedPeers() {
		p.silent++
		if n.dead > 0 && p.silent > n.dead {
			if p.state < peerSyncing {
				n.abuse("handshake", "connection from %s did not finish its handshake in %d ticks", p.addr, p.silent-1)
			} else {
				n.logf("secondary %q at %s sent no tick for %d ticks", p.name, p.addr, p.silent-1)
			}
			n.dropPeer(p, "no tick")
			continue
		}
		if p.state >= peerSyncing { // unauthenticated peers get nothing
			n.send(&p.link, Message{Type: MsgTick})
		}
	}
}

// ---- messages ----

// Step feeds a message received from a peer, or a local event from the
// runtime, into the node. Messages for unknown connections are dropped; a
// malformed or unexpected message closes its connection.
func (n *Node) Step(m Message) error {
	if m.Type.IsLocal() {
		return n.stepLocal(m)
	}
	if up := n.up; up != nil && m.Conn == up.conn {
		if !n.checkSeq(&up.link, m) {
			return nil
		}
		return n.stepUpstream(m)
	}
	if p, ok := n.peers[m.Conn]; ok {
		if !n.checkSeq(&p.link, m) {
			return nil
		}
		return n.stepPeer(p, m)
	}
	return nil // a connection we already dropped
}

// checkSeq drops duplicates and reports a gap (lost or reordered message) by
// closing the connection. It returns whether m should be processed.
func (n *Node) checkSeq(l *link, m Message) bool {
	switch {
	case m.Seq <= l.inSeq:
		return false
	case m.Seq != l.inSeq+1:
		n.stepLocal(Message{Type: MsgClosed, Conn: l.conn, Reason: fmt.Sprintf("sequence gap: %d after %d", m.Seq, l.inSeq)})
		n.closeConn(l.conn)
		return false
	}
	l.inSeq = m.Seq
	l.silent = 0
	return true
}

func (n *Node) stepLocal(m Message) error {
	switch m.Type {
	case MsgAccepted:
		if n.role != RolePrimary && n.role != RoleRelay {
			n.abuse("not primary", "refusing connection from %s: not primary", m.Addr)
			n.closeConn(m.Conn)
			return nil
		}
		if m.Conn >= dialConnBase || n.peers[m.Conn] != nil {
			return fmt.Errorf("ha: accepted connection id %d is reserved or in use", m.Conn)
		}
		n.peers[m.Conn] = &peer{link: link{conn: m.Conn}, addr: m.Addr, state: peerHello}
	case MsgConnected:
		if up := n.up; up != nil && up.conn == m.Conn && up.state == upDialing {
			up.state = upHello
			up.silent = 0
			up.nonce = n.nonce()
			n.send(&up.link, Message{Type: MsgHello, Vsn: n.vsn(), From: n.cfg.Name, To: up.name, Nonce: up.nonce})
		}
	case MsgClosed:
		if up := n.up; up != nil && up.conn == m.Conn {
			code := CodeHAClosed
			if up.state == upDialing {
				code = CodeHAConnect
			}
			if m.Code != 0 { // the runtime knows better (a refused certificate)
				code = m.Code
			}
			n.dropUpstream(code, "connection closed: "+m.Reason, true)
		} else if p, ok := n.peers[m.Conn]; ok {
			n.dropPeer(p, "closed: "+m.Reason)
		}
	case MsgAlive: // a long copy in progress is not silence
		if up := n.up; up != nil && up.conn == m.Conn {
			up.silent = 0
		} else if p, ok := n.peers[m.Conn]; ok {
			p.silent = 0
		}
	case MsgApplyFailed:
		n.txid, n.digest = m.Txid, append([]byte{}, m.Digest...)
		if n.up != nil {
			n.dropUpstream(CodeHAClosed, "apply failed: "+m.Reason, true)
		}
	default:
		return fmt.Errorf("ha: unknown local message %v", m.Type)
	}
	return nil
}

// ---- secondary side ----

func (n *Node) protocolError(l *link, m Message) error {
	n.stepLocal(Message{Type: MsgClosed, Conn: l.conn, Reason: "unexpected " + m.Type.String()})
	n.closeConn(l.conn)
	return nil
}

func (n *Node) stepUpstream(m Message) error {
	up := n.up
	switch {
	case m.Type == MsgTick && up.state >= upSyncing:
	case m.Type == MsgReject:
		n.logf("primary %s refused us: %s (%d)", up.name, m.Reason, m.Code)
		code := m.Code
		if code == 0 {
			code = CodeHAClosed
		}
		n.dropUpstream(code, "refused: "+m.Reason, true)
	case m.Type == MsgChallenge && up.state == upHello:
		if m.Vsn != n.vsn() {
			return n.refuseUpstream(CodeHABadVsn, fmt.Sprintf("primary speaks protocol %d, we speak %d", m.Vsn, n.vsn()))
		}
		if m.From != up.name {
			return n.refuseUpstream(CodeHABadName, fmt.Sprintf("expected primary %q, found %q", up.name, m.From))
		}
		want := n.mac("P", up.nonce, m.Nonce, n.cfg.Name, up.name)
		if len(m.Nonce) != nonceLen || !hmac.Equal(want, m.MAC) {
			return n.refuseUpstream(CodeHABadToken, "primary "+up.name+" does not know our token")
		}
		up.theirNonce = m.Nonce
		up.state = upSyncing
		sToP, pToS := sessionKeys(n.tk, up.nonce, m.Nonce, n.cfg.Name, up.name)
		n.keys(up.conn, sToP, pToS)
		n.send(&up.link, Message{Type: MsgAuth, MAC: n.mac("S", up.nonce, m.Nonce, n.cfg.Name, up.name),
			Schema: n.cfg.SchemaID, Txid: n.txid, Digest: n.digest})
	case (m.Type == MsgSyncSkip || m.Type == MsgSnapshot) && up.state == upSyncing && n.cfg.Auto && m.Epoch < n.auto.epoch:
		return n.refuseUpstream(CodeHAClosed, fmt.Sprintf("primary %s is of epoch %d, this node already of %d", up.name, m.Epoch, n.auto.epoch))
	case m.Type == MsgSyncSkip && up.state == upSyncing:
		n.adoptEpoch(m, false)
		up.state = upInSync
		n.initialized(false)
	case m.Type == MsgSnapshot && up.state == upSyncing:
		discarded := n.adoptEpoch(m, true)
		n.rd.Apply = append(n.rd.Apply, Apply{Kind: ApplySnapshot, Conn: up.conn, Txid: m.Txid, Digest: m.Digest, Discarded: discarded})
		n.txid, n.digest = m.Txid, append([]byte{}, m.Digest...)
		up.state = upInSync
		n.send(&up.link, Message{Type: MsgSyncDone, Txid: m.Txid})
		n.initialized(true)
	case m.Type == MsgCommit && up.state == upInSync:
		if n.cfg.Auto && m.Epoch != n.auto.epoch {
			return n.refuseUpstream(CodeHAClosed, fmt.Sprintf("commit of epoch %d, this node follows epoch %d", m.Epoch, n.auto.epoch))
		}
		if m.Txid <= n.txid {
			return nil // already part of the copy we installed
		}
		if m.Txid != n.txid+1 {
			return n.refuseUpstream(CodeHAClosed, fmt.Sprintf("commit %d after %d: stream has a gap", m.Txid, n.txid))
		}
		n.rd.Apply = append(n.rd.Apply, Apply{Kind: ApplyCommit, Txid: m.Txid, Digest: m.Digest, Data: m.Data})
		n.txid, n.digest = m.Txid, append([]byte{}, m.Digest...)
		if n.role == RoleRelay {
			waiting := n.forward(m)
			if n.cfg.Mode == Sync && len(waiting) > 0 {
				n.pend = append(n.pend, pendingCommit{txid: m.Txid, waiting: waiting})
				return nil
			}
		}
		if len(n.pend) == 0 {
			n.send(&up.link, Message{Type: MsgAck, Txid: m.Txid})
		} else {
			// Acks are cumulative: this one waits behind the pending ones.
			n.pend = append(n.pend, pendingCommit{txid: m.Txid, waiting: map[uint64]bool{}})
		}
	default:
		return n.protocolError(&up.link, m)
	}
	return nil
}

// refuseUpstream tells the primary why and drops the connection.
func (n *Node) refuseUpstream(code Code, reason string) error {
	up := n.up
	n.logf("refusing primary %s: %s", up.name, reason)
	n.send(&up.link, Message{Type: MsgReject, Code: code, Reason: reason})
	n.dropUpstream(code, reason, true)
	return nil
}

func (n *Node) initialized(byCopy bool) {
	up := n.up
	if up.initialized {
		return
	}
	up.initialized = true
	n.logf("initialized from primary %s at txid %d (by copy: %v)", up.name, n.txid, byCopy)
	n.event(Event{Type: EventSecondaryInitialized, ByCopy: byCopy})
	n.result(up.seq, up.wait, 0)
	up.seq = 0
}

// dropUpstream forgets the primary. If the primary was lost (not commanded
// away) the node goes to none, with NOPRIMARY(code) once initialized, else
// the failed BeSecondary result; a relay then drops its sub-secondaries too.
// A commanded drop only fails a BeSecondary still waiting for its result.
func (n *Node) dropUpstream(code Code, reason string, lost bool) {
	up := n.up
	if up == nil {
		return
	}
	n.up = nil
	n.closeConn(up.conn)
	if !lost {
		n.result(up.seq, up.wait, CodeHAClosed)
		return
	}
	if n.role == RoleRelay {
		n.dropAllPeers("relay lost its primary")
	}
	n.pend = nil
	n.setRole(RoleNone)
	if up.initialized {
		n.logf("lost primary %s: %s", up.name, reason)
		n.event(Event{Type: EventNoPrimary, Code: code})
		return
	}
	if code == CodeHANoTick { // the wait for the primary timed out
		code = CodeHAClosed
		if up.state == upDialing {
			code = CodeHAConnect
		}
	}
	n.logf("besecondary %s failed: %s (%d)", up.name, reason, code)
	n.result(up.seq, up.wait, code)
}

// ---- primary (and relay) side ----

func (n *Node) stepPeer(p *peer, m Message) error {
	switch {
	case m.Type == MsgTick && p.state >= peerSyncing:
	case m.Type == MsgReject:
		n.peerRejected(p, m)
	case m.Type == MsgHello && p.state == peerHello:
		return n.peerHello(p, m)
	case m.Type == MsgAuth && p.state == peerAuth:
		return n.peerAuth(p, m)
	case m.Type == MsgSyncDone && p.state == peerSyncing:
		n.peerSyncDone(p, m)
	case m.Type == MsgAck && p.state >= peerSyncing:
		n.peerAck(p, m)
	default:
		if p.state < peerSyncing {
			n.abuse("unexpected", "connection from %s sent an unexpected %v before authenticating", p.addr, m.Type)
		} else {
			n.logf("secondary %q at %s sent an unexpected %v", p.name, p.addr, m.Type)
		}
		return n.refusePeer(p, CodeHAClosed, "unexpected "+m.Type.String())
	}
	return nil
}

// peerRejected: the secondary refused us and closes.
func (n *Node) peerRejected(p *peer, m Message) {
	switch {
	case m.Code == CodeHABadToken:
		n.abuse("bad token", "secondary %q at %s connected with a bad auth token", p.name, p.addr)
	case p.state < peerSyncing:
		n.abuse("refused", "secondary %q at %s gave up: %s (%d)", p.name, p.addr, m.Reason, m.Code)
	default:
		n.logf("secondary %q at %s gave up: %s (%d)", p.name, p.addr, m.Reason, m.Code)
	}
	n.dropPeer(p, "rejected us")
}

// peerHello answers a secondary's hello with our challenge.
func (n *Node) peerHello(p *peer, m Message) error {
	if m.Vsn != n.vsn() {
		n.abuse("version", "secondary %q at %s connected with an incompatible HA protocol version %d", m.From, p.addr, m.Vsn)
		return n.refusePeer(p, CodeHABadVsn, fmt.Sprintf("primary speaks protocol %d", n.vsn()))
	}
	if m.From == "" || len(m.Nonce) != nonceLen {
		return n.refusePeer(p, CodeHAClosed, "malformed hello")
	}
	p.name, p.theirNonce, p.nonce = m.From, m.Nonce, n.nonce()
	p.state = peerAuth
	sToP, pToS := sessionKeys(n.tk, p.theirNonce, p.nonce, p.name, n.cfg.Name)
	n.keys(p.conn, nil, sToP) // its auth comes sealed
	p.sendKey = pToS
	// m.To is the name the secondary expects; it checks ours itself.
	n.send(&p.link, Message{Type: MsgChallenge, Vsn: n.vsn(), From: n.cfg.Name, Nonce: p.nonce,
		MAC: n.mac("P", p.theirNonce, p.nonce, p.name, n.cfg.Name)})
	return nil
}

// peerAuth checks the secondary's proof of the token and its schema, and
// starts its initial sync.
func (n *Node) peerAuth(p *peer, m Message) error {
	if !hmac.Equal(m.MAC, n.mac("S", p.theirNonce, p.nonce, p.name, n.cfg.Name)) {
		n.abuse("bad token", "secondary %q at %s connected with a bad auth token", p.name, p.addr)
		return n.refusePeer(p, CodeHABadToken, "bad token")
	}
	n.keys(p.conn, p.sendKey, nil) // it proved the token: everything else goes sealed
	p.sendKey = nil
	if m.Schema != n.cfg.SchemaID {
		n.logf("secondary %q at %s connected with different schema %q (ours %q)", p.name, p.addr, m.Schema, n.cfg.SchemaID)
		return n.refusePeer(p, CodeHABadFXS, fmt.Sprintf("schema %q differs from the primary's %q", m.Schema, n.cfg.SchemaID))
	}
	if n.role == RoleRelay && (n.up == nil || !n.up.initialized) {
		// A relay serves copies of what it has; until its own initial
		// sync is done that would be stale data.
		return n.refusePeer(p, CodeHAClosed, "relay not initialized yet")
	}
	for _, o := range n.sortedPeers() { // a reconnecting secondary replaces its old connection
		if o != p && o.name == p.name && o.state >= peerSyncing {
			n.dropPeer(o, "replaced by a new connection")
		}
	}
	if n.role == RolePrimary {
		p.arrived = true
		n.event(Event{Type: EventSecondaryArrived, Node: NodeInfo{p.name, p.addr}})
	}
	n.logf("secondary %q at %s arrived", p.name, p.addr)
	n.syncPeer(p, m.Txid, m.Digest)
	return nil
}

// peerSyncDone: the secondary holds the copy up to m.Txid.
func (n *Node) peerSyncDone(p *peer, m Message) {
	p.acked = max(p.acked, m.Txid)
	// It must now confirm every pending commit its copy did not include,
	// and counts as in sync only once it has acknowledged everything we
	// had when it finished: until then an acknowledged commit may still
	// be on its way to it.
	for i := range n.pend {
		if n.pend[i].txid > m.Txid && !n.cfg.Auto { // auto mode waits by name (SetRequired)
			n.pend[i].waiting[p.conn] = true
		}
	}
	p.state, p.catchUpTo = peerCatchingUp, n.txid
	if p.acked >= p.catchUpTo {
		p.state = peerInSync
	}
}

// peerAck: the secondary persisted every commit up to m.Txid.
func (n *Node) peerAck(p *peer, m Message) {
	p.acked = max(p.acked, m.Txid)
	if p.state == peerCatchingUp && p.acked >= p.catchUpTo {
		p.state = peerInSync
	}
	for i := range n.pend {
		if n.pend[i].txid <= m.Txid {
			delete(n.pend[i].waiting, p.conn)
		}
	}
	n.release()
}

// syncPeer starts the initial sync of an authenticated peer: nothing to copy
// if it has our txid and digest, else a full copy. Either way it receives
// every later commit.
func (n *Node) syncPeer(p *peer, txid uint64, digest []byte) {
	var e uint64
	var h []uint64
	if n.cfg.Auto {
		e, h = n.auto.epoch, n.auto.hist
	}
	if txid == n.txid && bytes.Equal(digest, n.digest) {
		p.state = peerInSync
		p.acked = max(p.acked, txid)
		n.send(&p.link, Message{Type: MsgSyncSkip, Txid: n.txid, Digest: n.digest, Epoch: e, History: h})
		return
	}
	p.state = peerSyncing
	n.send(&p.link, Message{Type: MsgSnapshot, Txid: n.txid, Digest: n.digest, Epoch: e, History: h})
}

func (n *Node) refusePeer(p *peer, code Code, reason string) error {
	n.send(&p.link, Message{Type: MsgReject, Code: code, Reason: reason})
	n.dropPeer(p, reason)
	return nil
}

// dropPeer closes a peer's connection and stops waiting for it.
func (n *Node) dropPeer(p *peer, reason string) {
	delete(n.peers, p.conn)
	n.closeConn(p.conn)
	n.unwait(p.conn)
	if p.arrived && n.role == RolePrimary {
		n.logf("secondary %q at %s died: %s", p.name, p.addr, reason)
		n.event(Event{Type: EventSecondaryDied, Node: NodeInfo{p.name, p.addr}})
	}
	n.release()
}

func (n *Node) dropAllPeers(reason string) {
	for _, p := range n.sortedPeers() {
		n.logf("dropping secondary %q at %s: %s", p.name, p.addr, reason)
		delete(n.peers, p.conn)
		n.closeConn(p.conn)
	}
	for i := range n.pend {
		n.pend[i].waiting = map[uint64]bool{}
	}
}

func (n *Node) unwait(conn uint64) {
	for i := range n.pend {
		delete(n.pend[i].waiting, conn)
	}
}

// release acknowledges, in txid order, the pending commits nobody owes an
// ack for any more: to clients on a primary, upstream on a relay.
func (n *Node) release() {
	if n.cfg.Auto {
		n.releaseAuto()
		return
	}
	var last uint64
	for len(n.pend) > 0 && len(n.pend[0].waiting) == 0 {
		last = n.pend[0].txid
		if n.role == RolePrimary {
			n.rd.Acked = append(n.rd.Acked, last)
		}
		n.pend = n.pend[1:]
	}
	if last != 0 && n.role == RoleRelay && n.up != nil {
		n.send(&n.up.link, Message{Type: MsgAck, Txid: last})
	}
}

func (n *Node) sortedPeers() []*peer {
	ps := make([]*peer, 0, len(n.peers))
	for _, p := range n.peers {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].conn < ps[j].conn })
	return ps
}

// Status reports the role and the nodes (confd_ha_get_status).
func (n *Node) Status() Status {
	st := Status{Name: n.cfg.Name, Role: n.role, Txid: n.txid, Epoch: n.auto.epoch, History: append([]uint64{}, n.auto.hist...),
		Required: append([]string{}, n.auto.required...), Discarded: n.auto.discarded}
	if n.up != nil && (n.role == RoleSecondary || n.role == RoleRelay) {
		st.Nodes = append(st.Nodes, NodeInfo{n.up.name, n.up.addr})
		st.Initialized = n.up.initialized
	}
	for _, p := range n.sortedPeers() {
		if p.state < peerSyncing {
			continue
		}
		st.Nodes = append(st.Nodes, NodeInfo{p.name, p.addr})
		st.Peers = append(st.Peers, PeerStatus{NodeInfo: NodeInfo{p.name, p.addr}, InSync: p.state == peerInSync, Acked: p.acked,
			Lagging: n.cfg.Auto && n.auto.lag > 0 && p.acked+n.auto.lag < n.txid})
	}
	return st
}
