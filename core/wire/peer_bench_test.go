package wire

import (
	"fmt"
	"testing"

	"github.com/goha/goha/core/membership"
)

// BenchmarkPeer measures the per-datagram cost of a 64-node heartbeat on
// each side: encoding the message and sealing the datagram, and opening
// it, checking its freshness and decoding the message, for each
// crypto_cipher. make bench prints it.
func BenchmarkPeer(b *testing.B) {
	hb := membership.Message{Type: membership.MsgHeartbeat, From: 12, To: 64, Incarnation: 3,
		Ring: membership.RingID{Rep: 1, Seq: 300}, Now: 1 << 30, Echo: 1<<30 - 4, Hears: []uint64{^uint64(0)},
		View: []uint64{^uint64(0)}, Votes: 1, Expected: 64, QFlags: 1, Flags: 0x1b}
	for _, c := range []Cipher{CipherNone, CipherAES256GCM} {
		send, _ := NewPeerCodec([]byte("a cluster key of 32 bytes length"), "bench", c)
		recv, _ := NewPeerCodec([]byte("a cluster key of 32 bytes length"), "bench", c)
		var msg, dgram, payload []byte
		b.Run(fmt.Sprintf("send/%s", c), func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				msg = AppendMember(msg[:0], &hb)
				dgram, _ = send.Seal(dgram[:0], PeerHeader{Domain: 1, Sender: 12, Session: 7, Seq: uint64(i + 1)}, msg)
			}
			b.ReportMetric(float64(len(dgram)), "bytes")
		})
		sessions := NewPeerSessions()
		sessions.peer(12).session = 7
		var m membership.Message
		var seq uint64 // across the runs of the sub-benchmark: each datagram is new
		b.Run(fmt.Sprintf("receive/%s", c), func(b *testing.B) {
			b.ReportAllocs()
			msg = AppendMember(msg[:0], &hb)
			b.StopTimer()
			for range b.N {
				seq++
				dgram, _ = send.Seal(dgram[:0], PeerHeader{Domain: 1, Sender: 12, Session: 7, Seq: seq}, msg)
				b.StartTimer()
				h, p, err := recv.Open(dgram, 1, payload)
				if err != nil || sessions.Check(h.Sender, h.Session, h.Seq) != Fresh || DecodeMember(p, &m) != nil {
					b.Fatal("datagram refused", err)
				}
				payload = p[:0]
				b.StopTimer()
			}
		})
	}
}
