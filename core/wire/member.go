package wire

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/goha/goha/core/membership"
)

// A membership message (the payload of a peer datagram) is a msgpack array
// of the fields below, in this order, without its trailing zero fields:
// unsigned integers in their shortest msgpack form, booleans, and arrays of
// unsigned integers. A later version appends fields to memberFields; a
// decoder ignores the fields it does not know, so daemons that differ only
// by such fields work together (the upgrade rule). A heartbeat of a cluster
// of up to 64 nodes is about 40 bytes.
var memberFields = [...]func(m *membership.Message) any{
	func(m *membership.Message) any { return &m.Type },
	func(m *membership.Message) any { return &m.From },
	func(m *membership.Message) any { return &m.To },
	func(m *membership.Message) any { return &m.Incarnation },
	func(m *membership.Message) any { return &m.Ring.Rep },
	func(m *membership.Message) any { return &m.Ring.Seq },
	func(m *membership.Message) any { return &m.Now },
	func(m *membership.Message) any { return &m.Echo },
	func(m *membership.Message) any { return &m.Hears },
	func(m *membership.Message) any { return &m.View },
	func(m *membership.Message) any { return &m.Votes },
	func(m *membership.Message) any { return &m.Expected },
	func(m *membership.Message) any { return &m.QFlags },
	func(m *membership.Message) any { return &m.Flags },
	func(m *membership.Message) any { return &m.Prev.Rep },
	func(m *membership.Message) any { return &m.Prev.Seq },
	func(m *membership.Message) any { return &m.Members },
	func(m *membership.Message) any { return &m.Incarnations },
	func(m *membership.Message) any { return &m.MemberVotes },
	func(m *membership.Message) any { return &m.MemberExp },
	func(m *membership.Message) any { return &m.MemberQFlags },
	func(m *membership.Message) any { return &m.MemberFlags },
	func(m *membership.Message) any { return &m.Master },
	func(m *membership.Message) any { return &m.Vice },
	func(m *membership.Message) any { return &m.NoFence },
	func(m *membership.Message) any { return &m.Op },
	func(m *membership.Message) any { return &m.Target },
	func(m *membership.Message) any { return &m.Arg },
	func(m *membership.Message) any { return &m.ReqID },
	func(m *membership.Message) any { return &m.Quiet },
	func(m *membership.Message) any { return &m.Admin },
	func(m *membership.Message) any { return &m.MemberAdmin },
	func(m *membership.Message) any { return autoFields{m} },
	func(m *membership.Message) any { return &m.Left },
	func(m *membership.Message) any { return &m.PromiseEpoch },
	func(m *membership.Message) any { return &m.PromisePrimary },
}

// autoFields are auto mode's fields of a membership message, encoded as
// one list of unsigned integers, empty (and so left out) in external mode:
// DataEpoch, DataTxid, Rec.Epoch, Rec.Seq, Rec.Primary, Rec.Txid,
// BaseEpoch, BaseSeq, len(Rec.Sync), then Rec.Sync and Rec.Prev.
type autoFields struct{ m *membership.Message }

func (a autoFields) zero() bool {
	m := a.m
	return m.DataEpoch == 0 && m.DataTxid == 0 && m.Rec.Epoch == 0 && m.Rec.Seq == 0 && m.Rec.Primary == 0 &&
		m.Rec.Txid == 0 && len(m.Rec.Sync) == 0 && len(m.Rec.Prev) == 0 && m.BaseEpoch == 0 && m.BaseSeq == 0
}

func (a autoFields) appendTo(dst []byte) []byte {
	m := a.m
	dst = appendArrayLen(dst, 9+len(m.Rec.Sync)+len(m.Rec.Prev))
	for _, x := range []uint64{m.DataEpoch, m.DataTxid, m.Rec.Epoch, m.Rec.Seq, uint64(m.Rec.Primary), m.Rec.Txid,
		m.BaseEpoch, m.BaseSeq, uint64(len(m.Rec.Sync))} {
		dst = appendUint(dst, x)
	}
	for _, id := range m.Rec.Sync {
		dst = appendUint(dst, uint64(id))
	}
	for _, id := range m.Rec.Prev {
		dst = appendUint(dst, uint64(id))
	}
	return dst
}

// read decodes the list; node ids must be ascending and non-zero.
func (a autoFields) read(r *reader, i int) {
	k := r.arrayLen()
	if r.err == nil && (k > 9+2*maxMemberList || k > len(r.b)-r.i) {
		r.fail("field %d: list of %d", i, k)
	}
	if r.err != nil || k == 0 {
		return
	}
	if k < 9 {
		r.fail("field %d: %d auto-mode values", i, k)
		return
	}
	var v [9]uint64
	for j := range v {
		v[j] = r.uintMax(math.MaxUint64, i)
	}
	m := a.m
	if r.err == nil && (v[4] > math.MaxUint32 || v[8] > uint64(k-9)) {
		r.fail("field %d: auto-mode values out of range", i)
		return
	}
	m.DataEpoch, m.DataTxid = v[0], v[1]
	m.Rec = membership.Record{Epoch: v[2], Seq: v[3], Primary: membership.NodeID(v[4]), Txid: v[5]}
	m.BaseEpoch, m.BaseSeq = v[6], v[7]
	m.Rec.Sync = readNodes(r, int(v[8]), i)
	m.Rec.Prev = readNodes(r, k-9-int(v[8]), i)
}

// readNodes reads k ascending, non-zero node ids.
func readNodes(r *reader, k, i int) []membership.NodeID {
	if r.err != nil || k == 0 {
		return nil
	}
	out := make([]membership.NodeID, k)
	for j := range out {
		out[j] = membership.NodeID(r.uintMax(math.MaxUint32, i))
		if r.err == nil && (out[j] == 0 || (j > 0 && out[j] <= out[j-1])) {
			r.fail("field %d: node ids not ascending", i)
		}
	}
	return out
}

// MaxMemberFields bounds the fields a decoded membership message may
// have, including fields of later versions that this one ignores.
const MaxMemberFields = 64

// maxMemberList bounds any list in a decoded membership message.
const maxMemberList = membership.MaxNodes

// AppendMember appends the encoding of m to dst.
func AppendMember(dst []byte, m *membership.Message) []byte {
	n := len(memberFields)
	for n > 0 && fieldZero(memberFields[n-1](m)) {
		n--
	}
	dst = appendArrayLen(dst, n)
	for _, f := range memberFields[:n] {
		switch p := f(m).(type) {
		case *membership.MessageType:
			dst = appendUint(dst, uint64(*p))
		case *membership.RequestOp:
			dst = appendUint(dst, uint64(*p))
		case *membership.NodeID:
			dst = appendUint(dst, uint64(*p))
		case *uint32:
			dst = appendUint(dst, uint64(*p))
		case *uint64:
			dst = appendUint(dst, *p)
		case *bool:
			dst = append(dst, 0xc2+b2u8(*p))
		case *[]uint64:
			dst = appendList(dst, *p)
		case *[]uint32:
			dst = appendList(dst, *p)
		case *[]membership.NodeID:
			dst = appendList(dst, *p)
		case autoFields:
			dst = p.appendTo(dst)
		}
	}
	return dst
}

func fieldZero(p any) bool {
	switch p := p.(type) {
	case *membership.MessageType:
		return *p == 0
	case *membership.RequestOp:
		return *p == 0
	case *membership.NodeID:
		return *p == 0
	case *uint32:
		return *p == 0
	case *uint64:
		return *p == 0
	case *bool:
		return !*p
	case *[]uint64:
		return len(*p) == 0
	case *[]uint32:
		return len(*p) == 0
	case *[]membership.NodeID:
		return len(*p) == 0
	case autoFields:
		return p.zero()
	}
	return false
}

func b2u8(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func appendList[T ~uint32 | ~uint64](dst []byte, xs []T) []byte {
	dst = appendArrayLen(dst, len(xs))
	for _, x := range xs {
		dst = appendUint(dst, uint64(x))
	}
	return dst
}

// appendUint appends x in its shortest msgpack form.
func appendUint(dst []byte, x uint64) []byte {
	switch {
	case x <= 0x7f:
		return append(dst, byte(x))
	case x <= math.MaxUint8:
		return append(dst, 0xcc, byte(x))
	case x <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, 0xcd), uint16(x))
	case x <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, 0xce), uint32(x))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0xcf), x)
}

func appendArrayLen(dst []byte, n int) []byte {
	switch {
	case n < 16:
		return append(dst, 0x90|byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(dst, 0xdc), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(dst, 0xdd), uint32(n))
}

// DecodeMember decodes a membership message that AppendMember (of this or
// a later version) wrote; fields beyond the ones this version knows are
// ignored. Values out of range of their field, lists longer than MaxNodes
// or than the bytes left, and truncated input are ErrMalformed. It
// allocates only the lists the message holds.
func DecodeMember(b []byte, m *membership.Message) error {
	*m = membership.Message{}
	r := reader{b: b}
	n := r.arrayLen()
	if r.err == nil && n > MaxMemberFields {
		r.fail("%d fields", n)
	}
	for i := 0; i < n && i < len(memberFields) && r.err == nil; i++ {
		r.field(memberFields[i](m), i)
	}
	return r.err
}

// reader decodes msgpack values from b, remembering the first error.
type reader struct {
	b   []byte
	i   int
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: membership message at byte %d: %s", ErrMalformed, r.i, fmt.Sprintf(format, args...))
	}
}

func (r *reader) field(p any, i int) {
	switch p := p.(type) {
	case *membership.MessageType:
		*p = membership.MessageType(r.uintMax(math.MaxUint8, i))
	case *membership.RequestOp:
		*p = membership.RequestOp(r.uintMax(math.MaxUint8, i))
	case *membership.NodeID:
		*p = membership.NodeID(r.uintMax(math.MaxUint32, i))
	case *uint32:
		*p = uint32(r.uintMax(math.MaxUint32, i))
	case *uint64:
		*p = r.uintMax(math.MaxUint64, i)
	case *bool:
		*p = r.boolean()
	case *[]uint64:
		*p = readList[uint64](r, math.MaxUint64)
	case *[]uint32:
		*p = readList[uint32](r, math.MaxUint32)
	case *[]membership.NodeID:
		*p = readList[membership.NodeID](r, math.MaxUint32)
	case autoFields:
		p.read(r, i)
	}
}

func readList[T ~uint32 | ~uint64](r *reader, limit uint64) []T {
	k := r.arrayLen()
	// Every element takes at least one byte.
	if r.err == nil && (k > maxMemberList || k > len(r.b)-r.i) {
		r.fail("list of %d", k)
	}
	if r.err != nil || k == 0 {
		return nil
	}
	out := make([]T, k)
	for j := range out {
		out[j] = T(r.uintMax(limit, -1))
	}
	return out
}

func (r *reader) next(k int) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b)-r.i < k {
		r.fail("truncated")
		return nil
	}
	s := r.b[r.i : r.i+k]
	r.i += k
	return s
}

func (r *reader) arrayLen() int {
	c := r.next(1)
	switch {
	case c == nil:
		return 0
	case c[0]&0xf0 == 0x90:
		return int(c[0] & 0x0f)
	case c[0] == 0xdc:
		if s := r.next(2); s != nil {
			return int(binary.BigEndian.Uint16(s))
		}
	case c[0] == 0xdd:
		if s := r.next(4); s != nil {
			return int(min(binary.BigEndian.Uint32(s), math.MaxInt32))
		}
	default:
		r.fail("want an array, got 0x%02x", c[0])
	}
	return 0
}

func (r *reader) boolean() bool {
	c := r.next(1)
	if c != nil && (c[0] == 0xc2 || c[0] == 0xc3) {
		return c[0] == 0xc3
	}
	r.fail("want a boolean")
	return false
}

// uintMax reads an unsigned integer (any msgpack integer form holding a
// value from 0 to limit) of field i (-1: a list element).
func (r *reader) uintMax(limit uint64, i int) uint64 {
	c := r.next(1)
	if c == nil {
		return 0
	}
	var v uint64
	switch b := c[0]; {
	case b <= 0x7f:
		v = uint64(b)
	case b == 0xcc || b == 0xd0:
		v = r.sized(1, b == 0xd0)
	case b == 0xcd || b == 0xd1:
		v = r.sized(2, b == 0xd1)
	case b == 0xce || b == 0xd2:
		v = r.sized(4, b == 0xd2)
	case b == 0xcf || b == 0xd3:
		v = r.sized(8, b == 0xd3)
	default:
		r.fail("field %d: want an unsigned integer, got 0x%02x", i, b)
	}
	if r.err == nil && v > limit {
		r.fail("field %d: %d out of range", i, v)
	}
	return v
}

// sized reads a k-byte big-endian integer; a signed one must not be
// negative.
func (r *reader) sized(k int, signed bool) uint64 {
	s := r.next(k)
	if s == nil {
		return 0
	}
	var v uint64
	for _, x := range s {
		v = v<<8 | uint64(x)
	}
	if signed && s[0]&0x80 != 0 {
		r.fail("negative integer")
		return 0
	}
	return v
}
