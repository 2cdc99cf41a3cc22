package corosync

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Flags of corosync_cfg_try_shutdown (corosync_cfg_shutdown_flags_t).
const (
	ShutdownRequest    uint32 = 0 // ask the trackers; any NO or silence cancels
	ShutdownRegardless uint32 = 1 // ask the trackers, then shut down anyway
	ShutdownImmediate  uint32 = 2 // shut down without asking
)

// DefaultShutdownTimeout is how long trackers have to answer when
// cfg.shutdown_timeout is not set (corosync's DEFAULT_SHUTDOWN_TIMEOUT).
const DefaultShutdownTimeout = 5 * time.Second

// Errors of the shutdown negotiation.
var (
	// ErrShutdownPending: a try_shutdown is already being decided
	// (CS_ERR_EXIST).
	ErrShutdownPending = errors.New("cfg: a shutdown request is already pending")
	// ErrNoShutdown: replyto_shutdown with no request pending (corosync's
	// daemon says CS_ERR_ACCESS, which its library never passes on).
	ErrNoShutdown = errors.New("cfg: no shutdown request is pending")
)

// Shutdown is corosync's cfg shutdown negotiation (exec/cfg.c) as a value
// without I/O: owners (client connections) that called trackstart are
// asked whether the node may stop, and the requester learns the outcome.
// Time is the caller's monotonic clock.
//
// Corosync counts every replyto_shutdown, even a second one from the same
// connection or one from a connection that was never asked, and so can
// shut down before every tracker agreed; here only the first answer of
// each tracker asked counts.
type Shutdown struct {
	trackers []uint64 // owners that called trackstart, in that order
	pend     *pendingShutdown
}

type pendingShutdown struct {
	requester uint64
	flags     uint32
	deadline  time.Duration
	asked     []uint64        // trackers asked, in the order asked
	answer    map[uint64]bool // their answers so far (true: yes)
}

// Decision tells the caller what to do after a step.
type Decision struct {
	// Ask lists the owners to send the shutdown callback to, with Flags.
	Ask   []uint64
	Flags uint32
	// Decided: the pending request (of Requester) is over. Stop says
	// whether the node shuts down (the requester gets CS_OK) or stays up
	// (CS_ERR_BUSY).
	Decided   bool
	Requester uint64
	Stop      bool
}

// Track makes owner a tracker (corosync_cfg_trackstart). A tracker added
// while a request is pending is asked too.
func (s *Shutdown) Track(owner uint64) Decision {
	if slices.Contains(s.trackers, owner) {
		return Decision{}
	}
	s.trackers = append(s.trackers, owner)
	p := s.pend
	if p == nil || owner == p.requester {
		return Decision{}
	}
	p.asked = append(p.asked, owner)
	return Decision{Ask: []uint64{owner}, Flags: p.flags}
}

// Untrack removes a tracker (corosync_cfg_trackstop, or its connection
// closed): if it had not answered a pending request, that counts as yes.
func (s *Shutdown) Untrack(owner uint64) Decision {
	i := slices.Index(s.trackers, owner)
	if i < 0 {
		return Decision{}
	}
	s.trackers = slices.Delete(s.trackers, i, i+1)
	p := s.pend
	if p == nil || !slices.Contains(p.asked, owner) {
		return Decision{}
	}
	if _, done := p.answer[owner]; !done {
		p.answer[owner] = true
	}
	return s.check()
}

// Gone forgets owner entirely: the requester's connection closing cancels
// its request (it gets no answer), a tracker's counts as Untrack.
func (s *Shutdown) Gone(owner uint64) Decision {
	if s.pend != nil && s.pend.requester == owner {
		s.pend = nil
	}
	return s.Untrack(owner)
}

// Request starts corosync_cfg_try_shutdown for requester at now; timeout
// is cfg.shutdown_timeout. IMMEDIATE, or no tracker besides the requester,
// decides at once; otherwise the decision comes from Reply, Untrack or
// Expire.
func (s *Shutdown) Request(requester uint64, flags uint32, now, timeout time.Duration) (Decision, error) {
	if flags > ShutdownImmediate {
		return Decision{}, fmt.Errorf("%w: shutdown flags %d", ErrInvalid, flags)
	}
	if flags == ShutdownImmediate {
		return Decision{Decided: true, Requester: requester, Stop: true}, nil
	}
	if s.pend != nil {
		return Decision{}, ErrShutdownPending
	}
	p := &pendingShutdown{requester: requester, flags: flags, deadline: now + timeout, answer: map[uint64]bool{}}
	for _, t := range s.trackers {
		if t != requester {
			p.asked = append(p.asked, t)
		}
	}
	if len(p.asked) == 0 {
		return Decision{Decided: true, Requester: requester, Stop: true}, nil
	}
	s.pend = p
	return Decision{Ask: slices.Clone(p.asked), Flags: flags}, nil
}

// Reply records owner's corosync_cfg_replyto_shutdown.
func (s *Shutdown) Reply(owner uint64, yes bool) (Decision, error) {
	p := s.pend
	if p == nil {
		return Decision{}, ErrNoShutdown
	}
	if !slices.Contains(p.asked, owner) {
		return Decision{}, nil // not asked: ignored (see the type's doc)
	}
	if _, done := p.answer[owner]; !done {
		p.answer[owner] = yes
	}
	return s.check(), nil
}

// Expire decides a pending request whose deadline has passed: trackers
// that did not answer count as no.
func (s *Shutdown) Expire(now time.Duration) Decision {
	p := s.pend
	if p == nil || now < p.deadline {
		return Decision{}
	}
	for _, o := range p.asked {
		if _, done := p.answer[o]; !done {
			p.answer[o] = false
		}
	}
	return s.check()
}

// Deadline returns when the pending request times out, if one is pending.
func (s *Shutdown) Deadline() (time.Duration, bool) {
	if s.pend == nil {
		return 0, false
	}
	return s.pend.deadline, true
}

// Pending reports whether a request is being decided.
func (s *Shutdown) Pending() bool { return s.pend != nil }

// check decides once every tracker asked has answered.
func (s *Shutdown) check() Decision {
	p := s.pend
	if len(p.answer) < len(p.asked) {
		return Decision{}
	}
	stop := p.flags == ShutdownRegardless
	if !stop {
		stop = true
		for _, yes := range p.answer {
			stop = stop && yes
		}
	}
	s.pend = nil
	return Decision{Decided: true, Requester: p.requester, Stop: stop}
}
