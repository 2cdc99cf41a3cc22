package hanet

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/goha/goha/core/wire"
)

// TestChunkReader: the full-copy stream is the concatenation of the 'D'
// payloads up to 'E', whatever the read sizes; anything else inside a copy
// is an error, and a copy cut short is io.ErrUnexpectedEOF, never EOF.
func TestChunkReader(t *testing.T) {
	d := func(p []byte) []byte { return wire.AppendFrame(nil, append([]byte{frameData}, p...)) }
	end := wire.AppendFrame(nil, []byte{frameEnd})
	payload := bytes.Repeat([]byte("0123456789abcdef"), 20000)
	var good []byte
	for p := payload; len(p) > 0; {
		k := min(len(p), 70001)
		good = append(good, d(p[:k])...)
		p = p[k:]
	}
	good = append(good, end...)
	good = append(good, "after"...) // the next protocol frame is not consumed
	for _, bufSize := range []int{1, 7, 4096, 1 << 20} {
		src := bytes.NewReader(good)
		br := bufio.NewReaderSize(src, 4096)
		cr := &chunkReader{r: br}
		if bufSize != 7 { // reading the connection directly when br is empty
			cr.nc = src
		}
		var got []byte
		buf := make([]byte, bufSize)
		for {
			n, err := cr.Read(buf)
			got = append(got, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got, payload) {
			t.Fatalf("read size %d: stream differs", bufSize)
		}
		if rest, _ := io.ReadAll(br); string(rest) != "after" {
			t.Fatalf("read size %d: consumed past the end: %q", bufSize, rest)
		}
	}
	bad := map[string][]byte{
		"truncated in a frame":   d(payload[:100])[:50],
		"truncated between":      d(payload[:100]),
		"protocol frame":         append(d(payload[:10]), wire.AppendFrame(nil, []byte{frameMsg, 1})...),
		"oversized frame":        {0x7f, 0xff, 0xff, 0xff, frameData},
		"empty frame":            {0, 0, 0, 0, frameData},
		"end frame with payload": wire.AppendFrame(nil, []byte{frameEnd, 1}),
	}
	for name, in := range bad {
		_, err := io.ReadAll(&chunkReader{r: bufio.NewReader(bytes.NewReader(in))})
		if err == nil {
			t.Fatalf("%s: accepted", name)
		}
		if errors.Is(err, io.EOF) {
			t.Fatalf("%s: plain EOF", name)
		}
	}
}
