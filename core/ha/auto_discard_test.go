package ha

import (
	"bytes"
	"math/rand"
	"testing"
)

// TestCopyReportsDiscardedCommits: a secondary of an older epoch that went
// past the point where the primary's epoch began installs the primary's
// copy, and the ApplySnapshot names the local commits the copy discards
// (for the store's change feed), as Status.Discarded does; one that is
// merely behind discards nothing.
func TestCopyReportsDiscardedCommits(t *testing.T) {
	for _, tc := range []struct {
		name string
		txid uint64
		want [2]uint64
	}{
		{"diverged", 5, [2]uint64{4, 5}}, // epoch 2 began at txid 3
		{"behind", 2, [2]uint64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mk := func(name string, seed int64, epoch, txid uint64, hist []uint64) *Node {
				n, err := New(Config{Name: name, Key: ClusterKey([]byte("cluster-authkey-0123456789"), "c"),
					SchemaID: "x", Entropy: rand.New(rand.NewSource(seed)), Auto: true,
					Epoch: epoch, History: hist, Txid: txid, Digest: bytes.Repeat([]byte{byte(seed)}, 32)})
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			p := mk("p", 1, 2, 4, []uint64{1, 0, 2, 3})
			s := mk("s", 2, 1, tc.txid, []uint64{1, 0})
			if err := p.BePrimary(); err != nil {
				t.Fatal(err)
			}
			p.Step(Message{Type: MsgAccepted, Conn: 1, Addr: "s:1"})
			if _, err := s.BeSecondary("p", "p:1", true); err != nil {
				t.Fatal(err)
			}
			var sConn uint64
			for _, d := range take(s).Dials {
				sConn = d.Conn
			}
			s.Step(Message{Type: MsgConnected, Conn: sConn})
			take(p)
			var snaps []Apply
			for range 20 {
				moved := false
				for _, side := range []struct {
					from, to *Node
					toConn   uint64
				}{{s, p, 1}, {p, s, sConn}} {
					rd := take(side.from)
					for _, a := range rd.Apply {
						if a.Kind == ApplySnapshot {
							snaps = append(snaps, a)
						}
					}
					for _, m := range rd.Messages {
						moved = true
						m.Conn = side.toConn
						side.to.Step(m)
					}
				}
				if !moved {
					break
				}
			}
			if len(snaps) != 1 || snaps[0].Txid != 4 || snaps[0].Discarded != tc.want {
				t.Fatalf("snapshot applies %+v, want one at txid 4 discarding %v", snaps, tc.want)
			}
			if st := s.Status(); st.Discarded != tc.want || st.Epoch != 2 {
				t.Fatalf("status: epoch %d discarded %v", st.Epoch, st.Discarded)
			}
		})
	}
}
