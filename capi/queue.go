package main

import (
	"errors"
	"sync"

	"golang.org/x/sys/unix"
)

// errQueueClosed is returned by queue.next after close (the handle was
// finalized or unregistered while a caller waited).
var errQueueClosed = errors.New("event queue closed")

// queue holds the events of one handle until dispatch consumes them, and
// owns the eventfd handed to the C caller. Invariant (under mu): the eventfd
// counter is non-zero exactly when the queue is readable, i.e. it holds an
// event or the connection is gone. push arms it, take disarms it when the
// last event is consumed, so a poll() on the fd never spins and never misses.
type queue[T any] struct {
	mu     sync.Mutex
	items  []T
	fd     int   // eventfd, -1 after close
	armed  bool  // the eventfd counter is non-zero
	gone   error // why the connection ended; nil while it lives
	closed bool
	holds  int           // >0: a subscribe is in flight; events may not be released yet
	wake   chan struct{} // closed and replaced whenever the state changes
}

func newQueue[T any]() (*queue[T], error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return nil, err
	}
	return &queue[T]{fd: fd, wake: make(chan struct{})}, nil
}

// sync makes the eventfd state match readability and wakes waiters. mu held.
func (q *queue[T]) changed() {
	want := !q.closed && (len(q.items) > 0 || q.gone != nil)
	if q.fd >= 0 && want != q.armed {
		if want {
			var one = [8]byte{1}
			_, _ = unix.Write(q.fd, one[:]) // counter is 0, so this cannot block or overflow
		} else {
			var buf [8]byte
			_, _ = unix.Read(q.fd, buf[:]) // resets the counter to 0
		}
		q.armed = want
	}
	close(q.wake)
	q.wake = make(chan struct{})
}

// push appends an event.
func (q *queue[T]) push(v T) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.items = append(q.items, v)
	q.changed()
}

// fail records that the connection ended; queued events stay available.
func (q *queue[T]) fail(err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.gone != nil {
		return
	}
	q.gone = err
	q.changed()
}

// hold stops events from being taken until release; used while a request
// whose reply decides how later events are interpreted is in flight.
func (q *queue[T]) hold() {
	q.mu.Lock()
	q.holds++
	q.mu.Unlock()
}

func (q *queue[T]) release() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.holds--
	q.changed()
}

// take removes and returns the oldest event. With wait it blocks until an
// event arrives; otherwise ok is false when none is queued. err is
// errQueueClosed after close, or the connection's error once the queue is
// empty and the connection gone.
func (q *queue[T]) take(wait bool) (v T, ok bool, err error) {
	q.mu.Lock()
	for {
		if q.closed {
			q.mu.Unlock()
			return v, false, errQueueClosed
		}
		if q.holds == 0 {
			if len(q.items) > 0 {
				v = q.items[0]
				var zero T
				q.items[0] = zero
				q.items = q.items[1:]
				if len(q.items) == 0 {
					q.items = nil
				}
				q.changed()
				q.mu.Unlock()
				return v, true, nil
			}
			if q.gone != nil {
				err = q.gone
				q.mu.Unlock()
				return v, false, err
			}
			if !wait {
				q.mu.Unlock()
				return v, false, nil
			}
		}
		w := q.wake
		q.mu.Unlock()
		<-w
		q.mu.Lock()
	}
}

// pending reports the number of queued events.
func (q *queue[T]) pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// failed reports whether the queue was closed, and why the connection
// ended (nil while it lives).
func (q *queue[T]) failed() (closed bool, gone error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed, q.gone
}

// eventFD returns the eventfd, or -1 after close.
func (q *queue[T]) eventFD() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.fd
}

// close drops every event, wakes all waiters and closes the eventfd.
func (q *queue[T]) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.closed = true
	q.items = nil
	if q.fd >= 0 {
		_ = unix.Close(q.fd)
		q.fd = -1
	}
	close(q.wake)
	q.wake = make(chan struct{})
}
