package main

import (
	"math"
	"testing"
	"unsafe"

	"github.com/goha/goha/core/store"
)

// TestFillValueRoundTrip: what goha_cdb_dump hands its callback (fillValue)
// reads back through goha_cdb_set's conversion (valueOf) as the same store
// value, for every stored type and its edge values, with the type field
// holding the C_* number the store uses.
func TestFillValueRoundTrip(t *testing.T) {
	vals := []store.Value{
		store.String(""), store.String("text with spaces"),
		store.Buf(nil), store.Buf([]byte("a\x00b")), store.Binary([]byte{0, 0xff, 1}),
		store.Int8(math.MinInt8), store.Int8(math.MaxInt8),
		store.Int16(math.MinInt16), store.Int32(math.MinInt32), store.Int64(math.MinInt64),
		store.Uint8(math.MaxUint8), store.Uint16(math.MaxUint16),
		store.Uint32(math.MaxUint32), store.Uint64(math.MaxUint64),
		store.Double(-2.5), store.Double(math.Inf(1)), store.Double(math.SmallestNonzeroFloat64),
		store.Bool(true), store.Bool(false),
		store.IPv4([4]byte{10, 0, 0, 1}),
		store.IPv6([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 1}),
	}
	for _, v := range vals {
		words := make([]uint64, unsafe.Sizeof(cConfdValue{})/8)
		cv := (*cConfdValue)(unsafe.Pointer(&words[0]))
		mem, err := fillValue(cv, v)
		if err != nil {
			t.Fatalf("fillValue(%s %v): %v", v.Type(), v, err)
		}
		if got := *(*int32)(unsafe.Pointer(cv)); got != int32(v.Type()) {
			t.Errorf("%s %v: type field %d, want %d", v.Type(), v, got, int(v.Type()))
		}
		back, err := valueOf((*cCDBValue)(unsafe.Pointer(cv)))
		cFree(mem)
		if err != nil {
			t.Fatalf("valueOf(fillValue(%s %v)): %v", v.Type(), v, err)
		}
		if !back.Equal(v) || back.Type() != v.Type() {
			t.Errorf("round trip of %s %v gave %s %v", v.Type(), v, back.Type(), back)
		}
	}
}

// TestHasPrefix: dump prefixes match bytes, not path components.
func TestHasPrefix(t *testing.T) {
	for _, c := range []struct {
		s, prefix string
		want      bool
	}{
		{"/a/b", "", true}, {"/a/b", "/a", true}, {"/ab", "/a", true}, {"/ab", "/a/", false},
		{"/a", "/a/", false}, {"/a", "/a", true}, {"/b", "/a", false},
	} {
		if got := hasPrefix(c.s, c.prefix); got != c.want {
			t.Errorf("hasPrefix(%q, %q) = %v, want %v", c.s, c.prefix, got, c.want)
		}
	}
}
