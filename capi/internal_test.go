package main

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// readable polls fd without waiting.
func readable(t *testing.T, fd int) bool {
	t.Helper()
	p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(p, 0)
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	return n == 1 && p[0].Revents&unix.POLLIN != 0
}

func TestQueueEventFDReadableExactlyWhilePending(t *testing.T) {
	q, err := newQueue[int]()
	if err != nil {
		t.Fatal(err)
	}
	defer q.close()
	fd := q.eventFD()
	if readable(t, fd) {
		t.Fatal("empty queue: fd readable")
	}
	q.push(1)
	q.push(2)
	if !readable(t, fd) {
		t.Fatal("two events: fd not readable")
	}
	if v, ok, err := q.take(false); v != 1 || !ok || err != nil {
		t.Fatalf("take = %v %v %v, want 1 true nil", v, ok, err)
	}
	if !readable(t, fd) {
		t.Fatal("one event left: fd not readable")
	}
	if v, ok, _ := q.take(false); v != 2 || !ok {
		t.Fatalf("take = %v %v, want 2 true", v, ok)
	}
	if readable(t, fd) {
		t.Fatal("drained: fd still readable")
	}
	if _, ok, err := q.take(false); ok || err != nil {
		t.Fatalf("take on empty = %v %v, want false nil", ok, err)
	}
	gone := errors.New("gone")
	q.push(3)
	q.fail(gone)
	if v, ok, err := q.take(false); v != 3 || !ok || err != nil {
		t.Fatalf("queued event after failure: %v %v %v", v, ok, err)
	}
	if !readable(t, fd) {
		t.Fatal("failed connection: fd not readable")
	}
	if _, _, err := q.take(true); !errors.Is(err, gone) {
		t.Fatalf("take after failure: %v, want %v", err, gone)
	}
}

func TestQueueWaitWakesOnPushHoldAndClose(t *testing.T) {
	q, err := newQueue[int]()
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan int, 1)
	q.hold()
	go func() {
		v, _, _ := q.take(true)
		got <- v
	}()
	q.push(7)
	select {
	case v := <-got:
		t.Fatalf("event %d taken while held", v)
	case <-time.After(20 * time.Millisecond): // proves absence only; the positive case below has a deadline
	}
	q.release()
	select {
	case v := <-got:
		if v != 7 {
			t.Fatalf("got %d, want 7", v)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiter not woken by release")
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := q.take(true)
		done <- err
	}()
	q.close()
	select {
	case err := <-done:
		if !errors.Is(err, errQueueClosed) {
			t.Fatalf("take after close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiter not woken by close")
	}
	if q.eventFD() != -1 {
		t.Fatal("eventfd not closed")
	}
}

func TestContexts(t *testing.T) {
	var c contexts
	c.add(1, 2, 0xa)     // snapshot of a first trackstart(CHANGES)
	c.add(3, noEnd, 0xa) // its registration
	c.add(5, 6, 0xb)     // snapshot of a repeated trackstart
	for _, tc := range []struct{ seq, want uint64 }{{1, 0xa}, {2, 0xa}, {3, 0xa}, {4, 0xa}, {5, 0xb}, {6, 0xb}, {7, 0xa}} {
		if got := c.of(tc.seq); got != tc.want {
			t.Fatalf("of(%d) = %#x, want %#x", tc.seq, got, tc.want)
		}
	}
	c.end(8)
	if got := c.of(8); got != 0xa {
		t.Fatalf("of(8) = %#x, want 0xa", got)
	}
	if got := c.of(9); got != 0 {
		t.Fatalf("after trackstop: of(9) = %#x, want 0", got)
	}
}

func TestHandleTable(t *testing.T) {
	tab := newHandleTable[int](2)
	a, b := 1, 2
	ha, ok := tab.add(&a)
	if !ok {
		t.Fatal("add failed")
	}
	hb, _ := tab.add(&b)
	if _, ok := tab.add(&a); ok {
		t.Fatal("table over its limit")
	}
	for _, bad := range []uint64{0, 1, 12345, ha + 1} {
		if _, ok := tab.get(bad); ok {
			t.Fatalf("handle %#x valid", bad)
		}
	}
	if _, ok := tab.remove(ha); !ok {
		t.Fatal("remove failed")
	}
	if _, ok := tab.remove(ha); ok {
		t.Fatal("second remove succeeded")
	}
	hc, _ := tab.add(&a)
	if hc == ha || hc == hb {
		t.Fatal("handle reused")
	}
	if tab.len() != 2 {
		t.Fatalf("len = %d", tab.len())
	}
}

// TestErrorMessagePerThread: the message goha_errmsg returns on a thread
// is that of the last call that failed on that thread, whatever other
// threads recorded meanwhile (issue 10: error text belongs to the call
// that failed).
func TestErrorMessagePerThread(t *testing.T) {
	var slot errSlot
	const threads, rounds = 8, 200
	errs := make(chan error, threads)
	for i := 0; i < threads; i++ {
		go func() {
			runtime.LockOSThread() // as a cgo call is on its C thread
			defer runtime.UnlockOSThread()
			for r := 0; r < rounds; r++ {
				want := fmt.Sprintf("call%d: failure %d", i, r)
				record(&slot, fmt.Sprintf("call%d", i), fmt.Errorf("failure %d", r))
				if got := slot.get(); got != want {
					errs <- fmt.Errorf("thread %d read %q after its own %q", i, got, want)
					return
				}
			}
			errs <- nil
		}()
	}
	for i := 0; i < threads; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// A thread that never failed reads nothing.
	done := make(chan string)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		done <- slot.get()
	}()
	if got := <-done; got != "" && !strings.HasPrefix(got, "call") {
		t.Fatalf("fresh thread read %q", got)
	}
	// The slot remembers a bounded number of threads.
	if len(slot.msgs) > maxThreadMsgs {
		t.Fatalf("%d threads remembered", len(slot.msgs))
	}
}
