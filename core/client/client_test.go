package client

import (
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/goha/goha/core/wire"
)

// fakeDaemon accepts one connection, answers the hello and then runs fn.
func fakeDaemon(t *testing.T, fn func(conn net.Conn)) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "s")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		if _, err := wire.ReadFrame(conn, wire.MaxFrame); err != nil {
			return
		}
		body, _ := wire.EncodeBody(&wire.Hello{Proto: wire.ProtocolVersion, NodeID: 3, NodeName: "n3"})
		send(conn, &wire.Msg{Type: wire.TypeHello, Body: body})
		fn(conn)
	}()
	return "unix:" + sock
}

func send(conn net.Conn, m *wire.Msg) {
	b, _ := wire.EncodeMsg(m)
	wire.WriteFrame(conn, b)
}

func readReq(conn net.Conn) *wire.Msg {
	b, err := wire.ReadFrame(conn, wire.MaxFrame)
	if err != nil {
		return nil
	}
	m, _ := wire.DecodeMsg(b)
	return m
}

func TestDialNoDaemon(t *testing.T) {
	_, err := Dial("unix:"+filepath.Join(t.TempDir(), "none"), time.Second)
	if !errors.Is(err, ErrDaemonGone) {
		t.Fatalf("got %v", err)
	}
	if _, err := Dial("nonsense", time.Second); err == nil {
		t.Fatal("bad address accepted")
	}
}

func TestCallsEventsAndLoss(t *testing.T) {
	addr := fakeDaemon(t, func(conn net.Conn) {
		m := readReq(conn)
		body, _ := wire.EncodeBody(&wire.VQInfo{NodeID: 3, Quorum: 2})
		send(conn, &wire.Msg{Type: wire.TypeReply, ID: m.ID, Body: body})
		m = readReq(conn)
		send(conn, &wire.Msg{Type: wire.TypeReply, ID: m.ID, Code: wire.CodeInvalid, Err: "below total"})
		for seq := uint64(1); seq <= 3; seq++ {
			body, _ := wire.EncodeBody(&wire.ExpectedEvent{Expected: uint32(seq)})
			send(conn, &wire.Msg{Type: wire.TypeEvent, Seq: seq, Op: wire.EvExpected, Body: body})
		}
		readReq(conn) // a request that is never answered: the daemon dies
	})
	c, err := Dial(addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Server().NodeName != "n3" {
		t.Fatalf("hello %+v", c.Server())
	}
	info, err := c.QuorumInfo(0)
	if err != nil || info.NodeID != 3 || info.Quorum != 2 {
		t.Fatalf("%+v %v", info, err)
	}
	err = c.SetExpected(1)
	if CodeOf(err) != wire.CodeInvalid {
		t.Fatalf("got %v", err)
	}
	for want := uint64(1); want <= 3; want++ {
		ev := <-c.Events()
		if ev.Seq != want || ev.Expected == nil || ev.Expected.Expected != uint32(want) {
			t.Fatalf("event %+v", ev)
		}
	}
	if err := c.Ping(); !errors.Is(err, ErrDaemonGone) {
		t.Fatalf("daemon gone: got %v", err)
	}
	if _, ok := <-c.Events(); ok {
		t.Fatal("events channel not closed")
	}
	if err := c.Ping(); !errors.Is(err, ErrDaemonGone) {
		t.Fatalf("after loss: got %v", err)
	}
}

func TestTimeoutKeepsConnection(t *testing.T) {
	addr := fakeDaemon(t, func(conn net.Conn) {
		first := readReq(conn) // not answered until the second arrives
		second := readReq(conn)
		send(conn, &wire.Msg{Type: wire.TypeReply, ID: first.ID})
		send(conn, &wire.Msg{Type: wire.TypeReply, ID: second.ID})
		readReq(conn)
	})
	c, err := Dial(addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetTimeout(50 * time.Millisecond)
	if err := c.Ping(); !errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v", err)
	}
	c.SetTimeout(2 * time.Second)
	if err := c.Ping(); err != nil {
		t.Fatalf("after a timeout: %v", err)
	}
}

func TestEventGapBreaksConnection(t *testing.T) {
	addr := fakeDaemon(t, func(conn net.Conn) {
		send(conn, &wire.Msg{Type: wire.TypeEvent, Seq: 2, Op: wire.EvCMM})
		readReq(conn)
	})
	c, err := Dial(addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	<-c.Done()
	if !errors.Is(c.Err(), ErrProtocol) {
		t.Fatalf("got %v", c.Err())
	}
}

func TestSplitAddr(t *testing.T) {
	for addr, want := range map[string]string{"unix:/a/b": "unix /a/b", "127.0.0.1:5": "tcp 127.0.0.1:5"} {
		n, a, err := SplitAddr(addr)
		if err != nil || n+" "+a != want {
			t.Errorf("%s: %s %s %v", addr, n, a, err)
		}
	}
	for _, bad := range []string{"", "unix:", "nohost"} {
		if _, _, err := SplitAddr(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	t.Setenv(EnvIPC, "")
	if DefaultAddr() != DefaultIPC {
		t.Fatal(DefaultAddr())
	}
}
