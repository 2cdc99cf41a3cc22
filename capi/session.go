package main

/*
#include <corosync/corotypes.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"github.com/goha/goha/core/client"
)

// session is what every handle of the corosync families (votequorum,
// quorum, cmap, cfg) is made of: the event connection to gohad (which the
// quorum, cmap and cfg handles also use for their requests), a pump that
// moves its events into the handle's queue, whose eventfd is the handle's
// fd, dispatch with corosync's rules, the client-side context pointer and
// the error slot of goha_errmsg. E is the family's queued event.
type session[E any] struct {
	id   uint64 // the handle, as the callbacks report it
	conn *client.Client
	q    *queue[E]
	errs errSlot

	mu      sync.Mutex // guards the fields below, and the family's own state
	userCtx unsafe.Pointer
	closed  bool
}

// open connects to the daemon named by GOHA_IPC and starts the pump;
// convert turns a daemon event into the family's event (false: not one of
// its kinds).
func (s *session[E]) open(convert func(client.Event) (E, bool)) error {
	q, err := newQueue[E]()
	if err != nil {
		return csErrf(C.CS_ERR_NO_RESOURCES, "eventfd: %v", err)
	}
	c, err := dialAddr(ipcAddr(), 0)
	if err != nil {
		q.close()
		return err
	}
	s.q, s.conn = q, c
	go s.pump(convert)
	return nil
}

// pump moves the connection's events into the queue until the connection
// ends, then marks the queue failed.
func (s *session[E]) pump(convert func(client.Event) (E, bool)) {
	for ev := range s.conn.Events() {
		if e, ok := convert(ev); ok {
			s.q.push(e)
		}
	}
	s.q.fail(s.conn.Err())
}

// slot is the handle's error slot (csCall).
func (s *session[E]) slot() *errSlot { return &s.errs }

// setID records the handle's number (csInit).
func (s *session[E]) setID(id uint64) { s.id = id }

// shut closes the handle (finalize): a dispatch waiting in another thread
// returns CS_ERR_BAD_HANDLE.
func (s *session[E]) shut() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.conn.Close()
	s.q.close()
}

func (s *session[E]) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// call is one request on the handle's connection.
func (s *session[E]) call(op string, arg, res any) error { return s.conn.Call(op, arg, res) }

// fdGet is *_fd_get.
func (s *session[E]) fdGet(fd *C.int) error {
	if fd == nil {
		return csErrf(C.CS_ERR_INVALID_PARAM, "fd is NULL")
	}
	f := s.q.eventFD()
	if f < 0 {
		return csErrf(C.CS_ERR_BAD_HANDLE, "handle finalized")
	}
	*fd = C.int(f)
	return nil
}

// context and setContext are *_context_get and *_context_set.
func (s *session[E]) context(out *unsafe.Pointer) error {
	if out == nil {
		return csErrf(C.CS_ERR_INVALID_PARAM, "context is NULL")
	}
	s.mu.Lock()
	*out = s.userCtx
	s.mu.Unlock()
	return nil
}

func (s *session[E]) setContext(p unsafe.Pointer) {
	s.mu.Lock()
	s.userCtx = p
	s.mu.Unlock()
}

// dispatch runs callbacks as corosync's *_dispatch do (every family's
// loop is the same): ALL and ONE_NONBLOCKING never wait, ONE and
// ONE_NONBLOCKING stop after one event, and any other mode waits and loops
// (the families that check the flags do so before calling this). deliver
// runs one event's callback on the calling thread, with no lock held, so
// a callback may call back into the library, finalize included; after a
// callback that finalized the handle, dispatch returns CS_ERR_BAD_HANDLE.
func (s *session[E]) dispatch(mode C.cs_dispatch_flags_t, deliver func(E)) error {
	wait := mode != C.CS_DISPATCH_ALL && mode != C.CS_DISPATCH_ONE_NONBLOCKING
	one := mode == C.CS_DISPATCH_ONE || mode == C.CS_DISPATCH_ONE_NONBLOCKING
	for {
		ev, ok, err := s.q.take(wait)
		// shut marks the handle closed before it closes the connection,
		// so a queue failed by that close (the reader may get there first)
		// is told apart from a lost daemon.
		if errors.Is(err, errQueueClosed) || (err != nil && s.isClosed()) {
			return csErrf(C.CS_ERR_BAD_HANDLE, "handle finalized during dispatch")
		}
		if err != nil {
			return fmt.Errorf("%w: %v", errGone, err)
		}
		if !ok {
			if mode == C.CS_DISPATCH_ONE_NONBLOCKING {
				return csErrf(C.CS_ERR_TRY_AGAIN, "no event pending")
			}
			return nil // ALL: queue drained
		}
		deliver(ev)
		if s.isClosed() {
			return csErrf(C.CS_ERR_BAD_HANDLE, "handle finalized in a callback")
		}
		if one {
			return nil
		}
	}
}

// csHandle is what csCall and csFinalize need of a family's handle type.
type csHandle[T any] interface {
	*T
	slot() *errSlot
	setID(uint64)
	shut()
}

// csCall is the wrapper of every export of the corosync families that
// takes a handle: it recovers panics (CS_ERR_LIBRARY), resolves the handle
// (CS_ERR_BAD_HANDLE), runs body and maps its error (errorToCS), recording
// the message for goha_errmsg.
func csCall[T any, P csHandle[T]](t *handleTable[T], fn string, h uint64, body func(P) error) (rc C.cs_error_t) {
	var slot = &processErr
	defer func() {
		if r := recover(); r != nil {
			record(slot, fn, panicError(r))
			rc = C.CS_ERR_LIBRARY
		}
	}()
	v, ok := t.get(h)
	if !ok {
		record(slot, fn, fmt.Errorf("bad handle %#x", h))
		return C.CS_ERR_BAD_HANDLE
	}
	p := P(v)
	slot = p.slot()
	maybePanic(fn)
	err := body(p)
	record(slot, fn, err)
	return errorToCS(err)
}

// csInit is the wrapper of the initialize calls: it recovers panics,
// checks the handle pointer, makes the handle with mk and stores it in t.
func csInit[T any, P csHandle[T]](t *handleTable[T], fn string, out *uint64, mk func() (P, error)) (rc C.cs_error_t) {
	defer func() {
		if r := recover(); r != nil {
			record(&processErr, fn, panicError(r))
			rc = C.CS_ERR_LIBRARY
		}
	}()
	maybePanic(fn)
	if out == nil {
		record(&processErr, fn, errors.New("handle is NULL"))
		return C.CS_ERR_INVALID_PARAM
	}
	p, err := mk()
	if err == nil {
		id, ok := t.add((*T)(p))
		if ok {
			p.setID(id)
			*out = id
			return C.CS_OK
		}
		p.shut()
		err = csErrf(C.CS_ERR_NO_MEMORY, "more than %d handles open", t.max)
	}
	record(&processErr, fn, err)
	return errorToCS(err)
}

// csFinalize is the wrapper of the finalize calls: the handle leaves the
// table (a second finalize gives CS_ERR_BAD_HANDLE) and is shut.
func csFinalize[T any, P csHandle[T]](t *handleTable[T], fn string, h uint64) (rc C.cs_error_t) {
	defer func() {
		if r := recover(); r != nil {
			record(&processErr, fn, panicError(r))
			rc = C.CS_ERR_LIBRARY
		}
	}()
	maybePanic(fn)
	v, ok := t.remove(h)
	if !ok {
		record(&processErr, fn, fmt.Errorf("bad handle %#x", h))
		return C.CS_ERR_BAD_HANDLE
	}
	P(v).shut()
	return C.CS_OK
}
