package client

import (
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/goha/goha/core/wire"
)

// serveOn accepts connections on ln, answers each hello with node id 3 and
// then runs fn on the connection.
func serveOn(t *testing.T, ln net.Listener, fn func(conn net.Conn)) {
	t.Helper()
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				if _, err := wire.ReadFrame(conn, wire.MaxFrame); err != nil {
					return
				}
				body, _ := wire.EncodeBody(&wire.Hello{Proto: wire.ProtocolVersion, NodeID: 3, NodeName: "n3"})
				send(conn, &wire.Msg{Type: wire.TypeHello, Body: body})
				fn(conn)
			}()
		}
	}()
}

// echoPings answers every request with CodeOK, and "fail" with CodeInvalid.
func echoPings(conn net.Conn) {
	for {
		m := readReq(conn)
		if m == nil {
			return
		}
		r := &wire.Msg{Type: wire.TypeReply, ID: m.ID}
		if m.Op == "fail" {
			r.Code, r.Err = wire.CodeInvalid, "refused"
		}
		send(conn, r)
	}
}

// TestAddressForms: Dial (Client) and DialConn reach a daemon at every
// address form: a unix socket, an IPv4 literal, a bracketed IPv6 literal
// and a host name.
func TestAddressForms(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	lnU, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, lnU, echoPings)
	ln4, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, ln4, echoPings)
	_, port4, _ := net.SplitHostPort(ln4.Addr().String())
	addrs := []string{"unix:" + sock, "127.0.0.1:" + port4, "localhost:" + port4}
	if ln6, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Logf("no IPv6 loopback here (%v): [::1] not tested", err)
	} else {
		serveOn(t, ln6, echoPings)
		addrs = append(addrs, ln6.Addr().String())
	}
	for _, addr := range addrs {
		c, err := Dial(addr, 5*time.Second)
		if err != nil {
			t.Errorf("Dial(%s): %v", addr, err)
			continue
		}
		if err := c.Ping(); err != nil || c.Server().NodeID != 3 {
			t.Errorf("Client %s: ping %v, server %+v", addr, err, c.Server())
		}
		c.Close()
		cn, err := DialConn(addr, 5*time.Second, Options{Software: "test"})
		if err != nil {
			t.Errorf("DialConn(%s): %v", addr, err)
			continue
		}
		if err := cn.Call(wire.OpPing, nil, nil); err != nil || cn.Server().NodeID != 3 {
			t.Errorf("Conn %s: ping %v, server %+v", addr, err, cn.Server())
		}
		cn.Close()
	}
}

func TestBadAddresses(t *testing.T) {
	for _, addr := range []string{"", "unix:", "nohost", "127.0.0.1:notaport", "unix:/" + strings.Repeat("x", 200)} {
		if _, err := DialConn(addr, time.Second, Options{}); err == nil || errors.Is(err, ErrDaemonGone) {
			t.Errorf("%q: %v, want an address error", addr, err)
		}
	}
	if _, err := DialConn("no-such-host.invalid:1", 2*time.Second, Options{}); !errors.Is(err, ErrDaemonGone) {
		t.Errorf("unresolvable name: %v", err)
	}
	ln, _ := net.Listen("tcp4", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if _, err := DialConn(addr, time.Second, Options{}); !errors.Is(err, ErrDaemonGone) || !errors.Is(err, unix.ECONNREFUSED) {
		t.Errorf("refused: %v", err)
	}
}

// TestConnCalls: a refusal leaves the Conn usable; a reply to another
// request breaks it for good; a closed daemon is IsEOF.
func TestConnCalls(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, ln, func(conn net.Conn) {
		for {
			m := readReq(conn)
			if m == nil {
				return
			}
			switch m.Op {
			case "fail":
				send(conn, &wire.Msg{Type: wire.TypeReply, ID: m.ID, Code: wire.CodeInvalid, Err: "refused"})
			case "skew":
				send(conn, &wire.Msg{Type: wire.TypeReply, ID: m.ID + 7})
			case "bye":
				return
			default:
				body, _ := wire.EncodeBody(&wire.NodeArg{Node: 9})
				send(conn, &wire.Msg{Type: wire.TypeReply, ID: m.ID, Body: body})
			}
		}
	})
	c, err := DialConn("unix:"+sock, 5*time.Second, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var a wire.NodeArg
	if err := c.Call("x", nil, &a); err != nil || a.Node != 9 {
		t.Fatalf("call: %v %+v", err, a)
	}
	if err := c.Call("fail", nil, nil); CodeOf(err) != wire.CodeInvalid || c.Err() != nil {
		t.Fatalf("refusal: %v, conn %v", err, c.Err())
	}
	if err := c.Call("x", nil, nil); err != nil {
		t.Fatalf("after a refusal: %v", err)
	}
	if err := c.Call("skew", nil, nil); !errors.Is(err, ErrProtocol) || !errors.Is(c.Err(), ErrProtocol) {
		t.Fatalf("skewed reply: %v", err)
	}
	if err := c.Call("x", nil, nil); !errors.Is(err, ErrProtocol) {
		t.Fatalf("broken conn: %v", err)
	}

	c2, err := DialConn("unix:"+sock, 5*time.Second, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := c2.Call("bye", nil, nil); !errors.Is(err, ErrDaemonGone) || !IsEOF(err) {
		t.Fatalf("daemon closed: %v (eof %v)", err, IsEOF(err))
	}
}

// TestNewConnNonBlockingExact: on the caller's non-blocking socket, Conn
// waits with poll and reads exactly one frame, so the next event stays in
// the socket for the caller's poll; a gap in event numbers breaks it.
func TestNewConnNonBlockingExact(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	serveOn(t, ln, func(conn net.Conn) {
		m := readReq(conn)
		if m == nil {
			return
		}
		<-release // the client waits in poll meanwhile
		send(conn, &wire.Msg{Type: wire.TypeReply, ID: m.ID})
		for seq := uint64(1); seq <= 2; seq++ {
			send(conn, &wire.Msg{Type: wire.TypeEvent, Seq: seq, Op: wire.EvHA, Body: []byte{0x80}})
		}
		send(conn, &wire.Msg{Type: wire.TypeEvent, Seq: 4, Op: wire.EvHA, Body: []byte{0x80}})
		readReq(conn)
	})
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: sock}); err != nil {
		t.Fatal(err)
	}
	c := NewConn(fd)
	if err := c.Handshake(5*time.Second, Options{}); err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(20 * time.Millisecond); close(release) }()
	if err := c.Call(wire.OpHANotify, nil, nil); err != nil {
		t.Fatal(err)
	}
	for seq := uint64(1); seq <= 2; seq++ {
		p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if n, _ := unix.Poll(p, 5000); n != 1 {
			t.Fatalf("event %d: the socket is not readable: read ahead?", seq)
		}
		ev, err := c.ReadEvent()
		if err != nil || ev.Seq != seq || ev.Kind != wire.EvHA {
			t.Fatalf("event %d: %+v %v", seq, ev, err)
		}
	}
	if _, err := c.ReadEvent(); !errors.Is(err, ErrProtocol) {
		t.Fatalf("gap: %v", err)
	}
	c.Close()
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		t.Fatal("Close closed the caller's descriptor")
	}
}

// TestConnTimeoutKeepsConnection: a call that times out returns
// ErrTimeout; its late reply, even one that arrived in pieces, is dropped
// by id, and the next call gets its own reply.
func TestConnTimeoutKeepsConnection(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	serveOn(t, ln, func(conn net.Conn) {
		for {
			m := readReq(conn)
			if m == nil {
				return
			}
			body, _ := wire.EncodeBody(&wire.NodeArg{Node: uint32(m.ID)})
			b, _ := wire.EncodeMsg(&wire.Msg{Type: wire.TypeReply, ID: m.ID, Body: body})
			frame := wire.AppendFrame(nil, b)
			if m.Op == "slow" {
				conn.Write(frame[:3]) // half a header: the client must not lose it
				<-release
			}
			if m.Op == "slow" {
				conn.Write(frame[3:])
			} else {
				conn.Write(frame)
			}
		}
	})
	c, err := DialConn("unix:"+sock, 5*time.Second, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetTimeout(50 * time.Millisecond)
	if err := c.Call("slow", nil, nil); !errors.Is(err, ErrTimeout) {
		t.Fatalf("slow call: %v", err)
	}
	if c.Err() != nil {
		t.Fatalf("a timeout broke the connection: %v", c.Err())
	}
	close(release)
	c.SetTimeout(5 * time.Second)
	var a wire.NodeArg
	if err := c.Call("fast", nil, &a); err != nil || a.Node != 2 {
		t.Fatalf("next call: %v, got the reply to %d", err, a.Node)
	}
}

// TestConnClosed: Closed notices a daemon that went away between calls.
func TestConnClosed(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, ln, func(conn net.Conn) {
		m := readReq(conn)
		send(conn, &wire.Msg{Type: wire.TypeReply, ID: m.ID})
		// and close
	})
	c, err := DialConn("unix:"+sock, 5*time.Second, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Closed() {
		t.Fatal("a fresh connection reads as closed")
	}
	if err := c.Call(wire.OpPing, nil, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !c.Closed() {
		if time.Now().After(deadline) {
			t.Fatal("the daemon's close was not noticed")
		}
		time.Sleep(time.Millisecond)
	}
	// On a unix socket the next request fails unsent (what lets libgoha's
	// CMM session redial without asking Closed before each call).
	if !c.Local() {
		t.Fatal("a unix socket connection is not Local")
	}
	err = c.Call(wire.OpPing, nil, nil)
	if !NotSent(err) || !errors.Is(err, ErrDaemonGone) {
		t.Fatalf("call on a connection the daemon closed: %v, want an unsent ErrDaemonGone", err)
	}
}

// TestConnTCPNotLocal: a TCP connection is not Local (a write after the
// daemon's close succeeds there, so callers must ask Closed).
func TestConnTCPNotLocal(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, ln, echoPings)
	c, err := DialConn(ln.Addr().String(), 5*time.Second, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Local() {
		t.Fatal("a TCP connection reads as Local")
	}
}
