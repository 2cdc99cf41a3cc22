package wire

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/binary"
	"time"
)

// ReplayWindow remembers which of the last WindowSize sequence numbers of
// one session were seen. It rejects duplicates and datagrams older than the
// window. The zero value is ready to use. Not safe for concurrent use.
type ReplayWindow struct {
	top    uint64 // highest sequence accepted
	bitmap uint64 // bit k set: top-k was accepted
}

// WindowSize is how far behind the newest sequence a datagram may arrive
// (reordered) and still be accepted once.
const WindowSize = 64

// Start makes seq the newest sequence number and every older one seen.
func (w *ReplayWindow) Start(seq uint64) { w.top, w.bitmap = seq, ^uint64(0) }

// Accept reports whether seq is new, and records it.
func (w *ReplayWindow) Accept(seq uint64) bool {
	switch {
	case seq == 0:
		return false
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

// Replay protection that never locks a node out.
//
// Every gohad process draws a random 64-bit session id when it starts and
// numbers its datagrams from 1 within it; the session is not stored, so a
// node restarted with its disk, with a new one or with a wiped one is a new
// session all the same. A receiver accepts data datagrams of a peer only
// from the one session it has verified for that peer, through a
// ReplayWindow. A datagram of any other session may be the peer's new
// process or a replay of an old one, which nothing in the datagram can
// tell apart (both are authentic), so it is dropped and the receiver
// challenges the session: a KindChallenge naming the session and a random
// nonce, sent to the peer's configured address. Only the process that owns
// the session answers, from within it, with the nonce (KindResponse); the
// receiver then verifies that session, in place of the old one. A replayed
// datagram of a dead session gets a challenge nobody answers. A nonce is
// used once: a verified challenge is forgotten, and a later challenge of
// the same session draws a new nonce, so a replayed response matches
// nothing. A captured datagram of the verified session is stopped by the
// window. So a replay is never accepted, and a new process is verified one
// round trip after its first datagram arrives, whatever its incarnation or
// sequence numbers: a wiped node rejoins within the normal join time.
//
// A receiver that restarts verifies every peer again (one round trip).
// Challenges cost the receiver one datagram per datagram of an unverified
// session, at most one per ChallengeInterval per (peer, session), for at
// most challengedSessions sessions per peer at once, and they go only to
// the configured address of the node the datagram claims to come from. An
// attacker who replays datagrams of more than challengedSessions past
// sessions of one node in a tight loop can delay that node's verification;
// it cannot make a replay count.
const (
	// ChallengeNonceSize is the length of a challenge nonce.
	ChallengeNonceSize = 16
	// ChallengeInterval is the least time between two challenges of one
	// session of one peer (the same nonce is sent again).
	ChallengeInterval = 10 * time.Millisecond
	// ChallengeLifetime is how long a nonce may be answered.
	ChallengeLifetime = 2 * time.Second
	// challengedSessions bounds the sessions of one peer being challenged
	// at once.
	challengedSessions = 4
)

// Verdict is what PeerSessions.Check says of a data datagram.
type Verdict uint8

// Verdicts.
const (
	// Fresh: the verified session, a sequence number not seen before.
	Fresh Verdict = iota
	// Replayed: the verified session, a sequence number seen before or
	// older than the window.
	Replayed
	// Unverified: another session; challenge it (Challenge).
	Unverified
)

// PeerSessions is a receiver's replay protection: the verified session of
// each peer with its window, and the challenges in flight. Times are any
// monotonic clock in nanoseconds. Not safe for concurrent use.
type PeerSessions struct {
	peers map[uint32]*peerSession
}

type peerSession struct {
	session uint64 // 0: none verified yet
	window  ReplayWindow
	asked   [challengedSessions]challenge
	// answered is when we last answered a challenge of this peer (if
	// didAnswer).
	answered  int64
	didAnswer bool
}

// challenge is one session of a peer being challenged.
type challenge struct {
	session       uint64 // 0: free
	created, sent int64
	nonce         [ChallengeNonceSize]byte
}

// NewPeerSessions returns an empty PeerSessions.
func NewPeerSessions() *PeerSessions {
	return &PeerSessions{peers: map[uint32]*peerSession{}}
}

// NewSessionID draws a process's session id (never 0).
func NewSessionID() uint64 {
	var b [8]byte
	for {
		rand.Read(b[:]) // never fails: crypto/rand panics rather than return short
		if s := binary.BigEndian.Uint64(b[:]); s != 0 {
			return s
		}
	}
}

func (s *PeerSessions) peer(id uint32) *peerSession {
	p := s.peers[id]
	if p == nil {
		p = new(peerSession)
		s.peers[id] = p
	}
	return p
}

// Check judges a data datagram of sender's session with sequence number
// seq, and records it when Fresh.
func (s *PeerSessions) Check(sender uint32, session, seq uint64) Verdict {
	p := s.peer(sender)
	switch {
	case p.session != session:
		return Unverified
	case p.window.Accept(seq):
		return Fresh
	}
	return Replayed
}

// Verified returns the verified session of sender (0: none).
func (s *PeerSessions) Verified(sender uint32) uint64 { return s.peer(sender).session }

// Challenge returns the payload of a KindChallenge for sender's session
// (the session, then the nonce), or false when that session was challenged
// less than ChallengeInterval ago, or every slot holds a session
// challenged that recently.
func (s *PeerSessions) Challenge(sender uint32, session uint64, now int64) ([]byte, bool) {
	p := s.peer(sender)
	c := p.slot(session, now)
	if c == nil {
		return nil, false
	}
	if c.session != session || now-c.created >= int64(ChallengeLifetime) {
		*c = challenge{session: session, created: now}
		rand.Read(c.nonce[:])
	} else if now-c.sent < int64(ChallengeInterval) {
		return nil, false
	}
	c.sent = now
	out := binary.BigEndian.AppendUint64(make([]byte, 0, 8+ChallengeNonceSize), session)
	return append(out, c.nonce[:]...), true
}

// slot returns the challenge of session, else a free or reusable one (nil
// when all are in use and recent).
func (p *peerSession) slot(session uint64, now int64) *challenge {
	var free *challenge
	for i := range p.asked {
		c := &p.asked[i]
		switch {
		case c.session == session:
			return c
		case free == nil && (c.session == 0 || now-c.sent >= int64(ChallengeInterval)):
			free = c
		}
	}
	return free
}

// Answer reports whether to answer a challenge (payload) from sender: it
// must name our session, and we answer each peer at most once per
// ChallengeInterval. It returns the response payload (the nonce).
func (s *PeerSessions) Answer(sender uint32, mySession uint64, payload []byte, now int64) ([]byte, bool) {
	if len(payload) != 8+ChallengeNonceSize || binary.BigEndian.Uint64(payload) != mySession {
		return nil, false
	}
	p := s.peer(sender)
	if p.didAnswer && now-p.answered < int64(ChallengeInterval) {
		return nil, false
	}
	p.answered, p.didAnswer = now, true
	return payload[8:], true
}

// Verify takes a KindResponse of sender's session with sequence number seq:
// if it carries the nonce of a challenge of that session made within
// ChallengeLifetime, the session becomes sender's verified session, with
// seq its newest sequence number (nothing it sent before counts), and the
// challenge is forgotten. It reports
// whether the response was fresh.
func (s *PeerSessions) Verify(sender uint32, session, seq uint64, payload []byte, now int64) bool {
	p := s.peer(sender)
	if p.session == session {
		return p.window.Accept(seq) // a late duplicate answer: nothing to change
	}
	for i := range p.asked {
		c := &p.asked[i]
		if c.session == session && now-c.created < int64(ChallengeLifetime) && hmac.Equal(payload, c.nonce[:]) {
			*p = peerSession{session: session, answered: p.answered, didAnswer: p.didAnswer}
			p.window.Start(seq) // what the session sent before counts for nothing
			return true
		}
	}
	return false
}
