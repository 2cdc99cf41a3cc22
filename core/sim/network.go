package sim

import (
	"container/heap"
	"math/rand/v2"
)

// Time is virtual true time, in units of 1/TickUnits of a nominal tick.
type Time int64

// TickUnits is the number of Time units in one nominal tick.
const TickUnits Time = 1000

// PacketOptions are the per-packet fault probabilities of a Network, in the
// style of TigerBeetle's PacketSimulator. Every packet is independently
// lost, duplicated and delayed; random delays reorder packets.
type PacketOptions struct {
	// LossProb: a packet is dropped.
	LossProb float64
	// DupProb: a packet is delivered twice (each copy with its own delay).
	DupProb float64
	// MinDelay and MaxDelay bound the delivery delay of a packet.
	MinDelay, MaxDelay Time
}

// Packet is one message in flight.
type Packet[M any] struct {
	From, To uint32
	Msg      M
	// At is the delivery time; seq breaks ties in send order.
	At  Time
	seq uint64
}

type packetHeap[M any] []Packet[M]

func (h packetHeap[M]) Len() int { return len(h) }
func (h packetHeap[M]) Less(i, j int) bool {
	if h[i].At != h[j].At {
		return h[i].At < h[j].At
	}
	return h[i].seq < h[j].seq
}
func (h packetHeap[M]) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *packetHeap[M]) Push(x any)   { *h = append(*h, x.(Packet[M])) }
func (h *packetHeap[M]) Pop() any {
	old := *h
	p := old[len(old)-1]
	*h = old[:len(old)-1]
	return p
}

// Network is a deterministic virtual network for any payload type M: the
// membership simulator uses membership.Message, an HA simulator can use its
// own messages. Links are directed: Cut(a, b) stops a's packets to b only,
// which is how one-way partitions are made. A link is checked when a packet
// is sent; packets already in flight still arrive.
type Network[M any] struct {
	rng   *rand.Rand
	Opts  PacketOptions
	queue packetHeap[M]
	cut   map[[2]uint32]bool
	seq   uint64
	// Sent, Dropped and Delivered count packets (Dropped includes cuts).
	Sent, Dropped, Delivered uint64
}

// NewNetwork returns an empty network drawing its randomness from rng.
func NewNetwork[M any](rng *rand.Rand, opts PacketOptions) *Network[M] {
	return &Network[M]{rng: rng, Opts: opts, cut: make(map[[2]uint32]bool)}
}

// Send puts m in flight from -> to at time now, subject to cuts and faults.
func (n *Network[M]) Send(now Time, from, to uint32, m M) {
	n.Sent++
	if n.cut[[2]uint32{from, to}] || (n.Opts.LossProb > 0 && n.rng.Float64() < n.Opts.LossProb) {
		n.Dropped++
		return
	}
	copies := 1
	if n.Opts.DupProb > 0 && n.rng.Float64() < n.Opts.DupProb {
		copies = 2
	}
	for range copies {
		d := n.Opts.MinDelay
		if n.Opts.MaxDelay > n.Opts.MinDelay {
			d += Time(n.rng.Int64N(int64(n.Opts.MaxDelay - n.Opts.MinDelay + 1)))
		}
		n.seq++
		heap.Push(&n.queue, Packet[M]{From: from, To: to, Msg: m, At: now + d, seq: n.seq})
	}
}

// Next returns the time of the earliest packet in flight.
func (n *Network[M]) Next() (Time, bool) {
	if len(n.queue) == 0 {
		return 0, false
	}
	return n.queue[0].At, true
}

// Pop removes and returns the earliest packet due at or before now.
func (n *Network[M]) Pop(now Time) (Packet[M], bool) {
	if len(n.queue) == 0 || n.queue[0].At > now {
		return Packet[M]{}, false
	}
	n.Delivered++
	return heap.Pop(&n.queue).(Packet[M]), true
}

// InFlight is the number of packets in flight.
func (n *Network[M]) InFlight() int { return len(n.queue) }

// Cut stops packets from -> to (one way).
func (n *Network[M]) Cut(from, to uint32) { n.cut[[2]uint32{from, to}] = true }

// Connect restores the link from -> to.
func (n *Network[M]) Connect(from, to uint32) { delete(n.cut, [2]uint32{from, to}) }

// IsCut reports whether from -> to is cut.
func (n *Network[M]) IsCut(from, to uint32) bool { return n.cut[[2]uint32{from, to}] }

// HealAll restores every link.
func (n *Network[M]) HealAll() { clear(n.cut) }

// Partition cuts every link between nodes of different groups (both ways)
// and connects nodes of the same group.
func (n *Network[M]) Partition(groups [][]uint32) {
	n.HealAll()
	for i, g := range groups {
		for j, h := range groups {
			if i == j {
				continue
			}
			for _, a := range g {
				for _, b := range h {
					n.Cut(a, b)
				}
			}
		}
	}
}

// Clock is a node's drifting tick clock against true time: it ticks every
// Period units (TickUnits*(1±drift)).
type Clock struct {
	Period Time
	// NextAt is the true time of the next tick.
	NextAt Time
}

// NewClock returns a clock whose rate differs from nominal by at most
// maxPPM parts per million, chosen from rng, with its first tick at start
// plus a random phase.
func NewClock(rng *rand.Rand, maxPPM int, start Time) Clock {
	ppm := 0
	if maxPPM > 0 {
		ppm = rng.IntN(2*maxPPM+1) - maxPPM
	}
	period := TickUnits + Time(int64(TickUnits)*int64(ppm)/1_000_000)
	if period < 1 {
		period = 1
	}
	return Clock{Period: period, NextAt: start + 1 + Time(rng.Int64N(int64(period)))}
}
