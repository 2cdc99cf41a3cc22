package node

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/goha/goha/core/client"
	"github.com/goha/goha/core/wire"
)

func dialSolo(t *testing.T, dir string) *client.Client {
	t.Helper()
	c, err := client.Dial("unix:"+filepath.Join(dir, "solo.sock"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitJoined waits (with a deadline) until the node installed its view.
func waitJoined(t *testing.T, c *client.Client) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := c.Status()
		if err == nil && len(st.Members) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no view: %+v %v", st, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// nextEvent waits (with a deadline) for the next event of kind on c.
func nextEvent(t *testing.T, c *client.Client, kind string) client.Event {
	t.Helper()
	select {
	case ev, ok := <-c.Events():
		if !ok {
			t.Fatalf("connection ended waiting for %s: %v", kind, c.Err())
		}
		if ev.Kind != kind {
			t.Fatalf("got event %s, want %s", ev.Kind, kind)
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s event", kind)
	}
	return client.Event{}
}

func noEvent(t *testing.T, c *client.Client) {
	t.Helper()
	select {
	case ev := <-c.Events():
		t.Fatalf("unexpected event %s", ev.Kind)
	case <-time.After(50 * time.Millisecond):
	}
}

func codeIs(t *testing.T, err error, want wire.Code, what string) {
	t.Helper()
	if got := client.CodeOf(err); got != want {
		t.Fatalf("%s: %v (code %v), want %v", what, err, got, want)
	}
}

func u32(v uint32) wire.CMapValue {
	return wire.CMapValue{Type: 6, Data: binary.LittleEndian.AppendUint32(nil, v)}
}

func TestCMapService(t *testing.T) {
	dir := t.TempDir()
	runNode(t, oneNode(t, dir), filepath.Join(dir, "data"))
	c, tr := dialSolo(t, dir), dialSolo(t, dir)

	var v wire.CMapValue
	if err := c.Call(wire.OpCMapGet, &wire.CMapKeyArg{Key: "runtime.votequorum.this_node_id"}, &v); err != nil ||
		v.Type != 6 || binary.LittleEndian.Uint32(v.Data) != 7 {
		t.Fatalf("this_node_id: %+v %v", v, err)
	}
	if err := c.Call(wire.OpCMapGet, &wire.CMapKeyArg{Key: "quorum.provider"}, &v); err != nil || string(v.Data) != "corosync_votequorum\x00" {
		t.Fatalf("quorum.provider: %q %v", v.Data, err)
	}
	codeIs(t, c.Call(wire.OpCMapGet, &wire.CMapKeyArg{Key: "no.such.key"}, &v), wire.CodeNotExist, "missing key")
	codeIs(t, c.Call(wire.OpCMapGet, &wire.CMapKeyArg{Map: 9, Key: "x.y"}, &v), wire.CodeNotExist, "unknown map")

	// Tracking: ADD, no event for an unchanged value, MODIFY, DELETE.
	if err := tr.Call(wire.OpCMapTrack, &wire.CMapTrackArg{ID: 42, Key: "test.", Flags: 1 | 2 | 4 | 8}, nil); err != nil {
		t.Fatal(err)
	}
	set := func(key string, val wire.CMapValue) error {
		return c.Call(wire.OpCMapSet, &wire.CMapSetArg{Key: key, Value: val}, nil)
	}
	if err := set("test.a", u32(1)); err != nil {
		t.Fatal(err)
	}
	ev := nextEvent(t, tr, wire.EvCMap)
	var ce wire.CMapEvent
	if err := wire.DecodeBody(ev.Raw, &ce); err != nil || ce.Track != 42 || ce.Event != 4 || ce.Key != "test.a" || ce.Old.Type != 0 {
		t.Fatalf("add: %+v %v", ce, err)
	}
	set("test.a", u32(1))
	set("test.a", u32(2))
	wire.DecodeBody(nextEvent(t, tr, wire.EvCMap).Raw, &ce)
	if ce.Event != 2 || binary.LittleEndian.Uint32(ce.Old.Data) != 1 || binary.LittleEndian.Uint32(ce.New.Data) != 2 {
		t.Fatalf("modify (the unchanged set must not notify): %+v", ce)
	}
	if err := c.Call(wire.OpCMapAdjust, &wire.CMapAdjustArg{Key: "test.a", Step: -1}, nil); err != nil {
		t.Fatal(err)
	}
	wire.DecodeBody(nextEvent(t, tr, wire.EvCMap).Raw, &ce)
	if ce.Event != 2 || binary.LittleEndian.Uint32(ce.New.Data) != 1 {
		t.Fatalf("dec: %+v", ce)
	}
	if err := c.Call(wire.OpCMapDelete, &wire.CMapKeyArg{Key: "test.a"}, nil); err != nil {
		t.Fatal(err)
	}
	wire.DecodeBody(nextEvent(t, tr, wire.EvCMap).Raw, &ce)
	if ce.Event != 1 || ce.New.Type != 0 || len(ce.New.Data) != 0 {
		t.Fatalf("delete: %+v", ce)
	}
	if err := tr.Call(wire.OpCMapUntrack, &wire.CMapUntrackArg{ID: 42}, nil); err != nil {
		t.Fatal(err)
	}
	set("test.b", u32(1))
	noEvent(t, tr)
	codeIs(t, tr.Call(wire.OpCMapUntrack, &wire.CMapUntrackArg{ID: 42}, nil), wire.CodeNotExist, "second untrack")

	// Access rules and write effects.
	codeIs(t, set("totem.cluster_name", wire.CMapValue{Type: 11, Data: []byte("x\x00")}), wire.CodeAccess, "read-only")
	codeIs(t, set("runtime.votequorum.this_node_id", u32(5)), wire.CodeAccess, "derived key")
	codeIs(t, set("totem.token", u32(5000)), wire.CodeNotSupported, "live totem key")
	codeIs(t, set("ab", u32(1)), wire.CodeNameTooLong, "short name")
	codeIs(t, set("quorum.expected_votes", u32(0)), wire.CodeInvalid, "expected votes below the votes present")
	if err := set("quorum.expected_votes", u32(1)); err != nil {
		t.Fatal(err)
	}

	// Iteration pages through sorted keys.
	var it wire.CMapIterResult
	if err := c.Call(wire.OpCMapIter, &wire.CMapIterArg{Prefix: "nodelist.", Max: 2}, &it); err != nil ||
		len(it.Keys) != 2 || !it.More || it.Keys[0].Name != "nodelist.local_node_pos" {
		t.Fatalf("iter page 1: %+v %v", it, err)
	}
	last := it.Keys[1].Name
	if err := c.Call(wire.OpCMapIter, &wire.CMapIterArg{Prefix: "nodelist.", After: last, Max: 10}, &it); err != nil ||
		len(it.Keys) != 2 || it.More || !slices.IsSortedFunc(it.Keys, func(a, b wire.CMapKey) int {
		if a.Name < b.Name {
			return -1
		}
		return 1
	}) {
		t.Fatalf("iter page 2: %+v %v", it, err)
	}

	// The stats map: gohad's counters, read-only, not trackable.
	if err := c.Call(wire.OpCMapGet, &wire.CMapKeyArg{Map: wire.CMapStats, Key: "stats.goha.dgram_sent"}, &v); err != nil || v.Type != 8 {
		t.Fatalf("stats: %+v %v", v, err)
	}
	codeIs(t, c.Call(wire.OpCMapSet, &wire.CMapSetArg{Map: wire.CMapStats, Key: "stats.goha.x", Value: u32(1)}, nil), wire.CodeAccess, "stats write")
	codeIs(t, c.Call(wire.OpCMapTrack, &wire.CMapTrackArg{Map: wire.CMapStats, ID: 1, Key: "stats.", Flags: 8}, nil), wire.CodeNotSupported, "stats track")
}

func TestQuorumServiceAndCfg(t *testing.T) {
	dir := t.TempDir()
	_, _, done := runNode(t, oneNode(t, dir), filepath.Join(dir, "data"))
	c, tracker := dialSolo(t, dir), dialSolo(t, dir)
	waitJoined(t, c)

	var q wire.QuorateResult
	if err := c.Call(wire.OpQuorumGetQuorate, nil, &q); err != nil || !q.Quorate {
		t.Fatalf("getquorate: %+v %v", q, err)
	}
	if _, err := c.Subscribe(wire.TopicQuorumSvc, wire.TopicQuorumSvc); err != nil {
		t.Fatal(err)
	}
	var nl wire.QuorumNodesEvent
	wire.DecodeBody(nextEvent(t, c, wire.EvQuorumNodes).Raw, &nl)
	var qe wire.QuorumSvcEvent
	wire.DecodeBody(nextEvent(t, c, wire.EvQuorumSvc).Raw, &qe)
	if !slices.Equal(nl.Members, []uint32{7}) || len(nl.Joined) != 0 || !qe.Quorate || !slices.Equal(qe.Members, []uint32{7}) || qe.Ring != nl.Ring {
		t.Fatalf("snapshot: %+v %+v", nl, qe)
	}
	if _, err := c.Subscribe(0, 0); err != nil {
		t.Fatal(err)
	}

	var addrs wire.CfgAddrs
	if err := c.Call(wire.OpCfgNodeAddrs, &wire.NodeArg{}, &addrs); err != nil || !slices.Equal(addrs.Addrs, []string{"127.0.0.1"}) {
		t.Fatalf("node addrs: %+v %v", addrs, err)
	}
	codeIs(t, c.Call(wire.OpCfgNodeAddrs, &wire.NodeArg{Node: 99}, &addrs), wire.CodeNotExist, "addrs of an unknown node")
	var ns wire.CfgNodeStatus
	if err := c.Call(wire.OpCfgNodeStatus, &wire.NodeArg{Node: 7}, &ns); err != nil || !ns.Local || !ns.Reachable {
		t.Fatalf("node status: %+v %v", ns, err)
	}
	codeIs(t, c.Call(wire.OpCfgReply, &wire.CfgReplyArg{Yes: true}, nil), wire.CodeAccess, "reply without a request")

	// A tracker says no: BUSY, the node stays.
	if err := tracker.Call(wire.OpCfgTrack, &wire.CfgTrackArg{On: true}, nil); err != nil {
		t.Fatal(err)
	}
	shutdown := func(flags uint32) chan error {
		ch := make(chan error, 1)
		go func() { ch <- c.Call(wire.OpCfgShutdown, &wire.CfgShutdownArg{Flags: flags}, nil) }()
		return ch
	}
	res := shutdown(0)
	var se wire.CfgShutdownEvent
	wire.DecodeBody(nextEvent(t, tracker, wire.EvCfgShutdown).Raw, &se)
	if se.Flags != 0 {
		t.Fatalf("asked with flags %d", se.Flags)
	}
	codeIs(t, c.Call(wire.OpCfgShutdown, &wire.CfgShutdownArg{Flags: 0}, nil), wire.CodeExist, "second request while one is pending")
	if err := tracker.Call(wire.OpCfgReply, &wire.CfgReplyArg{Yes: false}, nil); err != nil {
		t.Fatal(err)
	}
	codeIs(t, <-res, wire.CodeBusy, "refused shutdown")
	codeIs(t, c.Call(wire.OpCfgShutdown, &wire.CfgShutdownArg{Flags: 7}, nil), wire.CodeInvalid, "bad flags")

	// The tracker goes away while asked: that is a yes, the node leaves and
	// Run returns nil (gohad exits 0); the requester hears CS_OK first.
	res = shutdown(0)
	nextEvent(t, tracker, wire.EvCfgShutdown)
	tracker.Close()
	if err := <-res; err != nil {
		t.Fatalf("agreed shutdown: %v", err)
	}
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Fatalf("Run after an agreed shutdown: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the node did not stop")
	}
}

func TestCfgKillSelf(t *testing.T) {
	dir := t.TempDir()
	_, _, done := runNode(t, oneNode(t, dir), filepath.Join(dir, "data"))
	c := dialSolo(t, dir)
	waitJoined(t, c)
	codeIs(t, c.Call(wire.OpCfgKill, &wire.CfgKillArg{Node: 99, Reason: "x"}, nil), wire.CodeNotExist, "kill of a non-member")
	if err := c.Call(wire.OpCfgKill, &wire.CfgKillArg{Node: 7, Reason: "unit test"}, nil); err != nil {
		t.Fatalf("kill self: %v", err)
	}
	select {
	case err := <-done:
		done <- err
		if !errors.Is(err, ErrKilled) {
			t.Fatalf("Run after kill: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the node did not stop")
	}
}
