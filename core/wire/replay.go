package wire

// ReplayWindow remembers, for one sender, its newest incarnation and which
// of the last 64 sequence numbers of that incarnation were seen. It rejects
// duplicates, datagrams older than the window and datagrams of an older
// incarnation. The zero value is ready to use. Not safe for concurrent use.
//
// A receiver that restarts forgets its windows; a datagram captured from the
// sender's current incarnation could then be replayed once. That is harmless
// for membership: heartbeats are idempotent and carry the sender's ring
// state, which the membership state machine orders by ring sequence.
type ReplayWindow struct {
	inc    uint64
	top    uint64 // highest sequence accepted in inc
	bitmap uint64 // bit k set: top-k was accepted
}

// WindowSize is how far behind the newest sequence a datagram may arrive
// (reordered) and still be accepted once.
const WindowSize = 64

// Accept reports whether the datagram (inc, seq) is new, and records it.
func (w *ReplayWindow) Accept(inc, seq uint64) bool {
	switch {
	case seq == 0 || inc < w.inc:
		return false
	case inc > w.inc:
		w.inc, w.top, w.bitmap = inc, seq, 1
		return true
	case seq > w.top:
		shift := seq - w.top
		if shift >= WindowSize {
			w.bitmap = 1
		} else {
			w.bitmap = w.bitmap<<shift | 1
		}
		w.top = seq
		return true
	default:
		back := w.top - seq
		if back >= WindowSize || w.bitmap&(1<<back) != 0 {
			return false
		}
		w.bitmap |= 1 << back
		return true
	}
}

// Incarnation returns the newest incarnation seen (0 if none).
func (w *ReplayWindow) Incarnation() uint64 { return w.inc }
