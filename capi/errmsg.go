package main

import (
	"fmt"
	"sync"
)

// errSlot holds the message of the last failed call on one handle, or of the
// process (calls without a handle), for goha_errmsg.
type errSlot struct {
	mu  sync.Mutex
	msg string
}

func (s *errSlot) set(msg string) {
	s.mu.Lock()
	s.msg = msg
	s.mu.Unlock()
}

func (s *errSlot) get() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.msg
}

// processErr is the slot of calls that have no handle.
var processErr errSlot

// record stores "fn: err" in slot when err is not nil. Successful calls
// leave the previous message, as errno does.
func record(slot *errSlot, fn string, err error) {
	if err != nil {
		slot.set(fmt.Sprintf("%s: %v", fn, err))
	}
}

// panicError turns a recovered panic value into an error for the message.
func panicError(r any) error {
	return fmt.Errorf("internal error (recovered panic): %v", r)
}
