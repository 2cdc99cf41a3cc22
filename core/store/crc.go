package store

import "hash/crc32"

// CRC-32C arithmetic for checksumming a stream without reading all of it:
// crcCombine gives the CRC of A followed by B from the CRCs of A and of B
// and B's length (the method of zlib's crc32_combine: multiply A's CRC by
// x^(8 len(B)) modulo the polynomial, in the reflected bit order). The
// snapshot writer uses it to fold in the CRC each large value had when it
// was committed, instead of reading the value again.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crcPoly is the Castagnoli polynomial, reflected.
const crcPoly = 0x82F63B78

// crcX2n[k] is x^(2^k) modulo the polynomial.
var crcX2n = func() (t [32]uint32) {
	p := uint32(1) << 30 // x^1
	for k := range t {
		t[k] = p
		p = crcMulMod(p, p)
	}
	return t
}()

// crcMulMod returns a*b modulo the polynomial (reflected: bit 31 is x^0).
func crcMulMod(a, b uint32) uint32 {
	var p uint32
	for m := uint32(1) << 31; m != 0; m >>= 1 {
		if a&m != 0 {
			p ^= b
		}
		if b&1 != 0 {
			b = b>>1 ^ crcPoly
		} else {
			b >>= 1
		}
	}
	return p
}

// crcShift returns x^(8n) modulo the polynomial.
func crcShift(n int64) uint32 {
	p := uint32(1) << 31 // x^0
	for k := 3; n != 0; n, k = n>>1, k+1 {
		if n&1 != 0 {
			p = crcMulMod(crcX2n[k&31], p)
		}
	}
	return p
}

// crcCombine returns the CRC-32C of A followed by B, given crcA, crcB
// and len(B).
func crcCombine(crcA, crcB uint32, lenB int64) uint32 {
	return crcMulMod(crcShift(lenB), crcA) ^ crcB
}
