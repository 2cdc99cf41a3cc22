package client

import (
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"os"

	"github.com/goha/goha/core/wire"
)

// The protocol half of the client core, shared by Conn (a raw descriptor
// used on the caller's thread) and Client (multiplexed over a reader
// goroutine): what the client says in its hello, how a request is framed,
// how a reply becomes a result or an *Error, and how events are decoded
// and checked for gaps. Transport code never builds or reads a wire.Msg
// on its own.

// Options describe the client to the daemon.
type Options struct {
	// Software names the client program in the daemon's logs ("" = the
	// program name).
	Software string
	// AccessFile holds the control endpoint's access secret, for an
	// endpoint with ipc_access_file ("" = $GOHA_IPC_ACCESS_FILE). It is
	// read only when the daemon asks for the proof.
	AccessFile string
}

// EnvIPCAccessFile names the environment variable holding the path of the
// control endpoint's access secret (NSO's IPC access check works alike).
const EnvIPCAccessFile = "GOHA_IPC_ACCESS_FILE"

// helloFor builds the client's hello. It is the one place where a client
// identifies itself: Conn.handshake sends exactly this, for every API
// family (Client, libgoha's synchronous handles, the ConfD sockets).
// It carries a fresh nonce for the access proof (accessProof), which the
// daemon asks for when the endpoint has an ipc_access_file.
func helloFor(o Options) *wire.Hello {
	sw := o.Software
	if sw == "" {
		sw = software()
	}
	nonce := make([]byte, wire.NonceLen)
	rand.Read(nonce)
	return &wire.Hello{Proto: wire.ProtocolVersion, Software: sw, Nonce: nonce}
}

// accessProof answers a hello refused with CodeAuth: it reads the secret
// (o.AccessFile, else $GOHA_IPC_ACCESS_FILE) and returns the auth frame
// to send, and the check of the daemon's answer, which must prove the
// secret in turn and carries the daemon's real hello. The secret never
// travels. A client without the file gets the daemon's CodeAuth refusal
// with what to do.
func accessProof(o Options, hello *wire.Hello, m *wire.Msg) ([]byte, func(*wire.Msg) (wire.Hello, error), error) {
	refused := &Error{Op: "hello", Code: wire.CodeAuth, Msg: m.Err}
	var h wire.Hello
	if err := wire.DecodeBody(m.Body, &h); err != nil || len(h.Challenge) != wire.NonceLen {
		return nil, nil, refused
	}
	path := o.AccessFile
	if path == "" {
		path = os.Getenv(EnvIPCAccessFile)
	}
	if path == "" {
		refused.Msg = "the daemon requires its access secret: set " + EnvIPCAccessFile + " to the file named by its ipc_access_file"
		return nil, nil, refused
	}
	secret, err := os.ReadFile(path)
	if err != nil {
		refused.Msg = fmt.Sprintf("the daemon requires its access secret, and %s=%s cannot be read: %v", EnvIPCAccessFile, path, err)
		return nil, nil, refused
	}
	body, err := wire.EncodeBody(&wire.Auth{Proof: wire.IPCProof(secret, "client", hello.Nonce, h.Challenge)})
	if err != nil {
		return nil, nil, err
	}
	b, err := wire.EncodeMsg(&wire.Msg{Type: wire.TypeAuth, Body: body})
	if err != nil {
		return nil, nil, err
	}
	check := func(m *wire.Msg) (wire.Hello, error) {
		var a wire.Auth
		switch {
		case m.Type != wire.TypeAuth:
			return wire.Hello{}, fmt.Errorf("%w: answer to the access proof of type %d", ErrProtocol, m.Type)
		case m.Code != wire.CodeOK:
			return wire.Hello{}, &Error{Op: "hello", Code: m.Code, Msg: m.Err + " (" + EnvIPCAccessFile + "=" + path + ")"}
		}
		if err := wire.DecodeBody(m.Body, &a); err != nil || a.Hello == nil {
			return wire.Hello{}, fmt.Errorf("%w: answer to the access proof", ErrProtocol)
		}
		if !hmac.Equal(a.Proof, wire.IPCProof(secret, "server", hello.Nonce, h.Challenge)) {
			return wire.Hello{}, fmt.Errorf("%w: the daemon did not prove the access secret of %s", ErrProtocol, path)
		}
		return checkServerHello(&wire.Msg{Type: wire.TypeHello, Body: mustBody(a.Hello)})
	}
	return wire.AppendFrame(nil, b), check, nil
}

func mustBody(h *wire.Hello) []byte {
	b, _ := wire.EncodeBody(h)
	return b
}

func software() string {
	if len(os.Args) > 0 && os.Args[0] != "" {
		return os.Args[0]
	}
	return "goha-client"
}

// checkServerHello validates the daemon's answer to our hello.
func checkServerHello(m *wire.Msg) (wire.Hello, error) {
	var h wire.Hello
	if m.Type != wire.TypeHello {
		return h, fmt.Errorf("%w: the peer is not a gohad control endpoint (first message type %d)", ErrProtocol, m.Type)
	}
	if m.Code != wire.CodeOK {
		return h, &Error{Op: "hello", Code: m.Code, Msg: m.Err}
	}
	if err := wire.DecodeBody(m.Body, &h); err != nil {
		return h, fmt.Errorf("%w: hello: %v", ErrProtocol, err)
	}
	if h.Proto != wire.ProtocolVersion {
		return h, &Error{Op: "hello", Code: wire.CodeVersion,
			Msg: fmt.Sprintf("daemon speaks protocol %d, client %d", h.Proto, wire.ProtocolVersion)}
	}
	return h, nil
}

// appendRequest appends the frame of request id (op with argument arg,
// which may be nil) to dst. A request too large for a frame is an *Error
// with CodeBadRequest: nothing was sent, the connection stays usable.
func appendRequest(dst []byte, id uint64, op string, arg any) ([]byte, error) {
	body, err := wire.EncodeBody(arg)
	if err != nil {
		return dst, &Error{Op: op, Code: wire.CodeBadRequest, Msg: err.Error()}
	}
	dst, err = wire.AppendMsgFrame(dst, &wire.Msg{Type: wire.TypeReq, ID: id, Op: op, Body: body})
	if err != nil {
		return dst, &Error{Op: op, Code: wire.CodeBadRequest, Msg: err.Error()}
	}
	return dst, nil
}

// result turns the reply m to request op into the call's outcome: nil with
// res filled in (res may be nil to ignore the result), an *Error carrying
// the daemon's code, or ErrProtocol for a reply that does not decode.
func result(op string, m *wire.Msg, res any) error {
	if m.Code != wire.CodeOK {
		return &Error{Op: op, Code: m.Code, Msg: m.Err}
	}
	if res != nil {
		if err := wire.DecodeBody(m.Body, res); err != nil {
			return fmt.Errorf("%w: reply to %s: %v", ErrProtocol, op, err)
		}
	}
	return nil
}

// eventStream decodes the events of one connection and checks that their
// sequence numbers grow by exactly one, so that a consumer that sees
// events has seen all of them.
type eventStream struct {
	last uint64
}

// decode checks and decodes event m; m.Body must not be reused by the
// caller afterwards (Event.Raw keeps it).
func (s *eventStream) decode(m *wire.Msg) (Event, error) {
	if m.Type != wire.TypeEvent {
		return Event{}, fmt.Errorf("%w: unexpected message type %d", ErrProtocol, m.Type)
	}
	if m.Seq != s.last+1 {
		return Event{}, fmt.Errorf("%w: event sequence jumped from %d to %d", ErrProtocol, s.last, m.Seq)
	}
	s.last = m.Seq
	return decodeEvent(m)
}

func decodeEvent(m *wire.Msg) (Event, error) {
	ev := Event{Seq: m.Seq, Kind: m.Op, Raw: m.Body}
	var v any
	switch m.Op {
	case wire.EvNodeList:
		ev.NodeList = new(wire.NodeListEvent)
		v = ev.NodeList
	case wire.EvQuorum:
		ev.Quorum = new(wire.QuorumEvent)
		v = ev.Quorum
	case wire.EvExpected:
		ev.Expected = new(wire.ExpectedEvent)
		v = ev.Expected
	case wire.EvCMM:
		ev.CMM = new(wire.CMMEvent)
		v = ev.CMM
	case wire.EvView:
		ev.View = new(wire.ViewEvent)
		v = ev.View
	case wire.EvQuorumSvc:
		ev.QuorumSvc = new(wire.QuorumSvcEvent)
		v = ev.QuorumSvc
	case wire.EvQuorumNodes:
		ev.QuorumNodes = new(wire.QuorumNodesEvent)
		v = ev.QuorumNodes
	case wire.EvCMap:
		ev.CMap = new(wire.CMapEvent)
		v = ev.CMap
	case wire.EvCfgShutdown:
		ev.CfgShutdown = new(wire.CfgShutdownEvent)
		v = ev.CfgShutdown
	default:
		return ev, nil
	}
	if err := wire.DecodeBody(m.Body, v); err != nil {
		return ev, fmt.Errorf("%w: event %s: %v", ErrProtocol, m.Op, err)
	}
	return ev, nil
}

// IsEOF reports whether err says the daemon closed the connection (as
// opposed to a failed system call with another errno, a timeout or a
// protocol error). The ConfD family tells CONFD_EOF from CONFD_ERR_OS by it.
func IsEOF(err error) bool {
	return errors.Is(err, errClosedByPeer)
}
