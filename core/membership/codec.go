package membership

import (
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// messageFields is the number of encoded fields of a Message, in order:
// Type From To Incarnation Ring.Rep Ring.Seq Now Echo Hears View Votes
// Expected QFlags Flags Prev.Rep Prev.Seq Members Incarnations MemberVotes
// MemberExp MemberQFlags MemberFlags Master Vice NoFence Op Target Arg ReqID
// Quiet Admin MemberAdmin.
const messageFields = 32

// maxMessageFields bounds the fields a decoded message may have, including
// fields of later versions that this one skips.
const maxMessageFields = 64

// maxListLen bounds any list in a decoded message.
const maxListLen = MaxNodes

var (
	_ msgpack.CustomEncoder = (*Message)(nil)
	_ msgpack.CustomDecoder = (*Message)(nil)
)

// fields returns the message's integer-like fields as encoded, with the
// lists as nil placeholders.
func (m *Message) fields() []any {
	nodes := func(ids []NodeID) []uint64 {
		out := make([]uint64, len(ids))
		for i, id := range ids {
			out[i] = uint64(id)
		}
		return out
	}
	u32 := func(xs []uint32) []uint64 {
		out := make([]uint64, len(xs))
		for i, x := range xs {
			out[i] = uint64(x)
		}
		return out
	}
	return []any{uint64(m.Type), uint64(m.From), uint64(m.To), uint64(m.Incarnation),
		uint64(m.Ring.Rep), m.Ring.Seq, m.Now, m.Echo, m.Hears, m.View,
		uint64(m.Votes), uint64(m.Expected), uint64(m.QFlags), uint64(m.Flags),
		uint64(m.Prev.Rep), m.Prev.Seq, nodes(m.Members), u32(m.Incarnations), u32(m.MemberVotes),
		u32(m.MemberExp), u32(m.MemberQFlags), u32(m.MemberFlags), uint64(m.Master), uint64(m.Vice),
		m.NoFence, uint64(m.Op), uint64(m.Target), uint64(m.Arg), m.ReqID, m.Quiet, m.Admin, m.MemberAdmin}
}

func isZero(v any) bool {
	switch x := v.(type) {
	case uint64:
		return x == 0
	case bool:
		return !x
	case []uint64:
		return len(x) == 0
	}
	return false
}

// EncodeMsgpack encodes m as an array of compact integers (see Message).
func (m *Message) EncodeMsgpack(enc *msgpack.Encoder) error {
	f := m.fields()
	n := len(f)
	for n > 0 && isZero(f[n-1]) {
		n--
	}
	if err := enc.EncodeArrayLen(n); err != nil {
		return err
	}
	for _, v := range f[:n] {
		var err error
		switch x := v.(type) {
		case uint64:
			err = enc.EncodeUint(x)
		case bool:
			err = enc.EncodeBool(x)
		case []uint64:
			if err = enc.EncodeArrayLen(len(x)); err == nil {
				for _, e := range x {
					if err = enc.EncodeUint(e); err != nil {
						break
					}
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// DecodeMsgpack decodes what EncodeMsgpack wrote. Values out of range of
// their field and over-long lists are errors.
func (m *Message) DecodeMsgpack(dec *msgpack.Decoder) error {
	*m = Message{}
	n, err := dec.DecodeArrayLen()
	if err != nil {
		return err
	}
	if n < 0 || n > maxMessageFields {
		return fmt.Errorf("%w: %d fields", ErrMalformed, n)
	}
	var u [messageFields]uint64
	var lists [messageFields][]uint64
	for i := range n {
		if i >= messageFields {
			// A field a later version added: skipped, so that versions
			// that differ only by such fields work together.
			if err := dec.Skip(); err != nil {
				return err
			}
			continue
		}
		switch i {
		case 8, 9, 16, 17, 18, 19, 20, 21, 31:
			k, err := dec.DecodeArrayLen()
			if err != nil {
				return err
			}
			if k > maxListLen {
				return fmt.Errorf("%w: list of %d", ErrMalformed, k)
			}
			for range max(k, 0) {
				v, err := dec.DecodeUint64()
				if err != nil {
					return err
				}
				lists[i] = append(lists[i], v)
			}
		case 24:
			b, err := dec.DecodeBool()
			if err != nil {
				return err
			}
			m.NoFence = b
		default:
			v, err := dec.DecodeUint64()
			if err != nil {
				return err
			}
			u[i] = v
		}
	}
	for _, i := range []int{0, 25} {
		if u[i] > 0xff {
			return fmt.Errorf("%w: field %d out of range", ErrMalformed, i)
		}
	}
	for _, i := range []int{1, 2, 3, 4, 10, 11, 12, 13, 14, 22, 23, 26, 27} {
		if u[i] > 0xffffffff {
			return fmt.Errorf("%w: field %d out of range", ErrMalformed, i)
		}
	}
	m.Type, m.From, m.To, m.Incarnation = MessageType(u[0]), NodeID(u[1]), NodeID(u[2]), uint32(u[3])
	m.Ring = RingID{Rep: NodeID(u[4]), Seq: u[5]}
	m.Now, m.Echo = u[6], u[7]
	m.Hears, m.View = lists[8], lists[9]
	m.Votes, m.Expected, m.QFlags, m.Flags = uint32(u[10]), uint32(u[11]), uint32(u[12]), uint32(u[13])
	m.Prev = RingID{Rep: NodeID(u[14]), Seq: u[15]}
	for _, v := range lists[16] {
		if v > 0xffffffff {
			return fmt.Errorf("%w: member id out of range", ErrMalformed)
		}
		m.Members = append(m.Members, NodeID(v))
	}
	for i, dst := range []*[]uint32{&m.Incarnations, &m.MemberVotes, &m.MemberExp, &m.MemberQFlags, &m.MemberFlags} {
		for _, v := range lists[17+i] {
			if v > 0xffffffff {
				return fmt.Errorf("%w: list value out of range", ErrMalformed)
			}
			*dst = append(*dst, uint32(v))
		}
	}
	m.Master, m.Vice = NodeID(u[22]), NodeID(u[23])
	m.Op, m.Target, m.Arg, m.ReqID = RequestOp(u[25]), NodeID(u[26]), uint32(u[27]), u[28]
	m.Quiet, m.Admin = u[29], u[30]
	m.MemberAdmin = lists[31]
	return nil
}
