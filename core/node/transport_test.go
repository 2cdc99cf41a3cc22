package node

import (
	"net"
	"testing"

	"github.com/goha/goha/core/wire"
)

func TestTransportAccept(t *testing.T) {
	key := wire.PeerKey([]byte("k"), "c")
	var cnt counters
	tr := &transport{key: key, domain: 1, self: 1, cnt: &cnt, bad: newRateLog(quietLog(), 0), log: quietLog(),
		peers:   map[uint32]*net.UDPAddr{1: {}, 2: {}},
		windows: map[uint32]map[uint64]*wire.ReplayWindow{}}
	from := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}
	dgram := func(k []byte, sender uint32, inc, seq uint64) []byte {
		b, err := wire.EncodePeer(k, &wire.Envelope{DomainID: 1, Sender: sender, Incarnation: inc, Seq: seq, Payload: []byte{0x80}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	steps := []struct {
		b    []byte
		ok   bool
		name string
	}{
		{dgram(key, 2, 5, 1), true, "fresh"},
		{dgram(key, 2, 5, 1), false, "replay"},
		{dgram(key, 2, 5, 2), true, "next"},
		{dgram(key, 2, 1, 1), true, "older incarnation (restart without disk) reaches membership"},
		{dgram(key, 2, 1, 1), false, "its replay does not"},
		{dgram(key, 3, 1, 1), false, "unknown node"},
		{dgram(key, 1, 1, 1), false, "own id"},
		{dgram(wire.PeerKey([]byte("x"), "c"), 2, 5, 3), false, "wrong key"},
		{[]byte("garbage"), false, "garbage"},
	}
	for _, s := range steps {
		if _, ok := tr.accept(s.b, from); ok != s.ok {
			t.Errorf("%s: accepted=%v", s.name, ok)
		}
	}
	if cnt.rejReplay.Load() != 2 || cnt.rejUnknown.Load() != 2 || cnt.rejAuth.Load() != 1 || cnt.rejMalformed.Load() != 1 {
		t.Errorf("counters %+v", cnt.wire())
	}
	for inc := uint64(10); inc < 10+2*MaxIncarnationsTracked; inc++ {
		tr.accept(dgram(key, 2, inc, 1), from)
	}
	if n := len(tr.windows[2]); n != MaxIncarnationsTracked {
		t.Errorf("%d windows tracked", n)
	}
}
