package sim

import (
	"github.com/goha/goha/core/membership"
	"github.com/goha/goha/core/wire"
)

// datagram is what the simulated network carries, as the daemon's
// transport sends it: a membership message (wire.KindData), or a
// challenge or response of the datagram layer, with the sending process's
// session and sequence number. A receiving node runs wire.PeerSessions on
// it as the daemon's reader does: only datagrams of a session it verified
// by a challenge round reach the state machine, duplicates and replays do
// not, and a restarted node (a new session, from its disk or from nothing)
// is verified one round trip after its first datagram arrives.
type datagram struct {
	kind         uint8
	session, seq uint64
	msg          membership.Message
	payload      []byte
}

// nsPerUnit maps simulated time to the nanoseconds PeerSessions counts
// in: a nominal tick is 10 ms (the daemon's tick at 100 ms heartbeats).
const nsPerUnit = int64(10_000_000) / int64(TickUnits)

// startSession gives sn's new process a session and fresh receive state.
func (c *Cluster) startSession(sn *simNode) {
	sn.session = c.rng.Uint64() | 1
	sn.seq = 0
	sn.sessions = wire.NewPeerSessions()
	sn.sock = nil
}

// sendDatagram puts a datagram of sn's session in flight to node to.
func (c *Cluster) sendDatagram(sn *simNode, to uint32, d datagram) {
	sn.seq++
	d.session, d.seq = sn.session, sn.seq
	c.Net.Send(c.Now, uint32(sn.id), to, d)
}

// read handles one datagram on sn's reader: it reports whether a message
// was queued for the state machine.
func (c *Cluster) read(sn *simNode, p Packet[datagram]) bool {
	d := p.Msg
	now := int64(c.Now) * nsPerUnit
	switch d.kind {
	case wire.KindChallenge:
		if resp, ok := sn.sessions.Answer(p.From, sn.session, d.payload, now); ok {
			c.sendDatagram(sn, p.From, datagram{kind: wire.KindResponse, payload: resp})
		}
		return false
	case wire.KindResponse:
		sn.sessions.Verify(p.From, d.session, d.seq, d.payload, now)
		return false
	}
	switch sn.sessions.Check(p.From, d.session, d.seq) {
	case wire.Replayed:
		c.Replays++
		return false
	case wire.Unverified:
		if ch, ok := sn.sessions.Challenge(p.From, d.session, now); ok {
			c.sendDatagram(sn, p.From, datagram{kind: wire.KindChallenge, payload: ch})
		}
		return false
	}
	if lim := c.Opts.CPU.Inbox; lim > 0 && len(sn.inbox) >= lim {
		c.InboxDrops++
		return false
	}
	at := sn.due
	if !c.running(sn) {
		at = stampAtRun
	}
	sn.inbox = append(sn.inbox, membership.Inbound{Msg: d.msg, At: at})
	return true
}
