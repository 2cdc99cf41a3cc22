package ha

import (
	"fmt"
	"slices"
)

// Auto mode (Config.Auto): core/node/engine decides the roles from the
// cluster's membership and tells the node, besides the role commands,
// which secondaries a commit must wait for. See "Auto mode" in the package
// doc.

// maxHistory bounds the epoch history kept (pairs of epoch, start txid).
const maxHistory = 32

// autoState is the auto-mode state of a Node.
type autoState struct {
	epoch     uint64
	hist      []uint64 // pairs (epoch, txid when the epoch began), oldest first
	required  []string // secondaries every acknowledged commit must be on
	counted   int      // how many of them count towards minSync
	minSync   int
	lag       uint64
	discarded [2]uint64
}

// SetRequired sets the secondaries (HA node names) that must have every
// commit before it is acknowledged, how many of them count towards
// minSync (those the cluster's confirmed record lists in sync, so that one
// of them can be elected in the primary's place: a secondary is required
// before it is published, and published before a quorum confirmed it),
// the least number of them (minSync), and how many commits they may lag
// (0 in sync mode; the async max_lag). A commit waits while fewer than
// minSync count. If fewer than minSync are required at all, pending
// commits cannot be acknowledged any more: they are aborted (committed
// locally, never acknowledged).
func (n *Node) SetRequired(names []string, counted, minSync int, lag uint64) {
	names = slices.Clone(names)
	slices.Sort(names)
	names = slices.Compact(names)
	a := &n.auto
	if !slices.Equal(a.required, names) || a.counted != counted {
		n.logf("required secondaries %v, %d of them confirmed in sync (min_sync %d)", names, counted, minSync)
	}
	a.required, a.counted, a.minSync, a.lag = names, counted, minSync, lag
	if n.role != RolePrimary {
		return
	}
	if len(names) < minSync && len(n.pend) > 0 {
		n.logf("%d pending commits aborted: %d in-sync secondaries, min_sync %d", len(n.pend), len(names), minSync)
		n.abortPending()
		return
	}
	n.release()
}

// SetEpoch sets the epoch of the local store when the node becomes the
// primary of epoch e: the history records that e began at the current
// txid (the daemon persists Status().History with the epoch).
func (n *Node) SetEpoch(e uint64) {
	a := &n.auto
	if e == a.epoch {
		return
	}
	a.epoch = e
	if k := len(a.hist); k < 2 || a.hist[k-2] < e {
		a.hist = append(a.hist, e, n.txid)
		if len(a.hist) > 2*maxHistory {
			a.hist = a.hist[len(a.hist)-2*maxHistory:]
		}
	}
	n.logf("epoch %d from txid %d", e, n.txid)
}

// Epoch returns the epoch of the local store.
func (n *Node) Epoch() uint64 { return n.auto.epoch }

// releaseAuto acknowledges, in order, the pending commits every required
// secondary has (up to the allowed lag) while enough are required.
func (n *Node) releaseAuto() {
	if n.role != RolePrimary {
		return
	}
	for len(n.pend) > 0 && n.autoAcked(n.pend[0].txid) {
		n.rd.Acked = append(n.rd.Acked, n.pend[0].txid)
		n.pend = n.pend[1:]
	}
}

func (n *Node) autoAcked(txid uint64) bool {
	a := &n.auto
	if len(a.required) < a.minSync || a.counted < a.minSync {
		return false
	}
	for _, name := range a.required {
		if n.ackedBy(name)+a.lag < txid {
			return false
		}
	}
	return true
}

// ackedBy is the highest txid the secondary called name acknowledged on a
// connection whose copy is installed (0 if it has none).
func (n *Node) ackedBy(name string) uint64 {
	var best uint64
	for _, p := range n.peers {
		if p.name == name && p.state >= peerCatchingUp {
			best = max(best, p.acked)
		}
	}
	return best
}

// adoptEpoch takes the primary's epoch and history when the initial sync
// completes; with a copy, the local commits the primary's history does not
// hold are discarded: logged, reported in Status.Discarded, and returned
// (zero if none).
func (n *Node) adoptEpoch(m Message, byCopy bool) (discarded [2]uint64) {
	if !n.cfg.Auto {
		return discarded
	}
	a := &n.auto
	if byCopy && n.txid > 0 && m.Epoch > a.epoch {
		fork, known := forkTxid(m.History, a.epoch)
		switch {
		case !known:
			n.logf("store at txid %d (epoch %d) replaced by a copy at txid %d (epoch %d): the primary's history does not reach back to our epoch; commits of ours it lacks are discarded",
				n.txid, a.epoch, m.Txid, m.Epoch)
			discarded = [2]uint64{1, n.txid}
		case n.txid > fork:
			n.logf("DISCARDED txids %d..%d of epoch %d: never acknowledged, not in primary %s's history (epoch %d from txid %d)",
				fork+1, n.txid, a.epoch, n.up.name, m.Epoch, fork)
			discarded = [2]uint64{fork + 1, n.txid}
		}
	}
	if discarded != [2]uint64{} {
		a.discarded = discarded
	}
	a.epoch = m.Epoch
	a.hist = append([]uint64{}, m.History...)
	return discarded
}

// forkTxid returns where the history hist leaves epoch e: the start txid
// of the first later epoch (so commits of epoch e after it were never part
// of hist's line). known is false when hist does not reach back to e.
func forkTxid(hist []uint64, e uint64) (uint64, bool) {
	for i := 0; i+1 < len(hist); i += 2 {
		if hist[i] > e {
			return hist[i+1], i > 0 || len(hist) < 2*maxHistory
		}
	}
	return ^uint64(0), true // e is the newest epoch in hist: nothing left it
}

// AutoString is a one-line summary for logs and tests.
func (n *Node) AutoString() string {
	return fmt.Sprintf("epoch=%d required=%v counted=%d min_sync=%d pending=%d", n.auto.epoch, n.auto.required, n.auto.counted, n.auto.minSync, len(n.pend))
}
