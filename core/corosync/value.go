package corosync

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
)

// ValueType is cmap_value_types_t. The numbers are part of the C ABI and of
// the control protocol.
type ValueType uint8

// The cmap value types.
const (
	TypeInt8   ValueType = 1
	TypeUint8  ValueType = 2
	TypeInt16  ValueType = 3
	TypeUint16 ValueType = 4
	TypeInt32  ValueType = 5
	TypeUint32 ValueType = 6
	TypeInt64  ValueType = 7
	TypeUint64 ValueType = 8
	TypeFloat  ValueType = 9
	TypeDouble ValueType = 10
	TypeString ValueType = 11
	TypeBinary ValueType = 12
)

// MaxValueLen is the largest value cmap stores (corosync's
// ICMAP_MAX_VALUE_LEN).
const MaxValueLen = 16 * 1024

var typeNames = [...]string{"", "i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "flt", "dbl", "str", "bin"}

func (t ValueType) String() string {
	if int(t) < len(typeNames) && t != 0 {
		return typeNames[t]
	}
	return fmt.Sprintf("type %d", uint8(t))
}

// Size is the fixed size of a numeric type, 0 for strings, binary values
// and unknown types.
func (t ValueType) Size() int {
	switch t {
	case TypeInt8, TypeUint8:
		return 1
	case TypeInt16, TypeUint16:
		return 2
	case TypeInt32, TypeUint32, TypeFloat:
		return 4
	case TypeInt64, TypeUint64, TypeDouble:
		return 8
	}
	return 0
}

// Valid reports whether t is one of the twelve cmap types.
func (t ValueType) Valid() bool { return t >= TypeInt8 && t <= TypeBinary }

// integer reports whether inc and dec apply to t.
func (t ValueType) integer() bool { return t >= TypeInt8 && t <= TypeUint64 }

// Value is one typed cmap value. Numbers are little-endian, whatever the
// host (capi converts from and to native order); a string holds its
// terminating NUL, as corosync stores it, so Len is strlen+1.
type Value struct {
	Type ValueType `msgpack:"t"`
	Data []byte    `msgpack:"d"`
}

// Len is the value's length as cmap_get reports it.
func (v Value) Len() int { return len(v.Data) }

// Equal reports whether v and w have the same type and bytes.
func (v Value) Equal(w Value) bool { return v.Type == w.Type && bytes.Equal(v.Data, w.Data) }

// IsZero reports whether v is the unset value (a DELETE's new value).
func (v Value) IsZero() bool { return v.Type == 0 && len(v.Data) == 0 }

// Constructors of typed values.
func Int8(x int8) Value   { return Value{Type: TypeInt8, Data: []byte{byte(x)}} }
func Uint8(x uint8) Value { return Value{Type: TypeUint8, Data: []byte{x}} }
func Int16(x int16) Value {
	return Value{Type: TypeInt16, Data: binary.LittleEndian.AppendUint16(nil, uint16(x))}
}
func Uint16(x uint16) Value {
	return Value{Type: TypeUint16, Data: binary.LittleEndian.AppendUint16(nil, x)}
}
func Int32(x int32) Value {
	return Value{Type: TypeInt32, Data: binary.LittleEndian.AppendUint32(nil, uint32(x))}
}
func Uint32(x uint32) Value {
	return Value{Type: TypeUint32, Data: binary.LittleEndian.AppendUint32(nil, x)}
}
func Int64(x int64) Value {
	return Value{Type: TypeInt64, Data: binary.LittleEndian.AppendUint64(nil, uint64(x))}
}
func Uint64(x uint64) Value {
	return Value{Type: TypeUint64, Data: binary.LittleEndian.AppendUint64(nil, x)}
}
func Float(x float32) Value {
	return Value{Type: TypeFloat, Data: binary.LittleEndian.AppendUint32(nil, math.Float32bits(x))}
}
func Double(x float64) Value {
	return Value{Type: TypeDouble, Data: binary.LittleEndian.AppendUint64(nil, math.Float64bits(x))}
}
func String(s string) Value { return Value{Type: TypeString, Data: append([]byte(s), 0)} }
func Binary(b []byte) Value { return Value{Type: TypeBinary, Data: bytes.Clone(b)} }

// Uint reads an unsigned or signed integer value as uint64 (two's
// complement for the signed types); ok is false for other types or a bad
// length.
func (v Value) Uint() (x uint64, ok bool) {
	if !v.Type.integer() || len(v.Data) != v.Type.Size() {
		return 0, false
	}
	switch len(v.Data) {
	case 1:
		return uint64(v.Data[0]), true
	case 2:
		return uint64(binary.LittleEndian.Uint16(v.Data)), true
	case 4:
		return uint64(binary.LittleEndian.Uint32(v.Data)), true
	default:
		return binary.LittleEndian.Uint64(v.Data), true
	}
}

// Str returns a string value without its NUL; ok is false for other types.
func (v Value) Str() (string, bool) {
	if v.Type != TypeString {
		return "", false
	}
	return string(bytes.TrimSuffix(v.Data, []byte{0})), true
}

// String formats v as corosync-cmapctl prints values (for logs and tests).
func (v Value) String() string {
	switch v.Type {
	case TypeString:
		s, _ := v.Str()
		return s
	case TypeBinary:
		return fmt.Sprintf("%x", v.Data)
	case TypeFloat:
		if len(v.Data) == 4 {
			return strconv.FormatFloat(float64(math.Float32frombits(binary.LittleEndian.Uint32(v.Data))), 'f', 6, 32)
		}
	case TypeDouble:
		if len(v.Data) == 8 {
			return strconv.FormatFloat(math.Float64frombits(binary.LittleEndian.Uint64(v.Data)), 'f', 6, 64)
		}
	}
	x, ok := v.Uint()
	if !ok {
		return fmt.Sprintf("<%s of %d bytes>", v.Type, len(v.Data))
	}
	switch v.Type {
	case TypeInt8:
		return strconv.Itoa(int(int8(x)))
	case TypeInt16:
		return strconv.Itoa(int(int16(x)))
	case TypeInt32:
		return strconv.Itoa(int(int32(x)))
	case TypeInt64:
		return strconv.FormatInt(int64(x), 10)
	}
	return strconv.FormatUint(x, 10)
}

// normalize checks a value as a client passes it to cmap_set and returns
// what the map stores, with corosync's rules: a known type; numbers of
// exactly their size; at most MaxValueLen bytes; a string is cut at its
// first NUL, which may only be its last byte (or absent), and stored with
// one NUL.
func normalize(v Value) (Value, error) {
	if !v.Type.Valid() {
		return Value{}, fmt.Errorf("%w: unknown value type %d", ErrInvalid, v.Type)
	}
	if len(v.Data) > MaxValueLen {
		return Value{}, fmt.Errorf("%w: value of %d bytes (at most %d)", ErrInvalid, len(v.Data), MaxValueLen)
	}
	switch v.Type {
	case TypeBinary:
		return Value{Type: TypeBinary, Data: bytes.Clone(v.Data)}, nil
	case TypeString:
		n := bytes.IndexByte(v.Data, 0)
		if n < 0 {
			n = len(v.Data)
		}
		if len(v.Data) > n+1 {
			return Value{}, fmt.Errorf("%w: string value holds a NUL at byte %d of %d", ErrInvalid, n, len(v.Data))
		}
		return Value{Type: TypeString, Data: append(bytes.Clone(v.Data[:n]), 0)}, nil
	}
	if len(v.Data) != v.Type.Size() {
		return Value{}, fmt.Errorf("%w: %s value of %d bytes (want %d)", ErrInvalid, v.Type, len(v.Data), v.Type.Size())
	}
	return Value{Type: v.Type, Data: bytes.Clone(v.Data)}, nil
}

// adjust adds step to an integer value, wrapping at its width as corosync
// does (int8 -128 - 1 is 127, uint64 0 - 1 is 2^64-1).
func adjust(v Value, step int64) (Value, error) {
	x, ok := v.Uint()
	if !ok {
		return Value{}, fmt.Errorf("%w: cannot increment or decrement a %s value", ErrInvalid, v.Type)
	}
	x += uint64(step)
	out := Value{Type: v.Type}
	switch len(v.Data) {
	case 1:
		out.Data = []byte{byte(x)}
	case 2:
		out.Data = binary.LittleEndian.AppendUint16(nil, uint16(x))
	case 4:
		out.Data = binary.LittleEndian.AppendUint32(nil, uint32(x))
	default:
		out.Data = binary.LittleEndian.AppendUint64(nil, x)
	}
	return out, nil
}
