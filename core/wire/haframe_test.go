package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/goha/goha/core/ha"
)

var (
	keySP = bytes.Repeat([]byte{1}, 32)
	keyPS = bytes.Repeat([]byte{2}, 32)
)

// sealedWriter returns a writer into buf that seals with keySP.
func sealedWriter(t *testing.T, buf *bytes.Buffer) *HAWriter {
	t.Helper()
	w := NewHAWriter(buf)
	if err := w.SetKey(keySP); err != nil {
		t.Fatal(err)
	}
	return w
}

func mustBody(t *testing.T, m ha.Message) []byte {
	t.Helper()
	b, err := EncodeHAMsg(&m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHAFramesRoundTrip: plain frames before the key, sealed after; a
// reader with the matching key reads them all in order, and after its
// first sealed frame it refuses plain ones.
func TestHAFramesRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := NewHAWriter(&buf)
	hello := ha.Message{Type: ha.MsgHello, Seq: 1, Vsn: 3, From: "s", To: "p", Nonce: []byte("n")}
	w.WriteMsg(mustBody(t, hello))
	if err := w.SetKey(keySP); err != nil {
		t.Fatal(err)
	}
	for i := uint64(2); i < 5; i++ {
		w.WriteMsg(mustBody(t, ha.Message{Type: ha.MsgTick, Seq: i}))
	}
	w.Flush()
	r := NewHAReader(bytes.NewReader(buf.Bytes()))
	m, err := r.ReadMsg()
	if err != nil || m.Type != ha.MsgHello || r.Authenticated() {
		t.Fatalf("hello: %v %v", m, err)
	}
	if _, err := r.ReadMsg(); !errors.Is(err, ErrNoKey) {
		t.Fatalf("sealed frame without a key: %v", err)
	}
	r = NewHAReader(bytes.NewReader(buf.Bytes()))
	r.SetKey(keySP)
	// The plain hello is not a reject: once a key is set it is refused.
	if _, err := r.ReadMsg(); !errors.Is(err, ErrUnsealed) {
		t.Fatalf("plain hello after the key: %v", err)
	}
	r = NewHAReader(bytes.NewReader(buf.Bytes()))
	r.ReadMsg()
	r.SetKey(keySP)
	for i := uint64(2); i < 5; i++ {
		m, err := r.ReadMsg()
		if err != nil || m.Seq != i || !r.Authenticated() {
			t.Fatalf("tick %d: %+v %v", i, m, err)
		}
	}
}

// TestHASealedFramesRefuseTampering: any change to a sealed frame (a bit
// of its body, tag, kind or length), a replayed, dropped or reordered
// frame, a frame of the other direction or a plain frame after sealed
// ones fails with ErrAuth or ErrUnsealed.
func TestHASealedFramesRefuseTampering(t *testing.T) {
	var buf bytes.Buffer
	w := sealedWriter(t, &buf)
	var frames [][]byte
	for i := uint64(1); i <= 3; i++ {
		at := buf.Len()
		w.WriteMsg(mustBody(t, ha.Message{Type: ha.MsgCommit, Seq: i, Txid: i, Data: []byte("value")}))
		w.Flush()
		frames = append(frames, append([]byte{}, buf.Bytes()[at:]...))
	}
	read := func(key []byte, fs ...[]byte) error {
		r := NewHAReader(bytes.NewReader(bytes.Join(fs, nil)))
		r.SetKey(key)
		for range fs {
			if _, err := r.ReadMsg(); err != nil {
				return err
			}
		}
		return nil
	}
	if err := read(keySP, frames...); err != nil {
		t.Fatal(err)
	}
	flip := func(f []byte, i int) []byte {
		g := append([]byte{}, f...)
		g[i] ^= 1
		return g
	}
	plain := AppendHAFrame(nil, nil, mustBody(t, ha.Message{Type: ha.MsgReject, Seq: 2, Code: 26}))
	f0 := frames[0]
	for name, c := range map[string]struct {
		key []byte
		fs  [][]byte
	}{
		"body bit":        {keySP, [][]byte{flip(f0, 10)}},
		"tag bit":         {keySP, [][]byte{flip(f0, len(f0)-1)}},
		"kind":            {keySP, [][]byte{append(append(append([]byte{}, f0[:4]...), HAFramePlain), f0[5:]...)}},
		"replayed":        {keySP, [][]byte{f0, f0}},
		"dropped":         {keySP, [][]byte{f0, frames[2]}},
		"reordered":       {keySP, [][]byte{frames[1], f0}},
		"other direction": {keyPS, [][]byte{f0}},
		"plain after":     {keySP, [][]byte{f0, plain}},
		"truncated tag": {keySP, [][]byte{append(binary.BigEndian.AppendUint32(nil, uint32(len(f0)-4-1)),
			f0[4:len(f0)-1]...)}},
	} {
		err := read(c.key, c.fs...)
		if !errors.Is(err, ErrAuth) && !errors.Is(err, ErrUnsealed) && !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Before any sealed frame, a plain reject is still accepted (the peer
	// refusing the handshake).
	if err := read(keySP, plain); err != nil {
		t.Fatalf("plain reject before sealed frames: %v", err)
	}
}

// TestHAHandshakeFrameLimit: until a sealed frame has been verified a
// frame above HAMaxHandshakeFrame is refused from its header alone; after,
// HAMaxFrame applies.
func TestHAHandshakeFrameLimit(t *testing.T) {
	big := binary.BigEndian.AppendUint32(nil, HAMaxHandshakeFrame+1)
	big = append(big, HAFramePlain)
	r := NewHAReader(io.MultiReader(bytes.NewReader(big), errReader{}))
	if _, err := r.ReadMsg(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("large frame before authentication: %v", err)
	}
	var buf bytes.Buffer
	w := sealedWriter(t, &buf)
	w.WriteMsg(mustBody(t, ha.Message{Type: ha.MsgTick, Seq: 1}))
	w.WriteMsg(mustBody(t, ha.Message{Type: ha.MsgCommit, Seq: 2, Data: make([]byte, 1<<20)}))
	w.Flush()
	r = NewHAReader(&buf)
	r.SetKey(keySP)
	for i := 0; i < 2; i++ {
		if _, err := r.ReadMsg(); err != nil {
			t.Fatal(err)
		}
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("read past the header") }

// copyStream writes payload as a full copy (pieces of pieceSize, through
// WriteVector when vector is set) followed by one sealed message.
func copyStream(t *testing.T, payload []byte, pieceSize int, vector bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := sealedWriter(t, &buf)
	w.gather = vector
	w.nc = &buf
	w.WriteMsg(mustBody(t, ha.Message{Type: ha.MsgSnapshot, Seq: 1}))
	w.Flush()
	var pieces [][]byte
	for p := payload; len(p) > 0; {
		k := min(len(p), pieceSize)
		pieces = append(pieces, p[:k])
		p = p[k:]
	}
	if vector {
		if err := w.WriteVector(pieces); err != nil {
			t.Fatal(err)
		}
	} else {
		for _, p := range pieces {
			if _, err := w.Write(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	w.EndCopy()
	w.WriteMsg(mustBody(t, ha.Message{Type: ha.MsgTick, Seq: 2}))
	w.Flush()
	return buf.Bytes()
}

// TestHACopyReader: a full copy reads back as its payload whatever the
// writer's pieces and the reader's buffer sizes, every byte verified; the
// next message is not consumed. A damaged, truncated or interrupted copy
// is an error, never a plain EOF.
func TestHACopyReader(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef"), 50000) // 800 KB
	for _, vector := range []bool{true, false} {
		stream := copyStream(t, payload, 300001, vector)
		for _, bufSize := range []int{1, 7, 4096, HADataChunk, 1 << 20} {
			r := NewHAReader(bytes.NewReader(stream))
			r.SetKey(keySP)
			if m, err := r.ReadMsg(); err != nil || m.Type != ha.MsgSnapshot {
				t.Fatal(m, err)
			}
			cr := r.Copy(nil)
			var got []byte
			buf := make([]byte, bufSize)
			for {
				n, err := cr.Read(buf)
				got = append(got, buf[:n]...)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("vector %v read size %d: %v", vector, bufSize, err)
				}
			}
			if !bytes.Equal(got, payload) || !cr.Done() {
				t.Fatalf("vector %v read size %d: stream differs", vector, bufSize)
			}
			if m, err := r.ReadMsg(); err != nil || m.Type != ha.MsgTick {
				t.Fatalf("after the copy: %v %v", m, err)
			}
		}
	}
	stream := copyStream(t, payload, 100000, true)
	first := bytes.Index(stream, payload[:64])
	for name, bad := range map[string][]byte{
		"flipped data byte":  flipAt(stream, first+5000),
		"truncated in frame": stream[:first+5000],
		"truncated between":  stream[:first+100000+HATagSize],
		"no end frame":       stream[:len(stream)-2*(haHeader+HATagSize)-len(mustBody(t, ha.Message{Type: ha.MsgTick, Seq: 2}))],
	} {
		r := NewHAReader(bytes.NewReader(bad))
		r.SetKey(keySP)
		r.ReadMsg()
		_, err := io.ReadAll(r.Copy(nil))
		if err == nil || errors.Is(err, io.EOF) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func flipAt(b []byte, i int) []byte {
	c := append([]byte{}, b...)
	c[i] ^= 0x80
	return c
}
