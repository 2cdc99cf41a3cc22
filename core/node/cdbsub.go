package node

// Config store change subscriptions inside gohad: the store's change feed
// (core/store) served over the control endpoint.
//
// Native watches (wire.OpCDBWatch: goha_cdb_subscribe, gohactl cdb watch,
// goha.cdb.watch): one goroutine per watching connection follows the feed
// and queues one wire.EvCDBChange per transaction with changes under the
// prefix, on the connection's bounded queue: a subscriber that stops
// reading is disconnected (and comes back with its last txid), it never
// holds up a commit.
//
// ConfD subscription sockets (wire.OpCDBSubscribe and the rest: the cdb_*
// subscription calls): a core/cdb.Dispatcher delivers the feed to their
// points in priority order; a commit's writer waits for it (cdbService.wait,
// called by the store ops of ha.go) as a ConfD commit waits for its
// subscribers, bounded per subscriber by cdb.DefaultTimeout.

import (
	"errors"
	"fmt"
	"sync"

	"github.com/goha/goha/core/cdb"
	"github.com/goha/goha/core/store"
	"github.com/goha/goha/core/wire"
)

// cdbService serves change subscriptions on the node's store.
type cdbService struct {
	n    *Node
	st   *store.Store
	disp *cdb.Dispatcher
	stop chan struct{}
	wg   sync.WaitGroup

	mu   sync.Mutex
	subs map[*ctlConn]*cdb.Sub
}

// startCDB enables the store's change feed, starts the subscription
// dispatcher and adds the subscription ops to ops.
func startCDB(n *Node, st *store.Store) (*cdbService, error) {
	st.EnableFeed(0)
	log := n.log.With("sub", "cdb")
	disp, err := cdb.NewDispatcher(st, cdb.DefaultTimeout, st.ReadOnly,
		func(f string, a ...any) { log.Info(fmt.Sprintf(f, a...)) })
	if err != nil {
		return nil, err
	}
	s := &cdbService{n: n, st: st, disp: disp, stop: make(chan struct{}), subs: map[*ctlConn]*cdb.Sub{}}
	s.wg.Add(1)
	go func() { defer s.wg.Done(); disp.Run(s.stop) }()
	return s, nil
}

// close stops the dispatcher and the watches; idempotent.
func (s *cdbService) close() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	s.wg.Wait()
}

// wait returns when the commit txid has been delivered to the ConfD
// subscribers (at once if there are none).
func (s *cdbService) wait(txid uint64) {
	s.disp.Wait(s.stop, txid) // returns at once while no socket has points
}

// changeEvent converts a feed entry for a watch on prefix; ok is false if
// nothing in it concerns the watch (a Reset that withdraws transactions
// always does: the watch may have delivered them).
func changeEvent(cs *store.ChangeSet, prefix string) (wire.CDBChangeEvent, bool) {
	ev := wire.CDBChangeEvent{Txid: cs.Txid, Prev: cs.Prev, Reset: cs.Reset, Complete: cs.Complete,
		Discarded: cs.Discarded, Changes: []wire.CDBChange{}}
	if cs.Reset && !cs.Complete {
		ev.Resync = true
		return ev, true
	}
	for _, c := range cs.Filter(prefix) {
		wc := wire.CDBChange{Path: c.Path}
		if !c.Created() {
			wc.Old = c.Old.Encode()
		}
		if !c.Deleted() {
			wc.New = c.New.Encode()
		}
		ev.Changes = append(ev.Changes, wc)
	}
	return ev, len(ev.Changes) > 0 || cs.Discarded != [2]uint64{}
}

// maxEventBody bounds one EvCDBChange; a transaction whose changes (old
// and new values) do not fit is sent as a Resync notice.
const maxEventBody = wire.MaxFrame - 64<<10

func (s *cdbService) opWatch(c *ctlConn, body []byte, reply func(any, error)) {
	var a wire.CDBWatchArg
	if err := wire.DecodeBody(body, &a); err != nil {
		reply(nil, &OpError{Code: wire.CodeBadRequest, Msg: "bad arguments: " + err.Error()})
		return
	}
	if a.Prefix != "" && a.Prefix[0] != '/' {
		reply(nil, codeErr(wire.CodeBadPath, fmt.Errorf("prefix %q does not start with /", a.Prefix)))
		return
	}
	var first []store.ChangeSet
	var notice *wire.CDBChangeEvent
	txid, seq, _, err := s.st.FeedPosition()
	if err == nil && a.Resume {
		sets, at, _, cerr := s.st.Changes(a.After)
		switch {
		case errors.Is(cerr, store.ErrResync):
			// The subscriber re-reads, then goes on from here.
			txid, seq, _, err = s.st.FeedPosition()
			notice = resyncNotice(txid, a.After)
		case cerr == nil:
			first, seq, txid = sets, at, a.After
		default:
			err = cerr
		}
	}
	if err != nil {
		reply(nil, err)
		return
	}
	// Queue the reply before any event: the loop does not run this
	// connection's events until the goroutine below starts.
	reply(&wire.CDBWatchResult{Txid: txid}, nil)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.watch(c, a.Prefix, seq, notice, first)
	}()
}

// resyncNotice tells a watcher that what changed after prev is not known:
// it re-reads, and txid is where the following events go on from.
func resyncNotice(txid, prev uint64) *wire.CDBChangeEvent {
	return &wire.CDBChangeEvent{Txid: txid, Prev: prev, Resync: true, Changes: []wire.CDBChange{}}
}

// watch follows the feed for one connection from position seq, after
// sending notice (if any) and first.
func (s *cdbService) watch(c *ctlConn, prefix string, seq uint64, notice *wire.CDBChangeEvent, first []store.ChangeSet) {
	emit := func(ev *wire.CDBChangeEvent) {
		b, err := wire.EncodeBody(ev)
		if err == nil && len(b) > maxEventBody {
			b, err = wire.EncodeBody(resyncNotice(ev.Txid, ev.Prev))
		}
		if err != nil {
			s.n.log.Error("encode cdb change event", "err", err)
			return
		}
		c.event(wire.EvCDBChange, b)
	}
	last := s.st.Txid() // the position the subscriber has reached
	send := func(cs *store.ChangeSet) {
		last = cs.Txid
		if ev, ok := changeEvent(cs, prefix); ok {
			emit(&ev)
		}
	}
	if notice != nil {
		emit(notice)
		last = notice.Txid
	}
	for i := range first {
		send(&first[i])
	}
	for {
		sets, wake, err := s.st.ChangesSince(seq)
		if errors.Is(err, store.ErrResync) {
			// Only if the feed's history dropped entries this goroutine
			// had not read yet: tell the subscriber to re-read.
			var txid uint64
			if txid, seq, wake, err = s.st.FeedPosition(); err == nil {
				emit(resyncNotice(txid, last))
				last = txid
			}
		}
		if err != nil {
			c.shutdown("cdb watch: " + err.Error())
			return
		}
		for i := range sets {
			send(&sets[i])
			seq = sets[i].Seq
		}
		if len(sets) > 0 {
			continue
		}
		select {
		case <-wake:
		case <-c.closedCh():
			return
		case <-s.stop:
			return
		}
	}
}

func (s *cdbService) opExists(_ *ctlConn, body []byte, reply func(any, error)) {
	var a wire.CDBPathArg
	if err := wire.DecodeBody(body, &a); err != nil {
		reply(nil, &OpError{Code: wire.CodeBadRequest, Msg: "bad arguments: " + err.Error()})
		return
	}
	s.goReply(reply, func() (any, error) {
		if err := store.ValidatePath(a.Path); err != nil {
			return nil, err
		}
		// A leaf, or an interior node: a path below it.
		found := false
		err := s.st.Walk(a.Path, func(p string, _ store.Value) error {
			if p == a.Path || len(p) > len(a.Path) && p[len(a.Path)] == '/' {
				found = true
				return errStopWalk
			}
			if p > a.Path+"/" {
				return errStopWalk // past the subtree: "/a/b" < "/a/b/..." < "/a/b0"
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStopWalk) {
			return nil, err
		}
		return &wire.CDBBool{Yes: found}, nil
	})
}

var errStopWalk = errors.New("stop")

// goReply runs fn on its own goroutine and replies with its result.
func (s *cdbService) goReply(reply func(any, error), fn func() (any, error)) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		res, err := fn()
		reply(res, err)
	}()
}

func (s *cdbService) opSetText(_ *ctlConn, body []byte, reply func(any, error)) {
	var a wire.CDBSetTextArg
	if err := wire.DecodeBody(body, &a); err != nil {
		reply(nil, &OpError{Code: wire.CodeBadRequest, Msg: "bad arguments: " + err.Error()})
		return
	}
	h := s.n.ha
	s.goReply(reply, func() (any, error) {
		// The text takes the type the leaf has (ConfD parses it by the
		// schema's type); a new leaf becomes a C_BUF.
		t := store.TypeBuf
		if old, err := h.rt.Get(a.Path); err == nil {
			t = old.Type()
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		v, err := store.ParseValue(t, a.Text)
		if err != nil {
			return nil, err
		}
		txid, err := h.rt.Set(a.Path, v)
		if err != nil {
			return nil, err
		}
		s.wait(txid)
		return &wire.CDBTxid{Txid: txid}, nil
	})
}

// subConn adapts a control connection to core/cdb's Conn.
type subConn struct {
	c   *ctlConn
	log func(msg string, args ...any)
}

func (sc subConn) Notify(n cdb.Notification) {
	b, err := wire.EncodeBody(&wire.CDBSubEvent{Points: n.Points, Flags: n.Flags, Txid: n.Txid})
	if err != nil {
		sc.log("encode cdb notification", "err", err)
		return
	}
	sc.c.event(wire.EvCDBSub, b)
}

func (sc subConn) Drop(reason string)      { sc.c.shutdown(reason) }
func (sc subConn) Closed() <-chan struct{} { return sc.c.closedCh() }

// sub returns c's subscription socket state, creating it.
func (s *cdbService) sub(c *ctlConn) *cdb.Sub {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sb := s.subs[c]; sb != nil {
		return sb
	}
	sb := s.disp.NewSub(subConn{c: c, log: s.n.log.Error})
	s.subs[c] = sb
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		select {
		case <-c.closedCh():
		case <-s.stop:
		}
		sb.Close()
		s.mu.Lock()
		delete(s.subs, c)
		s.mu.Unlock()
	}()
	return sb
}

func (s *cdbService) opSubscribe(c *ctlConn, body []byte, reply func(any, error)) {
	var a wire.CDBSubscribeArg
	if err := wire.DecodeBody(body, &a); err != nil {
		reply(nil, &OpError{Code: wire.CodeBadRequest, Msg: "bad arguments: " + err.Error()})
		return
	}
	id, err := s.sub(c).Subscribe(a.Priority, a.Path)
	if err != nil {
		reply(nil, err)
		return
	}
	reply(&wire.CDBPoint{ID: id}, nil)
}

func (s *cdbService) opSubDone(c *ctlConn, _ []byte, reply func(any, error)) {
	sb := s.sub(c)
	s.wg.Add(1)
	go func() { // Activate waits for the store's commit lock
		defer s.wg.Done()
		if err := sb.Activate(func() { reply(nil, nil) }); err != nil {
			reply(nil, err)
		}
	}()
}

func (s *cdbService) opDiff(c *ctlConn, body []byte, reply func(any, error)) {
	var a wire.CDBDiffArg
	if err := wire.DecodeBody(body, &a); err != nil {
		reply(nil, &OpError{Code: wire.CodeBadRequest, Msg: "bad arguments: " + err.Error()})
		return
	}
	sb := s.sub(c)
	s.goReply(reply, func() (any, error) {
		nodes, err := sb.Diff(a.Point, a.Flags)
		if err != nil {
			return nil, err
		}
		res := &wire.CDBDiff{Nodes: make([]wire.CDBDiffNode, 0, len(nodes))}
		for _, d := range nodes {
			wn := wire.CDBDiffNode{Depth: d.Depth, Path: d.Path, Op: int(d.Op)}
			if d.Old.Type() != 0 {
				wn.Old = d.Old.Encode()
			}
			if d.New.Type() != 0 {
				wn.New = d.New.Encode()
			}
			res.Nodes = append(res.Nodes, wn)
		}
		return res, nil
	})
}

func (s *cdbService) opSync(c *ctlConn, body []byte, reply func(any, error)) {
	var a wire.CDBSyncArg
	if err := wire.DecodeBody(body, &a); err != nil {
		reply(nil, &OpError{Code: wire.CodeBadRequest, Msg: "bad arguments: " + err.Error()})
		return
	}
	// The reply is queued inside Sync, before the dispatcher can send the
	// next notification on this connection.
	if err := s.sub(c).Sync(cdb.SyncType(a.Type), func() { reply(nil, nil) }); err != nil {
		reply(nil, err)
	}
}
