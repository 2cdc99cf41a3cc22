package wire

import (
	"errors"
	"fmt"
)

// MaxDepth is the deepest nesting of msgpack arrays and maps accepted from
// the network. goha's own messages nest at most five levels.
const MaxDepth = 16

// ErrMalformed is returned for bytes that are not one well-formed msgpack
// value within the package's limits (depth, lengths, trailing bytes).
var ErrMalformed = errors.New("wire: malformed message")

// CheckMsgpack verifies that b holds exactly one msgpack value whose every
// declared length fits in the remaining bytes and whose nesting is at most
// MaxDepth. It allocates nothing beyond a small fixed stack.
func CheckMsgpack(b []byte) error {
	var stack [MaxDepth + 1]int64 // items still expected at each open level
	depth := 0
	stack[0] = 1
	i := 0
	for {
		for depth >= 0 && stack[depth] == 0 {
			depth--
		}
		if depth < 0 {
			break
		}
		stack[depth]--
		items, next, err := checkHeader(b, i)
		if err != nil {
			return err
		}
		i = next
		if items > 0 {
			// Every child takes at least one byte.
			if items > int64(len(b)-i) {
				return fmt.Errorf("%w: %d items claimed with %d bytes left", ErrMalformed, items, len(b)-i)
			}
			if depth+1 > MaxDepth {
				return fmt.Errorf("%w: nesting deeper than %d", ErrMalformed, MaxDepth)
			}
			depth++
			stack[depth] = items
		}
	}
	if i != len(b) {
		return fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(b)-i)
	}
	return nil
}

// codeKind says how a msgpack type code is laid out.
type codeKind uint8

const (
	kindInvalid  codeKind = iota // 0xc1, never used
	kindFixed                    // n payload bytes (nil, bool, numbers, fixext; fixstr: n from the code)
	kindFixArray                 // n elements, counted in the code
	kindFixMap                   // n key/value pairs, counted in the code
	kindBytes                    // a lenBytes length, then extra + length payload bytes (bin, str, ext)
	kindArray                    // a lenBytes element count
	kindMap                      // a lenBytes pair count
)

// codeInfo describes one type code.
type codeInfo struct {
	kind     codeKind
	n        uint8 // kindFixed: payload bytes; kindFix*: count
	lenBytes uint8 // kindBytes, kindArray, kindMap: size of the length field
	extra    uint8 // kindBytes: bytes between length and payload (ext's type)
}

// codes describes every type code (the msgpack spec's format table).
var codes = func() (t [256]codeInfo) {
	for c := 0; c < 256; c++ {
		switch {
		case c <= 0x7f || c >= 0xe0: // fixint
			t[c] = codeInfo{kind: kindFixed}
		case c <= 0x8f:
			t[c] = codeInfo{kind: kindFixMap, n: uint8(c & 0x0f)}
		case c <= 0x9f:
			t[c] = codeInfo{kind: kindFixArray, n: uint8(c & 0x0f)}
		case c <= 0xbf: // fixstr
			t[c] = codeInfo{kind: kindFixed, n: uint8(c & 0x1f)}
		}
	}
	fixed := map[int]uint8{0xc0: 0, 0xc2: 0, 0xc3: 0, 0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8,
		0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8, 0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17}
	for c, n := range fixed {
		t[c] = codeInfo{kind: kindFixed, n: n}
	}
	for c, lb := range map[int]uint8{0xc4: 1, 0xc5: 2, 0xc6: 4, 0xd9: 1, 0xda: 2, 0xdb: 4} { // bin, str
		t[c] = codeInfo{kind: kindBytes, lenBytes: lb}
	}
	for c, lb := range map[int]uint8{0xc7: 1, 0xc8: 2, 0xc9: 4} { // ext
		t[c] = codeInfo{kind: kindBytes, lenBytes: lb, extra: 1}
	}
	t[0xdc], t[0xdd] = codeInfo{kind: kindArray, lenBytes: 2}, codeInfo{kind: kindArray, lenBytes: 4}
	t[0xde], t[0xdf] = codeInfo{kind: kindMap, lenBytes: 2}, codeInfo{kind: kindMap, lenBytes: 4}
	return t
}()

// checkHeader checks the value that starts at b[i]: its header and, for a
// scalar, its payload. It returns the number of child values it opens
// (elements, or keys and values) and the offset after what it checked.
func checkHeader(b []byte, i int) (items int64, next int, err error) {
	if i >= len(b) {
		return 0, i, truncated(i)
	}
	c := b[i]
	info := codes[c]
	i++
	switch info.kind {
	case kindInvalid:
		return 0, i, fmt.Errorf("%w: invalid code 0x%02x at byte %d", ErrMalformed, c, i-1)
	case kindFixed:
		return 0, i + int(info.n), need(b, i, int(info.n))
	case kindFixArray:
		return int64(info.n), i, nil
	case kindFixMap:
		return 2 * int64(info.n), i, nil
	}
	if err := need(b, i, int(info.lenBytes)); err != nil {
		return 0, i, err
	}
	l := uint64(0)
	for _, x := range b[i : i+int(info.lenBytes)] {
		l = l<<8 | uint64(x)
	}
	i += int(info.lenBytes)
	switch info.kind {
	case kindArray:
		return int64(l), i, nil
	case kindMap:
		return 2 * int64(l), i, nil
	}
	if l > uint64(len(b)) {
		return 0, i, fmt.Errorf("%w: length %d exceeds message", ErrMalformed, l)
	}
	k := int(l) + int(info.extra)
	return 0, i + k, need(b, i, k)
}

// need checks that k bytes remain at offset i.
func need(b []byte, i, k int) error {
	if k < 0 || len(b)-i < k {
		return truncated(i)
	}
	return nil
}

func truncated(i int) error { return fmt.Errorf("%w: truncated at byte %d", ErrMalformed, i) }
