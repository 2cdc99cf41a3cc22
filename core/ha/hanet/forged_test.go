package hanet

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goha/goha/core/ha"
	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/wire"
)

// TestForgedFramesRefused: after the handshake an on-path attacker can
// neither alter a frame nor inject one, plain or with a made-up tag: the
// secondary closes the connection with a log line, goes to none with
// NOPRIMARY, and keeps nothing of the forged commit; reconnected, it
// receives the real data.
func TestForgedFramesRefused(t *testing.T) {
	p := startNode(t, "p", opt{})
	if err := p.rt.BePrimary("p"); err != nil {
		t.Fatal(err)
	}
	forgedCommit := func() []byte { // what an attacker can build: a commit without the session key
		c := store.Commit{Txid: 99, Ops: []store.Op{store.SetOp("/owned", store.String("by attacker"))}}
		b, _ := wire.EncodeHAMsg(&ha.Message{Type: ha.MsgCommit, Seq: 2, Txid: 99, Data: c.Encode()})
		return b
	}
	tag := make([]byte, wire.HATagSize)
	rand.Read(tag)
	sealedLooking := append(append([]byte{0, 0, 0, 0, wire.HAFrameSealed}, forgedCommit()...), tag...)
	sealedLooking[3] = byte(len(sealedLooking) - 4) // small enough for one byte of length
	sealedLooking[2] = byte((len(sealedLooking) - 4) >> 8)
	for _, tc := range []struct {
		name, log string
		tamper    func(*proxy)
	}{
		{"altered commit", "authentication failed", func(px *proxy) {
			m := []byte("value-to-alter-in-transit")
			px.flipMarker.Store(&m)
		}},
		{"injected plain commit", "not sealed", func(px *proxy) {
			f := wire.AppendHAFrame(nil, nil, forgedCommit())
			px.inject.Store(&f)
		}},
		{"injected commit with a made-up tag", "authentication failed", func(px *proxy) {
			px.inject.Store(&sealedLooking)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startNode(t, "s", opt{})
			px := newProxy(t, p.rt.Addr())
			if err := s.rt.BeSecondary("s", "p", px.ln.Addr().String(), true); err != nil {
				t.Fatal(err)
			}
			tc.tamper(px)
			if _, err := p.rt.Set("/v", store.String("value-to-alter-in-transit")); err != nil {
				t.Fatal(err)
			}
			s.waitEvent(t, ha.Event{Type: ha.EventNoPrimary, Code: ha.CodeHAClosed})
			s.mu.Lock()
			logged := strings.Contains(strings.Join(s.logs, "\n"), tc.log)
			s.mu.Unlock()
			if !logged {
				t.Errorf("no %q line in the secondary's log", tc.log)
			}
			if v, err := s.st.Get("/owned"); err == nil {
				t.Fatalf("the forged commit was applied: %v", v)
			}
			if v, err := s.st.Get("/v"); err == nil && v.String() != "value-to-alter-in-transit" {
				t.Fatalf("an altered value was applied: %q", v.String())
			}
			// Without the attacker, it syncs the real data.
			if err := s.rt.BeSecondary("s", "p", p.rt.Addr(), true); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(snapshotBytes(t, p.st), snapshotBytes(t, s.st)) {
				t.Fatal("the secondary differs from the primary")
			}
		})
	}
}

// TestHandshakeBounds: connections that do not authenticate cost little
// and not for long: at most MaxHandshakes of them exist (the accept of
// another closes the oldest), each is closed HandshakeTimeout after its
// accept however it keeps itself busy, a frame above 4 KiB is refused
// from its header, and each kind is logged once per period.
func TestHandshakeBounds(t *testing.T) {
	p := startNode(t, "p", opt{handshake: 300 * time.Millisecond, handshakes: 4})
	if err := p.rt.BePrimary("p"); err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	for i := 0; i < 10; i++ {
		c, err := net.Dial("tcp", p.rt.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	closed := func(c net.Conn, within time.Duration) bool {
		c.SetReadDeadline(time.Now().Add(within))
		_, err := io.Copy(io.Discard, c)
		return err == nil || errors.Is(err, syscall.ECONNRESET)
	}
	for i, c := range conns[:6] { // displaced by the later ones
		if !closed(c, 5*time.Second) {
			t.Fatalf("connection %d still open: at most 4 may be in their handshake", i)
		}
	}
	start := time.Now()
	for i, c := range conns[6:] { // the last 4 sit until the timeout
		if !closed(c, 5*time.Second) {
			t.Fatalf("connection %d outlived the handshake timeout", 6+i)
		}
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("handshake timeout took %v", d)
	}
	big, err := net.Dial("tcp", p.rt.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	big.Write([]byte{0, 0, 0x10, 0x01, wire.HAFramePlain}) // 4097 bytes announced
	if !closed(big, 5*time.Second) {
		t.Fatal("a 4 KiB+ frame before authentication was not refused")
	}
	p.mu.Lock()
	all := strings.Join(p.logs, "\n")
	p.mu.Unlock()
	for _, want := range []string{"in their handshake; closing the oldest", "did not finish its handshake", "(limit 4096)"} {
		if n := strings.Count(all, want); n != 1 {
			t.Errorf("%d lines %q, want 1 (rate-limited)", n, want)
		}
	}
}

// TestDialedHandshakeDeadline: a "primary" that accepts a secondary's
// connection and never answers fails its besecondary after the handshake
// timeout, long before dead-peer detection would (and even without ticks).
func TestDialedHandshakeDeadline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accepts, reads nothing, says nothing
		}
	}()
	s := startNode(t, "s", opt{tick: 10 * time.Second, handshake: 300 * time.Millisecond})
	start := time.Now()
	err = s.rt.BeSecondary("s", "p", ln.Addr().String(), true)
	if !errors.Is(err, ha.ErrHAClosed) {
		t.Fatalf("besecondary to a silent primary: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
}
