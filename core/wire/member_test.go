package wire

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/goha/goha/core/membership"
)

// randomMember is a message with random values in every field.
func randomMember(r *rand.Rand) membership.Message {
	list := func() []uint32 {
		if r.IntN(2) == 0 {
			return nil
		}
		out := make([]uint32, 1+r.IntN(20))
		for i := range out {
			out[i] = r.Uint32() >> r.IntN(32)
		}
		return out
	}
	m := membership.Message{Type: membership.MessageType(r.IntN(8)), From: membership.NodeID(r.Uint32()),
		To: membership.NodeID(r.IntN(70)), Incarnation: r.Uint32(),
		Ring: membership.RingID{Rep: membership.NodeID(r.IntN(5)), Seq: r.Uint64()}, Now: r.Uint64() >> r.IntN(64),
		Echo: uint64(r.IntN(1000)), Votes: uint32(r.IntN(3)), Expected: r.Uint32(), QFlags: uint32(r.IntN(256)),
		Flags: uint32(r.IntN(64)), Incarnations: list(), MemberVotes: list(), MemberExp: list(), MemberQFlags: list(),
		MemberFlags: list(), Master: membership.NodeID(r.IntN(4)), Vice: membership.NodeID(r.IntN(4)),
		NoFence: r.IntN(2) == 0, Op: membership.RequestOp(r.IntN(5)), Target: membership.NodeID(r.IntN(4)),
		Arg: r.Uint32(), ReqID: uint64(r.IntN(3)), Quiet: uint64(r.IntN(50)), Admin: r.Uint64() >> r.IntN(64)}
	if r.IntN(2) == 0 {
		m.MemberAdmin = []uint64{r.Uint64(), 0, uint64(r.IntN(9))}
	}
	if r.IntN(2) == 0 { // auto mode
		m.DataEpoch, m.DataTxid = uint64(r.IntN(3)), r.Uint64()>>r.IntN(64)
		m.Rec = membership.Record{Epoch: uint64(r.IntN(5)), Seq: uint64(r.IntN(9)), Primary: membership.NodeID(r.IntN(4)), Txid: uint64(r.IntN(99))}
		if r.IntN(2) == 0 {
			m.Rec.Sync = []membership.NodeID{2, membership.NodeID(3 + r.IntN(60))}
		}
		if r.IntN(2) == 0 {
			m.Rec.Prev = []membership.NodeID{membership.NodeID(1 + r.IntN(60))}
		}
		m.BaseEpoch, m.BaseSeq = uint64(r.IntN(2)), uint64(r.IntN(2))
	}
	if r.IntN(2) == 0 {
		m.Hears, m.View = []uint64{r.Uint64()}, []uint64{r.Uint64(), 0}
		m.Prev = membership.RingID{Rep: 3, Seq: 9}
		m.Members = []membership.NodeID{1, membership.NodeID(r.Uint32())}
	}
	// Trailing zero fields are not encoded: leave some out at random.
	if r.IntN(3) == 0 {
		m.MemberAdmin, m.Admin, m.Quiet, m.ReqID = nil, 0, 0, 0
		m.DataEpoch, m.DataTxid, m.Rec, m.BaseEpoch, m.BaseSeq = 0, 0, membership.Record{}, 0, 0
	}
	return m
}

func TestMemberRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var buf []byte
	for i := range 5000 {
		m := randomMember(r)
		buf = AppendMember(buf[:0], &m)
		var got membership.Message
		if err := DecodeMember(buf, &got); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("case %d: round trip\n got %+v\nwant %+v", i, got, m)
		}
	}
}

// The encoding of a 64-node heartbeat, byte for byte: changing it breaks
// clusters that mix versions.
func TestMemberHeartbeatBytes(t *testing.T) {
	hb := membership.Message{Type: membership.MsgHeartbeat, From: 12, To: 64, Incarnation: 3,
		Ring: membership.RingID{Rep: 1, Seq: 300}, Now: 1 << 30, Echo: 1<<30 - 4, Hears: []uint64{^uint64(0)},
		View: []uint64{^uint64(0)}, Votes: 1, Expected: 64, QFlags: 1, Flags: 0x1b}
	const want = "9e010c400301cd012cce40000000ce3ffffffc91cfffffffffffffffff91cfffffffffffffffff0140011b"
	b := AppendMember(nil, &hb)
	if got := hexOf(b); got != want {
		t.Errorf("heartbeat encodes as\n%s\nwant\n%s", got, want)
	}
	if len(b) > 48 {
		t.Errorf("a 64-node heartbeat takes %d bytes, want at most 48", len(b))
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// A message with fields a later version added decodes (they are ignored);
// one with more than MaxMemberFields does not.
func TestMemberIgnoresLaterFields(t *testing.T) {
	m := membership.Message{Type: membership.MsgHeartbeat, From: 2, To: 1, Incarnation: 3, Now: 7, Admin: 9,
		MemberAdmin: []uint64{1}, DataEpoch: 1, Left: []membership.NodeID{4}, PromiseEpoch: 5, PromisePrimary: 2} // every known field present
	// A later version's layout: the known fields, then extra ones of any
	// type ([i, "later"] here).
	later := func(extra int) []byte {
		known := AppendMember(nil, &m)
		if known[0] != 0xdc {
			t.Fatalf("36 fields should take an array16 header, got 0x%02x", known[0])
		}
		out := appendArrayLen(nil, len(memberFields)+extra)
		out = append(out, known[3:]...)
		for i := range extra {
			out = append(out, 0x92, byte(i), 0xa5, 'l', 'a', 't', 'e', 'r')
		}
		return out
	}
	var got membership.Message
	if err := DecodeMember(later(3), &got); err != nil {
		t.Fatalf("three later fields: %v", err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("decoded %+v, want %+v", got, m)
	}
	if err := DecodeMember(later(MaxMemberFields), &got); !errors.Is(err, ErrMalformed) {
		t.Fatalf("too many fields: %v, want ErrMalformed", err)
	}
}

// Values out of their field's range, over-long lists and truncation are
// errors.
func TestMemberRejectsMalformed(t *testing.T) {
	for name, b := range map[string][]byte{
		"not an array":     {0x01},
		"type over 255":    {0x91, 0xcd, 0x01, 0x00},
		"from over 2^32":   {0x92, 0x01, 0xcf, 0, 0, 0, 1, 0, 0, 0, 0},
		"negative":         {0x91, 0xd0, 0xff},
		"truncated":        {0x93, 0x01, 0x02},
		"list past end":    {0x99, 1, 2, 3, 4, 5, 6, 7, 8, 0xdd, 0x7f, 0xff, 0xff, 0xff},
		"string for a int": {0x91, 0xa1, 'x'},
	} {
		var m membership.Message
		if err := DecodeMember(b, &m); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

// FuzzDecodeMember: any input decodes to a message or an error, never a
// panic, and what decodes re-encodes to the same message.
func FuzzDecodeMember(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		m := randomMember(r)
		f.Add(AppendMember(nil, &m))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m membership.Message
		if err := DecodeMember(b, &m); err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		var m2 membership.Message
		if err := DecodeMember(AppendMember(nil, &m), &m2); err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("re-encoding changed the message: %v\n%+v\n%+v", err, m, m2)
		}
	})
}

// FuzzMemberStep feeds decoded messages to a node: StepBatch must never
// panic, whatever the bytes and arrival ticks.
func FuzzMemberStep(f *testing.F) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20 {
		m := randomMember(r)
		m.To, m.From = 1, membership.NodeID(1+r.IntN(4))
		f.Add(AppendMember(nil, &m), uint8(3))
	}
	cfg := membership.Config{Self: 1, HeartbeatTicks: 2, FailureTicks: 8}
	for i := 1; i <= 4; i++ {
		cfg.Nodes = append(cfg.Nodes, membership.NodeConfig{ID: membership.NodeID(i), Votes: 1, Eligible: true})
	}
	f.Fuzz(func(t *testing.T, b []byte, ticks uint8) {
		n, err := membership.New(cfg, membership.PersistentState{})
		if err != nil {
			t.Fatal(err)
		}
		now := uint64(ticks % 32)
		var in []membership.Inbound
		// The input is several messages: split it at every 0xff byte.
		for len(b) > 0 {
			k := 0
			for k < len(b) && b[k] != 0xff {
				k++
			}
			var m membership.Message
			if DecodeMember(b[:k], &m) == nil {
				in = append(in, membership.Inbound{Msg: m, At: uint64(k) % (now + 2)})
			}
			b = b[min(k+1, len(b)):]
		}
		n.StepBatch(now, in, nil)
		n.StepBatch(now+40, nil, nil)
		n.Advance(n.Ready())
		_ = n.Status()
	})
}
