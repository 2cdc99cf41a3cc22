// Package wire defines every byte that goha puts on a socket: the
// authenticated datagrams that gohad nodes exchange for membership, and the
// framed control protocol between gohad and its local clients (libgoha,
// gohactl, the Python package).
//
// # Peer datagrams
//
// One UDP datagram carries one membership message (or a challenge or
// response, below), PeerCodec seals and opens it:
//
//	"gh" | version 2 | kind<<4 | cipher | domain id (4) | sender (4) |
//	session (8) | seq (8) | payload | MAC (32) or tag (16)
//
// The header is fixed (PeerHeaderSize bytes, big endian). The payload is a
// membership message, encoded by AppendMember and decoded by DecodeMember
// (member.go), which hold the message's field list and the upgrade rule
// (fields a later version appends are ignored). With crypto_cipher "none"
// the MAC is HMAC-SHA256 over everything before it, keyed with
// PeerKey(authkey, cluster) so that two clusters sharing an authkey cannot
// talk to each other; with "aes256-gcm" the payload is encrypted and the
// header authenticated with AES-256-GCM under a key per sender session
// derived from the authkey and cluster name, the sequence number being the
// nonce (see PeerCodec for why a nonce never repeats under a key). The MAC
// or tag is checked, in constant time, before the payload is parsed, so a
// node without the key cannot make a receiver run the decoder at all.
// Sealing and opening allocate nothing in steady state (BenchmarkPeer).
//
// The session is a random number each gohad process draws at start; the
// sequence number counts the process's datagrams from 1. PeerSessions
// (replay.go) accepts a peer's data only from the session it verified by
// a challenge round, through a 64-entry sliding window (as IPsec's): a
// replay is never accepted, and a node restarted with a wiped disk is
// verified one round trip after it starts sending (replay.go says why
// both hold). Version 1 (before this one) carried the persisted
// incarnation instead, which locked a wiped node out until its new
// sequence numbers passed the old ones.
//
// # Control streams
//
// A control connection (unix socket or loopback TCP) carries frames:
//
//	length (4 bytes, big endian) | msgpack Msg
//
// ReadFrame checks the length against a hard limit before it allocates, so
// a peer that announces a 4 GiB frame costs nothing. The first frame in each
// direction is a Hello carrying ProtocolVersion; the server refuses other
// versions with CodeVersion and closes. After that the client sends Requests
// (Msg.ID chosen by the client, Msg.Op names the operation, Msg.Body holds
// the operation's argument struct) and the server answers each with a Reply
// carrying the same ID, a Code and the result in Body. Replies may arrive in
// any order relative to Events; Events carry a per-connection sequence number
// that starts at 1 and grows by exactly one, so a client knows it missed
// nothing. The server never drops an event silently: a client whose backlog
// overflows is disconnected instead.
//
// New operations and event kinds are added as new Op strings and body
// structs; unknown ops are answered with CodeUnknownOp, which keeps older
// daemons and newer clients interoperable within one ProtocolVersion.
//
// # HA frames
//
// HA replication (core/ha/hanet) uses its own frames on its TCP
// connections:
//
//	length (4 bytes, big endian) | kind (1 byte) | body [| tag (16 bytes)]
//
// Kind 'M' is a plain msgpack ha.Message, allowed only during the
// handshake and at most HAMaxHandshakeFrame (4 KiB) long; 'S' is a sealed
// message, 'D' a sealed piece of a full copy (at most HADataChunk) and 'E'
// the sealed end of a copy. A sealed frame's tag is AES-256-GCM's tag over
// an empty plaintext with the body as additional data (GMAC), under the
// direction's session key (core/ha derives it in the handshake) and a
// nonce made of the kind and a per-direction frame counter. Both ends
// count, so an altered, injected, replayed, dropped or reordered frame
// fails its tag (HASeal). GMAC is the fastest MAC in the standard library
// (about 8 GB/s here with AES-NI and carry-less multiplication, against
// 1.8 GB/s for HMAC-SHA256), which keeps authenticating every byte of a
// full copy a small part of its cost. HAReader refuses a frame above the
// limit from its header alone, reads nothing ahead before the first
// sealed frame, and verifies a full copy's data frames before returning
// any of their bytes (HACopyReader). HAWriter writes a copy's pieces with
// one gathered write, headers and tags between them.
//
// # Decoding untrusted msgpack
//
// msgpack/v5 pre-allocates slices of the length a message claims. Every
// decoder in this package therefore first runs CheckMsgpack, which walks the
// encoding and rejects any array, map, string or binary whose claimed length
// exceeds the bytes that remain, and any nesting deeper than MaxDepth.
// Decoding a frame of n bytes thus allocates O(n).
package wire
