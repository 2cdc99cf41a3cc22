package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/node/nodetest"
	"github.com/goha/goha/core/wire"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// oneNode writes a one-node cluster config (quorate on its own) in dir.
func oneNode(t testing.TB, dir string) string {
	t.Helper()
	ports, err := nodetest.FreePorts(2)
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`cluster_name = "unit"
authkey = "unit-secret-0123456789"
[timing]
heartbeat = "20ms"
failure_timeout = "200ms"
[[node]]
id = 7
name = "solo"
addr = "127.0.0.1:%d"
ha_addr = "127.0.0.1:%d"
ipc = "unix:%s"
`, ports[0], ports[1], filepath.Join(dir, "solo.sock"))
	path := filepath.Join(dir, "cluster.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func runNode(t *testing.T, cfg, data string) (*Node, context.CancelFunc, chan error) {
	t.Helper()
	n, err := Start(Options{ConfigPath: cfg, NodeName: "solo", DataDir: data, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return n, cancel, done
}

func TestSingleNodeControl(t *testing.T) {
	dir := t.TempDir()
	cfg := oneNode(t, dir)
	n, cancel, done := runNode(t, cfg, filepath.Join(dir, "data"))

	// Start-up failures: the data directory is locked, the port is taken.
	if _, err := Start(Options{ConfigPath: cfg, NodeName: "solo", DataDir: filepath.Join(dir, "data"), Logger: quietLog()}); !errors.Is(err, ErrDataDir) {
		t.Fatalf("second start on the same data dir: %v", err)
	}
	if _, err := Start(Options{ConfigPath: cfg, NodeName: "solo", DataDir: filepath.Join(dir, "data2"), Logger: quietLog()}); err == nil {
		t.Fatal("second start on the same port succeeded")
	}

	c, err := client.Dial("unix:"+filepath.Join(dir, "solo.sock"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Server().NodeID != 7 || c.Server().NodeName != "solo" {
		t.Fatalf("hello %+v", c.Server())
	}
	// Subscribing with a snapshot: NODELIST then QUORUM, sequence 1 and 2.
	if _, err := c.Subscribe(wire.TopicQuorum, wire.TopicQuorum); err != nil {
		t.Fatal(err)
	}
	ev1, ev2 := <-c.Events(), <-c.Events()
	if ev1.Seq != 1 || ev1.NodeList == nil || ev2.Seq != 2 || ev2.Quorum == nil {
		t.Fatalf("snapshot events %+v %+v", ev1, ev2)
	}
	// Wait until the single node installed its view.
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := c.QuorumInfo(0)
		if err != nil {
			t.Fatal(err)
		}
		if info.Flags&wire.VQQuorate != 0 {
			if info.NodeID != 7 || info.TotalVotes != 1 || info.Quorum != 1 {
				t.Fatalf("getinfo %+v", info)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("single node never quorate: %+v", info)
		}
		time.Sleep(10 * time.Millisecond)
	}
	m, err := c.Master()
	if err != nil || m.NodeID != 7 || m.SFlag&wire.CMMMaster == 0 || m.DomainID != 0 {
		t.Fatalf("master %+v %v", m, err)
	}
	codes := []struct {
		name string
		err  error
		want wire.Code
	}{
		{"getinfo unknown", func() error { _, err := c.QuorumInfo(99); return err }(), wire.CodeNotExist},
		{"setvotes unknown", c.SetVotes(99, 1), wire.CodeNameNotFound},
		{"member unknown", func() error { _, err := c.Member(99); return err }(), wire.CodeNotExist},
		{"no vice-master", func() error { _, err := c.ViceMaster(); return err }(), wire.CodeNotExist},
		{"qdevice empty name", c.QDeviceRegister(""), wire.CodeInvalid},
		{"qualif level", c.SetQualification(7, 12), wire.CodeInvalid},
		{"unknown op", c.Call("no.such.op", nil, nil), wire.CodeUnknownOp},
		{"bad args", c.Call(wire.OpVQGetInfo, "not a struct", nil), wire.CodeBadRequest},
	}
	for _, k := range codes {
		if got := client.CodeOf(k.err); got != k.want {
			t.Errorf("%s: got %v (%v), want %v", k.name, got, k.err, k.want)
		}
	}
	if err := c.QDeviceRegister("qd"); err != nil {
		t.Fatalf("qdevice register: %v", err)
	}
	info, _ := c.QuorumInfo(0)
	if info.Flags&wire.VQQDeviceRegistered == 0 || info.QDeviceName != "qd" {
		t.Fatalf("after register: %+v", info)
	}
	st, err := c.Status()
	if err != nil || len(st.Nodes) != 1 || st.Incarnation == 0 {
		t.Fatalf("status %+v %v", st, err)
	}
	if n.DB() == nil {
		t.Fatal("no shared DB handle")
	}

	// Clean stop: Run returns nil and the socket is gone; the client
	// learns the daemon is gone.
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	done <- nil // for the cleanup
	if _, err := os.Stat(filepath.Join(dir, "solo.sock")); !os.IsNotExist(err) {
		t.Fatalf("socket left behind: %v", err)
	}
	if err := c.Ping(); !errors.Is(err, client.ErrDaemonGone) {
		t.Fatalf("after stop: %v", err)
	}

	// Restart: a higher incarnation from the persisted state.
	_, _, _ = runNode(t, cfg, filepath.Join(dir, "data"))
	c2, err := client.Dial("unix:"+filepath.Join(dir, "solo.sock"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	st2, err := c2.Status()
	if err != nil || st2.Incarnation <= st.Incarnation {
		t.Fatalf("restart incarnation %d after %d (%v)", st2.Incarnation, st.Incarnation, err)
	}
}

// A client that never reads is disconnected once its backlog is full; the
// producer (the node loop) never blocks on it.
func TestStalledClientIsDropped(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	ln, path, err := listenControl("unix:"+sock, nil)
	if err != nil {
		t.Fatal(err)
	}
	var dropped atomic.Uint64
	s := newCtlServer(ln, path, nil, wire.Hello{NodeID: 1}, quietLog(), &dropped)
	go s.serve()
	defer s.close()

	nc, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	hello, _ := wire.EncodeBody(&wire.Hello{Proto: wire.ProtocolVersion})
	hm, _ := wire.EncodeMsg(&wire.Msg{Type: wire.TypeHello, Body: hello})
	if err := wire.WriteFrame(nc, hm); err != nil {
		t.Fatal(err)
	}
	if _, err := wire.ReadFrame(nc, wire.MaxFrame); err != nil {
		t.Fatal(err)
	}
	// Wait until the server registered the connection, then subscribe it.
	var conn *ctlConn
	for deadline := time.Now().Add(5 * time.Second); conn == nil; {
		s.eachConn(func(c *ctlConn) { conn = c })
		if time.Now().After(deadline) {
			t.Fatal("connection not registered")
		}
		time.Sleep(time.Millisecond)
	}
	conn.topics.Store(wire.TopicView)
	body := make([]byte, 1024)
	start := time.Now()
	for i := 0; i < 4*MaxBacklogFrames && !conn.isClosed(); i++ {
		s.publish(wire.TopicView, wire.EvView, body)
	}
	if !conn.isClosed() {
		t.Fatal("a client that never reads was not disconnected")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("publishing blocked for %v", d)
	}
	if dropped.Load() == 0 {
		t.Fatal("drop not counted")
	}
}

func TestTickConversion(t *testing.T) {
	if TickFor(300*time.Millisecond) != 30*time.Millisecond || TickFor(20*time.Millisecond) != MinTick {
		t.Fatal("tick period")
	}
	if ticksOf(900*time.Millisecond, 30*time.Millisecond) != 30 || ticksOf(time.Millisecond, MinTick) != 1 {
		t.Fatal("ticks")
	}
}

func TestListenControlRefusesRemoteTCP(t *testing.T) {
	if _, _, err := listenControl("0.0.0.0:0", nil); err == nil {
		t.Fatal("non-loopback TCP control endpoint accepted")
	}
	ln, _, err := listenControl("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
}

// TestOpTable: an entry added to the op table is served (here an async op
// that publishes an event and replies from another goroutine), bad
// arguments are CodeBadRequest, and an op not in the table is
// CodeUnknownOp.
func TestOpTable(t *testing.T) {
	type arg struct{ X int }
	ops["test.echo"] = opSpec{async: func(n *Node, _ *ctlConn, body []byte, reply func(any, error)) {
		var a arg
		if err := wire.DecodeBody(body, &a); err != nil {
			reply(nil, &OpError{Code: wire.CodeBadRequest, Msg: err.Error()})
			return
		}
		n.Publish(1<<10, "test.event", &a)
		go reply(&arg{X: a.X + 1}, nil) // asynchronous reply
	}}
	ops["test.add"] = callArg(func(_ *Node, a *arg) (any, error) { return &arg{X: a.X + 2}, nil })
	defer delete(ops, "test.echo")
	defer delete(ops, "test.add")
	dir := t.TempDir()
	cfg := oneNode(t, dir)
	n, err := Start(Options{ConfigPath: cfg, NodeName: "solo", DataDir: filepath.Join(dir, "data"), Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	defer func() { cancel(); <-done }()
	c, err := client.Dial("unix:"+filepath.Join(dir, "solo.sock"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Subscribe(1<<10, 0); err != nil {
		t.Fatal(err)
	}
	var res arg
	if err := c.Call("test.echo", &arg{X: 41}, &res); err != nil || res.X != 42 {
		t.Fatalf("echo: %+v %v", res, err)
	}
	select {
	case ev := <-c.Events():
		var a arg
		if ev.Kind != "test.event" || wire.DecodeBody(ev.Raw, &a) != nil || a.X != 41 {
			t.Fatalf("event %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	if err := c.Call("test.add", &arg{X: 1}, &res); err != nil || res.X != 3 {
		t.Fatalf("add: %+v %v", res, err)
	}
	for _, op := range []string{"test.echo", "test.add"} {
		if err := c.Call(op, "bad", nil); client.CodeOf(err) != wire.CodeBadRequest {
			t.Fatalf("%s bad args: %v", op, err)
		}
	}
	if err := c.Call("test.none", nil, nil); client.CodeOf(err) != wire.CodeUnknownOp {
		t.Fatalf("unknown op: %v", err)
	}
}
