package main

import (
	"sync"
	"sync/atomic"
)

// handleTable maps opaque 64-bit handles to live objects of one type.
// Handles are never reused: a stale handle stays invalid forever. They
// come from one process-wide counter (nextHandle), so that the handles of
// different families (votequorum, quorum, cmap, cfg) never coincide and
// goha_errmsg can find any of them. The first handle is a large odd
// constant so that small integers (0, 1, fds, the 12345 of a confused
// caller) are never valid.
type handleTable[T any] struct {
	mu   sync.Mutex
	live map[uint64]*T
	max  int
}

const firstHandle = 0x6f68610000000001 // "oha" in the high bytes

// nextHandle is the last handle given out by any table.
var nextHandle atomic.Uint64

func init() { nextHandle.Store(firstHandle - 2) }

func newHandleTable[T any](max int) *handleTable[T] {
	return &handleTable[T]{live: make(map[uint64]*T), max: max}
}

// add stores v and returns its new handle; ok is false when the table is full.
func (t *handleTable[T]) add(v *T) (h uint64, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.live) >= t.max {
		return 0, false
	}
	h = nextHandle.Add(2)
	t.live[h] = v
	return h, true
}

// get returns the object of h, or false for an unknown or removed handle.
func (t *handleTable[T]) get(h uint64) (*T, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.live[h]
	return v, ok
}

// remove deletes h and returns its object, or false if it was not live (so
// that exactly one of two racing finalize calls wins).
func (t *handleTable[T]) remove(h uint64) (*T, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.live[h]
	if ok {
		delete(t.live, h)
	}
	return v, ok
}

// len returns the number of live handles.
func (t *handleTable[T]) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.live)
}
