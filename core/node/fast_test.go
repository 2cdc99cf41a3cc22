package node

import (
	"bytes"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

// TestFastPathKeepsOrder: requests pipelined on one connection get their
// replies in order, and a getinfo behind a setvotes sees its effect (the
// fast path steps aside while an earlier request is with the loop).
func TestFastPathKeepsOrder(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "solo.sock")
	runNode(t, oneNode(t, dir), filepath.Join(dir, "data"))
	nc, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	frame := func(m *wire.Msg) []byte {
		b, err := wire.EncodeMsg(m)
		if err != nil {
			t.Fatal(err)
		}
		return wire.AppendFrame(nil, b)
	}
	body := func(v any) []byte {
		b, err := wire.EncodeBody(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	read := func() *wire.Msg {
		b, err := wire.ReadFrame(nc, wire.MaxFrame)
		if err != nil {
			t.Fatal(err)
		}
		m, err := wire.DecodeMsg(b)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	nc.Write(frame(&wire.Msg{Type: wire.TypeHello, Body: body(&wire.Hello{Proto: wire.ProtocolVersion})}))
	if m := read(); m.Type != wire.TypeHello || m.Code != wire.CodeOK {
		t.Fatalf("hello %+v", m)
	}
	getinfo := func(id uint64, node uint32) []byte {
		return frame(&wire.Msg{Type: wire.TypeReq, ID: id, Op: wire.OpVQGetInfo, Body: body(&wire.NodeArg{Node: node})})
	}
	var batch []byte
	id := uint64(0)
	for votes := uint32(2); votes <= 4; votes++ {
		id++
		batch = append(batch, frame(&wire.Msg{Type: wire.TypeReq, ID: id, Op: wire.OpVQSetVotes,
			Body: body(&wire.SetVotesArg{Node: 7, Votes: votes})})...)
		id++
		batch = append(batch, getinfo(id, 0)...)
		id++
		batch = append(batch, frame(&wire.Msg{Type: wire.TypeReq, ID: id, Op: wire.OpPing})...)
	}
	id++
	batch = append(batch, getinfo(id, 99)...) // unknown: the loop's error
	if _, err := nc.Write(batch); err != nil {
		t.Fatal(err)
	}
	for want := uint64(1); want <= id; want++ {
		m := read()
		if m.Type != wire.TypeReply || m.ID != want {
			t.Fatalf("reply %d: got %+v", want, m)
		}
		switch {
		case want == id:
			if m.Code != wire.CodeNotExist {
				t.Fatalf("getinfo of an unknown node: %+v", m)
			}
		case want%3 == 2:
			var in wire.VQInfo
			if m.Code != wire.CodeOK || wire.DecodeBody(m.Body, &in) != nil || in.NodeVotes != uint32(2+want/3) {
				t.Fatalf("getinfo %d after setvotes %d: %+v %+v", want, 2+want/3, m, in)
			}
		default:
			if m.Code != wire.CodeOK {
				t.Fatalf("reply %+v", m)
			}
		}
	}
	// Alone on the connection, getinfo and cmm.nodeid are answered (fast
	// or not) with the current state.
	nc.Write(getinfo(100, 7))
	var in wire.VQInfo
	if m := read(); m.ID != 100 || m.Code != wire.CodeOK || wire.DecodeBody(m.Body, &in) != nil || in.NodeVotes != 4 || in.NodeID != 7 {
		t.Fatalf("getinfo: %+v %+v", m, in)
	}
	nc.Write(frame(&wire.Msg{Type: wire.TypeReq, ID: 101, Op: wire.OpCMMNodeID}))
	var na wire.NodeArg
	if m := read(); m.ID != 101 || m.Code != wire.CodeOK || wire.DecodeBody(m.Body, &na) != nil || na.Node != 7 {
		t.Fatalf("cmm.nodeid: %+v %+v", m, na)
	}
}

// TestFastCMMAnswersEqualTheLoop: every CMM query gets the same reply from
// the fast path (a connection without topics) as from the loop (a
// subscribed connection, which the fast path never answers), errors
// included.
func TestFastCMMAnswersEqualTheLoop(t *testing.T) {
	dir := t.TempDir()
	runNode(t, oneNode(t, dir), filepath.Join(dir, "data"))
	addr := "unix:" + filepath.Join(dir, "solo.sock")
	fast, err := client.DialConn(addr, 5*time.Second, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Close()
	slow, err := client.DialConn(addr, 5*time.Second, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if err := slow.Call(wire.OpSubscribe, &wire.Subscribe{Topics: 1 << 20}, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for slow.Call(wire.OpCMMMaster, nil, nil) != nil {
		if time.Now().After(deadline) {
			t.Fatal("no master elected")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, q := range []struct {
		op  string
		arg any
	}{
		{wire.OpCMMMember, &wire.MemberArg{Node: 7}}, {wire.OpCMMMember, &wire.MemberArg{Node: 7, Potential: true}},
		{wire.OpCMMMember, &wire.MemberArg{Node: 8}}, {wire.OpCMMMember, "bad"},
		{wire.OpCMMMembers, &wire.MembersArg{}}, {wire.OpCMMMembers, &wire.MembersArg{All: true}},
		{wire.OpCMMMaster, nil}, {wire.OpCMMViceMaster, nil}, {wire.OpCMMNodeID, nil},
	} {
		var a, b msgpack.RawMessage
		ea, eb := fast.Call(q.op, q.arg, &a), slow.Call(q.op, q.arg, &b)
		if client.CodeOf(ea) != client.CodeOf(eb) || !bytes.Equal(a, b) {
			t.Errorf("%s %v: fast %v %x, loop %v %x", q.op, q.arg, ea, a, eb, b)
		}
	}
}
