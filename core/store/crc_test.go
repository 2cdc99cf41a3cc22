package store

import (
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

// TestCRCCombine: combining the CRCs of two pieces gives the CRC of both,
// for empty, short, odd and long second pieces.
func TestCRCCombine(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 3<<20)
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	for _, lens := range [][2]int{{0, 0}, {0, 5}, {5, 0}, {1, 1}, {17, 4093}, {36, 1 << 20}, {1000, 1<<20 + 37}, {3 << 19, 3 << 19}} {
		a, b := buf[:lens[0]], buf[lens[0]:lens[0]+lens[1]]
		want := crc32.Checksum(buf[:lens[0]+lens[1]], castagnoli)
		if got := crcCombine(crc32.Checksum(a, castagnoli), crc32.Checksum(b, castagnoli), int64(len(b))); got != want {
			t.Fatalf("lengths %v: combined %08x, want %08x", lens, got, want)
		}
	}
}
