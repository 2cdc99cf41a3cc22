package node

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goha/goha/core/config"
	"github.com/goha/goha/core/membership"
	"github.com/goha/goha/core/wire"
)

// SocketBuffer is the UDP receive and send buffer size requested.
const SocketBuffer = 1 << 20

// counters are the transport's statistics, reported by OpStatus.
type counters struct {
	sent, received                   atomic.Uint64
	rejAuth, rejReplay, rejMalformed atomic.Uint64
	rejUnknown, clientsDropped       atomic.Uint64
	views                            atomic.Uint64 // views installed
	challenges, sessions             atomic.Uint64 // challenges sent, peer sessions verified
}

func (c *counters) wire() wire.Counters {
	return wire.Counters{
		DatagramsSent:     c.sent.Load(),
		DatagramsReceived: c.received.Load(),
		RejectedAuth:      c.rejAuth.Load(),
		RejectedReplay:    c.rejReplay.Load(),
		RejectedMalformed: c.rejMalformed.Load(),
		RejectedUnknown:   c.rejUnknown.Load(),
		ClientsDropped:    c.clientsDropped.Load(),
		Views:             c.views.Load(),
		Challenges:        c.challenges.Load(),
		SessionsVerified:  c.sessions.Load(),
	}
}

// inbound is one authenticated, fresh membership message and when its
// datagram was read.
type inbound struct {
	msg membership.Message
	at  time.Time
}

// transport owns the membership UDP socket. Sending membership messages
// happens on the node loop; receiving on the reader goroutine, which
// authenticates, checks freshness (wire.PeerSessions: it challenges the
// sessions it has not verified and answers the challenges of its peers),
// decodes and hands messages to the loop. Both number their datagrams from
// one counter of this process's session.
type transport struct {
	sock    *udpSocket
	domain  uint32
	self    uint32
	session uint64 // this process's random session id
	seq     atomic.Uint64
	peers   map[uint32]*net.UDPAddr
	addrs   map[uint32]unix.Sockaddr
	cnt     *counters
	bad     *rateLog
	log     *slog.Logger

	// The loop's codec and buffer (send).
	out    *wire.PeerCodec
	outBuf []byte

	// Reading: polled while the loop reads the socket at its passes,
	// resume wakes the reader goroutine when it stops (see readLoop).
	polled     atomic.Bool
	resume     chan struct{}
	readerDone chan struct{}
	pollBuf    []byte

	// The receiving side's codec, buffers and sessions (accept), used by
	// the reader goroutine and the polling loop under rmu.
	rmu      sync.Mutex
	in       *wire.PeerCodec
	inBuf    []byte // decrypted or copied payloads
	replyBuf []byte // challenges and responses
	sessions *wire.PeerSessions
}

// newTransport sets up the transport of node self on conn.
func newTransport(sock *udpSocket, cfg *config.Config, self uint32, peers map[uint32]*net.UDPAddr, cnt *counters,
	bad *rateLog, log *slog.Logger) (*transport, error) {
	c, err := wire.ParseCipher(cfg.CryptoCipher)
	if err != nil {
		return nil, err
	}
	t := &transport{sock: sock, domain: cfg.DomainID, self: self, session: wire.NewSessionID(), peers: peers,
		addrs: map[uint32]unix.Sockaddr{}, cnt: cnt, bad: bad, log: log, sessions: wire.NewPeerSessions(),
		resume: make(chan struct{}, 1), readerDone: make(chan struct{}), pollBuf: make([]byte, wire.MaxDatagram+1)}
	for id, ua := range peers {
		t.addrs[id] = sockaddrOf(ua.AddrPort())
	}
	if t.out, err = wire.NewPeerCodec([]byte(cfg.AuthKey), cfg.ClusterName, c); err != nil {
		return nil, err
	}
	if t.in, err = wire.NewPeerCodec([]byte(cfg.AuthKey), cfg.ClusterName, c); err != nil {
		return nil, err
	}
	return t, nil
}

// send seals payload (a membership message) and sends it to node to.
func (t *transport) send(to uint32, payload []byte) error {
	var err error
	t.outBuf, err = t.sendWith(t.out, t.outBuf, to, wire.KindData, payload)
	return err
}

// sendWith seals a datagram of kind with codec c into buf and sends it to
// node to; it returns buf for reuse.
func (t *transport) sendWith(c *wire.PeerCodec, buf []byte, to uint32, kind uint8, payload []byte) ([]byte, error) {
	addr, ok := t.addrs[to]
	if !ok {
		return buf, fmt.Errorf("send to unknown node %d", to)
	}
	h := wire.PeerHeader{Kind: kind, Domain: t.domain, Sender: t.self, Session: t.session, Seq: t.seq.Add(1)}
	b, err := c.Seal(buf[:0], h, payload)
	if err != nil {
		return buf, err
	}
	if err := t.sock.sendTo(b, addr); err != nil {
		return b, err
	}
	t.cnt.sent.Add(1)
	return b, nil
}

// inbox is where the reader leaves messages for the loop. A heartbeat
// waits for the loop's next pass (at the latest its next tick), and a
// newer heartbeat of the same sender process replaces it: the loop does
// not wake for each of the N-1 heartbeats a heartbeat interval brings, and
// what waits stays O(peers). Any other message (view agreement, requests,
// leaves) wakes the loop at once. Each message keeps its arrival time, so
// the tick a heartbeat waits changes nothing a peer is judged by.
type inbox struct {
	mu    sync.Mutex
	msgs  []inbound
	hb    map[uint32]int // sender -> index in msgs of its waiting heartbeat
	wake  chan struct{}  // signalled (capacity 1) when the loop should run
	drops uint64         // messages dropped because maxWaiting were waiting
}

// maxWaiting bounds the messages waiting for the loop.
const maxWaiting = 4096

func newInbox() *inbox { return &inbox{hb: map[uint32]int{}, wake: make(chan struct{}, 1)} }

// put leaves in for the loop.
func (b *inbox) put(in inbound) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := &in.msg
	if m.Type == membership.MsgHeartbeat {
		if i, ok := b.hb[uint32(m.From)]; ok {
			if w := &b.msgs[i].msg; w.Incarnation == m.Incarnation && w.Now <= m.Now {
				b.msgs[i] = in
				return
			}
		}
	}
	if len(b.msgs) >= maxWaiting {
		b.drops++
		return
	}
	b.msgs = append(b.msgs, in)
	if m.Type == membership.MsgHeartbeat {
		b.hb[uint32(m.From)] = len(b.msgs) - 1
		return
	}
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// take moves every waiting message to dst and returns it.
func (b *inbox) take(dst []inbound) []inbound {
	b.mu.Lock()
	defer b.mu.Unlock()
	dst = append(dst, b.msgs...)
	clear(b.msgs)
	b.msgs = b.msgs[:0]
	clear(b.hb)
	return dst
}

// Reading the socket. While membership is steady (no view change under
// way: membership.Node.Steady) the loop reads the socket itself at each of
// its passes, at least once a tick, and the reader goroutine waits on a
// channel: an idle node then wakes once a tick, not once per datagram (N-1
// heartbeats a heartbeat interval). Otherwise the reader goroutine waits in
// poll(2) and reads the datagrams as they come, so that a view change takes
// no tick per step. Switching to polled reading wakes the reader out of
// poll(2) with a datagram of zero bytes to the socket itself (udpSocket);
// switching back wakes it on the channel. Either way a datagram waits in
// the socket until one of them takes it, and both pass it through accept
// (under rmu).

// readLoop receives until the socket is closed.
func (t *transport) readLoop(out *inbox) {
	defer close(t.readerDone)
	buf := make([]byte, wire.MaxDatagram+1)
	for !t.sock.closed.Load() {
		if t.polled.Load() {
			<-t.resume
			continue
		}
		t.sock.wait(1000) // a timeout only bounds how long a shutdown waits
		if t.polled.Load() {
			continue // the loop reads the socket now
		}
		if err := t.drain(buf, out); err != nil && !errors.Is(err, net.ErrClosed) {
			t.log.Warn("membership socket read failed", "err", err)
			time.Sleep(10 * time.Millisecond) // transient (e.g. ICMP errors): do not spin
		}
	}
}

// drain reads every datagram waiting in the socket and leaves the
// messages in out.
func (t *transport) drain(buf []byte, out *inbox) error {
	t.rmu.Lock()
	defer t.rmu.Unlock()
	for {
		n, err := t.sock.read(buf)
		switch {
		case errors.Is(err, errAgain):
			return nil
		case err != nil:
			return err
		case n == 0:
			continue // a wake-up
		}
		if in, ok := t.accept(buf[:n], netip.AddrPort{}, time.Now()); ok {
			out.put(in)
		}
	}
}

// setPolled switches between polled reading (the loop's passes) and the
// reader goroutine's. Called by the loop.
func (t *transport) setPolled(polled bool) {
	if t.polled.Load() == polled {
		return
	}
	t.polled.Store(polled)
	if polled {
		t.sock.wake() // out of its wait
		return
	}
	select {
	case t.resume <- struct{}{}:
	default:
	}
}

// poll reads every datagram waiting in the socket (polled reading).
// Called by the loop.
func (t *transport) poll(out *inbox) {
	if !t.polled.Load() {
		return
	}
	if err := t.drain(t.pollBuf, out); err != nil && !errors.Is(err, net.ErrClosed) {
		t.bad.Log("membership socket read failed", "err", err)
	}
}

// close stops the reader goroutine (if it ran) and closes the socket.
func (t *transport) close(readerStarted bool) {
	t.sock.shut()
	close(t.resume)
	if readerStarted {
		select {
		case <-t.readerDone:
		case <-time.After(3 * time.Second):
			t.log.Warn("membership reader did not stop")
			return // leave the descriptor open rather than close it under the reader
		}
	}
	t.sock.closeFD()
}

// accept authenticates one datagram and handles it: a fresh data datagram
// of a verified session is decoded and returned; a challenge is answered, a
// response verifies its session; anything else is counted and dropped (and
// logged, rate-limited).
func (t *transport) accept(b []byte, from netip.AddrPort, now time.Time) (inbound, bool) {
	h, payload, err := t.in.Open(b, t.domain, t.inBuf)
	if err != nil {
		if errors.Is(err, wire.ErrMalformed) || errors.Is(err, wire.ErrShort) || errors.Is(err, wire.ErrTooLarge) {
			t.cnt.rejMalformed.Add(1)
			t.bad.Log("dropped malformed datagram", "from", from.String(), "err", err)
		} else {
			t.cnt.rejAuth.Add(1)
			t.bad.Log("dropped unauthenticated datagram", "from", from.String(), "err", err)
		}
		return inbound{}, false
	}
	t.inBuf = payload[:0]
	if _, known := t.addrs[h.Sender]; !known || h.Sender == t.self {
		t.cnt.rejUnknown.Add(1)
		t.bad.Log("dropped datagram from unknown node id", "from", from.String(), "peer_id", h.Sender)
		return inbound{}, false
	}
	mono := now.Sub(processStart).Nanoseconds()
	switch h.Kind {
	case wire.KindChallenge:
		if resp, ok := t.sessions.Answer(h.Sender, t.session, payload, mono); ok {
			t.reply(h.Sender, wire.KindResponse, resp)
		}
		return inbound{}, false
	case wire.KindResponse:
		if t.sessions.Verify(h.Sender, h.Session, h.Seq, payload, mono) {
			t.cnt.sessions.Add(1)
			t.log.Debug("peer session verified", "peer_id", h.Sender, "session", fmt.Sprintf("%016x", h.Session))
		}
		return inbound{}, false
	case wire.KindData:
	default:
		t.cnt.rejMalformed.Add(1)
		t.bad.Log("dropped datagram of unknown kind", "peer_id", h.Sender, "kind", h.Kind)
		return inbound{}, false
	}
	switch t.sessions.Check(h.Sender, h.Session, h.Seq) {
	case wire.Replayed:
		t.cnt.rejReplay.Add(1)
		t.bad.Log("dropped replayed datagram", "from", from.String(), "peer_id", h.Sender, "seq", h.Seq)
		return inbound{}, false
	case wire.Unverified:
		// A new process of the peer, or a replay of an old one: only the
		// owner of the session can answer the challenge.
		if ch, ok := t.sessions.Challenge(h.Sender, h.Session, mono); ok {
			t.cnt.challenges.Add(1)
			t.reply(h.Sender, wire.KindChallenge, ch)
		}
		return inbound{}, false
	}
	var m membership.Message
	err = wire.DecodeMember(payload, &m)
	if err == nil && uint32(m.From) != h.Sender {
		err = fmt.Errorf("%w: message from %d in a datagram of node %d", wire.ErrMalformed, m.From, h.Sender)
	}
	if err != nil {
		t.cnt.rejMalformed.Add(1)
		t.bad.Log("dropped malformed membership message", "peer_id", h.Sender, "err", err)
		return inbound{}, false
	}
	t.cnt.received.Add(1)
	return inbound{msg: m, at: now}, true
}

// reply sends a challenge or response from the reader goroutine.
func (t *transport) reply(to uint32, kind uint8, payload []byte) {
	var err error
	if t.replyBuf, err = t.sendWith(t.in, t.replyBuf, to, kind, payload); err != nil {
		t.bad.Log("membership send failed", "to", to, "err", err)
	}
}

// processStart anchors the monotonic times given to PeerSessions.
var processStart = time.Now()
