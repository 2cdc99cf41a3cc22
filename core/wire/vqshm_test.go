package wire

import (
	"sync"
	"sync/atomic"
	"testing"
)

func newTestShm(t *testing.T) *VQShm {
	t.Helper()
	s, err := NewVQShm(make([]byte, VQShmSize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVQShmReadWrite(t *testing.T) {
	if _, err := NewVQShm(make([]byte, VQShmSize-1)); err == nil {
		t.Fatal("short page accepted")
	}
	s := newTestShm(t)
	var got VQInfo
	if s.Read(0, 1, &got) {
		t.Fatal("uninitialised page answered")
	}
	infos := []VQInfo{
		{NodeID: 1, NodeState: NodeStateMember, NodeVotes: 1, NodeExpected: 3, HighestExpected: 3, TotalVotes: 2, Quorum: 2,
			Flags: VQQuorate | VQQDeviceRegistered, QDeviceVotes: 1, QDeviceName: "qdev-a"},
		{NodeID: 2, NodeState: NodeStateDead, NodeVotes: 1, NodeExpected: 3, HighestExpected: 3, TotalVotes: 2, Quorum: 2,
			Flags: VQQuorate, QDeviceVotes: 1, QDeviceName: "qdev-a"},
	}
	s.Publish(2, infos, 1000)
	for _, tc := range []struct {
		node uint32
		now  int64
		ok   bool
		want VQInfo
	}{
		{0, 999, true, infos[1]}, // node 0 is the local node
		{1, 999, true, infos[0]},
		{2, 0, true, infos[1]},
		{3, 999, false, VQInfo{}},  // not listed: ask the daemon
		{1, 1000, false, VQInfo{}}, // expired
	} {
		got = VQInfo{}
		if ok := s.Read(tc.node, tc.now, &got); ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("Read(%d, %d) = %v %+v, want %v %+v", tc.node, tc.now, ok, got, tc.ok, tc.want)
		}
	}
	s.Renew(5000)
	if !s.Read(1, 4000, &got) || got != infos[0] {
		t.Fatalf("after Renew: %+v", got)
	}
	// A shorter name replaces a longer one; 255 bytes fit.
	long := make([]byte, 255)
	for i := range long {
		long[i] = byte('a' + i%26)
	}
	infos[0].QDeviceName = string(long)
	s.Publish(1, infos[:1], 5000)
	if !s.Read(0, 0, &got) || got.QDeviceName != string(long) {
		t.Fatalf("long name: %q", got.QDeviceName)
	}
	infos[0].QDeviceName = ""
	s.Publish(1, infos[:1], 5000)
	if !s.Read(0, 0, &got) || got.QDeviceName != "" {
		t.Fatalf("empty name: %q", got.QDeviceName)
	}
	s.Invalidate()
	if s.Read(1, 0, &got) {
		t.Fatal("invalidated page answered")
	}
	// More nodes than fit: the first VQShmMaxNodes are listed.
	many := make([]VQInfo, VQShmMaxNodes+5)
	for i := range many {
		many[i].NodeID = uint32(i + 1)
	}
	s.Publish(1, many, 10)
	if !s.Read(VQShmMaxNodes, 0, &got) || s.Read(VQShmMaxNodes+1, 0, &got) {
		t.Fatal("capacity")
	}
}

// TestVQShmNoTornReads: a reader racing a writer sees only whole snapshots
// (every field of an entry is written with the same value per Publish).
func TestVQShmNoTornReads(t *testing.T) {
	s := newTestShm(t)
	mk := func(v uint32) []VQInfo {
		in := make([]VQInfo, 4)
		for i := range in {
			in[i] = VQInfo{NodeID: uint32(i + 1), NodeState: v, NodeVotes: v, NodeExpected: v, HighestExpected: v,
				TotalVotes: v, Quorum: v, Flags: v, QDeviceVotes: v, QDeviceName: string(rune('a' + v%26))}
		}
		return in
	}
	s.Publish(1, mk(0), 1<<62)
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for v := uint32(1); !stop.Load(); v++ {
			s.Publish(1, mk(v), 1<<62)
		}
	}()
	reads := 0
	for range 20000 {
		var in VQInfo
		if !s.Read(3, 0, &in) {
			continue
		}
		reads++
		v := in.NodeState
		if in.NodeID != 3 || in.NodeVotes != v || in.NodeExpected != v || in.HighestExpected != v || in.TotalVotes != v ||
			in.Quorum != v || in.Flags != v || in.QDeviceVotes != v || in.QDeviceName != string(rune('a'+v%26)) {
			t.Fatalf("torn read %+v", in)
		}
	}
	stop.Store(true)
	wg.Wait()
	if reads == 0 {
		t.Fatal("no read succeeded")
	}
}

func TestMonotonicNow(t *testing.T) {
	a := MonotonicNow()
	b := MonotonicNow()
	if a <= 0 || b < a {
		t.Fatalf("MonotonicNow %d then %d", a, b)
	}
}
