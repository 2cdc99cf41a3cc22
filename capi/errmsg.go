package main

/*
#include <corosync/corotypes.h>
#include <stdint.h>
*/
import "C"

import (
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// errSlot holds, per calling thread, the message of the last failed call
// on one handle, or of the process (calls without a handle), for
// goha_errmsg. Per thread, as errno and confd_lasterr are: a thread that
// reads the message right after its call failed gets that call's message,
// whatever other threads did meanwhile. A C export runs on its caller's
// thread, so the thread id is the caller's.
type errSlot struct {
	mu    sync.Mutex
	msgs  map[int]string
	order []int // threads in the order they first failed, to bound msgs
}

// maxThreadMsgs bounds the threads a slot remembers (a program that keeps
// creating threads must not grow it without end); the oldest is forgotten.
const maxThreadMsgs = 256

func (s *errSlot) set(msg string) {
	tid := unix.Gettid()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.msgs == nil {
		s.msgs = map[int]string{}
	}
	if _, ok := s.msgs[tid]; !ok {
		if len(s.order) >= maxThreadMsgs {
			delete(s.msgs, s.order[0])
			s.order = s.order[1:]
		}
		s.order = append(s.order, tid)
	}
	s.msgs[tid] = msg
}

func (s *errSlot) get() string {
	tid := unix.Gettid()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.msgs[tid]
}

// processErr is the slot of calls that have no handle, and of calls whose
// handle is not live (bad handle).
var processErr errSlot

// record stores "fn: err" in slot for the calling thread when err is not
// nil. Successful calls leave the previous message, as errno does; every
// failing path records, so the message a thread reads after a failure is
// that failure's.
func record(slot *errSlot, fn string, err error) {
	if err != nil {
		slot.set(fmt.Sprintf("%s: %v", fn, err))
	}
}

// panicError turns a recovered panic value into an error for the message.
func panicError(r any) error {
	return fmt.Errorf("internal error (recovered panic): %v", r)
}

// gh_cs_fail records the message of a corosync-family call that the C
// half of the library failed without calling into Go (cmap_typed.c), in
// the handle's slot (the process's if the handle is not live), and
// returns rc.
//
//export gh_cs_fail
func gh_cs_fail(handle C.uint64_t, fn, msg *C.char, rc C.cs_error_t) C.cs_error_t {
	defer func() { recover() }()
	slot := handleSlot(uint64(handle))
	if slot == nil {
		slot = &processErr
	}
	slot.set(C.GoString(fn) + ": " + C.GoString(msg))
	return rc
}
