package store

import (
	"math"
	"strconv"
	"testing"
)

// TestTextForm pins the text form of every type (the formatter goha_cdb_get,
// confd_pp_value and Python's str(goha.Value) share) at its edge values.
func TestTextForm(t *testing.T) {
	for _, tc := range []struct {
		v    Value
		want string
	}{
		{String(""), ""},
		{String("héllo wörld"), "héllo wörld"},
		{Buf(nil), ""},
		{Buf([]byte("abc")), "abc"},
		{Buf([]byte{0xff, 0x00, 'a'}), "\xff\x00a"},
		{Binary(nil), ""},
		{Binary([]byte{0}), "AA=="},
		{Binary([]byte("hello")), "aGVsbG8="},
		{Binary([]byte{0xfb, 0xff}), "+/8="},
		{Int8(math.MinInt8), "-128"}, {Int8(math.MaxInt8), "127"},
		{Int16(math.MinInt16), "-32768"}, {Int16(math.MaxInt16), "32767"},
		{Int32(math.MinInt32), "-2147483648"}, {Int32(math.MaxInt32), "2147483647"},
		{Int64(math.MinInt64), "-9223372036854775808"}, {Int64(math.MaxInt64), "9223372036854775807"},
		{Uint8(0), "0"}, {Uint8(math.MaxUint8), "255"},
		{Uint16(math.MaxUint16), "65535"}, {Uint32(math.MaxUint32), "4294967295"},
		{Uint64(math.MaxUint64), "18446744073709551615"},
		{Double(0), "0"}, {Double(math.Copysign(0, -1)), "-0"},
		{Double(1e6), "1000000"}, {Double(1.5e6), "1500000"}, {Double(1234567.5), "1234567.5"},
		{Double(123456.7), "123456.7"}, {Double(0.1), "0.1"}, {Double(-2.5), "-2.5"},
		{Double(1e16), "10000000000000000"}, {Double(1e17), "1e+17"}, {Double(1e20), "1e+20"},
		{Double(1e-5), "1e-05"}, {Double(0.0001), "0.0001"}, {Double(1.0 / 3), "0.3333333333333333"},
		{Double(math.MaxFloat64), "1.7976931348623157e+308"}, {Double(math.SmallestNonzeroFloat64), "5e-324"},
		{Double(math.NaN()), "NaN"}, {Double(math.Inf(1)), "INF"}, {Double(math.Inf(-1)), "-INF"},
		{Bool(true), "true"}, {Bool(false), "false"},
		{IPv4([4]byte{10, 0, 0, 1}), "10.0.0.1"}, {IPv4([4]byte{}), "0.0.0.0"},
		{IPv6([16]byte{15: 1}), "::1"}, {IPv6([16]byte{}), "::"},
		{IPv6([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 1}), "2001:db8::1"},
		{IPv6([16]byte{10: 0xff, 11: 0xff, 12: 192, 13: 0, 14: 2, 15: 1}), "::ffff:192.0.2.1"},
	} {
		if got := tc.v.String(); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.v.Type(), got, tc.want)
		}
	}
}

// TestDoubleTextReadsBack: the double text parses back to the same value.
func TestDoubleTextReadsBack(t *testing.T) {
	for _, f := range []float64{0.1, 1e6, 1e17, 1e-300, 3.141592653589793, 123456789012345678, -7.25e-9, 2.5e16} {
		s := Double(f).String()
		if g, err := strconv.ParseFloat(s, 64); err != nil || g != f {
			t.Errorf("%v prints %q, which reads back as %v (%v)", f, s, g, err)
		}
	}
}
