package ha

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"math/rand"
	"testing"
)

// handshake runs the handshake of secondary "s" with primary "p" of
// cluster "c" directly between two Nodes and returns every message that
// crossed the network, in order (what an eavesdropper captures, or what
// either end learns), and the session keys both sides installed. The
// entropy is seeded, so two runs differ only by the secrets.
func handshake(t *testing.T, authkey, tokenS, tokenP string) (msgs []Message, keys map[string][]ConnKeys) {
	t.Helper()
	mk := func(name, token string, seed int64) *Node {
		n, err := New(Config{Name: name, Key: ClusterKey([]byte(authkey), "c"), Token: []byte(token),
			SchemaID: "x", Entropy: rand.New(rand.NewSource(seed))})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	p, s := mk("p", tokenP, 1), mk("s", tokenS, 2)
	keys = map[string][]ConnKeys{}
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
	for range 20 {
		moved := false
		for _, side := range []struct {
			name     string
			from, to *Node
			toConn   uint64
		}{{"s", s, p, 1}, {"p", p, s, sConn}} {
			rd := take(side.from)
			keys[side.name] = append(keys[side.name], rd.Keys...)
			for _, m := range rd.Messages {
				moved = true
				msgs = append(msgs, m)
				m.Conn = side.toConn
				side.to.Step(m)
			}
		}
		if !moved {
			return msgs, keys
		}
	}
	t.Fatal("handshake did not settle")
	return nil, nil
}

// TestTranscriptGivesNoTokenOracle: a captured handshake (or what a
// listener or a dialer without the authkey learns from one) gives nothing
// to test token guesses against: every value in it that depends on the
// token depends on the cluster key as well, and the check that worked
// against protocol version 2 (HMAC keyed by the token alone) finds no
// match even for the right token. Only with the authkey does the
// transcript confirm a token.
func TestTranscriptGivesNoTokenOracle(t *testing.T) {
	const authkey, other = "cluster-authkey-0123456789", "another-authkey-0123456789"
	const token = "dictionary-word"
	base, baseKeys := handshake(t, authkey, token, token)
	otherToken, otherTokenKeys := handshake(t, authkey, "another-token", "another-token")
	otherKey, otherKeyKeys := handshake(t, other, token, token)

	types := ""
	for _, m := range base {
		types += m.Type.String() + " "
	}
	if types != "hello challenge auth sync-skip " {
		t.Fatalf("transcript: %s", types)
	}
	if len(otherToken) != len(base) || len(otherKey) != len(base) {
		t.Fatal("transcripts of different shapes")
	}
	// Field by field: what differs with the token must differ with the
	// authkey too; the rest (versions, names, nonces, txids) is the same
	// whatever the secrets.
	for i := range base {
		b, tk, ak := base[i], otherToken[i], otherKey[i]
		for _, f := range []struct {
			name          string
			b, tok, akVal []byte
		}{
			{"mac", b.MAC, tk.MAC, ak.MAC},
			{"nonce", b.Nonce, tk.Nonce, ak.Nonce},
			{"digest", b.Digest, tk.Digest, ak.Digest},
			{"names", []byte(b.From + "/" + b.To), []byte(tk.From + "/" + tk.To), []byte(ak.From + "/" + ak.To)},
		} {
			byToken, byKey := !bytes.Equal(f.b, f.tok), !bytes.Equal(f.b, f.akVal)
			if byToken && !byKey {
				t.Errorf("%v.%s depends on the token but not on the authkey", b.Type, f.name)
			}
			if f.name == "mac" && len(f.b) > 0 && !byToken {
				t.Errorf("%v.%s does not depend on the token", b.Type, f.name)
			}
			if f.name != "mac" && (byToken || byKey) {
				t.Errorf("%v.%s depends on a secret", b.Type, f.name)
			}
		}
	}
	// The session keys (which seal every later frame) depend on both.
	for side := range baseKeys {
		for i, k := range baseKeys[side] {
			for _, o := range [][]ConnKeys{otherTokenKeys[side], otherKeyKeys[side]} {
				if bytes.Equal(k.Send, o[i].Send) && k.Send != nil || bytes.Equal(k.Recv, o[i].Recv) && k.Recv != nil {
					t.Errorf("%s's session keys do not depend on both secrets", side)
				}
			}
		}
	}
	hello, challenge := base[0], base[1]
	// The version 2 check: HMAC-SHA256 keyed by the token over the same
	// input. It no longer confirms the right token.
	v2 := hmac.New(sha256.New, []byte(token))
	v2.Write(lp(nil, []byte("P"), hello.Nonce, challenge.Nonce, []byte("s"), []byte("p")))
	if hmac.Equal(v2.Sum(nil), challenge.MAC) {
		t.Fatal("the primary's MAC is checkable with the token alone")
	}
	// A dictionary attack without the authkey: every guess of the token,
	// even the right one, with any authkey but the real one, fails.
	for _, guessKey := range []string{"", "guess", other, token} {
		for _, guess := range []string{"", "secret", token, "another-token"} {
			tk := tokenKey(ClusterKey([]byte(guessKey), "c"), []byte(guess))
			if hmac.Equal(proof(tk, "P", hello.Nonce, challenge.Nonce, "s", "p"), challenge.MAC) {
				t.Fatalf("guess %q / %q confirmed without the authkey", guessKey, guess)
			}
		}
	}
	// With the authkey the transcript does confirm the token: the check
	// above is the right one, only its key is out of reach.
	tk := tokenKey(ClusterKey([]byte(authkey), "c"), []byte(token))
	if !hmac.Equal(proof(tk, "P", hello.Nonce, challenge.Nonce, "s", "p"), challenge.MAC) {
		t.Fatal("the test's own check is wrong")
	}
}

// TestFakePrimaryLearnsNothing: a secondary that dials a listener without
// the authkey answers its challenge with a reject and nothing keyed: what
// the listener learns (hello, reject) is the same whatever the token and
// authkey.
func TestFakePrimaryLearnsNothing(t *testing.T) {
	run := func(authkey, token string) []Message {
		s, err := New(Config{Name: "s", Key: ClusterKey([]byte(authkey), "c"), Token: []byte(token),
			Entropy: rand.New(rand.NewSource(2))})
		if err != nil {
			t.Fatal(err)
		}
		s.BeSecondary("p", "p:1", true)
		conn := take(s).Dials[0].Conn
		s.Step(Message{Type: MsgConnected, Conn: conn})
		out := take(s).Messages
		s.Step(Message{Type: MsgChallenge, Conn: conn, Seq: 1, Vsn: ProtocolVersion, From: "p",
			Nonce: bytes.Repeat([]byte{9}, nonceLen), MAC: bytes.Repeat([]byte{7}, 32)})
		rd := take(s)
		if len(rd.Keys) != 0 {
			t.Fatal("keys installed for a primary that did not prove itself")
		}
		return append(out, rd.Messages...)
	}
	a := run("cluster-authkey-0123456789", "t1")
	b := run("another-authkey-0123456789", "t2")
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("what a fake primary learns depends on the secrets:\n%v\n%v", a, b)
	}
	if len(a) != 2 || a[0].Type != MsgHello || a[1].Type != MsgReject || a[1].Code != CodeHABadToken || len(a[1].MAC) != 0 {
		t.Fatalf("secondary sent %v", a)
	}
}

// take returns n's Ready and advances past it (the test carries it out).
func take(n *Node) Ready {
	rd := n.Ready()
	n.Advance(rd)
	return rd
}
