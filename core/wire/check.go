package wire

import (
	"encoding/binary"
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
	n := len(b)
	need := func(k int) error {
		if k < 0 || n-i < k {
			return fmt.Errorf("%w: truncated at byte %d", ErrMalformed, i)
		}
		return nil
	}
	for {
		for depth >= 0 && stack[depth] == 0 {
			depth--
		}
		if depth < 0 {
			break
		}
		stack[depth]--
		if err := need(1); err != nil {
			return err
		}
		c := b[i]
		i++
		var items int64 // children this value opens
		var skip int    // payload bytes to skip
		switch {
		case c <= 0x7f || c >= 0xe0, c == 0xc0, c == 0xc2, c == 0xc3:
		case c >= 0x80 && c <= 0x8f:
			items = 2 * int64(c&0x0f)
		case c >= 0x90 && c <= 0x9f:
			items = int64(c & 0x0f)
		case c >= 0xa0 && c <= 0xbf:
			skip = int(c & 0x1f)
		default:
			var l uint64
			var lenBytes, extra int
			switch c {
			case 0xc4, 0xd9:
				lenBytes = 1
			case 0xc5, 0xda:
				lenBytes = 2
			case 0xc6, 0xdb:
				lenBytes = 4
			case 0xc7:
				lenBytes, extra = 1, 1
			case 0xc8:
				lenBytes, extra = 2, 1
			case 0xc9:
				lenBytes, extra = 4, 1
			case 0xca, 0xce, 0xd2:
				skip = 4
			case 0xcb, 0xcf, 0xd3:
				skip = 8
			case 0xcc, 0xd0:
				skip = 1
			case 0xcd, 0xd1:
				skip = 2
			case 0xd4:
				skip = 2
			case 0xd5:
				skip = 3
			case 0xd6:
				skip = 5
			case 0xd7:
				skip = 9
			case 0xd8:
				skip = 17
			case 0xdc, 0xde:
				lenBytes = 2
			case 0xdd, 0xdf:
				lenBytes = 4
			default: // 0xc1 is never used
				return fmt.Errorf("%w: invalid code 0x%02x at byte %d", ErrMalformed, c, i-1)
			}
			if lenBytes > 0 {
				if err := need(lenBytes); err != nil {
					return err
				}
				switch lenBytes {
				case 1:
					l = uint64(b[i])
				case 2:
					l = uint64(binary.BigEndian.Uint16(b[i:]))
				case 4:
					l = uint64(binary.BigEndian.Uint32(b[i:]))
				}
				i += lenBytes
				switch c {
				case 0xdc, 0xdd:
					items = int64(l)
				case 0xde, 0xdf:
					items = 2 * int64(l)
				default:
					if l > uint64(n) {
						return fmt.Errorf("%w: length %d exceeds message", ErrMalformed, l)
					}
					skip = int(l) + extra
				}
			}
		}
		if skip > 0 {
			if err := need(skip); err != nil {
				return err
			}
			i += skip
		}
		if items > 0 {
			// Every child takes at least one byte.
			if items > int64(n-i) {
				return fmt.Errorf("%w: %d items claimed with %d bytes left", ErrMalformed, items, n-i)
			}
			if depth+1 > MaxDepth {
				return fmt.Errorf("%w: nesting deeper than %d", ErrMalformed, MaxDepth)
			}
			depth++
			stack[depth] = items
		}
	}
	if i != n {
		return fmt.Errorf("%w: %d trailing bytes", ErrMalformed, n-i)
	}
	return nil
}
