package wire

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
)

// PeerVersion is the version byte of every peer datagram. A receiver drops
// datagrams of any other version. Version 2 replaced the incarnation of
// version 1 by a random session per process, so that a node with a new or
// wiped data directory is not taken for a replay (see PeerSessions).
const PeerVersion = 2

// MaxDatagram is the largest peer datagram accepted or produced. It stays
// below the IPv4 UDP payload limit (65507).
const MaxDatagram = 60000

// MACSize is the length of the HMAC-SHA256 trailer of an unencrypted
// datagram; TagSize the AES-GCM tag of an encrypted one.
const (
	MACSize = sha256.Size
	TagSize = 16
)

// PeerHeaderSize is the fixed header of a peer datagram:
//
//	"gh" | version | kind<<4 | cipher | domain (4) | sender (4) | session (8) | seq (8)
//
// integers big endian.
const PeerHeaderSize = 28

var peerMagic = [2]byte{'g', 'h'}

// Kinds of peer datagram.
const (
	// KindData carries a membership message (AppendMember).
	KindData uint8 = 0
	// KindChallenge asks the receiver to prove that a session is its own:
	// the session (8 bytes) and a nonce (ChallengeNonceSize bytes).
	KindChallenge uint8 = 1
	// KindResponse answers a challenge from within that session: the
	// nonce.
	KindResponse uint8 = 2
)

// Cipher is the protection of the peer datagrams (config crypto_cipher).
type Cipher uint8

// Ciphers.
const (
	// CipherNone: authenticated with HMAC-SHA256, not encrypted.
	CipherNone Cipher = 0
	// CipherAES256GCM: encrypted and authenticated with AES-256-GCM, a key
	// per sender session (see PeerCodec).
	CipherAES256GCM Cipher = 1
)

// ParseCipher maps a crypto_cipher setting to a Cipher.
func ParseCipher(s string) (Cipher, error) {
	switch s {
	case "", "none":
		return CipherNone, nil
	case "aes256-gcm":
		return CipherAES256GCM, nil
	}
	return 0, fmt.Errorf("crypto_cipher %q: want \"none\" or \"aes256-gcm\"", s)
}

func (c Cipher) String() string {
	switch c {
	case CipherNone:
		return "none"
	case CipherAES256GCM:
		return "aes256-gcm"
	}
	return fmt.Sprintf("cipher(%d)", uint8(c))
}

// Errors returned by PeerCodec.Open. A receiver counts them separately.
var (
	// ErrShort is returned for a datagram too short to hold a header and MAC.
	ErrShort = errors.New("wire: datagram too short")
	// ErrTooLarge is returned for a datagram or frame over its size limit.
	ErrTooLarge = errors.New("wire: message too large")
	// ErrBadMagic is returned for a datagram that is not a goha datagram.
	ErrBadMagic = errors.New("wire: not a goha datagram")
	// ErrVersion is returned for a datagram of another PeerVersion.
	ErrVersion = errors.New("wire: unsupported version")
	// ErrCipher is returned for a datagram protected with another
	// crypto_cipher than the receiver's.
	ErrCipher = errors.New("wire: datagram of another crypto_cipher")
	// ErrAuth is returned when the MAC or tag does not match: the sender
	// lacks the authkey, belongs to another cluster, or the datagram was
	// altered.
	ErrAuth = errors.New("wire: authentication failed")
	// ErrDomain is returned for an authentic datagram of another domain id.
	ErrDomain = errors.New("wire: wrong domain id")
)

// PeerHeader is the authenticated header of a peer datagram.
type PeerHeader struct {
	Kind    uint8
	Domain  uint32
	Sender  uint32 // node id of the sender
	Session uint64 // the sender process's random session id (never 0)
	Seq     uint64 // per-session datagram counter, from 1
}

// PeerKey derives the datagram MAC key from the cluster authkey and name.
// Binding the cluster name keeps clusters that share an authkey apart.
func PeerKey(authkey []byte, cluster string) []byte {
	m := hmac.New(sha256.New, authkey)
	m.Write([]byte("goha peer v1\x00"))
	m.Write([]byte(cluster))
	return m.Sum(nil)
}

// peerEncKey derives the AES-256-GCM master key, from which each sender
// session's key is derived.
func peerEncKey(authkey []byte, cluster string) []byte {
	m := hmac.New(sha256.New, authkey)
	m.Write([]byte("goha peer v2 aes256-gcm\x00"))
	m.Write([]byte(cluster))
	return m.Sum(nil)
}

// sessionKeys bounds the AES-GCM session keys a PeerCodec keeps.
const sessionKeys = 256

// PeerCodec seals and opens peer datagrams with the cluster's keys. With
// CipherNone a datagram is the header, the payload and an HMAC-SHA256 of
// both under PeerKey. With CipherAES256GCM the payload is encrypted and the
// header authenticated (as additional data) with AES-256-GCM under a key
// per sender session, HMAC-SHA256(master key, sender | session), and the
// nonce is the sequence number: a session's sequence numbers never repeat
// and no two sessions share a key, so no nonce is ever used twice under a
// key (sequence numbers restart at every start, sessions do not). A codec
// keeps hash and cipher state: it is not safe for concurrent use; give
// each goroutine its own.
type PeerCodec struct {
	cipher Cipher
	mac    hash.Hash // HMAC-SHA256 under PeerKey (CipherNone)
	kdf    hash.Hash // HMAC-SHA256 under the master key (AES-GCM)
	aeads  map[[12]byte]cipher.AEAD
	sum    [sha256.Size]byte
	nonce  [12]byte
}

// NewPeerCodec returns a codec for the cluster's authkey, name and cipher.
func NewPeerCodec(authkey []byte, cluster string, c Cipher) (*PeerCodec, error) {
	pc := &PeerCodec{cipher: c}
	switch c {
	case CipherNone:
		pc.mac = hmac.New(sha256.New, PeerKey(authkey, cluster))
	case CipherAES256GCM:
		pc.kdf = hmac.New(sha256.New, peerEncKey(authkey, cluster))
		pc.aeads = make(map[[12]byte]cipher.AEAD)
	default:
		return nil, fmt.Errorf("wire: unknown cipher %d", c)
	}
	return pc, nil
}

// Overhead is the bytes a datagram adds to its payload.
func (c *PeerCodec) Overhead() int {
	if c.cipher == CipherAES256GCM {
		return PeerHeaderSize + TagSize
	}
	return PeerHeaderSize + MACSize
}

// aead returns the AES-GCM of (sender, session), derived once.
func (c *PeerCodec) aead(sender uint32, session uint64) (cipher.AEAD, error) {
	var id [12]byte
	binary.BigEndian.PutUint32(id[:4], sender)
	binary.BigEndian.PutUint64(id[4:], session)
	if a, ok := c.aeads[id]; ok {
		return a, nil
	}
	c.kdf.Reset()
	c.kdf.Write([]byte("session\x00"))
	c.kdf.Write(id[:])
	block, err := aes.NewCipher(c.kdf.Sum(c.sum[:0]))
	if err != nil {
		return nil, err
	}
	a, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(c.aeads) >= sessionKeys {
		clear(c.aeads) // sessions change rarely: start over rather than track age
	}
	c.aeads[id] = a
	return a, nil
}

// nonceOf is the AES-GCM nonce of sequence number seq (in c's buffer).
func (c *PeerCodec) nonceOf(seq uint64) []byte {
	binary.BigEndian.PutUint64(c.nonce[4:], seq)
	return c.nonce[:]
}

// Seal appends the datagram of h and payload to dst.
func (c *PeerCodec) Seal(dst []byte, h PeerHeader, payload []byte) ([]byte, error) {
	if n := c.Overhead() + len(payload); n > MaxDatagram {
		return nil, fmt.Errorf("%w: datagram of %d bytes", ErrTooLarge, n)
	}
	start := len(dst)
	dst = append(dst, peerMagic[0], peerMagic[1], PeerVersion, h.Kind<<4|byte(c.cipher))
	dst = binary.BigEndian.AppendUint32(dst, h.Domain)
	dst = binary.BigEndian.AppendUint32(dst, h.Sender)
	dst = binary.BigEndian.AppendUint64(dst, h.Session)
	dst = binary.BigEndian.AppendUint64(dst, h.Seq)
	if c.cipher == CipherAES256GCM {
		a, err := c.aead(h.Sender, h.Session)
		if err != nil {
			return nil, err
		}
		return a.Seal(dst, c.nonceOf(h.Seq), payload, dst[start:]), nil
	}
	dst = append(dst, payload...)
	c.mac.Reset()
	c.mac.Write(dst[start:])
	return c.mac.Sum(dst), nil
}

// Open authenticates datagram b and returns its header and payload. The
// domain id must equal domain. Nothing but the fixed header is read before
// the MAC or tag is verified, in constant time. The payload is decrypted
// into (or, unencrypted, copied to) scratch's storage: it aliases scratch,
// never b.
func (c *PeerCodec) Open(b []byte, domain uint32, scratch []byte) (PeerHeader, []byte, error) {
	var h PeerHeader
	if len(b) > MaxDatagram {
		return h, nil, ErrTooLarge
	}
	if len(b) < 3 {
		return h, nil, ErrShort
	}
	if b[0] != peerMagic[0] || b[1] != peerMagic[1] {
		return h, nil, ErrBadMagic
	}
	if b[2] != PeerVersion {
		return h, nil, fmt.Errorf("%w: %d", ErrVersion, b[2])
	}
	if len(b) < 4 {
		return h, nil, ErrShort
	}
	if Cipher(b[3]&0x0f) != c.cipher {
		return h, nil, fmt.Errorf("%w: %s, this node uses %s", ErrCipher, Cipher(b[3]&0x0f), c.cipher)
	}
	if len(b) < c.Overhead() {
		return h, nil, ErrShort
	}
	h = PeerHeader{Kind: b[3] >> 4, Domain: binary.BigEndian.Uint32(b[4:]), Sender: binary.BigEndian.Uint32(b[8:]),
		Session: binary.BigEndian.Uint64(b[12:]), Seq: binary.BigEndian.Uint64(b[20:])}
	hdr, body := b[:PeerHeaderSize], b[PeerHeaderSize:]
	var payload []byte
	if c.cipher == CipherAES256GCM {
		a, err := c.aead(h.Sender, h.Session)
		if err != nil {
			return h, nil, err
		}
		if payload, err = a.Open(scratch[:0], c.nonceOf(h.Seq), body, hdr); err != nil {
			return h, nil, ErrAuth
		}
	} else {
		signed, mac := b[:len(b)-MACSize], b[len(b)-MACSize:]
		c.mac.Reset()
		c.mac.Write(signed)
		if !hmac.Equal(c.mac.Sum(c.sum[:0]), mac) {
			return h, nil, ErrAuth
		}
		payload = append(scratch[:0], body[:len(body)-MACSize]...)
	}
	if h.Domain != domain {
		return h, nil, fmt.Errorf("%w: %d", ErrDomain, h.Domain)
	}
	if h.Sender == 0 || h.Session == 0 || h.Seq == 0 {
		return h, nil, fmt.Errorf("%w: zero sender, session or sequence", ErrMalformed)
	}
	return h, payload, nil
}
