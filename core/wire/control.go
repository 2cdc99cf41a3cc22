package wire

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// ProtocolVersion is the control protocol version, sent in every Hello.
const ProtocolVersion = 1

// MsgType distinguishes the frames of the control protocol.
type MsgType uint8

// Control message types.
const (
	TypeHello MsgType = 1 // first frame each way; Body is Hello
	TypeReq   MsgType = 2 // client request; ID, Op, Body = op arguments
	TypeReply MsgType = 3 // server reply; ID, Code, Err, Body = op result
	TypeEvent MsgType = 4 // server push; Seq, Op = event kind, Body = event
	TypeAuth  MsgType = 5 // access proof each way after a CodeAuth hello; Body is Auth
)

// Msg is one control frame.
type Msg struct {
	Type MsgType            `msgpack:"t"`
	ID   uint64             `msgpack:"i,omitempty"`
	Op   string             `msgpack:"o,omitempty"`
	Seq  uint64             `msgpack:"s,omitempty"`
	Code Code               `msgpack:"c,omitempty"`
	Err  string             `msgpack:"e,omitempty"`
	Body msgpack.RawMessage `msgpack:"b,omitempty"`
}

// Hello is the body of the first frame in each direction.
type Hello struct {
	Proto    uint32 `msgpack:"proto"`
	Software string `msgpack:"sw,omitempty"` // e.g. "gohactl", "libgoha", "gohad"
	// Nonce is the client's fresh random value for an access proof.
	Nonce []byte `msgpack:"nonce,omitempty"`
	// Filled by the server:
	NodeID   uint32 `msgpack:"node,omitempty"`
	NodeName string `msgpack:"name,omitempty"`
	Cluster  string `msgpack:"cluster,omitempty"`
	// Challenge is the server's nonce, in a hello refused with CodeAuth
	// (which then carries nothing else).
	Challenge []byte `msgpack:"chal,omitempty"`
}

// Auth is the body of TypeAuth. The client sends its Proof of the access
// secret; the server answers with Code OK, its own Proof and, in Hello,
// what its hello would have said, or with CodeAuth and closes.
type Auth struct {
	Proof []byte `msgpack:"proof"`
	Hello *Hello `msgpack:"hello,omitempty"`
}

// NonceLen is the length of the access proof's nonces.
const NonceLen = 16

// IPCProof is side's ("client" or "server") proof that it knows a control
// endpoint's access secret (ipc_access_file): HMAC-SHA256 keyed by the
// secret over the side and both nonces. The secret never travels, and
// fresh nonces from both ends make a proof useless on another
// connection. The client proves first, so a process that merely connects
// learns nothing keyed by the secret.
func IPCProof(secret []byte, side string, nonceC, nonceS []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("goha ipc access v1\x00" + side + "\x00"))
	m.Write(nonceC)
	m.Write(nonceS)
	return m.Sum(nil)
}

// EncodeMsg encodes m (its Body already encoded) as a frame body
// (AppendMsg).
func EncodeMsg(m *Msg) ([]byte, error) {
	b := AppendMsg(make([]byte, 0, 32+len(m.Op)+len(m.Err)+len(m.Body)), m)
	if len(b) > MaxFrame {
		return nil, fmt.Errorf("%w: message of %d bytes", ErrTooLarge, len(b))
	}
	return b, nil
}

// DecodeMsg decodes and validates a frame body. The Body of the result
// aliases b.
func DecodeMsg(b []byte) (*Msg, error) {
	if err := CheckMsgpack(b); err != nil {
		return nil, err
	}
	m := new(Msg)
	if err := decodeMsgFast(b, m); err != nil {
		*m = Msg{}
		if err := msgpack.Unmarshal(b, m); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
	}
	switch m.Type {
	case TypeHello, TypeReply, TypeEvent, TypeAuth:
	case TypeReq:
		if m.Op == "" {
			return nil, fmt.Errorf("%w: request without op", ErrMalformed)
		}
	default:
		return nil, fmt.Errorf("%w: unknown message type %d", ErrMalformed, m.Type)
	}
	return m, nil
}

// EncodeBody encodes an op argument, result or event body. A nil v gives an
// empty body.
func EncodeBody(v any) (msgpack.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	if b := encodeHot(v); b != nil {
		return b, nil
	}
	b, err := msgpack.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("wire: encode body: %w", err)
	}
	return b, nil
}

// DecodeBody decodes a body into v after checking it. An empty body leaves v
// at its zero value.
func DecodeBody(b msgpack.RawMessage, v any) error {
	if len(b) == 0 {
		return nil
	}
	if err := CheckMsgpack(b); err != nil {
		return err
	}
	if decodeHot(b, v) == nil {
		return nil
	}
	if err := msgpack.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}
