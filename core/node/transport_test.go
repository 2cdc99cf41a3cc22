package node

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goha/goha/core/config"
	"github.com/goha/goha/core/membership"
	"github.com/goha/goha/core/wire"
)

// fakePeer is node 2 as the transport under test sees it: its own socket,
// codec and session.
type fakePeer struct {
	t       *testing.T
	conn    *net.UDPConn
	codec   *wire.PeerCodec
	session uint64
	seq     uint64
}

func (p *fakePeer) dgram(kind uint8, payload []byte) []byte {
	p.seq++
	b, err := p.codec.Seal(nil, wire.PeerHeader{Kind: kind, Domain: 1, Sender: 2, Session: p.session, Seq: p.seq}, payload)
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

func (p *fakePeer) heartbeat() []byte {
	m := membership.Message{Type: membership.MsgHeartbeat, From: 2, To: 1, Incarnation: 1, Now: p.seq}
	return p.dgram(wire.KindData, wire.AppendMember(nil, &m))
}

// read returns the next datagram the transport sent to the peer, opened.
func (p *fakePeer) read() (wire.PeerHeader, []byte) {
	p.t.Helper()
	buf := make([]byte, wire.MaxDatagram)
	p.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _, err := p.conn.ReadFromUDP(buf)
	if err != nil {
		p.t.Fatalf("peer read: %v", err)
	}
	h, payload, err := p.codec.Open(buf[:n], 1, nil)
	if err != nil {
		p.t.Fatalf("peer open: %v", err)
	}
	return h, payload
}

// answer reads the transport's challenge and returns the response datagram
// (from the peer's current session).
func (p *fakePeer) answer() []byte {
	p.t.Helper()
	h, ch := p.read()
	if h.Kind != wire.KindChallenge || h.Sender != 1 {
		p.t.Fatalf("expected a challenge, got %+v", h)
	}
	resp, ok := wire.NewPeerSessions().Answer(1, p.session, ch, 0)
	if !ok {
		p.t.Fatalf("challenge not for session %x", p.session)
	}
	return p.dgram(wire.KindResponse, resp)
}

func testTransport(t *testing.T, cipher string) (*transport, *fakePeer, *counters) {
	self, err := listenUDP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { self.shut(); self.closeFD(); peer.Close() })
	sa := self.local.(*unix.SockaddrInet4)
	selfAddr := &net.UDPAddr{IP: net.IP(sa.Addr[:]), Port: sa.Port}
	cfg := &config.Config{ClusterName: "c", AuthKey: "k", DomainID: 1, CryptoCipher: cipher}
	var cnt counters
	peers := map[uint32]*net.UDPAddr{1: selfAddr, 2: peer.LocalAddr().(*net.UDPAddr)}
	tr, err := newTransport(self, cfg, 1, peers, &cnt, newRateLog(quietLog(), 0), quietLog())
	if err != nil {
		t.Fatal(err)
	}
	c, _ := wire.ParseCipher(cipher)
	codec, err := wire.NewPeerCodec([]byte("k"), "c", c)
	if err != nil {
		t.Fatal(err)
	}
	return tr, &fakePeer{t: t, conn: peer, codec: codec, session: 0xa}, &cnt
}

// A peer's session is verified by a challenge round before its messages
// count; a restarted peer (new session, sequence numbers from 1 again, as
// after a wiped disk) is verified the same way at once; replays of either
// session are not accepted.
func TestTransportSessions(t *testing.T) {
	for _, cipher := range []string{config.CipherNone, config.CipherAES256GCM} {
		tr, p, cnt := testTransport(t, cipher)
		from := netip.MustParseAddrPort("127.0.0.1:9")
		accept := func(b []byte) bool {
			_, ok := tr.accept(b, from, time.Now())
			return ok
		}
		first := p.heartbeat()
		if accept(first) {
			t.Fatalf("%s: a datagram of an unverified session was accepted", cipher)
		}
		if accept(p.answer()) {
			t.Fatalf("%s: a response is not a message", cipher)
		}
		hb := p.heartbeat()
		if !accept(hb) {
			t.Fatalf("%s: a verified session's heartbeat was refused", cipher)
		}
		if accept(hb) || accept(first) {
			t.Fatalf("%s: a replay was accepted", cipher)
		}
		for range 100 {
			if !accept(p.heartbeat()) {
				t.Fatalf("%s: heartbeat refused", cipher)
			}
		}
		// The peer restarts: a new session, sequence numbers from 1.
		old := p.heartbeat()
		p.session, p.seq = 0xb, 0
		if accept(p.heartbeat()) {
			t.Fatalf("%s: new session accepted before it was verified", cipher)
		}
		if accept(p.answer()) || !accept(p.heartbeat()) {
			t.Fatalf("%s: the restarted peer was not verified", cipher)
		}
		// A captured datagram of the old session: challenged, not accepted.
		if accept(old) {
			t.Fatalf("%s: old session accepted after the restart", cipher)
		}
		if h, ch := p.read(); h.Kind != wire.KindChallenge || len(ch) < 8 {
			t.Fatalf("%s: old session not challenged: %+v", cipher, h)
		}
		if cnt.challenges.Load() != 3 || cnt.sessions.Load() != 2 || cnt.rejReplay.Load() != 2 {
			t.Errorf("%s: counters %+v", cipher, cnt.wire())
		}
	}
}

func TestTransportRejects(t *testing.T) {
	tr, p, cnt := testTransport(t, config.CipherNone)
	from := netip.MustParseAddrPort("127.0.0.1:9")
	wrong, _ := wire.NewPeerCodec([]byte("x"), "c", wire.CipherNone)
	forged, _ := wrong.Seal(nil, wire.PeerHeader{Domain: 1, Sender: 2, Session: 1, Seq: 1}, []byte{0x90})
	gcm, _ := wire.NewPeerCodec([]byte("k"), "c", wire.CipherAES256GCM)
	otherCipher, _ := gcm.Seal(nil, wire.PeerHeader{Domain: 1, Sender: 2, Session: 1, Seq: 1}, []byte{0x90})
	unknown, _ := p.codec.Seal(nil, wire.PeerHeader{Domain: 1, Sender: 3, Session: 1, Seq: 1}, []byte{0x90})
	own, _ := p.codec.Seal(nil, wire.PeerHeader{Domain: 1, Sender: 1, Session: 1, Seq: 1}, []byte{0x90})
	for name, b := range map[string][]byte{"wrong key": forged, "other cipher": otherCipher, "garbage": []byte("garbage"),
		"unknown node": unknown, "own id": own, "short": []byte("gh\x02")} {
		if _, ok := tr.accept(b, from, time.Now()); ok {
			t.Errorf("%s accepted", name)
		}
	}
	if cnt.rejAuth.Load() != 3 || cnt.rejUnknown.Load() != 2 || cnt.rejMalformed.Load() != 1 {
		t.Errorf("counters %+v", cnt.wire())
	}
}
