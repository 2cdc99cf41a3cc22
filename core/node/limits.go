package node

// What a control client may cost the daemon.
//
// Before its hello: a connection is counted from the accept, before
// anything is read. At most MaxPreHello exist; the accept of one more
// closes the oldest, so a flood of connections displaces itself instead
// of locking clients out. Its hello (and, with ipc_access_file, its
// access proof) must arrive within HelloTimeout in frames of at most
// MaxHelloFrame bytes, refused from their header alone.
//
// After its hello: each user (SO_PEERCRED uid; TCP clients count as one
// user) may hold MaxClientsPerUID connections, and all together
// MaxClients. A user at its quota who connects again has one of its own
// connections closed; at the total, the user holding the most connections
// loses one. The one closed is the oldest that never sent a request
// (connections that only sit are what a flood is made of; real clients
// ask something right after their hello), else the user's oldest. So no
// user can lock others out, and a connection is only ever closed to make
// room for its own user (who could as well kill that user's processes)
// or for a user holding less: an idle client that asked something, a
// votequorum handle held for hours or a subscriber, is not cut by a flood
// of connections that only sit, not even of its own user. Waiting for a frame has no time limit (idle clients are
// fine), but once a frame's first byte arrived the whole frame must
// follow within FrameTimeout. A frame above smallFrame first reserves its
// size from a budget shared by all clients (MaxLargeFrameBytes), held
// until the client's requests are answered; a smaller frame's buffer
// grows as its bytes actually arrive: announcing frames costs nothing.
//
// Each kind of abuse is logged once per rateLog period with the number
// of lines left out.

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/goha/goha/core/wire"
)

// Limits of the control server (see above).
const (
	MaxPreHello        = 64
	HelloTimeout       = 5 * time.Second
	MaxHelloFrame      = 4 << 10
	MaxClientsPerUID   = 256
	FrameTimeout       = 10 * time.Second
	MaxLargeFrameBytes = 8 << 20
	smallFrame         = 64 << 10
	readBufSize        = 4 << 10
)

// errBusy: a large frame found no budget before its deadline.
var errBusy = errors.New("large requests of other clients fill the daemon's budget")

func newBudget() *semaphore.Weighted { return semaphore.NewWeighted(MaxLargeFrameBytes) }

// admit registers a connection just accepted, before anything is read
// from it, and closes the oldest not-yet-hello'd one if there are too
// many. It reports false if the server is closing.
func (s *ctlServer) admit(c *ctlConn) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	var victim *ctlConn
	if len(s.pre) >= MaxPreHello {
		victim = s.pre[0]
		s.pre = s.pre[1:]
	}
	s.pre = append(s.pre, c)
	s.mu.Unlock()
	if victim != nil {
		s.badLog.Log("control clients: too many connections without a hello; closing the oldest", "peer", victim.peer, "limit", MaxPreHello)
		victim.nc.Close()
	}
	return true
}

// helloDone removes c from the connections still in their hello.
func (s *ctlServer) helloDone(c *ctlConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range s.pre {
		if p == c {
			s.pre = append(s.pre[:i], s.pre[i+1:]...)
			return
		}
	}
}

// register counts c (past its hello) among the clients, making room per
// the quotas above. It reports false if the server is closing.
func (s *ctlServer) register(c *ctlConn) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	var victim *ctlConn
	why := ""
	if own := s.byUID[c.uid]; len(own) >= MaxClientsPerUID {
		victim, why = pickVictim(own), "its user holds the most connections allowed"
	} else if len(s.conns) >= MaxClients {
		var most []*ctlConn
		for _, l := range s.byUID {
			if len(l) > len(most) {
				most = l
			}
		}
		victim, why = pickVictim(most), "the daemon holds the most connections allowed and its user the most of them"
	}
	if victim != nil {
		s.unregisterLocked(victim)
	}
	s.conns[c] = struct{}{}
	s.byUID[c.uid] = append(s.byUID[c.uid], c)
	s.mu.Unlock()
	if victim != nil {
		s.badLog.Log("control clients: closing the oldest connection to make room", "peer", victim.peer, "reason", why)
		victim.shutdown("")
	}
	return true
}

// pickVictim returns the oldest of l that never sent a request, else the
// oldest (l is oldest first).
func pickVictim(l []*ctlConn) *ctlConn {
	for _, c := range l {
		if !c.asked.Load() {
			return c
		}
	}
	return l[0]
}

func (s *ctlServer) unregister(c *ctlConn) {
	s.mu.Lock()
	s.unregisterLocked(c)
	s.mu.Unlock()
}

func (s *ctlServer) unregisterLocked(c *ctlConn) {
	if _, ok := s.conns[c]; !ok {
		return
	}
	delete(s.conns, c)
	l := s.byUID[c.uid]
	for i, x := range l {
		if x == c {
			l = append(l[:i], l[i+1:]...)
			break
		}
	}
	if len(l) == 0 {
		delete(s.byUID, c.uid)
	} else {
		s.byUID[c.uid] = l
	}
}

// readFrame reads one frame of at most max bytes from r (c's connection).
// With a zero deadline it waits for the frame's first byte without limit,
// then gives the frame FrameTimeout; otherwise the caller's read deadline
// (the hello's) is already set and stays. reserved is what it took from
// the budget: the caller keeps it until the request is answered, or gives
// it back (also on error).
func (c *ctlConn) readFrame(r *bufio.Reader, max int, deadline time.Time) (body []byte, reserved int64, err error) {
	own := deadline.IsZero()
	if own {
		if _, err := r.Peek(1); err != nil {
			return nil, 0, err
		}
		deadline = time.Now().Add(FrameTimeout)
	}
	set := false
	setDeadline := func() {
		if own && !set {
			set = true
			c.nc.SetReadDeadline(deadline)
		}
	}
	defer func() {
		if set {
			c.nc.SetReadDeadline(time.Time{})
		}
	}()
	if r.Buffered() < 4 {
		setDeadline()
	}
	hdr, err := r.Peek(4)
	if err != nil {
		return nil, 0, err
	}
	n := int(binary.BigEndian.Uint32(hdr))
	switch {
	case n == 0:
		return nil, 0, fmt.Errorf("%w: empty frame", wire.ErrMalformed)
	case n > max:
		return nil, 0, fmt.Errorf("%w: frame of %d bytes exceeds %d", wire.ErrTooLarge, n, max)
	}
	r.Discard(4)
	if r.Buffered() < n {
		setDeadline()
	}
	if n > smallFrame {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		err := c.srv.budget.Acquire(ctx, int64(n))
		cancel()
		if err != nil {
			return nil, 0, errBusy
		}
		reserved = int64(n)
	}
	// A large frame has its budget: its buffer is made whole (growing
	// it would hold old copies until the next GC). A small one grows as
	// its bytes arrive.
	body = make([]byte, 0, min(n, readBufSize))
	if reserved > 0 {
		body = make([]byte, 0, n)
	}
	for len(body) < n {
		if len(body) == cap(body) { // grow as bytes arrive, not as announced
			nb := make([]byte, len(body), min(n, 2*cap(body)))
			copy(nb, body)
			body = nb
		}
		k, err := r.Read(body[len(body):cap(body)])
		body = body[:len(body)+k]
		if err != nil && len(body) < n {
			return nil, reserved, err
		}
	}
	return body, reserved, nil
}

// releaseBudget returns what c's large frames reserved; called once c has
// no request left unanswered, and when it closes.
func (c *ctlConn) releaseBudget() {
	if n := c.held.Swap(0); n > 0 {
		c.srv.budget.Release(n)
	}
}

// abusive tells routine ends of a connection from ones worth a log line.
func abusive(err error) bool {
	var ne net.Error
	return errors.Is(err, wire.ErrTooLarge) || errors.Is(err, wire.ErrMalformed) || errors.Is(err, errBusy) ||
		(errors.As(err, &ne) && ne.Timeout())
}
