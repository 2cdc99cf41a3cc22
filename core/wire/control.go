package wire

import (
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
	// Filled by the server:
	NodeID   uint32 `msgpack:"node,omitempty"`
	NodeName string `msgpack:"name,omitempty"`
	Cluster  string `msgpack:"cluster,omitempty"`
}

// EncodeMsg encodes m (its Body already encoded) as a frame body.
func EncodeMsg(m *Msg) ([]byte, error) {
	b, err := msgpack.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("wire: encode message: %w", err)
	}
	if len(b) > MaxFrame {
		return nil, fmt.Errorf("%w: message of %d bytes", ErrTooLarge, len(b))
	}
	return b, nil
}

// DecodeMsg decodes and validates a frame body.
func DecodeMsg(b []byte) (*Msg, error) {
	if err := CheckMsgpack(b); err != nil {
		return nil, err
	}
	m := new(Msg)
	if err := msgpack.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	switch m.Type {
	case TypeHello, TypeReply, TypeEvent:
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
	if err := msgpack.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return nil
}
