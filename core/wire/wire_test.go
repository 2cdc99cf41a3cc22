package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

func testKey() []byte { return PeerKey([]byte("secret"), "test") }

func samplePeer(t testing.TB) []byte {
	b, err := EncodePeer(testKey(), &Envelope{DomainID: 7, Sender: 2, Incarnation: 3, Seq: 4, Payload: []byte{0x91, 0x01}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPeerRoundTrip(t *testing.T) {
	b := samplePeer(t)
	env, err := DecodePeer(testKey(), 7, b)
	if err != nil {
		t.Fatal(err)
	}
	if env.Sender != 2 || env.Incarnation != 3 || env.Seq != 4 || !bytes.Equal(env.Payload, []byte{0x91, 0x01}) {
		t.Fatalf("got %+v", env)
	}
}

func TestPeerRejects(t *testing.T) {
	good := samplePeer(t)
	flip := func(i int) []byte {
		c := bytes.Clone(good)
		c[i] ^= 1
		return c
	}
	cases := []struct {
		name string
		key  []byte
		dom  uint32
		b    []byte
		want error
	}{
		{"wrong key", PeerKey([]byte("other"), "test"), 7, good, ErrAuth},
		{"other cluster", PeerKey([]byte("secret"), "prod"), 7, good, ErrAuth},
		{"wrong domain", testKey(), 8, good, ErrDomain},
		{"tampered body", testKey(), 7, flip(5), ErrAuth},
		{"tampered mac", testKey(), 7, flip(len(good) - 1), ErrAuth},
		{"bad magic", testKey(), 7, flip(0), ErrBadMagic},
		{"version", testKey(), 7, flip(2), ErrVersion},
		{"short", testKey(), 7, good[:10], ErrShort},
		{"huge", testKey(), 7, make([]byte, MaxDatagram+1), ErrTooLarge},
	}
	for _, c := range cases {
		if _, err := DecodePeer(c.key, c.dom, c.b); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func TestEncodePeerTooLarge(t *testing.T) {
	_, err := EncodePeer(testKey(), &Envelope{DomainID: 1, Sender: 1, Incarnation: 1, Seq: 1, Payload: make([]byte, MaxDatagram)})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v", err)
	}
}

func TestReplayWindow(t *testing.T) {
	var w ReplayWindow
	steps := []struct {
		inc, seq uint64
		ok       bool
	}{
		{1, 1, true}, {1, 1, false}, {1, 3, true}, {1, 2, true}, {1, 2, false},
		{1, 100, true}, {1, 36, false}, {1, 37, true}, {1, 37, false}, {1, 99, true},
		{0, 5, false}, {1, 0, false}, {2, 1, true}, {1, 200, false}, {2, 1, false},
		{2, 1000, true}, {2, 937, true}, {2, 936, false},
	}
	for i, s := range steps {
		if got := w.Accept(s.inc, s.seq); got != s.ok {
			t.Fatalf("step %d (%d,%d): got %v want %v", i, s.inc, s.seq, got, s.ok)
		}
	}
	if w.Incarnation() != 2 {
		t.Fatalf("incarnation %d", w.Incarnation())
	}
}

func TestFrameLimitBeforeAlloc(t *testing.T) {
	// A header announcing 4 GiB with no body must fail on the limit, not on
	// a short read (which would mean the body buffer was allocated).
	hdr := binary.BigEndian.AppendUint32(nil, 0xffffffff)
	if _, err := ReadFrame(bytes.NewReader(hdr), MaxFrame); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v", err)
	}
	if _, err := ReadFrame(bytes.NewReader([]byte{0, 0, 0, 0}), MaxFrame); !errors.Is(err, ErrMalformed) {
		t.Fatalf("empty frame: got %v", err)
	}
	if _, err := ReadFrame(bytes.NewReader([]byte{0, 0, 0, 5, 1}), MaxFrame); err != io.ErrUnexpectedEOF {
		t.Fatalf("truncated: got %v", err)
	}
	var buf bytes.Buffer
	if err := WriteFrame(&buf, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFrame(&buf, 16)
	if err != nil || string(got) != "hello" {
		t.Fatalf("got %q %v", got, err)
	}
}

func TestMsgRoundTrip(t *testing.T) {
	body, err := EncodeBody(&SetVotesArg{Node: 3, Votes: 2})
	if err != nil {
		t.Fatal(err)
	}
	b, err := EncodeMsg(&Msg{Type: TypeReq, ID: 9, Op: OpVQSetVotes, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	m, err := DecodeMsg(b)
	if err != nil {
		t.Fatal(err)
	}
	var a SetVotesArg
	if err := DecodeBody(m.Body, &a); err != nil || a.Node != 3 || a.Votes != 2 || m.ID != 9 {
		t.Fatalf("got %+v %+v %v", m, a, err)
	}
	if _, err := DecodeMsg([]byte{0x81, 0xa1, 't', 0x02}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("request without op: %v", err)
	}
	if _, err := DecodeMsg([]byte{0x81, 0xa1, 't', 0x09}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("unknown type: %v", err)
	}
}

func TestCheckMsgpack(t *testing.T) {
	valid := []any{nil, 1, -1, 1 << 40, "x", []byte{1, 2}, []any{1, "a", []any{}}, map[string]any{"a": 1.5},
		&Status{Nodes: []NodeStatus{{ID: 1, Name: "n1"}}}}
	for _, v := range valid {
		b, err := msgpack.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckMsgpack(b); err != nil {
			t.Errorf("%#v: %v", v, err)
		}
	}
	bad := map[string][]byte{
		"empty":           {},
		"trailing":        {0x01, 0x02},
		"array32 claim":   {0xdd, 0xff, 0xff, 0xff, 0xff, 0x01},
		"map32 claim":     {0xdf, 0x10, 0x00, 0x00, 0x00},
		"str32 claim":     {0xdb, 0x7f, 0xff, 0xff, 0xff},
		"bin8 truncated":  {0xc4, 0x05, 0x01},
		"never used":      {0xc1},
		"truncated float": {0xcb, 0x00},
		"deep":            bytes.Repeat([]byte{0x91}, MaxDepth+2),
	}
	for name, b := range bad {
		if err := CheckMsgpack(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	// A huge claimed slice must be rejected before msgpack pre-allocates it.
	var s Status
	if err := DecodeBody([]byte{0x81, 0xa5, 'n', 'o', 'd', 'e', 's', 0xdd, 0x7f, 0xff, 0xff, 0xff}, &s); !errors.Is(err, ErrMalformed) {
		t.Fatalf("got %v", err)
	}
}
