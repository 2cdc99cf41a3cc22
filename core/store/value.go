package store

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
)

// Type is the kind of a stored value. The numbers are ConfD's enum confd_vtype
// values, so the C layer converts a confd_value_t by copying its type field.
type Type uint8

// The value kinds the store supports (a subset of confd_vtype).
const (
	TypeString Type = 4  // C_STR: text without NUL bytes
	TypeBuf    Type = 5  // C_BUF: opaque bytes
	TypeInt8   Type = 6  // C_INT8
	TypeInt16  Type = 7  // C_INT16
	TypeInt32  Type = 8  // C_INT32
	TypeInt64  Type = 9  // C_INT64
	TypeUint8  Type = 10 // C_UINT8
	TypeUint16 Type = 11 // C_UINT16
	TypeUint32 Type = 12 // C_UINT32
	TypeUint64 Type = 13 // C_UINT64
	TypeDouble Type = 14 // C_DOUBLE
	TypeIPv4   Type = 15 // C_IPV4: 4 bytes, network order
	TypeIPv6   Type = 16 // C_IPV6: 16 bytes
	TypeBool   Type = 17 // C_BOOL
	TypeBinary Type = 39 // C_BINARY: opaque bytes
)

// Limits on what one entry may hold; they bound memory when decoding
// replicated data from a peer.
const (
	MaxPathLen  = 1024
	MaxValueLen = 1 << 20
)

var typeNames = map[Type]string{
	TypeString: "string", TypeBuf: "buf", TypeInt8: "int8", TypeInt16: "int16",
	TypeInt32: "int32", TypeInt64: "int64", TypeUint8: "uint8", TypeUint16: "uint16",
	TypeUint32: "uint32", TypeUint64: "uint64", TypeDouble: "double", TypeIPv4: "ipv4",
	TypeIPv6: "ipv6", TypeBool: "bool", TypeBinary: "binary",
}

func (t Type) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// Valid reports whether t is a type the store supports.
func (t Type) Valid() bool { return validTypes[t] }

// validTypes is typeNames as a table: Valid is on the hot path of
// receiving a full copy.
var validTypes = func() (v [256]bool) {
	for t := range typeNames {
		v[t] = true
	}
	return v
}()

// ParseType maps a type name ("string", "uint16", ...) to its Type.
func ParseType(name string) (Type, bool) {
	for t, n := range typeNames {
		if n == name {
			return t, true
		}
	}
	return 0, false
}

// Value is an immutable typed value. The zero Value is invalid; build values
// with the constructors. Bytes-valued kinds keep their own copy.
type Value struct {
	typ Type
	b   []byte // string, buf, binary, ipv4, ipv6 payload
	n   uint64 // integers (two's complement), double bits, bool
}

// String returns a C_STR value. The text must not contain NUL (C strings
// cannot carry it); Validate reports that.
func String(s string) Value { return Value{typ: TypeString, b: []byte(s)} }

// Buf returns a C_BUF value holding a copy of b.
func Buf(b []byte) Value { return Value{typ: TypeBuf, b: append([]byte{}, b...)} }

// Binary returns a C_BINARY value holding a copy of b.
func Binary(b []byte) Value { return Value{typ: TypeBinary, b: append([]byte{}, b...)} }

// Int8 and the other integer constructors return values of that exact width.
func Int8(v int8) Value   { return Value{typ: TypeInt8, n: uint64(int64(v))} }
func Int16(v int16) Value { return Value{typ: TypeInt16, n: uint64(int64(v))} }
func Int32(v int32) Value { return Value{typ: TypeInt32, n: uint64(int64(v))} }
func Int64(v int64) Value { return Value{typ: TypeInt64, n: uint64(v)} }
func Uint8(v uint8) Value { return Value{typ: TypeUint8, n: uint64(v)} }
func Uint16(v uint16) Value {
	return Value{typ: TypeUint16, n: uint64(v)}
}
func Uint32(v uint32) Value { return Value{typ: TypeUint32, n: uint64(v)} }
func Uint64(v uint64) Value { return Value{typ: TypeUint64, n: v} }

// Double returns a C_DOUBLE value.
func Double(f float64) Value { return Value{typ: TypeDouble, n: math.Float64bits(f)} }

// Bool returns a C_BOOL value.
func Bool(v bool) Value {
	if v {
		return Value{typ: TypeBool, n: 1}
	}
	return Value{typ: TypeBool}
}

// IPv4 returns a C_IPV4 value.
func IPv4(a [4]byte) Value { return Value{typ: TypeIPv4, b: a[:]} }

// IPv6 returns a C_IPV6 value.
func IPv6(a [16]byte) Value { return Value{typ: TypeIPv6, b: a[:]} }

// Type returns the value's kind.
func (v Value) Type() Type { return v.typ }

// Str returns the text of a string value (or the bytes of a buf/binary as text).
func (v Value) Str() string { return string(v.b) }

// Bytes returns a copy of the payload of a bytes-valued kind (string, buf,
// binary, ipv4, ipv6).
func (v Value) Bytes() []byte { return append([]byte{}, v.b...) }

// Int returns a signed integer value sign-extended to int64.
func (v Value) Int() int64 { return int64(v.n) }

// Uint returns an unsigned integer value.
func (v Value) Uint() uint64 { return v.n }

// Float returns a double value.
func (v Value) Float() float64 { return math.Float64frombits(v.n) }

// Bool returns a bool value.
func (v Value) Bool() bool { return v.n != 0 }

// Equal reports whether two values have the same type and content.
func (v Value) Equal(o Value) bool {
	return v.typ == o.typ && v.n == o.n && string(v.b) == string(o.b)
}

// Validate checks that v is a well-formed value of a supported type.
func (v Value) Validate() error {
	switch v.typ {
	case TypeString:
		if strings.IndexByte(string(v.b), 0) >= 0 {
			return fmt.Errorf("%w: string contains NUL", ErrBadValue)
		}
	case TypeBuf, TypeBinary:
	case TypeIPv4:
		if len(v.b) != 4 {
			return fmt.Errorf("%w: ipv4 needs 4 bytes", ErrBadValue)
		}
	case TypeIPv6:
		if len(v.b) != 16 {
			return fmt.Errorf("%w: ipv6 needs 16 bytes", ErrBadValue)
		}
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64, TypeUint8, TypeUint16, TypeUint32, TypeUint64,
		TypeDouble, TypeBool:
	default:
		return fmt.Errorf("%w: unsupported type %d", ErrBadValue, v.typ)
	}
	if len(v.b) > MaxValueLen {
		return fmt.Errorf("%w: value longer than %d bytes", ErrBadValue, MaxValueLen)
	}
	return nil
}

func intWidth(t Type) int {
	switch t {
	case TypeInt8, TypeUint8, TypeBool:
		return 1
	case TypeInt16, TypeUint16:
		return 2
	case TypeInt32, TypeUint32:
		return 4
	case TypeInt64, TypeUint64, TypeDouble:
		return 8
	}
	return 0
}

func signed(t Type) bool { return t >= TypeInt8 && t <= TypeInt64 }

// AppendEncoding appends the canonical encoding of v: one type byte, then a
// big-endian integer of the type's width or the raw bytes. Equal values
// always encode to equal bytes, which the store digest relies on.
func (v Value) AppendEncoding(dst []byte) []byte {
	dst = append(dst, byte(v.typ))
	if w := intWidth(v.typ); w > 0 {
		var buf [8]byte
		binary.BigEndian.PutUint64(buf[:], v.n)
		return append(dst, buf[8-w:]...)
	}
	return append(dst, v.b...)
}

// Size returns the length of v's encoding without building it.
func (v Value) Size() int {
	if w := intWidth(v.typ); w > 0 {
		return 1 + w
	}
	return 1 + len(v.b)
}

// Encode returns the canonical encoding of v.
func (v Value) Encode() []byte { return v.AppendEncoding(nil) }

// CheckEncoding validates an encoding without decoding (allocating) it.
func CheckEncoding(b []byte) error {
	if len(b) == 0 {
		return fmt.Errorf("%w: empty encoding", ErrBadValue)
	}
	t := Type(b[0])
	switch {
	case !t.Valid():
		return fmt.Errorf("%w: unsupported type %d", ErrBadValue, b[0])
	case intWidth(t) > 0:
		if len(b)-1 != intWidth(t) || t == TypeBool && b[1] > 1 {
			return fmt.Errorf("%w: bad %s encoding", ErrBadValue, t)
		}
		return nil
	case t == TypeIPv4 && len(b) != 5, t == TypeIPv6 && len(b) != 17:
		return fmt.Errorf("%w: bad %s length", ErrBadValue, t)
	case t == TypeString && bytes.IndexByte(b[1:], 0) >= 0:
		return fmt.Errorf("%w: string contains NUL", ErrBadValue)
	case len(b)-1 > MaxValueLen:
		return fmt.Errorf("%w: value longer than %d bytes", ErrBadValue, MaxValueLen)
	}
	return nil
}

// DecodeValue parses an encoding produced by Encode. It rejects anything
// malformed with ErrBadValue.
func DecodeValue(b []byte) (Value, error) {
	if len(b) == 0 {
		return Value{}, fmt.Errorf("%w: empty encoding", ErrBadValue)
	}
	t := Type(b[0])
	p := b[1:]
	if !t.Valid() {
		return Value{}, fmt.Errorf("%w: unsupported type %d", ErrBadValue, b[0])
	}
	if w := intWidth(t); w > 0 {
		if len(p) != w {
			return Value{}, fmt.Errorf("%w: %s needs %d bytes, got %d", ErrBadValue, t, w, len(p))
		}
		var buf [8]byte
		copy(buf[8-w:], p)
		n := binary.BigEndian.Uint64(buf[:])
		if signed(t) && w < 8 && p[0]&0x80 != 0 { // sign-extend
			n |= ^uint64(0) << (8 * w)
		}
		if t == TypeBool && n > 1 {
			return Value{}, fmt.Errorf("%w: bool byte %d", ErrBadValue, n)
		}
		return Value{typ: t, n: n}, nil
	}
	v := Value{typ: t, b: append([]byte{}, p...)}
	return v, v.Validate()
}

// ParseValue builds a value of type t from its text form, the inverse of
// String: a buf takes the text bytes as they are, a binary decodes base64.
func ParseValue(t Type, s string) (Value, error) {
	bad := func(reason string) (Value, error) {
		return Value{}, fmt.Errorf("%w: %q is not a valid %s: %s", ErrBadValue, s, t, reason)
	}
	switch t {
	case TypeString:
		v := String(s)
		return v, v.Validate()
	case TypeBuf:
		return Buf([]byte(s)), nil
	case TypeBinary:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return bad("write base64")
		}
		return Binary(b), nil
	case TypeBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return bad("write true or false")
		}
		return Bool(b), nil
	case TypeDouble:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return bad("write a number such as 1.5 or 1e6")
		}
		return Double(f), nil
	case TypeIPv4, TypeIPv6:
		a, err := netip.ParseAddr(s)
		if err != nil || (t == TypeIPv4 && !a.Is4()) || (t == TypeIPv6 && !a.Is6()) {
			if t == TypeIPv4 {
				return bad("write a dotted address such as 192.0.2.1")
			}
			return bad("write an address such as 2001:db8::1")
		}
		if t == TypeIPv4 {
			return IPv4(a.As4()), nil
		}
		return IPv6(a.As16()), nil
	}
	if w := intWidth(t); w > 0 {
		if signed(t) {
			n, err := strconv.ParseInt(s, 10, 8*w)
			if err != nil {
				lo, hi := -(int64(1) << (8*w - 1)), int64(1)<<(8*w-1)-1
				return bad(fmt.Sprintf("write a whole number from %d to %d", lo, hi))
			}
			return Value{typ: t, n: uint64(n)}, nil
		}
		n, err := strconv.ParseUint(s, 10, 8*w)
		if err != nil {
			return bad(fmt.Sprintf("write a whole number from 0 to %d", uint64(1)<<(8*w)-1))
		}
		return Value{typ: t, n: n}, nil
	}
	return Value{}, fmt.Errorf("%w: unsupported type %d", ErrBadValue, t)
}
