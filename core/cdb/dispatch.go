package cdb

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/goha/goha/core/store"
)

// SyncType is how a subscriber acknowledges a notification (ConfD's enum
// cdb_subscription_sync_type).
type SyncType int

// Sync types.
const (
	DonePriority    SyncType = 1 // done; go on delivering
	DoneSocket      SyncType = 2 // done; nothing more to this socket for this transaction
	DoneTransaction SyncType = 3 // done; nothing more to anyone for this transaction
	DoneOperational SyncType = 4 // the reply to an operational notification (not produced by goha)
)

// Notification flags (CDB_SUB_FLAG_*).
const (
	FlagIsLast        = 1  // the socket's last notification for this transaction
	FlagTrigger       = 2  // not produced (no cdb_trigger_subscriptions)
	FlagRevert        = 4  // not produced (no confirmed commits)
	FlagHASync        = 8  // the node installed a full copy from its primary
	FlagHAIsSecondary = 16 // the node is an HA secondary: a replicated commit
)

// Errors of subscription sockets (the node maps them to confd_errno).
var (
	// ErrBadState: no notification is waiting for diff_iterate or sync,
	// or subscribe after subscribe_done (CONFD_ERR_BADSTATE).
	ErrBadState = errors.New("cdb: not possible in this state of the subscription socket")
	// ErrNoPoint: not a subscription point of this socket (CONFD_ERR_NOEXISTS).
	ErrNoPoint = errors.New("cdb: no such subscription point on this socket")
	// ErrUsage: a sync type that does not answer a config notification,
	// or a bad priority (CONFD_ERR_PROTOUSAGE).
	ErrUsage = errors.New("cdb: protocol usage")
)

// DefaultTimeout is how long a subscriber may take to sync a
// notification before its socket is closed and delivery goes on (ConfD's
// /confdConfig/cdb/clientTimeout, which defaults to infinity: goha bounds
// it so that a hung subscriber cannot hold commits for ever).
const DefaultTimeout = 15 * time.Second

// Notification is what one subscription socket is told: the ids of its
// points that fired at one priority, and flags.
type Notification struct {
	Points []int
	Flags  int
	Txid   uint64
}

// Conn is a subscription socket as the dispatcher sees it.
type Conn interface {
	// Notify queues a notification for the socket; it must not block.
	Notify(Notification)
	// Drop closes the socket (it missed the timeout).
	Drop(reason string)
	// Closed is closed when the socket has gone.
	Closed() <-chan struct{}
}

// Dispatcher delivers the store's change feed to ConfD-style subscription
// points, with ConfD's semantics: points fire in lock-step priority order
// (lowest first; all sockets of one priority in parallel, the next
// priority only once every one of them synced), one notification per
// socket and priority listing all its points that fired, and the
// transaction counts as done (Wait returns) when the last sync came.
type Dispatcher struct {
	st        *store.Store
	timeout   time.Duration
	secondary func() bool
	logf      func(string, ...any)
	seq       uint64 // feed position at creation (Run starts there)

	mu      sync.Mutex
	subs    map[*Sub]bool
	nextID  int
	npoints int           // points of activated sockets
	done    uint64        // txid of the last change set fully delivered
	doneC   chan struct{} // closed (and replaced) when done moves
}

// NewDispatcher returns a dispatcher for st (whose feed must be enabled:
// ErrFeedOff otherwise), which delivers the commits after this call once
// Run runs.
// timeout bounds each sync (DefaultTimeout if 0); secondary tells whether
// the node is an HA secondary (for FlagHAIsSecondary); logf may be nil.
func NewDispatcher(st *store.Store, timeout time.Duration, secondary func() bool, logf func(string, ...any)) (*Dispatcher, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	txid, seq, _, err := st.FeedPosition()
	if err != nil {
		return nil, err
	}
	return &Dispatcher{st: st, timeout: timeout, secondary: secondary, logf: logf, seq: seq,
		subs: map[*Sub]bool{}, done: txid, doneC: make(chan struct{})}, nil
}

// point is one subscription point.
type point struct {
	id, prio int
	pat      Path
	text     string
}

// Sub is one subscription socket.
type Sub struct {
	d *Dispatcher
	c Conn

	mu     sync.Mutex
	points []point
	active bool     // subscribe_done
	from   uint64   // feed Seq at subscribe_done: later entries are delivered
	cur    *pending // the notification waiting for its sync
}

// pending is a notification the dispatcher waits on.
type pending struct {
	set  *store.ChangeSet
	sync chan SyncType // buffered 1
}

// NewSub registers a subscription socket; it receives nothing until
// Activate. Close it when the socket goes.
func (d *Dispatcher) NewSub(c Conn) *Sub {
	s := &Sub{d: d, c: c}
	d.mu.Lock()
	d.subs[s] = true
	d.mu.Unlock()
	return s
}

// Subscribe adds a point (cdb_subscribe): pattern is an absolute keypath
// (keys may be left out, or "*", to match every entry). It returns the
// point's id, unique in the daemon.
func (s *Sub) Subscribe(prio int, pattern string) (int, error) {
	pat, err := Parse(pattern)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active {
		return 0, fmt.Errorf("%w: subscribe after subscribe_done", ErrBadState)
	}
	s.d.mu.Lock()
	s.d.nextID++
	id := s.d.nextID
	s.d.mu.Unlock()
	s.points = append(s.points, point{id: id, prio: prio, pat: pat, text: pat.String()})
	return id, nil
}

// Activate starts delivery to the socket's points (cdb_subscribe_done).
// reply runs before the first notification can be sent, so the answer to
// subscribe_done precedes it on the socket.
func (s *Sub) Activate(reply func()) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active {
		return fmt.Errorf("%w: subscribe_done called twice", ErrBadState)
	}
	_, seq, _, err := s.d.st.FeedPosition()
	if err != nil {
		return err
	}
	s.active, s.from = true, seq
	s.d.mu.Lock()
	s.d.npoints += len(s.points)
	s.d.mu.Unlock()
	reply() // the dispatcher needs s.mu to notify this socket
	return nil
}

// Close forgets the socket; a notification it owes a sync for counts as
// synced.
func (s *Sub) Close() {
	s.d.mu.Lock()
	if s.d.subs[s] {
		delete(s.d.subs, s)
		s.mu.Lock()
		if s.active {
			s.d.npoints -= len(s.points)
		}
		s.mu.Unlock()
	}
	s.d.mu.Unlock()
}

// Diff returns the walk of cdb_diff_iterate for point id over the
// notification waiting for its sync.
func (s *Sub) Diff(id, flags int) ([]DiffNode, error) {
	s.mu.Lock()
	cur := s.cur
	var pt *point
	for i := range s.points {
		if s.points[i].id == id {
			pt = &s.points[i]
		}
	}
	s.mu.Unlock()
	switch {
	case pt == nil:
		return nil, fmt.Errorf("%w: %d", ErrNoPoint, id)
	case cur == nil:
		return nil, fmt.Errorf("%w: no notification was read (diff_iterate goes between read_subscription_socket and sync)", ErrBadState)
	}
	set := cur.set
	if set.Reset && !set.Complete {
		all, err := s.d.everything(pt.pat)
		if err != nil {
			return nil, err
		}
		set = &all
	}
	return Diff(set, pt.pat, flags), nil
}

// Sync acknowledges the waiting notification (cdb_sync_subscription_socket).
// reply runs before the dispatcher may send the next notification, so the
// answer to the sync precedes it on the socket.
func (s *Sub) Sync(t SyncType, reply func()) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case t < DonePriority || t > DoneTransaction:
		return fmt.Errorf("%w: sync type %d does not answer a configuration notification", ErrUsage, t)
	case s.cur == nil:
		return fmt.Errorf("%w: no notification awaits a sync", ErrBadState)
	}
	cur := s.cur
	s.cur = nil
	reply()
	cur.sync <- t
	return nil
}

// everything is the synthetic change set of all stored entries under pat.
func (d *Dispatcher) everything(pat Path) (store.ChangeSet, error) {
	prefix := staticPrefix(pat)
	var es []store.Change
	err := d.st.Walk(prefix, func(p string, v store.Value) error {
		if pat.Covers(Split(p)) {
			es = append(es, store.Change{Path: p, New: v})
		}
		return nil
	})
	return Everything(d.st.Txid(), es), err
}

// staticPrefix is the store prefix every path a pattern covers starts
// with: its elements up to the first one with a wildcard or without keys.
func staticPrefix(pat Path) string {
	var b strings.Builder
	for _, e := range pat {
		b.WriteByte('/')
		b.WriteString(e.Name)
		if !e.Keyed || slices.Contains(e.Keys, "*") {
			break
		}
		b.WriteString(Path{e}.String()[1+len(e.Name):])
	}
	return b.String()
}

// Wait returns when the change set of txid has been delivered to every
// subscriber (each synced, went away or timed out), at once if no socket
// has active points, or when ctx ends. A commit on the primary waits here
// before it is acknowledged to its writer, as a ConfD commit waits for its
// subscribers.
func (d *Dispatcher) Wait(cancel <-chan struct{}, txid uint64) error {
	for {
		d.mu.Lock()
		idle, done, ch := d.npoints == 0, d.done, d.doneC
		d.mu.Unlock()
		if idle || done >= txid {
			return nil
		}
		select {
		case <-ch:
		case <-cancel:
			return ErrCanceled
		}
	}
}

// ErrCanceled: Wait gave up because its cancel channel closed.
var ErrCanceled = errors.New("cdb: wait canceled")

func (d *Dispatcher) setDone(txid uint64) {
	d.mu.Lock()
	d.done = txid
	close(d.doneC)
	d.doneC = make(chan struct{})
	d.mu.Unlock()
}

// Run follows the feed and delivers until stop is closed.
func (d *Dispatcher) Run(stop <-chan struct{}) {
	seq, wake := d.seq, (<-chan struct{})(nil)
	for {
		sets, w, err := d.st.ChangesSince(seq)
		if errors.Is(err, store.ErrResync) {
			// Fell behind the history (slow subscribers on a secondary):
			// tell everyone to re-read, from the current position.
			var txid uint64
			txid, seq, w, err = d.st.FeedPosition()
			sets = []store.ChangeSet{{Seq: seq, Txid: txid, Prev: txid, Reset: true}}
			d.logf("cdb subscriptions fell behind the change history: subscribers re-read at txid %d", txid)
		}
		if err != nil {
			d.logf("cdb subscriptions: %v", err)
			return
		}
		wake = w
		for i := range sets {
			d.deliver(&sets[i], stop)
			seq = sets[i].Seq
			d.setDone(sets[i].Txid)
		}
		if len(sets) > 0 {
			continue
		}
		select {
		case <-wake:
		case <-stop:
			return
		}
	}
}

// delivery is one socket's share of a priority group.
type delivery struct {
	sub *Sub
	ids []int
}

// plan groups the points that fire for set by priority, lowest first.
func (d *Dispatcher) plan(set *store.ChangeSet) ([]int, map[int][]delivery) {
	d.mu.Lock()
	subs := make([]*Sub, 0, len(d.subs))
	for s := range d.subs {
		subs = append(subs, s)
	}
	d.mu.Unlock()
	everything := set.Reset && !set.Complete
	groups := map[int][]delivery{}
	for _, s := range subs {
		s.mu.Lock()
		if s.active && set.Seq > s.from {
			byPrio := map[int][]int{}
			for _, p := range s.points {
				if everything || Fires(set, p.pat) {
					byPrio[p.prio] = append(byPrio[p.prio], p.id)
				}
			}
			for prio, ids := range byPrio {
				groups[prio] = append(groups[prio], delivery{sub: s, ids: ids})
			}
		}
		s.mu.Unlock()
	}
	prios := make([]int, 0, len(groups))
	for p := range groups {
		prios = append(prios, p)
	}
	sort.Ints(prios)
	return prios, groups
}

// deliver notifies every point set fires, priority by priority.
func (d *Dispatcher) deliver(set *store.ChangeSet, stop <-chan struct{}) {
	prios, groups := d.plan(set)
	if len(prios) == 0 {
		return
	}
	last := map[*Sub]int{} // each socket's last priority
	for _, p := range prios {
		for _, dl := range groups[p] {
			last[dl.sub] = p
		}
	}
	flags := 0
	if d.secondary != nil && d.secondary() {
		flags |= FlagHAIsSecondary
	}
	if set.Reset {
		flags |= FlagHASync
	}
	skip := map[*Sub]bool{} // DONE_SOCKET
	for _, p := range prios {
		type waiter struct {
			sub *Sub
			pd  *pending
		}
		var waiting []waiter
		for _, dl := range groups[p] {
			if skip[dl.sub] {
				continue
			}
			f := flags
			if last[dl.sub] == p {
				f |= FlagIsLast
			}
			pd := &pending{set: set, sync: make(chan SyncType, 1)}
			dl.sub.mu.Lock()
			dl.sub.cur = pd
			dl.sub.c.Notify(Notification{Points: dl.ids, Flags: f, Txid: set.Txid})
			dl.sub.mu.Unlock()
			waiting = append(waiting, waiter{dl.sub, pd})
		}
		stopAll := false
		deadline := time.Now().Add(d.timeout) // the sockets of a priority wait in parallel
		for _, w := range waiting {
			switch t := d.await(w.sub, w.pd, deadline, stop); t {
			case DoneSocket:
				skip[w.sub] = true
			case DoneTransaction:
				stopAll = true
			}
		}
		if stopAll {
			return
		}
	}
}

// await waits for s's sync of notification cur (0 if the socket went
// away or timed out).
func (d *Dispatcher) await(s *Sub, cur *pending, deadline time.Time, stop <-chan struct{}) SyncType {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case st := <-cur.sync:
		return st
	case <-s.c.Closed():
	case <-stop:
	case <-t.C:
		d.logf("cdb subscriber did not sync within %v: closing its socket", d.timeout)
		s.c.Drop(fmt.Sprintf("no cdb_sync_subscription_socket within %v", d.timeout))
	}
	s.mu.Lock()
	if s.cur == cur {
		s.cur = nil
	}
	s.mu.Unlock()
	select { // a sync that raced with the timeout
	case st := <-cur.sync:
		return st
	default:
	}
	return 0
}
