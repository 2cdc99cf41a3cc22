package corosync

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goha/goha/core/config"
)

func mustSet(t *testing.T, m *Map, key string, v Value) []Notification {
	t.Helper()
	n, err := m.Set(key, v)
	if err != nil {
		t.Fatalf("Set(%s): %v", key, err)
	}
	return n
}

func TestValueRules(t *testing.T) {
	m := NewMap()
	cases := []struct {
		key  string
		v    Value
		want error
	}{
		{"a.u32", Uint32(7), nil},
		{"a.u32", Value{Type: TypeUint32, Data: []byte{1, 2}}, ErrInvalid},      // wrong size
		{"a.bad", Value{Type: 99, Data: []byte{1}}, ErrInvalid},                 // unknown type
		{"a.bad", Value{Type: 0}, ErrInvalid},                                   //
		{"a.str", Value{Type: TypeString, Data: []byte("ab\x00c")}, ErrInvalid}, // NUL inside
		{"a.str", Value{Type: TypeString, Data: []byte("abc")}, nil},            // no NUL: one is added
		{"a.big", Binary(make([]byte, MaxValueLen+1)), ErrInvalid},
		{"a.bin", Binary(make([]byte, MaxValueLen)), nil},
		{"ab", Uint8(1), ErrNameTooLong},                     // too short to create
		{"bad key!", Uint8(1), ErrNameTooLong},               // bad character
		{strings.Repeat("k", 255), Uint8(1), nil},            // longest name
		{strings.Repeat("k", 256), Uint8(1), ErrNameTooLong}, // too long
	}
	for _, c := range cases {
		_, err := m.Set(c.key, c.v)
		if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("Set(%.20s, %v): %v, want %v", c.key, c.v.Type, err, c.want)
		}
	}
	v, err := m.Get("a.str")
	if err != nil || string(v.Data) != "abc\x00" || v.Len() != 4 {
		t.Fatalf("string stored as %q (%v)", v.Data, err)
	}
	if _, err := m.Get("ab"); !errors.Is(err, ErrNotExist) {
		t.Errorf("get of a short name: %v, want not exist", err)
	}
	if _, err := m.Get(strings.Repeat("k", 256)); !errors.Is(err, ErrNameTooLong) {
		t.Errorf("get of a long name: %v", err)
	}
}

func TestAdjustWraps(t *testing.T) {
	m := NewMap()
	mustSet(t, m, "i8.k", Int8(-128))
	mustSet(t, m, "u64.k", Uint64(0))
	mustSet(t, m, "u16.k", Uint16(65535))
	mustSet(t, m, "flt.k", Float(1))
	if _, err := m.Adjust("i8.k", -1); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.Get("i8.k"); v.String() != "127" {
		t.Errorf("int8 -128 - 1 = %s", v)
	}
	m.Adjust("u64.k", -1)
	if v, _ := m.Get("u64.k"); v.String() != "18446744073709551615" {
		t.Errorf("u64 0 - 1 = %s", v)
	}
	n, _ := m.Adjust("u16.k", 1)
	if v, _ := m.Get("u16.k"); v.String() != "0" || n != nil {
		t.Errorf("u16 65535 + 1 = %s", v)
	}
	if _, err := m.Adjust("flt.k", 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("inc of a float: %v", err)
	}
	if _, err := m.Adjust("none.k", 1); !errors.Is(err, ErrNotExist) {
		t.Errorf("inc of a missing key: %v", err)
	}
}

func TestIterSortedAndPaged(t *testing.T) {
	m := NewMap()
	for _, k := range []string{"b.2", "a.1", "b.10", "b.1", "c.x", "b//"} {
		mustSet(t, m, k, Uint8(1))
	}
	keys, more := m.Iter("", "", 100)
	var names []string
	for _, k := range keys {
		names = append(names, k.Name)
	}
	if want := []string{"a.1", "b.1", "b.10", "b.2", "b//", "c.x"}; !slices.Equal(names, want) || more {
		t.Fatalf("all keys %v more=%t", names, more)
	}
	// Paging through "b." two at a time sees every key once.
	var got []string
	after := ""
	for {
		page, more := m.Iter("b.", after, 2)
		for _, k := range page {
			got = append(got, k.Name)
			after = k.Name
		}
		if !more {
			break
		}
	}
	if !slices.Equal(got, []string{"b.1", "b.10", "b.2"}) {
		t.Fatalf("paged %v", got)
	}
	if keys, more := m.Iter("zzz", "", 10); len(keys) != 0 || more {
		t.Fatalf("no match: %v", keys)
	}
	if keys[0].Len != 1 || keys[0].Type != TypeUint8 {
		t.Fatalf("key info %+v", keys[0])
	}
}

func TestTrackingEventsAndOrder(t *testing.T) {
	m := NewMap()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(m.Track(Tracker{Owner: 1, ID: 10, Key: "a.b.c", Flags: TrackAdd | TrackModify | TrackDelete}))
	must(m.Track(Tracker{Owner: 1, ID: 11, Key: "a.", Flags: TrackAdd | TrackModify | TrackDelete | TrackPrefix}))
	must(m.Track(Tracker{Owner: 2, ID: 10, Key: "a.b.c", Flags: TrackModify}))
	must(m.Track(Tracker{Owner: 1, ID: 12, Key: "a.b.", Flags: TrackAdd | TrackPrefix}))
	must(m.Track(Tracker{Owner: 1, ID: 13, Key: "", Flags: TrackAdd | TrackPrefix}))
	if err := m.Track(Tracker{Owner: 1, ID: 14, Key: "x", Flags: 16}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("flag 16: %v", err)
	}
	ids := func(ns []Notification) (out []string) {
		for _, n := range ns {
			out = append(out, fmt.Sprintf("%d/%d:%d", n.Owner, n.Track, n.Event))
		}
		return out
	}
	// ADD: exact first, then the prefixes longest first.
	ns := mustSet(t, m, "a.b.c", Uint32(2))
	if got := ids(ns); !slices.Equal(got, []string{"1/10:4", "1/12:4", "1/11:4", "1/13:4"}) {
		t.Fatalf("add: %v", got)
	}
	if !ns[0].Old.IsZero() || ns[0].New.String() != "2" {
		t.Fatalf("add values: %+v", ns[0])
	}
	// Same value again: nobody hears about it.
	if ns := mustSet(t, m, "a.b.c", Uint32(2)); len(ns) != 0 {
		t.Fatalf("unchanged set notified %v", ids(ns))
	}
	// MODIFY (inc): exact trackers newest first.
	ns, _ = m.Adjust("a.b.c", 1)
	if got := ids(ns); !slices.Equal(got, []string{"2/10:2", "1/10:2", "1/11:2"}) {
		t.Fatalf("modify: %v", got)
	}
	if ns[0].Old.String() != "2" || ns[0].New.String() != "3" {
		t.Fatalf("modify values: %+v", ns[0])
	}
	// A type change is a MODIFY too.
	if ns := mustSet(t, m, "a.b.c", String("x")); len(ns) != 3 {
		t.Fatalf("type change: %v", ids(ns))
	}
	// DELETE: new value zero, old the removed one.
	ns, err := m.Delete("a.b.c")
	must(err)
	if got := ids(ns); !slices.Equal(got, []string{"1/10:1", "1/11:1"}) || !ns[0].New.IsZero() {
		t.Fatalf("delete: %v %+v", got, ns)
	}
	if s, _ := ns[0].Old.Str(); s != "x" {
		t.Fatalf("delete old %v", ns[0].Old)
	}
	// Untrack and DropOwner.
	must(m.Untrack(1, 10))
	if err := m.Untrack(1, 10); !errors.Is(err, ErrNotExist) {
		t.Fatalf("second untrack: %v", err)
	}
	m.DropOwner(1)
	if m.Trackers(1) != 0 || m.Trackers(2) != 1 {
		t.Fatalf("trackers left: %d %d", m.Trackers(1), m.Trackers(2))
	}
}

func TestCheckWrite(t *testing.T) {
	cases := []struct {
		key  string
		v    Value
		del  bool
		want error
		kind EffectKind
	}{
		{"totem.cluster_name", String("x"), false, ErrAccess, 0},
		{"totem.cluster_name", Value{}, true, ErrAccess, 0},
		{"nodelist.node.0.nodeid", Uint32(9), false, ErrAccess, 0},
		{"runtime.votequorum.this_node_id", Uint32(5), false, ErrAccess, 0},
		{"runtime.members.1.status", String("x"), false, ErrAccess, 0},
		{"quorum.wait_for_all", Uint8(0), false, ErrAccess, 0},
		{"totem.token", Uint32(5000), false, ErrNotSupported, 0},
		{"quorum.two_node", Uint8(1), false, nil, EffectTwoNode},
		{"quorum.two_node", Value{}, true, nil, EffectTwoNode},
		{"quorum.two_node", Uint32(1), false, ErrInvalid, 0},
		{"quorum.votes", Uint32(2), false, ErrNotSupported, 0},
		{"logging.debug", String("on"), false, ErrNotSupported, 0},
		{"quorum.expected_votes", Uint32(3), false, nil, EffectSetExpected},
		{"quorum.expected_votes", Uint8(3), false, ErrInvalid, 0},
		{"quorum.expected_votes", Value{}, true, ErrNotSupported, 0},
		{"quorum.device.votes", Uint32(1), false, nil, EffectQDeviceVote},
		{"cfg.shutdown_timeout", Uint32(1500), false, nil, EffectNone},
		{"cfg.shutdown_timeout", String("1500"), false, ErrInvalid, 0},
		{"quorum.device.model", String("net"), false, nil, EffectNone},
		{"my.own.key", Uint8(1), false, nil, EffectNone},
	}
	for _, c := range cases {
		eff, err := CheckWrite(c.key, c.v, c.del)
		if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) || eff.Kind != c.kind {
			t.Errorf("CheckWrite(%s, del=%t): %v %v, want %v %v", c.key, c.del, eff, err, c.want, c.kind)
		}
	}
	if eff, _ := CheckWrite("quorum.expected_votes", Uint32(7), false); eff.N != 7 {
		t.Errorf("effect value %d", eff.N)
	}
}

func testConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(`
cluster_name = "csq"
authkey = "0123456789abcdef0123456789abcdef"
[timing]
heartbeat = "100ms"
failure_timeout = "1s"
[quorum]
two_node = true
[[node]]
id = 1
name = "n1"
addr = "127.0.0.1:7001"
ha_addr = "127.0.0.1:7101"
ipc = "unix:/tmp/n1.sock"
[[node]]
id = 2
name = "n2"
addr = "127.0.0.2:7002"
ha_addr = "127.0.0.1:7102"
ipc = "unix:/tmp/n2.sock"
`))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestServiceKeys(t *testing.T) {
	s := NewService(testConfig(t), 2)
	m := s.Map()
	want := map[string]string{
		"totem.cluster_name":              "csq",
		"runtime.config.totem.token":      "1000",
		"quorum.provider":                 "corosync_votequorum",
		"quorum.two_node":                 "1",
		"nodelist.node.0.nodeid":          "1",
		"nodelist.node.1.name":            "n2",
		"nodelist.node.1.ring0_addr":      "127.0.0.2",
		"nodelist.local_node_pos":         "1",
		"runtime.votequorum.this_node_id": "2",
	}
	for k, w := range want {
		v, err := m.Get(k)
		if err != nil || v.String() != w {
			t.Errorf("%s = %v (%v), want %s", k, v, err, w)
		}
	}
	if v, _ := m.Get("nodelist.node.0.nodeid"); v.Type != TypeUint32 {
		t.Errorf("nodeid type %v", v.Type)
	}
	if v, _ := m.Get("quorum.two_node"); v.Type != TypeUint8 {
		t.Errorf("two_node type %v", v.Type)
	}
	if _, err := m.Get("quorum.expected_votes"); !errors.Is(err, ErrNotExist) {
		t.Errorf("expected_votes without a setting: %v", err)
	}

	m.Track(Tracker{Owner: 9, ID: 1, Key: "runtime.", Flags: TrackAdd | TrackModify | TrackPrefix})
	notes := s.Update(Runtime{Self: 2, Members: []uint32{1, 2}, TwoNode: true, EVBarrier: 2})
	if v, _ := m.Get("runtime.votequorum.lowest_node_id"); v.String() != "1" {
		t.Errorf("lowest %v", v)
	}
	if v, _ := m.Get("runtime.votequorum.two_node"); v.Type != TypeUint8 || v.String() != "1" {
		t.Errorf("two_node %v", v)
	}
	if len(notes) != 4 {
		t.Errorf("first update: %d notifications", len(notes))
	}
	if notes := s.Update(Runtime{Self: 2, Members: []uint32{1, 2}, TwoNode: true, EVBarrier: 2}); len(notes) != 0 {
		t.Errorf("unchanged update notified %d", len(notes))
	}

	// A reload that sets expected_votes and drops two_node.
	cfg2 := testConfig(t)
	cfg2.Quorum.ExpectedVotes, cfg2.Quorum.TwoNode = 2, false
	m.Track(Tracker{Owner: 9, ID: 2, Key: "quorum.", Flags: TrackAdd | TrackDelete | TrackPrefix})
	if notes := s.Reconfigure(cfg2); len(notes) != 2 || notes[0].Event != TrackAdd || notes[1].Event != TrackDelete {
		t.Errorf("reconfigure notified %+v", notes)
	}
	if v, _ := m.Get("quorum.expected_votes"); v.String() != "2" {
		t.Errorf("expected_votes after reload: %v", v)
	}
	if _, err := m.Get("quorum.two_node"); !errors.Is(err, ErrNotExist) {
		t.Errorf("two_node after reload: %v", err)
	}

	joined, left, _ := s.ViewInstalled([]uint32{2})
	if !slices.Equal(joined, []uint32{2}) || left != nil {
		t.Fatalf("first view: %v %v", joined, left)
	}
	joined, _, _ = s.ViewInstalled([]uint32{1, 2})
	if !slices.Equal(joined, []uint32{1}) {
		t.Fatalf("second view: %v", joined)
	}
	_, left, _ = s.ViewInstalled([]uint32{2})
	if !slices.Equal(left, []uint32{1}) {
		t.Fatalf("third view: left %v", left)
	}
	if v, _ := m.Get("runtime.members.1.status"); v.String() != "left" {
		t.Errorf("status after leaving %v", v)
	}
	s.ViewInstalled([]uint32{1, 2})
	for k, w := range map[string]string{
		"runtime.members.1.join_count": "2", "runtime.members.1.status": "joined",
		"runtime.members.1.ip": "r(0) ip(127.0.0.1) ", "runtime.members.2.join_count": "1",
	} {
		if v, _ := m.Get(k); v.String() != w {
			t.Errorf("%s = %q, want %q", k, v.String(), w)
		}
	}
}

func TestShutdown(t *testing.T) {
	const to = 5 * time.Second
	var s Shutdown
	// No tracker: decided at once.
	d, err := s.Request(1, ShutdownRequest, 0, to)
	if err != nil || !d.Decided || !d.Stop || d.Requester != 1 {
		t.Fatalf("no trackers: %+v %v", d, err)
	}
	// The requester itself is not asked.
	s.Track(1)
	s.Track(2)
	s.Track(3)
	d, _ = s.Request(1, ShutdownRequest, 0, to)
	if !slices.Equal(d.Ask, []uint64{2, 3}) || d.Decided || d.Flags != ShutdownRequest {
		t.Fatalf("ask: %+v", d)
	}
	if _, err := s.Request(4, ShutdownRequest, 0, to); !errors.Is(err, ErrShutdownPending) {
		t.Fatalf("second request: %v", err)
	}
	// An owner that was not asked does not count.
	if d, _ := s.Reply(9, true); d.Decided {
		t.Fatalf("stranger decided: %+v", d)
	}
	if d, _ := s.Reply(2, true); d.Decided {
		t.Fatalf("one of two: %+v", d)
	}
	// A second answer of 2 changes nothing; 3's NO cancels (REQUEST).
	s.Reply(2, false)
	d, _ = s.Reply(3, false)
	if !d.Decided || d.Stop {
		t.Fatalf("a no: %+v", d)
	}
	if _, err := s.Reply(2, true); !errors.Is(err, ErrNoShutdown) {
		t.Fatalf("reply without a request: %v", err)
	}
	// REGARDLESS: a no still shuts down once everyone answered.
	s.Request(1, ShutdownRegardless, 0, to)
	s.Reply(2, false)
	if d, _ := s.Reply(3, true); !d.Decided || !d.Stop {
		t.Fatalf("regardless: %+v", d)
	}
	// Timeout: silence is a no.
	s.Request(1, ShutdownRequest, time.Second, to)
	s.Reply(2, true)
	if d := s.Expire(time.Second + to - 1); d.Decided {
		t.Fatalf("expired early: %+v", d)
	}
	if d := s.Expire(time.Second + to); !d.Decided || d.Stop {
		t.Fatalf("timeout: %+v", d)
	}
	// A tracker that leaves counts as yes; a newcomer is asked.
	s.Request(1, ShutdownRequest, 0, to)
	if d := s.Track(4); !slices.Equal(d.Ask, []uint64{4}) {
		t.Fatalf("newcomer: %+v", d)
	}
	s.Reply(2, true)
	s.Untrack(3)
	if d := s.Gone(4); !d.Decided || !d.Stop {
		t.Fatalf("leavers: %+v", d)
	}
	// The requester going away cancels silently.
	s.Track(3)
	s.Request(1, ShutdownRequest, 0, to)
	if d := s.Gone(1); d.Decided || s.Pending() {
		t.Fatalf("requester gone: %+v pending=%t", d, s.Pending())
	}
	// IMMEDIATE asks nobody, even with a request pending; bad flags.
	s.Request(1, ShutdownRequest, 0, to)
	if d, _ := s.Request(5, ShutdownImmediate, 0, to); !d.Decided || !d.Stop || d.Ask != nil {
		t.Fatalf("immediate: %+v", d)
	}
	if _, err := s.Request(5, 3, 0, to); !errors.Is(err, ErrInvalid) {
		t.Fatalf("flags 3: %v", err)
	}
}
