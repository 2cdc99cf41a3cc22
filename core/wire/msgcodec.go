package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The control envelope (Msg) is encoded and decoded by hand: it is on
// every request, reply and event, and msgpack's reflection took
// microseconds and several allocations per message each way. The bytes are
// what msgpack's struct encoding gives for Msg's tags (a map of the fields
// that are not empty, Type always), so peers that decode by reflection read
// them unchanged; decoding accepts any msgpack map that reflection would,
// and hands anything else to it.

// AppendMsgFrame appends m as one frame (length prefix and AppendMsg),
// or returns dst unchanged and ErrTooLarge.
func AppendMsgFrame(dst []byte, m *Msg) ([]byte, error) {
	start := len(dst)
	dst = AppendMsg(append(dst, 0, 0, 0, 0), m)
	n := len(dst) - start - 4
	if n > MaxFrame {
		return dst[:start], fmt.Errorf("%w: message of %d bytes", ErrTooLarge, n)
	}
	binary.BigEndian.PutUint32(dst[start:], uint32(n))
	return dst, nil
}

// AppendMsg appends the encoding of m (its Body already encoded) to dst.
func AppendMsg(dst []byte, m *Msg) []byte {
	n := 1
	for _, set := range [...]bool{m.ID != 0, m.Op != "", m.Seq != 0, m.Code != 0, m.Err != "", len(m.Body) != 0} {
		if set {
			n++
		}
	}
	dst = append(dst, 0x80|byte(n), 0xa1, 't')
	dst = appendUint(dst, uint64(m.Type))
	if m.ID != 0 {
		dst = appendUint(append(dst, 0xa1, 'i'), m.ID)
	}
	if m.Op != "" {
		dst = msgAppendStr(append(dst, 0xa1, 'o'), m.Op)
	}
	if m.Seq != 0 {
		dst = appendUint(append(dst, 0xa1, 's'), m.Seq)
	}
	if m.Code != 0 {
		dst = appendUint(append(dst, 0xa1, 'c'), uint64(m.Code))
	}
	if m.Err != "" {
		dst = msgAppendStr(append(dst, 0xa1, 'e'), m.Err)
	}
	if len(m.Body) != 0 {
		dst = append(append(dst, 0xa1, 'b'), m.Body...)
	}
	return dst
}

func msgAppendStr(dst []byte, s string) []byte {
	switch n := len(s); {
	case n <= 31:
		dst = append(dst, 0xa0|byte(n))
	case n <= math.MaxUint8:
		dst = append(dst, 0xd9, byte(n))
	case n <= math.MaxUint16:
		dst = binary.BigEndian.AppendUint16(append(dst, 0xda), uint16(n))
	default:
		dst = binary.BigEndian.AppendUint32(append(dst, 0xdb), uint32(n))
	}
	return append(dst, s...)
}

// errSlowPath says the fast decoder met an encoding it leaves to msgpack.
var errSlowPath = errors.New("wire: not the common encoding")

// decodeMsgFast decodes b, already checked by CheckMsgpack, into m. Body
// aliases b. errSlowPath: decode by reflection instead.
func decodeMsgFast(b []byte, m *Msg) error {
	n, i, err := msgMapLen(b, 0)
	if err != nil {
		return err
	}
	for ; n > 0; n-- {
		var key []byte
		if key, i, err = msgStr(b, i); err != nil || len(key) != 1 {
			return errSlowPath
		}
		switch key[0] {
		case 't', 'i', 's', 'c':
			var v uint64
			if v, i, err = msgUint(b, i); err != nil {
				return err
			}
			if err := setUint(m, key[0], v); err != nil {
				return err
			}
		case 'o', 'e':
			var s []byte
			if s, i, err = msgStr(b, i); err != nil {
				return err
			}
			if key[0] == 'o' {
				m.Op = string(s)
			} else {
				m.Err = string(s)
			}
		case 'b':
			end, err := valueEnd(b, i)
			if err != nil {
				return err
			}
			if b[i] == 0xc0 { // nil empties Body, as reflection does (also for a repeated key)
				m.Body = nil
			} else {
				m.Body = b[i:end:end]
			}
			i = end
		default:
			return errSlowPath // a field this version does not know: reflection skips it
		}
	}
	if i != len(b) {
		return errSlowPath
	}
	return nil
}

func setUint(m *Msg, key byte, v uint64) error {
	switch key {
	case 't':
		if v > math.MaxUint8 {
			return errSlowPath
		}
		m.Type = MsgType(v)
	case 'i':
		m.ID = v
	case 's':
		m.Seq = v
	case 'c':
		if v > math.MaxUint16 {
			return errSlowPath
		}
		m.Code = Code(v)
	}
	return nil
}

// msgMapLen reads a map header at b[i].
func msgMapLen(b []byte, i int) (int, int, error) {
	if i >= len(b) {
		return 0, i, errSlowPath
	}
	switch c := b[i]; {
	case c >= 0x80 && c <= 0x8f:
		return int(c & 0x0f), i + 1, nil
	case c == 0xde && i+3 <= len(b):
		return int(binary.BigEndian.Uint16(b[i+1:])), i + 3, nil
	}
	return 0, i, errSlowPath
}

// msgStr reads a string at b[i] (fixstr, str8/16/32).
func msgStr(b []byte, i int) ([]byte, int, error) {
	if i >= len(b) {
		return nil, i, errSlowPath
	}
	c := b[i]
	n, hdr := 0, 1
	switch {
	case c >= 0xa0 && c <= 0xbf:
		n = int(c & 0x1f)
	case c == 0xd9 && i+2 <= len(b):
		n, hdr = int(b[i+1]), 2
	case c == 0xda && i+3 <= len(b):
		n, hdr = int(binary.BigEndian.Uint16(b[i+1:])), 3
	case c == 0xdb && i+5 <= len(b):
		n, hdr = int(binary.BigEndian.Uint32(b[i+1:])), 5
	default:
		return nil, i, errSlowPath
	}
	if n < 0 || len(b)-i-hdr < n {
		return nil, i, errSlowPath
	}
	return b[i+hdr : i+hdr+n], i + hdr + n, nil
}

// msgUint reads a non-negative integer at b[i].
func msgUint(b []byte, i int) (uint64, int, error) {
	if i >= len(b) {
		return 0, i, errSlowPath
	}
	c := b[i]
	size := 0
	switch c {
	case 0xcc, 0xd0:
		size = 1
	case 0xcd, 0xd1:
		size = 2
	case 0xce, 0xd2:
		size = 4
	case 0xcf, 0xd3:
		size = 8
	}
	switch {
	case c <= 0x7f:
		return uint64(c), i + 1, nil
	case size == 0 || i+1+size > len(b):
		return 0, i, errSlowPath
	}
	var v uint64
	for _, x := range b[i+1 : i+1+size] {
		v = v<<8 | uint64(x)
	}
	if c >= 0xd0 && v>>(8*size-1) != 0 { // a negative signed integer
		return 0, i, errSlowPath
	}
	return v, i + 1 + size, nil
}

// valueEnd returns the offset after the value at b[i] (b is checked).
func valueEnd(b []byte, i int) (int, error) {
	pending := int64(1)
	for pending > 0 {
		items, next, err := checkHeader(b, i)
		if err != nil {
			return 0, err
		}
		i, pending = next, pending+items-1
	}
	return i, nil
}

// The argument and result bodies of the requests the daemon answers most
// (vq.getinfo, cmm.member) are decoded and, for the arguments, encoded by
// hand too (decodeHot, encodeHot), with the same rules: the bytes are what
// reflection gives, and anything unusual goes to reflection.

// flatField is one field of a flat struct (unsigned integers, strings and
// bools only) for decodeFlat: exactly one pointer is set.
type flatField struct {
	key string
	u   *uint32
	s   *string
	b   *bool
}

// decodeFlat decodes the msgpack map b (checked) into fields; keys it does
// not know are skipped, as reflection does.
func decodeFlat(b []byte, fields []flatField) error {
	n, i, err := msgMapLen(b, 0)
	if err != nil {
		return err
	}
	for ; n > 0; n-- {
		var key []byte
		if key, i, err = msgStr(b, i); err != nil {
			return err
		}
		var f *flatField
		for k := range fields {
			if fields[k].key == string(key) {
				f = &fields[k]
				break
			}
		}
		if i, err = decodeFlatValue(b, i, f); err != nil {
			return err
		}
	}
	if i != len(b) {
		return errSlowPath
	}
	return nil
}

// decodeFlatValue decodes the value at b[i] into f (nil: skip it).
func decodeFlatValue(b []byte, i int, f *flatField) (int, error) {
	switch {
	case f == nil:
		return valueEnd(b, i)
	case f.u != nil:
		v, next, err := msgUint(b, i)
		if err != nil || v > math.MaxUint32 {
			return i, errSlowPath
		}
		*f.u = uint32(v)
		return next, nil
	case f.s != nil:
		s, next, err := msgStr(b, i)
		if err != nil {
			return i, err
		}
		*f.s = string(s)
		return next, nil
	}
	if i >= len(b) || (b[i] != 0xc2 && b[i] != 0xc3) {
		return i, errSlowPath
	}
	*f.b = b[i] == 0xc3
	return i + 1, nil
}

// decodeHot decodes b into v by hand when v is one of the hot types;
// errSlowPath: v is another type, or b an encoding left to reflection.
func decodeHot(b []byte, v any) error {
	switch v := v.(type) {
	case *NodeArg:
		return decodeFlat(b, []flatField{{key: "node", u: &v.Node}})
	case *MemberArg:
		return decodeFlat(b, []flatField{{key: "node", u: &v.Node}, {key: "potential", b: &v.Potential}})
	case *VQInfo:
		return decodeFlat(b, []flatField{{key: "node_id", u: &v.NodeID}, {key: "node_state", u: &v.NodeState},
			{key: "node_votes", u: &v.NodeVotes}, {key: "node_expected_votes", u: &v.NodeExpected},
			{key: "highest_expected", u: &v.HighestExpected}, {key: "total_votes", u: &v.TotalVotes},
			{key: "quorum", u: &v.Quorum}, {key: "flags", u: &v.Flags}, {key: "qdevice_votes", u: &v.QDeviceVotes},
			{key: "qdevice_name", s: &v.QDeviceName}})
	case *CMMMember:
		return decodeFlat(b, []flatField{{key: "nodeid", u: &v.NodeID}, {key: "name", s: &v.Name},
			{key: "addr", s: &v.Addr}, {key: "domainid", u: &v.DomainID}, {key: "sflag", u: &v.SFlag},
			{key: "incarnation", u: &v.Incarnation}, {key: "swload", s: &v.SoftwareLoad}})
	}
	return errSlowPath
}

// encodeHot encodes the hot argument types by hand (nil: not one of them).
func encodeHot(v any) []byte {
	switch v := v.(type) {
	case *NodeArg:
		return appendUint(append(make([]byte, 0, 16), 0x81, 0xa4, 'n', 'o', 'd', 'e'), uint64(v.Node))
	case *MemberArg:
		b := appendUint(append(make([]byte, 0, 24), 0x82, 0xa4, 'n', 'o', 'd', 'e'), uint64(v.Node))
		b = append(b, 0xa9, 'p', 'o', 't', 'e', 'n', 't', 'i', 'a', 'l', 0xc2)
		if v.Potential {
			b[len(b)-1] = 0xc3
		}
		return b
	}
	return nil
}
