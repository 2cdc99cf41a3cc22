package hanet

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/wire"
)

// readMsg reads one 'M' frame from c (any other frame fails the test).
func readMsg(t *testing.T, c net.Conn) ha.Message {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	f, err := wire.ReadFrame(c, MaxFrame)
	if err != nil {
		t.Fatalf("reading a message: %v", err)
	}
	if f[0] != wire.HAFramePlain {
		t.Fatalf("frame %q where a message was expected", f[0])
	}
	var m ha.Message
	if err := msgpack.Unmarshal(f[1:], &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestProtocolVersionMismatch: since the handshake changed (protocol
// version 3: keyed by the cluster key, sealed frames after it), a peer of
// the previous protocol version is refused with CONFD_ERR_HA_BADVSN in
// both directions, before any store data is sent, and the refused side's
// store is untouched. The hellos of both versions are plain frames of the
// same shape, which is what lets each side tell the other why.
func TestProtocolVersionMismatch(t *testing.T) {
	if ha.ProtocolVersion != 3 {
		t.Fatalf("protocol version %d: update this test", ha.ProtocolVersion)
	}
	nonce := bytes.Repeat([]byte{1}, 16)

	t.Run("old secondary, new primary", func(t *testing.T) {
		p := startNode(t, "p", opt{})
		if err := p.rt.BePrimary("p"); err != nil {
			t.Fatal(err)
		}
		if _, err := p.rt.Set("/a", store.Int8(1)); err != nil {
			t.Fatal(err)
		}
		c, err := net.Dial("tcp", p.rt.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write(mustEncode(t, ha.Message{Type: ha.MsgHello, Seq: 1, Vsn: 2, From: "old", To: "p", Nonce: nonce}))
		m := readMsg(t, c)
		if m.Type != ha.MsgReject || m.Code != ha.CodeHABadVsn {
			t.Fatalf("answer to a version 2 hello: %v code %d", m.Type, m.Code)
		}
		// Nothing follows: no copy, the connection closes.
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := wire.ReadFrame(c, MaxFrame); err == nil {
			t.Fatal("the primary sent more after refusing")
		}
		waitFor(t, "the refusal logged", func() bool {
			p.mu.Lock()
			defer p.mu.Unlock()
			for _, l := range p.logs {
				if bytes.Contains([]byte(l), []byte("incompatible HA protocol version 2")) {
					return true
				}
			}
			return false
		})
	})

	t.Run("new secondary, old primary", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		served := make(chan error, 1)
		go func() { // an old primary: answers the hello with a version 2 challenge
			c, err := ln.Accept()
			if err != nil {
				served <- err
				return
			}
			defer c.Close()
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			f, err := wire.ReadFrame(c, MaxFrame)
			if err != nil {
				served <- err
				return
			}
			var hello ha.Message
			if err := msgpack.Unmarshal(f[1:], &hello); err != nil || hello.Type != ha.MsgHello || hello.Vsn != 3 {
				served <- errors.New("no version 3 hello")
				return
			}
			c.Write(mustEncode(t, ha.Message{Type: ha.MsgChallenge, Seq: 1, Vsn: 2, From: "p", Nonce: nonce, MAC: nonce}))
			f, err = wire.ReadFrame(c, MaxFrame) // the secondary's reject
			if err != nil {
				served <- err
				return
			}
			var rej ha.Message
			msgpack.Unmarshal(f[1:], &rej)
			if rej.Type != ha.MsgReject || rej.Code != ha.CodeHABadVsn {
				served <- errors.New("secondary did not reject with BADVSN")
				return
			}
			served <- nil
		}()
		s := startNode(t, "s", opt{})
		if _, err := s.st.Set("/mine", store.Int8(7)); err != nil {
			t.Fatal(err)
		}
		err = s.rt.BeSecondary("s", "p", ln.Addr().String(), true)
		if !errors.Is(err, ha.ErrHABadVsn) {
			t.Fatalf("besecondary to a version 2 primary: %v", err)
		}
		if err := <-served; err != nil {
			t.Fatal(err)
		}
		if v, err := s.st.Get("/mine"); err != nil || v.Int() != 7 {
			t.Fatal("a refused primary changed the store")
		}
	})
}
