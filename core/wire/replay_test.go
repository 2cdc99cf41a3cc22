package wire

import (
	"bytes"
	"testing"
	"time"
)

const ms = int64(time.Millisecond)

// verify runs a challenge round between receiver s and the process of
// sender's session at time now: s challenges, the owner answers with its
// next sequence number, s verifies. It reports whether s verified it.
func verify(t *testing.T, s *PeerSessions, owner *PeerSessions, sender uint32, session, seq uint64, now int64) bool {
	t.Helper()
	ch, ok := s.Challenge(sender, session, now)
	if !ok {
		t.Fatalf("no challenge for session %x at %d", session, now)
	}
	resp, ok := owner.Answer(1, session, ch, now)
	if !ok {
		return false
	}
	return s.Verify(sender, session, seq, resp, now+ms)
}

// A node whose process restarted (with a wiped disk: sequence numbers from
// 1 again) is verified after one challenge round, and its old session is
// not accepted any more.
func TestSessionsNewProcessIsVerified(t *testing.T) {
	s, owner := NewPeerSessions(), NewPeerSessions()
	if v := s.Check(2, 0xa, 1); v != Unverified {
		t.Fatalf("first datagram: %v", v)
	}
	if !verify(t, s, owner, 2, 0xa, 2, 0) {
		t.Fatal("session a not verified")
	}
	for seq := uint64(3); seq < 10000; seq++ {
		if v := s.Check(2, 0xa, seq); v != Fresh {
			t.Fatalf("seq %d: %v", seq, v)
		}
	}
	// The restart: session b, sequence numbers from 1.
	if v := s.Check(2, 0xb, 1); v != Unverified {
		t.Fatalf("new session: %v", v)
	}
	if !verify(t, s, owner, 2, 0xb, 2, 10*ms) {
		t.Fatal("session b not verified")
	}
	if v := s.Check(2, 0xb, 3); v != Fresh {
		t.Fatalf("session b seq 3: %v", v)
	}
	if v := s.Check(2, 0xa, 10000); v != Unverified || s.Verified(2) != 0xb {
		t.Fatalf("old session after the restart: %v, verified %x", v, s.Verified(2))
	}
}

// Captured datagrams cannot be replayed: data of the verified session (the
// window), data of a dead session (its challenge goes unanswered), and
// responses (a nonce is used once; a new challenge draws a new one).
func TestSessionsReplaysRejected(t *testing.T) {
	s, owner := NewPeerSessions(), NewPeerSessions()
	s.Check(2, 0xa, 1)
	ch, _ := s.Challenge(2, 0xa, 0)
	respA, _ := owner.Answer(1, 0xa, ch, 0)
	if !s.Verify(2, 0xa, 2, respA, ms) {
		t.Fatal("not verified")
	}
	if s.Check(2, 0xa, 3) != Fresh || s.Check(2, 0xa, 3) != Replayed || s.Check(2, 0xa, 2) != Replayed {
		t.Fatal("window")
	}
	// The node restarts as session b and is verified.
	s.Check(2, 0xb, 1)
	if !verify(t, s, owner, 2, 0xb, 2, 20*ms) {
		t.Fatal("b not verified")
	}
	// Replays of session a: its data is unverified, and its owner is gone
	// (the live process, session b, does not answer a challenge of a).
	if s.Check(2, 0xa, 50) != Unverified {
		t.Fatal("old data accepted")
	}
	ch, ok := s.Challenge(2, 0xa, 40*ms)
	if !ok {
		t.Fatal("no challenge of the old session")
	}
	if _, ok := owner.Answer(1, 0xb, ch, 40*ms); ok {
		t.Fatal("session b answered a challenge of session a")
	}
	// The captured response of a, replayed after the new challenge of a:
	// its nonce is not the new one.
	if s.Verify(2, 0xa, 3, respA, 41*ms) || s.Verified(2) != 0xb {
		t.Fatal("replayed response verified the old session")
	}
	// A response for a challenge older than ChallengeLifetime is refused.
	s.Check(2, 0xc, 1)
	ch, _ = s.Challenge(2, 0xc, 100*ms)
	resp, _ := owner.Answer(1, 0xc, ch, 100*ms)
	if s.Verify(2, 0xc, 2, resp, 100*ms+int64(ChallengeLifetime)) {
		t.Fatal("stale response accepted")
	}
}

// Challenges are rate-limited per session, resend the same nonce within
// their lifetime, and a few sessions can be challenged at once.
func TestSessionsChallengeLimits(t *testing.T) {
	s := NewPeerSessions()
	a1, ok1 := s.Challenge(2, 0xa, 0)
	_, ok2 := s.Challenge(2, 0xa, 5*ms)
	a3, ok3 := s.Challenge(2, 0xa, 11*ms)
	if !ok1 || ok2 || !ok3 || !bytes.Equal(a1, a3) {
		t.Fatalf("rate limit: %t %t %t, same nonce %t", ok1, ok2, ok3, bytes.Equal(a1, a3))
	}
	for i := range challengedSessions - 1 {
		if _, ok := s.Challenge(2, uint64(0xb+i), 12*ms); !ok {
			t.Fatalf("session %d not challenged", i)
		}
	}
	if _, ok := s.Challenge(2, 0xff, 12*ms); ok {
		t.Fatal("more sessions challenged at once than challengedSessions")
	}
	if _, ok := s.Challenge(2, 0xff, 30*ms); !ok {
		t.Fatal("a slot did not free up")
	}
	// Answers: only to challenges of our session, once per interval.
	o := NewPeerSessions()
	if _, ok := o.Answer(1, 0xa, a1, 0); !ok {
		t.Fatal("no answer")
	}
	if _, ok := o.Answer(1, 0xa, a1, ms); ok {
		t.Fatal("answered twice within ChallengeInterval")
	}
	if _, ok := o.Answer(1, 0xb, a1, 20*ms); ok {
		t.Fatal("answered a challenge of another session")
	}
}
