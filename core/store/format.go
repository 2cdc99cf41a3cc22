package store

import (
	"bytes"
	"encoding/base64"
	"math"
	"net/netip"
	"strconv"
)

// The text form of a value. This is goha's one formatter for config store
// values: gohactl prints it, goha_cdb_get and goha_cdb_dump hand it to C,
// and libgoha's confd_pp_value uses it for every type the store holds (so
// Python's str(goha.Value), which calls confd_pp_value, prints it too). It
// follows ConfD's confd_pp_value (include/confd_lib.h):
//
//	string, buf       the bytes as they are
//	binary            base64 (standard alphabet, padded)
//	integers          decimal
//	double            the fewest significant digits that read back as the
//	                  same double, %g style, except that integers below
//	                  1e17 are written out ("1000000", "0.1", "1e+17",
//	                  "-0"); "NaN", "INF", "-INF"
//	bool              "true" / "false"
//	ipv4, ipv6        the address text (RFC 5952 for IPv6)

// String returns the text form of v.
func (v Value) String() string { return string(v.AppendText(nil)) }

// AppendText appends the text form of v to dst.
func (v Value) AppendText(dst []byte) []byte {
	switch v.typ {
	case TypeString, TypeBuf:
		return append(dst, v.b...)
	case TypeBinary:
		return base64.StdEncoding.AppendEncode(dst, v.b)
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		return strconv.AppendInt(dst, v.Int(), 10)
	case TypeUint8, TypeUint16, TypeUint32, TypeUint64:
		return strconv.AppendUint(dst, v.n, 10)
	case TypeDouble:
		return AppendDouble(dst, v.Float())
	case TypeBool:
		return strconv.AppendBool(dst, v.Bool())
	case TypeIPv4, TypeIPv6:
		if a, ok := netip.AddrFromSlice(v.b); ok {
			return a.AppendTo(dst)
		}
	}
	dst = append(dst, '<')
	dst = append(dst, v.typ.String()...)
	dst = append(dst, ' ')
	return append(dst, base64.StdEncoding.EncodeToString(v.b)...)
}

// AppendDouble appends the text form of a double (see above).
func AppendDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "INF"...)
	case math.IsInf(f, -1):
		return append(dst, "-INF"...)
	}
	// The shortest digits that read back exactly, and their exponent:
	// "-1.2345e+06" has 5 digits and exponent 6.
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	k := bytes.IndexByte(e, 'e')
	exp10, _ := strconv.Atoi(string(e[k+1:]))
	digits := 0
	for _, c := range e[:k] {
		if '0' <= c && c <= '9' {
			digits++
		}
	}
	prec := digits
	if exp10 >= digits && exp10 < 17 {
		prec = exp10 + 1 // an integer: written out
	}
	return strconv.AppendFloat(dst, f, 'g', prec, 64)
}
