package cdb

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/goha/goha/core/store"
)

// fakeConn records notifications; tests answer them.
type fakeConn struct {
	name    string
	notes   chan Notification
	mu      sync.Mutex
	dropped string
	closed  chan struct{}
	once    sync.Once
}

func newFake(name string) *fakeConn {
	return &fakeConn{name: name, notes: make(chan Notification, 16), closed: make(chan struct{})}
}

func (f *fakeConn) Notify(n Notification) { f.notes <- n }
func (f *fakeConn) Drop(reason string) {
	f.mu.Lock()
	f.dropped = reason
	f.mu.Unlock()
	f.close()
}
func (f *fakeConn) Closed() <-chan struct{} { return f.closed }
func (f *fakeConn) close()                  { f.once.Do(func() { close(f.closed) }) }

const waitFor = 10 * time.Second

func (f *fakeConn) next(t *testing.T) Notification {
	t.Helper()
	select {
	case n := <-f.notes:
		return n
	case <-time.After(waitFor):
		t.Fatalf("%s: no notification", f.name)
	}
	return Notification{}
}

func (f *fakeConn) none(t *testing.T) {
	t.Helper()
	select {
	case n := <-f.notes:
		t.Fatalf("%s: unexpected notification %+v", f.name, n)
	default:
	}
}

type rig struct {
	t    *testing.T
	st   *store.Store
	d    *Dispatcher
	stop chan struct{}
}

func newRig(t *testing.T, timeout time.Duration) *rig {
	st, err := store.OpenFile(t.TempDir()+"/s.db", &store.Options{InitialMmapSize: 1 << 24, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	st.EnableFeed(0)
	d, err := NewDispatcher(st, timeout, nil, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, st: st, d: d, stop: make(chan struct{})}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.d.Run(r.stop) }()
	t.Cleanup(func() { close(r.stop); wg.Wait(); st.Close() })
	return r
}

func (r *rig) sub(c *fakeConn, points ...any) (*Sub, []int) {
	r.t.Helper()
	s := r.d.NewSub(c)
	var ids []int
	for i := 0; i < len(points); i += 2 {
		id, err := s.Subscribe(points[i].(int), points[i+1].(string))
		if err != nil {
			r.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := s.Activate(func() {}); err != nil {
		r.t.Fatal(err)
	}
	return s, ids
}

// commit writes in the background (Wait included, as the daemon's commit
// path does) and returns a channel that yields the txid once the commit
// counts as delivered.
func (r *rig) commit(path string, v store.Value) <-chan uint64 {
	ch := make(chan uint64, 1)
	go func() {
		c, err := r.st.Set(path, v)
		if err != nil {
			r.t.Error(err)
			return
		}
		if err := r.d.Wait(nil, c.Txid); err != nil {
			r.t.Error(err)
		}
		ch <- c.Txid
	}()
	return ch
}

func notYet(t *testing.T, ch <-chan uint64) {
	t.Helper()
	select {
	case tx := <-ch:
		t.Fatalf("commit %d completed before every subscriber synced", tx)
	default:
	}
}

func completed(t *testing.T, ch <-chan uint64) uint64 {
	t.Helper()
	select {
	case tx := <-ch:
		return tx
	case <-time.After(waitFor):
		t.Fatal("commit never completed")
	}
	return 0
}

func TestDispatchPriorities(t *testing.T) {
	r := newRig(t, time.Minute)
	a, b := newFake("a"), newFake("b")
	sa, ida := r.sub(a, 10, "/sys", 20, "/sys/hosts", 20, "/sys/hosts/host", 30, "/other")
	sb, idb := r.sub(b, 10, "/sys/hosts/host{x}")

	done := r.commit("/sys/hosts/host{x}/ip", store.String("10.0.0.1"))
	// Priority 10: a and b in parallel, each with its ids at 10.
	na, nb := a.next(t), b.next(t)
	if !reflect.DeepEqual(na.Points, []int{ida[0]}) || na.Flags != 0 || na.Txid != 1 {
		t.Fatalf("a at 10: %+v", na)
	}
	if !reflect.DeepEqual(nb.Points, []int{idb[0]}) || nb.Flags != FlagIsLast {
		t.Fatalf("b at 10: %+v", nb)
	}
	walk, err := sb.Diff(idb[0], 0)
	if err != nil || len(walk) != 2 || walk[0].Op != OpCreated || walk[1].Path != "/sys/hosts/host{x}/ip" {
		t.Fatalf("b's diff: %+v %v", walk, err)
	}
	if err := sa.Sync(DonePriority, func() {}); err != nil {
		t.Fatal(err)
	}
	a.none(t) // priority 20 waits for b
	notYet(t, done)
	replied := false
	if err := sb.Sync(DonePriority, func() { replied = true }); err != nil || !replied {
		t.Fatal(err)
	}
	// Priority 20: one notification with both of a's points there, last.
	n := a.next(t)
	if !reflect.DeepEqual(n.Points, []int{ida[1], ida[2]}) || n.Flags != FlagIsLast {
		t.Fatalf("a at 20: %+v", n)
	}
	if err := sb.Sync(DonePriority, func() {}); !errors.Is(err, ErrBadState) {
		t.Fatalf("second sync: %v", err)
	}
	notYet(t, done)
	if err := sa.Sync(DonePriority, func() {}); err != nil {
		t.Fatal(err)
	}
	if tx := completed(t, done); tx != 1 {
		t.Fatalf("txid %d", tx)
	}
	a.none(t)
	b.none(t)
	if _, err := sa.Diff(ida[0], 0); !errors.Is(err, ErrBadState) {
		t.Fatalf("diff after sync: %v", err)
	}
	if _, err := sa.Diff(9999, 0); !errors.Is(err, ErrNoPoint) {
		t.Fatalf("diff of an unknown point: %v", err)
	}
}

func TestDispatchDoneSocketTransactionTimeoutClose(t *testing.T) {
	r := newRig(t, 300*time.Millisecond)
	a, b, c := newFake("a"), newFake("b"), newFake("c")
	sa, _ := r.sub(a, 1, "/x", 2, "/x")
	sb, _ := r.sub(b, 1, "/x", 3, "/x")
	sc, _ := r.sub(c, 4, "/x")

	// DONE_SOCKET: a gets nothing more for this transaction; b's
	// DONE_TRANSACTION at priority 1 ends it for everyone.
	done := r.commit("/x/1", store.Int32(1))
	a.next(t)
	b.next(t)
	if err := sa.Sync(DoneSocket, func() {}); err != nil {
		t.Fatal(err)
	}
	if err := sb.Sync(DoneTransaction, func() {}); err != nil {
		t.Fatal(err)
	}
	completed(t, done)
	a.none(t)
	b.none(t)
	c.none(t)

	// Next transaction: all three priorities again. c never syncs: its
	// socket is closed after the timeout and the commit completes.
	done = r.commit("/x/2", store.Int32(2))
	for _, f := range []struct {
		c *fakeConn
		s *Sub
	}{{a, sa}, {b, sb}, {a, sa}, {b, sb}} {
		f.c.next(t)
		if err := f.s.Sync(DonePriority, func() {}); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.next(t); n.Flags != FlagIsLast {
		t.Fatalf("c: %+v", n)
	}
	completed(t, done)
	c.mu.Lock()
	dropped := c.dropped
	c.mu.Unlock()
	if dropped == "" {
		t.Fatal("c was not dropped")
	}
	sc.Close()

	// A closed socket counts as synced.
	done = r.commit("/x/3", store.Int32(3))
	a.next(t)
	b.next(t)
	sa.Close()
	a.close()
	sb.Close()
	b.close()
	completed(t, done)
	if err := sa.Sync(DoneOperational, func() {}); !errors.Is(err, ErrUsage) {
		t.Fatalf("DONE_OPERATIONAL: %v", err)
	}
}

func TestDispatchNoSubscribersDoesNotWait(t *testing.T) {
	r := newRig(t, time.Minute)
	x := newFake("x")
	s := r.d.NewSub(x)
	if _, err := s.Subscribe(1, "/a"); err != nil {
		t.Fatal(err)
	}
	// Not activated: nothing is delivered and commits do not wait.
	for i := range 5 {
		completed(t, r.commit(fmt.Sprintf("/a/%d", i), store.Int32(int32(i))))
	}
	x.none(t)
	if _, err := s.Subscribe(1, "/a{"); !errors.Is(err, ErrBadPath) {
		t.Fatalf("bad pattern: %v", err)
	}
	if err := s.Activate(func() {}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Subscribe(1, "/b"); !errors.Is(err, ErrBadState) {
		t.Fatalf("subscribe after done: %v", err)
	}
	if err := s.Activate(func() {}); !errors.Is(err, ErrBadState) {
		t.Fatalf("second done: %v", err)
	}
	// A change elsewhere does not fire /a and does not wait.
	completed(t, r.commit("/b/1", store.Int32(1)))
	x.none(t)
}
