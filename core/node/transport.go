package node

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

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
	}
}

// inbound is one authenticated, fresh datagram and when it was read.
type inbound struct {
	from uint32
	env  *wire.Envelope
	at   time.Time
}

// transport owns the membership UDP socket. Sending happens on the node
// loop; receiving on its own goroutine, which authenticates, de-duplicates
// and hands datagrams to the loop.
type transport struct {
	conn   *net.UDPConn
	key    []byte
	domain uint32
	self   uint32
	inc    uint64
	seq    uint64 // loop-owned
	peers  map[uint32]*net.UDPAddr
	cnt    *counters
	bad    *rateLog
	log    *slog.Logger

	mu      sync.Mutex
	windows map[uint32]map[uint64]*wire.ReplayWindow // sender -> incarnation -> window
}

// MaxIncarnationsTracked bounds the replay windows kept per sender. Older
// incarnations than the tracked ones are still handed to membership, which
// answers them with MsgStale (that is how a node restarted without its disk
// learns to move past its old incarnation); replays of tracked ones are
// dropped here.
const MaxIncarnationsTracked = 8

// listenUDP binds the membership address. SO_REUSEADDR is deliberately not
// set: a second daemon on the same port must fail, not share it.
func listenUDP(addr string) (*net.UDPConn, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("membership addr %s: %w", addr, err)
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("membership addr %s: port in use", addr)
		}
		return nil, fmt.Errorf("membership addr %s: %w", addr, err)
	}
	// Ask for large buffers, so a burst during a view change is not lost;
	// the kernel caps them at net.core.[rw]mem_max.
	if raw, err := conn.SyscallConn(); err == nil {
		raw.Control(func(fd uintptr) {
			unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, SocketBuffer)
			unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF, SocketBuffer)
		})
	}
	return conn, nil
}

// send authenticates payload and sends it to node to.
func (t *transport) send(to uint32, payload []byte) error {
	addr, ok := t.peers[to]
	if !ok {
		return fmt.Errorf("send to unknown node %d", to)
	}
	t.seq++
	b, err := wire.EncodePeer(t.key, &wire.Envelope{DomainID: t.domain, Sender: t.self, Incarnation: t.inc, Seq: t.seq, Payload: payload})
	if err != nil {
		return err
	}
	if _, err := t.conn.WriteToUDP(b, addr); err != nil {
		return err
	}
	t.cnt.sent.Add(1)
	return nil
}

// readLoop receives until the socket is closed.
func (t *transport) readLoop(out chan<- inbound, done <-chan struct{}) {
	buf := make([]byte, wire.MaxDatagram+1)
	for {
		n, from, err := t.conn.ReadFromUDP(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			t.log.Warn("membership socket read failed", "err", err)
			time.Sleep(10 * time.Millisecond) // transient (e.g. ICMP errors): do not spin
			continue
		}
		env, ok := t.accept(buf[:n], from)
		if !ok {
			continue
		}
		select {
		case out <- inbound{from: env.Sender, env: env, at: time.Now()}:
		case <-done:
			return
		}
	}
}

// accept authenticates and de-duplicates one datagram; rejected ones are
// counted and logged (rate-limited).
func (t *transport) accept(b []byte, from *net.UDPAddr) (*wire.Envelope, bool) {
	env, err := wire.DecodePeer(t.key, t.domain, b)
	if err != nil {
		if errors.Is(err, wire.ErrAuth) || errors.Is(err, wire.ErrDomain) || errors.Is(err, wire.ErrBadMagic) || errors.Is(err, wire.ErrVersion) {
			t.cnt.rejAuth.Add(1)
			t.bad.Log("dropped unauthenticated datagram", "from", from.String(), "err", err)
		} else {
			t.cnt.rejMalformed.Add(1)
			t.bad.Log("dropped malformed datagram", "from", from.String(), "err", err)
		}
		return nil, false
	}
	if _, known := t.peers[env.Sender]; !known || env.Sender == t.self {
		t.cnt.rejUnknown.Add(1)
		t.bad.Log("dropped datagram from unknown node id", "from", from.String(), "peer_id", env.Sender)
		return nil, false
	}
	t.mu.Lock()
	fresh := t.window(env.Sender, env.Incarnation).Accept(env.Incarnation, env.Seq)
	t.mu.Unlock()
	if !fresh {
		t.cnt.rejReplay.Add(1)
		t.bad.Log("dropped replayed or stale datagram", "from", from.String(), "peer_id", env.Sender, "incarnation", env.Incarnation, "seq", env.Seq)
		return nil, false
	}
	t.cnt.received.Add(1)
	return env, true
}

// window returns the replay window of (sender, inc), evicting the lowest
// tracked incarnation beyond MaxIncarnationsTracked. Called with t.mu held.
func (t *transport) window(sender uint32, inc uint64) *wire.ReplayWindow {
	ws := t.windows[sender]
	if ws == nil {
		ws = map[uint64]*wire.ReplayWindow{}
		t.windows[sender] = ws
	}
	w := ws[inc]
	if w == nil {
		w = new(wire.ReplayWindow)
		ws[inc] = w
		if len(ws) > MaxIncarnationsTracked {
			lowest := inc
			for k := range ws {
				lowest = min(lowest, k)
			}
			delete(ws, lowest)
		}
	}
	return w
}
