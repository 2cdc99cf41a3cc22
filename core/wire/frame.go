package wire

import (
	"encoding/binary"
	"fmt"
	"io"
)

// MaxFrame is the default hard limit on one control frame's body. Config
// store values travel in frames too, so it is generous; membership status of
// a large cluster is a few tens of KiB.
const MaxFrame = 4 << 20

// ReadFrame reads one length-prefixed frame from r. A length of zero or
// above max is rejected with ErrTooLarge or ErrMalformed before any body
// buffer is allocated.
func ReadFrame(r io.Reader, max int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 {
		return nil, fmt.Errorf("%w: empty frame", ErrMalformed)
	}
	if uint64(n) > uint64(max) {
		return nil, fmt.Errorf("%w: frame of %d bytes exceeds %d", ErrTooLarge, n, max)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return body, nil
}

// AppendFrame appends the length prefix and body to dst.
func AppendFrame(dst, body []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(body)))
	return append(dst, body...)
}

// WriteFrame writes body as one frame with a single Write call.
func WriteFrame(w io.Writer, body []byte) error {
	if len(body) == 0 || len(body) > MaxFrame {
		return fmt.Errorf("%w: frame of %d bytes", ErrTooLarge, len(body))
	}
	_, err := w.Write(AppendFrame(make([]byte, 0, 4+len(body)), body))
	return err
}
