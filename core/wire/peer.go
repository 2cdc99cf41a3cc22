package wire

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// PeerVersion is the version byte of every peer datagram. A receiver drops
// datagrams of any other version.
const PeerVersion = 1

// MaxDatagram is the largest peer datagram accepted or produced. It stays
// below the IPv4 UDP payload limit (65507).
const MaxDatagram = 60000

// MACSize is the length of the HMAC-SHA256 trailer.
const MACSize = sha256.Size

const peerHeader = 3 // "gh" + version

var peerMagic = [2]byte{'g', 'h'}

// Errors returned by DecodePeer. A receiver counts them separately.
var (
	// ErrShort is returned for a datagram too short to hold a header and MAC.
	ErrShort = errors.New("wire: datagram too short")
	// ErrTooLarge is returned for a datagram or frame over its size limit.
	ErrTooLarge = errors.New("wire: message too large")
	// ErrBadMagic is returned for a datagram that is not a goha datagram.
	ErrBadMagic = errors.New("wire: not a goha datagram")
	// ErrVersion is returned for a datagram of another PeerVersion.
	ErrVersion = errors.New("wire: unsupported version")
	// ErrAuth is returned when the MAC does not match: the sender lacks the
	// authkey, belongs to another cluster, or the datagram was altered.
	ErrAuth = errors.New("wire: authentication failed")
	// ErrDomain is returned for an authentic datagram of another domain id.
	ErrDomain = errors.New("wire: wrong domain id")
)

// Envelope is the authenticated header around one membership message.
type Envelope struct {
	//lint:ignore U1000 msgpack reads this field's tag: encode as an array
	_msgpack    struct{} `msgpack:",as_array"`
	DomainID    uint32
	Sender      uint32 // node id of the sender
	Incarnation uint64 // sender's incarnation (bumped at every start)
	Seq         uint64 // per-incarnation datagram counter, from 1
	Payload     []byte // msgpack of the membership message
}

// PeerKey derives the datagram MAC key from the cluster authkey and name.
// Binding the cluster name keeps clusters that share an authkey apart.
func PeerKey(authkey []byte, cluster string) []byte {
	m := hmac.New(sha256.New, authkey)
	m.Write([]byte("goha peer v1\x00"))
	m.Write([]byte(cluster))
	return m.Sum(nil)
}

// EncodePeer returns the datagram for env, authenticated with key.
func EncodePeer(key []byte, env *Envelope) ([]byte, error) {
	body, err := msgpack.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("wire: encode envelope: %w", err)
	}
	n := peerHeader + len(body) + MACSize
	if n > MaxDatagram {
		return nil, fmt.Errorf("%w: datagram of %d bytes", ErrTooLarge, n)
	}
	out := make([]byte, 0, n)
	out = append(out, peerMagic[0], peerMagic[1], PeerVersion)
	out = append(out, body...)
	return append(out, macOf(key, out)...), nil
}

// DecodePeer authenticates a datagram with key and returns its envelope. The
// domain id must equal domain. Nothing is parsed before the MAC is verified.
// The returned Payload aliases a fresh copy, never b.
func DecodePeer(key []byte, domain uint32, b []byte) (*Envelope, error) {
	if len(b) > MaxDatagram {
		return nil, ErrTooLarge
	}
	if len(b) < peerHeader+1+MACSize {
		return nil, ErrShort
	}
	if b[0] != peerMagic[0] || b[1] != peerMagic[1] {
		return nil, ErrBadMagic
	}
	if b[2] != PeerVersion {
		return nil, fmt.Errorf("%w: %d", ErrVersion, b[2])
	}
	signed, mac := b[:len(b)-MACSize], b[len(b)-MACSize:]
	if !hmac.Equal(macOf(key, signed), mac) {
		return nil, ErrAuth
	}
	body := signed[peerHeader:]
	if err := CheckMsgpack(body); err != nil {
		return nil, err
	}
	env := new(Envelope)
	if err := msgpack.Unmarshal(body, env); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if env.DomainID != domain {
		return nil, fmt.Errorf("%w: %d", ErrDomain, env.DomainID)
	}
	if env.Sender == 0 || env.Incarnation == 0 || env.Seq == 0 {
		return nil, fmt.Errorf("%w: zero sender, incarnation or sequence", ErrMalformed)
	}
	return env, nil
}

func macOf(key, signed []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(signed)
	return m.Sum(nil)
}
