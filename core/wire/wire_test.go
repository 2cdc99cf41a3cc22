package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// testCodecs returns a codec of each cipher for the same cluster key.
func testCodecs(t testing.TB) []*PeerCodec {
	var out []*PeerCodec
	for _, c := range []Cipher{CipherNone, CipherAES256GCM} {
		pc, err := NewPeerCodec([]byte("secret"), "test", c)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pc)
	}
	return out
}

var sampleHeader = PeerHeader{Kind: KindData, Domain: 7, Sender: 2, Session: 3, Seq: 4}

func samplePeer(t testing.TB) []byte {
	b, err := testCodecs(t)[0].Seal(nil, sampleHeader, []byte{0x91, 0x01})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPeerRoundTrip(t *testing.T) {
	for _, c := range testCodecs(t) {
		b, err := c.Seal([]byte("prefix"), sampleHeader, []byte{0x91, 0x01})
		if err != nil {
			t.Fatal(err)
		}
		h, payload, err := c.Open(b[6:], 7, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.cipher, err)
		}
		if h != sampleHeader || !bytes.Equal(payload, []byte{0x91, 0x01}) {
			t.Fatalf("%s: got %+v %x", c.cipher, h, payload)
		}
		if len(b)-6 != c.Overhead()+2 {
			t.Errorf("%s: %d bytes, overhead %d", c.cipher, len(b)-6, c.Overhead())
		}
	}
}

// The encrypted datagram does not show its payload; the plain one does.
func TestPeerEncrypts(t *testing.T) {
	secret := []byte("a rather recognisable payload")
	for _, c := range testCodecs(t) {
		b, _ := c.Seal(nil, sampleHeader, secret)
		if shows := bytes.Contains(b, secret); shows != (c.cipher == CipherNone) {
			t.Errorf("%s: payload visible %t", c.cipher, shows)
		}
	}
}

func TestPeerRejects(t *testing.T) {
	other := func(key, cluster string, c Cipher) *PeerCodec {
		pc, err := NewPeerCodec([]byte(key), cluster, c)
		if err != nil {
			t.Fatal(err)
		}
		return pc
	}
	for _, c := range testCodecs(t) {
		good, _ := c.Seal(nil, sampleHeader, []byte{0x91, 0x01})
		flip := func(i int) []byte {
			b := bytes.Clone(good)
			b[i] ^= 1
			return b
		}
		otherCipher := CipherAES256GCM
		if c.cipher == otherCipher {
			otherCipher = CipherNone
		}
		zero, _ := c.Seal(nil, PeerHeader{Domain: 7, Sender: 2, Session: 0, Seq: 1}, []byte{1})
		cases := []struct {
			name  string
			codec *PeerCodec
			dom   uint32
			b     []byte
			want  error
		}{
			{"wrong key", other("other", "test", c.cipher), 7, good, ErrAuth},
			{"other cluster", other("secret", "prod", c.cipher), 7, good, ErrAuth},
			{"other cipher", other("secret", "test", otherCipher), 7, good, ErrCipher},
			{"wrong domain", c, 8, good, ErrDomain},
			{"tampered header", c, 7, flip(9), ErrAuth},
			{"tampered session", c, 7, flip(19), ErrAuth},
			{"tampered body", c, 7, flip(PeerHeaderSize), ErrAuth},
			{"tampered mac", c, 7, flip(len(good) - 1), ErrAuth},
			{"bad magic", c, 7, flip(0), ErrBadMagic},
			{"version", c, 7, flip(2), ErrVersion},
			{"short", c, 7, good[:10], ErrShort},
			{"huge", c, 7, make([]byte, MaxDatagram+1), ErrTooLarge},
			{"zero session", c, 7, zero, ErrMalformed},
		}
		for _, tc := range cases {
			if _, _, err := tc.codec.Open(tc.b, tc.dom, nil); !errors.Is(err, tc.want) {
				t.Errorf("%s %s: got %v, want %v", c.cipher, tc.name, err, tc.want)
			}
		}
	}
}

func TestSealTooLarge(t *testing.T) {
	for _, c := range testCodecs(t) {
		if _, err := c.Seal(nil, sampleHeader, make([]byte, MaxDatagram)); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("%s: got %v", c.cipher, err)
		}
	}
}

func TestReplayWindow(t *testing.T) {
	var w ReplayWindow
	steps := []struct {
		seq uint64
		ok  bool
	}{
		{1, true}, {1, false}, {3, true}, {2, true}, {2, false},
		{100, true}, {36, false}, {37, true}, {37, false}, {99, true}, {0, false},
		{1000, true}, {937, true}, {936, false},
	}
	for i, s := range steps {
		if got := w.Accept(s.seq); got != s.ok {
			t.Fatalf("step %d (%d): got %v want %v", i, s.seq, got, s.ok)
		}
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
