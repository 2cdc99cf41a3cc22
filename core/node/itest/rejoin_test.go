package itest

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/wire"
)

// TestWipedNodeRejoins: node 3 lives for a while (until it has sent 300
// datagrams, about 7 s at 50 ms heartbeats to two peers), is killed,
// loses its data directory and starts again: it comes back with
// incarnation 1 and sequence numbers from 1. It must be a member again
// within the normal join time. gohad before datagram version 2 dropped it
// as a replay for about as long as it had lived.
func TestWipedNodeRejoins(t *testing.T) {
	c := startCluster(t, 3, nodetest.Spec{Heartbeat: "50ms", FailureTimeout: "1s"})
	all := seq(3)
	startAll(t, c, all...)
	if _, _, err := c.WaitConverged(all, converge); err != nil {
		t.Fatal(err)
	}
	// Let it live: wait (with a deadline) until it sent 300 datagrams.
	st3, err := c.WaitFor(3, converge, "300 datagrams sent", func(s *wire.Status) bool { return s.Counters.DatagramsSent >= 300 })
	if err != nil {
		t.Fatal(err)
	}
	before, err := c.Status(1)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Kill(3); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(c.DataDir(3)); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if err := c.Start(3); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.WaitConverged(all, converge); err != nil {
		t.Fatal(err)
	}
	took := time.Since(t0)
	after, err := c.Status(1)
	if err != nil {
		t.Fatal(err)
	}
	now3, err := c.Status(3)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wiped n3 (incarnation %d, %d datagrams sent) rejoined in %v as incarnation %d; n1 verified %d new sessions",
		st3.Incarnation, st3.Counters.DatagramsSent, took.Round(time.Millisecond), now3.Incarnation,
		after.Counters.SessionsVerified-before.Counters.SessionsVerified)
	// The normal join: detecting the old incarnation is gone (1 s) and a
	// view change, with room for a loaded machine.
	if limit := 5 * time.Second; took > limit {
		t.Errorf("the wiped node took %v to rejoin, want under %v", took, limit)
	}
	if now3.Incarnation <= st3.Incarnation {
		t.Errorf("n3 rejoined with incarnation %d, not above its old %d", now3.Incarnation, st3.Incarnation)
	}
}

// sniffUDP captures, while it runs, the UDP payloads sent from port src
// to port dst on the loopback interface (AF_PACKET: root only).
type sniffUDP struct {
	fd       int
	mu       sync.Mutex
	captured [][]byte
	done     chan struct{}
}

func newSniff(t *testing.T, src, dst int) *sniffUDP {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIP: capturing loopback datagrams needs root (AF_PACKET)")
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM, int(htons(unix.ETH_P_IP)))
	if err != nil {
		t.Skipf("SKIP: no AF_PACKET socket: %v", err)
	}
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		unix.Close(fd)
		t.Skipf("SKIP: no loopback interface: %v", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_IP), Ifindex: lo.Index}); err != nil {
		unix.Close(fd)
		t.Skipf("SKIP: cannot bind to lo: %v", err)
	}
	tv := unix.Timeval{Usec: 100000}
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	s := &sniffUDP{fd: fd, done: make(chan struct{})}
	go func() {
		buf := make([]byte, 65536)
		for {
			select {
			case <-s.done:
				unix.Close(fd)
				return
			default:
			}
			n, _, err := unix.Recvfrom(fd, buf, 0)
			if err != nil || n < 28 || buf[9] != unix.IPPROTO_UDP {
				continue
			}
			ihl := int(buf[0]&0x0f) * 4
			if n < ihl+8 || int(binary.BigEndian.Uint16(buf[ihl:])) != src || int(binary.BigEndian.Uint16(buf[ihl+2:])) != dst {
				continue
			}
			s.mu.Lock()
			s.captured = append(s.captured, append([]byte(nil), buf[ihl+8:n]...))
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() { s.stop() })
	return s
}

func (s *sniffUDP) stop() {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
}

func (s *sniffUDP) take() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.captured
	s.captured = nil
	return out
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// TestCapturedDatagramsNotReplayed captures real datagrams from node 3 to
// node 1, then replays them to node 1: those of node 3's current process
// are duplicates (the window refuses them); those of its process before a
// wiped restart belong to a session nobody answers for (challenged,
// refused). The view does not change.
func TestCapturedDatagramsNotReplayed(t *testing.T) {
	c := startCluster(t, 3, nodetest.Spec{Heartbeat: "50ms", FailureTimeout: "1s"})
	all := seq(3)
	sniff := newSniff(t, c.Ports[2], c.Ports[0])
	startAll(t, c, all...)
	if _, _, err := c.WaitConverged(all, converge); err != nil {
		t.Fatal(err)
	}
	oldLife := sniff.take()
	if len(oldLife) < 5 {
		t.Fatalf("captured %d datagrams of n3", len(oldLife))
	}
	// Node 3 restarts with a wiped disk and rejoins.
	if err := c.Kill(3); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(c.DataDir(3))
	if err := c.Start(3); err != nil {
		t.Fatal(err)
	}
	master, ring, err := c.WaitConverged(all, converge)
	if err != nil {
		t.Fatal(err)
	}
	newLife := sniff.take()
	sniff.stop()
	before, err := c.Status(1)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", c.Ports[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, d := range oldLife {
		conn.Write(d)
	}
	for _, d := range newLife {
		conn.Write(d)
	}
	st, err := c.WaitFor(1, converge, "replays refused", func(s *wire.Status) bool {
		return s.Counters.RejectedReplay > before.Counters.RejectedReplay && s.Counters.Challenges > before.Counters.Challenges
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every data datagram of the live process is a duplicate or older
	// than the window. (Its challenges and responses, captured too, are
	// answered or ignored, and change nothing.)
	data := 0
	for _, d := range newLife {
		if len(d) > 3 && d[3]>>4 == wire.KindData {
			data++
		}
	}
	if got := st.Counters.RejectedReplay - before.Counters.RejectedReplay; got < uint64(data) {
		t.Errorf("%d replays refused, %d data datagrams of the live process replayed", got, data)
	}
	t.Logf("replayed %d datagrams of the old process and %d of the new: replays refused %d, challenges %d",
		len(oldLife), len(newLife), st.Counters.RejectedReplay-before.Counters.RejectedReplay, st.Counters.Challenges-before.Counters.Challenges)
	if m, r, ok := c.Converged(all); !ok || m != master || r != ring {
		t.Fatalf("the replays changed the cluster: master %d ring %v, was %d %v", m, r, master, ring)
	}
}
