package ha_test

import (
	"bytes"
	"math/rand"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/wire"
)

// FuzzStep feeds arbitrary peer messages to a primary (on an accepted
// connection) and to a secondary (on its upstream): the node must never
// panic, and never step outside its role.
func FuzzStep(f *testing.F) {
	seed, _ := msgpack.Marshal([]ha.Message{
		{Type: ha.MsgHello, Seq: 1, Vsn: 1, From: "s", To: "p", Nonce: bytes.Repeat([]byte{1}, 16)},
		{Type: ha.MsgAuth, Seq: 2, MAC: []byte{1}},
		{Type: ha.MsgCommit, Seq: 1, Txid: 1, Data: []byte{1}},
	})
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		var msgs []ha.Message
		if wire.CheckMsgpack(b) != nil || msgpack.Unmarshal(b, &msgs) != nil { // as hanet decodes
			return
		}
		mk := func(name string) *ha.Node {
			n, err := ha.New(ha.Config{Name: name, Key: ha.ClusterKey([]byte("fuzz-authkey-0123"), "f"), Token: []byte("t"), Entropy: rand.New(rand.NewSource(1))})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		p := mk("p")
		p.BePrimary()
		p.Step(ha.Message{Type: ha.MsgAccepted, Conn: 1, Addr: "x"})
		s := mk("s")
		s.BeSecondary("p", "p:1", false)
		up := take(s).Dials[0].Conn
		s.Step(ha.Message{Type: ha.MsgConnected, Conn: up})
		for _, m := range msgs {
			if m.Type.IsLocal() {
				continue // the runtime never lets a peer send these
			}
			m.Conn = 1
			p.Step(m)
			take(p)
			m.Conn = up
			s.Step(m)
			take(s)
		}
		if p.Role() != ha.RolePrimary {
			t.Fatalf("peer messages changed the primary's role to %v", p.Role())
		}
		if r := s.Role(); r != ha.RoleSecondary && r != ha.RoleNone {
			t.Fatalf("peer messages made the secondary %v", r)
		}
	})
}

// take returns n's Ready and advances past it (the test carries it out).
func take(n *ha.Node) ha.Ready {
	rd := n.Ready()
	n.Advance(rd)
	return rd
}
